/**
 * Review of oidc, finding 6: a token without `kid` was refused as "malformed or unsupported
 * (ERR_JWKS_MULTIPLE_MATCHING_KEYS)" when the provider publishes two keys of its type (issuers that omit `kid` during a
 * rotation). Each fitting key is tried now. A real server (startTestServer, 127.0.0.1), the real `@aws-sdk/client-sts`,
 * and an issuer on loopback publishing two RSA keys and one EC key.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let issuer: Server;
let sts: S.STSClient;
let url = '';
const keys: Record<string, CryptoKey> = {};

async function token(key: CryptoKey, alg: string, opts: { kid?: string; expIn?: number; aud?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg, typ: 'JWT', ...(opts.kid !== undefined ? { kid: opts.kid } : {}) })
    .setIssuer(url)
    .setSubject('repo:ml/train')
    .setAudience(opts.aud ?? 'sts.amazonaws.com')
    .setIssuedAt(now - 3600)
    .setExpirationTime(now + (opts.expIn ?? 600))
    .sign(key);
}

async function exchange(t: string): Promise<string> {
  try {
    await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/wi`, RoleSessionName: 'ci', WebIdentityToken: t }));
    return 'issued';
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

before(async () => {
  const published: JWK[] = [];
  for (const [kid, alg] of [['rsa-old', 'RS256'], ['rsa-new', 'RS256'], ['ec-1', 'ES256']] as const) {
    const pair = await generateKeyPair(alg, { extractable: true });
    keys[kid] = pair.privateKey;
    published.push({ ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' });
  }
  keys['stranger'] = (await generateKeyPair('RS256')).privateKey;
  issuer = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: url, jwks_uri: `${url}/keys` }));
    if (req.url === '/keys') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => issuer.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(issuer.address() as AddressInfo).port}`;
  server = await startTestServer();
  const iam = server.iam();
  const arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn;
  await iam.send(new I.CreateRoleCommand({ RoleName: 'wi', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity' }) }));
  sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
});

after(async () => {
  sts?.destroy();
  issuer?.close();
  await server?.stop();
});

describe('oidc review 6: a token without kid is tried against each key that fits it', () => {
  it('either of two RSA keys verifies a token without kid; a stranger’s key, an expired token and another audience are refused as such', async () => {
    assert.equal(await exchange(await token(keys['rsa-old'] as CryptoKey, 'RS256')), 'issued');
    assert.equal(await exchange(await token(keys['rsa-new'] as CryptoKey, 'RS256')), 'issued');
    assert.equal(await exchange(await token(keys['ec-1'] as CryptoKey, 'ES256')), 'issued');
    assert.match(await exchange(await token(keys['stranger'] as CryptoKey, 'RS256')), /^InvalidIdentityTokenException: .*signature does not verify/);
    // Verified by the second key, then refused for its claims (not as a bad signature).
    assert.match(await exchange(await token(keys['rsa-new'] as CryptoKey, 'RS256', { expIn: -600 })), /^ExpiredTokenException: /);
    assert.match(await exchange(await token(keys['rsa-new'] as CryptoKey, 'RS256', { aud: 'other' })), /^InvalidIdentityTokenException: .*audience/);
    // With a kid, as before.
    assert.equal(await exchange(await token(keys['rsa-new'] as CryptoKey, 'RS256', { kid: 'rsa-new' })), 'issued');
    assert.match(await exchange(await token(keys['rsa-new'] as CryptoKey, 'RS256', { kid: 'rsa-old' })), /^InvalidIdentityTokenException: .*signature does not verify/);
  });
});
