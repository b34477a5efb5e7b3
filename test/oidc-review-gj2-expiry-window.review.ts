/**
 * Review gj, 2: AssumeRoleWithWebIdentity takes a token up to five minutes past its `exp`, as AWS STS does ("IAM
 * provides a five-minute window beyond the expiration time specified in the JWT to account for clock skew", IAM User
 * Guide, "OIDC federation"). Gatehouse allowed 30 s: a token an SDK read from its token file a minute before it was
 * replaced (or a server clock a minute ahead of the issuer's) was refused ExpiredTokenException where AWS issues the
 * session. Past the five minutes it is still ExpiredTokenException; `nbf` and `iat` keep their 30 s.
 * A real server, the real `@aws-sdk/client-sts` (unsigned), and an issuer on loopback (discovery and JWKS).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { REGION, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;
let issuer: OidcIssuer;
let sts: S.STSClient;

before(async () => {
  issuer = await startOidcIssuer();
  server = await startTestServer();
  const iam = server.iam();
  const arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn;
  await iam.send(new I.CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity' }) }));
  sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
});

after(async () => {
  sts?.destroy();
  await issuer?.close();
  await server?.stop();
});

const exchange = async (expIn: number, iatIn = -900, claims: Record<string, unknown> = {}) =>
  sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/ci`, RoleSessionName: 'gj2', WebIdentityToken: await issuer.mint(claims, { iatIn, expIn }) }));

test('gj2: a token expired two minutes ago is taken, as AWS STS takes it within five', async () => {
  const r = await exchange(-120);
  assert.match(r.Credentials?.AccessKeyId ?? '', /^ASIA/);
  assert.equal(r.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCT}:assumed-role/ci/gj2`);
});

test('gj2: past the five minutes it is ExpiredTokenException', async () => {
  const e = await sdkFailure(exchange(-330));
  assert.deepEqual([e.code, e.status], ['ExpiredTokenException', 400]);
});

test('gj2: a token not valid for another minute (`nbf`, `iat`) is still refused', async () => {
  const e = await sdkFailure(exchange(600, 60));
  assert.deepEqual([e.code, e.status], ['InvalidIdentityToken', 400]);
  const nbf = await sdkFailure(exchange(600, -60, { nbf: Math.floor(Date.now() / 1000) + 60 }));
  assert.deepEqual([nbf.code, nbf.status], ['InvalidIdentityToken', 400]);
  assert.match(nbf.message, /not valid yet \(`nbf`\)/);
});
