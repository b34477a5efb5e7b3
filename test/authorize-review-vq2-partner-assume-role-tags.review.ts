/**
 * Review vq, 2, against a real server with the real SDK v3 (IAM, STS): an account asking the authorize API whether a
 * partner account's principal may assume one of its roles is answered with the role's stored tags as
 * `aws:ResourceTag/<key>`, as STS decides that partner's AssumeRole (review cc, 8).
 *
 * What was wrong: the directory's facts (a role's tags) replaced the asker's only when the principal asked about was of
 * the role's account (review I, I2). Cross-account AssumeRole is what trust policies are for, and `mayAsk` lets the
 * role's account ask about a partner's principal for its own roles; such a question was decided with the tags the
 * asker wrote. Under the partner's usual ABAC grant (`sts:AssumeRole` where `aws:ResourceTag/team` is `eng`), the
 * question without tags about the eng role was ImplicitDeny though STS issues the session, and one claiming
 * `team: eng` about the ops role was Allow though STS refuses it. The same question, asked of the authorize API and
 * sent to STS, had opposite answers.
 *
 * What is now so: a user, role, managed policy or OIDC provider of the asker's own account is decided with its stored
 * facts whichever account's principal is asked about, as for the principal's own account; another account's entity
 * still keeps its facts untold.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { createdAccount, REGION, sdkException, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const OWNER = '123412341234';
const PARTNER = '567856785678';
const USER = `arn:aws:iam::${PARTNER}:user/vq2-builder`;
const role = (name: string): string => `arn:aws:iam::${OWNER}:role/${name}`;

let server: TestServer;
let owner: Credentials;
let sts: STSClient;
const iams: I.IAMClient[] = [];
const iamAs = (credentials: Credentials): I.IAMClient => {
  const c = new I.IAMClient({ endpoint: server.url, region: REGION, credentials, maxAttempts: 1 });
  iams.push(c);
  return c;
};

interface Answer { decision: string; diagnostics: string[] }
async function ask(roleName: string, context?: Record<string, unknown>): Promise<Answer> {
  const r = await gatehouseJson(server.url, owner, 'POST', '/v1/authorize', { principal: USER, action: 'sts:AssumeRole', resource: role(roleName), ...(context ? { context } : {}) });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as unknown as Answer;
}

before(async () => {
  server = await startTestServer();
  owner = await createdAccount(server, OWNER, 'vq2-owner');
  const partnerRoot = await createdAccount(server, PARTNER, 'vq2-partner');
  const o = iamAs(owner);
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PARTNER}:root` }, Action: 'sts:AssumeRole' }] });
  await o.send(new I.CreateRoleCommand({ RoleName: 'eng-deploy', AssumeRolePolicyDocument: trust, Tags: [{ Key: 'team', Value: 'eng' }] }));
  await o.send(new I.CreateRoleCommand({ RoleName: 'ops-deploy', AssumeRolePolicyDocument: trust, Tags: [{ Key: 'team', Value: 'ops' }] }));
  const p = iamAs(partnerRoot);
  await p.send(new I.CreateUserCommand({ UserName: 'vq2-builder' }));
  await p.send(new I.PutUserPolicyCommand({
    UserName: 'vq2-builder',
    PolicyName: 'abac',
    PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'eng' } } }] }),
  }));
  const k = (await p.send(new I.CreateAccessKeyCommand({ UserName: 'vq2-builder' }))).AccessKey;
  sts = new STSClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' }, maxAttempts: 1 });
});

after(async () => {
  sts?.destroy();
  for (const c of iams.splice(0)) c.destroy();
  await server?.stop();
});

describe('vq2: the role\'s account asking about a partner\'s AssumeRole is answered with the role\'s tags', () => {
  it('the eng role: STS issues the partner a session, and the question without tags is Allow', async () => {
    const got = await sts.send(new AssumeRoleCommand({ RoleArn: role('eng-deploy'), RoleSessionName: 'build-1' }));
    assert.ok(got.Credentials?.AccessKeyId);
    const a = await ask('eng-deploy');
    assert.equal(a.decision, 'Allow', JSON.stringify(a));
  });

  it('the ops role: STS refuses the partner, and a question claiming team=eng is not Allow', async () => {
    const e = await sdkException(sts.send(new AssumeRoleCommand({ RoleArn: role('ops-deploy'), RoleSessionName: 'build-2' })));
    assert.equal(e.code, 'AccessDenied', JSON.stringify(e));
    const a = await ask('ops-deploy', { 'aws:ResourceTag/team': 'eng' });
    assert.equal(a.decision, 'ImplicitDeny', JSON.stringify(a));
    assert.ok(a.diagnostics.some((d) => d.includes('`aws:ResourceTag/team`') && d.includes('replaced')), JSON.stringify(a.diagnostics));
  });
});
