/**
 * Review az, 3: the change follower and the listening connection stop at once while the database has stopped answering
 * (a frozen host, a partition that drops packets). `followChanges().stop()` awaited the refresh in flight, which waits
 * on the frozen database for the whole statement bound (30 s), and the listening connection's `close()` awaited a
 * reconnect in progress for the whole connect timeout (10 s). `gatehouse server`'s stop begins with them, before the
 * audit log is drained and spooled: measured on a SIGSTOPped PostgreSQL, a SIGTERM took 49 s, 30 s of it here, where
 * Kubernetes' default grace period is 30 s. Now neither waits: the refresh in flight is left to fail on its own (it
 * starts no other, and the store's `close`, last of the stop, still waits for its transaction), and a connect in
 * progress is cut. (The rest of that stop is the last write of access keys' last use, which waits out the statement
 * bound too: left to its owner, see the review's report.)
 *
 * followChanges with a refresh that never answers; the PostgreSQL store's subscription through a TCP proxy to the
 * machine's PostgreSQL that stops forwarding (a frozen database).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Socket } from 'node:net';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { followChanges } from '../src/app/live.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();

/** Resolves with how long `p` took, or rejects once it has taken `ms`. */
async function within(p: Promise<unknown>, ms: number, what: string): Promise<number> {
  const t = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([p, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} still waiting after ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
  return performance.now() - t;
}

describe('stopping while the database does not answer (review az, 3)', () => {
  it('followChanges stops without waiting for a refresh that hangs', async () => {
    let started = 0;
    const following = followChanges({
      // A database that stops answering: the refresh waits for it (the store's statement bound is 30 s).
      refresh: () => (started++, new Promise<void>(() => undefined)),
      head: () => 0,
      log: () => undefined,
      pollMs: 60_000,
      fallbackPollMs: 60_000,
    });
    assert.equal(started, 1, 'the catch-up refresh at start is in flight');
    await within(following.stop(), 1000, 'stop');
  });

  it('the listening connection closes without waiting for a connect the database does not answer', { skip, timeout: 30_000 }, async () => {
    const schema = `gh_az3_${randomBytes(6).toString('hex')}`;
    const target = new URL(PG_URL);
    let frozen = false;
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      sockets.add(client);
      // Frozen: the connection is accepted (the kernel does that much for a stopped process) and nothing answers.
      if (frozen) return;
      const upstream = connect(Number(target.port || 5432), target.hostname);
      sockets.add(upstream);
      client.pipe(upstream).pipe(client);
      const end = (): void => void (client.destroy(), upstream.destroy());
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const url = new URL(PG_URL);
    url.hostname = '127.0.0.1';
    url.port = String((proxy.address() as { port: number }).port);
    const store = await openPostgresStore({ url: url.toString(), schema, poolSize: 2, connectTimeoutMs: 20_000 });
    try {
      frozen = true;
      const states: boolean[] = [];
      const sub = store.subscribe({ onChange: () => undefined, onState: (up) => void states.push(up) });
      // The connect is under way (accepted, unanswered) when the instance stops.
      await new Promise((r) => setTimeout(r, 300));
      await within(sub.close(), 2000, 'close');
      assert.deepEqual(states, [], 'nothing is reported after close');
    } finally {
      for (const s of sockets) s.destroy();
      proxy.close();
      await store.close();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});
