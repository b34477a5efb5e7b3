/**
 * Review rl, 3: the SQLite file in the data dir replaced under a running server (a backup copied or moved in as
 * `gatehouse.db`, another file renamed over it) was not noticed. The store's writer and its idle readers kept the file
 * they had opened, gone from the directory: every change the server then acknowledged was written where no later start
 * would find it (lost at the next restart), while the server went on answering from that old file as if the restore had
 * not happened. A read connection opened after the swap (opened as needed, up to four) opened the new file with the old
 * file's WAL beside it, SQLite's "unlinking or renaming a database file while in use" (sqlite.org/howtocorrupt.html,
 * 2.4). Now the store checks, before each transaction, that its path still names the file it opened; when it does not,
 * reads and writes fail as the database being unavailable (503, retried by clients; decisions answered from memory, as
 * in any outage of the database), saying what happened and what to do (restart the server to open the file now there, or put the file
 * back), until the path names the file again.
 * Contract: DESIGN.md "SQLite in the data dir is the embedded default" (one file the server owns); docs/errors.md,
 * STORE_UNAVAILABLE (503: the database cannot take the work now); SQLite's own rule above.
 * The real SQLite store and a real server; the backup is made with `VACUUM INTO` and renamed over the file.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { CreateUserCommand, GetUserCommand } from '@aws-sdk/client-iam';
import { openSqliteStore, type SqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { isStoreUnavailable } from '../src/app/ports/store.ts';
import { sdkException, startTestServer, type TestServer } from './support/server.ts';

/** A consistent copy of `file` as it stands now, at `to` (as `sqlite3 file ".backup to"` would make). */
function backup(file: string, to: string): void {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    db.exec(`VACUUM INTO '${to.replaceAll("'", "''")}'`);
  } finally {
    db.close();
  }
}

const failure = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);

describe('review rl3: the SQLite file replaced under a running server', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-rl3-'));
  });
  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  describe('the store', () => {
    let store: SqliteStore;
    before(async () => {
      store = await openSqliteStore({ dataDir: join(dir, 'store') });
    });
    after(async () => {
      await store?.close();
    });

    it('refuses reads and writes as unavailable once its path names another file; no write goes to the file it opened', async () => {
      await store.write(async (tx) => tx.kv.put('k', 'at the backup'));
      // An idle reader on the file as opened, as a running server has.
      assert.equal(await store.read((tx) => tx.kv.get('k')), 'at the backup');
      backup(store.file, `${store.file}.bak`);
      await store.write(async (tx) => tx.kv.put('k', 'after the backup'));
      await rename(`${store.file}.bak`, store.file);

      const w = await failure(store.write(async (tx) => tx.kv.put('k', 'written after the restore')));
      assert.ok(isStoreUnavailable(w), `the write was taken: ${String(w)}`);
      assert.match((w as Error).message, /was replaced or moved while the server runs/);
      assert.match((w as Error).message, /restart the server/);
      const r = await failure(store.read((tx) => tx.kv.get('k')));
      assert.ok(isStoreUnavailable(r), `the read was answered from the file the restore replaced: ${String(r)}`);
    });

    it('a file moved away and back is served again', async () => {
      const own = await openSqliteStore({ dataDir: join(dir, 'moved') });
      try {
        await own.write(async (tx) => tx.kv.put('k', 'v'));
        assert.equal(await own.read((tx) => tx.kv.get('k')), 'v');
        await rename(own.file, `${own.file}.away`);
        // A restart would find no file there and start on an empty one: nothing is written meanwhile.
        assert.ok(isStoreUnavailable(await failure(own.write(async (tx) => tx.kv.put('k', 'while away')))), 'no file there: unavailable');
        await rename(`${own.file}.away`, own.file);
        await own.write(async (tx) => tx.kv.put('k', 'back'));
        assert.equal(await own.read((tx) => tx.kv.get('k')), 'back');
      } finally {
        await own.close();
      }
    });
  });

  describe('a server', () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer();
    });
    after(async () => {
      await s?.stop();
    });

    it('answers a change 503 and says why in its log; the same file put back, it serves again', async () => {
      const file = join(s.dataDir, 'gatehouse.db');
      backup(file, `${file}.bak`);
      await s.iam().send(new CreateUserCommand({ UserName: 'rl3-after-backup' }));
      await rename(file, `${file}.live`);
      await rename(`${file}.bak`, file);

      const e = await sdkException(s.iam().send(new CreateUserCommand({ UserName: 'rl3-lost' })));
      assert.equal(e.status, 503, `${e.name}: ${e.message}`);
      assert.ok(s.logs.some((l) => /gatehouse\.db.* was replaced or moved while the server runs/.test(l)), s.logs.slice(-5).join('\n'));

      await rename(file, `${file}.bak`);
      await rename(`${file}.live`, file);
      // The audit log's writer, refused meanwhile too, takes writes again at its next try: changes wait for it (503).
      for (const deadline = Date.now() + 30_000; ; await sleep(250)) {
        const e2 = await sdkException(s.iam().send(new CreateUserCommand({ UserName: 'rl3-back' })));
        if (e2.name === 'no error') break;
        assert.ok(e2.status === 503 && Date.now() < deadline, `${e2.name}: ${e2.message}`);
      }
      const u = await s.iam().send(new GetUserCommand({ UserName: 'rl3-after-backup' }));
      assert.equal(u.User?.UserName, 'rl3-after-backup');
    });
  });
});
