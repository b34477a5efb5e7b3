/**
 * Review pw, 1. The leftover of review pd, 4. A role asked about by its ARN stands for any session of it (reference
 * policy-semantics.md §A.1.2, "IAM role | any session of that role"), so a Deny that some session of it meets refuses the
 * role (the union fails closed); review pd, 4 made `${aws:userid}` (§A.1.6, `ROLEID:session-name`) stand, in such a
 * Deny, for `<RoleId>:` and any session name where it widens what the Deny matches. In a positive `StringEquals` or
 * `StringEqualsIgnoreCase` (§A.1.5: the value compared exactly, `*` literal) that "any session name" was read as a
 * literal `*`, so `Deny s3:ListBucket` under `StringEquals s3:prefix "${aws:userid}/"` ("no one lists their own folder
 * this way") matched no session of the role — not even the made-up `session` it matched before review pd, 4: POST /v1/authorize
 * and /v1/simulate answered the role Allow on the folder of every session, which that session is denied. Now the session name there is any text, as in `StringLike`
 * and `ArnEquals` (which already held): the Deny applies to the role in any session's folder, and a `*` the policy
 * itself writes in a `StringEquals` value stays literal.
 *
 * Before the fix 2 of 2 tests failed. Real server (SQLite), SigV4-signed questions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { policyRole } from './support/policy-role.ts';

const A = '000000000000';
const ROLE = `arn:aws:iam::${A}:role/pw1`;
const world = policyRole({
  role: 'pw1',
  policyName: 'guards',
  statements: () => [
    { Effect: 'Allow', Action: 's3:*', Resource: '*' },
    { Sid: 'NoListingOwn', Effect: 'Deny', Action: 's3:ListBucket', Resource: '*', Condition: { StringEquals: { 's3:prefix': '${aws:userid}/' } } },
    { Sid: 'NoListingOwnAnyCase', Effect: 'Deny', Action: 's3:ListBucketVersions', Resource: '*', Condition: { StringEqualsIgnoreCase: { 's3:prefix': 'v/${aws:userid}/' } } },
    { Sid: 'NoOwnSource', Effect: 'Deny', Action: 's3:PutObject', Resource: '*', Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:s3:::homes/${aws:userid}' } } },
    { Sid: 'LiteralStar', Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 's3:prefix': '${aws:userid}*' } } },
  ],
});

const ask = async (path: string, principal: string, action: string, resource: string, context?: Record<string, string>) =>
  (await world().ask(path, principal, action, resource, context))['decision'] as string | undefined;

test('a Deny under StringEquals / StringEqualsIgnoreCase / ArnEquals on ${aws:userid} applies to the role in any session’s folder', async () => {
  const { roleId } = world();
  for (const path of ['/v1/authorize', '/v1/simulate']) {
    for (const name of ['session', 'other']) {
      assert.equal(await ask(path, ROLE, 's3:ListBucket', 'arn:aws:s3:::homes', { 's3:prefix': `${roleId}:${name}/` }), 'ExplicitDeny', `${path} StringEquals ${name}`);
      assert.equal(await ask(path, ROLE, 's3:ListBucketVersions', 'arn:aws:s3:::homes', { 's3:prefix': `V/${roleId.toLowerCase()}:${name.toUpperCase()}/` }), 'ExplicitDeny', `${path} StringEqualsIgnoreCase ${name}`);
      assert.equal(await ask(path, ROLE, 's3:PutObject', 'arn:aws:s3:::out/a', { 'aws:SourceArn': `arn:aws:s3:::homes/${roleId}:${name}` }), 'ExplicitDeny', `${path} ArnEquals ${name}`);
    }
  }
});

test('elsewhere the role is allowed, a written * stays literal, and a session asked by its own ARN keeps its aws:userid', async () => {
  const { roleId } = world();
  assert.equal(await ask('/v1/authorize', ROLE, 's3:ListBucket', 'arn:aws:s3:::homes', { 's3:prefix': 'shared/' }), 'Allow');
  assert.equal(await ask('/v1/authorize', ROLE, 's3:ListBucket', 'arn:aws:s3:::homes', { 's3:prefix': `AROAOTHERROLE:x/` }), 'Allow');
  // `${aws:userid}*` in StringEquals: the session name is anything, the `*` after it a literal star.
  assert.equal(await ask('/v1/authorize', ROLE, 's3:GetObject', 'arn:aws:s3:::homes/a', { 's3:prefix': `${roleId}:x*` }), 'ExplicitDeny');
  assert.equal(await ask('/v1/authorize', ROLE, 's3:GetObject', 'arn:aws:s3:::homes/a', { 's3:prefix': `${roleId}:x` }), 'Allow');
  const other = `arn:aws:sts::${A}:assumed-role/pw1/other`;
  assert.equal(await ask('/v1/authorize', other, 's3:ListBucket', 'arn:aws:s3:::homes', { 's3:prefix': `${roleId}:other/` }), 'ExplicitDeny');
  assert.equal(await ask('/v1/authorize', other, 's3:ListBucket', 'arn:aws:s3:::homes', { 's3:prefix': `${roleId}:session/` }), 'Allow');
});
