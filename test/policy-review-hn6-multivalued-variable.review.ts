/**
 * Review hn, 6: a multivalued key was taken as a policy variable. "Only single-valued keys can be variables" (reference
 * §A.1.6), and the engine read a multivalued key as one when a request happened to carry one value:
 * `Allow s3:PutObject arn:aws:s3:::drop/${aws:TagKeys}/*` let a request tagged with the single key `x` write under
 * `drop/x/`, one tagged with two keys nowhere, a grant that depends on how many tags a request carries. Now a variable
 * naming a multivalued key (`aws:TagKeys`, `sts:TransitiveTagKeys`, `aws:PrincipalOrgPaths`, `aws:CalledVia`…, in
 * either dialect's spelling and any case) never has a value, as one with several values never had: in `Resource` it
 * matches nothing, in a condition a positive operator fails on it and a negated one holds. A policy written now (IAM
 * API, apply, resource policies) refuses it at its element; a stored one reads as said.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { compilePolicy, contextOf, evaluate, parsePolicy, principalFromArn } from '../src/core/iam/index.ts';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const doc = (Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const DROP = doc([{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::drop/${aws:TagKeys}/*' }]);

function decide(text: string, resource: string, context: Record<string, unknown>): string {
  const p = parsePolicy(text, { kind: 'identity' });
  assert.ok(p.ok, JSON.stringify(p));
  const alice = principalFromArn('arn:aws:iam::111122223333:user/alice', { tags: { team: 'ml' } });
  assert.ok(alice.ok);
  return evaluate({ principal: alice.value, action: 's3:PutObject', resource, context: contextOf(context) }, { identity: [compilePolicy(p.value, 'p')] }).decision;
}

describe('review hn6: a multivalued key is no policy variable', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new I.CreateUserCommand({ UserName: 'dropper' }));
  });
  after(async () => {
    await s.stop();
  });

  it('PutUserPolicy refuses it in a Resource and in a condition value', async () => {
    const e = await sdkFailure(s.iam().send(new I.PutUserPolicyCommand({ UserName: 'dropper', PolicyName: 'p', PolicyDocument: DROP })));
    assert.equal(e.code, 'MalformedPolicyDocument');
    assert.match(e.message, /\$\{aws:TagKeys\}.*multivalued/);
    const cond = parsePolicy(doc([{ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { StringEquals: { 'aws:RequestTag/owner': 'x-${STS:TransitiveTagKeys}' } } }]), { kind: 'identity', written: true });
    assert.ok(!cond.ok);
    assert.equal(cond.errors[0]?.path, 'Statement[0].Condition.StringEquals.aws:RequestTag/owner');
    await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'dropper', PolicyName: 'p', PolicyDocument: doc([{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::drop/${aws:PrincipalTag/team}/*' }]) }));
  });

  it('a stored policy: the variable has no value, however many values the request carries', () => {
    assert.equal(decide(DROP, 'arn:aws:s3:::drop/x/o', { 'aws:TagKeys': ['x'] }), 'ImplicitDeny');
    assert.equal(decide(DROP, 'arn:aws:s3:::drop/x/o', { 'aws:TagKeys': ['x', 'y'] }), 'ImplicitDeny');
    const deny = doc([
      { Effect: 'Allow', Action: 's3:*', Resource: '*' },
      { Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { StringNotEquals: { 's3:prefix': '${acs:tagkeys}' } } },
    ]);
    assert.equal(decide(deny, 'arn:aws:s3:::b/k', { 's3:prefix': 'x', 'acs:TagKeys': ['x'] }), 'ExplicitDeny', 'a negated operator holds on a variable with no value');
    // A single-valued key's variable resolves as ever.
    assert.equal(decide(doc([{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::drop/${aws:PrincipalTag/team}/*' }]), 'arn:aws:s3:::drop/ml/o', {}), 'Allow');
  });
});
