/**
 * Review la, 2: escalation-paths listed a group a principal may create, join and write (review jb, 10: `CreateGroup`,
 * `AddUserToGroup`, `PutGroupPolicy`) as a way to any right whatever the account held. IAM holds an account to 300
 * groups and refuses a 301st (LimitExceeded, "Cannot exceed quota for GroupsPerAccount: 300"), so in a full account a
 * user allowed only to create groups was reported `anyRight: true` by a path the server refuses (as reviews db, 2,
 * fl, 6 and jb, 12 found for access keys, policy versions and attached policies). In a full account the path is now
 * listed only with `iam:DeleteGroup` allowed on a group that may be deleted (no members, no policies), taken first
 * (the gain's `first`); each answer is then taken for real through the IAM API.
 *
 * Before the fix 2 of 3 tests failed. Real server (SQLite), SDK v3 IAM, the authorize API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { errorName, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';
import { escalationGains } from './support/escalation.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const create = { Effect: 'Allow', Action: ['iam:CreateGroup', 'iam:AddUserToGroup', 'iam:PutGroupPolicy'], Resource: `arn:aws:iam::${A}:group/team-*` };

describe('review la2: a group created in an account holding its quota of 300 groups needs a deletion first', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    keys['maker'] = await userWithPolicy(s, 'maker', doc(create));
    keys['cleaner'] = await userWithPolicy(s, 'cleaner', doc(create, { Effect: 'Allow', Action: 'iam:DeleteGroup', Resource: `arn:aws:iam::${A}:group/old-*` }));
    // g-0 has a member and old-0 a policy: neither may be deleted; old-1 may.
    for (const name of ['old-0', 'old-1', 'old-2']) await iam.send(new I.CreateGroupCommand({ GroupName: name }));
    // The other 297 written to the store in one transaction (through the IAM API they took seconds of CPU).
    const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await s.running.app.deps.store.write(async (tx) => {
      for (let i = 3; i < 300; i++) await tx.groups.create({ account: A, name: `g-${i}`, path: '/', id: `AGPALA2${String(i).padStart(14, '0')}`, created: at });
    });
    await s.running.app.refresh();
    await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'old-0', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }));
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'old-2', UserName: 'maker' }));
  });
  after(() => s?.stop());

  const created = async (name: string) => (await escalationGains(s, user(name))).filter((g) => ((g as { first?: string[] }).first ?? []).includes('iam:CreateGroup')).map((g) => [g.action, g.gives, (g as { first?: string[] }).first]);
  const listUsers = async (name: string): Promise<string> => {
    const r = await call<{ decision: string }>(connectionTo(s.url, keys[name] as Credentials), 'POST', ['authorize'], { body: { action: 'iam:ListUsers', resource: '*' } });
    assert.ok(r.ok, r.ok ? '' : r.message);
    return r.value.decision;
  };

  it('allowed only to create, join and write groups, in a full account: no gain; IAM refuses the group', async () => {
    assert.deepEqual(await created('maker'), []);
    assert.equal(await errorName(s.iam(keys['maker']).send(new I.CreateGroupCommand({ GroupName: 'team-new' }))), 'LimitExceededException');
    assert.equal(await listUsers('maker'), 'ImplicitDeny');
  });

  it('allowed to delete an empty group too: the gain names iam:DeleteGroup first', async () => {
    assert.deepEqual(await created('cleaner'), [['iam:PutGroupPolicy', 'any', ['iam:DeleteGroup', 'iam:CreateGroup', 'iam:AddUserToGroup']]]);
  });

  it('the path is real: delete the empty group, create, join and write one, and list users', async () => {
    const iam = s.iam(keys['cleaner']);
    await iam.send(new I.DeleteGroupCommand({ GroupName: 'old-1' }));
    await iam.send(new I.CreateGroupCommand({ GroupName: 'team-new' }));
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'team-new', UserName: 'cleaner' }));
    await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'team-new', PolicyName: 'all', PolicyDocument: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }));
    assert.equal(await listUsers('cleaner'), 'Allow');
  });
});
