/**
 * Review aj, 9, against a real server with the real `@aws-sdk/client-s3`: CopyObject's `s3:PutObject` decision
 * carries `s3:x-amz-copy-source` and `s3:x-amz-metadata-directive` (S3's condition keys of that action), so a bucket
 * policy that limits what may be copied in — Deny when the copy source is present and not under `public/` — refuses a
 * copy of another prefix. The keys were absent: the `Null … false` half never held, the Deny never applied, and any
 * object the caller could read was copied in, by CopyObject or by UploadPartCopy into a multipart upload. Plain uploads,
 * which carry no copy source, are not concerned.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer, sdkFailure as failure } from './support/server.ts';

const SRC = 'aj6-src';
const DST = 'aj6-dst';
let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer();
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  for (const b of [SRC, DST]) await c.send(new S3.CreateBucketCommand({ Bucket: b }));
  for (const key of ['public/a.txt', 'private/b.txt']) await c.send(new S3.PutObjectCommand({ Bucket: SRC, Key: key, Body: key }));
  await c.send(
    new S3.PutBucketPolicyCommand({
      Bucket: DST,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'CopyOnlyPublic', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${DST}/*`, Condition: { StringNotLike: { 's3:x-amz-copy-source': [`${SRC}/public/*`, `/${SRC}/public/*`] }, Null: { 's3:x-amz-copy-source': 'false' } } },
          { Sid: 'NoMetadataReplace', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${DST}/kept/*`, Condition: { StringEquals: { 's3:x-amz-metadata-directive': 'REPLACE' } } },
        ],
      }),
    }),
  );
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

const exists = async (key: string): Promise<boolean> => (await failure(c.send(new S3.HeadObjectCommand({ Bucket: DST, Key: key })))).code === 'no error';

describe('9: s3:x-amz-copy-source and s3:x-amz-metadata-directive', () => {
  it('a copy from outside public/ is refused and writes nothing; from public/ it copies; a plain upload passes', async () => {
    const refused = await failure(c.send(new S3.CopyObjectCommand({ Bucket: DST, Key: 'b.txt', CopySource: `${SRC}/private/b.txt` })));
    assert.equal(refused.code, 'AccessDenied');
    assert.match(refused.message, /explicit deny in a resource-based policy/);
    assert.equal(await exists('b.txt'), false);
    await c.send(new S3.CopyObjectCommand({ Bucket: DST, Key: 'a.txt', CopySource: `${SRC}/public/a.txt` }));
    assert.equal(await (await c.send(new S3.GetObjectCommand({ Bucket: DST, Key: 'a.txt' }))).Body?.transformToString(), 'public/a.txt');
    await c.send(new S3.PutObjectCommand({ Bucket: DST, Key: 'plain.txt', Body: 'p' }));
  });

  it('UploadPartCopy is decided on the copy source too: a part copied from outside public/ is refused, from public/ it completes', async () => {
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: DST, Key: 'mp.txt' }));
    const refused = await failure(c.send(new S3.UploadPartCopyCommand({ Bucket: DST, Key: 'mp.txt', UploadId: up.UploadId, PartNumber: 1, CopySource: `${SRC}/private/b.txt` })));
    assert.equal(refused.code, 'AccessDenied');
    assert.deepEqual((await c.send(new S3.ListPartsCommand({ Bucket: DST, Key: 'mp.txt', UploadId: up.UploadId }))).Parts ?? [], []);
    const part = await c.send(new S3.UploadPartCopyCommand({ Bucket: DST, Key: 'mp.txt', UploadId: up.UploadId, PartNumber: 1, CopySource: `${SRC}/public/a.txt` }));
    await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: DST, Key: 'mp.txt', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.CopyPartResult?.ETag }] } }));
    assert.equal(await (await c.send(new S3.GetObjectCommand({ Bucket: DST, Key: 'mp.txt' }))).Body?.transformToString(), 'public/a.txt');
  });

  it('a copy with MetadataDirective REPLACE is refused where the policy says so; COPY passes', async () => {
    const refused = await failure(c.send(new S3.CopyObjectCommand({ Bucket: DST, Key: 'kept/a.txt', CopySource: `${SRC}/public/a.txt`, MetadataDirective: 'REPLACE', ContentType: 'text/csv' })));
    assert.equal(refused.code, 'AccessDenied');
    assert.equal(await exists('kept/a.txt'), false);
    await c.send(new S3.CopyObjectCommand({ Bucket: DST, Key: 'kept/a.txt', CopySource: `${SRC}/public/a.txt`, MetadataDirective: 'COPY' }));
    assert.equal(await exists('kept/a.txt'), true);
  });
});
