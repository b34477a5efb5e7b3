/**
 * Review ef1: every audit query by principal, role, job or account read the whole log on SQLite, on the deciding
 * thread. The statement reads the records the filter lookup covers through the lookup, then scans the records past
 * its filled mark (`tail`): `a.seq > ? AND a.seq > (the mark)`, two lower bounds of which SQLite ranged the rowid on
 * the first, the cursor, and tested the second on every row. From the start of the log (the first page of any such
 * query) that was every record: 50.7 ms a page on a 300,000-record log (bench/audit-time-range.ts), 0.6 ms once the
 * tail starts at one bound, the greater of the two. Asserted by the work, not the time: the statement the store ran is
 * run again on a second connection with audit_log shadowed by a TEMP view that counts the rows it yields; it must read
 * about the records past the mark and those it returns, not the log. And its pages, past and across the mark, must
 * be what a brute-force filter of the whole log gives.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, type SqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { AUDIT_LOOKUP_EVERY } from '../src/adapters/store-sql/index.ts';
import { appendedLog, lastStatementRowsRead, pagedSeqs } from './support/sqlite-rows-read.ts';
import type { AuditFilter, AuditRecord, TimedEvent } from '../src/core/audit/index.ts';

const ACCT = '000000000000';
const OTHER = '111111111111';
/** Five fills of the lookup, and 1,000 records past its mark. */
const COUNT = 5 * AUDIT_LOOKUP_EVERY + 1000;
const T0 = Date.parse('2026-06-01T00:00:00Z');
const dir = mkdtempSync(join(tmpdir(), 'gh-review-ef1-'));
let store: SqliteStore;
let all: AuditRecord[] = [];

function event(i: number): TimedEvent {
  const role = i % 5 === 0 ? `arn:aws:iam::${ACCT}:role/r${i % 3}` : undefined;
  return {
    at: T0 + i * 1000,
    event: {
      kind: 'decision',
      account: i % 11 === 0 ? OTHER : ACCT,
      principal: `arn:aws:iam::${ACCT}:user/u${i % 7}`,
      action: 's3:GetObject',
      resource: `arn:aws:s3:::b/k${i}`,
      decision: i % 3 === 0 ? 'ImplicitDeny' : 'Allow',
      ...(role !== undefined ? { role, session: `${role.replace(':iam:', ':sts:').replace(':role/', ':assumed-role/')}/s` } : {}),
      ...(i % 13 === 0 ? { job: `job-${i % 4}` } : {}),
    },
    detailText: '{}',
  };
}

before(async () => {
  store = await openSqliteStore({ file: join(dir, 'gatehouse.db') });
  all = await appendedLog(
    store,
    Array.from({ length: COUNT }, (_, i) => event(i)),
  );
  assert.equal(all.length, COUNT);
});
after(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

function brute(f: AuditFilter): number[] {
  return all
    .filter(
      (r) =>
        (f.principal === undefined || r.principal === f.principal) &&
        (f.account === undefined || r.account === f.account) &&
        (f.role === undefined || r.role === f.role) &&
        (f.job === undefined || r.job === f.job) &&
        (f.since === undefined || r.at >= f.since),
    )
    .map((r) => r.seq);
}
const paged = (f: AuditFilter, limit: number): Promise<number[]> => pagedSeqs(store, f, limit);

const FILTERS: AuditFilter[] = [
  { principal: `arn:aws:iam::${ACCT}:user/u3` },
  { account: OTHER },
  { role: `arn:aws:iam::${ACCT}:role/r1` },
  { job: 'job-2' },
  { principal: `arn:aws:iam::${ACCT}:user/u5`, since: new Date(T0 + (COUNT - 1500) * 1000).toISOString() },
];

test('queries by principal, account, role and job return what a brute-force filter does, across the lookup mark', async () => {
  const filled = Math.floor(COUNT / AUDIT_LOOKUP_EVERY) * AUDIT_LOOKUP_EVERY;
  for (const f of FILTERS) {
    const want = brute(f);
    assert.ok(want.some((s) => s > filled), `${JSON.stringify(f)} has records past the lookup's mark`);
    for (const limit of [9, 500, 10_000]) assert.deepEqual(await paged(f, limit), want, `${JSON.stringify(f)} limit ${limit}`);
  }
});

test("a principal's first page reads the records past the lookup's mark and the page, not the log", async (t) => {
  const { answer: rows, rows: again, visited } = await lastStatementRowsRead(
    join(dir, 'gatehouse.db'),
    (sql) => sql.includes('FROM audit_lookup l'),
    () => store.read((tx) => tx.audit.list({ principal: `arn:aws:iam::${ACCT}:user/u3` }, 0, 100)),
  );
  assert.equal(rows.length, 100);
  assert.deepEqual(
    again.map((r) => r['seq']),
    rows.map((r) => r.seq),
  );
  t.diagnostic(`rows read: ${visited} of ${COUNT}`);
  // Past the mark: under 1,000 + one fill; the page: 100 through the lookup.
  assert.ok(visited < AUDIT_LOOKUP_EVERY + 1000 + 200, `a principal's first page read ${visited} rows of a ${COUNT}-record log`);
});
