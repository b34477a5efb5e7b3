/**
 * Review ef4: retention's pruning read the whole audit log and its whole lookup at every part. Pruning goes in parts
 * of PRUNE_CHUNK records, each its own write transaction (on SQLite, on the deciding thread), and each part
 * - found its checkpoint with `MIN(seq) WHERE at >= before`, which SQLite (no statistics) answered from the `at`
 *   index, reading every record kept, and PostgreSQL from the primary key, reading every record still to prune;
 * - deleted the lookup's entries with `WHERE seq <= checkpoint`, which neither can answer from the lookup's primary
 *   key (lookup, seq): the whole lookup, four entries a record.
 * A part of 10,000 records cost 115 ms on a 300,000-record log and 360 ms on 1,200,000 (bench/audit-time-range.ts),
 * growing with the log: seconds a part on a log of millions, the write lock held. Now a part looks only at its own
 * records, and deletes each key's entries of the records that go. Asserted by the work: on SQLite the statements'
 * plans (no `at` index, no scan of the lookup); on PostgreSQL the rows its statistics count; on both, the pruned
 * log's lookup and spans check clean and queries by principal still find exactly the records kept.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync, StatementSync } from 'node:sqlite';
import pg from 'pg';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { AUDIT_LOOKUP_EVERY } from '../src/adapters/store-sql/index.ts';
import type { Store } from '../src/app/ports/store.ts';
import { auditFillSql, filledOf, PG_AT, SQLITE_AT } from './support/audit-fill.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

/** Records, a second apart; the lookup filled to the last multiple of AUDIT_LOOKUP_EVERY. */
const N = 12 * AUDIT_LOOKUP_EVERY + 123;
const FILLED = filledOf(N);
const PART = 5000;
const T0 = Date.parse('2026-06-01T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();
/** Older than `before`: the first 30,000 records. */
const BEFORE = iso(T0 + 30_001 * 1000);

/** Prunes the rest to BEFORE in parts of PART, as retention does (its first part was looked at); then checks what is left. */
async function pruneAndCheck(store: Store, lookupLeft: () => Promise<number>): Promise<void> {
  let parts = 0;
  for (;;) {
    const r = await store.write((tx) => tx.audit.prune(BEFORE, PART));
    if (r.pruned === 0) break;
    parts++;
    assert.ok(parts < 20);
  }
  const head = await store.read((tx) => tx.audit.head());
  assert.equal(head.baseSeq, 30_000);
  assert.equal(parts, 30_000 / PART - 1);
  assert.equal(await lookupLeft(), 0, 'no lookup entry of a pruned record is left');
  assert.deepEqual(await store.read((tx) => tx.audit.lookupCheck()), { filled: FILLED, missing: 0, extra: 0 });
  const spans = await store.read((tx) => tx.audit.spanCheck());
  assert.equal(spans.bad, 0);
  assert.equal(spans.last, FILLED);
  const u3: number[] = [];
  for (let a = 0; ; ) {
    const page = await store.read((tx) => tx.audit.list({ principal: 'arn:aws:iam::000000000000:user/u3' }, a, 1000));
    u3.push(...page.map((r) => r.seq));
    if (page.length < 1000) break;
    a = page.at(-1)!.seq;
  }
  const want: number[] = [];
  for (let s = 30_001; s <= N; s++) if (s % 7 === 3) want.push(s);
  assert.deepEqual(u3, want);
}

describe('review ef4: a retention part reads its own records, not the log', () => {
  it('sqlite: no part reads the `at` index or scans the lookup', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-review-ef4-'));
    try {
      const file = join(dir, 'gatehouse.db');
      (await openSqliteStore({ file })).close();
      const db = new DatabaseSync(file);
      db.exec('BEGIN');
      for (const sql of auditFillSql(N, SQLITE_AT, 'gen')) db.exec(`WITH RECURSIVE gen(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM gen WHERE g < ${N}) ${sql}`);
      db.exec('COMMIT');
      db.close();
      const store = await openSqliteStore({ file });
      const plans: string[] = [];
      const run = StatementSync.prototype.run;
      const get = StatementSync.prototype.get;
      const all = StatementSync.prototype.all;
      let explaining = false;
      const explain = (st: StatementSync, params: unknown[]) => {
        if (explaining || !/^DELETE FROM audit_lookup|FROM audit_log WHERE .*>= \?/.test(st.sourceSQL)) return;
        explaining = true;
        const db2 = new DatabaseSync(file, { readOnly: true });
        try {
          let plan: { detail: string }[];
          try {
            plan = db2.prepare(`EXPLAIN QUERY PLAN ${st.sourceSQL}`).all(...(params as (string | number)[])) as { detail: string }[];
          } catch (e) {
            throw new Error(`EXPLAIN of ${st.sourceSQL}: ${(e as Error).message}`);
          }
          plans.push(`${st.sourceSQL.slice(0, 60)} => ${plan.map((p) => p.detail).join('; ')}`);
        } finally {
          db2.close();
          explaining = false;
        }
      };
      StatementSync.prototype.run = function (this: StatementSync, ...p: unknown[]) {
        explain(this, p);
        return (run as (...a: unknown[]) => ReturnType<StatementSync['run']>).apply(this, p);
      };
      StatementSync.prototype.get = function (this: StatementSync, ...p: unknown[]) {
        explain(this, p);
        return (get as (...a: unknown[]) => ReturnType<StatementSync['get']>).apply(this, p);
      };
      StatementSync.prototype.all = function (this: StatementSync, ...p: unknown[]) {
        explain(this, p);
        return (all as (...a: unknown[]) => ReturnType<StatementSync['all']>).apply(this, p);
      };
      try {
        await store.write((tx) => tx.audit.prune(BEFORE, PART));
      } finally {
        StatementSync.prototype.run = run;
        StatementSync.prototype.get = get;
        StatementSync.prototype.all = all;
      }
      assert.ok(plans.length >= 2, plans.join('\n'));
      for (const p of plans) {
        assert.doesNotMatch(p, /audit_log_at/, `a part's statement read the \`at\` index: ${p}`);
        assert.doesNotMatch(p, /SCAN audit_lookup/, `a part's statement scanned the lookup: ${p}`);
      }
      await pruneAndCheck(store, async () => {
        const c = new DatabaseSync(file, { readOnly: true });
        try {
          return Number((c.prepare('SELECT COUNT(*) AS n FROM audit_lookup WHERE seq <= 30000').get() as { n: number }).n);
        } finally {
          c.close();
        }
      });
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('postgres: a part reads about its own records and the lookup entries it deletes', { timeout: 120_000 }, async (t) => {
    const why = await pgSkip();
    if (why !== undefined) return void t.skip(why);
    const schema = `gh_review_ef4_${randomBytes(5).toString('hex')}`;
    const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 1 });
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      await c.query(`SET search_path TO ${schema}`);
      for (const sql of auditFillSql(N, PG_AT, `generate_series(1, ${N}) g`)) await c.query(sql);
      await c.query('ANALYZE');
      /** Rows read so far from the log and the lookup, by a scan of the table or through an index. */
      const readSoFar = async (): Promise<Map<string, number>> => {
        await c.query('SELECT pg_stat_force_next_flush()');
        const r = await c.query(`SELECT relname, COALESCE(seq_tup_read, 0) + COALESCE(idx_tup_fetch, 0) AS n FROM pg_stat_user_tables WHERE schemaname = $1`, [schema]);
        return new Map(r.rows.map((x) => [String(x.relname), Number(x.n)]));
      };
      const before = await readSoFar();
      await store.write((tx) => tx.audit.prune(BEFORE, PART));
      let read = new Map<string, number>();
      for (let i = 0; ; i++) {
        const now = await readSoFar();
        read = new Map([...now].map(([k, v]) => [k, v - (before.get(k) ?? 0)]));
        if ((read.get('audit_log') ?? 0) > 0) break;
        assert.ok(i < 50, "the store backend's statistics were flushed");
        await store.read((tx) => tx.audit.head());
        await new Promise((r) => setTimeout(r, 100));
      }
      t.diagnostic(`rows read by a part of ${PART}: audit_log ${read.get('audit_log')}, audit_lookup ${read.get('audit_lookup')} (log of ${N}, lookup of ${2 * FILLED})`);
      // Before: audit_lookup read whole (98,304 entries).
      assert.ok((read.get('audit_lookup') ?? 0) <= 3 * PART, `the part read ${read.get('audit_lookup')} lookup entries to delete ${2 * PART}`);
      // The part's records, a few times over (its first newer record, its keys: once for each of the five kinds since
      // review eh1, the delete): not the log's.
      assert.ok((read.get('audit_log') ?? 0) <= 8 * PART, `the part read ${read.get('audit_log')} records to prune ${PART}`);
      await pruneAndCheck(store, async () => Number((await c.query('SELECT COUNT(*) AS n FROM audit_lookup WHERE seq <= 30000')).rows[0].n));
    } finally {
      await c.end();
      await store.close();
      await pgAdmin((a) => a.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});
