/** The case validator must reject what a typo would produce, with a message naming file, case and field. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateCase, validateFile } from './schema.ts';

const decision = {
  name: 'a decision case',
  cite: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html',
  policies: [{ type: 'identity', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }],
  request: { principal: 'arn:aws:iam::111122223333:user/alice', action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' },
  expected: { decision: 'Allow', allowedBy: 'identity', matched: [{ policy: 'identity-0', index: 0 }] },
};
const grammar = {
  name: 'a grammar case',
  cite: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html',
  parse: { kind: 'identity', document: '{}' },
  expected: { errors: [{ code: 'POLICY_MISSING_ELEMENT', path: 'Statement' }] },
};

/** Returns the messages for `patch` applied to `base` (a shallow-per-level merge). */
function errorsOf(base: Record<string, unknown>, patch: (c: Record<string, unknown>) => void): string[] {
  const c = structuredClone(base);
  patch(c);
  const v = validateCase(c, 'x.json case #3');
  return v.ok ? [] : [...v.errors];
}

test('well-formed cases pass', () => {
  assert.deepEqual(errorsOf(decision, () => {}), []);
  assert.deepEqual(errorsOf(grammar, () => {}), []);
  assert.deepEqual(errorsOf(grammar, (c) => (c['expected'] = { valid: true })), []);
});

const rejects: [string, Record<string, unknown>, (c: Record<string, any>) => void, RegExp][] = [
  ['an unknown top-level field', decision, (c) => (c['expect'] = {}), /`expect` is not a known field/],
  ['a missing request', decision, (c) => delete c['request'], /`request` is required/],
  ['an unknown request field', decision, (c) => (c['request'].ctx = {}), /`request\.ctx` is not a known field/],
  ['a wrong decision value', decision, (c) => (c['expected'].decision = 'Deny'), /`expected\.decision` must be one of/],
  ['deniedBy with Allow', decision, (c) => (c['expected'].deniedBy = 'identity'), /`expected\.deniedBy` makes no sense/],
  ['an unknown policy type', decision, (c) => (c['policies'][0].type = 'scp'), /`policies\[0\]\.type` must be one of/],
  ['a policy document that is a number', decision, (c) => (c['policies'][0].document = 1), /`policies\[0\]\.document` must be an object or a JSON string/],
  ['two boundaries', decision, (c) => c['policies'].push({ type: 'boundary', document: '{}' }, { type: 'boundary', document: '{}' }), /at most one `boundary`/],
  ['matched naming no policy', decision, (c) => (c['expected'].matched = [{ policy: 'nope', index: 0 }]), /names no policy of this case/],
  ['a negative matched index', decision, (c) => (c['expected'].matched = [{ policy: 'identity-0', index: -1 }]), /non-negative integer/],
  ['a bad request time', decision, (c) => (c['request'].time = '2024-06-01'), /`request\.time` must be an ISO 8601 date-time/],
  ['a session without issuedAt', decision, (c) => (c['request'].principal = { arn: 'arn:aws:iam::111122223333:user/a', session: { name: 's' } }), /`request\.principal\.session\.issuedAt` is required/],
  ['a non-string tag', decision, (c) => (c['request'].principal = { arn: 'arn:aws:iam::111122223333:user/a', tags: { team: 1 } }), /`request\.principal\.tags\.team` must be a string/],
  ['an object context value', decision, (c) => (c['request'].context = { 'aws:SourceIp': { ip: '1.2.3.4' } }), /`request\.context\.aws:SourceIp` must be a string, number, boolean or an array/],
  ['a bad dialect', decision, (c) => (c['dialect'] = 'gcp'), /`dialect` must be one of/],
  ['an empty todo reason', decision, (c) => (c['todo'] = ''), /`todo` must be true or a non-empty reason/],
  ['an unknown error code', grammar, (c) => (c['expected'].errors[0].code = 'POLICY_BAD'), /`expected\.errors\[0\]\.code` must be one of/],
  ['valid: false', grammar, (c) => (c['expected'] = { valid: false }), /`expected\.valid` must be true/],
  ['an empty error list', grammar, (c) => (c['expected'] = { errors: [] }), /must be a non-empty array/],
  ['a bad parse kind', grammar, (c) => (c['parse'].kind = 'boundary'), /`parse\.kind` must be one of/],
  ['a zero maxChars', grammar, (c) => (c['parse'].maxChars = 0), /`parse\.maxChars` must be a positive integer/],
  ['dialect on a grammar case', grammar, (c) => (c['dialect'] = 'aws'), /`dialect` is not a known field/],
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
  assert.ok(validateFile([decision, grammar], 'x.json').ok);
});
