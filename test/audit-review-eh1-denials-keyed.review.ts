/**
 * Review eh1: `audit query --decision ExplicitDeny` (or `AccessDenied`, or any denial) with no principal, role, job or
 * account had no key in the filter lookup, so each page read up to AUDIT_SCAN_WINDOW records of the log, nearly all of
 * them allows, and an auditor following `next` read the whole log so: the query an auditor asks first, about the
 * records that are fewest. Denials, refusals, errors and job states now have `d:` keys (migration 9); allows and
 * changes made (`Allow`, `ok`) have none. Asserted by the work, as ef1 is: the statement the store ran is run again
 * with `audit_log` counting the rows it yields. Its pages must be what a brute-force filter of the whole log gives, and
 * a log written before version 9 gets the keys of the records its lookup covers when it migrates.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStore, type SqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { AUDIT_LOOKUP_EVERY, UNKEYED_DECISIONS } from '../src/adapters/store-sql/index.ts';
import { appendedLog, pagedSeqs, statementsRowsRead, walkPages } from './support/sqlite-rows-read.ts';
import type { AuditFilter, AuditRecord, TimedEvent } from '../src/core/audit/index.ts';

const ACCT = '000000000000';
const OTHER = '111111111111';
/** Eight fills of the lookup, and 700 records past its mark. */
const COUNT = 8 * AUDIT_LOOKUP_EVERY + 700;
const T0 = Date.parse('2026-06-01T00:00:00Z');
const dir = mkdtempSync(join(tmpdir(), 'gh-review-eh1-'));
const file = join(dir, 'gatehouse.db');
let store: SqliteStore;
let all: AuditRecord[] = [];

/** Allows, with a denial one record in 97, a refused change one in 389 and a job state one in 1,001. */
function event(i: number): TimedEvent {
  const kind = i % 389 === 5 ? 'change' : i % 1001 === 7 ? 'job' : 'decision';
  const decision = kind === 'change' ? (i % 2 === 0 ? 'ACCESS_DENIED' : 'ok') : kind === 'job' ? 'Succeeded' : i % 97 === 0 ? (i % 3 === 0 ? 'ExplicitDeny' : 'ImplicitDeny') : 'Allow';
  return {
    at: T0 + i * 1000,
    event: { kind, account: i % 11 === 0 ? OTHER : ACCT, principal: `arn:aws:iam::${ACCT}:user/u${i % 7}`, action: 's3:GetObject', resource: `arn:aws:s3:::b/k${i}`, decision },
    detailText: '{}',
  };
}

before(async () => {
  store = await openSqliteStore({ file });
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

const decisionsOf = (f: AuditFilter): readonly string[] | undefined => (f.decision === undefined ? undefined : typeof f.decision === 'string' ? [f.decision] : f.decision);
const brute = (f: AuditFilter): number[] =>
  all
    .filter(
      (r) =>
        (decisionsOf(f)?.includes(r.decision ?? '') ?? true) &&
        (f.account === undefined || r.account === f.account) &&
        (f.kind === undefined || r.kind === f.kind) &&
        (f.principal === undefined || r.principal === f.principal) &&
        (f.since === undefined || r.at >= f.since) &&
        (f.until === undefined || r.at < f.until),
    )
    .map((r) => r.seq);

const paged = (f: AuditFilter, limit: number): Promise<number[]> => pagedSeqs(store, f, limit);

const REFUSALS = ['ACCESS_DENIED', 'Deny', 'ExplicitDeny', 'ImplicitDeny'];
const FILTERS: AuditFilter[] = [
  { decision: 'ExplicitDeny' },
  { decision: 'ImplicitDeny', account: OTHER },
  { decision: REFUSALS },
  { decision: 'ACCESS_DENIED', kind: 'change' },
  { decision: 'Succeeded' },
  { decision: 'Allow', account: OTHER },
  { decision: ['ok', 'ACCESS_DENIED'] },
];

test('queries by decision return what a brute-force filter does, across the lookup mark, keyed or not', async () => {
  const filled = Math.floor(COUNT / AUDIT_LOOKUP_EVERY) * AUDIT_LOOKUP_EVERY;
  for (const f of FILTERS) {
    const want = brute(f);
    assert.ok(want.length > 0 && want.some((s) => s > filled), `${JSON.stringify(f)} has records past the lookup's mark`);
    for (const limit of [7, 100, 10_000]) assert.deepEqual(await paged(f, limit), want, `${JSON.stringify(f)} limit ${limit}`);
  }
  // The lookup holds a `d:` key for every record whose decision is keyed, and for no other.
  const check = await store.read((tx) => tx.audit.lookupCheck());
  assert.deepEqual({ missing: check.missing, extra: check.extra }, { missing: 0, extra: 0 });
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const keyed = Number((db.prepare("SELECT COUNT(*) AS n FROM audit_lookup WHERE lookup LIKE 'd:%'").get() as { n: number }).n);
    assert.equal(keyed, all.filter((r) => r.seq <= check.filled && !UNKEYED_DECISIONS.includes(r.decision ?? 'ok')).length);
  } finally {
    db.close();
  }
});

/** The rows of `audit_log` the statements of a page of `filter` read, each run again on its own connection. */
async function rowsRead(filter: AuditFilter, limit: number): Promise<{ returned: number; visited: number }> {
  const { answer, rows, visited } = await statementsRowsRead(
    file,
    (sql) => sql.includes('audit_log a'),
    () => store.read((tx) => tx.audit.page(filter, 0, limit, 50_000)),
  );
  assert.deepEqual(
    rows.map((r) => r['seq']),
    answer.records.map((r) => r.seq),
  );
  return { returned: answer.records.length, visited };
}

test("a denial's first page reads the denials and the records past the lookup's mark, not the window of allows", async (t) => {
  for (const f of [{ decision: 'ExplicitDeny' }, { decision: REFUSALS }] as AuditFilter[]) {
    const { returned, visited } = await rowsRead(f, 1000);
    t.diagnostic(`${JSON.stringify(f)}: ${returned} records, rows read: ${visited} of ${COUNT}`);
    assert.equal(returned, brute(f).length);
    // Past the mark: under one fill; the page: the records it returns, through the lookup.
    assert.ok(visited < AUDIT_LOOKUP_EVERY + returned + 100, `${JSON.stringify(f)} read ${visited} rows of a ${COUNT}-record log for ${returned} records`);
  }
});

test('a log written before version 9 gets the keys of its denials when it migrates, and finds them', async () => {
  const want = brute({ decision: REFUSALS });
  // As an older build left it: no `d:` keys, version 8 the last applied.
  await store.close();
  const db = new DatabaseSync(file);
  try {
    db.exec("DELETE FROM audit_lookup WHERE lookup LIKE 'd:%'");
    db.exec('DELETE FROM schema_migrations WHERE version = 9');
  } finally {
    db.close();
  }
  store = await openSqliteStore({ file });
  assert.deepEqual(store.migrations.applied, [9]);
  const check = await store.read((tx) => tx.audit.lookupCheck());
  assert.deepEqual({ missing: check.missing, extra: check.extra }, { missing: 0, extra: 0 });
  assert.deepEqual(await paged({ decision: REFUSALS }, 100), want);
});

/**
 * Review eh5: a page by one key of the lookup looked at a window of 50,000 seqs, so the few records of a principal, a
 * job or a denial on a log of tens of millions took hundreds of pages, most of them empty. The window of such a page
 * counts the key's entries now. Every page, followed as the API's `next` is (the last record of a full page, else
 * `through`), must give what a brute-force filter gives, whatever the window and the page's size.
 */
const walk = (f: AuditFilter, limit: number, window: number) => walkPages(store, f, limit, window);

test('a page by one key looks at a window of its entries: following `through` gives what a brute-force filter does', async () => {
  const u3 = `arn:aws:iam::${ACCT}:user/u3`;
  const filters: AuditFilter[] = [
    { decision: 'ExplicitDeny' },
    { principal: u3 },
    { principal: u3, decision: 'ImplicitDeny' },
    { account: OTHER, decision: 'ImplicitDeny' },
    { decision: 'ExplicitDeny', since: new Date(T0 + 20_000 * 1000).toISOString() },
    { decision: 'ExplicitDeny', until: new Date(T0 + 20_000 * 1000).toISOString() },
    { decision: 'ExplicitDeny', since: new Date(T0 + (COUNT - 300) * 1000).toISOString() },
  ];
  for (const f of filters) {
    const want = brute(f);
    assert.ok(want.length > 0, JSON.stringify(f));
    for (const [limit, window] of [
      [7, 10],
      [100, 10],
      [7, 1000],
      [1000, 1000],
      [100, 50_000],
    ] as const) {
      assert.deepEqual((await walk(f, limit, window)).seqs, want, `${JSON.stringify(f)} limit ${limit} window ${window}`);
    }
  }
});

test("a key's few records take one page whatever the log's length (a window of seqs took one a window)", async () => {
  const denials = brute({ decision: 'ExplicitDeny' });
  assert.ok(denials.length < 1000 && COUNT > 30 * 1000);
  const { seqs, pages } = await walk({ decision: 'ExplicitDeny' }, 1000, 1000);
  assert.deepEqual(seqs, denials);
  assert.equal(pages, 1);
  // Several keys still count seqs (each key's part is read in its own order): the same records, a page a window.
  const several = await walk({ decision: ['ExplicitDeny', 'Succeeded'] }, 1000, 1000);
  assert.deepEqual(several.seqs, brute({ decision: ['ExplicitDeny', 'Succeeded'] }));
  assert.ok(several.pages >= Math.floor(COUNT / 1000), `${several.pages} pages`);
});
