/**
 * Review hw, 4: an empty UserName (`UserName=`, what SDK v3 sends for `UserName: ''`, say an unset environment
 * variable) on the calls where UserName may be left out (GetUser, ListAccessKeys, CreateAccessKey, UpdateAccessKey,
 * DeleteAccessKey, ListMFADevices…) was read as no UserName, and a user calling got "UserName is required when the
 * caller is not a user", which is false of that caller and names no fix. IAM's user names are 1 to 64 characters, and
 * IAM answers an empty one with a validation error on the length of `userName`. Now an empty UserName is refused so on
 * every IAM action (and creates nothing); leaving it out still means the calling user. Real server, SDK v3.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
});
after(async () => {
  await server?.stop();
});

const keysOfAdmin = async () => (await iam.send(new I.ListAccessKeysCommand({}))).AccessKeyMetadata?.length;

test('an empty UserName from a user is a validation error on its length, not "the caller is not a user"', async () => {
  const before = await keysOfAdmin();
  const refusals = [
    await sdkFailure(iam.send(new I.GetUserCommand({ UserName: '' }))),
    await sdkFailure(iam.send(new I.ListAccessKeysCommand({ UserName: '' }))),
    await sdkFailure(iam.send(new I.CreateAccessKeyCommand({ UserName: '' }))),
    await sdkFailure(iam.send(new I.ListMFADevicesCommand({ UserName: '' }))),
  ];
  for (const r of refusals) {
    assert.equal(r.code, 'ValidationError', r.message);
    assert.equal(r.status, 400);
    assert.match(r.message, /'userName'/);
    assert.match(r.message, /length greater than or equal to 1/);
    assert.doesNotMatch(r.message, /not a user/);
  }
  assert.equal(await keysOfAdmin(), before, 'no key was created');
});

test('leaving UserName out still means the calling user', async () => {
  assert.equal((await iam.send(new I.GetUserCommand({}))).User?.UserName, 'admin');
  assert.ok(((await iam.send(new I.ListAccessKeysCommand({}))).AccessKeyMetadata?.length ?? 0) >= 1);
});
