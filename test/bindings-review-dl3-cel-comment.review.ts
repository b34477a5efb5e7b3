/**
 * Review dl, 3: a condition with a CEL comment (`// …` to the end of the line, cel-spec langdef "Syntax": comments are
 * part of CEL's grammar, and GCP's console writes multi-line expressions) was refused with "`/`: arithmetic is not
 * supported in conditions" — true of `/`, but not what the writer wrote, and no hint of what to do. Comments stay
 * outside Gatehouse's CEL subset (docs/semantics.md, "Conditions are a documented subset of CEL"), refused when the
 * policy is written; the refusal now says it is a comment, where, and that notes go in the condition's `description`.
 * Pure core (src/core/bindings parseIamPolicy): the error carries the JSON path and the line and column.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIamPolicy } from '../src/core/bindings/index.ts';

const withExpression = (expression: string) => ({ version: 3, bindings: [{ role: 'roles/ml.viewer', members: ['user:dora'], condition: { title: 'until 2027', expression } }] });

test('a `//` comment in a condition is refused as a comment, at its line and column, not as arithmetic', () => {
  const r = parseIamPolicy(withExpression('request.time < timestamp("2027-01-01T00:00:00Z") // end of the project\n'));
  assert.equal(r.ok, false);
  const e = r.ok ? undefined : r.errors[0];
  assert.equal(e?.code, 'BINDINGS_INVALID_CONDITION');
  assert.equal(e?.path, 'bindings[0].condition.expression');
  assert.deepEqual([e?.line, e?.column], [1, 50]);
  assert.match(e?.message ?? '', /comment/);
  assert.match(e?.message ?? '', /`description`/);
  assert.doesNotMatch(e?.message ?? '', /arithmetic/);
});

test('a comment on a line of its own is refused the same way; `/` alone is still arithmetic', () => {
  const r = parseIamPolicy(withExpression('// until the end of the project\nrequest.time < timestamp("2027-01-01T00:00:00Z")'));
  const e = r.ok ? undefined : r.errors[0];
  assert.deepEqual([e?.line, e?.column], [1, 1]);
  assert.match(e?.message ?? '', /comment/);
  const division = parseIamPolicy(withExpression('1 / 1 == 1'));
  assert.match(division.ok ? '' : (division.errors[0]?.message ?? ''), /arithmetic/);
});

test('`//` inside a string is text, not a comment', () => {
  assert.equal(parseIamPolicy(withExpression('resource.name.startsWith("arn:aws:s3:::data//raw/")')).ok, true);
});
