/**
 * Review ed4: `GET /v1/audit?since=` (and `audit query --since/--until`) with no principal, job, role or account read
 * the log from its first record, on the deciding thread (SQLite), its `at` checked on each: 55 ms a query with 300,000
 * records older than `since` (bench/audit-time-range.ts), growing with the log. Now the spans of the log (audit_span,
 * migration 8: each span's least `at` and the running greatest `at`, filled with the lookup) turn `since` and `until`
 * into seq bounds. `at` is not monotonic in seq (a lagging instance's clock, a batch held back through an outage):
 * records here are appended through the store's append path with a few late and early ones among them, and every
 * query's pages must equal a brute-force filter of the whole log. The work is asserted, not the time: the statement the
 * store runs for a since-only query, with its parameters, is counted row by row on a second connection (a TEMP view
 * shadowing audit_log that counts the rows it yields), and must read about the records it returns, not the log.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, type SqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { lastStatementRowsRead, pagedSeqs, wholeLog } from './support/sqlite-rows-read.ts';
import { storeAppender } from '../src/app/audit-store-appender.ts';
import type { AuditFilter, AuditRecord, TimedEvent } from '../src/core/audit/index.ts';

const ACCT = '000000000000';
const OLD = 30_000;
const T0 = Date.parse('2026-06-01T00:00:00Z');
const dir = mkdtempSync(join(tmpdir(), 'gh-review-ed4-'));
let store: SqliteStore;
let all: AuditRecord[] = [];

function event(i: number, at: number): TimedEvent {
  return {
    at,
    event: { kind: 'decision', account: ACCT, principal: `arn:aws:iam::${ACCT}:user/u${i % 7}`, action: 's3:GetObject', resource: `arn:aws:s3:::b/k${i}`, decision: i % 3 === 0 ? 'ImplicitDeny' : 'Allow' },
    detailText: '{}',
  };
}

before(async () => {
  store = await openSqliteStore({ file: join(dir, 'gatehouse.db') });
  const appender = storeAppender(store);
  const events: TimedEvent[] = [];
  // 30,000 old records a second apart; among them one dated late (in the recent window) and, among the recent ones,
  // one dated early (long ago): neither may be lost nor found where it does not belong.
  for (let i = 0; i < OLD; i++) events.push(event(i, i === 5_000 ? T0 + 10_000_000 + 500 : i === 29_000 ? T0 + 10_000_000 + 700 : T0 + i * 1000));
  for (let i = 0; i < 300; i++) events.push(event(OLD + i, i === 150 ? T0 + 100 : T0 + 10_000_000 + i * 1000));
  for (let i = 0; i < events.length; i += 1000) await appender.append(events.slice(i, i + 1000));
  all = await wholeLog(store);
  assert.equal(all.length, OLD + 300);
});
after(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const iso = (ms: number) => new Date(ms).toISOString();
function brute(f: AuditFilter): number[] {
  return all.filter((r) => (f.since === undefined || r.at >= f.since) && (f.until === undefined || r.at < f.until) && (f.principal === undefined || r.principal === f.principal)).map((r) => r.seq);
}
const paged = (f: AuditFilter, limit: number): Promise<number[]> => pagedSeqs(store, f, limit);

test('time-range queries return what a brute-force filter does, page by page, with at out of order', async () => {
  const filters: AuditFilter[] = [
    { since: iso(T0 + 10_000_000) },
    { since: iso(T0 + 10_000_000 + 100_000), until: iso(T0 + 10_000_000 + 200_000) },
    { since: iso(T0 + 5_000_000), until: iso(T0 + 5_050_000) },
    { until: iso(T0 + 50_000) },
    { since: iso(T0) },
    { since: iso(T0 + 99_999_999) },
    { principal: `arn:aws:iam::${ACCT}:user/u3`, since: iso(T0 + 10_000_000) },
    { principal: `arn:aws:iam::${ACCT}:user/u3`, since: iso(T0 + 1_000_000), until: iso(T0 + 1_100_000) },
  ];
  for (const f of filters) {
    const want = brute(f);
    // Pages of 7 for the queries of a few hundred records, not through the whole log (`since` before every record:
    // 4,329 pages, two fifths of the file's CPU): the spans bound every page of that query at the log's start, and its
    // pages of 100 and 10,000 are checked as the others'.
    for (const limit of want.length < 10_000 ? [7, 100, 10_000] : [100, 10_000]) assert.deepEqual(await paged(f, limit), want, `${JSON.stringify(f)} limit ${limit}`);
  }
  // The late and early records are where their time puts them.
  assert.ok(brute({ since: iso(T0 + 10_000_000) }).includes(5_001));
  assert.ok(brute({ until: iso(T0 + 50_000) }).includes(OLD + 151));
});

test('a since-only query reads about the records it returns, not the log', async (t) => {
  // The statement the store runs, with the parameters it binds (the spans' bound among them), on a connection of its
  // own, counting the rows of audit_log it reads.
  const since = iso(T0 + 10_000_000 + 1000);
  const { answer, rows, visited } = await lastStatementRowsRead(
    join(dir, 'gatehouse.db'),
    (sql) => sql.includes('a.at >= ?'),
    () => store.read((tx) => tx.audit.list({ since }, 0, 100)),
  );
  assert.equal(answer.length, 100);
  assert.equal(rows.length, 100);
  t.diagnostic(`rows read: ${visited}`);
  assert.ok(visited < 5_000, `the since-only query read ${visited} rows of a ${all.length}-record log to return 100`);
});
