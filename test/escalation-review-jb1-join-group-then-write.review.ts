/**
 * Review jb, 1: escalation-paths took `iam:AddUserToGroup` into a group the user is not in for "the rights of that
 * group" (`gives: group`) and looked at writing a group's policies (`PutGroupPolicy`, `AttachGroupPolicy`, a new
 * version of a managed policy attached to it) only for the groups the user was already in. A user allowed to add
 * itself to a group and to write that group's policy (a group it administers, as AWS's delegated-administration
 * examples grant both on `group/*`) was reported with the rights of the group (here none: an empty group) and
 * `anyRight: false`, while it can write a policy allowing everything into the group, join it, and do anything: a path
 * to any right missed, the most serious kind of miss an auditor can be given. Each joinable group's writes are now
 * asked too, and such a gain is listed with the join first (`first: ['iam:AddUserToGroup']`, printed by the CLI as
 * `iam:AddUserToGroup then iam:PutGroupPolicy`), giving any right; a join alone still gives the group's rights, and a
 * write without the join no gain. Each answer is then taken for real through the IAM API with the user's own key.
 * Before the fix 2 of 3 tests failed. Real server (SQLite), SDK v3 IAM, the authorize API and the CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { cliAgainst, errorName, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const group = (n: string) => `arn:aws:iam::${A}:group/${n}`;
const policyArn = (n: string) => `arn:aws:iam::${A}:policy/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ALL = doc({ Effect: 'Allow', Action: '*', Resource: '*' });

interface Gain {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly gives: string;
  readonly first?: readonly string[];
}
interface Report {
  readonly canGain: readonly { gain: Gain }[];
  readonly anyRight: boolean;
}

describe('review jb1: a group the user may join and whose policy it may write is a way to any right', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    for (const g of ['empty', 'team', 'other']) await iam.send(new I.CreateGroupCommand({ GroupName: g }));
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'team-read', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::jb1/*' }) }));
    await iam.send(new I.AttachGroupPolicyCommand({ GroupName: 'team', PolicyArn: policyArn('team-read') }));
    // eve: may add itself to `empty` and put an inline policy on it.
    keys['eve'] = await userWithPolicy(s, 'eve', doc({ Effect: 'Allow', Action: ['iam:AddUserToGroup', 'iam:PutGroupPolicy'], Resource: group('empty') }));
    // fay: may add itself to `team` and write a new version of the managed policy attached to it.
    keys['fay'] = await userWithPolicy(s, 'fay', doc({ Effect: 'Allow', Action: 'iam:AddUserToGroup', Resource: group('team') }, { Effect: 'Allow', Action: 'iam:CreatePolicyVersion', Resource: policyArn('team-read') }));
    // gus: may join `other` only; hal: may write `other`'s policy only. `other` grants something (review lk, 2: joining
    // a group with no policy is no gain).
    await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'other', PolicyName: 'read', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::jb1/*' }) }));
    keys['gus'] = await userWithPolicy(s, 'gus', doc({ Effect: 'Allow', Action: 'iam:AddUserToGroup', Resource: group('other') }));
    keys['hal'] = await userWithPolicy(s, 'hal', doc({ Effect: 'Allow', Action: 'iam:PutGroupPolicy', Resource: group('other') }));
  });
  after(() => s?.stop());

  const report = async (name: string): Promise<Report> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['reports'] as Report[])[0] as Report;
  };
  const own = (r: Report, name: string) => r.canGain.map((g) => g.gain).filter((g) => g.principal === user(name)).map((g) => [g.action, g.resource, g.gives, g.first]);
  const canListUsers = async (name: string): Promise<string> =>
    String((await gatehouseJson(s.url, keys[name] as Credentials, 'POST', '/v1/authorize', { action: 'iam:ListUsers', resource: '*' })).json['decision']);

  it('joining a group whose inline policy the user may write is any right; the user does it', async () => {
    const r = await report('eve');
    assert.equal(r.anyRight, true);
    // The join alone gives nothing: the group has no policy (review lk, 2).
    assert.deepEqual(own(r, 'eve'), [['iam:PutGroupPolicy', group('empty'), 'any', ['iam:AddUserToGroup']]]);
    const cli = await cliAgainst(s, ['escalation-paths', '--principal', user('eve')]);
    assert.equal(cli.status, 0, cli.err);
    assert.match(cli.out, /eve: can come to any right/);
    assert.match(cli.out, /any right for user\/eve: iam:AddUserToGroup then iam:PutGroupPolicy on group\/empty/);
    assert.equal(await canListUsers('eve'), 'ImplicitDeny');
    const iam = s.iam(keys['eve']);
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'empty', UserName: 'eve' }));
    await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'empty', PolicyName: 'all', PolicyDocument: ALL }));
    assert.equal(await canListUsers('eve'), 'Allow');
  });

  it('joining a group whose managed policy the user may rewrite is any right; the user does it', async () => {
    const r = await report('fay');
    assert.equal(r.anyRight, true);
    assert.deepEqual(own(r, 'fay'), [
      ['iam:AddUserToGroup', group('team'), 'group', undefined],
      ['iam:CreatePolicyVersion', policyArn('team-read'), 'any', ['iam:AddUserToGroup']],
    ]);
    assert.equal(await canListUsers('fay'), 'ImplicitDeny');
    const iam = s.iam(keys['fay']);
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'team', UserName: 'fay' }));
    await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: policyArn('team-read'), PolicyDocument: ALL, SetAsDefault: true }));
    assert.equal(await canListUsers('fay'), 'Allow');
  });

  it('a join alone gives the group\'s rights, a write without the join nothing: the server refuses the rest', async () => {
    const gus = await report('gus');
    assert.equal(gus.anyRight, false);
    assert.deepEqual(own(gus, 'gus'), [['iam:AddUserToGroup', group('other'), 'group', undefined]]);
    assert.equal(await errorName(s.iam(keys['gus']).send(new I.PutGroupPolicyCommand({ GroupName: 'other', PolicyName: 'all', PolicyDocument: ALL }))), 'AccessDenied');
    const hal = await report('hal');
    assert.equal(hal.anyRight, false);
    assert.deepEqual(own(hal, 'hal'), []);
    assert.equal(await errorName(s.iam(keys['hal']).send(new I.AddUserToGroupCommand({ GroupName: 'other', UserName: 'hal' }))), 'AccessDenied');
  });
});
