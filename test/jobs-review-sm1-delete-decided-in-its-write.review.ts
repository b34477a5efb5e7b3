/**
 * Review sm, 1: `DELETE /v1/workspaces/W` read the stored workspace's name in a transaction of its own, decided
 * `training:DeleteWorkspace` on it, and deleted in a later one: a workspace made between the two under another case of
 * the name (`team-secret` for `DELETE /v1/workspaces/Team-Secret`) was deleted on the decision about a name the caller
 * was allowed (`workspace/Team-*`), as review sb, 1 fixed for the PUT. And the change's record named the URL's spelling
 * (`workspace/Team-Secret`, `cluster/Team-GPU`) where the item deleted or written was the stored one
 * (`workspace/team-secret`), which `gatehouse apply` records and `audit query --resource` looks for. Now the deletion
 * is decided in its own transaction, on the name as asked and the stored one's ARN, and the records of a PUT and a
 * DELETE name the stored item's ARN.
 * A real server (SQLite), a second App on its store whose next write first makes a change through the admin API.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { jobsRoutes } from '../src/adapters/http/jobs-api.ts';
import { racingWrite, type RacingWrite } from './support/racing-write.ts';
import { gatehouseJson, type ServiceCredentials } from './support/resource-server.ts';
import { auditRecords, startTestServer, userWithPolicy, type TestServer } from './support/server.ts';

const policy = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let race: RacingWrite;
let mallory: ServiceCredentials;
const admin = (method: string, path: string, body?: unknown) => gatehouseJson(server.url, server.admin, method, path, body);

before(async () => {
  server = await startTestServer();
  race = await racingWrite(server);
  // May delete workspaces named Team-… as spelt so, and no other.
  mallory = await userWithPolicy(server, 'mallory', policy({ Effect: 'Allow', Action: 'training:DeleteWorkspace', Resource: 'arn:aws:training:*:*:workspace/Team-*' }));
});
after(() => server?.stop());

const deleteRoute = () => {
  const route = jobsRoutes({ openMetadata: async () => 0, agentUrl: () => '', serverUrl: () => '' }).find((r) => r.method === 'DELETE' && r.pattern.join('/') === 'workspaces/:name');
  assert.ok(route);
  return route;
};

test('sm1: a workspace made under another case of the name between the check and the deletion is decided on its own ARN', async () => {
  const who = await race.app.authenticate(mallory.accessKeyId);
  assert.ok(who.ok, JSON.stringify(who));
  let made = 0;
  race.beforeNextWrite(async () => {
    made = (await admin('PUT', '/v1/workspaces/team-secret', { members: [] })).status;
  });
  const r = await deleteRoute().handler({ app: race.app, caller: who.value.caller, params: { name: 'Team-Secret' }, body: {}, query: new URLSearchParams() });
  assert.equal(made, 200, 'the workspace was made in between');
  assert.equal(r.ok, false, `the workspace team-secret was deleted on a decision about workspace/Team-Secret: ${JSON.stringify(r)}`);
  if (!r.ok) {
    assert.equal(r.errors[0]?.code, 'ACCESS_DENIED', JSON.stringify(r.errors));
    assert.match(r.errors[0]?.message ?? '', /workspace\/team-secret/);
  }
  assert.equal((await admin('GET', '/v1/workspaces/team-secret')).status, 200, 'the workspace is still there');
});

test('sm1: a DELETE spelt in another case is refused on the stored ARN, and its record names it', async () => {
  assert.equal((await admin('PUT', '/v1/workspaces/team-x', { members: [] })).status, 200);
  const refused = await gatehouseJson(server.url, mallory, 'DELETE', '/v1/workspaces/Team-X');
  assert.equal(refused.status, 403, JSON.stringify(refused.json));
  assert.equal((await admin('DELETE', '/v1/workspaces/TEAM-X')).status, 204);
  const records = (await auditRecords(server, { kind: 'change' })).filter((r) => r.action === 'training:DeleteWorkspace');
  assert.deepEqual(
    records.map((r) => `${r.principal.replace(/.*user\//, '')} ${r.resource.replace(/.*:/, '')} ${r.decision}`),
    ['mallory workspace/team-x ACCESS_DENIED', 'admin workspace/team-x ok'],
  );
  // A delete of nothing names the name as asked.
  assert.equal((await admin('DELETE', '/v1/workspaces/Nothing')).status, 404);
  const last = (await auditRecords(server, { kind: 'change' })).filter((r) => r.action === 'training:DeleteWorkspace').at(-1);
  assert.match(last?.resource ?? '', /:workspace\/Nothing$/);
});

test('sm1: a PUT spelt in another case is recorded on the stored item', async () => {
  assert.equal((await admin('PUT', '/v1/clusters/team-gpu', {})).status, 200);
  assert.equal((await admin('PUT', '/v1/clusters/Team-GPU', {})).status, 200);
  assert.equal((await admin('PUT', '/v1/workspaces/ml', { members: [] })).status, 200);
  assert.equal((await admin('PUT', '/v1/workspaces/ML', { members: [] })).status, 200);
  const records = (await auditRecords(server, { kind: 'change' })).filter((r) => /Update(Cluster|Workspace)$/.test(r.action));
  assert.deepEqual(
    records.map((r) => `${r.action} ${r.resource.replace(/.*:/, '')} ${r.decision}`),
    ['training:UpdateCluster cluster/team-gpu ok', 'training:UpdateWorkspace workspace/ml ok'],
  );
});
