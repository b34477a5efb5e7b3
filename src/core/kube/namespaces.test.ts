import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy, evaluate, parsePolicy, principalFromArn } from '../iam/index.ts';
import { continuationMatching, isNamespacedObject, isNamespacedResource, namespaceMatching } from './index.ts';

const C = 'arn:aws:training::000000000000:cluster/kc';
const PREFIX = `${C}/namespaces/`;

/** Whether the engine itself denies `kubernetes:list` on the resource under a Deny of `pattern`. */
function denies(pattern: string, resource: string): boolean {
  const doc = parsePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:*', Resource: pattern }] }, { kind: 'identity' });
  assert.ok(doc.ok);
  const p = principalFromArn('arn:aws:iam::000000000000:user/alice');
  assert.ok(p.ok);
  return evaluate({ principal: p.value, action: 'kubernetes:list', resource }, { identity: [compilePolicy(doc.value, 'p')] }).decision === 'ExplicitDeny';
}

describe('namespaceMatching (review K, K6)', () => {
  const cases: [string, string, string | undefined][] = [
    [`${C}/namespaces/prod/*`, '/secrets', 'prod'],
    [`${C}/namespaces/prod/secrets`, '/secrets', 'prod'],
    [`${C}/namespaces/prod/secrets`, '/pods', undefined],
    [`${C}/namespaces/*`, '/secrets', 'x'],
    [`${C}/namespaces/*/secrets`, '/secrets', 'x'],
    [`${C}/namespaces/team-*/secrets*`, '/secrets', 'team-'],
    [`${C}/namespaces/p?od/*`, '/secrets', 'pxod'],
    [`${C}/*/secrets`, '/secrets', 'x'],
    [`${C}/*od/secrets`, '/secrets', 'od'],
    [`${C}/*`, '/secrets', 'x'],
    ['*', '/secrets', 'x'],
    ['arn:aws:training:*:*:cluster/kc/namespaces/prod/*', '/secrets', 'prod'],
    ['arn:aws:training::000000000000:cluster/other/namespaces/prod/*', '/secrets', undefined],
    // A namespace name is lower case: no namespace is `Prod`.
    [`${C}/namespaces/Prod/*`, '/secrets', undefined],
    // The cluster-scoped list itself is not a namespace's.
    [`${C}/secrets`, '/secrets', undefined],
    [`${C}/namespaces/prod/secrets/s1`, '/secrets/s1', 'prod'],
    [`${C}/namespaces/prod/secrets/s1`, '/secrets', undefined],
  ];
  for (const [pattern, suffix, expected] of cases) {
    test(`${pattern} on …/namespaces/?${suffix}`, () => {
      const ns = namespaceMatching(pattern, PREFIX, suffix);
      assert.equal(ns, expected);
      // Whatever it finds, the engine denies there (the search reads patterns as the engine does).
      if (ns !== undefined) assert.ok(denies(pattern, `${PREFIX}${ns}${suffix}`));
    });
  }

  test('built-in cluster-scoped resources are not namespaced; unknown ones are taken as namespaced', () => {
    assert.equal(isNamespacedResource('', 'secrets'), true);
    assert.equal(isNamespacedResource('', 'nodes'), false);
    assert.equal(isNamespacedResource('rbac.authorization.k8s.io', 'clusterroles'), false);
    assert.equal(isNamespacedResource('example.com', 'widgets'), true);
  });

  // Review K, K3: the object (and subresource) below a collection that a deny pattern reaches.
  const below: [string, string, string | undefined][] = [
    [`${C}/namespaces/*/pods/*/exec`, `${PREFIX}ml/pods/`, 'x/exec'],
    [`${C}/namespaces/ml/secrets/db-password`, `${PREFIX}ml/secrets/`, 'db-password'],
    [`${C}/namespaces/ml/secrets/db-password`, `${PREFIX}ml/pods/`, undefined],
    [`${C}/namespaces/ml/secrets`, `${PREFIX}ml/secrets/`, undefined],
    [`${C}/namespaces/ml/secrets*`, `${PREFIX}ml/secrets/`, 'x'],
    [`arn:aws:training::*:cluster/*/namespaces/ml/s?crets/*`, `${PREFIX}ml/secrets/`, 'x'],
    [`arn:aws:training::*:cluster/kc/namespaces/ml/s?crets/*`, `${PREFIX}ml/secrets/`, 'x'],
    // A `*` in the ARN's head could cross into another cluster's ARN: no object name holds `:cluster/`.
    [`arn:aws:training::*:cluster/k2/*`, `${PREFIX}ml/secrets/`, undefined],
  ];
  for (const [pattern, prefix, expected] of below) {
    test(`below ${prefix.slice(C.length)}: ${pattern}`, () => {
      const x = continuationMatching(pattern, prefix);
      assert.equal(x, expected);
      if (x !== undefined) assert.ok(denies(pattern, `${prefix}${x}`));
    });
  }

  test('an object in some namespace, for a review across all of them', () => {
    const x = continuationMatching(`${C}/namespaces/*/pods/*/exec`, PREFIX, (x) => isNamespacedObject(x, '/pods', 'exec'));
    assert.equal(x, 'x/pods/x/exec');
    assert.equal(continuationMatching(`${C}/namespaces/*/pods/*/exec`, PREFIX, (x) => isNamespacedObject(x, '/secrets', '')), undefined);
  });
});
