/**
 * Review of oidc, finding 4: AWS keeps the trailing `/` of an issuer URL in the provider ARN
 * (`arn:aws:iam::…:oidc-provider/auth-dev.mozilla.auth0.com/`) and in the condition keys (`auth-dev.mozilla.auth0.com/:aud`);
 * Gatehouse dropped it, so an AWS-style Allow never matched and an AWS-style Deny on `host/:sub` silently never applied.
 * A provider stored before keeps its slashless ARN and keys. A real server (startTestServer, 127.0.0.1), the real
 * `@aws-sdk/client-iam` and `client-sts`, and an issuer on loopback whose URLs end in `/`.
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
let iam: I.IAMClient;
let sts: S.STSClient;
let base = '';
let host = '';
let key: CryptoKey;
let published: JWK[];

async function token(iss: string, sub: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' }).setIssuer(iss).setSubject(sub).setAudience('sts.amazonaws.com').setIssuedAt(now).setExpirationTime(now + 600).sign(key);
}

async function exchange(role: string, t: string): Promise<string> {
  try {
    const r = await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/${role}`, RoleSessionName: 'ci', WebIdentityToken: t }));
    return `issued ${r.Provider ?? ''}`;
  } catch (e) {
    return (e as Error).name;
  }
}

before(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  key = pair.privateKey;
  published = [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }];
  issuer = createServer((req, res) => {
    // Two issuers on one host: `<base>/` and `<base>/tenant/` (discovery after the trailing slash is removed, §4).
    const m = /^(\/tenant)?\/\.well-known\/openid-configuration$/.exec(req.url ?? '');
    if (m) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: `${base}${m[1] ?? ''}/`, jwks_uri: `${base}/keys` }));
    if (req.url === '/keys') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => issuer.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(issuer.address() as AddressInfo).port}`;
  host = new URL(base).host;
  server = await startTestServer();
  iam = server.iam();
  sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
});

after(async () => {
  sts?.destroy();
  issuer?.close();
  await server?.stop();
});

describe('oidc review 4: the trailing slash of an issuer URL is part of the provider’s name, as in AWS', () => {
  it('ARN and condition keys keep the slash: an AWS-style Allow matches and an AWS-style Deny applies', async () => {
    const url = `${base}/`;
    const arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn;
    assert.equal(arn, `arn:aws:iam::${ACCT}:oidc-provider/${host}/`);
    assert.ok((await iam.send(new I.ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList?.some((p) => p.Arn === arn));
    assert.deepEqual((await iam.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }))).ClientIDList, ['sts.amazonaws.com']);
    await iam.send(
      new I.CreateRoleCommand({
        RoleName: 'wi',
        AssumeRolePolicyDocument: doc(
          { Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${host}/:aud`]: 'sts.amazonaws.com' } } },
          { Effect: 'Deny', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringLike: { [`${host}/:sub`]: 'repo:attacker/*' } } },
        ),
      }),
    );
    assert.equal(await exchange('wi', await token(url, 'repo:ml/train')), `issued ${arn ?? ''}`);
    assert.equal(await exchange('wi', await token(url, 'repo:attacker/x')), 'AccessDenied');
    // Without the slash it is another issuer, not registered.
    assert.equal(await exchange('wi', await token(base, 'repo:ml/train')), 'InvalidIdentityTokenException');
    assert.equal(await exchange('wi', await token(`${base}//`, 'repo:ml/train')), 'InvalidIdentityTokenException');
  });

  it('a provider stored before keeps its slashless ARN and keys, is found by its URL, and is not registered twice', async () => {
    const url = `${base}/tenant/`;
    const legacyArn = `arn:aws:iam::${ACCT}:oidc-provider/${host}/tenant`;
    // As an earlier version stored it: under the URL without its trailing slash.
    const record = { v: 1, url, clientIds: ['sts.amazonaws.com'], thumbprints: [], tags: [], created: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), jwks: { keys: published }, jwksSource: 'discovery' };
    await server.running.app.deps.store.write(async (tx) => tx.kv.put(`oidc-provider/${ACCT}/${host}/tenant`, JSON.stringify(record)));
    await iam.send(
      new I.CreateRoleCommand({
        RoleName: 'wi-legacy',
        AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: legacyArn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${host}/tenant:sub`]: 'repo:ml/train' } } }),
      }),
    );
    assert.equal(await exchange('wi-legacy', await token(url, 'repo:ml/train')), `issued ${legacyArn}`);
    assert.equal(await exchange('wi-legacy', await token(url, 'repo:ml/other')), 'AccessDenied');
    const again = await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: ['sts.amazonaws.com'] })).then(
      () => 'created',
      (e: Error) => e.name,
    );
    assert.equal(again, 'EntityAlreadyExistsException');
    assert.equal((await iam.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: legacyArn }))).Url, url.replace(/^https:\/\//, ''));
  });
});
