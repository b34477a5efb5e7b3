/** The case validator must reject what a typo would produce, with a message naming file, case and field. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateCase, validateFile } from './schema.ts';

const decision = {
  name: 'a decision case',
  cite: 'https://cloud.google.com/iam/docs/reference/rest/v1/Policy',
  policies: [{ resource: 'workspace/vision', policy: { bindings: [{ role: 'roles/ml.developer', members: ['group:researchers'] }] } }],
  request: { principal: { user: 'alice', groups: ['researchers'], authenticated: true }, permission: 'ml.jobs.create', resource: 'arn:aws:training::123456789012:model/resnet' },
  expected: { verdict: 'allow', reason: 'allowed by binding of roles/ml.developer to group:researchers on workspace/vision', matched: [{ resource: 'workspace/vision', index: 0 }] },
};
const grammar = {
  name: 'a grammar case',
  cite: 'src/core/bindings/parse.ts',
  parse: { kind: 'policy', document: { bindings: [{ role: 'viewer', members: ['user:a'] }] } },
  expected: { errors: [{ code: 'BINDINGS_INVALID_ROLE', path: 'bindings[0].role' }] },
};
const etag = {
  name: 'an etag case',
  cite: 'google/iam/v1/policy.proto',
  etag: { current: { bindings: [] }, read: { bindings: [] } },
  expected: { accepted: true },
};

function errorsOf(base: Record<string, unknown>, patch: (c: Record<string, any>) => void): string[] {
  const c = structuredClone(base);
  patch(c);
  const v = validateCase(c, 'x.json case #3');
  return v.ok ? [] : [...v.errors];
}

test('well-formed cases pass', () => {
  assert.deepEqual(errorsOf(decision, () => {}), []);
  assert.deepEqual(errorsOf(grammar, () => {}), []);
  assert.deepEqual(errorsOf(grammar, (c) => (c['expected'] = { valid: true })), []);
  assert.deepEqual(errorsOf(etag, () => {}), []);
  assert.deepEqual(errorsOf(etag, (c) => ((c['etag'] = { compare: [{}, {}] }), (c['expected'] = { equal: true }))), []);
  assert.deepEqual(errorsOf(etag, (c) => ((c['etag'] = { of: {} }), (c['expected'] = { etag: 'n4pFH+Is9QU=' }))), []);
  const at = { resource: 'workspace/ml', revision: 2 };
  assert.deepEqual(errorsOf(etag, (c) => ((c['etag'].at = at), (c['etag'].readAt = { ...at, revision: 0 }))), []);
  assert.deepEqual(errorsOf(etag, (c) => ((c['etag'] = { compare: [{}, {}], at: [at, at] }), (c['expected'] = { equal: true }))), []);
  assert.deepEqual(errorsOf(etag, (c) => ((c['etag'] = { of: {}, at }), (c['expected'] = { etag: 'n4pFH+Is9QU=' }))), []);
  assert.deepEqual(errorsOf(decision, (c) => ((c['request'].action = 's3:GetObject'), delete c['request'].permission)), []);
  assert.deepEqual(errorsOf(decision, (c) => (c['request'].resource = { name: 'arn:aws:s3:::b/k', type: 'storage.gatehouse.dev/Object' })), []);
});

const rejects: [string, Record<string, unknown>, (c: Record<string, any>) => void, RegExp][] = [
  ['an unknown top-level field', decision, (c) => (c['expect'] = {}), /`expect` is not a known field/],
  ['a missing request', decision, (c) => delete c['request'], /`request` is required/],
  ['a verdict in IAM spelling', decision, (c) => (c['expected'].verdict = 'Allow'), /`expected\.verdict` must be one of "allow", "no-opinion"/],
  ['a deny verdict (bindings never deny)', decision, (c) => (c['expected'].verdict = 'deny'), /`expected\.verdict` must be one of/],
  ['both permission and action', decision, (c) => (c['request'].action = 's3:GetObject'), /exactly one of `permission` and `action`/],
  ['neither permission nor action', decision, (c) => delete c['request'].permission, /exactly one of `permission` and `action`/],
  ['a principal without authenticated', decision, (c) => delete c['request'].principal.authenticated, /`request\.principal\.authenticated` is required/],
  ['authenticated as a string', decision, (c) => (c['request'].principal.authenticated = 'yes'), /must be true or false/],
  ['an unknown principal field', decision, (c) => (c['request'].principal.email = 'a@b'), /`request\.principal\.email` is not a known field/],
  ['groups as a string', decision, (c) => (c['request'].principal.groups = 'researchers'), /`request\.principal\.groups` must be an array of strings/],
  ['an unknown resource field', decision, (c) => (c['request'].resource = { name: 'x', kind: 'y' }), /`request\.resource\.kind` is not a known field/],
  ['a date without time', decision, (c) => (c['request'].time = '2026-06-15'), /`request\.time` must be an ISO 8601 date-time/],
  ['a policy without resource', decision, (c) => delete c['policies'][0].resource, /`policies\[0\]\.resource` is required/],
  ['two policies on one resource', decision, (c) => c['policies'].push(structuredClone(c['policies'][0])), /a resource has one policy/],
  ['a policy that is a string', decision, (c) => (c['policies'][0].policy = '{}'), /`policies\[0\]\.policy` must be an object/],
  ['matched naming no policy', decision, (c) => (c['expected'].matched = [{ resource: 'workspace/other', index: 0 }]), /names no policy of this case/],
  ['matched with a no-opinion verdict', decision, (c) => (c['expected'].verdict = 'no-opinion'), /verdict is "no-opinion"/],
  ['a negative matched index', decision, (c) => (c['expected'].matched = [{ resource: 'workspace/vision', index: -1 }]), /integer ≥ 0/],
  ['diagnostics as a string', decision, (c) => (c['expected'].diagnostics = 'x'), /`expected\.diagnostics` must be an array of strings/],
  ['roles that are names', decision, (c) => (c['roles'] = ['accounts/123456789012/roles/x']), /`roles` must be an array of custom roles/],
  ['an empty todo reason', decision, (c) => (c['todo'] = ''), /`todo` must be true or a non-empty reason/],
  ['an unknown parse kind', grammar, (c) => (c['parse'].kind = 'binding'), /`parse\.kind` must be one of/],
  ['a condition document that is not a string', grammar, (c) => (c['parse'] = { kind: 'condition', document: {} }), /must be the expression as a string/],
  ['a roles check on a role', grammar, (c) => (c['parse'] = { kind: 'role', document: {}, account: '123456789012' }), /apply to kind "policy" only/],
  ['a non-BINDINGS error code', grammar, (c) => (c['expected'].errors[0].code = 'POLICY_INVALID_ACTION'), /`expected\.errors\[0\]\.code` must be one of/],
  ['a column of 0', grammar, (c) => (c['expected'].errors[0].column = 0), /`expected\.errors\[0\]\.column` must be an integer ≥ 1/],
  ['valid: false', grammar, (c) => (c['expected'] = { valid: false }), /`expected\.valid` must be true/],
  ['an empty error list', grammar, (c) => (c['expected'] = { errors: [] }), /must be a non-empty array/],
  ['both read and given', etag, (c) => (c['etag'].given = 'x'), /names both `read`.*and `given`/],
  ['a compare of one policy', etag, (c) => ((c['etag'] = { compare: [{}] }), (c['expected'] = { equal: true })), /must be an array of two policies/],
  ['accepted with a code', etag, (c) => (c['expected'].code = 'ETAG_MISMATCH'), /makes no sense with `accepted: true`/],
  ['an unknown etag code', etag, (c) => (c['expected'] = { accepted: false, code: 'CONFLICT' }), /`expected\.code` must be one of/],
  ['an etag scope without revision', etag, (c) => (c['etag'].at = { resource: 'workspace/ml' }), /`etag\.at\.revision` is required/],
  ['a negative revision', etag, (c) => (c['etag'].readAt = { resource: 'workspace/ml', revision: -1 }), /`etag\.readAt\.revision` must be an integer ≥ 0/],
  ['readAt without read', etag, (c) => ((c['etag'] = { current: {}, given: 'x', readAt: { resource: 'r', revision: 1 } }), (c['expected'] = { accepted: false })), /`etag\.readAt` is where `read` was read/],
  ['a compare with one scope', etag, (c) => ((c['etag'] = { compare: [{}, {}], at: [{ resource: 'r', revision: 1 }] }), (c['expected'] = { equal: true })), /`etag\.at` must be an array of two/],
  ['equal for an accepted case', etag, (c) => (c['expected'] = { equal: true }), /`expected\.accepted` is required/],
];
for (const [what, base, patch, re] of rejects) {
  test(`rejects ${what}, naming the file, case and field`, () => {
    const errors = errorsOf(base, patch);
    assert.ok(errors.some((e) => re.test(e) && e.startsWith('x.json case #3 (')), `got: ${JSON.stringify(errors)}`);
  });
}

test('a case that is not an object is rejected', () => {
  const v = validateCase([], 'x.json case #0');
  assert.ok(!v.ok && v.errors[0]?.includes('must be a JSON object'));
});

test('a file must be an array of uniquely named cases', () => {
  assert.ok(!validateFile({}, 'x.json').ok);
  const dup = validateFile([decision, decision], 'x.json');
  assert.ok(!dup.ok && dup.errors[0]?.includes('already used by case #0'));
  assert.ok(validateFile([decision, grammar, etag], 'x.json').ok);
});
