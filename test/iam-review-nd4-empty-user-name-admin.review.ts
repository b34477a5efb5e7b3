/**
 * Review nd, 4: an empty `userName` on the admin API's access-key routes (`GET /v1/access-keys?userName=`,
 * `POST /v1/access-keys {"userName": ""}`, PATCH and DELETE alike: a script's unset variable) was read as no user, and a
 * user calling was told "UserName is required when the caller is not a user", false of that caller and naming no fix.
 * The IAM Query API refuses an empty UserName on its length (review hw, 4); the admin API now does too, at `userName`,
 * and creates or changes nothing; leaving it out still means the calling user. Real server, signed admin API calls.
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let s: TestServer;
let alice: Credentials;

before(async () => {
  s = await startTestServer();
  alice = await userWithKey(s, 'alice');
  const own = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:ListAccessKeys', 'iam:CreateAccessKey', 'iam:UpdateAccessKey', 'iam:DeleteAccessKey'], Resource: 'arn:aws:iam::000000000000:user/alice' }] };
  await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'own-keys', PolicyDocument: JSON.stringify(own) }));
});
after(async () => {
  await s?.stop();
});

const refusal = (json: Record<string, unknown>): { code: unknown; path: unknown; message: string } => {
  const e = json['error'] as { code: unknown; message: string; details: { path: unknown }[] };
  return { code: e.code, path: e.details[0]?.path, message: e.message };
};
const keys = async (): Promise<{ accessKeyId: string; status: string }[]> => (await gatehouseJson(s.url, alice, 'GET', '/v1/access-keys')).json['accessKeys'] as { accessKeyId: string; status: string }[];

test('an empty userName in the query is refused on its length at `userName`, not as a caller without a user', async () => {
  const r = await gatehouseJson(s.url, alice, 'GET', '/v1/access-keys?userName=');
  assert.equal(r.status, 400);
  const e = refusal(r.json);
  assert.equal(e.code, 'ValidationError');
  assert.equal(e.path, 'userName');
  assert.doesNotMatch(e.message, /not a user/);
  const del = await gatehouseJson(s.url, alice, 'DELETE', `/v1/access-keys/${alice.accessKeyId}?userName=`);
  assert.equal(del.status, 400);
  assert.doesNotMatch(refusal(del.json).message, /not a user/);
  assert.equal((await keys()).length, 1);
});

test('an empty userName in the body is refused alike, nothing created or changed', async () => {
  const made = await gatehouseJson(s.url, alice, 'POST', '/v1/access-keys', { userName: '' });
  assert.equal(made.status, 400);
  assert.equal(refusal(made.json).path, 'userName');
  assert.doesNotMatch(refusal(made.json).message, /not a user/);
  const patched = await gatehouseJson(s.url, alice, 'PATCH', `/v1/access-keys/${alice.accessKeyId}`, { userName: '', status: 'Inactive' });
  assert.equal(patched.status, 400);
  assert.doesNotMatch(refusal(patched.json).message, /not a user/);
  assert.deepEqual((await keys()).map((k) => k.status), ['Active']);
});

test('leaving userName out still means the calling user', async () => {
  const list = await gatehouseJson(s.url, alice, 'GET', '/v1/access-keys');
  assert.equal(list.status, 200);
  assert.deepEqual((list.json['accessKeys'] as { accessKeyId: string }[]).map((k) => k.accessKeyId), [alice.accessKeyId]);
});
