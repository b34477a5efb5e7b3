/**
 * Review ez, 8: the README's tour, run in the checkout as it shows, writes files there: `kube webhook-config --out
 * ./webhooks` (kubeconfigs holding a live webhook token), `shard-0000N.tar` and `./leaked-credentials` (a session's
 * secret key). None was ignored by git, so the `git add -A` of a contributor who had followed the tour committed a
 * token and a secret. Now every file the tour writes into the working directory is ignored. The paths are read off the
 * README's commands (`--out ./X`, `> X`, `cp … ./X`), so a new one the tour starts writing is held to the same rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const ROOT = new URL('..', import.meta.url).pathname;
const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The paths the README's shell commands write under the working directory, `$i` read as 0 to 3. */
function writtenPaths(): string[] {
  const out = new Set<string>();
  // Shell commands only: a line after the `$ ` prompt, and the lines it continues with a trailing backslash.
  let continued = false;
  for (const line of README.split('\n')) {
    const isCommand: boolean = line.startsWith('$ ') || continued;
    continued = isCommand && line.endsWith('\\');
    if (!isCommand) continue;
    const command = line.replace(/\s#\s.*$/, '');
    for (const m of command.matchAll(/--out \.\/([\w.-]+)/g)) out.add(`${m[1]}/kubeconfig`);
    for (const m of command.matchAll(/\s>\s*(?:\.\/)?([A-Za-z][\w.$-]*)/g)) for (const i of [0, 1, 2, 3]) out.add((m[1] as string).replaceAll('$i', String(i)));
    for (const m of command.matchAll(/\bcp\s+\S+\s+\.\/([\w.-]+)/g)) out.add(m[1] as string);
  }
  return [...out].sort();
}

const inGit = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() === 'true';

test('every file the README tour writes into the checkout is ignored by git', { skip: inGit ? false : 'not a git checkout' }, () => {
  const paths = writtenPaths();
  assert.ok(paths.includes('webhooks/kubeconfig') && paths.includes('leaked-credentials') && paths.includes('shard-00003.tar'), `read off the README: ${paths.join(', ')}`);
  const ignored = execFileSync('git', ['check-ignore', '--no-index', ...paths], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n');
  assert.deepEqual(ignored.sort(), paths);
});
