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
 * - Change notification: a write that moved the change head ends with `pg_notify(<channel>, '<seq>')` in the
 *   same transaction, so the note goes out at commit and never for a rolled-back write. `subscribe` keeps one
 *   dedicated connection (outside the pool) that LISTENs, reconnects with backoff when it is lost, and proves
 *   itself after each connect with a notification to itself (an engine that accepts LISTEN without delivering
 *   anything is found out). Where the database has no notifications (CockroachDB; YugabyteDB before 2025.2.3
 *   or without `yb_enable_listen_notify`), writers skip the NOTIFY and the subscription says so once, for good:
 *   instances then poll the change head (docs/decisions.md).
 */
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import {
  StoreDataRefusedError,
  StoreOutcomeUnknownError,
  StoreUnavailableError,
  type Abort,
  type ChangeListener,
  type ChangeSubscription,
  type MigrationReport,
  type ReadTx,
  type Store,
  type WriteTx,
} from '../../app/ports/store.ts';
import {
  applyMigrations,
  cached,
  createTx,
  guardExecutor,
  inFlight,
  makeAbort,
  type Migration,
  type SqlExecutor,
  type SqlRow,
  type SqlValue,
} from '../store-sql/index.ts';
import { POSTGRES_MIGRATIONS } from './migrations.ts';
import { SCHEMA_NAME } from './schema-name.ts';

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
  /** Send change notifications (`pg_notify`) from writes; default: when the database delivers them. */
  readonly notify?: boolean;
  /**
   * How long one statement may go unanswered before its connection is dropped and the transaction fails as
   * `StoreUnavailableError` (503, retryable); default 30,000 ms. A database that stops answering without closing
   * its connections (a frozen host, a partition that drops packets) otherwise holds every request forever.
   */
  readonly statementTimeoutMs?: number;
  /**
   * How long a session of this store may sit idle inside a transaction before the database ends it
   * (`idle_in_transaction_session_timeout`); default 60,000 ms. Every write holds the change-head row lock, so an
   * instance frozen or cut off mid-write would otherwise stop the writes of every instance until the database
   * noticed the dead connection (hours with default TCP settings).
   */
  readonly idleInTransactionTimeoutMs?: number;
  /**
   * How long `close` waits for the transactions in flight before it cuts their connections; default 5,000 ms. Cut, a
   * transaction fails as `StoreUnavailableError` (`StoreOutcomeUnknownError` when its COMMIT was already sent) and the
   * database rolls it back, as for any connection lost. Without it a transaction hung on the database (a row lock held
   * by another session, a database that stopped answering) held `close`, and a server's stop, up to the statement bound
   * (30 s, Kubernetes' whole grace period), or for ever for one that kept waiting for a connection (review dz1).
   */
  readonly closeTimeoutMs?: number;
  /**
   * How long the migrations at open may wait for a lock (`lock_timeout`): their advisory lock, held by another instance
   * running them (or one frozen or cut off while it held it), or a lock on a table a migration alters. Default 30,000 ms.
   * Past it the open fails as `StoreUnavailableError` naming what it waited on (a server logs it and tries again); it
   * waited without end and said nothing (review jv, 3).
   */
  readonly migrationLockTimeoutMs?: number;
  /**
   * How long one migration statement may run (`statement_timeout`, and this process's bound on an answer, after which
   * the connection is cut); default 600,000 ms: a migration may rebuild an index of a large table.
   */
  readonly migrationStatementTimeoutMs?: number;
}

export interface PostgresStore extends Store {
  readonly dialect: 'postgres';
  /** Whether writes send change notifications (false where the database has none). */
  readonly notifies: boolean;
  subscribe(listener: ChangeListener): ChangeSubscription;
}

const RETRYABLE = new Set(['40001', '40P01']);

export { SCHEMA_NAME };

export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const schema = options.schema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`schema name \`${schema}\` is not a plain lower-case identifier`);
  }
  const now = options.now ?? (() => new Date());
  const maxRetries = options.maxRetries ?? 10;
  const { url, given } = urlOptions(options.url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // Without a bound, a request waits forever for a database that is not answering; with one, it fails as
    // `StoreUnavailableError` (503, retryable) and the instance keeps serving what it holds in memory.
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    // A peer gone without a word (host down, packets dropped) is found out by the kernel instead of never.
    keepAlive: true,
    // The URL's own options (CockroachDB Cloud's `--cluster=…`, an operator's `-c` settings) are kept; the schema comes
    // last, so that the tables are where GATEHOUSE_DATABASE_SCHEMA says whatever else the URL sets.
    options: [
      `-c idle_in_transaction_session_timeout=${Math.max(0, Math.floor(options.idleInTransactionTimeoutMs ?? 60_000))}`,
      ...given,
      ...(schema === undefined ? [] : [`-c search_path=${schema}`]),
    ].join(' '),
  });
  const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  // An idle client that loses its connection emits `error` on the pool; without a listener that would end
  // the process. The next query on a fresh client reports the outage instead.
  pool.on('error', () => undefined);

  let migrations: MigrationReport;
  let notifies: boolean;
  const channel = channelOf(schema);
  try {
    migrations = await migrate(pool, schema, options.migrations ?? POSTGRES_MIGRATIONS, now, {
      lockMs: Math.max(1, Math.floor(options.migrationLockTimeoutMs ?? 30_000)),
      statementMs: Math.max(1, Math.floor(options.migrationStatementTimeoutMs ?? 600_000)),
    });
    notifies = options.notify ?? (await canNotify(pool, channel));
  } catch (e) {
    await pool.end();
    throw e;
  }

  let closing: Promise<void> | undefined;
  const { track, settled } = inFlight();
  const closeTimeoutMs = Math.max(0, options.closeTimeoutMs ?? 5_000);
  /** Set when `close` gave up waiting: every transaction still in flight is cut, and none starts a statement. */
  let cutAtClose: StoreUnavailableError | undefined;
  /** The connections of the transactions in flight, cut when `close` gives up waiting for them. */
  const cutters = new Set<() => void>();
  /**
   * The waits for a connection, failed when `close` gives up (a pool full of hung transactions never frees one). Each is
   * here only while it lasts: a race with one promise that settles at close kept a reaction per transaction ever run
   * until the store closed (review dz2).
   */
  const waits = new Set<(e: StoreUnavailableError) => void>();
  const cutWaits = (e: StoreUnavailableError): void => {
    for (const fail of waits) fail(e);
    waits.clear();
  };
  /** A connection of the pool, or the close's refusal if `close` gives up first. */
  const connect = (connecting: Promise<pg.PoolClient>): Promise<pg.PoolClient> =>
    new Promise<pg.PoolClient>((resolve, reject) => {
      waits.add(reject);
      connecting.then(
        (c) => {
          waits.delete(reject);
          resolve(c);
        },
        (e: unknown) => {
          waits.delete(reject);
          reject(e);
        },
      );
    });
  // Read through a call: TypeScript would otherwise keep a check made before an await for after it.
  const closedBy = (): StoreUnavailableError | undefined => cutAtClose;

  const transaction = async <T>(readOnly: boolean, fn: (tx: WriteTx, abort: Abort<T>) => Promise<T>, boundMs = statementTimeoutMs): Promise<T> => {
    for (let attempt = 0; ; attempt += 1) {
      let client: pg.PoolClient;
      const closedAlready = closedBy();
      if (closedAlready !== undefined) throw closedAlready;
      const connecting = pool.connect();
      try {
        client = await connect(connecting);
      } catch (e) {
        // A connection granted after the cut goes straight back (closed: the pool is ending).
        if (e === closedBy()) void connecting.then((c) => c.release(true), () => undefined);
        throw unavailable(e) ?? e;
      }
      let broken = false;
      let cut = false;
      const cutThis = (): void => {
        cut = true;
        broken = true;
        (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
      };
      // A checked-out client has no error listener of the pool's: a connection lost between two statements
      // would be emitted as an uncaught 'error' and end the process. Note it; the next statement fails with it.
      const onError = (): void => {
        broken = true;
      };
      client.on('error', onError);
      let retryableSeen = false;
      let failedStatement: unknown;
      // Every statement, BEGIN to COMMIT, answered within the bound or the connection is cut: its pending
      // statement then fails as a lost connection (unavailable), and ROLLBACK is not waited for.
      const send = (sql: string, params?: readonly SqlValue[]): Promise<pg.QueryResult> => {
        // Cut at close between two statements: none is sent on the dead connection (whose error would not say why).
        const closed = cut ? closedBy() : undefined;
        if (closed !== undefined) return Promise.reject(closed);
        return bounded(client, boundMs, () => (broken = true), sql, params);
      };
      // One statement at a time on the connection, in the order asked: a transaction's code may ask several at once
      // (`Promise.all` over `tx` reads: the jobs sweep, account summary, apply, pod admission), and the ROLLBACK after a
      // failure may be asked while statements are still unanswered. node-postgres queued them itself, with a deprecation
      // warning (an error from pg 9), and started each one's bound when it was queued rather than sent (review ed2).
      let tail: Promise<void> | undefined;
      const q = (sql: string, params?: readonly SqlValue[]): Promise<pg.QueryResult> => {
        const p = tail === undefined ? send(sql, params) : tail.then(() => send(sql, params));
        const t = p.then(
          () => undefined,
          () => undefined,
        );
        tail = t;
        void t.then(() => {
          if (tail === t) tail = undefined;
        });
        return p;
      };
      const raw = executor(q, (e) => {
        failedStatement ??= e;
        if (isRetryable(e)) retryableSeen = true;
      });
      const { db, end } = guardExecutor(raw);
      const { abort, check, caught } = makeAbort<T>();
      let headBefore: unknown;
      // COMMIT sent: a connection lost from here leaves the transaction's outcome unknown (it may have committed).
      let committing = false;
      // A transaction left open (a failed BEGIN or change-head lock: no ROLLBACK was sent) must not go back to the
      // pool: the next user of the connection would run in an aborted transaction (25P02) (review M7).
      let open = true;
      cutters.add(cutThis);
      if (closedBy() !== undefined) cutThis();
      try {
        if (readOnly) await q('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        else {
          // Writers take the change-head row lock first, so they queue instead of aborting each other under
          // SERIALIZABLE (every write bumps that row anyway). Holding it, each statement reads the latest
          // committed state, and writers commit one after the other: serial, and CockroachDB accepts it too.
          await q('BEGIN ISOLATION LEVEL READ COMMITTED');
          headBefore = (await q('SELECT seq FROM change_head WHERE id = 1 FOR UPDATE')).rows[0]?.seq;
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
          // Only writes that moved the change head wake the other instances (audit appends, last-used stamps
          // do not). The note is queued with the transaction and goes out at COMMIT, or never.
          if (!readOnly && notifies) {
            await q('SELECT pg_notify($1, seq::text) FROM change_head WHERE id = 1 AND seq <> $2', [channel, (headBefore ?? -1) as SqlValue]);
          }
          // A read-only transaction changed nothing: a COMMIT lost there is an outage like any other, which a read may
          // try again (review aa9: a listing was answered OutcomeUnknown).
          committing = !readOnly;
          await q('COMMIT');
          open = false;
          return value;
        } catch (e) {
          end();
          if (!broken) {
            await q('ROLLBACK').catch(() => {
              broken = true;
            });
          }
          open = false;
          const aborted = caught(e);
          if (aborted !== undefined) return aborted.value;
          throw e;
        }
      } catch (e) {
        // Cut at close before the statement was sent (`q` refused it, COMMIT included): known to be rolled back.
        if (e === closedBy()) throw new StoreUnavailableError((e as Error).message, { cause: e });
        // The server's own refusal of the COMMIT (a SQLSTATE) rolled back; a lost connection says nothing of it (a cut
        // at close included: the COMMIT may have reached the database before the connection was cut).
        if (committing && unavailable(e) !== undefined && !isSqlState((e as { code?: unknown }).code)) {
          throw new StoreOutcomeUnknownError(`PostgreSQL: the connection was lost while committing (${e instanceof Error ? e.message : String(e)}): the transaction may or may not have committed`, { cause: e });
        }
        // Cut at close while a statement other than COMMIT waited: the database rolls it back with the connection.
        const closed = cut ? closedBy() : undefined;
        if (closed !== undefined) throw new StoreUnavailableError(closed.message, { cause: e });
        if ((isRetryable(e) || retryableSeen) && attempt < maxRetries && closedBy() === undefined) {
          await sleep(Math.random() * Math.min(200, 5 * 2 ** attempt));
          continue;
        }
        throw unavailable(e) ?? dataRefused(e) ?? e;
      } finally {
        cutters.delete(cutThis);
        client.removeListener('error', onError);
        client.release(broken || open);
      }
    }
  };

  const subscriptions = new Set<ChangeSubscription>();
  const subscribe = (listener: ChangeListener): ChangeSubscription => {
    const sub = listen({ url: options.url, schema, channel, connectTimeoutMs: options.connectTimeoutMs ?? 10_000, listener, onClose: () => subscriptions.delete(sub) });
    subscriptions.add(sub);
    return sub;
  };

  return {
    dialect: 'postgres',
    migrations,
    notifies,
    subscribe,
    read<T>(fn: (tx: ReadTx) => Promise<T>, readOptions?: { readonly statementTimeoutMs?: number }): Promise<T> {
      if (closing !== undefined) return Promise.reject(new Error('store is closed'));
      return track(transaction<T>(true, (tx) => fn(tx), readOptions?.statementTimeoutMs ?? statementTimeoutMs));
    },
    write<T>(fn: (tx: WriteTx, abort: Abort<T>) => Promise<T>): Promise<T> {
      if (closing !== undefined) return Promise.reject(new Error('store is closed'));
      return track(transaction(false, fn));
    },
    close(): Promise<void> {
      closing ??= (async () => {
        await Promise.allSettled([...subscriptions].map((sub) => sub.close()));
        if (!(await within(settled(), closeTimeoutMs))) {
          cutAtClose = new StoreUnavailableError(
            `PostgreSQL store closed (the server is stopping) while this transaction was in flight: it had not ended ${closeTimeoutMs} ms after close began (closeTimeoutMs), so its connection was cut and the database rolls it back; try again`,
          );
          cutWaits(cutAtClose);
          for (const cutOne of [...cutters]) cutOne();
        }
        // A cut transaction fails at its next statement; one whose own code awaits something else (not a statement) is
        // not waited for past the grace (its connection is gone, the database has rolled it back). Nor is the pool's end,
        // whose goodbye to a database that stopped answering is never answered.
        await within(Promise.all([settled(), pool.end()]), CUT_GRACE_MS);
      })();
      return closing;
    },
  };
}

/** How long the answer to the migrations' lock statement may take past `lock_timeout` before its connection is cut as hung. */
const LOCK_ANSWER_GRACE_MS = 2_000;

/**
 * Runs the migrations in one transaction holding the schema's advisory lock. Every wait is bounded (review jv, 3): lock
 * waits by `lock_timeout` (the advisory lock, and the locks a migration's DDL takes), statements by `statement_timeout`,
 * and every answer by this process's timer (a connection that stopped answering is cut). Each failure of that kind is
 * thrown as `StoreUnavailableError` saying what the open waited on and for how long.
 */
async function migrate(pool: pg.Pool, schema: string | undefined, list: readonly Migration[], now: () => Date, bounds: { lockMs: number; statementMs: number }): Promise<MigrationReport> {
  const client = await pool.connect();
  let broken = false;
  // A checked-out client has no error listener of the pool's: a connection lost during the migrations was an uncaught
  // 'error' that ended the process, where a database lost at start is waited for (review jj, 7).
  const onError = (): void => {
    broken = true;
  };
  client.on('error', onError);
  const where = schema === undefined ? "the role's default schema" : `schema \`${schema}\``;
  /** The step under way, and the lock it may wait for: what the error that ends a wait names. */
  let step = 'taking their lock';
  let lockOf = `the migrations' advisory lock of ${where} (held by another instance running them, or by a session left open: see pg_locks, locktype advisory)`;
  let cutForSilence = false;
  const send = (sql: string, params?: readonly SqlValue[], boundMs = bounds.statementMs + LOCK_ANSWER_GRACE_MS): Promise<pg.QueryResult> =>
    bounded(client, boundMs, () => {
      broken = true;
      cutForSilence = true;
    }, sql, params);
  const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(3))} s`;
  const explained = (e: unknown): unknown => {
    if (e instanceof StoreUnavailableError) return e;
    const code = String((e as { code?: unknown }).code ?? '');
    if (cutForSilence) return new StoreUnavailableError(`PostgreSQL did not answer the database migrations, ${step}, in time; the connection was cut`, { cause: e });
    if (code === '55P03') return new StoreUnavailableError(`the database migrations, ${step}, waited ${seconds(bounds.lockMs)} for ${lockOf}, and gave up (lock_timeout; GATEHOUSE_MIGRATION_LOCK_TIMEOUT_SECONDS sets it)`, { cause: e });
    if (code === '57014') return new StoreUnavailableError(`the database migrations, ${step}, ran ${seconds(bounds.statementMs)}, and gave up (statement_timeout)`, { cause: e });
    return e;
  };
  try {
    // READ COMMITTED: after the lock is granted, the next statement must see what the previous holder
    // committed (a REPEATABLE READ snapshot would predate it).
    const quick = bounds.lockMs + LOCK_ANSWER_GRACE_MS;
    await send('BEGIN ISOLATION LEVEL READ COMMITTED', undefined, quick);
    try {
      // Settings of this transaction only (`SET LOCAL`): the connection goes back to the pool afterwards.
      await send(`SET LOCAL lock_timeout = ${bounds.lockMs}`, undefined, quick);
      await send(`SET LOCAL statement_timeout = ${bounds.statementMs}`, undefined, quick);
      await send('SELECT pg_advisory_xact_lock($1)', [lockKey(schema)], quick);
      step = `creating ${where}`;
      lockOf = `a lock on ${where} (held by another session: see pg_locks and pg_stat_activity)`;
      // Quoted: `SCHEMA_NAME` admits SQL key words (`user`, `order`), which the search path takes as they are and an
      // unquoted CREATE SCHEMA refused as a syntax error, ending the start (review mx, 1). The name is lower case, so the
      // quoted identifier is the one the search path names.
      if (schema !== undefined) {
        await send(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
        // The schema reaches the connection as the startup option `-c search_path=…`, which a pooler in between may drop
        // (PgBouncer with `options` in ignore_startup_parameters): the migrations and every query then ran in the role's
        // default schema, two deployments told apart by their schemas sharing one directory (review mx, 4). Refused
        // before anything is written; waiting cannot cure it. The setting, not `current_schema()`: it names the schema
        // whether or not the engine shows one created in this very transaction.
        const row = (await send("SELECT current_setting('search_path') AS s")).rows[0] as { s?: unknown } | undefined;
        const path = String(row?.s ?? '');
        const first = (path.split(',')[0] ?? '').trim().replace(/^"(.*)"$/, '$1');
        if (first !== schema) {
          throw new Error(
            `the database connection does not use schema \`${schema}\` (GATEHOUSE_DATABASE_SCHEMA): its search path is \`${path}\`; the schema is sent as the startup option \`-c search_path=${schema}\`, and something between Gatehouse and PostgreSQL dropped it (a connection pooler such as PgBouncer with \`options\` in ignore_startup_parameters); connect directly or through a pooler that passes it, or give the database role that search path (ALTER ROLE … SET search_path = ${schema}), and start again`,
          );
        }
      }
      const migrationOf = (sql: string): Migration | undefined => list.find((m) => m.statements.includes(sql));
      const run = (sql: string, params?: readonly SqlValue[]): Promise<pg.QueryResult> => {
        const m = migrationOf(sql);
        step = m !== undefined ? `at migration ${m.version} (\`${m.name}\`)` : 'reading or recording the versions applied';
        lockOf = m !== undefined
          ? `a lock on a table of ${where} it alters (held by another session: see pg_locks and pg_stat_activity)`
          : `a lock on the table schema_migrations in ${where} (held by another session: see pg_locks and pg_stat_activity)`;
        return send(sql, params);
      };
      const report = await applyMigrations(executor(run, () => undefined), list, now);
      await send('COMMIT');
      return report;
    } catch (e) {
      if (!broken) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
      }
      throw explained(e);
    }
  } catch (e) {
    throw unavailable(explained(e)) ?? explained(e);
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}

/**
 * The notification channel: one per schema, so deployments sharing a database do not wake each other. Channel
 * names are identifiers (at most 63 bytes); a long schema name is hashed into one.
 */
export function channelOf(schema: string | undefined): string {
  if (schema === undefined) return 'gatehouse_changes';
  const named = `gatehouse_changes_${schema}`;
  return named.length <= 63 ? named : `gatehouse_changes_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`;
}

/**
 * Whether `pg_notify` exists here: called in a transaction that is rolled back, so nothing is sent. CockroachDB
 * refuses it; an engine that accepts it without delivering is caught by the listener's own check instead.
 *
 * Only the engine's refusal of the statement says "no": a connection lost meanwhile (a database restarting or failing
 * over as the instance starts) is an outage, thrown as `StoreUnavailableError` for the caller to try the open again.
 * Taken for "no", the instance sent no notification for its whole life, and its changes reached the others only at
 * their poll (review jj, 2).
 */
async function canNotify(pool: pg.Pool, channel: string): Promise<boolean> {
  const client = await pool.connect();
  let broken = false;
  // A checked-out client has no error listener of the pool's: a connection lost here was an uncaught 'error' (as in
  // `migrate`, review jj, 7).
  const onError = (): void => {
    broken = true;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    try {
      await client.query("SELECT pg_notify($1, 'probe')", [channel]);
      return true;
    } catch (e) {
      if (unavailable(e) !== undefined) throw e;
      return false;
    } finally {
      if (!broken) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
      }
    }
  } catch (e) {
    broken = true;
    throw unavailable(e) ?? e;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}

/** How long `close` waits, once nothing is in flight or what was is cut, for the transactions to fail and the pool to end. */
const CUT_GRACE_MS = 1_000;

/** Whether `p` settled within `ms` (its outcome is not looked at). */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** SQLSTATEs of an engine without LISTEN/NOTIFY: feature not supported, syntax error, undefined function. */
const NO_NOTIFY = new Set(['0A000', '42601', '42883']);
/** A listening connection that has not proven itself by then counts as not delivering. */
const SELF_CHECK_MS = 3_000;
/** How often an idle listening connection is checked (a half-open TCP connection delivers nothing and says nothing). */
const PING_MS = 5_000;

/** PostgreSQL keeps `application_name` to NAMEDATALEN - 1 bytes, cutting the rest, and shows printable ASCII only. */
const APPLICATION_NAME_BYTES = 63;

/**
 * The listening connection's `application_name`: `gatehouse-listen-<host>-<pid>`. The pid alone named every replica's
 * `gatehouse-listen-1` (the server is its container's first process in every pod of deploy/kubernetes, review oi, 1).
 * A host name too long for the bound keeps its end (a pod's name ends with what tells replicas apart), the pid whole.
 */
export function listenName(host: string, pid: number): string {
  const prefix = 'gatehouse-listen-';
  const tail = `-${pid}`;
  const room = Math.max(0, APPLICATION_NAME_BYTES - prefix.length - tail.length);
  const printable = host.replace(/[^\x20-\x7e]/g, '?');
  return `${prefix}${printable.length > room ? printable.slice(printable.length - room) : printable}${tail}`;
}

interface ListenOptions {
  readonly url: string;
  readonly schema: string | undefined;
  readonly channel: string;
  readonly connectTimeoutMs: number;
  readonly listener: ChangeListener;
  readonly onClose: () => void;
}

/**
 * One dedicated LISTEN connection, re-established with backoff (100 ms doubling to 5 s, jittered) whenever it is
 * lost. Every successful (re)connect reports `onState(true)`: the listener then catches up from the change log,
 * since whatever was sent while it was away is gone.
 */
function listen(o: ListenOptions): ChangeSubscription {
  let closed = false;
  let current: pg.Client | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let ping: ReturnType<typeof setInterval> | undefined;
  let failures = 0;
  let connecting: Promise<void> | undefined;
  /** The client of the connect under way: cut at `close`, which would otherwise wait out a database that does not answer. */
  let pending: pg.Client | undefined;

  const schedule = (): void => {
    if (closed) return;
    const delay = Math.min(5_000, 100 * 2 ** Math.min(failures, 6)) * (0.5 + Math.random() / 2);
    failures++;
    retry = setTimeout(() => void (connecting = connect()), delay);
    retry.unref?.();
  };

  const drop = (client: pg.Client, reason: string): void => {
    if (current !== client) return;
    current = undefined;
    if (ping !== undefined) clearInterval(ping);
    client.removeAllListeners('notification');
    void client.end().catch(() => undefined);
    if (closed) return;
    o.listener.onState(false, { reason });
    schedule();
  };

  const connect = async (): Promise<void> => {
    if (closed) return;
    const { url, given } = urlOptions(o.url);
    const client = new pg.Client({
      connectionString: url,
      // Named after the host and the process, so an operator (or a test) can tell the listening connections apart.
      application_name: listenName(hostname(), process.pid),
      keepAlive: true,
      connectionTimeoutMillis: o.connectTimeoutMs,
      ...(o.schema === undefined && given.length === 0 ? {} : { options: [...given, ...(o.schema === undefined ? [] : [`-c search_path=${o.schema}`])].join(' ') }),
    });
    pending = client;
    // Until it is `current`, a failure surfaces through the awaits below; afterwards through `drop`.
    client.on('error', (e: Error) => drop(client, e.message));
    client.on('end', () => drop(client, 'the listening connection closed'));
    const token = `self-check ${randomUUID()}`;
    let proven: () => void = () => undefined;
    let lost: (e: Error) => void = () => undefined;
    const proof = new Promise<'ok'>((resolve) => (proven = () => resolve('ok')));
    const gone = new Promise<never>((_, reject) => (lost = reject));
    gone.catch(() => undefined);
    client.once('end', () => lost(new Error('the listening connection closed')));
    client.once('error', (e: Error) => lost(e));
    client.on('notification', (m: pg.Notification) => {
      if (m.channel !== o.channel) return;
      if (m.payload === token) return proven();
      const seq = Number(m.payload);
      if (current === client && Number.isSafeInteger(seq)) o.listener.onChange(seq);
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${o.channel}"`);
      await client.query('SELECT pg_notify($1, $2)', [o.channel, token]);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), SELF_CHECK_MS)));
      const outcome = await Promise.race([proof, late, gone]).finally(() => clearTimeout(timer));
      // Not counted as "no notifications here": a database slow for a few seconds must not switch them off for
      // good. The connection is retried, and meanwhile the instance polls fast.
      if (outcome === 'late') throw new Error(`LISTEN was accepted but its own notification did not arrive within ${SELF_CHECK_MS} ms`);
    } catch (e) {
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      if (pending === client) pending = undefined;
      if (closed) return;
      const code = String((e as { code?: unknown }).code ?? '');
      const reason = e instanceof Error ? e.message : String(e);
      if (NO_NOTIFY.has(code)) {
        o.listener.onState(false, { reason: `the database delivers no notifications (${reason})`, permanent: true });
        return;
      }
      o.listener.onState(false, { reason });
      schedule();
      return;
    }
    if (pending === client) pending = undefined;
    if (closed) {
      void client.end().catch(() => undefined);
      return;
    }
    current = client;
    failures = 0;
    ping = setInterval(() => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the listening connection stopped answering')), PING_MS)));
      Promise.race([client.query('SELECT 1'), late]).then(
        () => clearTimeout(timer),
        (e: unknown) => {
          clearTimeout(timer);
          drop(client, e instanceof Error ? e.message : String(e));
        },
      );
    }, PING_MS);
    ping.unref?.();
    o.listener.onState(true, {});
  };

  connecting = connect();
  return {
    close: async () => {
      if (closed) return;
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      if (ping !== undefined) clearInterval(ping);
      // A connect under way is cut, not waited for (up to the connect timeout, or for ever for a LISTEN sent to a
      // database that then froze): a server's stop begins here (review az, 3).
      const cut = pending as pg.Client | undefined;
      if (cut !== undefined) (cut as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
      await connecting?.catch(() => undefined);
      const client = current;
      current = undefined;
      if (client) {
        client.removeAllListeners();
        client.on('error', () => undefined);
        await client.end().catch(() => undefined);
      }
      o.onClose();
    },
  };
}

/**
 * The URL without its `options` parameter, and that parameter's value (none: empty): node-postgres lets a parameter of
 * the URL override the same setting given beside it, so a URL's `options` (CockroachDB Cloud's routing, Neon's endpoint,
 * an operator's `-c` settings) silently dropped the store's own — its `search_path`, so that the tables went to `public`
 * whatever GATEHOUSE_DATABASE_SCHEMA said, and its `idle_in_transaction_session_timeout` (review instances, cn5). A URL
 * that does not parse as one, or has no `options`, is left as it is.
 */
export function urlOptions(url: string): { url: string; given: string[] } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url, given: [] };
  }
  const given = u.searchParams.get('options');
  if (given === null) return { url, given: [] };
  u.searchParams.delete('options');
  return { url: u.toString(), given: given.trim() === '' ? [] : [given.trim()] };
}

/** A 64-bit advisory lock key, per schema so that separate deployments in one database do not contend. */
function lockKey(schema: string | undefined): string {
  return createHash('sha256')
    .update(`gatehouse:migrations:${schema ?? ''}`)
    .digest()
    .readBigInt64BE(0)
    .toString();
}

/**
 * Network errors of the driver, and SQLSTATEs of a server that is gone, going, or out of room, that cancelled the
 * statement (57014: pg_cancel_backend, statement_timeout; 55P03: lock_timeout), or that takes no writes now (25006: a
 * hot standby not yet promoted, which a failover's moved address or a writer endpoint still naming the old writer
 * leads to, or `default_transaction_read_only`; review az, 1): retried later, it may well go through.
 */
const UNAVAILABLE_NET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
/** read_only_sql_transaction: also what a hot standby answers to LISTEN, NOTIFY and every write. */
const READ_ONLY = '25006';
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|not queryable|connection error|Connection closed/i;

/** The outage behind `e` (or its cause) as a `StoreUnavailableError`; undefined when `e` is something else. */
function unavailable(e: unknown): StoreUnavailableError | undefined {
  for (let x: unknown = e, depth = 0; typeof x === 'object' && x !== null && depth < 4; x = (x as { cause?: unknown }).cause, depth++) {
    if (x instanceof StoreUnavailableError) return x;
    const code = String((x as { code?: unknown }).code ?? '');
    const message = String((x as { message?: unknown }).message ?? '');
    if (code === READ_ONLY) {
      return new StoreUnavailableError(`PostgreSQL takes no writes now (a standby not yet promoted, or default_transaction_read_only): ${message || code}`, { cause: e });
    }
    if (UNAVAILABLE_NET.has(code) || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '57014' || code === '55P03' || code.startsWith('53') || UNAVAILABLE_MESSAGES.test(message)) {
      return new StoreUnavailableError(`PostgreSQL is unavailable: ${message || code}`, { cause: e });
    }
  }
  return undefined;
}

/**
 * The server's refusal of a value behind `e` (or its cause) as a `StoreDataRefusedError`: SQLSTATE class 22 (data
 * exception: an invalid byte sequence, a value too long for its type, a value out of range), class 54 (program limit
 * exceeded: an index entry too large), 23514 (a CHECK constraint). The same values are refused every time; never an
 * outage (those are `unavailable`, read first). Undefined when `e` is something else.
 */
function dataRefused(e: unknown): StoreDataRefusedError | undefined {
  for (let x: unknown = e, depth = 0; typeof x === 'object' && x !== null && depth < 4; x = (x as { cause?: unknown }).cause, depth++) {
    const code = (x as { code?: unknown }).code;
    if (isSqlState(code) && (String(code).startsWith('22') || String(code).startsWith('54') || code === '23514')) {
      return new StoreDataRefusedError(String((x as { message?: unknown }).message ?? code), String(code), { cause: e });
    }
  }
  return undefined;
}

/** A SQLSTATE of the server's (five digits or capitals), not a driver's or the network's code. */
const isSqlState = (code: unknown): boolean => typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);

function isRetryable(e: unknown): boolean {
  return typeof e === 'object' && e !== null && RETRYABLE.has(String((e as { code?: unknown }).code));
}

/**
 * `client.query`, answered within `ms` or the connection is destroyed (`cut` is told first): pg then fails the
 * pending statement with `Connection terminated unexpectedly`, which `unavailable` reads as an outage.
 */
function bounded(client: pg.PoolClient, ms: number, cut: () => void, sql: string, params?: readonly SqlValue[]): Promise<pg.QueryResult> {
  const pending = client.query(sql, params as SqlValue[] | undefined);
  if (!(ms > 0)) return pending;
  let settled = false;
  // The bound is this process's timer. Node runs overdue timers before it reads its sockets, so after this thread was
  // blocked past the bound (a long synchronous step, a GC pause) the timer ran while the answer waited in the socket,
  // and a database that had answered at once was cut as hung (review dt1). Overdue, the bound lets the loop read what
  // arrived first (`setImmediate` runs after the loop's poll for I/O) and cuts only a statement still unanswered.
  const timer = setTimeout(() => {
    setImmediate(() => {
      if (settled) return;
      cut();
      const stream = (client as unknown as { connection?: { stream?: { destroy(e?: Error): void } } }).connection?.stream;
      stream?.destroy();
    });
  }, ms);
  return pending.finally(() => {
    settled = true;
    clearTimeout(timer);
  });
}

function executor(q: ((sql: string, params?: readonly SqlValue[]) => Promise<pg.QueryResult>) | pg.PoolClient, onError: (e: unknown) => void): SqlExecutor {
  const run = typeof q === 'function' ? q : (sql: string, params?: readonly SqlValue[]) => q.query(sql, params as SqlValue[] | undefined);
  const query = async (sql: string, params: readonly SqlValue[]) => {
    try {
      return await run(numbered(sql), params);
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

/** `?` → `$1, $2…` (the shared SQL has no `?` inside literals). */
const numbered = cached((sql: string): string => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
});
