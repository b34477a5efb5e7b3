/**
 * Review cm, 3. A method a `/v1/` path does not take was answered 405 without an `Allow` header, which RFC 9110
 * §15.5.6 requires of a 405 ("MUST generate an Allow header field"): `GET /v1/authorize` (a resource server probing
 * the route, a health check pointed at it), `HEAD` and `PUT` said in the body alone that POST is the method, and a
 * client or proxy reading the header (as the console's own 405 and the Kubernetes webhooks' carry it) found nothing.
 *
 * Now every 405 of the admin API carries `Allow` with the methods of the routes that match the path, each once.
 * Real server (SQLite), SigV4-signed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

async function send(method: string, path: string): Promise<Response> {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: s.admin, sha256: Sha256 });
  const signed = await signer.sign({ method, protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host }, body: '' });
  return fetch(new URL(path, u), { method, headers: signed.headers });
}

test('a 405 of the authorize API says Allow: POST', async () => {
  for (const [method, path] of [['GET', '/v1/authorize'], ['HEAD', '/v1/authorize'], ['PUT', '/v1/authorize'], ['GET', '/v1/authorize:batch'], ['DELETE', '/v1/simulate']] as const) {
    const r = await send(method, path);
    assert.equal(r.status, 405, `${method} ${path}`);
    assert.equal(r.headers.get('allow'), 'POST', `${method} ${path}`);
    await r.arrayBuffer();
  }
});

test('a path several methods serve lists each once', async () => {
  const r = await send('PATCH', '/v1/users');
  assert.equal(r.status, 405);
  assert.deepEqual(r.headers.get('allow')?.split(', ').sort(), ['GET', 'HEAD', 'POST']); // HEAD where GET is (review cl, 4)
  const body = (await r.json()) as { error?: { code?: string } };
  assert.equal(body.error?.code, 'MethodNotAllowed');
});
