/**
 * Review it, 2: CreateOpenIDConnectProvider answered `InvalidInput` when the identity provider could not be read (no
 * answer at its discovery URL, a discovery document naming another issuer, a JWKS that does not answer), where IAM
 * answers `OpenIdIdpCommunicationError` (400, "The request failed because IAM cannot connect to the OpenID Connect
 * identity provider URL": the IAM API model's only exception for it, `OpenIdIdpCommunicationErrorException` in SDK v3
 * and botocore). A caller that tells a provider it could not reach (retry once the IdP answers, or give the keys
 * inline) from input it got wrong (fix the request) by the modeled exception, as Terraform-style tools and the SDKs'
 * typed errors do, took an IdP outage for a bad request. Now a provider whose documents could not be read is
 * `OpenIdIdpCommunicationError`, with the same words naming what could not be read; a JWKS read but refused (private key
 * material, no signature key) and a bad inline `JwksJson` (Gatehouse's own parameter) stay `InvalidInput`; nothing is created either way.
 * Before the fix 2 of 3 tests failed. A real server, the real `@aws-sdk/client-iam`, issuers on loopback.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as I from '@aws-sdk/client-iam';
import { startOidcIssuer } from './support/oidc-issuer.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let iam: I.IAMClient;
/** An issuer on loopback whose discovery document names `issuer` (its own URL unless told) and whose JWKS is `jwks`. */
let odd: Server;
let oddUrl = '';
let oddDoc: (url: string) => unknown = (url) => ({ issuer: url, jwks_uri: `${url}/keys` });
let oddKeys: unknown = { keys: [] };

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  odd = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(oddDoc(oddUrl)));
    if (req.url === '/keys') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(oddKeys));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => odd.listen(0, '127.0.0.1', r));
  oddUrl = `http://127.0.0.1:${(odd.address() as AddressInfo).port}`;
});

after(async () => {
  odd?.closeAllConnections();
  await new Promise<void>((r) => (odd ? odd.close(() => r()) : r()));
  await server?.stop();
});

async function failure(p: Promise<unknown>): Promise<{ name: string; code: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    const x = e as { name: string; Code?: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: x.name, code: x.Code ?? x.name, status: x.$metadata?.httpStatusCode, message: x.message };
  }
  assert.fail('the call succeeded');
}

const providers = async () => (await iam.send(new I.ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? [];

test('it2: an issuer that does not answer is OpenIdIdpCommunicationError, and nothing is created', async () => {
  const gone = await startOidcIssuer();
  const url = gone.url;
  await gone.close();
  const e = await failure(iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: ['sts.amazonaws.com'] })));
  assert.deepEqual([e.name, e.code, e.status], ['OpenIdIdpCommunicationErrorException', 'OpenIdIdpCommunicationError', 400]);
  assert.match(e.message, /\.well-known\/openid-configuration/);
  assert.deepEqual(await providers(), []);
});

test('it2: a discovery document naming another issuer, or a JWKS that does not answer, is OpenIdIdpCommunicationError too', async () => {
  oddDoc = (url) => ({ issuer: `${url}/elsewhere`, jwks_uri: `${url}/keys` });
  const other = await failure(iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: oddUrl, ClientIDList: ['a'] })));
  assert.deepEqual([other.code, other.status], ['OpenIdIdpCommunicationError', 400]);
  oddDoc = (url) => ({ issuer: url, jwks_uri: `${url}/no-keys-here` });
  const noJwks = await failure(iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: oddUrl, ClientIDList: ['a'] })));
  assert.deepEqual([noJwks.code, noJwks.status], ['OpenIdIdpCommunicationError', 400]);
  assert.match(noJwks.message, /no-keys-here/);
  assert.deepEqual(await providers(), []);
});

test('it2: keys read but refused are still InvalidInput', async () => {
  oddDoc = (url) => ({ issuer: url, jwks_uri: `${url}/keys` });
  oddKeys = { keys: [{ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', d: 'AA' }] };
  const refused = await failure(iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: oddUrl, ClientIDList: ['a'] })));
  assert.deepEqual([refused.code, refused.status], ['InvalidInput', 400]);
  assert.match(refused.message, /private key material/);
  assert.deepEqual(await providers(), []);
});
