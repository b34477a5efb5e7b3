/**
 * Review rw, 2: an explicit Deny of `training:ListClusters` (`training:ListWorkspaces`) did not keep anything out of
 * `GET /v1/clusters` (`GET /v1/workspaces`, `gatehouse clusters list`, `workspaces list`, the console). Refused the List
 * action on `cluster/*`, the listing fell back to the clusters the caller may get, one by one, and answered every one
 * of them: a caller denied `training:ListClusters` on `*` (and allowed `training:*` otherwise) listed every cluster, its
 * roles and mapping rules, as one with no Deny did; a workspace member denied `training:ListWorkspaces` listed its
 * workspaces. In IAM an explicit Deny overrides any Allow (policy-semantics: evaluation logic; DESIGN.md: "lets an
 * explicit deny win"), and the fallback is for a caller the List action is not granted (review S, S9), not for one it
 * is denied. Now an item is listed only when the List action is not explicitly denied on its ARN, as `GET /v1/jobs`
 * decides `training:ListJobs` job by job; reading one alone (`GET /v1/clusters/{name}`) is decided as before.
 *
 * Real server (SQLite), IAM API through the AWS SDK v3, admin API (SigV4).
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const NODE_TRUST = policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' });

describe('review rw2: a Deny of the List action keeps clusters and workspaces out of the listing', () => {
  let s: TestServer;
  let hal: Credentials;
  let ian: Credentials;
  let jo: Credentials;
  const names = async (who: Credentials, path: string, key: string): Promise<string[]> => {
    const r = await gatehouseJson(s.url, who, 'GET', path);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return ((r.json as Record<string, { name: string }[]>)[key] ?? []).map((x) => x.name).sort();
  };
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'gpu-node', AssumeRolePolicyDocument: NODE_TRUST }));
    for (const name of ['gpu', 'cpu']) {
      const r = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/clusters/${name}`, { instanceRole: 'gpu-node' });
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
    hal = await userWithKey(s, 'hal');
    ian = await userWithKey(s, 'ian');
    jo = await userWithKey(s, 'jo');
    for (const name of ['vision', 'speech']) {
      const r = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/workspaces/${name}`, { members: [{ user: 'admin' }, { user: 'ian' }] });
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
    // hal: everything in training but the List actions, denied on everything.
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'hal', PolicyName: 'p', PolicyDocument: policy({ Effect: 'Allow', Action: 'training:*', Resource: '*' }, { Effect: 'Deny', Action: ['training:ListClusters', 'training:ListWorkspaces'], Resource: '*' }) }));
    // ian: a member of both workspaces, denied listing workspaces.
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'ian', PolicyName: 'p', PolicyDocument: policy({ Effect: 'Deny', Action: 'training:ListWorkspaces', Resource: '*' }) }));
    // jo: may get cluster gpu and workspace vision, and is granted no List action (neither allowed nor denied).
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'jo', PolicyName: 'p', PolicyDocument: policy({ Effect: 'Allow', Action: ['training:GetCluster', 'training:GetWorkspace'], Resource: [`arn:aws:training::${A}:cluster/gpu`, `arn:aws:training::${A}:workspace/vision`] }) }));
  });
  after(() => s?.stop());

  it('a caller denied training:ListClusters and training:ListWorkspaces on * lists none, and still reads one alone', async () => {
    assert.deepEqual(await names(hal, '/v1/clusters', 'clusters'), []);
    assert.deepEqual(await names(hal, '/v1/workspaces', 'workspaces'), []);
    assert.equal((await gatehouseJson(s.url, hal, 'GET', '/v1/clusters/gpu')).status, 200);
  });

  it('a member denied training:ListWorkspaces lists none of its workspaces, and still reads each', async () => {
    assert.deepEqual(await names(ian, '/v1/workspaces', 'workspaces'), []);
    assert.equal((await gatehouseJson(s.url, ian, 'GET', '/v1/workspaces/vision')).status, 200);
  });

  it('without the List action, the listing holds the ones the caller may read, as before', async () => {
    assert.deepEqual(await names(jo, '/v1/clusters', 'clusters'), ['gpu']);
    assert.deepEqual(await names(jo, '/v1/workspaces', 'workspaces'), ['vision']);
  });
});
