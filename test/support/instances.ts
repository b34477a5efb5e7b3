/**
 * Another instance of the app beside a test server: an App on the server's SQLite store (as instances on one
 * PostgreSQL, or workers on one file), with the server's master key and its own clock. The store is the caller's to
 * close (after the server's own stop is fine).
 */
import { randomBytes } from 'node:crypto';
import { createApp, type App, type AppDeps, type AppOptions } from '../../src/app/index.ts';
import type { Store } from '../../src/app/ports/store.ts';
import { auditChainKey, chainDigest, loadMasterKey, secretSealer, sessionCrypto } from '../../src/adapters/crypto/index.ts';
import { openSqliteStore } from '../../src/adapters/store-sqlite/index.ts';
import { oidcPort } from '../../src/adapters/http/oidc.ts';
import type { TestServer } from './server.ts';

export interface InstanceOptions {
  /** This instance's clock. */
  readonly now: () => number;
  /** The store as this instance sees it (slowed, refusing…), made from the real one. */
  readonly wrap?: (store: Store) => Store;
  readonly options?: AppOptions;
  /** Verifies web identity tokens and reads issuers' keys as the server does (its OIDC port); none by default. */
  readonly oidc?: true;
}

export async function instanceBeside(server: TestServer, o: InstanceOptions): Promise<{ readonly app: App; readonly store: Store }> {
  const key = await loadMasterKey({ dataDir: server.dataDir, env: {} });
  if (!key.ok) throw new Error(key.error.message);
  const store = await openSqliteStore({ dataDir: server.dataDir });
  const deps: AppDeps = {
    store: o.wrap?.(store) ?? store,
    now: o.now,
    randomBytes: (n) => randomBytes(n),
    sealer: secretSealer(key.value.masterKey),
    sessions: sessionCrypto,
    chainDigest: chainDigest(auditChainKey(key.value.masterKey)),
    ...(o.oidc ? { oidc: oidcPort } : {}),
  };
  const app = createApp(deps, o.options);
  await app.start();
  return { app, store };
}
