/**
 * A server restarted on its own data dir after its store was edited by hand (a record that is not what the server
 * writes: a database restored or edited, a truncated write), as the unreadable-record reviews (pi, pv) set it up.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { openSqliteStore } from '../../src/adapters/store-sqlite/index.ts';
import type { WriteTx } from '../../src/app/ports/store.ts';
import { startTestServer, type TestServer } from './server.ts';

/** Stops `first`'s server (started with `keepDir`), lets `edit` write its store, and starts a server on the same data dir (with `options`). */
export async function restartAfterEdit(first: TestServer, edit: (tx: WriteTx) => Promise<void>, options: Omit<Parameters<typeof startTestServer>[0] & object, 'dataDir' | 'keepDir'> = {}): Promise<TestServer> {
  await first.stopServer();
  const store = await openSqliteStore({ dataDir: first.dataDir });
  try {
    await store.write(edit);
  } finally {
    await store.close();
  }
  return startTestServer({ ...options, dataDir: first.dataDir, keepDir: true });
}

/** Stops the restarted server and `first`, and removes their data dir. */
export async function stopRestarted(first: TestServer | undefined, server: TestServer | undefined): Promise<void> {
  await server?.stop();
  await first?.stop();
  if (first) await rm(first.dataDir, { recursive: true, force: true });
}

/** Each record key is named in exactly one line of `server`'s log, and that line says it cannot be read (and, given, more). */
export function assertSaidOnce(server: TestServer, keys: readonly string[], says: RegExp = /CANNOT READ/): void {
  for (const key of keys) {
    const lines = server.logs.filter((l) => l.includes(`\`${key}\``));
    assert.equal(lines.length, 1, `${key}:\n${server.logs.join('\n')}`);
    assert.match(lines[0] as string, says);
  }
}
