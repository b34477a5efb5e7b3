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
import { generateKeyPair } from 'jose';
import type { OidcIssuer } from './support/oidc-issuer.ts';
import { sdkFailure } from './support/server.ts';
import { startWebIdentityWorld, type WebIdentityWorld } from './support/web-identity.ts';

let w: WebIdentityWorld;
let issuer: OidcIssuer;

before(async () => {
  w = await startWebIdentityWorld({
    issuer: { keys: { old: 'ES256' } },
    roles: (arn) => ({ ks4: { trust: { Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity' } } }),
  });
  issuer = w.issuer;
});

after(async () => {
  await w?.close();
});

const exchange = (token: string) => w.exchange('ks4', 'ks4', token);

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
