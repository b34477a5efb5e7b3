/**
 * Stop 30, against a real server with the real `@aws-sdk/client-s3`: CopyObject with `MetadataDirective: REPLACE`
 * and no Content-Type gives the copy the Content-Type of an object stored without one, not the source's (S3 treats
 * the copy as a fresh upload: boto/boto3#2663 and #3966, minio/minio#7238 after comparing with AWS).
 *
 * What was wrong: the gateway kept the source's Content-Type while it dropped every other system-defined header the
 * request did not send, so `copy_object(..., Metadata=m, MetadataDirective='REPLACE')` behaved unlike S3 for the one
 * header clients most often rely on. With COPY the source's is kept, and REPLACE with a Content-Type sets it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';

const BUCKET = 's30-copy';
let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer();
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'page.html', Body: '<p>hi</p>', ContentType: 'text/html', Metadata: { a: '1' } }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

const typeOf = async (key: string): Promise<{ type: string | undefined; meta: Record<string, string> | undefined }> => {
  const h = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: key }));
  return { type: h.ContentType, meta: h.Metadata };
};

describe('CopyObject and Content-Type', () => {
  it('REPLACE without a Content-Type: the default of an object stored without one, and the new metadata', async () => {
    await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'replaced', CopySource: `${BUCKET}/page.html`, MetadataDirective: 'REPLACE', Metadata: { b: '2' } }));
    const replaced = await typeOf('replaced');
    assert.notEqual(replaced.type, 'text/html', "the source's Content-Type is not kept");
    assert.equal(replaced.type, 'binary/octet-stream');
    assert.deepEqual(replaced.meta, { b: '2' });
    // The same object copied onto itself, as `aws s3 cp s3://b/k s3://b/k --metadata-directive REPLACE` does.
    await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'page.html', CopySource: `${BUCKET}/page.html`, MetadataDirective: 'REPLACE', Metadata: { a: '3' } }));
    assert.equal((await typeOf('page.html')).type, 'binary/octet-stream');
  });

  it('COPY keeps the source\'s; REPLACE with a Content-Type sets it', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'data.json', Body: '{}', ContentType: 'application/json' }));
    await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'copied', CopySource: `${BUCKET}/data.json` }));
    assert.equal((await typeOf('copied')).type, 'application/json');
    await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'typed', CopySource: `${BUCKET}/data.json`, MetadataDirective: 'REPLACE', ContentType: 'text/plain' }));
    assert.equal((await typeOf('typed')).type, 'text/plain');
  });
});
