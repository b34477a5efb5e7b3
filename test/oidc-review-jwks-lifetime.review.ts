/**
 * Review of oidc, finding 1: a signing key the issuer has withdrawn from its JWKS must stop opening sessions within
 * the JWKS's lifetime, on every instance and after a restart. A real server (startTestServer, 127.0.0.1), the real
 * `@aws-sdk/client-sts` (unsigned AssumeRoleWithWebIdentity), and an OIDC issuer served by the test on loopback whose
 * JWKS answers `Cache-Control: max-age=1` (kept JWKS_LIFETIME.min, 5 s, by the server).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
/** JWKS_LIFETIME.min of src/app/oidc.ts: what max-age=1 is raised to. */
const LIFETIME_MS = 5_000;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let issuer: Server;
let url = '';
const published: JWK[] = [];
const jwksHits: number[] = [];
let old: CryptoKey;
let current: CryptoKey;

async function token(key: CryptoKey, kid: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).setIssuer(url).setSubject('repo:ml/train').setAudience('sts.amazonaws.com').setIssuedAt(now).setExpirationTime(now + 600).sign(key);
}

async function exchange(s: TestServer, t: string): Promise<string> {
  const sts = new S.STSClient({ endpoint: s.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
  try {
    const r = await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/wi`, RoleSessionName: 'ci', WebIdentityToken: t }));
    return `issued ${r.AssumedRoleUser?.Arn ?? ''}`;
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  } finally {
    sts.destroy();
  }
}

before(async () => {
  const a = await generateKeyPair('RS256', { extractable: true });
  const b = await generateKeyPair('RS256', { extractable: true });
  old = a.privateKey;
  current = b.privateKey;
  published.push({ ...(await exportJWK(a.publicKey)), kid: 'old', alg: 'RS256', use: 'sig' }, { ...(await exportJWK(b.publicKey)), kid: 'current', alg: 'RS256', use: 'sig' });
  issuer = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: url, jwks_uri: `${url}/keys` }));
    if (req.url === '/keys') {
      jwksHits.push(Date.now());
      return void res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=1' }).end(JSON.stringify({ keys: published }));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => issuer.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(issuer.address() as AddressInfo).port}`;
  server = await startTestServer({ keepDir: true });
  const iam = server.iam();
  const arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn;
  await iam.send(new I.CreateRoleCommand({ RoleName: 'wi', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity' }) }));
});

after(async () => {
  issuer?.close();
  await server?.stop();
});

describe('oidc review 1: a discovered JWKS has a lifetime, and the current one is kept in the store', () => {
  it('a key withdrawn by the issuer stops opening sessions within the lifetime, also after a restart; a stale set that cannot be read again refuses', async () => {
    assert.match(await exchange(server, await token(old, 'old')), /^issued /);
    // The issuer withdraws `old` (a compromised key). Within the lifetime the server may still use the set it has;
    // once the lifetime has passed, it must have read the JWKS again.
    published.splice(0, 1);
    await sleep(LIFETIME_MS + 300);
    const refused = await exchange(server, await token(old, 'old'));
    assert.match(refused, /^InvalidIdentityTokenException: .*no key of the provider matches/, refused);
    assert.match(await exchange(server, await token(current, 'current')), /^issued /);

    // A restart (or another instance on the same store) starts from the set kept in the store, not the one of registration.
    const dataDir = server.dataDir;
    await server.stopServer();
    server = await startTestServer({ dataDir });
    assert.match(await exchange(server, await token(old, 'old')), /^InvalidIdentityTokenException: /);
    assert.match(await exchange(server, await token(current, 'current')), /^issued /);

    // The issuer cannot be reached any more: once the set is past its lifetime, no token is accepted (fail closed).
    await new Promise<void>((r) => issuer.close(() => r()));
    issuer.closeAllConnections();
    await sleep(LIFETIME_MS + 300);
    const closed = await exchange(server, await token(current, 'current'));
    assert.match(closed, /^ServiceUnavailable.*past their lifetime/, closed);
  });
});
