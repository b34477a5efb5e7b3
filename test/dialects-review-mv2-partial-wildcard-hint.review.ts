/**
 * Review mv, 2: a principal with a partial wildcard was refused with advice the dialect or principal type cannot follow.
 * Before the fix 2 of 3 tests failed.
 *
 * Every partial wildcard (`acs:ram::<uid>:user/*`, `*.amazonaws.com`) was told to "use a condition on `aws:PrincipalArn`
 * with `ArnLike`". In a RAM policy (`Version: "1"`) `ArnLike` is refused (RAM has no Arn operators, reference §A.2), so
 * the rewrite the error asked for was refused in turn; and a service principal has no `aws:PrincipalArn` (reference
 * §A.1.8), so an Allow written as told granted no service and a Deny written with `ArnNotLike` denied every one. Now the
 * advice fits: RAM's `acs:PrincipalARN` with `StringLike`, a service's `aws:PrincipalServiceName` with `StringLike` (or, in
 * RAM, the service names listed), and the AWS principal's `aws:PrincipalArn` with `ArnLike` as before. Each piece of
 * advice is checked to parse and to do what the wildcard meant. Pure: the parser and the engine, as the admin API, apply
 * and `policy validate` use them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy, evaluate, parsePolicy, principalFromArn, type PolicyKind } from '../src/core/iam/index.ts';

const refusal = (doc: object, kind: PolicyKind): string => {
  const r = parsePolicy(JSON.stringify(doc), { kind, written: true });
  assert.ok(!r.ok, 'a partial wildcard is refused');
  const e = r.errors.find((x) => x.code === 'POLICY_INVALID_PRINCIPAL');
  assert.ok(e, JSON.stringify(r.errors));
  return e.message;
};
const accepted = (doc: object, kind: PolicyKind) => {
  const r = parsePolicy(JSON.stringify(doc), { kind, written: true });
  assert.ok(r.ok, JSON.stringify(r.ok ? '' : r.errors));
  return compilePolicy(r.value, 'p');
};
const who = (arn: string) => {
  const r = principalFromArn(arn);
  assert.ok(r.ok);
  return r.value;
};

describe('a partial wildcard principal is refused with advice that can be followed (review mv, 2)', () => {
  it('RAM: a condition on `acs:PrincipalARN` with `StringLike`, which RAM takes and which matches as the wildcard meant', () => {
    const bucket = (Principal: unknown, Condition?: object) => ({
      Version: '1',
      Statement: [{ Effect: 'Allow', Principal, Action: 'oss:GetObject', Resource: 'acs:oss:*:*:b/*', ...(Condition ? { Condition } : {}) }],
    });
    const message = refusal(bucket({ RAM: 'acs:ram::1234567890:user/dev-*' }), 'resource');
    assert.match(message, /`acs:PrincipalARN`/, message);
    assert.match(message, /`StringLike`/, message);
    assert.doesNotMatch(message, /ArnLike/, message);
    const p = accepted(bucket({ RAM: '*' }, { StringLike: { 'acs:PrincipalARN': 'acs:ram::1234567890:user/dev-*' } }), 'resource');
    const ask = (arn: string) => evaluate({ principal: who(arn), action: 'oss:GetObject', resource: 'acs:oss:*:*:b/x', resourceAccount: '1234567890' }, { identity: [], resource: [p] }).decision;
    assert.equal(ask('acs:ram::1234567890:user/dev-ann'), 'Allow');
    assert.equal(ask('acs:ram::1234567890:user/ops-bob'), 'ImplicitDeny');
  });

  it('AWS service principal: a condition on `aws:PrincipalServiceName`, which a service has (it has no `aws:PrincipalArn`)', () => {
    const bucket = (Principal: unknown, Condition?: object) => ({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal, Action: 's3:PutObject', Resource: 'arn:aws:s3:::logs/*', ...(Condition ? { Condition } : {}) }],
    });
    const message = refusal(bucket({ Service: '*.amazonaws.com' }), 'resource');
    assert.match(message, /`aws:PrincipalServiceName`/, message);
    assert.doesNotMatch(message, /aws:PrincipalArn/, message);
    const p = accepted(bucket({ Service: '*' }, { StringLike: { 'aws:PrincipalServiceName': '*.amazonaws.com' } }), 'resource');
    const ask = (name: string) => evaluate({ principal: who(name), action: 's3:PutObject', resource: 'arn:aws:s3:::logs/x', resourceAccount: '111122223333' }, { identity: [], resource: [p] }).decision;
    assert.equal(ask('logging.s3.amazonaws.com'), 'Allow');
    assert.equal(ask('training.gatehouse.dev'), 'ImplicitDeny');
  });

  it('AWS principal: still `aws:PrincipalArn` with `ArnLike`', () => {
    const message = refusal({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/ci-*' }, Action: 'sts:AssumeRole' }] }, 'trust');
    assert.match(message, /`aws:PrincipalArn` with `ArnLike`/, message);
  });
});
