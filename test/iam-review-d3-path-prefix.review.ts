/**
 * Review D, finding 3: ListUsers, ListGroups and ListRoles refused a PathPrefix that does not end with `/`
 * (`--path-prefix /service-role`: ValidationError), which IAM takes (its `pathPrefixType` is `\u002F[\u0021-\u007F]*`)
 * and matches as a prefix of the path as written. Real SDK v3 against a real server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  for (const [name, path] of [['a', '/service-role/'], ['b', '/service-roles/x/'], ['c', '/other/']]) {
    await iam.send(new I.CreateRoleCommand({ RoleName: name, Path: path, AssumeRolePolicyDocument: TRUST }));
    await iam.send(new I.CreateUserCommand({ UserName: name, Path: path }));
    await iam.send(new I.CreateGroupCommand({ GroupName: name, Path: path }));
  }
});
after(async () => {
  await server?.stop();
});

test('a PathPrefix without its closing slash lists what its path starts with', async () => {
  const roles = await iam.send(new I.ListRolesCommand({ PathPrefix: '/service-role' }));
  assert.deepEqual(roles.Roles?.map((r) => r.RoleName), ['a', 'b']);
  const users = await iam.send(new I.ListUsersCommand({ PathPrefix: '/service-roles' }));
  assert.deepEqual(users.Users?.map((u) => u.UserName), ['b']);
  const groups = await iam.send(new I.ListGroupsCommand({ PathPrefix: '/o' }));
  assert.deepEqual(groups.Groups?.map((g) => g.GroupName), ['c']);
  // With the slash, as before.
  assert.deepEqual((await iam.send(new I.ListRolesCommand({ PathPrefix: '/service-role/' }))).Roles?.map((r) => r.RoleName), ['a']);
});

test('a PathPrefix not starting with / or holding a space is still refused', async () => {
  for (const PathPrefix of ['service-role', '/a b', `/${'x'.repeat(512)}`]) {
    const f = await sdkFailure(iam.send(new I.ListRolesCommand({ PathPrefix })));
    assert.equal(f.code, 'ValidationError', PathPrefix);
    assert.match(f.message, /PathPrefix must start with `\/`/);
  }
});
