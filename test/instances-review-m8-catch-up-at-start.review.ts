/**
 * Review M8: an instance catches up with the change log as soon as it starts following it. The server answers
 * ready once its state is loaded and its start-up is done, then starts `followChanges`; the first refresh after
 * that came only when the listening connection had connected and proven itself (a round trip through the
 * database, retried with backoff when it fails) or when the first poll came round (250 ms without notifications,
 * `GATEHOUSE_CHANGE_POLL_MS` with). Changes committed between the load and then — a revocation made through
 * another instance during this one's start-up — were not enforced by a ready instance meanwhile. Now
 * `followChanges` refreshes at once.
 *
 * followChanges alone, with a store whose listening connection never comes up and polls far apart.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { followChanges } from '../src/app/live.ts';

describe('followChanges at start (review M8)', () => {
  it('refreshes at once, before any notification, connection or poll', async () => {
    let refreshes = 0;
    const following = followChanges({
      refresh: async () => {
        refreshes++;
      },
      head: () => 0,
      // A listening connection still connecting: it says nothing yet.
      subscribe: () => ({ close: async () => undefined }),
      log: () => undefined,
      pollMs: 60_000,
      fallbackPollMs: 60_000,
    });
    try {
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(refreshes, 1);
    } finally {
      await following.stop();
    }
  });
});
