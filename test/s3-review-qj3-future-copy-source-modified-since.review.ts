/**
 * Review qj, 3, against a real server with the real `@aws-sdk/client-s3`: CopyObject and UploadPartCopy with an
 * `x-amz-copy-source-if-modified-since` later than the server's clock.
 *
 * What was wrong: the date was held against the source's Last-Modified alone, so one ahead of the clock refused the
 * copy 412 PreconditionFailed. S3 ignores such a date and copies: LocalStack's AWS-validated test of the copy's source
 * preconditions (`test_s3_copy_object_preconditions`, "AWS will ignore the value if it's in the future", a copy with
 * `CopySourceIfModifiedSince=now + 1 day` that succeeds; to get the 412 "it needs to be now or less"). A job copying
 * "what changed since <its own clock>" from a host whose clock runs ahead had every copy refused, and the same date on
 * a GetObject is ignored too (review qj, 1).
 *
 * What is now so: an `x-amz-copy-source-if-modified-since` later than the server's clock is ignored by CopyObject and
 * UploadPartCopy (the copy is made); one at or after the source's Last-Modified and not in the future is 412 as before.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, objectExists, s3Refusal } from './support/s3.ts';

const BUCKET = 'qj3-future-copy-ims';
let c: S3.S3Client;
adminBucket(BUCKET, (client) => {
  c = client;
});

const ahead = (): Date => new Date(Date.now() + 86_400_000);

describe('qj 3: x-amz-copy-source-if-modified-since later than the server clock is ignored', () => {
  it('CopyObject copies', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'src', Body: 'source' }));
    const r = await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'copy', CopySource: `${BUCKET}/src`, CopySourceIfModifiedSince: ahead() }));
    assert.equal(r.$metadata.httpStatusCode, 200);
    const got = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'copy' }));
    assert.equal(await got.Body?.transformToString(), 'source');
  });

  it('UploadPartCopy copies the part', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'part-src', Body: 'part source' }));
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'assembled' }));
    try {
      const r = await c.send(new S3.UploadPartCopyCommand({ Bucket: BUCKET, Key: 'assembled', UploadId: up.UploadId, PartNumber: 1, CopySource: `${BUCKET}/part-src`, CopySourceIfModifiedSince: ahead() }));
      assert.equal(r.$metadata.httpStatusCode, 200);
      assert.ok(r.CopyPartResult?.ETag);
    } finally {
      await c.send(new S3.AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'assembled', UploadId: up.UploadId }));
    }
  });

  it("the source's own Last-Modified, not ahead of the clock, is still 412", async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'held', Body: 'held' }));
    const h = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'held' }));
    const [code, status] = await s3Refusal(c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'held-copy', CopySource: `${BUCKET}/held`, CopySourceIfModifiedSince: h.LastModified })));
    assert.deepEqual([code, status], ['PreconditionFailed', 412]);
    assert.equal(await objectExists(c, BUCKET, 'held-copy'), false);
  });
});
