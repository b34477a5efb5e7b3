/**
 * Review pd, 3. A role asked about by its ARN stands for any session of it (reference policy-semantics.md §A.1.2,
 * "IAM role | any session of that role"; review nw, 1), and the engine decides it as a session under a made-up name,
 * `session`. Review nw, 1 kept that name from matching statements that name one session's ARN, but it still made the
 * role's `aws:userid` `<RoleId>:session` (§A.1.6: "for role sessions it is ROLEID:session-name", the name the assumer
 * picks). So AWS's per-session patterns read it as one real session's: an Allow of the per-session folder
 * `arn:aws:s3:::homes/${aws:userid}/*`, or under `StringLike aws:userid "<RoleId>:session"`, answered the role Allow on
 * what only a session named `session` may reach (a session of any other name is refused), and a Deny of every session
 * but one (`StringNotLike aws:userid "<RoleId>:session"`) did not apply to the role at all: POST /v1/authorize and
 * /v1/simulate answered Allow.
 *
 * Now, for such a principal, an Allow that reads `aws:userid` (a condition on it, or the variable) grants nothing, and a
 * condition on it in a Deny holds (fails closed, DESIGN.md: the union fails closed on error), each saying why; a session
 * asked about by its own ARN (or signing the question) keeps its `aws:userid`.
 *
 * Before the fix 2 of 3 tests failed. Real server (SQLite), SigV4-signed questions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { policyRole } from './support/policy-role.ts';

const A = '000000000000';
const ROLE = `arn:aws:iam::${A}:role/pd3`;
const world = policyRole({
  role: 'pd3',
  policyName: 'per-session',
  statements: (roleId) => [
    { Sid: 'OwnFolder', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::homes/${aws:userid}/*' },
    { Sid: 'OneSession', Effect: 'Allow', Action: 's3:PutObject', Resource: '*', Condition: { StringLike: { 'aws:userid': `${roleId}:session` } } },
    { Effect: 'Allow', Action: 's3:DeleteObject', Resource: '*' },
    { Sid: 'OnlyThatSession', Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*', Condition: { StringNotLike: { 'aws:userid': `${roleId}:session` } } },
  ],
});

const ask = async (path: string, principal: string, action: string, resource: string) =>
  (await world().ask(path, principal, action, resource)) as { decision?: string; diagnostics?: string[] };

test('a role asked about by its ARN is granted nothing by an Allow that reads aws:userid', async () => {
  const { roleId } = world();
  for (const path of ['/v1/authorize', '/v1/simulate']) {
    const folder = await ask(path, ROLE, 's3:GetObject', `arn:aws:s3:::homes/${roleId}:session/a.csv`);
    assert.equal(folder.decision, 'ImplicitDeny', `${path}: ${JSON.stringify(folder)}`);
    assert.ok(folder.diagnostics?.some((d) => d.includes('${aws:userid}') && d.includes('any session')), JSON.stringify(folder));
    const put = await ask(path, ROLE, 's3:PutObject', 'arn:aws:s3:::homes/x');
    assert.equal(put.decision, 'ImplicitDeny', `${path}: ${JSON.stringify(put)}`);
    assert.ok(put.diagnostics?.some((d) => d.includes('OneSession') && d.includes('any session') && d.includes('fails closed')), JSON.stringify(put));
  }
});

test('a Deny conditioned on aws:userid applies to a role asked about by its ARN', async () => {
  for (const path of ['/v1/authorize', '/v1/simulate']) {
    const del = await ask(path, ROLE, 's3:DeleteObject', 'arn:aws:s3:::homes/x');
    assert.equal(del.decision, 'ExplicitDeny', `${path}: ${JSON.stringify(del)}`);
  }
});

test('a session asked about by its own ARN keeps its aws:userid', async () => {
  const { roleId } = world();
  const own = `arn:aws:sts::${A}:assumed-role/pd3/session`;
  assert.equal((await ask('/v1/authorize', own, 's3:GetObject', `arn:aws:s3:::homes/${roleId}:session/a.csv`)).decision, 'Allow');
  assert.equal((await ask('/v1/authorize', own, 's3:PutObject', 'arn:aws:s3:::homes/x')).decision, 'Allow');
  assert.equal((await ask('/v1/authorize', own, 's3:DeleteObject', 'arn:aws:s3:::homes/x')).decision, 'Allow');
  const other = `arn:aws:sts::${A}:assumed-role/pd3/other`;
  assert.equal((await ask('/v1/authorize', other, 's3:GetObject', `arn:aws:s3:::homes/${roleId}:session/a.csv`)).decision, 'ImplicitDeny');
  assert.equal((await ask('/v1/authorize', other, 's3:DeleteObject', 'arn:aws:s3:::homes/x')).decision, 'ExplicitDeny');
});
