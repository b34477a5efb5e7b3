/**
 * Review ml, 4: in an account holding its quota of 1,500 managed policies, a policy a principal may create and attach was listed only with DeletePolicy of one that could go as it was, so a principal allowed to empty one first (DeletePolicyVersion, Detach…Policy) was answered with no way to any right.
 *
 * Review la, 3 made a full account's room for a new managed policy need `iam:DeletePolicy` of one attached to no one,
 * no one's boundary and holding one version (IAM's DeletePolicy refuses any other, DeleteConflict); reviews mb, 4 and
 * ml, 1 let a group, user or role that the principal may empty first make the room, the managed policies' quota did not.
 * A principal allowed `iam:DeletePolicyVersion` and `iam:DeletePolicy` (or `iam:DetachUserPolicy` and `iam:DeletePolicy`)
 * on the account's old policies may empty one and delete it, then create its own and attach it. Now such a policy (never
 * one bearing on the principal itself) makes the room, its emptying named first; the answer is then taken for real.
 *
 * Before the fix 1 of 3 tests failed. Real server (SQLite), SDK v3 IAM, the authorize API.
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
const policyArn = (n: string) => `arn:aws:iam::${A}:policy/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const READ = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::ml4/*' });
const own = (name: string) => [
  { Effect: 'Allow', Action: 'iam:CreatePolicy', Resource: policyArn('team-*') },
  { Effect: 'Allow', Action: 'iam:AttachUserPolicy', Resource: user(name), Condition: { ArnLike: { 'iam:PolicyARN': policyArn('team-*') } } },
  { Effect: 'Allow', Action: 'iam:DeletePolicy', Resource: policyArn('old-*') },
];

describe('review ml4: a full account\'s room for a new policy counts a policy the principal may empty and delete', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    keys['deleter'] = await userWithPolicy(s, 'deleter', doc(...own('deleter')));
    keys['pruner'] = await userWithPolicy(s, 'pruner', doc(...own('pruner'), { Effect: 'Allow', Action: 'iam:DeletePolicyVersion', Resource: policyArn('old-*') }));
    keys['detacher'] = await userWithPolicy(s, 'detacher', doc(...own('detacher'), { Effect: 'Allow', Action: 'iam:DetachUserPolicy', Resource: user('*'), Condition: { ArnLike: { 'iam:PolicyARN': policyArn('old-*') } } }));
    // old-0 is attached to someone, old-1 has a second version: neither may simply go.
    await iam.send(new I.CreateUserCommand({ UserName: 'someone' }));
    for (const name of ['old-0', 'old-1']) await iam.send(new I.CreatePolicyCommand({ PolicyName: name, PolicyDocument: READ }));
    await iam.send(new I.AttachUserPolicyCommand({ UserName: 'someone', PolicyArn: policyArn('old-0') }));
    await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: policyArn('old-1'), PolicyDocument: READ }));
    // The other 1,498 written to the store in one transaction, under names none of them may delete.
    const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await s.running.app.deps.store.write(async (tx) => {
      for (let i = 2; i < 1500; i++) await tx.policies.create({ account: A, name: `p-${i}`, path: '/', id: `ANPAML4${String(i).padStart(14, '0')}`, arn: policyArn(`p-${i}`), description: '', created: at, document: READ });
    });
    await s.running.app.refresh();
  });
  after(() => s?.stop());

  const created = async (name: string) => (await escalationGains(s, user(name))).filter((g) => ((g as { first?: string[] }).first ?? []).includes('iam:CreatePolicy')).map((g) => [g.action, g.gives, (g as { first?: string[] }).first]);
  const listUsers = async (name: string): Promise<string> => {
    const r = await call<{ decision: string }>(connectionTo(s.url, keys[name] as Credentials), 'POST', ['authorize'], { body: { action: 'iam:ListUsers', resource: '*' } });
    assert.ok(r.ok, r.ok ? '' : r.message);
    return r.value.decision;
  };

  it('allowed only to delete old policies, none of which may go as it is: no gain', async () => {
    assert.deepEqual(await created('deleter'), []);
  });

  it('allowed to delete an old policy\'s versions, or to detach one, too: the gain names that emptying and iam:DeletePolicy first', async () => {
    assert.deepEqual(await created('pruner'), [['iam:AttachUserPolicy', 'any', ['iam:DeletePolicyVersion', 'iam:DeletePolicy', 'iam:CreatePolicy']]]);
    assert.deepEqual(await created('detacher'), [['iam:AttachUserPolicy', 'any', ['iam:DetachUserPolicy', 'iam:DeletePolicy', 'iam:CreatePolicy']]]);
  });

  it('the path is real: delete the old version, delete the policy, create one allowing everything, attach it and list users', async () => {
    const iam = s.iam(keys['pruner']);
    assert.equal(await listUsers('pruner'), 'ImplicitDeny');
    await iam.send(new I.DeletePolicyVersionCommand({ PolicyArn: policyArn('old-1'), VersionId: 'v2' }));
    await iam.send(new I.DeletePolicyCommand({ PolicyArn: policyArn('old-1') }));
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'team-new', PolicyDocument: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }));
    await iam.send(new I.AttachUserPolicyCommand({ UserName: 'pruner', PolicyArn: policyArn('team-new') }));
    assert.equal(await listUsers('pruner'), 'Allow');
  });
});
