/**
 * Review ks, 4: an issuer that signs without `kid` and rotates its key. A token naming a key the provider's set lacks makes
 * the server read the issuer's keys again at once (at most once a minute), but a token naming none was verified only
 * against the set read before: once the issuer had replaced its key, every token it signed was refused InvalidIdentityToken
 * ("the signature does not verify") until the set's lifetime ran out, an hour by default and up to 24 h, though the issuer
 * published the new key. Now a token without `kid` whose signature no key of the set verifies makes the set be read again
 * as a token naming an unknown key does (at most once a minute per provider and instance), and is verified against the
 * keys read; a token signed with a key the issuer does not publish is still refused. Before the fix 1 of 2 tests failed.
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
  issuer = await startOidcIssuer({ keys: { old: 'ES256' } });
  server = await startTestServer();
  const iam = server.iam();
  const arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn;
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity' }] };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'ks4', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
});

after(async () => {
  sts?.destroy();
  await issuer?.close();
  await server?.stop();
});

const exchange = (token: string) => sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::000000000000:role/ks4', RoleSessionName: 'ks4', WebIdentityToken: token }));

test('ks4: after the issuer replaces its key, a token without kid signed with the new one is issued', async () => {
  const before = await exchange(await issuer.mint({}, { signWith: 'old', kid: null }));
  assert.match(before.Credentials?.AccessKeyId ?? '', /^ASIA/);
  await issuer.publish('new', 'ES256');
  issuer.withdraw('old');
  const after = await exchange(await issuer.mint({}, { signWith: 'new', kid: null }));
  assert.match(after.Credentials?.AccessKeyId ?? '', /^ASIA/);
});

test('ks4: a token without kid signed with a key the issuer does not publish is still refused', async () => {
  const { privateKey } = await generateKeyPair('ES256');
  const f = await sdkFailure(exchange(await issuer.mint({}, { signWith: privateKey, kid: null })));
  assert.equal(f.code, 'InvalidIdentityToken');
  assert.match(f.message, /signature/);
});
