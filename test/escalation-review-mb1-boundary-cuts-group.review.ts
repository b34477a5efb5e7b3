/**
 * Review mb, 1: escalation-paths listed `iam:AddUserToGroup` (gives `group`, the group's rights) and an `iam:Attach…Policy`
 * allowed only for some policies (gives `policy`, that policy's rights) for a user whose permissions boundary allows
 * none of what the group or the policy grants. A boundary caps a principal's identity-based permissions whatever its
 * policies and groups grant (AWS IAM User Guide, "Permissions boundaries for IAM entities": the effective permissions
 * are the intersection of the identity-based policies and the boundary; reference policy-semantics.md §A.1.2), so
 * joining such a group or attaching such a policy gives the user nothing: the report named gains that give no right
 * (as review lk, 2 found for a group with no Allow statement). A group or a policy is now a gain for a principal whose
 * boundary stays only when one of its Allow statements may meet one of the boundary's (action and resource patterns
 * that can match a same request; what cannot be proved apart counts as meeting, so no gain is ever hidden); the ones
 * that do grant something stay listed, and a principal without a boundary is not affected. Each answer is then taken
 * for real through the IAM API and checked with the authorize API.
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

describe('review mb1: a permissions boundary that allows none of what a group or policy grants makes it no gain', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    // The boundary: S3, and the two writes the user makes to itself.
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'fence', PolicyDocument: doc({ Effect: 'Allow', Action: ['s3:*', 'iam:AddUserToGroup', 'iam:AttachUserPolicy'], Resource: '*' }) }));
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'training-all', PolicyDocument: doc({ Effect: 'Allow', Action: 'training:*', Resource: '*' }) }));
    for (const name of ['iam-writers', 'readers']) await iam.send(new I.CreateGroupCommand({ GroupName: name }));
    await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'iam-writers', PolicyName: 'w', PolicyDocument: doc({ Effect: 'Allow', Action: ['iam:CreateUser', 'iam:PutUserPolicy', 'iam:CreateAccessKey'], Resource: '*' }) }));
    await iam.send(new I.AttachGroupPolicyCommand({ GroupName: 'readers', PolicyArn: S3_READ }));
    const own = doc(
      { Effect: 'Allow', Action: 'iam:AddUserToGroup', Resource: `arn:aws:iam::${A}:group/*` },
      { Effect: 'Allow', Action: 'iam:AttachUserPolicy', Resource: `arn:aws:iam::${A}:user/\${aws:username}`, Condition: { ArnEquals: { 'iam:PolicyARN': [policyArn('training-all'), S3_READ] } } },
    );
    for (const name of ['bounded', 'free']) await userWithPolicy(s, name, own);
    await iam.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'bounded', PermissionsBoundary: policyArn('fence') }));
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

  it('the bounded user gains only the group and the policy its boundary lets grant something', async () => {
    assert.deepEqual(await gains('bounded'), [`iam:AddUserToGroup ${group('readers')} group`, `iam:AttachUserPolicy ${S3_READ} policy`]);
  });

  it('the same user without a boundary gains both groups and both policies', async () => {
    assert.deepEqual(await gains('free'), [
      `iam:AddUserToGroup ${group('iam-writers')} group`,
      `iam:AddUserToGroup ${group('readers')} group`,
      `iam:AttachUserPolicy ${policyArn('training-all')} policy`,
      `iam:AttachUserPolicy ${S3_READ} policy`,
    ].sort());
  });

  it('the answers hold: iam-writers and training-all give the bounded user nothing, readers gives s3:GetObject', async () => {
    const iam = s.iam();
    assert.equal(await decision(user('bounded'), 's3:GetObject', 'arn:aws:s3:::any-bucket/k'), 'ImplicitDeny');
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'iam-writers', UserName: 'bounded' }));
    await iam.send(new I.AttachUserPolicyCommand({ UserName: 'bounded', PolicyArn: policyArn('training-all') }));
    assert.equal(await decision(user('bounded'), 'iam:CreateUser', user('someone')), 'ImplicitDeny');
    assert.equal(await decision(user('bounded'), 'training:CreateJob', `arn:aws:training::${A}:job/j`), 'ImplicitDeny');
    assert.equal(await decision(user('free'), 'iam:CreateUser', user('someone')), 'ImplicitDeny');
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'readers', UserName: 'bounded' }));
    assert.equal(await decision(user('bounded'), 's3:GetObject', 'arn:aws:s3:::any-bucket/k'), 'Allow');
  });
});
