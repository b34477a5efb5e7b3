/**
 * Review ke, 1: who-can's `grantedBeyond` listed `allUsers` (and `allAuthenticatedUsers`, other accounts' service
 * accounts) as able to reach a cluster's Kubernetes objects (`container.pods.get` on `…:cluster/gpu/api/v1/…/pods/x`)
 * when a binding on the cluster gave them `roles/container.viewer`; but bindings never decide a cluster's Kubernetes
 * objects — its RBAC does (review ej, 3) — so enforcement refused exactly the principals the auditor was told were let
 * in, and the note said "anyone, unauthenticated too". Now `grantedBeyond` holds only what the bindings engine would
 * allow: nothing for a Kubernetes object request, the binding still listed for the cluster itself (`training:GetCluster`).
 * Real server, SigV4-signed /v1/ calls. Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const CLUSTER = `arn:aws:training::${A}:cluster/gpu`;
const POD = `${CLUSTER}/api/v1/namespaces/default/pods/x`;
let server: TestServer;

before(async () => {
  server = await startTestServer();
  assert.equal((await gatehouseJson(server.url, server.admin, 'PUT', '/v1/clusters/gpu', {})).status, 200);
  const r = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: CLUSTER, bindings: [{ role: 'roles/container.viewer', members: ['allUsers'] }] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
});
after(async () => {
  await server?.stop();
});

const whoCan = async (action: string, resource: string): Promise<Record<string, unknown>> => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/who-can', { action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
};

test('a Kubernetes object of the cluster is not reached through the binding: RBAC decides it', async () => {
  // What enforcement answers for anyone: the bindings engine has no opinion on a pod.
  const d = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { action: 'container.pods.get', resource: POD });
  assert.notEqual(d.json['decision'], 'Allow', JSON.stringify(d.json));
  const a = await whoCan('container.pods.get', POD);
  assert.deepEqual(a['grantedBeyond'], [], 'allUsers is not let in to the pod');
  assert.doesNotMatch(a['note'] as string, /allUsers/);
});

test('the cluster itself is still granted to allUsers, and listed', async () => {
  const a = await whoCan('training:GetCluster', CLUSTER);
  assert.deepEqual(a['grantedBeyond'], [{ member: 'allUsers', policy: CLUSTER, index: 0, role: 'roles/container.viewer', conditional: false, conditions: [] }]);
});
