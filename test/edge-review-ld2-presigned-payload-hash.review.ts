/**
 * Review ld, 2: a presigned S3 URL that signs a body's SHA-256 stored any body. A signer may put the payload hash in the
 * presigned query (`X-Amz-Content-Sha256=<hex>`: @smithy/signature-v4's `presign` hoists an `x-amz-content-sha256`
 * header, and signs the canonical request over that hash), so that the URL uploads that content and no other. The
 * gateway verified the signature over the hash, then read the body as `UNSIGNED-PAYLOAD`, as if the URL had not
 * signed one: whoever held the URL put other bytes under its key, the object replaced. S3-compatible servers check the
 * body against a hex `X-Amz-Content-Sha256` of a presigned query (MinIO `getContentSha256Cksum`), as S3 checks the
 * header. Now the hash the signature covers, header or query, is the body's check: another body is refused 400
 * `XAmzContentSHA256Mismatch`, the object left as it was; the body signed is stored.
 *
 * URLs presigned with the real @smithy/signature-v4 against a real server.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket } from './support/s3.ts';
import { REGION, type TestServer } from './support/server.ts';

const BUCKET = 'ld2-presigned-hash';
let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => {
  c = client;
  server = s;
});

/** A presigned PUT of `key` whose signature covers the SHA-256 of `content` (hoisted into the query by the signer). */
async function presignedPutOf(key: string, content: string): Promise<string> {
  const u = new URL(server.running.s3Url as string);
  const signer = new SignatureV4({ service: 's3', region: REGION, credentials: server.admin, sha256: Sha256, uriEscapePath: false });
  const hash = createHash('sha256').update(content).digest('hex');
  const signed = await signer.presign(
    { method: 'PUT', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: `/${BUCKET}/${key}`, query: {}, headers: { host: u.host, 'x-amz-content-sha256': hash } },
    { expiresIn: 300 },
  );
  assert.equal(signed.query?.['x-amz-content-sha256'], hash, 'the signer put the hash in the query');
  const query = Object.entries(signed.query ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
  return `${u.origin}${signed.path}?${query}`;
}

const read = async (key: string): Promise<string> => (await (await c.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString()) ?? '';

describe('ld2: a presigned PUT that signs its body hash', () => {
  it('stores the body it signs', async () => {
    const url = await presignedPutOf('signed.txt', 'the approved content');
    const r = await fetch(url, { method: 'PUT', body: 'the approved content' });
    assert.equal(r.status, 200, await r.text());
    assert.equal(await read('signed.txt'), 'the approved content');
  });

  it('refuses another body: XAmzContentSHA256Mismatch, the object unchanged', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'pinned.txt', Body: 'before' }));
    const url = await presignedPutOf('pinned.txt', 'the approved content');
    const r = await fetch(url, { method: 'PUT', body: 'something else entirely' });
    const text = await r.text();
    assert.equal(r.status, 400, `another body was taken: ${text.slice(0, 300)}`);
    assert.match(text, /<Code>XAmzContentSHA256Mismatch<\/Code>/);
    assert.equal(await read('pinned.txt'), 'before');
  });
});
