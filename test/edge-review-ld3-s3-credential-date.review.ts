/**
 * Review ld, 3: the S3 gateway answered a credential scope dated another day than the request (`Credential=…/20261205/…`
 * with `X-Amz-Date: 20261206T…`, what a client that takes the scope's date from the local clock and `X-Amz-Date` from
 * UTC sends around midnight: alpakka-s3, arq_restore, rust-s3 users reported S3's answer) as IAM and STS answer it,
 * 403 `SignatureDoesNotMatch` "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from
 * HTTP…", where S3 answers 400 `AuthorizationHeaderMalformed` "The authorization header is malformed; Invalid credential
 * date. Date is not the same as X-Amz-Date." (and for a presigned URL `AuthorizationQueryParametersError` "Invalid
 * credential date. Date is not the same as X-Amz-Date."): a malformed request, not a wrong secret, as the users who
 * search S3's words find it. Now answered so; IAM and STS keep their own answer.
 *
 * Requests signed with the real @smithy/signature-v4, the scope's date set a day back, against a real server.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { adminBucket } from './support/s3.ts';
import { REGION, type TestServer } from './support/server.ts';

const BUCKET = 'ld3-credential-date';
let server: TestServer;
adminBucket(BUCKET, (_c, s) => (server = s));

const DAY = 86_400_000;
const yesterday = (): string => new Date(Date.now() - DAY).toISOString().slice(0, 10).replaceAll('-', '');

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

const signer = (service: string): SignatureV4 => new SignatureV4({ service, region: REGION, credentials: server.admin, sha256: Sha256, uriEscapePath: service !== 's3' });

describe('ld3: a credential scope dated another day than X-Amz-Date', () => {
  it('header form: S3 answers 400 AuthorizationHeaderMalformed "Invalid credential date"', async () => {
    const u = new URL(server.running.s3Url as string);
    const signed = await signer('s3').sign({ method: 'GET', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: `/${BUCKET}`, query: {}, headers: { host: u.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    const headers = { ...(signed.headers as Record<string, string>) };
    const today = (headers['x-amz-date'] as string).slice(0, 8);
    headers['authorization'] = (headers['authorization'] as string).replace(`/${today}/`, `/${yesterday()}/`);
    const r = await get(`${u.origin}/${BUCKET}`, headers);
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<Code>AuthorizationHeaderMalformed<\/Code>/);
    assert.match(r.text, /<Message>The authorization header is malformed; Invalid credential date\. Date is not the same as X-Amz-Date\.<\/Message>/);
  });

  it('presigned form: S3 answers 400 AuthorizationQueryParametersError "Invalid credential date"', async () => {
    const u = new URL(server.running.s3Url as string);
    const signed = await signer('s3').presign({ method: 'GET', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: `/${BUCKET}`, query: {}, headers: { host: u.host } }, { expiresIn: 300 });
    const query = { ...(signed.query as Record<string, string>) };
    const today = (query['X-Amz-Date'] as string).slice(0, 8);
    query['X-Amz-Credential'] = (query['X-Amz-Credential'] as string).replace(`/${today}/`, `/${yesterday()}/`);
    const qs = Object.entries(query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    const r = await get(`${u.origin}/${BUCKET}?${qs}`, {});
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<Code>AuthorizationQueryParametersError<\/Code>/);
    assert.match(r.text, /<Message>Invalid credential date\. Date is not the same as X-Amz-Date\.<\/Message>/);
  });

  it('STS keeps its own answer, 403 SignatureDoesNotMatch "Date in Credential scope does not match"', async () => {
    const u = new URL(server.url);
    const signed = await signer('sts').sign({ method: 'GET', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: u.host } });
    const headers = { ...(signed.headers as Record<string, string>) };
    const today = (headers['x-amz-date'] as string).slice(0, 8);
    headers['authorization'] = (headers['authorization'] as string).replace(`/${today}/`, `/${yesterday()}/`);
    const r = await get(`${u.origin}/?Action=GetCallerIdentity&Version=2011-06-15`, headers);
    assert.equal(r.status, 403, r.text);
    assert.match(r.text, /<Code>SignatureDoesNotMatch<\/Code>/);
    assert.match(r.text, /Date in Credential scope does not match YYYYMMDD/);
  });
});
