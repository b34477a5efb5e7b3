/**
 * Review K, K3: a SubjectAccessReview that names no object covers every object, and their subresources. `kubectl auth
 * can-i '*' '*' -n ml`, `can-i '*' pods`, `can-i get secrets` and `can-i create pods --subresource=exec` ask whether
 * the user may act on any object; the webhook looked for IAM denies only on the collections (`…/namespaces/ml/pods`),
 * so a Deny of `kubernetes:create` on `…/namespaces/*\/pods/*\/exec` or of `kubernetes:get` on
 * `…/namespaces/ml/secrets/db-password` was never found: RBAC's allow was answered (a concrete `create pods/p/exec` was
 * denied, so tools and people that ask first were told yes for what every request is refused). Now the objects a deny
 * pattern names below each view are decided too, in one namespace and across all of them, and for resource `*` the
 * resources a deny names that no RBAC rule of the cluster does (a custom resource). Reviews of `list`, `watch`,
 * `create` and `deletecollection` without a name are requests on the collection, as kube-apiserver sends them: unchanged.
 *
 * Real server; the TokenReview with a token presigned by SDK v3's SignatureV4 (as `aws eks get-token`); the reviews in
 * the JSON kube-apiserver sends (webhook.go: metadata.creationTimestamp null, an empty status).
 */
import { after, before, describe, test } from 'node:test';
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
            denies: {
              Version: '2012-10-17',
              Statement: [
                { Effect: 'Deny', Action: 'kubernetes:create', Resource: `${cluster}/namespaces/*/pods/*/exec` },
                { Effect: 'Deny', Action: 'kubernetes:get', Resource: `${cluster}/namespaces/ml/secrets/db-password` },
                // A custom resource no RBAC rule of the cluster names.
                { Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${cluster}/namespaces/*/widgets.example.com*` },
              ],
            },
          },
        },
      },
      { apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'alice' }, spec: { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/alice`, kubernetesGroups: ['admins'] } },
    ],
  });
  await admin('POST', '/v1/apply', {
    cluster: 'k1',
    documents: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'cluster-admin' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'admins' }, subjects: [{ kind: 'Group', name: 'admins', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'cluster-admin', apiGroup: GROUP } },
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

describe('K3: a review naming no object is denied when IAM denies an object it covers', () => {
  test('in one namespace: *, * pods, get secrets, create pods/exec', async () => {
    for (const [attributes, denied] of [
      [{ namespace: 'ml', verb: '*', group: '', resource: '*' }, /kubernetes:(get|create) on resource: \S+\/namespaces\/ml\/(secrets\/db-password|pods\/x\/exec)/],
      [{ namespace: 'ml', verb: '*', group: '*', resource: '*' }, /kubernetes:(get|create)/],
      [{ namespace: 'ml', verb: '*', group: '', resource: 'pods' }, /kubernetes:create on resource: \S+\/namespaces\/ml\/pods\/x\/exec/],
      [{ namespace: 'ml', verb: 'get', group: '', version: 'v1', resource: 'secrets' }, /kubernetes:get on resource: \S+\/namespaces\/ml\/secrets\/db-password/],
      [{ namespace: 'ml', verb: 'create', group: '', version: 'v1', resource: 'pods', subresource: 'exec' }, /kubernetes:create on resource: \S+\/namespaces\/ml\/pods\/x\/exec/],
    ] as const) {
      const s = await sar(attributes);
      assert.deepEqual([s.allowed, s.denied], [false, true], `${JSON.stringify(attributes)}: ${s.reason}`);
      assert.match(s.reason, denied);
    }
  });

  test('across all namespaces', async () => {
    for (const attributes of [
      { namespace: '', verb: '*', group: '*', resource: '*' },
      { namespace: '', verb: '*', group: '', resource: 'pods' },
      { namespace: '', verb: 'get', group: '', version: 'v1', resource: 'secrets' },
      { namespace: '', verb: 'create', group: '', version: 'v1', resource: 'pods', subresource: 'exec' },
    ]) {
      const s = await sar(attributes);
      assert.deepEqual([s.allowed, s.denied], [false, true], `${JSON.stringify(attributes)}: ${s.reason}`);
    }
  });

  test('a resource no RBAC rule names, in a review of resource *', async () => {
    for (const attributes of [
      { namespace: 'team', verb: '*', group: 'example.com', resource: '*' },
      { namespace: 'team', verb: 'delete', group: '*', resource: '*' },
      { namespace: '', verb: '*', group: '*', resource: '*' },
    ]) {
      const s = await sar(attributes);
      assert.deepEqual([s.allowed, s.denied], [false, true], `${JSON.stringify(attributes)}: ${s.reason}`);
      assert.match(s.reason, /kubernetes:(delete|get|create) on resource: \S+\/namespaces\/\S+/);
    }
    const other = await sar({ namespace: 'team', verb: '*', group: 'other.example.org', resource: '*' });
    assert.deepEqual([other.allowed, other.denied], [true, false], other.reason);
  });

  test('what no deny covers is allowed, and requests on a collection are decided as before', async () => {
    for (const attributes of [
      { namespace: 'ml', verb: 'list', group: '', version: 'v1', resource: 'secrets' },
      { namespace: 'ml', verb: 'create', group: '', version: 'v1', resource: 'pods' },
      { namespace: 'ml', verb: 'get', group: '', version: 'v1', resource: 'secrets', name: 'other' },
      { namespace: 'ml', verb: 'get', group: '', version: 'v1', resource: 'pods', subresource: 'log' },
      { namespace: 'team', verb: 'get', group: '', version: 'v1', resource: 'secrets' },
      { namespace: '', verb: 'get', group: '', version: 'v1', resource: 'configmaps' },
    ]) {
      const s = await sar(attributes);
      assert.deepEqual([s.allowed, s.denied], [true, false], `${JSON.stringify(attributes)}: ${s.reason}`);
    }
    const exec = await sar({ namespace: 'ml', verb: 'create', group: '', version: 'v1', resource: 'pods', subresource: 'exec', name: 'p' });
    assert.equal(exec.denied, true, exec.reason);
  });

  test('the authorize API answers the same question the same way', async () => {
    const acct = server.adminFile.AccountId;
    const ask = async (action: string, path: string): Promise<string> => {
      const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${acct}:user/alice`, action, resource: `arn:aws:training::${acct}:cluster/k1${path}` });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      return String(r.json['decision']);
    };
    assert.equal(await ask('kubernetes:get', '/namespaces/ml/secrets'), 'ExplicitDeny');
    assert.equal(await ask('kubernetes:create', '/namespaces/ml/pods/exec'), 'Allow', 'a pod named exec');
    assert.equal(await ask('kubernetes:list', '/namespaces/ml/secrets'), 'Allow');
    assert.equal(await ask('kubernetes:get', '/namespaces/team/secrets'), 'Allow');
  });
});
