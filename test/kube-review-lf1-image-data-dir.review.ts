/**
 * Review `lf`, 1: the image's data directory.
 *
 * deploy/kubernetes/Dockerfile runs the server as `USER node` with `--data-dir /var/lib/gatehouse` but never created
 * that directory: under node:24-slim `/var/lib` belongs to root, so `docker run gatehouse:0.1.0` (no volume, or a
 * named volume Docker seeds from the image's directory) failed at start with EACCES creating the data directory. The
 * Kubernetes deployment hid it (its PVC mounted with fsGroup 1000). Now the image creates the directory, owned by the
 * user it runs as, and declares it a VOLUME so a fresh named volume inherits that owner.
 * Docker is not available here, so the Dockerfile is read: the steps before `USER` are interpreted (the few shell
 * forms that make directories and set owners) and the directory the CMD names must end up existing and owned by the
 * user the image runs as. Before the fix 2 of 3 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const dockerfile = await readFile(join(ROOT, 'deploy/kubernetes/Dockerfile'), 'utf8');
/** Instructions, continuation lines joined, comments dropped. */
const steps = dockerfile.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));

function dataDir(): string {
  const cmd = steps.find((s) => s.startsWith('CMD '));
  assert.ok(cmd, 'the Dockerfile has a CMD');
  const args = JSON.parse(cmd.slice(4)) as string[];
  const i = args.indexOf('--data-dir');
  const dir = i >= 0 ? args[i + 1] : args.find((a) => a.startsWith('--data-dir='))?.slice('--data-dir='.length);
  assert.ok(dir, 'the CMD names a --data-dir');
  return dir;
}

function runUser(): string {
  const users = steps.filter((s) => s.startsWith('USER '));
  assert.ok(users.length > 0, 'the image runs as a named user');
  return users.at(-1)!.slice(5).trim().split(':')[0]!;
}

/** Owners of the directories the RUN steps before the last USER make: `mkdir [-p]`, `chown [-R] U[:G]`, `install -d -o U`. */
function madeDirectories(): Map<string, string> {
  const owners = new Map<string, string>();
  const lastUser = steps.findLastIndex((s) => s.startsWith('USER '));
  for (const step of steps.slice(0, lastUser)) {
    if (!step.startsWith('RUN ')) continue;
    for (const command of step.slice(4).split(/&&|;/)) {
      const words = command.trim().split(/\s+/);
      const paths = words.slice(1).filter((w) => w.startsWith('/'));
      if (words[0] === 'mkdir') for (const p of paths) owners.set(p, 'root');
      if (words[0] === 'chown') {
        const owner = words.slice(1).find((w) => !w.startsWith('-') && !w.startsWith('/'));
        for (const p of paths) if (owners.has(p) && owner) owners.set(p, owner.split(':')[0]!);
      }
      if (words[0] === 'install' && words.includes('-d')) {
        const o = words[words.indexOf('-o') + 1];
        for (const p of paths) owners.set(p, words.includes('-o') && o ? o : 'root');
      }
    }
  }
  return owners;
}

test('the image runs as node with the data directory under /var/lib', () => {
  assert.equal(runUser(), 'node');
  assert.equal(dataDir(), '/var/lib/gatehouse');
});

test('the data directory the CMD names is made before USER and owned by the user the server runs as', () => {
  const owners = madeDirectories();
  assert.ok(owners.has(dataDir()), `a RUN step before USER creates ${dataDir()} (the server, as ${runUser()}, cannot create it under /var/lib)`);
  assert.equal(owners.get(dataDir()), runUser());
});

test('the data directory is a VOLUME, so a fresh named volume takes the image directory’s owner', () => {
  const volumes = steps.filter((s) => s.startsWith('VOLUME ')).flatMap((s) => {
    const rest = s.slice(7).trim();
    return rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/);
  });
  assert.ok(volumes.includes(dataDir()), `VOLUME ${dataDir()}`);
  const volumeAt = steps.findIndex((s) => s.startsWith('VOLUME '));
  const madeAt = steps.findIndex((s) => s.startsWith('RUN ') && s.includes(dataDir()));
  assert.ok(madeAt >= 0 && madeAt < volumeAt, 'the directory is made and owned before it is declared a volume (later changes to a volume are discarded)');
});
