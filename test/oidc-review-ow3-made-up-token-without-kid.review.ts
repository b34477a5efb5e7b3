/**
 * Review ow, 3: a token naming no key (`kid`) that no key of the provider's JWKS verifies makes the server read the
 * issuer's keys again (review ks, 4: an issuer that signs without `kid` and rotates its key), and that read was allowed
 * once a minute per provider and instance. Every such token looks alike to the server until a key verifies it, and
 * AssumeRoleWithWebIdentity is unsigned: anyone could send a made-up one (the issuer's `iss` and audience, any key)
 * once a minute, and after each rotation the issuer's tokens, signed with its new key, were refused as forgeries
 * (InvalidIdentityToken) for up to a minute, as review ow, 1 found for a made-up `kid`. Now such a token has the set
 * read 5 s after the last read at the earliest, what made-up key ids cost the issuer already (12 reads a minute at most).
 * Contract: docs/decisions.md, "OIDC providers" (a token without `kid` that no key verifies has the set read again);
 * credential-protocols §5 (AssumeRoleWithWebIdentity is unsigned).
 * Real server for the IAM side (SDK v3), a second instance on its store with its own clock and its own HTTP edge,
 * SDK v3 STS against that edge, and an issuer on loopback counting its JWKS reads.
 * Before the fix 2 of 2 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clockedIssuer } from './support/clocked-issuer.ts';

const world = clockedIssuer({ keys: { k1: 'ES256' } });

/** An unsigned caller's token: the issuer's `iss` and audience, no `kid`, signed with a key of its own. */
const madeUp = (): Promise<string> => world().issuer.mint({}, { signWith: world().forger, kid: null });

test('a made-up token without kid sent within the minute no longer keeps the rotated key out: 10 s on, it is read and the token issued', async () => {
  const { issuer, exchange, advance } = world();
  assert.equal(await exchange(await issuer.mint({}, { kid: null })), 'issued', 'the issuer signs without kid');
  const reads = issuer.keyReads();
  assert.equal(await exchange(await madeUp()), 'InvalidIdentityTokenException');
  assert.equal(issuer.keyReads(), reads + 1, 'no key verified it: the set was read');
  // The issuer rotates: its old key withdrawn, a new one published and signing at once, still without kid.
  issuer.withdraw('k1');
  await issuer.publish('k2', 'ES256');
  advance(10_000);
  assert.equal(await exchange(await issuer.mint({}, { signWith: 'k2', kid: null })), 'issued');
  assert.equal(issuer.keyReads(), reads + 2);
});

test('made-up tokens without kid cost the issuer one read per 5 s', async () => {
  const { issuer, exchange, advance } = world();
  advance(10_000);
  const reads = issuer.keyReads();
  const answers = [];
  for (let i = 0; i < 10; i++) answers.push(await exchange(await madeUp()));
  assert.deepEqual(new Set(answers), new Set(['InvalidIdentityTokenException']));
  assert.equal(issuer.keyReads(), reads + 1, 'the first read, the next 9 within 5 s of it not');
  advance(6_000);
  assert.equal(await exchange(await madeUp()), 'InvalidIdentityTokenException');
  assert.equal(issuer.keyReads(), reads + 2);
});
