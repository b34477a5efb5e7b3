/**
 * Review hf, 2: an access key made active again (UpdateAccessKey Status=Active), or its user enabled again, through
 * instance A, and the key used at once on instance B, which still held it as inactive (or its user as disabled). B
 * refused it from memory: InvalidClientTokenId (403, which the SDKs do not retry) until its next refresh, while a key
 * B did not hold at all (created through A a moment before) made it read the change log once before refusing. Now an
 * inactive key, or one whose user is held as disabled, does the same: the key works on B as on A at once, and a key
 * still inactive is still refused.
 *
 * Two apps on one PostgreSQL schema (the machine's, a throw-away schema); B follows no changes by itself (no
 * notification, no poll), as in the instant before its refresh.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { createApp, type AppDeps } from '../src/app/index.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();

describe('a key made usable again through another instance a moment before (review hf, 2)', { skip, timeout: 60_000 }, () => {
  it('works at once on an instance that held it as inactive, or its user as disabled', async () => {
    const schema = `gh_hf2_${randomBytes(6).toString('hex')}`;
    const masterKey = masterKeyFromBytes(randomBytes(32));
    const appOn = async () => {
      const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 3 });
      const deps: AppDeps = { store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKey), sessions: sessionCrypto };
      const app = createApp(deps, { audit: { enabled: false } });
      await app.start();
      return { app, store };
    };
    const a = await appOn();
    const creds = await a.app.bootstrap();
    assert.ok(creds);
    const b = await appOn();
    try {
      const signedIn = await a.app.authenticate(creds.AccessKeyId);
      assert.ok(signedIn.ok);
      const admin = signedIn.value.caller;
      const d = a.app.directory;
      assert.ok((await d.createUser(admin, { userName: 'ci' })).ok);
      const made = await d.createAccessKey(admin, { userName: 'ci' });
      assert.ok(made.ok);
      const accessKeyId = made.value.key.id;

      // Deactivated through A, and B has heard of it: refused on both.
      assert.ok((await d.updateAccessKey(admin, { userName: 'ci', accessKeyId, status: 'Inactive' })).ok);
      await b.app.refresh();
      for (const [name, on] of [['A', a], ['B', b]] as const) assert.equal((await on.app.authenticate(accessKeyId)).ok, false, `an inactive key is refused on ${name}`);

      // Made active again through A: B, which has not heard of it yet, takes it at once.
      assert.ok((await d.updateAccessKey(admin, { userName: 'ci', accessKeyId, status: 'Active' })).ok);
      const reactivated = await b.app.authenticate(accessKeyId);
      assert.ok(reactivated.ok, `the key made active again through A, on B: ${JSON.stringify(reactivated)}`);

      // Its user disabled through A, B has heard of it; enabled again through A, and used on B at once.
      assert.ok((await d.setUserDisabled(admin, { userName: 'ci', disabled: true })).ok);
      await b.app.refresh();
      assert.equal((await b.app.authenticate(accessKeyId)).ok, false, 'the key of a disabled user is refused on B');
      assert.ok((await d.setUserDisabled(admin, { userName: 'ci', disabled: false })).ok);
      const enabled = await b.app.authenticate(accessKeyId);
      assert.ok(enabled.ok, `the key of the user enabled again through A, on B: ${JSON.stringify(enabled)}`);
    } finally {
      for (const x of [a, b]) {
        await x.app.audit.stop();
        await x.store.close();
      }
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    }
  });
});
