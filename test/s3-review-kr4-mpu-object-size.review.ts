/**
 * Review kr, 4, against a real server with the real `@aws-sdk/client-s3`: CompleteMultipartUpload checks the size the
 * client expects (`MpuObjectSize`, the `x-amz-mp-object-size` header) against the parts it names, as S3 does.
 *
 * What was wrong: the header was dropped. S3: "If there's a mismatch between the specified object size value and the
 * actual object size value, it results in an HTTP 400 InvalidRequest error" (API_CompleteMultipartUpload). A client
 * that sent it to catch a part left out or a wrong part list had an object of another size stored and was told 200.
 *
 * What is now so: a size that is not the parts' sum is refused 400 InvalidRequest naming the header, the size sent and
 * the parts' sum; nothing is stored and the upload stays, to be completed with the right list; a size that is not a
 * whole number of bytes is refused 400 InvalidArgument naming the header; the right size completes.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, objectExists, s3Refusal } from './support/s3.ts';

const B = 'kr4-mpu-size';
let c: S3.S3Client;
adminBucket(B, (client) => {
  c = client;
});

/** An upload of `key` with one part of `body`, and the part list completing it. */
async function upload(key: string, body: string): Promise<{ UploadId: string; Parts: S3.CompletedPart[] }> {
  const { UploadId } = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: key }));
  const { ETag } = await c.send(new S3.UploadPartCommand({ Bucket: B, Key: key, UploadId, PartNumber: 1, Body: body }));
  return { UploadId: UploadId!, Parts: [{ PartNumber: 1, ETag: ETag! }] };
}

describe('kr 4: CompleteMultipartUpload with MpuObjectSize', () => {
  it('a size other than the parts’ sum: 400 InvalidRequest, nothing stored, the upload kept; the right size completes', async () => {
    const { UploadId, Parts } = await upload('k', 'abcdefg');
    const complete = (MpuObjectSize: number) => c.send(new S3.CompleteMultipartUploadCommand({ Bucket: B, Key: 'k', UploadId, MpuObjectSize, MultipartUpload: { Parts } }));
    const [name, status, message] = await s3Refusal(complete(8));
    assert.deepEqual([name, status], ['InvalidRequest', 400]);
    assert.match(message, /x-amz-mp-object-size/);
    assert.match(message, /\b8\b[^]*\b7\b/);
    assert.equal(await objectExists(c, B, 'k'), false);
    const listed = await c.send(new S3.ListPartsCommand({ Bucket: B, Key: 'k', UploadId }));
    assert.equal(listed.Parts?.length, 1);
    await complete(7);
    const got = await c.send(new S3.GetObjectCommand({ Bucket: B, Key: 'k' }));
    assert.equal(await got.Body?.transformToString(), 'abcdefg');
  });

  it('a size that is not a whole number of bytes: 400 InvalidArgument naming the header', async () => {
    const { UploadId, Parts } = await upload('n', 'xyz');
    const command = new S3.CompleteMultipartUploadCommand({ Bucket: B, Key: 'n', UploadId, MultipartUpload: { Parts } });
    command.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-amz-mp-object-size'] = 'three';
        return next(args);
      },
      { step: 'build', name: 'badSize' },
    );
    const [name, status, message] = await s3Refusal(c.send(command));
    assert.deepEqual([name, status], ['InvalidArgument', 400]);
    assert.match(message, /x-amz-mp-object-size/);
    assert.equal(await objectExists(c, B, 'n'), false);
  });
});
