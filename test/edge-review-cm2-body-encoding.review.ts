/**
 * Review cm, 2. The admin API under `/v1/` (the authorize API first of all) read every body as UTF-8 JSON whatever the
 * request said of it:
 * - `Content-Encoding: gzip` with a gzipped question was refused as "the request body is not JSON: Unexpected token
 *   '\u001f', "\u001f�\b…"", the compressed bytes echoed back, with no word of the encoding; and `Content-Encoding: br`
 *   in front of a plain body was decided as if the header were not there.
 * - `Content-Type: application/json; charset=iso-8859-1` with `café` in a context value, or such bytes without a
 *   charset, were decoded as UTF-8, each invalid byte silently turned into U+FFFD: the question decided was not the
 *   one sent (a condition on `s3:prefix` compared another string), and answered 200.
 * - A body starting with a UTF-8 byte order mark, which RFC 8259 §8.1 lets a parser ignore, was refused showing an
 *   invisible character.
 *
 * Now a content coding other than `identity` is refused 415 `UnsupportedMediaType` naming it, as RFC 9110 §15.5.16
 * says, and so is a charset other than UTF-8; a body that is not valid UTF-8 is refused 400 saying so; a leading BOM
 * is skipped. Real server (SQLite), SigV4-signed requests built by hand (the signature covers the raw bytes).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

const QUESTION = { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: { 's3:prefix': 'café' } };

/** `POST /v1/authorize` with these bytes and headers, signed over them. */
async function ask(body: Uint8Array, headers: Record<string, string>): Promise<{ status: number; json: { decision?: string; error?: { code?: string; gatehouseCode?: string; message?: string } } }> {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: s.admin, sha256: Sha256 });
  const signed = await signer.sign({ method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/v1/authorize', query: {}, headers: { host: u.host, ...headers }, body });
  const r = await fetch(new URL('/v1/authorize', u), { method: 'POST', headers: signed.headers, body });
  return { status: r.status, json: (await r.json()) as never };
}

const utf8 = (x: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(x));

test('a content coding other than identity is refused 415, naming it', async () => {
  const gz = await ask(gzipSync(utf8(QUESTION)), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
  assert.equal(gz.status, 415, JSON.stringify(gz.json));
  assert.equal(gz.json.error?.code, 'UnsupportedMediaType');
  assert.equal(gz.json.error?.gatehouseCode, 'UNSUPPORTED_MEDIA_TYPE');
  assert.match(gz.json.error?.message ?? '', /`gzip`/);
  assert.doesNotMatch(gz.json.error?.message ?? '', /\u001f/);
  // A plain body under a coding it does not have is not decided as if the header were absent.
  const br = await ask(utf8(QUESTION), { 'content-type': 'application/json', 'content-encoding': 'br' });
  assert.equal(br.status, 415, JSON.stringify(br.json));
  const identity = await ask(utf8(QUESTION), { 'content-type': 'application/json', 'content-encoding': 'identity' });
  assert.equal(identity.status, 200, JSON.stringify(identity.json));
  assert.equal(identity.json.decision, 'Allow');
});

test('a charset other than UTF-8 is refused 415; UTF-8, in any spelling, is read', async () => {
  const latin1 = Buffer.from(JSON.stringify(QUESTION), 'latin1');
  const r = await ask(latin1, { 'content-type': 'application/json; charset=iso-8859-1' });
  assert.equal(r.status, 415, JSON.stringify(r.json));
  assert.match(r.json.error?.message ?? '', /iso-8859-1/);
  for (const type of ['application/json; charset=UTF-8', 'application/json;charset="utf-8"', 'application/json']) {
    const ok = await ask(utf8(QUESTION), { 'content-type': type });
    assert.equal(ok.status, 200, `${type}: ${JSON.stringify(ok.json)}`);
  }
});

test('a body that is not valid UTF-8 is refused, not decided with U+FFFD in place of its bytes', async () => {
  const r = await ask(Buffer.from(JSON.stringify(QUESTION), 'latin1'), { 'content-type': 'application/json' });
  assert.equal(r.status, 400, JSON.stringify(r.json));
  assert.equal(r.json.error?.gatehouseCode, 'VALIDATION_ERROR');
  assert.match(r.json.error?.message ?? '', /UTF-8/);
});

test('a leading byte order mark is skipped (RFC 8259 §8.1)', async () => {
  const r = await ask(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(QUESTION)]), { 'content-type': 'application/json' });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.decision, 'Allow');
});
