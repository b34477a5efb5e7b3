/**
 * Dialects review dk, finding 2: RAM's condition language has no `…IfExists` operators (RAM "Policy elements",
 * condition operators: String, Number, Date and time, Boolean, IP address; reference §A.2), and Gatehouse refuses them
 * in a `Version: "1"` document at the operator's JSON path. The refusal said only that they are not part of the
 * language, not what to write instead (STYLE.md habit 4: say what to do next). Now it names the operator without
 * `IfExists` and what a missing key then does. Pure: the parser, as the admin API, apply and `policy validate` use it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy } from '../src/core/iam/index.ts';

const ram = (operator: string) => ({
  Version: '1',
  Statement: [{ Effect: 'Deny', Action: 'oss:*', Resource: '*', Condition: { [operator]: { 'acs:SourceVpc': 'vpc-123' } } }],
});

describe('an IfExists operator in a RAM policy is refused with what to write instead (dialects review dk, 2)', () => {
  it('names the operator without IfExists, at the operator', () => {
    const r = parsePolicy(JSON.stringify(ram('StringNotEqualsIfExists')), { kind: 'identity' });
    assert.ok(!r.ok);
    const e = r.errors.find((x) => x.path === 'Statement[0].Condition.StringNotEqualsIfExists');
    assert.ok(e, JSON.stringify(r.errors));
    assert.equal(e.code, 'POLICY_INVALID_CONDITION_OPERATOR');
    assert.match(e.message, /use `StringNotEquals`/, e.message);
    assert.match(e.message, /missing/, e.message);
  });

  it('under a set qualifier too', () => {
    const r = parsePolicy(ram('ForAnyValue:StringEqualsIfExists'), { kind: 'identity' });
    assert.ok(!r.ok);
    const e = r.errors.find((x) => x.path === 'Statement[0].Condition.ForAnyValue:StringEqualsIfExists');
    assert.ok(e, JSON.stringify(r.errors));
    assert.match(e.message, /use `ForAnyValue:StringEquals`/, e.message);
  });

  it('the AWS dialect still takes IfExists', () => {
    const r = parsePolicy({ ...ram('StringNotEqualsIfExists'), Version: '2012-10-17' }, { kind: 'identity' });
    assert.ok(r.ok);
  });
});
