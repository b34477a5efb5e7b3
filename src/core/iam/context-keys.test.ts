import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextKeyProblem, isTagKey } from './index.ts';

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
    // A service's tag keys too (review kd, 2); its lists of keys stay lists.
    ['s3:ExistingObjectTag/c', ['a', 'b'], /single-valued/],
    ['S3:RequestObjectTag/c', ['a', 'b'], /single-valued/],
    ['ec2:ResourceTag/env', ['a', 'b'], /single-valued/],
    ['s3:RequestObjectTagKeys', ['a', 'b'], undefined],
    ['ec2:ResourceTag/', ['a', 'b'], undefined],
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

test('a tag key of any service is single-valued per spelling (review kd, 3)', () => {
  for (const k of ['aws:ResourceTag/a', 'S3:ExistingObjectTag/Team', 's3:RequestObjectTag/x', 'ec2:ResourceTag/env', 'acs:PrincipalTag/t']) assert.equal(isTagKey(k), true, k);
  for (const k of ['aws:TagKeys', 's3:RequestObjectTagKeys', 'aws:ResourceTag/', 'aws:SourceIp', 'ResourceTag/x']) assert.equal(isTagKey(k), false, k);
});
