import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextKeyProblem } from './index.ts';

test('typed global keys take one value the engine can read (review N, N2)', () => {
  const table: [key: string, values: string[], problem: RegExp | undefined][] = [
    ['aws:SourceIp', ['203.0.113.9'], undefined],
    ['aws:SourceIp', ['2001:db8::1'], undefined],
    ['AWS:SOURCEIP', ['not-an-ip'], /`AWS:SOURCEIP` must be one IPv4 or IPv6 address.*got `not-an-ip`/],
    ['aws:SourceIp', [''], /must be one IPv4 or IPv6 address/],
    ['aws:SourceIp', ['203.0.113.9, 10.1.1.1'], /must be one IPv4 or IPv6 address/],
    ['aws:SourceIp', ['10.0.0.0/8'], /must be one IPv4 or IPv6 address/],
    ['aws:SourceIp', ['203.0.113.9', '10.1.1.1'], /`aws:SourceIp` is single-valued: give exactly one value, not 2/],
    ['aws:SourceIp', [], /single-valued/],
    ['acs:SourceIp', ['x'], /must be one IPv4 or IPv6 address/],
    ['aws:SecureTransport', ['true'], undefined],
    ['aws:SecureTransport', ['False'], undefined],
    ['aws:SecureTransport', ['0'], /must be `true` or `false`, got `0`/],
    ['aws:MultiFactorAuthPresent', ['yes'], /must be `true` or `false`/],
    ['aws:CurrentTime', ['2026-12-01T12:00:00Z'], undefined],
    ['aws:TokenIssueTime', ['yesterday'], /must be a date/],
    ['aws:EpochTime', ['1764590400'], undefined],
    ['aws:EpochTime', ['x'], /must be a decimal number/],
    ['aws:MultiFactorAuthAge', ['0x2'], /must be a decimal number/],
    ['aws:PrincipalTag/team', ['a', 'b'], /single-valued/],
    ['aws:RequestTag/team', [''], undefined],
    ['sts:ExternalId', ['e1', 'e2'], /single-valued/],
    // Keys not in the table take any strings, any number of them.
    ['aws:TagKeys', ['a', 'b'], undefined],
    ['s3:max-keys', ['x'], undefined],
    ['svc:When', [], undefined],
  ];
  for (const [key, values, problem] of table) {
    const got = contextKeyProblem(key, values);
    if (problem === undefined) assert.equal(got, undefined, `${key} = ${JSON.stringify(values)}`);
    else assert.match(got ?? '', problem, `${key} = ${JSON.stringify(values)}`);
  }
});
