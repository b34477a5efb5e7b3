/**
 * Review ge, 3: a signed Alibaba STS request could be replayed once its SignatureNonce was forgotten. The server keeps
 * each nonce 15 minutes from when it first saw the request, but takes a request whose Timestamp is up to 15 minutes from
 * its clock either way: a request signed by a client whose clock runs ahead (Timestamp later than its arrival) stayed
 * acceptable after its nonce was dropped. Sent again 16 minutes later, an AssumeRole captured from a client 14 minutes
 * ahead was answered with fresh credentials for whoever sent it. A nonce is now kept until the request's own Timestamp
 * can no longer be taken (Timestamp + 15 minutes), so the same bytes are SignatureNonceUsed for as long as they would
 * otherwise be valid, and InvalidTimeStamp.Expired after. Real server on 127.0.0.1, signature version 1.0 (what
 * `@alicloud/credentials`' ram_role_arn provider sends) signed as the RPC signature's definition says; the server's
 * clock is moved with node:test's mock timers (Date only).
 */
import { describe, it } from 'node:test';
import { capturedAssumeRole, nonceReplaySuite, replayRefused } from './support/alibaba-world.ts';

const ACS = '350000000073';
const MINUTE = 60_000;

describe('ge3: a signed Alibaba STS request is not taken twice while its Timestamp is valid', () => {
  const world = nonceReplaySuite(ACS);

  it('an AssumeRole signed 14 minutes ahead and sent again 16 minutes later is SignatureNonceUsed, then InvalidTimeStamp.Expired', async () => {
    const start = Date.now();
    // The client's clock is 14 minutes ahead of the server's: within the 15 minutes taken. The same bytes, 16 minutes
    // later by the server's clock, have a Timestamp 2 minutes old, still within 15; at 30 minutes it is past its own 15.
    await replayRefused(capturedAssumeRole(world().server.url, world().bob, ACS, start + 14 * MINUTE), { replayAt: start + 16 * MINUTE, lateAt: start + 30 * MINUTE });
  });
});
