/**
 * `gatehouse policy evaluate --trust-policy` with an action that is not STS (review cli, G12): the help says the trust
 * policy is there "to decide sts:AssumeRole* on it", yet with `--action s3:GetObject` it was evaluated all the same,
 * and a read the identity policy allows came out `ImplicitDeny: the role trust policy does not allow this principal`,
 * exit 1: a wrong answer to a question the options did not fit. Now that is a usage error (exit 2) saying why;
 * sts:AssumeRole with a trust policy is decided as before. The CLI's program in this process (test/support/gatehouse-cli.ts;
 * offline: policy evaluate reads files only).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

describe('policy evaluate --trust-policy is for sts: actions', () => {
  let dir: string;
  const gatehouse = (args: readonly string[]) => gatehouseInProcess(args, { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir });
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-cli-g12-'));
    await writeFile(join(dir, 'allow.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 'sts:AssumeRole'], Resource: '*' }] }));
    await writeFile(join(dir, 'trust.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' }] }));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('with s3:GetObject: exit 2, saying why; with sts:AssumeRole: decided (Allow, exit 0)', async () => {
    const common = ['policy', 'evaluate', '--policy', join(dir, 'allow.json'), '--trust-policy', join(dir, 'trust.json'), '--principal', 'arn:aws:iam::111122223333:user/alice'];
    const [s3, sts] = await Promise.all([
      gatehouse([...common, '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k']),
      gatehouse([...common, '--action', 'sts:AssumeRole', '--resource', 'arn:aws:iam::111122223333:role/trainer']),
    ]);
    assert.equal(s3.code, 2, s3.stdout + s3.stderr);
    assert.equal(s3.stdout, '');
    assert.match(s3.stderr, /--trust-policy decides sts: actions on the role being assumed .* --action is `s3:GetObject`/);
    assert.equal(sts.code, 0, sts.stdout + sts.stderr);
    assert.match(sts.stdout, /^Allow/);
  });
});
