/**
 * Review mb, 2: escalation-paths listed `iam:AddUserToGroup` (gives `group`) and an `iam:Attach…Policy` allowed only for
 * some policies (gives `policy`) for a user whose own Deny statements refuse everything the group or the policy
 * allows. An explicit deny in any policy that applies overrides any allow (AWS IAM User Guide, "Policy evaluation
 * logic": "an explicit deny in any of these policies overrides the allow"; reference policy-semantics.md), so a user
 * whose policy denies `iam:Create*` and `training:*` gains nothing by joining a group that allows `iam:CreateUser` or
 * by attaching a policy that allows `training:*`: the report named gains that give no right (as review lk, 2 found for
 * a group with no Allow statement, and review mb, 1 for one its boundary cuts). A group or a policy is now no gain for a
 * principal when each of its Allow statements is covered by a Deny statement of the principal's own (its policies, its
 * groups', its boundary's) that the actor may not take away (review eq, 3's `without-deny` gains); coverage is proved
 * on the statements, so an Allow that is not provably covered still counts. Each answer is then taken for real through
 * the IAM API and checked with the authorize API.
 *
 * Before the fix 1 of 3 tests failed. Real server (SQLite), SDK v3 IAM, the authorize API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, userWithPolicy, type TestServer } from './support/server.ts';
import { escalationGains } from './support/escalation.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const group = (n: string) => `arn:aws:iam::${A}:group/${n}`;
const policyArn = (n: string) => `arn:aws:iam::${A}:policy/${n}`;
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review mb2: a Deny of its own that refuses all a group or policy allows makes it no gain', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'training-all', PolicyDocument: doc({ Effect: 'Allow', Action: 'training:*', Resource: '*' }) }));
    for (const name of ['creators', 'readers']) await iam.send(new I.CreateGroupCommand({ GroupName: name }));
    await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'creators', PolicyName: 'c', PolicyDocument: doc({ Effect: 'Allow', Action: ['iam:CreateUser', 'iam:CreateAccessKey'], Resource: '*' }) }));
    await iam.send(new I.AttachGroupPolicyCommand({ GroupName: 'readers', PolicyArn: S3_READ }));
    const own = doc(
      { Effect: 'Allow', Action: 'iam:AddUserToGroup', Resource: `arn:aws:iam::${A}:group/*` },
      { Effect: 'Allow', Action: 'iam:AttachUserPolicy', Resource: `arn:aws:iam::${A}:user/\${aws:username}`, Condition: { ArnEquals: { 'iam:PolicyARN': [policyArn('training-all'), S3_READ] } } },
    );
    for (const name of ['guarded', 'free', 'unguarding']) await userWithPolicy(s, name, own);
    const guard = doc({ Effect: 'Deny', Action: ['iam:Create*', 'training:*'], Resource: '*' });
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'guarded', PolicyName: 'guard', PolicyDocument: guard }));
    // The same Deny, on a user that may delete it (review eq, 3): the Deny does not stay.
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'unguarding', PolicyName: 'guard', PolicyDocument: guard }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'unguarding', PolicyName: 'delete', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:DeleteUserPolicy', Resource: user('unguarding') }) }));
  });
  after(() => s?.stop());

  const gains = async (name: string) =>
    (await escalationGains(s, user(name)))
      .filter((g) => g.principal === user(name) && (g.action === 'iam:AddUserToGroup' || g.action === 'iam:AttachUserPolicy'))
      .map((g) => `${g.action} ${g.policy ?? g.resource} ${g.gives}`)
      .sort();
  const decision = async (principal: string, action: string, resource: string): Promise<string> => {
    const r = await call<{ decision: string }>(connectionTo(s.url, s.admin), 'POST', ['authorize'], { body: { principal, action, resource } });
    assert.ok(r.ok, r.ok ? '' : r.message);
    return r.value.decision;
  };
  const all = [`iam:AddUserToGroup ${group('creators')} group`, `iam:AddUserToGroup ${group('readers')} group`, `iam:AttachUserPolicy ${policyArn('training-all')} policy`, `iam:AttachUserPolicy ${S3_READ} policy`].sort();

  it('the guarded user gains only the group and the policy its Deny leaves something of', async () => {
    assert.deepEqual(await gains('guarded'), [`iam:AddUserToGroup ${group('readers')} group`, `iam:AttachUserPolicy ${S3_READ} policy`]);
  });

  it('without the Deny, or with one it may delete, every group and policy is a gain', async () => {
    assert.deepEqual(await gains('free'), all);
    assert.deepEqual(await gains('unguarding'), all);
  });

  it('the answers hold: creators and training-all give the guarded user nothing, readers gives s3:GetObject', async () => {
    const iam = s.iam();
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'creators', UserName: 'guarded' }));
    await iam.send(new I.AttachUserPolicyCommand({ UserName: 'guarded', PolicyArn: policyArn('training-all') }));
    assert.equal(await decision(user('guarded'), 'iam:CreateUser', user('someone')), 'ExplicitDeny');
    assert.equal(await decision(user('guarded'), 'training:CreateJob', `arn:aws:training::${A}:job/j`), 'ExplicitDeny');
    assert.equal(await decision(user('guarded'), 's3:GetObject', 'arn:aws:s3:::any-bucket/k'), 'ImplicitDeny');
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'readers', UserName: 'guarded' }));
    assert.equal(await decision(user('guarded'), 's3:GetObject', 'arn:aws:s3:::any-bucket/k'), 'Allow');
  });
});
