/**
 * Review cn, 5: a GATEHOUSE_DATABASE_URL that carries an `options` parameter — CockroachDB Cloud's routing
 * (`?options=--cluster%3D<routing-id>`), Neon's endpoint for clients without SNI (`?options=endpoint%3D<id>`), an
 * operator's own `-c` settings — no longer drops the store's own session settings. node-postgres lets the URL's
 * parameters override the pool's configuration, so the store's `-c search_path=<GATEHOUSE_DATABASE_SCHEMA>` and its
 * `idle_in_transaction_session_timeout` were silently dropped: the migrations created every table in `public` instead of
 * the schema asked for (two deployments told apart by their schemas then shared one directory, one key ring and one
 * audit log), and a writer frozen mid-write held every instance's writes for as long as the database kept its dead
 * connection. Now the URL's options are kept and the store's are added to them, the schema last.
 *
 * The store on a database of the test's own on the test PostgreSQL (dropped after), through a URL with `options`.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();
const database = `cn5_${randomBytes(6).toString('hex')}`;
after(async () => {
  await pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)).catch(() => undefined);
});

/** Runs `sql` on a connection of its own to the test's database. */
async function inDatabase<T>(sql: string): Promise<T[]> {
  const url = new URL(PG_URL);
  url.pathname = `/${database}`;
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('a database URL with an `options` parameter (review cn, 5)', { skip, timeout: 60_000 }, () => {
  it('keeps the schema of the store, and the options of the URL', async () => {
    await pgAdmin((c) => c.query(`CREATE DATABASE ${database}`));
    const url = new URL(PG_URL);
    url.pathname = `/${database}`;
    url.searchParams.set('options', '-c application_name=cn5-probe');
    const store = await openPostgresStore({ url: url.toString(), schema: 'tenant_a', poolSize: 1 });
    try {
      await store.read((tx) => tx.changes.head());
      const tables = await inDatabase<{ table_schema: string }>(`SELECT table_schema FROM information_schema.tables WHERE table_name = 'change_head'`);
      assert.deepEqual(tables.map((r) => r.table_schema), ['tenant_a'], 'the tables are in the schema asked for, not in public');
      // The pool keeps its connection: the URL's own option is in force on it.
      const probes = await inDatabase<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'cn5-probe'`);
      assert.equal(probes[0]?.n, 1, "the URL's own option is in force too");
    } finally {
      await store.close();
    }
  });
});
