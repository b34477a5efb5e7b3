/**
 * Review qj, 1, against a real server with the real `@aws-sdk/client-s3`: GetObject and HeadObject with an
 * If-Modified-Since later than the server's clock.
 *
 * What was wrong: the date was compared with the object's Last-Modified alone, so any date ahead of the clock answered
 * 304. A client whose clock runs ahead (or one asking "changed since <its own now>", the use RFC 9110 §13.1.3 names
 * beside cache revalidation) was told that an object written a moment ago had not changed, and kept its stale copy
 * until its date was passed. A date later than the server's current time is not a valid If-Modified-Since (RFC 2616
 * §14.25 a: "A date which is later than the server's current time is invalid", and the request is answered "exactly
 * the same as for a normal GET"); Amazon S3 answers such a request 200 with the object (apache/opendal#5500: a
 * future date "doesn't work for S3", which returns the object, where MinIO and Ceph answered 304).
 *
 * What is now so: an If-Modified-Since later than the server's clock is ignored (200, the object, as without it);
 * one at or after Last-Modified and not in the future is 304 as before. The copy's
 * `x-amz-copy-source-if-modified-since` is left as it was (nothing seen of S3's answer to a future one).
 *
 * Before the fix 2 of 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, s3Refusal } from './support/s3.ts';

const BUCKET = 'qj1-future-ims';
let c: S3.S3Client;
adminBucket(BUCKET, (client) => {
  c = client;
});

describe('qj 1: If-Modified-Since later than the server clock is ignored', () => {
  it('GetObject with a date a day ahead answers 200 and the object', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'fresh', Body: 'just written' }));
    for (const ahead of [120_000, 86_400_000]) {
      const r = await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'fresh', IfModifiedSince: new Date(Date.now() + ahead) }));
      assert.equal(r.$metadata.httpStatusCode, 200, `${ahead} ms ahead`);
      assert.equal(await r.Body?.transformToString(), 'just written');
    }
  });

  it('HeadObject with a date ahead answers 200', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'head', Body: 'x' }));
    const r = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'head', IfModifiedSince: new Date(Date.now() + 3_600_000) }));
    assert.equal(r.$metadata.httpStatusCode, 200);
    assert.equal(r.ContentLength, 1);
  });

  it('a date at Last-Modified, not ahead of the clock, is still 304', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'cached', Body: 'cached' }));
    const h = await c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'cached' }));
    const [, status] = await s3Refusal(c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'cached', IfModifiedSince: h.LastModified })));
    assert.equal(status, 304);
    const [, headStatus] = await s3Refusal(c.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: 'cached', IfModifiedSince: h.LastModified })));
    assert.equal(headStatus, 304);
  });
});
