/**
 * Review na, 2: an issuer that signs without `kid` and replaces its RSA key by an EC one had every new token refused until the provider's key set expired.
 * Before the fix 1 of 2 tests failed.
 *
 * Review ks, 4 made a token without `kid` whose signature no key of the set verifies read the issuer's keys again (at most
 * once a minute per provider), as a token naming a key the set lacks does. That read happened only when some key of the
 * set fit the token's algorithm and failed to verify it; when none fits it at all (the issuer moved from RS256 to ES256,
 * or added an EdDSA key, without `kid`), jose answers "no matching key", and the token was refused InvalidIdentityToken
 * ("no key of the provider matches the token") against the set read before, for up to the set's lifetime (an hour by
 * default, up to 24 h), though the issuer published the new key. Now a token without `kid` that no key of the set fits
 * is read again for as one that none verifies; a token signed with a key the issuer does not publish is still refused.
 * A real server, the real `@aws-sdk/client-sts` (unsigned), an issuer on loopback that rotates its key.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { generateKeyPair } from 'jose';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { REGION, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let issuer: OidcIssuer;
let sts: S.STSClient;

before(async () => {
  issuer = await startOidcIssuer({ keys: { old: 'RS256' } });
  server = await startTestServer();
  const iam = server.iam();
  const arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn;
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity' }] };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'na2', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
});

after(async () => {
  sts?.destroy();
  await issuer?.close();
  await server?.stop();
});

const exchange = (token: string) => sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::000000000000:role/na2', RoleSessionName: 'na2', WebIdentityToken: token }));

test('na2: after the issuer replaces its RSA key by an EC one, a token without kid signed with the new key is issued', async () => {
  const before = await exchange(await issuer.mint({}, { signWith: 'old', kid: null }));
  assert.match(before.Credentials?.AccessKeyId ?? '', /^ASIA/);
  await issuer.publish('new', 'ES256');
  issuer.withdraw('old');
  const after = await exchange(await issuer.mint({}, { signWith: 'new', kid: null }));
  assert.match(after.Credentials?.AccessKeyId ?? '', /^ASIA/);
});

test('na2: a token without kid signed with a key of a type the issuer does not publish is still refused', async () => {
  const { privateKey } = await generateKeyPair('RS256');
  const f = await sdkFailure(exchange(await issuer.mint({}, { signWith: privateKey, kid: null })));
  assert.equal(f.code, 'InvalidIdentityToken');
});
