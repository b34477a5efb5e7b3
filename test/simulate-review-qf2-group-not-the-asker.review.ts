/**
 * Review qf, 2: SimulatePrincipalPolicy on a group (`PolicySourceArn` `…:group/G`, no `CallerArn`) was decided as the
 * caller of the API: its user name, unique id and tags stood for the group's member. IAM names no default caller for a
 * group ("If you do not specify a CallerArn, it defaults to the ARN of the user that you specify in PolicySourceArn, if
 * you specified a user", API_SimulatePrincipalPolicy): a member's `aws:username`, `aws:userid`, `aws:PrincipalArn` and
 * `aws:PrincipalTag/K` are not known, so a statement that reads them is decided without them and the key is reported
 * in `MissingContextValues`, to be given in `ContextEntries`. An admin tagged `team=vision` was told the group's members
 * may write anywhere (an Allow on `aws:PrincipalTag/team` `vision`), and read `home/<admin>/…` (`${aws:username}`),
 * and that the group's Deny of every member not tagged `team=vision` applied to no one; another caller asking about the
 * same group got other answers. The group is now simulated as a member whose name, id and tags are unknown, whoever asks.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * Real server (SQLite) on 127.0.0.1, SDK v3 IAM client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const GROUP = `arn:aws:iam::${ROOT}:group/qf2-readers`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review qf2: SimulatePrincipalPolicy on a group is not decided as the caller of the API', () => {
  let s: TestServer;
  let auditorKey: Credentials;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.TagUserCommand({ UserName: 'admin', Tags: [{ Key: 'team', Value: 'vision' }] }));
    await iam.send(new I.CreateGroupCommand({ GroupName: 'qf2-readers' }));
    await iam.send(new I.PutGroupPolicyCommand({
      GroupName: 'qf2-readers',
      PolicyName: 'members',
      PolicyDocument: doc(
        { Sid: 'Home', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/${aws:username}/*' },
        { Sid: 'Team', Effect: 'Allow', Action: 's3:PutObject', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'vision' } } },
        { Sid: 'Id', Effect: 'Allow', Action: 's3:ListBucket', Resource: '*', Condition: { StringLike: { 'aws:userid': 'AIDA*' } } },
        { Sid: 'OthersOut', Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalTag/team': 'vision' } } },
        { Sid: 'Delete', Effect: 'Allow', Action: 's3:DeleteObject', Resource: '*' },
      ),
    }));
    // An auditor allowed to simulate the group, tagged otherwise.
    await iam.send(new I.CreateUserCommand({ UserName: 'qf2-auditor', Tags: [{ Key: 'team', Value: 'speech' }] }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'qf2-auditor', PolicyName: 'simulate', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:SimulatePrincipalPolicy', Resource: '*' }) }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'qf2-auditor' }))).AccessKey;
    auditorKey = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  });
  after(() => s?.stop());

  const questions: [string, string][] = [
    ['s3:GetObject', 'arn:aws:s3:::home/admin/x'],
    ['s3:PutObject', 'arn:aws:s3:::data/x'],
    ['s3:ListBucket', 'arn:aws:s3:::data'],
    ['s3:DeleteObject', 'arn:aws:s3:::data/x'],
  ];
  const simulate = async (iam: I.IAMClient, extra: Partial<I.SimulatePrincipalPolicyCommandInput> = {}): Promise<string[]> => {
    const out: string[] = [];
    for (const [action, resource] of questions) {
      const r = await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: GROUP, ActionNames: [action], ResourceArns: [resource], ...extra }));
      const e = r.EvaluationResults?.[0];
      out.push(`${action} ${e?.EvalDecision} [${(e?.MissingContextValues ?? []).join(', ')}]`);
    }
    return out;
  };

  it('without CallerArn: a member whose name, id and tags are unknown, each key a statement reads reported missing', async () => {
    // Before the fix: every one `allowed` with nothing missing (decided with the admin's name, id and team=vision).
    assert.deepEqual(await simulate(s.iam()), [
      's3:GetObject implicitDeny [aws:username]',
      's3:PutObject implicitDeny [aws:PrincipalTag/team]',
      's3:ListBucket implicitDeny [aws:userid]',
      's3:DeleteObject explicitDeny [aws:PrincipalTag/team]',
    ]);
  });

  it('the same answer whoever asks', async () => {
    // Before the fix: the auditor (team=speech) was told PutObject implicitDeny and DeleteObject explicitDeny.
    const auditor = s.iam(auditorKey);
    assert.deepEqual(await simulate(auditor), await simulate(s.iam()));
  });

  it('the member’s facts given in ContextEntries, or a member named by CallerArn, decide as before', async () => {
    const given = await simulate(s.iam(), {
      ContextEntries: [
        { ContextKeyName: 'aws:username', ContextKeyType: 'string', ContextKeyValues: ['admin'] },
        { ContextKeyName: 'aws:PrincipalTag/team', ContextKeyType: 'string', ContextKeyValues: ['vision'] },
        { ContextKeyName: 'aws:userid', ContextKeyType: 'string', ContextKeyValues: ['AIDAEXAMPLE'] },
      ],
    });
    assert.deepEqual(given, ['s3:GetObject allowed []', 's3:PutObject allowed []', 's3:ListBucket allowed []', 's3:DeleteObject allowed []']);
    const asAdmin = await simulate(s.iam(), { CallerArn: `arn:aws:iam::${ROOT}:user/admin` });
    assert.deepEqual(asAdmin, ['s3:GetObject allowed []', 's3:PutObject allowed []', 's3:ListBucket allowed []', 's3:DeleteObject allowed []']);
  });
});
