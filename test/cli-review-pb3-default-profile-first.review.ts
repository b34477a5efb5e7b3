/**
 * Review pb, 3 (cli): with both AWS_PROFILE and AWS_DEFAULT_PROFILE set, gatehouse signed with AWS_PROFILE's profile,
 * where the aws CLI signs with AWS_DEFAULT_PROFILE's: botocore looks the profile up in `AWS_DEFAULT_PROFILE`, then
 * `AWS_PROFILE` (botocore/configprovider.py, `'profile': (None, ['AWS_DEFAULT_PROFILE', 'AWS_PROFILE'], …)`; kept
 * "for backwards compatibility", the aws CLI's maintainer in boto/boto#3287 and aws/aws-sdk-js#927; `aws configure
 * list` shows `profile b env ['AWS_DEFAULT_PROFILE', 'AWS_PROFILE']`). The README and docs/decisions.md say the CLI
 * reads profiles "as the aws CLI" does, so a shell where a tool set one and a user the other (AWS_DEFAULT_PROFILE=ci
 * from a CI image, AWS_PROFILE=dev by hand) had `aws sts get-caller-identity` and `gatehouse whoami` act as two
 * different principals: a command run as someone other than the one the aws CLI, checked first, showed. Now the
 * profile is `--profile`, else AWS_DEFAULT_PROFILE, else AWS_PROFILE, else `default`, for its credentials and for its
 * settings (region, ca_bundle, max_attempts), and a profile that is missing is named by the variable that named it.
 *
 * The CLI in this process (test/support/gatehouse-cli.ts), with a home of its own holding ~/.aws/credentials, against
 * a real server on 127.0.0.1.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseCliInProcess, gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('pb3: AWS_DEFAULT_PROFILE before AWS_PROFILE, as the aws CLI reads them', () => {
  let s: TestServer;
  let home: string;
  before(async () => {
    s = await startTestServer();
    home = await mkdtemp(join(tmpdir(), 'gh-pb3-'));
    const admin = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });
    assert.equal((await admin(['iam', 'users', 'create', 'alice'])).code, 0);
    const key = await admin(['iam', 'access-keys', 'create', '--user', 'alice', '--json']);
    assert.equal(key.code, 0, key.stderr);
    const alice = JSON.parse(key.stdout) as { accessKeyId: string; secretAccessKey: string };
    await mkdir(join(home, '.aws'));
    await writeFile(
      join(home, '.aws', 'credentials'),
      `[dev]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n[ci]\naws_access_key_id = ${s.admin.accessKeyId}\naws_secret_access_key = ${s.admin.secretAccessKey}\n`,
    );
  });
  after(async () => {
    await s?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  // No keys in the environment: the profile signs.
  const whoami = (env: Record<string, string>) => gatehouseInProcess(['whoami', '--json'], { HOME: home, GATEHOUSE_ENDPOINT: s.url, ...env });

  it('both set: AWS_DEFAULT_PROFILE\'s profile signs, as for `aws sts get-caller-identity`; either alone, its own', async () => {
    const both = await whoami({ AWS_PROFILE: 'dev', AWS_DEFAULT_PROFILE: 'ci' });
    assert.equal(both.code, 0, both.stderr);
    assert.equal((JSON.parse(both.stdout) as { arn: string }).arn, 'arn:aws:iam::000000000000:user/admin');
    const dev = await whoami({ AWS_PROFILE: 'dev' });
    assert.equal((JSON.parse(dev.stdout) as { arn: string }).arn, 'arn:aws:iam::000000000000:user/alice', dev.stderr);
    const ci = await whoami({ AWS_DEFAULT_PROFILE: 'ci' });
    assert.equal((JSON.parse(ci.stdout) as { arn: string }).arn, 'arn:aws:iam::000000000000:user/admin', ci.stderr);
    // --profile still wins over both.
    const option = await gatehouseInProcess(['whoami', '--json', '--profile', 'dev'], { HOME: home, GATEHOUSE_ENDPOINT: s.url, AWS_PROFILE: 'ci', AWS_DEFAULT_PROFILE: 'ci' });
    assert.equal((JSON.parse(option.stdout) as { arn: string }).arn, 'arn:aws:iam::000000000000:user/alice', option.stderr);
  });

  it('both set, AWS_DEFAULT_PROFILE naming no profile: refused naming AWS_DEFAULT_PROFILE, not signed as AWS_PROFILE\'s', async () => {
    const r = await whoami({ AWS_PROFILE: 'dev', AWS_DEFAULT_PROFILE: 'nosuch' });
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /AWS_DEFAULT_PROFILE/);
    assert.match(r.stderr, /nosuch/);
  });
});
