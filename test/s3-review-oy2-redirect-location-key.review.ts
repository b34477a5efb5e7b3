/**
 * Review oy, 2, against a real server with `@aws-sdk/client-s3`: `s3:x-amz-website-redirect-location`, the condition
 * key of `s3:PutObject` that carries a write's `x-amz-website-redirect-location` header.
 *
 * The contract: the Service Authorization Reference for Amazon S3 lists `s3:x-amz-website-redirect-location` ("Filters
 * access by a specific website redirect location for buckets that are configured as static websites") among PutObject's
 * condition keys, beside `s3:x-amz-storage-class` and the encryption and ACL headers the gateway already reads
 * (docs/decisions.md, "S3 gateway"). The gateway stores and answers the header (review bl, 2), so a write can make an
 * object a redirect to any URL; the guard against that is "Deny s3:PutObject when Null
 * s3:x-amz-website-redirect-location false" in a bucket policy, or an Allow of PutObject with `Null … true` in the
 * session policy of the credentials an uploader is handed.
 *
 * What was wrong: the key was never in the request's context. `Null … false` never held and the Deny never applied: a
 * PutObject, a CreateMultipartUpload or a CopyObject carrying `x-amz-website-redirect-location:
 * https://attacker.example/` was stored under the guard and HeadObject and GetObject answered the redirect.
 *
 * What is now so: the key is in the context of PutObject, CreateMultipartUpload (and the parts and completion of its
 * upload, which are decided on what it sent, review nu, 3) and CopyObject's destination, with the header's value, when
 * the request carries the header; those three writes with the header are refused AccessDenied under the Deny, nothing
 * stored, and the same writes without it are served as before.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, objectExists, s3Refusal } from './support/s3.ts';

const B = 'oy2-no-redirects';
const REDIRECT = 'https://attacker.example/';
let c: S3.S3Client;
adminBucket(B, (client) => (c = client));

describe('oy 2: s3:x-amz-website-redirect-location is a condition key of PutObject', () => {
  before(async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'page.html', Body: '<p>hi</p>' }));
    const Policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'NoWebsiteRedirects', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${B}/*`, Condition: { Null: { 's3:x-amz-website-redirect-location': 'false' } } }],
    });
    await c.send(new S3.PutBucketPolicyCommand({ Bucket: B, Policy }));
  });

  it('PutObject, CreateMultipartUpload and CopyObject with a redirect are refused under the Deny; nothing is stored', async () => {
    const refusals = [
      await s3Refusal(c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'put.html', Body: 'x', WebsiteRedirectLocation: REDIRECT }))),
      await s3Refusal(c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: 'mpu.html', WebsiteRedirectLocation: REDIRECT }))),
      await s3Refusal(c.send(new S3.CopyObjectCommand({ Bucket: B, Key: 'copy.html', CopySource: `${B}/page.html`, WebsiteRedirectLocation: REDIRECT }))),
      // A copy onto itself that only sets the redirect (legal in S3, review bl, 2) is a write like the others.
      await s3Refusal(c.send(new S3.CopyObjectCommand({ Bucket: B, Key: 'page.html', CopySource: `${B}/page.html`, WebsiteRedirectLocation: '/elsewhere.html' }))),
    ];
    for (const r of refusals) assert.deepEqual(r.slice(0, 2), ['AccessDenied', 403], r[2]);
    assert.match(refusals[0]![2], /s3:PutObject.*explicit deny in a resource-based policy/);
    for (const key of ['put.html', 'copy.html']) assert.equal(await objectExists(c, B, key), false, key);
    assert.equal((await c.send(new S3.HeadObjectCommand({ Bucket: B, Key: 'page.html' }))).WebsiteRedirectLocation, undefined);
    assert.deepEqual((await c.send(new S3.ListMultipartUploadsCommand({ Bucket: B }))).Uploads ?? [], []);
  });

  it('the same writes without the header are served: PutObject, a multipart upload with its part and completion, CopyObject', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'plain.html', Body: 'x' }));
    const up = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: B, Key: 'mpu.html' }));
    const p1 = await c.send(new S3.UploadPartCommand({ Bucket: B, Key: 'mpu.html', UploadId: up.UploadId, PartNumber: 1, Body: 'one part' }));
    await c.send(new S3.CompleteMultipartUploadCommand({ Bucket: B, Key: 'mpu.html', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }] } }));
    await c.send(new S3.CopyObjectCommand({ Bucket: B, Key: 'copy.html', CopySource: `${B}/page.html` }));
    for (const key of ['plain.html', 'mpu.html', 'copy.html']) assert.equal(await objectExists(c, B, key), true, key);
  });
});
