/**
 * Review lg, 2, against a real server: a request whose signature does not match is refused with the error document S3
 * answers, which hands the signer back what the gateway signed.
 *
 * What was wrong:
 * - SigV2 (header or query): SignatureDoesNotMatch carried `<AWSAccessKeyId>` only; S3's also has `<StringToSign>`,
 *   `<SignatureProvided>` and `<StringToSignBytes>` (the string to sign as space-separated hex bytes), which is how a
 *   boto2/s3cmd/hand-written SigV2 signer finds the line it got wrong (a Date, a Content-Type, a sub-resource).
 * - SigV4: `<StringToSignBytes>` and `<CanonicalRequestBytes>`, which S3 sends beside `<StringToSign>` and
 *   `<CanonicalRequest>` (and tools compare byte by byte, a stray `\r` or space being invisible in the text), were
 *   missing.
 *
 * What is now so: SigV2's error has AWSAccessKeyId, StringToSign (the gateway's, from the request as sent),
 * SignatureProvided and StringToSignBytes; SigV4's adds StringToSignBytes and CanonicalRequestBytes. Requests signed
 * here (HMAC-SHA1 as S3's SigV2 says; the SDK's own `@smithy/signature-v4`) with a wrong secret.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { adminBucket } from './support/s3.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'lg2-signature-fields';
const WRONG = 'not-the-secret-key-of-this-access-key-id';
let server: TestServer;
adminBucket(BUCKET, (_c, s) => (server = s));

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
/** The text of the error document's element `name`, with its entities and character references read. */
function element(xml: string, name: string): string | undefined {
  const raw = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  return raw?.replace(/&(?:#x([0-9A-Fa-f]+)|#(\d+)|(\w+));/g, (_, hex: string | undefined, dec: string | undefined, named: string) =>
    hex !== undefined ? String.fromCharCode(parseInt(hex, 16)) : dec !== undefined ? String.fromCharCode(Number(dec)) : (ENTITIES[named] ?? ''),
  );
}
const hexBytes = (s: string): string => [...Buffer.from(s, 'utf8')].map((b) => b.toString(16).padStart(2, '0')).join(' ');
const v2Signature = (toSign: string): string => createHmac('sha1', WRONG).update(toSign, 'utf8').digest('base64');

describe('lg 2: SignatureDoesNotMatch hands back what the gateway signed', () => {
  it('SigV2 in the Authorization header: AWSAccessKeyId, StringToSign, SignatureProvided, StringToSignBytes', async () => {
    const date = new Date().toUTCString();
    const path = `/${BUCKET}/some-key`;
    const toSign = `GET\n\n\n${date}\n${path}`;
    const signature = v2Signature(toSign);
    const r = await fetch(`${server.running.s3Url}${path}`, { headers: { date, authorization: `AWS ${server.admin.accessKeyId}:${signature}` } });
    const text = await r.text();
    assert.equal(r.status, 403, text);
    assert.equal(element(text, 'Code'), 'SignatureDoesNotMatch');
    assert.equal(element(text, 'AWSAccessKeyId'), server.admin.accessKeyId);
    assert.equal(element(text, 'StringToSign'), toSign);
    assert.equal(element(text, 'SignatureProvided'), signature);
    assert.equal(element(text, 'StringToSignBytes'), hexBytes(toSign));
  });

  it('SigV2 in the query string: the string to sign has Expires where the Date was', async () => {
    const expires = String(Math.floor(Date.now() / 1000) + 300);
    const path = `/${BUCKET}/some-key`;
    const toSign = `GET\n\n\n${expires}\n${path}`;
    const signature = v2Signature(toSign);
    const r = await fetch(`${server.running.s3Url}${path}?AWSAccessKeyId=${server.admin.accessKeyId}&Expires=${expires}&Signature=${encodeURIComponent(signature)}`);
    const text = await r.text();
    assert.equal(r.status, 403, text);
    assert.equal(element(text, 'Code'), 'SignatureDoesNotMatch');
    assert.equal(element(text, 'StringToSign'), toSign);
    assert.equal(element(text, 'SignatureProvided'), signature);
    assert.equal(element(text, 'StringToSignBytes'), hexBytes(toSign));
  });

  it('SigV4: StringToSignBytes and CanonicalRequestBytes beside their text', async () => {
    const url = new URL(server.running.s3Url);
    const signer = new SignatureV4({ credentials: { accessKeyId: server.admin.accessKeyId, secretAccessKey: WRONG }, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
    const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: `/${BUCKET}/some-key`, query: {}, headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    const r = await fetch(`${server.running.s3Url}/${BUCKET}/some-key`, { headers: signed.headers });
    const text = await r.text();
    assert.equal(r.status, 403, text);
    assert.equal(element(text, 'Code'), 'SignatureDoesNotMatch');
    const toSign = element(text, 'StringToSign');
    const canonical = element(text, 'CanonicalRequest');
    assert.match(toSign ?? '', /^AWS4-HMAC-SHA256\n/);
    assert.match(canonical ?? '', /^GET\n/);
    assert.equal(element(text, 'StringToSignBytes'), hexBytes(toSign ?? ''));
    assert.equal(element(text, 'CanonicalRequestBytes'), hexBytes(canonical ?? ''));
  });
});
