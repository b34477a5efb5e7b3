/**
 * Review vg, 1: a simulation given an `aws:TokenIssueTime` later than its own time was decided as given. A simulation's
 * `aws:CurrentTime` (or `aws:EpochTime`) is the request's time (review ej, 2), and `aws:TokenIssueTime` when the
 * session making the request was issued (review bz, 2): a session issued in 2031 asking in 2030 cannot be, yet POST
 * /v1/simulate (and `gatehouse simulate`, who-can, SimulateCustomPolicy) answered it, so the revoke-old-sessions Deny
 * (`DateLessThan aws:TokenIssueTime`) was lifted for a question no session can ask, and a grant to "sessions issued
 * since" allowed one in a year it did not exist. Such a context is now refused InvalidInput naming `aws:TokenIssueTime`,
 * as two request times are (review vd, 2); a session issued before or at the request's time is decided as before, and
 * the authorize API, which takes neither key (its clock and the session give them), is unchanged.
 * Real server, SigV4-signed /v1/ requests, SDK v3 IAM, CLI in process.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { ALICE, aliceWithPolicy, askAboutAlice } from './support/alice-world.ts';
import { cliAgainst, sdkFailure, type TestServer } from './support/server.ts';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
// Sessions issued before 2030 are revoked: the Deny IAM's console writes for "revoke active sessions".
const POLICY = doc(
  { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
  { Effect: 'Deny', Action: '*', Resource: '*', Condition: { DateLessThan: { 'aws:TokenIssueTime': '2030-01-01T00:00:00Z' } } },
);
const Y2030 = '2030-06-01T00:00:00Z';
const Y2031 = '2031-01-01T00:00:00Z';

describe('review vg1: no session is issued after the request it makes', () => {
  let s!: TestServer;
  aliceWithPolicy(POLICY, (server) => (s = server));
  const ask = askAboutAlice(() => s);

  it('POST /v1/simulate and /v1/who-can refuse a token issued after aws:CurrentTime (or aws:EpochTime), naming aws:TokenIssueTime', async () => {
    const epoch2030 = String(Date.parse(Y2030) / 1000);
    for (const route of ['simulate', 'who-can'] as const) {
      for (const context of [
        { 'aws:CurrentTime': Y2030, 'aws:TokenIssueTime': Y2031 },
        { 'aws:TokenIssueTime': Y2031, 'aws:EpochTime': epoch2030 },
        { 'acs:TokenIssueTime': Y2031, 'aws:CurrentTime': Y2030 },
      ]) {
        const r = await ask(route, context);
        assert.ok(!r.ok, `${route} ${JSON.stringify(context)}: ${JSON.stringify(r)}`);
        assert.equal(r.httpStatus, 400, JSON.stringify(r));
        const key = Object.keys(context).find((k) => k.endsWith('TokenIssueTime')) as string;
        assert.equal(r.errors[0]?.path, `context.${key}`, JSON.stringify(r));
        assert.match(r.message, new RegExp(`\`${key}\`.*after the request's time`), r.message);
      }
    }
  });

  it('gatehouse simulate refuses it, naming the key', async () => {
    const cli = await cliAgainst(s, ['simulate', '--as', ALICE, '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k', '--context', `aws:CurrentTime=${Y2030}`, '--context', `aws:TokenIssueTime=${Y2031}`]);
    assert.notEqual(cli.status, 0, cli.out);
    assert.notEqual(cli.status, 1, 'a refusal of the question, not a deny');
    assert.match(cli.err, /aws:TokenIssueTime.*after the request's time/, cli.out + cli.err);
  });

  it('SimulateCustomPolicy refuses it InvalidInput naming the entry', async () => {
    const f = await sdkFailure(
      s.iam().send(
        new I.SimulateCustomPolicyCommand({
          PolicyInputList: [POLICY],
          ActionNames: ['s3:GetObject'],
          ContextEntries: [
            { ContextKeyName: 'aws:TokenIssueTime', ContextKeyType: 'date', ContextKeyValues: [Y2031] },
            { ContextKeyName: 'aws:CurrentTime', ContextKeyType: 'date', ContextKeyValues: [Y2030] },
          ],
        }),
      ),
    );
    assert.equal(f.status, 400, JSON.stringify(f));
    assert.equal(f.code, 'InvalidInput', JSON.stringify(f));
    assert.match(f.message, /ContextEntries\.member\.1.*after the request's time/, f.message);
  });

  it('a session issued before, or at, the request time is decided as before', async () => {
    const revoked = await ask('simulate', { 'aws:CurrentTime': Y2031, 'aws:TokenIssueTime': '2029-01-01T00:00:00Z' });
    assert.equal(revoked.ok && revoked.value.decision, 'ExplicitDeny', JSON.stringify(revoked));
    const fresh = await ask('simulate', { 'aws:CurrentTime': Y2031, 'aws:TokenIssueTime': Y2031 });
    assert.equal(fresh.ok && fresh.value.decision, 'Allow', JSON.stringify(fresh));
  });

  it('the authorize API takes neither key, as before', async () => {
    const r = await ask('authorize', { 'aws:CurrentTime': Y2030, 'aws:TokenIssueTime': Y2031 });
    assert.ok(r.ok, JSON.stringify(r));
  });
});
