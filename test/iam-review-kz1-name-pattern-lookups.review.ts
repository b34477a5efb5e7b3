/**
 * Review kz, 1: a user, group, role or inline policy name that IAM's pattern (`[\w+=,.@-]+`, the API reference's for
 * UserName, GroupName, RoleName and PolicyName) cannot hold was looked up as if it could: `GetUser alice smith`,
 * `DeleteRole ops/deploy` or `DeleteUser *` answered NoSuchEntity ("cannot be found"), which a cleanup script reads as
 * "already gone", and a caller without the right was told AccessDenied on the ARN made of it (`user/ops/deploy`, a path
 * that is no part of the request). IAM refuses such a request before anything else with ValidationError (400); so does
 * Gatehouse now, naming the parameter and the name, for every action that names an existing entity or inline policy,
 * and before deciding anything. Good names, in any case, are found as before. Real server, SDK v3.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, userWithPolicy, type TestServer } from './support/server.ts';

let server: TestServer;
let iam: I.IAMClient;

const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.CreateGroupCommand({ GroupName: 'ops' }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'deploy', AssumeRolePolicyDocument: TRUST }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'read', PolicyDocument: DOC }));
});
after(async () => {
  await server?.stop();
});

async function refused(p: Promise<unknown>, param: string, name: string): Promise<void> {
  const r = await sdkFailure(p);
  assert.equal(r.code, 'ValidationError', `${param} \`${name}\`: ${r.code} ${r.message}`);
  assert.equal(r.status, 400);
  assert.ok(r.message.includes(param) && r.message.includes(name), r.message);
}

test('a user, group or role name outside IAM\'s pattern is ValidationError, not NoSuchEntity', async () => {
  await refused(iam.send(new I.GetUserCommand({ UserName: 'alice smith' })), 'UserName', 'alice smith');
  await refused(iam.send(new I.DeleteUserCommand({ UserName: '*' })), 'UserName', '*');
  await refused(iam.send(new I.ListAccessKeysCommand({ UserName: 'ops/alice' })), 'UserName', 'ops/alice');
  await refused(iam.send(new I.GetGroupCommand({ GroupName: 'ops team' })), 'GroupName', 'ops team');
  await refused(iam.send(new I.DeleteGroupCommand({ GroupName: 'ops:all' })), 'GroupName', 'ops:all');
  await refused(iam.send(new I.GetRoleCommand({ RoleName: 'ops/deploy' })), 'RoleName', 'ops/deploy');
  await refused(iam.send(new I.DeleteRoleCommand({ RoleName: 'deploy!' })), 'RoleName', 'deploy!');
  // Names that fit the pattern are looked up as before, in any case.
  assert.equal((await iam.send(new I.GetUserCommand({ UserName: 'ALICE' }))).User?.UserName, 'alice');
  assert.equal((await iam.send(new I.GetRoleCommand({ RoleName: 'deploy' }))).Role?.RoleName, 'deploy');
  assert.equal((await sdkFailure(iam.send(new I.GetGroupCommand({ GroupName: 'nobody' })))).code, 'NoSuchEntity');
});

test('a group member or inline policy name outside the pattern is ValidationError', async () => {
  await refused(iam.send(new I.AddUserToGroupCommand({ GroupName: 'ops', UserName: 'alice smith' })), 'UserName', 'alice smith');
  await refused(iam.send(new I.RemoveUserFromGroupCommand({ GroupName: 'ops', UserName: 'a#b' })), 'UserName', 'a#b');
  await refused(iam.send(new I.GetUserPolicyCommand({ UserName: 'alice', PolicyName: 'read only' })), 'PolicyName', 'read only');
  await refused(iam.send(new I.DeleteUserPolicyCommand({ UserName: 'alice', PolicyName: 'read*' })), 'PolicyName', 'read*');
  assert.deepEqual((await iam.send(new I.ListUserPoliciesCommand({ UserName: 'alice' }))).PolicyNames, ['read']);
  assert.equal((await iam.send(new I.GetUserPolicyCommand({ UserName: 'alice', PolicyName: 'read' }))).PolicyName, 'read');
});

test('the name is refused before anything is decided: no AccessDenied on an ARN made of it', async () => {
  const bob = server.iam(await userWithPolicy(server, 'bob', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: 'arn:aws:iam::*:user/bob' }] })));
  await refused(bob.send(new I.GetUserCommand({ UserName: 'ops/alice' })), 'UserName', 'ops/alice');
  await refused(bob.send(new I.DeleteRoleCommand({ RoleName: 'a b' })), 'RoleName', 'a b');
  assert.equal((await sdkFailure(bob.send(new I.GetUserCommand({ UserName: 'alice' })))).code, 'AccessDenied');
});
