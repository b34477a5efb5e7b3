/**
 * Review ao, 2: a RoleSessionName refused for an Alibaba (`acs`) role is told RAM's rule. RAM takes 2 to 64 letters,
 * digits, `.`, `@`, `-` and `_` (`RAM_SESSION_NAME_RE`), and `job+1` or `a=b` was refused with AWS's words, "Member must
 * have length between 2 and 64 and match [\w+=,.@-]*": a pattern the refused name matches, so the caller could not
 * tell what to change. Now the message names the characters RAM takes; an `aws` role's refusal keeps AWS's words (each
 * constraint broken in its own clause since review cy, 2).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAssumeRoleParams } from '../src/core/sts/session.ts';

const params = (roleSessionName: string) => ({ roleSessionName, policyArns: [], tags: [], transitiveTagKeys: [] });

test('ao2: an acs role refuses `job+1` naming the characters RAM takes; an aws role takes it', () => {
  const acs = checkAssumeRoleParams(params('job+1'), 'acs');
  assert.equal(acs?.code, 'VALIDATION_ERROR');
  assert.equal(acs?.message, "1 validation error detected: Value 'job+1' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9.@_-]*");
  assert.equal(checkAssumeRoleParams(params('job+1'), 'aws'), undefined);
  const aws = checkAssumeRoleParams(params('j'), 'aws');
  assert.equal(aws?.message, "1 validation error detected: Value 'j' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2");
});
