/**
 * A deterministic race on a test server's store: a second App on the server's SQLite store (`openApp`) whose next write
 * first runs a change, made through the server's admin API, as another request would land between a use case's reads
 * and its write. For the reviews of a check read in one transaction and acted on in a later write (nb 1–3, ng 1).
 */
import type { App } from '../../src/app/index.ts';
import type { Store } from '../../src/app/ports/store.ts';
import type { TestServer } from './server.ts';

export interface RacingWrite {
  /** The second App, on the server's store. */
  readonly app: App;
  /** The store itself, which no change races: to read back what the App stored. */
  readonly store: Store;
  /** Runs `change` before the next write of `app` reaches the store, once. */
  beforeNextWrite(change: () => Promise<void>): void;
}

/** A second App on `server`'s store, its store closed by `server.stop()`. */
export async function racingWrite(server: Pick<TestServer, 'openApp'>): Promise<RacingWrite> {
  let opened: Store | undefined;
  let next: (() => Promise<void>) | undefined;
  const wrapStore = (raw: Store): Store => {
    opened = raw;
    return {
      get dialect() {
        return raw.dialect;
      },
      get migrations() {
        return raw.migrations;
      },
      read: (fn, options) => raw.read(fn, options),
      write: async (fn, options) => {
        const change = next;
        next = undefined;
        await change?.();
        return raw.write(fn, options);
      },
      close: () => raw.close(),
    };
  };
  const app = await server.openApp({ wrapStore });
  if (opened === undefined) throw new Error('openApp did not open a store');
  return {
    app,
    store: opened,
    beforeNextWrite(change) {
      next = change;
    },
  };
}
