/**
 * Review ki, 1: the authorize API (`POST /v1/authorize`, `:batch`, `/v1/simulate`, who-can) accepted a Kubernetes
 * question (`kubernetes:<verb>` on `<cluster>/…`) naming a namespace, group, resource, subresource or object name as
 * long as the 2,048 characters of any resource, without the bounds the SubjectAccessReview webhook applies since review
 * kc, 2 (a namespace at most 63 characters, the others at most 253, impersonation's identities excepted). A question
 * that covers every namespace searches the namespaces a Deny reaches through the whole path: ~7 ms of CPU for one with
 * a 1,900-character name, ~7 s for a batch of 1,000, which any principal may send about itself. The webhook and the
 * authorize API now apply one rule (src/core/kube `kubernetesNameOverLimit`): such a question is refused as a
 * validation error naming the question's `resource` (`requests[i].resource` in a batch), the path's part and its bound,
 * before anything is decided. Names within the bounds, and the identities impersonation names, are decided as before.
 *
 * Before the fix 3 of 4 tests failed.
 *
 * Real server; the authorize API as the root admin asks it (SigV4 by SDK v3's signer); alice's reviews from her token
 * presigned by SDK v3's SignatureV4 (as `aws eks get-token`), in the JSON kube-apiserver sends.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let k1: AliceOnK1;
let alice: string;
const GROUP = 'rbac.authorization.k8s.io';

before(async () => {
  server = await startTestServer();
  alice = `arn:aws:iam::${server.adminFile.AccountId}:user/alice`;
  k1 = await aliceOnK1(server, {
    inlinePolicies: (c) => ({ guards: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:*', Resource: [`${c}/namespaces/*/secrets/*-prod-*`, `${c}/namespaces/kube-*/*`, `${c}/namespaces/*/pods/*/exec`] }] } }),
    group: 'ops',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'ops', apiGroup: GROUP } },
    ],
  });
});

after(async () => {
  await server?.stop();
});

const ask = (resource: string, action = 'kubernetes:get') => gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: alice, action, resource });
const errorOf = (json: Record<string, unknown>) => (json['error'] ?? {}) as { code?: string; message?: string; path?: string };

test('a question naming an object name past 253 characters is refused at once, naming the resource and the bound', async () => {
  const r = await ask(`${k1.cluster}/*/${'n-pro-'.repeat(320)}`);
  assert.equal(r.status, 400, JSON.stringify(r.json).slice(0, 300));
  const e = errorOf(r.json) as { gatehouseCode?: string; message?: string; details?: { path?: string }[] };
  assert.equal(e.gatehouseCode, 'VALIDATION_ERROR');
  assert.equal(e.details?.[0]?.path, 'resource', JSON.stringify(e.details).slice(0, 600));
  assert.match(e.message ?? '', /object name .*1920 characters.*at most 253/);
  assert.ok((e.message ?? '').length < 600, 'the message does not repeat the value');
});

test('in a batch, each such question is refused with its index and field; the others are decided', async () => {
  const c = k1.cluster;
  const requests = [
    { principal: alice, action: 'kubernetes:get', resource: `${c}/namespaces/ml/configmaps/settings` },
    { principal: alice, action: 'kubernetes:list', resource: `${c}/namespaces/${'a'.repeat(64)}/secrets` },
    { principal: alice, action: 'kubernetes:get', resource: `${c}/${'r'.repeat(254)}` },
    { principal: alice, action: 'kubernetes:get', resource: `${c}/widgets.${'g'.repeat(254)}/w` },
    { principal: alice, action: 'kubernetes:get', resource: `${c}/namespaces/ml/pods/web/${'s'.repeat(254)}` },
    { principal: alice, action: 'kubernetes:get', resource: `${c}/namespaces/ml/secrets/db-prod-1` },
  ];
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize:batch', { requests });
  assert.equal(r.status, 200, JSON.stringify(r.json).slice(0, 300));
  const results = r.json['results'] as Record<string, unknown>[];
  assert.equal(results[0]?.['decision'], 'Allow', JSON.stringify(results[0]));
  assert.equal(results[5]?.['decision'], 'ExplicitDeny', JSON.stringify(results[5]));
  const parts = ['namespace', 'resource', 'API group', 'subresource'];
  for (let i = 1; i <= 4; i++) {
    const e = errorOf(results[i] ?? {});
    assert.equal(e.code, 'VALIDATION_ERROR', `${i}: ${JSON.stringify(results[i]).slice(0, 300)}`);
    assert.equal(e.path, `requests[${i}].resource`, JSON.stringify(results[i]).slice(0, 300));
    assert.match(e.message ?? '', new RegExp(`${parts[i - 1]} .*(64|254) characters`), JSON.stringify(results[i]).slice(0, 300));
  }
});

test('a batch of 200 oversized questions costs little CPU', async () => {
  const requests = Array.from({ length: 200 }, (_, i) => ({ principal: alice, action: 'kubernetes:get', resource: `${k1.cluster}/*/${i}${'n-pro-'.repeat(320)}` }));
  await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize:batch', { requests: requests.slice(0, 2) });
  const before = process.cpuUsage();
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize:batch', { requests });
  const used = process.cpuUsage(before);
  const ms = (used.user + used.system) / 1000;
  assert.equal(r.status, 200);
  const results = r.json['results'] as Record<string, unknown>[];
  for (const x of results) assert.equal(errorOf(x).code, 'VALIDATION_ERROR', JSON.stringify(x).slice(0, 300));
  // ~1.4 s of CPU before (each question searched the namespaces through its whole path), a few ms after.
  assert.ok(ms < 400, `200 questions took ${Math.round(ms)} ms of CPU`);
});

test('names within the bounds and impersonated identities with long names are decided as before', async () => {
  const c = k1.cluster;
  assert.equal((await ask(`${c}/namespaces/${'n'.repeat(63)}/secrets/db-prod-${'x'.repeat(245)}`)).json['decision'], 'ExplicitDeny');
  const list = await ask(`${c}/pods/${'p'.repeat(253)}`, 'kubernetes:list');
  assert.equal(list.json['decision'], 'ExplicitDeny', JSON.stringify(list.json).slice(0, 300));
  assert.equal((await ask(`${c}/namespaces/ml/pods/${'p'.repeat(253)}`, 'kubernetes:list')).json['decision'], 'Allow');
  const user = await ask(`${c}/users/arn:aws:iam::${server.adminFile.AccountId}:user/${'team/'.repeat(100)}bob`, 'kubernetes:impersonate');
  assert.equal(user.json['decision'], 'Allow', JSON.stringify(user.json).slice(0, 300));
  const groups = await ask(`${c}/groups/${'g'.repeat(600)}`, 'kubernetes:impersonate');
  assert.equal(groups.json['decision'], 'Allow', JSON.stringify(groups.json).slice(0, 300));
});
