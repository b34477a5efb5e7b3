// A CompleteMultipartUpload retried after it succeeded (its answer lost) is answered as the first was, not NoSuchUpload.
/**
 * Review ni, 1, against a real server with the real `@aws-sdk/client-s3`.
 *
 * What was wrong: the first Complete removed the upload, so a second Complete of the same upload with the same parts
 * was refused 404 NoSuchUpload. The SDKs and the CLI retry a Complete whose answer they did not get (a 5xx, a reset
 * connection, a timeout); when the first attempt had stored the object, the retry failed and the client reported a
 * failed upload of an object that is stored. S3 answers such a retry 200 with the object's ETag: CompleteMultipartUpload
 * is idempotent (adobe/S3Mock#2586 shows it against S3; ceph/s3-tests#739 tests it of RGW; chimera-nas/chimera#489,
 * getmoto/moto#8380 do as S3).
 *
 * What is now so: a completed upload is remembered for a while (docs/decisions.md); a Complete of it naming the same
 * key and the same parts answers what the first answered. Another parts list, or another key, is still NoSuchUpload,
 * and the upload takes no new parts.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket } from './support/s3.ts';
import { errorName } from './support/server.ts';

const BUCKET = 'ni1-complete-retry';
let c: S3.S3Client;
adminBucket(BUCKET, (client) => (c = client));

describe('ni 1: a retried CompleteMultipartUpload', () => {
  it('with the same parts answers 200 with the same ETag, and the object is as the first stored it', async () => {
    const key = 'retried/object.bin';
    const id = (await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }))).UploadId!;
    const part = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: id, PartNumber: 1, Body: 'the only part' }));
    const complete = () => c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: id, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] } }));
    const first = await complete();
    assert.match(first.ETag ?? '', /^"[0-9a-f]{32}-1"$/);
    const again = await complete();
    assert.equal(again.$metadata.httpStatusCode, 200);
    assert.deepEqual({ ETag: again.ETag, Key: again.Key, Bucket: again.Bucket, Location: again.Location }, { ETag: first.ETag, Key: first.Key, Bucket: first.Bucket, Location: first.Location });
    const head = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    assert.equal(head.ETag, first.ETag);
    assert.equal(head.ContentLength, 'the only part'.length);
  });

  it('with other parts or another key is still NoSuchUpload, and the upload takes no part', async () => {
    const key = 'retried/other.bin';
    const id = (await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }))).UploadId!;
    const one = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: id, PartNumber: 1, Body: 'one' }));
    const two = await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: id, PartNumber: 2, Body: 'two' }));
    await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: id, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: one.ETag! }] } }));
    const complete = (k: string, parts: S3.CompletedPart[]) => errorName(c.send(new S3.CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: k, UploadId: id, MultipartUpload: { Parts: parts } })));
    assert.equal(await complete(key, [{ PartNumber: 2, ETag: two.ETag! }]), 'NoSuchUpload');
    assert.equal(await complete(key, [{ PartNumber: 1, ETag: one.ETag! }, { PartNumber: 2, ETag: two.ETag! }]), 'NoSuchUpload');
    assert.equal(await complete('retried/elsewhere.bin', [{ PartNumber: 1, ETag: one.ETag! }]), 'NoSuchUpload');
    assert.equal(await errorName(c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: id, PartNumber: 3, Body: 'three' }))), 'NoSuchUpload');
    assert.equal(await errorName(c.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: id }))), 'NoSuchUpload');
    assert.equal((await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: key }))).ContentLength, 3);
  });
});
