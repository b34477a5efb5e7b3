/**
 * An HTTP edge over an App whose store fails on demand (`fail(how)`): what the tests of the edge's own answers to a
 * failure past the route's first checks need (reviews je3, ok2, oq1). The store is SQLite in a temp dir; `logs` holds
 * the edge's log lines. Each fault's message names the test (`<name>: a bug in a store read`), which the tests find in
 * the log.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app/index.ts';
import { StoreDataRefusedError, StoreOutcomeUnknownError, StoreUnavailableError, type Store } from '../../src/app/ports/store.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../../src/adapters/crypto/index.ts';
import { openSqliteStore } from '../../src/adapters/store-sqlite/index.ts';
import { createHttpEdge, type HttpEdgeOptions } from '../../src/adapters/http/server.ts';
import { oidcPort } from '../../src/adapters/http/oidc.ts';

/** How the store fails: unreachable, a commit of unknown outcome, a value the database refuses, or a bug. */
export type StoreFault = 'outage' | 'unknown' | 'refused' | 'bug';

export interface FailingEdge {
  readonly url: string;
  readonly app: App;
  readonly logs: string[];
  /** The root account admin's access key, made by the first start. */
  readonly admin: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Every store read and write fails so from now on; `undefined`: none does. */
  fail(how: StoreFault | undefined): void;
  close(): Promise<void>;
}

export async function startFailingEdge(name: string, edgeOptions: Partial<HttpEdgeOptions> = {}): Promise<FailingEdge> {
  const dir = await mkdtemp(join(tmpdir(), `gh-${name}-`));
  const real = await openSqliteStore({ dataDir: dir });
  let failing: StoreFault | undefined;
  const fault = (how: StoreFault): Error => {
    if (how === 'outage') return new StoreUnavailableError(`${name}: the database cannot be reached`);
    if (how === 'unknown') return new StoreOutcomeUnknownError(`${name}: the connection was lost at COMMIT`);
    if (how === 'refused') return new StoreDataRefusedError('string or blob too big', 'SQLITE_TOOBIG');
    return new Error(`${name}: a bug in a store read`);
  };
  const store: Store = {
    dialect: real.dialect,
    migrations: real.migrations,
    read: (fn) => (failing ? Promise.reject(fault(failing)) : real.read(fn)),
    write: (fn) => (failing ? Promise.reject(fault(failing)) : real.write(fn)),
    close: () => real.close(),
  };
  const app = createApp({ store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKeyFromBytes(randomBytes(32))), sessions: sessionCrypto, oidc: oidcPort }, { audit: { enabled: false } });
  await app.start();
  const admin = await app.bootstrap();
  if (!admin) throw new Error(`${name}: the first start made no admin`);
  const logs: string[] = [];
  const edge = createHttpEdge({ app, ready: async () => true, log: (line) => void logs.push(line), ...edgeOptions });
  const url = `http://127.0.0.1:${(await edge.listen('127.0.0.1', 0)).port}`;
  return {
    url,
    app,
    logs,
    admin: { accessKeyId: admin.AccessKeyId, secretAccessKey: admin.SecretAccessKey },
    fail: (how) => void (failing = how),
    close: async () => {
      await edge.close(0);
      await app.audit.stop();
      await real.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A token a web-identity call reaches the provider lookup with (its signature is never checked: the store fails first). */
export function unsignedJwt(header: object, payload: object): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part(header)}.${part(payload)}.${Buffer.from('sig').toString('base64url')}`;
}
