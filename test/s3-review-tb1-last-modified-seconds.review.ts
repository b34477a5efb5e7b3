/**
 * Review tb, 1, against a real server with the real `@aws-sdk/client-s3`: an object's LastModified is the same instant
 * in every answer that names it, to the second, as S3 keeps it.
 *
 * What was wrong: the XML answers wrote the store's time with its milliseconds (ListObjects and ListObjectsV2
 * `Contents/LastModified`, `CopyObjectResult`, `CopyPartResult` and ListParts' `Part/LastModified`), while the
 * `Last-Modified` header of HeadObject and GetObject, an HTTP-date, has whole seconds. So one object had two
 * LastModified values: a listing said `05:37:05.123Z` and a HEAD `05:37:05Z`. S3 keeps an object's time to the second
 * and writes it `….000Z` in its XML (API_ListObjectsV2's example `<LastModified>2009-10-12T17:50:30.000Z`, every
 * listing S3 answers), so the SDKs give the same `Date` for it from a listing and from a HEAD. Sync tools compare the
 * two (jeanbmar/s3-sync-client#53, aws/aws-cli#5369: "AWS doesn't store milliseconds for the LastModified field";
 * minio/minio-go#1632 for the same mismatch in another server): against the gateway every object listed looked
 * changed since it was fetched, and was fetched again at every run.
 *
 * What is now so: the XML answers write an object's (and a part's) LastModified to the second, `….000Z`, the instant
 * the `Last-Modified` header names; the conditions on it (If-Modified-Since…) already compared whole seconds.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket } from './support/s3.ts';

const BUCKET = 'tb1-last-modified';
let c: S3.S3Client;
adminBucket(BUCKET, (client) => (c = client));

/**
 * Puts objects until one is listed with milliseconds (999 times in 1000 the first, before the fix), so that the test
 * does not pass by the chance of a whole second; after the fix none is, and the last one put is taken.
 */
async function putWithMilliseconds(prefix: string): Promise<string> {
  let key = '';
  for (let i = 0; i < 8; i++) {
    key = `${prefix}/${i}`;
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `body ${i}` }));
    const listed = (await c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET, Prefix: key }))).Contents?.[0]?.LastModified;
    if (listed !== undefined && listed.getTime() % 1000 !== 0) return key;
  }
  return key;
}

describe('tb 1: LastModified', () => {
  it('a listing (V2 and V1) names the instant HeadObject names, to the second', async () => {
    const key = await putWithMilliseconds('listed');
    const head = (await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: key }))).LastModified!;
    const v2 = (await c.send(new S3.ListObjectsV2Command({ Bucket: BUCKET, Prefix: key }))).Contents![0]!.LastModified!;
    const v1 = (await c.send(new S3.ListObjectsCommand({ Bucket: BUCKET, Prefix: key }))).Contents![0]!.LastModified!;
    const get = (await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: key })));
    await get.Body!.transformToString();
    assert.equal(head.getTime() % 1000, 0);
    assert.deepEqual([v2.getTime(), v1.getTime(), get.LastModified!.getTime()], [head.getTime(), head.getTime(), head.getTime()]);
  });

  it('CopyObject, UploadPartCopy and ListParts name whole seconds, the copy HeadObject finds', async () => {
    const key = await putWithMilliseconds('source');
    const copied = await c.send(new S3.CopyObjectCommand({ Bucket: BUCKET, Key: 'copied', CopySource: `${BUCKET}/${key}` }));
    const head = (await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'copied' }))).LastModified!;
    assert.equal(copied.CopyObjectResult?.LastModified?.getTime(), head.getTime());
    const UploadId = (await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'parted' }))).UploadId!;
    const part = await c.send(new S3.UploadPartCopyCommand({ Bucket: BUCKET, Key: 'parted', UploadId, PartNumber: 1, CopySource: `${BUCKET}/${key}` }));
    await c.send(new S3.UploadPartCommand({ Bucket: BUCKET, Key: 'parted', UploadId, PartNumber: 2, Body: 'two' }));
    const listed = await c.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key: 'parted', UploadId }));
    const times = [part.CopyPartResult?.LastModified, ...(listed.Parts ?? []).map((p) => p.LastModified)].map((d) => d!.getTime() % 1000);
    assert.deepEqual(times, [0, 0, 0]);
    await c.send(new S3.AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'parted', UploadId }));
  });
});
