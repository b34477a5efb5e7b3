/**
 * Review gc, 5. `GET /v1/audit` refuses an unknown parameter "so a typo does not silently widen a query", but a filter
 * given twice was taken silently, its first value only: `principal=alice&principal=bob` (an auditor's script, or a URL
 * built by appending, asking for both) answered alice's records alone, as if bob had done nothing; `kind=change&
 * kind=session` the changes alone; `limit=1&limit=1000` one record. Now a parameter given more than once is refused 400
 * naming it, as `/v1/jobs` refuses one. Real server (SQLite), SigV4-signed requests as the CLI makes them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

const audit = (query: string) => gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?${query}`);
const messageOf = (json: Record<string, unknown>): string => String((json['error'] as { message?: unknown } | undefined)?.message ?? '');

test('a filter given twice is refused, naming it', async () => {
  for (const [query, name] of [
    ['principal=alice&principal=bob', 'principal'],
    ['kind=change&kind=session', 'kind'],
    ['limit=1&limit=1000', 'limit'],
  ] as const) {
    const r = await audit(query);
    assert.equal(r.status, 400, `${query}: ${JSON.stringify(r.json)}`);
    assert.match(messageOf(r.json), new RegExp(`\`${name}\` is given more than once`));
  }
  assert.equal((await audit('principal=alice&kind=change&limit=5')).status, 200);
});
