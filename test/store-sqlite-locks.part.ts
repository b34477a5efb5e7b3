/**
 * The SQLite store keeps its locks on the database file while the server runs (review A, finding 2). POSIX locks
 * belong to the process and one close() of any descriptor of the file drops them all (SQLite's "How To Corrupt
 * An SQLite Database File", §2.2), so nothing in the process may open and close the file with `node:fs` once a
 * connection holds it — the audit writer thread opens its own store long after the main thread's connections.
 * Without the lock, another process's SQLite connection (a read-only `sqlite3` look, a backup) believes it is the
 * last one, checkpoints and deletes the `-wal`/`-shm` under the server, and every write after that is lost at
 * restart. Here: a store opened as the server opens it (main connections, then the writer thread's), another
 * process that opens and closes the file, more writes, and a reopen that must find every one of them.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAudit } from '../src/app/audit.ts';
import type { AuditEvent } from '../src/core/audit/index.ts';
import { auditWorker } from '../src/adapters/audit-worker/index.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gh-sqlite-locks-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const ev = (i: number): AuditEvent => ({ kind: 'change', account: '000000000000', principal: 'arn:aws:iam::000000000000:user/admin', action: 'iam:CreateUser', resource: `u${i}`, detail: { i } });

/**
 * This process's POSIX locks on `file`, from /proc/locks (Linux); `undefined` where there is no such file.
 * A line: `1: POSIX  ADVISORY  READ 1234 08:01:5678 1073741824 1073741825` (pid, then major:minor:inode).
 */
function locksHeld(file: string): string[] | undefined {
  if (!existsSync('/proc/locks')) return undefined;
  const inode = statSync(file).ino;
  return readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .filter((line) => {
      const f = line.trim().split(/\s+/);
      // `->` marks a waiter, which shifts the fields by one.
      const o = f[1] === '->' ? 1 : 0;
      return f[1 + o] === 'POSIX' && f[4 + o] === String(process.pid) && f[5 + o]?.split(':')[2] === String(inode);
    });
}

/** Another process opens the file with its own SQLite connection, reads, and closes it (the reviewer's `sqlite3`). */
function lookFromAnotherProcess(file: string): number {
  const script = `const { DatabaseSync } = require('node:sqlite');
    const db = new DatabaseSync(${JSON.stringify(file)});
    const n = db.prepare('SELECT count(*) AS n FROM audit_log').get().n;
    db.close();
    process.stdout.write(String(n));`;
  const r = spawnSync(process.execPath, ['--no-warnings', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout);
}

describe('SQLite store: the process keeps its locks', () => {
  it('a write after another process opened and closed the file survives a restart; the lock is still held after the writer thread opened', async () => {
    const dir = await dataDir();
    // As `gatehouse server` opens it: the store on the main thread, audit appends through the writer thread.
    const store = await openSqliteStore({ dataDir: dir });
    const appender = auditWorker({ dialect: 'sqlite', file: store.file });
    const audit = createAudit({ store, now: () => Date.now(), appender }, { flushMs: 5, batchSize: 50 });
    let stopped = false;
    cleanups.push(async () => {
      if (!stopped) {
        await audit.stop();
        await store.close();
      }
    });

    await store.write((tx) => tx.kv.put('test/before', 'written before the look'));
    audit.record(ev(1));
    assert.ok(await audit.flush(), 'the writer thread opened its store and wrote');

    const locks = locksHeld(store.file);
    if (locks !== undefined) assert.ok(locks.length > 0, `this process holds a lock on ${store.file} after the writer thread opened it`);

    assert.equal(lookFromAnotherProcess(store.file), 1);
    assert.ok(existsSync(`${store.file}-wal`), 'the other connection did not delete the WAL under this process');

    await store.write((tx) => tx.kv.put('test/after', 'written after the look'));
    audit.record(ev(2));
    audit.record(ev(3));
    assert.ok(await audit.flush());
    // Another look, then a last write: the WAL still belongs to the file this process writes.
    assert.equal(lookFromAnotherProcess(store.file), 3);
    await store.write((tx) => tx.kv.put('test/last', 'written last'));

    // Restart.
    await audit.stop();
    await store.close();
    stopped = true;
    const again = await openSqliteStore({ dataDir: dir });
    try {
      assert.deepEqual(
        await again.read(async (tx) => [await tx.kv.get('test/before'), await tx.kv.get('test/after'), await tx.kv.get('test/last')]),
        ['written before the look', 'written after the look', 'written last'],
      );
      const head = await again.read((tx) => tx.audit.head());
      assert.equal(head.seq, 3);
      assert.deepEqual((await again.read((tx) => tx.audit.list({}, 0, 100))).map((r) => r.detail['i']), [1, 2, 3]);
    } finally {
      await again.close();
    }
  });

  it('creates the database file readable by its owner only; a second store of this process opens it without dropping the lock', async () => {
    const dir = await dataDir();
    const store = await openSqliteStore({ dataDir: dir });
    await store.write((tx) => tx.kv.put('k', 'v'));
    for (const f of [store.file, `${store.file}-wal`, `${store.file}-shm`]) {
      assert.equal(statSync(f).mode & 0o777, 0o600, f);
    }
    // A second store on the same file in this process (as the writer thread's) leaves the first one's lock held.
    const before = locksHeld(store.file);
    const second = await openSqliteStore({ file: store.file });
    if (before !== undefined) {
      assert.ok(before.length > 0, 'the first store holds a lock');
      assert.ok((locksHeld(store.file) ?? []).length > 0, 'opening a second store dropped the lock');
    }
    await second.write((tx) => tx.kv.put('k2', 'v2'));
    assert.equal(await store.read((tx) => tx.kv.get('k2')), 'v2');
    await second.close();
    await store.close();
  });
});
