/**
 * Review pq, finding 4: a launcher's first heartbeat moves its Queued job to Running (`heartbeat`, src/app/jobs.ts). It
 * read the job in one transaction and wrote the move in another, and answered from what it had read: a job stopped
 * between the two (`jobs stop`, an administrator, its submitter disabled) was not moved (the write found it Stopped and
 * refused) but the heartbeat answered `{"stop": false, "state": "Running"}`, so `gatehouse jobs run` kept the job's
 * processes running on a job the server had ended (sessions revoked, endpoints 410) until its next beat. Contract:
 * DESIGN.md (`gatehouse jobs run`: the job's sessions stop working when it ends; its CMD with them), docs/decisions.md
 * (the launcher learns of an end at its heartbeat, review ag, 9: any end stops the processes) and the project's pattern
 * for racing writes (nb 1–3): the answer now comes from the job as the write found it, `{"stop": true, "state":
 * "Stopped", reason}`.
 *
 * A real server (SQLite) and a second App on its store whose next write first stops the job through the server's
 * admin API, as a `jobs stop` landing between the heartbeat's read and its write (test/support/racing-write.ts).
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { racingWrite, type RacingWrite } from './support/racing-write.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let race: RacingWrite;

before(async () => {
  server = await startTestServer();
  race = await racingWrite(server);
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/pq4', { members: [{ user: 'admin' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
});
after(async () => {
  await server?.stop();
});

async function queuedJob(): Promise<string> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'pq4', role: 'none', imds: false });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return (r.json['job'] as { id: string }).id;
}

test('pq4: a job stopped between a heartbeat\'s read and its move to Running is answered stop', async () => {
  const id = await queuedJob();
  let stopped = 0;
  race.beforeNextWrite(async () => {
    stopped = (await gatehouseJson(server.url, server.admin, 'POST', `/v1/jobs/${id}/stop`, {})).status;
  });
  const r = await race.app.jobs.heartbeat(id);
  assert.equal(stopped, 200, 'the job was stopped in between');
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value.state, 'Stopped', JSON.stringify(r.value));
  assert.equal(r.value.stop, true, 'the launcher is told to stop');
  const got = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${id}`);
  assert.equal(got.json['state'], 'Stopped', 'the job stays Stopped');
});

test('pq4: a heartbeat with no race still moves a Queued job to Running, and answers so', async () => {
  const id = await queuedJob();
  const r = await race.app.jobs.heartbeat(id);
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.value, { stop: false, state: 'Running' });
  const got = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${id}`);
  assert.equal(got.json['state'], 'Running');
});
