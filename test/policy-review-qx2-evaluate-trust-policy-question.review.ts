/**
 * Policy review qx, 2: `gatehouse policy evaluate --trust-policy` decides only what a trust policy decides on the server:
 * assuming a role (sts:AssumeRole, AssumeRoleWithWebIdentity, TagSession, SetSourceIdentity) named by its ARN.
 * Before the fix 3 of 4 tests failed.
 *
 * The check of review cli, G12 took any `sts:` action with a trust policy, and any resource, and the engine then decided
 * the request under that trust policy as if the resource were the role: `sts:GetCallerIdentity` with a trust policy was
 * `ImplicitDeny: the role trust policy does not allow this principal`, exit 1, though STS answers it to every signed
 * caller (policy evaluate without --trust-policy, and the server, say Allow); `sts:GetSessionToken` alike; and
 * `sts:AssumeRole` of a bucket or of `*` under a trust policy naming the caller was `Allow: allowed by the role trust
 * policy`, exit 0, where the server answers ImplicitDeny (STS assumes only a role: review jk, 2). Now --trust-policy with
 * another action, or with a resource that is no role ARN, is a usage error (exit 2) saying which, before any file is
 * read; the trust actions on a role's ARN, of either dialect, are decided as before. The CLI in process, offline.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const ALICE = 'arn:aws:iam::111122223333:user/alice';
const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent' };
let dir = '';

const evaluate = (action: string, resource: string, trust = 'trust.json', principal = ALICE) =>
  gatehouseInProcess(['policy', 'evaluate', '--policy', join(dir, 'allow.json'), '--trust-policy', join(dir, trust), '--principal', principal, '--action', action, '--resource', resource], ENV);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-qx2-'));
  await writeFile(join(dir, 'allow.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 'sts:*'], Resource: '*' }] }));
  await writeFile(
    join(dir, 'trust.json'),
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Alice', Effect: 'Allow', Principal: { AWS: ALICE }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] }),
  );
  await writeFile(join(dir, 'ram-trust.json'), JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Principal: { RAM: ['acs:ram::1234567890:root'] }, Action: 'sts:AssumeRole' }] }));
});
after(async () => rm(dir, { recursive: true, force: true }));

describe('policy evaluate --trust-policy is for assuming a role (review qx, 2)', () => {
  it('sts:GetCallerIdentity and sts:GetSessionToken with --trust-policy: exit 2, naming the actions a trust policy decides', async () => {
    for (const action of ['sts:GetCallerIdentity', 'sts:GetSessionToken']) {
      const r = await evaluate(action, '*');
      assert.equal(r.code, EXIT.usage, `${action}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`--trust-policy decides sts: actions on the role being assumed \\(sts:AssumeRole, sts:AssumeRoleWithWebIdentity, sts:TagSession or sts:SetSourceIdentity\\), and --action is \`${action}\``));
    }
    // Without it, the question is decided, as the server decides it.
    const plain = await gatehouseInProcess(['policy', 'evaluate', '--principal', ALICE, '--action', 'sts:GetCallerIdentity', '--resource', '*'], ENV);
    assert.equal(plain.code, EXIT.ok, plain.stdout + plain.stderr);
  });

  it('sts:AssumeRole of a bucket or of `*` with --trust-policy: exit 2, the resource is no role', async () => {
    for (const resource of ['arn:aws:s3:::ml-datasets', '*', 'arn:aws:iam::111122223333:user/bob']) {
      const r = await evaluate('sts:AssumeRole', resource);
      assert.equal(r.code, EXIT.usage, `${resource}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /--trust-policy is the trust policy of the role being assumed, and --resource `[^`]+` is not a role ARN \(arn:aws:iam::<account>:role\/<path\/>name or acs:ram::<account>:role\/<name>\)/);
    }
  });

  it('the option error is said in --json as the other usage errors are', async () => {
    const r = await gatehouseInProcess(['policy', 'evaluate', '--trust-policy', join(dir, 'trust.json'), '--principal', ALICE, '--action', 'sts:AssumeRole', '--resource', '*', '--json'], ENV);
    assert.equal(r.code, EXIT.usage);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /not a role ARN/);
  });

  it('the trust actions on a role ARN of either dialect are decided as before', async () => {
    const assume = await evaluate('sts:AssumeRole', 'arn:aws:iam::111122223333:role/ml/trainer');
    assert.equal(assume.code, EXIT.ok, assume.stdout + assume.stderr);
    assert.match(assume.stdout, /^Allow: allowed by the role trust policy/);
    const tag = await evaluate('sts:TagSession', 'arn:aws:iam::111122223333:role/trainer');
    assert.equal(tag.code, EXIT.ok, tag.stdout + tag.stderr);
    const bob = await evaluate('sts:AssumeRole', 'arn:aws:iam::111122223333:role/trainer', 'trust.json', 'arn:aws:iam::111122223333:user/bob');
    assert.equal(bob.code, EXIT.denied, bob.stdout + bob.stderr);
    const ram = await evaluate('sts:AssumeRole', 'acs:ram::1234567890:role/trainer', 'ram-trust.json', 'acs:ram::1234567890:user/alice');
    assert.equal(ram.stderr, '');
    assert.notEqual(ram.code, EXIT.usage);
  });
});
