/**
 * Review of oidc, finding 7: an RSA key under 2048 bits was accepted in a provider's JWKS, and every token signed with
 * it was then refused as "the token is malformed". Such keys are refused where the JWKS is read (registration by
 * discovery, inline JwksJson, a later read), saying so; a provider stored before with one says why its tokens fail.
 * A real server (startTestServer, 127.0.0.1), the real `@aws-sdk/client-iam` and `client-sts`, an issuer on loopback.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { importPKCS8, SignJWT, type JWK } from 'jose';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
/** JWKS_LIFETIME.min of src/app/oidc.ts: what max-age=1 is raised to. */
const LIFETIME_MS = 5_000;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let issuer: Server;
let iam: I.IAMClient;
let sts: S.STSClient;
let base = '';
const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
const big = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwkOf = (k: typeof small.publicKey, kid: string): JWK => ({ ...(k.export({ format: 'jwk' }) as JWK), kid, alg: 'RS256', use: 'sig' });
/** What each issuer path publishes. */
const published: Record<string, JWK[]> = { '/weak': [jwkOf(big.publicKey, 'big'), jwkOf(small.publicKey, 'small')], '/later': [jwkOf(big.publicKey, 'big')] };

async function token(iss: string, which: typeof small, kid: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  // jose itself refuses to sign with a short key: node:crypto signs with it.
  if (which === small) {
    const input = `${Buffer.from(JSON.stringify({ alg: 'RS256', kid, typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ iss, sub: 'svc', aud: 'sts.amazonaws.com', iat: now, exp: now + 600 })).toString('base64url')}`;
    return `${input}.${createSign('RSA-SHA256').update(input).sign(small.privateKey).toString('base64url')}`;
  }
  const key = await importPKCS8(which.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, 'RS256');
  return new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).setIssuer(iss).setSubject('svc').setAudience('sts.amazonaws.com').setIssuedAt(now).setExpirationTime(now + 600).sign(key);
}

async function attempt(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

const exchange = async (role: string, t: string) => attempt(sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/${role}`, RoleSessionName: 'ci', WebIdentityToken: t })));

async function role(name: string, providerArn: string): Promise<void> {
  await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: providerArn }, Action: 'sts:AssumeRoleWithWebIdentity' }) }));
}

before(async () => {
  issuer = createServer((req, res) => {
    const m = /^(\/\w+)(\/\.well-known\/openid-configuration|\/keys)$/.exec(req.url ?? '');
    const keys = m ? published[m[1] as string] : undefined;
    if (!m || !keys) return void res.writeHead(404).end();
    const body = m[2] === '/keys' ? { keys } : { issuer: `${base}${m[1] as string}`, jwks_uri: `${base}${m[1] as string}/keys` };
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=1' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => issuer.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(issuer.address() as AddressInfo).port}`;
  server = await startTestServer();
  iam = server.iam();
  sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
});

after(async () => {
  sts?.destroy();
  issuer?.close();
  await server?.stop();
});

describe('oidc review 7: RSA keys under 2048 bits are refused where the JWKS is read, saying so', () => {
  it('registration by discovery and inline JwksJson refuse a 1024-bit RSA key, naming it', async () => {
    const r = await attempt(iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: `${base}/weak`, ClientIDList: ['sts.amazonaws.com'] })));
    assert.match(r, /^InvalidInputException: .*kid `small`.*RSA key of 1024 bits.*2048/, r);
    const root = await server.running.app.authenticate(server.admin.accessKeyId);
    assert.ok(root.ok);
    const inline = await server.running.app.oidc.createProvider(root.value.caller, { url: 'https://idp.example/weak', clientIds: ['sts.amazonaws.com'], jwks: JSON.stringify({ keys: published['/weak'] }) });
    assert.ok(!inline.ok);
    assert.match(inline.errors[0]?.message ?? '', /^JwksJson: .*RSA key of 1024 bits/);
    // The 2048-bit key alone is fine.
    assert.ok((await server.running.app.oidc.createProvider(root.value.caller, { url: 'https://idp.example/big', clientIds: ['sts.amazonaws.com'], jwks: JSON.stringify({ keys: [jwkOf(big.publicKey, 'big')] }) })).ok);
  });

  it('a provider stored before with a short key says why its tokens fail', async () => {
    const url = 'https://idp.example/legacy';
    const record = { v: 1, url, clientIds: ['sts.amazonaws.com'], thumbprints: [], tags: [], created: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), jwks: { keys: [jwkOf(small.publicKey, 'small')] }, jwksSource: 'inline' };
    await server.running.app.deps.store.write(async (tx) => tx.kv.put(`oidc-provider/${ACCT}/idp.example/legacy`, JSON.stringify(record)));
    await role('wi-legacy', `arn:aws:iam::${ACCT}:oidc-provider/idp.example/legacy`);
    const r = await exchange('wi-legacy', await token(url, small, 'small'));
    assert.match(r, /^InvalidIdentityTokenException: .*RSA key under 2048 bits/, r);
  });

  it('an issuer that later publishes a short key: its set is not taken, and past the lifetime the refusal says why', async () => {
    const url = `${base}/later`;
    const arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '';
    await role('wi-later', arn);
    assert.equal(await exchange('wi-later', await token(url, big, 'big')), 'ok');
    published['/later'] = [jwkOf(big.publicKey, 'big'), jwkOf(small.publicKey, 'small')];
    await sleep(LIFETIME_MS + 300);
    const r = await exchange('wi-later', await token(url, big, 'big'));
    assert.match(r, /^IDPCommunicationErrorException: .*RSA key of 1024 bits/, r);
  });
});
