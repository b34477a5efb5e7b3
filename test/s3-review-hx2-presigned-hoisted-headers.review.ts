/**
 * Review hx, 2, against a real server with the real `@aws-sdk/client-s3` and `@aws-sdk/s3-request-presigner`: a
 * SigV4 presigned URL's `x-amz-*` query parameters are the request's headers, as S3 takes them.
 *
 * What was wrong: SDK v3's presigner moves every `x-amz-*` header of the command into the (signed) query: a presigned
 * PutObject with `Metadata`, `Tagging` or `StorageClass` (the usual browser-upload URL that records who uploaded what)
 * carries `x-amz-meta-owner=alice&x-amz-tagging=…`. S3 reads them as the headers; the gateway read x-amz-* only from
 * headers and so answered every such URL `501 NotImplemented` (it had been an empty PutObject before review P, F4),
 * and so a presigned CopyObject, a presigned CreateMultipartUpload with metadata, and the like.
 *
 * What is now so: on a SigV4 request (whose query the signature covers, presigned or not), an `x-amz-*` query
 * parameter is read as that header when the request does not send the header itself; the checksum parameters stay
 * ignored, as S3 ignores them on a presigned upload (SDK v3 signs the CRC32 of an empty body into every presigned
 * PutObject). Each is decided as a header: a presigned CopyObject needs s3:GetObject on its source, a policy condition
 * on `s3:x-amz-storage-class` sees the query's. A parameter added to a URL is outside its signature and refused; a
 * SigV2 URL was still NotImplemented (review hx, 3 serves a presigned one).
 *
 * Before the fix, 3 of the 4 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { adminBucket, s3ClientAs } from './support/s3.ts';
import { userWithPolicy, type TestServer } from './support/server.ts';

const BUCKET = 'hx2-presigned';
let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => {
  c = client;
  server = s;
});

const read = async (client: S3.S3Client, Key: string): Promise<string> => (await client.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key }))).Body!.transformToString();
const errorCode = (text: string): string => /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? '';

describe('hx 2: x-amz-* headers a presigner hoisted into the query', () => {
  it('a presigned PutObject with Metadata, Tagging and StorageClass stores them, and the body (the SDK signs an empty CRC32 in)', async () => {
    const url = await getSignedUrl(c, new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'uploads/a.bin', Metadata: { owner: 'alice' }, Tagging: 'source=browser', StorageClass: 'STANDARD' }), { expiresIn: 60 });
    assert.match(url, /x-amz-meta-owner=alice/);
    const r = await fetch(url, { method: 'PUT', body: 'uploaded bytes' });
    assert.equal(r.status, 200, await r.text());
    const head = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'uploads/a.bin' }));
    assert.deepEqual(head.Metadata, { owner: 'alice' });
    assert.equal(head.TagCount, 1);
    assert.deepEqual((await c.send(new S3.GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'uploads/a.bin' }))).TagSet, [{ Key: 'source', Value: 'browser' }]);
    assert.equal(await read(c, 'uploads/a.bin'), 'uploaded bytes');
  });

  it('a presigned CopyObject copies (it was 501), decided as a copy: s3:GetObject on the source', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'src/model.bin', Body: 'weights' }));
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'private/secret.txt', Body: 'secret' }));
    const url = await getSignedUrl(c, new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'dst/model.bin', CopySource: `${BUCKET}/src/model.bin`, MetadataDirective: 'REPLACE', Metadata: { run: '7' } }), { expiresIn: 60 });
    const r = await fetch(url, { method: 'PUT' });
    const text = await r.text();
    assert.equal(r.status, 200, text);
    assert.match(text, /<CopyObjectResult/);
    assert.equal(await read(c, 'dst/model.bin'), 'weights');
    assert.deepEqual((await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'dst/model.bin' }))).Metadata, { run: '7' });

    const writer = s3ClientAs(server, await userWithPolicy(server, 'hx2-writer', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: `arn:aws:s3:::${BUCKET}/dst/*` }] })));
    try {
      const denied = await fetch(await getSignedUrl(writer, new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'dst/leak.txt', CopySource: `${BUCKET}/private/secret.txt` }), { expiresIn: 60 }), { method: 'PUT' });
      const deniedText = await denied.text();
      assert.deepEqual([denied.status, errorCode(deniedText)], [403, 'AccessDenied'], deniedText);
      assert.match(deniedText, /s3:GetObject/);
      const missing = await c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'dst/leak' }));
      assert.equal(missing.KeyCount, 0);
    } finally {
      writer.destroy();
    }
  });

  it('a presigned CreateMultipartUpload keeps its metadata through the upload', async () => {
    const url = await getSignedUrl(c, new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'mpu/ckpt', Metadata: { step: '100' } }), { expiresIn: 60 });
    const r = await fetch(url, { method: 'POST' });
    const text = await r.text();
    assert.equal(r.status, 200, text);
    const UploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(text)?.[1];
    const part = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: 'mpu/ckpt', UploadId, PartNumber: 1, Body: 'ckpt' }));
    await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'mpu/ckpt', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    assert.deepEqual((await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'mpu/ckpt' }))).Metadata, { step: '100' });
  });

  it('a parameter added to a presigned URL is outside its signature: refused, nothing written', async () => {
    const url = await getSignedUrl(c, new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'uploads/b.bin' }), { expiresIn: 60 });
    const r = await fetch(`${url}&x-amz-meta-owner=mallory`, { method: 'PUT', body: 'x' });
    const text = await r.text();
    assert.deepEqual([r.status, errorCode(text)], [403, 'SignatureDoesNotMatch'], text);
    const list = await c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'uploads/b' }));
    assert.equal(list.KeyCount, 0);
  });
});
