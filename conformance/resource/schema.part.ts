/** The case validator must reject what a typo would produce, with a message naming file, case and field. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateCase, validateFile } from './schema.ts';

const A = '111122223333';
const base = {
  name: 'a resource case',
  cite: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html',
  accounts: [{ id: A, partition: 'aws' }],
  roles: [{ account: A, name: 'trainer', policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }], tags: { team: 'vision' } }],
  users: [{ account: A, name: 'alice', boundary: { Version: '2012-10-17', Statement: [] } }],
  resourcePolicies: [{ resource: 'arn:aws:s3:::b', account: A, document: { Version: '2012-10-17', Statement: [] } }],
  request: { principal: `arn:aws:iam::${A}:role/trainer`, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: { 'aws:SourceIp': '10.0.0.1', 'aws:TagKeys': ['a', 'b'] } },
  expected: { decision: 'Allow', matched: [{ type: 'identity', effect: 'Allow', sid: 'X' }] },
};

function errorsOf(patch: (c: Record<string, any>) => void): string[] {
  const c = structuredClone(base) as Record<string, any>;
  patch(c);
  const v = validateCase(c, 'x.json case #3');
  return v.ok ? [] : [...v.errors];
}

test('a well-formed case passes', () => {
  assert.deepEqual(
    errorsOf(() => {}),
    [],
  );
});

const rejects: [string, (c: Record<string, any>) => void, RegExp][] = [
  ['an unknown top-level field', (c) => (c['expect'] = {}), /`expect` is not a known field/],
  ['a missing accounts list', (c) => delete c['accounts'], /`accounts` is required/],
  ['an unknown account field', (c) => (c['accounts'][0].name = 'x'), /`accounts\[0\]\.name` is not a known field/],
  ['a bad partition', (c) => (c['accounts'][0].partition = 'gcp'), /`accounts\[0\]\.partition` must be one of/],
  ['an account id that is not 12 digits', (c) => (c['accounts'][0].id = '1234'), /`accounts\[0\]\.id` must match/],
  ['the root account listed again', (c) => c['accounts'].push({ id: '000000000000', partition: 'aws' }), /listed twice/],
  ['a role in an unlisted account', (c) => (c['roles'][0].account = '999999999999'), /`roles\[0\]\.account` names account 999999999999/],
  ['an unknown role field', (c) => (c['roles'][0].inlinePolicies = {}), /`roles\[0\]\.inlinePolicies` is not a known field/],
  ['a policy that is not a document', (c) => (c['roles'][0].policies = ['AdministratorAccess']), /`roles\[0\]\.policies\[0\]` must be a policy document/],
  ['a document without Statement', (c) => (c['users'][0].boundary = { Version: '2012-10-17' }), /`users\[0\]\.boundary\.Statement` is required/],
  ['a non-string tag', (c) => (c['roles'][0].tags = { team: 1 }), /`roles\[0\]\.tags\.team` must be a string/],
  ['a user defined twice', (c) => c['users'].push({ account: A, name: 'Alice' }), /defines user Alice of account 111122223333 twice/],
  ['an unknown resource-policy field', (c) => (c['resourcePolicies'][0].principal = '*'), /`resourcePolicies\[0\]\.principal` is not a known field/],
  ['a resource policy on a non-ARN', (c) => (c['resourcePolicies'][0].resource = 'bucket'), /`resourcePolicies\[0\]\.resource` must match/],
  ['two policies on one resource', (c) => c['resourcePolicies'].push(structuredClone(c['resourcePolicies'][0])), /has a policy already/],
  ['an unknown request field', (c) => (c['request'].resourceAccount = A), /`request\.resourceAccount` is not a known field/],
  ['an object context value', (c) => (c['request'].context = { 'aws:SourceIp': { ip: '1.2.3.4' } }), /`request\.context\.aws:SourceIp` must be a string, number, boolean or an array/],
  ['a wrong decision', (c) => (c['expected'].decision = 'Deny'), /`expected\.decision` must be one of/],
  ['an unknown expected field', (c) => (c['expected'].deniedBy = 'resource'), /`expected\.deniedBy` is not a known field/],
  ['a bad matched type', (c) => (c['expected'].matched = [{ type: 'trust', effect: 'Allow' }]), /`expected\.matched\[0\]\.type` must be one of/],
  ['an empty todo reason', (c) => (c['todo'] = ''), /`todo` must be true or a non-empty reason/],
];
for (const [what, patch, re] of rejects) {
  test(`rejects ${what}, naming the file, case and field`, () => {
    const errors = errorsOf(patch);
    assert.ok(errors.some((e) => re.test(e) && e.startsWith('x.json case #3 (')), `got: ${JSON.stringify(errors)}`);
  });
}

test('a case that is not an object is rejected', () => {
  const v = validateCase([], 'x.json case #0');
  assert.ok(!v.ok && v.errors[0]?.includes('must be a JSON object'));
});

test('a file must be an array of uniquely named cases', () => {
  assert.ok(!validateFile({}, 'x.json').ok);
  const dup = validateFile([base, base], 'x.json');
  assert.ok(!dup.ok && dup.errors[0]?.includes('already used by case #0'));
});
