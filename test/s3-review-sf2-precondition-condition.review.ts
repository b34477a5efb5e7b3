/**
 * Review sf, 2, against a real server with `@aws-sdk/client-s3`: the error document of a 412 PreconditionFailed.
 *
 * What was wrong: S3 names the condition that did not hold in its PreconditionFailed document (`<Condition>If-Match
 * </Condition>`; `x-amz-copy-source-If-Match` for a copy's source), which the SDKs surface as the error's `Condition`
 * (boto3's `e.response['Error']['Condition']`, SDK v3's `e.Condition`) and which a client sending several conditions reads
 * to tell which one failed (a compare-and-swap writer's If-Match from a create-only writer's If-None-Match, a copy's
 * source condition from its destination's). The gateway's document had no `<Condition>` for any of them: GetObject's
 * If-Match and If-Unmodified-Since, PutObject's and CompleteMultipartUpload's If-Match and If-None-Match, CopyObject's
 * `x-amz-copy-source-if-*`. Now each names the header whose condition failed, as S3 spells it.
 *
 * Before the fix 4 of 4 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket } from './support/s3.ts';

const BUCKET = 'sf2-precondition';
let c: S3.S3Client;
adminBucket(BUCKET, (client) => (c = client));

/** The status, code and `Condition` of the 412 `p` must be answered with. */
async function refusedCondition(p: Promise<unknown>): Promise<[number | undefined, string, unknown]> {
  try {
    await p;
  } catch (e) {
    const err = e as S3.S3ServiceException & { Condition?: unknown };
    return [err.$metadata?.httpStatusCode, err.name, err.Condition];
  }
  assert.fail('expected the request to be refused');
}

const PAST = new Date('2001-01-01T00:00:00Z');

describe('sf 2: a PreconditionFailed names its condition, as S3 does', () => {
  it('GetObject: If-Match and If-Unmodified-Since', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'get', Body: 'x' }));
    assert.deepEqual(await refusedCondition(c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'get', IfMatch: '"0123"' }))), [412, 'PreconditionFailed', 'If-Match']);
    assert.deepEqual(await refusedCondition(c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'get', IfUnmodifiedSince: PAST }))), [412, 'PreconditionFailed', 'If-Unmodified-Since']);
    // A ranged read past the end of the object: the precondition still comes first, named.
    assert.deepEqual(await refusedCondition(c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'get', IfMatch: '"0123"', Range: 'bytes=100-200' }))), [412, 'PreconditionFailed', 'If-Match']);
  });

  it('PutObject: If-Match and If-None-Match', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'put', Body: 'x' }));
    assert.deepEqual(await refusedCondition(c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'put', Body: 'y', IfMatch: '"0123"' }))), [412, 'PreconditionFailed', 'If-Match']);
    assert.deepEqual(await refusedCondition(c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'put', Body: 'y', IfNoneMatch: '*' }))), [412, 'PreconditionFailed', 'If-None-Match']);
  });

  it('CompleteMultipartUpload: If-None-Match', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'mpu', Body: 'x' }));
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mpu' }));
    const part = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: 'mpu', UploadId: up.UploadId, PartNumber: 1, Body: 'y' }));
    const done = c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'mpu', UploadId: up.UploadId, IfNoneMatch: '*', MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] } }));
    assert.deepEqual(await refusedCondition(done), [412, 'PreconditionFailed', 'If-None-Match']);
  });

  it("CopyObject: the source's conditions by their x-amz-copy-source- names, the destination's by its own", async () => {
    const etag = (await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'src', Body: 'x' }))).ETag;
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'dst', Body: 'x' }));
    const copy = (extra: Partial<S3.CopyObjectCommandInput>) => refusedCondition(c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'dst', CopySource: `${BUCKET}/src`, ...extra })));
    assert.deepEqual(await copy({ CopySourceIfMatch: '"0123"' }), [412, 'PreconditionFailed', 'x-amz-copy-source-If-Match']);
    assert.deepEqual(await copy({ CopySourceIfNoneMatch: etag }), [412, 'PreconditionFailed', 'x-amz-copy-source-If-None-Match']);
    assert.deepEqual(await copy({ CopySourceIfUnmodifiedSince: PAST }), [412, 'PreconditionFailed', 'x-amz-copy-source-If-Unmodified-Since']);
    assert.deepEqual(await copy({ IfNoneMatch: '*' }), [412, 'PreconditionFailed', 'If-None-Match']);
  });
});
