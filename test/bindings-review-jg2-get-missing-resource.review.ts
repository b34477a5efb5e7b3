/**
 * Review jg, 2: `gatehouse iam-policy get workspace/nosuch` (and `account/<unknown>`, or the ARN of a user that does not
 * exist) exited 0 printing an empty policy, while `iam-policy set` on the same resource refused with NoSuchEntity (exit
 * 6). `GET /v1/iam-policies` answered 200 with no bindings for anything, so a typo in a resource read as "nobody has
 * access here", and a script's read-modify-write loop read a policy it could never write back. Now the GET answers
 * NoSuchEntity (404, exit 6) naming the resource for a workspace, cluster, account, user, group or role that does not
 * exist and holds no policy, with the wording `set` uses; a resource that exists with no policy is still an empty one,
 * and a caller who may not read the policy is still refused AccessDenied first, learning nothing of what exists.
 *
 * Before the fix 3 of 6 tests failed.
 *
 * Real server; the CLI run in-process against it; admin API (SigV4).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { cliAgainst, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { storeIamPolicy } from './support/stored-iam-policy.ts';

let server: TestServer;
let nobody: Credentials;
let dir: string;
const A = '000000000000';

before(async () => {
  server = await startTestServer();
  await server.iam().send(new I.CreateUserCommand({ UserName: 'dora' }));
  const r = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/ml', { members: [{ user: 'dora' }] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  nobody = await userWithKey(server, 'nobody');
  dir = await mkdtemp(join(tmpdir(), 'gh-jg2-'));
});
after(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('`iam-policy get` of a workspace or account that does not exist exits 6 as `set` does', async () => {
  for (const resource of ['workspace/nosuch', 'account/999999999999']) {
    const got = await cliAgainst(server, ['iam-policy', 'get', resource]);
    assert.equal(got.status, 6, `${resource}: ${got.out}${got.err}`);
    assert.match(got.err, /does not exist/);
    const file = join(dir, 'p.json');
    await writeFile(file, JSON.stringify({ resource, bindings: [{ role: 'roles/ml.viewer', members: ['user:dora'] }] }));
    const set = await cliAgainst(server, ['iam-policy', 'set', resource, '--file', file]);
    assert.equal(set.status, 6, `${resource}: ${set.out}${set.err}`);
  }
});

test('GET /v1/iam-policies answers NoSuchEntity (404) at `resource` for an unknown workspace, cluster or user', async () => {
  for (const resource of ['workspace/nosuch', `arn:aws:training::${A}:cluster/nosuch`, `arn:aws:iam::${A}:user/nosuch`]) {
    const r = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`);
    assert.equal(r.status, 404, `${resource}: ${JSON.stringify(r.json)}`);
    assert.match(JSON.stringify(r.json), /NoSuchEntity/);
    assert.match(JSON.stringify(r.json), /nosuch/);
    // The same words `set` answers.
    const put = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource, bindings: [{ role: 'roles/ml.viewer', members: ['user:dora'] }] });
    assert.equal(put.status, 404, JSON.stringify(put.json));
    assert.equal((r.json['error'] as { message?: string } | undefined)?.message ?? JSON.stringify(r.json), (put.json['error'] as { message?: string } | undefined)?.message ?? JSON.stringify(put.json));
  }
});

test('a workspace, user or the account that exists with no policy still reads as an empty policy', async () => {
  for (const resource of ['workspace/ml', 'workspace/ML', `arn:aws:iam::${A}:user/dora`, `account/${A}`]) {
    const got = await cliAgainst(server, ['iam-policy', 'get', resource, '--json']);
    assert.equal(got.status, 0, `${resource}: ${got.err}`);
    assert.deepEqual((JSON.parse(got.out) as { bindings: unknown[] }).bindings, []);
  }
});

test('a caller who may not read IAM policies is refused AccessDenied whether the resource exists or not', async () => {
  for (const resource of ['workspace/ml', 'workspace/nosuch']) {
    const r = await gatehouseJson(server.url, nobody, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`);
    assert.equal(r.status, 403, `${resource}: ${JSON.stringify(r.json)}`);
  }
});

test('a resource named in no form the bindings check (a bucket) still reads as an empty policy', async () => {
  const r = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent('arn:aws:s3:::some-bucket')}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
});

test('a user deleted with a policy on its ARN: the policy went with it, and the GET says the user is not there', async () => {
  await server.iam().send(new I.CreateUserCommand({ UserName: 'temp' }));
  const resource = `arn:aws:iam::${A}:user/temp`;
  // Stored as before review rj, 1, which refuses any role on a user's ARN (review qi, 2 refused all but basic roles).
  await storeIamPolicy(server, A, resource, [{ role: 'roles/viewer', members: ['user:dora'] }]);
  assert.equal((await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`)).status, 200);
  await server.iam().send(new I.DeleteUserCommand({ UserName: 'temp' }));
  const r = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`);
  assert.equal(r.status, 404, JSON.stringify(r.json));
  assert.match(JSON.stringify(r.json), /user `temp` of account 000000000000 does not exist/);
});
