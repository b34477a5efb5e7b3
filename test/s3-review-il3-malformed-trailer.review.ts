/**
 * Review il, 3, against a real server, with requests signed by the SDK's own signer (`@smithy/signature-v4`) in the
 * form SDK v3 uploads with by default (`STREAMING-UNSIGNED-PAYLOAD-TRAILER` with `x-amz-trailer`): an aws-chunked body
 * whose trailer does not carry the checksum `x-amz-trailer` announced is refused as S3 refuses it, 400
 * MalformedTrailerError "The request contained trailing data that was not well-formed or did not conform to our
 * published schema." (S3's ErrorResponses; Swift's s3api functional tests, run against AWS, record the answer for each
 * case below).
 *
 * What was wrong: it was answered 400 InvalidRequest "the trailer does not carry `x-amz-checksum-crc32`, which
 * x-amz-trailer announced", a code S3 gives to a request whose headers are wrong, not to a body whose trailer is: a
 * client (or a proxy, a test suite written against S3) that tells a damaged upload from a wrongly built one by the code
 * saw the wrong one.
 *
 * What is now so: no trailer sent, another checksum's trailer sent, or an empty line before the trailer (which ends the
 * trailer section): MalformedTrailerError, nothing stored. A body with the announced trailer is stored as before.
 *
 * Before the fix, the first test failed; the second passed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import * as S3 from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { adminBucket, objectExists } from './support/s3.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'il3-trailers';
const DATA = Buffer.from('model weights, epoch 7, sent aws-chunked');

let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => ((c = client), (server = s)));

const crc32Of = (b: Buffer): string => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(b));
  return out.toString('base64');
};

/** A PUT of DATA to `key`, aws-chunked, unsigned payload, announcing `announced` in x-amz-trailer; `trailer` is what follows the final chunk. */
async function put(key: string, announced: string, trailer: string): Promise<{ status: number; body: string }> {
  const url = new URL(server.running.s3Url);
  const payload = Buffer.concat([Buffer.from(`${DATA.length.toString(16)}\r\n`), DATA, Buffer.from(`\r\n0\r\n${trailer}`)]);
  const signer = new SignatureV4({ credentials: server.admin, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const signed = await signer.sign({
    method: 'PUT',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: `/${BUCKET}/${key}`,
    headers: {
      host: url.host,
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': String(DATA.length),
      'x-amz-trailer': announced,
      'content-length': String(payload.length),
    },
  });
  const r = await fetch(`${server.running.s3Url}/${BUCKET}/${key}`, { method: 'PUT', headers: signed.headers, body: payload });
  return { status: r.status, body: await r.text() };
}

const MALFORMED = /<Code>MalformedTrailerError<\/Code><Message>The request contained trailing data that was not well-formed or did not conform to our published schema.<\/Message>/;

describe('il 3: a trailer that does not carry the checksum x-amz-trailer announced', () => {
  it('is 400 MalformedTrailerError; nothing is stored', async () => {
    const crc = crc32Of(DATA);
    for (const [key, announced, trailer] of [
      ['none-sent', 'x-amz-checksum-crc32', '\r\n'],
      ['another-sent', 'x-amz-checksum-crc32c', `x-amz-checksum-crc32:${crc}\r\n\r\n`],
      ['empty-line-first', 'x-amz-checksum-crc32', `\r\nx-amz-checksum-crc32:${crc}\r\n\r\n`],
    ] as const) {
      const r = await put(key, announced, trailer);
      assert.equal(r.status, 400, `${key}: ${r.body}`);
      assert.match(r.body, MALFORMED, key);
      assert.equal(await objectExists(c, BUCKET, key), false, `${key} was stored`);
    }
  });

  it('the announced trailer is verified and stored as before', async () => {
    const r = await put('announced', 'x-amz-checksum-crc32', `x-amz-checksum-crc32:${crc32Of(DATA)}\r\n\r\n`);
    assert.equal(r.status, 200, r.body);
    const got = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'announced', ChecksumMode: 'ENABLED' }));
    assert.equal(got.ChecksumCRC32, crc32Of(DATA));
    assert.equal(await got.Body?.transformToString(), DATA.toString());
  });
});
