/**
 * Two apps (instances A and B) on one throw-away schema of the machine's PostgreSQL, in this process, with the audit
 * log off: what the reviews of changes made through one instance and used at once on the other share (cn 3, hf 1,
 * hf 2). B follows no changes by itself (no change follower): it sees what A did only when a request makes it look.
 * A is bootstrapped; `admin` is its root admin signed in. `close` stops both and drops the schema.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openPostgresStore } from '../../src/adapters/store-postgres/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../../src/adapters/crypto/index.ts';
import { createApp, type App, type AppDeps } from '../../src/app/index.ts';
import type { Caller } from '../../src/app/principals.ts';
import { PG_URL, pgAdmin } from './postgres.ts';

export interface TwoApps {
  readonly a: App;
  readonly b: App;
  /** A's root admin, signed in with the key bootstrap made. */
  readonly admin: Caller;
  close(): Promise<void>;
}

/** Starts A (bootstrapped) and B on a new schema named after `name`. */
export async function twoAppsOnPostgres(name: string): Promise<TwoApps> {
  const schema = `gh_${name}_${randomBytes(6).toString('hex')}`;
  const masterKey = masterKeyFromBytes(randomBytes(32));
  const started: { app: App; close: () => Promise<void> }[] = [];
  const close = async (): Promise<void> => {
    for (const x of started) {
      await x.app.audit.stop();
      await x.close();
    }
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
  };
  const appOn = async (): Promise<App> => {
    const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 3 });
    const deps: AppDeps = { store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKey), sessions: sessionCrypto };
    const app = createApp(deps, { audit: { enabled: false } });
    started.push({ app, close: () => store.close() });
    await app.start();
    return app;
  };
  try {
    const a = await appOn();
    const creds = await a.bootstrap();
    assert.ok(creds);
    const b = await appOn();
    const signedIn = await a.authenticate(creds.AccessKeyId);
    assert.ok(signedIn.ok);
    return { a, b, admin: signedIn.value.caller, close };
  } catch (e) {
    await close();
    throw e;
  }
}
