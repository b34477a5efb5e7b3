/**
 * Review qw, 4: an issuer that replaces a key under the same `kid` (new key material, the id kept, as issuers naming
 * their key by purpose or by slot do) had every token signed with the new key refused as a forgery until the provider's
 * kept set reached the end of its lifetime, up to 24 hours: a token naming a key the set holds never made it read again,
 * since only a token naming a key the set lacks (review ow, 1), or naming none (review ks, 4), did. Now a token naming a
 * key the set holds whose signature that key does not verify makes the set read again too, under the same bound (at
 * most every 5 s per provider and instance, one read at a time), and is verified against what was read; a forged
 * signature is still refused, and costs the issuer no more reads than a made-up `kid` already could.
 * Real server, the real `@aws-sdk/client-sts` (unsigned), an issuer on loopback (JWKS `max-age=3600`) counting its reads.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { generateKeyPair } from 'jose';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let issuer: OidcIssuer;
let sts: S.STSClient;

async function exchange(token: string): Promise<string> {
  try {
    await sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::000000000000:role/rekeyed', RoleSessionName: 'qw4', WebIdentityToken: token }));
    return 'issued';
  } catch (e) {
    return (e as Error).name;
  }
}

before(async () => {
  issuer = await startOidcIssuer({ maxAge: 3600 });
  server = await startTestServer();
  const iam = server.iam();
  const arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn;
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity' }] };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'rekeyed', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  sts = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
  assert.equal(await exchange(await issuer.mint()), 'issued');
});

after(async () => {
  sts?.destroy();
  await server?.stop();
  await issuer?.close();
});

test('a token signed with the key the issuer now publishes under the same kid is issued for at once', async () => {
  issuer.withdraw('k1');
  await issuer.publish('k1', 'ES256');
  assert.equal(await exchange(await issuer.mint({}, { signWith: 'k1' })), 'issued');
});

test('a forged signature naming a key the set holds is still refused, and reads the issuer at most once in 5 s', async () => {
  const forger = (await generateKeyPair('ES256')).privateKey;
  const reads = issuer.keyReads();
  for (let i = 0; i < 3; i++) assert.equal(await exchange(await issuer.mint({}, { signWith: forger, kid: 'k1' })), 'InvalidIdentityTokenException');
  assert.ok(issuer.keyReads() - reads <= 1, `${issuer.keyReads() - reads} reads`);
  assert.equal(await exchange(await issuer.mint({}, { signWith: 'k1' })), 'issued');
});
