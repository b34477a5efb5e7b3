/**
 * Review O, finding 6 (the service half): the Query API serves IAM and STS on one endpoint, but a signature is
 * scoped to one service, as on AWS: an STS action signed for `iam`, or an IAM action signed for `sts`, is refused
 * with 403 SignatureDoesNotMatch "Credential should be scoped to correct service: 'sts'." (or 'iam'). The region of
 * the scope is left unchecked. Signed by the SDK's signer (`@smithy/signature-v4`), header and presigned forms.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});

after(async () => {
  await server.stop();
});

/** POST `params` signed for `service` in `region` (header form); the answer's status, code and message. */
async function call(params: Record<string, string>, service: string, region = REGION): Promise<{ status: number; code: string | undefined; message: string | undefined; body: string }> {
  const u = new URL(server.url);
  const body = new URLSearchParams(params).toString();
  const signer = new SignatureV4({ service, region, credentials: server.admin, sha256: Sha256 });
  const signed = await signer.sign({ method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: {}, headers: { host: u.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body });
  const r = await fetch(new URL('/', u), { method: 'POST', headers: signed.headers as Record<string, string>, body });
  return answer(r);
}

async function answer(r: Response) {
  const text = await r.text();
  return { status: r.status, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1], message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1]?.replaceAll('&apos;', "'"), body: text };
}

const GCI = { Action: 'GetCallerIdentity', Version: '2011-06-15' };
const LIST_USERS = { Action: 'ListUsers', Version: '2010-05-08' };

describe('the Query API checks the service of the credential scope', () => {
  test('an STS action signed for iam: SignatureDoesNotMatch, scoped to sts', async () => {
    const r = await call(GCI, 'iam');
    assert.equal(r.status, 403, r.body);
    assert.equal(r.code, 'SignatureDoesNotMatch', r.body);
    assert.equal(r.message, "Credential should be scoped to correct service: 'sts'.");
  });

  test('an IAM action signed for sts: SignatureDoesNotMatch, scoped to iam', async () => {
    const r = await call(LIST_USERS, 'sts');
    assert.equal(r.status, 403, r.body);
    assert.equal(r.code, 'SignatureDoesNotMatch', r.body);
    assert.equal(r.message, "Credential should be scoped to correct service: 'iam'.");
  });

  test('presigned: a GetCallerIdentity URL signed for iam is refused too', async () => {
    const u = new URL(server.url);
    const signer = new SignatureV4({ service: 'iam', region: REGION, credentials: server.admin, sha256: Sha256 });
    const p = await signer.presign({ method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: GCI, headers: { host: u.host } }, { expiresIn: 60 });
    const r = await answer(await fetch(`${server.url}/?${new URLSearchParams(p.query as Record<string, string>).toString()}`));
    assert.equal(r.status, 403, r.body);
    assert.equal(r.message, "Credential should be scoped to correct service: 'sts'.");
  });

  test('s3 and gatehouse scopes stay refused; each API signed for itself works, in any region', async () => {
    for (const service of ['s3', 'gatehouse']) assert.equal((await call(GCI, service)).code, 'SignatureDoesNotMatch', service);
    assert.equal((await call(GCI, 'sts')).status, 200);
    assert.equal((await call(LIST_USERS, 'iam')).status, 200);
    assert.equal((await call(GCI, 'sts', 'xx-nowhere-9')).status, 200, 'the region is not checked');
  });
});
