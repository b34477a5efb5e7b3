/**
 * Review lk, 1: escalation-paths listed a role a principal may create, give a policy and assume (review cc, 2:
 * `CreateRole`, `AttachRolePolicy`, `sts:AssumeRole`) as a way to any right whatever the account held. IAM holds an
 * account to 1,000 roles (5,000 users) and refuses another (LimitExceeded, "Cannot exceed quota for RolesPerAccount"),
 * so in a full account a user allowed only to create roles was reported `anyRight: true` by a path the server refuses
 * (as review la, 2 and la, 3 found for groups and managed policies). In a full account the path is now listed only
 * with `iam:DeleteRole` (`iam:DeleteUser`) allowed on one that may be deleted (no policies; for a user no keys and no
 * groups; for a role no cluster running its nodes as it), named first in the step's actions; each answer is then
 * taken for real through the IAM and STS APIs and the authorize API.
 *
 * Before the fix 2 of 3 tests failed. Real server (SQLite), SDK v3 IAM and STS, the authorize API.
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

interface Report {
  readonly canBecome: readonly { principal: string; kind: string; path: readonly { how: string; actions: readonly string[] }[] }[];
  readonly anyRight: boolean;
}

describe('review lk1: a role created in an account holding its quota of 1,000 roles needs a deletion first', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    keys['maker'] = await userWithPolicy(s, 'maker', doc(create));
    keys['cleaner'] = await userWithPolicy(s, 'cleaner', doc(create, { Effect: 'Allow', Action: 'iam:DeleteRole', Resource: `arn:aws:iam::${A}:role/old-*` }));
    // old-0 has a policy: it may not be deleted; old-1 may.
    for (const name of ['old-0', 'old-1']) await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: service }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'old-0', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }));
    // The other 998 written to the store in one transaction (through the IAM API they took seconds of CPU).
    const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await s.running.app.deps.store.write(async (tx) => {
      for (let i = 2; i < 1000; i++) await tx.roles.create({ account: A, name: `r-${i}`, path: '/', id: `AROALK1${String(i).padStart(14, '0')}`, created: at, trustPolicy: service, description: '', maxSessionDuration: 3600, tags: [], permissionsBoundary: null });
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

  it('allowed only to create roles and attach their policies, in a full account: no path; IAM refuses the role', async () => {
    const r = await reportOf('maker');
    assert.deepEqual([await created('maker'), r.anyRight], [[], false], JSON.stringify(r));
    assert.equal(await errorName(s.iam(keys['maker']).send(new I.CreateRoleCommand({ RoleName: 'team-new', AssumeRolePolicyDocument: trust('maker') }))), 'LimitExceededException');
    assert.equal(await listUsers(keys['maker'] as Credentials), 'ImplicitDeny');
  });

  it('allowed to delete a role without policies too: the path names iam:DeleteRole first', async () => {
    assert.deepEqual(await created('cleaner'), [[['iam:DeleteRole', 'iam:CreateRole', 'sts:AssumeRole']]]);
    assert.equal((await reportOf('cleaner')).anyRight, true);
  });

  it('the path is real: delete the role without policies, create one, give it any right, assume it and list users', async () => {
    const iam = s.iam(keys['cleaner']);
    assert.equal(await errorName(iam.send(new I.DeleteRoleCommand({ RoleName: 'old-0' }))), 'DeleteConflictException');
    await iam.send(new I.DeleteRoleCommand({ RoleName: 'old-1' }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'team-new', AssumeRolePolicyDocument: trust('cleaner') }));
    await iam.send(new I.AttachRolePolicyCommand({ RoleName: 'team-new', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    const c = (await s.sts(keys['cleaner']).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/team-new`, RoleSessionName: 'lk1' }))).Credentials;
    assert.equal(await listUsers({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' }), 'Allow');
  });
});
