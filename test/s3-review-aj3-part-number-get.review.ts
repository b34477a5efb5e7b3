/**
 * Review aj, 6, against a real server with the real `@aws-sdk/client-s3`: GetObject and HeadObject with
 * `PartNumber` no longer answer every part with the whole object. Part 1 is the whole object (what a part-wise
 * downloader that reads no `x-amz-mp-parts-count` takes as a single-part object, rightly); a later part of a
 * single-part object is 416 InvalidPartNumber, as S3 answers; of a multipart object (whose part boundaries the store
 * does not keep) 501 NotImplemented; a part number outside 1–10000 is 400 InvalidArgument. Part 2 was a 200 with every
 * byte, which a downloader splices in after part 1. A part number with a Range is 400 InvalidRequest.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer, sdkFailure as failure } from './support/server.ts';

const BUCKET = 'aj3-parts';
let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer();
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'single', Body: 'single-part' }));
  const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'multi' }));
  const p1 = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: 'multi', UploadId: up.UploadId, PartNumber: 1, Body: 'multi-part' }));
  await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'multi', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }] } }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

describe('6: GetObject and HeadObject ?partNumber', () => {
  it('part 1 is the whole object, single-part or multipart', async () => {
    for (const [key, text] of [['single', 'single-part'], ['multi', 'multi-part']]) {
      assert.equal(await (await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: key, PartNumber: 1 }))).Body?.transformToString(), text);
      assert.equal((await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: key, PartNumber: 1 }))).ContentLength, text?.length);
    }
  });

  // Review ls, 2 serves a multipart object’s parts: past its part count (here 1) it is 416 InvalidPartNumber too.
  it('a part past the object’s part count is 416 InvalidPartNumber, single-part or multipart; never the whole object', async () => {
    const single = await failure(c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'single', PartNumber: 2 })));
    assert.deepEqual([single.code, single.status], ['InvalidPartNumber', 416]);
    assert.equal((await failure(c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'single', PartNumber: 2 })))).status, 416);
    const multi = await failure(c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'multi', PartNumber: 2 })));
    assert.deepEqual([multi.code, multi.status], ['InvalidPartNumber', 416]);
    assert.equal((await failure(c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'multi', PartNumber: 3 })))).status, 416);
  });

  it('a part number with a Range is 400 InvalidRequest, as S3 answers the pair (it was served as the range)', async () => {
    const r = await failure(c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'single', PartNumber: 1, Range: 'bytes=0-0' })));
    assert.deepEqual([r.code, r.status], ['InvalidRequest', 400]);
    assert.match(r.message, /both Range header and partNumber/);
  });

  it('a part number outside 1-10000 is 400 InvalidArgument', async () => {
    for (const n of [0, 10001]) {
      const r = await failure(c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'single', PartNumber: n })));
      assert.deepEqual([r.code, r.status], ['InvalidArgument', 400], String(n));
    }
  });
});
