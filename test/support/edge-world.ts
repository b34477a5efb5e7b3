/**
 * One HTTP edge (src/adapters/http/server.ts `createHttpEdge`) on 127.0.0.1 over an App on SQLite in a temporary
 * directory, audit off: what the limits and edge reviews that speak raw HTTP/1.1 to the edge start in `before` and close
 * in `after`. `options` are the edge's (its `app` and `ready` given here).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../../src/adapters/crypto/index.ts';
import { openSqliteStore } from '../../src/adapters/store-sqlite/index.ts';
import { createHttpEdge, type HttpEdge, type HttpEdgeOptions } from '../../src/adapters/http/server.ts';

export interface EdgeWorld {
  readonly app: App;
  readonly edge: HttpEdge;
  readonly port: number;
  /** Closes the edge (no grace), the app's audit, the store, and removes the directory. */
  close(): Promise<void>;
}

export async function edgeWorld(tag: string, options: Omit<HttpEdgeOptions, 'app' | 'ready'> = {}): Promise<EdgeWorld> {
  const dir = await mkdtemp(join(tmpdir(), `gh-${tag}-`));
  const store = await openSqliteStore({ dataDir: dir });
  const app = createApp({ store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKeyFromBytes(randomBytes(32))), sessions: sessionCrypto }, { audit: { enabled: false } });
  const close = async (edge?: HttpEdge) => {
    await edge?.close(0);
    await app.audit.stop();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await app.start();
    await app.bootstrap();
    const edge = createHttpEdge({ log: () => {}, ...options, app, ready: async () => true });
    const port = (await edge.listen('127.0.0.1', 0)).port;
    return { app, edge, port, close: () => close(edge) };
  } catch (e) {
    await close();
    throw e;
  }
}
