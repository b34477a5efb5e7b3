/**
 * Policy review fc, finding 1: a tag key may hold spaces (`Cost Center`: AWS's tag alphabet, which TagUser, TagRole
 * and AssumeRole's session tags take here too), but no policy could name one. The parser refused
 * `"StringEquals": {"aws:ResourceTag/Cost Center": …}` as "not a valid key name" (MalformedPolicyDocument through the
 * IAM API), and `${aws:PrincipalTag/Cost Center}` was not read as a variable, so `arn:aws:s3:::b/${aws:PrincipalTag/Cost
 * Center}/*` matched only that literal text: ABAC on such a tag was impossible, while IAM takes these policies (the
 * tag-key part of `aws:PrincipalTag/K` is any tag key). The authorize API and `policy evaluate` refused the key in a
 * question's context likewise. White space is now allowed in the part of a key after its first `/` (the tag key), in a
 * condition, a variable and a context; before it (`aws:Principal Tag`, `svc:my key`) it is still refused.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy, contextOf, evaluate, parsePolicy, principalFromArn, type CompiledPolicy } from '../src/core/iam/index.ts';
import { evaluatePolicies } from '../src/app/policy.ts';

const USER = 'arn:aws:iam::111122223333:user/alice';

function compiled(statement: Record<string, unknown>): CompiledPolicy {
  const r = parsePolicy({ Version: '2012-10-17', Statement: [statement] }, { kind: 'identity' });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return compilePolicy(r.value, 'p');
}

function decide(p: CompiledPolicy, resource: string, tags: Record<string, string>, context: Record<string, string> = {}): string {
  const who = principalFromArn(USER, { tags });
  assert.ok(who.ok);
  return evaluate({ principal: who.value, action: 's3:GetObject', resource, context: contextOf(context) }, { identity: [p] }).decision;
}

describe('policy review fc1: tag keys with spaces in condition keys and policy variables', () => {
  it('a condition on aws:ResourceTag/Cost Center, compared with ${aws:PrincipalTag/Cost Center}', () => {
    const p = compiled({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/Cost Center': '${aws:PrincipalTag/Cost Center}' } } });
    assert.equal(decide(p, 'arn:aws:s3:::b/x', { 'Cost Center': '1234' }, { 'aws:ResourceTag/Cost Center': '1234' }), 'Allow');
    // Keys compare without case, the tag key too (reference §A.1.7).
    assert.equal(decide(p, 'arn:aws:s3:::b/x', { 'cost center': '1234' }, { 'AWS:RESOURCETAG/COST CENTER': '1234' }), 'Allow');
    assert.equal(decide(p, 'arn:aws:s3:::b/x', { 'Cost Center': '1234' }, { 'aws:ResourceTag/Cost Center': '9999' }), 'ImplicitDeny');
  });

  it('${aws:PrincipalTag/Cost Center} in Resource is substituted; the literal text no longer matches', () => {
    const p = compiled({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/${aws:PrincipalTag/Cost Center}/*' });
    assert.equal(decide(p, 'arn:aws:s3:::b/1234/report', { 'Cost Center': '1234' }), 'Allow');
    assert.equal(decide(p, 'arn:aws:s3:::b/9999/report', { 'Cost Center': '1234' }), 'ImplicitDeny');
    assert.equal(decide(p, 'arn:aws:s3:::b/${aws:PrincipalTag/Cost Center}/report', { 'Cost Center': '1234' }), 'ImplicitDeny');
    // With a default, as `${aws:PrincipalTag/team, 'company-wide'}` is written.
    const d = compiled({ Effect: 'Allow', Action: 's3:GetObject', Resource: "arn:aws:s3:::b/${aws:PrincipalTag/Cost Center, 'shared'}/*" });
    assert.equal(decide(d, 'arn:aws:s3:::b/shared/x', {}), 'Allow');
  });

  it('white space before the tag key is still refused', () => {
    for (const key of ['aws:Principal Tag', 'aws:Source Ip', ' aws:SourceIp', 'aws:ResourceTag/a\tb']) {
      const r = parsePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { [key]: 'x' } } }] }, { kind: 'identity' });
      assert.ok(!r.ok, key);
      assert.equal(r.errors[0]?.code, 'POLICY_INVALID_CONDITION_KEY', key);
    }
  });

  it('policy evaluate takes the key in a question’s context', () => {
    const document = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/Cost Center': '1234' } } }] });
    const r = evaluatePolicies({ policies: [{ name: 'p', type: 'identity', text: document }], principal: USER, action: 's3:GetObject', resource: 'arn:aws:s3:::b/x', context: { 'aws:ResourceTag/Cost Center': '1234' } });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
    assert.equal(r.value.decision.decision, 'Allow');
    const bad = evaluatePolicies({ policies: [{ name: 'p', type: 'identity', text: document }], principal: USER, action: 's3:GetObject', resource: 'arn:aws:s3:::b/x', context: { 'svc:my key': 'v' } });
    assert.ok(!bad.ok);
    assert.equal(bad.errors[0]?.code, 'REQUEST_INVALID_CONTEXT');
  });
});
