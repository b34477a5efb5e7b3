/**
 * A SQLite store in a temporary directory whose writes can be made to fail as an unreachable store's do
 * (`StoreUnavailableError`), reads still answering: the audit log's outage, for the queue and spool suites.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreUnavailableError, type Store } from '../../src/app/ports/store.ts';
import { openSqliteStore } from '../../src/adapters/store-sqlite/index.ts';

export async function flakySqlite(prefix: string): Promise<{ dir: string; store: Store; real: Store; fail: (on: boolean) => void }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const real = await openSqliteStore({ dataDir: dir });
  let failing = false;
  const store: Store = {
    dialect: real.dialect,
    migrations: real.migrations,
    read: (fn) => real.read(fn),
    write: (fn) => (failing ? Promise.reject(new StoreUnavailableError('SQLite is unavailable: disk I/O error')) : real.write(fn)),
    close: () => real.close(),
  };
  return { dir, store, real, fail: (on) => void (failing = on) };
}
