import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateClusterRoles } from './aggregate.ts';
import { referenceAggregate } from './reference.ts';
import type { ClusterRole, LabelSelector, PolicyRule } from './types.ts';

const rule = (verb: string, resource: string): PolicyRule => ({ verbs: [verb], apiGroups: [''], resources: [resource], resourceNames: [], nonResourceURLs: [] });
const cr = (name: string, labels: Record<string, string>, rules: PolicyRule[], selectors?: Partial<LabelSelector>[]): ClusterRole => {
  const base = { kind: 'ClusterRole' as const, metadata: { name, namespace: '', labels }, rules };
  return selectors === undefined ? base : { ...base, aggregationRule: { clusterRoleSelectors: selectors.map((s) => ({ matchLabels: {}, matchExpressions: [], ...s })) } };
};
const show = (rules: readonly PolicyRule[] | undefined): string[] => (rules ?? []).map((r) => `${r.verbs[0]} ${r.resources[0]}`);

test('aggregated rules replace the hand-written ones: selector by selector, roles in name order, duplicates dropped', () => {
  const roles = [
    cr('view', {}, [rule('hand', 'written')], [{ matchLabels: { 'agg/view': 'true' } }, { matchLabels: { extra: 'yes' } }]),
    cr('z-pods', { 'agg/view': 'true' }, [rule('get', 'pods'), rule('list', 'pods')]),
    cr('a-nodes', { 'agg/view': 'true', extra: 'yes' }, [rule('get', 'nodes'), rule('get', 'pods')]),
    cr('m-extra', { extra: 'yes' }, [rule('get', 'secrets')]),
  ];
  const a = aggregateClusterRoles(roles);
  assert.deepEqual(show(a.rules.get('view')), ['get nodes', 'get pods', 'list pods', 'get secrets']);
  assert.deepEqual(a.sources.get('view'), ['a-nodes', 'z-pods', 'a-nodes', 'm-extra']);
  assert.deepEqual(show(a.rules.get('z-pods')), ['get pods', 'list pods'], 'a role that is not aggregated keeps its rules');
  assert.deepEqual(a.cycles, []);
});

test('an aggregated role matching nothing ends with no rules; it never aggregates itself', () => {
  const a = aggregateClusterRoles([cr('lonely', { 'agg/x': 'true' }, [rule('get', 'pods')], [{ matchLabels: { 'agg/x': 'true' } }])]);
  assert.deepEqual(show(a.rules.get('lonely')), []);
});

test('an empty selector selects every other ClusterRole', () => {
  const a = aggregateClusterRoles([cr('all', {}, [], [{}]), cr('b', {}, [rule('get', 'b')]), cr('a', { x: 'y' }, [rule('get', 'a')])]);
  assert.deepEqual(show(a.rules.get('all')), ['get a', 'get b']);
});

test('nested aggregation resolves to the fixpoint whatever the input order', () => {
  const roles = [
    cr('admin', {}, [], [{ matchLabels: { 'to-admin': 'true' } }]),
    cr('edit', { 'to-admin': 'true' }, [], [{ matchLabels: { 'to-edit': 'true' } }]),
    cr('view', { 'to-edit': 'true' }, [rule('stale', 'x')], [{ matchExpressions: [{ key: 'to-view', operator: 'Exists', values: [] }] }]),
    cr('pods-view', { 'to-view': 'true' }, [rule('get', 'pods')]),
    cr('jobs-edit', { 'to-edit': 'true' }, [rule('create', 'jobs')]),
    cr('secrets-admin', { 'to-admin': 'true' }, [rule('get', 'secrets')]),
  ];
  for (const order of [roles, [...roles].reverse()]) {
    const a = aggregateClusterRoles(order);
    assert.deepEqual(show(a.rules.get('view')), ['get pods']);
    assert.deepEqual(show(a.rules.get('edit')), ['create jobs', 'get pods']);
    assert.deepEqual(show(a.rules.get('admin')), ['create jobs', 'get pods', 'get secrets']);
  }
});

test('a cycle is reported; its roles get the least fixpoint (rules from outside, none of their own)', () => {
  const roles = [
    cr('a', { ring: 'a' }, [rule('own', 'a')], [{ matchLabels: { ring: 'b' } }, { matchLabels: { leaf: '1' } }]),
    cr('b', { ring: 'b' }, [rule('own', 'b')], [{ matchLabels: { ring: 'c' } }]),
    cr('c', { ring: 'c' }, [rule('own', 'c')], [{ matchLabels: { ring: 'a' } }, { matchLabels: { leaf: '2' } }]),
    cr('top', {}, [], [{ matchLabels: { ring: 'a' } }]),
    cr('l1', { leaf: '1' }, [rule('get', 'one')]),
    cr('l2', { leaf: '2' }, [rule('get', 'two')]),
  ];
  const a = aggregateClusterRoles(roles);
  assert.deepEqual(a.cycles, [['a', 'b', 'c']]);
  for (const n of ['a', 'b', 'c', 'top']) assert.deepEqual(show(a.rules.get(n)).sort(), ['get one', 'get two'], n);
  const ref = referenceAggregate(roles);
  for (const n of ['a', 'b', 'c', 'top']) assert.deepEqual(show(ref.get(n)).sort(), show(a.rules.get(n)).sort(), `reference agrees on ${n}`);
});

test('two roles selecting each other and nothing else hold no rules', () => {
  const a = aggregateClusterRoles([cr('x', { k: 'x' }, [rule('own', 'x')], [{ matchLabels: { k: 'y' } }]), cr('y', { k: 'y' }, [rule('own', 'y')], [{ matchLabels: { k: 'x' } }])]);
  assert.deepEqual(a.cycles, [['x', 'y']]);
  assert.deepEqual(show(a.rules.get('x')), []);
  assert.deepEqual(show(a.rules.get('y')), []);
});

test('equal rules are those with the same lists in the same order', () => {
  const r1: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'], resourceNames: [], nonResourceURLs: [] };
  const r2: PolicyRule = { ...r1, verbs: ['list', 'get'] };
  const a = aggregateClusterRoles([cr('agg', {}, [], [{ matchLabels: { s: '1' } }]), cr('s1', { s: '1' }, [r1, { ...r1 }]), cr('s2', { s: '1' }, [r2])]);
  assert.equal(a.rules.get('agg')?.length, 2);
});
