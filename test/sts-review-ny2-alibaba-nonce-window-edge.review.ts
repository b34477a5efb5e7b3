/**
 * Review ny, 2: Alibaba's STS takes a signed request whose `Timestamp` is up to 15 minutes from the server's clock, 15
 * minutes included (alibaba-sts-api.ts: refused only when `|now - Timestamp| > 15 min`), and holds its `SignatureNonce`
 * so that the same request is `SignatureNonceUsed` for as long as its Timestamp is taken (docs/decisions.md, review ge,
 * 1–3: "remembered until the request's own Timestamp leaves the 15-minute window"). But the nonce was held until
 * `Timestamp + 15 min` exclusive (every nonce set drops a nonce whose end is not after now: nonce-set.ts, the
 * `signature_nonces` table), while that very instant is still inside the window: at exactly Timestamp + 15 minutes a
 * captured AssumeRole was taken a second time and answered with fresh credentials for whoever replayed it. The
 * contract is one use per nonce while the request is acceptable (Alibaba's "Common request parameters":
 * `SignatureNonce` prevents replay; credential-protocols and decisions ge, 3).
 *
 * Now the nonce is held until the first instant the Timestamp is no longer taken (Timestamp + 15 min + 1 ms): the replay
 * at the window's last millisecond is SignatureNonceUsed, and one a millisecond later InvalidTimeStamp.Expired. A real
 * server on 127.0.0.1, signature version 1.0 as `@alicloud/credentials`' ram_role_arn provider signs it; the server's
 * clock is set with node:test's mock timers (Date only), as review ge, 3 does.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { describe, it } from 'node:test';
import { capturedAssumeRole, nonceReplaySuite, replayRefused } from './support/alibaba-world.ts';

const ACS = '350000000062';
const WINDOW_MS = 15 * 60_000;

describe('ny2: a signed Alibaba STS request is not taken twice at the last instant of its Timestamp window', () => {
  const world = nonceReplaySuite(ACS);

  it('an AssumeRole replayed at exactly Timestamp + 15 minutes is SignatureNonceUsed, one ms later InvalidTimeStamp.Expired', async () => {
    // The Timestamp is whole seconds, as every SDK writes it; the server's clock is set to it when the request is first sent.
    const signedAt = Math.floor(Date.now() / 1000) * 1000;
    // Replayed at the last instant the Timestamp is taken: the same bytes must not be taken again.
    await replayRefused(capturedAssumeRole(world().server.url, world().bob, ACS, signedAt), { sentAt: signedAt, replayAt: signedAt + WINDOW_MS, lateAt: signedAt + WINDOW_MS + 1 });
  });
});
