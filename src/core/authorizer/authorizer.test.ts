import { test } from 'node:test';
import assert from 'node:assert/strict';
import { union, type Authorizer, type Verdict } from './index.ts';

const fixed = (name: string, verdict: Verdict): Authorizer<unknown> => ({ name, authorize: () => ({ verdict, reasons: [`${name} says ${verdict}`], errors: [] }) });
const broken: Authorizer<unknown> = { name: 'broken', authorize: () => { throw new Error('boom'); } };

test('union: explicit deny wins over any allow, in any order', () => {
  assert.equal(union('u', [fixed('a', 'allow'), fixed('d', 'deny')]).authorize(null).verdict, 'deny');
  assert.equal(union('u', [fixed('d', 'deny'), fixed('a', 'allow')]).authorize(null).verdict, 'deny');
});

test('union: one allow with the rest no-opinion allows; all no-opinion is no-opinion (default deny)', () => {
  const r = union('u', [fixed('n', 'no-opinion'), fixed('a', 'allow')]).authorize(null);
  assert.equal(r.verdict, 'allow');
  assert.deepEqual(r.reasons, ['a: a says allow']);
  assert.equal(union('u', [fixed('n', 'no-opinion')]).authorize(null).verdict, 'no-opinion');
  assert.equal(union('u', []).authorize(null).verdict, 'no-opinion');
});

test('union: an engine that throws fails closed even when another allows', () => {
  const r = union('u', [fixed('a', 'allow'), broken]).authorize(null);
  assert.equal(r.verdict, 'deny');
  assert.match(r.errors.join(), /broken: boom/);
});
