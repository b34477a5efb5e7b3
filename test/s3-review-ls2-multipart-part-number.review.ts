/**
 * Review ls, 2, against a real server with `@aws-sdk/client-s3`: GetObject and HeadObject `?partNumber=N` of an
 * object completed from several parts, which the Java SDK's and Go's transfer managers use to download in parallel
 * (part 1 first, then parts 2..`x-amz-mp-parts-count`), and which ETag checkers use to learn the part size an object
 * was uploaded with (HeadObject `PartNumber=1`, its Content-Length) before computing the `<md5>-N` ETag locally.
 *
 * What was wrong: part 1 of a multipart object was answered with the whole object, labelled as the part (206,
 * `Content-Range: bytes 0-(size-1)/size`, no `x-amz-mp-parts-count`), and any later part was 501 NotImplemented, on
 * the ground that the store keeps no part boundaries. It does: completing an upload links each part as one segment of
 * the object, and the object's record lists the segments' sizes. A checker that read the part size from part 1 got the
 * object's size, computed a one-part ETag and reported every multipart object as corrupt; a downloader got no part
 * count and no parallelism.
 *
 * What S3 does (API_GetObject, API_HeadObject: "PartNumber: Part number of the object being read ... Effectively
 * performs a 'ranged' GET request for the part specified"; `x-amz-mp-parts-count` "The count of parts this object
 * has. This value is only returned if you specify partNumber in your request and the object was uploaded as a
 * multipart upload"): 206 with the part's bytes and its Content-Range, and the part count; a part number past the
 * count is 416 InvalidPartNumber (versity/versitygw#2074 records S3's answer, with `ActualPartCount`).
 *
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer, sdkFailure as failure } from './support/server.ts';
import { adminS3Client } from './support/s3.ts';

const BUCKET = 'ls2-parts';
const MiB = 1024 * 1024;
const FIRST = Buffer.alloc(5 * MiB, 7);
const SECOND = Buffer.alloc(5 * MiB, 9);
const SIZE = FIRST.length + SECOND.length + 4;
let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer();
  c = adminS3Client(server);
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'three' }));
  const parts = [];
  for (const [i, body] of [FIRST, SECOND, Buffer.from('tail')].entries()) {
    const p = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: 'three', UploadId: up.UploadId, PartNumber: i + 1, Body: body }));
    parts.push({ PartNumber: i + 1, ETag: p.ETag });
  }
  await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'three', UploadId: up.UploadId, MultipartUpload: { Parts: parts } }));
  await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'whole', Body: 'written whole' }));
});
after(async () => {
  c.destroy();
  await server.stop();
});

describe('ls 2: ?partNumber of a multipart object is that part', () => {
  it('HeadObject part 1 gives the first part size and the part count', async () => {
    const h = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'three', PartNumber: 1 }));
    assert.equal(h.ContentLength, FIRST.length);
    assert.equal(h.PartsCount, 3);
    assert.equal(h.ContentRange, `bytes 0-${FIRST.length - 1}/${SIZE}`);
  });

  it('GetObject of each part gives its bytes, its Content-Range and the part count', async () => {
    const second = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'three', PartNumber: 2 }));
    assert.equal(second.$metadata.httpStatusCode, 206);
    assert.equal(second.PartsCount, 3);
    assert.equal(second.ContentRange, `bytes ${FIRST.length}-${FIRST.length + SECOND.length - 1}/${SIZE}`);
    assert.ok(Buffer.from(await second.Body!.transformToByteArray()).equals(SECOND));
    const third = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'three', PartNumber: 3 }));
    assert.equal(await third.Body!.transformToString(), 'tail');
    assert.equal(third.ContentRange, `bytes ${SIZE - 4}-${SIZE - 1}/${SIZE}`);
  });

  it('a part past the count is 416 InvalidPartNumber', async () => {
    const e = await failure(c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'three', PartNumber: 4 })));
    assert.deepEqual([e.code, e.status], ['InvalidPartNumber', 416]);
    assert.equal((await failure(c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'three', PartNumber: 4 })))).status, 416);
  });

  it('an object written whole is still its own part 1, without a part count', async () => {
    const g = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'whole', PartNumber: 1 }));
    assert.equal(await g.Body!.transformToString(), 'written whole');
    assert.equal(g.PartsCount, undefined);
  });
});
