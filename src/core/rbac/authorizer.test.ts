import assert from 'node:assert/strict';
import { test } from 'node:test';
import { union, type Authorizer } from '../authorizer/index.ts';
import { rbacAuthorizer } from './authorizer.ts';
import { compileRbac } from './compile.ts';
import { parseRbacObjects } from './parse.ts';
import type { RbacAttributes } from './types.ts';

const V1 = 'rbac.authorization.k8s.io/v1';
const parsed = parseRbacObjects([
  { apiVersion: V1, kind: 'ClusterRole', metadata: { name: 'view' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
  { apiVersion: V1, kind: 'ClusterRoleBinding', metadata: { name: 'viewers' }, subjects: [{ kind: 'Group', name: 'viewers' }], roleRef: { kind: 'ClusterRole', name: 'view' } },
  { apiVersion: V1, kind: 'ClusterRoleBinding', metadata: { name: 'dangling' }, subjects: [{ kind: 'Group', name: 'viewers' }], roleRef: { kind: 'ClusterRole', name: 'gone' } },
]);
assert.ok(parsed.ok);
const rbac = rbacAuthorizer(compileRbac(parsed.value));
const get = (groups: string[]): RbacAttributes => ({ user: { name: 'alice', groups }, verb: 'get', resourceRequest: true, namespace: 'kubeflow', resource: 'pods' });

test('allow and no-opinion pass through; a dangling binding is a reason, not an error', () => {
  const allowed = rbac.authorize(get(['viewers']));
  assert.equal(allowed.verdict, 'allow');
  assert.deepEqual(allowed.errors, []);
  assert.deepEqual(allowed.reasons, [
    'allowed by ClusterRoleBinding `viewers` of ClusterRole `view`',
    'RBAC: ClusterRoleBinding `dangling` refers to ClusterRole `gone`, which does not exist; create the ClusterRole or correct `roleRef`',
  ]);
  const none = rbac.authorize({ ...get(['viewers']), verb: 'delete' });
  assert.equal(none.verdict, 'no-opinion');
  assert.equal(none.reasons.length, 1);
  assert.equal(rbac.name, 'rbac');
});

test('in the union: RBAC allows, another engine may deny; with no allow the union denies by default', () => {
  const deny: Authorizer<RbacAttributes> = { name: 'guard', authorize: (a) => (a.namespace === 'kube-system' ? { verdict: 'deny', reasons: ['kube-system is closed'], errors: [] } : { verdict: 'no-opinion', reasons: [], errors: [] }) };
  const u = union('cluster', [deny, rbac]);
  assert.equal(u.authorize(get(['viewers'])).verdict, 'allow', 'the dangling binding does not fail the union closed');
  assert.equal(u.authorize({ ...get(['viewers']), namespace: 'kube-system' }).verdict, 'deny');
  assert.equal(u.authorize(get([])).verdict, 'no-opinion');
});
