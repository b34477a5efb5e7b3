/**
 * Review M6: a statement the database cancels (an operator's pg_cancel_backend, a `statement_timeout` or
 * `lock_timeout` set on the role or database) is an outage of the store, answered 503 and retried by clients, not
 * an internal error. Before, the store passed SQLSTATE 57014 (query_canceled) through as a plain error: the write
 * answered 500 InternalFailure, where a writer queued behind the change-head lock had simply been cancelled.
 *
 * The machine's PostgreSQL, a throw-away schema: an outside session holds the change-head row lock, the store's
 * write queues behind it and is cancelled with pg_cancel_backend.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { isStoreUnavailable } from '../src/app/ports/store.ts';
import { PG_URL, pgSkip } from './support/postgres.ts';


const skip = await pgSkip();

describe('a store statement cancelled by the database (review M6)', { skip, timeout: 60_000 }, () => {
  it('fails the write as unavailable (503)', async () => {
    const schema = `gh_m6_${randomBytes(6).toString('hex')}`;
    const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 2 });
    const holder = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT seq FROM change_head WHERE id = 1 FOR UPDATE');
      const write = store.write((tx) => tx.kv.put('m6/cancelled', 'v')).then(
        () => 'committed',
        (e: unknown) => (isStoreUnavailable(e) ? 'unavailable' : `other: ${e instanceof Error ? e.message : String(e)}`),
      );
      // The store's write waits for the lock: cancel it.
      let cancelled = false;
      for (let i = 0; i < 100 && !cancelled; i++) {
        // Only a backend blocked by this test's holder (other sessions share this database).
        const r = await holder.query<{ ok: boolean }>('SELECT pg_cancel_backend(pid) AS ok FROM pg_stat_activity WHERE pg_blocking_pids(pid) @> ARRAY[pg_backend_pid()]');
        cancelled = r.rows.some((x) => x.ok);
        if (!cancelled) await new Promise((res) => setTimeout(res, 20));
      }
      assert.ok(cancelled, 'the store write never waited on the lock');
      assert.equal(await write, 'unavailable');
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await holder.end();
      await store.close();
    }
  });
});
