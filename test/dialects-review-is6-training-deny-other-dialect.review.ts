/**
 * Review is, 6: a workspace, job or training cluster is decided on its ARN in its account's dialect
 * (`arn:aws:training::A:workspace/W` in an `aws` account, `acs:pai::A:workspace/W` in an `acs` one), and both dialects
 * are accepted in policies, but the engine compares ARNs literally: mallory, allowed `*` and denied `training:*` on
 * `acs:pai::A:workspace/vis` and `training:GetCluster` on `acs:pai::A:cluster/gpu` in the `aws` root account, submitted
 * a job to vis (201), read the cluster gpu (200), and, denied `training:DeleteWorkspace` on `acs:pai::A:workspace/keep`,
 * deleted keep through `/v1/workspaces` (204). The guardrail was taken when written and never matched, as an
 * administrative Deny in the other dialect was (review is, 5). Now a decision on a workspace's, job's or cluster's ARN
 * also asks its other-dialect spelling, deny-only (its Allow grants nothing): job submission, cluster reads, the
 * workspace and cluster API, the authorize API and the IAM simulator alike. Real server, SigV4-signed `/v1/` requests,
 * SDK v3 IAM client. An exemption by `NotResource` in one spelling still exempts (only a Deny naming its resource
 * speaks of the other spelling). Before the fix 4 of 6 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

describe('is6: a Deny on a workspace or cluster ARN of the other dialect applies', () => {
  let s: TestServer;
  let mallory: Credentials;
  let trudy: Credentials;
  const v1 = (method: string, path: string, body?: unknown, who?: Credentials) => gatehouseJson(s.url, who ?? s.admin, method, path, body);
  const keyOf = async (iam: I.IAMClient, user: string): Promise<Credentials> => {
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: user }))).AccessKey;
    return { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  };

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    for (const u of ['mallory', 'trudy']) await iam.send(new I.CreateUserCommand({ UserName: u }));
    await iam.send(new I.PutUserPolicyCommand({
      UserName: 'mallory',
      PolicyName: 'p',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: '*', Resource: '*' },
          { Effect: 'Deny', Action: 'training:*', Resource: `acs:pai::${ROOT}:workspace/vis` },
          { Effect: 'Deny', Action: 'training:GetCluster', Resource: `acs:pai::${ROOT}:cluster/gpu` },
          { Effect: 'Deny', Action: 'training:DeleteWorkspace', Resource: `acs:pai::${ROOT}:workspace/keep` },
        ],
      }),
    }));
    // trudy: allowed on the other dialect's spelling only.
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'trudy', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'training:*', Resource: `acs:pai::${ROOT}:workspace/vis` }] }) }));
    mallory = await keyOf(iam, 'mallory');
    trudy = await keyOf(iam, 'trudy');
    const made = await v1('POST', '/v1/apply', { documents: [doc('Workspace', 'vis', { members: [{ user: 'mallory' }, { user: 'trudy' }] }), doc('Workspace', 'other', { members: [{ user: 'mallory' }] }), doc('Workspace', 'keep', { members: [] }), doc('Cluster', 'gpu', {}), doc('Cluster', 'tpu', {})] });
    assert.equal(made.status, 200, JSON.stringify(made.json));
  });
  after(async () => {
    await s?.stop();
  });

  it('a job submitted to vis is refused with an explicit deny, and one to another workspace is not', async () => {
    const refused = await v1('POST', '/v1/jobs', { workspace: 'vis', role: 'none', imds: false }, mallory);
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    assert.match(JSON.stringify(refused.json), /explicitly denied/);
    const other = await v1('POST', '/v1/jobs', { workspace: 'other', role: 'none', imds: false }, mallory);
    assert.equal(other.status, 201, JSON.stringify(other.json));
  });

  it('the cluster gpu is not read, tpu is', async () => {
    const gpu = await v1('GET', '/v1/clusters/gpu', undefined, mallory);
    assert.equal(gpu.status, 403, JSON.stringify(gpu.json));
    const tpu = await v1('GET', '/v1/clusters/tpu', undefined, mallory);
    assert.equal(tpu.status, 200, JSON.stringify(tpu.json));
  });

  it('the authorize API and the IAM simulator answer so', async () => {
    const ask = async (action: string, resource: string): Promise<unknown> => (await v1('POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/mallory`, action, resource })).json['decision'];
    assert.equal(await ask('training:CreateJob', `arn:aws:training::${ROOT}:workspace/vis`), 'ExplicitDeny');
    assert.equal(await ask('training:GetCluster', `arn:aws:training::${ROOT}:cluster/gpu`), 'ExplicitDeny');
    assert.equal(await ask('training:GetCluster', `arn:aws:training::${ROOT}:cluster/tpu`), 'Allow');
    const sim = await s.iam().send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${ROOT}:user/mallory`, ActionNames: ['training:GetCluster'], ResourceArns: [`arn:aws:training::${ROOT}:cluster/gpu`] }));
    assert.equal(sim.EvaluationResults?.[0]?.EvalDecision, 'explicitDeny');
  });

  it('the workspace keep is not deleted through /v1/workspaces, and stays', async () => {
    const r = await v1('DELETE', '/v1/workspaces/keep', undefined, mallory);
    assert.equal(r.status, 403, JSON.stringify(r.json));
    const ws = await v1('GET', '/v1/workspaces/keep');
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
  });

  it('an exemption by NotResource in the account dialect still exempts', async () => {
    // pat: every workspace but vis denied, written with the account's own spelling.
    const iam = s.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'pat' }));
    await iam.send(new I.PutUserPolicyCommand({
      UserName: 'pat',
      PolicyName: 'p',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'training:*', NotResource: `arn:aws:training::${ROOT}:workspace/other` }] }),
    }));
    const made = await v1('POST', '/v1/apply', { documents: [doc('Workspace', 'other', { members: [{ user: 'mallory' }, { user: 'pat' }] })] });
    assert.equal(made.status, 200, JSON.stringify(made.json));
    const job = await v1('POST', '/v1/jobs', { workspace: 'other', role: 'none', imds: false }, await keyOf(iam, 'pat'));
    assert.equal(job.status, 201, JSON.stringify(job.json));
  });

  it('an Allow on the other spelling alone still grants nothing', async () => {
    const r = await v1('POST', '/v1/jobs', { workspace: 'vis', role: 'none', imds: false }, trudy);
    assert.equal(r.status, 403, JSON.stringify(r.json));
  });
});
