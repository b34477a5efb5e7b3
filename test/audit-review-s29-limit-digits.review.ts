/**
 * Stop 29 (left by review ay): `GET /v1/audit` read `limit` with `Number`, so `0x10` was 16, `1e2` 100 and ` 5` 5,
 * where the cursor `after` beside it takes only digits (review V8). A script's typo was served a page of another size
 * than asked. Now `limit` is digits only (1–1,000), refused otherwise naming it; absent or empty, 100.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('stop 29: GET /v1/audit takes a limit of digits only', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    for (const name of ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7']) assert.equal((await gatehouseJson(s.url, s.admin, 'POST', '/v1/users', { name })).status, 201);
    await s.running.app.audit.flush();
  });
  after(() => s?.stop());

  it('refuses 0x10, 1e2 and a padded number, naming limit; takes 5 and none', async () => {
    for (const bad of ['0x10', '1e2', '%205', '5.0', '-1']) {
      const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?limit=${bad}`);
      // Before: 200 with 16, 100 or 5 records.
      assert.equal(r.status, 400, `${bad}: ${JSON.stringify(r.json)}`);
      assert.match(JSON.stringify(r.json), /`limit` must be a whole number from 1 to 1000/);
    }
    const five = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?limit=5');
    assert.equal(five.status, 200);
    assert.equal((five.json['records'] as unknown[]).length, 5);
    const all = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?limit=');
    assert.equal(all.status, 200);
    assert.ok((all.json['records'] as unknown[]).length > 5);
    assert.equal((await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?limit=1001')).status, 400);
  });
});
