/**
 * Review D, finding 7: UntagUser and UntagRole took any TagKeys: 51 keys, a key of 10,000 characters or one holding
 * `&`, none of which a tag can have, answered success (IAM: at most 50 keys, each 1–128 letters, digits, spaces or
 * `_.:/=+-@`, else ValidationError). Now they are refused before anything is read, and the tags stay as they were.
 * Real SDK v3 against a real server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const Tags = [{ Key: 'team', Value: 'ml' }];
let server: TestServer;
let iam: I.IAMClient;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'u', Tags }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST, Tags }));
});
after(async () => {
  await server?.stop();
});

test('TagKeys that no tag can have are refused, and nothing is removed', async () => {
  const fifty = Array.from({ length: 50 }, (_, i) => `k${i}`);
  for (const TagKeys of [[...fifty, 'team'], ['team', 'x'.repeat(129)], ['team', 'a&b'], ['team', '']]) {
    const u = await sdkFailure(iam.send(new I.UntagUserCommand({ UserName: 'u', TagKeys })));
    assert.equal(u.code, 'ValidationError', JSON.stringify(TagKeys).slice(0, 80));
    const r = await sdkFailure(iam.send(new I.UntagRoleCommand({ RoleName: 'r', TagKeys })));
    assert.equal(r.code, 'ValidationError');
  }
  assert.deepEqual((await iam.send(new I.ListUserTagsCommand({ UserName: 'u' }))).Tags, Tags);
  assert.deepEqual((await iam.send(new I.ListRoleTagsCommand({ RoleName: 'r' }))).Tags, Tags);
});

test('fifty keys of the tag alphabet are taken', async () => {
  const keys = [...Array.from({ length: 49 }, (_, i) => `k ${i}:_./=+-@`), 'TEAM'];
  await iam.send(new I.UntagUserCommand({ UserName: 'u', TagKeys: keys }));
  assert.deepEqual((await iam.send(new I.ListUserTagsCommand({ UserName: 'u' }))).Tags, []);
});
