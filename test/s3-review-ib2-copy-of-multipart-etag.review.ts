/**
 * Review ib, 2, against a real server with the real `@aws-sdk/client-s3`: CopyObject of an object uploaded by
 * multipart gives the copy its own ETag, the MD5 of its bytes, as S3 does.
 *
 * What was wrong: the copy kept its source's `"<md5 of the part MD5s>-N"`. S3 writes a CopyObject's destination as
 * one part (the copy is how S3 users are told to get an MD5 ETag for a multipart object), so its ETag is the hex MD5
 * of the data: a tool that checks a download against the copy's ETag as an MD5 (the ETag of a single-part object) or
 * reads `-N` as a part count (a part-wise downloader asking part 2) was misled, and the copy was answered as a
 * multipart object (part 2 501 NotImplemented rather than 416 InvalidPartNumber).
 *
 * What is now so: the copy of a multipart object has the MD5 ETag of its bytes, in CopyObjectResult, HeadObject,
 * GetObject and ListObjectsV2; a copy of a single-part object keeps that object's ETag (the same MD5).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as S3 from '@aws-sdk/client-s3';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const B = 'ib2-copy-etag';
const PART1 = Buffer.alloc(5 * 1024 * 1024, 'a');
const PART2 = Buffer.from('the last part, short');
const DATA = Buffer.concat([PART1, PART2]);
const MD5 = `"${createHash('md5').update(DATA).digest('hex')}"`;
let server: TestServer;
let c: S3.S3Client;
let multipartEtag: string;

before(async () => {
  server = await startTestServer();
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  await c.send(new S3.CreateBucketCommand({ Bucket: B }));
  const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: 'multi' }));
  const p1 = await c.send(new S3.UploadPartCommand({ Bucket: B, Key: 'multi', UploadId: up.UploadId, PartNumber: 1, Body: PART1 }));
  const p2 = await c.send(new S3.UploadPartCommand({ Bucket: B, Key: 'multi', UploadId: up.UploadId, PartNumber: 2, Body: PART2 }));
  const done = await c.send(
    new S3.CompleteMultipartUploadCommand({ Bucket: B, Key: 'multi', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }),
  );
  multipartEtag = done.ETag as string;
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

describe('CopyObject of a multipart object', () => {
  it('the source has a multipart ETag', () => {
    assert.match(multipartEtag, /^"[0-9a-f]{32}-2"$/);
  });

  it('the copy has the MD5 of its bytes as its ETag, everywhere it is answered', async () => {
    const copy = await c.send(new S3.CopyObjectCommand({ Bucket: B, Key: 'copy', CopySource: `${B}/multi` }));
    assert.equal(copy.CopyObjectResult?.ETag, MD5);
    assert.equal((await c.send(new S3.HeadObjectCommand({ Bucket: B, Key: 'copy' }))).ETag, MD5);
    const got = await c.send(new S3.GetObjectCommand({ Bucket: B, Key: 'copy' }));
    assert.equal(got.ETag, MD5);
    const body = Buffer.from(await got.Body!.transformToByteArray());
    assert.equal(`"${createHash('md5').update(body).digest('hex')}"`, MD5);
    const listed = await c.send(new S3.ListObjectsV2Command({ Bucket: B, Prefix: 'copy' }));
    assert.deepEqual(listed.Contents?.map((o) => o.ETag), [MD5]);
    // The source is unchanged.
    assert.equal((await c.send(new S3.HeadObjectCommand({ Bucket: B, Key: 'multi' }))).ETag, multipartEtag);
  });

  it('the copy is a single-part object: part 2 is 416 InvalidPartNumber, and If-Match takes the new ETag', async () => {
    await c.send(new S3.CopyObjectCommand({ Bucket: B, Key: 'copy2', CopySource: `${B}/multi` }));
    const f = await sdkFailure(c.send(new S3.GetObjectCommand({ Bucket: B, Key: 'copy2', PartNumber: 2 })));
    assert.deepEqual([f.code, f.status], ['InvalidPartNumber', 416]);
    assert.equal((await c.send(new S3.HeadObjectCommand({ Bucket: B, Key: 'copy2', IfMatch: MD5 }))).ContentLength, DATA.length);
  });

  it('a copy onto itself (metadata replaced) gets the MD5 ETag too; a copy of a single-part object keeps its ETag', async () => {
    await c.send(new S3.CopyObjectCommand({ Bucket: B, Key: 'self', CopySource: `${B}/multi` }));
    const self = await c.send(new S3.CopyObjectCommand({ Bucket: B, Key: 'self', CopySource: `${B}/self`, MetadataDirective: 'REPLACE', Metadata: { stage: 'two' } }));
    assert.equal(self.CopyObjectResult?.ETag, MD5);
    await c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'single', Body: 'one part' }));
    const single = `"${createHash('md5').update('one part').digest('hex')}"`;
    assert.equal((await c.send(new S3.CopyObjectCommand({ Bucket: B, Key: 'single-copy', CopySource: `${B}/single` }))).CopyObjectResult?.ETag, single);
  });

  it('a copy that asks for a checksum algorithm gets the MD5 ETag and that checksum', async () => {
    const copy = await c.send(new S3.CopyObjectCommand({ Bucket: B, Key: 'summed', CopySource: `${B}/multi`, ChecksumAlgorithm: 'SHA256' }));
    assert.equal(copy.CopyObjectResult?.ETag, MD5);
    assert.equal(copy.CopyObjectResult?.ChecksumSHA256, createHash('sha256').update(DATA).digest('base64'));
  });
});
