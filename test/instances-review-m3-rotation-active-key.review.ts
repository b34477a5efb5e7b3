/**
 * Review M3: after a rotation, new sessions are sealed with the key it made, whatever the clocks of the instances.
 * The ring chose its sealing key by creation time, not by which key is not retired: a rotation through an instance
 * whose clock is behind the one that made the current key added a key older (by its stamp) than that one, so every
 * instance went on sealing with the key the rotation had just retired. `rotate` answered with the new key id, none
 * used it; and the key still sealing carried a retirement stamp, after which a later rotation drops it (36 h)
 * while sessions it sealed minutes before are still valid. Now the sealing key is the newest key not retired.
 *
 * Two apps on one PostgreSQL schema (the machine's, a throw-away schema), B's clock 5 s behind A's.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { createApp, type AppDeps } from '../src/app/index.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';


const skip = await pgSkip();

describe('a key ring rotated through an instance whose clock is behind (review M3)', { skip, timeout: 60_000 }, () => {
  it('seals new sessions with the key the rotation made, on every instance', async () => {
    const schema = `gh_m3_${randomBytes(6).toString('hex')}`;
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
      const kidOn = async (on: typeof a): Promise<string | undefined> => {
        await on.app.refresh();
        const admin = await on.app.authenticate(creds.AccessKeyId);
        assert.ok(admin.ok);
        const issued = await on.app.sts.getSessionToken(admin.value.caller, 900);
        assert.ok(issued.ok);
        // And it verifies on the other instance.
        const other = on === a ? b : a;
        const opened = await other.app.authenticate(issued.value.accessKeyId, issued.value.sessionToken);
        assert.ok(opened.ok, JSON.stringify(opened));
        return issued.value.sessionToken.split('.')[1];
      };
      const first = await a.app.live.rotateKeys();
      assert.equal(await kidOn(a), first.kid);
      const second = await b.app.live.rotateKeys();
      assert.equal(await kidOn(b), second.kid, 'B sealed with the key its own rotation retired');
      assert.equal(await kidOn(a), second.kid, 'A sealed with the key the rotation through B retired');
      const active = a.app.live.keys.filter((k) => k.retired === undefined).map((k) => k.kid);
      assert.deepEqual(active, [second.kid], 'one key not retired: the newest rotation');
    } finally {
      for (const x of [a, b]) {
        await x.app.audit.stop();
        await x.store.close();
      }
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});
