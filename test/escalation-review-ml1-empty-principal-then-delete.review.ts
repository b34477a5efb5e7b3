/**
 * Review ml, 1: in an account holding its quota of roles (users), a role (user) a principal may create and act as was listed only with DeleteRole (DeleteUser) of one that was empty already, so a principal allowed to empty one first was answered with no way to any right.
 *
 * Review mb, 4 made a full account's group room count a group the principal may empty (members removed, policies
 * deleted or detached) and then delete; review lk, 1's room for a user or role it creates did not: a principal allowed
 * `iam:DeleteRolePolicy`, `iam:DetachRolePolicy` and `iam:DeleteRole` on the account's roles, in an account holding
 * 1,000 roles each with a policy, was reported `anyRight: false`, though IAM lets it empty one, delete it, create its
 * own and assume it (and likewise for users: `DeleteAccessKey`, `RemoveUserFromGroup`, `DeleteUserPolicy`,
 * `DetachUserPolicy`, `DeleteUser`, at 5,000 users). Now such an entity makes the room, its emptying named first; each
 * answer is then taken for real through the IAM and STS APIs and the authorize API.
 *
 * Before the fix 1 of 3 tests failed. Real server (SQLite), SDK v3 IAM and STS, the authorize API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { errorName, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const create = { Effect: 'Allow', Action: ['iam:CreateRole', 'iam:AttachRolePolicy'], Resource: `arn:aws:iam::${A}:role/team-*` };
const trust = (n: string) => doc({ Effect: 'Allow', Principal: { AWS: user(n) }, Action: 'sts:AssumeRole' });
const service = doc({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' });
const READ = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

interface Report {
  readonly canBecome: readonly { principal: string; kind: string; path: readonly { how: string; actions: readonly string[] }[] }[];
  readonly anyRight: boolean;
}

describe('review ml1: a full account\'s room for a new role counts a role the principal may empty and delete', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    keys['deleter'] = await userWithPolicy(s, 'deleter', doc(create, { Effect: 'Allow', Action: 'iam:DeleteRole', Resource: `arn:aws:iam::${A}:role/old-*` }));
    keys['emptier'] = await userWithPolicy(s, 'emptier', doc(create, { Effect: 'Allow', Action: ['iam:DeleteRole', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy'], Resource: `arn:aws:iam::${A}:role/old-*` }));
    // Every old role holds a policy: old-0 an inline one, old-1 an inline and a managed one.
    for (const name of ['old-0', 'old-1']) {
      await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: service }));
      await iam.send(new I.PutRolePolicyCommand({ RoleName: name, PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }));
    }
    await iam.send(new I.AttachRolePolicyCommand({ RoleName: 'old-1', PolicyArn: READ }));
    // The other 998 written to the store in one transaction, under names the two may not delete.
    const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await s.running.app.deps.store.write(async (tx) => {
      for (let i = 2; i < 1000; i++) await tx.roles.create({ account: A, name: `r-${i}`, path: '/', id: `AROAML1${String(i).padStart(14, '0')}`, created: at, trustPolicy: service, description: '', maxSessionDuration: 3600, tags: [], permissionsBoundary: null });
    });
    await s.running.app.refresh();
  });
  after(() => s?.stop());

  const reportOf = async (name: string): Promise<Report> => {
    const r = await call<{ reports: Report[] }>(connectionTo(s.url, s.admin), 'POST', ['escalation-paths'], { body: { principal: user(name) } });
    assert.ok(r.ok, r.ok ? '' : `${r.code} ${r.message}`);
    return r.value.reports[0] as Report;
  };
  const created = async (name: string) => (await reportOf(name)).canBecome.filter((b) => b.path.some((st) => st.how === 'iam:CreateRole')).map((b) => b.path.map((st) => st.actions));
  const listUsers = async (c: Credentials): Promise<string> => {
    const r = await call<{ decision: string }>(connectionTo(s.url, c), 'POST', ['authorize'], { body: { action: 'iam:ListUsers', resource: '*' } });
    assert.ok(r.ok, r.ok ? '' : r.message);
    return r.value.decision;
  };

  it('allowed only to delete roles, each holding a policy: still no path, and IAM refuses each deletion', async () => {
    const r = await reportOf('deleter');
    assert.deepEqual([await created('deleter'), r.anyRight], [[], false], JSON.stringify(r));
    assert.equal(await errorName(s.iam(keys['deleter']).send(new I.DeleteRoleCommand({ RoleName: 'old-0' }))), 'DeleteConflictException');
  });

  it('allowed to empty one too: the path names its emptying and iam:DeleteRole first', async () => {
    const r = await reportOf('emptier');
    assert.deepEqual(await created('emptier'), [[['iam:DeleteRolePolicy', 'iam:DeleteRole', 'iam:CreateRole', 'sts:AssumeRole']]], JSON.stringify(r));
    assert.equal(r.anyRight, true);
  });

  it('the path is real: empty a role, delete it, create one, give it any right, assume it and list users', async () => {
    const iam = s.iam(keys['emptier']);
    assert.equal(await errorName(iam.send(new I.CreateRoleCommand({ RoleName: 'team-new', AssumeRolePolicyDocument: trust('emptier') }))), 'LimitExceededException');
    await iam.send(new I.DeleteRolePolicyCommand({ RoleName: 'old-0', PolicyName: 'p' }));
    await iam.send(new I.DeleteRoleCommand({ RoleName: 'old-0' }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'team-new', AssumeRolePolicyDocument: trust('emptier') }));
    await iam.send(new I.AttachRolePolicyCommand({ RoleName: 'team-new', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    const c = (await s.sts(keys['emptier']).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/team-new`, RoleSessionName: 'ml1' }))).Credentials;
    assert.equal(await listUsers({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' }), 'Allow');
  });
});
