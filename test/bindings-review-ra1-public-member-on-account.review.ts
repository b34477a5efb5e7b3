/**
 * Review ra, 1: `allUsers` and `allAuthenticatedUsers` were accepted as members of a binding on an account
 * (`account/<id>`), the level above every resource of the account. GCP refuses both in a project's policy
 * (resourcemanager projects.setIamPolicy: "Project does not support allUsers and allAuthenticatedUsers as members in a
 * Binding of a Policy"). Here `allAuthenticatedUsers` with `roles/owner` on an account opened the whole account to every
 * authenticated principal of every tenant. Now `PUT /v1/iam-policies` and `gatehouse apply` refuse them on an account
 * (BINDINGS_INVALID_MEMBER at the member's path, nothing written); on one resource (a model, a bucket) they are taken
 * as before. A policy stored before keeps its other bindings, but those members grant nothing there when it is loaded
 * (fails closed), said once in the log naming the policy and the member's path; writing it back needs them removed.
 *
 * Before the fix 3 of 4 tests failed. Real server (SQLite), SigV4-signed /v1/ calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const MODEL = `arn:aws:training::${A}:model/ra1`;
const DORA = `arn:aws:iam::${A}:user/dora`;
const EVE = `arn:aws:iam::${A}:user/eve`;
let s: TestServer;

type Detail = { code: string; path: string; message: string };
const put = (resource: string, bindings: object[]) => gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource, bindings });
async function decision(principal: string, action = 'ml.models.get'): Promise<string> {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action, resource: MODEL });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'] as string;
}

before(async () => {
  s = await startTestServer();
  await s.iam().send(new I.CreateUserCommand({ UserName: 'dora' }));
  await s.iam().send(new I.CreateUserCommand({ UserName: 'eve' }));
});
after(() => s?.stop());

test('PUT refuses allUsers and allAuthenticatedUsers on an account, naming each member, and writes nothing', async () => {
  const r = await put(`account/${A}`, [
    { role: 'roles/ml.viewer', members: ['user:dora'] },
    { role: 'roles/owner', members: ['user:dora', 'allAuthenticatedUsers'] },
    { role: 'roles/viewer', members: ['allUsers'] },
  ]);
  assert.equal(r.status, 400, JSON.stringify(r.json));
  const details = (r.json['error'] as { details: Detail[] }).details;
  assert.deepEqual(details.map((d) => [d.code, d.path]), [['BINDINGS_INVALID_MEMBER', 'bindings[1].members[1]'], ['BINDINGS_INVALID_MEMBER', 'bindings[2].members[0]']]);
  assert.match(details[0]?.message ?? '', /`allAuthenticatedUsers` cannot be a member of a binding on an account \(`account\/000000000000`\)/);
  assert.equal(await decision(EVE), 'ImplicitDeny');
  const got = await gatehouseJson(s.url, s.admin, 'GET', `/v1/iam-policies?resource=account/${A}`);
  assert.deepEqual((got.json['bindings'] as unknown[] | undefined) ?? [], [], JSON.stringify(got.json));
});

test('apply refuses them on spec.bindings of an account policy', async () => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
    documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'acct' }, spec: { resource: `account/${A}`, bindings: [{ role: 'roles/ml.viewer', members: ['allUsers'] }] } }],
  });
  assert.equal(r.status, 400, JSON.stringify(r.json));
  const d = (r.json['error'] as { details: Detail[] }).details[0];
  assert.equal(d?.code, 'BINDINGS_INVALID_MEMBER');
  assert.match(d?.path ?? '', /spec\.bindings\[0\]\.members\[0\]$/);
});

test('on one resource they are taken as before', async () => {
  const r = await put(MODEL, [{ role: 'roles/ml.viewer', members: ['allAuthenticatedUsers'] }]);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(await decision(EVE), 'Allow');
  assert.equal((await put(MODEL, [])).status, 200);
});

test('a policy stored before with one: its other bindings hold, the public member grants nothing, said once', async () => {
  assert.equal((await put(`account/${A}`, [{ role: 'roles/ml.viewer', members: ['user:dora'] }])).status, 200);
  const app = s.running.app;
  const key = `iampolicy/account/${A}`;
  await app.deps.store.write(async (tx) => {
    const rec = JSON.parse((await tx.kv.get(key)) as string) as { bindings: { role: string; members: string[] }[] };
    rec.bindings.push({ role: 'roles/owner', members: ['allAuthenticatedUsers'] });
    await tx.kv.put(key, JSON.stringify(rec));
  });
  await app.refresh();
  assert.equal(await decision(DORA), 'Allow');
  assert.equal(await decision(EVE), 'ImplicitDeny');
  assert.equal(await decision(EVE, 'ml.models.delete'), 'ImplicitDeny');
  // Another change reloads the bindings: still said once.
  assert.equal((await put(MODEL, [{ role: 'roles/ml.viewer', members: ['user:dora'] }])).status, 200);
  await app.refresh();
  const logged = s.logs.filter((l) => l.includes(`account/${A}`) && l.includes('allAuthenticatedUsers'));
  assert.equal(logged.length, 1, s.logs.join('\n'));
  assert.match(logged[0] ?? '', /bindings\[1\]\.members\[0\]/);
});
