import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRbac } from './compile.ts';
import { referenceAuthorize } from './reference.ts';
import type { ClusterRole, ClusterRoleBinding, LabelSelector, PolicyRule, RbacAttributes, RbacObject, Role, RoleBinding, Subject } from './types.ts';

const G = 'rbac.authorization.k8s.io';
const rule = (r: Partial<PolicyRule>): PolicyRule => ({ verbs: [], apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: [], ...r });
const meta = (name: string, namespace = '', labels: Record<string, string> = {}): { name: string; namespace: string; labels: Record<string, string> } => ({ name, namespace, labels });
const role = (ns: string, name: string, rules: PolicyRule[]): Role => ({ kind: 'Role', metadata: meta(name, ns), rules });
const clusterRole = (name: string, rules: PolicyRule[], labels: Record<string, string> = {}, selectors?: LabelSelector[]): ClusterRole =>
  selectors === undefined ? { kind: 'ClusterRole', metadata: meta(name, '', labels), rules } : { kind: 'ClusterRole', metadata: meta(name, '', labels), rules, aggregationRule: { clusterRoleSelectors: selectors } };
const user = (name: string): Subject => ({ kind: 'User', name, namespace: '', apiGroup: G });
const group = (name: string): Subject => ({ kind: 'Group', name, namespace: '', apiGroup: G });
const sa = (name: string, namespace = ''): Subject => ({ kind: 'ServiceAccount', name, namespace, apiGroup: '' });
const rb = (ns: string, name: string, kind: 'Role' | 'ClusterRole', roleName: string, subjects: Subject[]): RoleBinding => ({ kind: 'RoleBinding', metadata: meta(name, ns), subjects, roleRef: { kind, name: roleName, apiGroup: G } });
const crb = (name: string, roleName: string, subjects: Subject[]): ClusterRoleBinding => ({ kind: 'ClusterRoleBinding', metadata: meta(name), subjects, roleRef: { kind: 'ClusterRole', name: roleName, apiGroup: G } });
const req = (name: string, groups: string[], a: Partial<RbacAttributes>): RbacAttributes => ({ user: { name, groups }, verb: 'get', resourceRequest: true, ...a });

test('every allowing binding is a reason, ClusterRoleBindings first; a dangling one is an error and evaluation goes on', () => {
  const c = compileRbac([
    role('kubeflow', 'pods-reader', [rule({ verbs: ['get'], apiGroups: [''], resources: ['pods'] })]),
    clusterRole('view', [rule({ verbs: ['get', 'list'], apiGroups: ['*'], resources: ['*'] })]),
    rb('kubeflow', 'b-team', 'Role', 'pods-reader', [group('team')]),
    rb('kubeflow', 'a-alice', 'Role', 'pods-reader', [user('alice')]),
    rb('kubeflow', 'gone', 'Role', 'missing', [user('alice')]),
    crb('viewers', 'view', [group('team')]),
  ]);
  const d = c.authorize(req('alice', ['team'], { namespace: 'kubeflow', resource: 'pods' }));
  assert.equal(d.verdict, 'allow');
  assert.deepEqual(d.reasons, [
    'allowed by ClusterRoleBinding `viewers` of ClusterRole `view`',
    'allowed by RoleBinding `kubeflow/a-alice` of Role `pods-reader`',
    'allowed by RoleBinding `kubeflow/b-team` of Role `pods-reader`',
  ]);
  assert.deepEqual(d.errors.map((e) => `${e.code}@${e.path}`), ['RBAC_ROLE_NOT_FOUND@[4].roleRef.name']);
  assert.match(d.errors[0]?.message ?? '', /^RoleBinding `kubeflow\/gone` refers to Role `missing`, which does not exist in namespace `kubeflow`/);
  const bob = c.authorize(req('bob', [], { namespace: 'kubeflow', resource: 'pods' }));
  assert.deepEqual(bob, { verdict: 'no-opinion', reasons: [], errors: [] }, 'bindings of other subjects are not touched');
  assert.deepEqual(c.diagnostics.map((e) => e.code), ['RBAC_ROLE_NOT_FOUND']);
  assert.equal(c.stats.danglingBindings, 1);
});

test('a RoleBinding of a ClusterRole grants only in its namespace; a Role is looked up in the binding namespace', () => {
  const c = compileRbac([
    clusterRole('edit', [rule({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] })]),
    role('a', 'r', [rule({ verbs: ['get'], apiGroups: [''], resources: ['pods'] })]),
    rb('a', 'edit-a', 'ClusterRole', 'edit', [user('alice')]),
    rb('b', 'r-b', 'Role', 'r', [user('alice')]),
  ]);
  assert.equal(c.authorize(req('alice', [], { namespace: 'a', resource: 'secrets', verb: 'delete' })).verdict, 'allow');
  assert.equal(c.authorize(req('alice', [], { namespace: 'b', resource: 'secrets', verb: 'delete' })).verdict, 'no-opinion');
  assert.equal(c.authorize(req('alice', [], { resource: 'nodes', verb: 'delete' })).verdict, 'no-opinion', 'cluster-scoped: RoleBindings never apply');
  const b = c.authorize(req('alice', [], { namespace: 'b', resource: 'pods' }));
  assert.equal(b.verdict, 'no-opinion');
  assert.match(b.errors[0]?.message ?? '', /Role `r`, which does not exist in namespace `b`/);
});

test('non-resource URLs only through ClusterRoleBindings, even if the request carries a namespace', () => {
  const c = compileRbac([clusterRole('health', [rule({ verbs: ['get'], nonResourceURLs: ['/healthz', '/metrics*'] })]), rb('a', 'h', 'ClusterRole', 'health', [user('alice')]), crb('h', 'health', [user('bob')])]);
  const url = (who: string, path: string, namespace = ''): string => c.authorize(req(who, [], { resourceRequest: false, path, namespace })).verdict;
  assert.equal(url('alice', '/healthz', 'a'), 'no-opinion');
  assert.equal(url('bob', '/healthz'), 'allow');
  assert.equal(url('bob', '/metrics/cadvisor'), 'allow');
  assert.equal(url('bob', '/healthz/etcd'), 'no-opinion');
  assert.equal(c.authorize(req('bob', [], { resourceRequest: false, path: '/healthz', verb: 'post' })).verdict, 'no-opinion');
});

test('service accounts: namespace defaulting in RoleBindings, groups added as the authenticator does', () => {
  const objs: RbacObject[] = [
    clusterRole('view', [rule({ verbs: ['get'], apiGroups: [''], resources: ['pods'] })]),
    rb('kubeflow', 'local', 'ClusterRole', 'view', [sa('trainer')]),
    rb('other', 'explicit', 'ClusterRole', 'view', [sa('trainer', 'kubeflow')]),
    rb('team', 'all-sa-of-kubeflow', 'ClusterRole', 'view', [group('system:serviceaccounts:kubeflow')]),
    { ...crb('nobody', 'view', [sa('trainer')]) },
  ];
  const c = compileRbac(objs);
  const trainer = 'system:serviceaccount:kubeflow:trainer';
  assert.equal(c.authorize(req(trainer, [], { namespace: 'kubeflow', resource: 'pods' })).verdict, 'allow');
  assert.equal(c.authorize(req(trainer, [], { namespace: 'other', resource: 'pods' })).verdict, 'allow');
  assert.equal(c.authorize(req(trainer, [], { namespace: 'team', resource: 'pods' })).verdict, 'allow');
  assert.equal(c.authorize(req(trainer, [], { namespace: 'default', resource: 'pods' })).verdict, 'no-opinion', 'the namespace-less ClusterRoleBinding subject never matches');
  assert.equal(c.authorize(req('system:serviceaccount:default:trainer', [], { namespace: 'kubeflow', resource: 'pods' })).verdict, 'no-opinion');
  assert.deepEqual(c.diagnostics.map((e) => `${e.code}@${e.path}`), ['RBAC_MISSING_FIELD@[4].subjects[0].namespace']);
});

test('aggregated roles decide with their aggregated rules; rulesOf shows them', () => {
  const c = compileRbac([
    clusterRole('admin', [rule({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] })], {}, [{ matchLabels: { 'to-admin': 'true' }, matchExpressions: [] }]),
    clusterRole('jobs', [rule({ verbs: ['create'], apiGroups: ['batch'], resources: ['jobs'] })], { 'to-admin': 'true' }),
    crb('admins', 'admin', [group('admins')]),
  ]);
  assert.equal(c.authorize(req('a', ['admins'], { verb: 'create', apiGroup: 'batch', resource: 'jobs', namespace: 'x' })).verdict, 'allow');
  assert.equal(c.authorize(req('a', ['admins'], { verb: 'delete', apiGroup: 'batch', resource: 'jobs', namespace: 'x' })).verdict, 'no-opinion', 'the hand-written `*` rule is overwritten');
  assert.deepEqual(c.rulesOf('ClusterRole', 'ignored', 'admin')?.map((r) => r.verbs), [['create']]);
  assert.equal(c.rulesOf('Role', 'x', 'admin'), undefined);
  assert.equal(c.stats.aggregatedClusterRoles, 1);
});

test('a second definition of an object replaces the first, with a diagnostic', () => {
  const c = compileRbac([clusterRole('x', [rule({ verbs: ['get'], apiGroups: [''], resources: ['pods'] })]), crb('b', 'x', [user('u')]), clusterRole('x', [rule({ verbs: ['list'], apiGroups: [''], resources: ['pods'] })])]);
  assert.deepEqual(c.diagnostics.map((e) => `${e.code}@${e.path}`), ['RBAC_DUPLICATE_OBJECT@[2]']);
  assert.equal(c.authorize(req('u', [], { verb: 'get', resource: 'pods' })).verdict, 'no-opinion');
  assert.equal(c.authorize(req('u', [], { verb: 'list', resource: 'pods' })).verdict, 'allow');
});

test('edge cases of the index agree with the plain functions', () => {
  const c = compileRbac([
    clusterRole('odd', [
      rule({ verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }),
      rule({ verbs: ['list'], apiGroups: ['', ''], resources: ['pods', 'pods'] }),
      rule({ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: [''] }),
    ]),
    crb('odd', 'odd', [user('u'), user('u')]),
  ]);
  const v = (a: Partial<RbacAttributes>): string => c.authorize(req('u', [], a)).verdict;
  assert.equal(v({ apiGroup: 'apps', resource: 'deployments', subresource: 'scale' }), 'allow');
  assert.equal(v({ apiGroup: '*', resource: '*', subresource: 'scale' }), 'allow');
  assert.equal(v({ apiGroup: 'apps', resource: '*/scale' }), 'allow', 'a literal `*/scale` resource equals the combined name');
  assert.equal(v({ apiGroup: 'apps', resource: 'deployments' }), 'no-opinion');
  assert.equal(v({ verb: 'list', resource: 'pods' }), 'allow');
  assert.equal(v({ resource: 'secrets' }), 'allow', 'resourceNames [""] lists the empty name');
  assert.equal(v({ resource: 'secrets', name: 'x' }), 'no-opinion');
  assert.equal(c.authorize(req('u', [], { verb: 'list', resource: 'pods' })).reasons.length, 1);
});

/** sfc32: a small seeded PRNG, so every run sees the same clusters. */
function prng(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

test('differential: the compiled engine agrees with the reference evaluator on random clusters, whatever the input order', () => {
  const rnd = prng(0x4b8);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const some = <T>(xs: readonly T[], max = 2): T[] => Array.from({ length: 1 + Math.floor(rnd() * max) }, () => pick(xs));
  const VERBS = ['get', 'list', 'create', 'delete', '*', '*', 'GET'];
  const GROUPS = ['', 'apps', '*'];
  const RESOURCES = ['pods', 'pods/log', 'pods/exec', '*', '*/scale', 'deployments', 'deployments/scale', 'nodes'];
  const URLS = ['/healthz', '/healthz*', '*', '/api/*', '/metrics'];
  const NS = ['a', 'b'];
  const USERS = ['u1', 'u2', 'system:serviceaccount:a:sa1', 'system:serviceaccount:b:sa1'];
  const GRPS = ['g1', 'g2', 'system:serviceaccounts', 'system:serviceaccounts:a', 'system:authenticated'];
  const LABELS = ['x', 'y', 'z'];
  const subject = (): Subject => {
    const k = rnd();
    if (k < 0.35) return user(pick(USERS));
    if (k < 0.7) return group(pick(GRPS));
    return sa('sa1', rnd() < 0.5 ? '' : pick(NS));
  };
  const randomRule = (clusterScoped: boolean): PolicyRule =>
    clusterScoped && rnd() < 0.2
      ? rule({ verbs: some(VERBS), nonResourceURLs: some(URLS) })
      : rule({ verbs: some(VERBS), apiGroups: some(GROUPS), resources: some(RESOURCES, 3), resourceNames: rnd() < 0.25 ? some(['p1', 'p2']) : [] });
  let compared = 0;
  let allowed = 0;
  let withErrors = 0;
  for (let cluster = 0; cluster < 50; cluster++) {
    const objs: RbacObject[] = [];
    const crNames = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'];
    for (const n of crNames) {
      const labels: Record<string, string> = {};
      for (const l of LABELS) if (rnd() < 0.3) labels[l] = pick(['1', '2']);
      const rules = Array.from({ length: Math.floor(rnd() * 4) }, () => randomRule(true));
      const aggregated = rnd() < 0.3;
      objs.push(
        clusterRole(
          n,
          rules,
          labels,
          aggregated
            ? [
                rnd() < 0.5
                  ? { matchLabels: { [pick(LABELS)]: pick(['1', '2']) }, matchExpressions: [] }
                  : { matchLabels: {}, matchExpressions: [{ key: pick(LABELS), operator: pick(['In', 'NotIn', 'Exists', 'DoesNotExist'] as const), values: [] }].map((e) => (e.operator === 'In' || e.operator === 'NotIn' ? { ...e, values: ['1'] } : e)) },
              ]
            : undefined,
        ),
      );
    }
    for (const ns of NS) for (const n of ['r0', 'r1']) if (rnd() < 0.8) objs.push(role(ns, n, Array.from({ length: 1 + Math.floor(rnd() * 2) }, () => randomRule(false))));
    for (let i = 0; i < 6; i++) objs.push(crb(`crb${i}`, pick([...crNames, 'missing']), Array.from({ length: 1 + Math.floor(rnd() * 3) }, subject)));
    for (let i = 0; i < 8; i++) {
      const ns = pick(NS);
      const toRole = rnd() < 0.5;
      objs.push(rb(ns, `rb${i}`, toRole ? 'Role' : 'ClusterRole', toRole ? pick(['r0', 'r1', 'r9']) : pick([...crNames, 'missing']), Array.from({ length: 1 + Math.floor(rnd() * 2) }, subject)));
    }
    const compiled = compileRbac(objs);
    const reversed = compileRbac([...objs].reverse());
    for (let q = 0; q < 150; q++) {
      const resourceRequest = rnd() < 0.85;
      const res = pick(['pods', 'pods', 'deployments', 'nodes', '*']);
      const attrs: RbacAttributes = {
        user: { name: pick(USERS), groups: some(GRPS, 3).filter(() => rnd() < 0.8) },
        verb: pick(['get', 'get', 'list', 'create', 'delete', 'GET', 'watch']),
        resourceRequest,
        namespace: pick(['', ...NS, ...NS, 'c']),
        apiGroup: pick(['', '', 'apps', 'batch']),
        resource: res,
        subresource: pick(['', '', '', 'log', 'scale', 'exec']),
        name: pick(['', 'p1', 'p1', 'p3']),
        path: pick(['/healthz', '/healthzx', '/api/v1', '/metrics', '/']),
      };
      const got = compiled.authorize(attrs);
      const want = referenceAuthorize(objs, attrs);
      const label = `cluster ${cluster} request ${q}: ${JSON.stringify(attrs)}`;
      assert.equal(got.verdict, want.allowed ? 'allow' : 'no-opinion', label);
      assert.deepEqual([...got.reasons].sort(), [...want.reasons].sort(), label);
      assert.deepEqual(got.errors.map((e) => e.path).sort(), [...want.missing].sort(), label);
      const back = reversed.authorize(attrs);
      assert.deepEqual([back.verdict, back.reasons, back.errors.map((e) => e.message)], [got.verdict, got.reasons, got.errors.map((e) => e.message)], `input order changed the decision: ${label}`);
      compared++;
      if (want.allowed) allowed++;
      if (want.missing.length > 0) withErrors++;
    }
  }
  // The comparison has teeth only if both outcomes occur often.
  assert.ok(allowed > compared * 0.1 && allowed < compared * 0.9, `allowed ${allowed} of ${compared}`);
  assert.ok(withErrors > compared * 0.05, `with errors ${withErrors} of ${compared}`);
});
