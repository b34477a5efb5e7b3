/**
 * Review et, finding 2: a command Node refuses to start by throwing rather than by an `error` event (a path through a
 * file, `/etc/passwd/x`: ENOTDIR; a name too long: ENAMETOOLONG; an argument list too long: E2BIG) crashed
 * `jobs run`: "gatehouse: internal error: Error: spawn ENOTDIR" with a stack trace, exit 70, and the job left Running on
 * the server (its sessions working) until its heartbeat timed out, with any rank already started left running. Now
 * the rank fails as a command that cannot be run does (126, as a shell reports it), no further rank is started, and
 * the job ends Failed at once.
 *
 * The real CLI in process against a real server. Its test failed before the fix (status 70, job Running).
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

for (const [why, command] of [
  ['a path through a file (ENOTDIR)', '/etc/passwd/x'],
  ['a name too long (ENAMETOOLONG)', `/tmp/${'x'.repeat(5000)}`],
] as const) {
  test(`et2: a command that cannot be started, ${why}: status 126, no stack trace, the job Failed at once`, async () => {
    const r = await cliAgainst(server, ['jobs', 'run', '--workspace', 'w', '--role', 'none', '--no-imds', '--replicas', '2', '--', command]);
    assert.equal(r.status, 126, r.err);
    assert.doesNotMatch(r.err, /internal error|\n\s+at /);
    assert.match(r.err, /cannot run `/);
    const id = /job (\w+) \(/.exec(r.err)?.[1] ?? '';
    const job = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${id}`);
    assert.equal(job.json['state'], 'Failed', JSON.stringify(job.json));
    assert.equal(job.json['exitCode'], 126, JSON.stringify(job.json));
  });
}
