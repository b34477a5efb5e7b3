/**
 * Review ka, 3: GetUserPolicy, GetGroupPolicy and GetRolePolicy answered the user, group or role name as the request
 * spelt it, not as the entity is named: names are case-insensitive, so `GetUserPolicy UserName=alice` found the policy
 * of `Alice` and answered `UserName: alice`, where GetUser, ListUsers and IAM answer `Alice`. A tool keying its state by
 * the name it reads back (or comparing it with ListUsers') saw a user that does not exist. Now the three answer the
 * entity's own name, whatever the case of the request. Real server, SDK v3.
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let iam: I.IAMClient;

const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'Alice' }));
  await iam.send(new I.CreateGroupCommand({ GroupName: 'DataTeam' }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'Trainer', AssumeRolePolicyDocument: trust }));
  // Put under another spelling of each name, as a case-insensitive name allows.
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'ALICE', PolicyName: 'ReadData', PolicyDocument: doc }));
  await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'datateam', PolicyName: 'ReadData', PolicyDocument: doc }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'TRAINER', PolicyName: 'ReadData', PolicyDocument: doc }));
});
after(async () => {
  await server?.stop();
});

test('GetUserPolicy, GetGroupPolicy and GetRolePolicy answer the entity as it is named', async () => {
  const user = await iam.send(new I.GetUserPolicyCommand({ UserName: 'alice', PolicyName: 'readdata' }));
  assert.equal(user.UserName, 'Alice');
  assert.equal(user.PolicyName, 'ReadData');
  const group = await iam.send(new I.GetGroupPolicyCommand({ GroupName: 'DATATEAM', PolicyName: 'READDATA' }));
  assert.equal(group.GroupName, 'DataTeam');
  assert.equal(group.PolicyName, 'ReadData');
  const role = await iam.send(new I.GetRolePolicyCommand({ RoleName: 'trainer', PolicyName: 'ReadData' }));
  assert.equal(role.RoleName, 'Trainer');
  assert.equal(decodeURIComponent(role.PolicyDocument ?? ''), doc);
  assert.equal((await iam.send(new I.GetUserCommand({ UserName: 'alice' }))).User?.UserName, user.UserName, 'as GetUser names it');
});
