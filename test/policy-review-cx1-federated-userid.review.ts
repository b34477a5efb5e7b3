/**
 * Policy review CX1: `aws:userid` of a federated user (GetFederationToken) is `ACCOUNT:caller-specified-name`, the
 * value AWS documents for it and the one its own knowledge-center answer builds per-user S3 folders on
 * (`arn:aws:s3:::bucket/${aws:userid}/*`, "the correct format is 123456789102:Bob"; `aws:username` is absent for
 * federated users). The engine gave the federated user's ARN, so that policy granted nothing and a condition on
 * `aws:userid` = `ACCOUNT:*` never held.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy, evaluate, parsePolicy, principalFromArn, type CompiledPolicy } from '../src/core/iam/index.ts';

const ACCT = '111122223333';
const compile = (...Statement: unknown[]): CompiledPolicy => {
  const r = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement }), { kind: 'identity' });
  assert.ok(r.ok, JSON.stringify(r));
  return compilePolicy(r.value, 'p');
};

describe('policy review CX1: aws:userid of a federated user', () => {
  const bob = principalFromArn(`arn:aws:sts::${ACCT}:federated-user/Bob`);
  assert.ok(bob.ok);
  // A federated user's permissions are its caller's identity policies ∩ the session policy GetFederationToken was given.
  const session = compile({ Effect: 'Allow', Action: 's3:*', Resource: '*' });
  const decide = (identity: CompiledPolicy, resource: string): string => evaluate({ principal: bob.value, action: 's3:GetObject', resource }, { identity: [identity], session: [session] }).decision;

  it('${aws:userid} in Resource is ACCOUNT:name (the documented per-user folder)', () => {
    const folders = compile({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::TESTBUCKET/${aws:userid}/*' });
    assert.equal(decide(folders, `arn:aws:s3:::TESTBUCKET/${ACCT}:Bob/notes.txt`), 'Allow');
    assert.equal(decide(folders, `arn:aws:s3:::TESTBUCKET/${ACCT}:Alice/notes.txt`), 'ImplicitDeny');
  });

  it('a condition on aws:userid sees ACCOUNT:name', () => {
    const byId = compile({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringLike: { 'aws:userid': `${ACCT}:*` } } });
    assert.equal(decide(byId, 'arn:aws:s3:::b/k'), 'Allow');
  });
});
