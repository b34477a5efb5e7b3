/**
 * Review F, F2: a SubjectAccessReview that names no object (`kubectl auth can-i '*' '*' -n kube-system`, `can-i delete
 * clusterroles`) looks for IAM Denies on the objects below each collection (review K, K3), but only on names of
 * letters, digits, `.`, `_` and `-`. RBAC objects are named with `:` (`system:controller:bootstrap-signer`,
 * `eks:addon-manager`; Kubernetes checks their names as path segments: anything but `/`, `%`, `.` and `..`), so a Deny
 * of `kubernetes:delete` on `…/clusterroles.rbac.authorization.k8s.io/system:node` was never found and the wildcard
 * review was allowed, though the request on that object is denied. Now an object's name is what Kubernetes takes as
 * the loosest name (a path segment), in one namespace, across all of them, and for resource `*`. The same for a
 * subresource in one namespace (`can-i create pods --subresource=exec -n ml`), whose pod was found only with a name of
 * label characters: a Deny on `…/pods/web.1/exec` (a pod name with `.`) was missed.
 *
 * Real server; the TokenReview with a token presigned by SDK v3's SignatureV4 (as `aws eks get-token`); the reviews in
 * the JSON kube-apiserver sends.
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
                { Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${cluster}/clusterroles.${GROUP}/system:node` },
                { Effect: 'Deny', Action: 'kubernetes:update', Resource: `${cluster}/namespaces/kube-system/roles.${GROUP}/system:controller:*` },
                { Effect: 'Deny', Action: 'kubernetes:create', Resource: `${cluster}/namespaces/ml/pods/web.1/exec` },
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

describe('F2: a review naming no object finds IAM denies on object names with `:`', () => {
  test('the objects are denied by name, as before', async () => {
    const node = await sar({ namespace: '', verb: 'delete', group: GROUP, version: 'v1', resource: 'clusterroles', name: 'system:node' });
    assert.equal(node.denied, true, node.reason);
    const signer = await sar({ namespace: 'kube-system', verb: 'update', group: GROUP, version: 'v1', resource: 'roles', name: 'system:controller:bootstrap-signer' });
    assert.equal(signer.denied, true, signer.reason);
  });

  test('cluster-scoped: delete clusterroles, * clusterroles, * * (all namespaces)', async () => {
    for (const attributes of [
      { namespace: '', verb: 'delete', group: GROUP, version: 'v1', resource: 'clusterroles' },
      { namespace: '', verb: '*', group: GROUP, version: 'v1', resource: 'clusterroles' },
      { namespace: '', verb: '*', group: '*', resource: '*' },
    ]) {
      const s = await sar(attributes);
      assert.deepEqual([s.allowed, s.denied], [false, true], `${JSON.stringify(attributes)}: ${s.reason}`);
      assert.match(s.reason, /kubernetes:(delete|update|create) on resource: \S+\/(clusterroles\.rbac\.authorization\.k8s\.io\/system:node|namespaces\/kube-system\/roles\.rbac\.authorization\.k8s\.io\/system:controller:\S*|namespaces\/ml\/pods\/web\.1\/exec) /);
    }
  });

  test('in a namespace, and across all of them: update roles, * * -n kube-system', async () => {
    for (const attributes of [
      { namespace: 'kube-system', verb: 'update', group: GROUP, version: 'v1', resource: 'roles' },
      { namespace: 'kube-system', verb: '*', group: '*', resource: '*' },
      { namespace: 'kube-system', verb: '*', group: GROUP, resource: '*' },
      { namespace: '', verb: 'update', group: GROUP, version: 'v1', resource: 'roles' },
    ]) {
      const s = await sar(attributes);
      assert.deepEqual([s.allowed, s.denied], [false, true], `${JSON.stringify(attributes)}: ${s.reason}`);
      assert.match(s.reason, /kubernetes:update on resource: \S+\/namespaces\/kube-system\/roles\.rbac\.authorization\.k8s\.io\/system:controller:\S*/);
    }
  });

  test('a subresource of a pod whose name has `.`: create pods/exec -n ml, * pods -n ml', async () => {
    for (const attributes of [
      { namespace: 'ml', verb: 'create', group: '', version: 'v1', resource: 'pods', subresource: 'exec' },
      { namespace: 'ml', verb: '*', group: '', version: 'v1', resource: 'pods' },
      { namespace: 'ml', verb: '*', group: '*', resource: '*' },
      { namespace: '', verb: 'create', group: '', version: 'v1', resource: 'pods', subresource: 'exec' },
    ]) {
      const s = await sar(attributes);
      assert.deepEqual([s.allowed, s.denied], [false, true], `${JSON.stringify(attributes)}: ${s.reason}`);
      assert.match(s.reason, /kubernetes:create on resource: \S+\/namespaces\/ml\/pods\/web\.1\/exec /);
    }
  });

  test('what no deny covers is allowed', async () => {
    for (const attributes of [
      { namespace: 'team', verb: '*', group: '*', resource: '*' },
      { namespace: 'team', verb: 'create', group: '', version: 'v1', resource: 'pods', subresource: 'exec' },
      { namespace: 'kube-system', verb: 'delete', group: GROUP, version: 'v1', resource: 'roles' },
      { namespace: '', verb: 'update', group: GROUP, version: 'v1', resource: 'clusterroles' },
      { namespace: '', verb: 'list', group: GROUP, version: 'v1', resource: 'clusterroles' },
    ]) {
      const s = await sar(attributes);
      assert.deepEqual([s.allowed, s.denied], [true, false], `${JSON.stringify(attributes)}: ${s.reason}`);
    }
  });

  test('the authorize API answers the same questions the same way', async () => {
    const acct = server.adminFile.AccountId;
    const ask = async (action: string, path: string): Promise<string> => {
      const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${acct}:user/alice`, action, resource: `arn:aws:training::${acct}:cluster/k1${path}` });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      return String(r.json['decision']);
    };
    assert.equal(await ask('kubernetes:delete', `/clusterroles.${GROUP}`), 'ExplicitDeny');
    assert.equal(await ask('kubernetes:update', `/namespaces/kube-system/roles.${GROUP}`), 'ExplicitDeny');
    assert.equal(await ask('kubernetes:update', `/namespaces/team/roles.${GROUP}`), 'Allow');
  });
});
