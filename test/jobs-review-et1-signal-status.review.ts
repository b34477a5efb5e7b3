/**
 * Review et, finding 1: `jobs run` exits with CMD's status, and a rank killed by a signal is 128 + the signal's number
 * "as a shell reports it" (docs/errors.md says so of `demo`; `sh -c 'kill -SEGV $$'; echo $?` says 139). The launcher's
 * table knew five signals (HUP, INT, QUIT, KILL, TERM) and read any other as 1: a rank that crashed with SIGSEGV or
 * aborted (SIGABRT, a failed assertion in native code, a CUDA error turned abort) ended the job with status 129, which is
 * SIGHUP's, both on the command line and as the job's `exitCode` on the server. A command found but not runnable (no
 * execute permission, a directory) was 127, "not found", where a shell says 126.
 *
 * The real CLI in process against a real server; each rank kills itself by the signal. All 3 tests failed before the
 * fix (129, 129, 127).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
});
after(async () => {
  await server?.stop();
});

/** `jobs run -- CMD…` with no role; its status, and the job's exit code as the server holds it. */
async function runJob(command: string[]): Promise<{ status: number; exitCode: unknown; state: unknown; err: string }> {
  const r = await cliAgainst(server, ['jobs', 'run', '--workspace', 'w', '--role', 'none', '--no-imds', '--', ...command]);
  const id = /job (\w+) \(/.exec(r.err)?.[1] ?? '';
  const job = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${id}`);
  return { status: r.status, exitCode: job.json['exitCode'], state: job.json['state'], err: r.err };
}

for (const [signal, number] of [['SEGV', 11], ['ABRT', 6]] as const) {
  test(`et1: a rank killed by SIG${signal} ends the job with status ${128 + number}, here and on the server`, async () => {
    const r = await runJob(['sh', '-c', `kill -${signal} $$`]);
    assert.equal(r.status, 128 + number, r.err);
    assert.equal(r.state, 'Failed');
    assert.equal(r.exitCode, 128 + number);
  });
}

test('et1: a command that is there but cannot be run is 126, as a shell says; one not found stays 127', async () => {
  const notRunnable = await runJob(['/etc/passwd']);
  assert.equal(notRunnable.status, 126, notRunnable.err);
  assert.match(notRunnable.err, /cannot run `\/etc\/passwd`/);
  assert.equal(notRunnable.exitCode, 126);
  const missing = await runJob(['gatehouse-et1-no-such-command']);
  assert.equal(missing.status, 127, missing.err);
});
