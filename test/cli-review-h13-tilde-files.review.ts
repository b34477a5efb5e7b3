/**
 * `~/` in the AWS tools' file variables (review cli, H13): `AWS_SHARED_CREDENTIALS_FILE=~/.aws/ci` set where no shell
 * expands it (a systemd unit, a Dockerfile's ENV, a quoted assignment) is `$HOME/.aws/ci` to the aws CLI (botocore's
 * expanduser), but was a file named `~` here: the profile was not found and the command went on as --data-dir's
 * account admin (said on stderr, done all the same). Now `~` and `~/…` are HOME's in AWS_SHARED_CREDENTIALS_FILE,
 * AWS_CONFIG_FILE and AWS_CA_BUNDLE. The CLI's program in this process (test/support/gatehouse-cli.ts) against a real server on
 * 127.0.0.1, its admin file at hand.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('~/ in AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE', () => {
  let s: TestServer;
  let home: string;
  before(async () => {
    s = await startTestServer();
    home = await mkdtemp(join(tmpdir(), 'gh-h13-'));
    await s.iam().send(new CreateUserCommand({ UserName: 'carol' }));
    const key = (await s.iam().send(new CreateAccessKeyCommand({ UserName: 'carol' }))).AccessKey!;
    await mkdir(join(home, '.aws'));
    await writeFile(join(home, '.aws', 'ci-credentials'), `[carol]\naws_access_key_id = ${key.AccessKeyId}\naws_secret_access_key = ${key.SecretAccessKey}\n`);
    await writeFile(join(home, '.aws', 'ci-config'), `[profile carol2]\naws_access_key_id = ${key.AccessKeyId}\naws_secret_access_key = ${key.SecretAccessKey}\n`);
  });
  after(async () => {
    await s?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  // --data-dir is the server's: its admin-credentials.json is what the CLI falls back to.
  const whoami = (env: Record<string, string>) =>
    gatehouseInProcess(['whoami', '--data-dir', s.dataDir], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, GATEHOUSE_ENDPOINT: s.url, ...env });

  it('the profile of ~/.aws/ci-credentials is used, not the admin file', async () => {
    const r = await whoami({ AWS_PROFILE: 'carol', AWS_SHARED_CREDENTIALS_FILE: '~/.aws/ci-credentials' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^arn:aws:iam::000000000000:user\/carol\n/);
    assert.equal(r.stderr, '');
  });

  it('and of ~/.aws/ci-config', async () => {
    const r = await whoami({ AWS_PROFILE: 'carol2', AWS_CONFIG_FILE: '~/.aws/ci-config', AWS_SHARED_CREDENTIALS_FILE: '~/.aws/none' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^arn:aws:iam::000000000000:user\/carol\n/);
  });
});
