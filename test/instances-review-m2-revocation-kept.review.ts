/**
 * Review M2: a revocation is never undone by a later one of the same target. The revocation list keeps one entry
 * per target (`revoke/<kind>/<id>` = the instant before which sessions are refused), and each revoke wrote its own
 * instant over it. An instance whose clock is behind (or a revoke that computed its instant first and committed
 * second) wrote an earlier instant over a later one: sessions the first revocation had cut off worked again, on
 * every instance, from their next refresh. Now the write keeps the later of the two.
 *
 * Two apps on one PostgreSQL schema (the machine's, a throw-away schema), B's clock 5 s behind A's: a session
 * issued by A, revoked through A, then the same target revoked through B: still refused on both.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { createApp, type AppDeps } from '../src/app/index.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';


const skip = await pgSkip();

describe('a revocation made again through an instance whose clock is behind (review M2)', { skip, timeout: 60_000 }, () => {
  it('does not give back the sessions the first one cut off', async () => {
    const schema = `gh_m2_${randomBytes(6).toString('hex')}`;
    const masterKey = masterKeyFromBytes(randomBytes(32));
    const appOn = async (skewMs: number) => {
      const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 3 });
      const deps: AppDeps = { store, now: () => Date.now() + skewMs, randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKey), sessions: sessionCrypto };
      const app = createApp(deps, { audit: { enabled: false } });
      await app.start();
      return { app, store };
    };
    const a = await appOn(0);
    const b = await appOn(-5000);
    try {
      const creds = await a.app.bootstrap();
      assert.ok(creds);
      const admin = await a.app.authenticate(creds.AccessKeyId);
      assert.ok(admin.ok);
      const issued = await a.app.sts.getSessionToken(admin.value.caller, 900);
      assert.ok(issued.ok);
      const check = async (on: typeof a): Promise<string> => {
        await on.app.refresh();
        const r = await on.app.authenticate(issued.value.accessKeyId, issued.value.sessionToken);
        return r.ok ? 'accepted' : (r.errors[0]?.code ?? 'refused');
      };
      assert.equal(await check(b), 'accepted');
      // Disabling the user revokes its GetSessionToken sessions: the entry `user/<account>/admin`.
      await a.app.live.revoke('user', `${creds.AccountId}/admin`, a.app.deps.now());
      assert.equal(await check(a), 'EXPIRED_TOKEN');
      assert.equal(await check(b), 'EXPIRED_TOKEN');
      // The same target revoked through B, whose clock says 5 s earlier.
      await b.app.live.revoke('user', `${creds.AccountId}/admin`, b.app.deps.now());
      assert.equal(await check(b), 'EXPIRED_TOKEN', 'B gave the revoked session back');
      assert.equal(await check(a), 'EXPIRED_TOKEN', 'A gave the revoked session back');
    } finally {
      for (const x of [a, b]) {
        await x.app.audit.stop();
        await x.store.close();
      }
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});
