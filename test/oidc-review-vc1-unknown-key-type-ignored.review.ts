/**
 * Review vc, 1: a provider's JWKS holding one key of a type Gatehouse does not know was refused whole, so the issuer's
 * other keys never verified anything.
 * Before the fix 2 of 2 tests failed.
 *
 * RFC 7517 §5: "Implementations SHOULD ignore JWKs within a JWK Set that use "kty" (key type) values that are not
 * understood by them". An issuer that adds a key of a newer type beside its signing keys (an `AKP` ML-DSA key, as
 * post-quantum roll-outs publish them, or any future type) had CreateOpenIDConnectProvider answered InvalidInput
 * ("keys[0]: `kty` must be RSA, EC or OKP"), and a provider registered before the issuer added it read the set again
 * at the end of its lifetime, refused it, and from then on answered every token IDPCommunicationError, though the key
 * that signs them is published as before. Now such a key is left out of the set kept, as a key for encryption is;
 * private material is still refused whatever the key's type, and a set left with no signature key still is.
 * A real server, the real `@aws-sdk/client-iam` and `client-sts` (unsigned), an issuer on loopback.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { REGION, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

/** A post-quantum public key as draft-ietf-cose-dilithium writes it: a type this server does not know. */
const AKP_KEY = { kty: 'AKP', alg: 'ML-DSA-44', kid: 'pq-1', use: 'sig', pub: 'a'.repeat(1752) };

let server: TestServer;
let issuer: Server;
let url = '';
let signer: CryptoKey;
let published: JWK[] = [];

async function mint(): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(url).setSubject('repo:ml/train').setAudience('sts.amazonaws.com').setIssuedAt(now).setExpirationTime(now + 600).sign(signer);
}

before(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  signer = pair.privateKey;
  published = [AKP_KEY, { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }];
  issuer = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: url, jwks_uri: `${url}/keys` }));
    if (req.url === '/keys') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => issuer.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(issuer.address() as AddressInfo).port}`;
  server = await startTestServer();
});

after(async () => {
  issuer?.closeAllConnections();
  await new Promise<void>((r) => (issuer ? issuer.close(() => r()) : r()));
  await server?.stop();
});

test('vc1: an issuer publishing a key of an unknown type beside its signing key is registered, and its tokens open sessions', async () => {
  const iam = server.iam();
  const arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn;
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity' }] };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'vc1', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
  try {
    const r = await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${server.adminFile.AccountId}:role/vc1`, RoleSessionName: 'vc1', WebIdentityToken: await mint() }));
    assert.equal(r.SubjectFromWebIdentityToken, 'repo:ml/train');
  } finally {
    sts.destroy();
  }
});

test('vc1: inline keys with a key of an unknown type are taken; private material of any type, or no signature key left, is still refused', async () => {
  /** CreateOpenIDConnectProvider of `https://<host>` with `keys` inline (Gatehouse's `JwksJson`, added to the SDK's body before it signs). */
  const inline = (keys: unknown[], host: string) => {
    const iam = server.iam();
    const jwks = JSON.stringify({ keys });
    iam.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body?: unknown; headers: Record<string, string> };
        if (typeof request.body === 'string') {
          request.body += `&JwksJson=${encodeURIComponent(jwks)}`;
          request.headers['content-length'] = String(Buffer.byteLength(request.body));
        }
        return next(args);
      },
      { step: 'build', name: 'vc1InlineJwks' },
    );
    return sdkFailure(iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: `https://${host}`, ClientIDList: ['sts.amazonaws.com'] })));
  };
  assert.equal((await inline([AKP_KEY, published[1]], 'vc1-mixed.example.com')).code, 'no error');
  const secret = await inline([{ ...AKP_KEY, priv: 'AAAA' }, published[1]], 'vc1-secret.example.com');
  assert.equal(secret.code, 'InvalidInput');
  assert.match(secret.message, /private key material \(`priv`\)/);
  const none = await inline([AKP_KEY], 'vc1-none.example.com');
  assert.equal(none.code, 'InvalidInput');
  assert.match(none.message, /no signature key/);
});
