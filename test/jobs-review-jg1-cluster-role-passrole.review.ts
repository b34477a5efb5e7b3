/**
 * Review jg, 1: writing a cluster did not ask `iam:PassRole` on the roles it hands its nodes. `PUT /v1/clusters/{name}`
 * and `gatehouse apply` of a Cluster document asked `training:CreateCluster` (or `training:UpdateCluster`) alone, so a
 * user allowed to write clusters pointed the instance role, a compute config's or a mapping's role of any cluster (a
 * shared one others start nodes in) at any role of the account, `prod-admin` included. EKS asks `iam:PassRole` on the
 * node role for CreateNodegroup, as AWS does wherever a service is handed a role. And `gatehouse escalation-paths`
 * reported a path through such a write for a user whose PassRole covered only the node's job, which the server now
 * refuses. Now a write that hands a role anew (created, or a role changed) needs PassRole on it, passed to the compute
 * service the nodes' roles trust with the cluster's ARN as `iam:AssociatedResourceArn`; refused with AccessDenied naming
 * the role and the field, nothing written. A role the stored cluster already hands is not asked again.
 *
 * Before the fix 7 of 7 tests failed.
 *
 * Real server (SQLite), IAM API through the AWS SDK v3, admin API (SigV4).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const cluster = (n: string) => `arn:aws:training::${A}:cluster/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const COMPUTE_TRUST = policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' });
const WRITE = { Effect: 'Allow', Action: ['training:CreateCluster', 'training:GetCluster', 'training:UpdateCluster', 'training:ListClusters', 'training:StartClusterNode'], Resource: '*' };

describe('review jg1: writing a cluster asks iam:PassRole on the roles its nodes run as', () => {
  let s: TestServer;
  let mallory: Credentials;
  let carol: Credentials;
  let dave: Credentials;
  const stored = async (name: string) => gatehouseJson(s.url, s.admin, 'GET', `/v1/clusters/${name}`);
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    for (const n of ['prod-admin', 'sandbox-node', 'lab-node']) await iam.send(new I.CreateRoleCommand({ RoleName: n, AssumeRolePolicyDocument: COMPUTE_TRUST }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'prod-admin', PolicyName: 'all', PolicyDocument: policy({ Effect: 'Allow', Action: '*', Resource: '*' }) }));
    mallory = await userWithKey(s, 'mallory');
    carol = await userWithKey(s, 'carol');
    dave = await userWithKey(s, 'dave');
    // mallory may write clusters and pass sandbox-node only.
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'mallory', PolicyName: 'p', PolicyDocument: policy(WRITE, { Effect: 'Allow', Action: 'iam:PassRole', Resource: role('sandbox-node'), Condition: { StringEquals: { 'iam:PassedToService': 'compute.gatehouse.dev' } } }) }));
    // carol may pass prod-admin to the compute service for her cluster only.
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'p', PolicyDocument: policy(WRITE, { Effect: 'Allow', Action: 'iam:PassRole', Resource: role('prod-admin'), Condition: { StringEquals: { 'iam:PassedToService': 'compute.gatehouse.dev' }, ArnEquals: { 'iam:AssociatedResourceArn': cluster('carol-gpu') } } }) }));
    // dave may pass any role to a job (a node's included), never for a cluster.
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'dave', PolicyName: 'p', PolicyDocument: policy(WRITE, { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*', Condition: { ArnLike: { 'iam:AssociatedResourceArn': `arn:aws:training::${A}:job/*` } } }) }));
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('Cluster', 'shared', { instanceRole: 'prod-admin' })] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
  });
  after(() => s?.stop());

  it('PUT of a new cluster naming a role the writer may not pass is refused, naming the role, and writes nothing', async () => {
    const r = await gatehouseJson(s.url, mallory, 'PUT', '/v1/clusters/evil', { instanceRole: 'prod-admin' });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /AccessDenied|ACCESS_DENIED/);
    assert.match(JSON.stringify(r.json), /iam:PassRole on arn:aws:iam::000000000000:role\/prod-admin/);
    assert.equal((await stored('evil')).status, 404);
  });

  it('changing a compute config or a mapping to such a role is refused and leaves the stored cluster as it was', async () => {
    const made = await gatehouseJson(s.url, mallory, 'PUT', '/v1/clusters/mine', { instanceRole: 'sandbox-node' });
    assert.equal(made.status, 200, JSON.stringify(made.json));
    const cc = await gatehouseJson(s.url, mallory, 'PUT', '/v1/clusters/mine', { instanceRole: 'sandbox-node', computeConfigs: { gpu: { instanceRole: role('prod-admin') } } });
    assert.equal(cc.status, 403, JSON.stringify(cc.json));
    assert.match(JSON.stringify(cc.json), /computeConfigs\.gpu\.instanceRole/);
    const m = await gatehouseJson(s.url, mallory, 'PUT', '/v1/clusters/mine', { instanceRole: 'sandbox-node', mappings: [{ user: 'mallory', role: 'prod-admin' }] });
    assert.equal(m.status, 403, JSON.stringify(m.json));
    const now = await stored('mine');
    assert.equal(now.json['instanceRole'], 'sandbox-node');
    assert.deepEqual([Object.keys((now.json['computeConfigs'] as object | undefined) ?? {}), (now.json['mappings'] as unknown[] | undefined) ?? []], [[], []]);
  });

  it('re-pointing a shared cluster at the role is refused; keeping a role it already hands is not asked again', async () => {
    const r = await gatehouseJson(s.url, mallory, 'PUT', '/v1/clusters/mine', { instanceRole: 'prod-admin' });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    // `shared` already runs its nodes as prod-admin: adding a compute config of a role mallory may pass is a write she may make.
    const kept = await gatehouseJson(s.url, mallory, 'PUT', '/v1/clusters/shared', { instanceRole: role('prod-admin'), computeConfigs: { small: { instanceRole: 'sandbox-node' } } });
    assert.equal(kept.status, 200, JSON.stringify(kept.json));
  });

  it('apply of a Cluster document handing the role is refused and writes nothing', async () => {
    const r = await gatehouseJson(s.url, mallory, 'POST', '/v1/apply', { documents: [doc('Cluster', 'evil2', { instanceRole: 'prod-admin' })] });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /iam:PassRole/);
    assert.match(JSON.stringify(r.json), /prod-admin/);
    assert.equal((await stored('evil2')).status, 404);
    const upd = await gatehouseJson(s.url, mallory, 'POST', '/v1/apply', { documents: [doc('Cluster', 'mine', { instanceRole: 'sandbox-node', mappings: [{ user: 'mallory', role: 'prod-admin' }] })] });
    assert.equal(upd.status, 403, JSON.stringify(upd.json));
    assert.deepEqual((await stored('mine')).json['mappings'] ?? [], []);
  });

  it('PassRole allowed for the compute service and this cluster as iam:AssociatedResourceArn lets the write through, by PUT and apply', async () => {
    const r = await gatehouseJson(s.url, carol, 'PUT', '/v1/clusters/carol-gpu', { instanceRole: 'prod-admin' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const elsewhere = await gatehouseJson(s.url, carol, 'PUT', '/v1/clusters/other', { instanceRole: 'prod-admin' });
    assert.equal(elsewhere.status, 403, JSON.stringify(elsewhere.json));
    const a = await gatehouseJson(s.url, carol, 'POST', '/v1/apply', { documents: [doc('Cluster', 'carol-gpu', { instanceRole: 'prod-admin', computeConfigs: { big: { instanceRole: 'prod-admin' } } })] });
    assert.equal(a.status, 200, JSON.stringify(a.json));
  });

  it('PassRole for a job only does not let a cluster be written with the role', async () => {
    const r = await gatehouseJson(s.url, dave, 'PUT', '/v1/clusters/dave-gpu', { instanceRole: 'prod-admin' });
    assert.equal(r.status, 403, JSON.stringify(r.json));
  });

  it('escalation-paths reports no path through a cluster write the server refuses', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: `arn:aws:iam::${A}:user/dave` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const steps = ((r.json['reports'] as { canBecome: { path: { from: string; to: string; how: string; via?: string }[] }[] }[])[0]?.canBecome ?? []).flatMap((b) => b.path);
    // dave may start a node of a cluster as it stands (his PassRole for the node's job allows it): those paths are real.
    // lab-node no cluster hands: he would have to write one naming it, which the server refuses him.
    assert.ok(steps.some((st) => st.to === role('sandbox-node') && st.how === 'iam:PassRole to a cluster node'), JSON.stringify(steps));
    const direct = steps.filter((st) => st.to === role('lab-node') && st.how === 'iam:PassRole to a cluster node');
    assert.deepEqual(direct, []);
    const refused = await gatehouseJson(s.url, dave, 'PUT', '/v1/clusters/dave-lab', { instanceRole: 'lab-node' });
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
  });
});
