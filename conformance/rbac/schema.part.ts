/** The case validator must reject what a typo would produce, with a message naming file, case and field. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateCase, validateFile } from './schema.ts';

const decision = {
  name: 'a decision case',
  cite: 'policy-semantics.md §A.3',
  objects: [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'x' }, rules: [] }],
  request: { user: { name: 'alice', groups: ['g'] }, verb: 'get', namespace: 'kubeflow', resource: 'pods' },
  expected: { verdict: 'allow', reason: 'allowed by ClusterRoleBinding `b` of ClusterRole `x`' },
};
const url = { ...decision, request: { user: { name: 'alice' }, verb: 'get', resourceRequest: false, path: '/healthz' }, expected: { verdict: 'no-opinion' } };
const grammar = { name: 'a grammar case', cite: 'validation.go', parse: { objects: [{}] }, expected: { errors: [{ code: 'RBAC_MISSING_FIELD', path: '[0].kind' }] } };

function errorsOf(base: Record<string, unknown>, patch: (c: Record<string, any>) => void): string[] {
  const c = structuredClone(base) as Record<string, any>;
  patch(c);
  const v = validateCase(c, 'x.json case #3');
  return v.ok ? [] : [...v.errors];
}

test('well-formed cases pass', () => {
  assert.deepEqual(errorsOf(decision, () => {}), []);
  assert.deepEqual(errorsOf(url, () => {}), []);
  assert.deepEqual(errorsOf(grammar, () => {}), []);
  assert.deepEqual(errorsOf(grammar, (c) => (c['expected'] = { valid: true })), []);
  assert.deepEqual(errorsOf(decision, (c) => { delete c['objects']; c['fixtures'] = ['hyperpod/cluster_level_config.yaml']; }), []);
  assert.deepEqual(errorsOf(decision, (c) => (c['expected'] = { verdict: 'no-opinion', errors: ['RBAC_ROLE_NOT_FOUND'], diagnostics: ['RBAC_ROLE_NOT_FOUND'] })), []);
});

const rejects: [string, Record<string, unknown>, (c: Record<string, any>) => void, RegExp][] = [
  ['an unknown top-level field', decision, (c) => (c['expect'] = {}), /`expect` is not a known field/],
  ['neither objects nor fixtures', decision, (c) => delete c['objects'], /`objects` or `fixtures` is required/],
  ['a fixture outside fixtures/', decision, (c) => (c['fixtures'] = ['../../secrets.yaml']), /`fixtures\[0\]` must be a relative path/],
  ['a fixture that is not YAML', decision, (c) => (c['fixtures'] = ['hyperpod/README.md']), /`fixtures\[0\]` must be a relative path/],
  ['objects that are not an array', decision, (c) => (c['objects'] = {}), /`objects` must be an array/],
  ['a deny verdict', decision, (c) => (c['expected'].verdict = 'deny'), /`expected\.verdict` must be one of "allow", "no-opinion"/],
  ['a reason with no-opinion', decision, (c) => (c['expected'].verdict = 'no-opinion'), /`expected\.reason` makes no sense/],
  ['reason and reasons together', decision, (c) => (c['expected'].reasons = ['x']), /exclude each other/],
  ['an unknown error code', decision, (c) => (c['expected'].errors = ['ROLE_NOT_FOUND']), /`expected\.errors\[0\]` must be one of/],
  ['an empty diagnostics list', decision, (c) => (c['expected'].diagnostics = []), /`expected\.diagnostics` must be a non-empty array/],
  ['an unknown request field', decision, (c) => (c['request'].group = 'apps'), /`request\.group` is not a known field/],
  ['a missing verb', decision, (c) => delete c['request'].verb, /`request\.verb` is required/],
  ['an empty verb', decision, (c) => (c['request'].verb = ''), /`request\.verb` must not be empty/],
  ['a resource request without a resource', decision, (c) => delete c['request'].resource, /`request\.resource` is required/],
  ['a path without resourceRequest false', decision, (c) => (c['request'].path = '/healthz'), /`request\.path` needs/],
  ['a non-resource request without a path', url, (c) => delete c['request'].path, /`request\.path` is required/],
  ['a non-resource request with a resource', url, (c) => (c['request'].resource = 'pods'), /`request\.resource` makes no sense/],
  ['groups that are not strings', decision, (c) => (c['request'].user.groups = [1]), /`request\.user\.groups` must be an array of strings/],
  ['an unknown user field', decision, (c) => (c['request'].user.group = 'g'), /`request\.user\.group` is not a known field/],
  ['extra that is not string arrays', decision, (c) => (c['request'].user.extra = { scopes: 'a' }), /`request\.user\.extra\.scopes` must be an array of strings/],
  ['an empty todo reason', decision, (c) => (c['todo'] = ''), /`todo` must be true or a non-empty reason/],
  ['a grammar code outside RBAC_*', grammar, (c) => (c['expected'].errors[0].code = 'POLICY_EMPTY'), /`expected\.errors\[0\]\.code` must be one of/],
  ['valid: false', grammar, (c) => (c['expected'] = { valid: false }), /`expected\.valid` must be true/],
  ['an unknown parse field', grammar, (c) => (c['parse'].namespace = 'x'), /`parse\.namespace` is not a known field/],
  ['a request on a grammar case', grammar, (c) => (c['request'] = {}), /`request` is not a known field/],
];
for (const [what, base, patch, re] of rejects) {
  test(`rejects ${what}, naming the file, case and field`, () => {
    const errors = errorsOf(base, patch);
    assert.ok(errors.some((e) => re.test(e) && e.startsWith('x.json case #3 (')), `got: ${JSON.stringify(errors)}`);
  });
}

test('a case that is not an object is rejected; a file must be an array of uniquely named cases', () => {
  const v = validateCase([], 'x.json case #0');
  assert.ok(!v.ok && v.errors[0]?.includes('must be a JSON object'));
  assert.ok(!validateFile({}, 'x.json').ok);
  const dup = validateFile([decision, decision], 'x.json');
  assert.ok(!dup.ok && dup.errors[0]?.includes('already used by case #0'));
  assert.ok(validateFile([decision, grammar], 'x.json').ok);
});
