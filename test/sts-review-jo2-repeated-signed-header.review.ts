/**
 * Review jo, 2: a signed header sent on several lines was verified as Node's `req.headers` reads it, the values joined
 * with `, ` (and of `authorization`, `host`, `content-type`, `user-agent`… only the first kept), where SigV4 joins
 * every value, in order, with `,`: AWS's own SigV4 test suite, case `get-header-key-duplicate` (`My-Header1` sent as
 * value2, value2, value1 signs `my-header1:value2,value2,value1`), the Go SDK's and botocore's canonical headers. A
 * client sending a header twice (Go's `Header.Add`, a proxy adding a hop) was refused SignatureDoesNotMatch by STS, IAM,
 * the admin API and the S3 gateway alike, though the verifier's own contract (`SigV4Request.headers`) says a repeated
 * header is joined with `,`. Now the edges hand it every value of a repeated header; and a second `Authorization`
 * header is no longer dropped unread: two signatures are refused (IncompleteSignature). Raw requests signed with
 * @smithy/signature-v4 and sent with the header on several lines, against a real server. (botocore signs every copy
 * but sends only the last, so it cannot show this; the suite's case is the reference.)
 *
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { sentAsGiven } from './support/raw-answer.ts';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => s?.stop());

/**
 * A request to `url` signed for `service` with the header of the SigV4 test suite's `get-header-key-duplicate` case
 * (`my-header1:value2,value2,value1` in the canonical request), sent on three lines in that order.
 */
async function twiceSigned(url: string, service: string, method: string, path: string, contentType: string | undefined, body: string, extra: readonly (readonly [string, string])[] = []): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  const signer = new SignatureV4({ service, region: REGION, credentials: s.admin, sha256: Sha256 });
  const headers: Record<string, string> = { host: u.host, 'my-header1': 'value2,value2,value1', ...(contentType ? { 'content-type': contentType } : {}) };
  const signed = await signer.sign({ method, protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, query: {}, headers, body });
  const raw: [string, string][] = [];
  for (const [k, v] of Object.entries(signed.headers)) {
    if (k === 'my-header1') raw.push([k, 'value2'], [k, 'value2'], [k, 'value1']);
    else raw.push([k, v]);
  }
  return sentAsGiven(url, method, path, [...raw, ...extra], body);
}

test('jo2: STS and IAM verify a signed header sent on several lines as its values joined with `,`, in order', async () => {
  const sts = await twiceSigned(s.url, 'sts', 'POST', '/', 'application/x-www-form-urlencoded', 'Action=GetCallerIdentity&Version=2011-06-15');
  assert.equal(sts.status, 200, sts.text);
  assert.match(sts.text, /<Arn>arn:aws:iam::000000000000:user\/admin<\/Arn>/);
  const iam = await twiceSigned(s.url, 'iam', 'POST', '/', 'application/x-www-form-urlencoded', 'Action=GetUser&Version=2010-05-08');
  assert.equal(iam.status, 200, iam.text);
});

test('jo2: the admin API and the S3 gateway do too', async () => {
  const whoami = await twiceSigned(s.url, 'gatehouse', 'GET', '/v1/whoami', undefined, '');
  assert.equal(whoami.status, 200, whoami.text);
  const s3Url = s.running.s3Url;
  assert.ok(s3Url, 'the test server runs its S3 gateway');
  const list = await twiceSigned(s3Url, 's3', 'GET', '/', undefined, '');
  assert.equal(list.status, 200, list.text);
  assert.match(list.text, /<ListAllMyBucketsResult/);
});

test('jo2: a repeated signed header still binds its values: one changed is SignatureDoesNotMatch', async () => {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'sts', region: REGION, credentials: s.admin, sha256: Sha256 });
  const body = 'Action=GetCallerIdentity&Version=2011-06-15';
  const signed = await signer.sign({ method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: {}, headers: { host: u.host, 'content-type': 'application/x-www-form-urlencoded', 'x-trace-hop': 'edge-1,edge-2' }, body });
  const raw = Object.entries(signed.headers).flatMap(([k, v]): [string, string][] => (k === 'x-trace-hop' ? [[k, 'edge-1'], [k, 'edge-3']] : [[k, v]]));
  const r = await sentAsGiven(s.url, 'POST', '/', raw, body);
  assert.equal(r.status, 403, r.text);
  assert.match(r.text, /<Code>SignatureDoesNotMatch<\/Code>/);
});

test('jo2: a second Authorization header is not dropped unread: two signatures are refused', async () => {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'sts', region: REGION, credentials: s.admin, sha256: Sha256 });
  const body = 'Action=GetCallerIdentity&Version=2011-06-15';
  const signed = await signer.sign({ method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: {}, headers: { host: u.host, 'content-type': 'application/x-www-form-urlencoded' }, body });
  const raw = Object.entries(signed.headers) as [string, string][];
  const r = await sentAsGiven(s.url, 'POST', '/', [...raw, ['authorization', 'AWS4-HMAC-SHA256 Credential=AKIAOTHER000000000000/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=' + '0'.repeat(64)]], body);
  assert.equal(r.status, 400, r.text);
  assert.match(r.text, /<Code>IncompleteSignature<\/Code>/);
});
