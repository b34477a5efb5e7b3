/**
 * Review ic, 4. A question to `POST /v1/authorize` whose context gave `aws:CurrentTime` (or `aws:EpochTime`) — a
 * resource server deciding a request it received earlier at the time it was made, say — was decided at Gatehouse's
 * own time, rightly (the caller of a time-bound grant must not pick the clock; IAM sets the time itself), but the
 * answer said why in words that were wrong: "context `aws:CurrentTime` ignored: it describes the principal, and come
 * from the directory and the session". The time describes neither the principal nor its session, and the resource
 * server was left looking for a mistake in how it named the key; the one place that takes the time (`POST
 * /v1/simulate`, `gatehouse simulate`) went unsaid.
 *
 * Now a time key ignored is said to be the time of the question, taken from Gatehouse's clock, with where a time may be
 * given; the keys that do describe the principal keep their note (singular or plural, as the keys ignored are).
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const BOB = 'arn:aws:iam::000000000000:user/bob';
let s: TestServer;

before(async () => {
  s = await startTestServer();
  await s.iam().send(new CreateUserCommand({ UserName: 'bob' }));
  await s.iam().send(new PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } } }] }) }));
});
after(() => s?.stop());

const ask = async (context: Record<string, string>) => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: BOB, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as { decision: string; diagnostics: string[] };
};

test('a time given in the context is said to be the question\'s time, from Gatehouse\'s clock', async () => {
  const a = await ask({ 'aws:CurrentTime': '2031-01-01T00:00:00Z', 'aws:EpochTime': '1924992000' });
  // Decided at the server's time, as before.
  assert.equal(a.decision, 'Allow');
  assert.deepEqual(a.diagnostics, [
    'context `aws:CurrentTime`, `aws:EpochTime` ignored: they are the time of the question, which Gatehouse\'s clock gives (POST /v1/simulate and `gatehouse simulate` take a time)',
  ]);
});

test('keys that describe the principal keep their note, worded for one key as for several', async () => {
  const a = await ask({ 'aws:PrincipalTag/team': 'x', 'aws:CurrentTime': '2031-01-01T00:00:00Z' });
  assert.deepEqual(a.diagnostics, [
    'context `aws:PrincipalTag/team` ignored: it describes the principal, and comes from the directory and the session',
    'context `aws:CurrentTime` ignored: it is the time of the question, which Gatehouse\'s clock gives (POST /v1/simulate and `gatehouse simulate` take a time)',
  ]);
});
