/**
 * CreateBucket and PutObjectTagging read their XML before the caller is checked (review limits, L10): up to 2 MiB,
 * which fast-xml-parser takes about 1.1 s to parse, for a configuration or a Tagging that is under 4 KB. They are now
 * read up to 64 KiB and past it refused with S3's MaxMessageLengthExceeded, unparsed; DeleteObjects and
 * CompleteMultipartUpload keep their 2 MiB. The real @aws-sdk/client-s3 against a real server's gateway.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let s3: S3.S3Client;

before(async () => {
  server = await startTestServer();
  s3 = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
});
after(async () => {
  s3?.destroy();
  await server?.stop();
});

test('CreateBucket with 100 KB of configuration: MaxMessageLengthExceeded, no bucket; a plain one is created', async () => {
  const big = s3.send(new S3.CreateBucketCommand({ Bucket: 'too-big', CreateBucketConfiguration: { LocationConstraint: 'x'.repeat(100_000) as S3.BucketLocationConstraint } }));
  assert.equal((await sdkFailure(big)).code, 'MaxMessageLengthExceeded');
  assert.equal((await sdkFailure(s3.send(new S3.HeadBucketCommand({ Bucket: 'too-big' })))).code, 'NotFound');
  await s3.send(new S3.CreateBucketCommand({ Bucket: 'small' }));
});

test('PutObjectTagging with 100 KB of tags: MaxMessageLengthExceeded; ten real tags still go in', async () => {
  await s3.send(new S3.PutObjectCommand({ Bucket: 'small', Key: 'k', Body: 'x' }));
  const big = s3.send(new S3.PutObjectTaggingCommand({ Bucket: 'small', Key: 'k', Tagging: { TagSet: [{ Key: 'k', Value: 'v'.repeat(100_000) }] } }));
  assert.equal((await sdkFailure(big)).code, 'MaxMessageLengthExceeded');
  const TagSet = Array.from({ length: 10 }, (_, i) => ({ Key: `key-${i}-${'k'.repeat(100)}`, Value: 'v'.repeat(250) }));
  await s3.send(new S3.PutObjectTaggingCommand({ Bucket: 'small', Key: 'k', Tagging: { TagSet } }));
  assert.equal((await s3.send(new S3.GetObjectTaggingCommand({ Bucket: 'small', Key: 'k' }))).TagSet?.length, 10);
});
