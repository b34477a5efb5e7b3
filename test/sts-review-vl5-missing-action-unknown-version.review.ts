/**
 * Review vl, 5: a Query API request without `Action`, with a `Version` neither IAM nor STS has, signed for `sts`, was
 * refused (MissingParameter) in IAM's XML namespace: review vi, 4 read such a request as STS's only with no `Version` at
 * all, and review vl, 2 reads a request with an action and an unknown version by its signature's scope. Now the same
 * rule holds without an action: the signature's scope names the API, so it is answered in STS's namespace; IAM's
 * version, or a signature for `iam`, keeps IAM's.
 *
 * Real in-process server; requests signed by the SDK's own SignatureV4.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const STS_NS = 'xmlns="https://sts.amazonaws.com/doc/2011-06-15/"';
const IAM_NS = 'xmlns="https://iam.amazonaws.com/doc/2010-05-08/"';
const FORM = 'application/x-www-form-urlencoded; charset=utf-8';

describe('review vl5: no Action and an unknown Version, signed for sts, is refused in STS shape', () => {
  let s: TestServer;
  let key: Credentials;
  before(async () => {
    s = await startTestServer();
    key = await userWithKey(s, 'vl5');
  });
  after(async () => s?.stop());

  const signedPost = async (service: 'sts' | 'iam', body: string) => {
    const u = new URL(s.url);
    const signer = new SignatureV4({ service, region: 'us-east-1', credentials: key, sha256: Sha256 });
    const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: '/', query: {}, headers: { host: u.host, 'content-type': FORM }, body });
    const r = await fetch(s.url, { method: 'POST', headers: signed.headers, body });
    return { status: r.status, text: await r.text() };
  };

  it('signed for sts: MissingParameter in STS XML', async () => {
    const r = await signedPost('sts', 'Version=2011-06-16');
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<Code>MissingParameter<\/Code>/, r.text);
    assert.ok(r.text.includes(STS_NS), r.text);
  });

  it("signed for iam, or IAM's version signed for sts: IAM XML", async () => {
    for (const r of [await signedPost('iam', 'Version=2011-06-16'), await signedPost('sts', 'Version=2010-05-08')]) {
      assert.equal(r.status, 400, r.text);
      assert.ok(r.text.includes(IAM_NS), r.text);
    }
  });
});
