/**
 * Review ii, 3: escalation-paths did not follow a trust policy that asks for a source identity. AWS's own example for
 * auditing who assumed a role (IAM User Guide, "Monitor and control actions taken with assumed roles") trusts a
 * principal for `sts:AssumeRole` and `sts:SetSourceIdentity` under `StringLike sts:SourceIdentity = ${aws:username}`:
 * the caller passes its own name as `SourceIdentity` and is let in. The source identity is the caller's to give, as the
 * session name is (review eq, 5), and the report listed no step, since the question was asked without one. It now lists
 * an `sts:AssumeRole` step with `sts:SetSourceIdentity` among its actions when AssumeRole and sts:SetSourceIdentity are
 * both allowed with a source identity the trust policy or the caller's own policies compare `sts:SourceIdentity` with
 * (`${aws:username}` read as a user's name); not for a user whose own policies do not allow sts:SetSourceIdentity. The
 * step is then taken through STS. Real server, SDK v3 IAM and STS.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const ROLE = `arn:aws:iam::${A}:role/audited`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

interface Step {
  readonly how: string;
  readonly to: string;
  readonly actions: readonly string[];
  readonly reasons: readonly string[];
}

describe('review ii3: a source identity a trust policy asks for, which the caller gives', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    const users: Record<string, string[]> = { alice: ['sts:AssumeRole', 'sts:SetSourceIdentity'], bob: ['sts:AssumeRole'] };
    for (const [name, actions] of Object.entries(users)) {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: actions, Resource: ROLE }) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
    await iam.send(new I.CreateRoleCommand({ RoleName: 'audited', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Condition: { StringLike: { 'sts:SourceIdentity': '${aws:username}' } } }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'audited', PolicyName: 'all', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }));
  });
  after(() => s?.stop());

  const stepsOf = async (name: string): Promise<Step[]> => {
    const r = await call<{ reports: { canBecome: { principal: string; path: Step[] }[] }[] }>(connectionTo(s.url, s.admin), 'POST', ['escalation-paths'], { body: { principal: user(name) } });
    assert.ok(r.ok, r.ok ? '' : `${r.code} ${r.message}`);
    return (r.value.reports[0]?.canBecome ?? []).flatMap((b) => b.path);
  };

  it('a user who may set its own name as source identity may assume the role', async () => {
    const steps = await stepsOf('alice');
    assert.deepEqual(steps.map((st) => [st.how, st.to, st.actions]), [['sts:AssumeRole', ROLE, ['sts:AssumeRole', 'sts:SetSourceIdentity']]], JSON.stringify(steps));
    assert.ok(steps[0]?.reasons.some((r) => r.includes('source identity alice')), JSON.stringify(steps));
  });

  it('a user who may not set a source identity has no step', async () => {
    assert.deepEqual(await stepsOf('bob'), []);
  });

  it('the step is real: AssumeRole with the source identity is allowed, without it refused', async () => {
    const assume = (who: string, sourceIdentity?: string) => s.sts(keys[who]).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'probe', ...(sourceIdentity ? { SourceIdentity: sourceIdentity } : {}) }));
    assert.equal((await sdkFailure(assume('alice'))).code, 'AccessDenied');
    assert.ok((await assume('alice', 'alice')).Credentials?.AccessKeyId);
    assert.equal((await sdkFailure(assume('bob', 'bob'))).code, 'AccessDenied');
  });
});
