/**
 * Dialects review ov, finding 6: both dialects are accepted everywhere (DESIGN.md, Names and formats), and an IAM/RAM
 * entity is decided on its canonical ARN in its account's dialect, with a Deny spelling it in the other dialect
 * applying too (docs/semantics.md, "Roles as resources"; reviews U, is 5): `arn:aws:iam::A:role/x` ≡
 * `acs:ram::A:role/x`. An Allow's `NotResource` is the exception a grant carves out, and it was read in one spelling
 * only: in an `acs` account, `Allow * NotResource arn:aws:iam::A:role/admin-role` ("everything but the admin role", in
 * AWS's words) let the user pass that role (`ram:PassRole`, and `iam:PassRole` asked in AWS's spelling, both decided
 * on `acs:ram::A:role/admin-role`) and delete it over the IAM API, as if the exception were not there; the same policy
 * in RAM's spelling refused them. Now an Allow's `NotResource` naming an IAM/RAM entity (or a workspace, job or cluster)
 * leaves out its other-dialect spelling too (any path in AWS's), so the exception holds whatever dialect it is written in.
 * Before the fix 3 of 4 tests failed (the pattern over every IAM resource was added in a second commit, which it
 * failed before, alone).
 * Real server (SQLite), an `acs` account, SigV4-signed /v1/authorize and `@aws-sdk/client-iam`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, iamUserWith, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '606147604054';
let s: TestServer;
let admin: Credentials;
let aws: Credentials;

const decide = async (user: string, action: string, resource: string): Promise<string> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `acs:ram::${A}:user/${user}`, action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'] as string;
};

before(async () => {
  s = await startTestServer();
  admin = await accountAdmin(s, A, 'acs');
  const iam = s.iam(admin);
  const trust = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'pai.aliyuncs.com' } }] });
  for (const RoleName of ['admin-role', 'other-role', 'spare-role']) await iam.send(new I.CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: trust }));
  aws = await iamUserWith(iam, 'aws-spelt', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', NotResource: `arn:aws:iam::${A}:role/admin-role` }] });
  await iamUserWith(iam, 'ram-spelt', { Version: '1', Statement: [{ Effect: 'Allow', Action: '*', NotResource: `acs:ram::${A}:role/admin-role` }] });
  await iamUserWith(iam, 'no-iam', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', NotResource: 'arn:aws:iam::*:*' }] });
});
after(() => s?.stop());

describe("an Allow's NotResource leaves an entity out in either dialect's spelling (dialects review ov, 6)", () => {
  it('PassRole of the excluded role is refused, however the exception and the question spell it', async () => {
    for (const user of ['aws-spelt', 'ram-spelt']) {
      assert.equal(await decide(user, 'ram:PassRole', `acs:ram::${A}:role/admin-role`), 'ImplicitDeny', `${user} ram:PassRole`);
      assert.equal(await decide(user, 'iam:PassRole', `arn:aws:iam::${A}:role/admin-role`), 'ImplicitDeny', `${user} iam:PassRole`);
    }
  });

  it('DeleteRole over the IAM API: the excluded role stays, another is deleted', async () => {
    const iam = s.iam(aws);
    const refused = await sdkFailure(iam.send(new I.DeleteRoleCommand({ RoleName: 'admin-role' })));
    assert.equal(refused.code, 'AccessDenied', refused.message);
    await iam.send(new I.DeleteRoleCommand({ RoleName: 'other-role' }));
    const left = (await s.iam(admin).send(new I.ListRolesCommand({}))).Roles?.map((r) => r.RoleName).sort();
    assert.deepEqual(left, ['admin-role', 'spare-role']);
  });

  it('a pattern over every IAM resource (`arn:aws:iam::*:*`) leaves out every RAM resource too', async () => {
    assert.equal(await decide('no-iam', 'ram:DeleteRole', `acs:ram::${A}:role/spare-role`), 'ImplicitDeny');
    assert.equal(await decide('no-iam', 'ram:CreateUser', `acs:ram::${A}:user/evil`), 'ImplicitDeny');
    assert.equal(await decide('no-iam', 'oss:GetObject', 'acs:oss:*:*:b/x'), 'Allow');
  });

  it('the rest of the grant stands: another role, and a role whose name only starts the same', async () => {
    for (const user of ['aws-spelt', 'ram-spelt']) {
      assert.equal(await decide(user, 'ram:PassRole', `acs:ram::${A}:role/spare-role`), 'Allow', user);
      assert.equal(await decide(user, 'ram:GetRole', `acs:ram::${A}:role/admin-role-2`), 'Allow', user);
    }
  });
});
