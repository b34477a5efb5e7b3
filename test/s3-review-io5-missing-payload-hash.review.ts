/**
 * Review io, 5, against a real server, with requests signed by the SDK's own signer (`@smithy/signature-v4`) without
 * the `x-amz-content-sha256` header the SDK's S3 client always adds: a header-signed request of any method without it
 * is refused as S3 refuses it, 400 InvalidRequest "Missing required header for this request: x-amz-content-sha256"
 * (Swift's s3api functional tests, run against AWS, record it for GET of the service, a bucket and an object, and 400
 * for HEAD; sigv4-auth-using-authorization-header.html: "The x-amz-content-sha256 header is required for all AWS
 * Signature Version 4 requests"). A presigned URL needs none (UNSIGNED-PAYLOAD).
 *
 * What was wrong: only PUT and POST were refused; a GET, HEAD or DELETE without it was served 200/204, so a hand-rolled
 * client (or a proxy that drops the header) worked against the gateway and failed against S3.
 *
 * Before the fix, the first test failed; the second passed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { adminBucket } from './support/s3.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'io5-payload-hash';

let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => ((c = client), (server = s)));

/** A header-signed request of `method` on `path`, `x-amz-content-sha256` as given (absent when undefined). */
async function signed(method: string, path: string, contentSha256?: string): Promise<{ status: number; body: string }> {
  const url = new URL(server.running.s3Url);
  const signer = new SignatureV4({ credentials: server.admin, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const request = await signer.sign({
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path,
    headers: { host: url.host, ...(contentSha256 !== undefined ? { 'x-amz-content-sha256': contentSha256 } : {}) },
  });
  const r = await fetch(`${server.running.s3Url}${path}`, { method, headers: request.headers });
  return { status: r.status, body: await r.text() };
}

const MISSING = /<Code>InvalidRequest<\/Code><Message>Missing required header for this request: x-amz-content-sha256<\/Message>/;

describe('io 5: a header-signed request without x-amz-content-sha256', () => {
  it('GET of the service, a bucket, an object; HEAD; DELETE: 400 InvalidRequest, nothing done', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'kept', Body: 'still here' }));
    for (const path of ['/', `/${BUCKET}`, `/${BUCKET}/kept`]) {
      const r = await signed('GET', path);
      assert.equal(r.status, 400, `GET ${path}: ${r.body}`);
      assert.match(r.body, MISSING, `GET ${path}`);
    }
    assert.equal((await signed('HEAD', `/${BUCKET}/kept`)).status, 400);
    const del = await signed('DELETE', `/${BUCKET}/kept`);
    assert.equal(del.status, 400, del.body);
    assert.match(del.body, MISSING);
    assert.equal(await (await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'kept' }))).Body?.transformToString(), 'still here');
  });

  it('with it (a hash or UNSIGNED-PAYLOAD) they are served; a presigned URL needs none', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'kept', Body: 'still here' }));
    assert.equal((await signed('GET', `/${BUCKET}/kept`, 'UNSIGNED-PAYLOAD')).status, 200);
    assert.equal((await signed('HEAD', `/${BUCKET}/kept`, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')).status, 200);
    const url = await getSignedUrl(c, new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'kept' }), { expiresIn: 60 });
    const r = await fetch(url);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'still here');
  });
});
