/**
 * Review aa10: `AWS_MAX_ATTEMPTS` is read "as the aws CLI reads it" (H16), but the CLI refuses any value over 10, exit 2
 * InvalidMaxAttempts, before it does anything. The variable is shared: the aws CLI, boto3 and the JS SDK take any whole
 * number of at least 1 (20 is a common setting in CI to ride out throttling). In such an environment every gatehouse
 * command that talks to the server fails. So does `gatehouse credentials` run as a profile's credential_process, and
 * with it every aws CLI call of that profile ("Error when retrieving credentials from custom-process"). Repro: a real
 * server; the Debian aws CLI with AWS_MAX_ATTEMPTS=20 and a profile whose credential_process is `gatehouse
 * credentials --role-arn …`; `aws sts get-caller-identity --profile gh` fails, and `gatehouse iam users list` exits 2.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as I from '@aws-sdk/client-iam';
import { REGION, startTestServer, type TestServer } from './support/server.ts';
import { awsCli } from './support/aws-cli.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { awsCliMissing } from './support/processes.ts';

const BIN = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'gatehouse.js');
const ACCT = '000000000000';
const TRAINER = `arn:aws:iam::${ACCT}:role/trainer`;

describe('review aa10: AWS_MAX_ATTEMPTS as the aws CLI takes it', () => {
  let s: TestServer;
  let home: string;
  let config: string;
  before(async () => {
    s = await startTestServer();
    home = await mkdtemp(join(tmpdir(), 'gh-aa10-'));
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] });
    await s.iam().send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: trust }));
    config = join(home, 'config');
    await writeFile(config, ['[profile gh]', `credential_process = ${process.execPath} ${BIN} credentials --role-arn ${TRAINER} --role-session-name aa10 --data-dir ${s.dataDir}`, `region = ${REGION}`, ''].join('\n'));
  });
  after(async () => {
    await s?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('gatehouse commands work with AWS_MAX_ATTEMPTS=20', async () => {
    // In this process (test/support/gatehouse-cli.ts): the CLI reads AWS_MAX_ATTEMPTS from the environment it is given.
    const r = await gatehouseCliInProcess(['iam', 'users', 'list'], s.admin, { endpoint: s.url, home, extraEnv: { AWS_MAX_ATTEMPTS: '20' } });
    // Before: exit 2, InvalidMaxAttempts.
    assert.equal(r.code, 0, r.stderr);
  });

  it('the aws CLI with a gatehouse credential_process and AWS_MAX_ATTEMPTS=20', { skip: awsCliMissing() }, async () => {
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'), AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '', AWS_MAX_ATTEMPTS: '20' };
    const r = await awsCli(['sts', 'get-caller-identity', '--profile', 'gh', '--endpoint-url', s.url, '--output', 'json'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /assumed-role\/trainer\/aa10/);
  });
});
