import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRbac } from './compile.ts';
import { labelsMatching, rolesAllowing, rolesBoundTo, subjectsAllowing } from './bound.ts';
import type { RbacObject } from './types.ts';

const G = 'rbac.authorization.k8s.io' as const;
const meta = (name: string, namespace = '', labels: Record<string, string> = {}) => ({ name, namespace, labels });
const objects: RbacObject[] = [
  { kind: 'Role', metadata: meta('dev', 'a'), rules: [] },
  { kind: 'ClusterRole', metadata: meta('view'), rules: [], aggregationRule: { clusterRoleSelectors: [{ matchLabels: { agg: 'view' }, matchExpressions: [] }] } },
  { kind: 'RoleBinding', metadata: meta('dev', 'a'), subjects: [{ kind: 'Group', name: 'team', namespace: '', apiGroup: G }], roleRef: { kind: 'Role', name: 'dev', apiGroup: G } },
  { kind: 'RoleBinding', metadata: meta('view', 'b'), subjects: [{ kind: 'User', name: 'u', namespace: '', apiGroup: G }], roleRef: { kind: 'ClusterRole', name: 'view', apiGroup: G } },
  { kind: 'ClusterRoleBinding', metadata: meta('gone'), subjects: [{ kind: 'User', name: 'u', namespace: '', apiGroup: G }], roleRef: { kind: 'ClusterRole', name: 'missing', apiGroup: G } },
];

test('rolesBoundTo: the roles of the bindings naming the user, in the namespace asked', () => {
  const names = (user: { name: string; groups: string[] }, ns: string) => rolesBoundTo(objects, user, ns).map((r) => `${r.kind}/${r.namespace}/${r.name}${r.selectors ? '*' : ''}`);
  assert.deepEqual(names({ name: 'u', groups: ['team'] }, 'a'), ['Role/a/dev']);
  assert.deepEqual(names({ name: 'u', groups: [] }, 'b'), ['ClusterRole//view*']);
  assert.deepEqual(names({ name: 'x', groups: ['team'] }, 'b'), []);
  assert.deepEqual(names({ name: 'u', groups: ['team'] }, ''), []);
});

test('labelsMatching: the label sets a selector matches, or none when no labels can', () => {
  assert.deepEqual(labelsMatching({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'In', values: ['x', 'y'] }, { key: 'c', operator: 'Exists', values: [] }, { key: 'd', operator: 'DoesNotExist', values: [] }] }), [
    { a: '1', b: 'x', c: 'true' },
    { a: '1', b: 'y', c: 'true' },
  ]);
  assert.deepEqual(labelsMatching({ matchLabels: {}, matchExpressions: [] }), [{}]);
  assert.deepEqual(labelsMatching({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }), []);
  // The requirements of one key are ANDed (review rm, 1).
  assert.deepEqual(labelsMatching({ matchLabels: {}, matchExpressions: [{ key: 'a', operator: 'In', values: ['x', 'y'] }, { key: 'a', operator: 'NotIn', values: ['x'] }] }), [{ a: 'y' }]);
  assert.deepEqual(labelsMatching({ matchLabels: {}, matchExpressions: [{ key: 'a', operator: 'In', values: ['x', 'y'] }, { key: 'a', operator: 'In', values: ['y', 'z'] }] }), [{ a: 'y' }]);
  assert.deepEqual(labelsMatching({ matchLabels: {}, matchExpressions: [{ key: 'a', operator: 'Exists', values: [] }, { key: 'a', operator: 'NotIn', values: ['true'] }] }), [{ a: 'true-1' }]);
  assert.deepEqual(labelsMatching({ matchLabels: {}, matchExpressions: [{ key: 'a', operator: 'In', values: ['x'] }, { key: 'a', operator: 'DoesNotExist', values: [] }] }), []);
  const many = labelsMatching({ matchLabels: {}, matchExpressions: ['a', 'b', 'c'].map((key) => ({ key, operator: 'In' as const, values: ['1', '2', '3'] })) });
  assert.equal(many.length, 16);
});

test('rolesAllowing: the Roles of the namespace and the ClusterRoles whose effective rules allow', () => {
  const more: RbacObject[] = [
    ...objects,
    { kind: 'Role', metadata: meta('pods', 'a'), rules: [{ verbs: ['create'], apiGroups: [''], resources: ['pods'], resourceNames: [], nonResourceURLs: [] }] },
    { kind: 'ClusterRole', metadata: meta('part', '', { agg: 'view' }), rules: [{ verbs: ['*'], apiGroups: [''], resources: ['pods'], resourceNames: [], nonResourceURLs: [] }] },
  ];
  const names = (ns: string) => rolesAllowing(more, compileRbac(more), { verb: 'create', resourceRequest: true, namespace: ns, apiGroup: '', resource: 'pods' }).map((r) => `${r.kind}/${r.namespace}/${r.name}`);
  assert.deepEqual(names('a'), ['ClusterRole//view', 'Role/a/pods', 'ClusterRole//part']);
  assert.deepEqual(names('b'), ['ClusterRole//view', 'ClusterRole//part']);
});

test('subjectsAllowing: every subject of the bindings whose role allows, service accounts by username (review ne, 3)', () => {
  const pods = { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: [], nonResourceURLs: [] };
  const more: RbacObject[] = [
    { kind: 'Role', metadata: meta('pods', 'a'), rules: [pods] },
    { kind: 'ClusterRole', metadata: meta('all-pods'), rules: [pods] },
    { kind: 'RoleBinding', metadata: meta('p', 'a'), subjects: [{ kind: 'ServiceAccount', name: 'sa', namespace: '', apiGroup: '' }, { kind: 'Group', name: 'team', namespace: '', apiGroup: G }], roleRef: { kind: 'Role', name: 'pods', apiGroup: G } },
    { kind: 'ClusterRoleBinding', metadata: meta('c'), subjects: [{ kind: 'User', name: 'u', namespace: '', apiGroup: G }, { kind: 'ServiceAccount', name: 'no-namespace', namespace: '', apiGroup: '' }], roleRef: { kind: 'ClusterRole', name: 'all-pods', apiGroup: G } },
    { kind: 'RoleBinding', metadata: meta('other', 'b'), subjects: [{ kind: 'User', name: 'b-only', namespace: '', apiGroup: G }], roleRef: { kind: 'ClusterRole', name: 'all-pods', apiGroup: G } },
  ];
  const names = (ns: string, verb = 'get') => subjectsAllowing(more, compileRbac(more), { verb, resourceRequest: true, namespace: ns, apiGroup: '', resource: 'pods' }).map((x) => `${x.kind} ${x.name} by ${x.binding} of ${x.role}`);
  assert.deepEqual(names('a'), ['ServiceAccount system:serviceaccount:a:sa by RoleBinding a/p of Role a/pods', 'Group team by RoleBinding a/p of Role a/pods', 'User u by ClusterRoleBinding c of ClusterRole all-pods']);
  assert.deepEqual(names('b'), ['User u by ClusterRoleBinding c of ClusterRole all-pods', 'User b-only by RoleBinding b/other of ClusterRole all-pods']);
  assert.deepEqual(names('a', 'delete'), []);
});
