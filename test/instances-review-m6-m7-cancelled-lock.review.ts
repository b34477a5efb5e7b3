/**
 * A store write whose wait for the change-head lock is cancelled by the database (an operator's pg_cancel_backend, a
 * `statement_timeout` or `lock_timeout` set on the role or database).
 *
 * Review M6: it is an outage of the store, answered 503 and retried by clients, not an internal error. Before, the
 * store passed SQLSTATE 57014 (query_canceled) through as a plain error: the write answered 500 InternalFailure.
 *
 * Review M7: the connection does not go back to the pool inside the aborted transaction. Before, no ROLLBACK was sent
 * when the `SELECT … FOR UPDATE` on the change head failed, so the next transaction on that connection failed with
 * 25P02 'current transaction is aborted' (500 InternalFailure), whatever it was. Now such a connection is dropped.
 *
 * The machine's PostgreSQL, a throw-away schema: an outside session holds the change-head row lock, the store's write
 * queues behind it and is cancelled with pg_cancel_backend.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgresStore, type PostgresStore } from '../src/adapters/store-postgres/index.ts';
import { isStoreUnavailable } from '../src/app/ports/store.ts';
import { PG_URL, pgSkip } from './support/postgres.ts';
import { settled, SETTLE_MS } from './support/settle.ts';

const skip = await pgSkip();

/**
 * Opens a store of `poolSize` connections on a new schema, makes one of its writes wait on the change-head lock held
 * by an outside session and cancels that wait; `check` gets the write's outcome ('committed', 'unavailable' or
 * 'other: …') with the lock released. Everything is dropped at the end.
 */
async function cancelledWrite(poolSize: number, check: (outcome: string, store: PostgresStore) => Promise<void>): Promise<void> {
  const schema = `gh_m67_${randomBytes(6).toString('hex')}`;
  const store = await openPostgresStore({ url: PG_URL, schema, poolSize });
  const holder = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT seq FROM change_head WHERE id = 1 FOR UPDATE');
    const write = store.write((tx) => tx.kv.put('cancelled', 'v')).then(
      () => 'committed',
      (e: unknown) => (isStoreUnavailable(e) ? 'unavailable' : `other: ${e instanceof Error ? e.message : String(e)}`),
    );
    // Tried until the write waits on the lock, to a bound of time (settle.ts), not 100 tries.
    const cancelled = await settled(
      async () => {
        // Only a backend blocked by this test's holder (other sessions share this database).
        const r = await holder.query<{ ok: boolean }>('SELECT pg_cancel_backend(pid) AS ok FROM pg_stat_activity WHERE pg_blocking_pids(pid) @> ARRAY[pg_backend_pid()]');
        return r.rows.some((x) => x.ok);
      },
      (done) => done,
      SETTLE_MS,
      20,
    );
    assert.ok(cancelled, 'the store write never waited on the lock');
    const outcome = await write;
    await holder.query('ROLLBACK');
    await check(outcome, store);
  } finally {
    await holder.query('ROLLBACK').catch(() => undefined);
    await holder.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await holder.end();
    await store.close();
  }
}

describe('a store write whose change-head lock wait is cancelled', { skip, timeout: 60_000 }, () => {
  it('fails as unavailable, a 503 (review M6)', () =>
    cancelledWrite(2, async (outcome) => {
      assert.equal(outcome, 'unavailable');
    }));

  it('leaves no aborted transaction in the pool: the next write on the same connection commits (review M7)', () =>
    cancelledWrite(1, async (outcome, store) => {
      assert.notEqual(outcome, 'committed');
      // One connection in the pool: the one the cancelled write used.
      await store.write((tx) => tx.kv.put('after', 'v'));
      assert.equal(await store.read((tx) => tx.kv.get('after')), 'v');
    }));
});
