/**
 * Review ar, 1: every listing of a key prefix of the store's key/value table (`tx.kv.list`) compared the prefix with
 * `substr(kv_key, 1, n) = ?`, which no index answers: each read the whole table, on SQLite and on PostgreSQL. Jobs live
 * there (a document, a capability, a live entry and every event of every job), so with 20,000 jobs listing the 3
 * workspaces of an account took 3.4 ms on SQLite and 9 ms on PostgreSQL, and appending a job's event (which lists the
 * job's events to number itself) as much, whatever the job held (docs/benchmarks.md, "Training jobs at scale"). Now a
 * prefix is a range of the primary key, `prefix ≤ key < successor`, and a listing may be read a part at a time
 * (`after`, `limit`, `descending`).
 * - each statement `kv.list` sends is answered from a range of the key's index: SQLite's plan SEARCHes it, and
 *   PostgreSQL's (with `enable_seqscan` off) is an index scan with an Index Cond on the key, not a read of every row;
 * - both stores list exactly the keys with the prefix, neighbours in byte order left out, and the parts asked.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { applyMigrations, createTx, type SqlExecutor, type SqlValue } from '../src/adapters/store-sql/index.ts';
import { SQLITE_MIGRATIONS } from '../src/adapters/store-sqlite/index.ts';
import { POSTGRES_MIGRATIONS } from '../src/adapters/store-postgres/index.ts';
import type { KvPage, WriteTx } from '../src/app/ports/store.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const now = () => new Date('2026-01-01T00:00:00Z');
const KEYS = ['a', 'a.', 'a/', 'a/1', 'a/2', 'a/3', 'a/3/x', 'a0', 'ab', 'b/1', 'é/1', 'é0', 'éa'];
/** The listings asked, and what each must answer. */
const ASKED: { prefix: string; page?: KvPage; want: string[] }[] = [
  { prefix: 'a/', want: ['a/', 'a/1', 'a/2', 'a/3', 'a/3/x'] },
  { prefix: 'a/3', want: ['a/3', 'a/3/x'] },
  { prefix: 'a', want: ['a', 'a.', 'a/', 'a/1', 'a/2', 'a/3', 'a/3/x', 'a0', 'ab'] },
  { prefix: 'é', want: ['é/1', 'é0', 'éa'] },
  { prefix: 'zz', want: [] },
  { prefix: '', want: KEYS },
  { prefix: 'a/', page: { after: 'a/1', limit: 2 }, want: ['a/2', 'a/3'] },
  { prefix: 'a/', page: { descending: true, limit: 1 }, want: ['a/3/x'] },
  { prefix: 'a/', page: { descending: true, after: 'a/3', limit: 5 }, want: ['a/2', 'a/1', 'a/'] },
];

/** An executor that keeps every statement sent, with its parameters. */
function recording(db: SqlExecutor): { db: SqlExecutor; sent: { sql: string; params: readonly SqlValue[] }[] } {
  const sent: { sql: string; params: readonly SqlValue[] }[] = [];
  return {
    sent,
    db: {
      all: (sql, params = []) => (sent.push({ sql, params }), db.all(sql, params)),
      run: (sql, params = []) => (sent.push({ sql, params }), db.run(sql, params)),
    },
  };
}

async function listingsAnswer(tx: WriteTx): Promise<void> {
  for (const k of KEYS) await tx.kv.put(k, `v:${k}`);
  for (const a of ASKED) {
    const got = await tx.kv.list(a.prefix, a.page);
    assert.deepEqual(got.map((e) => e.key), a.want, `list(${JSON.stringify(a.prefix)}, ${JSON.stringify(a.page ?? {})})`);
    for (const e of got) assert.equal(e.value, `v:${e.key}`);
  }
}

describe('review ar1: kv listings read a range of the key index', () => {
  it('SQLite: the right keys, and every listing SEARCHes the index', async () => {
    const file = new DatabaseSync(':memory:');
    const exec: SqlExecutor = {
      all: async (sql, params = []) => file.prepare(sql).all(...(params as SqlValue[])) as Record<string, unknown>[],
      run: async (sql, params = []) => Number(file.prepare(sql).run(...(params as SqlValue[])).changes),
    };
    await applyMigrations(exec, SQLITE_MIGRATIONS, now);
    const r = recording(exec);
    await listingsAnswer(createTx(r.db, { readOnly: false, now }));
    const listings = r.sent.filter((s) => /^SELECT kv_key, kv_value FROM kv WHERE/.test(s.sql));
    assert.ok(listings.length >= ASKED.length - 1, `${listings.length} listings sent`);
    for (const s of listings) {
      const plan = (file.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).all(...(s.params as SqlValue[])) as { detail: string }[]).map((p) => p.detail).join('; ');
      assert.match(plan, /SEARCH kv USING (?:INDEX|PRIMARY KEY)/, `${s.sql} → ${plan}`);
      assert.doesNotMatch(plan, /SCAN kv/, `${s.sql} → ${plan}`);
    }
    file.close();
  });

  describe('PostgreSQL', () => {
    const schema = `gh_review_ar1_${process.pid}`;
    let client: pg.Client | undefined;
    let skip: string | undefined;
    before(async () => {
      skip = await pgSkip();
      if (skip !== undefined) return;
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
      client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
      await client.connect();
      await client.query(`CREATE SCHEMA ${schema}`);
    });
    after(async () => {
      await client?.end().catch(() => undefined);
      if (skip === undefined) await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    });
    const numbered = (sql: string): string => {
      let n = 0;
      return sql.replace(/\?/g, () => `$${++n}`);
    };

    it('the right keys, and no listing scans kv', async (t) => {
      if (skip !== undefined) return void t.skip(skip);
      const c = client as pg.Client;
      const exec: SqlExecutor = {
        all: async (sql, params = []) => (await c.query(numbered(sql), params as SqlValue[])).rows as Record<string, unknown>[],
        run: async (sql, params = []) => (await c.query(numbered(sql), params as SqlValue[])).rowCount ?? 0,
      };
      await applyMigrations(exec, POSTGRES_MIGRATIONS, now);
      const r = recording(exec);
      await c.query('BEGIN');
      try {
        await listingsAnswer(createTx(r.db, { readOnly: false, now }));
        await c.query('SET LOCAL enable_seqscan = off');
        const listings = r.sent.filter((s) => /^SELECT kv_key, kv_value FROM kv WHERE/.test(s.sql));
        assert.ok(listings.length >= ASKED.length - 1, `${listings.length} listings sent`);
        for (const s of listings) {
          const plan = (await c.query(`EXPLAIN ${numbered(s.sql)}`, s.params as SqlValue[])).rows.map((p: Record<string, string>) => p['QUERY PLAN']).join('; ');
          assert.doesNotMatch(plan, /Seq Scan on kv/, `${s.sql} → ${plan}`);
          assert.match(plan, /Index Cond: .*kv_key/, `${s.sql} → ${plan}`);
        }
        // What the test tells apart: a prefix compared with substr reads all of kv, by a sequential scan or the whole index.
        const old = (await c.query('EXPLAIN SELECT kv_key, kv_value FROM kv WHERE substr(kv_key, 1, $1) = $2 ORDER BY kv_key', [2, 'a/'])).rows.map((p: Record<string, string>) => p['QUERY PLAN']).join('; ');
        assert.doesNotMatch(old, /Index Cond/, old);
      } finally {
        await c.query('ROLLBACK');
      }
    });
  });
});
