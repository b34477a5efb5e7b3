/**
 * Review ks, 3: AssumeRoleWithWebIdentity ignored its `ProviderId` whatever it held. STS holds the parameter to 4 to 2,048
 * characters (botocore's STS model, `urlType`) and answers ValidationError outside them, before anything reads the
 * token; Gatehouse issued the session, so a client sending a malformed ProviderId (`ab`, an empty string from a variable
 * left unset) worked here and fails on AWS. Now a ProviderId outside 4 to 2,048 characters is ValidationError in STS's
 * words, the value not quoted; one within them is still taken (it names an OAuth 2.0 provider, and the token verified is
 * the OpenID Connect one, as before). Before the fix 2 of 3 tests failed. A real server, the real `@aws-sdk/client-sts`
 * (unsigned), an issuer on loopback.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { REGION, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let issuer: OidcIssuer;
let sts: S.STSClient;

before(async () => {
  issuer = await startOidcIssuer();
  server = await startTestServer();
  const iam = server.iam();
  const arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn;
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity' }] };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'ks3', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
});

after(async () => {
  sts?.destroy();
  await issuer?.close();
  await server?.stop();
});

const exchange = async (ProviderId: string) =>
  sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::000000000000:role/ks3', RoleSessionName: 'ks3', WebIdentityToken: await issuer.mint(), ProviderId }));

test('ks3: a ProviderId under 4 characters is ValidationError in STS words', async () => {
  for (const id of ['', 'ab']) {
    const f = await sdkFailure(exchange(id));
    assert.equal(f.code, 'ValidationError', JSON.stringify(id));
    assert.equal(f.status, 400);
    assert.match(f.message, /Value at 'providerId' failed to satisfy constraint: Member must have length greater than or equal to 4/);
  }
});

test('ks3: a ProviderId over 2,048 characters is ValidationError, the value not quoted', async () => {
  const f = await sdkFailure(exchange(`www.${'a'.repeat(2045)}`));
  assert.equal(f.code, 'ValidationError');
  assert.match(f.message, /Member must have length less than or equal to 2048/);
  assert.ok(!f.message.includes('aaaa'), f.message);
});

test('ks3: a ProviderId of 4 to 2,048 characters is taken as before', async () => {
  const r = await exchange('www.amazon.com');
  assert.match(r.Credentials?.AccessKeyId ?? '', /^ASIA/);
});
