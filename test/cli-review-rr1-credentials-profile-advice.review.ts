/**
 * Review rr, 1 (cli): `gatehouse credentials` reads no AWS_PROFILE (its help: "AWS_PROFILE is not read here: it names
 * the profile that runs this command. --profile NAME makes that profile's credentials assume the role"; README §3), yet
 * its refusals told the user to use AWS_PROFILE: run as a profile's credential_process with no key to assume the role
 * with, `NoCredentials` ended "or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)"; with
 * AWS_WEB_IDENTITY_TOKEN_FILE set, "name a profile (AWS_PROFILE or --profile)"; with the environment's session revoked,
 * `ExpiredToken` ended "or unset all three to use a profile (AWS_PROFILE)". Followed, each advice gave the same refusal
 * again (the command passes AWS_PROFILE over), while AWS_PROFILE was there all along, naming the very profile that ran
 * it. Now these refusals of `credentials` name `--profile NAME` (in the credential_process line) where the other
 * commands, which do read AWS_PROFILE, name it as before.
 *
 * The CLI's program in this process (test/support/gatehouse-cli.ts); the last test against a real server on 127.0.0.1.
 *
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { settled } from './support/settle.ts';

const ROLE = 'arn:aws:iam::000000000000:role/rr1-target';
/** What the advice must not be, and must be, for `credentials`. */
const SAYS_AWS_PROFILE = /AWS_PROFILE\)|\(AWS_PROFILE|AWS_PROFILE or/;

describe('rr1: the refusals of `gatehouse credentials` name --profile, not AWS_PROFILE', () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'gh-rr1-'));
  });
  after(async () => rm(home, { recursive: true, force: true }));
  // As a profile's credential_process runs it: AWS_PROFILE names that profile.
  const env = (extra: Record<string, string> = {}) => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, AWS_PROFILE: 'trainer', ...extra });

  it('no key and no data dir: NoCredentials says --profile', async () => {
    const r = await gatehouseInProcess(['credentials', '--role-arn', ROLE, '--data-dir', join(home, 'none')], env());
    assert.equal(r.code, EXIT.accessDenied, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /NoCredentials/);
    assert.doesNotMatch(r.stderr, SAYS_AWS_PROFILE);
    assert.match(r.stderr, /--profile NAME/);
  });

  it('AWS_WEB_IDENTITY_TOKEN_FILE set: WebIdentityNotFollowed says --profile only', async () => {
    const r = await gatehouseInProcess(['credentials', '--role-arn', ROLE, '--data-dir', join(home, 'none')], env({ AWS_WEB_IDENTITY_TOKEN_FILE: join(home, 'token'), AWS_ROLE_ARN: ROLE }));
    assert.equal(r.code, EXIT.usage, r.stderr);
    assert.match(r.stderr, /WebIdentityNotFollowed/);
    assert.doesNotMatch(r.stderr, SAYS_AWS_PROFILE);
    assert.match(r.stderr, /--profile/);
  });

  it('another command, which reads AWS_PROFILE, still names it (as before)', async () => {
    const { AWS_PROFILE: _p, ...unset } = env();
    const r = await gatehouseInProcess(['whoami', '--data-dir', join(home, 'none')], unset);
    assert.equal(r.code, EXIT.accessDenied, r.stderr);
    assert.match(r.stderr, /\(or AWS_PROFILE\)/);
  });

  describe('against a server', () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer();
    });
    after(async () => s?.stop());

    it("the environment's session revoked: ExpiredToken's advice says --profile", async () => {
      const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] };
      await s.iam().send(new CreateRoleCommand({ RoleName: 'rr1-target', AssumeRolePolicyDocument: JSON.stringify(trust) }));
      const c = (await s.sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'rr1' }))).Credentials;
      const admin = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, GATEHOUSE_ENDPOINT: s.url, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey };
      const revoked = await gatehouseInProcess(['sts', 'revoke-sessions', '--role-arn', ROLE], admin);
      assert.equal(revoked.code, EXIT.ok, revoked.stderr);
      const session = env({ GATEHOUSE_ENDPOINT: s.url, AWS_ACCESS_KEY_ID: c?.AccessKeyId ?? '', AWS_SECRET_ACCESS_KEY: c?.SecretAccessKey ?? '', AWS_SESSION_TOKEN: c?.SessionToken ?? '', AWS_MAX_ATTEMPTS: '1' });
      // Revocation reaches the checks within a second: asked again until it has, to a bound of time (settle.ts), not
      // 50 tries.
      const r = await settled(() => gatehouseInProcess(['credentials', '--role-arn', ROLE], session), (got) => got.code !== EXIT.ok);
      assert.equal(r.code, EXIT.accessDenied, r.stderr);
      assert.match(r.stderr, /ExpiredToken/);
      assert.doesNotMatch(r.stderr, SAYS_AWS_PROFILE);
      assert.match(r.stderr, /--profile NAME/);
    });
  });
});
