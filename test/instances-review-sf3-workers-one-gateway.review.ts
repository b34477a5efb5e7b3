/**
 * Review sf, 3: the S3 gateway of `gatehouse server --workers 2`, through `@aws-sdk/client-s3` on fresh connections
 * (each handed to the next worker).
 *
 * What was wrong: every worker opened the gateway's object store on the same directory, and the store keeps its index of
 * buckets, objects and uploads in the process that opened it. So each worker saw only the writes made through it: a
 * bucket created through one was NoSuchBucket through the other (half the PutObjects after a CreateBucket failed), an
 * object written through one was NoSuchKey through the other, one deleted through one was still served by the other,
 * and a multipart upload's parts went to whichever worker the connection reached. Now worker 1 alone serves the
 * gateway, so every connection to its port reaches the one index; the other workers name its URL to jobs.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import * as S3 from '@aws-sdk/client-s3';
import { twoWorkers } from './support/workers.ts';

const BUCKET = 'sf3-workers';

describe('sf 3: the S3 gateway of two workers is one gateway', () => {
  const two = twoWorkers('sf3', { s3Listen: '127.0.0.1:0' });
  const client = async (): Promise<S3.S3Client> => new S3.S3Client({ endpoint: two.w.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: await two.admin(), maxAttempts: 1, requestHandler: { httpAgent: new Agent({ keepAlive: false }) } });
  const outcome = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
      return 'ok';
    } catch (e) {
      return (e as Error).name;
    }
  };

  it('a bucket and its objects, written through either worker, are seen by every request; a deleted object by none', async () => {
    const c = await client();
    await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
    const puts: string[] = [];
    for (let i = 0; i < 4; i++) puts.push(await outcome(c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: `k${i}`, Body: `v${i}` }))));
    assert.deepEqual(puts, ['ok', 'ok', 'ok', 'ok']);
    const reads: string[] = [];
    for (let i = 0; i < 4; i++) reads.push(await (await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: `k${i}` }))).Body!.transformToString());
    assert.deepEqual(reads, ['v0', 'v1', 'v2', 'v3']);
    const listed = (await c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET }))).Contents?.map((o) => o.Key);
    assert.deepEqual(listed, ['k0', 'k1', 'k2', 'k3']);
    await c.send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: 'k0' }));
    const after: string[] = [];
    for (let i = 0; i < 4; i++) after.push(await outcome(c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'k0' }))));
    assert.deepEqual(after, ['NoSuchKey', 'NoSuchKey', 'NoSuchKey', 'NoSuchKey']);
    c.destroy();
  });

  it('a multipart upload begun through one connection takes its parts and completes through the next ones', async () => {
    const c = await client();
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp' }));
    const parts: string[] = [];
    for (let i = 0; i < 2; i++) parts.push(await outcome(c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: 'mp', UploadId: up.UploadId, PartNumber: 1, Body: 'part' }))));
    assert.deepEqual(parts, ['ok', 'ok']);
    const listed = await c.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key: 'mp', UploadId: up.UploadId }));
    await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'mp', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: listed.Parts?.[0]?.ETag }] } }));
    assert.equal(await (await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'mp' }))).Body!.transformToString(), 'part');
    c.destroy();
  });
});
