/**
 * Review il, 1, against a real server, with a request signed by the SDK's own signer (`@smithy/signature-v4`) in the
 * form SDK v3 uploads with by default (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`, a trailing `x-amz-checksum-*`): a trailing
 * checksum whose value is not the base64 of a digest of its algorithm is refused as S3 refuses it, 400 InvalidRequest
 * "Value for x-amz-checksum-<algorithm> trailing header is invalid.", as the same value in a header already is.
 *
 * What was wrong: the trailer's value was compared with the body's digest as it came, so a value that is no digest at
 * all (`notbase64!!`, a CRC32's 4 bytes under SHA256, padding missing) was answered 400 BadDigest "The CRC32 you
 * specified did not match the calculated checksum.": the client was told its bytes were damaged in transit, and a
 * client that resends on BadDigest sent the whole body again, to the same answer, where S3 says the trailer is
 * malformed (the S3-compatible servers that test against it record the answer: versitygw, Swift's s3api, CloudServer).
 *
 * What is now so: a malformed trailing value is InvalidRequest naming the trailer, nothing stored; a well-formed value
 * the body does not match is BadDigest as before; a right one is stored. The same for UploadPart.
 *
 * Before the fix, the first test failed (BadDigest); the second passed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, crc32Base64, objectExists, putWithTrailer } from './support/s3.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'il1-trailers';
const DATA = Buffer.from('a shard of training data, sent aws-chunked');

let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => ((c = client), (server = s)));

/** A PUT of DATA (to `path`) as SDK v3 sends it: aws-chunked, unsigned payload, `x-amz-checksum-<algorithm>` trailing `value`. */
const putChecksum = (path: string, algorithm: 'crc32' | 'sha256', value: string): Promise<{ status: number; body: string }> =>
  putWithTrailer(server, path, DATA, `x-amz-checksum-${algorithm}:${value}\r\n\r\n`, `x-amz-checksum-${algorithm}`, { 'x-amz-sdk-checksum-algorithm': algorithm.toUpperCase() });

const invalid = (algorithm: string): RegExp => new RegExp(`<Code>InvalidRequest</Code><Message>Value for x-amz-checksum-${algorithm} trailing header is invalid.</Message>`);

describe('il 1: a trailing checksum that is not a digest of its algorithm', () => {
  it('is 400 InvalidRequest naming the trailer, not BadDigest; nothing is stored', async () => {
    const sha = createHash('sha256').update(DATA).digest('base64');
    for (const [key, algorithm, value] of [
      ['not-base64', 'crc32', 'notbase64!!'],
      ['crc-under-sha', 'sha256', crc32Base64(DATA)],
      ['unpadded', 'sha256', sha.replace(/=+$/, '')],
      ['too-long', 'crc32', Buffer.alloc(8).toString('base64')],
    ] as const) {
      const r = await putChecksum(`/${BUCKET}/${key}`, algorithm, value);
      assert.equal(r.status, 400, `${key}: ${r.body}`);
      assert.match(r.body, invalid(algorithm), key);
      assert.equal(await objectExists(c, BUCKET, key), false, `${key} was stored`);
    }

    const u = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'parted', ChecksumAlgorithm: 'CRC32' }));
    const part = await putChecksum(`/${BUCKET}/parted?partNumber=1&uploadId=${encodeURIComponent(u.UploadId ?? '')}`, 'crc32', 'AAAA');
    assert.equal(part.status, 400, part.body);
    assert.match(part.body, invalid('crc32'));
    assert.equal((await c.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key: 'parted', UploadId: u.UploadId }))).Parts?.length ?? 0, 0);
  });

  it('a well-formed value the body does not match is still BadDigest; the right one is stored', async () => {
    const wrong = await putChecksum(`/${BUCKET}/wrong`, 'crc32', crc32Base64(Buffer.from('other bytes')));
    assert.equal(wrong.status, 400);
    assert.match(wrong.body, /<Code>BadDigest<\/Code><Message>The CRC32 you specified did not match the calculated checksum.<\/Message>/);
    assert.equal(await objectExists(c, BUCKET, 'wrong'), false);

    const right = await putChecksum(`/${BUCKET}/right`, 'crc32', crc32Base64(DATA));
    assert.equal(right.status, 200, right.body);
    const got = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'right', ChecksumMode: 'ENABLED' }));
    assert.equal(got.ChecksumCRC32, crc32Base64(DATA));
    assert.equal(await got.Body?.transformToString(), DATA.toString());
  });
});
