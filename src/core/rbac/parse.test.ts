import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatehouseError, Result } from '../errors.ts';
import { isDnsLabel, isLabelKey, isLabelValue, isRbacName, parseRbacObject, parseRbacObjects } from './parse.ts';

const V1 = 'rbac.authorization.k8s.io/v1';
const role = { apiVersion: V1, kind: 'Role', metadata: { name: 'r', namespace: 'kubeflow' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] };
const clusterRole = { apiVersion: V1, kind: 'ClusterRole', metadata: { name: 'system:cr', labels: { 'rbac.example.com/aggregate-to-view': 'true' } }, rules: [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }] };
const roleBinding = {
  apiVersion: V1,
  kind: 'RoleBinding',
  metadata: { name: 'rb', namespace: 'kubeflow' },
  subjects: [{ kind: 'Group', name: 'g', apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'ServiceAccount', name: 'trainer' }],
  roleRef: { kind: 'Role', name: 'r', apiGroup: 'rbac.authorization.k8s.io' },
};
const clusterRoleBinding = { apiVersion: V1, kind: 'ClusterRoleBinding', metadata: { name: 'crb' }, subjects: [{ kind: 'User', name: 'alice' }], roleRef: { kind: 'ClusterRole', name: 'system:cr' } };

type Patch = (o: Record<string, any>) => void;
const codes = (errors: readonly GatehouseError[]): string[] => errors.map((e) => `${e.code}@${e.path}`);
const errorsOfResult = (r: Result<unknown>): readonly GatehouseError[] => (r.ok ? [] : r.errors);
function errorsOf(base: object, patch: Patch): string[] {
  const o = structuredClone(base) as Record<string, any>;
  patch(o);
  const r = parseRbacObject(o);
  return r.ok ? [] : codes(r.errors);
}

test('well-formed objects of the four kinds parse, with v1 defaults applied', () => {
  for (const o of [role, clusterRole, roleBinding, clusterRoleBinding]) {
    const r = parseRbacObject(o);
    assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.errors));
  }
  const crb = parseRbacObject(clusterRoleBinding);
  assert.ok(crb.ok && crb.value.kind === 'ClusterRoleBinding');
  assert.deepEqual(crb.value.subjects, [{ kind: 'User', name: 'alice', namespace: '', apiGroup: 'rbac.authorization.k8s.io' }]);
  assert.equal(crb.value.roleRef.apiGroup, 'rbac.authorization.k8s.io');
  const rb = parseRbacObject(roleBinding);
  assert.ok(rb.ok && rb.value.kind === 'RoleBinding');
  assert.deepEqual(rb.value.subjects[1], { kind: 'ServiceAccount', name: 'trainer', namespace: '', apiGroup: '' });
  const r = parseRbacObject(role);
  assert.ok(r.ok && r.value.kind === 'Role');
  assert.deepEqual(r.value.rules[0], { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: [], nonResourceURLs: [] });
  assert.equal(Object.getPrototypeOf(r.value.metadata.labels), null, 'labels are a null-prototype record');
});

test('null stands for an absent field; a cluster-scoped object drops its namespace; server-set metadata is accepted', () => {
  const r = parseRbacObject({ ...role, rules: null });
  assert.ok(r.ok && r.value.kind === 'Role' && r.value.rules.length === 0);
  const cr = parseRbacObject({ ...clusterRole, metadata: { name: 'x', namespace: 'kubeflow', uid: 'u', resourceVersion: '1', creationTimestamp: '2024-01-01T00:00:00Z', annotations: { a: 'b' } } });
  assert.ok(cr.ok && cr.value.metadata.namespace === '');
  const b = parseRbacObject({ ...roleBinding, subjects: null });
  assert.ok(b.ok && b.value.kind === 'RoleBinding' && b.value.subjects.length === 0, 'a binding without subjects is valid');
});

test('a namespaced object without a namespace takes the default namespace, if one is given', () => {
  const noNs = { ...role, metadata: { name: 'r' } };
  assert.deepEqual(codes(errorsOfResult(parseRbacObject(noNs))), ['RBAC_MISSING_FIELD@metadata.namespace']);
  const r = parseRbacObject(noNs, { defaultNamespace: 'team-a' });
  assert.ok(r.ok && r.value.metadata.namespace === 'team-a');
});

const rejects: [string, object, Patch, string[]][] = [
  ['not an object', role, (o) => Object.keys(o).forEach((k) => delete o[k]), ['RBAC_MISSING_FIELD@kind']],
  ['an unknown kind', role, (o) => (o['kind'] = 'Pod'), ['RBAC_UNKNOWN_KIND@kind']],
  ['a kind in the wrong case', role, (o) => (o['kind'] = 'role'), ['RBAC_UNKNOWN_KIND@kind']],
  ['a removed apiVersion', role, (o) => (o['apiVersion'] = 'rbac.authorization.k8s.io/v1beta1'), ['RBAC_UNKNOWN_KIND@apiVersion']],
  ['a missing apiVersion', role, (o) => delete o['apiVersion'], ['RBAC_MISSING_FIELD@apiVersion']],
  ['an unknown top-level field', role, (o) => (o['spec'] = {}), ['RBAC_UNKNOWN_FIELD@spec']],
  ['aggregationRule on a Role', role, (o) => (o['aggregationRule'] = { clusterRoleSelectors: [{}] }), ['RBAC_UNKNOWN_FIELD@aggregationRule']],
  ['rules on a binding', roleBinding, (o) => (o['rules'] = []), ['RBAC_UNKNOWN_FIELD@rules']],
  ['a missing metadata', role, (o) => delete o['metadata'], ['RBAC_MISSING_FIELD@metadata']],
  ['a missing name', role, (o) => delete o['metadata'].name, ['RBAC_MISSING_FIELD@metadata.name']],
  ['a name with a slash', role, (o) => (o['metadata'].name = 'a/b'), ['RBAC_INVALID_VALUE@metadata.name']],
  ['a name of ..', role, (o) => (o['metadata'].name = '..'), ['RBAC_INVALID_VALUE@metadata.name']],
  ['a namespace that is not a DNS label', role, (o) => (o['metadata'].namespace = 'Kube_Flow'), ['RBAC_INVALID_VALUE@metadata.namespace']],
  ['an unknown metadata field', role, (o) => (o['metadata'].label = {}), ['RBAC_UNKNOWN_FIELD@metadata.label']],
  ['a numeric label value', clusterRole, (o) => (o['metadata'].labels = { tier: 1 }), ['RBAC_INVALID_TYPE@metadata.labels.tier']],
  ['a bad label key', clusterRole, (o) => (o['metadata'].labels = { '-x': 'y' }), ['RBAC_INVALID_VALUE@metadata.labels.-x']],
  ['rules that are not a list', role, (o) => (o['rules'] = {}), ['RBAC_INVALID_TYPE@rules']],
  ['a rule without verbs', role, (o) => delete o['rules'][0].verbs, ['RBAC_MISSING_FIELD@rules[0].verbs']],
  ['a rule with empty verbs', role, (o) => (o['rules'][0].verbs = []), ['RBAC_MISSING_FIELD@rules[0].verbs']],
  ['a verb that is a number', role, (o) => (o['rules'][0].verbs = ['get', 7]), ['RBAC_INVALID_TYPE@rules[0].verbs[1]']],
  ['verbs as a string', role, (o) => (o['rules'][0].verbs = 'get'), ['RBAC_INVALID_TYPE@rules[0].verbs']],
  ['a resource rule without apiGroups', role, (o) => delete o['rules'][0].apiGroups, ['RBAC_MISSING_FIELD@rules[0].apiGroups']],
  ['a resource rule without resources', role, (o) => delete o['rules'][0].resources, ['RBAC_MISSING_FIELD@rules[0].resources']],
  ['an unknown rule field', role, (o) => (o['rules'][0].resource = ['pods']), ['RBAC_UNKNOWN_FIELD@rules[0].resource']],
  ['nonResourceURLs in a Role', role, (o) => (o['rules'] = [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }]), ['RBAC_INVALID_VALUE@rules[0].nonResourceURLs']],
  ['nonResourceURLs mixed with resources', clusterRole, (o) => (o['rules'][0].resources = ['pods']), ['RBAC_INVALID_VALUE@rules[0].nonResourceURLs']],
  ['an empty aggregationRule', clusterRole, (o) => (o['aggregationRule'] = {}), ['RBAC_MISSING_FIELD@aggregationRule.clusterRoleSelectors']],
  ['an empty selector list', clusterRole, (o) => (o['aggregationRule'] = { clusterRoleSelectors: [] }), ['RBAC_MISSING_FIELD@aggregationRule.clusterRoleSelectors']],
  ['an unknown operator', clusterRole, (o) => (o['aggregationRule'] = { clusterRoleSelectors: [{ matchExpressions: [{ key: 'a', operator: 'in', values: ['x'] }] }] }), ['RBAC_INVALID_VALUE@aggregationRule.clusterRoleSelectors[0].matchExpressions[0].operator']],
  ['In without values', clusterRole, (o) => (o['aggregationRule'] = { clusterRoleSelectors: [{ matchExpressions: [{ key: 'a', operator: 'In' }] }] }), ['RBAC_MISSING_FIELD@aggregationRule.clusterRoleSelectors[0].matchExpressions[0].values']],
  ['Exists with values', clusterRole, (o) => (o['aggregationRule'] = { clusterRoleSelectors: [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }] }), ['RBAC_INVALID_VALUE@aggregationRule.clusterRoleSelectors[0].matchExpressions[0].values']],
  ['a requirement without key', clusterRole, (o) => (o['aggregationRule'] = { clusterRoleSelectors: [{ matchExpressions: [{ operator: 'Exists' }] }] }), ['RBAC_MISSING_FIELD@aggregationRule.clusterRoleSelectors[0].matchExpressions[0].key']],
  ['an unknown selector field', clusterRole, (o) => (o['aggregationRule'] = { clusterRoleSelectors: [{ matchLabel: {} }] }), ['RBAC_UNKNOWN_FIELD@aggregationRule.clusterRoleSelectors[0].matchLabel']],
  ['a missing roleRef', roleBinding, (o) => delete o['roleRef'], ['RBAC_MISSING_FIELD@roleRef']],
  ['a roleRef without a name', roleBinding, (o) => delete o['roleRef'].name, ['RBAC_MISSING_FIELD@roleRef.name']],
  ['a roleRef of an unknown kind', roleBinding, (o) => (o['roleRef'].kind = 'Group'), ['RBAC_INVALID_VALUE@roleRef.kind']],
  ['a roleRef in another API group', roleBinding, (o) => (o['roleRef'].apiGroup = 'rbac.authorization.k8s.io/v1'), ['RBAC_INVALID_VALUE@roleRef.apiGroup']],
  ['a ClusterRoleBinding to a Role', clusterRoleBinding, (o) => (o['roleRef'].kind = 'Role'), ['RBAC_INVALID_VALUE@roleRef.kind']],
  ['a subject of an unknown kind', roleBinding, (o) => (o['subjects'][0].kind = 'Role'), ['RBAC_INVALID_VALUE@subjects[0].kind']],
  ['a subject kind in the wrong case', roleBinding, (o) => (o['subjects'][0].kind = 'group'), ['RBAC_INVALID_VALUE@subjects[0].kind']],
  ['a subject without kind', roleBinding, (o) => delete o['subjects'][0].kind, ['RBAC_MISSING_FIELD@subjects[0].kind']],
  ['a subject without name', roleBinding, (o) => delete o['subjects'][0].name, ['RBAC_MISSING_FIELD@subjects[0].name']],
  ['a Group subject in another API group', roleBinding, (o) => (o['subjects'][0].apiGroup = 'iam.gatehouse.dev'), ['RBAC_INVALID_VALUE@subjects[0].apiGroup']],
  ['a ServiceAccount subject with an apiGroup', roleBinding, (o) => (o['subjects'][1].apiGroup = 'rbac.authorization.k8s.io'), ['RBAC_INVALID_VALUE@subjects[1].apiGroup']],
  ['a ServiceAccount name that is not a DNS subdomain', roleBinding, (o) => (o['subjects'][1].name = 'Trainer'), ['RBAC_INVALID_VALUE@subjects[1].name']],
  ['a ClusterRoleBinding ServiceAccount without namespace', clusterRoleBinding, (o) => (o['subjects'] = [{ kind: 'ServiceAccount', name: 'trainer' }]), ['RBAC_MISSING_FIELD@subjects[0].namespace']],
  ['an unknown subject field', roleBinding, (o) => (o['subjects'][0].namespaces = 'x'), ['RBAC_UNKNOWN_FIELD@subjects[0].namespaces']],
  ['subjects that are not a list', roleBinding, (o) => (o['subjects'] = { kind: 'User', name: 'a' }), ['RBAC_INVALID_TYPE@subjects']],
];
for (const [what, base, patch, want] of rejects) {
  test(`rejects ${what}`, () => {
    const got = errorsOf(base, patch);
    for (const w of want) assert.ok(got.includes(w), `expected ${w}, got ${JSON.stringify(got)}`);
  });
}

test('every error is collected, and messages are lowercase without a trailing period', () => {
  const r = parseRbacObject({ apiVersion: V1, kind: 'RoleBinding', metadata: { name: 'a/b' }, subjects: [{ kind: 'Robot' }] });
  assert.ok(!r.ok);
  assert.deepEqual(codes(r.errors).sort(), ['RBAC_INVALID_VALUE@metadata.name', 'RBAC_INVALID_VALUE@subjects[0].kind', 'RBAC_MISSING_FIELD@metadata.namespace', 'RBAC_MISSING_FIELD@roleRef', 'RBAC_MISSING_FIELD@subjects[0].name'].sort());
  for (const e of r.errors) {
    assert.ok(!e.message.endsWith('.'), e.message);
    assert.ok(!/^[A-Z][a-z]/.test(e.message) || /^(Role|ClusterRole|RoleBinding|ClusterRoleBinding)\b/.test(e.message), e.message);
  }
  assert.deepEqual(codes(errorsOfResult(parseRbacObject('kind: Role'))), ['RBAC_INVALID_TYPE@']);
});

test('parseRbacObjects: YAML streams with empty documents, Lists, paths by index, duplicates', () => {
  const r = parseRbacObjects([role, null, { apiVersion: 'v1', kind: 'List', items: [clusterRole, clusterRoleBinding] }]);
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.errors));
  assert.deepEqual(r.value.map((o) => o.kind), ['Role', 'ClusterRole', 'ClusterRoleBinding']);
  const bad = parseRbacObjects([role, { apiVersion: 'v1', kind: 'List', items: [{ ...role, kind: 'Rol' }] }, role]);
  assert.ok(!bad.ok);
  assert.deepEqual(codes(bad.errors), ['RBAC_UNKNOWN_KIND@[1].items[0].kind', 'RBAC_DUPLICATE_OBJECT@[2]']);
  const one = parseRbacObjects(role);
  assert.ok(one.ok && one.value.length === 1);
  const sameNameOtherNamespace = parseRbacObjects([role, { ...role, metadata: { name: 'r', namespace: 'default' } }, { ...clusterRole, metadata: { name: 'r' } }]);
  assert.ok(sameNameOtherNamespace.ok, 'names are unique per kind and namespace');
});

test('a hostile key is a field like any other', () => {
  const o = JSON.parse('{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"x","labels":{"__proto__":"y"}},"__proto__":{"rules":[]}}') as object;
  const r = parseRbacObject(o);
  assert.ok(!r.ok);
  assert.deepEqual(codes(r.errors), ['RBAC_UNKNOWN_FIELD@__proto__', 'RBAC_INVALID_VALUE@metadata.labels.__proto__']);
});

test('name and label syntax', () => {
  assert.ok(isRbacName('system:aggregate-to-admin') && isRbacName('Any Name') && !isRbacName('a%2F') && !isRbacName('.') && !isRbacName(''));
  assert.ok(isDnsLabel('kubeflow') && isDnsLabel('aws-hyperpod-1') && !isDnsLabel('-a') && !isDnsLabel('a.b') && !isDnsLabel('x'.repeat(64)));
  assert.ok(isLabelKey('rbac.authorization.k8s.io/aggregate-to-admin') && isLabelKey('tier') && isLabelKey('A_b.c'));
  assert.ok(!isLabelKey('/x') && !isLabelKey('a/b/c') && !isLabelKey('Example.com/x') && !isLabelKey('x'.repeat(64)));
  assert.ok(isLabelValue('') && isLabelValue('true') && !isLabelValue('a b') && !isLabelValue('-a'));
});
