/**
 * Review of oidc, finding 2: AssumeRoleWithWebIdentity is unsigned, and a token naming a key the provider lacks (or
 * any token once the provider's JWKS is past its lifetime) makes the server read the issuer's keys. Concurrent calls
 * must share one read (the attempt noted before the request goes out), not start one each. A real server
 * (startTestServer, 127.0.0.1), the real `@aws-sdk/client-sts`, and an issuer on loopback whose JWKS answers after 300 ms.
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
let sts: S.STSClient;
let url = '';
let key: CryptoKey;
let hits = 0;

async function token(kid: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).setIssuer(url).setSubject('repo:ml/train').setAudience('sts.amazonaws.com').setIssuedAt(now).setExpirationTime(now + 600).sign(key);
}

async function exchange(t: string): Promise<string> {
  try {
    await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/wi`, RoleSessionName: 'ci', WebIdentityToken: t }));
    return 'issued';
  } catch (e) {
    return (e as Error).name;
  }
}

before(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  key = pair.privateKey;
  const published: JWK[] = [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }];
  issuer = createServer((req, res) => {
    hits++;
    if (req.url === '/.well-known/openid-configuration') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: url, jwks_uri: `${url}/keys` }));
    if (req.url === '/keys') {
      return void setTimeout(() => res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=1' }).end(JSON.stringify({ keys: published })), 300);
    }
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

describe('oidc review 2: one read of the issuer’s keys at a time per provider', () => {
  it('50 concurrent calls naming an unknown kid cause one discovery and one JWKS read, the next 50 none', async () => {
    const forged = await token('unknown');
    hits = 0;
    const first = await Promise.all(Array.from({ length: 50 }, () => exchange(forged)));
    assert.ok(first.every((x) => x === 'InvalidIdentityTokenException'), first.join());
    assert.equal(hits, 2, 'discovery + JWKS, once');
    hits = 0;
    const next = await Promise.all(Array.from({ length: 50 }, () => exchange(forged)));
    assert.ok(next.every((x) => x === 'InvalidIdentityTokenException'));
    assert.equal(hits, 0, 'within the minute, no read at all');
  });

  it('50 concurrent good tokens once the set is past its lifetime: one read, all issued', async () => {
    await sleep(LIFETIME_MS + 300);
    // The server closes a connection idle 5 s (its keep-alive timeout), as long as this sleep: a loaded machine runs
    // both timers in one turn, before the client has read the close, and a reused socket is reset. New connections.
    sts.destroy();
    sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
    const good = await token('k1');
    hits = 0;
    const r = await Promise.all(Array.from({ length: 50 }, () => exchange(good)));
    assert.ok(r.every((x) => x === 'issued'), r.join());
    assert.equal(hits, 2, 'discovery + JWKS, once');
  });
});
