/**
 * Policy review fc, finding 2: a condition value written as a JSON number was read with JavaScript's `String`, which
 * writes 0.0000001 as `1e-7` and 1e21 as `1e+21`. No Numeric operator reads that form (they take integers or decimals,
 * reference §A.1.7), so `"NumericLessThan": {"svc:ratio": 0.0000001}` — a valid decimal — was refused with
 * "`1e-7` is not a number", a value the document does not hold, and a String operator compared `1e-7` where the
 * document wrote 0.0000001. A JSON number is now read as the digits of a decimal, the point where it falls.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy, contextOf, evaluate, parsePolicy, principalFromArn } from '../src/core/iam/index.ts';

const statement = (condition: string): string =>
  `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":${condition}}}`;

function decide(text: string, context: Record<string, string>): string {
  const r = parsePolicy(text, { kind: 'identity' });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  const who = principalFromArn('arn:aws:iam::111122223333:user/alice');
  assert.ok(who.ok);
  return evaluate({ principal: who.value, action: 's3:GetObject', resource: 'arn:aws:s3:::b/x', context: contextOf(context) }, { identity: [compilePolicy(r.value, 'p')] }).decision;
}

describe('policy review fc2: JSON number condition values are read as decimals', () => {
  it('a small decimal is taken by a Numeric operator and compares as written', () => {
    const text = statement('{"NumericLessThan":{"svc:ratio":0.0000001}}');
    assert.equal(decide(text, { 'svc:ratio': '0.00000005' }), 'Allow');
    assert.equal(decide(text, { 'svc:ratio': '0.0000002' }), 'ImplicitDeny');
  });

  it('a large whole number is taken too', () => {
    const text = statement('{"NumericGreaterThanEquals":{"svc:count":1e21}}');
    assert.equal(decide(text, { 'svc:count': '1000000000000000000000' }), 'Allow');
    assert.equal(decide(text, { 'svc:count': '900000000000000000000' }), 'ImplicitDeny');
  });

  it('a String operator compares the decimal the document wrote', () => {
    const text = statement('{"StringEquals":{"svc:version":0.0000001}}');
    assert.equal(decide(text, { 'svc:version': '0.0000001' }), 'Allow');
    assert.equal(decide(text, { 'svc:version': '1e-7' }), 'ImplicitDeny');
  });

  it('ordinary numbers read as before', () => {
    const r = parsePolicy(statement('{"NumericEquals":{"svc:a":[10, 1.5, -3, 0]}}'), { kind: 'identity' });
    assert.ok(r.ok);
    assert.deepEqual(r.value.statements[0]?.conditions[0]?.values, ['10', '1.5', '-3', '0']);
  });
});
