/**
 * Review kf, 2, against a real server, with requests signed by the SDK's own signer (`@smithy/signature-v4`) and sent
 * by `@aws-sdk/client-s3`: a body that does not match the digest its request declared is refused with the error
 * document S3 answers, which names both digests.
 *
 * What was wrong:
 * - XAmzContentSHA256Mismatch had Code and Message only; S3's carries `<ClientComputedContentSHA256>` (the hash the
 *   request declared) and `<S3ComputedContentSHA256>` (the hash of the bytes received), which is how a user tells a
 *   signer that hashed the wrong buffer from a body damaged on its way (s3cmd and the SDKs' debug logs print them).
 * - BadDigest for a Content-MD5 of an object's body said "the body does not match its `Content-MD5`", not S3's message,
 *   and had neither `<ExpectedDigest>` (the declared MD5, in hex) nor `<CalculatedDigest>` (the body's, in base64).
 *
 * What is now so: both errors carry S3's elements, for an object body (PutObject, UploadPart) and for a small body
 * (PutObjectTagging), with S3's messages; nothing is stored.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, objectExists } from './support/s3.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'kf2-digests';
let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => ((c = client), (server = s)));

const sha256 = (b: string): string => createHash('sha256').update(b).digest('hex');
const md5 = (b: string): Buffer => createHash('md5').update(b).digest();

/** A PUT of `body` to `path` signed by the SDK's signer with `headers` (an `x-amz-content-sha256` among them). */
async function signedPut(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const url = new URL(server.running.s3Url);
  const [pathname, query] = path.split('?') as [string, string | undefined];
  const signer = new SignatureV4({ credentials: server.admin, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const signed = await signer.sign({
    method: 'PUT',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: pathname,
    query: Object.fromEntries(new URLSearchParams(query ?? '')),
    headers: { host: url.host, 'content-length': String(Buffer.byteLength(body)), ...headers },
    body,
  });
  const r = await fetch(`${server.running.s3Url}${path}`, { method: 'PUT', headers: signed.headers, body });
  return { status: r.status, text: await r.text() };
}

const element = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

describe('kf 2: a body that does not match its declared digest', () => {
  it('XAmzContentSHA256Mismatch names the declared and the computed SHA-256', async () => {
    const { UploadId } = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'part' }));
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'tagged', Body: 'x' }));
    const tagging = '<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>';
    for (const [label, path, body] of [
      ['PutObject', `/${BUCKET}/object`, 'the bytes sent'],
      ['UploadPart', `/${BUCKET}/part?partNumber=1&uploadId=${UploadId}`, 'the bytes sent'],
      ['PutObjectTagging', `/${BUCKET}/tagged?tagging`, tagging],
    ] as const) {
      const declared = sha256('the bytes signed');
      const r = await signedPut(path, body, { 'x-amz-content-sha256': declared });
      assert.equal(r.status, 400, `${label}: ${r.text}`);
      assert.equal(element(r.text, 'Code'), 'XAmzContentSHA256Mismatch', label);
      assert.equal(element(r.text, 'Message'), 'The provided &apos;x-amz-content-sha256&apos; header does not match what was computed.', label);
      assert.equal(element(r.text, 'ClientComputedContentSHA256'), declared, label);
      assert.equal(element(r.text, 'S3ComputedContentSHA256'), sha256(body), label);
    }
    assert.equal(await objectExists(c, BUCKET, 'object'), false);
  });

  it('BadDigest for Content-MD5 says so in S3 words, with the expected (hex) and calculated (base64) digests', async () => {
    const { UploadId } = await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'part-md5' }));
    const tagging = '<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>';
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'tagged-md5', Body: 'x' }));
    for (const [label, path, body] of [
      ['PutObject', `/${BUCKET}/object-md5`, 'the bytes sent'],
      ['UploadPart', `/${BUCKET}/part-md5?partNumber=1&uploadId=${UploadId}`, 'the bytes sent'],
      ['PutObjectTagging', `/${BUCKET}/tagged-md5?tagging`, tagging],
    ] as const) {
      const declared = md5('the bytes meant');
      const r = await signedPut(path, body, { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-md5': declared.toString('base64') });
      assert.equal(r.status, 400, `${label}: ${r.text}`);
      assert.equal(element(r.text, 'Code'), 'BadDigest', label);
      assert.equal(element(r.text, 'Message'), 'The Content-MD5 you specified did not match what we received.', label);
      assert.equal(element(r.text, 'ExpectedDigest'), declared.toString('hex'), label);
      assert.equal(element(r.text, 'CalculatedDigest'), md5(body).toString('base64'), label);
    }
    assert.equal(await objectExists(c, BUCKET, 'object-md5'), false);
  });
});
