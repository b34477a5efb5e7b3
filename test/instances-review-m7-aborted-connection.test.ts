/**
 * Review M7: a transaction whose BEGIN or change-head lock fails does not go back to the pool still open. A write
 * whose `SELECT … FOR UPDATE` on the change head failed (cancelled, lock_timeout, statement_timeout) returned its
 * connection to the pool inside the aborted transaction (no ROLLBACK was sent before the inner block), so the next
 * transaction on it failed with 25P02 'current transaction is aborted' (500 InternalFailure), whatever it was.
 * Now such a connection is dropped.
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

describe('a write whose change-head lock is cancelled (review M7)', { skip, timeout: 60_000 }, () => {
  it('leaves no aborted transaction in the pool: the next write on the same connection commits', async () => {
    const schema = `gh_m7_${randomBytes(6).toString('hex')}`;
    const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 1 });
    const holder = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT seq FROM change_head WHERE id = 1 FOR UPDATE');
      const write = store.write((tx) => tx.kv.put('m7/cancelled', 'v')).then(
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
      assert.notEqual(await write, 'committed');
      await holder.query('ROLLBACK');
      // One connection in the pool: the one the cancelled write used.
      await store.write((tx) => tx.kv.put('m7/after', 'v'));
      assert.equal(await store.read((tx) => tx.kv.get('m7/after')), 'v');
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await holder.end();
      await store.close();
    }
  });
});
