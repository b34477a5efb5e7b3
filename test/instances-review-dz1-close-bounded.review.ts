/**
 * Review dz1: the PostgreSQL store's `close` waited for every transaction in flight, and a transaction hung on the
 * database (a row lock held by another session, a database that stopped answering) ended only at the statement bound
 * (30 s by default), so `gatehouse server`'s stop, which closes the store last, could outlast Kubernetes' grace period
 * (30 s) and end in SIGKILL. Now `close` gives what is in flight `closeTimeoutMs` (default 5 s), then cuts the
 * connections still in a transaction: each such transaction fails as `StoreUnavailableError` saying the store closed,
 * the database rolls it back (its connection is gone), and `close` resolves. Nothing committed is lost.
 *
 * On the PostgreSQL of these machines (test/support/postgres.ts), skipped with the reason where there is none.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freezingProxy } from './support/pg-proxy.ts';
import pg from 'pg';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { isStoreUnavailable, StoreOutcomeUnknownError, type Store } from '../src/app/ports/store.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { settled, SETTLE_MS } from './support/settle.ts';

const skip = await pgSkip();
const SCHEMA = `gh_dz1_${process.pid}`;

/** Settles `p` to what it resolved with or the error it rejected with, and when. */
async function outcome<T>(p: Promise<T>): Promise<{ ok: true; value: T; at: number } | { ok: false; error: unknown; at: number }> {
  try {
    const value = await p;
    return { ok: true, value, at: Date.now() };
  } catch (error) {
    return { ok: false, error, at: Date.now() };
  }
}

/** Resolves once a session waits for a lock `holder` holds (the store's statement has reached it). */
async function untilWaitingOnLock(holder: pg.Client): Promise<void> {
  const { rows: me } = await holder.query('SELECT pg_backend_pid() AS pid');
  const pid = (me[0] as { pid: number }).pid;
  // To a bound of time (settle.ts), not 200 tries.
  const waiting = await settled(
    async () => {
      const { rows } = await pgAdmin((c) => c.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [pid]));
      return (rows[0] as { n: number }).n;
    },
    (n) => n > 0,
    SETTLE_MS,
    25,
  );
  if (waiting === 0) throw new Error('no session of the database ever waited for the lock');
}

describe('store.close with a transaction hung on the database (review dz1)', { skip, timeout: 120_000 }, () => {
  before(async () => {
    const store = await openPostgresStore({ url: PG_URL, schema: SCHEMA, poolSize: 2 });
    await store.write(async (tx) => {
      await tx.kv.put('dz1/locked', 'old');
      await tx.kv.put('dz1/committed', 'kept');
    });
    await store.close();
  });
  after(async () => {
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`)).catch(() => {});
  });

  it('cuts the hung transaction at the close timeout: it fails, rolls back, and close resolves', async () => {
    // The statement bound is far beyond the close timeout, as in production (30 s against 5 s): the close must not
    // wait for it.
    const store: Store = await openPostgresStore({ url: PG_URL, schema: SCHEMA, poolSize: 2, statementTimeoutMs: 25_000, closeTimeoutMs: 1_000 });
    await pgAdmin(async (holder) => {
      await holder.query('BEGIN');
      await holder.query(`SELECT kv_value FROM ${SCHEMA}.kv WHERE kv_key = 'dz1/locked' FOR UPDATE`);
      try {
        const write = outcome(
          store.write(async (tx) => {
            await tx.kv.put('dz1/written-before-the-hang', 'x');
            await tx.kv.put('dz1/locked', 'new'); // waits for the holder's row lock
            return 'committed';
          }),
        );
        await untilWaitingOnLock(holder);
        const t = Date.now();
        await store.close();
        const closedIn = Date.now() - t;
        assert.ok(closedIn < 5_000, `close took ${closedIn} ms with a transaction hung on a row lock (close timeout 1,000 ms, statement bound 25,000 ms)`);
        assert.ok(closedIn >= 900, `close cut the transaction after ${closedIn} ms, before its close timeout`);
        const w = await write;
        assert.equal(w.ok, false, 'a transaction cut at close must not be reported as succeeded');
        if (w.ok) return;
        assert.ok(w.at - t < 5_000, `the cut transaction failed ${w.at - t} ms after close began`);
        assert.ok(isStoreUnavailable(w.error), `a cut transaction fails as unavailable (retryable), got ${String(w.error)}`);
        assert.ok(!(w.error instanceof StoreOutcomeUnknownError), 'COMMIT was never sent: the outcome is known');
        assert.match((w.error as Error).message, /clos/i, 'the error says the store was closing');
        assert.match((w.error as Error).message, /1000 ms|1,000 ms|1 s/, 'the error says how long close waited');
      } finally {
        await holder.query('ROLLBACK');
      }
    });
    // The database rolled the cut transaction back; what was committed before is all there.
    const check = await openPostgresStore({ url: PG_URL, schema: SCHEMA, poolSize: 1 });
    try {
      const got = await check.read(async (tx) => ({
        before: await tx.kv.get('dz1/written-before-the-hang'),
        locked: await tx.kv.get('dz1/locked'),
        committed: await tx.kv.get('dz1/committed'),
      }));
      assert.deepEqual(got, { before: undefined, locked: 'old', committed: 'kept' });
      // And the row is writable again: no session of the closed store still holds anything.
      await check.write((tx) => tx.kv.put('dz1/locked', 'after'));
      assert.equal(await check.read((tx) => tx.kv.get('dz1/locked')), 'after');
      await check.write((tx) => tx.kv.put('dz1/locked', 'old'));
    } finally {
      await check.close();
    }
  });

  it('a transaction still waiting for a connection of a full pool fails at the close timeout too', async () => {
    // One connection: the second write waits for the pool while the first waits for the change-head row lock.
    const store: Store = await openPostgresStore({ url: PG_URL, schema: SCHEMA, poolSize: 1, statementTimeoutMs: 25_000, connectTimeoutMs: 25_000, closeTimeoutMs: 800 });
    await pgAdmin(async (holder) => {
      await holder.query('BEGIN');
      await holder.query(`SELECT seq FROM ${SCHEMA}.change_head WHERE id = 1 FOR UPDATE`);
      try {
        const first = outcome(store.write((tx) => tx.kv.put('dz1/first', 'x')));
        await untilWaitingOnLock(holder);
        const second = outcome(store.write((tx) => tx.kv.put('dz1/second', 'x')));
        const reader = outcome(store.read((tx) => tx.kv.get('dz1/committed')));
        const t = Date.now();
        await store.close();
        const closedIn = Date.now() - t;
        assert.ok(closedIn < 5_000, `close took ${closedIn} ms`);
        for (const [name, p] of [['first', first], ['second', second], ['reader', reader]] as const) {
          const o = await p;
          assert.equal(o.ok, false, `${name}: cut at close, must not be reported as succeeded`);
          if (!o.ok) assert.ok(isStoreUnavailable(o.error), `${name}: ${String(o.error)}`);
        }
      } finally {
        await holder.query('ROLLBACK');
      }
    });
    const check = await openPostgresStore({ url: PG_URL, schema: SCHEMA, poolSize: 1 });
    try {
      assert.deepEqual(await check.read(async (tx) => [await tx.kv.get('dz1/first'), await tx.kv.get('dz1/second')]), [undefined, undefined]);
    } finally {
      await check.close();
    }
  });

  it('a transaction cut between two statements fails at its next statement or its COMMIT, never reported as committed', async () => {
    const store: Store = await openPostgresStore({ url: PG_URL, schema: SCHEMA, poolSize: 2, closeTimeoutMs: 500 });
    let began: () => void = () => undefined;
    const inside = new Promise<void>((r) => (began = r));
    // Its own code awaits something else (not a statement) past the close timeout, then returns: COMMIT would follow.
    const write = outcome(
      store.write(async (tx) => {
        await tx.kv.put('dz1/between', 'x');
        began();
        await new Promise((r) => setTimeout(r, 2_500));
        return 'committed';
      }),
    );
    await inside;
    const t = Date.now();
    await store.close();
    assert.ok(Date.now() - t < 2_200, `close took ${Date.now() - t} ms: it waited for the transaction's own code`);
    const w = await write;
    assert.equal(w.ok, false, 'cut at close, the transaction must not be reported as committed');
    if (!w.ok) {
      assert.ok(isStoreUnavailable(w.error), String(w.error));
      assert.ok(!(w.error instanceof StoreOutcomeUnknownError), 'no COMMIT was sent: the outcome is known');
      assert.match((w.error as Error).message, /closed/);
    }
    const check = await openPostgresStore({ url: PG_URL, schema: SCHEMA, poolSize: 1 });
    try {
      assert.equal(await check.read((tx) => tx.kv.get('dz1/between')), undefined);
    } finally {
      await check.close();
    }
  });

  it('a database that stopped answering: close cuts the transaction and does not wait for the pool\'s goodbye', async () => {
    // A TCP proxy to the machine's PostgreSQL that, frozen, forwards nothing more either way (a frozen host).
    const proxy = await freezingProxy();
    try {
      const store: Store = await openPostgresStore({ url: proxy.url, schema: SCHEMA, poolSize: 2, statementTimeoutMs: 25_000, closeTimeoutMs: 800 });
      // Two connections in the pool, one of them idle when the database freezes.
      await Promise.all([store.read((tx) => tx.kv.get('dz1/committed')), store.read((tx) => tx.kv.get('dz1/committed'))]);
      proxy.freeze(true);
      const write = outcome(store.write((tx) => tx.kv.put('dz1/frozen', 'x')));
      await new Promise((r) => setTimeout(r, 200));
      const t = Date.now();
      await store.close();
      const closedIn = Date.now() - t;
      assert.ok(closedIn < 4_000, `close took ${closedIn} ms against a frozen database (close timeout 800 ms, statement bound 25,000 ms)`);
      const w = await write;
      assert.equal(w.ok, false, 'cut at close, the write must not be reported as committed');
      if (!w.ok) assert.ok(isStoreUnavailable(w.error), String(w.error));
    } finally {
      proxy.close();
    }
    const check = await openPostgresStore({ url: PG_URL, schema: SCHEMA, poolSize: 1 });
    try {
      assert.equal(await check.read((tx) => tx.kv.get('dz1/frozen')), undefined);
    } finally {
      await check.close();
    }
  });

  it('a transaction that ends within the close timeout is waited for, and commits', async () => {
    const store: Store = await openPostgresStore({ url: PG_URL, schema: SCHEMA, poolSize: 2, closeTimeoutMs: 10_000 });
    let release: () => void = () => undefined;
    const lockFree = new Promise<void>((r) => (release = r));
    let holding: Promise<void> | undefined;
    await pgAdmin(async (holder) => {
      await holder.query('BEGIN');
      await holder.query(`SELECT kv_value FROM ${SCHEMA}.kv WHERE kv_key = 'dz1/locked' FOR UPDATE`);
      holding = lockFree.then(async () => {
        await holder.query('ROLLBACK');
      });
      const write = outcome(store.write((tx) => tx.kv.put('dz1/locked', 'waited')));
      await untilWaitingOnLock(holder);
      setTimeout(release, 500);
      const t = Date.now();
      await store.close();
      assert.ok(Date.now() - t < 8_000, `close took ${Date.now() - t} ms`);
      await holding;
      const w = await write;
      assert.equal(w.ok, true, `a transaction that finished within the close timeout: ${w.ok ? '' : String(w.error)}`);
    });
    const check = await openPostgresStore({ url: PG_URL, schema: SCHEMA, poolSize: 1 });
    try {
      assert.equal(await check.read((tx) => tx.kv.get('dz1/locked')), 'waited');
      await check.write((tx) => tx.kv.put('dz1/locked', 'old'));
    } finally {
      await check.close();
    }
  });
});
