/**
 * Review vc, 2: a made-up `kid` had the issuer's keys read once per 5 s per provider, so an issuer registered by many
 * accounts (GitHub Actions', a shared cluster's) was read once per account for every such token.
 * Before the fix 2 of 2 tests failed.
 *
 * A token naming a key the provider's set lacks makes the server read the issuer's keys again, at most every 5 s per
 * provider and instance (review ow, 1), which bounds what an unsigned caller costs one provider. But the bound was the
 * provider's, not the issuer's: AssumeRoleWithWebIdentity is unsigned and reads the provider before any role (review
 * mw, 1), so anyone sending one made-up token per account that registered `https://token.actions.githubusercontent.com`
 * (a role ARN need not exist, only the account id) had every instance read GitHub's discovery document and JWKS once per
 * account every 5 s: with 50 accounts, 1,200 requests a minute per instance to the issuer, whose rate limit then refused
 * the reads every provider needs to keep its keys, and every account's tokens were refused IDPCommunicationError. Now a
 * read of an issuer is shared by every provider of that URL on the instance: within 5 s of one (or while it runs), each
 * provider takes what it read. A rotation is still seen within 5 s, as for one provider.
 * Real server for the IAM side (SDK v3: four accounts registering the same issuer), a second instance on its store with
 * its own clock and HTTP edge, SDK v3 STS (unsigned) against it, an issuer on loopback counting its JWKS reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clockedIssuer } from './support/clocked-issuer.ts';

const ACCOUNTS = ['111100000001', '111100000002', '111100000003'];

const world = clockedIssuer({ maxAge: 3600 }, ACCOUNTS);

test('vc2: a made-up kid sent to every account that registered the issuer costs the issuer one read per 5 s, not one per account', async () => {
  const { issuer, forger, accounts, exchange, advance } = world();
  advance(10_000);
  const reads = issuer.keyReads();
  for (const account of accounts) assert.equal(await exchange(await issuer.mint({}, { signWith: forger, kid: `made-up-${account}` }), account), 'InvalidIdentityTokenException');
  assert.equal(issuer.keyReads(), reads + 1, `${issuer.keyReads() - reads} reads for ${accounts.length} accounts`);
  // A role that does not exist costs no more: the provider is read before the role.
  assert.equal(await exchange(await issuer.mint({}, { signWith: forger, kid: 'made-up-again' }), accounts[1]), 'InvalidIdentityTokenException');
  assert.equal(issuer.keyReads(), reads + 1);
});

test('vc2: a key the issuer publishes is read for once 5 s have passed, and then opens sessions in every account', async () => {
  const { issuer, accounts, exchange, advance } = world();
  advance(10_000);
  const reads = issuer.keyReads();
  await issuer.publish('k2', 'ES256');
  for (const account of accounts) assert.equal(await exchange(await issuer.mint({}, { signWith: 'k2' }), account), 'issued', account);
  assert.equal(issuer.keyReads(), reads + 1, `${issuer.keyReads() - reads} reads for ${accounts.length} accounts`);
});
