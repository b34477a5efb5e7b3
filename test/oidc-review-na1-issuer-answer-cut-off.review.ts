/**
 * Review na, 1: an issuer whose discovery document or JWKS answer breaks off after its headers made CreateOpenIDConnectProvider answer 500 InternalFailure.
 * Before the fix 2 of 2 tests failed.
 *
 * The adapter read the body outside any error handling: a connection closed mid-body ("terminated"), or an answer still
 * trickling when the 5 s limit ran out, threw past `fetchJwks`, so the call answered 500 InternalFailure (which the SDKs
 * retry, asking the issuer three times), logged an internal error with a stack trace, and the refusal went unrecorded in
 * the audit log, where every refusal after the permission is recorded (review kh, 2). Such an issuer is one whose
 * documents could not be read: OpenIdIdpCommunicationError (400, review it, 2), in the one message that tells nothing of
 * why, and a change record of the refusal. A real server, the real `@aws-sdk/client-iam`, an issuer on loopback whose
 * answers stop half-way.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as I from '@aws-sdk/client-iam';
import { auditRecords, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let issuer: Server;
let base = '';

/** Answers 200 with a Content-Length its body never reaches, then closes the connection: `/cut/…` for discovery, `/keys-cut/…` for the JWKS. */
function cutOff(res: import('node:http').ServerResponse, body: string): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body) + 64) });
  res.write(body.slice(0, Math.floor(body.length / 2)));
  setTimeout(() => res.destroy(), 20);
}

before(async () => {
  issuer = createServer((req, res) => {
    const path = req.url ?? '/';
    // Two issuers on one listener: `<base>/cut` breaks off its discovery document, `<base>/keys-cut` its JWKS.
    if (path === '/cut/.well-known/openid-configuration') return cutOff(res, JSON.stringify({ issuer: `${base}/cut`, jwks_uri: `${base}/cut/keys` }));
    if (path === '/keys-cut/.well-known/openid-configuration') {
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: `${base}/keys-cut`, jwks_uri: `${base}/keys-cut/keys` }));
    }
    if (path === '/keys-cut/keys') return cutOff(res, JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'k1' }] }));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => issuer.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(issuer.address() as AddressInfo).port}`;
  server = await startTestServer();
});

after(async () => {
  issuer?.closeAllConnections();
  await new Promise<void>((r) => (issuer ? issuer.close(() => r()) : r()));
  await server?.stop();
});

const refusals = async (url: string) =>
  (await auditRecords(server, { action: 'iam:CreateOpenIDConnectProvider' })).filter((r) => r.decision !== 'ok' && JSON.stringify(r.detail).includes(url));

for (const [what, path] of [['discovery document', '/cut'], ['JWKS', '/keys-cut']] as const) {
  test(`na1: an issuer whose ${what} breaks off half-way is OpenIdIdpCommunicationError, recorded`, async () => {
    const url = `${base}${path}`;
    const f = await sdkFailure(server.iam().send(new I.CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: ['sts.amazonaws.com'] })));
    assert.deepEqual([f.code, f.status], ['OpenIdIdpCommunicationError', 400], f.message);
    assert.match(f.message, /could be read/);
    assert.doesNotMatch(f.message, /terminated|socket|abort/i);
    assert.ok(!server.logs.some((l) => l.startsWith('internal error')), 'no internal error logged');
    const deadline = Date.now() + 20_000;
    while ((await refusals(url)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const [record] = await refusals(url);
    assert.equal(record?.decision, 'OPENID_IDP_COMMUNICATION_ERROR');
  });
}
