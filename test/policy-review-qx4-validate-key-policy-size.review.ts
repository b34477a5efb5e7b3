/**
 * Policy review qx, 4: `gatehouse policy validate --kind resource` can check a KMS key policy against the limit the
 * server holds it to (32,768 characters), given the key with `--resource`.
 * Before the fix 3 of 3 tests failed.
 *
 * `policy validate --kind resource` held every file to a bucket policy's 20,480 characters: a 25,000-character key policy,
 * which `resource-policies put` on the key stores (review nc, 3), was `invalid`, exit 3, "the limit is 20480", with no way
 * to say the policy was a key's; the user's pre-flight check refused a policy the server takes. Now `--resource ARN` names
 * where the policy goes and holds it to that resource's limit, as `policy evaluate` does (review qx, 1): 32,768 on a KMS
 * key, 20,480 elsewhere; without it, a resource policy over 20,480 but within 32,768 is refused as before, and stderr says
 * that a KMS key's may be larger, with `--resource`. `--resource` with another `--kind` is a usage error (exit 2). The
 * CLI in process, offline.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const A = '111122223333';
const KEY = `arn:aws:kms:us-east-1:${A}:key/qx4-0000`;
const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent' };
let dir = '';

/** A key policy of more than `chars` characters (no whitespace). */
const policyOf = (chars: number): string => {
  const Statement: object[] = [{ Sid: 'Admin', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' }];
  for (let i = 0; JSON.stringify({ Version: '2012-10-17', Statement }).length < chars; i++) {
    Statement.push({ Sid: `Deny${i}`, Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': `10.${i >> 8}.${i & 255}.0/24` } } });
  }
  return JSON.stringify({ Version: '2012-10-17', Statement });
};
const validate = (...args: string[]) => gatehouseInProcess(['policy', 'validate', ...args], ENV);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-qx4-'));
  await writeFile(join(dir, 'key.json'), policyOf(25_000));
  await writeFile(join(dir, 'too-large.json'), policyOf(33_000));
});
after(async () => rm(dir, { recursive: true, force: true }));

describe('policy validate --kind resource --resource (review qx, 4)', () => {
  it('a 25,000-character key policy is valid for the key; one over 32,768 is not', async () => {
    const r = await validate('--kind', 'resource', '--resource', KEY, join(dir, 'key.json'));
    assert.equal(r.code, EXIT.ok, r.stdout + r.stderr);
    assert.equal(r.stdout, 'valid\n');
    const acs = await validate('--kind', 'resource', '--resource', 'acs:kms:cn-hangzhou:1234567890:key/qx4', join(dir, 'key.json'));
    assert.equal(acs.code, EXIT.ok, acs.stdout + acs.stderr);
    const over = await validate('--kind', 'resource', '--resource', KEY, join(dir, 'too-large.json'));
    assert.equal(over.code, EXIT.invalidPolicy, over.stdout + over.stderr);
    assert.match(over.stdout, /the limit is 32768 \[POLICY_TOO_LARGE\]/);
  });

  it('without --resource, or for a bucket, it is held to 20,480, and stderr says a key policy may be larger', async () => {
    for (const more of [[], ['--resource', 'arn:aws:s3:::qx4-bucket']]) {
      const r = await validate('--kind', 'resource', ...more, join(dir, 'key.json'));
      assert.equal(r.code, EXIT.invalidPolicy, r.stdout + r.stderr);
      assert.match(r.stdout, /the limit is 20480 \[POLICY_TOO_LARGE\]/);
      if (more.length === 0) assert.match(r.stderr, /a KMS key's policy may have up to 32,768 characters: for one, give the key's ARN with --resource/);
      else assert.equal(r.stderr, '');
    }
  });

  it('--resource with another --kind is a usage error', async () => {
    const r = await validate('--kind', 'trust', '--resource', KEY, join(dir, 'key.json'));
    assert.equal(r.code, EXIT.usage, r.stdout + r.stderr);
    assert.match(r.stderr, /--resource names the resource a resource-based policy is attached to: give it with --kind resource/);
  });
});
