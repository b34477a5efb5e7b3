/**
 * Review mx, 2: a listening connection that never proved itself (LISTEN accepted, its own notification never delivered) was never reported.
 *
 * Before the fix 1 of 1 tests failed.
 *
 * Each instance proves its listening connection after every connect by sending itself a notification (docs/decisions.md
 * "Many instances on one database": "an engine that accepts LISTEN and delivers nothing is found out"). Found out, it
 * said nothing: the follower reports a lost channel only once it has listened, so an instance whose channel never came
 * up — behind PgBouncer in transaction mode, which takes LISTEN and delivers nothing, or an engine without
 * notifications that accepts the statement — polled every 250 ms and reopened its listening connection every few
 * seconds for its whole life, without a word in the log. Now the first failure is said once (polling every 250 ms
 * meanwhile, with the reason), and once when notifications flow.
 *
 * The PostgreSQL store and the change follower as `gatehouse server` wires them, through a TCP proxy on 127.0.0.1 that
 * drops PostgreSQL's NotificationResponse messages (type `A`), as such a pooler does.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { followChanges } from '../src/app/live.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();
const schema = `mx2_${randomBytes(6).toString('hex')}`;
after(async () => {
  if (skip === undefined) await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
});

/** A proxy to the test PostgreSQL that drops the notifications it sends while `drop` is set; counts the LISTENs sent. */
async function notificationDropper(): Promise<{ url: string; drop: boolean; listens: number; close(): Promise<void> }> {
  const target = new URL(PG_URL);
  const sockets = new Set<Socket>();
  const state = { drop: true, listens: 0 };
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (chunk: Buffer) => {
      if (chunk.includes('LISTEN')) state.listens++;
      upstream.write(chunk);
    });
    // PostgreSQL's messages to the client: a type byte and a length (that counts itself); notifications are type `A`.
    let pending = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      const out: Buffer[] = [];
      while (pending.length >= 5) {
        const size = 1 + pending.readUInt32BE(1);
        if (pending.length < size) break;
        const message = pending.subarray(0, size);
        if (!(state.drop && message[0] === 0x41)) out.push(message);
        pending = pending.subarray(size);
      }
      if (out.length > 0) client.write(Buffer.concat(out));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = new URL(PG_URL);
  url.host = `127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  return Object.assign(state, {
    url: url.toString(),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

const until = async (what: string, ok: () => boolean, ms = 20_000): Promise<void> => {
  for (const deadline = Date.now() + ms; !ok(); ) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('a listening connection that never proves itself (review mx, 2)', { skip, timeout: 60_000 }, () => {
  it('is said once, with the reason and the fallback poll, and its recovery is said too', async () => {
    const proxy = await notificationDropper();
    const store = await openPostgresStore({ url: proxy.url, schema, poolSize: 2 });
    const logs: string[] = [];
    let head = -1;
    const following = followChanges({
      refresh: async () => {
        head = await store.read((tx) => tx.changes.head());
      },
      head: () => head,
      subscribe: store.subscribe.bind(store),
      log: (line) => void logs.push(line),
    });
    try {
      // The first connect's self-check fails (3 s); a second connect is under way or has failed too.
      await until('a second listening connection tried', () => proxy.listens >= 2);
      const notes = (): string[] => logs.filter((l) => /notification/i.test(l));
      assert.equal(following.listening(), false, 'not listening: no notification arrives');
      assert.equal(notes().length, 1, `the channel that never came up is said once: ${JSON.stringify(logs)}`);
      assert.match(notes()[0] ?? '', /polling every 250 ms/);
      assert.match(notes()[0] ?? '', /own notification did not arrive/);

      // Notifications delivered again: the next connect proves itself, and that is said.
      proxy.drop = false;
      await until('listening', () => following.listening());
      await until('said listening', () => notes().length === 2);
      assert.match(notes()[1] ?? '', /listening again/);
    } finally {
      await following.stop();
      await store.close();
      await proxy.close();
    }
  });
});
