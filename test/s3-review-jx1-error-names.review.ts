/**
 * Review jx, 1, against a real server with the real `@aws-sdk/client-s3`: an S3 error document names the missing
 * thing where S3 names it, and the SDK hands those elements to the caller as the error's fields.
 *
 * What was wrong: every `<Error>` carried only Code, Message, Resource and RequestId. S3 adds `<Key>` to NoSuchKey and
 * `<BucketName>` to NoSuchBucket and NoSuchBucketPolicy, placed after `<Message>` (seen in AWS's answers quoted by
 * basho/riak_cs#400 and #1169, localstack/localstack#6544); a copy whose source is missing names the source's key or
 * bucket, not the destination's. AccessDenied names neither, so that a refusal tells nothing of what exists. Code
 * that reads `err.Key` or `err.BucketName` (as the SDKs expose the document's elements) found nothing here.
 *
 * What is now so: the store's and the use cases' NoSuchKey and NoSuchBucket failures carry the key or bucket they
 * could not find, and the gateway writes them as `<Key>` and `<BucketName>`; AccessDenied is unchanged.
 *
 * Before the fix, 4 of 5 tests failed (the AccessDenied one held already).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket } from './support/s3.ts';

const BUCKET = 'jx1-reports';
const MISSING_BUCKET = 'jx1-no-such-bucket';

let c: S3.S3Client;
adminBucket(BUCKET, (client) => (c = client));

/** The refusal's name and the document's `Key` and `BucketName` elements, as the SDK hands them over. */
async function refusal(p: Promise<unknown>): Promise<{ name: string; Key?: unknown; BucketName?: unknown }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; Key?: unknown; BucketName?: unknown };
    return { name: err.name, ...(err.Key !== undefined ? { Key: err.Key } : {}), ...(err.BucketName !== undefined ? { BucketName: err.BucketName } : {}) };
  }
  return assert.fail('expected the request to be refused');
}

describe('jx 1: the names in S3 error documents', () => {
  it('NoSuchKey carries the key (escaped and read back as sent), and no BucketName', async () => {
    const key = 'q3/a&b <draft>.csv';
    assert.deepEqual(await refusal(c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: key }))), { name: 'NoSuchKey', Key: key });
    assert.deepEqual(await refusal(c.send(new S3.GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'q3/missing.csv' }))), { name: 'NoSuchKey', Key: 'q3/missing.csv' });
  });

  it('NoSuchBucket carries the bucket, and no Key, for bucket and object requests', async () => {
    assert.deepEqual(await refusal(c.send(new S3.GetObjectCommand({ Bucket: MISSING_BUCKET, Key: 'q3/a.csv' }))), { name: 'NoSuchBucket', BucketName: MISSING_BUCKET });
    assert.deepEqual(await refusal(c.send(new S3.ListObjectsV2Command({ Bucket: MISSING_BUCKET }))), { name: 'NoSuchBucket', BucketName: MISSING_BUCKET });
    assert.deepEqual(await refusal(c.send(new S3.PutObjectCommand({ Bucket: MISSING_BUCKET, Key: 'k', Body: 'x' }))), { name: 'NoSuchBucket', BucketName: MISSING_BUCKET });
  });

  it("a copy from a missing source names the source's key or bucket, not the destination's", async () => {
    assert.deepEqual(await refusal(c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'dst.csv', CopySource: `${BUCKET}/src-missing.csv` }))), { name: 'NoSuchKey', Key: 'src-missing.csv' });
    assert.deepEqual(await refusal(c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'dst.csv', CopySource: `${MISSING_BUCKET}/src.csv` }))), { name: 'NoSuchBucket', BucketName: MISSING_BUCKET });
  });

  it('NoSuchBucketPolicy carries the bucket', async () => {
    assert.deepEqual(await refusal(c.send(new S3.GetBucketPolicyCommand({ Bucket: BUCKET }))), { name: 'NoSuchBucketPolicy', BucketName: BUCKET });
  });

  it('AccessDenied names neither the key nor the bucket', async () => {
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/sealed/*` }] };
    await c.send(new S3.PutBucketPolicyCommand({ Bucket: BUCKET, Policy: JSON.stringify(policy) }));
    try {
      await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'sealed/x.csv', Body: 'x' }));
      assert.deepEqual(await refusal(c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'sealed/x.csv' }))), { name: 'AccessDenied' });
      assert.deepEqual(await refusal(c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'sealed/missing.csv' }))), { name: 'AccessDenied' });
    } finally {
      await c.send(new S3.DeleteBucketPolicyCommand({ Bucket: BUCKET }));
    }
  });
});
