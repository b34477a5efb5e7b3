/**
 * Review ho, 5. The admin API's DELETE routes and three bodiless POSTs (`/v1/users/N/disable`, `/enable`,
 * `/v1/keys/rotate`) read no body and dropped whatever it held: `DELETE /v1/users/bob {"dryRun": true}` deleted bob,
 * 200; `POST /v1/users/bob/disable {"dryRun": true}` disabled him; `DELETE /v1/access-keys/K {"userName": "bob"}`
 * (the user in the body, not the query) went on as if no user were named. Review K, 5 refused exactly this on
 * `DELETE /v1/resource-policies/R` and `POST …/webhook-config`, and only there.
 *
 * Now a body field on any DELETE, or on those POSTs, is refused 400 ValidationError naming it, and nothing changes; the
 * same requests without a body (or with `{}`) work as before. Real server (SQLite), SigV4-signed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let key: string;
const TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
const call = (method: string, path: string, body?: unknown) => gatehouseJson(s.url, s.admin, method, path, body);

before(async () => {
  s = await startTestServer();
  for (const [path, body] of [['/v1/users', { name: 'bob' }], ['/v1/groups', { name: 'team' }], ['/v1/roles', { name: 'trainer', trustPolicy: TRUST }]] as const) {
    assert.equal((await call('POST', path, body)).status, 201);
  }
  assert.equal((await call('PUT', '/v1/users/bob/inline-policies/p', { document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] } })).status, 200);
  assert.equal((await call('PUT', '/v1/workspaces/lab', { members: [{ user: 'bob' }] })).status, 200);
  const k = await call('POST', '/v1/access-keys', { userName: 'bob' });
  assert.equal(k.status, 201);
  key = k.json['accessKeyId'] as string;
});
after(() => s?.stop());

test('a body field on a change that takes none is refused, naming it, and nothing changes', async () => {
  // `/v1/keys/rotate` takes one field since review uy, 1 (`dropRetired`): any other is refused as before, naming it.
  const cases: [string, string, Record<string, unknown>, string, string?][] = [
    ['DELETE', '/v1/users/bob/inline-policies/p', { dryRun: true }, 'dryRun'],
    ['DELETE', `/v1/access-keys/${key}`, { userName: 'bob' }, 'userName'],
    ['DELETE', '/v1/roles/trainer', { force: false }, 'force'],
    ['DELETE', '/v1/groups/team', { dryRun: true }, 'dryRun'],
    ['DELETE', '/v1/workspaces/lab', { dryRun: true }, 'dryRun'],
    ['POST', '/v1/users/bob/disable', { dryRun: true }, 'dryRun'],
    ['POST', '/v1/keys/rotate', { dryRun: true }, 'dryRun', 'unknown field `dryRun` \\(allowed: dropRetired\\)'],
    ['DELETE', '/v1/users/bob', { dryRun: true }, 'dryRun'],
  ];
  for (const [method, path, body, field, message] of cases) {
    const r = await call(method, path, body);
    const e = r.json['error'] as { code?: string; details?: { path?: string; message?: string }[] } | undefined;
    assert.equal(r.status, 400, `${method} ${path}: ${JSON.stringify(r.json)}`);
    assert.equal(e?.code, 'ValidationError');
    assert.equal(e?.details?.[0]?.path, field);
    assert.match(e?.details?.[0]?.message ?? '', new RegExp(message ?? `unknown field \`${field}\`: this request takes no body fields`));
  }
  // Nothing was deleted, disabled or rotated.
  const bob = await call('GET', '/v1/users/bob');
  assert.equal(bob.status, 200);
  assert.equal(bob.json['disabled'], false);
  assert.equal((await call('GET', '/v1/users/bob/inline-policies/p')).status, 200);
  assert.deepEqual(((await call('GET', '/v1/access-keys?userName=bob')).json['accessKeys'] as { accessKeyId: string }[]).map((k) => k.accessKeyId), [key]);
  assert.equal((await call('GET', '/v1/roles/trainer')).status, 200);
  assert.equal((await call('GET', '/v1/groups/team')).status, 200);
  assert.equal((await call('GET', '/v1/workspaces/lab')).status, 200);
});

test('the same changes without a body, or with an empty one, are made', async () => {
  assert.equal((await call('DELETE', '/v1/users/bob/inline-policies/p', {})).status, 200);
  assert.equal((await call('DELETE', `/v1/access-keys/${key}?userName=bob`)).status, 200);
  assert.equal((await call('POST', '/v1/users/bob/disable')).status, 200);
  assert.equal((await call('DELETE', '/v1/workspaces/lab')).status, 204);
  assert.equal((await call('DELETE', '/v1/roles/trainer')).status, 200);
  assert.equal((await call('DELETE', '/v1/users/bob')).status, 200);
});
