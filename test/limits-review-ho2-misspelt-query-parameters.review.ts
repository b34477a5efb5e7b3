/**
 * Review ho, 2. The admin API's own listings dropped a query parameter they did not know without a word, where
 * `/v1/audit`, `/v1/jobs`, `/v1/iam-policies` and `/v1/resource-policies` refuse one "so a typo does not silently widen
 * a query": `GET /v1/access-keys?username=bob` (for `userName`) answered the CALLER's own keys, 200, as if they were
 * bob's; `GET /v1/users?pathprefix=/eng/` every user; `GET /v1/policies?onlyAttached=yes` (or `1`) every policy, as if
 * attached ones had been asked; a parameter given twice was read as its first. Now an unknown parameter, one given
 * twice, or an `onlyAttached` other than true or false is refused 400 ValidationError naming it (`path`), and nothing
 * is deleted; the parameters as documented answer as before. Real server (SQLite), SigV4-signed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let bobKey: string;
before(async () => {
  s = await startTestServer();
  assert.equal((await gatehouseJson(s.url, s.admin, 'POST', '/v1/users', { name: 'bob', path: '/eng/' })).status, 201);
  const key = await gatehouseJson(s.url, s.admin, 'POST', '/v1/access-keys', { userName: 'bob' });
  assert.equal(key.status, 201);
  bobKey = key.json['accessKeyId'] as string;
});
after(() => s?.stop());

const refusal = (r: { status: number; json: Record<string, unknown> }) => {
  const e = r.json['error'] as { code?: string; details?: { path?: string; message?: string }[] } | undefined;
  return { status: r.status, code: e?.code, path: e?.details?.[0]?.path, message: e?.details?.[0]?.message ?? '' };
};

test('a misspelt or repeated parameter is refused, naming it, not read as absent', async () => {
  const cases: [string, string, string, RegExp][] = [
    ['GET', '/v1/access-keys?username=bob', 'username', /unknown parameter `username`; `GET \/v1\/access-keys` takes userName/],
    ['GET', '/v1/access-keys?userName=bob&userName=admin', 'userName', /given more than once/],
    ['GET', '/v1/users?pathprefix=/eng/', 'pathprefix', /takes pathPrefix/],
    ['GET', '/v1/groups?path=/eng/', 'path', /takes pathPrefix/],
    ['GET', '/v1/roles?PathPrefix=/eng/', 'PathPrefix', /takes pathPrefix/],
    ['GET', '/v1/policies?onlyattached=true', 'onlyattached', /takes scope, onlyAttached/],
    ['GET', '/v1/policies?onlyAttached=yes', 'onlyAttached', /must be true or false, got `yes`/],
    ['GET', '/v1/policies?onlyAttached=1', 'onlyAttached', /must be true or false/],
    ['DELETE', `/v1/access-keys/${bobKey}?user=bob`, 'user', /unknown parameter `user`/],
  ];
  for (const [method, path, at, message] of cases) {
    const r = refusal(await gatehouseJson(s.url, s.admin, method, path));
    assert.equal(r.status, 400, `${method} ${path}: ${JSON.stringify(r)}`);
    assert.equal(r.code, 'ValidationError', `${method} ${path}`);
    assert.equal(r.path, at, `${method} ${path}`);
    assert.match(r.message, message, `${method} ${path}`);
  }
  // bob's key is still there.
  const keys = await gatehouseJson(s.url, s.admin, 'GET', '/v1/access-keys?userName=bob');
  assert.deepEqual((keys.json['accessKeys'] as { accessKeyId: string }[]).map((k) => k.accessKeyId), [bobKey]);
});

test('the parameters as documented answer as before', async () => {
  const users = await gatehouseJson(s.url, s.admin, 'GET', '/v1/users?pathPrefix=/eng/');
  assert.deepEqual((users.json['users'] as { name: string }[]).map((u) => u.name), ['bob']);
  const local = await gatehouseJson(s.url, s.admin, 'GET', '/v1/policies?scope=Local&onlyAttached=false');
  assert.equal(local.status, 200, JSON.stringify(local.json));
  const attached = await gatehouseJson(s.url, s.admin, 'GET', '/v1/policies?onlyAttached=true');
  assert.equal(attached.status, 200);
  assert.ok((attached.json['policies'] as unknown[]).length < ((await gatehouseJson(s.url, s.admin, 'GET', '/v1/policies')).json['policies'] as unknown[]).length);
  const mine = await gatehouseJson(s.url, s.admin, 'GET', '/v1/access-keys');
  assert.equal((mine.json['accessKeys'] as { userName: string }[])[0]?.userName, 'admin');
  const deleted = await gatehouseJson(s.url, s.admin, 'DELETE', `/v1/access-keys/${bobKey}?userName=bob`);
  assert.equal(deleted.status, 200, JSON.stringify(deleted.json));
});
