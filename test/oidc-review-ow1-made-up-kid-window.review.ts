/**
 * Review ow, 1: a token naming a key the provider's JWKS lacks makes the server read the issuer's keys again, and that
 * read was allowed once a minute per provider and instance, whatever the key. AssumeRoleWithWebIdentity is unsigned:
 * anyone knowing a role's account and its provider's issuer could send a token with a made-up `kid` once a minute and
 * so keep the minute always running; the issuer's new key, signing from the moment it is published (an issuer that
 * rotates without pre-publishing), was then refused as a forgery (InvalidIdentityToken, which the SDKs do not retry)
 * for up to a minute after every rotation. Held to once a minute per key id instead, the `kid` an issuer naming its keys
 * in sequence will publish next, made up before it does, would still keep that key out. Now the set is read for a key
 * it lacks 5 s after the last read at the earliest, whatever the key id: the issuer sees at most 12 reads a minute.
 * Contract: docs/decisions.md, "OIDC providers" (a token naming a key the set lacks makes it read again at once);
 * credential-protocols §5 (AssumeRoleWithWebIdentity is unsigned, the token is the credential).
 * Real server for the IAM side (SDK v3), a second instance on its store with its own clock and its own HTTP edge,
 * SDK v3 STS against that edge, and an issuer on loopback counting its JWKS reads.
 * Before the fix 3 of 3 tests failed (2 of 3 against review ow1's first form, a read a minute per key id).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clockedIssuer } from './support/clocked-issuer.ts';

const world = clockedIssuer();

/** An unsigned caller's token: the issuer's `iss` and audience, a key id of its own, signed with a key of its own. */
const madeUp = (kid: string): Promise<string> => world().issuer.mint({}, { signWith: world().forger, kid });

test('a made-up kid sent within the minute no longer keeps a rotated key out: 10 s on, the new key is read for and issued', async () => {
  const { issuer, exchange, advance } = world();
  const reads = issuer.keyReads();
  assert.equal(await exchange(await madeUp('made-up-1')), 'InvalidIdentityTokenException');
  assert.equal(issuer.keyReads(), reads + 1, 'the made-up kid made the set be read');
  // The issuer rotates: a new key, signing at once.
  await issuer.publish('k2', 'ES256');
  advance(10_000);
  assert.equal(await exchange(await issuer.mint({}, { signWith: 'k2' })), 'issued');
  assert.equal(issuer.keyReads(), reads + 2);
});

test('a kid made up before the issuer publishes it (its next key, named in sequence) does not keep that key out either', async () => {
  const { issuer, exchange, advance } = world();
  advance(10_000);
  const reads = issuer.keyReads();
  assert.equal(await exchange(await madeUp('k3')), 'InvalidIdentityTokenException');
  assert.equal(issuer.keyReads(), reads + 1, 'k3 is not published yet');
  await issuer.publish('k3', 'ES256');
  advance(6_000);
  assert.equal(await exchange(await issuer.mint({}, { signWith: 'k3' })), 'issued');
  assert.equal(issuer.keyReads(), reads + 2);
});

test('made-up key ids, fresh or repeated, cost the issuer one read per 5 s', async () => {
  const { issuer, exchange, advance } = world();
  advance(10_000);
  const reads = issuer.keyReads();
  const answers = [];
  for (let i = 0; i < 20; i++) answers.push(await exchange(await madeUp(i % 2 === 0 ? `fresh-${i}` : 'made-up-1')));
  assert.deepEqual(new Set(answers), new Set(['InvalidIdentityTokenException']));
  assert.equal(issuer.keyReads(), reads + 1, 'the first read, the next 19 within 5 s of it not');
  advance(6_000);
  assert.equal(await exchange(await madeUp('made-up-1')), 'InvalidIdentityTokenException');
  assert.equal(issuer.keyReads(), reads + 2);
});
