/**
 * Review qp, 4: the SQLite store's reads recover once its file can be opened again, and fail meanwhile as an outage.
 * Read connections are opened as needed, up to four; one whose open failed (the file moved or replaced while the server
 * runs, a data dir on a volume that went away, no file descriptor left) still counted as open, and the open's error
 * reached the caller raw (a 500 where an outage is a 503 that clients retry). After four such failures every read
 * waited for a connection that would never be released: it hung for ever, the refresh that follows changes with it (no
 * revocation or deny made through another process reached this one again), even once the file was back, until the
 * process was restarted. Now a failed open gives its place back and fails as `StoreUnavailableError`.
 *
 * The real SQLite store; the file is moved away and a directory put in its place (the store's own connection keeps the
 * file it opened), then moved back.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rename, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, type SqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { isStoreUnavailable } from '../src/app/ports/store.ts';

/** What `p` settled with within `ms` (a read that hangs is `'pending'`). */
async function settled<T>(p: Promise<T>, ms = 10_000): Promise<{ ok: T } | { error: unknown } | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'pending'>((r) => (timer = setTimeout(() => r('pending'), ms)));
  try {
    return await Promise.race([p.then((ok) => ({ ok }), (error: unknown) => ({ error })), late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('SQLite reads while the file cannot be opened (review qp, 4)', () => {
  let dir = '';
  let store: SqliteStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-qp4-'));
    store = await openSqliteStore({ dataDir: dir });
    await store.write(async (tx) => tx.kv.put('k', 'v'));
    await rename(store.file, `${store.file}.away`);
    await mkdir(store.file);
  });
  after(async () => {
    await store?.close();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('each read fails as an outage, at once, however many there are', async () => {
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await settled(store.read((tx) => tx.kv.get('k'))));
    assert.ok(!results.includes('pending'), `reads ${results.flatMap((r, i) => (r === 'pending' ? [i + 1] : [])).join(', ')} of 6 hung`);
    for (const [i, r] of results.entries()) {
      assert.ok(typeof r === 'object' && 'error' in r, `read ${i + 1} did not fail`);
      assert.ok(isStoreUnavailable(r.error), `read ${i + 1} failed with ${String(r.error)}, not as an outage`);
    }
  });

  it('reads work again once the file is back', async () => {
    await rmdir(store.file);
    await rename(`${store.file}.away`, store.file);
    const r = await settled(store.read((tx) => tx.kv.get('k')));
    assert.deepEqual(r, { ok: 'v' });
  });
});
