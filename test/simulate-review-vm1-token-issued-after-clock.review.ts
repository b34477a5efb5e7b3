/**
 * Review vm, 1: a simulation given an `aws:TokenIssueTime` later than now, and no `aws:CurrentTime` (nor
 * `aws:EpochTime`), was decided as given. With no request time in its context a simulation is asked at the server's
 * clock (review ej, 2), so a session said to be issued in 2099 is making a request decades before it exists: review vg, 1
 * refused such a context only when the request's time was given, and a "revoke sessions issued before" Deny
 * (`DateLessThan aws:TokenIssueTime`) was lifted for it, or a grant to "sessions issued since 2090" allowed it today.
 * It is now refused as vg 1's context is (InvalidInput naming the issue-time key, the request's time being now) on
 * POST /v1/simulate, /v1/who-can, `gatehouse simulate`, SimulateCustomPolicy and SimulatePrincipalPolicy; a session
 * issued in the past is decided as before.
 * Real server, SigV4-signed /v1/ requests, SDK v3 IAM, CLI in process.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { ALICE, aliceWithPolicy, askAboutAlice } from './support/alice-world.ts';
import { cliAgainst, sdkFailure, type TestServer } from './support/server.ts';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
// Sessions issued before 2030 are revoked; sessions issued from 2090 may read.
const POLICY = doc(
  { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { DateGreaterThan: { 'aws:TokenIssueTime': '2090-01-01T00:00:00Z' } } },
  { Effect: 'Deny', Action: '*', Resource: '*', Condition: { DateLessThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' } } },
);
const Y2099 = '2099-01-01T00:00:00Z';

describe('review vm1: no session is issued after the clock a simulation without a request time is asked at', () => {
  let s!: TestServer;
  aliceWithPolicy(POLICY, (server) => (s = server));
  const ask = askAboutAlice(() => s);

  it('POST /v1/simulate and /v1/who-can refuse a token issued after now, naming the key', async () => {
    for (const route of ['simulate', 'who-can'] as const) {
      for (const key of ['aws:TokenIssueTime', 'acs:TokenIssueTime']) {
        const r = await ask(route, { [key]: Y2099 });
        assert.ok(!r.ok, `${route} ${key}: ${JSON.stringify(r)}`);
        assert.equal(r.httpStatus, 400, JSON.stringify(r));
        assert.equal(r.errors[0]?.path, `context.${key}`, JSON.stringify(r));
        assert.match(r.message, new RegExp(`\`${key}\`.*after the request's time`), r.message);
      }
    }
  });

  it('gatehouse simulate refuses it, naming the key', async () => {
    const cli = await cliAgainst(s, ['simulate', '--as', ALICE, '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k', '--context', `aws:TokenIssueTime=${Y2099}`]);
    assert.notEqual(cli.status, 0, cli.out);
    assert.notEqual(cli.status, 1, 'a refusal of the question, not a deny');
    assert.match(cli.err, /aws:TokenIssueTime.*after the request's time/, cli.out + cli.err);
  });

  it('SimulateCustomPolicy and SimulatePrincipalPolicy refuse it InvalidInput naming the entry', async () => {
    const ContextEntries = [{ ContextKeyName: 'aws:TokenIssueTime', ContextKeyType: 'date' as const, ContextKeyValues: [Y2099] }];
    for (const command of [
      new I.SimulateCustomPolicyCommand({ PolicyInputList: [POLICY], ActionNames: ['s3:GetObject'], ContextEntries }),
      new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: ALICE, ActionNames: ['s3:GetObject'], ContextEntries }),
    ]) {
      const f = await sdkFailure(s.iam().send(command as I.SimulateCustomPolicyCommand));
      assert.equal(f.status, 400, JSON.stringify(f));
      assert.equal(f.code, 'InvalidInput', JSON.stringify(f));
      assert.match(f.message, /ContextEntries\.member\.1.*after the request's time/, f.message);
    }
  });

  it('a session issued in the past is decided as before', async () => {
    const revoked = await ask('simulate', { 'aws:TokenIssueTime': '2019-01-01T00:00:00Z' });
    assert.equal(revoked.ok && revoked.value.decision, 'ExplicitDeny', JSON.stringify(revoked));
    const older = await ask('simulate', { 'aws:TokenIssueTime': '2021-01-01T00:00:00Z' });
    assert.equal(older.ok && older.value.decision, 'ImplicitDeny', JSON.stringify(older));
    // Asked in 2095, a session issued in 2091 is a fact of that time, and is allowed.
    const later = await ask('simulate', { 'aws:CurrentTime': '2095-01-01T00:00:00Z', 'aws:TokenIssueTime': '2091-01-01T00:00:00Z' });
    assert.equal(later.ok && later.value.decision, 'Allow', JSON.stringify(later));
  });
});
