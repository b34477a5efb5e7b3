/**
 * Review pd, 4. The Deny side of review pd, 3. A role asked about by its ARN stands for any session of it (reference
 * policy-semantics.md §A.1.2, "IAM role | any session of that role"), so a Deny that some session of it meets refuses the
 * role (the union fails closed). The engine read `${aws:userid}` (§A.1.6: `ROLEID:session-name` for a role session) as
 * the made-up session `session`'s: AWS's per-session guard `Deny s3:DeleteObject` on `arn:aws:s3:::homes/${aws:userid}/*`
 * ("no one deletes in their own folder"), or a Deny of `s3:ListBucket` under `StringLike s3:prefix "${aws:userid}/*"`,
 * applied to the role only in the folder of a session named `session`; in the folder of a session named `other` — which
 * that session is denied — POST /v1/authorize and /v1/simulate answered the role Allow.
 *
 * Now, in a Deny about such a role, `${aws:userid}` stands for `<RoleId>:` and any session name where it widens what the
 * Deny matches (`Resource`, a positive operator's values) and has no value where it narrows it (`NotResource`, a negated
 * operator's values, which then hold: fails closed). A session asked about by its own ARN is decided with its own.
 *
 * Before the fix 1 of 2 tests failed. Real server (SQLite), SigV4-signed questions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { policyRole } from './support/policy-role.ts';

const A = '000000000000';
const ROLE = `arn:aws:iam::${A}:role/pd4`;
const world = policyRole({
  role: 'pd4',
  policyName: 'guards',
  statements: () => [
    { Effect: 'Allow', Action: 's3:*', Resource: '*' },
    { Sid: 'KeepOwnFolder', Effect: 'Deny', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::homes/${aws:userid}/*' },
    { Sid: 'NoListingOwn', Effect: 'Deny', Action: 's3:ListBucket', Resource: '*', Condition: { StringLike: { 's3:prefix': '${aws:userid}/*' } } },
  ],
});

const ask = async (path: string, principal: string, action: string, resource: string, context?: Record<string, string>) =>
  (await world().ask(path, principal, action, resource, context))['decision'] as string | undefined;

test('a Deny of the per-session folder applies to a role asked about by its ARN in any session’s folder', async () => {
  const { roleId } = world();
  for (const path of ['/v1/authorize', '/v1/simulate']) {
    for (const name of ['session', 'other']) {
      assert.equal(await ask(path, ROLE, 's3:DeleteObject', `arn:aws:s3:::homes/${roleId}:${name}/a.csv`), 'ExplicitDeny', `${path} ${name}`);
      assert.equal(await ask(path, ROLE, 's3:ListBucket', 'arn:aws:s3:::homes', { 's3:prefix': `${roleId}:${name}/` }), 'ExplicitDeny', `${path} ${name}`);
    }
  }
});

test('elsewhere the role is allowed, and a session asked about by its own ARN keeps its aws:userid', async () => {
  const { roleId } = world();
  assert.equal(await ask('/v1/authorize', ROLE, 's3:DeleteObject', 'arn:aws:s3:::shared/a.csv'), 'Allow');
  assert.equal(await ask('/v1/authorize', ROLE, 's3:ListBucket', 'arn:aws:s3:::homes', { 's3:prefix': 'shared/' }), 'Allow');
  const other = `arn:aws:sts::${A}:assumed-role/pd4/other`;
  assert.equal(await ask('/v1/authorize', other, 's3:DeleteObject', `arn:aws:s3:::homes/${roleId}:other/a.csv`), 'ExplicitDeny');
  assert.equal(await ask('/v1/authorize', other, 's3:DeleteObject', `arn:aws:s3:::homes/${roleId}:session/a.csv`), 'Allow');
});
