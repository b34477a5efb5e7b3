/**
 * Policy review he, finding 3: a Date value of four characters was always read as a year, so epoch seconds written in
 * four characters (`12.5`, `-100`, `0.25`) were no date at all. A policy with `DateLessThan svc:Since -100` was refused
 * as "not a date" (MalformedPolicyDocument from PutUserPolicy), and a request value `12.5` against `DateGreaterThan
 * svc:Since 10` could not be read, so the Allow did not apply (authorize API: ImplicitDeny). The reference (§A.1.7)
 * takes the W3C profile, whose year is four digits, or epoch seconds: only four digits are a year now; any other
 * number is epoch seconds.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { authorizeDecision } from './support/authorize-api.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';

describe('policy review he3: epoch seconds written in four characters are epoch seconds', () => {
  let s: TestServer;
  const ask = (at: string): Promise<string> => authorizeDecision(s, { principal: `arn:aws:iam::${ROOT}:user/early`, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: { 'svc:Since': at } });
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new CreateUserCommand({ UserName: 'early' }));
  });
  after(async () => {
    await s.stop();
  });

  it('a policy may compare with -100 epoch seconds, and a request may say 12.5', async () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { DateGreaterThan: { 'svc:Since': '10' } } },
        { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { DateLessThan: { 'svc:Since': '-100' } } },
      ],
    };
    await s.iam().send(new PutUserPolicyCommand({ UserName: 'early', PolicyName: 'p', PolicyDocument: JSON.stringify(policy) }));
    assert.equal(await ask('12.5'), 'Allow');
    assert.equal(await ask('9.99'), 'ImplicitDeny');
    assert.equal(await ask('-200'), 'ExplicitDeny');
    // Four digits stay a year: 1971 is 1971-01-01, past 10 seconds after the epoch.
    assert.equal(await ask('1971'), 'Allow');
    assert.equal(await ask('1970-01-01T00:00:12Z'), 'Allow');
  });
});
