/**
 * Policy review C3: `aws:ResourceAccount` was never in the request, so the data-perimeter guard `Deny StringNotEquals
 * aws:ResourceAccount <own account>` refused even the account's own resources (authorize API, real server). It is now
 * the account the decision takes as the resource's owner, when that is known.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { authorizeDecision } from './support/authorize-api.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const doc = (...Statement: unknown[]): string => JSON.stringify({ Version: V, Statement });

describe('policy review C3: evaluation against AWS through the real server', () => {
  let s: TestServer;
  const ask = (body: Record<string, unknown>, as?: Credentials): Promise<string> => authorizeDecision(s, body, as);
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new CreateUserCommand({ UserName: 'perimeter' }));
    await iam.send(new PutUserPolicyCommand({
      UserName: 'perimeter',
      PolicyName: 'p',
      PolicyDocument: doc({ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }, { Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:ResourceAccount': ROOT } } }),
    }));
  });
  after(async () => {
    await s.stop();
  });

  it('C3: aws:ResourceAccount is the resource’s account: a data perimeter keeps the account’s own resources', async () => {
    const base = { principal: `arn:aws:iam::${ROOT}:user/perimeter`, action: 'sqs:SendMessage' };
    assert.equal(await ask({ ...base, resource: `arn:aws:sqs:us-east-1:${ROOT}:jobs` }), 'Allow');
    assert.equal(await ask({ ...base, resource: 'arn:aws:sqs:us-east-1:111122223333:jobs' }), 'ExplicitDeny');
  });
});
