/**
 * Review ml, 2: a role whose trust policy admits the account's users by path (`ArnLike aws:PrincipalArn user/admins/*`) was no path in escalation-paths for a user allowed iam:UpdateUser on itself, though moving itself there (NewPath) lets it assume the role.
 *
 * A trust policy that names the account and narrows it by `aws:PrincipalArn` is AWS's own pattern for "the users under
 * this path may assume the role", and `aws:PrincipalArn` is the user's ARN as it is when the request is made: a user
 * allowed `iam:UpdateUser` on its own ARN and on the ARN it moves to may give itself that path and then assume the role
 * (AWS's UpdateUser: "the requester must have appropriate permissions on both the source object and the target
 * object"). escalation-paths asked AssumeRole with the user's ARN as it is, so a user one `aws iam update-user
 * --new-path /admins/` away from AdministratorAccess was reported `anyRight: false`. The trust check is now asked again
 * with each path the trust policy's `aws:PrincipalArn` conditions name (the user's name kept), listed as
 * `iam:UpdateUser` then `sts:AssumeRole` when both UpdateUser questions are allowed; the answer is then taken for real.
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
const ADMIN_ROLE = `arn:aws:iam::${A}:role/admin`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const assume = { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' };
const trust = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole', Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${A}:user/admins/*` } } });

interface Report {
  readonly canBecome: readonly { principal: string; kind: string; path: readonly { how: string; actions: readonly string[] }[] }[];
  readonly anyRight: boolean;
}

describe('review ml2: a user that may move itself into the path a trust policy admits may assume that role', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'admin', AssumeRolePolicyDocument: trust }));
    await iam.send(new I.AttachRolePolicyCommand({ RoleName: 'admin', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    keys['eve'] = await userWithPolicy(s, 'eve', doc(assume, { Effect: 'Allow', Action: 'iam:UpdateUser', Resource: `arn:aws:iam::${A}:user/*` }));
    // bob may move itself, but not into /admins/.
    keys['bob'] = await userWithPolicy(s, 'bob', doc(assume, { Effect: 'Allow', Action: 'iam:UpdateUser', Resource: `arn:aws:iam::${A}:user/*` }, { Effect: 'Deny', Action: 'iam:UpdateUser', Resource: `arn:aws:iam::${A}:user/admins/*` }));
  });
  after(() => s?.stop());

  const reportOf = async (name: string): Promise<Report> => {
    const r = await call<{ reports: Report[] }>(connectionTo(s.url, s.admin), 'POST', ['escalation-paths'], { body: { principal: user(name) } });
    assert.ok(r.ok, r.ok ? '' : `${r.code} ${r.message}`);
    return r.value.reports[0] as Report;
  };
  const toAdmin = (r: Report) => r.canBecome.filter((b) => b.principal === ADMIN_ROLE).map((b) => b.path.map((st) => [st.how, st.actions]));
  const listUsers = async (c: Credentials): Promise<string> => {
    const r = await call<{ decision: string }>(connectionTo(s.url, c), 'POST', ['authorize'], { body: { action: 'iam:ListUsers', resource: '*' } });
    assert.ok(r.ok, r.ok ? '' : r.message);
    return r.value.decision;
  };

  it('eve, allowed UpdateUser on users: the path names iam:UpdateUser, then sts:AssumeRole', async () => {
    const r = await reportOf('eve');
    assert.deepEqual(toAdmin(r), [[['sts:AssumeRole', ['iam:UpdateUser', 'sts:AssumeRole']]]], JSON.stringify(r));
    assert.equal(r.anyRight, true);
  });

  it('bob, refused UpdateUser into /admins/: no path to the role', async () => {
    const r = await reportOf('bob');
    assert.deepEqual([toAdmin(r), r.anyRight], [[], false], JSON.stringify(r));
    assert.equal(await errorName(s.iam(keys['bob']).send(new I.UpdateUserCommand({ UserName: 'bob', NewPath: '/admins/' }))), 'AccessDenied');
  });

  it('the path is real: eve is refused the role, moves itself to /admins/, assumes it and lists users', async () => {
    const sts = s.sts(keys['eve']);
    assert.equal(await errorName(sts.send(new S.AssumeRoleCommand({ RoleArn: ADMIN_ROLE, RoleSessionName: 'ml2' }))), 'AccessDenied');
    await s.iam(keys['eve']).send(new I.UpdateUserCommand({ UserName: 'eve', NewPath: '/admins/' }));
    const c = (await sts.send(new S.AssumeRoleCommand({ RoleArn: ADMIN_ROLE, RoleSessionName: 'ml2' }))).Credentials;
    assert.equal(await listUsers({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' }), 'Allow');
  });
});
