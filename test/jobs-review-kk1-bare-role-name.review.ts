/**
 * Review kk, 1: `POST /v1/jobs` with a bare role name (`"role": "trainer"`) answered 403 AccessDenied "role trainer
 * does not exist in account …", with the role `trainer` right there: the field wants an ARN, and the answer blamed a
 * permission and denied the role's existence (`gatehouse jobs run --role trainer` already refuses it with a hint).
 * Now anything that is not `default`, `none` or an ARN is 400 ValidationError naming the field `role`, saying an ARN
 * is wanted (arn:aws:iam::<account>:role/<name>), and giving the account's ARN for that name, its path included, when
 * the caller may pass that role and submit a job there (a caller allowed to pass no role, or to submit no job, learns
 * nothing of the account's roles, as review ag keeps for ARNs: it is shown the form only). Nothing is submitted.
 *
 * Before the fix 3 of 3 tests failed.
 *
 * Real server (SQLite), IAM API through the AWS SDK v3, jobs API (SigV4).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { userWithKey, type Credentials, type TestServer } from './support/server.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';

const A = '000000000000';
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
let server: TestServer;
let stop: (() => Promise<void>) | undefined;
let bob: Credentials;
let dan: Credentials;

before(async () => {
  ({ server, stop } = await startWorkspaceServer('gh-kk1-'));
  const iam = server.iam();
  const trust = policy({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' });
  await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', Path: '/team/', AssumeRolePolicyDocument: trust }));
  // bob may submit jobs in w but pass no role.
  bob = await userWithKey(server, 'bob');
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'p', PolicyDocument: policy({ Effect: 'Allow', Action: 'training:*', Resource: '*' }) }));
  // dan may pass any role but submit no job.
  dan = await userWithKey(server, 'dan');
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'dan', PolicyName: 'p', PolicyDocument: policy({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }) }));
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }, { user: 'bob' }, { user: 'dan' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
});
after(async () => stop?.());

type Err = { code?: string; message?: string; field?: string; path?: string };
const submit = async (who: Credentials, role: string) => {
  const r = await gatehouseJson(server.url, who, 'POST', '/v1/jobs', { workspace: 'w', role, imds: false });
  return { status: r.status, error: (r.json['error'] ?? {}) as Err, text: JSON.stringify(r.json) };
};

test('kk1: a bare role name is a ValidationError of `role` giving the ARN of the role of that name', async () => {
  const r = await submit(server.admin, 'trainer');
  assert.equal(r.status, 400, r.text);
  assert.equal(r.error.code, 'ValidationError', r.text);
  assert.match(r.text, /"(field|path)":"role"/, r.text);
  assert.match(r.error.message ?? '', /`role`/);
  assert.match(r.error.message ?? '', /arn:aws:iam::<account>:role\/<name>/);
  assert.match(r.error.message ?? '', new RegExp(`arn:aws:iam::${A}:role/team/trainer`), 'the role of that name, its path included');
  assert.doesNotMatch(r.error.message ?? '', /does not exist/);
  // Nothing was submitted.
  const jobs = await gatehouseJson(server.url, server.admin, 'GET', '/v1/jobs');
  assert.deepEqual((jobs.json['jobs'] as unknown[]).length, 0, JSON.stringify(jobs.json));
});

test('kk1: a bare name no role has, or a path without an ARN, is the same ValidationError with the form to write', async () => {
  for (const role of ['no-such-role', 'role/trainer', 'team/trainer']) {
    const r = await submit(server.admin, role);
    assert.equal(r.status, 400, `${role}: ${r.text}`);
    assert.equal(r.error.code, 'ValidationError', `${role}: ${r.text}`);
    assert.match(r.error.message ?? '', /arn:aws:iam::<account>:role\/<name>/, role);
    assert.doesNotMatch(r.error.message ?? '', /does not exist/, role);
  }
});

test('kk1: a caller allowed to pass no role is told the form, not whether a role of that name exists', async () => {
  const named = await submit(bob, 'trainer');
  const none = await submit(bob, 'no-such-role');
  for (const r of [named, none]) {
    assert.equal(r.status, 400, r.text);
    assert.equal(r.error.code, 'ValidationError', r.text);
    assert.doesNotMatch(r.error.message ?? '', /role\/team\//, 'no stored path is told');
  }
  assert.equal(named.error.message?.replaceAll('trainer', 'X'), none.error.message?.replaceAll('no-such-role', 'X'), 'the same answer whether the role exists or not');
  // Nor is one allowed to pass any role but to submit no job there, which a submission by ARN would not tell either.
  const dans = await submit(dan, 'trainer');
  assert.equal(dans.status, 400, dans.text);
  assert.doesNotMatch(dans.error.message ?? '', /role\/team\//, 'no stored path is told to a caller who may not submit');
});
