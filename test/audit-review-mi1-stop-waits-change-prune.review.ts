/**
 * Review mi, 1: a server's stop waited for the change-log prune in flight, and the prune went on chunk after chunk, so the audit queue was drained and spooled only after it: past Kubernetes' grace period, a SIGKILL lost the records.
 *
 * `gatehouse server`'s stop begins with `followChanges().stop()`, before the edges close and before the audit log is
 * drained and spooled (`app.audit.stop`). Review az, 3 made that stop leave a refresh in flight to fail on its own (a
 * refresh against a database that stopped answering waits out the statement bound, 30 s), but it still awaited the
 * change-log prune in flight (`await pruning`), and `pruneChangeLog` deletes 10,000 changes a transaction until fewer
 * are left, never looking whether the server is stopping. A prune runs a minute after start and then hourly; a
 * deployment whose log is millions of changes behind (the first start after upgrading to a version that prunes, or a
 * database that stopped answering mid-prune, each chunk waiting out the statement bound) held every SIGTERM for the
 * whole prune, with the edges still accepting requests and the audit queue unwritten; Kubernetes' SIGKILL after 30 s
 * then lost what the queue held (docs/decisions.md: the drain and spool must end within the grace period).
 *
 * Now the stop does not wait for a prune in flight (the store's close, last of the stop, still bounds its transaction),
 * and `pruneChangeLog` stops between chunks once it is told the server stops (an AbortSignal). Tested on
 * `followChanges` with a prune that never ends (timers mocked to reach the first prune), and on `pruneChangeLog` with a
 * store that always has another full chunk to delete.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { pruneChangeLog } from '../src/app/change-log.ts';
import { followChanges } from '../src/app/live.ts';
import type { Store } from '../src/app/ports/store.ts';

/** Resolves with how long `p` took, or rejects once it has taken `ms` (a real timer, taken before timers are mocked). */
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
async function within(p: Promise<unknown>, ms: number, what: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([p, new Promise((_, reject) => (timer = realSetTimeout(() => reject(new Error(`${what} still waiting after ${ms} ms`)), ms)))]).finally(() => realClearTimeout(timer));
}

describe('review mi1: stopping does not wait for the change-log prune', () => {
  it('followChanges stops without waiting for a prune in flight, and tells the prune to stop', async () => {
    let pruneStarted = 0;
    let signalled: AbortSignal | undefined;
    mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
    let following: ReturnType<typeof followChanges>;
    try {
      following = followChanges({
        refresh: async () => undefined,
        head: () => 0,
        log: () => undefined,
        pollMs: 3_600_000,
        fallbackPollMs: 3_600_000,
        // A prune with millions of changes to delete (or on a database that stopped answering): it does not end soon.
        pruneChanges: (signal?: AbortSignal) => {
          pruneStarted++;
          signalled = signal;
          return new Promise<number>(() => undefined);
        },
      });
      // The first prune comes a minute after the start.
      mock.timers.tick(60_000);
    } finally {
      mock.timers.reset();
    }
    assert.equal(pruneStarted, 1, 'the first prune is in flight');
    await within(following.stop(), 2_000, 'stop');
    assert.equal(signalled?.aborted, true, 'the prune is told that the server stops');
  });

  it('pruneChangeLog stops between chunks once told to', async () => {
    let chunks = 0;
    const controller = new AbortController();
    // A log far behind: every chunk deletes a full chunk, so the prune would go on; the test stops it at the third.
    const tx = {
      changes: {
        head: async () => 10_000_000,
        prune: async (_below: number, limit: number) => {
          chunks++;
          if (chunks === 3) controller.abort();
          if (chunks > 50) throw new Error('still pruning after 50 chunks');
          return limit;
        },
      },
    };
    const store = { write: async <T>(f: (t: typeof tx) => Promise<T>): Promise<T> => f(tx) } as unknown as Store;
    const deleted = await pruneChangeLog(store, 200_000, 100, controller.signal);
    assert.equal(chunks, 3, 'no chunk after the stop');
    assert.equal(deleted, 300);
    // Already stopped: nothing is deleted.
    chunks = 0;
    assert.equal(await pruneChangeLog(store, 200_000, 100, controller.signal), 0);
    assert.equal(chunks, 0);
  });
});
