/**
 * Policy review he, finding 1: the Numeric operators read both the policy's value and the request's as JavaScript
 * doubles, so two different decimals compared equal once past a double's 15–17 significant digits. A Deny on
 * `NumericGreaterThan svc:Bytes 9007199254740992` did not apply to 9007199254740993 (both read as 2^53), and one on
 * `NumericLessThan svc:Ratio 0.1` not to 0.09999999999999999999 (read as 0.1): the authorize API allowed both. The
 * reference (§A.1.7) says the Numeric operators take integers or decimals; the authorize edge already refuses a JSON
 * number whose digits were lost (review cm, 4), but the same digits given as a string were decided as another number.
 * The operators now compare the decimals as written, digit by digit: nothing is rounded.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { authorizeDecision } from './support/authorize-api.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';

describe('policy review he1: Numeric conditions compare decimals exactly', () => {
  let s: TestServer;
  const ask = (context: Record<string, string>): Promise<string> => authorizeDecision(s, { principal: `arn:aws:iam::${ROOT}:user/counted`, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context });
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new CreateUserCommand({ UserName: 'counted' }));
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
        { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { NumericGreaterThan: { 'svc:Bytes': '9007199254740992' } } },
        { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { NumericLessThan: { 'svc:Ratio': '0.1' } } },
        { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { NumericEquals: { 'svc:Serial': '12345678901234567890' } } },
      ],
    };
    await s.iam().send(new PutUserPolicyCommand({ UserName: 'counted', PolicyName: 'p', PolicyDocument: JSON.stringify(policy) }));
  });
  after(async () => {
    await s.stop();
  });

  it('an integer one past 2^53 is greater than 2^53', async () => {
    assert.equal(await ask({ 'svc:Bytes': '9007199254740993' }), 'ExplicitDeny');
    assert.equal(await ask({ 'svc:Bytes': '9007199254740992' }), 'Allow');
    assert.equal(await ask({ 'svc:Bytes': '9007199254740992.0' }), 'Allow');
  });

  it('a decimal below 0.1 in its 20th digit is less than 0.1', async () => {
    assert.equal(await ask({ 'svc:Ratio': '0.09999999999999999999' }), 'ExplicitDeny');
    assert.equal(await ask({ 'svc:Ratio': '0.100' }), 'Allow');
    assert.equal(await ask({ 'svc:Ratio': '+.1' }), 'Allow');
    assert.equal(await ask({ 'svc:Ratio': '-0.5' }), 'ExplicitDeny');
  });

  it('NumericEquals holds for the number written, not its double neighbours', async () => {
    assert.equal(await ask({ 'svc:Serial': '12345678901234567890' }), 'ExplicitDeny');
    assert.equal(await ask({ 'svc:Serial': '012345678901234567890.000' }), 'ExplicitDeny');
    assert.equal(await ask({ 'svc:Serial': '12345678901234567891' }), 'Allow');
  });
});
