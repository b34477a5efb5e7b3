/**
 * Review bo, 2, against a real server with the real `@aws-sdk/client-s3`: a CopyObject of an object onto itself that
 * sends `x-amz-server-side-encryption: AES256` is legal, as in S3.
 *
 * What was wrong: S3 refuses a copy onto itself "without changing the object's metadata, storage class, website
 * redirect location or encryption attributes" (InvalidRequest), and the gateway refused one that sent only
 * `x-amz-server-side-encryption: AES256`, though it accepts AES256 on every other write. That is the in-place copy of
 * AWS's own guide to encrypting existing objects (`aws s3 cp s3://b/k s3://b/k --sse AES256`), which S3 takes onto an
 * object already SSE-S3: it counts encryption headers by their being sent. A self-copy with `aws:kms` was answered
 * InvalidRequest too, where any other write with it is 501 NotImplemented.
 *
 * What is now so: a self-copy sending an encryption header is made as any copy (COPY keeps the object's type,
 * metadata and tags; the storage class and redirect location are the request's, so STANDARD and none, as S3 copies
 * neither); AES256 is taken and the object stays as written (no answer claims encryption); KMS and SSE-C are 501,
 * an unknown value 400 InvalidArgument, as on PutObject. A self-copy that changes nothing is still 400 InvalidRequest
 * with S3's message.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';

const BUCKET = 'bo2-self-copy';
const SELF = `${BUCKET}/k`;

let server: TestServer;
let c: S3.S3Client;

before(async () => {
  server = await startTestServer();
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  await c.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

async function refusal(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as S3.S3ServiceException;
    return { name: err.name, status: err.$metadata.httpStatusCode, message: err.message };
  }
  return assert.fail('expected the request to be refused');
}

const put = (): Promise<S3.PutObjectCommandOutput> =>
  c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'the bytes', ContentType: 'text/plain', Metadata: { team: 'ml' }, Tagging: 'stage=raw', StorageClass: 'STANDARD_IA', WebsiteRedirectLocation: '/elsewhere' }));

describe('CopyObject onto itself with x-amz-server-side-encryption', () => {
  it('AES256 alone: the copy is made, keeping the type, metadata and tags; class and redirect are the request\'s (none)', async () => {
    const written = await put();
    const before = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    await new Promise((r) => setTimeout(r, 1100));
    const copied = await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'k', CopySource: SELF, ServerSideEncryption: 'AES256' }));
    assert.equal(copied.CopyObjectResult?.ETag, written.ETag);
    assert.equal(copied.ServerSideEncryption, undefined, 'the gateway stores objects as written and says nothing of encryption');
    const h = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    assert.deepEqual([h.ETag, h.ContentType, h.Metadata, h.StorageClass, h.WebsiteRedirectLocation, h.ServerSideEncryption], [written.ETag, 'text/plain', { team: 'ml' }, undefined, undefined, undefined]);
    assert.ok((h.LastModified?.getTime() ?? 0) > (before.LastModified?.getTime() ?? 0), 'a new object, as S3 writes one');
    const tags = await c.send(new S3.GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'k' }));
    assert.deepEqual(tags.TagSet, [{ Key: 'stage', Value: 'raw' }]);
    const got = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    assert.equal(await got.Body?.transformToString(), 'the bytes');
  });

  it('AES256 with a storage class: both taken', async () => {
    await put();
    await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'k', CopySource: SELF, ServerSideEncryption: 'AES256', StorageClass: 'ONEZONE_IA' }));
    assert.equal((await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'k' }))).StorageClass, 'ONEZONE_IA');
  });

  it('KMS and SSE-C are 501 NotImplemented and an unknown value 400 InvalidArgument, as on any write; nothing changes', async () => {
    const written = await put();
    const kms = await refusal(c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'k', CopySource: SELF, ServerSideEncryption: 'aws:kms' })));
    assert.deepEqual([kms.name, kms.status], ['NotImplemented', 501]);
    const customer = await refusal(
      c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'k', CopySource: SELF, SSECustomerAlgorithm: 'AES256', SSECustomerKey: 'a'.repeat(32) })),
    );
    assert.deepEqual([customer.name, customer.status], ['NotImplemented', 501]);
    const unknown = await refusal(c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'k', CopySource: SELF, ServerSideEncryption: 'AES512' as S3.ServerSideEncryption })));
    assert.deepEqual([unknown.name, unknown.status], ['InvalidArgument', 400]);
    assert.match(unknown.message, /AES512/);
    const h = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    assert.deepEqual([h.ETag, h.StorageClass, h.WebsiteRedirectLocation], [written.ETag, 'STANDARD_IA', '/elsewhere']);
  });
});

describe('CopyObject onto itself that changes nothing', () => {
  it('is still 400 InvalidRequest with S3\'s message, the object untouched', async () => {
    const written = await put();
    for (const extra of [{}, { MetadataDirective: 'COPY' as const, TaggingDirective: 'COPY' as const }]) {
      const r = await refusal(c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'k', CopySource: SELF, ...extra })));
      assert.deepEqual(
        [r.name, r.status, r.message],
        ['InvalidRequest', 400, "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes."],
      );
    }
    const h = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    assert.deepEqual([h.ETag, h.StorageClass, h.WebsiteRedirectLocation], [written.ETag, 'STANDARD_IA', '/elsewhere']);
  });

  it('a copy-source encryption header is about the source, not a change: still refused', async () => {
    await put();
    const r = await refusal(
      c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'k', CopySource: SELF, CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: 'a'.repeat(32) })),
    );
    assert.deepEqual([r.name, r.status], ['InvalidRequest', 400]);
  });
});
