/**
 * Review pk, 3: an allow through an aggregated ClusterRole named the rule by its index in the aggregate's effective
 * rules — `… of ClusterRole \`monitoring\` to Group \`ops\`, rules[2] {…}` — which matches no stored document: the
 * aggregated role's `rules` are the controller's (upstream overwrites them; Gatehouse stores none), and the rule that
 * allowed is written as `rules[0]` of the ClusterRole it was aggregated from. An operator following the reason to tighten
 * the rule (the point of naming it, review N2) looked at the wrong role, or at the wrong rule of a role of many.
 *
 * Contract: Kubernetes RBAC, "Aggregated ClusterRoles" (the control plane overwrites the aggregate's rules with those of
 * the selected ClusterRoles: the source's rules are the documents); review N2's explanation (the rule to tighten).
 * Now such a rule reads `rules[0] of ClusterRole \`mon-services\` (aggregated) {…}`: the source and its index there. A
 * role's own rules read as before.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const GROUP = 'rbac.authorization.k8s.io';
const LABEL = { 'example.com/aggregate-to-monitoring': 'true' };
const objects: Record<string, unknown>[] = [
  { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'mon-endpoints', labels: LABEL }, rules: [{ apiGroups: [''], resources: ['endpoints'], verbs: ['get'] }, { apiGroups: [''], resources: ['nodes'], verbs: ['get'] }] },
  { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'mon-services', labels: LABEL }, rules: [{ apiGroups: [''], resources: ['services'], verbs: ['list'] }] },
  { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'monitoring' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: LABEL }] } },
  { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'monitoring-ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'monitoring', apiGroup: GROUP } },
  { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'services-direct' }, subjects: [{ kind: 'User', name: 'carol', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'mon-services', apiGroup: GROUP } },
];

let server: TestServer;
let token = '';

async function admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await gatehouseJson(server.url, server.admin, method, path, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

async function reason(spec: Record<string, unknown>): Promise<string> {
  const r = await fetch(`${server.url}/k8s/k1/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec }),
  });
  assert.equal(r.status, 200);
  const status = ((await r.json()) as { status: { allowed: boolean; reason: string } }).status;
  assert.equal(status.allowed, true, status.reason);
  return status.reason;
}

before(async () => {
  server = await startTestServer();
  await admin('POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} }] });
  await admin('POST', '/v1/apply', { cluster: 'k1', documents: objects });
  token = String((await admin('POST', '/v1/clusters/k1/webhook-config', {}))['token']);
});
after(async () => {
  await server?.stop();
});

test('pk3: a rule of an aggregated ClusterRole is named where it is written', async () => {
  const services = { resourceAttributes: { namespace: '', verb: 'list', version: 'v1', resource: 'services' } };
  // rules[2] of the aggregate; rules[0] of mon-services, the document that holds it.
  assert.equal(await reason({ ...services, user: 'dave', groups: ['ops'] }), 'rbac: allowed by ClusterRoleBinding `monitoring-ops` of ClusterRole `monitoring` to Group `ops`, rules[0] of ClusterRole `mon-services` (aggregated) {verbs: [list], apiGroups: [""], resources: [services]}');
  assert.equal(await reason({ resourceAttributes: { namespace: '', verb: 'get', version: 'v1', resource: 'nodes' }, user: 'dave', groups: ['ops'] }), 'rbac: allowed by ClusterRoleBinding `monitoring-ops` of ClusterRole `monitoring` to Group `ops`, rules[1] of ClusterRole `mon-endpoints` (aggregated) {verbs: [get], apiGroups: [""], resources: [nodes]}');
  // A ClusterRole bound directly: its own rules, as before.
  assert.equal(await reason({ ...services, user: 'carol', groups: [] }), 'rbac: allowed by ClusterRoleBinding `services-direct` of ClusterRole `mon-services` to User `carol`, rules[0] {verbs: [list], apiGroups: [""], resources: [services]}');
});
