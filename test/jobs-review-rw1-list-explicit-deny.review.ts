/**
 * Review rw, 1: an explicit Deny on one cluster or workspace did not hold in the listing. `GET /v1/clusters`
 * (`gatehouse clusters list`, the console) answered every cluster, each whole (instance role, compute configs, mapping
 * rules), to a caller allowed `training:ListClusters` on `cluster/*`, so one denied `training:GetCluster` (or
 * `training:ListClusters`) on `cluster/secret` by name read that cluster's roles and mappings there while
 * `GET /v1/clusters/secret` refused it; `GET /v1/workspaces` did the same with a workspace denied
 * `training:GetWorkspace` (its members, default bucket and table project). Reading a cluster's roles and mappings needs
 * `training:GetCluster` (review S, S9; README "Reading a workspace needs…"), and in IAM an explicit Deny overrides any
 * Allow (policy-semantics: evaluation logic; DESIGN.md: "lets an explicit deny win"). Now the listing still needs only
 * the List action on `…/*` for the whole list, but leaves out each one the caller is explicitly denied the List or the
 * Get action on by its own ARN.
 *
 * Real server (SQLite), IAM API through the AWS SDK v3, admin API (SigV4).
 *
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const NODE_TRUST = policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' });
const ALL = { Effect: 'Allow', Action: 'training:*', Resource: '*' };

describe('review rw1: a Deny on one cluster or workspace holds in the listing', () => {
  let s: TestServer;
  let eve: Credentials;
  let fay: Credentials;
  let gus: Credentials;
  const names = async (who: Credentials, path: string, key: string): Promise<string[]> => {
    const r = await gatehouseJson(s.url, who, 'GET', path);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return ((r.json as Record<string, { name: string }[]>)[key] ?? []).map((x) => x.name).sort();
  };
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'secret-node', AssumeRolePolicyDocument: NODE_TRUST }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'open-node', AssumeRolePolicyDocument: NODE_TRUST }));
    for (const [name, instanceRole] of [['secret', 'secret-node'], ['open', 'open-node']]) {
      const r = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/clusters/${name}`, { instanceRole, mappings: [{ group: 'ops', role: instanceRole }] });
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
    for (const name of ['secret-ws', 'open-ws']) {
      const r = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/workspaces/${name}`, { members: [{ user: 'admin' }] });
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
    eve = await userWithKey(s, 'eve');
    fay = await userWithKey(s, 'fay');
    gus = await userWithKey(s, 'gus');
    // eve: everything in training but reading cluster `secret` and workspace `secret-ws`.
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'eve', PolicyName: 'p', PolicyDocument: policy(ALL, { Effect: 'Deny', Action: 'training:GetCluster', Resource: `arn:aws:training::${A}:cluster/secret` }, { Effect: 'Deny', Action: 'training:GetWorkspace', Resource: `arn:aws:training::${A}:workspace/secret-ws` }) }));
    // fay: everything in training but listing cluster `secret` and workspace `secret-ws`.
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'fay', PolicyName: 'p', PolicyDocument: policy(ALL, { Effect: 'Deny', Action: ['training:ListClusters', 'training:ListWorkspaces'], Resource: [`arn:aws:training::${A}:cluster/secret`, `arn:aws:training::${A}:workspace/secret-ws`] }) }));
    // gus: everything in training, nothing denied.
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'gus', PolicyName: 'p', PolicyDocument: policy(ALL) }));
  });
  after(() => s?.stop());

  it('a cluster denied training:GetCluster by name is refused alone and left out of the listing', async () => {
    const one = await gatehouseJson(s.url, eve, 'GET', '/v1/clusters/secret');
    assert.equal(one.status, 403, JSON.stringify(one.json));
    const all = await gatehouseJson(s.url, eve, 'GET', '/v1/clusters');
    assert.equal(all.status, 200);
    assert.doesNotMatch(JSON.stringify(all.json), /secret-node/, 'the denied cluster’s roles are not shown');
    assert.deepEqual(await names(eve, '/v1/clusters', 'clusters'), ['open']);
  });

  it('a workspace denied training:GetWorkspace by name is left out of the listing', async () => {
    const one = await gatehouseJson(s.url, eve, 'GET', '/v1/workspaces/secret-ws');
    assert.equal(one.status, 403, JSON.stringify(one.json));
    assert.deepEqual(await names(eve, '/v1/workspaces', 'workspaces'), ['open-ws']);
  });

  it('a cluster or workspace denied the List action by its ARN is left out of the listing', async () => {
    assert.deepEqual(await names(fay, '/v1/clusters', 'clusters'), ['open']);
    assert.deepEqual(await names(fay, '/v1/workspaces', 'workspaces'), ['open-ws']);
  });

  it('without a Deny, the List action on every one lists them all', async () => {
    assert.deepEqual(await names(gus, '/v1/clusters', 'clusters'), ['open', 'secret']);
    assert.deepEqual(await names(gus, '/v1/workspaces', 'workspaces'), ['open-ws', 'secret-ws']);
  });
});
