/**
 * `gatehouse kube webhook-config` writes files that hold the cluster's webhook bearer token (review cli, G19). It
 * wrote them in place: a file already there kept its mode (0644 here) while the new token went into it, and a
 * symbolic link planted at a file's path was followed, writing the token wherever the link pointed. Now each file is
 * written to a new 0600 file beside it and renamed over the path: the mode is 0600 from the first byte, the link is
 * replaced, and what it pointed to is untouched. The CLI's program in this process (test/support/gatehouse-cli.ts; the
 * files go to `--out`, an absolute path) against a real server on 127.0.0.1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyConfig } from '../src/app/apply.ts';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

let dir = '';
let server: RunningServer;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-g19-'));
  server = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: () => {} });
  const root = JSON.parse(await readFile(join(dir, 'data', ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string };
  const who = await server.app.authenticate(root.AccessKeyId);
  assert.ok(who.ok);
  const applied = await applyConfig(server.app.deps, who.value.caller, { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'c1' }, spec: {} }] });
  assert.ok(applied.ok, JSON.stringify(!applied.ok && applied.errors));
});

after(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('webhook-config: an existing file ends 0600, a planted link is replaced and its target untouched, no temporary file left', async () => {
  const out = join(dir, 'webhooks');
  await mkdir(out, { mode: 0o700 });
  // A file from an earlier run, left readable by others; a link planted where another file will go.
  await writeFile(join(out, 'authentication-webhook.kubeconfig'), 'old token\n', { mode: 0o644 });
  const elsewhere = join(dir, 'elsewhere.txt');
  await writeFile(elsewhere, 'not yours\n', { mode: 0o644 });
  await symlink(elsewhere, join(out, 'authorization-webhook.kubeconfig'));

  const r = await gatehouseInProcess(['kube', 'webhook-config', '--cluster', 'c1', '--out', out, '--data-dir', join(dir, 'data'), '--endpoint', server.url], { PATH: '/usr/bin:/bin', HOME: dir });
  assert.equal(r.code, 0, r.stderr);
  for (const name of ['authentication-webhook.kubeconfig', 'authorization-webhook.kubeconfig']) {
    const st = await lstat(join(out, name));
    assert.ok(st.isFile(), `${name} is a regular file, not a link`);
    assert.equal(st.mode & 0o777, 0o600, name);
    assert.match(await readFile(join(out, name), 'utf8'), /token/);
  }
  assert.equal(await readFile(elsewhere, 'utf8'), 'not yours\n', 'the link’s target is untouched');
  assert.equal((await stat(elsewhere)).mode & 0o777, 0o644);
  assert.deepEqual((await readdir(out)).filter((f) => f.endsWith('.tmp')), []);
});
