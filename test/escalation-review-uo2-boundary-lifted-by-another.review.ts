/**
 * Review uo, 2: escalation-paths followed a permissions boundary lifted by the principal it bounds (review tw, 4), but a
 * boundary another principal reached may lift (`iam:DeleteRolePermissionsBoundary` on a role it assumes, or a role it
 * assumes removing its own user's boundary) was only a gain `gives: own-policies` that ended there. A user that may
 * assume role r1 and delete r1's boundary — the one thing holding r1's own Allow of `sts:AssumeRole` back from an
 * administrator role — read `anyRight: false` and became r1 only, though three calls make it the administrator; so did
 * a user whose own boundary a role it assumes may delete. The lift is now a step before AssumeRole whoever of the
 * principals reached makes it, the lifter's path first; not for a principal no one reached may lift. The first path is
 * taken for real with SDK v3 (the boundary deleted, both roles assumed, the administrator's right used). Contract:
 * DESIGN.md (the auditor asks "which paths let a principal gain more rights"); docs/decisions.md review tw, 4 (it named
 * this case as not followed). Before the fix 2 of 3 tests failed. Real server (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { pathsReport } from './support/escalation.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const policy = (n: string) => `arn:aws:iam::${A}:policy/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const trusting = (...AWS: string[]) => doc({ Effect: 'Allow', Principal: { AWS }, Action: 'sts:AssumeRole' });

describe('review uo2: a permissions boundary another principal reached may lift is a step to the roles it held back', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    // `narrow` lets a principal read objects and assume role `lifter` only.
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'narrow', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }, { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: role('lifter') }) }));
    keys['alice'] = await userWithPolicy(s, 'alice', doc({ Effect: 'Allow', Action: 'iam:DeleteRolePermissionsBoundary', Resource: role('r1') }));
    keys['nobody'] = await userWithPolicy(s, 'nobody', doc({ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' }));
    keys['bob'] = await userWithPolicy(s, 'bob', doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }));
    await iam.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'bob', PermissionsBoundary: policy('narrow') }));
    // The administrator role, trusting the account (each caller's own policies decide).
    await iam.send(new I.CreateRoleCommand({ RoleName: 'admin-role', AssumeRolePolicyDocument: trusting(`arn:aws:iam::${A}:root`) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'admin-role', PolicyName: 'all', PolicyDocument: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }));
    // r1 may assume any role by its own policy, which its boundary cuts.
    await iam.send(new I.CreateRoleCommand({ RoleName: 'r1', AssumeRolePolicyDocument: trusting(user('alice'), user('nobody')), PermissionsBoundary: policy('narrow') }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'r1', PolicyName: 'hop', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 's3:GetObject'], Resource: '*' }) }));
    // `lifter`, which bob may assume, may delete bob's boundary.
    await iam.send(new I.CreateRoleCommand({ RoleName: 'lifter', AssumeRolePolicyDocument: trusting(user('bob')) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'lifter', PolicyName: 'lift', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:DeleteUserPermissionsBoundary', Resource: user('bob') }) }));
  });
  after(() => s?.stop());

  const steps = (r: Awaited<ReturnType<typeof pathsReport>>, to: string) => r.canBecome.find((b) => b.principal === to)?.path.map((st) => st.actions);

  it('a user that may assume a role and delete its boundary becomes the administrator role it held back; and does so', async () => {
    const r = await pathsReport(s, user('alice'));
    assert.deepEqual(steps(r, role('admin-role')), [['sts:AssumeRole'], ['iam:DeleteRolePermissionsBoundary', 'sts:AssumeRole']]);
    assert.equal(r.anyRight, true);
    await s.iam(keys['alice']).send(new I.DeleteRolePermissionsBoundaryCommand({ RoleName: 'r1' }));
    const r1 = (await s.sts(keys['alice']).send(new S.AssumeRoleCommand({ RoleArn: role('r1'), RoleSessionName: 'uo2' }))).Credentials;
    const asR1 = { accessKeyId: r1?.AccessKeyId ?? '', secretAccessKey: r1?.SecretAccessKey ?? '', sessionToken: r1?.SessionToken ?? '' };
    const top = (await s.sts(asR1).send(new S.AssumeRoleCommand({ RoleArn: role('admin-role'), RoleSessionName: 'uo2' }))).Credentials;
    const users = await s.iam({ accessKeyId: top?.AccessKeyId ?? '', secretAccessKey: top?.SecretAccessKey ?? '', sessionToken: top?.SessionToken ?? '' }).send(new I.ListUsersCommand({}));
    assert.ok((users.Users ?? []).some((u) => u.UserName === 'alice'));
    // Put back, for the tests after this one.
    await s.iam().send(new I.PutRolePermissionsBoundaryCommand({ RoleName: 'r1', PermissionsBoundary: policy('narrow') }));
  });

  it('a user whose own boundary a role it assumes may delete becomes what its own policies let it assume, the role first', async () => {
    const r = await pathsReport(s, user('bob'));
    assert.deepEqual(steps(r, role('admin-role')), [['sts:AssumeRole'], ['iam:DeleteUserPermissionsBoundary', 'sts:AssumeRole']]);
    assert.equal(r.canBecome.find((b) => b.principal === role('admin-role'))?.path[0]?.actions.length, 1);
    assert.equal(r.anyRight, true);
  });

  it('a user that may assume the role but lift no boundary does not become the administrator role', async () => {
    const r = await pathsReport(s, user('nobody'));
    assert.ok(r.canBecome.some((b) => b.principal === role('r1')));
    assert.equal(steps(r, role('admin-role')), undefined);
    assert.equal(r.anyRight, false);
  });
});
