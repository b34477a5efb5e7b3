/**
 * Review vi, 4: a Query API request without `Action` but with STS's `Version=2011-06-15` (or, with no Version, signed
 * for the `sts` service) is STS's, as every other early refusal of the endpoint reads it (`earlyAnswer`): yet its
 * MissingParameter was answered in IAM's XML namespace (`https://iam.amazonaws.com/doc/2010-05-08/`), never in JSON
 * though it asked for it, where AWS's STS answers its errors in its own (../shared/reference/credential-protocols.md
 * §5.4). A client parsing STS's error by its namespace (botocore's and the SDKs' Query parsers read the envelope; a
 * strict verifier checks the namespace) got another API's answer. Now it is answered in STS's namespace (JSON when
 * `Accept: application/json`); IAM's version keeps IAM's.
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

describe("review vi4: a Query request with STS's Version and no Action is answered in STS's namespace", () => {
  let s: TestServer;
  let key: Credentials;
  before(async () => {
    s = await startTestServer();
    key = await userWithKey(s, 'vi4');
  });
  after(async () => s?.stop());

  const post = async (body: string, headers: Record<string, string> = {}) => {
    const r = await fetch(s.url, { method: 'POST', headers: { 'content-type': FORM, ...headers }, body });
    return { status: r.status, text: await r.text() };
  };
  const signedPost = async (service: 'sts' | 'iam', body: string) => {
    const u = new URL(s.url);
    const signer = new SignatureV4({ service, region: 'us-east-1', credentials: key, sha256: Sha256 });
    const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: '/', query: {}, headers: { host: u.host, 'content-type': FORM }, body });
    const r = await fetch(s.url, { method: 'POST', headers: signed.headers, body });
    return { status: r.status, text: await r.text() };
  };

  it('Version=2011-06-15, unsigned and signed for sts: STS XML; with Accept: application/json, JSON', async () => {
    for (const r of [await post('Version=2011-06-15'), await signedPost('sts', 'Version=2011-06-15'), await signedPost('sts', '')]) {
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, /<Code>MissingParameter<\/Code>/, r.text);
      assert.ok(r.text.includes(STS_NS), r.text);
    }
    const json = await post('Version=2011-06-15', { accept: 'application/json' });
    assert.equal(json.status, 400, json.text);
    assert.equal((JSON.parse(json.text) as { Error?: { Code?: string } }).Error?.Code, 'MissingParameter', json.text);
  });

  it("IAM's version keeps IAM's namespace", async () => {
    for (const r of [await post('Version=2010-05-08'), await signedPost('iam', 'Version=2010-05-08')]) {
      assert.equal(r.status, 400, r.text);
      assert.ok(r.text.includes(IAM_NS), r.text);
    }
  });
});
