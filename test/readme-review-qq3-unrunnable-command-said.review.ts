/**
 * Review `readme`, qq3: the tour runs its jobs as `npx gatehouse jobs run … -- node examples/jobs/whoami.mjs`; a
 * command mistyped, not on the job's PATH, a script without its execute bit (`-- ./train.py`), a directory, or a
 * script whose `#!` names an interpreter the machine lacks was told in Node's words: `cannot run \`nosuchcmd\`: spawn
 * nosuchcmd ENOENT`, `spawn ./train.py EACCES` (the same for a directory), and the first line again for every rank
 * (`--replicas 8`: eight times). Every error a user can hit in the tour must say what to do: each is now said once, in
 * words, with the remedy (check the name or PATH, or give its path; `chmod +x` or run it through its interpreter; give
 * a program, not a directory; install the interpreter the first line names or fix that line), the statuses as a shell
 * gives them (127, 126) as before. The real CLI in process against a real server.
 * Before the fix 4 of 4 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let dir: string;
before(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'gh-qq3-'));
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
});
after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const runJob = (command: string) => cliAgainst(server, ['jobs', 'run', '--workspace', 'w', '--role', 'none', '--no-imds', '--replicas', '2', '--', command]);
const said = (err: string) => err.split('\n').filter((l) => l.includes('cannot run `'));

test('qq3: a command not found is said once, in words: check its name or PATH (127)', async () => {
  const r = await runJob('gatehouse-qq3-no-such-command');
  assert.equal(r.status, 127, r.err);
  const lines = said(r.err);
  assert.equal(lines.length, 1, r.err);
  assert.match(lines[0] as string, /^gatehouse: cannot run `gatehouse-qq3-no-such-command`: no such command on the job's PATH; check its name, or give its path/);
  assert.doesNotMatch(r.err, /ENOENT|spawn /);
});

test('qq3: a script without its execute bit: permission denied, chmod +x or its interpreter (126)', async () => {
  const script = join(dir, 'train.sh');
  await writeFile(script, '#!/bin/sh\nexit 0\n');
  await chmod(script, 0o644);
  const r = await runJob(script);
  assert.equal(r.status, 126, r.err);
  const lines = said(r.err);
  assert.equal(lines.length, 1, r.err);
  assert.match(lines[0] as string, /: permission denied: it is not executable; `chmod \+x` it, or run it through its interpreter/);
  assert.doesNotMatch(r.err, /EACCES|spawn /);
});

test('qq3: a directory: give a program (126)', async () => {
  const sub = join(dir, 'code');
  await mkdir(sub);
  const r = await runJob(sub);
  assert.equal(r.status, 126, r.err);
  assert.match(r.err, /cannot run `[^`]+code`: it is a directory; give the program to run/);
  assert.doesNotMatch(r.err, /EACCES|spawn /);
});

test('qq3: a script whose #! interpreter is missing: its first line is named (127)', async () => {
  const script = join(dir, 'train.py');
  await writeFile(script, '#!/nonexistent/python9\nprint(1)\n');
  await chmod(script, 0o755);
  const r = await runJob(script);
  assert.equal(r.status, 127, r.err);
  assert.match(r.err, /cannot run `[^`]+train\.py`: the interpreter its first line names \(#!\/nonexistent\/python9\) is not there; install it, or fix that line/);
  assert.doesNotMatch(r.err, /ENOENT|spawn /);
});
