/**
 * Review oh, 3, against a real server with the real `@aws-sdk/client-s3`: `s3:x-amz-copy-source` names the object that
 * is copied, however its header was percent-encoded.
 *
 * The contract: `s3:x-amz-copy-source` is the copy source of CopyObject and UploadPartCopy (Service Authorization
 * Reference, Amazon S3; the User Guide's "Restricting object copy to a specific source" writes it
 * `amzn-s3-demo-source-bucket/public/*`: bucket and key as they are). The header itself is URL-encoded (API_CopyObject:
 * "The value must be URL-encoded"), and `src/%73ecret/a.txt` and `src/secret/a.txt` copy the very same object: the
 * gateway decodes the header to find the source and its `s3:GetObject` decision.
 *
 * What was wrong: the condition key was the header as sent, still encoded. A destination's bucket policy that keeps
 * a prefix out — Deny `s3:PutObject` when `StringLike s3:x-amz-copy-source src/secret/*` — was dodged by encoding one
 * character of the key (`src/%73ecret/a.txt`): the Deny never matched and the secret object was copied in, by
 * CopyObject or by UploadPartCopy.
 *
 * What is now so: the key's value is the source as decoded (bucket/key, with the leading `/` and `?versionId=` when
 * sent), the object the copy reads; a source sent unencoded is decided as before.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, s3Refusal } from './support/s3.ts';

const SRC = 'oh3-src';
const DST = 'oh3-dst';
let c: S3.S3Client;
adminBucket(SRC, (client) => (c = client));

let ready: Promise<void> | undefined;
function setup(): Promise<void> {
  ready ??= (async () => {
    await c.send(new S3.CreateBucketCommand({ Bucket: DST }));
    for (const key of ['secret/a.txt', 'public/b.txt']) await c.send(new S3.PutObjectCommand({ Bucket: SRC, Key: key, Body: key }));
    await c.send(
      new S3.PutBucketPolicyCommand({
        Bucket: DST,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Sid: 'NoSecretsCopiedIn', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${DST}/*`, Condition: { StringLike: { 's3:x-amz-copy-source': [`${SRC}/secret/*`, `/${SRC}/secret/*`] } } }],
        }),
      }),
    );
  })();
  return ready;
}

const copied = (key: string): Promise<boolean> => c.send(new S3.HeadObjectCommand({ Bucket: DST, Key: key })).then(() => true, () => false);

describe('oh 3: s3:x-amz-copy-source is the decoded copy source', () => {
  it('CopyObject of `src/%73ecret/a.txt` is refused as `src/secret/a.txt` is', async () => {
    await setup();
    for (const source of [`${SRC}/secret/a.txt`, `${SRC}/%73ecret/a.txt`, `/${SRC}/secret%2Fa.txt`]) {
      assert.deepEqual((await s3Refusal(c.send(new S3.CopyObjectCommand({ Bucket: DST, Key: 'copy.txt', CopySource: source })))).slice(0, 2), ['AccessDenied', 403], source);
    }
    assert.equal(await copied('copy.txt'), false);
  });

  it('UploadPartCopy of an encoded secret source is refused', async () => {
    await setup();
    const id = (await c.send(new S3.CreateMultipartUploadCommand({ Bucket: DST, Key: 'parts.bin' }))).UploadId!;
    assert.deepEqual((await s3Refusal(c.send(new S3.UploadPartCopyCommand({ Bucket: DST, Key: 'parts.bin', UploadId: id, PartNumber: 1, CopySource: `${SRC}/%73ecret/a.txt` })))).slice(0, 2), ['AccessDenied', 403]);
    await c.send(new S3.AbortMultipartUploadCommand({ Bucket: DST, Key: 'parts.bin', UploadId: id }));
  });

  it('a source outside the denied prefix is copied, encoded or not', async () => {
    await setup();
    await c.send(new S3.CopyObjectCommand({ Bucket: DST, Key: 'plain.txt', CopySource: `${SRC}/public/b.txt` }));
    await c.send(new S3.CopyObjectCommand({ Bucket: DST, Key: 'encoded.txt', CopySource: `${SRC}/public%2Fb.txt?versionId=null` }));
    assert.equal(await copied('plain.txt'), true);
    assert.equal(await copied('encoded.txt'), true);
  });
});
