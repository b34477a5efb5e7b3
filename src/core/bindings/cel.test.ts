import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EvalFailure, MAX_EXPRESSION_CHARS, parseCondition, parseTimestamp, type ConditionEnv } from './cel.ts';

const T = (iso: string): number => Date.parse(iso);
const env: ConditionEnv = {
  time: T('2026-06-15T12:00:00Z'),
  resource: { name: 'arn:aws:s3:::training-data/datasets/imagenet/train-0001.tar', type: 'storage.gatehouse.dev/Object', service: 'storage.gatehouse.dev' },
};
const untyped: ConditionEnv = { time: env.time, resource: { name: 'arn:aws:foo::123456789012:thing/x' } };

const run = (expr: string, e: ConditionEnv = env): boolean | string => {
  const r = parseCondition(expr);
  assert.ok(r.ok, `${expr}: ${r.ok ? '' : r.errors[0]?.message}`);
  const v = r.value.evaluate(e);
  return v instanceof EvalFailure ? `error: ${v.error}` : v;
};

// [expression, result on `env`]
const evaluates: [string, boolean][] = [
  ['true', true],
  ['false', false],
  ['!false', true],
  ['!!true', true],
  ['request.time < timestamp("2027-01-01T00:00:00Z")', true],
  ['request.time >= timestamp("2026-06-15T12:00:00Z")', true],
  ['request.time > timestamp("2026-06-15T12:00:00Z")', false],
  ['request.time <= timestamp("2026-06-15T12:00:00Z")', true],
  ['request.time == timestamp("2026-06-15T14:00:00+02:00")', true],
  ['request.time != timestamp("2026-06-15T12:00:00.001Z")', true],
  ['request.time > timestamp("2026-01-01T00:00:00Z") && request.time < timestamp("2026-07-01T00:00:00Z")', true],
  ['resource.name.startsWith("arn:aws:s3:::training-data/")', true],
  ['resource.name.startsWith("arn:aws:s3:::training-data-2/")', false],
  ['resource.name.endsWith(".tar")', true],
  ["resource.name.endsWith('.zip')", false],
  ['resource.type == "storage.gatehouse.dev/Object"', true],
  ['resource.service != "storage.gatehouse.dev"', false],
  ['resource.name == "arn:aws:s3:::training-data/datasets/imagenet/train-0001.tar"', true],
  ['"b" > "a"', true],
  ['"abc".startsWith("ab")', true],
  ['1 < 2', true],
  ['-3 < -2', true],
  ['10 >= 10', true],
  ['true == true', true],
  ['false != true', true],
  ['resource.name.startsWith("x") || resource.name.endsWith(".tar")', true],
  ['(true || false) && !(false)', true],
  ['true && false || true', true], // && binds tighter than ||
  ['!(true && false)', true],
  ['resource.name.startsWith("arn:") == true', true],
  ['"a\\"b" == \'a"b\'', true],
  ['"\\u0041" == "A"', true],
  ['"tab\\there".startsWith("tab\\t")', true],
  ['  resource.type\n  == "storage.gatehouse.dev/Object"\n', true],
];
for (const [expr, want] of evaluates) {
  test(`cel: ${JSON.stringify(expr)} is ${want}`, () => assert.equal(run(expr), want));
}

test('cel: a missing attribute is an error value, absorbed by && and || as CEL does', () => {
  assert.match(String(run('resource.type == "x"', untyped)), /^error: no value for `resource.type`/);
  assert.match(String(run('resource.service.startsWith("x")', untyped)), /^error: no value for `resource.service`/);
  assert.match(String(run('!(resource.type == "x")', untyped)), /^error:/);
  assert.equal(run('false && resource.type == "x"', untyped), false);
  assert.equal(run('resource.type == "x" && false', untyped), false);
  assert.equal(run('true || resource.type == "x"', untyped), true);
  assert.equal(run('resource.type == "x" || true', untyped), true);
  assert.match(String(run('true && resource.type == "x"', untyped)), /^error:/);
  assert.match(String(run('resource.type == "x" || false', untyped)), /^error:/);
  assert.equal(run('resource.name.startsWith("arn:aws:foo:")', untyped), true);
});

test('cel: an invalid request time is an error, never a comparison with NaN', () => {
  assert.match(String(run('request.time < timestamp("2030-01-01T00:00:00Z")', { ...env, time: Number.NaN })), /^error: `request.time` is not a valid time/);
  assert.match(String(run('!(request.time < timestamp("2030-01-01T00:00:00Z"))', { ...env, time: Number.NaN })), /^error:/);
});

// [expression, code, column (1-based), message pattern]
const rejects: [string, string, number, RegExp][] = [
  ['', 'BINDINGS_MISSING_FIELD', 1, /empty/],
  ['resource.name', 'BINDINGS_INVALID_CONDITION', 1, /must be a bool, but this expression is a string/],
  ['42', 'BINDINGS_INVALID_CONDITION', 1, /is an int/],
  ['resource.name == 1', 'BINDINGS_INVALID_CONDITION', 15, /cannot compare a string with an int/],
  ['request.time < "2026-01-01T00:00:00Z"', 'BINDINGS_INVALID_CONDITION', 14, /cannot compare a timestamp with a string/],
  ['true < false', 'BINDINGS_INVALID_CONDITION', 6, /cannot order bool values/],
  ['1 < 2 < 3', 'BINDINGS_INVALID_CONDITION', 7, /comparisons do not chain/],
  ['resource.foo == "x"', 'BINDINGS_INVALID_CONDITION', 10, /`resource.foo` is not supported/],
  ['request.auth.claims == "x"', 'BINDINGS_INVALID_CONDITION', 9, /`request.auth` is not supported/],
  ['resource == "x"', 'BINDINGS_INVALID_CONDITION', 1, /`resource` alone is not a value/],
  ['principal.name == "x"', 'BINDINGS_INVALID_CONDITION', 1, /unknown identifier `principal`/],
  ['resource.name.matches("^a")', 'BINDINGS_INVALID_CONDITION', 15, /method `matches` is not supported/],
  ['resource.name.contains("a")', 'BINDINGS_INVALID_CONDITION', 15, /method `contains` is not supported/],
  ['request.time.getHours() < 17', 'BINDINGS_INVALID_CONDITION', 14, /method `getHours` is not supported/],
  ['resource.name.size', 'BINDINGS_INVALID_CONDITION', 15, /`size` is not a field of a string/],
  ['request.time.startsWith("2026")', 'BINDINGS_INVALID_CONDITION', 13, /applies to strings, not to a timestamp/],
  ['resource.name.startsWith(1)', 'BINDINGS_INVALID_CONDITION', 26, /takes a string argument, got an int/],
  ['resource.name.startsWith("a", "b")', 'BINDINGS_INVALID_CONDITION', 29, /takes one argument/],
  ['resource.name.startsWith("a"', 'BINDINGS_INVALID_CONDITION', 29, /expected `\)`/],
  ['duration("1h") > 0', 'BINDINGS_INVALID_CONDITION', 1, /function `duration` is not supported/],
  ['timestamp(resource.name) < request.time', 'BINDINGS_INVALID_CONDITION', 11, /takes a string literal/],
  ['request.time < timestamp("2026-13-01T00:00:00Z")', 'BINDINGS_INVALID_CONDITION', 26, /not an RFC 3339 timestamp/],
  ['request.time < timestamp("2026-02-30T00:00:00Z")', 'BINDINGS_INVALID_CONDITION', 26, /not an RFC 3339 timestamp/],
  ['request.time < timestamp("2026-01-01")', 'BINDINGS_INVALID_CONDITION', 26, /not an RFC 3339 timestamp/],
  ['resource.name = "x"', 'BINDINGS_INVALID_CONDITION', 15, /use `==`/],
  ['true & false', 'BINDINGS_INVALID_CONDITION', 6, /use `&&`/],
  ['true | false', 'BINDINGS_INVALID_CONDITION', 6, /use `\|\|`/],
  ['1 + 1 == 2', 'BINDINGS_INVALID_CONDITION', 3, /arithmetic is not supported/],
  ['true ? true : false', 'BINDINGS_INVALID_CONDITION', 6, /conditional operator/],
  ['resource.name in ["a"]', 'BINDINGS_INVALID_CONDITION', 15, /the `in` operator is not supported/],
  ['resource.name.startsWith("a") && [1]', 'BINDINGS_INVALID_CONDITION', 34, /lists and indexing/],
  ['resource.name == 1 && [1]', 'BINDINGS_INVALID_CONDITION', 15, /cannot compare/],
  ['[1] == [1]', 'BINDINGS_INVALID_CONDITION', 1, /lists and indexing/],
  ['{"a": 1} == {}', 'BINDINGS_INVALID_CONDITION', 1, /maps are not supported/],
  ['null == null', 'BINDINGS_INVALID_CONDITION', 1, /`null` is not supported/],
  ['1.5 < 2', 'BINDINGS_INVALID_CONDITION', 1, /only decimal integer literals/],
  ['0x10 > 1', 'BINDINGS_INVALID_CONDITION', 1, /only decimal integer literals/],
  ['1u > 0', 'BINDINGS_INVALID_CONDITION', 1, /only decimal integer literals/],
  ['99999999999999999 > 0', 'BINDINGS_INVALID_CONDITION', 1, /out of range/],
  ['resource.name == "abc', 'BINDINGS_INVALID_CONDITION', 18, /unterminated string/],
  ['resource.name == "a\\qb"', 'BINDINGS_INVALID_CONDITION', 20, /unsupported escape `\\q`/],
  ['resource.name == r"raw"', 'BINDINGS_INVALID_CONDITION', 18, /raw and byte string literals/],
  ['resource.name == """x"""', 'BINDINGS_INVALID_CONDITION', 18, /triple-quoted/],
  ['(true', 'BINDINGS_INVALID_CONDITION', 6, /expected `\)` to close `\(`/],
  ['true)', 'BINDINGS_INVALID_CONDITION', 5, /unexpected `\)` after a complete expression/],
  ['true true', 'BINDINGS_INVALID_CONDITION', 6, /unexpected `true` after a complete expression/],
  ['!1', 'BINDINGS_INVALID_CONDITION', 1, /`!` needs a bool operand, got an int/],
  ['"a" && true', 'BINDINGS_INVALID_CONDITION', 5, /`&&` needs bool operands, got a string/],
  ['resource.name - 1', 'BINDINGS_INVALID_CONDITION', 15, /arithmetic is not supported/],
  ['true # comment', 'BINDINGS_INVALID_CONDITION', 6, /unexpected character `#`/],
];
for (const [expr, code, column, re] of rejects) {
  test(`cel rejects ${JSON.stringify(expr)} at column ${column}`, () => {
    const r = parseCondition(expr);
    assert.ok(!r.ok, 'accepted');
    const e = r.errors[0];
    assert.ok(e !== undefined);
    assert.equal(e.code, code, e.message);
    assert.equal(e.column, column, e.message);
    assert.equal(e.line, 1);
    assert.match(e.message, re);
    assert.match(e.message, new RegExp(`\\(at column ${column}\\)$`));
  });
}

test('cel: a `\\u` escape of a lone UTF-16 surrogate is refused when a policy is written; a pair is its character (review mk, 3)', () => {
  for (const [expr, column] of [['resource.name == "a\\uD83D"', 20], ['resource.name == "a\\uDE00b"', 20], ['resource.name == "\\ud83d\\u0041"', 19]] as const) {
    const r = parseCondition(expr, { knownValues: true });
    assert.ok(!r.ok, expr);
    assert.equal(r.errors[0]?.column, column, r.errors[0]?.message);
    assert.match(r.errors[0]?.message ?? '', /surrogate alone/);
    // A condition stored before decides as written.
    assert.ok(parseCondition(expr).ok, expr);
  }
  const pair = parseCondition('resource.name.startsWith("a/\\uD83D\\ude00")', { knownValues: true });
  assert.ok(pair.ok);
  assert.equal(pair.value.evaluate({ time: 0, resource: { name: 'a/\u{1F600}x' } }), true);
  assert.equal(pair.value.evaluate({ time: 0, resource: { name: 'a/\u{1F40D}x' } }), false);
});

test('cel: errors in a multi-line expression give the line and column', () => {
  const r = parseCondition('request.time < timestamp("2027-01-01T00:00:00Z") &&\n  resource.name.starts("x")');
  assert.ok(!r.ok);
  assert.equal(r.errors[0]?.line, 2);
  assert.equal(r.errors[0]?.column, 17);
  assert.match(r.errors[0]?.message ?? '', /\(at line 2, column 17\)$/);
});

test('cel: bounded size, nesting and logical operators', () => {
  const long = parseCondition(`resource.name == "${'a'.repeat(MAX_EXPRESSION_CHARS)}"`);
  assert.ok(!long.ok && long.errors[0]?.code === 'BINDINGS_TOO_LARGE');
  assert.ok(parseCondition(`${'('.repeat(32)}true${')'.repeat(32)}`).ok);
  const deep = parseCondition(`${'('.repeat(33)}true${')'.repeat(33)}`);
  assert.ok(!deep.ok && deep.errors[0]?.code === 'BINDINGS_TOO_LARGE' && deep.errors[0].column === 33);
  // A pathological nesting is refused by the bound, not by the stack.
  const huge = parseCondition(`${'('.repeat(2000)}true`);
  assert.ok(!huge.ok && huge.errors[0]?.code === 'BINDINGS_TOO_LARGE');
  const twelve = Array.from({ length: 13 }, () => 'true').join(' && ');
  assert.ok(parseCondition(twelve).ok);
  const thirteen = parseCondition(`${twelve} || true`);
  assert.ok(!thirteen.ok && thirteen.errors[0]?.code === 'BINDINGS_TOO_LARGE');
  assert.match(thirteen.errors[0]?.message ?? '', /at most 12 logical operators/);
  assert.ok(!parseCondition(`${'!'.repeat(13)}true`).ok);
});

test('cel: a name that is an Object.prototype key is not an attribute', () => {
  for (const e of ['constructor.name == "x"', 'resource.constructor == "x"', 'resource.__proto__ == "x"', 'toString == "x"']) {
    const r = parseCondition(e);
    assert.ok(!r.ok, e);
    assert.equal(r.errors[0]?.code, 'BINDINGS_INVALID_CONDITION');
  }
});

test('parseTimestamp: RFC 3339 with offsets and fractions, calendar-checked', () => {
  assert.equal(parseTimestamp('2026-01-01T00:00:00Z'), Date.UTC(2026, 0, 1));
  assert.equal(parseTimestamp('2026-01-01T01:30:00+01:30'), Date.UTC(2026, 0, 1));
  assert.equal(parseTimestamp('2025-12-31T23:00:00-01:00'), Date.UTC(2026, 0, 1));
  assert.equal(parseTimestamp('2026-01-01T00:00:00.123456789Z'), Date.UTC(2026, 0, 1) + 123);
  assert.equal(parseTimestamp('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
  for (const bad of ['2025-02-29T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01 00:00:00Z', '2026-01-01T00:00:00', '0000-01-01T00:00:00Z', '2026-1-1T00:00:00Z']) {
    assert.equal(parseTimestamp(bad), undefined, bad);
  }
});

test('parseTimestamp: years 1 to 99 are those years, not 1901 to 1999 (review B5)', () => {
  const year50 = new Date(0);
  year50.setUTCFullYear(50, 0, 1);
  assert.equal(parseTimestamp('0050-01-01T00:00:00Z'), year50.getTime());
  assert.ok((parseTimestamp('0099-12-31T23:59:59Z') as number) < (parseTimestamp('1950-01-01T00:00:00Z') as number));
  assert.equal(parseTimestamp('0004-02-29T00:00:00Z') !== undefined, true, 'year 4 is a leap year');
  assert.equal(parseTimestamp('0001-02-29T00:00:00Z'), undefined);
  const c = parseCondition('timestamp("0099-12-31T00:00:00Z") < timestamp("1950-01-01T00:00:00Z")');
  assert.ok(c.ok);
  assert.equal(c.value.evaluate({ time: Date.UTC(2026, 0, 1), resource: { name: 'x' } }), true);
});

test('cel: strings order by Unicode code point, as CEL does, not by UTF-16 code unit (review ai, 7)', () => {
  // U+1F600 (a surrogate pair in UTF-16) is after U+FFFD by code point; JavaScript's `<` put it before.
  const astral = { ...env, resource: { ...env.resource, name: 'arn:aws:s3:::b/\u{1F600}' } };
  assert.equal(run('resource.name > "arn:aws:s3:::b/\\uFFFD"', astral), true);
  assert.equal(run('resource.name < "arn:aws:s3:::b/\\uFFFD"', astral), false);
  assert.equal(run('resource.name >= "arn:aws:s3:::b/\\uFFFD"', astral), true);
  assert.equal(run('resource.name <= "arn:aws:s3:::b/\\uFFFD"', astral), false);
  // Plain strings order as before; a prefix is before the longer string.
  assert.equal(run('"a" < "b" && "ab" > "a" && "a" <= "a" && !("b" < "a")'), true);
  assert.equal(run('resource.name > "arn:aws:s3:::b/"', astral), true);
});
