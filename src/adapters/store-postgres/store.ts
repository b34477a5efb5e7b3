/**
 * The scale-out `Store`: PostgreSQL through a `pg` Pool, from `GATEHOUSE_DATABASE_URL`.
 *
 * - Write transactions start by locking the one `change_head` row (`SELECT … FOR UPDATE` under READ
 *   COMMITTED), so writers of every instance run one after the other instead of failing each other under
 *   SERIALIZABLE (measured: 8 concurrent writers lost more than half their transactions to 40001 and
 *   exhausted retries). Still retried on 40001/40P01, so `fn` may run more than once. Every write bumps
 *   that row, which buys a gap-free, commit-ordered change log.
 * - Read transactions are `REPEATABLE READ READ ONLY`: one snapshot, and the server refuses writes.
 * - Migrations run at open in one transaction holding `pg_advisory_xact_lock`, so instances starting
 *   together apply them once; PostgreSQL DDL is transactional, so a failed migration leaves nothing.
 *
 *   CockroachDB has no advisory locks (it accepts the functions as no-ops). There the same loop would take
 *   a row lock instead: `INSERT INTO schema_lock (id) VALUES (1) ON CONFLICT DO NOTHING`, then
 *   `SELECT … FROM schema_lock WHERE id = 1 FOR UPDATE` at the start of the migration transaction (its
 *   SERIALIZABLE isolation makes the loser retry and then see the versions recorded). CockroachDB also runs
 *   schema changes inside explicit transactions with restrictions, so the advice there is to migrate once
 *   from one process (`gatehouse migrate`, a later issue) before rolling out instances.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { StoreUnavailableError, type Abort, type MigrationReport, type ReadTx, type Store, type WriteTx } from '../../app/ports/store.ts';
import {
  applyMigrations,
  createTx,
  guardExecutor,
  makeAbort,
  type Migration,
  type SqlExecutor,
  type SqlRow,
  type SqlValue,
} from '../store-sql/index.ts';
import { POSTGRES_MIGRATIONS } from './migrations.ts';

export const DATABASE_URL_ENV = 'GATEHOUSE_DATABASE_URL';

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/db`; usually `process.env.GATEHOUSE_DATABASE_URL`. */
  readonly url: string;
  /** Put every table in this schema (created if missing) via `search_path`; default the role's default. */
  readonly schema?: string;
  /** Connections at most; default 10. */
  readonly poolSize?: number;
  /** Attempts after the first on a serialization failure; default 10. */
  readonly maxRetries?: number;
  readonly now?: () => Date;
  readonly migrations?: readonly Migration[];
  /** How long to wait for a connection (new, or free in the pool) before the store counts as unavailable; default 10,000 ms. */
  readonly connectTimeoutMs?: number;
}

export interface PostgresStore extends Store {
  readonly dialect: 'postgres';
}

const RETRYABLE = new Set(['40001', '40P01']);

export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`schema name \`${schema}\` is not a plain lower-case identifier`);
  }
  const now = options.now ?? (() => new Date());
  const maxRetries = options.maxRetries ?? 10;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    // Without a bound, a request waits forever for a database that is not answering; with one, it fails as
    // `StoreUnavailableError` (503, retryable) and the instance keeps serving what it holds in memory.
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle client that loses its connection emits `error` on the pool; without a listener that would end
  // the process. The next query on a fresh client reports the outage instead.
  pool.on('error', () => undefined);

  let migrations: MigrationReport;
  try {
    migrations = await migrate(pool, schema, options.migrations ?? POSTGRES_MIGRATIONS, now);
  } catch (e) {
    await pool.end();
    throw e;
  }

  let closing: Promise<void> | undefined;
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    const drop = () => inFlight.delete(p);
    p.then(drop, drop);
    return p;
  };

  const transaction = async <T>(readOnly: boolean, fn: (tx: WriteTx, abort: Abort<T>) => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt += 1) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (e) {
        throw unavailable(e) ?? e;
      }
      let broken = false;
      // A checked-out client has no error listener of the pool's: a connection lost between two statements
      // would be emitted as an uncaught 'error' and end the process. Note it; the next statement fails with it.
      const onError = (): void => {
        broken = true;
      };
      client.on('error', onError);
      let retryableSeen = false;
      let failedStatement: unknown;
      const raw = executor(client, (e) => {
        failedStatement ??= e;
        if (isRetryable(e)) retryableSeen = true;
      });
      const { db, end } = guardExecutor(raw);
      const { abort, check, caught } = makeAbort<T>();
      try {
        if (readOnly) await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        else {
          // Writers take the change-head row lock first, so they queue instead of aborting each other under
          // SERIALIZABLE (every write bumps that row anyway). Holding it, each statement reads the latest
          // committed state, and writers commit one after the other: serial, and CockroachDB accepts it too.
          await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
          await client.query('SELECT seq FROM change_head WHERE id = 1 FOR UPDATE');
        }
        try {
          const value = await fn(createTx(db, { readOnly, now }), abort);
          check();
          end();
          // A caught serialization failure leaves the transaction aborted; COMMIT would only roll back.
          if (retryableSeen) throw Object.assign(new Error('serialization failure inside the transaction'), { code: '40001' });
          // Any failed statement aborted the transaction even if `fn` caught it; COMMIT would silently
          // roll back, and reporting success then would be a lie.
          if (failedStatement !== undefined) {
            throw new Error('a statement failed inside the store transaction, which was rolled back', { cause: failedStatement });
          }
          await client.query('COMMIT');
          return value;
        } catch (e) {
          end();
          await client.query('ROLLBACK').catch(() => {
            broken = true;
          });
          const aborted = caught(e);
          if (aborted !== undefined) return aborted.value;
          throw e;
        }
      } catch (e) {
        if ((isRetryable(e) || retryableSeen) && attempt < maxRetries) {
          await sleep(Math.random() * Math.min(200, 5 * 2 ** attempt));
          continue;
        }
        throw unavailable(e) ?? e;
      } finally {
        client.removeListener('error', onError);
        client.release(broken);
      }
    }
  };

  return {
    dialect: 'postgres',
    migrations,
    read<T>(fn: (tx: ReadTx) => Promise<T>): Promise<T> {
      if (closing !== undefined) return Promise.reject(new Error('store is closed'));
      return track(transaction<T>(true, (tx) => fn(tx)));
    },
    write<T>(fn: (tx: WriteTx, abort: Abort<T>) => Promise<T>): Promise<T> {
      if (closing !== undefined) return Promise.reject(new Error('store is closed'));
      return track(transaction(false, fn));
    },
    close(): Promise<void> {
      closing ??= (async () => {
        await Promise.allSettled([...inFlight]);
        await pool.end();
      })();
      return closing;
    },
  };
}

async function migrate(pool: pg.Pool, schema: string | undefined, list: readonly Migration[], now: () => Date): Promise<MigrationReport> {
  const client = await pool.connect();
  let broken = false;
  try {
    // READ COMMITTED: after the lock is granted, the next statement must see what the previous holder
    // committed (a REPEATABLE READ snapshot would predate it).
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [lockKey(schema)]);
      if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      const report = await applyMigrations(executor(client, () => undefined), list, now);
      await client.query('COMMIT');
      return report;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw e;
    }
  } finally {
    client.release(broken);
  }
}

/** A 64-bit advisory lock key, per schema so that separate deployments in one database do not contend. */
function lockKey(schema: string | undefined): string {
  return createHash('sha256')
    .update(`gatehouse:migrations:${schema ?? ''}`)
    .digest()
    .readBigInt64BE(0)
    .toString();
}

/** Network errors of the driver, and SQLSTATEs of a server that is gone, going, or out of room. */
const UNAVAILABLE_NET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|not queryable|connection error|Connection closed/i;

/** The outage behind `e` (or its cause) as a `StoreUnavailableError`; undefined when `e` is something else. */
function unavailable(e: unknown): StoreUnavailableError | undefined {
  for (let x: unknown = e, depth = 0; typeof x === 'object' && x !== null && depth < 4; x = (x as { cause?: unknown }).cause, depth++) {
    if (x instanceof StoreUnavailableError) return x;
    const code = String((x as { code?: unknown }).code ?? '');
    const message = String((x as { message?: unknown }).message ?? '');
    if (UNAVAILABLE_NET.has(code) || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code.startsWith('53') || UNAVAILABLE_MESSAGES.test(message)) {
      return new StoreUnavailableError(`PostgreSQL is unavailable: ${message || code}`, { cause: e });
    }
  }
  return undefined;
}

function isRetryable(e: unknown): boolean {
  return typeof e === 'object' && e !== null && RETRYABLE.has(String((e as { code?: unknown }).code));
}

function executor(client: pg.PoolClient, onError: (e: unknown) => void): SqlExecutor {
  const query = async (sql: string, params: readonly SqlValue[]) => {
    try {
      return await client.query(numbered(sql), params as SqlValue[]);
    } catch (e) {
      onError(e);
      throw e;
    }
  };
  return {
    async all(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
      return (await query(sql, params)).rows as SqlRow[];
    },
    async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
      return (await query(sql, params)).rowCount ?? 0;
    },
  };
}

const numberedCache = new Map<string, string>();
/** `?` → `$1, $2…` (the shared SQL has no `?` inside literals). */
function numbered(sql: string): string {
  let out = numberedCache.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    numberedCache.set(sql, out);
  }
  return out;
}
