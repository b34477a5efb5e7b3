/**
 * Stop 29 (left by review az): the revocation list only grew. Every ended job writes `revoke/job/<id>`, every
 * revoke-sessions and every disabled user an entry, none was ever deleted, and every instance held them all and loaded
 * them whole at start. An entry refuses the sessions issued at or before its instant, and all of those have expired
 * once the longest session (36 h) and the clock skew allowed (15 min) have passed. Now `pruneRevocations` (a minute after
 * start, then hourly, on every instance) deletes those entries, re-reading each in the write that deletes it.
 *
 * Two LiveStates on one PostgreSQL schema: entries 40 h old, one 36 h old and one revoked again since (a later instant)
 * are written through A; A prunes; only the 40-hour-old ones go, from the store, from A's list and, after a refresh,
 * from B's; what is kept still refuses the sessions it refused.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import type { AppDeps } from '../src/app/index.ts';
import { LiveState, revocationKey } from '../src/app/live.ts';
import type { Store } from '../src/app/ports/store.ts';
import type { SessionClaims } from '../src/core/sts/session.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();
const HOUR = 3_600_000;

describe('stop 29: revocation entries no session can meet are deleted', { skip, timeout: 60_000 }, () => {
  it('older than the longest session and the skew: deleted everywhere; the rest kept and in force', async () => {
    const schema = `gh_s29_rev_${randomBytes(6).toString('hex')}`;
    const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 3 });
    const masterKey = masterKeyFromBytes(randomBytes(32));
    const deps = (s: Store): AppDeps => ({ store: s, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKey), sessions: sessionCrypto });
    try {
      const a = new LiveState(deps(store));
      const b = new LiveState(deps(store));
      await a.init();
      await b.init();
      const now = Date.now();
      const job = (id: string, iat: number) => ({ sid: `s-${id}`, job: id, iat }) as SessionClaims;
      // The 1,200 old entries as 1,200 ended jobs left them, written in one transaction (1,200 revokes, each a
      // transaction and a refresh, took over a minute with the suite's other PostgreSQL files running) and read by A's
      // refresh.
      await store.write(async (tx) => {
        for (let i = 0; i < 1200; i++) await tx.kv.put(revocationKey('job', `old-${i}`), String(now - 40 * HOUR));
      });
      await a.refresh();
      assert.ok(a.isRevoked(job('old-7', now - 41 * HOUR)), 'A holds the old entries');
      await a.revoke('job', 'recent', now - 36 * HOUR);
      await a.revoke('job', 'again', now - 40 * HOUR);
      await a.revoke('job', 'again', now - HOUR);
      await b.refresh();
      assert.ok(b.isRevoked(job('old-7', now - 41 * HOUR)));

      // Before: no such method; the entries stayed for ever.
      const pruned = await a.pruneRevocations(now);
      assert.equal(pruned, 1200);
      const left = await store.read((tx) => tx.kv.list('revoke/'));
      assert.deepEqual(left.map((e) => e.key).sort(), ['revoke/job/again', 'revoke/job/recent']);
      assert.equal(a.isRevoked(job('old-7', now - 41 * HOUR)), false, 'the old entry is gone from A');
      await b.refresh();
      assert.equal(b.isRevoked(job('old-7', now - 41 * HOUR)), false, 'and from B after its refresh');
      // What is kept still refuses what it refused.
      assert.ok(b.isRevoked(job('recent', now - 37 * HOUR)));
      assert.ok(b.isRevoked(job('again', now - 2 * HOUR)));
      assert.equal(b.isRevoked(job('again', now)), false);
      assert.equal(await a.pruneRevocations(now), 0, 'nothing more to delete');
    } finally {
      await store.close();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});
