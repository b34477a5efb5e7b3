/**
 * Review jy, 1. Alibaba's STS refuses a signed request whose `SignatureNonce` it has seen while the request's Timestamp
 * can still be taken (15 minutes either way), and the server holds those nonces in a bounded set (100,000 by default).
 * Past the bound it dropped the oldest nonces, live ones included, and took their requests again: any principal with a
 * key and no rights at all (GetCallerIdentity needs none) could send 100,000 cheap signed requests within the window,
 * and then replay a captured AssumeRole of another user, byte for byte, and be answered with fresh credentials of that
 * user's role (a busy deployment's own traffic did the same at ~110 requests a second).
 *
 * Now the set still drops its oldest nonce when full, but remembers, per AccessKeyId, the latest Timestamp window it
 * dropped one of: a request of that key whose Timestamp window ends no later (the dropped request itself, replayed) is
 * refused `InvalidTimeStamp.Expired` (sign again with the current time), and the nonces of other keys, and the key's
 * later requests, are taken as before. A flood of one key's requests makes no other key's replayable, and refuses no
 * other key's fresh requests. The server's bound is lowered to 20 here (the check is the same at 100,000).
 *
 * Real server on 127.0.0.1, requests signed by hand with signature version 1.0 as `@alicloud/credentials` signs them.
 * Before the fix 1 of 2 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { userWithKey, type Credentials, type TestServer } from './support/server.ts';
import { readerSuite } from './support/alibaba-world.ts';

const ACS = '350000000091';
const BOUND = 20;

/** RFC 3986 percent-encoding, as the RPC signature takes it. */
const percent = (v: string): string => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const stamp = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The URL of a GET request signed with signature version 1.0 (every parameter in the query). */
function signed(s: TestServer, keys: Credentials, extra: Record<string, string>, at = Date.now()): string {
  const all: Record<string, string> = {
    Version: '2015-04-01',
    Format: 'JSON',
    Timestamp: stamp(at),
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    AccessKeyId: keys.accessKeyId,
    ...extra,
  };
  const canonical = Object.keys(all).sort().map((k) => `${percent(k)}=${percent(all[k] as string)}`).join('&');
  const signature = createHmac('sha1', `${keys.secretAccessKey}&`).update(`GET&${percent('/')}&${percent(canonical)}`).digest('base64');
  return `${s.url}/?${canonical}&Signature=${percent(signature)}`;
}

async function send(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(url);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

describe('jy1: a flood of signed requests does not make another key\'s captured request replayable', () => {
  const world = readerSuite(ACS, { maxSignatureNonces: BOUND });
  let mallory: Credentials;
  before(async () => {
    mallory = await userWithKey(world().server, 'mallory');
  });

  it('bob\'s AssumeRole, replayed after mallory sent more requests than the server holds nonces for, is refused', async () => {
    const { server: s, bob } = world();
    const captured = signed(s, bob, { Action: 'AssumeRole', RoleArn: `acs:ram::${ACS}:role/reader`, RoleSessionName: 'captured', DurationSeconds: '900' }, Date.now() - 5_000);
    const first = await send(captured);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    // Each signed a second after the last, as requests spread over the window are (the server drops the oldest first).
    const from = Date.now() - 60_000;
    for (let i = 0; i < BOUND + 5; i++) {
      const r = await send(signed(s, mallory, { Action: 'GetCallerIdentity' }, from + i * 1_000));
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const replay = await send(captured);
    assert.equal(replay.status, 400, `replayed and answered: ${JSON.stringify(replay.body).slice(0, 160)}`);
    assert.equal(replay.body['Code'], 'InvalidTimeStamp.Expired');
    assert.match(String(replay.body['Message']), /sign the request again/);
  });

  it('after the flood, bob\'s fresh requests are taken, and a fresh one sent twice is SignatureNonceUsed', async () => {
    const { server: s, bob } = world();
    const fresh = signed(s, bob, { Action: 'GetCallerIdentity' });
    const r = await send(fresh);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body['Arn'], `acs:ram::${ACS}:user/bob`);
    const again = await send(fresh);
    assert.equal(again.status, 400);
    assert.equal(again.body['Code'], 'SignatureNonceUsed');
  });
});
