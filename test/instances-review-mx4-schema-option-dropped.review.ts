/**
 * Review mx, 4: a connection pooler that drops the startup `options` (PgBouncer with `options` in ignore_startup_parameters) put every table in `public`, whatever GATEHOUSE_DATABASE_SCHEMA said, without a word.
 *
 * Before the fix 1 of 1 tests failed.
 *
 * The store puts its tables in GATEHOUSE_DATABASE_SCHEMA by sending `-c search_path=<schema>` in the connection's
 * startup `options`. PgBouncer refuses that parameter unless it is listed in `ignore_startup_parameters`, the usual
 * advice for the error, and then drops it: the schema was created, and the migrations and every query after them ran
 * in the role's default schema instead — two deployments told apart by their schemas shared one directory, one key
 * ring and one audit log (what review cn, 5 found for a URL's `options`). Now the open checks that its connection's
 * schema is the one asked for, and refuses to start otherwise, saying why and what to do; nothing is written
 * elsewhere.
 *
 * The store on a database of the test's own (dropped after), reached through a TCP proxy on 127.0.0.1 that removes
 * `options` from the startup message, as such a pooler does.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Socket } from 'node:net';
import pg from 'pg';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();
const database = `mx4_${randomBytes(6).toString('hex')}`;
let created = false;
after(async () => {
  if (created) await pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)).catch(() => undefined);
});

/** The startup message without its `options` parameter (int32 length, int32 protocol, then name\0value\0 pairs, \0). */
function withoutOptions(message: Buffer): Buffer {
  const pairs: Buffer[] = [];
  let at = 8;
  while (at < message.length && message[at] !== 0) {
    const nameEnd = message.indexOf(0, at);
    const valueEnd = message.indexOf(0, nameEnd + 1);
    if (message.toString('utf8', at, nameEnd) !== 'options') pairs.push(message.subarray(at, valueEnd + 1));
    at = valueEnd + 1;
  }
  const body = Buffer.concat([message.subarray(4, 8), ...pairs, Buffer.from([0])]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length + 4);
  return Buffer.concat([length, body]);
}

describe('a pooler that drops the startup options (review mx, 4)', { skip, timeout: 60_000 }, () => {
  it('is refused at open, naming the schema and what to do, and nothing is created outside the schema', async () => {
    await pgAdmin((c) => c.query(`CREATE DATABASE ${database}`));
    created = true;
    const target = new URL(PG_URL);
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      sockets.add(client).add(upstream);
      const end = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
      let first: Buffer | undefined = Buffer.alloc(0);
      client.on('data', (chunk: Buffer) => {
        if (first === undefined) return void upstream.write(chunk);
        first = Buffer.concat([first, chunk]);
        if (first.length < 4 || first.length < first.readUInt32BE(0)) return;
        const size = first.readUInt32BE(0);
        upstream.write(Buffer.concat([withoutOptions(first.subarray(0, size)), first.subarray(size)]));
        first = undefined;
      });
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const address = proxy.address();
    const url = new URL(PG_URL);
    url.host = `127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    url.pathname = `/${database}`;
    try {
      let opened: Awaited<ReturnType<typeof openPostgresStore>> | undefined;
      let refused: unknown;
      try {
        opened = await openPostgresStore({ url: url.toString(), schema: 'tenant_a', poolSize: 1 });
      } catch (e) {
        refused = e;
      }
      await opened?.close();
      assert.ok(refused instanceof Error, 'the open is refused');
      assert.match(refused.message, /`tenant_a`/);
      assert.match(refused.message, /search_path/);
      assert.match(refused.message, /ignore_startup_parameters/);

      const direct = new URL(PG_URL);
      direct.pathname = `/${database}`;
      const c = new pg.Client({ connectionString: direct.toString() });
      await c.connect();
      try {
        const tables = (await c.query(`SELECT table_schema FROM information_schema.tables WHERE table_name = 'change_head'`)).rows as { table_schema: string }[];
        assert.deepEqual(tables, [], 'no table of the store was made in another schema');
      } finally {
        await c.end();
      }
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});
