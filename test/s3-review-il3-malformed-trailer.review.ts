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
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, crc32Base64, objectExists, putWithTrailer } from './support/s3.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'il3-trailers';
const DATA = Buffer.from('model weights, epoch 7, sent aws-chunked');

let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => ((c = client), (server = s)));

/** A PUT of DATA to `key`, aws-chunked, unsigned payload, announcing `announced` in x-amz-trailer; `trailer` is what follows the final chunk. */
const put = (key: string, announced: string, trailer: string): Promise<{ status: number; body: string }> => putWithTrailer(server, `/${BUCKET}/${key}`, DATA, trailer, announced);

const MALFORMED = /<Code>MalformedTrailerError<\/Code><Message>The request contained trailing data that was not well-formed or did not conform to our published schema.<\/Message>/;

describe('il 3: a trailer that does not carry the checksum x-amz-trailer announced', () => {
  it('is 400 MalformedTrailerError; nothing is stored', async () => {
    const crc = crc32Base64(DATA);
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
    const r = await put('announced', 'x-amz-checksum-crc32', `x-amz-checksum-crc32:${crc32Base64(DATA)}\r\n\r\n`);
    assert.equal(r.status, 200, r.body);
    const got = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'announced', ChecksumMode: 'ENABLED' }));
    assert.equal(got.ChecksumCRC32, crc32Base64(DATA));
    assert.equal(await got.Body?.transformToString(), DATA.toString());
  });
});
