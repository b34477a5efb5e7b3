/**
 * Review gb, 5: `iam:PassRole` is decided with `iam:PassedToService` and `iam:AssociatedResourceArn`, the ARN of the
 * resource the role will be associated with (shared/reference/policy-semantics.md A.1.8, A.1.9; AWS's own example scopes
 * PassRole to EC2 instances with `ArnLike iam:AssociatedResourceARN arn:aws:ec2:…:instance/*`). Gatehouse never set the
 * key, so a user allowed to pass a role only to training jobs (`ArnLike iam:AssociatedResourceArn
 * arn:aws:training::A:job/*`) was refused every submission, and a Deny keeping a role off cluster nodes that way
 * (`ArnLike … :job/*` on a node's start) was decided as if unconditioned. Now a job's submission, a node's start and a
 * pod's admission decide PassRole with the job's ARN as `iam:AssociatedResourceArn`, and escalation-paths asks the same.
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
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const JOBS = `arn:aws:training::${A}:job/*`;

describe('review gb5: PassRole is decided with the job as iam:AssociatedResourceArn', () => {
  let s: TestServer;
  let erin: Credentials;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    erin = await userWithKey(s, 'erin');
    await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'nodeadm', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    await iam.send(
      new I.PutUserPolicyCommand({
        UserName: 'erin',
        PolicyName: 'p',
        PolicyDocument: policy(
          { Effect: 'Allow', Action: 'training:*', Resource: '*' },
          // Roles may be passed only to be associated with training jobs…
          { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*', Condition: { ArnLike: { 'iam:AssociatedResourceArn': JOBS } } },
          // …and nodeadm never to a job of the account (a node is one too).
          { Effect: 'Deny', Action: 'iam:PassRole', Resource: role('nodeadm'), Condition: { ArnLike: { 'iam:AssociatedResourceArn': JOBS } } },
        ),
      }),
    );
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('Workspace', 'vision', { members: [{ user: 'erin' }] }), doc('Cluster', 'gpu', { instanceRole: 'nodeadm' })] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
  });
  after(() => s?.stop());

  it('a user allowed PassRole for training jobs by iam:AssociatedResourceArn submits a job with the role', async () => {
    const r = await gatehouseJson(s.url, erin, 'POST', '/v1/jobs', { workspace: 'vision', role: role('trainer'), imds: false });
    assert.equal(r.status, 201, JSON.stringify(r.json));
  });

  it('a Deny of PassRole conditioned on iam:AssociatedResourceArn refuses a node', async () => {
    const r = await gatehouseJson(s.url, erin, 'POST', '/v1/clusters/gpu/nodes', { imds: false });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /check permission for ram role failed/);
  });

  it('escalation-paths lists the job step the condition allows and not the node step it denies', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: `arn:aws:iam::${A}:user/erin` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const steps = ((r.json['reports'] as { canBecome: { path: { to: string; how: string }[] }[] }[])[0]?.canBecome ?? []).flatMap((b) => b.path);
    assert.ok(steps.some((st) => st.to === role('trainer') && st.how === 'iam:PassRole to a training job'), JSON.stringify(steps));
    assert.ok(!steps.some((st) => st.to === role('nodeadm')), JSON.stringify(steps));
  });
});
