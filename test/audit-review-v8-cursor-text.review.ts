/**
 * Review V, V8 (low): `GET /v1/audit?after=` took the cursor through `Number()`, so `after=1e3` read from record 1000
 * and `after=0x10` from record 16, although `app.audit.query` refuses anything but a whole number's digits (its check
 * saw a number, never the text). Now the text goes to the query: both are refused (400 ValidationError naming
 * `after`); an empty `after` is no cursor, as an empty filter is no filter.
 * Review V, V9 (low): `since=999999999999d` (a duration back past what a Date holds) made `toISOString` throw, and the
 * API answered 500 InternalFailure; now 400 ValidationError naming the parameter.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

describe('review V8, V9: the audit cursor and time bounds are read as sent', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.stop();
  });

  it('1e3 and 0x10 are refused; digits and an empty cursor are taken', async () => {
    for (const bad of ['1e3', '0x10', ' 1', '-1']) {
      const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?after=${encodeURIComponent(bad)}`);
      assert.equal(r.status, 400, `${bad}: ${JSON.stringify(r.json)}`);
      assert.match(JSON.stringify(r.json), /after/);
    }
    for (const good of ['0', '1', '']) {
      const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?after=${good}`);
      assert.equal(r.status, 200, `${good}: ${JSON.stringify(r.json)}`);
    }
  });

  it('since=999999999999d and until=99999999999999999999s: 400 naming the parameter; 7d still taken', async () => {
    for (const [k, v] of [['since', '999999999999d'], ['until', '99999999999999999999s'], ['since', '800000d']]) {
      const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?${k}=${v}`);
      assert.equal(r.status, 400, `${k}=${v}: ${JSON.stringify(r.json)}`);
      assert.match(JSON.stringify(r.json), new RegExp(k as string));
    }
    const ok = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?since=7d');
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
  });
});
