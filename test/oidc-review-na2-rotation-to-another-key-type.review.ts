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
import { generateKeyPair } from 'jose';
import type { OidcIssuer } from './support/oidc-issuer.ts';
import { sdkFailure } from './support/server.ts';
import { startWebIdentityWorld, type WebIdentityWorld } from './support/web-identity.ts';

let w: WebIdentityWorld;
let issuer: OidcIssuer;

before(async () => {
  w = await startWebIdentityWorld({
    issuer: { keys: { old: 'RS256' } },
    roles: (arn) => ({ na2: { trust: { Effect: 'Allow', Principal: { Federated: arn }, Action: 'sts:AssumeRoleWithWebIdentity' } } }),
  });
  issuer = w.issuer;
});

after(async () => {
  await w?.close();
});

const exchange = (token: string) => w.exchange('na2', 'na2', token);

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
