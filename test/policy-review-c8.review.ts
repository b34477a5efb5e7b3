/**
 * Policy review C8: dates before the year 100 were read as 1900–1999 (`Date.UTC` maps years 0–99 so), and timezone
 * offsets past 23 hours were taken. A request date `0050-01-01` against `Deny DateLessThan 1940-01-01` was read as
 * 1950 and the Deny did not apply (authorize API, real server); `+25:00` now fails to parse, as any malformed date does
 * (the Deny applies, fails closed).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { authorizeDecision } from './support/authorize-api.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';

describe('policy review C8: years 0–99 and timezone offsets in Date conditions', () => {
  let s: TestServer;
  const ask = (date: string): Promise<string> => authorizeDecision(s, { principal: `arn:aws:iam::${ROOT}:user/dated`, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: { 'svc:ValidFrom': date } });
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new CreateUserCommand({ UserName: 'dated' }));
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }, { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { DateLessThan: { 'svc:ValidFrom': '1940-01-01T00:00:00Z' } } }] };
    await s.iam().send(new PutUserPolicyCommand({ UserName: 'dated', PolicyName: 'p', PolicyDocument: JSON.stringify(policy) }));
  });
  after(async () => {
    await s.stop();
  });

  it('0050-01-01 is before 1940; 1950 is not; +25:00 does not parse (the Deny applies)', async () => {
    assert.equal(await ask('0050-01-01T00:00:00Z'), 'ExplicitDeny');
    assert.equal(await ask('1950-01-01T00:00:00Z'), 'Allow');
    assert.equal(await ask('1950-01-01T00:00:00+25:00'), 'ExplicitDeny');
    assert.equal(await ask('1950-01-01T00:00:00+05:30'), 'Allow');
  });
});
