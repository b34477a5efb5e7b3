/**
 * Review M5: a reload that read the store before a revocation (or a key rotation) made through this instance must
 * not put back the state it read over the one the revocation set. `revoke` puts its entry in force here at once and
 * then asks for a reload; when a reload was already running, its snapshot predates the revocation, and it replaced
 * the revocation list with the one it read: the entry was gone until the next reload succeeded. With the database
 * lost right after the commit (the queued reload fails), the revoked session worked on the very instance that
 * revoked it for as long as the outage lasted. Likewise a rotation's new key left the ring. Now what a reload read
 * at change head H does not replace what this instance wrote at a later head.
 *
 * One LiveState on one PostgreSQL schema (the machine's, a throw-away schema), its store wrapped so that a reload can
 * be held after its read and the database then made unreachable.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import type { AppDeps } from '../src/app/index.ts';
import { LiveState } from '../src/app/live.ts';
import { StoreUnavailableError, type Store } from '../src/app/ports/store.ts';
import type { SessionClaims } from '../src/core/sts/session.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';


const skip = await pgSkip();

describe('a reload that read the store before this instance revoked or rotated (review M5)', { skip, timeout: 60_000 }, () => {
  it('keeps the revocation and the new key in force when the reload after them fails', async () => {
    const schema = `gh_m5_${randomBytes(6).toString('hex')}`;
    const raw = await openPostgresStore({ url: PG_URL, schema, poolSize: 3 });
    let failing = false;
    let holdNext = false;
    let held: () => void = () => undefined;
    let release: () => void = () => undefined;
    const store: Store = {
      dialect: raw.dialect,
      migrations: raw.migrations,
      read: async (fn) => {
        if (failing) throw new StoreUnavailableError('PostgreSQL is unavailable (test)');
        const value = await raw.read(fn);
        if (holdNext) {
          holdNext = false;
          held();
          await new Promise<void>((r) => (release = r));
        }
        return value;
      },
      write: (fn) => {
        if (failing) return Promise.reject(new StoreUnavailableError('PostgreSQL is unavailable (test)'));
        return raw.write(fn);
      },
      close: () => raw.close(),
    };
    const masterKey = masterKeyFromBytes(randomBytes(32));
    const deps = (s: Store): AppDeps => ({ store: s, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKey), sessions: sessionCrypto });
    const live = new LiveState(deps(store));
    const other = new LiveState(deps(raw));
    /** Starts a reload of `live` and resolves once it has read the store (it then waits for `release`). */
    const staleReload = async (): Promise<{ reload: Promise<void> }> => {
      holdNext = true;
      const readDone = new Promise<void>((r) => (held = r));
      const reload = live.refresh();
      await readDone;
      return { reload };
    };
    try {
      await live.init();
      await other.init();
      const claims = { sid: 'target', iat: Date.now() - 1000 } as SessionClaims;

      // Revocation: another instance revokes something else (so the held reload carries a revocation list).
      await other.revoke('sid', 'elsewhere', Date.now());
      let { reload } = await staleReload();
      const revoked = live.revoke('sid', 'target', Date.now());
      await waitFor(async () => (await raw.read((tx) => tx.kv.get('revoke/sid/target'))) !== undefined);
      assert.equal(live.isRevoked(claims), true);
      failing = true;
      release();
      await reload.catch(() => undefined);
      await revoked;
      assert.equal(live.isRevoked(claims), true, 'the revocation made here was undone by a reload that read the store before it');

      // Rotation: the same with the key ring (another instance rotates first, so the held reload carries a ring).
      failing = false;
      await live.refresh();
      await other.rotateKeys();
      ({ reload } = await staleReload());
      const rotating = live.rotateKeys();
      await waitFor(async () => live.keys.length === 3);
      failing = true;
      release();
      await reload.catch(() => undefined);
      const fresh = await rotating;
      assert.ok(live.keys.some((k) => k.kid === fresh.kid), 'the key rotated in here was dropped by a reload that read the store before it');
    } finally {
      failing = false;
      await raw.close();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});

async function waitFor(cond: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 5000;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
