/**
 * Policy review qx, 3: the engine's `principalFromArn` (docs/engine-api.md) given a role's ARN and a session name
 * (`extra.session.name`) is that session, its ARN naming it.
 * Before the fix 3 of 4 tests failed.
 *
 * The API takes a role's ARN (`arn:aws:iam::A:role/R`, `acs:ram::A:role/R`) for any session of the role, and the
 * session's name, issue time and source identity in `extra.session`. With a name given, the principal was no longer
 * "any session" (`anySession` unset) and read its name as the session's (`aws:userid` `AROA…:job-42`), yet its ARN stayed
 * the made-up `…:assumed-role/R/session` (`acs:ram::A:role/R/session`), which is what statements naming a session are
 * matched against: a bucket policy's Deny of `arn:aws:sts::A:assumed-role/R/job-42` did not apply to the session job-42
 * (Allow, its identity policy allowing), an Allow naming it did not grant, and one naming a session called `session`
 * granted it. Now the ARN names the session given (`arn:aws:sts::A:assumed-role/R/job-42`, `acs:ram::A:role/R/job-42`),
 * as principalFromArn of the session's own ARN gives; without a name, any session, as before. Pure: the engine alone.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy, contextOf, evaluate, parsePolicy, principalFromArn, type CompiledPolicy, type PolicyKind, type Principal } from '../src/core/iam/index.ts';

const A = '111122223333';
const SESSION = `arn:aws:sts::${A}:assumed-role/trainer/job-42`;

const compiled = (name: string, kind: PolicyKind, statement: Record<string, unknown>): CompiledPolicy => {
  const r = parsePolicy({ Version: '2012-10-17', Statement: [statement] }, { kind, written: true });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return compilePolicy(r.value, name);
};
const principal = (arn: string, name?: string): Principal => {
  const p = principalFromArn(arn, name === undefined ? {} : { session: { name, issuedAt: Date.parse('2026-12-06T20:00:00Z') } });
  if (!p.ok) throw new Error(JSON.stringify(p.errors));
  return p.value;
};
const decide = (p: Principal, resource: readonly CompiledPolicy[], identity: readonly CompiledPolicy[] = []) =>
  evaluate({ principal: p, action: 's3:GetObject', resource: 'arn:aws:s3:::ckpt/step-1', resourceAccount: A, context: contextOf({}) }, { identity, resource });

const readAll = compiled('reader', 'identity', { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' });
const denyJob42 = compiled('bucket', 'resource', { Sid: 'NotJob42', Effect: 'Deny', Principal: { AWS: SESSION }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::ckpt/*' });
const allowJob42 = compiled('bucket', 'resource', { Sid: 'Job42', Effect: 'Allow', Principal: { AWS: SESSION }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::ckpt/*' });
const allowNamedSession = compiled('bucket', 'resource', { Effect: 'Allow', Principal: { AWS: `arn:aws:sts::${A}:assumed-role/trainer/session` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::ckpt/*' });

describe('principalFromArn: a role ARN with a session name is that session (review qx, 3)', () => {
  it('its ARN names the session, as the session ARN itself gives', () => {
    const p = principal(`arn:aws:iam::${A}:role/ml/trainer`, 'job-42');
    assert.equal(p.arn, SESSION);
    assert.equal(p.kind === 'role-session' ? p.roleArn : undefined, `arn:aws:iam::${A}:role/ml/trainer`);
    assert.equal(p.kind === 'role-session' ? p.anySession : 'not a session', undefined);
    assert.equal(principal('acs:ram::1234567890:role/trainer', 'job-42').arn, 'acs:ram::1234567890:role/trainer/job-42');
  });

  it('a bucket policy denying the session denies it', () => {
    const d = decide(principal(`arn:aws:iam::${A}:role/trainer`, 'job-42'), [denyJob42], [readAll]);
    assert.equal(d.decision, 'ExplicitDeny', d.summary);
    assert.deepEqual(d.matched.filter((m) => m.effect === 'Deny').map((m) => m.sid), ['NotJob42']);
  });

  it('one naming the session grants it; one naming a session called `session` does not', () => {
    assert.equal(decide(principal(`arn:aws:iam::${A}:role/trainer`, 'job-42'), [allowJob42]).decision, 'Allow');
    assert.equal(decide(principal(`arn:aws:iam::${A}:role/trainer`, 'job-42'), [allowNamedSession]).decision, 'ImplicitDeny');
  });

  it('without a name it is any session of the role, as before', () => {
    const p = principal(`arn:aws:iam::${A}:role/trainer`);
    assert.equal(p.arn, `arn:aws:sts::${A}:assumed-role/trainer/session`);
    assert.equal(p.kind === 'role-session' ? p.anySession : undefined, true);
    assert.equal(decide(p, [allowJob42]).decision, 'ImplicitDeny');
    assert.equal(principal('acs:ram::1234567890:role/trainer').arn, 'acs:ram::1234567890:role/trainer/session');
  });
});
