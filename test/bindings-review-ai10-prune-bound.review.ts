/**
 * Review ai, 10: `apply --prune` wrote an IamPolicy binding a custom role, user, group or role that the same apply
 * prunes, then the deletion took the binding away again (a custom role's bindings go with it since ai, 3; a deleted
 * principal's member becomes `deleted:…`): the apply reported success with a policy unlike its document, and
 * applying the files again failed. As a pruned group or managed policy may not be named by another document, such a
 * binding is now refused (INVALID_INPUT at `spec.bindings[i].role` / `.members[j]`) and nothing changes.
 * Real server, SigV4-signed `POST /v1/apply`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const MODEL = `arn:aws:training::${A}:model/m10`;
let server: TestServer;

const doc = (kind: string, name: string, spec: unknown) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const apply = (documents: unknown[], prune = false) => gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents, prune });

before(async () => {
  server = await startTestServer();
  const r = await apply([doc('IamRole', 'trainer', { permissions: ['ml.models.get'] }), doc('User', 'ivy', {}), doc('User', 'jon', {})]);
  assert.equal(r.status, 200, JSON.stringify(r.json));
});
after(async () => {
  await server?.stop();
});

const details = (r: { json: Record<string, unknown> }): { path: string; message: string }[] => (r.json['error'] as { details: { path: string; message: string }[] }).details;

test('a custom role pruned by the same apply cannot be bound', async () => {
  const r = await apply([doc('IamRole', 'keeper', { permissions: ['ml.models.list'] }), doc('IamPolicy', 'm10', { resource: MODEL, bindings: [{ role: `accounts/${A}/roles/trainer`, members: ['user:ivy'] }] })], true);
  assert.equal(r.status, 400, JSON.stringify(r.json));
  assert.match(details(r)[0]?.path ?? '', /spec\.bindings\[0\]\.role$/);
  assert.match(details(r)[0]?.message ?? '', /deleted by --prune/);
  const read = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(MODEL)}`);
  assert.deepEqual(read.json['bindings'], [], 'nothing was written');
});

test('a user pruned by the same apply cannot be a member', async () => {
  const r = await apply([doc('User', 'jon', {}), doc('IamPolicy', 'm10', { resource: MODEL, bindings: [{ role: 'roles/ml.viewer', members: ['user:jon', 'user:ivy'] }] })], true);
  assert.equal(r.status, 400, JSON.stringify(r.json));
  assert.match(details(r)[0]?.path ?? '', /spec\.bindings\[0\]\.members\[1\]$/);
  assert.match(details(r)[0]?.message ?? '', /user `ivy` is deleted by --prune/);
});
