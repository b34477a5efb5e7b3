import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arnConditionMatcher, globMatcher, resourceMatcher } from './glob.ts';
import { parseCidr, parseIp, cidrContains } from './ip.ts';
import { parseDateValue } from './conditions.ts';
import { readJson } from './json.ts';

test('whole-string glob: * and ? anywhere, case folding on request', () => {
  const rows: [string, string, boolean, boolean][] = [
    ['s3:get*', 's3:getobject', true, true],
    ['s3:get?bject', 's3:getobject', true, true],
    ['s3:*object', 's3:putobject', true, true],
    ['s3:Get*', 's3:getobject', true, true],
    ['s3:GetObject', 's3:getobjectacl', true, false],
    ['a*b*c', 'aXXbYYc', false, true],
    ['a*b*c', 'aXXbYY', false, false],
    ['?', '', false, false],
  ];
  for (const [p, s, lower, want] of rows) assert.equal(globMatcher(p, lower)(s), want, `${p} vs ${s}`);
});

test('resource glob: per segment, * crosses / and, as a segment tail, :', () => {
  const rows: [string, string, boolean][] = [
    ['arn:aws:s3:::bucket/*/test/*', 'arn:aws:s3:::bucket/1/2/test/3/x.jpg', true],
    ['arn:aws:s3:::bucket/*', 'arn:aws:s3:::Bucket/x', false],
    ['arn:aws:ec2:*:123456789012:instance/*', 'arn:aws:ec2:us-east-1:123456789012:instance/i-1', true],
    ['arn:aws:ec2:us-*-1:123456789012:instance/*', 'arn:aws:ec2:us-east-1:123456789012:instance/i-1', true],
    ['arn:aws:ec2:u*1:123456789012:instance/*', 'arn:aws:ec2:us-east-1:123456789012:instance/i-1', true],
    ['arn:aws:ec2:u?-east-1:123456789012:instance/*', 'arn:aws:ec2:us-east-1:123456789012:instance/i-1', true],
    ['arn:aws:iam::*', 'arn:aws:iam::123456789012:role/x', true],
    ['acs:oss:*:*:bucket/*', 'acs:oss:*:123:bucket/a/b', true],
    ['acs:oss:*:*:bucket/*', 'acs:oss:cn-hangzhou:123:other/a', false],
    ['*', 'anything', true],
  ];
  for (const [p, s, want] of rows) assert.equal(resourceMatcher(p)(s), want, `${p} vs ${s}`);
});

test('ArnLike keeps components apart (the docs example fails, StringLike passes)', () => {
  const p = 'arn:aws:someservice:*:111122223333:finance/*';
  const v = 'arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt';
  assert.equal(arnConditionMatcher(p)(v), false);
  assert.equal(globMatcher(p)(v), true);
  assert.equal(arnConditionMatcher(p)('arn:aws:someservice:us-east-2:111122223333:finance/a:b'), true);
});

test('IP addresses and CIDR blocks, both families', () => {
  const c = parseCidr('203.0.113.0/24');
  assert.ok(c);
  assert.equal(cidrContains(c, parseIp('203.0.113.9')!), true);
  assert.equal(cidrContains(c, parseIp('203.0.114.9')!), false);
  const v6 = parseCidr('2001:db8:1234::/48');
  assert.ok(v6);
  assert.equal(cidrContains(v6, parseIp('2001:db8:1234:ffff::1')!), true);
  assert.equal(cidrContains(v6, parseIp('2001:db8:1235::1')!), false);
  assert.equal(cidrContains(v6, parseIp('203.0.113.9')!), false);
  assert.equal(cidrContains(parseCidr('::ffff:10.0.0.0/120')!, parseIp('::ffff:10.0.0.7')!), true);
  assert.equal(parseCidr('10.0.0.1')!.mask, 0xffffffffn);
  for (const bad of ['10.0.0.256', '10.0.0/8', '1::2::3', '10.0.0.0/33', 'x']) assert.equal(parseCidr(bad), undefined, bad);
});

test('dates: W3C ISO-8601 profile and epoch seconds', () => {
  assert.equal(parseDateValue('2026-01-01T00:00:00Z'), Date.UTC(2026, 0, 1));
  assert.equal(parseDateValue('2026-01-01'), Date.UTC(2026, 0, 1));
  assert.equal(parseDateValue('2026-01-01T01:00+01:00'), Date.UTC(2026, 0, 1));
  assert.equal(parseDateValue('1767225600'), Date.UTC(2026, 0, 1));
  assert.equal(parseDateValue('2026-13-01'), undefined);
  assert.equal(parseDateValue('yesterday'), undefined);
});

test('strict JSON reader: duplicates, positions, null prototypes', () => {
  const r = readJson('{\n  "a": 1,\n  "a": 2\n}');
  assert.equal(r.errors[0]?.code, 'POLICY_DUPLICATE_KEY');
  assert.equal(r.errors[0]?.line, 3);
  const ok = readJson('{"__proto__": {"x": 1}}');
  assert.equal(Object.getPrototypeOf(ok.value), null);
  const bad = readJson('{"a": [1, 2,]}');
  assert.equal(bad.value, undefined);
  assert.equal(bad.errors[0]?.code, 'POLICY_JSON_SYNTAX');
  assert.match(bad.errors[0]?.message ?? '', /line 1, column 13/);
});
