/**
 * Review la, 3: escalation-paths listed a managed policy a principal may create and then attach to itself (review jb, 8:
 * `CreatePolicy`, `AttachUserPolicy` allowed only for `policy/team-*`) as a way to any right whatever the account held.
 * IAM holds an account to 1,500 customer managed policies and refuses another (LimitExceeded, "Cannot exceed quota for
 * PoliciesPerAccount: 1500"), so in a full account a user allowed only that was reported `anyRight: true` by a path the
 * server refuses (as reviews db, 2, fl, 6 and jb, 12 found for access keys, policy versions and attached policies). In
 * a full account the path is now listed only with `iam:DeletePolicy` allowed on a policy that may go (attached to no
 * one, no boundary, one version), taken first (the gain's `first`); each answer is then taken for real.
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
const policyArn = (n: string) => `arn:aws:iam::${A}:policy/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const READ = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::la3/*' });
const own = (name: string) => [
  { Effect: 'Allow', Action: 'iam:CreatePolicy', Resource: policyArn('team-*') },
  { Effect: 'Allow', Action: 'iam:AttachUserPolicy', Resource: user(name), Condition: { ArnLike: { 'iam:PolicyARN': policyArn('team-*') } } },
];

describe('review la3: a policy created in an account holding its quota of 1,500 policies needs a deletion first', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    keys['maker'] = await userWithPolicy(s, 'maker', doc(...own('maker')));
    keys['cleaner'] = await userWithPolicy(s, 'cleaner', doc(...own('cleaner'), { Effect: 'Allow', Action: 'iam:DeletePolicy', Resource: policyArn('old-*') }));
    // old-0 is attached to maker and old-1 has a second version: neither may simply go; old-2 may.
    for (const name of ['old-0', 'old-1', 'old-2']) await iam.send(new I.CreatePolicyCommand({ PolicyName: name, PolicyDocument: READ }));
    await iam.send(new I.AttachUserPolicyCommand({ UserName: 'maker', PolicyArn: policyArn('old-0') }));
    await iam.send(new I.CreatePolicyVersionCommand({ PolicyArn: policyArn('old-1'), PolicyDocument: READ }));
    // The other 1,497 written to the store in one transaction (through the IAM API they took seconds of CPU).
    const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await s.running.app.deps.store.write(async (tx) => {
      for (let i = 3; i < 1500; i++) await tx.policies.create({ account: A, name: `p-${i}`, path: '/', id: `ANPALA3${String(i).padStart(14, '0')}`, arn: policyArn(`p-${i}`), description: '', created: at, document: READ });
    });
    await s.running.app.refresh();
  });
  after(() => s?.stop());

  const created = async (name: string) => (await escalationGains(s, user(name))).filter((g) => ((g as { first?: string[] }).first ?? []).includes('iam:CreatePolicy')).map((g) => [g.action, g.gives, g.policy, (g as { first?: string[] }).first]);
  const listUsers = async (name: string): Promise<string> => {
    const r = await call<{ decision: string }>(connectionTo(s.url, keys[name] as Credentials), 'POST', ['authorize'], { body: { action: 'iam:ListUsers', resource: '*' } });
    assert.ok(r.ok, r.ok ? '' : r.message);
    return r.value.decision;
  };

  it('allowed only to create and attach team-* policies, in a full account: no gain; IAM refuses the policy', async () => {
    assert.deepEqual(await created('maker'), []);
    assert.equal(await errorName(s.iam(keys['maker']).send(new I.CreatePolicyCommand({ PolicyName: 'team-new', PolicyDocument: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }))), 'LimitExceededException');
    assert.equal(await listUsers('maker'), 'ImplicitDeny');
  });

  it('allowed to delete a policy that may go too: the gain names iam:DeletePolicy first', async () => {
    assert.deepEqual(await created('cleaner'), [['iam:AttachUserPolicy', 'any', policyArn('team-new'), ['iam:DeletePolicy', 'iam:CreatePolicy']]]);
  });

  it('the path is real: delete the policy, create one allowing everything, attach it and list users', async () => {
    const iam = s.iam(keys['cleaner']);
    await iam.send(new I.DeletePolicyCommand({ PolicyArn: policyArn('old-2') }));
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'team-new', PolicyDocument: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }));
    await iam.send(new I.AttachUserPolicyCommand({ UserName: 'cleaner', PolicyArn: policyArn('team-new') }));
    assert.equal(await listUsers('cleaner'), 'Allow');
  });
});
