/**
 * Review io, 3, against a real server with the real `@aws-sdk/client-s3`: an UploadPart whose body is larger than the
 * largest part (5 GiB, as S3: qfacts.html "Part size 5 MiB to 5 GiB") is refused 400 EntityTooLarge with S3's message,
 * "Your proposed upload exceeds the maximum allowed size", without advice that does not apply to it.
 *
 * What was wrong: the part was refused with PutObject's answer, "…; upload larger objects in parts (multipart upload)",
 * told to a client that was uploading a part: it had nowhere to go from there, where what it needs is smaller parts.
 * PutObject keeps the advice, which is its way out.
 *
 * The limit is the store's `maxPutSize` (5 GiB), lowered here (`s3MaxPutSize`) so the test moves kilobytes.
 *
 * Before the fix, the first test failed; the second passed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const LIMIT = 64 * 1024;
const B = 'io3-part-size';
let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer({ s3MaxPutSize: LIMIT });
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  await c.send(new S3.CreateBucketCommand({ Bucket: B }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

describe('io 3: a part larger than the largest part', () => {
  it('UploadPart: 400 EntityTooLarge with S3 message, no advice to upload in parts; no part stored', async () => {
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: 'big' }));
    const f = await sdkFailure(c.send(new S3.UploadPartCommand({ Bucket: B, Key: 'big', UploadId: up.UploadId, PartNumber: 1, Body: Buffer.alloc(LIMIT + 1, 7) })));
    assert.equal(f.code, 'EntityTooLarge');
    assert.equal(f.status, 400);
    assert.match(f.message, /^Your proposed upload exceeds the maximum allowed size/);
    assert.doesNotMatch(f.message, /in parts|multipart/i);
    assert.equal((await c.send(new S3.ListPartsCommand({ Bucket: B, Key: 'big', UploadId: up.UploadId }))).Parts?.length ?? 0, 0);
    // A part at the limit is stored.
    await c.send(new S3.UploadPartCommand({ Bucket: B, Key: 'big', UploadId: up.UploadId, PartNumber: 1, Body: Buffer.alloc(LIMIT, 7) }));
  });

  it('PutObject: still EntityTooLarge, with the advice to upload in parts', async () => {
    const f = await sdkFailure(c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'whole', Body: Buffer.alloc(LIMIT + 1, 7) })));
    assert.deepEqual([f.code, f.status], ['EntityTooLarge', 400]);
    assert.match(f.message, /^Your proposed upload exceeds the maximum allowed size.*multipart upload/);
  });
});
