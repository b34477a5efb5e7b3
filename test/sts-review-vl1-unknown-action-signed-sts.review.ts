/**
 * Review vl, 1: a Query API request with no `Version` and an `Action` neither API knows, SigV4-signed for the `sts`
 * service, is STS's request (the signature's scope names the API, as it does for a request with no `Action`, review
 * vi, 4, and for the edge's early refusals, review ot, 2). Its `InvalidAction` was answered in IAM's XML namespace
 * (`https://iam.amazonaws.com/doc/2010-05-08/`), never in JSON though it asked for it, where STS answers its errors in
 * its own (../shared/reference/credential-protocols.md §5.4). Now it is answered in STS's namespace (JSON when
 * `Accept: application/json`); signed for `iam`, or unsigned, it keeps IAM's; a known IAM action keeps IAM's.
 *
 * Real in-process server; requests signed by the SDK's own SignatureV4, or unsigned.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const STS_NS = 'xmlns="https://sts.amazonaws.com/doc/2011-06-15/"';
const IAM_NS = 'xmlns="https://iam.amazonaws.com/doc/2010-05-08/"';
const FORM = 'application/x-www-form-urlencoded; charset=utf-8';

describe('review vl1: an unknown Action with no Version, signed for sts, is refused in STS shape', () => {
  let s: TestServer;
  let key: Credentials;
  before(async () => {
    s = await startTestServer();
    key = await userWithKey(s, 'vl1');
  });
  after(async () => s?.stop());

  const signedPost = async (service: 'sts' | 'iam', body: string, headers: Record<string, string> = {}) => {
    const u = new URL(s.url);
    const signer = new SignatureV4({ service, region: 'us-east-1', credentials: key, sha256: Sha256 });
    const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: '/', query: {}, headers: { host: u.host, 'content-type': FORM, ...headers }, body });
    const r = await fetch(s.url, { method: 'POST', headers: signed.headers, body });
    return { status: r.status, text: await r.text() };
  };

  it('signed for sts: InvalidAction in STS XML, and JSON when asked', async () => {
    const r = await signedPost('sts', 'Action=GetWebIdentityTokenX');
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<Code>InvalidAction<\/Code>/, r.text);
    assert.ok(r.text.includes(STS_NS), r.text);
    const json = await signedPost('sts', 'Action=GetWebIdentityTokenX', { accept: 'application/json' });
    assert.equal(json.status, 400, json.text);
    assert.equal((JSON.parse(json.text) as { Error?: { Code?: string } }).Error?.Code, 'InvalidAction', json.text);
  });

  it('signed for iam, or an IAM action signed for sts: IAM XML', async () => {
    const r = await signedPost('iam', 'Action=GetWebIdentityTokenX');
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<Code>InvalidAction<\/Code>/, r.text);
    assert.ok(r.text.includes(IAM_NS), r.text);
    const listUsers = await signedPost('sts', 'Action=ListUsers');
    assert.ok(listUsers.text.includes(IAM_NS), listUsers.text);
    const unsigned = await fetch(s.url, { method: 'POST', headers: { 'content-type': FORM }, body: 'Action=GetWebIdentityTokenX' });
    assert.ok((await unsigned.text()).includes(IAM_NS));
  });
});
