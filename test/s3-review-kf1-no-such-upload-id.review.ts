/**
 * Review kf, 1, against a real server with the real `@aws-sdk/client-s3`: a NoSuchUpload error names the upload it
 * did not find in its `<UploadId>` element, as S3's error document does (ErrorResponses: NoSuchUpload carries
 * `<UploadId>`; the SDKs copy the document's elements onto the exception, `err.UploadId`).
 *
 * What was wrong: the document had Code, Message, Resource and RequestId only. A client that aborts, lists or
 * completes several uploads at once (lib-storage's `Upload` on its failure path, `aws s3api` scripts that sweep
 * ListMultipartUploads) read the id from `UploadId` to tell which one was gone, and found nothing.
 *
 * What is now so: UploadPart, UploadPartCopy, ListParts, CompleteMultipartUpload and AbortMultipartUpload refused
 * NoSuchUpload (an id never issued, one of another key, one completed or aborted) carry `<UploadId>` with the id the
 * request named; other errors carry none.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket } from './support/s3.ts';

const BUCKET = 'kf1-uploads';
let c: S3.S3Client;
adminBucket(BUCKET, (client) => (c = client));

/** The error a call was refused with: its name and the `UploadId` of its document, if any. */
async function refusal(p: Promise<unknown>): Promise<{ name: string; uploadId: unknown }> {
  try {
    await p;
  } catch (e) {
    return { name: (e as Error).name, uploadId: (e as { UploadId?: unknown }).UploadId };
  }
  return assert.fail('expected the request to be refused');
}

describe('kf 1: NoSuchUpload names the upload', () => {
  it('every multipart call refused NoSuchUpload carries <UploadId>', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'source', Body: 'copy me' }));
    const done = (await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'done' }))).UploadId!;
    const part = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: 'done', UploadId: done, PartNumber: 1, Body: 'x' }));
    await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'done', UploadId: done, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] } }));
    const live = (await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'live' }))).UploadId!;
    const cases: [string, string, (id: string, key: string) => Promise<unknown>][] = [];
    for (const [label, id, key] of [
      ['never issued', 'no-such-upload-0123456789', 'live'],
      ['completed', done, 'done'],
      ['of another key', live, 'other-key'],
    ] as const) {
      cases.push(
        [`${label}: UploadPart`, id, () => c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: id, PartNumber: 1, Body: 'x' }))],
        [`${label}: UploadPartCopy`, id, () => c.send(new S3.UploadPartCopyCommand({ Bucket: BUCKET, Key: key, UploadId: id, PartNumber: 1, CopySource: `${BUCKET}/source` }))],
        [`${label}: ListParts`, id, () => c.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: id }))],
        // Part 2, not the completed upload's part 1: the same parts again are a retry, answered as the first (review ni, 1).
        [`${label}: Complete`, id, () => c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: id, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: part.ETag! }] } }))],
        [`${label}: Abort`, id, () => c.send(new S3.AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: id }))],
      );
    }
    for (const [label, id, call] of cases) {
      const r = await refusal(call(id, ''));
      assert.deepEqual(r, { name: 'NoSuchUpload', uploadId: id }, label);
    }
    // The live upload is still there, and completes.
    const p = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: 'live', UploadId: live, PartNumber: 1, Body: 'y' }));
    await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'live', UploadId: live, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p.ETag! }] } }));
  });

  it('other errors carry no <UploadId>', async () => {
    const r = await refusal(c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'absent' })));
    assert.deepEqual(r, { name: 'NoSuchKey', uploadId: undefined });
  });
});
