/**
 * The IAM and STS Query APIs read parameters that are not UTF-8 as U+FFFD (review hg, 3). A policy whose condition
 * value was escaped as Latin-1 (`caf%E9` for "café") was refused "character U+FFFD is not allowed in a policy
 * document", a character the client never sent (é itself is allowed); bytes of the body that are not UTF-8 were read
 * the same way, and `Content-Type: …; charset=iso-8859-1` was read as UTF-8 all the same. The admin API refuses such
 * bodies (review cm, 2). Now the Query APIs do too: a parameter whose escapes are not UTF-8 is refused 400
 * ValidationError naming the parameter and how to escape it, a body that is not UTF-8 400, another charset 415; the
 * same text escaped as UTF-8 (`caf%C3%A9`) is taken.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
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

async function signedQuery(body: string | Buffer, contentType = 'application/x-www-form-urlencoded; charset=utf-8'): Promise<{ status: number; text: string }> {
  const u = new URL(server.url);
  const signer = new SignatureV4({ service: 'iam', region: REGION, credentials: server.admin, sha256: Sha256 });
  const signed = await signer.sign({ method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: {}, headers: { host: u.host, 'content-type': contentType }, body });
  const r = await fetch(new URL('/', u), { method: 'POST', headers: signed.headers, body });
  return { status: r.status, text: await r.text() };
}

/** A CreatePolicy whose condition value is `escaped` as sent. */
const createPolicy = (name: string, escaped: string): string => {
  const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'VALUE' } } }] };
  return `Action=CreatePolicy&Version=2010-05-08&PolicyName=${name}&PolicyDocument=${encodeURIComponent(JSON.stringify(doc)).replace('VALUE', escaped)}`;
};

describe('Query API parameters that are not UTF-8 (review hg, 3)', () => {
  it('an escape that is not UTF-8 is refused naming the parameter, not read as U+FFFD', async () => {
    const r = await signedQuery(createPolicy('latin1', 'caf%E9'));
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<Code>ValidationError<\/Code><Message>parameter `PolicyDocument` is not UTF-8 once its percent-escapes are decoded: escape the UTF-8 bytes of each character \(é is %C3%A9, not %E9\)<\/Message>/);
    assert.doesNotMatch(r.text, /U\+FFFD/);
  });

  it('the same text escaped as UTF-8 is taken', async () => {
    const r = await signedQuery(createPolicy('utf8', 'caf%C3%A9'));
    assert.equal(r.status, 200, r.text);
  });

  it('body bytes that are not UTF-8 are refused', async () => {
    const body = Buffer.concat([Buffer.from('Action=TagUser&Version=2010-05-08&UserName=admin&Tags.member.1.Key=k&Tags.member.1.Value=caf'), Buffer.from([0xe9])]);
    const r = await signedQuery(body);
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<Message>the request body is not valid UTF-8: send the form parameters encoded in UTF-8<\/Message>/);
  });

  it('a charset other than UTF-8 is refused 415, not read as UTF-8', async () => {
    const r = await signedQuery('Action=GetUser&Version=2010-05-08', 'application/x-www-form-urlencoded; charset=iso-8859-1');
    assert.equal(r.status, 415, r.text);
    assert.match(r.text, /<Code>UnsupportedMediaType<\/Code><Message>charset `iso-8859-1` is not supported: send the form parameters in UTF-8/);
    const plain = await signedQuery('Action=GetUser&Version=2010-05-08', 'application/x-www-form-urlencoded');
    assert.equal(plain.status, 200, plain.text);
  });
});
