/**
 * Review ho, 9. A change under `/v1/` (POST, PUT, DELETE) takes its fields in the JSON body, and a query parameter was
 * dropped without a word: `POST /v1/apply?dryRun=true` with the documents in the body APPLIED them, 200 `"dryRun":
 * false`; `DELETE /v1/roles/R?dryRun=true` deleted the role; `POST /v1/users/bob/disable?dryRun=true` disabled him.
 * Review cm, 1 refused this on the authorize API's questions only.
 *
 * Now a query parameter on a change that reads none is refused 400 ValidationError naming it, and nothing changes;
 * `DELETE /v1/access-keys/{id}?userName=` (IAM's way to name the key's user) is read as before.
 * Real server (SQLite), SigV4-signed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
const TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
const call = (method: string, path: string, body?: unknown) => gatehouseJson(s.url, s.admin, method, path, body);
const USER = (name: string) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name } });

before(async () => {
  s = await startTestServer();
  assert.equal((await call('POST', '/v1/roles', { name: 'ho9-role', trustPolicy: TRUST })).status, 201);
  assert.equal((await call('POST', '/v1/users', { name: 'ho9-bob' })).status, 201);
});
after(() => s?.stop());

test('a query parameter on a change that reads none is refused, and nothing changes', async () => {
  const cases: [string, string, unknown, string][] = [
    ['POST', '/v1/apply?dryRun=true', { documents: [USER('ho9-applied')] }, 'dryRun'],
    ['DELETE', '/v1/roles/ho9-role?dryRun=true', undefined, 'dryRun'],
    ['POST', '/v1/users/ho9-bob/disable?dryRun=true', undefined, 'dryRun'],
    ['POST', '/v1/users?name=ho9-query', { name: 'ho9-body' }, 'name'],
    ['PUT', '/v1/workspaces/ho9?members=ho9-bob', { members: [] }, 'members'],
  ];
  for (const [method, path, body, k] of cases) {
    const r = await call(method, path, body);
    const e = r.json['error'] as { code?: string; details?: { path?: string; message?: string }[] } | undefined;
    assert.equal(r.status, 400, `${method} ${path}: ${JSON.stringify(r.json)}`);
    assert.equal(e?.code, 'ValidationError');
    assert.equal(e?.details?.[0]?.path, k);
    assert.match(e?.details?.[0]?.message ?? '', new RegExp(`query parameter \`${k}\` refused: .* takes no query parameters; give its fields in the JSON body`));
  }
  assert.equal((await call('GET', '/v1/users/ho9-applied')).status, 404, 'the apply was not made');
  assert.equal((await call('GET', '/v1/roles/ho9-role')).status, 200, 'the role is still there');
  assert.equal((await call('GET', '/v1/users/ho9-bob')).json['disabled'], false);
  assert.equal((await call('GET', '/v1/users/ho9-body')).status, 404);
  assert.equal((await call('GET', '/v1/workspaces/ho9')).status, 404);
});

test('changes without a query, and the access key deletion naming its user, work as before', async () => {
  const applied = await call('POST', '/v1/apply', { dryRun: true, documents: [USER('ho9-applied')] });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  assert.equal(applied.json['applied'], false);
  const key = await call('POST', '/v1/access-keys', { userName: 'ho9-bob' });
  assert.equal(key.status, 201);
  assert.equal((await call('DELETE', `/v1/access-keys/${key.json['accessKeyId'] as string}?userName=ho9-bob`)).status, 200);
  assert.equal((await call('DELETE', '/v1/roles/ho9-role')).status, 200);
});
