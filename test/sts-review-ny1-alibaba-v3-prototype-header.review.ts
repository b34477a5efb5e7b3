/**
 * Review ny, 1: the V3 signature of Alibaba's STS (`ACS3-HMAC-SHA256`, alibaba-sts-api.ts `v3Claim`) reads each header
 * its `SignedHeaders` names from Node's `req.headers`, an ordinary object. A `SignedHeaders` naming `constructor` or
 * `__proto__` found `Object` / `Object.prototype` there, and the canonical request's `.trim()` of it threw: anyone who
 * knows an AccessKey ID (not its secret; key ids are no secret, they are in every audit record) got 500 InternalFailure,
 * in AWS STS's XML that Alibaba's SDKs cannot read, with a stack in the server's log for each request and no record of
 * the refused authentication. The SigV4 verifier guards against exactly this (sigv4/verify.ts `header`: "a hostile
 * `SignedHeaders=constructor` must not find `Object`"), STYLE.md habit 10 asks for it of untrusted input, and the
 * signature's contract (Alibaba "request syntax and signature method V3", docs/decisions.md review fn, 3) is over the
 * headers sent.
 *
 * Now a signed header is read only as an own property of the request's headers: one not sent is empty, as any other
 * signed header not sent (`x-unsent`) already was, so a bad signature is Alibaba's 400 SignatureDoesNotMatch in its
 * JSON, and a signature made over the header as empty is taken. A real server on 127.0.0.1, requests signed as
 * `@alicloud/openapi-core`'s `getAuthorization` signs them.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { readerSuite } from './support/alibaba-world.ts';

const ACS = '350000000061';
const world = readerSuite(ACS);

const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');

/**
 * A GetCallerIdentity POST signed with V3, `extra` named in `SignedHeaders` but not sent (its value empty in the
 * canonical request, as for any header not sent); `forge` sends a signature not made with the secret.
 */
async function callerIdentity(extra: string, forge: boolean): Promise<{ status: number; type: string; text: string }> {
  const { server, bob } = world();
  const url = new URL(server.url);
  const headers: Record<string, string> = {
    host: url.host,
    'x-acs-version': '2015-04-01',
    'x-acs-action': 'GetCallerIdentity',
    'x-acs-date': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'x-acs-signature-nonce': randomUUID(),
    accept: 'application/json',
    'x-acs-content-sha256': sha256(''),
  };
  const signed = [...Object.keys(headers).filter((h) => h.startsWith('x-acs-') || h === 'host'), extra].sort();
  const canonicalHeaders = signed.map((h) => `${h}:${(Object.hasOwn(headers, h) ? (headers[h] as string) : '').trim()}\n`).join('');
  const canonicalRequest = `POST\n/\n\n${canonicalHeaders}\n${signed.join(';')}\n${sha256('')}`;
  const signature = forge ? 'ab'.repeat(32) : createHmac('sha256', bob.secretAccessKey).update(`ACS3-HMAC-SHA256\n${sha256(canonicalRequest)}`).digest('hex');
  const sent: Record<string, string> = { ...headers, authorization: `ACS3-HMAC-SHA256 Credential=${bob.accessKeyId},SignedHeaders=${signed.join(';')},Signature=${signature}` };
  delete sent['host'];
  const res = await fetch(`${server.url}/`, { method: 'POST', headers: sent });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

describe('ny1: a V3 SignedHeaders naming an Object.prototype property', () => {
  it('a forged signature naming `constructor` or `__proto__` is Alibaba’s 400 SignatureDoesNotMatch, not a 500', async () => {
    for (const name of ['constructor', '__proto__']) {
      const r = await callerIdentity(name, true);
      assert.equal(r.status, 400, `${name}: ${r.text.slice(0, 200)}`);
      assert.match(r.type, /^application\/json/, name);
      const body = JSON.parse(r.text) as Record<string, unknown>;
      assert.equal(body['Code'], 'SignatureDoesNotMatch', name);
      assert.equal(typeof body['RequestId'], 'string', name);
    }
  });

  it('a signature made over such a header as empty (not sent) is taken, as for any other header not sent', async () => {
    // The baseline: a signed header that is simply not sent.
    const unsent = await callerIdentity('x-unsent', false);
    assert.equal(unsent.status, 200, unsent.text.slice(0, 200));
    for (const name of ['constructor', '__proto__']) {
      const r = await callerIdentity(name, false);
      assert.equal(r.status, 200, `${name}: ${r.text.slice(0, 200)}`);
      assert.equal((JSON.parse(r.text) as Record<string, unknown>)['Arn'], `acs:ram::${ACS}:user/bob`, name);
    }
  });
});
