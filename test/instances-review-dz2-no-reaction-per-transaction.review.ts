/**
 * Review dz2: review dz1's bounded close made every transaction wait for its connection with
 * `Promise.race([pool.connect(), waitsCut])`, where `waitsCut` is one promise that settles only when `close` gives up.
 * Each race leaves a reaction on that promise, holding the race's own promise and its resolvers, until the store
 * closes: a server on PostgreSQL kept one per transaction it ever ran (every decision's audit flush, every refresh
 * tick, every write), a leak without end. Now a wait for a connection is registered while it lasts and removed when
 * it ends.
 *
 * Counted with `v8.queryObjects(Promise)`, which collects garbage first: after 1,000 transactions the live promises
 * must not have grown with them. On the PostgreSQL of these machines (test/support/postgres.ts), skipped where there
 * is none.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { queryObjects } from 'node:v8';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();
const SCHEMA = `gh_dz2_${process.pid}`;
/** 1,000 and more kept before, four times the bound; none now (0 measured at 2,000, three runs). */
const TRANSACTIONS = 1_000;

const livePromises = (): number => queryObjects(Promise, { format: 'count' }) as number;

describe('the PostgreSQL store keeps nothing per transaction once it has ended (review dz2)', { skip, timeout: 120_000 }, () => {
  after(async () => {
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`)).catch(() => {});
  });

  it(`${TRANSACTIONS} read transactions leave no promise behind each`, async () => {
    const store = await openPostgresStore({ url: PG_URL, schema: SCHEMA, poolSize: 2, notify: false });
    try {
      // Warm: the pool's connections are open, the code paths compiled.
      for (let i = 0; i < 200; i++) await store.read(async (tx) => tx.kv.get('dz2/none'));
      const before = livePromises();
      for (let i = 0; i < TRANSACTIONS; i++) await store.read(async (tx) => tx.kv.get('dz2/none'));
      const grown = livePromises() - before;
      // One kept per transaction before the change (1,000 and more); a few hundred at most of whatever else lives.
      assert.ok(grown < TRANSACTIONS / 4, `live promises grew by ${grown} over ${TRANSACTIONS} transactions: something is kept per transaction`);
    } finally {
      await store.close();
    }
  });
});
