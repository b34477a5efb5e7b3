/**
 * Review jb, 16: review jb, 6 counted a cluster written by `PUT /v1/clusters/C` (`training:CreateCluster`) as a way to
 * set its instance role and start a node as any role the principal may pass. `gatehouse apply` writes an existing
 * cluster too, with `training:UpdateCluster` after its read (`training:GetCluster`): a principal allowed those two, to
 * start nodes and to pass a role trusting the compute service was still answered "acts as no other principal", though
 * it applies the cluster with the role as its instance role and starts a node as the role. Such a step is now listed
 * with those actions; not for a principal that may update the cluster but not read it, which apply refuses. Each is
 * taken for real through `POST /v1/apply` and the node start. Before the fix 1 of 2 tests failed. Real server (SQLite),
 * admin API (SigV4), SDK v3 IAM. Since review sb, 1 `PUT /v1/clusters/C` of the existing cluster asks
 * `training:UpdateCluster` alone: the step names that action, and the principal that may update the cluster without
 * reading it, which apply still refuses, takes the step by PUT.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const GPU = `arn:aws:iam::${A}:role/gpu`;
const K1 = `arn:aws:training::${A}:cluster/k1`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const cluster = { apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: { instanceRole: 'gpu' } };

describe('review jb16: a cluster the principal may apply is a way to start a node as a role', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new I.CreateRoleCommand({ RoleName: 'gpu', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    const put = await call(connectionTo(s.url, s.admin), 'PUT', ['clusters', 'k1'], { body: {} });
    assert.ok(put.ok, put.ok ? '' : put.message);
    keys['ops'] = await userWithPolicy(s, 'ops', doc({ Effect: 'Allow', Action: ['training:GetCluster', 'training:UpdateCluster', 'training:StartClusterNode', 'iam:PassRole'], Resource: '*' }));
    keys['blind'] = await userWithPolicy(s, 'blind', doc({ Effect: 'Allow', Action: ['training:UpdateCluster', 'training:StartClusterNode', 'iam:PassRole'], Resource: '*' }));
  });
  after(() => s?.stop());

  const toGpu = async (name: string) => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['reports'] as { canBecome: { principal: string; path: { how: string; actions: string[]; via?: string }[] }[] }[])[0]?.canBecome.find((b) => b.principal === GPU)?.path.map((st) => [st.how, st.actions, st.via]);
  };

  it('a principal that may read and update the cluster is listed; it applies it and its node runs as the role', async () => {
    const step = [['iam:PassRole to a cluster node', ['iam:PassRole', 'training:UpdateCluster', 'training:StartClusterNode'], K1]];
    assert.deepEqual(await toGpu('ops'), step);
    // And one that may update it without reading it: a PUT asks the update alone (review sb, 1).
    assert.deepEqual(await toGpu('blind'), step);
    const applied = await gatehouseJson(s.url, keys['ops'] as Credentials, 'POST', '/v1/apply', { documents: [cluster] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const node = await call<{ job: { role: { mode: string; arn?: string } } }>(connectionTo(s.url, keys['ops'] as Credentials), 'POST', ['clusters', 'k1', 'nodes'], { body: { imds: false } });
    assert.ok(node.ok, node.ok ? '' : node.message);
    assert.deepEqual(node.value.job.role, { mode: 'custom', arn: GPU });
  });

  it('apply refuses the one that may update it without reading it; its PUT writes it', async () => {
    const applied = await gatehouseJson(s.url, keys['blind'] as Credentials, 'POST', '/v1/apply', { documents: [{ ...cluster, spec: {} }] });
    assert.equal(applied.status, 403, JSON.stringify(applied.json));
    const put = await gatehouseJson(s.url, keys['blind'] as Credentials, 'PUT', '/v1/clusters/k1', { instanceRole: 'gpu' });
    assert.equal(put.status, 200, JSON.stringify(put.json));
  });
});
