/**
 * Review vd, 1: a simulation given a time beyond what a date holds (`aws:EpochTime` 99999999999999999999, or
 * -99999999999999) was answered 500 InternalFailure by POST /v1/simulate, `gatehouse simulate`, POST /v1/who-can and
 * SimulateCustomPolicy: the value passed the context's check (`aws:EpochTime` was any decimal number), became the
 * request's time (review ej, 2; review fe, 4), and the engine, writing the `aws:CurrentTime` a policy read from it as a
 * date, threw RangeError. A what-if's bad input must be a 400 naming it (docs/errors.md), as `aws:CurrentTime` `nope` is.
 * Now a time key (`aws:CurrentTime`, `aws:EpochTime`, `aws:TokenIssueTime`) holds a time of years 0000 to 9999 (the
 * dates conditions read; past 9999 the derived `aws:CurrentTime` was `+010000-…`, which no condition reads), else the
 * question is refused InvalidInput naming the key and its path; a time within them is decided as before. Real server, SDK v3 IAM, CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { cliAgainst, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const ALICE = 'arn:aws:iam::000000000000:user/alice';
const SUNSET = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b1/*', Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } } };
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review vd1: a simulated time beyond a date is refused naming it, not answered 500', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'p', PolicyDocument: doc(SUNSET) }));
  });
  after(() => s?.stop());

  const ask = (route: 'simulate' | 'who-can', context: Record<string, string>) =>
    call<{ decision?: string }>(connectionTo(s.url, s.admin), 'POST', [route], { body: { ...(route === 'simulate' ? { principal: ALICE } : {}), action: 's3:GetObject', resource: 'arn:aws:s3:::b1/k', context } });

  for (const [key, value] of [['aws:EpochTime', '99999999999999999999'], ['aws:EpochTime', '-99999999999999'], ['aws:CurrentTime', '99999999999999999999'], ['aws:EpochTime', '253402300800']] as const) {
    it(`POST /v1/simulate and /v1/who-can refuse ${key} ${value} with 400 naming context.${key}`, async () => {
      for (const route of ['simulate', 'who-can'] as const) {
        const r = await ask(route, { [key]: value });
        assert.ok(!r.ok, `${route}: ${JSON.stringify(r)}`);
        assert.equal(r.httpStatus, 400, `${route}: ${JSON.stringify(r)}`);
        assert.equal(r.errors[0]?.path, `context.${key}`, JSON.stringify(r));
        assert.match(r.message, new RegExp(`\`${key}\`.*the times a date is written in`), r.message);
      }
    });
  }

  it('gatehouse simulate says so and exits with a usage-like status, not a server failure', async () => {
    const cli = await cliAgainst(s, ['simulate', '--as', ALICE, '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b1/k', '--context', 'aws:EpochTime=99999999999999999999']);
    assert.notEqual(cli.status, 0);
    assert.match(cli.err, /aws:EpochTime/, cli.out + cli.err);
    assert.doesNotMatch(cli.err, /internal error|InternalFailure/i, cli.err);
  });

  it('SimulateCustomPolicy refuses it InvalidInput naming the entry', async () => {
    const f = await sdkFailure(s.iam().send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [doc(SUNSET)], ActionNames: ['s3:GetObject'], ResourceArns: ['arn:aws:s3:::b1/k'], ContextEntries: [{ ContextKeyName: 'aws:EpochTime', ContextKeyType: 'numeric', ContextKeyValues: ['99999999999999999999'] }] })));
    assert.equal(f.status, 400, JSON.stringify(f));
    assert.equal(f.code, 'InvalidInput', JSON.stringify(f));
    assert.match(f.message, /ContextEntries\.member\.1.*aws:EpochTime/, f.message);
  });

  it('a time within a date is decided as before', async () => {
    const before2030 = await ask('simulate', { 'aws:EpochTime': '1800000000' });
    assert.equal(before2030.ok && before2030.value.decision, 'Allow', JSON.stringify(before2030));
    const far = await ask('simulate', { 'aws:CurrentTime': '9999-12-31T23:59:59Z' });
    assert.equal(far.ok && far.value.decision, 'ImplicitDeny', JSON.stringify(far));
    const early = await ask('simulate', { 'aws:EpochTime': '-62167219200' });
    assert.equal(early.ok && early.value.decision, 'Allow', JSON.stringify(early));
  });
});
