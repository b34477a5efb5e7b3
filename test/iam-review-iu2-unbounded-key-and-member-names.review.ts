/**
 * Review iu, 2: the IAM parameters that name something inside an entity were taken at any length: the AccessKeyId of
 * DeleteAccessKey, UpdateAccessKey and GetAccessKeyLastUsed, the PolicyName of Get…Policy and Delete…Policy (inline
 * policies), the UserName of AddUserToGroup and RemoveUserFromGroup. Each was echoed whole in the NoSuchEntity, and the
 * changes recorded it in their audit record's error: a user holding the usual self-service grant (iam:*AccessKey* on
 * `user/${aws:username}`) wrote 300 KB into the audit log, kept for ever, with every DeleteAccessKey of a 300,000-character
 * key id. IAM's API model bounds them (accessKeyIdType: 16 to 128 of `[\w]`; policyNameType: at most 128; user names) and
 * answers ValidationError. Now each is checked before anything is decided, as the entity names are since review gm (4,
 * 5): 400 ValidationError naming the parameter, the value quoted to its first 80 characters, nothing recorded. Real
 * server, SDK v3.
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { auditRecords, sdkFailure, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

let server: TestServer;
let admin: I.IAMClient;
let self: I.IAMClient;
let own: Credentials;

const SELF_SERVICE = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['iam:*AccessKey*', 'iam:GetAccessKeyLastUsed'], Resource: 'arn:aws:iam::000000000000:user/${aws:username}' }],
});
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });

before(async () => {
  server = await startTestServer();
  admin = server.iam();
  own = await userWithPolicy(server, 'alice', SELF_SERVICE);
  self = server.iam(own);
  await admin.send(new I.CreateGroupCommand({ GroupName: 'team' }));
  await admin.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: TRUST }));
});
after(async () => {
  await server?.stop();
});

const LONG = 'A'.repeat(300_000);

async function refusedShort(label: string, call: () => Promise<unknown>, field: RegExp): Promise<void> {
  const r = await sdkFailure(call());
  assert.equal(r.code, 'ValidationError', `${label}: ${r.code} ${r.message.slice(0, 200)}`);
  assert.equal(r.status, 400, label);
  assert.match(r.message, field, label);
  assert.ok(r.message.length < 400, `${label}: the answer is ${r.message.length} characters`);
}

async function noLargeRecord(): Promise<void> {
  const records = await auditRecords(server, {});
  const large = records.filter((x) => JSON.stringify(x).length > 10_000).map((x) => `${x.action}: ${JSON.stringify(x).length} characters`);
  assert.deepEqual(large, [], 'no audit record holds the over-long value');
}

test('an over-long AccessKeyId from a self-service user is a ValidationError, neither echoed nor recorded', async () => {
  await refusedShort('DeleteAccessKey', () => self.send(new I.DeleteAccessKeyCommand({ AccessKeyId: LONG })), /AccessKeyId/);
  await refusedShort('UpdateAccessKey', () => self.send(new I.UpdateAccessKeyCommand({ AccessKeyId: LONG, Status: 'Inactive' })), /AccessKeyId/);
  await refusedShort('GetAccessKeyLastUsed', () => self.send(new I.GetAccessKeyLastUsedCommand({ AccessKeyId: LONG })), /AccessKeyId/);
  await refusedShort('DeleteAccessKey (not a key id)', () => self.send(new I.DeleteAccessKeyCommand({ AccessKeyId: 'AKIA/../../admin00000' })), /AccessKeyId/);
  await noLargeRecord();
  // The user's own key still works for the calls it may make: the bound refuses only what no key id can be.
  const keys = await self.send(new I.ListAccessKeysCommand({}));
  assert.deepEqual(keys.AccessKeyMetadata?.map((k) => k.AccessKeyId), [own.accessKeyId]);
  assert.equal((await self.send(new I.GetAccessKeyLastUsedCommand({ AccessKeyId: own.accessKeyId }))).UserName, 'alice');
});

test('an over-long inline PolicyName or group member UserName is a ValidationError, neither echoed nor recorded', async () => {
  await refusedShort('GetUserPolicy', () => admin.send(new I.GetUserPolicyCommand({ UserName: 'alice', PolicyName: LONG })), /PolicyName/);
  await refusedShort('DeleteUserPolicy', () => admin.send(new I.DeleteUserPolicyCommand({ UserName: 'alice', PolicyName: LONG })), /PolicyName/);
  await refusedShort('DeleteRolePolicy', () => admin.send(new I.DeleteRolePolicyCommand({ RoleName: 'trainer', PolicyName: LONG })), /PolicyName/);
  await refusedShort('DeleteGroupPolicy', () => admin.send(new I.DeleteGroupPolicyCommand({ GroupName: 'team', PolicyName: LONG })), /PolicyName/);
  await refusedShort('AddUserToGroup', () => admin.send(new I.AddUserToGroupCommand({ GroupName: 'team', UserName: LONG })), /UserName/);
  await refusedShort('RemoveUserFromGroup', () => admin.send(new I.RemoveUserFromGroupCommand({ GroupName: 'team', UserName: LONG })), /UserName/);
  await noLargeRecord();
});

test('within the bounds the same calls answer as before', async () => {
  const missingKey = await sdkFailure(self.send(new I.DeleteAccessKeyCommand({ AccessKeyId: 'AKIAAAAAAAAAAAAAAAAA' })));
  assert.equal(missingKey.code, 'NoSuchEntity', missingKey.message);
  const missingPolicy = await sdkFailure(admin.send(new I.GetUserPolicyCommand({ UserName: 'alice', PolicyName: 'nope' })));
  assert.equal(missingPolicy.code, 'NoSuchEntity', missingPolicy.message);
  await admin.send(new I.AddUserToGroupCommand({ GroupName: 'team', UserName: 'alice' }));
  await admin.send(new I.RemoveUserFromGroupCommand({ GroupName: 'team', UserName: 'alice' }));
  const missingUser = await sdkFailure(admin.send(new I.AddUserToGroupCommand({ GroupName: 'team', UserName: 'ghost' })));
  assert.equal(missingUser.code, 'NoSuchEntity', missingUser.message);
});
