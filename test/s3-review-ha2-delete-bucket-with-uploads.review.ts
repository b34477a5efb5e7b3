/**
 * Review ha, 2, against a real server with the real `@aws-sdk/client-s3`: DeleteBucket of a bucket whose objects are
 * all deleted succeeds even while unfinished multipart uploads remain, as S3's does, and the uploads go with it.
 *
 * What was wrong: the gateway answered 409 BucketNotEmpty ("delete its objects and abort its uploads first") for a
 * bucket holding only an unfinished upload. S3 deletes such a bucket (DeleteBucket asks that every object, version and
 * delete marker be gone; in-progress uploads are not objects: Ceph and Scality changed their servers to match S3 on
 * this). So the usual teardown failed here and only here: `aws s3 rb --force` and an SDK's "empty then delete" (list
 * and delete the objects, then DeleteBucket) after a large upload had been interrupted, since neither aborts uploads,
 * which ListObjects does not show.
 *
 * What is now so: with no object left the bucket is deleted, its unfinished uploads and their parts with it; a bucket
 * later created with the name starts with none. A bucket that still holds an object is refused as before.
 *
 * Before the fix, the first test failed (BucketNotEmpty).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';
import { adminS3Client, s3Refusal } from './support/s3.ts';

let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer();
  c = adminS3Client(server);
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

/** An interrupted large upload: created, one part sent, never completed nor aborted. */
async function interruptedUpload(bucket: string, key: string): Promise<string> {
  const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  await c.send(new S3.UploadPartCommand({ Bucket: bucket, Key: key, UploadId: up.UploadId, PartNumber: 1, Body: Buffer.alloc(1024, 7) }));
  return up.UploadId ?? '';
}

describe('ha 2: DeleteBucket with unfinished uploads and no objects', () => {
  it('succeeds, and the uploads go with the bucket', async () => {
    const bucket = 'ha2-teardown';
    await c.send(new S3.CreateBucketCommand({ Bucket: bucket }));
    await c.send(new S3.PutObjectCommand({ Bucket: bucket, Key: 'done.txt', Body: 'x' }));
    const uploadId = await interruptedUpload(bucket, 'dataset/shard-0001.bin');
    // The teardown as `aws s3 rb --force` does it: delete what ListObjects shows, then the bucket.
    const listed = await c.send(new S3.ListObjectsV2Command({ Bucket: bucket }));
    await c.send(new S3.DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: (listed.Contents ?? []).map((o) => ({ Key: o.Key })) } }));
    await c.send(new S3.DeleteBucketCommand({ Bucket: bucket }));
    const [name, status] = await s3Refusal(c.send(new S3.HeadBucketCommand({ Bucket: bucket })));
    assert.deepEqual([name, status], ['NotFound', 404]);
    // A bucket made again with the name has none of the old uploads.
    await c.send(new S3.CreateBucketCommand({ Bucket: bucket }));
    assert.deepEqual((await c.send(new S3.ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [], []);
    const [gone] = await s3Refusal(c.send(new S3.ListPartsCommand({ Bucket: bucket, Key: 'dataset/shard-0001.bin', UploadId: uploadId })));
    assert.equal(gone, 'NoSuchUpload');
    await c.send(new S3.DeleteBucketCommand({ Bucket: bucket }));
  });

  it('a bucket that still holds an object is refused as before, its upload kept', async () => {
    const bucket = 'ha2-not-empty';
    await c.send(new S3.CreateBucketCommand({ Bucket: bucket }));
    await c.send(new S3.PutObjectCommand({ Bucket: bucket, Key: 'keep', Body: 'x' }));
    const uploadId = await interruptedUpload(bucket, 'big');
    const [name, status] = await s3Refusal(c.send(new S3.DeleteBucketCommand({ Bucket: bucket })));
    assert.deepEqual([name, status], ['BucketNotEmpty', 409]);
    const uploads = (await c.send(new S3.ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];
    assert.deepEqual(uploads.map((u) => u.UploadId), [uploadId]);
  });
});
