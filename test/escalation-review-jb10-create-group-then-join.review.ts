/**
 * Review jb, 10: escalation-paths looked at the groups that exist (review jb, 1: one a user may join and write). A user
 * allowed to create groups under a prefix, add users to them and put policies on them (`iam:CreateGroup`,
 * `iam:AddUserToGroup`, `iam:PutGroupPolicy` on `group/eve-*`: a delegated "team groups" administrator), with no such
 * group yet, was answered `anyRight: false`, though it creates `eve-…`, writes a policy allowing everything into it
 * and joins it. Such a gain is now listed (`iam:CreateGroup then iam:AddUserToGroup then iam:PutGroupPolicy`, any
 * right); not for a user who may create the group but not write its policy. Each answer is taken for real through the
 * IAM API. Before the fix 1 of 2 tests failed. Real server (SQLite), SDK v3 IAM, the authorize API and the CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { cliAgainst, errorName, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const group = (n: string) => `arn:aws:iam::${A}:group/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ALL = doc({ Effect: 'Allow', Action: '*', Resource: '*' });

describe('review jb10: a group the user may create, join and write is a way to any right', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new I.CreateGroupCommand({ GroupName: 'ops' }));
    keys['eve'] = await userWithPolicy(s, 'eve', doc({ Effect: 'Allow', Action: ['iam:CreateGroup', 'iam:AddUserToGroup', 'iam:PutGroupPolicy'], Resource: group('eve-*') }));
    keys['fay'] = await userWithPolicy(s, 'fay', doc({ Effect: 'Allow', Action: ['iam:CreateGroup', 'iam:AddUserToGroup'], Resource: group('fay-*') }));
  });
  after(() => s?.stop());

  const report = async (name: string) => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const rep = (r.json['reports'] as { canGain: { gain: { action: string; resource: string; gives: string; first?: string[] } }[]; anyRight: boolean }[])[0];
    return { anyRight: rep?.anyRight, gains: (rep?.canGain ?? []).map((g) => [g.gain.action, g.gain.resource, g.gain.gives, g.gain.first]) };
  };
  const canListUsers = async (name: string): Promise<string> =>
    String((await gatehouseJson(s.url, keys[name] as Credentials, 'POST', '/v1/authorize', { action: 'iam:ListUsers', resource: '*' })).json['decision']);

  it('CreateGroup, AddUserToGroup and PutGroupPolicy on a new group give any right; the CLI says so; the user does it', async () => {
    const r = await report('eve');
    assert.equal(r.anyRight, true);
    assert.deepEqual(r.gains, [['iam:PutGroupPolicy', group('eve-new'), 'any', ['iam:CreateGroup', 'iam:AddUserToGroup']]]);
    const cli = await cliAgainst(s, ['escalation-paths', '--principal', user('eve')]);
    assert.equal(cli.status, 0, cli.err);
    assert.match(cli.out, /any right for user\/eve: iam:CreateGroup then iam:AddUserToGroup then iam:PutGroupPolicy on group\/eve-new/);
    assert.equal(await canListUsers('eve'), 'ImplicitDeny');
    const iam = s.iam(keys['eve']);
    await iam.send(new I.CreateGroupCommand({ GroupName: 'eve-new' }));
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'eve-new', UserName: 'eve' }));
    await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'eve-new', PolicyName: 'all', PolicyDocument: ALL }));
    assert.equal(await canListUsers('eve'), 'Allow');
  });

  it('no such gain for a user who may create and join a group but not write its policy; IAM refuses the write', async () => {
    const r = await report('fay');
    assert.equal(r.anyRight, false);
    assert.deepEqual(r.gains, []);
    const iam = s.iam(keys['fay']);
    await iam.send(new I.CreateGroupCommand({ GroupName: 'fay-new' }));
    assert.equal(await errorName(iam.send(new I.PutGroupPolicyCommand({ GroupName: 'fay-new', PolicyName: 'all', PolicyDocument: ALL }))), 'AccessDenied');
  });
});
