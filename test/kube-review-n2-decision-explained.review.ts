/**
 * Review N, N2: a Kubernetes decision says which binding, which of its subjects and which rule of its role allowed.
 * The SubjectAccessReview's reason (what kube-apiserver writes into its audit log as `authorization.k8s.io/reason`),
 * the authorize API's reasons and the audit record named the binding and its role only (`allowed by RoleBinding
 * \`team/rb\` of Role \`pod-reader\``): not whether the user was let in as itself, as a group or as a service account
 * (upstream's reason says `to Group "devs"`), nor which of the role's rules matched — in an aggregated ClusterRole or
 * a role of many rules, the one thing an operator needs to tighten it. Now each allow reads
 * `… to Group \`devs\`, rules[1] {verbs: [get], apiGroups: [""], resources: [pods/log], resourceNames: [p1]}`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { compileRbac, parseRbacObjects } from '../src/core/rbac/index.ts';

let server: TestServer;
let acct = '';
let token = '';
const GROUP = 'rbac.authorization.k8s.io';
const rbac = (kind: string, name: string, rest: Record<string, unknown>, namespace?: string) => ({ apiVersion: `${GROUP}/v1`, kind, metadata: { name, ...(namespace !== undefined ? { namespace } : {}) }, ...rest });
const objects: Record<string, unknown>[] = [
  rbac('Role', 'pod-reader', { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }, { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get'], resourceNames: ['p1'] }] }, 'team'),
  rbac('RoleBinding', 'rb', { subjects: [{ kind: 'User', name: 'someone-else', apiGroup: GROUP }, { kind: 'Group', name: 'devs', apiGroup: GROUP }, { kind: 'ServiceAccount', name: 'builder' }], roleRef: { kind: 'Role', name: 'pod-reader', apiGroup: GROUP } }, 'team'),
  // An aggregated ClusterRole: the rule that allows is one of the aggregated ones.
  { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'mon-part', labels: { 'example.com/aggregate-to-mon': 'true' } }, rules: [{ apiGroups: [''], resources: ['endpoints'], verbs: ['get'] }, { apiGroups: [''], resources: ['services'], verbs: ['get', 'list'] }] },
  rbac('ClusterRole', 'mon', { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'example.com/aggregate-to-mon': 'true' } }] } }),
  rbac('ClusterRoleBinding', 'mon-b', { subjects: [{ kind: 'ServiceAccount', name: 'prom', namespace: 'kube-system' }], roleRef: { kind: 'ClusterRole', name: 'mon', apiGroup: GROUP } }),
  rbac('ClusterRole', 'health', { rules: [{ nonResourceURLs: ['/healthz/*'], verbs: ['get'] }] }),
  rbac('ClusterRoleBinding', 'health-all', { subjects: [{ kind: 'Group', name: 'system:authenticated', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'health', apiGroup: GROUP } }),
];

async function admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await gatehouseJson(server.url, server.admin, method, path, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

async function review(spec: Record<string, unknown>): Promise<{ allowed: boolean; reason: string }> {
  const r = await fetch(`${server.url}/k8s/k1/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec }),
  });
  assert.equal(r.status, 200);
  return ((await r.json()) as { status: { allowed: boolean; reason: string } }).status;
}

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  await admin('POST', '/v1/apply', { documents: [doc('Cluster', 'k1', {}), doc('User', 'dave', {}), doc('AccessEntry', 'dave', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/dave`, kubernetesGroups: ['devs'] })] });
  await admin('POST', '/v1/apply', { cluster: 'k1', documents: objects });
  token = String((await admin('POST', '/v1/clusters/k1/webhook-config', {}))['token']);
});

after(async () => {
  await server?.stop();
});

describe('N2: an allow names the subject and the rule', () => {
  test('the compiled cluster explains each reason: the binding, the subject and the index of the rule', () => {
    const parsed = parseRbacObjects(objects);
    assert.ok(parsed.ok);
    const c = compileRbac(parsed.value);
    const attrs = { user: { name: 'bob', groups: ['devs'] }, verb: 'get', resourceRequest: true, namespace: 'team', resource: 'pods', subresource: 'log', name: 'p1' } as const;
    assert.deepEqual(c.authorize(attrs).reasons, ['allowed by RoleBinding `team/rb` of Role `pod-reader`']);
    assert.deepEqual(
      c.explain(attrs).map((g) => [g.reason, g.subject, g.rule, g.binding.name, g.role.name]),
      [['allowed by RoleBinding `team/rb` of Role `pod-reader`', 'Group `devs`', 1, 'rb', 'pod-reader']],
    );
    assert.deepEqual(c.explain({ ...attrs, name: 'p2' }), []);
  });

  test('SubjectAccessReview: group, service account (in a RoleBinding, namespace defaulted), aggregated rule, non-resource URL', async () => {
    const log = await review({ resourceAttributes: { namespace: 'team', verb: 'get', version: 'v1', resource: 'pods', subresource: 'log', name: 'p1' }, user: 'bob', groups: ['devs', 'system:authenticated'] });
    assert.equal(log.allowed, true);
    assert.equal(log.reason, 'rbac: allowed by RoleBinding `team/rb` of Role `pod-reader` to Group `devs`, rules[1] {verbs: [get], apiGroups: [""], resources: [pods, pods/log], resourceNames: [p1]}');
    const list = await review({ resourceAttributes: { namespace: 'team', verb: 'list', version: 'v1', resource: 'pods' }, user: 'system:serviceaccount:team:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'] });
    assert.equal(list.reason, 'rbac: allowed by RoleBinding `team/rb` of Role `pod-reader` to ServiceAccount `team/builder`, rules[0] {verbs: [list], apiGroups: [""], resources: [pods]}');
    const svc = await review({ resourceAttributes: { namespace: '', verb: 'list', version: 'v1', resource: 'services' }, user: 'system:serviceaccount:kube-system:prom', groups: ['system:serviceaccounts'] });
    assert.equal(svc.reason, 'rbac: allowed by ClusterRoleBinding `mon-b` of ClusterRole `mon` to ServiceAccount `kube-system/prom`, rules[1] of ClusterRole `mon-part` (aggregated) {verbs: [get, list], apiGroups: [""], resources: [services]}');
    const health = await review({ nonResourceAttributes: { path: '/healthz/etcd', verb: 'get' }, user: 'x', groups: ['system:authenticated'] });
    assert.equal(health.reason, 'rbac: allowed by ClusterRoleBinding `health-all` of ClusterRole `health` to Group `system:authenticated`, rules[0] {verbs: [get], nonResourceURLs: [/healthz/*]}');
    // No opinion still says what was asked, and nothing about rules.
    const none = await review({ resourceAttributes: { namespace: 'team', verb: 'get', version: 'v1', resource: 'pods', name: 'p2' }, user: 'bob', groups: ['devs'] });
    assert.deepEqual([none.allowed, none.reason], [false, 'no RBAC binding in cluster k1 allows get pods p2 in namespace team for user bob']);
  });

  test('the authorize API names them too', async () => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${acct}:user/dave`, action: 'kubernetes:get', resource: `arn:aws:training::${acct}:cluster/k1/namespaces/team/pods/p1` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['decision'], 'Allow');
    assert.ok((r.json['reasons'] as string[]).includes('rbac: allowed by RoleBinding `team/rb` of Role `pod-reader` to Group `devs`, rules[1] {verbs: [get], apiGroups: [""], resources: [pods, pods/log], resourceNames: [p1]} (cluster k1)'), JSON.stringify(r.json['reasons']));
  });
});
