/**
 * Review kr, 5, against a real server with the real `@aws-sdk/client-s3`: AbortMultipartUpload's
 * `IfMatchInitiatedTime` (`x-amz-if-match-initiated-time`) is refused 501 NotImplemented with the upload kept, not
 * dropped.
 *
 * What was wrong: S3 takes the condition on directory buckets only (API_AbortMultipartUpload: abort "only if it was
 * initiated on the provided timestamp", else 412; "only supported for directory buckets"); the SDK sends it to any
 * bucket. The gateway ignored it and aborted whatever the upload's time: a cleaner that meant "abort the upload I
 * saw, started at T" threw away the parts of an upload that was not the one it meant. As the directory-bucket
 * conditions of DeleteObject (review fz, 4), a condition the gateway does not hold is refused, never dropped.
 *
 * What is now so: 501 NotImplemented naming the header, whether the time matches or not; the upload and its parts
 * stay; an abort without the header aborts.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, s3Refusal } from './support/s3.ts';

const B = 'kr5-abort-time';
let c: S3.S3Client;
adminBucket(B, (client) => {
  c = client;
});

/** An upload of `key` with one part, and when ListMultipartUploads says it was initiated. */
async function upload(key: string): Promise<{ UploadId: string; initiated: Date }> {
  const { UploadId } = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: key }));
  await c.send(new S3.UploadPartCommand({ Bucket: B, Key: key, UploadId, PartNumber: 1, Body: 'part' }));
  const listed = await c.send(new S3.ListMultipartUploadsCommand({ Bucket: B, Prefix: key }));
  const initiated = listed.Uploads?.find((u) => u.UploadId === UploadId)?.Initiated;
  assert.ok(initiated instanceof Date);
  return { UploadId: UploadId!, initiated };
}

const parts = async (key: string, UploadId: string): Promise<number | undefined> => (await c.send(new S3.ListPartsCommand({ Bucket: B, Key: key, UploadId }))).Parts?.length;

describe('kr 5: AbortMultipartUpload with IfMatchInitiatedTime', () => {
  it('another time: 501 NotImplemented naming the header; the upload and its part stay', async () => {
    const { UploadId } = await upload('other');
    const [name, status, message] = await s3Refusal(c.send(new S3.AbortMultipartUploadCommand({ Bucket: B, Key: 'other', UploadId, IfMatchInitiatedTime: new Date(0) })));
    assert.deepEqual([name, status], ['NotImplemented', 501]);
    assert.match(message, /x-amz-if-match-initiated-time/);
    assert.equal(await parts('other', UploadId), 1);
  });

  it('its own time: 501 too (the condition is not held either way); without the header the abort aborts', async () => {
    const { UploadId, initiated } = await upload('same');
    const [name, status] = await s3Refusal(c.send(new S3.AbortMultipartUploadCommand({ Bucket: B, Key: 'same', UploadId, IfMatchInitiatedTime: initiated })));
    assert.deepEqual([name, status], ['NotImplemented', 501]);
    assert.equal(await parts('same', UploadId), 1);
    await c.send(new S3.AbortMultipartUploadCommand({ Bucket: B, Key: 'same', UploadId }));
    const [gone] = await s3Refusal(c.send(new S3.ListPartsCommand({ Bucket: B, Key: 'same', UploadId })));
    assert.equal(gone, 'NoSuchUpload');
  });
});
