/**
 * Review hn, 2: a bindings condition's `timestamp("…")` dropped the digits of its fraction past the millisecond (CEL
 * timestamps hold nanoseconds: cel-spec langdef, google.protobuf.Timestamp), so a time half a millisecond after a
 * request's compared equal to it. `request.time >= timestamp("2026-06-01T00:00:00.0005Z")`, a grant that starts then,
 * held for a request at 00:00:00.000 (before it), `request.time < …` did not (it is before), and two literals a
 * nanosecond apart were equal. Timestamps are now compared to the nanosecond; the request's time is whole milliseconds.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCondition } from '../src/core/bindings/index.ts';

const at = (iso: string) => ({ time: Date.parse(iso), resource: { name: 'arn:aws:s3:::data/x' } });
function holds(expression: string, time: string): unknown {
  const c = parseCondition(expression);
  assert.ok(c.ok, JSON.stringify(c));
  return c.value.evaluate(at(time) as never);
}

describe('review hn2: CEL timestamps keep the digits past the millisecond', () => {
  it('a request at .000 is before .0005, not at it', () => {
    assert.equal(holds('request.time >= timestamp("2026-06-01T00:00:00.0005Z")', '2026-06-01T00:00:00.000Z'), false);
    assert.equal(holds('request.time < timestamp("2026-06-01T00:00:00.0005Z")', '2026-06-01T00:00:00.000Z'), true);
    assert.equal(holds('request.time == timestamp("2026-06-01T00:00:00.000000001Z")', '2026-06-01T00:00:00.000Z'), false);
    assert.equal(holds('request.time != timestamp("2026-06-01T00:00:00.000000001Z")', '2026-06-01T00:00:00.000Z'), true);
  });

  it('a request at .001 is after .0005; whole milliseconds compare as before', () => {
    assert.equal(holds('request.time > timestamp("2026-06-01T00:00:00.0005Z")', '2026-06-01T00:00:00.001Z'), true);
    assert.equal(holds('request.time == timestamp("2026-06-01T00:00:00.001Z")', '2026-06-01T00:00:00.001Z'), true);
    assert.equal(holds('request.time == timestamp("2026-06-01T00:00:00.001000000Z")', '2026-06-01T00:00:00.001Z'), true);
    assert.equal(holds('request.time <= timestamp("2026-06-01T02:00:00.001+02:00")', '2026-06-01T00:00:00.001Z'), true);
  });

  it('two literals a nanosecond apart differ, before the epoch too', () => {
    assert.equal(holds('timestamp("2026-06-01T00:00:00.000000001Z") > timestamp("2026-06-01T00:00:00Z")', '2026-06-01T00:00:00Z'), true);
    assert.equal(holds('timestamp("1969-12-31T23:59:59.999999999Z") < timestamp("1970-01-01T00:00:00Z")', '2026-06-01T00:00:00Z'), true);
    assert.equal(holds('timestamp("1969-12-31T23:59:59.9999Z") > timestamp("1969-12-31T23:59:59.999Z")', '2026-06-01T00:00:00Z'), true);
    assert.equal(holds('request.time > timestamp("1969-12-31T23:59:59.9999Z")', '1969-12-31T23:59:59.999Z'), false);
  });
});
