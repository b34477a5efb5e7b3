/**
 * Review mb, 4: in an account holding its quota of 300 groups, escalation-paths listed a group a principal may create,
 * join and write (review jb, 10) only when the principal could delete a group that was already empty (review la, 2).
 * IAM's DeleteGroup refuses a group with members or policies (DeleteConflict: "The group must not contain any users or
 * have any attached policies", AWS IAM API Reference, DeleteGroup), but a principal allowed `iam:RemoveUserFromGroup`,
 * `iam:DeleteGroupPolicy` and `iam:DetachGroupPolicy` on a group empties it first, as `aws iam delete-group` users and
 * Terraform's provider do; such a principal, whose only deletable groups held a member or a policy, was answered with no
 * way to any right (`anyRight: false`) while it had one. The room is now also found in a group the principal may empty
 * and delete, never one it is a member of: the gain's `first` names the emptying (`iam:RemoveUserFromGroup`,
 * `iam:DeleteGroupPolicy`, `iam:DetachGroupPolicy`, each asked as enforcement decides it, the detach with the policy's
 * `iam:PolicyARN`) before `iam:DeleteGroup`. A principal that may delete but not empty such a group still has none.
 * Each answer is then taken for real through the IAM API with the principal's own key.
 *
 * Before the fix 1 of 3 tests failed. Real server (SQLite), SDK v3 IAM, the authorize API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { errorName, startTestServer, userWithKey, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';
import { escalationGains } from './support/escalation.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const group = (n: string) => `arn:aws:iam::${A}:group/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const create = { Effect: 'Allow', Action: ['iam:CreateGroup', 'iam:AddUserToGroup', 'iam:PutGroupPolicy'], Resource: `arn:aws:iam::${A}:group/team-*` };
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';

describe('review mb4: in a full account, a group the principal may empty and delete makes room for its own', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    // old-0 has a member, old-1 an inline policy and an attached one; no group the principals may delete is empty.
    keys['deleter'] = await userWithPolicy(s, 'deleter', doc(create, { Effect: 'Allow', Action: 'iam:DeleteGroup', Resource: `arn:aws:iam::${A}:group/old-*` }));
    keys['emptier'] = await userWithPolicy(s, 'emptier', doc(create, { Effect: 'Allow', Action: ['iam:DeleteGroup', 'iam:RemoveUserFromGroup', 'iam:DeleteGroupPolicy', 'iam:DetachGroupPolicy'], Resource: `arn:aws:iam::${A}:group/old-*` }));
    await userWithKey(s, 'holder');
    for (const name of ['old-0', 'old-1']) await iam.send(new I.CreateGroupCommand({ GroupName: name }));
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'old-0', UserName: 'holder' }));
    await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'old-1', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }));
    await iam.send(new I.AttachGroupPolicyCommand({ GroupName: 'old-1', PolicyArn: S3_READ }));
    // The other 298 written to the store in one transaction (as review la, 2 does: through the IAM API they took seconds).
    const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await s.running.app.deps.store.write(async (tx) => {
      for (let i = 2; i < 300; i++) await tx.groups.create({ account: A, name: `g-${i}`, path: '/', id: `AGPAMB4${String(i).padStart(14, '0')}`, created: at });
    });
    await s.running.app.refresh();
  });
  after(() => s?.stop());

  const created = async (name: string) =>
    (await escalationGains(s, user(name))).filter((g) => ((g as { first?: string[] }).first ?? []).includes('iam:CreateGroup')).map((g) => [g.action, g.gives, (g as { first?: string[] }).first]);
  const listUsers = async (name: string): Promise<string> => {
    const r = await call<{ decision: string }>(connectionTo(s.url, keys[name] as Credentials), 'POST', ['authorize'], { body: { action: 'iam:ListUsers', resource: '*' } });
    assert.ok(r.ok, r.ok ? '' : r.message);
    return r.value.decision;
  };

  it('allowed to delete the old groups but not to empty them: no gain; IAM refuses the deletion', async () => {
    assert.deepEqual(await created('deleter'), []);
    assert.equal(await errorName(s.iam(keys['deleter']).send(new I.DeleteGroupCommand({ GroupName: 'old-0' }))), 'DeleteConflictException');
  });

  it('allowed to empty them too: the gain names the emptying and the deletion first', async () => {
    assert.deepEqual(await created('emptier'), [['iam:PutGroupPolicy', 'any', ['iam:RemoveUserFromGroup', 'iam:DeleteGroup', 'iam:CreateGroup', 'iam:AddUserToGroup']]]);
  });

  it('the path is real: empty and delete old-0, create, join and write a group, and list users', async () => {
    const iam = s.iam(keys['emptier']);
    assert.equal(await errorName(iam.send(new I.CreateGroupCommand({ GroupName: 'team-new' }))), 'LimitExceededException');
    await iam.send(new I.RemoveUserFromGroupCommand({ GroupName: 'old-0', UserName: 'holder' }));
    await iam.send(new I.DeleteGroupCommand({ GroupName: 'old-0' }));
    await iam.send(new I.CreateGroupCommand({ GroupName: 'team-new' }));
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'team-new', UserName: 'emptier' }));
    await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'team-new', PolicyName: 'all', PolicyDocument: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }));
    assert.equal(await listUsers('emptier'), 'Allow');
  });
});
