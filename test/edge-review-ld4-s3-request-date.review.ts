/**
 * Review ld, 4: the S3 gateway answered a SigV4 request without a readable request date (no `X-Amz-Date` nor `Date`,
 * an empty one, `X-Amz-Date: Bad Date`, a local time such as `20170509T154625+01`) 400 `AuthorizationHeaderMalformed`,
 * where S3 answers 403 `AccessDenied` "AWS authentication requires a valid Date or x-amz-date header" (the answer
 * aws-sdk-js#120 and vertx-s3-client#5 users got from S3; ceph's s3-tests `test_bucket_create_bad_amz_date_*_aws4`
 * expect a 403). The gateway's SigV2 door already answered so. Now the SigV4 door does too; IAM and STS keep their
 * `IncompleteSignature` "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header".
 *
 * Requests signed with the real @smithy/signature-v4, their date header then removed or spoilt, against a real server.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { adminBucket } from './support/s3.ts';
import { REGION, type TestServer } from './support/server.ts';

const BUCKET = 'ld4-request-date';
let server: TestServer;
adminBucket(BUCKET, (_c, s) => (server = s));

function get(url: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, method: 'GET', path: `${u.pathname}${u.search}`, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `GET path` of `base` signed for `service`, its `x-amz-date` then replaced by `date` (undefined: removed). */
async function withDate(base: string, service: string, path: string, date: string | undefined): Promise<{ status: number; text: string }> {
  const u = new URL(base);
  const [pathname, search = ''] = path.split('?') as [string, string?];
  const query = Object.fromEntries(new URLSearchParams(search));
  const signer = new SignatureV4({ service, region: REGION, credentials: server.admin, sha256: Sha256, uriEscapePath: service !== 's3' });
  const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: pathname, query, headers: { host: u.host, ...(service === 's3' ? { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } : {}) } });
  const headers = { ...(signed.headers as Record<string, string>) };
  delete headers['x-amz-date'];
  if (date !== undefined) headers['x-amz-date'] = date;
  return get(`${u.origin}${path}`, headers);
}

describe('ld4: a SigV4 request without a readable date', () => {
  it('S3 answers 403 AccessDenied "AWS authentication requires a valid Date or x-amz-date header"', async () => {
    for (const date of [undefined, '', 'Bad Date', '20170509T154625+01']) {
      const r = await withDate(server.running.s3Url as string, 's3', `/${BUCKET}`, date);
      assert.equal(r.status, 403, `x-amz-date ${JSON.stringify(date)}: ${r.text}`);
      assert.match(r.text, /<Code>AccessDenied<\/Code>/);
      assert.match(r.text, /<Message>AWS authentication requires a valid Date or x-amz-date header<\/Message>/);
    }
  });

  it('STS keeps IncompleteSignature naming the headers', async () => {
    const r = await withDate(server.url, 'sts', '/?Action=GetCallerIdentity&Version=2011-06-15', undefined);
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<Code>IncompleteSignature<\/Code>/);
    assert.match(r.text, /Authorization header requires existence of either a &apos;X-Amz-Date&apos; or a &apos;Date&apos; header/);
  });
});
