/**
 * Review sm, 2: `gatehouse apply` of a Workspace or Cluster document whose name is the stored one's in another case
 * (`Team-GPU` for the stored `team-gpu`) decided `training:UpdateCluster` / `UpdateWorkspace` on the stored one's ARN
 * alone, where `PUT /v1/clusters/Team-GPU` decides it on the name as asked and on the stored one's ARN (reviews fv, 6
 * and 8; sb, 1): an explicit Deny on `cluster/Team-GPU` refused the PUT, and the same change sent through apply was
 * made. Both doors now decide on the same names (`namesDecided`, src/core/jobs/jobs.ts).
 * Real server, SigV4-signed `/v1/` requests.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, userWithKey, userWithPolicy, type TestServer } from './support/server.ts';
import { gatehouseJson, type ServiceCredentials } from './support/resource-server.ts';

const policy = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

let server: TestServer;
let mallory: ServiceCredentials;
const admin = (method: string, path: string, body?: unknown) => gatehouseJson(server.url, server.admin, method, path, body);

before(async () => {
  server = await startTestServer();
  // Every training action, but no update of the cluster and workspace as spelt Team-GPU / Team-ML.
  mallory = await userWithPolicy(
    server,
    'mallory',
    policy(
      { Effect: 'Allow', Action: ['training:*', 'iam:PassRole'], Resource: '*' },
      { Effect: 'Deny', Action: ['training:UpdateCluster', 'training:UpdateWorkspace'], Resource: ['arn:aws:training::*:cluster/Team-GPU', 'arn:aws:training::*:workspace/Team-ML'] },
    ),
  );
  await userWithKey(server, 'alice');
  assert.equal((await admin('PUT', '/v1/clusters/team-gpu', {})).status, 200);
  assert.equal((await admin('PUT', '/v1/workspaces/team-ml', { members: [{ user: 'alice' }] })).status, 200);
});
after(() => server?.stop());

test('sm2: a Cluster document spelt as a Deny names it is refused by apply as by PUT', async () => {
  const spec = { mappings: [{ user: 'mallory', role: 'anything' }] };
  const put = await gatehouseJson(server.url, mallory, 'PUT', '/v1/clusters/Team-GPU', spec);
  assert.equal(put.status, 403, JSON.stringify(put.json));
  const applied = await gatehouseJson(server.url, mallory, 'POST', '/v1/apply', { documents: [doc('Cluster', 'Team-GPU', spec)] });
  assert.equal(applied.status, 403, JSON.stringify(applied.json));
  assert.match(JSON.stringify(applied.json), /training:UpdateCluster.*cluster\/Team-GPU/);
  assert.deepEqual((await admin('GET', '/v1/clusters/team-gpu')).json['mappings'] ?? [], [], 'the cluster is as it was');
  // Spelt as stored, no Deny names it: apply and PUT alike make the change.
  const asStored = await gatehouseJson(server.url, mallory, 'POST', '/v1/apply', { documents: [doc('Cluster', 'team-gpu', spec)] });
  assert.equal(asStored.status, 200, JSON.stringify(asStored.json));
});

test('sm2: a Workspace document likewise', async () => {
  const spec = { members: [{ user: 'alice' }, { user: 'mallory' }] };
  const put = await gatehouseJson(server.url, mallory, 'PUT', '/v1/workspaces/Team-ML', spec);
  assert.equal(put.status, 403, JSON.stringify(put.json));
  const applied = await gatehouseJson(server.url, mallory, 'POST', '/v1/apply', { documents: [doc('Workspace', 'Team-ML', spec)] });
  assert.equal(applied.status, 403, JSON.stringify(applied.json));
  assert.match(JSON.stringify(applied.json), /training:UpdateWorkspace.*workspace\/Team-ML/);
  assert.deepEqual((await admin('GET', '/v1/workspaces/team-ml')).json['members'], [{ user: 'alice' }], 'the members are as they were');
});
