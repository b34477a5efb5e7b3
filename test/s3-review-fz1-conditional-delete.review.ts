/**
 * Review fz, 1, against a real server with the real `@aws-sdk/client-s3`: a conditional delete (DeleteObject's
 * `If-Match`, a DeleteObjects entry's `ETag`) removes the object only while it has that ETag, as S3 does.
 *
 * What was wrong: the gateway read neither. `DeleteObject` with `IfMatch` naming another ETag answered 204 and removed
 * the object, and so did DeleteObjects for an entry whose `ETag` did not match. S3 supports conditional deletes on
 * general purpose buckets (User Guide, "How to perform conditional deletes"; API_DeleteObject `If-Match`): "If the
 * ETag doesn't match, the operation fails with a 412 Precondition Failed", an If-Match on a key with no object is 404
 * NoSuchKey, and DeleteObjects reports the entry's failure in its answer. A client that reads an object, decides it is
 * stale and deletes it on that ETag believes a writer's newer object is safe; here the newer object was lost. A bucket
 * policy enforcing conditional deletes (`"Null": {"s3:if-match": "true"}` on a Deny) could not be written either, as
 * the decision carried no `s3:if-match`.
 *
 * What is now so: the store holds the condition in the key's lock against the object it removes (412
 * PreconditionFailed, 404 NoSuchKey, nothing removed); DeleteObjects answers such an entry in its `Error` list; the
 * `s3:DeleteObject` decision carries `s3:if-match`, and a conditional delete also needs `s3:GetObject` as a
 * conditional write does.
 *
 * Before the fix, all 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, objectExists, s3Refusal } from './support/s3.ts';

const BUCKET = 'fz1-checkpoints';
const OTHER_ETAG = '"0123456789abcdef0123456789abcdef"';

let c: S3.S3Client;
adminBucket(BUCKET, (client) => (c = client));

/** The error name and HTTP status a call was refused with. */
const refused = async (p: Promise<unknown>): Promise<[string, number | undefined]> => (await s3Refusal(p)).slice(0, 2) as [string, number | undefined];

const put = async (key: string, body: string): Promise<string> => (await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }))).ETag ?? '';

describe('fz 1: conditional deletes', () => {
  it('DeleteObject If-Match: another ETag is 412 and keeps the object, its own ETag or * deletes it, no object is 404', async () => {
    const etag = await put('step-100/model.pt', 'weights v2');
    assert.deepEqual(await refused(c.send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: 'step-100/model.pt', IfMatch: OTHER_ETAG }))), ['PreconditionFailed', 412]);
    assert.equal(await objectExists(c, BUCKET, 'step-100/model.pt'), true, 'a failed conditional delete removed the object');
    await c.send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: 'step-100/model.pt', IfMatch: etag }));
    assert.equal(await objectExists(c, BUCKET, 'step-100/model.pt'), false);

    assert.deepEqual(await refused(c.send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: 'step-100/model.pt', IfMatch: '*' }))), ['NoSuchKey', 404]);
    await put('step-200/model.pt', 'weights');
    await c.send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: 'step-200/model.pt', IfMatch: '*' }));
    assert.equal(await objectExists(c, BUCKET, 'step-200/model.pt'), false);
    // Without If-Match, a missing key is still 204.
    await c.send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: 'step-200/model.pt' }));
  });

  it("DeleteObjects: an entry whose ETag does not match is answered PreconditionFailed and kept; the others go", async () => {
    const kept = await put('a/kept', 'new writer');
    const gone = await put('a/gone', 'stale');
    const r = await c.send(
      new S3.DeleteObjectsCommand({
        Bucket: BUCKET,
        Delete: { Objects: [{ Key: 'a/kept', ETag: OTHER_ETAG }, { Key: 'a/gone', ETag: gone }, { Key: 'a/missing', ETag: kept }, { Key: 'a/plain' }] },
      }),
    );
    assert.deepEqual((r.Deleted ?? []).map((d) => d.Key).sort(), ['a/gone', 'a/plain']);
    assert.deepEqual((r.Errors ?? []).map((e) => [e.Key, e.Code]).sort(), [['a/kept', 'PreconditionFailed'], ['a/missing', 'NoSuchKey']]);
    assert.equal(await objectExists(c, BUCKET, 'a/kept'), true);
    assert.equal(await objectExists(c, BUCKET, 'a/gone'), false);
  });

  it('a bucket policy that enforces conditional deletes refuses a delete without If-Match and allows one with it', async () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'OnlyConditionalDeletes', Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: `arn:aws:s3:::${BUCKET}/guarded/*`, Condition: { Null: { 's3:if-match': 'true' } } }],
    };
    await c.send(new S3.PutBucketPolicyCommand({ Bucket: BUCKET, Policy: JSON.stringify(policy) }));
    try {
      const etag = await put('guarded/ckpt', 'x');
      assert.deepEqual(await refused(c.send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: 'guarded/ckpt' }))), ['AccessDenied', 403]);
      assert.equal(await objectExists(c, BUCKET, 'guarded/ckpt'), true);
      await c.send(new S3.DeleteObjectCommand({ Bucket: BUCKET, Key: 'guarded/ckpt', IfMatch: etag }));
      assert.equal(await objectExists(c, BUCKET, 'guarded/ckpt'), false);
    } finally {
      await c.send(new S3.DeleteBucketPolicyCommand({ Bucket: BUCKET }));
    }
  });
});
