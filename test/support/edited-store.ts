/**
 * A server restarted on its own data dir after its store was edited by hand (a record that is not what the server
 * writes: a database restored or edited, a truncated write), as the unreadable-record reviews (pi, pv) set it up.
 */
import { rm } from 'node:fs/promises';
import { openSqliteStore } from '../../src/adapters/store-sqlite/index.ts';
import type { WriteTx } from '../../src/app/ports/store.ts';
import { startTestServer, type TestServer } from './server.ts';

/** Stops `first`'s server (started with `keepDir`), lets `edit` write its store, and starts a server on the same data dir. */
export async function restartAfterEdit(first: TestServer, edit: (tx: WriteTx) => Promise<void>): Promise<TestServer> {
  await first.stopServer();
  const store = await openSqliteStore({ dataDir: first.dataDir });
  try {
    await store.write(edit);
  } finally {
    await store.close();
  }
  return startTestServer({ dataDir: first.dataDir, keepDir: true });
}

/** Stops the restarted server and `first`, and removes their data dir. */
export async function stopRestarted(first: TestServer | undefined, server: TestServer | undefined): Promise<void> {
  await server?.stop();
  await first?.stop();
  if (first) await rm(first.dataDir, { recursive: true, force: true });
}
