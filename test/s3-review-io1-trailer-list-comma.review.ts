/**
 * Review io, 1, against a real server, with requests signed by the SDK's own signer (`@smithy/signature-v4`) in the
 * form SDK v3 uploads with (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`): an `x-amz-trailer` that names its checksum followed
 * by a trailing comma (`x-amz-checksum-crc32,`, `…,,`, `…, `) is accepted as S3 accepts it; a list that names more than
 * the checksum (a leading comma, an empty member between commas) is refused with S3's message, 400 InvalidRequest "The
 * value specified in the x-amz-trailer header is not supported" (Swift's s3api functional tests, run against AWS,
 * record both answers).
 *
 * What was wrong: the header's value was looked up as it came, so `x-amz-checksum-crc32,` was refused 400 "the trailing
 * checksum … is not supported" and the upload failed, a body S3 stores; and the refusal's message was the gateway's own.
 *
 * Before the fix, both tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, crc32Base64, objectExists, putWithTrailer } from './support/s3.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'io1-trailers';
const DATA = Buffer.from('a checkpoint shard, sent aws-chunked');

let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => ((c = client), (server = s)));

/** A PUT of DATA to `key`, aws-chunked with its CRC32 trailing, `x-amz-trailer` as given. */
const putAnnouncing = (key: string, announced: string): Promise<{ status: number; body: string }> =>
  putWithTrailer(server, `/${BUCKET}/${key}`, DATA, `x-amz-checksum-crc32:${crc32Base64(DATA)}\r\n\r\n`, announced);

describe('io 1: x-amz-trailer with a trailing comma', () => {
  it('names the checksum followed by commas: accepted, the checksum verified and stored', async () => {
    for (const [key, announced] of [
      ['one-comma', 'x-amz-checksum-crc32,'],
      ['two-commas', 'x-amz-checksum-crc32,,'],
      ['comma-space', 'x-amz-checksum-crc32, '],
    ] as const) {
      const r = await putAnnouncing(key, announced);
      assert.equal(r.status, 200, `${announced}: ${r.body}`);
      const got = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
      assert.equal(got.ChecksumCRC32, crc32Base64(DATA), announced);
      assert.equal(await got.Body?.transformToString(), DATA.toString());
    }
  });

  it('a list with an empty member before or between: 400 InvalidRequest with S3 message, nothing stored', async () => {
    for (const [key, announced] of [
      ['leading', ', x-amz-checksum-crc32'],
      ['leading-tight', ',x-amz-checksum-crc32'],
      ['empty-between', 'x-amz-checksum-crc32, ,'],
      ['unknown', 'x-amz-checksum-bad'],
    ] as const) {
      const r = await putAnnouncing(key, announced);
      assert.equal(r.status, 400, `${announced}: ${r.body}`);
      assert.match(r.body, /<Code>InvalidRequest<\/Code><Message>The value specified in the x-amz-trailer header is not supported<\/Message>/, announced);
      assert.equal(await objectExists(c, BUCKET, key), false, `${announced} stored`);
    }
  });
});
