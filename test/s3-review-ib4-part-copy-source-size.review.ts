/**
 * Review ib, 4, against a real server with the real `@aws-sdk/client-s3`: UploadPartCopy of more bytes than one part
 * may hold (5 GiB, as S3) is 400 InvalidRequest with S3's message, as S3 answers it, not EntityTooLarge.
 *
 * What was wrong: the bytes were streamed into the part and the part's own size check refused them, `EntityTooLarge`
 * ("Your proposed upload exceeds the maximum allowed size"), the answer to an upload's body. S3 answers a copy whose
 * source or range is too large as it answers CopyObject's (`InvalidRequest`, "The specified copy source is larger than
 * the maximum allowable size for a copy source: 5368709120", seen for an unranged and for an 824 GB range), which is
 * what tools splitting a copy into ranges are written against.
 *
 * What is now so: the size copied (the range, else the whole source) is checked before anything is read. The limit
 * is the store's `maxPutSize`, lowered here (`s3MaxPutSize`) so the test moves megabytes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const MiB = 1024 * 1024;
const LIMIT = 6 * MiB;
const B = 'ib4-part-copy-size';
let server: TestServer;
let c: S3.S3Client;
let uploadId: string;

before(async () => {
  server = await startTestServer({ s3MaxPutSize: LIMIT });
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  await c.send(new S3.CreateBucketCommand({ Bucket: B }));
  const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: 'big' }));
  const parts: S3.CompletedPart[] = [];
  for (const [i, n] of [5 * MiB, 2 * MiB].entries()) {
    const p = await c.send(new S3.UploadPartCommand({ Bucket: B, Key: 'big', UploadId: up.UploadId, PartNumber: i + 1, Body: Buffer.alloc(n, 97 + i) }));
    parts.push({ PartNumber: i + 1, ETag: p.ETag });
  }
  await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: B, Key: 'big', UploadId: up.UploadId, MultipartUpload: { Parts: parts } }));
  uploadId = (await c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: 'dst' }))).UploadId as string;
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

const MESSAGE = `The specified copy source is larger than the maximum allowable size for a copy source: ${LIMIT}`;

describe('UploadPartCopy of more than a part may hold', () => {
  it('the whole source: 400 InvalidRequest with S3 message, and no part', async () => {
    const f = await sdkFailure(c.send(new S3.UploadPartCopyCommand({ Bucket: B, Key: 'dst', UploadId: uploadId, PartNumber: 1, CopySource: `${B}/big` })));
    assert.deepEqual([f.code, f.status, f.message], ['InvalidRequest', 400, MESSAGE]);
    assert.deepEqual((await c.send(new S3.ListPartsCommand({ Bucket: B, Key: 'dst', UploadId: uploadId }))).Parts ?? [], []);
  });

  it('a range larger than the limit: the same', async () => {
    const f = await sdkFailure(c.send(new S3.UploadPartCopyCommand({ Bucket: B, Key: 'dst', UploadId: uploadId, PartNumber: 1, CopySource: `${B}/big`, CopySourceRange: `bytes=0-${LIMIT}` })));
    assert.deepEqual([f.code, f.status, f.message], ['InvalidRequest', 400, MESSAGE]);
  });

  it('a range of the limit is copied', async () => {
    const r = await c.send(new S3.UploadPartCopyCommand({ Bucket: B, Key: 'dst', UploadId: uploadId, PartNumber: 1, CopySource: `${B}/big`, CopySourceRange: `bytes=0-${LIMIT - 1}` }));
    assert.match(r.CopyPartResult?.ETag ?? '', /^"[0-9a-f]{32}"$/);
    const parts = (await c.send(new S3.ListPartsCommand({ Bucket: B, Key: 'dst', UploadId: uploadId }))).Parts ?? [];
    assert.deepEqual(parts.map((p) => [p.PartNumber, p.Size]), [[1, LIMIT]]);
  });
});
