/**
 * Review bl, 3, against a real server with the real `@aws-sdk/client-s3`: `s3:x-amz-storage-class` reaches bucket
 * policies on PutObject, CopyObject (its destination) and CreateMultipartUpload, as S3's condition key of that name
 * does ("Restricting object uploads to objects with a specific storage class", S3 User Guide, bucket policy examples).
 *
 * What was wrong: the gateway kept the storage class (review bl, 1) but gave policies no key for it, so "deny PutObject
 * unless s3:x-amz-storage-class is INTELLIGENT_TIERING" refused every write, and the same guard with `Null` false as
 * an Allow condition never applied.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer, sdkFailure as failure } from './support/server.ts';

const BUCKET = 'bl3-tiering';
let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer();
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  await c.send(
    new S3.PutBucketPolicyCommand({
      Bucket: BUCKET,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'TieringOnly', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { StringNotEquals: { 's3:x-amz-storage-class': 'INTELLIGENT_TIERING' } } },
        ],
      }),
    }),
  );
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

const exists = async (key: string): Promise<boolean> =>
  c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
    () => true,
    () => false,
  );

describe('bl 3: s3:x-amz-storage-class in bucket policies', () => {
  it('a write that names the required class passes; one with another class or none is refused by the explicit deny', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'tiered', Body: 't', StorageClass: 'INTELLIGENT_TIERING' }));
    assert.equal((await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'tiered' }))).StorageClass, 'INTELLIGENT_TIERING');
    for (const [key, StorageClass] of [['ia', 'STANDARD_IA'], ['unset', undefined]] as const) {
      const refused = await failure(c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'x', ...(StorageClass !== undefined ? { StorageClass } : {}) })));
      assert.equal(refused.code, 'AccessDenied', key);
      assert.match(refused.message, /explicit deny in a resource-based policy/);
      assert.equal(await exists(key), false, `${key} not stored`);
    }
  });

  it('CopyObject and CreateMultipartUpload carry it too', async () => {
    await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'copy', CopySource: `${BUCKET}/tiered`, StorageClass: 'INTELLIGENT_TIERING' }));
    assert.equal(await exists('copy'), true);
    assert.equal((await failure(c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'copy-std', CopySource: `${BUCKET}/tiered` })))).code, 'AccessDenied');
    assert.equal(await exists('copy-std'), false);
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp', StorageClass: 'INTELLIGENT_TIERING' }));
    await c.send(new S3.AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp', UploadId: up.UploadId }));
    assert.equal((await failure(c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp', StorageClass: 'ONEZONE_IA' })))).code, 'AccessDenied');
  });
});
