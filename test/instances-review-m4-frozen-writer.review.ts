/**
 * Review M4: an instance frozen (or cut off) in the middle of a write does not stop the writes of every other
 * instance. Every write takes the change-head row lock first; a writer that stops talking while holding it (a
 * process paused, a host partitioned away: its connection is neither used nor closed) kept the lock until the
 * database noticed the dead connection, hours with default TCP settings, and every instance's writes queued behind
 * it. Now the store's sessions carry `idle_in_transaction_session_timeout`: the database ends the frozen writer's
 * session, its transaction rolls back (nothing of it is kept), and the other writers go on.
 *
 * Two stores on one PostgreSQL schema (the machine's, a throw-away schema); the frozen writer is a transaction
 * whose callback stops between two statements.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { isStoreUnavailable } from '../src/app/ports/store.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';


const skip = await pgSkip();

describe('a writer that stops in the middle of its transaction (review M4)', { skip, timeout: 60_000 }, () => {
  it('is ended by the database: the other writers go on, and nothing of its write is kept', async () => {
    const schema = `gh_m4_${randomBytes(6).toString('hex')}`;
    const a = await openPostgresStore({ url: PG_URL, schema, poolSize: 2, idleInTransactionTimeoutMs: 1000 });
    const b = await openPostgresStore({ url: PG_URL, schema, poolSize: 2, idleInTransactionTimeoutMs: 1000 });
    try {
      let frozen: () => void = () => undefined;
      const thaw = new Promise<void>((r) => (frozen = r));
      // A holds the change-head lock and stops (as a paused process would) after its first statement.
      const stuck = a
        .write(async (tx) => {
          await tx.kv.put('m4/from-a', 'a');
          await thaw;
          await tx.kv.put('m4/from-a-2', 'a');
        })
        .then(
          () => 'committed',
          (e: unknown) => (isStoreUnavailable(e) ? 'unavailable' : `other: ${String(e)}`),
        );
      await new Promise((r) => setTimeout(r, 200));
      const t = Date.now();
      const outcome = await Promise.race([
        b.write((tx) => tx.kv.put('m4/from-b', 'b')).then(() => 'committed'),
        new Promise<string>((r) => setTimeout(() => r('still waiting for the lock after 8 s'), 8000).unref()),
      ]);
      assert.equal(outcome, 'committed');
      assert.ok(Date.now() - t < 5000, `B waited ${Date.now() - t} ms`);
      frozen();
      assert.equal(await stuck, 'unavailable');
      assert.deepEqual(await b.read(async (tx) => [await tx.kv.get('m4/from-a'), await tx.kv.get('m4/from-a-2'), await tx.kv.get('m4/from-b')]), [undefined, undefined, 'b']);
      // A writes again on a fresh connection.
      await a.write((tx) => tx.kv.put('m4/a-again', 'a'));
    } finally {
      await a.close();
      await b.close();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});
