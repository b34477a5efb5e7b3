/**
 * Review ux, 1: Alibaba's STS refuses a signed request whose `SignatureNonce` it took already (`SignatureNonceUsed`), and
 * one of a key whose nonces of that time it no longer holds (`InvalidTimeStamp.Expired`, "this server has had more
 * signed requests in the last 15 minutes than it holds nonces for": review jy, 1). Both are refused only after the
 * request's signature verified with the key's secret (an unsigned request claims no nonce: a forged request naming a
 * real client's key id and nonce is SignatureDoesNotMatch, and the client's own request with that nonce is taken after
 * it; checked here, unchanged). But their records said nothing of it: no `detail.signatureVerified`, which every other
 * Alibaba refusal of a request checked against the key's secret records (reviews um, 2 and us, 1), so `audit query` for
 * the requests a key's holder signed missed the replays of its captured requests; and the second's message was that of
 * a client's clock off ("the request time is more than 15 minutes from the server clock"), though its time was taken:
 * the owner looked at the wrong thing.
 *
 * Now both record `signatureVerified: true`, their message says the key's secret signed them (a request of its holder
 * sent again), and the second's says the server no longer held the key's nonces of that time. Answers unchanged.
 *
 * Real server (SQLite), an `acs` account, requests signed by hand with signature version 1.0 as `@alicloud/credentials`
 * signs them (the replay needs the same bytes twice), the records read through /v1/audit.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { readerSuite } from './support/alibaba-world.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { userWithKey, type Credentials, type TestServer } from './support/server.ts';

const ACS = '350000000171';
const BOUND = 20;

/** RFC 3986 percent-encoding, as the RPC signature takes it. */
const percent = (v: string): string => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const stamp = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The URL of a GET signed with signature version 1.0 under `secret` (every parameter in the query). */
function signed(s: TestServer, keyId: string, secret: string, extra: Record<string, string>, opts: { at?: number; nonce?: string } = {}): string {
  const all: Record<string, string> = {
    Version: '2015-04-01',
    Format: 'JSON',
    Timestamp: stamp(opts.at ?? Date.now()),
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: opts.nonce ?? randomUUID(),
    AccessKeyId: keyId,
    ...extra,
  };
  const canonical = Object.keys(all).sort().map((k) => `${percent(k)}=${percent(all[k] as string)}`).join('&');
  const signature = createHmac('sha1', `${secret}&`).update(`GET&${percent('/')}&${percent(canonical)}`).digest('base64');
  return `${s.url}/?${canonical}&Signature=${percent(signature)}`;
}

async function send(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(url);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

describe('review ux1: Alibaba STS nonce refusals come after the signature, and their records say the key signed them', () => {
  const world = readerSuite(ACS, { maxSignatureNonces: BOUND });
  let mallory: Credentials;
  before(async () => {
    mallory = await userWithKey(world().server, 'mallory');
  });

  const assumeReader = (session: string): Record<string, string> => ({ Action: 'AssumeRole', RoleArn: `acs:ram::${ACS}:role/reader`, RoleSessionName: session, DurationSeconds: '900' });
  /** The refused-authentication records of `keyId` for `action` whose code is `code`. */
  const refusals = async (keyId: string, action: string, code: string): Promise<AuditRecord[]> => {
    const { server: s } = world();
    await s.running.app.audit.flush();
    const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?kind=decision&action=${action}&accessKeyId=${encodeURIComponent(keyId)}&limit=1000`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['records'] as AuditRecord[]).filter((x) => x.detail['accessKeyId'] === keyId && x.detail['authentication'] === code);
  };

  it("a forged request naming bob's key id and nonce claims no nonce: bob's own request with that nonce is taken", async () => {
    const { server: s, bob } = world();
    const nonce = randomUUID();
    const forged = await send(signed(s, bob.accessKeyId, 'not-the-secret', assumeReader('ux1-forged'), { nonce }));
    assert.equal(forged.status, 400, JSON.stringify(forged.body));
    assert.equal(forged.body['Code'], 'SignatureDoesNotMatch');
    const own = await send(signed(s, bob.accessKeyId, bob.secretAccessKey, assumeReader('ux1-own'), { nonce }));
    assert.equal(own.status, 200, JSON.stringify(own.body));
  });

  it("bob's request replayed: SignatureNonceUsed, recorded as signed with bob's key", async () => {
    const { server: s, bob } = world();
    const captured = signed(s, bob.accessKeyId, bob.secretAccessKey, assumeReader('ux1-replayed'));
    assert.equal((await send(captured)).status, 200);
    const replay = await send(captured);
    assert.equal(replay.status, 400, JSON.stringify(replay.body));
    assert.equal(replay.body['Code'], 'SignatureNonceUsed');
    const got = await refusals(bob.accessKeyId, 'sts:AssumeRole', 'SignatureNonceUsed');
    assert.equal(got.length, 1, JSON.stringify(got));
    assert.equal(got[0]?.detail['signatureVerified'], true);
    assert.match(String(got[0]?.detail['message']), /signature nonce was used already.*signed with the key's secret/);
    assert.equal(got[0]?.requestId, replay.body['RequestId']);
  });

  it("bob's request replayed after a flood pushed its nonce out: recorded as signed with bob's key, not as a clock off", async () => {
    const { server: s, bob } = world();
    const captured = signed(s, bob.accessKeyId, bob.secretAccessKey, assumeReader('ux1-pushed-out'), { at: Date.now() - 5_000 });
    assert.equal((await send(captured)).status, 200);
    const from = Date.now() - 60_000;
    for (let i = 0; i < BOUND + 5; i++) {
      const r = await send(signed(s, mallory.accessKeyId, mallory.secretAccessKey, { Action: 'GetCallerIdentity' }, { at: from + i * 1_000 }));
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const replay = await send(captured);
    assert.equal(replay.status, 400, JSON.stringify(replay.body));
    assert.equal(replay.body['Code'], 'InvalidTimeStamp.Expired');
    const got = await refusals(bob.accessKeyId, 'sts:AssumeRole', 'InvalidTimeStamp.Expired');
    assert.equal(got.length, 1, JSON.stringify(got));
    assert.equal(got[0]?.detail['signatureVerified'], true);
    const message = String(got[0]?.detail['message']);
    assert.doesNotMatch(message, /more than 15 minutes from the server clock/);
    assert.match(message, /nonces/);
    assert.match(message, /signed with the key's secret/);
  });
});
