/**
 * Review tp, 1, against a real server with `@aws-sdk/client-s3` and URLs made by `@aws-sdk/s3-request-presigner`:
 * a presigned request with a small body (DeleteObjects, PutBucketPolicy) whose signed query carries the body's
 * `x-amz-checksum-*`.
 *
 * What was wrong: SDK v3's presigner computes the CRC32 of the body the URL is made for and hoists it into the query
 * (`…&delete=&x-amz-checksum-crc32=…&x-amz-sdk-checksum-algorithm=CRC32`, signed in the canonical query string, with
 * `X-Amz-Content-Sha256=UNSIGNED-PAYLOAD`). The edge took that parameter as DeleteObjects' required digest (review kf,
 * 5: "a presigned URL's signed checksum parameter counts") but never compared it with the body, and passed it over on
 * the other small bodies. With the payload unsigned, that checksum is all that ties the body to what its signer meant
 * (credential-protocols.md: a presigned URL grants the request its signer signed, nothing else), so a URL presigned
 * to delete `keep-a` deleted `keep-b` (same length: Content-Length is signed, the body is not), and one presigned to
 * put one bucket policy put another (`s3:PutObject` for `s3:GetObject`).
 *
 * What is now so: a small body (the XML and JSON bodies the gateway reads whole) is checked against every
 * `x-amz-checksum-<algorithm>` query parameter, as against the header: a body that does not match is 400 BadDigest
 * ("The CRC32 you specified did not match the calculated checksum."), nothing done; a value that is no such digest is
 * 400 InvalidRequest. The URL used with the body it was made for is served as before. Uploads (PutObject, UploadPart)
 * are untouched: S3 ignores a checksum parameter on a presigned upload (decisions.md, review hx, 2).
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { adminBucket, crc32Base64, objectExists } from './support/s3.ts';

const BUCKET = 'tp1-presigned-sums';
let c: S3.S3Client;
adminBucket(BUCKET, (client) => (c = client));

/** The body SDK v3 sends for DeleteObjects of `key` (checked against the URL's own checksum below). */
const deleteBody = (key: string): string => `<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>${key}</Key></Object></Delete>`;

async function send(url: string, method: string, body: string): Promise<{ status: number; text: string }> {
  const r = await fetch(url, { method, body, headers: { 'content-type': 'application/xml' } });
  return { status: r.status, text: await r.text() };
}

describe('tp 1: a presigned small body is checked against its signed checksum parameter', () => {
  it('a DeleteObjects URL presigned for one key does not delete another of the same length', async () => {
    for (const k of ['keep-a', 'keep-b']) await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: k, Body: k }));
    const url = await getSignedUrl(c, new S3.DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'keep-a' }] } }), { expiresIn: 300 });
    const signed = new URL(url).searchParams.get('x-amz-checksum-crc32');
    assert.equal(signed, crc32Base64(Buffer.from(deleteBody('keep-a'))), 'the URL carries the CRC32 of the body it was made for');
    const r = await send(url, 'POST', deleteBody('keep-b'));
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<Code>BadDigest<\/Code><Message>The CRC32 you specified did not match the calculated checksum\.<\/Message>/);
    assert.deepEqual([await objectExists(c, BUCKET, 'keep-a'), await objectExists(c, BUCKET, 'keep-b')], [true, true]);
    // With the body it was made for, it is served as before.
    const ok = await send(url, 'POST', deleteBody('keep-a'));
    assert.equal(ok.status, 200, ok.text);
    assert.match(ok.text, /<Deleted><Key>keep-a<\/Key><\/Deleted>/);
    assert.deepEqual([await objectExists(c, BUCKET, 'keep-a'), await objectExists(c, BUCKET, 'keep-b')], [false, true]);
  });

  it('a PutBucketPolicy URL presigned for one policy does not set another of the same length', async () => {
    const policy = (action: string): string => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: action, Resource: `arn:aws:s3:::${BUCKET}/nothing/*` }] });
    const url = await getSignedUrl(c, new S3.PutBucketPolicyCommand({ Bucket: BUCKET, Policy: policy('s3:GetObject') }), { expiresIn: 300 });
    assert.equal(new URL(url).searchParams.get('x-amz-checksum-crc32'), crc32Base64(Buffer.from(policy('s3:GetObject'))));
    const r = await send(url, 'PUT', policy('s3:PutObject'));
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<Code>BadDigest<\/Code>/);
    await assert.rejects(c.send(new S3.GetBucketPolicyCommand({ Bucket: BUCKET })), { name: 'NoSuchBucketPolicy' });
    const ok = await send(url, 'PUT', policy('s3:GetObject'));
    assert.equal(ok.status, 204, ok.text);
    assert.equal(JSON.parse((await c.send(new S3.GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy ?? '{}').Statement[0].Action, 's3:GetObject');
  });
});
