/**
 * Review uy, 2. `gatehouse keys rotate --drop-retired` (review uy, 1) removes every other session key after a suspected
 * leak. A database restored from a backup made before the drop holds the ring as it was, the leaked key in it, often
 * as its active key, and every running instance adopted the ring the database holds (review jj, 4): it sealed new
 * sessions with the leaked key again, and opened whatever its holder sealed with it, claiming any role and any expiry.
 * So did an older copy of the ring's row put back by someone with write access to the database. A drop was undone
 * where a revocation is not (review kq, 2).
 *
 * Now an instance holding a drop does not adopt a ring that records none as late (unless every session issued before
 * the drop has expired, 36 h 15 min after the key recording it was retired): it makes the drop again, a ring of a new
 * key recording the same instant (written only while the stored ring records no drop that late, so instances making it
 * together write it once), adopts that ring and records it (gatehouse:RotateKeys by `gatehouse`). An instance started
 * on the database afterwards loads that ring.
 *
 * LiveStates on the real SQLite store (as review jj, 4's test); the restore is made with a second connection to the
 * database file: the ring as it was at the backup, the changes after it removed, the head put back.
 * Before the fix 3 of 4 tests failed.
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
import { settled } from './support/settle.ts';

const claims = (ak: string, iat = Date.now()): SessionClaims => ({ v: 1, sid: randomBytes(8).toString('hex'), ak, sk: 'secret', acct: '111111111111', part: 'aws', role: { name: 'R', path: '/', id: 'AROAR' }, name: 's', iat, exp: iat + 3_600_000 });
const newAk = (): string => `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
/** Whether a session sealed with `keys` opens on `opener` (after it re-reads the ring for a key it does not hold, as verification does). */
async function opens(keys: LiveState['keys'], opener: LiveState): Promise<boolean> {
  const ak = newAk();
  const token = sessionCrypto.seal(keys, claims(ak));
  if (sessionCrypto.open(opener.keys, token, ak).ok) return true;
  await opener.reloadKeys();
  return sessionCrypto.open(opener.keys, token, ak).ok;
}
const kids = (s: LiveState): string[] => s.keys.map((k) => k.kid);

describe('review uy2: keys a drop removed do not come back with an older key ring', { timeout: 60_000 }, () => {
  let dir = '';
  let store: Store;
  let deps: AppDeps;
  let running: LiveState;
  /** The ring before the drop: the leaked key active in it. */
  let leaked: LiveState['keys'] = [];
  let backup: { ring: string | undefined; head: number };
  let dropAt = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-uy2-'));
    store = await openSqliteStore({ dataDir: dir });
    deps = { store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKeyFromBytes(randomBytes(32))), sessions: sessionCrypto };
    running = new LiveState(deps);
    await running.init();
    leaked = running.keys;
    backup = await store.read(async (tx) => ({ ring: await tx.kv.get(KEYRING_KV), head: await tx.changes.head() }));
    await store.write(async (tx) => {
      for (let i = 0; i < 3; i++) await tx.kv.put(`job/uy2-${i}`, '{}');
    });
    await running.rotateKeys(undefined, true);
    dropAt = running.keys[0]?.dropped ?? 0;
    assert.ok(dropAt > 0, 'the drop is recorded in the ring');
    assert.equal(await opens(leaked, running), false, 'the dropped key opens nothing');
  });
  after(async () => {
    await store?.close();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('a restore from a backup made before the drop does not bring the dropped key back on a running instance', async () => {
    const db = new DatabaseSync(join(dir, SQLITE_FILE_NAME));
    try {
      db.exec('PRAGMA busy_timeout = 5000');
      db.exec('BEGIN');
      db.prepare('UPDATE kv SET kv_value = ? WHERE kv_key = ?').run(String(backup.ring), KEYRING_KV);
      db.prepare("DELETE FROM kv WHERE kv_key LIKE 'job/uy2-%'").run();
      db.prepare('DELETE FROM changes WHERE seq > ?').run(backup.head);
      db.prepare('UPDATE change_head SET seq = ? WHERE id = 1').run(backup.head);
      db.exec('COMMIT');
    } finally {
      db.close();
    }
    await running.refresh();
    assert.ok(!kids(running).includes(leaked[0]?.kid ?? ''), 'the running instance adopted the restored ring and its leaked key');
    assert.equal(await opens(leaked, running), false, 'a token sealed with the dropped key opens again');
    assert.equal(running.isRevoked(claims(newAk(), dropAt - 1000)), true, 'a session issued before the drop is no longer refused');
    // The drop made again, in the database: what the running instance holds.
    await settled(async () => (await store.read((tx) => tx.kv.get(KEYRING_KV))) !== backup.ring && running.keys[0]?.dropped === dropAt, (x) => x, 5_000, 20);
  });

  it('an instance started on the database afterwards holds the same ring', async () => {
    const restarted = new LiveState(deps);
    await restarted.init();
    assert.deepEqual(kids(restarted), kids(running));
    assert.equal(await opens(leaked, restarted), false);
    assert.ok(await opens(running.keys, restarted), 'a session the running instance seals now is refused by one started on the database');
  });

  it('an older copy of the ring put back in the database is not adopted either', async () => {
    const now = kids(running);
    await store.write((tx) => tx.kv.put(KEYRING_KV, String(backup.ring)));
    await running.refresh();
    assert.ok(!kids(running).includes(leaked[0]?.kid ?? ''), 'the older copy of the ring was adopted');
    assert.equal(await opens(leaked, running), false);
    await settled(async () => kids(running), (k) => k.length >= 1 && k[0] !== now[0] && running.keys[0]?.dropped === dropAt, 5_000, 20);
  });

  it('a plain rotation after the drop is adopted by the other instances as before', async () => {
    const other = new LiveState(deps);
    await other.init();
    await running.rotateKeys();
    await other.refresh();
    assert.deepEqual(kids(other), kids(running));
    assert.equal(other.keys.length, 2);
    assert.ok(await opens(running.keys, other));
  });
});
