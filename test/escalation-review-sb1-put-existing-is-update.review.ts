/**
 * Review sb, 1 (the models): `PUT /v1/clusters/C` and `PUT /v1/workspaces/W` of an existing item ask
 * `training:UpdateCluster` / `training:UpdateWorkspace` now (test/jobs-review-sb1-put-existing-asks-update.review.ts),
 * not `training:CreateCluster` / `training:CreateWorkspace`. escalation-paths took `CreateCluster` on an existing
 * cluster for a way to set its instance role (review jb, 6) and `CreateWorkspace` on an existing workspace for a way to
 * join it (review bz, 4), and who-can's default-role jobs that join too (review jb, 7): paths the server now refuses.
 * And `UpdateCluster` / `UpdateWorkspace` alone, which the PUT now takes, were no path (apply asks the read besides).
 * Each model now asks the action the PUT asks: Update of an existing one, Create of a new one; each path is taken for
 * real, and each refused one is refused by the server.
 * Real server (SQLite), admin API (SigV4), SDK v3 IAM.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const NODE = `arn:aws:iam::${A}:role/node-admin`;
const JOB = `arn:aws:iam::${A}:role/job-admin`;
const K1 = `arn:aws:training::${A}:cluster/k1`;
const LAB = `arn:aws:training::${A}:workspace/lab`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*') => ({ Effect: 'Allow', Action, Resource });
const trusting = (service: string) => doc({ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' });

describe('review sb1: escalation-paths and who-can take a PUT of an existing cluster or workspace as its update', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'node-admin', AssumeRolePolicyDocument: trusting('compute.gatehouse.dev') }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'job-admin', AssumeRolePolicyDocument: trusting('training.gatehouse.dev') }));
    for (const [path, body] of [
      ['/v1/clusters/k1', {}],
      ['/v1/workspaces/lab', { members: [], defaultBucket: 'arn:aws:s3:::sb1-data' }],
    ] as const) {
      const put = await gatehouseJson(s.url, s.admin, 'PUT', path, body);
      assert.equal(put.status, 200, JSON.stringify(put.json));
    }
    const run = allow(['training:StartClusterNode', 'training:CreateJob', 'iam:PassRole']);
    // Create on the existing items only: no write of them.
    keys['creator'] = await userWithPolicy(s, 'creator', doc(run, allow(['training:CreateCluster', 'training:CreateWorkspace'], [K1, LAB])));
    // Update alone, no read: a PUT writes them.
    keys['updater'] = await userWithPolicy(s, 'updater', doc(run, allow(['training:UpdateCluster', 'training:UpdateWorkspace'], [K1, LAB])));
  });
  after(() => s?.stop());

  const pathTo = async (name: string, role: string) => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['reports'] as { canBecome: { principal: string; path: { actions: string[]; via?: string }[] }[] }[])[0]?.canBecome.find((b) => b.principal === role)?.path.map((st) => [st.actions, st.via]);
  };
  const viaJobs = async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: 'arn:aws:s3:::sb1-data/x' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['throughDefaultRoleJobs'] as { name: string; join?: string }[]).filter((j) => j.name !== 'admin').map((j) => [j.name, j.join]);
  };

  it('Create on an existing cluster or workspace is no path, in either answer; the server refuses its PUTs', async () => {
    assert.equal(await pathTo('creator', NODE), undefined);
    assert.equal(await pathTo('creator', JOB), undefined);
    assert.ok(!(await viaJobs()).some(([n]) => n === 'creator'));
    for (const [path, body] of [
      ['/v1/clusters/k1', { instanceRole: 'node-admin' }],
      ['/v1/workspaces/lab', { members: [{ user: 'creator' }], defaultBucket: 'arn:aws:s3:::sb1-data' }],
    ] as const) {
      const put = await gatehouseJson(s.url, keys['creator'] as Credentials, 'PUT', path, body);
      assert.equal(put.status, 403, JSON.stringify(put.json));
    }
  });

  it('Update alone is a path, named so in both answers', async () => {
    assert.deepEqual(await pathTo('updater', NODE), [[['iam:PassRole', 'training:UpdateCluster', 'training:StartClusterNode'], K1]]);
    assert.deepEqual(await pathTo('updater', JOB), [[['iam:PassRole', 'training:UpdateWorkspace', 'training:CreateJob'], LAB]]);
    assert.deepEqual(await viaJobs(), [['updater', 'training:UpdateWorkspace']]);
  });

  it('the paths are real: the updater writes the cluster and the workspace, and its node and job run as the roles', async () => {
    const as = keys['updater'] as Credentials;
    const cluster = await gatehouseJson(s.url, as, 'PUT', '/v1/clusters/k1', { instanceRole: 'node-admin' });
    assert.equal(cluster.status, 200, JSON.stringify(cluster.json));
    const node = await gatehouseJson(s.url, as, 'POST', '/v1/clusters/k1/nodes', { imds: false });
    assert.equal(node.status, 201, JSON.stringify(node.json));
    assert.equal((node.json['job'] as { role: { arn: string } }).role.arn, NODE);
    const ws = await gatehouseJson(s.url, as, 'PUT', '/v1/workspaces/lab', { members: [{ user: 'updater' }], defaultBucket: 'arn:aws:s3:::sb1-data' });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
    const job = await gatehouseJson(s.url, as, 'POST', '/v1/jobs', { workspace: 'lab', role: JOB, imds: false });
    assert.equal(job.status, 201, JSON.stringify(job.json));
    assert.equal((job.json['job'] as { role: { arn: string } }).role.arn, JOB);
  });
});
