/**
 * Review oh, 2, against a real server (restarted on its data dir for the second test) with `@aws-sdk/client-s3`: a
 * CompleteMultipartUpload retried under the S3 User Guide's encryption and ACL guards.
 *
 * The contract: CompleteMultipartUpload is idempotent — a retry naming the same key and parts is answered 200 with the
 * first answer's ETag (review ni, 1; across a restart, review nn, 2; docs/decisions.md) — and an upload's parts and
 * completion are decided on the write headers its CreateMultipartUpload sent (review nu, 3), since S3 takes
 * `x-amz-server-side-encryption` and `x-amz-acl` at initiation only. The guards are the User Guide's: "Deny s3:PutObject
 * when Null s3:x-amz-server-side-encryption true" and "Deny s3:PutObject unless s3:x-amz-acl is
 * bucket-owner-full-control".
 *
 * What was wrong: the completion's decision read the write headers from the unfinished upload, and a completed upload
 * is no longer one: the retry found no header, so either guard denied it — 403 AccessDenied for an object that is
 * stored, exactly when the SDK or `aws s3 cp` (which sends both headers at initiation) retries a Complete whose answer
 * was lost. The client reports a failed upload.
 *
 * What is now so: a completed upload's write headers are remembered with its completion (in memory and on disk, as
 * long as the completion itself), and a retried Complete of the same key is decided on them.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucketRestartable, s3Refusal } from './support/s3.ts';

const BUCKET = 'oh2-complete-retry';
let c: S3.S3Client;
const server = adminBucketRestartable(BUCKET, (client) => (c = client));

const deny = (sid: string, condition: object): object => ({ Sid: sid, Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: condition });

/** An upload of `key` created with the two guarded headers, its one part sent; answers the Complete to send (again). */
async function upload(key: string): Promise<() => Promise<S3.CompleteMultipartUploadCommandOutput>> {
  const id = (await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ServerSideEncryption: 'AES256', ACL: 'bucket-owner-full-control' }))).UploadId!;
  const part = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: id, PartNumber: 1, Body: 'the only part' }));
  return () => c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: id, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] } }));
}

describe('oh 2: a retried CompleteMultipartUpload is decided on the headers its upload was created with', () => {
  it('under both guards, the retry answers 200 with the first ETag; an upload begun without the headers still is not', async () => {
    await c.send(
      new S3.PutBucketPolicyCommand({
        Bucket: BUCKET,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [deny('DenyUnEncryptedObjectUploads', { Null: { 's3:x-amz-server-side-encryption': 'true' } }), deny('RequireOwnerControl', { StringNotEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } })],
        }),
      }),
    );
    const complete = await upload('retried.bin');
    const first = await complete();
    const again = await complete();
    assert.equal(again.$metadata.httpStatusCode, 200);
    assert.equal(again.ETag, first.ETag);
    assert.deepEqual((await s3Refusal(c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'plain.bin' })))).slice(0, 2), ['AccessDenied', 403]);
  });

  it('after a restart too', async () => {
    const complete = await upload('restarted.bin');
    const first = await complete();
    await server.restart(async () => {});
    const again = await complete();
    assert.equal(again.ETag, first.ETag);
  });
});
