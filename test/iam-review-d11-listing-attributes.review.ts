/**
 * Review D, finding 11: ListUsers, GetGroup (its Users) and ListRoles answered every entity's Tags and
 * PermissionsBoundary, which IAM leaves out of listings. Reading them is what GetUser/GetRole and
 * ListUserTags/ListRoleTags are for, decided on the entity's own ARN; through a listing, a caller with iam:ListUsers
 * read the tags (say `clearance`) of users it is denied iam:GetUser and iam:ListUserTags on. Now listings carry the
 * attributes IAM lists; GetUser and GetRole still answer the tags and the boundary. Real SDK v3 against a real server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const BOUNDARY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const Tags = [{ Key: 'clearance', Value: 'top-secret' }];
let server: TestServer;
let iam: I.IAMClient;
let lister: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'boss', Path: '/protected/', Tags, PermissionsBoundary: BOUNDARY }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'vault', Path: '/protected/', AssumeRolePolicyDocument: TRUST, Tags, PermissionsBoundary: BOUNDARY }));
  await iam.send(new I.CreateGroupCommand({ GroupName: 'staff' }));
  await iam.send(new I.AddUserToGroupCommand({ GroupName: 'staff', UserName: 'boss' }));
  await iam.send(new I.CreateUserCommand({ UserName: 'lister' }));
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['iam:ListUsers', 'iam:ListRoles', 'iam:GetGroup'], Resource: '*' },
      { Effect: 'Deny', Action: ['iam:GetUser', 'iam:ListUserTags', 'iam:GetRole', 'iam:ListRoleTags'], Resource: [`arn:aws:iam::${ACCT}:user/protected/*`, `arn:aws:iam::${ACCT}:role/protected/*`] },
    ],
  };
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'lister', PolicyName: 'p', PolicyDocument: JSON.stringify(policy) }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'lister' }))).AccessKey!;
  lister = server.iam({ accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
});
after(async () => {
  await server?.stop();
});

test('the tags are refused to the lister where they are read', async () => {
  assert.equal((await sdkFailure(lister.send(new I.ListUserTagsCommand({ UserName: 'boss' })))).code, 'AccessDenied');
  assert.equal((await sdkFailure(lister.send(new I.GetRoleCommand({ RoleName: 'vault' })))).code, 'AccessDenied');
});

test('ListUsers, GetGroup and ListRoles list the entities without their tags and boundary', async () => {
  const user = (await lister.send(new I.ListUsersCommand({}))).Users?.find((u) => u.UserName === 'boss');
  assert.equal(user?.Arn, `arn:aws:iam::${ACCT}:user/protected/boss`);
  assert.deepEqual([user?.Tags, user?.PermissionsBoundary], [undefined, undefined]);
  const member = (await lister.send(new I.GetGroupCommand({ GroupName: 'staff' }))).Users?.[0];
  assert.equal(member?.UserName, 'boss');
  assert.deepEqual([member?.Tags, member?.PermissionsBoundary], [undefined, undefined]);
  const role = (await lister.send(new I.ListRolesCommand({}))).Roles?.find((r) => r.RoleName === 'vault');
  assert.equal(role?.Arn, `arn:aws:iam::${ACCT}:role/protected/vault`);
  assert.ok(role?.AssumeRolePolicyDocument, 'ListRoles still answers the trust policy, as IAM does');
  assert.deepEqual([role?.Tags, role?.PermissionsBoundary], [undefined, undefined]);
});

test('GetUser and GetRole still answer them to a caller allowed to read the entity', async () => {
  const u = (await iam.send(new I.GetUserCommand({ UserName: 'boss' }))).User;
  assert.deepEqual(u?.Tags, Tags);
  assert.equal(u?.PermissionsBoundary?.PermissionsBoundaryArn, BOUNDARY);
  const r = (await iam.send(new I.GetRoleCommand({ RoleName: 'vault' }))).Role;
  assert.deepEqual(r?.Tags, Tags);
  assert.equal(r?.PermissionsBoundary?.PermissionsBoundaryArn, BOUNDARY);
});
