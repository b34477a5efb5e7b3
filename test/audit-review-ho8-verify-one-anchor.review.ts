/**
 * Review ho, 8. `GET /v1/audit/verify?expect=SEQ:HASH` read the first `expect` of the query only: with two anchors an
 * auditor kept (`expect=A&expect=B`) it answered `{"ok": true, "expected": A}`, 200, the second never looked at, even
 * when no record of the log ever had hash B: a tail cut back past B would be reported intact. A filter of
 * `GET /v1/audit` given twice is refused (review gc, 5); verify's anchor was not.
 *
 * Now `expect` given more than once is refused 400 ValidationError naming it; one anchor is checked as before.
 * Real server (SQLite), SigV4-signed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
  assert.equal((await gatehouseJson(s.url, s.admin, 'POST', '/v1/users', { name: 'ho8' })).status, 201);
});
after(() => s?.stop());

test('two anchors are refused, not the second ignored; one is checked as before', async () => {
  const first = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit/verify');
  assert.equal(first.status, 200, JSON.stringify(first.json));
  const anchor = first.json['anchor'] as string;
  const [seq] = anchor.split(':');
  // A record the log holds, with a hash it never had.
  const forged = `${seq}:${'0'.repeat(64)}`;

  const both = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit/verify?expect=${encodeURIComponent(anchor)}&expect=${encodeURIComponent(forged)}`);
  assert.equal(both.status, 400, JSON.stringify(both.json));
  const e = both.json['error'] as { code?: string; details?: { path?: string; message?: string }[] };
  assert.equal(e.code, 'ValidationError');
  assert.equal(e.details?.[0]?.path, 'expect');
  assert.match(e.details?.[0]?.message ?? '', /`expect` is given more than once/);

  const good = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit/verify?expect=${encodeURIComponent(anchor)}`);
  assert.equal(good.json['ok'], true, JSON.stringify(good.json));
  const bad = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit/verify?expect=${encodeURIComponent(forged)}`);
  assert.equal(bad.json['ok'], false, JSON.stringify(bad.json));
});
