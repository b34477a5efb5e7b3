/**
 * The IAM and STS Query APIs read a request's body as sent, whatever its `Content-Encoding` (review hg, 1). A signed
 * GetCallerIdentity whose body was gzipped (`Content-Encoding: gzip`) was answered 400 MissingParameter "The request
 * must contain the parameter Action." (the compressed bytes read as form parameters), and `Content-Encoding: gzip` in
 * front of a plain body was answered 200 as if the header were absent. The admin API refuses both (review cm, 2).
 * Now the Query APIs do too, before reading the body: 415 UnsupportedMediaType naming the coding, in the Query API's
 * XML error; `identity` (or no coding) is read as before.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.stop();
});

const CALL = 'Action=GetCallerIdentity&Version=2011-06-15';

async function signedQuery(body: string | Buffer, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const u = new URL(server.url);
  const signer = new SignatureV4({ service: 'sts', region: REGION, credentials: server.admin, sha256: Sha256 });
  const signed = await signer.sign({ method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: {}, headers: { host: u.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...headers }, body });
  const r = await fetch(new URL('/', u), { method: 'POST', headers: signed.headers, body });
  return { status: r.status, text: await r.text() };
}

describe('Query API Content-Encoding (review hg, 1)', () => {
  it('a gzipped body is refused 415 naming the coding, not read as parameters', async () => {
    const r = await signedQuery(gzipSync(CALL), { 'content-encoding': 'gzip' });
    assert.equal(r.status, 415, r.text);
    assert.match(r.text, /<Code>UnsupportedMediaType<\/Code><Message>Content-Encoding `gzip` is not supported: send the body uncompressed \(Content-Encoding identity, or none\)<\/Message>/);
  });

  it('a coding in front of a plain body is refused, not ignored', async () => {
    for (const coding of ['gzip', 'identity, br']) {
      const r = await signedQuery(CALL, { 'content-encoding': coding });
      assert.equal(r.status, 415, r.text);
      assert.match(r.text, new RegExp(`Content-Encoding \`${coding === 'gzip' ? 'gzip' : 'br'}\` is not supported`));
    }
  });

  it('identity, or no coding, is read as before', async () => {
    for (const headers of [{}, { 'content-encoding': 'identity' }]) {
      const r = await signedQuery(CALL, headers);
      assert.equal(r.status, 200, r.text);
      assert.match(r.text, /<Arn>arn:aws:iam::000000000000:user\/admin<\/Arn>/);
    }
  });
});
