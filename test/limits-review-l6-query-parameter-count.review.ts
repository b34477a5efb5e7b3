/**
 * A Query API request carries at most 4,096 parameters, query and body together (review limits, L6). The body is read
 * into a map before its signature is checked: 1 MiB of `P1=x&P2=x&…` (116,000 parameters; the test sends 100,000) took 140 ms of the event
 * loop per unauthenticated request, so seven a second kept a core busy. Against a real server: such a request, unsigned
 * or with a bogus signature, is refused 400 ValidationError naming the count and the limit, without reading it into a
 * map; a signed GetCallerIdentity with 4,000 extra parameters is still answered, one with 4,097 in all is refused.
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

const withParameters = (head: string[], total: number): string => {
  const parts = [...head];
  for (let i = parts.length; i < total; i++) parts.push(`P${i}=x`);
  return parts.join('&');
};

async function signedQuery(body: string): Promise<{ status: number; text: string }> {
  const u = new URL(server.url);
  const signer = new SignatureV4({ service: 'sts', region: REGION, credentials: server.admin, sha256: Sha256 });
  const signed = await signer.sign({ method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: {}, headers: { host: u.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body });
  const r = await fetch(new URL('/', u), { method: 'POST', headers: signed.headers, body });
  return { status: r.status, text: await r.text() };
}

describe('Query API parameter count (review limits, L6)', () => {
  it('1 MiB of parameters, unauthenticated, is refused naming the count', async () => {
    const body = withParameters(['Action=GetCallerIdentity', 'Version=2011-06-15'], 100_000);
    const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
    const bogus = { 'content-type': 'application/x-www-form-urlencoded', 'x-amz-date': date, authorization: `AWS4-HMAC-SHA256 Credential=AKIA0000000000000009/${date.slice(0, 8)}/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}` };
    for (const headers of [{ 'content-type': 'application/x-www-form-urlencoded' }, bogus]) {
      const r = await fetch(new URL('/', server.url), { method: 'POST', headers, body });
      assert.equal(r.status, 400);
      assert.match(await r.text(), /<Code>ValidationError<\/Code><Message>the request carries 100000 parameters; the limit is 4096: split it into several calls<\/Message>/);
    }
  });

  it('parameters in the URL count too', async () => {
    const r = await fetch(new URL(`/?${withParameters(['Action=GetCallerIdentity'], 1000)}`, server.url), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: withParameters(['Version=2011-06-15'], 3100) });
    assert.equal(r.status, 400);
    assert.match(await r.text(), /the request carries 4100 parameters; the limit is 4096/);
  });

  it('a signed call with 4,096 parameters is answered; 4,097 is refused', async () => {
    const head = ['Action=GetCallerIdentity', 'Version=2011-06-15'];
    const fine = await signedQuery(withParameters(head, 4096));
    assert.equal(fine.status, 200, fine.text);
    assert.match(fine.text, /<Arn>arn:aws:iam::000000000000:user\/admin<\/Arn>/);
    const over = await signedQuery(withParameters(head, 4097));
    assert.equal(over.status, 400);
    assert.match(over.text, /the request carries 4097 parameters; the limit is 4096/);
  });
});
