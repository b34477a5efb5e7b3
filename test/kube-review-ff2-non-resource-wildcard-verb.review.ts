/**
 * Review ff, 2: a non-resource SubjectAccessReview of verb `*` is denied when IAM denies one of the HTTP methods it
 * covers. A request to a non-resource URL is authorized with its HTTP method in lower case (`get`, `post`, `put`,
 * `patch`, `delete`, `head`, `options`: k8s.io/apiserver's RequestInfoFactory), but the webhook viewed verb `*` as the
 * verbs of resource requests only (get, list, create, update…): with a Deny of `kubernetes:post` on `<cluster>/logs/*`,
 * `kubectl auth can-i '*' /logs/` was answered allowed while every `post /logs/…` is denied (review I, C3 made `*` a
 * denied answer when any verb it covers is denied, for resources). Now a non-resource `*` also covers the HTTP methods.
 *
 * Real server; the TokenReview with a token presigned by SDK v3's SignatureV4 (as `aws eks get-token`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { kubeToken } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let hook = '';
let user: { username: string; groups: string[]; extra: Record<string, string[]> };
const GROUP = 'rbac.authorization.k8s.io';

async function admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await gatehouseJson(server.url, server.admin, method, path, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

async function webhook(which: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${server.url}/k8s/k1/${which}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${hook}` }, body: JSON.stringify(body) });
  const json = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 200, JSON.stringify(json));
  return json['status'] as Record<string, unknown>;
}

async function sar(verb: string, path: string): Promise<{ allowed: boolean; denied: boolean; reason: string }> {
  const s = await webhook('authorize', {
    kind: 'SubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: { nonResourceAttributes: { verb, path }, user: user.username, groups: user.groups, extra: user.extra },
    status: { allowed: false },
  });
  return { allowed: s['allowed'] === true, denied: s['denied'] === true, reason: String(s['reason']) };
}

before(async () => {
  server = await startTestServer();
  const acct = server.adminFile.AccountId;
  const cluster = `arn:aws:training::${acct}:cluster/k1`;
  await admin('POST', '/v1/apply', {
    documents: [
      { apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} },
      {
        apiVersion: 'gatehouse.dev/v1',
        kind: 'User',
        metadata: { name: 'alice' },
        spec: { inlinePolicies: { 'no-log-writes': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:post', Resource: `${cluster}/logs/*` }] } } },
      },
      { apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'alice' }, spec: { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/alice`, kubernetesGroups: ['ops'] } },
    ],
  });
  await admin('POST', '/v1/apply', {
    cluster: 'k1',
    documents: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'logs' }, rules: [{ nonResourceURLs: ['/logs', '/logs/*'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'logs', apiGroup: GROUP } },
    ],
  });
  hook = String((await admin('POST', '/v1/clusters/k1/webhook-config', {}))['token']);
  const k = await admin('POST', '/v1/access-keys', { userName: 'alice' });
  const token = await kubeToken(server.url, 'k1', { accessKeyId: String(k['accessKeyId']), secretAccessKey: String(k['secretAccessKey']) });
  const tr = await webhook('authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: { creationTimestamp: null }, spec: { token }, status: { user: {} } });
  assert.equal(tr['authenticated'], true, JSON.stringify(tr));
  user = tr['user'] as typeof user;
});

after(async () => {
  await server?.stop();
});

test('the concrete requests: get allowed, post denied', async () => {
  const get = await sar('get', '/logs/kube-apiserver.log');
  assert.deepEqual([get.allowed, get.denied], [true, false], get.reason);
  const post = await sar('post', '/logs/kube-apiserver.log');
  assert.deepEqual([post.allowed, post.denied], [false, true], post.reason);
});

test('verb * on a non-resource URL covers post, which IAM denies', async () => {
  const s = await sar('*', '/logs/kube-apiserver.log');
  assert.deepEqual([s.allowed, s.denied], [false, true], s.reason);
  assert.match(s.reason, /kubernetes:post/);
});

test('verb * where IAM denies nothing is still allowed', async () => {
  const s = await sar('*', '/logs');
  assert.deepEqual([s.allowed, s.denied], [true, false], s.reason);
});
