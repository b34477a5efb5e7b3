/**
 * Review gx, 5: `timestamp("…")` checked CEL's range (years 0001 to 9999) on the year as written, before its offset,
 * so an instant outside it was taken: `timestamp("9999-12-31T23:00:00-05:00")` — "the end of time" written in a local
 * zone — is 10000-01-01T04:00:00Z. CEL's timestamps run from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z
 * (cel-spec langdef, "Overflow"; google.protobuf.Timestamp), and converting a string outside that range is an error, so
 * under CEL such a condition never holds (GCP's binding does not apply), while Gatehouse stored it and granted
 * `request.time < …` for ever. Now the range is checked on the instant, and the policy is refused when written
 * (`BINDINGS_INVALID_CONDITION` at the expression, with its column, saying the range), as for any other condition
 * that cannot evaluate; the bounds themselves, in any offset that stays inside, are taken. A policy stored before with
 * such a timestamp loads with that binding never applying (its condition no longer parses), as under CEL.
 * Pure core (CEL parsing through parseIamPolicy, the parser the API, `apply` and `iam-policy set` share).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIamPolicy } from '../src/core/bindings/index.ts';

const withTimestamp = (ts: string) => ({ bindings: [{ role: 'roles/ml.viewer', members: ['user:dora'], condition: { title: 'until the end', expression: `request.time < timestamp("${ts}")` } }] });

test('a timestamp whose instant is past 9999 or before 0001 (UTC) is refused, saying the range', () => {
  for (const ts of ['9999-12-31T23:00:00-05:00', '9999-12-31T23:59:59-00:01', '0001-01-01T00:30:00+01:00', '0000-12-31T23:59:59Z']) {
    const r = parseIamPolicy(withTimestamp(ts));
    assert.equal(r.ok, false, ts);
    const e = r.ok ? undefined : r.errors[0];
    assert.equal(e?.code, 'BINDINGS_INVALID_CONDITION', ts);
    assert.equal(e?.path, 'bindings[0].condition.expression', ts);
    assert.equal(e?.column, 26, ts);
    if (ts !== '0000-12-31T23:59:59Z') assert.match(e?.message ?? '', /outside the range of CEL timestamps, 0001-01-01T00:00:00Z to 9999-12-31T23:59:59\.999999999Z/, ts);
  }
});

test('the bounds, and instants inside them in any offset, are taken', () => {
  for (const ts of ['9999-12-31T23:59:59.999999999Z', '0001-01-01T00:00:00Z', '9999-12-31T18:59:59-05:00', '0001-01-01T01:00:00+01:00', '2027-01-01T00:00:00+14:00']) {
    const r = parseIamPolicy(withTimestamp(ts));
    assert.equal(r.ok, true, `${ts}: ${JSON.stringify(r.ok ? '' : r.errors)}`);
  }
});
