/**
 * Review ks, 1: AssumeRoleWithWebIdentity took web identity tokens that AWS STS refuses. The STS API reference
 * (AssumeRoleWithWebIdentity, `WebIdentityToken`): "Timestamps in the token must be formatted as either an integer or a
 * long integer. Tokens must be signed using either RSA keys (RS256, RS384, or RS512) or ECDSA keys (ES256, ES384, or
 * ES512)." Gatehouse verified any asymmetric algorithm jose knows (PS256…PS512, EdDSA) and any numeric `exp`, `iat` or
 * `nbf` (`1.7e9 + 0.5`): an issuer set up against Gatehouse (an Ed25519 signing key, times in fractional seconds)
 * opened sessions here and is refused InvalidIdentityToken by AWS, which it only learns in production. Now such a token
 * is refused InvalidIdentityToken, naming the algorithm or claim and what STS takes; RS256 and ES256 tokens with whole
 * seconds are issued as before. Before the fix 3 of 4 tests failed.
 *
 * A real server, the real `@aws-sdk/client-sts` (unsigned), and an issuer on loopback publishing one key of each kind.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { REGION, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';

let server: TestServer;
let issuer: OidcIssuer;
let sts: S.STSClient;

before(async () => {
  issuer = await startOidcIssuer({ keys: { es: 'ES256', rs: 'RS256', ps: 'PS256', ed: 'EdDSA' } });
  server = await startTestServer();
  const iam = server.iam();
  const arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn;
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity' }] };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'ks1', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
});

after(async () => {
  sts?.destroy();
  await issuer?.close();
  await server?.stop();
});

const exchange = (token: string) => sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/ks1`, RoleSessionName: 'ks1', WebIdentityToken: token }));

test('ks1: tokens signed RS256 or ES256 with whole-second times are issued', async () => {
  for (const kid of ['es', 'rs']) {
    const r = await exchange(await issuer.mint({}, { signWith: kid }));
    assert.match(r.Credentials?.AccessKeyId ?? '', /^ASIA/, kid);
  }
});

test('ks1: a token signed PS256 is refused InvalidIdentityToken, naming the algorithm and those STS takes', async () => {
  const f = await sdkFailure(exchange(await issuer.mint({}, { signWith: 'ps' })));
  assert.equal(f.code, 'InvalidIdentityToken');
  assert.equal(f.status, 400);
  assert.match(f.message, /`PS256`/);
  assert.match(f.message, /RS256, RS384, RS512, ES256, ES384 or ES512/);
});

test('ks1: a token signed EdDSA is refused InvalidIdentityToken', async () => {
  const f = await sdkFailure(exchange(await issuer.mint({}, { signWith: 'ed' })));
  assert.equal(f.code, 'InvalidIdentityToken');
  assert.match(f.message, /`EdDSA`/);
});

test('ks1: a token whose exp, iat or nbf is not a whole number of seconds is refused InvalidIdentityToken, naming the claim', async () => {
  const now = Math.floor(Date.now() / 1000);
  for (const [claim, times] of [['exp', { exp: now + 600.5 }], ['iat', { iat: now - 0.25 }], ['nbf', { nbf: now - 10.5 }]] as const) {
    const f = await sdkFailure(exchange(await issuer.mint({}, { signWith: 'es', times })));
    assert.equal(f.code, 'InvalidIdentityToken', claim);
    assert.match(f.message, new RegExp(`\`${claim}\``), claim);
    assert.match(f.message, /whole number of seconds/, claim);
  }
});
