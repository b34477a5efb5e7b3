/**
 * Review ux, 2: the server's set of Alibaba STS signature nonces (src/adapters/http/nonce-set.ts `NonceSet`) holds at
 * most its bound (100,000 by default); past it, it drops the oldest, and remembers per AccessKeyId the latest window of
 * a live nonce of its that it dropped, so that the dropped request is not taken again (review jy, 1). Those remembered
 * windows were said to be "each gone once its window has passed", but one was forgotten only when the same key sent its
 * next signed request: a key that never sends again (an `STS.` session's, which lives an hour and is replaced; a key
 * deleted) stayed in the map for the life of the server. On a server past its bound (about 110 signed requests a
 * second: a busy deployment's own traffic, or anyone's flood, as GetCallerIdentity needs no right) every session key
 * whose nonce was dropped added an entry that never went, so the map grew without bound with the sessions issued, in
 * the server process, or the supervisor's under `--workers`.
 *
 * Now the windows that have passed are forgotten as the set goes: once the remembered keys have doubled since the last
 * look, those whose window has passed are removed (amortized, a constant cost a claim), so the map holds about twice
 * the keys whose dropped window is still open. A window still open is kept: the dropped request is still refused.
 *
 * The set is driven as the edge drives it (`claim` with the server's time), over 40 successive 31-minute stretches,
 * each with 50 keys never seen again, the bound lowered to 10 (the bookkeeping is the same at 100,000).
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { NonceSet } from '../src/adapters/http/nonce-set.ts';

const WINDOW_MS = 15 * 60_000 + 1;
const BOUND = 10;
const digest = (s: string): string => createHash('sha256').update(s).digest('base64');

describe('review ux2: the nonce set forgets the dropped windows of keys that never send again', () => {
  it('over 40 stretches of 50 one-off keys, the remembered keys stay about those whose window is open', () => {
    const set = new NonceSet(BOUND);
    let now = Date.parse('2026-12-07T00:00:00Z');
    let most = 0;
    for (let stretch = 0; stretch < 40; stretch++) {
      for (let k = 0; k < 50; k++) {
        const key = digest(`STS.session-${stretch}-${k}`);
        assert.equal(set.claim(digest(`${key}\nnonce`), key, now + WINDOW_MS, now), 'fresh');
        now += 10;
      }
      most = Math.max(most, set.counts.droppedKeys);
      // The next stretch comes after every window of this one has passed.
      now += 31 * 60_000;
    }
    // 50 keys a stretch, each dropped once the bound is passed: at most 40 of one stretch open at once, twice that held.
    assert.ok(most <= 2 * 50 + BOUND, `the set remembered the dropped windows of ${most} keys, most of them long passed`);
    assert.ok(set.counts.held <= BOUND);
  });

  it('a dropped window still open is kept through the sweeps: the dropped request is still refused', () => {
    const set = new NonceSet(BOUND);
    const now = Date.parse('2026-12-07T00:00:00Z');
    const bob = digest('LTAIbob');
    const captured = digest(`${bob}\ncaptured`);
    assert.equal(set.claim(captured, bob, now + WINDOW_MS, now), 'fresh');
    // Others' requests, signed nearly 15 minutes ago (their windows close within half a second), push bob's nonce out,
    // then more, once those windows have passed, make the set forget theirs.
    for (const [at, tag] of [[now + 1000, 'a'], [now + 2000, 'b']] as const) {
      for (let i = 0; i < 500; i++) {
        const key = digest(`STS.other-${tag}-${i}`);
        assert.equal(set.claim(digest(`${key}\nn`), key, at + 500, at), 'fresh');
      }
    }
    assert.ok(set.counts.droppedKeys < 500, `${set.counts.droppedKeys} keys' passed windows still remembered`);
    assert.equal(set.claim(captured, bob, now + WINDOW_MS, now + 3000), 'unknown');
  });
});
