/**
 * Review ef3: on PostgreSQL, every fill of the audit log's time index read the whole log. An append whose batch crosses
 * a multiple of AUDIT_LOOKUP_EVERY fills the filter lookup and adds a span (`audit_span`: the least `at` of its records
 * and the running greatest), in the append's transaction, with the chain's head row locked. PostgreSQL answered the
 * span's MIN(at) over its seq range from the `at` index, reading from the log's oldest time until a record of the
 * range: every record before it. On a 300,000-record log, 295,904 rows and 95 ms a fill, growing with the log, every
 * 4,096 records, while every instance's writer waited on the head. Now the range is read by the primary key.
 * Asserted by the work, not the time: the `at` index's tuples read (pg_stat_user_indexes, flushed by
 * pg_stat_force_next_flush) while one append fills the lookup at the end of a 60,000-record log.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { AUDIT_LOOKUP_EVERY } from '../src/adapters/store-sql/index.ts';
import { storeAppender } from '../src/app/audit-store-appender.ts';
import type { TimedEvent } from '../src/core/audit/index.ts';
import { auditFillSql, filledOf, PG_AT } from './support/audit-fill.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

/** A multiple of AUDIT_LOOKUP_EVERY, less 50: the log's records, bulk-inserted, the lookup filled to the one before. */
const N = 15 * AUDIT_LOOKUP_EVERY - 50;
const T0 = Date.parse('2026-06-01T00:00:00Z');

describe('review ef3: the time index fill reads its range, not the log (PostgreSQL)', () => {
  it('reads no more of the `at` index than the batch it fills', { timeout: 120_000 }, async (t) => {
    const why = await pgSkip();
    if (why !== undefined) return void t.skip(why);
    const schema = `gh_review_ef3_${randomBytes(5).toString('hex')}`;
    const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 2 });
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      await c.query(`SET search_path TO ${schema}`);
      const filled = filledOf(N);
      for (const sql of auditFillSql(N, PG_AT, `generate_series(1, ${N}) g`)) await c.query(sql);
      await c.query('ANALYZE audit_log');

      /** Index tuples read so far, by index: the store's backend's statistics, flushed by it within about a second. */
      const indexRead = async (): Promise<Map<string, number>> => {
        await c.query('SELECT pg_stat_force_next_flush()');
        const r = await c.query(`SELECT indexrelname, idx_tup_read FROM pg_stat_user_indexes WHERE schemaname = $1 AND relname = 'audit_log'`, [schema]);
        return new Map(r.rows.map((x) => [String(x.indexrelname), Number(x.idx_tup_read)]));
      };
      const events: TimedEvent[] = Array.from({ length: 100 }, (_, i) => ({
        at: T0 + (N + 1 + i) * 1000,
        event: { kind: 'decision', account: '000000000000', principal: 'arn:aws:iam::000000000000:user/u1', action: 's3:GetObject', resource: `arn:aws:s3:::b/n${i}`, decision: 'Allow' },
        detailText: '{}',
      }));
      const before = await indexRead();
      await storeAppender(store).append(events);
      // The fill reads its range by the primary key (the lookup's keys) whatever else it reads: once that shows, the
      // same flush has shown the `at` index's reads too.
      let read = 0;
      for (let i = 0; ; i++) {
        const now = await indexRead();
        const by = (name: string) => (now.get(name) ?? 0) - (before.get(name) ?? 0);
        if (by('audit_log_pkey') > 0) {
          read = by('audit_log_at');
          break;
        }
        assert.ok(i < 50, 'the store backend\'s index statistics were flushed');
        await store.read((tx) => tx.audit.head());
        await new Promise((r) => setTimeout(r, 100));
      }
      const spans = (await c.query('SELECT seq, min_at, max_at FROM audit_span ORDER BY seq')).rows;
      assert.equal(spans.length, filled / AUDIT_LOOKUP_EVERY + 1, 'the append filled a span');
      assert.equal(Number(spans.at(-1).seq), N + 100);
      assert.equal(spans.at(-1).min_at, new Date(T0 + (filled + 1) * 1000).toISOString());
      t.diagnostic(`rows of the at index read by the fill: ${read} (log of ${N + 100})`);
      // Before: every record older than the range, about 61,000.
      assert.ok(read < 1000, `the span fill read ${read} entries of the \`at\` index on a ${N + 100}-record log`);
      const check = await store.read((tx) => tx.audit.spanCheck());
      assert.equal(check.bad, 0);
    } finally {
      await c.end();
      await store.close();
      await pgAdmin((a) => a.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});
