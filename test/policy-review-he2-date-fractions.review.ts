/**
 * Policy review he, finding 2: the Date operators read an ISO 8601 time's fraction of a second rounded to the
 * millisecond, so a time a fraction before a bound could be read as the bound itself. A Deny on `DateLessThan
 * svc:SignedAt 2026-01-01T00:00:01Z` did not apply to `2026-01-01T00:00:00.9999Z` (rounded up to 00:00:01.000), and one
 * on `DateGreaterThan svc:SignedAt 2026-06-01T00:00:00Z` not to `2026-06-01T00:00:00.0001Z` (rounded down to the
 * bound): the authorize API allowed both. The reference (§A.1.7) takes the W3C profile, whose fraction has any number
 * of digits; the operators now compare every digit of it (and of epoch seconds), as the Numeric ones compare decimals.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { authorizeDecision } from './support/authorize-api.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';

describe('policy review he2: Date conditions read every digit of a fraction of a second', () => {
  let s: TestServer;
  const ask = (at: string): Promise<string> => authorizeDecision(s, { principal: `arn:aws:iam::${ROOT}:user/timed`, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: { 'svc:SignedAt': at } });
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new CreateUserCommand({ UserName: 'timed' }));
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
        { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { DateLessThan: { 'svc:SignedAt': '2026-01-01T00:00:01Z' } } },
        { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { DateGreaterThan: { 'svc:SignedAt': '2026-06-01T00:00:00Z' } } },
      ],
    };
    await s.iam().send(new PutUserPolicyCommand({ UserName: 'timed', PolicyName: 'p', PolicyDocument: JSON.stringify(policy) }));
  });
  after(async () => {
    await s.stop();
  });

  it('a time a ten-thousandth of a second before the lower bound is before it', async () => {
    assert.equal(await ask('2026-01-01T00:00:00.9999Z'), 'ExplicitDeny');
    assert.equal(await ask('2026-01-01T00:00:01.0000Z'), 'Allow');
    assert.equal(await ask('2026-01-01T01:00:00.99999+01:00'), 'ExplicitDeny');
    assert.equal(await ask('1767225600.9999'), 'ExplicitDeny');
    assert.equal(await ask('1767225601'), 'Allow');
  });

  it('a time a ten-thousandth of a second past the upper bound is after it', async () => {
    assert.equal(await ask('2026-06-01T00:00:00.0001Z'), 'ExplicitDeny');
    assert.equal(await ask('2026-06-01T00:00:00.000Z'), 'Allow');
    assert.equal(await ask('2026-05-31T23:59:59.99999999Z'), 'Allow');
  });
});
