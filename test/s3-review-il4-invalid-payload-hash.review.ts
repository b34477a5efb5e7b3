/**
 * Review il, 4, against a real server, with requests signed by the SDK's own signer (`@smithy/signature-v4`): a
 * header-signed request whose `x-amz-content-sha256` is neither a payload keyword nor a SHA-256 is refused as S3
 * refuses it, 400 InvalidArgument "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER,
 * … or a valid sha256 value." with `ArgumentName` x-amz-content-sha256 and the value sent as `ArgumentValue` (Swift's
 * s3api functional tests, run against AWS, record the answer, for PUT and GET alike, `unsigned-payload` in lower case
 * included).
 *
 * What was wrong: it was answered 400 AuthorizationHeaderMalformed, which tells the client that its Authorization
 * header is malformed; the header was well formed, and a client or proxy that computes the payload hash wrongly
 * (lower-cased keywords, a base64 digest, a `Content-MD5` in its place) was sent to look at its signer's Authorization
 * header instead.
 *
 * What is now so: InvalidArgument naming the header and the value; the Authorization header's own faults stay
 * AuthorizationHeaderMalformed, and a well-formed payload hash is served as before.
 *
 * Before the fix, the first test failed; the second passed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { adminBucket } from './support/s3.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'il4-payload-hash';
const BODY = 'a small object';

let server: TestServer;
adminBucket(BUCKET, (_client, s) => (server = s));

/** `method` of `/BUCKET/key`, signed in its Authorization header with `payloadHash` as x-amz-content-sha256. */
async function send(method: 'GET' | 'PUT', payloadHash: string, authorization?: (value: string) => string): Promise<{ status: number; body: string }> {
  const url = new URL(server.running.s3Url);
  const body = method === 'PUT' ? BODY : undefined;
  const signer = new SignatureV4({ credentials: server.admin, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const signed = await signer.sign({
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: `/${BUCKET}/key`,
    headers: { host: url.host, 'x-amz-content-sha256': payloadHash, ...(body !== undefined ? { 'content-length': String(body.length) } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
  const headers = { ...signed.headers } as Record<string, string>;
  if (authorization) headers['authorization'] = authorization(headers['authorization'] ?? '');
  const r = await fetch(`${server.running.s3Url}/${BUCKET}/key`, { method, headers, ...(body !== undefined ? { body } : {}) });
  return { status: r.status, body: await r.text() };
}

describe('il 4: an x-amz-content-sha256 that is no payload hash', () => {
  it('is 400 InvalidArgument naming the header and the value, not AuthorizationHeaderMalformed', async () => {
    const base64Digest = createHash('sha256').update(BODY).digest('base64');
    for (const [method, value] of [
      ['PUT', 'invalid'],
      ['PUT', 'unsigned-payload'],
      ['PUT', base64Digest],
      ['GET', 'INVALID'],
    ] as const) {
      const r = await send(method, value);
      assert.equal(r.status, 400, `${method} ${value}: ${r.body}`);
      assert.match(r.body, /<Code>InvalidArgument<\/Code><Message>x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, [^<]* or a valid sha256 value.<\/Message>/, `${method} ${value}`);
      assert.match(r.body, /<ArgumentName>x-amz-content-sha256<\/ArgumentName>/);
      assert.ok(r.body.includes(`<ArgumentValue>${value}</ArgumentValue>`), r.body);
    }
  });

  it('a malformed Authorization header is still AuthorizationHeaderMalformed; a good payload hash is served', async () => {
    const bad = await send('GET', 'UNSIGNED-PAYLOAD', (a) => a.replace('Credential=', 'Credential=x/'));
    assert.equal(bad.status, 400);
    assert.match(bad.body, /<Code>AuthorizationHeaderMalformed<\/Code>/);
    const put = await send('PUT', createHash('sha256').update(BODY).digest('hex'));
    assert.equal(put.status, 200, put.body);
    const get = await send('GET', 'UNSIGNED-PAYLOAD');
    assert.deepEqual([get.status, get.body], [200, BODY]);
  });
});
