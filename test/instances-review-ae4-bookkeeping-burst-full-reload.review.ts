/**
 * Review ae, 4: a burst of changes that touch nothing of the directory does not make every instance load the whole
 * directory again. A refresh read at most 1,000 changes since the last one it applied, and past that loaded
 * everything (every account, policy, group, user, role and key, compiled again: about a second for 10,000 users on
 * the decisions' own thread, during which no other change is applied). Every scoped session (session tags, a session
 * policy, a source identity) is one change of the key/value table: 1,000 AssumeRole calls with session tags between
 * two refreshes of an instance, a burst an identity provider's morning log-in easily makes, cost each instance a full
 * reload, over and over while the burst lasts. Now the change log is read in pages, and what decides between applying
 * the changes and loading everything is how much of the directory they touch.
 *
 * Two LiveStates on one PostgreSQL schema (the machine's, a throw-away schema): 1,500 key/value changes and a
 * revocation through A, then a refresh of B.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import type { AppDeps } from '../src/app/index.ts';
import { LiveState } from '../src/app/live.ts';
import type { Store } from '../src/app/ports/store.ts';
import type { SessionClaims } from '../src/core/sts/session.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();

describe('a burst of changes outside the directory (review ae, 4)', { skip, timeout: 30_000 }, () => {
  it('is applied without loading the whole directory again', async () => {
    const schema = `gh_ae4_${randomBytes(6).toString('hex')}`;
    const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 3 });
    const masterKey = masterKeyFromBytes(randomBytes(32));
    const deps = (s: Store): AppDeps => ({ store: s, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKey), sessions: sessionCrypto });
    try {
      const a = new LiveState(deps(store));
      const b = new LiveState(deps(store));
      await a.init();
      await b.init();
      const loads = b.generation;
      await store.write(async (tx) => {
        for (let i = 0; i < 1500; i++) await tx.kv.put(`session-scope/arn:aws:sts::111111111111:assumed-role/R/s${i}/${i}`, '{}');
      });
      const issued = Date.now() - 1000;
      await a.revoke('sid', 'after-the-burst', Date.now());
      await b.refresh();
      assert.equal(b.head, a.head);
      assert.ok(b.isRevoked({ sid: 'after-the-burst', iat: issued } as SessionClaims));
      assert.equal(b.generation, loads, 'B loaded the whole directory again for changes that touch none of it');
    } finally {
      await store.close();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});
