/**
 * Review jj, 4: after the database is restored from a backup under running instances, every instance seals sessions
 * with a key the database holds, and opens the sessions the others seal. A running instance adopts a key ring it reads
 * only when read at a change head at least that of the ring it holds (review M5: a reload that read the store before
 * this instance's own rotation must not put the old ring back). A restore puts the head back: the directory, the
 * bindings, the resource policies and the RBAC reload in full then (review hi, 1), but the key ring read from the
 * restored database was dropped as "older", so an instance that had rotated the ring after the backup went on sealing
 * every session with a key the database no longer held: each one it issued was refused (InvalidClientTokenId) by
 * every other instance and by itself once restarted. And a rotation made after the restore through another instance
 * never reached it: the sessions sealed with the new key were refused there. Both lasted until the head passed its
 * old value again, which may be days of changes. Now a head that went back is a restore, and the ring the database
 * holds is adopted, as a restarted instance loads it.
 *
 * Two LiveStates on the real SQLite store; the restore is made with a second connection to the database file: the key
 * ring as it was at the backup, the changes after it removed, the head put back (as review hi, 1 does).
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { SQLITE_FILE_NAME } from '../src/adapters/store-sqlite/store.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import type { AppDeps } from '../src/app/index.ts';
import { KEYRING_KV, LiveState } from '../src/app/live.ts';
import type { Store } from '../src/app/ports/store.ts';
import type { SessionClaims } from '../src/core/sts/session.ts';

const claims = (ak: string): SessionClaims => ({ v: 1, sid: randomBytes(8).toString('hex'), ak, sk: 'secret', acct: '111111111111', part: 'aws', role: { name: 'R', path: '/', id: 'AROAR' }, name: 's', iat: Date.now(), exp: Date.now() + 3_600_000 });
/** Whether a session `sealer` seals now opens on `opener` (after it re-reads the ring for a key it does not hold, as verification does). */
async function opens(sealer: LiveState, opener: LiveState): Promise<boolean> {
  const ak = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
  const token = sessionCrypto.seal(sealer.keys, claims(ak));
  if (sessionCrypto.open(opener.keys, token, ak).ok) return true;
  await opener.reloadKeys();
  return sessionCrypto.open(opener.keys, token, ak).ok;
}

describe('the session key ring after a restore (review jj, 4)', () => {
  let dir = '';
  let store: Store;
  let running: LiveState;
  let restarted: LiveState;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-jj4-'));
    store = await openSqliteStore({ dataDir: dir });
    const deps: AppDeps = { store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKeyFromBytes(randomBytes(32))), sessions: sessionCrypto };
    running = new LiveState(deps);
    await running.init();
    // The backup: the ring and the head as they are now.
    const backup = await store.read(async (tx) => ({ ring: await tx.kv.get(KEYRING_KV), head: await tx.changes.head() }));
    // After it, other changes, and the running instance rotates the ring.
    await store.write(async (tx) => {
      for (let i = 0; i < 3; i++) await tx.kv.put(`job/jj4-${i}`, '{}');
    });
    await running.rotateKeys();
    await running.refresh();
    assert.ok(running.head > backup.head);
    // The restore.
    const db = new DatabaseSync(join(dir, SQLITE_FILE_NAME));
    try {
      db.exec('PRAGMA busy_timeout = 5000');
      db.exec('BEGIN');
      db.prepare('UPDATE kv SET kv_value = ? WHERE kv_key = ?').run(String(backup.ring), KEYRING_KV);
      db.prepare("DELETE FROM kv WHERE kv_key LIKE 'job/jj4-%'").run();
      db.prepare('DELETE FROM changes WHERE seq > ?').run(backup.head);
      db.prepare('UPDATE change_head SET seq = ? WHERE id = 1').run(backup.head);
      db.exec('COMMIT');
    } finally {
      db.close();
    }
    // An instance (re)started on the restored database, and the running one's refresh after the restore.
    restarted = new LiveState(deps);
    await restarted.init();
    await running.refresh();
  });
  after(async () => {
    await store?.close();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('the running instance seals with a key the restored database holds: its sessions open on the restarted one', async () => {
    assert.ok(await opens(running, restarted), 'a session the running instance issued after the restore is refused by an instance started on the restored database');
    assert.ok(await opens(restarted, running));
  });

  it('a rotation through the restarted instance reaches the running one', async () => {
    await restarted.rotateKeys();
    await running.refresh();
    assert.ok(await opens(restarted, running), 'a session sealed with the key rotated in after the restore is refused by the running instance');
    assert.ok(await opens(running, restarted));
  });
});
