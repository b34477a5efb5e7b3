/**
 * Review vd, 2: a simulation given `aws:CurrentTime` and `aws:EpochTime` for different instants was decided at two
 * times at once. POST /v1/simulate (and `gatehouse simulate`, who-can, SimulateCustomPolicy) takes `aws:CurrentTime` as
 * the request's time (review ej, 2; review fe, 4) but the engine reads each key as given, so with `aws:CurrentTime`
 * 2031 and `aws:EpochTime` 1000 a grant "until 2030" on `aws:CurrentTime` was refused while the same grant written on
 * `aws:EpochTime` allowed, in one question: the answer depended on which key a policy's author happened to use, and a
 * Deny "after 2030" on `aws:EpochTime` was lifted for a simulation of 2031. Two values of one fact are refused as two
 * dialects' values of one key are (review ug, 1): InvalidInput naming the key given second. The same instant under both
 * is decided as before; the authorize API, which takes neither (its clock gives the time), is unchanged.
 * Real server, SDK v3 IAM, CLI in process.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { ALICE, aliceWithPolicy, askAboutAlice } from './support/alice-world.ts';
import { cliAgainst, sdkFailure, type TestServer } from './support/server.ts';

const Y2031 = '2031-01-01T00:00:00Z';
const Y2031_EPOCH = String(Date.UTC(2031, 0, 1) / 1000);
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const POLICY = doc(
  { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } } },
  { Effect: 'Allow', Action: 's3:PutObject', Resource: '*', Condition: { DateLessThan: { 'aws:EpochTime': '2030-01-01T00:00:00Z' } } },
);

describe('review vd2: one question, one time', () => {
  let s!: TestServer;
  aliceWithPolicy(POLICY, (server) => (s = server));
  const ask = askAboutAlice(() => s);

  it('POST /v1/simulate and /v1/who-can refuse aws:CurrentTime 2031 with aws:EpochTime 1000, naming the second', async () => {
    for (const route of ['simulate', 'who-can'] as const) {
      for (const action of ['s3:GetObject', 's3:PutObject']) {
        const r = await ask(route, { 'aws:CurrentTime': Y2031, 'aws:EpochTime': '1000' }, action);
        assert.ok(!r.ok, `${route} ${action}: ${JSON.stringify(r)}`);
        assert.equal(r.httpStatus, 400, JSON.stringify(r));
        assert.equal(r.errors[0]?.path, 'context.aws:EpochTime', JSON.stringify(r));
        assert.match(r.message, /`aws:CurrentTime`.*`aws:EpochTime`.*different instants/, r.message);
      }
    }
  });

  it('gatehouse simulate refuses it, naming both keys', async () => {
    const cli = await cliAgainst(s, ['simulate', '--as', ALICE, '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::b/k', '--context', 'aws:EpochTime=1000', '--context', `aws:CurrentTime=${Y2031}`]);
    assert.notEqual(cli.status, 0);
    assert.notEqual(cli.status, 1, 'a refusal of the question, not a deny');
    assert.match(cli.err, /aws:EpochTime.*aws:CurrentTime.*different instants/, cli.out + cli.err);
  });

  it('SimulateCustomPolicy refuses it InvalidInput naming the entry', async () => {
    const f = await sdkFailure(
      s.iam().send(
        new I.SimulateCustomPolicyCommand({
          PolicyInputList: [POLICY],
          ActionNames: ['s3:PutObject'],
          ContextEntries: [
            { ContextKeyName: 'aws:CurrentTime', ContextKeyType: 'date', ContextKeyValues: [Y2031] },
            { ContextKeyName: 'aws:EpochTime', ContextKeyType: 'numeric', ContextKeyValues: ['1000'] },
          ],
        }),
      ),
    );
    assert.equal(f.status, 400, JSON.stringify(f));
    assert.equal(f.code, 'InvalidInput', JSON.stringify(f));
    assert.match(f.message, /ContextEntries\.member\.2.*different instants/, f.message);
  });

  it('the same instant under both keys is one time: both grants refused in 2031', async () => {
    for (const action of ['s3:GetObject', 's3:PutObject']) {
      const r = await ask('simulate', { 'aws:CurrentTime': Y2031, 'aws:EpochTime': Y2031_EPOCH }, action);
      assert.equal(r.ok && r.value.decision, 'ImplicitDeny', JSON.stringify(r));
    }
  });

  it('the authorize API takes neither, as before', async () => {
    const r = await ask('authorize', { 'aws:CurrentTime': Y2031, 'aws:EpochTime': '1000' }, 's3:PutObject');
    assert.equal(r.ok && r.value.decision, 'Allow', JSON.stringify(r));
  });
});
