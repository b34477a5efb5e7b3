/**
 * Review ka, 5: RemoveUserFromGroup naming a user that does not exist (a typo: `alcie` for `alice`) answered "user
 * `alcie` is not a member of group `admins`", which reads as "already removed": an operator went on with `alice` still
 * in the group. IAM answers that the user cannot be found, as AddUserToGroup here does. Now RemoveUserFromGroup says so
 * too (NoSuchEntity, "The user with name alcie cannot be found."); a user that exists and is not a member is still told
 * it is not one. Real server, SDK v3.
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
  await iam.send(new I.CreateGroupCommand({ GroupName: 'admins' }));
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
  await iam.send(new I.AddUserToGroupCommand({ GroupName: 'admins', UserName: 'alice' }));
});
after(async () => {
  await server?.stop();
});

const members = async () => ((await iam.send(new I.GetGroupCommand({ GroupName: 'admins' }))).Users ?? []).map((u) => u.UserName);

test('removing a user that does not exist says it cannot be found, not that it is no member', async () => {
  const r = await sdkFailure(iam.send(new I.RemoveUserFromGroupCommand({ GroupName: 'admins', UserName: 'alcie' })));
  assert.equal(r.code, 'NoSuchEntity');
  assert.equal(r.status, 404);
  assert.equal(r.message, 'The user with name alcie cannot be found.');
  assert.deepEqual(await members(), ['alice']);
  assert.equal((await sdkFailure(iam.send(new I.AddUserToGroupCommand({ GroupName: 'admins', UserName: 'alcie' })))).message, r.message, 'as AddUserToGroup says it');
});

test('a user that exists and is no member is still told so; a member is removed', async () => {
  const r = await sdkFailure(iam.send(new I.RemoveUserFromGroupCommand({ GroupName: 'admins', UserName: 'bob' })));
  assert.equal(r.code, 'NoSuchEntity');
  assert.match(r.message, /not a member of group `admins`/);
  await iam.send(new I.RemoveUserFromGroupCommand({ GroupName: 'admins', UserName: 'ALICE' }));
  assert.deepEqual(await members(), []);
});
