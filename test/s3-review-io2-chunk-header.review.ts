/**
 * Review io, 2, against a real server, with the seed and chunk signatures made by the SDK's own signer
 * (`@smithy/signature-v4`), in the signed form (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`): a chunk header is read as S3
 * reads it (Swift's s3api functional tests, run against AWS, record each answer):
 *   - a chunk with no `;chunk-signature=`, or an empty one: 400 IncompleteBody "The request body terminated unexpectedly";
 *   - a chunk signature that is not 64 hex digits (`invalid`): 403 SignatureDoesNotMatch;
 *   - spaces around `;` and `=`, or after the signature (`1a ; chunk-signature = <sig> `): accepted.
 *
 * What was wrong: the first was SignatureDoesNotMatch, which sent the client to check its key for a body it had framed
 * wrong; the second was IncompleteBody, which told it the body was cut short when its signature was wrong; the third
 * was refused IncompleteBody, a body S3 stores.
 *
 * Before the fix, the first three tests failed; the last passed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as S3 from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { adminBucket, objectExists } from './support/s3.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'io2-chunks';
const DATA = Buffer.from('weights of layer 7, signed chunk by chunk');

let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => ((c = client), (server = s)));

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** A PUT of DATA to `key` in signed chunks (DATA, then the final empty one), each header written by `header(sizeHex, signature)`. */
async function putChunks(key: string, header: (size: string, signature: string) => string): Promise<{ status: number; body: string }> {
  const url = new URL(server.running.s3Url);
  const signer = new SignatureV4({ credentials: server.admin, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const date = new Date();
  const chunks = [DATA, Buffer.alloc(0)];
  // The signatures do not depend on the framing, so the length is known once they are made.
  const sigs: string[] = [];
  const signed = async (length: number) =>
    signer.sign(
      {
        method: 'PUT',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: `/${BUCKET}/${key}`,
        headers: {
          host: url.host,
          'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
          'content-encoding': 'aws-chunked',
          'x-amz-decoded-content-length': String(DATA.length),
          'content-length': String(length),
        },
      },
      { signingDate: date },
    );
  // Content-Length is signed; the chunk signatures chain from the seed, so sign, frame, and sign again if it changed.
  let length = 0;
  for (;;) {
    const request = await signed(length);
    const seed = /Signature=([0-9a-f]{64})/.exec(String(request.headers['authorization']))?.[1] ?? '';
    const amzDate = String(request.headers['x-amz-date']);
    const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
    let previous = seed;
    sigs.length = 0;
    for (const chunk of chunks) {
      previous = await signer.sign(['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, previous, sha256(''), sha256(chunk)].join('\n'), { signingDate: date });
      sigs.push(previous);
    }
    const payload = Buffer.concat(chunks.flatMap((chunk, i) => [Buffer.from(`${header(chunk.length.toString(16), sigs[i] as string)}\r\n`), chunk, Buffer.from('\r\n')]));
    if (payload.length !== length) {
      length = payload.length;
      continue;
    }
    const r = await fetch(`${server.running.s3Url}/${BUCKET}/${key}`, { method: 'PUT', headers: request.headers, body: payload });
    return { status: r.status, body: await r.text() };
  }
}

describe('io 2: the chunk header of a signed aws-chunked body', () => {
  it('no chunk-signature, or an empty one: 400 IncompleteBody, nothing stored', async () => {
    for (const [key, header] of [
      ['none', (size: string) => size],
      ['blank', (size: string) => `${size};chunk-signature=`],
    ] as const) {
      const r = await putChunks(key, header);
      assert.equal(r.status, 400, `${key}: ${r.body}`);
      assert.match(r.body, /<Code>IncompleteBody<\/Code><Message>The request body terminated unexpectedly<\/Message>/, key);
      assert.equal(await objectExists(c, BUCKET, key), false, `${key} stored`);
    }
  });

  it('a chunk signature that is no hex signature: 403 SignatureDoesNotMatch, nothing stored', async () => {
    const r = await putChunks('invalid', (size) => `${size};chunk-signature=invalid`);
    assert.equal(r.status, 403, r.body);
    assert.match(r.body, /<Code>SignatureDoesNotMatch<\/Code>/);
    assert.equal(await objectExists(c, BUCKET, 'invalid'), false);
  });

  it('spaces around ; and =, or after the signature: accepted, stored', async () => {
    for (const [key, header] of [
      ['spaced-semicolon', (size: string, sig: string) => `${size} ; chunk-signature=${sig}`],
      ['spaced-equals', (size: string, sig: string) => `${size};chunk-signature = ${sig} `],
    ] as const) {
      const r = await putChunks(key, header);
      assert.equal(r.status, 200, `${key}: ${r.body}`);
      const got = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: key }));
      assert.equal(await got.Body?.transformToString(), DATA.toString());
    }
  });

  it('the usual framing is stored; a wrong signature is still SignatureDoesNotMatch', async () => {
    const ok = await putChunks('plain', (size, sig) => `${size};chunk-signature=${sig}`);
    assert.equal(ok.status, 200, ok.body);
    const wrong = await putChunks('wrong', (size) => `${size};chunk-signature=${'0'.repeat(64)}`);
    assert.equal(wrong.status, 403, wrong.body);
    assert.match(wrong.body, /<Code>SignatureDoesNotMatch<\/Code>/);
    assert.equal(await objectExists(c, BUCKET, 'wrong'), false);
  });
});
