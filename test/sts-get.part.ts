/**
 * The Query API over GET, as AWS serves it: a presigned `GET /?Action=GetCallerIdentity…` (what
 * aws-iam-authenticator and other identity verifiers forward to STS) answers STS XML, signed by the SDK's
 * SignatureV4 presigner, with the `x-k8s-aws-id` header signed as the authenticator signs it; failures are STS
 * XML errors too, never the JSON 404 of an unknown route. (A forwarded call that asks `Accept: application/json`, as
 * aws-iam-authenticator's does, is answered STS's JSON: test/sts-review-gj1-accept-json.review.ts.)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});

after(async () => {
  await server.stop();
});

/** A presigned GET URL for `query` on the server, scoped to `service`; `headers` are signed along with host. */
async function presignedGet(credentials: Credentials, query: Record<string, string>, headers: Record<string, string> = {}, service = 'sts'): Promise<string> {
  const u = new URL(server.url);
  const signer = new SignatureV4({ service, region: REGION, credentials, sha256: Sha256 });
  const p = await signer.presign({ method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query, headers: { host: u.host, ...headers } }, { expiresIn: 60 });
  return `${server.url}/?${new URLSearchParams(p.query as Record<string, string>).toString()}`;
}

const GET_CALLER_IDENTITY = { Action: 'GetCallerIdentity', Version: '2011-06-15' };
const STS_XMLNS = 'xmlns="https://sts.amazonaws.com/doc/2011-06-15/"';

describe('GET / with an Action: the Query API', () => {
  test('a presigned GetCallerIdentity fetched with GET answers the caller, in STS XML', async () => {
    const url = await presignedGet(server.admin, GET_CALLER_IDENTITY, { 'x-k8s-aws-id': 'gpu-a' });
    const r = await fetch(url, { headers: { 'x-k8s-aws-id': 'gpu-a' } });
    const body = await r.text();
    assert.equal(r.status, 200, body);
    assert.match(r.headers.get('content-type') ?? '', /xml/);
    assert.ok(body.includes(`<GetCallerIdentityResponse ${STS_XMLNS}>`), body);
    assert.match(body, /<Arn>arn:aws:iam::000000000000:user\/admin<\/Arn>/);
    assert.match(body, /<Account>000000000000<\/Account>/);
  });

  test('a tampered or unsigned GET is refused with an STS XML error, not a JSON 404', async () => {
    const url = new URL(await presignedGet(server.admin, GET_CALLER_IDENTITY));
    url.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    for (const [what, target] of [
      ['tampered signature', url.toString()],
      ['no signature at all', `${server.url}/?Action=GetCallerIdentity&Version=2011-06-15`],
    ] as const) {
      const r = await fetch(target);
      const body = await r.text();
      assert.equal(r.status, 403, `${what}: ${body}`);
      assert.match(r.headers.get('content-type') ?? '', /xml/, what);
      assert.ok(body.includes(`<ErrorResponse ${STS_XMLNS}>`), `${what}: ${body}`);
      assert.match(body, /<Code>(SignatureDoesNotMatch|MissingAuthenticationToken|IncompleteSignature)<\/Code>/, what);
    }
  });

  test('an unknown action over GET answers InvalidAction in XML', async () => {
    const r = await fetch(await presignedGet(server.admin, { Action: 'NoSuchThing', Version: '2011-06-15' }));
    const body = await r.text();
    assert.equal(r.status, 400, body);
    assert.match(body, /<Code>InvalidAction<\/Code>/);
  });

  test('GET / without an Action is not the Query API', async () => {
    const r = await fetch(`${server.url}/?foo=bar`);
    assert.equal(r.status, 404);
    assert.match(r.headers.get('content-type') ?? '', /json/);
  });
});
