/**
 * Review hp, 7: a job's sessions carry the tags `gatehouse:workspace` and `gatehouse:job` (a node's `gatehouse:cluster`)
 * "so conditions can scope by them" (issue "Training jobs"), as EKS Pod Identity tags its sessions with the cluster,
 * namespace and service account and documents trust policies that scope a role by them
 * (`StringEquals aws:RequestTag/kubernetes-namespace`). The service's AssumeRole was decided without the tags it
 * passes, so a role whose trust policy let the training service assume it only for one workspace's jobs
 * (`aws:RequestTag/gatehouse:workspace = vision`) refused every job, of that workspace too ("Failed to assume role"),
 * and a trust Deny scoping a role away from a workspace could not be written. Now the submission's trust check, the
 * session's issuance and a node's start decide the trust policy with the session's tags as `aws:RequestTag/<key>` and
 * `aws:TagKeys`, as AWS gives them to AssumeRole; escalation-paths asks with the workspace or cluster of each step.
 * Real server (SQLite), SDK v3 IAM, the admin API as the CLI signs it, the container endpoint as the SDKs read it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

describe('review hp7: a trust policy scopes a role by the tags the service passes', () => {
  let s: TestServer;
  let erin: Credentials;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    // Only the jobs of workspace vision may assume it.
    await iam.send(new I.CreateRoleCommand({ RoleName: 'vision-data', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:RequestTag/gatehouse:workspace': 'vision' } } }) }));
    // Any job but those of workspace scratch.
    await iam.send(
      new I.CreateRoleCommand({
        RoleName: 'shared',
        AssumeRolePolicyDocument: policy(
          { Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' },
          { Effect: 'Deny', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:RequestTag/gatehouse:workspace': 'scratch' } } },
        ),
      }),
    );
    // Only the nodes of cluster gpu.
    await iam.send(new I.CreateRoleCommand({ RoleName: 'gpu-node', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:RequestTag/gatehouse:cluster': 'gpu' }, 'ForAllValues:StringLike': { 'aws:TagKeys': 'gatehouse:*' } } }) }));
    erin = await userWithKey(s, 'erin');
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'erin', PolicyName: 'p', PolicyDocument: policy({ Effect: 'Allow', Action: ['training:*', 'iam:PassRole'], Resource: '*' }) }));
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Workspace', 'vision', { members: [{ user: 'erin' }] }),
        doc('Workspace', 'scratch', { members: [{ user: 'erin' }] }),
        doc('Cluster', 'gpu', { instanceRole: 'gpu-node' }),
        doc('Cluster', 'cpu', { instanceRole: 'gpu-node' }),
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
  });
  after(() => s?.stop());

  /** A submission by erin; its status, the error's message, and its job's container endpoint answer when it ran. */
  async function submit(path: string, body: Record<string, unknown>): Promise<{ status: number; message: string; credentials?: number }> {
    const r = await gatehouseJson(s.url, erin, 'POST', path, { ...body, imds: false });
    if (r.status !== 201) return { status: r.status, message: String((r.json['error'] as { message?: string } | undefined)?.message ?? '') };
    const env = r.json['environment'] as Record<string, string>;
    const got = await fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: String(r.json['capability']) } });
    return { status: 201, message: '', credentials: got.status };
  }

  it("a role trusted for one workspace's jobs runs that workspace's job, with credentials, and no other's", async () => {
    // Before the fix: 403 `Failed to assume role for user: …`.
    assert.deepEqual(await submit('/v1/jobs', { workspace: 'vision', role: role('vision-data') }), { status: 201, message: '', credentials: 200 });
    const other = await submit('/v1/jobs', { workspace: 'scratch', role: role('vision-data') });
    assert.equal(other.status, 403);
    assert.match(other.message, /^Failed to assume role for user: /);
  });

  it("a trust Deny of one workspace's jobs refuses that workspace only", async () => {
    assert.deepEqual(await submit('/v1/jobs', { workspace: 'vision', role: role('shared') }), { status: 201, message: '', credentials: 200 });
    // Before the fix: 201, the Deny's condition never met.
    const scratch = await submit('/v1/jobs', { workspace: 'scratch', role: role('shared') });
    assert.equal(scratch.status, 403);
    assert.match(scratch.message, /^Failed to assume role for user: /);
  });

  it("a role trusted for one cluster's nodes starts that cluster's node only", async () => {
    assert.deepEqual(await submit('/v1/clusters/gpu/nodes', {}), { status: 201, message: '', credentials: 200 });
    const cpu = await submit('/v1/clusters/cpu/nodes', {});
    assert.equal(cpu.status, 403);
    assert.match(cpu.message, /^Failed to assume role for user: /);
  });

  it('escalation-paths lists the steps the tags allow', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: `arn:aws:iam::${A}:user/erin` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const steps = ((r.json['reports'] as { canBecome: { path: { to: string; how: string }[] }[] }[])[0]?.canBecome ?? []).flatMap((b) => b.path);
    assert.ok(steps.some((st) => st.to === role('vision-data') && st.how === 'iam:PassRole to a training job'), JSON.stringify(steps));
    assert.ok(steps.some((st) => st.to === role('gpu-node') && st.how === 'iam:PassRole to a cluster node'), JSON.stringify(steps));
  });
});
