/**
 * Review vl, 2: a Query API request whose `Version` is neither IAM's (2010-05-08) nor STS's (2011-06-15) was read as
 * IAM's: an IAM action ran (`Action=ListUsers&Version=2099-01-01` listed the users, 200), while an STS action signed for
 * `sts` with a mistyped version (`Version=2011-06-16`) was refused in IAM's XML namespace. AWS answers an operation
 * its API does not have at that version `InvalidAction` ("Could not find operation … for version …", as this server
 * already answers a request with STS's version and an IAM action), in the namespace of the API the request was made to
 * (credential-protocols.md §5.4). Now an unknown version runs nothing: `InvalidAction` naming the action and the
 * version, in STS's namespace when the action is STS's or the signature is scoped to `sts`, IAM's otherwise.
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

describe('review vl2: a Query request with a Version neither API has runs nothing', () => {
  let s: TestServer;
  let key: Credentials;
  before(async () => {
    s = await startTestServer();
    key = await userWithKey(s, 'vl2');
  });
  after(async () => s?.stop());

  const signedPost = async (service: 'sts' | 'iam', body: string, credentials: Credentials = key) => {
    const u = new URL(s.url);
    const signer = new SignatureV4({ service, region: 'us-east-1', credentials, sha256: Sha256 });
    const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: '/', query: {}, headers: { host: u.host, 'content-type': FORM }, body });
    const r = await fetch(s.url, { method: 'POST', headers: signed.headers, body });
    return { status: r.status, text: await r.text() };
  };

  it('an IAM action with an unknown version is InvalidAction in IAM XML, not run', async () => {
    const r = await signedPost('iam', 'Action=ListUsers&Version=2099-01-01', s.admin);
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<Code>InvalidAction<\/Code>/, r.text);
    assert.match(r.text, /Could not find operation ListUsers for version 2099-01-01/, r.text);
    assert.ok(r.text.includes(IAM_NS), r.text);
    assert.doesNotMatch(r.text, /ListUsersResult/, r.text);
  });

  it('an STS action, or one neither API has signed for sts, with an unknown version: InvalidAction in STS XML', async () => {
    for (const body of ['Action=GetCallerIdentity&Version=2011-06-16', 'Action=GetWebIdentityTokenX&Version=2011-06-16']) {
      const r = await signedPost('sts', body);
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, /<Code>InvalidAction<\/Code>/, r.text);
      assert.match(r.text, /for version 2011-06-16/, r.text);
      assert.ok(r.text.includes(STS_NS), `${body}: ${r.text}`);
    }
  });

  it('the two versions still serve their APIs', async () => {
    const sts = await signedPost('sts', 'Action=GetCallerIdentity&Version=2011-06-15');
    assert.equal(sts.status, 200, sts.text);
    const iam = await signedPost('iam', 'Action=ListUsers&Version=2010-05-08', s.admin);
    assert.equal(iam.status, 200, iam.text);
  });
});
