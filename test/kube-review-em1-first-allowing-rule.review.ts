/**
 * Review em, finding 1: an allow's explanation named the rule of the role that the index met first, not the first rule
 * of the role that allows, though docs/semantics.md ("What a Kubernetes allow says") and `CompiledRbac.explain` say the
 * first. The compiled engine looks up a request's exact resource before `*` and `*\/<subresource>`, its exact API group
 * before `*`, and a non-resource URL's exact entry before a prefix (`/metrics*`), so for a role whose rules[0] is
 * `resources: [*]` and rules[1] `resources: [pods]`, `get pods` was explained as rules[1]. An operator tightening the
 * role from the SubjectAccessReview's reason (or the audit record) removed rules[1] and the request stayed allowed, by
 * a rule the reason never named. Now the reason names the role's first allowing rule (shared/reference/policy-semantics.md
 * §A.3: a rule allows iff verb, group, resource and name all match). Real server; SubjectAccessReviews POSTed as
 * kube-apiserver sends them. Before the fix all 4 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const GROUP = 'rbac.authorization.k8s.io';
let server: TestServer;
let token = '';

const clusterRole = (name: string, rules: unknown[]) => ({ apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name }, rules });
const bind = (role: string) => ({ apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: `${role}-b` }, subjects: [{ kind: 'User', name: `${role}-user`, apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: role, apiGroup: GROUP } });

before(async () => {
  server = await startTestServer();
  const apply = async (body: unknown) => assert.equal((await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', body)).status, 200);
  await apply({ documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} }] });
  await apply({
    cluster: 'k1',
    documents: [
      clusterRole('any-resource', [{ apiGroups: [''], resources: ['*'], verbs: ['get'] }, { apiGroups: [''], resources: ['pods'], verbs: ['get'] }]),
      clusterRole('any-group', [{ apiGroups: ['*'], resources: ['pods'], verbs: ['get'] }, { apiGroups: [''], resources: ['pods'], verbs: ['get'] }]),
      clusterRole('any-scale', [{ apiGroups: ['apps'], resources: ['*/scale'], verbs: ['get'] }, { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get'] }]),
      clusterRole('metrics', [{ nonResourceURLs: ['/metrics*'], verbs: ['get'] }, { nonResourceURLs: ['/metrics'], verbs: ['get'] }]),
      bind('any-resource'),
      bind('any-group'),
      bind('any-scale'),
      bind('metrics'),
    ],
  });
  token = String((await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
});

after(async () => {
  await server?.stop();
});

async function reason(user: string, attributes: Record<string, unknown>): Promise<string> {
  const r = await fetch(`${server.url}/k8s/k1/authorize`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user, groups: ['system:authenticated'], ...attributes } }),
  });
  assert.equal(r.status, 200);
  const status = ((await r.json()) as { status: { allowed: boolean; reason: string } }).status;
  assert.equal(status.allowed, true, status.reason);
  return status.reason;
}

test('resources `*` in rules[0] is named before an exact `pods` in rules[1]', async () => {
  const r = await reason('any-resource-user', { resourceAttributes: { namespace: 'ml', verb: 'get', version: 'v1', resource: 'pods', name: 'p' } });
  assert.equal(r, 'rbac: allowed by ClusterRoleBinding `any-resource-b` of ClusterRole `any-resource` to User `any-resource-user`, rules[0] {verbs: [get], apiGroups: [""], resources: [*]}');
});

test('apiGroups `*` in rules[0] is named before the core group in rules[1]', async () => {
  const r = await reason('any-group-user', { resourceAttributes: { namespace: 'ml', verb: 'get', version: 'v1', resource: 'pods', name: 'p' } });
  assert.match(r, /, rules\[0\] \{verbs: \[get\], apiGroups: \[\*\], resources: \[pods\]\}$/);
});

test('`*/scale` in rules[0] is named before `deployments/scale` in rules[1]', async () => {
  const r = await reason('any-scale-user', { resourceAttributes: { namespace: 'ml', verb: 'get', group: 'apps', version: 'v1', resource: 'deployments', subresource: 'scale', name: 'd' } });
  assert.match(r, /, rules\[0\] \{verbs: \[get\], apiGroups: \[apps\], resources: \[\*\/scale\]\}$/);
});

test('the prefix `/metrics*` in rules[0] is named before the exact `/metrics` in rules[1]', async () => {
  const r = await reason('metrics-user', { nonResourceAttributes: { verb: 'get', path: '/metrics' } });
  assert.match(r, /, rules\[0\] \{verbs: \[get\], nonResourceURLs: \[\/metrics\*\]\}$/);
});
