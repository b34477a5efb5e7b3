/**
 * Review is, 5: both dialects are accepted everywhere (DESIGN.md), so a policy attached in an `acs` account may be
 * written in AWS's (`Version: 2012-10-17`, `iam:` actions, `arn:aws:iam::` ARNs), and one in an `aws` account in RAM's.
 * But the IAM API decides an `acs` account's calls as `ram:<Action>` on `acs:ram::…` ARNs only, and the engine compares
 * actions and ARNs literally: mallory, allowed `*` and denied `iam:DeleteUser` and `iam:*` on
 * `arn:aws:iam::A:user/carol`, deleted bob and tagged carol anyway; the guardrails were taken when written and ignored
 * when it mattered. Review U made a Deny in the other dialect apply to roles (AssumeRole, PassRole); the account's
 * other administrative calls were left out. Now every IAM/RAM administrative call (the IAM Query API, the CLI and
 * `/v1/` directory calls, `gatehouse apply`) is also decided in the other dialect's spelling, action and ARN, whose
 * explicit Deny refuses and whose Allow grants nothing (an `iam:*` Allow alone still grants nothing in an `acs`
 * account), in either kind of account; the authorize API and the IAM simulator answer so too. Real server, SDK v3 IAM
 * client against the Query API. An exemption written with `NotAction`/`NotResource` in one dialect still exempts: only a
 * Deny naming the action and the resource speaks of the other spelling. Before the fix 4 of 6 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount } from './support/alibaba-world.ts';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ACS = '350000000085';

describe('is5: an explicit Deny in the other dialect refuses an administrative call', () => {
  let s: TestServer;
  let acs: I.IAMClient;
  let mallory: I.IAMClient;
  let malloryKey: Credentials;

  const keyOf = async (iam: I.IAMClient, user: string): Promise<Credentials> => {
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: user }))).AccessKey;
    return { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  };

  before(async () => {
    s = await startTestServer();
    acs = s.iam(await acsAccount(s, ACS));
    for (const u of ['bob', 'carol', 'dave', 'erin', 'mallory', 'trudy']) await acs.send(new I.CreateUserCommand({ UserName: u }));
    await acs.send(new I.PutUserPolicyCommand({ UserName: 'mallory', PolicyName: 'all', PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }));
    await acs.send(new I.PutUserPolicyCommand({
      UserName: 'mallory',
      PolicyName: 'guardrails',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iam:DeleteUser', Resource: '*' }, { Effect: 'Deny', Action: 'iam:*', Resource: `arn:aws:iam::${ACS}:user/carol` }] }),
    }));
    malloryKey = await keyOf(acs, 'mallory');
    mallory = s.iam(malloryKey);
    // trudy: an AWS-dialect Allow only, in the acs account.
    await acs.send(new I.PutUserPolicyCommand({ UserName: 'trudy', PolicyName: 'aws-allow', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }] }) }));
  });
  after(async () => {
    await s?.stop();
  });

  it('in an acs account, a Deny of iam:DeleteUser refuses DeleteUser, and bob stays', async () => {
    const e = await sdkFailure(mallory.send(new I.DeleteUserCommand({ UserName: 'bob' })));
    assert.equal(e.code, 'AccessDenied', e.message);
    assert.match(e.message, /explicit deny/);
    assert.equal((await acs.send(new I.GetUserCommand({ UserName: 'bob' }))).User?.UserName, 'bob');
  });

  it('a Deny on arn:aws:iam::A:user/carol refuses calls on carol, not on dave', async () => {
    const e = await sdkFailure(mallory.send(new I.TagUserCommand({ UserName: 'carol', Tags: [{ Key: 'team', Value: 'x' }] })));
    assert.equal(e.code, 'AccessDenied', e.message);
    assert.deepEqual((await acs.send(new I.ListUserTagsCommand({ UserName: 'carol' }))).Tags ?? [], []);
    await mallory.send(new I.TagUserCommand({ UserName: 'dave', Tags: [{ Key: 'team', Value: 'x' }] }));
    assert.equal((await acs.send(new I.ListUserTagsCommand({ UserName: 'dave' }))).Tags?.[0]?.Value, 'x');
  });

  it('the same through the /v1/ directory API (gatehouse iam users delete)', async () => {
    const r = await gatehouseJson(s.url, malloryKey, 'DELETE', '/v1/users/erin');
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.equal((await acs.send(new I.GetUserCommand({ UserName: 'erin' }))).User?.UserName, 'erin');
  });

  it('the authorize API and the IAM simulator answer as the IAM API decides', async () => {
    const ask = async (action: string, resource: string): Promise<unknown> => (await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `acs:ram::${ACS}:user/mallory`, action, resource })).json['decision'];
    assert.equal(await ask('ram:DeleteUser', `acs:ram::${ACS}:user/bob`), 'ExplicitDeny');
    assert.equal(await ask('ram:TagUser', `acs:ram::${ACS}:user/carol`), 'ExplicitDeny');
    assert.equal(await ask('ram:TagUser', `acs:ram::${ACS}:user/dave`), 'Allow');
    const sim = await acs.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: `acs:ram::${ACS}:user/mallory`, ActionNames: ['ram:DeleteUser', 'ram:GetUser'], ResourceArns: [`acs:ram::${ACS}:user/bob`] }));
    assert.deepEqual(sim.EvaluationResults?.map((r) => [r.EvalActionName, r.EvalDecision]), [['ram:DeleteUser', 'explicitDeny'], ['ram:GetUser', 'allowed']]);
  });

  it('an exemption by NotAction or NotResource, written in one dialect, still exempts', async () => {
    // olga: everything but RAM and STS denied, and RAM denied on every user but herself: all in RAM's dialect.
    await acs.send(new I.CreateUserCommand({ UserName: 'olga' }));
    await acs.send(new I.PutUserPolicyCommand({ UserName: 'olga', PolicyName: 'all', PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }));
    await acs.send(new I.PutUserPolicyCommand({
      UserName: 'olga',
      PolicyName: 'fence',
      PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Deny', NotAction: ['ram:*', 'sts:*'], Resource: '*' }, { Effect: 'Deny', Action: 'ram:TagUser', NotResource: `acs:ram::${ACS}:user/olga` }] }),
    }));
    const olga = s.iam(await keyOf(acs, 'olga'));
    await olga.send(new I.TagUserCommand({ UserName: 'olga', Tags: [{ Key: 'team', Value: 'y' }] }));
    assert.equal((await acs.send(new I.ListUserTagsCommand({ UserName: 'olga' }))).Tags?.[0]?.Value, 'y');
    await olga.send(new I.CreateUserCommand({ UserName: 'olga-made' }));
    const e = await sdkFailure(olga.send(new I.TagUserCommand({ UserName: 'dave', Tags: [{ Key: 'team', Value: 'y' }] })));
    assert.equal(e.code, 'AccessDenied', e.message);
  });

  it('an Allow in the other dialect alone still grants nothing', async () => {
    const trudy = s.iam(await keyOf(acs, 'trudy'));
    const e = await sdkFailure(trudy.send(new I.DeleteUserCommand({ UserName: 'dave' })));
    assert.equal(e.code, 'AccessDenied', e.message);
  });
});
