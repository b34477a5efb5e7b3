/**
 * Review agent, U2: every job submitted through the API (`POST /v1/jobs`, and a cluster node) opened a listening port
 * on the server host for its metadata endpoint, without bound: a user allowed training:CreateJob who kept the jobs
 * alive could take every port and descriptor of the server. The server now opens at most `maxMetadataEndpoints`
 * (1,000 by default); past it a submission asking for one is refused before the job exists (LimitExceeded, naming
 * `"imds": false` and the node agent), one with `"imds": false` is still taken, and a job that ends frees its port.
 * Real server, SigV4-signed `/v1/` calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { settled } from './support/settle.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer({ maxMetadataEndpoints: 2 });
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w1', { members: [{ user: 'admin' }] });
  assert.ok(ws.status === 200 || ws.status === 201, JSON.stringify(ws.json));
});
after(async () => {
  await server?.stop();
});

interface Submitted {
  readonly job: { readonly id: string };
  readonly capability: string;
  readonly environment: Record<string, string>;
}

const submit = (extra: Record<string, unknown> = {}) => gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w1', role: 'none', ...extra });

test('past its bound the server refuses a job that asks for a metadata endpoint, before the job exists; an ended job frees its port', async () => {
  const first = await submit();
  assert.equal(first.status, 201, JSON.stringify(first.json));
  const second = await submit();
  assert.equal(second.status, 201, JSON.stringify(second.json));
  for (const s of [first, second]) assert.match(String((s.json as unknown as Submitted).environment['AWS_EC2_METADATA_SERVICE_ENDPOINT']), /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const jobsBefore = ((await gatehouseJson(server.url, server.admin, 'GET', '/v1/jobs')).json['jobs'] as unknown[]).length;

  const third = await submit();
  assert.equal(third.status, 409, JSON.stringify(third.json));
  const error = third.json['error'] as { code: string; message: string };
  assert.equal(error.code, 'LimitExceeded');
  assert.match(error.message, /2 job metadata endpoints/);
  assert.match(error.message, /"imds": false/);
  assert.match(error.message, /gatehouse agent/);
  assert.equal(((await gatehouseJson(server.url, server.admin, 'GET', '/v1/jobs')).json['jobs'] as unknown[]).length, jobsBefore, 'the refused job does not exist');

  // Without a metadata endpoint a job is still taken: its processes read the credentials URI and container endpoint.
  const noImds = await submit({ imds: false });
  assert.equal(noImds.status, 201, JSON.stringify(noImds.json));
  assert.equal((noImds.json as unknown as Submitted).environment['AWS_EC2_METADATA_DISABLED'], 'true');

  // The first job is stopped: its port is closed (after the few seconds it answers 410), and a job may have one again.
  const job = first.json as unknown as Submitted;
  const stopped = await gatehouseJson(server.url, server.admin, 'POST', `/v1/jobs/${job.job.id}/stop`, {});
  assert.equal(stopped.status, 200, JSON.stringify(stopped.json));
  // Submitted again while the stopped job still holds its place (409), to a bound of time (settle.ts), not 150 tries.
  const again = await settled(() => submit(), (r) => r.status !== 409);
  assert.equal(again.status, 201, JSON.stringify(again.json));
});
