/**
 * Review az, 2: a revocation made through one instance costs every other instance the entry it changed, not the whole
 * revocation list. The list only grows: every job that ends writes `revoke/job/<id>` (its sessions stop working
 * everywhere), every `sts revoke-sessions` and `users disable` one more, and none is ever removed. A refresh whose
 * changes included any revocation read and rebuilt the whole list, on every instance: with 100,000 entries (a few
 * weeks of a busy training cluster's jobs) that was the whole of each refresh after each job's end, every other change
 * waiting behind it (one refresh at a time), so a deny or a revocation made through another instance meanwhile came
 * late, and later as the list grew (the issue: "recompiling only what changed", "enforced by all within one second").
 * Now the change log names the entries that changed and only those are read again (the whole list only past 1,000 of
 * them in one run, or when the whole directory is loaded).
 *
 * Two LiveStates on one PostgreSQL schema (the machine's, a throw-away schema); 100,000 job revocations already in the
 * store; B's refreshes counted by a wrapper around its real read transaction.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import type { AppDeps } from '../src/app/index.ts';
import { LiveState } from '../src/app/live.ts';
import type { ReadTx, Store } from '../src/app/ports/store.ts';
import type { SessionClaims } from '../src/core/sts/session.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();
const ENDED = 100_000;

describe('a revocation among many (review az, 2)', { skip, timeout: 60_000 }, () => {
  it('is applied by the other instances by reading what changed, not the whole list', async () => {
    const schema = `gh_az2_${randomBytes(6).toString('hex')}`;
    const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 3 });
    const masterKey = masterKeyFromBytes(randomBytes(32));
    /** Revocation entries B's refreshes read (rows of `revoke/` listings, and entries read one by one). */
    let read = 0;
    const counted: Store = {
      ...store,
      read: (fn, options) =>
        store.read(
          (tx) =>
            fn({
              ...tx,
              kv: {
                ...tx.kv,
                list: async (prefix, page) => {
                  const rows = await tx.kv.list(prefix, page);
                  if (prefix.startsWith('revoke/')) read += rows.length;
                  return rows;
                },
                getMany: async (keys) => {
                  read += keys.filter((k) => k.startsWith('revoke/')).length;
                  return tx.kv.getMany(keys);
                },
                get: async (key) => {
                  if (key.startsWith('revoke/')) read += 1;
                  return tx.kv.get(key);
                },
              },
            } satisfies ReadTx),
          options,
        ),
    };
    const deps = (s: Store): AppDeps => ({ store: s, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKey), sessions: sessionCrypto });
    try {
      const a = new LiveState(deps(store));
      await a.init();
      // The jobs that ended before: written as `revoke` writes them (one entry each, the instant before which their
      // sessions are refused), in one statement to keep the test short.
      const ended = Date.now() - 60_000;
      await pgAdmin((c) =>
        c.query(`INSERT INTO ${schema}.kv (kv_key, kv_value, updated) SELECT 'revoke/job/j-' || i, $1, '2026-12-01T00:00:00Z' FROM generate_series(1, ${ENDED}) AS i`, [String(ended)]),
      );
      const b = new LiveState(deps(counted));
      await b.init();
      const old = { sid: 's-old', iat: ended - 1000, job: 'j-4242' } as SessionClaims;
      assert.ok(b.isRevoked(old), 'the load holds the revocations already made');
      assert.equal(read, ENDED, 'the load reads the list once');

      // One more job ends, and one revocation of a session, through A.
      const issued = Date.now() - 1000;
      await a.revoke('job', 'j-new', Date.now());
      await a.revoke('sid', 's-revoked', Date.now());
      read = 0;
      const t = performance.now();
      await b.refresh();
      const ms = performance.now() - t;
      assert.equal(b.head, a.head);
      assert.ok(b.isRevoked({ sid: 's-1', iat: issued, job: 'j-new' } as SessionClaims), 'the ended job');
      assert.ok(b.isRevoked({ sid: 's-revoked', iat: issued } as SessionClaims), 'the revoked session');
      assert.ok(b.isRevoked(old), 'the revocations made before are kept');
      assert.ok(!b.isRevoked({ sid: 's-other', iat: issued, job: 'j-running' } as SessionClaims));
      assert.ok(read <= 2, `B read ${read} revocation entries (${ms.toFixed(0)} ms) to apply 2`);
      process.stdout.write(`# B applied 2 revocations among ${ENDED} in ${ms.toFixed(1)} ms, reading ${read} entries\n`);

      // A revocation entry gone from the store (an operator's clean-up) is gone from memory too.
      await store.write(async (tx) => void (await tx.kv.delete('revoke/sid/s-revoked')));
      await b.refresh();
      assert.ok(!b.isRevoked({ sid: 's-revoked', iat: issued } as SessionClaims));
      assert.ok(b.isRevoked({ sid: 's-1', iat: issued, job: 'j-new' } as SessionClaims));
    } finally {
      await store.close();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});
