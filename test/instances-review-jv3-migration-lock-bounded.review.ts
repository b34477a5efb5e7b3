/**
 * Review jv, 3: the migrations an instance runs when it opens PostgreSQL waited without end and said nothing. Behind
 * the migrations' advisory lock held by another session (an instance migrating, or one frozen or cut off holding it),
 * behind a lock on a table a migration alters, or on a connection that stopped answering, a starting server hung for
 * ever before its first log line about the database. Now the lock waits are bounded (`lock_timeout`, 30 s by default,
 * GATEHOUSE_MIGRATION_LOCK_TIMEOUT_SECONDS) and so is every statement (a connection that does not answer is cut); the
 * open fails as the database being unavailable, with a message that names what it waited on, and a server logs it and
 * tries again with backoff (GATEHOUSE_DATABASE_WAIT_SECONDS bounds the whole wait).
 *
 * Before the fix 5 of 5 tests failed (four waited until the test's own bound; the setting was ignored).
 *
 * Stores opened in this process on throw-away schemas of the machine's PostgreSQL; one server, in process.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { isStoreUnavailable } from '../src/app/ports/store.ts';
import { startServer } from '../src/main/server.ts';
import { postgresProxy } from './support/pg-proxy.ts';
import { until } from './support/pg-cluster.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();
const schemas: string[] = [];
const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  for (const s of schemas) await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`)).catch(() => undefined);
});

const newSchema = (): string => {
  const s = `gh_jv3_${randomBytes(5).toString('hex')}`;
  schemas.push(s);
  return s;
};

/** A session of its own that holds what `hold` takes until it is ended. */
async function holder(hold: (c: pg.Client) => Promise<unknown>): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: PG_URL });
  c.on('error', () => undefined);
  await c.connect();
  cleanup.push(() => c.end());
  await c.query('BEGIN');
  await hold(c);
  return c;
}

/** The migrations' advisory lock key of `schema`, as the store derives it. */
const lockKey = (schema: string): string => createHash('sha256').update(`gatehouse:migrations:${schema}`).digest().readBigInt64BE(0).toString();

/** What `p` settled with, or `hung` past `ms`. */
async function settledWithin(p: Promise<unknown>, ms: number): Promise<{ error?: unknown; hung?: true }> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<{ hung: true }>((r) => (timer = setTimeout(() => r({ hung: true }), ms)));
  try {
    return await Promise.race([
      p.then(
        (s) => {
          void (s as { close?: () => Promise<void> } | undefined)?.close?.();
          return {};
        },
        (error: unknown) => ({ error }),
      ),
      hung,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('review jv3: the migrations at open wait a bounded time and say on what', { skip, timeout: 60_000 }, () => {
  it('behind the migrations lock another session holds: unavailable, naming the lock and the schema', async () => {
    const schema = newSchema();
    await holder((c) => c.query('SELECT pg_advisory_xact_lock($1)', [lockKey(schema)]));
    const r = await settledWithin(openPostgresStore({ url: PG_URL, schema, migrationLockTimeoutMs: 300 }), 8_000);
    assert.ok(r.hung !== true, 'the open still waited after 8 s');
    assert.ok(isStoreUnavailable(r.error), String(r.error));
    const m = (r.error as Error).message;
    assert.match(m, /migration/);
    assert.match(m, /advisory lock/);
    assert.match(m, new RegExp(schema));
    assert.match(m, /0\.3 s/);
  });

  it('behind a lock on a table a migration alters: unavailable, naming the migration', async () => {
    const schema = newSchema();
    const one = { version: 1, name: 'jv3-one', statements: ['CREATE TABLE jv3_t (x integer)'] };
    await (await openPostgresStore({ url: PG_URL, schema, migrations: [one] })).close();
    await holder((c) => c.query(`LOCK TABLE ${schema}.jv3_t IN ACCESS EXCLUSIVE MODE`));
    const two = { version: 2, name: 'jv3-two', statements: ['ALTER TABLE jv3_t ADD COLUMN y integer'] };
    const r = await settledWithin(openPostgresStore({ url: PG_URL, schema, migrations: [one, two], migrationLockTimeoutMs: 300 }), 8_000);
    assert.ok(r.hung !== true, 'the open still waited after 8 s');
    assert.ok(isStoreUnavailable(r.error), String(r.error));
    const m = (r.error as Error).message;
    assert.match(m, /migration 2 \(`jv3-two`\)/);
    assert.match(m, /lock/);
  });

  it('on a connection that stops answering: cut, unavailable', async () => {
    const schema = newSchema();
    // The lock's statement is held by the proxy: it never reaches PostgreSQL, and no answer comes.
    const proxy = await postgresProxy((client, upstream) => {
      let held = false;
      client.on('data', (b: Buffer) => {
        if (b.toString('latin1').includes('pg_advisory_xact_lock')) held = true;
        if (!held) upstream.write(b);
      });
      upstream.on('data', (b: Buffer) => void client.write(b));
    });
    cleanup.push(async () => proxy.close());
    const r = await settledWithin(openPostgresStore({ url: proxy.url, schema, migrationLockTimeoutMs: 300 }), 10_000);
    assert.ok(r.hung !== true, 'the open still waited after 10 s');
    assert.ok(isStoreUnavailable(r.error), String(r.error));
    assert.match((r.error as Error).message, /did not answer/);
  });

  it('GATEHOUSE_MIGRATION_LOCK_TIMEOUT_SECONDS that is no number of seconds over 0 is refused at start, naming it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gh-jv3-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    for (const value of ['0', ' ', '1e3']) {
      const started = startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { GATEHOUSE_MIGRATION_LOCK_TIMEOUT_SECONDS: value }, audit: { enabled: false }, log: () => undefined });
      const r = await settledWithin(started, 10_000);
      assert.match(String((r.error as Error | undefined)?.message), /^GATEHOUSE_MIGRATION_LOCK_TIMEOUT_SECONDS must be a number of seconds \(more than 0\)/, `value \`${value}\``);
    }
  });

  it('a server says what it waits on, and starts once the lock is released (GATEHOUSE_MIGRATION_LOCK_TIMEOUT_SECONDS)', async () => {
    const schema = newSchema();
    const lock = await holder((c) => c.query('SELECT pg_advisory_xact_lock($1)', [lockKey(schema)]));
    const dataDir = await mkdtemp(join(tmpdir(), 'gh-jv3-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const logs: string[] = [];
    const starting = startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64'), GATEHOUSE_MIGRATION_LOCK_TIMEOUT_SECONDS: '0.3' }, databaseUrl: PG_URL, databaseSchema: schema, audit: { enabled: false }, log: (l) => void logs.push(l) });
    starting.then((s) => cleanup.push(() => s.stop()), () => undefined);
    try {
      await until('the server says it waited for the migrations lock', () => logs.some((l) => /advisory lock/.test(l)), 8_000);
    } finally {
      await lock.query('ROLLBACK');
    }
    const server = await starting;
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
  });
});
