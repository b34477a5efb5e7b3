/**
 * Review gx, 6: a condition comparing `resource.type` or `resource.service` with a value no resource has was stored
 * and decided as written — and such a value is exactly what a GCP user writes: `storage.googleapis.com/Object`, where
 * Gatehouse says `storage.gatehouse.dev/Object` (the values were not documented either). `resource.type ==
 * "storage.googleapis.com/Object"` was false for every request, so the binding silently granted nothing; and the
 * everyday GCP form "everything but buckets", `resource.type != "storage.googleapis.com/Bucket"`, was true for every
 * request, so the binding granted on buckets too — the very thing its condition excluded (fail open). Now a write
 * (API, `apply`, `iam-policy set`: the shared parser) refuses `==`/`!=` of those attributes with a string literal that
 * none of their values is, and `startsWith`/`endsWith` with one that none begins or ends with, at the literal's line
 * and column, listing Gatehouse's values and giving its spelling of a `googleapis.com` one. Stored conditions are
 * loaded as before (the check is the writer's, as for unprintable characters, review aw, 2).
 * Real server, SigV4-signed /v1/ calls; the list of values checked against what decisions see (resourceAttributes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { details, doraConditions, ROOT } from './support/bindings-conditions.ts';
import { resourceAttributes } from '../src/core/bindings/index.ts';
import { RESOURCE_SERVICES, RESOURCE_TYPES } from '../src/core/bindings/names.ts';

const { put, reads } = doraConditions('not buckets');

test('`resource.type != "storage.googleapis.com/Bucket"` (always true here) is refused, naming the Gatehouse spelling', async () => {
  const r = await put('resource.type != "storage.googleapis.com/Bucket"');
  assert.equal(r.status, 400, JSON.stringify(r.json));
  const [e] = details(r.json);
  assert.equal(e?.code, 'BINDINGS_INVALID_CONDITION');
  assert.equal(e?.path, 'bindings[0].condition.expression');
  assert.equal(e?.column, 18);
  assert.match(e?.message ?? '', /true for every request/);
  assert.match(e?.message ?? '', /write `storage\.gatehouse\.dev\/Bucket`/);
  // Nothing was written: dora reads no bucket through it.
  assert.notEqual(await reads('x'), 'Allow');
});

test('`==`, `resource.service` and `startsWith`/`endsWith` with values no resource has are refused too', async () => {
  for (const [expression, column] of [
    ['resource.type == "storage.googleapis.com/Object"', 18],
    ['"storage.googleapis.com" == resource.service', 1],
    ['resource.type.startsWith("storage.googleapis.com/")', 26],
    ['resource.type.endsWith("/Objects")', 24],
  ] as const) {
    const r = await put(expression);
    assert.equal(r.status, 400, `${expression}: ${JSON.stringify(r.json)}`);
    assert.equal(details(r.json)[0]?.column, column, expression);
  }
});

test('Gatehouse’s own values are taken, and the list is what decisions see', async () => {
  for (const expression of ['resource.type != "storage.gatehouse.dev/Bucket"', 'resource.service == "storage.gatehouse.dev"', 'resource.type.endsWith("/Object")', 'resource.name != "arn:aws:s3:::data/storage.googleapis.com/Bucket"']) {
    const r = await put(expression);
    assert.equal(r.status, 200, `${expression}: ${JSON.stringify(r.json)}`);
  }
  assert.equal(await reads('x'), 'Allow');
  const samples = [`account/${ROOT}`, 'workspace/ml', 'arn:aws:s3:::b', 'arn:aws:s3:::b/k', 'acs:oss:*:*:b/k', `arn:aws:training::${ROOT}:job/j`, `arn:aws:training::${ROOT}:model/m`, `arn:aws:training::${ROOT}:cluster/c`, `arn:aws:eks:us-east-1:${ROOT}:cluster/c`, `arn:aws:training::${ROOT}:workspace/w`, `arn:aws:iam::${ROOT}:role/r`, `arn:aws:iam::${ROOT}:user/u`, `arn:aws:iam::${ROOT}:group/g`];
  const seen = samples.map((s) => resourceAttributes(s));
  assert.deepEqual([...new Set(seen.map((a) => a.type))].sort(), [...RESOURCE_TYPES].sort());
  assert.deepEqual([...new Set(seen.map((a) => a.service))].sort(), [...RESOURCE_SERVICES].sort());
});
