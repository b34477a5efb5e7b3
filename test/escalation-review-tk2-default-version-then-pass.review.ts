/**
 * Review tk, 2: a user allowed `iam:SetDefaultPolicyVersion` on a managed policy attached to it, whose other version
 * allows `iam:PassRole` on a role trusting the training service (or the node role of a cluster it may start nodes of),
 * makes that version the default and runs a job (starts a node) as the role; escalation-paths listed no path to the
 * role: the version switch was a step only towards AssumeRole (review sx, 4), and the job and node steps were asked
 * after a group joined or a policy attached only (reviews tg, 2 and 4; docs/decisions.md "Left: … a version made the
 * default before PassRole"). A managed policy's default version is the one enforcement reads
 * (reference/policy-semantics.md §A.1), so the job and node steps are now also asked with the version in the default's
 * place: `iam:PassRole`, `iam:SetDefaultPolicyVersion`, `training:CreateJob` (`training:StartClusterNode`). In its
 * place, not beside it: a default whose Deny of PassRole the other version drops is a path too (ivy). A user without
 * SetDefaultPolicyVersion is still no path. Taken for real: the job refused, the user switches the version, the job
 * is given the role. Real server (SQLite), SDK v3 IAM, admin API.
 *
 * Before the fix 1 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const BIG = `arn:aws:iam::${A}:role/big`;
const NODEADM = `arn:aws:iam::${A}:role/nodeadm`;
const WS = `arn:aws:training::${A}:workspace/lab`;
const CLUSTER = `arn:aws:training::${A}:cluster/c1`;
const managed = (n: string) => `arn:aws:iam::${A}:policy/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*') => ({ Effect: 'Allow', Action, Resource });
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

interface Step {
  readonly how: string;
  readonly actions: readonly string[];
  readonly via?: string;
}

describe('review tk2: a version made the default, then passing a role to a job or a node', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'big', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'big', PolicyName: 'all', PolicyDocument: policy(allow('s3:*')) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'nodeadm', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'nodeadm', PolicyName: 'data', PolicyDocument: policy(allow('s3:*')) }));
    const pass = allow('iam:PassRole', [BIG, NODEADM]);
    // passv: v1 reads, v2 passes both roles. guard: v1 denies PassRole, v2 passes both roles.
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'passv', PolicyDocument: policy(allow('s3:GetObject')) }));
    await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: managed('passv'), PolicyDocument: policy(pass) }));
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'guard', PolicyDocument: policy(pass, { Effect: 'Deny', Action: 'iam:PassRole', Resource: '*' }) }));
    await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: managed('guard'), PolicyDocument: policy(pass) }));
    const work = [allow('training:CreateJob', WS), allow('training:StartClusterNode', CLUSTER)];
    const users: Record<string, [string, object[]]> = {
      vic: ['passv', [...work, allow('iam:SetDefaultPolicyVersion', managed('passv'))]],
      ivy: ['guard', [...work, allow('iam:SetDefaultPolicyVersion', managed('guard'))]],
      ned: ['passv', work],
    };
    for (const [name, [held, statements]] of Object.entries(users)) {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      await iam.send(new I.AttachUserPolicyCommand({ UserName: name, PolicyArn: managed(held) }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: policy(...statements) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [doc('Cluster', 'c1', { instanceRole: 'nodeadm' }), doc('Workspace', 'lab', { members: Object.keys(users).map((u) => ({ user: u })) })],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
  });
  after(() => s?.stop());

  const pathTo = async (name: string, role: string): Promise<readonly Step[] | undefined> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['reports'] as { canBecome: { principal: string; path: Step[] }[] }[])[0]?.canBecome.find((b) => b.principal === role)?.path;
  };
  const steps = (p: readonly Step[] | undefined) => p?.map((st) => [st.how, st.actions, st.via]);

  it('a version made the default, then PassRole to a job in its workspace and to a node of the cluster', async () => {
    for (const name of ['vic', 'ivy']) {
      assert.deepEqual(steps(await pathTo(name, BIG)), [['iam:PassRole to a training job', ['iam:PassRole', 'iam:SetDefaultPolicyVersion', 'training:CreateJob'], WS]], name);
      assert.deepEqual(steps(await pathTo(name, NODEADM)), [['iam:PassRole to a cluster node', ['iam:PassRole', 'iam:SetDefaultPolicyVersion', 'training:StartClusterNode'], CLUSTER]], name);
    }
  });

  it('no path without SetDefaultPolicyVersion (ned)', async () => {
    assert.equal(await pathTo('ned', BIG), undefined);
    assert.equal(await pathTo('ned', NODEADM), undefined);
  });

  it('the step is real: the job refused, vic makes v2 the default, the job is given the role', async () => {
    const job = { workspace: 'lab', role: BIG, imds: false };
    const refused = await gatehouseJson(s.url, keys['vic'] as Credentials, 'POST', '/v1/jobs', job);
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    await s.iam(keys['vic']).send(new I.SetDefaultPolicyVersionCommand({ PolicyArn: managed('passv'), VersionId: 'v2' }));
    const created = await gatehouseJson(s.url, keys['vic'] as Credentials, 'POST', '/v1/jobs', job);
    assert.ok(created.status === 200 || created.status === 201, JSON.stringify(created.json));
  });

  it('the step is real for ivy too: v1 denies the node, v2 in its place starts it', async () => {
    const refused = await gatehouseJson(s.url, keys['ivy'] as Credentials, 'POST', '/v1/clusters/c1/nodes', {});
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    await s.iam(keys['ivy']).send(new I.SetDefaultPolicyVersionCommand({ PolicyArn: managed('guard'), VersionId: 'v2' }));
    const started = await gatehouseJson(s.url, keys['ivy'] as Credentials, 'POST', '/v1/clusters/c1/nodes', {});
    assert.equal(started.status, 201, JSON.stringify(started.json));
  });
});
