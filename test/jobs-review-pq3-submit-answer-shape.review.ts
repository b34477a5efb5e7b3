/**
 * Review pq, finding 3: every answer that shows a job (`GET /v1/jobs/{id}`, `GET /v1/jobs`, a stop, the audit log)
 * leaves out the hashes of its capabilities (`capabilityHash`, `rankCapabilityHash`: the keys the server finds a job by
 * from a presented capability, src/app/jobs.ts `JobAnswer`, "without its capabilities' hashes"), but the answers of a
 * submission (`POST /v1/jobs`, `gatehouse jobs run`) and of a node's start (`POST /v1/clusters/{name}/nodes`) gave the
 * stored job as it was written, hashes and all: a verifier of each bearer capability, shown to whatever reads or logs
 * the answer (`--json`), and a job shaped otherwise than every other read of it. The capabilities are 256 random bits,
 * so a hash gives no way to one: the fault is the inconsistency, and a key of the server's capability index shown. The
 * job in those answers is now the one every reader is answered (the capabilities themselves are still shown there
 * once, as they must be).
 *
 * A real server (SQLite); the requests signed and sent as the CLI sends them.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.stop();
});

const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

/** The job of a 201 answer, checked against the same job as `GET /v1/jobs/{id}` answers it. */
async function sameAsRead(answer: { status: number; json: Record<string, unknown> }): Promise<void> {
  assert.equal(answer.status, 201, JSON.stringify(answer.json));
  const job = answer.json['job'] as Record<string, unknown>;
  assert.equal(typeof answer.json['capability'], 'string', 'the capability is still shown once');
  for (const k of ['capabilityHash', 'rankCapabilityHash', 'sessionPolicy']) assert.ok(!(k in job), `the answer's job holds \`${k}\`: ${JSON.stringify(job)}`);
  const read = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${String(job['id'])}`);
  assert.equal(read.status, 200, JSON.stringify(read.json));
  assert.deepEqual(Object.keys(job).sort(), Object.keys(read.json).sort(), 'the same fields as a read of the job');
}

test('pq3: a submission\'s answer shows the job as every read of it does, without its capabilities\' hashes', async () => {
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/pq3', { members: [{ user: 'admin' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
  await sameAsRead(await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'pq3', role: 'none', imds: false }));
});

test('pq3: a node start\'s answer shows the job as every read of it does, without its capabilities\' hashes', async () => {
  await server.iam().send(new I.CreateRoleCommand({ RoleName: 'pq3-node', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
  const c = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/clusters/pq3', { instanceRole: 'pq3-node' });
  assert.equal(c.status, 200, JSON.stringify(c.json));
  await sameAsRead(await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/pq3/nodes', { imds: false }));
});
