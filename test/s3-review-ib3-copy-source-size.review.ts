/**
 * Review ib, 3, against a real server with the real `@aws-sdk/client-s3`: CopyObject refuses a source larger than
 * the largest single PUT (5 GiB, as S3), 400 InvalidRequest with S3's message, as S3 does (API_CopyObject: "You can
 * create a copy of your object up to 5 GB in size in a single atomic action using this API. However, to copy an
 * object greater than 5 GB, you must use the multipart upload Upload Part - Copy (UploadPartCopy) API").
 *
 * What was wrong: any source was copied, so a script that copies a 6 GB checkpoint with CopyObject worked here and
 * failed on S3 (`The specified copy source is larger than the maximum allowable size for a copy source: 5368709120`);
 * and since a copy of a multipart object reads its bytes for its MD5 ETag (review ib, 2), a copy of a 100 GiB
 * object held its request for minutes, past the read timeouts of boto3 (60 s), which then sent it again.
 *
 * What is now so: a source up to the limit is copied; a larger one is refused before anything is read or written,
 * and UploadPartCopy with ranges copies it, as S3 asks. The limit is the store's `maxPutSize` (5 GiB), lowered here
 * (`s3MaxPutSize`) so the test moves megabytes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as S3 from '@aws-sdk/client-s3';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const MiB = 1024 * 1024;
const LIMIT = 6 * MiB;
const B = 'ib3-copy-size';
let server: TestServer;
let c: S3.S3Client;

/** An object of `sizes` parts, each filled with its own byte. */
async function multipart(key: string, sizes: number[]): Promise<Buffer> {
  const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: key }));
  const parts: S3.CompletedPart[] = [];
  const bodies = sizes.map((n, i) => Buffer.alloc(n, 97 + i));
  for (const [i, Body] of bodies.entries()) {
    const p = await c.send(new S3.UploadPartCommand({ Bucket: B, Key: key, UploadId: up.UploadId, PartNumber: i + 1, Body }));
    parts.push({ PartNumber: i + 1, ETag: p.ETag });
  }
  await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: B, Key: key, UploadId: up.UploadId, MultipartUpload: { Parts: parts } }));
  return Buffer.concat(bodies);
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

before(async () => {
  server = await startTestServer({ s3MaxPutSize: LIMIT });
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  await c.send(new S3.CreateBucketCommand({ Bucket: B }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

describe('CopyObject of a source larger than the largest PUT', () => {
  it('is 400 InvalidRequest with S3 message, and writes nothing', async () => {
    await multipart('big', [5 * MiB, 2 * MiB]);
    const f = await sdkFailure(c.send(new S3.CopyObjectCommand({ Bucket: B, Key: 'big-copy', CopySource: `${B}/big` })));
    assert.deepEqual([f.code, f.status, f.message], ['InvalidRequest', 400, `The specified copy source is larger than the maximum allowable size for a copy source: ${LIMIT}`]);
    assert.equal((await sdkFailure(c.send(new S3.HeadObjectCommand({ Bucket: B, Key: 'big-copy' })))).status, 404);
    // Onto itself too (a metadata change of a large object is a copy, refused as S3 refuses it).
    const self = await sdkFailure(c.send(new S3.CopyObjectCommand({ Bucket: B, Key: 'big', CopySource: `${B}/big`, MetadataDirective: 'REPLACE', Metadata: { a: 'b' } })));
    assert.equal(self.code, 'InvalidRequest');
  });

  it('a source of exactly the limit is copied', async () => {
    const data = await multipart('edge', [5 * MiB, 1 * MiB]);
    const copy = await c.send(new S3.CopyObjectCommand({ Bucket: B, Key: 'edge-copy', CopySource: `${B}/edge` }));
    assert.equal(copy.CopyObjectResult?.ETag, `"${md5(data)}"`);
  });

  it('UploadPartCopy with ranges copies the larger object, as S3 asks', async () => {
    const data = await multipart('big2', [5 * MiB, 2 * MiB]);
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: 'big2-copy' }));
    const p1 = await c.send(new S3.UploadPartCopyCommand({ Bucket: B, Key: 'big2-copy', UploadId: up.UploadId, PartNumber: 1, CopySource: `${B}/big2`, CopySourceRange: `bytes=0-${5 * MiB - 1}` }));
    const p2 = await c.send(new S3.UploadPartCopyCommand({ Bucket: B, Key: 'big2-copy', UploadId: up.UploadId, PartNumber: 2, CopySource: `${B}/big2`, CopySourceRange: `bytes=${5 * MiB}-${data.length - 1}` }));
    await c.send(
      new S3.CompleteMultipartUploadCommand({ Bucket: B, Key: 'big2-copy', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.CopyPartResult?.ETag }, { PartNumber: 2, ETag: p2.CopyPartResult?.ETag }] } }),
    );
    const got = Buffer.from(await (await c.send(new S3.GetObjectCommand({ Bucket: B, Key: 'big2-copy' }))).Body!.transformToByteArray());
    assert.equal(md5(got), md5(data));
  });
});
