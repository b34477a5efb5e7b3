/**
 * Review gx, 7: a condition on `resource.name` written with a GCP resource name — what GCP's documentation and a
 * migrated policy write: `resource.name.startsWith("projects/_/buckets/data/objects/reports/")` — was stored and
 * decided as written, though Gatehouse's `resource.name` is the ARN the request names (`arn:aws:s3:::data/reports/x`),
 * or `account/<id>`, `workspace/<name>`: such a comparison is the same for every request. So
 * `!resource.name.startsWith("projects/_/buckets/data/objects/secret/")`, "everything in the bucket but `secret/`",
 * was true for every object and granted `secret/` too (fail open), and the positive form silently granted nothing.
 * Now a write (API, `apply`, `iam-policy set`) refuses `==`, `!=` and `startsWith` of `resource.name` with a GCP
 * resource name (`projects/…`, `organizations/…`, `folders/…`, `//SERVICE.googleapis.com/…`), at the literal's
 * column, saying what `resource.name` is; ARNs are taken as before. Stored conditions load as before.
 * Real server, SigV4-signed /v1/ calls.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { details, doraConditions } from './support/bindings-conditions.ts';

const { put, reads } = doraConditions('not secret');

test('`!resource.name.startsWith("projects/_/buckets/…")` is refused, and grants nothing under secret/', async () => {
  const r = await put('!resource.name.startsWith("projects/_/buckets/data/objects/secret/")');
  assert.equal(r.status, 400, JSON.stringify(r.json));
  const [e] = details(r.json);
  assert.equal(e?.code, 'BINDINGS_INVALID_CONDITION');
  assert.equal(e?.path, 'bindings[0].condition.expression');
  assert.equal(e?.column, 27);
  assert.match(e?.message ?? '', /GCP resource name/);
  assert.notEqual(await reads('secret/plans.txt'), 'Allow');
});

test('`==`/`!=` with a full resource name or another GCP name are refused too', async () => {
  for (const expression of ['resource.name == "//storage.googleapis.com/projects/_/buckets/data"', 'resource.name != "projects/p/locations/l/models/m"', '"organizations/1/x" == resource.name']) {
    const r = await put(expression);
    assert.equal(r.status, 400, `${expression}: ${JSON.stringify(r.json)}`);
    assert.equal(details(r.json)[0]?.code, 'BINDINGS_INVALID_CONDITION', expression);
  }
});

test('the ARN form is taken and decides as meant', async () => {
  const r = await put('!resource.name.startsWith("arn:aws:s3:::data/secret/")');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(await reads('reports/q1.csv'), 'Allow');
  assert.notEqual(await reads('secret/plans.txt'), 'Allow');
  assert.equal((await put('resource.name.endsWith("projects/")')).status, 200, 'an ARN may end so');
});
