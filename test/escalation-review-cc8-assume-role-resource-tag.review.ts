/**
 * Review cc, 8: AssumeRole decided without the role's tags. A guardrail denying `sts:AssumeRole` on roles tagged
 * `protected=true` (`Condition StringEquals aws:ResourceTag/protected`, a key the Service Authorization Reference gives
 * STS's `role` resource) never applied: the user assumed the role, and escalation-paths (asking AssumeRole's own trust
 * check) listed the step, while simulate (which supplies the role's tags) answered ExplicitDeny. An Allow by role tag
 * (ABAC) never allowed. AssumeRole's trust check now takes the role's tags as `aws:ResourceTag/K`, over any the asker's
 * context gives; the three agree. Real server, SDK v3 IAM and STS, admin API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const ALICE = `arn:aws:iam::${A}:user/alice`;
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review cc8: AssumeRole reads the role’s tags', () => {
  let s: TestServer;
  let alice: Credentials;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new I.PutUserPolicyCommand({
      UserName: 'alice',
      PolicyName: 'p',
      PolicyDocument: doc(
        { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'ml' } } },
        { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/protected': 'true' } } },
      ),
    }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey;
    alice = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    const trust = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' });
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ml', AssumeRolePolicyDocument: trust, Tags: [{ Key: 'team', Value: 'ml' }] }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'vault', AssumeRolePolicyDocument: trust, Tags: [{ Key: 'team', Value: 'ml' }, { Key: 'protected', Value: 'true' }] }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'other', AssumeRolePolicyDocument: trust, Tags: [{ Key: 'team', Value: 'web' }] }));
  });
  after(() => s?.stop());

  const assume = (name: string): Promise<string> => errorName(s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: role(name), RoleSessionName: 'xx' })));

  it('STS allows by the role’s tag and refuses by the deny on it', async () => {
    assert.equal(await assume('ml'), 'no error');
    assert.equal(await assume('vault'), 'AccessDenied');
    assert.equal(await assume('other'), 'AccessDenied');
  });

  it('simulate and escalation-paths agree with STS', async () => {
    const as = connectionTo(s.url, s.admin);
    for (const [name, decision] of [['ml', 'Allow'], ['vault', 'ExplicitDeny'], ['other', 'ImplicitDeny']] as const) {
      const r = await call<{ decision: string }>(as, 'POST', ['simulate'], { body: { principal: ALICE, action: 'sts:AssumeRole', resource: role(name) } });
      assert.ok(r.ok && r.value.decision === decision, `${name}: ${JSON.stringify(r)}`);
    }
    const e = await call<{ reports: { canBecome: { principal: string }[] }[] }>(as, 'POST', ['escalation-paths'], { body: { principal: ALICE } });
    assert.ok(e.ok, e.ok ? '' : e.message);
    assert.deepEqual(e.value.reports[0]?.canBecome.map((b) => b.principal), [role('ml')]);
  });
});
