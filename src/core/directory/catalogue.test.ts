import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_POLICIES, builtinPolicy } from './catalogue.ts';
import { compilePolicy, evaluate, parsePolicy, principalFromArn, contextOf } from '../iam/index.ts';

test('every built-in managed policy parses as an identity policy of its partition', () => {
  assert.ok(BUILTIN_POLICIES.length >= 11);
  for (const p of BUILTIN_POLICIES) {
    const r = parsePolicy(p.document, { kind: 'identity' });
    assert.ok(r.ok, `${p.name}: ${r.ok ? '' : JSON.stringify(r.errors)}`);
    assert.equal(r.value.dialect, p.partition, p.name);
  }
});

test('built-in policies grant what their names say', () => {
  const decide = (name: string, principal: string, action: string, resource: string, ctx: Record<string, string> = {}) => {
    const doc = parsePolicy(builtinPolicy(name)!.document, { kind: 'identity' });
    assert.ok(doc.ok);
    const p = principalFromArn(principal);
    assert.ok(p.ok);
    return evaluate({ principal: p.value, action, resource, context: contextOf(ctx) }, { identity: [compilePolicy(doc.value, name)] }).decision;
  };
  const alice = 'arn:aws:iam::123456789012:user/alice';
  assert.equal(decide('AdministratorAccess', alice, 'iam:DeleteRole', 'arn:aws:iam::123456789012:role/x'), 'Allow');
  assert.equal(decide('ReadOnlyAccess', alice, 's3:GetObject', 'arn:aws:s3:::b/k'), 'Allow');
  assert.equal(decide('ReadOnlyAccess', alice, 's3:PutObject', 'arn:aws:s3:::b/k'), 'ImplicitDeny');
  assert.equal(decide('IAMFullAccess', alice, 'iam:CreateRole', '*'), 'Allow');
  assert.equal(decide('IAMFullAccess', alice, 's3:GetObject', '*'), 'ImplicitDeny');
  assert.equal(decide('AmazonS3ReadOnlyAccess', alice, 's3:ListBucket', 'arn:aws:s3:::b'), 'Allow');
  assert.equal(decide('AmazonS3FullAccess', alice, 's3:DeleteObject', 'arn:aws:s3:::b/k'), 'Allow');
  assert.equal(decide('TrainingFullAccess', alice, 'iam:PassRole', 'arn:aws:iam::123456789012:role/r', { 'iam:PassedToService': 'training.gatehouse.dev' }), 'Allow');
  assert.equal(decide('TrainingFullAccess', alice, 'iam:PassRole', 'arn:aws:iam::123456789012:role/r', { 'iam:PassedToService': 'ec2.amazonaws.com' }), 'ImplicitDeny');
  assert.equal(decide('TrainingReadOnlyAccess', alice, 'training:CreateJob', '*'), 'ImplicitDeny');
  const ram = 'acs:ram::123456789012:user/bob';
  assert.equal(decide('AliyunOSSReadOnlyAccess', ram, 'oss:GetObject', 'acs:oss:*:123456789012:bucket/k'), 'Allow');
  assert.equal(decide('AliyunOSSReadOnlyAccess', ram, 'oss:PutObject', 'acs:oss:*:123456789012:bucket/k'), 'ImplicitDeny');
  assert.equal(decide('AliyunOSSFullAccess', ram, 'oss:PutObject', 'acs:oss:*:123456789012:bucket/k'), 'Allow');
});
