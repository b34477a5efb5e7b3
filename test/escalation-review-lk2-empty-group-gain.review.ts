/**
 * Review lk, 2: escalation-paths listed `iam:AddUserToGroup` (gives `group`, the group's rights) as a gain for every
 * group a principal may add a user to, even one with no policy at all or with only Deny statements: joining it grants
 * nothing, so the report (and a new user X may create and add to it, review cc, 2) named gains and paths that give no
 * right. A group is now a gain only when a policy of it (inline or attached) has an Allow statement; the groups that
 * do grant something stay listed. Each answer is checked against the real decisions (the authorize API) after the
 * joins are taken through the IAM API.
 *
 * Before the fix 2 of 3 tests failed. Real server (SQLite), SDK v3 IAM, the authorize API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';
import { escalationGains } from './support/escalation.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const group = (n: string) => `arn:aws:iam::${A}:group/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review lk2: joining a group that grants nothing is no gain', () => {
  let s: TestServer;
  let joiner: Credentials;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    joiner = await userWithPolicy(s, 'joiner', doc({ Effect: 'Allow', Action: 'iam:AddUserToGroup', Resource: `arn:aws:iam::${A}:group/*` }));
    // A new user joiner could create and key, whose only possible gain would be a group.
    await userWithPolicy(s, 'maker', doc({ Effect: 'Allow', Action: ['iam:CreateUser', 'iam:CreateAccessKey', 'iam:AddUserToGroup'], Resource: '*' }));
    for (const name of ['empty', 'deny-only', 'readers']) await iam.send(new I.CreateGroupCommand({ GroupName: name }));
    await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'deny-only', PolicyName: 'd', PolicyDocument: doc({ Effect: 'Deny', Action: 's3:*', Resource: '*' }) }));
    await iam.send(new I.AttachGroupPolicyCommand({ GroupName: 'readers', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }));
  });
  after(() => s?.stop());

  const groupGains = async (name: string) => (await escalationGains(s, user(name))).filter((g) => g.action === 'iam:AddUserToGroup' && g.principal === user(name)).map((g) => g.resource).sort();
  const decision = async (action: string, resource: string): Promise<string> => {
    const r = await call<{ decision: string }>(connectionTo(s.url, joiner), 'POST', ['authorize'], { body: { action, resource } });
    assert.ok(r.ok, r.ok ? '' : r.message);
    return r.value.decision;
  };

  it('may add itself to three groups: only the one whose policy allows something is a gain', async () => {
    assert.deepEqual(await groupGains('joiner'), [group('readers')]);
  });

  it('a new user it may create and key gains only the group whose policy allows something', async () => {
    const r = await call<{ reports: { canGain: { gain: { principal: string; action: string; resource: string } }[] }[] }>(connectionTo(s.url, s.admin), 'POST', ['escalation-paths'], { body: { principal: user('maker') } });
    assert.ok(r.ok, r.ok ? '' : r.message);
    const joins = (r.value.reports[0]?.canGain ?? []).filter((g) => g.gain.action === 'iam:AddUserToGroup' && g.gain.principal.startsWith(user('new-'))).map((g) => g.gain.resource).sort();
    assert.deepEqual(joins, [group('readers')]);
  });

  it('the answers hold: joining empty and deny-only gives nothing, joining readers gives s3:GetObject', async () => {
    const iam = s.iam(joiner);
    const before = await decision('s3:GetObject', 'arn:aws:s3:::any-bucket/k');
    for (const g of ['empty', 'deny-only']) await iam.send(new I.AddUserToGroupCommand({ GroupName: g, UserName: 'joiner' }));
    assert.deepEqual([before, await decision('s3:GetObject', 'arn:aws:s3:::any-bucket/k'), await decision('iam:ListUsers', '*')], ['ImplicitDeny', 'ExplicitDeny', 'ImplicitDeny']);
    await s.iam().send(new I.RemoveUserFromGroupCommand({ GroupName: 'deny-only', UserName: 'joiner' }));
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'readers', UserName: 'joiner' }));
    assert.equal(await decision('s3:GetObject', 'arn:aws:s3:::any-bucket/k'), 'Allow');
  });
});
