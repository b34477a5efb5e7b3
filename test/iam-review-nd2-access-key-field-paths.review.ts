/**
 * Review nd, 2: the access-key routes of the admin API named their refusals' fields by IAM's parameter names, not the
 * request's: `PATCH /v1/access-keys/{id}` with `"status": "inactive"` answered `details[0].path` `Status` (the body's
 * field is `status`), and a role session's `POST /v1/access-keys {}` or `GET /v1/access-keys` "UserName is required" at
 * `UserName` (the body's field and the query's parameter are `userName`). The create routes already say their body's
 * fields (review je, 5); now these do too: `status`, `userName`. Real server, SDK v3 for the role session, signed admin
 * API calls.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let s: TestServer;
let keyId: string;
let session: Credentials;

before(async () => {
  s = await startTestServer();
  keyId = (await userWithKey(s, 'alice')).accessKeyId;
  const iam = s.iam();
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  await iam.send(new I.AttachRolePolicyCommand({ RoleName: 'ops', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
  const c = (await s.sts().send(new S.AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/ops', RoleSessionName: 'ops' }))).Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  session = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
});
after(async () => {
  await s?.stop();
});

const detail = (json: Record<string, unknown>): { code: unknown; path: unknown; message: unknown } => {
  const e = json['error'] as { code: unknown; details: { path: unknown; message: unknown }[] };
  return { code: e.code, path: e.details[0]?.path, message: e.details[0]?.message };
};

test('a status that is not Active or Inactive is refused at `status`, the body field, and the key keeps its own', async () => {
  const r = await gatehouseJson(s.url, s.admin, 'PATCH', `/v1/access-keys/${keyId}`, { userName: 'alice', status: 'inactive' });
  assert.equal(r.status, 400);
  const d = detail(r.json);
  assert.equal(d.code, 'ValidationError');
  assert.equal(d.path, 'status');
  const keys = await gatehouseJson(s.url, s.admin, 'GET', '/v1/access-keys?userName=alice');
  assert.deepEqual((keys.json['accessKeys'] as { status: string }[]).map((k) => k.status), ['Active']);
});

test("a role session's key creation without `userName` is refused at `userName`", async () => {
  const r = await gatehouseJson(s.url, session, 'POST', '/v1/access-keys', {});
  assert.equal(r.status, 400);
  const d = detail(r.json);
  assert.equal(d.path, 'userName');
  assert.match(String(d.message), /UserName|userName/);
});

test("a role session's key listing and status change without `userName` are refused at `userName`", async () => {
  const list = await gatehouseJson(s.url, session, 'GET', '/v1/access-keys');
  assert.equal(list.status, 400);
  assert.equal(detail(list.json).path, 'userName');
  const patch = await gatehouseJson(s.url, session, 'PATCH', `/v1/access-keys/${keyId}`, { status: 'Inactive' });
  assert.equal(patch.status, 400);
  assert.equal(detail(patch.json).path, 'userName');
  const named = await gatehouseJson(s.url, session, 'GET', '/v1/access-keys?userName=alice');
  assert.equal(named.status, 200);
});
