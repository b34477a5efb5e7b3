/**
 * Review cy, 2: a RoleSessionName, ExternalId or SourceIdentity outside its constraints is refused in AWS's words, one
 * clause per broken constraint: "Member must satisfy regular expression pattern: [\w+=,.@-]*", "Member must have length
 * greater than or equal to 2", "… less than or equal to 64" (STS answers, as quoted in aws-actions/configure-aws-
 * credentials#1306, zalando-stups/aws-credentials-service#7, youyo/awslogin#20; for ExternalId the pattern
 * `[\w+=,.@:\/-]*`, aws/aws-cli#4745), counted ("2 validation errors detected: …; …") when more than one is broken.
 *
 * Gatehouse answered one sentence of its own for every case, "Member must have length between 2 and 64 and match
 * [\w+=,.@-]*", which names no constraint AWS has: the text users search for ("failed to satisfy constraint: Member
 * must satisfy regular expression pattern") found nothing, and the caller of `a/b` was not told that the length was
 * fine and a character was not. An `acs` role's refusal names RAM's characters (review ao, 2) in the same shape. A
 * DurationSeconds out of range named both bounds ("value between 900 and 43200"); now the one it passes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAssumeRoleParams } from '../src/core/sts/session.ts';

const params = (roleSessionName: string, extra: { externalId?: string; sourceIdentity?: string } = {}) => ({ roleSessionName, policyArns: [], tags: [], transitiveTagKeys: [], ...extra });
const message = (name: string, extra: { externalId?: string; sourceIdentity?: string } = {}, partition: 'aws' | 'acs' = 'aws') => checkAssumeRoleParams(params(name, extra), partition)?.message;
const at = (v: string, field: string, c: string) => `Value '${v}' at '${field}' failed to satisfy constraint: Member must ${c}`;

test('cy2: RoleSessionName refusals name the constraint broken, as STS does', () => {
  assert.equal(message('PowerUser/alice'), `1 validation error detected: ${at('PowerUser/alice', 'roleSessionName', 'satisfy regular expression pattern: [\\w+=,.@-]*')}`);
  assert.equal(message('j'), `1 validation error detected: ${at('j', 'roleSessionName', 'have length greater than or equal to 2')}`);
  const long = 'x'.repeat(65);
  assert.equal(message(long), `1 validation error detected: ${at(long, 'roleSessionName', 'have length less than or equal to 64')}`);
  const both = `${'y'.repeat(64)} z`;
  assert.equal(message(both), `2 validation errors detected: ${at(both, 'roleSessionName', 'satisfy regular expression pattern: [\\w+=,.@-]*')}; ${at(both, 'roleSessionName', 'have length less than or equal to 64')}`);
  assert.equal(message('job+1', {}, 'acs'), `1 validation error detected: ${at('job+1', 'roleSessionName', 'satisfy regular expression pattern: [A-Za-z0-9.@_-]*')}`);
  assert.equal(message('ok-name'), undefined);
});

test('cy2: ExternalId and SourceIdentity refusals too (their values kept out, as before)', () => {
  assert.equal(message('s1', { externalId: 'a b' }), "1 validation error detected: Value at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*");
  assert.equal(message('s1', { externalId: 'a' }), "1 validation error detected: Value at 'externalId' failed to satisfy constraint: Member must have length greater than or equal to 2");
  assert.equal(message('s1', { sourceIdentity: 'a:b' }), "1 validation error detected: Value at 'sourceIdentity' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*");
  assert.equal(message('s1', { sourceIdentity: 'x'.repeat(65) }), "1 validation error detected: Value at 'sourceIdentity' failed to satisfy constraint: Member must have length less than or equal to 64");
  assert.equal(message('s1', { externalId: 'arn:aws:x/y=1', sourceIdentity: 'alice@example.com' }), undefined);
});

test('cy2: DurationSeconds outside 900..43200 names the bound it passes', () => {
  const d = (durationSeconds: number) => checkAssumeRoleParams({ ...params('s1'), durationSeconds }, 'aws')?.message;
  assert.equal(d(600), "1 validation error detected: Value '600' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900");
  assert.equal(d(86400), "1 validation error detected: Value '86400' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200");
  assert.equal(d(3600), undefined);
});
