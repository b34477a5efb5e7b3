/**
 * The embedded `Store`: one SQLite file in the data dir through `node:sqlite` (no native dependency).
 *
 * - WAL journal, `synchronous = FULL` (a committed credential survives power loss; directory writes are
 *   rare, so the fsync per commit costs nothing that matters), busy timeout for other processes. `synchronous:
 *   'normal'` (GATEHOUSE_SQLITE_SYNCHRONOUS) leaves the fsync to the WAL's checkpoints: a commit still survives the
 *   process's crash (it is in the WAL, in the kernel, when COMMIT returns), and the file is never corrupted, but the
 *   last commits before a power loss or an operating system crash may be lost.
 * - One writer: write transactions are serialised in-process by a queue shared by every store opened on
 *   the same file in this process, and across processes by `BEGIN IMMEDIATE` (which takes SQLite's write
 *   lock up front, so a transaction never fails half-way on a lock upgrade). The queue matters because
 *   `DatabaseSync` waits for a busy lock synchronously: two writers in one process on separate
 *   connections would otherwise block the event loop against each other until the timeout.
 * - Readers: a small pool of read-only connections; in WAL mode a reader sees a consistent snapshot from
 *   its first SELECT to COMMIT and never blocks the writer.
 * - Migrations run at open under `BEGIN IMMEDIATE`, so two processes opening one file at once apply them
 *   once (the second waits, then finds them recorded).
 * - The file is the one opened for good: before each transaction the store checks that its path still names it
 *   (`sameFile`), and refuses the work as unavailable while it does not (review rl, 3).
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { closeSync, openSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { StoreDataRefusedError, StoreUnavailableError, type Abort, type ChangeListener, type ChangeNotes, type ChangeSubscription, type MigrationReport, type ReadTx, type Store, type WriteTx } from '../../app/ports/store.ts';
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
import { SQLITE_MIGRATIONS } from './migrations.ts';
import { makeDirectorySync } from '../fs/index.ts';

export const SQLITE_FILE_NAME = 'gatehouse.db';
/** SQLite's primary result code for a lock another connection holds. */
const SQLITE_BUSY = 5;

export interface SqliteStoreOptions {
  /** The database file; default `<dataDir>/gatehouse.db`. One of `file` and `dataDir` is required. */
  readonly file?: string;
  readonly dataDir?: string;
  /** How long to wait for another process's write lock before failing; default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /** Read connections kept open at most; default 4. */
  readonly maxReaders?: number;
  readonly now?: () => Date;
  /** For tests of later schema versions; default the built-in list. */
  readonly migrations?: readonly Migration[];
  /**
   * A channel to the other processes on this file (`gatehouse server --workers`, src/adapters/cluster): a write that
   * moved the change head announces the head it left once committed, and `subscribe` hears the others' notes, as
   * PostgreSQL's LISTEN/NOTIFY does for instances on one database. Without it the store has no `subscribe` (polled).
   */
  readonly notes?: ChangeNotes;
  /**
   * SQLite's `synchronous` of the connection that writes; default `full`: each commit is fsynced, and survives a power
   * loss. `normal`: a commit survives the process's crash, not the machine's (the last ones may be lost; the file is
   * never corrupted). GATEHOUSE_SQLITE_SYNCHRONOUS (docs/decisions.md "SQLite's synchronous").
   */
  readonly synchronous?: SqliteSynchronous;
}

/** SQLite's `synchronous` settings a store may be opened with (SqliteStoreOptions.synchronous). */
export const SQLITE_SYNCHRONOUS = ['full', 'normal'] as const;
export type SqliteSynchronous = (typeof SQLITE_SYNCHRONOUS)[number];

export interface SqliteStore extends Store {
  readonly dialect: 'sqlite';
  /** The absolute path of the database file. */
  readonly file: string;
}

interface Connection {
  readonly db: DatabaseSync;
  readonly exec: SqlExecutor;
}

/** Write queues per database file, shared by all stores of this process. */
const writeQueues = new Map<string, { tail: Promise<unknown>; stores: number }>();

export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  const file = resolveFile(options);
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const maxReaders = options.maxReaders ?? 4;
  const now = options.now ?? (() => new Date());
  const notes = options.notes;
  const synchronous = (options.synchronous ?? 'full') === 'normal' ? 'NORMAL' : 'FULL';

  createPrivate(file);
  const key = realpathSync(file);
  const queue = writeQueues.get(key) ?? { tail: Promise.resolve(), stores: 0 };
  queue.stores += 1;
  writeQueues.set(key, queue);
  const serialise = <T>(job: () => Promise<T>): Promise<T> => {
    const run = queue.tail.then(job, job);
    queue.tail = run.catch(() => undefined);
    return run;
  };

  const connect = (readOnly: boolean): Connection => {
    const db = new DatabaseSync(file, { timeout: busyTimeoutMs, readOnly, enableForeignKeyConstraints: true });
    return { db, exec: executor(db) };
  };

  /**
   * The writer's connection, in WAL mode with the synchronous setting. Switching to WAL is persistent in the file, and
   * repeating it a no-op; but on a new file, two connections switching it at the same moment (two stores opening a new
   * data dir at once, in one process or two) had one answered SQLITE_BUSY at once, without SQLite's busy handler (the
   * switch needs the file to itself): the open failed as if the lock had been held past the busy timeout. Tried again
   * until that timeout instead.
   */
  const connectWriter = async (): Promise<Connection> => {
    const conn = connect(false);
    const until = Date.now() + busyTimeoutMs;
    for (let wait = 5; ; wait = Math.min(2 * wait, 100)) {
      try {
        conn.db.exec('PRAGMA journal_mode = WAL');
        conn.db.exec(`PRAGMA synchronous = ${synchronous}`);
        return conn;
      } catch (e) {
        if ((Number((e as { errcode?: unknown }).errcode) & 0xff) !== SQLITE_BUSY || Date.now() >= until) {
          conn.db.close();
          throw e;
        }
        await delay(wait);
      }
    }
  };

  let opening: Connection | undefined;
  let migrations: MigrationReport;
  try {
    const conn = await serialise(connectWriter);
    opening = conn;
    migrations = await serialise(() =>
      inTransaction(conn, 'BEGIN IMMEDIATE', (db) => applyMigrations(db, options.migrations ?? SQLITE_MIGRATIONS, now)),
    );
  } catch (e) {
    // Not left open for the next attempt to find (the start tries again while the lock is held).
    opening?.db.close();
    release();
    throw lockedAtOpen(e, key, busyTimeoutMs) ?? e;
  }
  const writer: Connection = opening;
  const opened = fileIdentity(file);
  /**
   * Refuses the work while the path names another file than the one opened, or none: a backup copied or renamed in as
   * the file, the file moved away. The connections open keep the file they opened, gone from the directory: every
   * change then acknowledged went where no later start finds it, the server answered from the file the restore meant to
   * replace, and a read connection opened after the swap opened the new file beside the old one's WAL (SQLite's
   * "unlinking or renaming a database file while in use", sqlite.org/howtocorrupt.html 2.4; review rl, 3). Not
   * latched: the same file put back is served again. One stat per transaction.
   */
  const sameFile = (): void => {
    const now = fileIdentity(file);
    if (opened !== undefined && now !== undefined && now.dev === opened.dev && now.ino === opened.ino) return;
    throw new StoreUnavailableError(
      `the database file ${file} was replaced or moved while the server runs (${now === undefined ? 'no file is there now' : 'another file is there now'}): nothing is read or written until it is the file this server opened; restart the server to open the file now there (a backup put in its place), or put the file back`,
    );
  };

  const idleReaders: Connection[] = [];
  const waiting: ((c: Connection) => void)[] = [];
  let readers = 0;
  const acquireReader = async (): Promise<Connection> => {
    sameFile();
    const idle = idleReaders.pop();
    if (idle !== undefined) return idle;
    if (readers < maxReaders) {
      readers += 1;
      try {
        return connect(true);
      } catch (e) {
        // Its place given back: counted as open, four failed opens (the file moved away or replaced, its volume gone,
        // no descriptor left) left every later read waiting for a connection none would release, for good, the file
        // back or not; and the open's error reached the caller raw, not as the outage it is (review qp, 4).
        readers -= 1;
        throw unavailable(e) ?? e;
      }
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const releaseReader = (c: Connection) => {
    const next = waiting.shift();
    if (next !== undefined) next(c);
    else idleReaders.push(c);
  };

  let closing: Promise<void> | undefined;
  const { track, settled } = inFlight();
  const checkOpen = () => {
    if (closing !== undefined) throw new Error('store is closed');
  };

  function release() {
    queue.stores -= 1;
    if (queue.stores === 0) writeQueues.delete(key);
  }

  return {
    dialect: 'sqlite',
    file: key,
    migrations,
    ...(notes !== undefined ? { subscribe: (listener: ChangeListener): ChangeSubscription => notes.listen(listener) } : {}),
    read<T>(fn: (tx: ReadTx) => Promise<T>): Promise<T> {
      checkOpen();
      return track(
        (async () => {
          const conn = await acquireReader();
          try {
            return await inTransaction(conn, 'BEGIN', (db) => fn(createTx(db, { readOnly: true, now })));
          } catch (e) {
            throw unavailable(e) ?? e;
          } finally {
            releaseReader(conn);
          }
        })(),
      );
    },
    write<T>(fn: (tx: WriteTx, abort: Abort<T>) => Promise<T>): Promise<T> {
      checkOpen();
      const { abort, check, caught } = makeAbort<T>();
      return track(
        serialise(async () => {
          try {
            sameFile();
            let moved: number | undefined;
            const value = await inTransaction(writer, 'BEGIN IMMEDIATE', async (db) => {
              const before = notes === undefined ? undefined : await changeHead(db);
              const value = await fn(createTx(db, { readOnly: false, now }), abort);
              check();
              if (notes !== undefined) {
                const after = await changeHead(db);
                if (after !== before) moved = after;
              }
              return value;
            });
            // Said once committed, and only for a write that moved the head (audit appends and last-used stamps do not).
            if (moved !== undefined) notes?.announce(moved);
            return value;
          } catch (e) {
            const aborted = caught(e);
            if (aborted !== undefined) return aborted.value;
            throw unavailable(e) ?? dataRefused(e) ?? e;
          }
        }),
      );
    },
    close(): Promise<void> {
      closing ??= (async () => {
        await settled();
        for (const c of [writer, ...idleReaders]) c.db.close();
        release();
      })();
      return closing;
    },
  };
}

/** The file's device and inode, or undefined when there is none (or it cannot be read). */
function fileIdentity(file: string): { dev: bigint; ino: bigint } | undefined {
  try {
    const st = statSync(file, { bigint: true, throwIfNoEntry: false });
    return st === undefined ? undefined : { dev: st.dev, ino: st.ino };
  } catch {
    return undefined;
  }
}

/**
 * SQLite result codes of a database that cannot take the work now (busy or locked past the timeout, out of
 * memory, read-only, I/O error, disk full, cannot open): an outage, not a bug. Primary codes (errcode & 0xff).
 */
const UNAVAILABLE_CODES = new Set([5, 6, 7, 8, 10, 13, 14]);

function unavailable(e: unknown): StoreUnavailableError | undefined {
  if (typeof e !== 'object' || e === null || (e as { code?: unknown }).code !== 'ERR_SQLITE_ERROR') return undefined;
  const errcode = Number((e as { errcode?: unknown }).errcode);
  if (!UNAVAILABLE_CODES.has(errcode & 0xff)) return undefined;
  return new StoreUnavailableError(`SQLite is unavailable: ${(e as { message?: unknown }).message ?? errcode}`, { cause: e });
}

/**
 * The open's failure on a write lock another connection held past the busy timeout (SQLITE_BUSY, SQLITE_LOCKED): a
 * server on the same data dir stopping or running its migrations, a `sqlite3` session with a transaction open. An
 * outage the start waits out and tries again (`StoreUnavailableError`), as PostgreSQL's migration lock (review qp, 3):
 * it reached the start raw, which gave up at once (exit 10, SQLite's bare words). Not the other codes `unavailable`
 * counts: at open, a file that cannot be opened or read is the file's fault, and no wait mends it (review fq, 2).
 */
function lockedAtOpen(e: unknown, file: string, busyTimeoutMs: number): StoreUnavailableError | undefined {
  if (typeof e !== 'object' || e === null || (e as { code?: unknown }).code !== 'ERR_SQLITE_ERROR') return undefined;
  const errcode = Number((e as { errcode?: unknown }).errcode) & 0xff;
  if (errcode !== 5 && errcode !== 6) return undefined;
  return new StoreUnavailableError(
    `another connection held the write lock of ${file} for longer than the busy timeout (${busyTimeoutMs} ms: ${String((e as { message?: unknown }).message ?? errcode)}): a server on the same data dir stopping or running its migrations, or a sqlite3 session with a transaction open`,
    { cause: e },
  );
}

/**
 * SQLite's refusals of a value (extended result codes): the same values are refused every time, never an outage.
 * Not the other constraints: a PRIMARY KEY or UNIQUE conflict is the table's state, not the record's.
 */
const DATA_REFUSALS = new Map([
  [18, 'SQLITE_TOOBIG'],
  [20, 'SQLITE_MISMATCH'],
  [275, 'SQLITE_CONSTRAINT_CHECK'],
  [1811, 'SQLITE_CONSTRAINT_TRIGGER'],
]);

/** SQLite's refusal of a value (`DATA_REFUSALS`) as a `StoreDataRefusedError`; undefined when `e` is something else. */
function dataRefused(e: unknown): StoreDataRefusedError | undefined {
  if (typeof e !== 'object' || e === null || (e as { code?: unknown }).code !== 'ERR_SQLITE_ERROR') return undefined;
  const name = DATA_REFUSALS.get(Number((e as { errcode?: unknown }).errcode));
  if (name === undefined) return undefined;
  return new StoreDataRefusedError(String((e as { message?: unknown }).message ?? name), name, { cause: e });
}

/**
 * Creates the database file, empty and 0600, when it does not exist yet, so that SQLite never creates it with the
 * umask's mode (it gives -wal and -shm the mode of the database file). An existing file is not opened at all: POSIX
 * locks belong to the process, and close() of any descriptor of a file drops every lock the process holds on it
 * (SQLite's "How To Corrupt An SQLite Database File", §2.2) — the audit writer thread opens its store while the
 * main thread's connections hold theirs, and without those locks another process's connection believes it is the
 * last, checkpoints and deletes the WAL under the running server. O_EXCL makes the creation the only open: when
 * it succeeds, no connection can hold the file yet (a store of this process opens its connections only after this).
 */
function createPrivate(file: string): void {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw e;
  }
  closeSync(fd);
}

function resolveFile(options: SqliteStoreOptions): string {
  if (options.file !== undefined) return resolve(options.file);
  if (options.dataDir === undefined) throw new Error('openSqliteStore needs `file` or `dataDir`');
  makeDirectorySync(options.dataDir, 0o700);
  return resolve(join(options.dataDir, SQLITE_FILE_NAME));
}

/** Runs `fn` between `begin` and COMMIT; rolls back if it throws, and rethrows. */
/** The change head, read in the transaction. */
async function changeHead(db: SqlExecutor): Promise<number> {
  return Number((await db.all('SELECT seq FROM change_head WHERE id = 1'))[0]?.['seq'] ?? 0);
}

async function inTransaction<T>(conn: Connection, begin: string, fn: (db: SqlExecutor) => Promise<T>): Promise<T> {
  const { db, end } = guardExecutor(conn.exec);
  conn.db.exec(begin);
  try {
    const value = await fn(db);
    end();
    conn.db.exec('COMMIT');
    return value;
  } catch (e) {
    end();
    if (conn.db.isTransaction) conn.db.exec('ROLLBACK');
    throw e;
  }
}

/**
 * Refuses a text value holding NUL, as PostgreSQL does (SQLSTATE 22021, `invalid byte sequence for encoding "UTF8":
 * 0x00`, its words): SQLite kept it whole but node:sqlite reads text back cut at the first NUL, so a value was read as
 * another (`acme\u0000evil` as `acme`, a key `k\u0000x` as `k`, beside the row of `k`) where the PostgreSQL store
 * refused it (review jf, 1). Now both stores refuse it the same way and change nothing.
 */
function refuseNul(params: readonly SqlValue[]): void {
  for (const p of params) {
    if (typeof p === 'string' && p.includes('\u0000')) throw new StoreDataRefusedError('invalid byte sequence for encoding "UTF8": 0x00', '22021');
  }
}

function executor(db: DatabaseSync): SqlExecutor {
  const statement = cached((sql: string): StatementSync => db.prepare(sql));
  return {
    async all(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
      refuseNul(params);
      return statement(sql).all(...params) as SqlRow[];
    },
    async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
      refuseNul(params);
      return Number(statement(sql).run(...params).changes);
    },
  };
}
