/**
 * Review hn, 4: a policy variable written before an ARN's resource part was taken and kept as literal text. AWS
 * substitutes variables in `Resource`/`NotResource` "only in the resource part (after the fifth colon)" (reference
 * §A.1.6; "You can't use a variable to replace parts of the ARN before the fifth colon, such as the service or
 * account"), and so did Gatehouse's engine: `Deny dynamodb:* arn:aws:dynamodb:*:${aws:PrincipalAccount}:table/*`, a
 * guard meant to keep each account off its own tables, was stored by PutUserPolicy and then never applied (the pattern
 * names an account `${aws:PrincipalAccount}`, which no request has): the principal read its tables. A policy written now
 * (IAM API, apply, resource policies) is refused with MalformedPolicyDocument naming the element and the variable; one in
 * the resource part, and any `${…}` of a 2008-10-17 policy (literal text there, as the author chose), are accepted.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { parsePolicy } from '../src/core/iam/index.ts';
import { authorizeDecision } from './support/authorize-api.ts';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const doc = (Statement: object[], Version = '2012-10-17') => JSON.stringify({ Version, Statement });
const GUARD = doc([
  { Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' },
  { Effect: 'Deny', Action: 'dynamodb:*', Resource: 'arn:aws:dynamodb:*:${aws:PrincipalAccount}:table/*' },
]);

describe('review hn4: a policy variable before the resource part of an ARN', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new I.CreateUserCommand({ UserName: 'tabler' }));
  });
  after(async () => {
    await s.stop();
  });

  it('PutUserPolicy refuses it, naming the statement and the variable', async () => {
    const e = await sdkFailure(s.iam().send(new I.PutUserPolicyCommand({ UserName: 'tabler', PolicyName: 'guard', PolicyDocument: GUARD })));
    assert.equal(e.code, 'MalformedPolicyDocument');
    assert.match(e.message, /\$\{aws:PrincipalAccount\}/);
    assert.match(e.message, /resource part/);
    assert.match(e.message, /Statement\[1\]\.Resource/);
    assert.equal(await authorizeDecision(s, { principal: 'arn:aws:iam::000000000000:user/tabler', action: 'dynamodb:GetItem', resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/t' }), 'ImplicitDeny', 'nothing was stored');
  });

  it('in NotResource too, before any colon up to the fifth, an escape as well', () => {
    for (const r of ['arn:aws:ec2:${aws:RequestedRegion}:000000000000:instance/*', 'arn:${aws:PrincipalTag/partition}:s3:::b/*', 'arn:aws:dynamodb:*:${*}:table/t']) {
      const p = parsePolicy(doc([{ Effect: 'Deny', Action: 'ec2:*', NotResource: r }]), { kind: 'identity', written: true });
      assert.ok(!p.ok, r);
      assert.equal(p.errors[0]?.code, 'POLICY_INVALID_RESOURCE');
      assert.equal(p.errors[0]?.path, 'Statement[0].NotResource');
    }
  });

  it('accepted: in the resource part, under 2008-10-17, and a stored document still reads', async () => {
    await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'tabler', PolicyName: 'home', PolicyDocument: doc([{ Effect: 'Allow', Action: 's3:GetObject', Resource: ['arn:aws:s3:::home/${aws:username}/*', 'arn:aws:dynamodb:*:*:table/${aws:username}-${aws:PrincipalAccount}'] }]) }));
    assert.equal(await authorizeDecision(s, { principal: 'arn:aws:iam::000000000000:user/tabler', action: 's3:GetObject', resource: 'arn:aws:s3:::home/tabler/x' }), 'Allow');
    await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'tabler', PolicyName: 'old', PolicyDocument: doc([{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:${x}::b' }], '2008-10-17') }));
    assert.ok(parsePolicy(GUARD, { kind: 'identity' }).ok, 'read, not written: a stored document keeps parsing');
  });
});
