/**
 * Review il, 5, against a real server with the real `@aws-sdk/client-s3` (3.1175, whose model has S3's newer
 * checksums: `ChecksumSHA512`, `ChecksumMD5`, `ChecksumXXHASH64`, `ChecksumXXHASH3`, `ChecksumXXHASH128`): a body sent
 * with an `x-amz-checksum-<algorithm>` header of an algorithm the gateway does not compute is refused, 400
 * InvalidRequest "The algorithm type you specified in x-amz-checksum- header is invalid." (S3's answer to an algorithm
 * it does not know, as Swift's s3api functional tests, run against AWS, record it), never stored unchecked.
 *
 * What was wrong: the header was ignored. `PutObject({ ChecksumSHA512: … })` with a value that is not the body's
 * SHA-512 was answered 200 and stored: the client, which sends a checksum so that the server refuses a body damaged on
 * the way, was told its upload had been verified, and the object had no checksum to check a download against.
 *
 * What is now so: refused before the body is read (PutObject, UploadPart), nothing stored; the checksums the gateway
 * computes (CRC32, CRC32C, CRC64NVME, SHA1, SHA256) are verified as before, and `x-amz-checksum-algorithm`,
 * `-type` and `-mode` are not checksum values.
 *
 * Before the fix, the first test failed; the second passed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, objectExists, s3Refusal } from './support/s3.ts';

const BUCKET = 'il5-checksums';
const BODY = 'weights of layer 12';

let c: S3.S3Client;
adminBucket(BUCKET, (client) => (c = client));

const INVALID = 'The algorithm type you specified in x-amz-checksum- header is invalid.';

describe('il 5: a checksum header of an algorithm the gateway does not compute', () => {
  it('is 400 InvalidRequest, and nothing is stored unchecked', async () => {
    const wrong = {
      ChecksumSHA512: Buffer.alloc(64, 7).toString('base64'),
      ChecksumMD5: Buffer.alloc(16, 1).toString('base64'),
      ChecksumXXHASH64: Buffer.alloc(8, 1).toString('base64'),
    };
    for (const [name, value] of Object.entries(wrong)) {
      const key = `put-${name}`;
      const [code, status, message] = await s3Refusal(c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: key, Body: BODY, [name]: value })));
      assert.deepEqual([code, status, message], ['InvalidRequest', 400, INVALID], name);
      assert.equal(await objectExists(c, BUCKET, key), false, `${key} was stored`);
    }
    // The right SHA-512 too: the gateway cannot check it, so it does not say it did.
    const right = createHash('sha512').update(BODY).digest('base64');
    assert.equal((await s3Refusal(c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'put-right', Body: BODY, ChecksumSHA512: right } as S3.PutObjectCommandInput))))[0], 'InvalidRequest');

    const u = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'parted' }));
    const [code] = await s3Refusal(c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: 'parted', UploadId: u.UploadId, PartNumber: 1, Body: BODY, ChecksumSHA512: wrong.ChecksumSHA512 } as S3.UploadPartCommandInput)));
    assert.equal(code, 'InvalidRequest');
    assert.equal((await c.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key: 'parted', UploadId: u.UploadId }))).Parts?.length ?? 0, 0);
  });

  it('the checksums the gateway computes are verified as before', async () => {
    const sha256 = createHash('sha256').update(BODY).digest('base64');
    const put = await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'sha256', Body: BODY, ChecksumSHA256: sha256 }));
    assert.equal(put.ChecksumSHA256, sha256);
    const [code] = await s3Refusal(c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'bad-sha256', Body: BODY, ChecksumSHA256: createHash('sha256').update('x').digest('base64') })));
    assert.equal(code, 'BadDigest');
    // The SDK's default (a CRC32 trailer), and an upload declaring its algorithm: stored.
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'default', Body: BODY }));
    const u = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'crc', ChecksumAlgorithm: 'CRC32' }));
    const part = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: 'crc', UploadId: u.UploadId, PartNumber: 1, Body: BODY, ChecksumAlgorithm: 'CRC32' }));
    await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'crc', UploadId: u.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 }] } }));
    assert.equal(await (await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'crc' }))).Body?.transformToString(), BODY);
  });
});
