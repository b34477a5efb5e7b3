/**
 * Review gv, 1: the webhook took impersonation's resources (`users`, `groups`, `authentication.k8s.io` `userextras` and
 * `uids`), the CSR plugins' `certificates.k8s.io` `signers` and `resource.k8s.io` `resourceslices` for namespaced ones.
 * kube-apiserver authorizes `kubectl --as=bob` as verb `impersonate` on resource `users`, name `bob`, namespace `""`
 * (k8s.io/apiserver `filters/impersonation.go`), and a review of a namespaced resource with namespace `""` stands for
 * every namespace (review K, K6): a principal whose only IAM Deny is on `<cluster>/namespaces/prod/*` was answered
 * `denied` "kubernetes:impersonate on …/namespaces/prod/users/bob", so `kubectl --as=bob get pods -n dev` failed
 * Forbidden though RBAC allowed the impersonation and IAM denies nothing outside prod. Now those resources are
 * cluster-scoped, as upstream: the impersonation is allowed, a Deny written on them still denies, and an
 * impersonated service account (namespaced) in prod is still denied.
 *
 * Real server; the TokenReview with a token presigned by SDK v3's SignatureV4 (as `aws eks get-token`); the reviews as
 * kube-apiserver sends them.
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

async function sar(resourceAttributes: Record<string, string>): Promise<{ allowed: boolean; denied: boolean; reason: string }> {
  const s = await webhook('authorize', {
    kind: 'SubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: { resourceAttributes, user: user.username, groups: user.groups, extra: user.extra },
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
        spec: {
          inlinePolicies: {
            'not-prod': {
              Version: '2012-10-17',
              Statement: [
                { Effect: 'Deny', Action: 'kubernetes:*', Resource: `${cluster}/namespaces/prod/*` },
                { Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: `${cluster}/users/root` },
              ],
            },
          },
        },
      },
      { apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'alice' }, spec: { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/alice`, kubernetesGroups: ['ops'] } },
    ],
  });
  await admin('POST', '/v1/apply', {
    cluster: 'k1',
    documents: [
      {
        apiVersion: `${GROUP}/v1`,
        kind: 'ClusterRole',
        metadata: { name: 'impersonator' },
        rules: [
          { apiGroups: [''], resources: ['users', 'groups', 'serviceaccounts'], verbs: ['impersonate'] },
          { apiGroups: ['authentication.k8s.io'], resources: ['uids', 'userextras/scopes'], verbs: ['impersonate'] },
          { apiGroups: ['certificates.k8s.io'], resources: ['signers'], verbs: ['approve', 'sign'] },
          { apiGroups: ['resource.k8s.io'], resources: ['resourceslices'], verbs: ['list'] },
        ],
      },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'impersonator', apiGroup: GROUP } },
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

test('kubectl --as=bob --as-group=devs: impersonating a user and a group is allowed outside the denied namespace', async () => {
  for (const ra of [
    { verb: 'impersonate', group: '', version: 'v1', resource: 'users', name: 'bob' },
    { verb: 'impersonate', group: '', version: 'v1', resource: 'groups', name: 'devs' },
    { verb: 'impersonate', group: 'authentication.k8s.io', version: 'v1', resource: 'uids', name: '1234' },
    { verb: 'impersonate', group: 'authentication.k8s.io', version: 'v1', resource: 'userextras', subresource: 'scopes', name: 'view' },
  ]) {
    const s = await sar(ra);
    assert.deepEqual([s.allowed, s.denied], [true, false], `${JSON.stringify(ra)}: ${s.reason}`);
  }
});

test('approving and signing for a signer, listing ResourceSlices: cluster-scoped, allowed', async () => {
  for (const ra of [
    { verb: 'approve', group: 'certificates.k8s.io', version: '*', resource: 'signers', name: 'example.com/issuer' },
    { verb: 'sign', group: 'certificates.k8s.io', version: '*', resource: 'signers', name: 'example.com/*' },
    { verb: 'list', group: 'resource.k8s.io', version: 'v1beta1', resource: 'resourceslices' },
  ]) {
    const s = await sar(ra);
    assert.deepEqual([s.allowed, s.denied], [true, false], `${JSON.stringify(ra)}: ${s.reason}`);
  }
});

test('a Deny written on the impersonated user still denies, and a service account of prod is still denied', async () => {
  const root = await sar({ verb: 'impersonate', group: '', version: 'v1', resource: 'users', name: 'root' });
  assert.deepEqual([root.allowed, root.denied], [false, true], root.reason);
  assert.match(root.reason, /users\/root/);
  const sa = await sar({ verb: 'impersonate', group: '', version: 'v1', resource: 'serviceaccounts', namespace: 'prod', name: 'deployer' });
  assert.deepEqual([sa.allowed, sa.denied], [false, true], sa.reason);
});
