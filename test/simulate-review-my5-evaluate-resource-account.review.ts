/**
 * Review my, 5: `gatehouse policy evaluate` on a resource whose ARN names no account (an S3 bucket or object), without `--resource-account`, decided the request as the principal's own account's (its help: "default: from the ARN, else the principal's") but left `aws:ResourceAccount` without a value, so the data-perimeter Deny `StringNotEquals aws:ResourceAccount ${aws:PrincipalAccount}` answered ExplicitDeny on the principal's own bucket.
 *
 * One decision held two owners: the engine's (the principal's account, src/core/iam/evaluate.ts) and the key's (no one).
 * A user checking a perimeter guardrail offline was told it refuses every bucket of the account. Now the default account
 * is `aws:ResourceAccount` too; `--resource-account` and an ARN's own account still decide it. The CLI's program, offline,
 * in this process (test/support/gatehouse-cli.ts: the executable's file readers, its working directory and environment).
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const ALICE = 'arn:aws:iam::111122223333:user/alice';

describe('review my, 5: policy evaluate without --resource-account: the principal’s account owns the bucket, aws:ResourceAccount included', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-my5-'));
    await writeFile(join(dir, 'perimeter.json'), JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:GetObject', 'sqs:SendMessage'], Resource: '*' },
        { Sid: 'Perimeter', Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:ResourceAccount': '${aws:PrincipalAccount}' } } },
      ],
    }));
  });
  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const evaluate = (resource: string, ...more: string[]) =>
    gatehouseInProcess(['policy', 'evaluate', '--policy', 'perimeter.json', '--principal', ALICE, '--action', resource.startsWith('arn:aws:sqs') ? 'sqs:SendMessage' : 's3:GetObject', '--resource', resource, '--json', ...more], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir }, { cwd: dir });
  const decision = (r: { stdout: string; stderr: string }): string => {
    assert.ok(r.stdout.startsWith('{'), r.stderr);
    return (JSON.parse(r.stdout) as { decision: string }).decision;
  };

  it('the principal’s own bucket is allowed, exit 0', async () => {
    const r = await evaluate('arn:aws:s3:::own-bucket/k');
    assert.equal(decision(r), 'Allow', r.stdout);
    assert.equal(r.code, 0);
  });

  it('another account’s bucket (--resource-account) or queue (its ARN) is still denied by the perimeter', async () => {
    assert.equal(decision(await evaluate('arn:aws:s3:::partner-bucket/k', '--resource-account', '444455556666')), 'ExplicitDeny');
    assert.equal(decision(await evaluate('arn:aws:sqs:us-east-1:444455556666:jobs')), 'ExplicitDeny');
    assert.equal(decision(await evaluate('arn:aws:sqs:us-east-1:111122223333:jobs')), 'Allow');
  });
});
