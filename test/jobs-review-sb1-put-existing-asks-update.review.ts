/**
 * Review sb, 1: `PUT /v1/clusters/C` and `PUT /v1/workspaces/W` asked `training:CreateCluster` /
 * `training:CreateWorkspace` whether or not the item existed, where `gatehouse apply` of an existing one asks
 * `training:UpdateCluster` / `training:UpdateWorkspace`. A policy allowing `training:*` but explicitly denying
 * `training:UpdateCluster` (or `UpdateWorkspace`) was bypassed by PUT: its holder rewrote an existing cluster's instance
 * role, or a workspace's members, and the audit record named Create. Now the PUT decides, in its write's transaction, on
 * whether the item exists (found whatever the case of its name): Create of a new one, Update of the stored one, and the
 * change's record names the action decided.
 * Real server, SigV4-signed `/v1/` requests, IAM users made through the AWS SDK v3.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { auditRecords, startTestServer, userWithKey, userWithPolicy, type TestServer } from './support/server.ts';
import { gatehouseJson, type ServiceCredentials } from './support/resource-server.ts';

const policy = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review sb1: a PUT of an existing cluster or workspace asks Update, of a new one Create', () => {
  let server: TestServer;
  let mallory: ServiceCredentials;
  let updater: ServiceCredentials;
  const admin = (method: string, path: string, body?: unknown) => gatehouseJson(server.url, server.admin, method, path, body);

  before(async () => {
    server = await startTestServer();
    // Every training action, PassRole for a cluster's node role, but no update of what exists.
    mallory = await userWithPolicy(
      server,
      'mallory',
      policy(
        { Effect: 'Allow', Action: ['training:*', 'iam:PassRole'], Resource: '*' },
        { Effect: 'Deny', Action: ['training:UpdateCluster', 'training:UpdateWorkspace'], Resource: '*' },
      ),
    );
    // Updates, and no creation.
    updater = await userWithPolicy(server, 'updater', policy({ Effect: 'Allow', Action: ['training:UpdateCluster', 'training:UpdateWorkspace'], Resource: '*' }));
    await userWithKey(server, 'alice');
  });
  after(() => server?.stop());

  test('a cluster: Deny UpdateCluster holds against PUT of an existing one, in any case of its name; a new one is created', async () => {
    assert.equal((await admin('PUT', '/v1/clusters/gpu', {})).status, 200);
    for (const spelt of ['gpu', 'GPU']) {
      const put = await gatehouseJson(server.url, mallory, 'PUT', `/v1/clusters/${spelt}`, { mappings: [{ user: 'mallory', role: 'anything' }] });
      assert.equal(put.status, 403, `${spelt}: ${JSON.stringify(put.json)}`);
      assert.match(JSON.stringify(put.json), /training:UpdateCluster/, JSON.stringify(put.json));
    }
    assert.deepEqual((await admin('GET', '/v1/clusters/gpu')).json['mappings'] ?? [], [], 'the cluster is as it was');
    const fresh = await gatehouseJson(server.url, mallory, 'PUT', '/v1/clusters/mine', {});
    assert.equal(fresh.status, 200, JSON.stringify(fresh.json));
    const again = await gatehouseJson(server.url, mallory, 'PUT', '/v1/clusters/mine', {});
    assert.equal(again.status, 403, 'once it exists, a PUT is an update: ' + JSON.stringify(again.json));
    assert.match(JSON.stringify(again.json), /training:UpdateCluster/);
  });

  test('a workspace: Deny UpdateWorkspace holds against PUT of an existing one; UpdateWorkspace alone updates one and creates none', async () => {
    assert.equal((await admin('PUT', '/v1/workspaces/team', { members: [{ user: 'alice' }] })).status, 200);
    const put = await gatehouseJson(server.url, mallory, 'PUT', '/v1/workspaces/Team', { members: [{ user: 'mallory' }] });
    assert.equal(put.status, 403, JSON.stringify(put.json));
    assert.match(JSON.stringify(put.json), /training:UpdateWorkspace/, JSON.stringify(put.json));
    assert.deepEqual((await admin('GET', '/v1/workspaces/team')).json['members'], [{ user: 'alice' }], 'the members are as they were');
    assert.equal((await gatehouseJson(server.url, mallory, 'PUT', '/v1/workspaces/own', { members: [{ user: 'mallory' }] })).status, 200);

    const updated = await gatehouseJson(server.url, updater, 'PUT', '/v1/workspaces/team', { members: [{ user: 'alice' }, { user: 'updater' }] });
    assert.equal(updated.status, 200, JSON.stringify(updated.json));
    const created = await gatehouseJson(server.url, updater, 'PUT', '/v1/workspaces/other', { members: [{ user: 'updater' }] });
    assert.equal(created.status, 403, JSON.stringify(created.json));
    assert.match(JSON.stringify(created.json), /training:CreateWorkspace/);
    assert.equal((await gatehouseJson(server.url, updater, 'PUT', '/v1/clusters/gpu', {})).status, 200, 'a cluster likewise');
  });

  test('the audit records name the action decided', async () => {
    const records = (await auditRecords(server, { kind: 'change' })).filter((r) => /:(cluster|workspace)\//.test(r.resource));
    const seen = records.map((r) => `${r.principal.replace(/.*user\//, '')} ${r.action} ${r.resource.replace(/.*:/, '')} ${r.decision}`);
    assert.deepEqual(seen, [
      'admin training:CreateCluster cluster/gpu ok',
      'mallory training:UpdateCluster cluster/gpu ACCESS_DENIED',
      'mallory training:UpdateCluster cluster/gpu ACCESS_DENIED',
      'mallory training:CreateCluster cluster/mine ok',
      'mallory training:UpdateCluster cluster/mine ACCESS_DENIED',
      'admin training:CreateWorkspace workspace/team ok',
      'mallory training:UpdateWorkspace workspace/team ACCESS_DENIED',
      'mallory training:CreateWorkspace workspace/own ok',
      'updater training:UpdateWorkspace workspace/team ok',
      'updater training:CreateWorkspace workspace/other ACCESS_DENIED',
      'updater training:UpdateCluster cluster/gpu ok',
    ]);
  });
});
