import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  apiGroupMatches,
  effectiveGroups,
  nonResourceURLMatches,
  resourceMatches,
  resourceNameMatches,
  ruleAllows,
  serviceAccountGroups,
  splitServiceAccountUsername,
  subjectMatches,
  trimStars,
  verbMatches,
} from './match.ts';
import { requirementMatches, selectorMatches } from './selector.ts';
import type { LabelSelector, PolicyRule, RbacAttributes, Subject } from './types.ts';

const rule = (r: Partial<PolicyRule>): PolicyRule => ({ verbs: [], apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: [], ...r });

test('verbMatches: exact, case-sensitive, `*` for all', () => {
  const rows: [readonly string[], string, boolean][] = [
    [['get'], 'get', true],
    [['get', 'list'], 'list', true],
    [['get'], 'GET', false],
    [['GET'], 'get', false],
    [['*'], 'escalate', true],
    [['*'], '', true],
    [['get*'], 'get', false],
    [['get*'], 'get*', true],
    [[], 'get', false],
    [['impersonate'], 'impersonate', true],
  ];
  for (const [verbs, verb, want] of rows) assert.equal(verbMatches(rule({ verbs }), verb), want, `${JSON.stringify(verbs)} vs ${verb}`);
});

test('apiGroupMatches: `*` or exact, `""` is the core group', () => {
  const rows: [readonly string[], string, boolean][] = [
    [[''], '', true],
    [[''], 'apps', false],
    [['apps'], '', false],
    [['apps'], 'apps', true],
    [['*'], 'kubeflow.org', true],
    [['*'], '', true],
    [['kubeflow.org'], 'KubeFlow.org', false],
    [['*.k8s.io'], 'rbac.authorization.k8s.io', false],
  ];
  for (const [groups, g, want] of rows) assert.equal(apiGroupMatches(rule({ apiGroups: groups }), g), want, `${JSON.stringify(groups)} vs ${g}`);
});

test('resourceMatches: `*`, exact resource/subresource, `*/sub` only with a subresource', () => {
  const rows: [readonly string[], string, string, boolean][] = [
    [['pods'], 'pods', '', true],
    [['pods'], 'pods', 'log', false],
    [['pods/log'], 'pods', 'log', true],
    [['pods/log'], 'pods', '', false],
    [['pods/*'], 'pods', 'log', false],
    [['*'], 'pods', 'log', true],
    [['*'], 'pods', '', true],
    [['*/scale'], 'deployments', 'scale', true],
    [['*/scale'], 'deployments', 'status', false],
    [['*/scale'], 'deployments', '', false],
    [['*/scale'], 'scale', '', false],
    [['*/sc'], 'deployments', 'scale', false],
    [['*/scale'], 'deployments', 'xscale', false],
    [['Pods'], 'pods', '', false],
    [['deployments', 'deployments/scale'], 'deployments', 'scale', true],
  ];
  for (const [resources, res, sub, want] of rows) {
    const combined = sub === '' ? res : `${res}/${sub}`;
    assert.equal(resourceMatches(rule({ resources }), combined, sub), want, `${JSON.stringify(resources)} vs ${combined}`);
  }
});

test('resourceNameMatches: empty list is any name; otherwise listed, so the empty name never matches', () => {
  const rows: [readonly string[], string, boolean][] = [
    [[], 'x', true],
    [[], '', true],
    [['x'], 'x', true],
    [['x'], 'y', false],
    [['x'], '', false],
    [['x', 'y'], 'y', true],
    [['X'], 'x', false],
  ];
  for (const [names, n, want] of rows) assert.equal(resourceNameMatches(rule({ resourceNames: names }), n), want, `${JSON.stringify(names)} vs ${n}`);
});

test('nonResourceURLMatches: `*`, exact, trailing-* plain prefix', () => {
  const rows: [readonly string[], string, boolean][] = [
    [['/healthz'], '/healthz', true],
    [['/healthz'], '/healthz/etcd', false],
    [['/healthz*'], '/healthzfoo', true],
    [['/healthz/*'], '/healthz/etcd', true],
    [['/healthz/*'], '/healthz', false],
    [['/api/**'], '/api/v1', true],
    [['*'], '/anything', true],
    [['**'], '/anything', true],
    [['/metrics'], '/Metrics', false],
    [['/a*b'], '/axb', false],
    [['/a*b'], '/a*b', true],
    [[], '/healthz', false],
  ];
  for (const [urls, p, want] of rows) assert.equal(nonResourceURLMatches(rule({ nonResourceURLs: urls }), p), want, `${JSON.stringify(urls)} vs ${p}`);
  assert.equal(trimStars('/a**'), '/a');
  assert.equal(trimStars('***'), '');
});

test('ruleAllows: all four parts for resources; verb and path for URLs; the two kinds of rule never cross', () => {
  const user = { name: 'u', groups: [] };
  const res = rule({ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['p1'] });
  const url = rule({ verbs: ['get'], nonResourceURLs: ['*'] });
  const r = (a: Partial<RbacAttributes>): RbacAttributes => ({ user, verb: 'get', resourceRequest: true, ...a });
  assert.equal(ruleAllows(r({ resource: 'pods', name: 'p1' }), res), true);
  assert.equal(ruleAllows(r({ resource: 'pods', name: 'p2' }), res), false);
  assert.equal(ruleAllows(r({ resource: 'pods', name: 'p1', apiGroup: 'apps' }), res), false);
  assert.equal(ruleAllows(r({ resource: 'pods', name: 'p1', verb: 'list' }), res), false);
  assert.equal(ruleAllows(r({ resource: 'pods', name: 'p1', subresource: 'log' }), res), false);
  assert.equal(ruleAllows(r({ resource: 'pods' }), url), false, 'a URL rule has no apiGroups');
  assert.equal(ruleAllows(r({ resourceRequest: false, path: '/healthz' }), url), true);
  assert.equal(ruleAllows(r({ resourceRequest: false, path: '/healthz' }), res), false, 'a resource rule has no URLs');
});

test('service account usernames and groups', () => {
  assert.deepEqual(splitServiceAccountUsername('system:serviceaccount:kubeflow:trainer'), { namespace: 'kubeflow', name: 'trainer' });
  for (const bad of ['system:serviceaccount:kubeflow', 'system:serviceaccount::x', 'system:serviceaccount:ns:', 'system:serviceaccount:a:b:c', 'system:serviceaccounts:ns', 'alice']) {
    assert.equal(splitServiceAccountUsername(bad), undefined, bad);
  }
  assert.deepEqual(serviceAccountGroups('system:serviceaccount:kubeflow:trainer'), ['system:serviceaccounts', 'system:serviceaccounts:kubeflow', 'system:authenticated']);
  assert.deepEqual(serviceAccountGroups('alice'), []);
  assert.deepEqual(effectiveGroups({ name: 'system:serviceaccount:a:b', groups: ['system:authenticated', 'x'] }), ['system:authenticated', 'x', 'system:serviceaccounts', 'system:serviceaccounts:a']);
  const plain = { name: 'alice', groups: ['x'] };
  assert.equal(effectiveGroups(plain), plain.groups);
});

test('subjectMatches: users and groups by exact name; service accounts with namespace defaulting', () => {
  const s = (kind: Subject['kind'], name: string, namespace = ''): Subject => ({ kind, name, namespace, apiGroup: kind === 'ServiceAccount' ? '' : 'rbac.authorization.k8s.io' });
  const alice = { name: 'alice', groups: ['team-a'] };
  const sa = { name: 'system:serviceaccount:kubeflow:trainer', groups: [] };
  const rows: [Subject, { name: string; groups: readonly string[] }, string, boolean][] = [
    [s('User', 'alice'), alice, '', true],
    [s('User', 'Alice'), alice, '', false],
    [s('Group', 'team-a'), alice, '', true],
    [s('Group', 'alice'), alice, '', false],
    [s('User', 'team-a'), alice, '', false],
    [s('ServiceAccount', 'trainer', 'kubeflow'), sa, '', true],
    [s('ServiceAccount', 'trainer', 'kubeflow'), sa, 'default', true],
    [s('ServiceAccount', 'trainer'), sa, 'kubeflow', true],
    [s('ServiceAccount', 'trainer'), sa, 'default', false],
    [s('ServiceAccount', 'trainer'), sa, '', false],
    [s('ServiceAccount', 'trainer', 'default'), sa, 'kubeflow', false],
    [s('User', 'system:serviceaccount:kubeflow:trainer'), sa, '', true],
    [s('Group', 'system:serviceaccounts:kubeflow'), sa, '', true],
  ];
  for (const [subject, user, ns, want] of rows) {
    assert.equal(subjectMatches(subject, user, effectiveGroups(user), ns), want, `${JSON.stringify(subject)} vs ${user.name} in \`${ns}\``);
  }
});

test('label selectors: matchLabels and matchExpressions ANDed; NotIn and DoesNotExist hold for absent labels', () => {
  const labels = { tier: 'gold', 'rbac.example.com/aggregate-to-admin': 'true' };
  const sel = (s: Partial<LabelSelector>): LabelSelector => ({ matchLabels: {}, matchExpressions: [], ...s });
  const rows: [LabelSelector, boolean][] = [
    [sel({}), true],
    [sel({ matchLabels: { tier: 'gold' } }), true],
    [sel({ matchLabels: { tier: 'silver' } }), false],
    [sel({ matchLabels: { zone: 'a' } }), false],
    [sel({ matchLabels: { tier: 'gold' }, matchExpressions: [{ key: 'zone', operator: 'Exists', values: [] }] }), false],
    [sel({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold', 'silver'] }] }), true],
    [sel({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['silver'] }] }), false],
    [sel({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }), false],
    [sel({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['silver'] }] }), true],
    [sel({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['gold'] }] }), false],
    [sel({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }), true],
    [sel({ matchExpressions: [{ key: 'rbac.example.com/aggregate-to-admin', operator: 'Exists', values: [] }] }), true],
    [sel({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist', values: [] }] }), true],
    [sel({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist', values: [] }] }), false],
  ];
  for (const [s, want] of rows) assert.equal(selectorMatches(s, labels), want, JSON.stringify(s));
  const proto = Object.create(null) as Record<string, string>;
  assert.equal(requirementMatches({ key: 'toString', operator: 'Exists', values: [] }, proto), false, 'only own labels count');
});
