/**
 * Review km, 1: `POST /v1/jobs` with a `role` that starts with `arn:`/`acs:` but is not a role ARN (a user's ARN, a
 * policy's ARN, garbage after `arn:`, a role ARN whose name breaks the name rule) answered 403 AccessDenied "role …
 * does not exist in account …": it blamed a permission and spoke of a role's existence for what is no role ARN at all.
 * Now it is 400 ValidationError at `role` saying a role ARN is wanted (arn:aws:iam::<account>:role/<name>), as review
 * kk, 1 answers a bare name, the same to every caller whether anything of that name exists, and nothing is submitted.
 * A well-formed role ARN is unchanged: a role of another account or one not there stays 403 (review ag).
 *
 * Before the fix 1 of 2 tests failed.
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

before(async () => {
  ({ server, stop } = await startWorkspaceServer('gh-km1-'));
  const iam = server.iam();
  const trust = policy({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' });
  await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: trust }));
  // bob may submit jobs in w but pass no role.
  bob = await userWithKey(server, 'bob');
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'p', PolicyDocument: policy({ Effect: 'Allow', Action: 'training:*', Resource: '*' }) }));
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }, { user: 'bob' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
});
after(async () => stop?.());

type Err = { code?: string; message?: string };
const submit = async (who: Credentials, role: string) => {
  const r = await gatehouseJson(server.url, who, 'POST', '/v1/jobs', { workspace: 'w', role, imds: false });
  return { status: r.status, error: (r.json['error'] ?? {}) as Err, text: JSON.stringify(r.json) };
};

test('km1: an ARN that is not a role ARN is a ValidationError of `role` wanting a role ARN, to any caller', async () => {
  const given = [
    `arn:aws:iam::${A}:user/bob`,
    `arn:aws:iam::${A}:user/trainer`,
    `arn:aws:iam::${A}:policy/trainer`,
    'arn:',
    'arn:trainer',
    `arn:aws:iam::${A}:role/bad name`,
    `acs:ram::${A}:user/bob`,
  ];
  for (const who of [server.admin, bob]) {
    for (const role of given) {
      const r = await submit(who, role);
      assert.equal(r.status, 400, `${role}: ${r.text}`);
      assert.equal(r.error.code, 'ValidationError', `${role}: ${r.text}`);
      assert.match(r.text, /"(field|path)":"role"/, `${role}: ${r.text}`);
      assert.match(r.error.message ?? '', /role ARN/, role);
      assert.match(r.error.message ?? '', /arn:aws:iam::<account>:role\/<name>/, role);
      assert.doesNotMatch(r.error.message ?? '', /does not exist/, role);
    }
  }
  const jobs = await gatehouseJson(server.url, server.admin, 'GET', '/v1/jobs');
  assert.equal((jobs.json['jobs'] as unknown[]).length, 0, JSON.stringify(jobs.json));
});

test('km1: a role ARN stays as it was: another account or a role not there is 403, said alike to one who may not pass it', async () => {
  for (const role of [`arn:aws:iam::111111111111:role/trainer`, `arn:aws:iam::${A}:role/no-such-role`]) {
    const r = await submit(server.admin, role);
    assert.equal(r.status, 403, `${role}: ${r.text}`);
    assert.equal(r.error.code, 'AccessDenied', `${role}: ${r.text}`);
  }
  const there = await submit(bob, `arn:aws:iam::${A}:role/trainer`);
  const absent = await submit(bob, `arn:aws:iam::${A}:role/no-such-role`);
  assert.equal(there.status, 403, there.text);
  assert.equal(absent.status, 403, absent.text);
});
