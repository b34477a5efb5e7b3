/**
 * Review eq, 5: escalation-paths (and so who-can's `through`) asked AssumeRole's trust check without a session
 * name, while every AssumeRole carries one (`sts:RoleSessionName`) and the assumer picks it. A trust policy that
 * lets the account's principals in under their own name (`StringEquals sts:RoleSessionName ${aws:username}`, AWS's
 * way to make CloudTrail show who used a shared role), or that denies any name outside `deploy-*`, read as trusting
 * no one: bob, who assumed the role as `bob`, was told he could not reach it, and who-can named no one through it.
 * The trust check is now asked again, where a trust policy or the principal's own policies compare the session name
 * (Allow or Deny), with each name they name, made one the principal may give (`${aws:username}` as a user's name,
 * wildcards filled in); the step says which name. Followed: AssumeRole with that name works, with another it does not.
 *
 * Before the fix, 3 of the 3 tests failed. Real server (SQLite), IAM and STS Query APIs (SDK), admin API (SigV4).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

interface Step {
  readonly how: string;
  readonly to: string;
  readonly reasons: readonly string[];
}

describe('review eq5: a trust policy that tests the session name the assumer picks', () => {
  let s: TestServer;
  let bob: Credentials;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'assume', PolicyDocument: policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey;
    bob = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    // ci: any principal of the account, under its own name.
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:RoleSessionName': '${aws:username}' } } }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'ci', PolicyName: 'read', PolicyDocument: policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::builds/*' }) }));
    // deploy: bob, under a name starting with `deploy-` only.
    await iam.send(
      new I.CreateRoleCommand({
        RoleName: 'deploy',
        AssumeRolePolicyDocument: policy(
          { Effect: 'Allow', Principal: { AWS: user('bob') }, Action: 'sts:AssumeRole' },
          { Effect: 'Deny', Principal: { AWS: user('bob') }, Action: 'sts:AssumeRole', Condition: { StringNotLike: { 'sts:RoleSessionName': 'deploy-*' } } },
        ),
      }),
    );
  });
  after(() => s?.stop());

  const pathTo = async (to: string): Promise<readonly Step[] | undefined> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user('bob') });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['reports'] as { canBecome: { principal: string; path: Step[] }[] }[])[0]?.canBecome.find((b) => b.principal === to)?.path;
  };
  const assume = async (arn: string, name: string): Promise<string> => {
    try {
      const r = await s.sts(bob).send(new S.AssumeRoleCommand({ RoleArn: arn, RoleSessionName: name }));
      return r.AssumedRoleUser?.Arn ?? '';
    } catch (e) {
      return (e as Error).name;
    }
  };

  it('a role trusting the account under each one\'s own name: the step names it, and AssumeRole with it works, with another not', async () => {
    const path = await pathTo(role('ci'));
    assert.deepEqual(path?.map((st) => [st.how, st.to]), [['sts:AssumeRole', role('ci')]]);
    assert.match(path?.[0]?.reasons.join('\n') ?? '', /with the session name bob, which bob picks/);
    assert.equal(await assume(role('ci'), 'bob'), `arn:aws:sts::${A}:assumed-role/ci/bob`);
    assert.equal(await assume(role('ci'), 'someone'), 'AccessDenied');
  });

  it('a role whose trust policy denies names outside `deploy-*`: reached under such a name', async () => {
    const path = await pathTo(role('deploy'));
    assert.deepEqual(path?.map((st) => [st.how, st.to]), [['sts:AssumeRole', role('deploy')]]);
    assert.match(path?.[0]?.reasons.join('\n') ?? '', /with the session name deploy-x/);
    assert.equal(await assume(role('deploy'), 'deploy-x'), `arn:aws:sts::${A}:assumed-role/deploy/deploy-x`);
    assert.equal(await assume(role('deploy'), 'bob'), 'AccessDenied');
  });

  it('who-can lists bob through the role', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: 'arn:aws:s3:::builds/app.tar' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const ci = (r.json['allowed'] as { principal: string; through?: { principal: string; path: Step[] }[] }[]).find((a) => a.principal === role('ci'));
    assert.deepEqual(ci?.through?.find((t) => t.principal === user('bob'))?.path.map((st) => st.how), ['sts:AssumeRole']);
  });
});
