/**
 * Review vg, 5: a simulation took MFA facts that no session carries. `aws:MultiFactorAuthAge` is the seconds since the
 * principal authenticated with MFA, "included in the request context only if the principal was authenticated using
 * MFA" (AWS's global condition keys): a negative age (MFA used in the future) or an age beside
 * `aws:MultiFactorAuthPresent` `false` (an age of an MFA that was not used) describes no request, yet POST /v1/simulate
 * (and `gatehouse simulate`, who-can, the IAM simulators) decided on it: "allow within an hour of MFA"
 * (`NumericLessThan aws:MultiFactorAuthAge 3600`) answered Allow to a session said to have no MFA. Both are now refused
 * InvalidInput naming `aws:MultiFactorAuthAge`, as a session issued after its request is (review vg, 1); an age with
 * MFA present, or alone, is decided as before, and the authorize API, which takes neither key, is unchanged.
 * Real server, SigV4-signed /v1/ requests, SDK v3 IAM, CLI in process.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { ALICE, aliceWithPolicy, askAboutAlice } from './support/alice-world.ts';
import { cliAgainst, sdkFailure, type TestServer } from './support/server.ts';

const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } } }] });

describe('review vg5: no MFA age without MFA', () => {
  let s!: TestServer;
  aliceWithPolicy(POLICY, (server) => (s = server));
  const ask = askAboutAlice(() => s);

  it('POST /v1/simulate and /v1/who-can refuse a negative age, and an age beside MFA not present, naming the age', async () => {
    for (const route of ['simulate', 'who-can'] as const) {
      for (const [context, message] of [
        [{ 'aws:MultiFactorAuthAge': '-60' }, /`aws:MultiFactorAuthAge` .*not negative/],
        [{ 'aws:MultiFactorAuthPresent': 'false', 'aws:MultiFactorAuthAge': '60' }, /`aws:MultiFactorAuthAge` .*`aws:MultiFactorAuthPresent` is `false`/],
        [{ 'aws:MultiFactorAuthAge': '60', 'acs:MFAPresent': 'False' }, /`aws:MultiFactorAuthAge` .*`acs:MFAPresent` is `False`/],
      ] as const) {
        const r = await ask(route, context);
        assert.ok(!r.ok, `${route} ${JSON.stringify(context)}: ${JSON.stringify(r)}`);
        assert.equal(r.httpStatus, 400, JSON.stringify(r));
        assert.equal(r.errors[0]?.path, 'context.aws:MultiFactorAuthAge', JSON.stringify(r));
        assert.match(r.message, message, r.message);
      }
    }
  });

  it('gatehouse simulate refuses it', async () => {
    const cli = await cliAgainst(s, ['simulate', '--as', ALICE, '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k', '--context', 'aws:MultiFactorAuthPresent=false', '--context', 'aws:MultiFactorAuthAge=60']);
    assert.notEqual(cli.status, 0, cli.out);
    assert.notEqual(cli.status, 1, 'a refusal of the question, not a deny');
    assert.match(cli.err, /aws:MultiFactorAuthAge.*aws:MultiFactorAuthPresent/, cli.err);
  });

  it('SimulatePrincipalPolicy refuses it InvalidInput naming the entry', async () => {
    const f = await sdkFailure(
      s.iam().send(
        new I.SimulatePrincipalPolicyCommand({
          PolicySourceArn: ALICE,
          ActionNames: ['s3:GetObject'],
          ContextEntries: [
            { ContextKeyName: 'aws:MultiFactorAuthPresent', ContextKeyType: 'boolean', ContextKeyValues: ['false'] },
            { ContextKeyName: 'aws:MultiFactorAuthAge', ContextKeyType: 'numeric', ContextKeyValues: ['60'] },
          ],
        }),
      ),
    );
    assert.equal(f.status, 400, JSON.stringify(f));
    assert.equal(f.code, 'InvalidInput', JSON.stringify(f));
    assert.match(f.message, /ContextEntries\.member\.2.*aws:MultiFactorAuthAge/, f.message);
  });

  it('an age with MFA present, or alone, is decided as before', async () => {
    for (const context of [{ 'aws:MultiFactorAuthPresent': 'true', 'aws:MultiFactorAuthAge': '60' }, { 'aws:MultiFactorAuthAge': '0' }]) {
      const r = await ask('simulate', context);
      assert.equal(r.ok && r.value.decision, 'Allow', JSON.stringify(r));
    }
    const old = await ask('simulate', { 'aws:MultiFactorAuthPresent': 'true', 'aws:MultiFactorAuthAge': '7200' });
    assert.equal(old.ok && old.value.decision, 'ImplicitDeny', JSON.stringify(old));
  });

  it('the authorize API takes neither key, as before', async () => {
    const r = await ask('authorize', { 'aws:MultiFactorAuthPresent': 'false', 'aws:MultiFactorAuthAge': '-60' });
    assert.ok(r.ok, JSON.stringify(r));
  });
});
