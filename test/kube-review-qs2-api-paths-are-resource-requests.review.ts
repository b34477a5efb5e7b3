/**
 * Review qs, 2: the authorize API read every path under `<cluster>/api/…` and `<cluster>/apis/…` as a non-resource URL,
 * so `kubernetes:get` on `<cluster>/api/v1/namespaces/prod/secrets/db` — the URL kube-apiserver serves that secret at —
 * was decided by `nonResourceURLs` rules: a discovery ClusterRole's `/api/*` (as the bootstrap `system:discovery` grants
 * it) answered Allow for every secret, while RoleBindings of the namespace and every resource rule were never consulted
 * (Allow for what the cluster refuses, ImplicitDeny for what it allows), and an IAM Deny written on the request's path
 * (`<cluster>/namespaces/prod/secrets/*`) did not apply. kube-apiserver (k8s.io/apiserver `RequestInfoFactory`;
 * policy-semantics.md §A.3) reads `/api/<version>/…` and `/apis/<group>/<version>/…` as resource requests, namespaced
 * under `namespaces/<ns>/`, and only the shorter discovery paths (`/api`, `/api/v1`, `/apis`, `/apis/<group>`,
 * `/apis/<group>/<version>`) as non-resource URLs. Now the authorize API reads them so, as the SubjectAccessReview
 * webhook decides the request they name, IAM denies of that request's path included.
 * Real server, SigV4-signed /v1/authorize. Before the fix 3 of 4 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const GROUP = 'rbac.authorization.k8s.io';
let server: TestServer;
let acct = '';

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const apply = async (body: unknown) => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
  };
  const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:*', Resource: `arn:aws:training::${acct}:cluster/k1/namespaces/team/configmaps/*` }] };
  await apply({
    documents: [
      { apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} },
      { apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'alice' }, spec: { inlinePolicies: { 'no-configmaps': deny } } },
      { apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'bob' }, spec: {} },
    ],
  });
  await apply({
    cluster: 'k1',
    documents: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'discovery' }, rules: [{ nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*'], verbs: ['get'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'discovery' }, subjects: [{ kind: 'Group', name: 'discoverers', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'discovery', apiGroup: GROUP } },
      {
        apiVersion: `${GROUP}/v1`,
        kind: 'Role',
        metadata: { name: 'dev', namespace: 'team' },
        rules: [
          { apiGroups: [''], resources: ['pods', 'pods/log', 'configmaps'], verbs: ['get', 'list'] },
          { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
        ],
      },
      { apiVersion: `${GROUP}/v1`, kind: 'RoleBinding', metadata: { name: 'devs', namespace: 'team' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: GROUP }], roleRef: { kind: 'Role', name: 'dev', apiGroup: GROUP } },
    ],
  });
  for (const [user, groups] of [['alice', ['devs']], ['bob', ['discoverers']]] as const) {
    const e = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/access-entries', { principalArn: `arn:aws:iam::${acct}:user/${user}`, kubernetesGroups: groups });
    assert.ok(e.status < 300, JSON.stringify(e.json));
  }
});

after(async () => {
  await server?.stop();
});

async function decide(user: string, action: string, path: string): Promise<string> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${acct}:user/${user}`, action, resource: `arn:aws:training::${acct}:cluster/k1${path}` });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return String(r.json['decision']);
}

test('a discovery rule on /api/* grants no object under /api/v1/…', async () => {
  assert.equal(await decide('bob', 'kubernetes:get', '/api/v1/namespaces/prod/secrets/db'), 'ImplicitDeny');
  assert.equal(await decide('bob', 'kubernetes:list', '/api/v1/pods'), 'ImplicitDeny');
  assert.equal(await decide('bob', 'kubernetes:get', '/apis/apps/v1/namespaces/team/deployments/web'), 'ImplicitDeny');
});

test('the shorter discovery paths are still non-resource URLs', async () => {
  for (const path of ['/api', '/api/v1', '/apis', '/apis/apps', '/apis/apps/v1']) assert.equal(await decide('bob', 'kubernetes:get', path), 'Allow', path);
  assert.equal(await decide('alice', 'kubernetes:get', '/api/v1'), 'ImplicitDeny');
});

test('an object under /api/v1/namespaces/<ns>/ or /apis/<group>/<version>/namespaces/<ns>/ is decided by the namespace’s RoleBindings', async () => {
  assert.equal(await decide('alice', 'kubernetes:get', '/api/v1/namespaces/team/pods/p'), 'Allow');
  assert.equal(await decide('alice', 'kubernetes:get', '/api/v1/namespaces/team/pods/p/log'), 'Allow');
  assert.equal(await decide('alice', 'kubernetes:list', '/api/v1/namespaces/team/pods'), 'Allow');
  assert.equal(await decide('alice', 'kubernetes:get', '/apis/apps/v1/namespaces/team/deployments/web'), 'Allow');
  assert.equal(await decide('alice', 'kubernetes:get', '/api/v1/namespaces/other/pods/p'), 'ImplicitDeny');
});

test('an IAM Deny of the request’s path applies to its /api/v1/… spelling', async () => {
  assert.equal(await decide('alice', 'kubernetes:get', '/namespaces/team/configmaps/c'), 'ExplicitDeny');
  assert.equal(await decide('alice', 'kubernetes:get', '/api/v1/namespaces/team/configmaps/c'), 'ExplicitDeny');
});
