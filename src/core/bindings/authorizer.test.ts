import { test } from 'node:test';
import assert from 'node:assert/strict';
import { union, type Authorizer, type UnionResult } from '../authorizer/index.ts';
import { bindingsAuthorizer, createBindingsAuthorizer, type BindingsAuthzInput } from './authorizer.ts';
import { compileBindings } from './compile.ts';
import { resourceAttributes } from './names.ts';

const BUCKET_OBJECT = 'arn:aws:s3:::training-data/datasets/a.tar';
const bindings = compileBindings([
  { resource: 'account/123456789012', policy: { bindings: [{ role: 'roles/storage.objectViewer', members: ['group:researchers'] }] } },
  {
    resource: BUCKET_OBJECT,
    policy: { bindings: [{ role: 'roles/storage.objectAdmin', members: ['user:alice'], condition: { title: 'objects only', expression: 'resource.type == "storage.gatehouse.dev/Object"' } }] },
  },
]);
const alice = { user: 'alice', groups: ['researchers'], authenticated: true };
const time = Date.parse('2026-06-15T12:00:00Z');

test('the adapter answers allow or no-opinion, with the engine reasons', () => {
  const allow = bindingsAuthorizer.authorize({ bindings, request: { principal: alice, permission: 'storage.objects.get', resource: resourceAttributes(BUCKET_OBJECT), time } });
  assert.equal(allow.verdict, 'allow');
  // An authorizer explains: every allowing binding, most specific member first.
  assert.deepEqual(allow.reasons, [
    `allowed by binding of roles/storage.objectAdmin to user:alice on ${BUCKET_OBJECT} (condition "objects only" holds)`,
    'allowed by binding of roles/storage.objectViewer to group:researchers on account/123456789012',
  ]);
  const fast = createBindingsAuthorizer({ explain: false }).authorize({ bindings, request: { principal: alice, permission: 'storage.objects.get', resource: resourceAttributes(BUCKET_OBJECT), time } });
  assert.equal(fast.reasons.length, 1);
  assert.deepEqual(allow.errors, []);
  const none = bindingsAuthorizer.authorize({ bindings, request: { principal: { ...alice, user: 'bob' }, permission: 'storage.objects.delete', resource: resourceAttributes(BUCKET_OBJECT), time } });
  assert.equal(none.verdict, 'no-opinion');
});

test('the adapter maps IAM-style actions, and has no opinion on actions outside the table', () => {
  const r = bindingsAuthorizer.authorize({ bindings, request: { principal: alice, action: 's3:PutObject', resource: resourceAttributes(BUCKET_OBJECT), time } });
  assert.equal(r.verdict, 'allow');
  assert.match(r.reasons[0] ?? '', /roles\/storage\.objectAdmin to user:alice .*\(condition "objects only" holds\)/);
  const unknown = bindingsAuthorizer.authorize({ bindings, request: { principal: alice, action: 's3:PutBucketVersioning', resource: resourceAttributes(BUCKET_OBJECT), time } });
  assert.equal(unknown.verdict, 'no-opinion');
  assert.match(unknown.reasons[0] ?? '', /has no bindings permission/);
});

test('a failed condition is a diagnostic by default, an error (and a union deny) on request', () => {
  const input: BindingsAuthzInput = { bindings, request: { principal: alice, action: 's3:PutObject', resource: { name: BUCKET_OBJECT }, time } };
  const soft = bindingsAuthorizer.authorize(input);
  assert.equal(soft.verdict, 'no-opinion');
  assert.deepEqual(soft.errors, []);
  assert.equal(soft.diagnostics.length, 1);
  const other: Authorizer<BindingsAuthzInput> = { name: 'iam', authorize: () => ({ verdict: 'allow', reasons: ['identity policy'], errors: [] }) };
  assert.equal(union('u', [bindingsAuthorizer, other]).authorize(input).verdict, 'allow', 'a skipped binding does not veto another engine');
  const strict = createBindingsAuthorizer({ conditionErrors: 'errors' });
  const hard = strict.authorize(input);
  assert.equal(hard.errors.length, 1);
  assert.equal(union('u', [strict, other]).authorize(input).verdict, 'deny');
});

test('in a union, bindings never deny: no-opinion everywhere is the default deny', () => {
  const u = union('u', [bindingsAuthorizer]);
  const r = u.authorize({ bindings, request: { principal: { groups: [], authenticated: false }, permission: 'storage.objects.get', resource: resourceAttributes(BUCKET_OBJECT), time } }) as UnionResult;
  assert.equal(r.verdict, 'no-opinion');
  assert.equal(r.engines[0]?.name, 'bindings');
});
