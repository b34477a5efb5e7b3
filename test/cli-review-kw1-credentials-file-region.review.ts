/**
 * Review kw, 1 (cli): a profile's `region` and `ca_bundle` were read from the config file only, on the belief that
 * botocore reads them nowhere else (review jn, 3). It does not: botocore's `Session.full_config` merges each profile of
 * the credentials file into the config file's profile of the same name, the credentials file's keys winning, and
 * the JavaScript SDK's `parseKnownFiles` does the same; `aws configure get region` with `region = eu-west-1` in
 * `~/.aws/credentials` answers eu-west-1. A profile kept whole in the credentials file (keys and region, as many
 * CI setups write it) signed here for us-east-1, so a policy conditioned on `aws:RequestedRegion` refused what the
 * aws CLI with the same profile was allowed; its `ca_bundle` was passed over. Now the credentials file's profile gives
 * its `region` and `ca_bundle` too, over the config file's, below the option and the variables as before, named with
 * the file it came from when refused.
 *
 * The CLI in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1. (The aws CLI 1.45 with
 * botocore 1.43, run on these very files: `aws configure get region --profile both` prints eu-west-1; not run here, as
 * it costs more CPU to start than this whole file.)
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, userWithPolicy, type TestServer } from './support/server.ts';

/** Alice may read herself only when signing for eu-west-1. */
const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } }] });

describe('kw1: a profile\'s region and ca_bundle in the credentials file, as the AWS tools read them', () => {
  let s: TestServer;
  let home: string;
  let credentialsFile: string;
  before(async () => {
    s = await startTestServer();
    const alice = await userWithPolicy(s, 'alice', POLICY);
    home = join(s.dataDir, 'home');
    await mkdir(join(home, '.aws'), { recursive: true });
    const keys = `aws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n`;
    credentialsFile = join(home, '.aws', 'credentials');
    await writeFile(credentialsFile, `[ci]\n${keys}region = eu-west-1\n[both]\n${keys}region = eu-west-1\n[tls]\n${keys}ca_bundle = ${join(home, 'missing.pem')}\n`);
    await writeFile(join(home, '.aws', 'config'), '[profile both]\nregion = us-west-2\n');
  });
  after(async () => s?.stop());

  const cli = (args: readonly string[], extra: Record<string, string> = {}) => gatehouseInProcess(['iam', 'users', 'get', 'alice', ...args], { HOME: home, GATEHOUSE_ENDPOINT: s.url, ...extra });

  it('--profile and AWS_PROFILE: signed for the credentials file\'s region', async () => {
    const r = await cli(['--profile', 'ci']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /alice/);
    const v = await cli([], { AWS_PROFILE: 'ci' });
    assert.equal(v.code, 0, v.stderr);
    // The variables still rank over the profile's region.
    const over = await cli(['--profile', 'ci'], { AWS_REGION: 'us-east-1' });
    assert.equal(over.code, 9, over.stderr);
  });

  it('a region in both files: the credentials file\'s wins, as botocore merges them', async () => {
    const r = await cli(['--profile', 'both']);
    assert.equal(r.code, 0, r.stderr);
  });

  it('a ca_bundle in the credentials file is read, and named with that file when it cannot be', async () => {
    const r = await gatehouseInProcess(['iam', 'users', 'get', 'alice', '--profile', 'tls'], { HOME: home, GATEHOUSE_ENDPOINT: 'https://127.0.0.1:9' });
    assert.equal(r.code, 5, r.stderr);
    assert.ok(r.stderr.includes(`InvalidCaBundle: cannot read ca_bundle of the profile \`tls\` in \`${credentialsFile}\``), r.stderr);
  });
});
