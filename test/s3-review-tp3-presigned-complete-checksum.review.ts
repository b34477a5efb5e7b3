/**
 * Review tp, 3, against a real server with `@aws-sdk/client-s3` and a URL made by `@aws-sdk/s3-request-presigner`:
 * CompleteMultipartUpload presigned with the whole object's checksum (`ChecksumCRC32`, `ChecksumType: FULL_OBJECT`).
 *
 * What was wrong: SDK v3's presigner hoists Complete's `x-amz-checksum-crc32` (the object's checksum, not the body's:
 * API_CompleteMultipartUpload) and `x-amz-checksum-type` into the signed query. The edge read the signed query's other
 * `x-amz-*` parameters as the headers they stand for (decisions.md, review hx, 2: `x-amz-mp-object-size` among them)
 * but passed the checksum over, as the body checksum of an upload it is not. So the object the signer vouched for was
 * never compared with what was assembled: a URL presigned to complete parts 1 and 2 completed parts 1 and 3 (the part
 * list is the unsigned body) and the object was stored under that URL's authority, where the same request with the
 * header answers BadDigest (review di, 2).
 *
 * What is now so: on CompleteMultipartUpload a signed `x-amz-checksum-<algorithm>` query parameter is the object's
 * checksum, as the header is (the header wins when both are sent), and a mismatch is 400 BadDigest, nothing stored.
 * The URL used with the part list it was made for completes as before.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import * as S3 from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { adminBucket, objectExists } from './support/s3.ts';

const BUCKET = 'tp3-presigned-complete';
let c: S3.S3Client;
adminBucket(BUCKET, (client) => (c = client));

const PART1 = Buffer.alloc(5 << 20, 'weights ');
const PART2 = Buffer.from('the bytes meant');
const PART3 = Buffer.from('other bytes put');
const crc = (b: Buffer): string => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(b) >>> 0);
  return out.toString('base64');
};

describe('tp 3: a presigned Complete is held to the object checksum it was signed with', () => {
  it('a URL presigned for parts 1 and 2 does not complete parts 1 and 3', async () => {
    const key = 'assembled';
    const u = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ChecksumAlgorithm: 'CRC32', ChecksumType: 'FULL_OBJECT' }));
    const etags: string[] = [];
    for (const [n, body] of [[1, PART1], [2, PART2], [3, PART3]] as const) {
      etags[n] = (await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: u.UploadId, PartNumber: n, Body: body, ChecksumAlgorithm: 'CRC32' }))).ETag ?? '';
    }
    const whole = crc(Buffer.concat([PART1, PART2]));
    const list = (a: number, b: number): string =>
      `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><PartNumber>${a}</PartNumber><ETag>${etags[a]}</ETag></Part><Part><PartNumber>${b}</PartNumber><ETag>${etags[b]}</ETag></Part></CompleteMultipartUpload>`;
    const url = await getSignedUrl(
      c,
      new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: u.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: etags[1] }, { PartNumber: 2, ETag: etags[2] }] }, ChecksumCRC32: whole, ChecksumType: 'FULL_OBJECT' }),
      { expiresIn: 300, unsignableHeaders: new Set(['content-length', 'content-type']) },
    );
    assert.equal(new URL(url).searchParams.get('x-amz-checksum-crc32'), whole, 'the URL signs the object checksum');
    const wrong = await fetch(url, { method: 'POST', body: list(1, 3) });
    const text = await wrong.text();
    assert.equal(wrong.status, 400, text);
    assert.match(text, /<Code>BadDigest<\/Code>/);
    assert.equal(await objectExists(c, BUCKET, key), false);
    const ok = await fetch(url, { method: 'POST', body: list(1, 2) });
    assert.equal(ok.status, 200, await ok.text());
    const head = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
    assert.deepEqual([head.ChecksumCRC32, head.ContentLength], [whole, PART1.length + PART2.length]);
  });
});
