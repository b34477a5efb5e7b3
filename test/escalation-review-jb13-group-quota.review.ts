/**
 * Review jb, 13: escalation-paths listed `iam:AddUserToGroup` (the group's rights, and with review jb, 1 any right where
 * the group's policy may be written) whenever it was allowed, without asking whether the user could join one more
 * group: IAM holds a user to ten (LimitExceeded, "Cannot exceed quota for GroupsPerUser: 10"), so a user in ten groups,
 * allowed to add itself to another and write its policy, was reported `anyRight: true` by a path the server refuses.
 * At the quota such gains are now listed only when `iam:RemoveUserFromGroup` from one of its groups is allowed too,
 * named first (`iam:RemoveUserFromGroup then iam:AddUserToGroup then iam:PutGroupPolicy`). Each answer is taken for real
 * through the IAM API. Before the fix 2 of 2 tests failed. Real server (SQLite), SDK v3 IAM, the authorize API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { errorName, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const group = (n: string) => `arn:aws:iam::${A}:group/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ALL = doc({ Effect: 'Allow', Action: '*', Resource: '*' });

describe('review jb13: joining a group when the user is in ten needs leaving one first', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    for (let i = 0; i < 10; i++) await iam.send(new I.CreateGroupCommand({ GroupName: `g${i}` }));
    await iam.send(new I.CreateGroupCommand({ GroupName: 'open' }));
    const join = { Effect: 'Allow', Action: ['iam:AddUserToGroup', 'iam:PutGroupPolicy'], Resource: group('open') };
    keys['eve'] = await userWithPolicy(s, 'eve', doc(join));
    keys['fay'] = await userWithPolicy(s, 'fay', doc(join, { Effect: 'Allow', Action: 'iam:RemoveUserFromGroup', Resource: group('g0') }));
    for (const name of ['eve', 'fay']) for (let i = 0; i < 10; i++) await iam.send(new I.AddUserToGroupCommand({ GroupName: `g${i}`, UserName: name }));
  });
  after(() => s?.stop());

  const report = async (name: string) => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const rep = (r.json['reports'] as { canGain: { gain: { action: string; gives: string; first?: string[] } }[]; anyRight: boolean }[])[0];
    return { anyRight: rep?.anyRight, gains: (rep?.canGain ?? []).map((g) => [g.gain.action, g.gain.gives, g.gain.first]) };
  };
  const canListUsers = async (name: string): Promise<string> =>
    String((await gatehouseJson(s.url, keys[name] as Credentials, 'POST', '/v1/authorize', { action: 'iam:ListUsers', resource: '*' })).json['decision']);

  it('no gain for a user in ten groups that may not leave one; IAM refuses the eleventh', async () => {
    const r = await report('eve');
    assert.equal(r.anyRight, false);
    assert.deepEqual(r.gains, []);
    const iam = s.iam(keys['eve']);
    await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'open', PolicyName: 'all', PolicyDocument: ALL }));
    assert.equal(await errorName(iam.send(new I.AddUserToGroupCommand({ GroupName: 'open', UserName: 'eve' }))), 'LimitExceededException');
    assert.equal(await canListUsers('eve'), 'ImplicitDeny');
  });

  it('with RemoveUserFromGroup on one of its groups, the gains name it first; the user leaves, joins and gets any right', async () => {
    const r = await report('fay');
    assert.equal(r.anyRight, true);
    assert.deepEqual(r.gains, [
      ['iam:AddUserToGroup', 'group', ['iam:RemoveUserFromGroup']],
      ['iam:PutGroupPolicy', 'any', ['iam:RemoveUserFromGroup', 'iam:AddUserToGroup']],
    ]);
    const iam = s.iam(keys['fay']);
    await iam.send(new I.RemoveUserFromGroupCommand({ GroupName: 'g0', UserName: 'fay' }));
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'open', UserName: 'fay' }));
    assert.equal(await canListUsers('fay'), 'Allow');
  });
});
