/**
 * Session ARNs accepted by `gatehouse sts revoke-sessions --session-arn` (app/revocation.ts), as a table: both
 * partitions, Alibaba's own `assumed-role` form, and what is refused.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSessionArn } from '../src/core/sts/session.ts';

describe('parseSessionArn', () => {
  const cases: [string, ReturnType<typeof parseSessionArn>][] = [
    ['arn:aws:sts::123456789012:assumed-role/trainer/alice', { partition: 'aws', account: '123456789012', roleName: 'trainer', sessionName: 'alice' }],
    ['arn:aws:sts::123456789012:assumed-role/Trainer.v2/job-7@x=y,z', { partition: 'aws', account: '123456789012', roleName: 'Trainer.v2', sessionName: 'job-7@x=y,z' }],
    ['acs:ram::1234567890123456:role/trainer/alice', { partition: 'acs', account: '1234567890123456', roleName: 'trainer', sessionName: 'alice' }],
    ['acs:ram::1234567890123456:assumed-role/trainer/alice', { partition: 'acs', account: '1234567890123456', roleName: 'trainer', sessionName: 'alice' }],
    ['arn:aws:iam::123456789012:role/trainer', undefined],
    ['arn:aws:sts::123456789012:assumed-role/trainer', undefined],
    ['arn:aws:sts::123456789012:assumed-role/trainer/a', undefined],
    ['arn:aws:sts::12345:assumed-role/trainer/alice', undefined],
    ['arn:aws:sts::123456789012:assumed-role/trainer/al ice', undefined],
    ['arn:aws:sts::123456789012:assumed-role/path/trainer/alice', undefined],
    ['acs:ram::1234567890123456:role/trainer', undefined],
    ['', undefined],
  ];
  for (const [arn, expected] of cases) {
    it(arn === '' ? '(empty)' : arn, () => assert.deepEqual(parseSessionArn(arn), expected));
  }
});
