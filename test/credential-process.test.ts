/**
 * `gatehouse credentials` as an AWS `credential_process` (credential-protocols §2.3 and §3.3): a profile in a
 * temporary `AWS_CONFIG_FILE` runs `<node> bin/gatehouse.js credentials --role-arn …`, and the AWS SDK for
 * JavaScript v3 (`fromProcess`, and the default chain with `AWS_PROFILE` in a child process), the Debian
 * `aws` CLI and boto3 call GetCallerIdentity with what it prints, against a real server on 127.0.0.1.
 *
 * Two ways for the command to find the identity that assumes the role: `--data-dir` (the server's
 * admin-credentials.json), or `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` inherited from the process that runs
 * it (an explicit profile makes every SDK skip those variables for itself, so they reach the command only).
 * The aws CLI and boto3 parts skip, saying why, when `/usr/bin/aws` or boto3 under `/usr/bin/python3` is absent
 * (`apt-get install awscli python3-boto3`).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as I from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromProcess } from '@aws-sdk/credential-providers';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { awsCli, python3Script } from './support/aws-cli.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { awsCliMissing, boto3Missing, run } from './support/processes.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'gatehouse.js');
const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

const awsMissing = awsCliMissing();
const botoMissing = boto3Missing();

let server: TestServer;
let home: string;
let config: string;
let alice: Credentials;
const TRAINER = `arn:aws:iam::${ACCT}:role/trainer`;
const ALICE_ONLY = `arn:aws:iam::${ACCT}:role/alice-only`;

/** A child's environment: nothing AWS from this machine, the temporary config file, and `extra`. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    ...extra,
  };
}

const aliceEnv = (): NodeJS.ProcessEnv => ({ AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey });

before(async () => {
  // fromProcess runs the command with this process's environment: no credentials of the machine may leak in.
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'GATEHOUSE_ENDPOINT']) delete process.env[k];
  home = await mkdtemp(join(tmpdir(), 'gh-credential-process-'));
  server = await startTestServer();
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }) }));
  // Only alice may assume this one: a session of it proves the command used alice's inherited keys.
  await iam.send(new I.CreateRoleCommand({ RoleName: 'alice-only', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:user/alice` }, Action: 'sts:AssumeRole' }) }));

  // The JS SDK runs the line through a shell, botocore splits it shell-style: plain paths suit both.
  for (const p of [process.execPath, BIN, server.dataDir]) assert.match(p, /^[\w/.@+-]+$/, `a path with special characters: ${p}`);
  const cmd = `${process.execPath} ${BIN} credentials`;
  config = join(home, 'config');
  await writeFile(
    config,
    [
      '[profile gh]',
      `credential_process = ${cmd} --role-arn ${TRAINER} --role-session-name cp-admin --data-dir ${server.dataDir}`,
      `region = ${REGION}`,
      '',
      '[profile gh-env]',
      `credential_process = ${cmd} --role-arn ${ALICE_ONLY} --role-session-name cp-alice --duration-seconds 900 --endpoint ${server.url}`,
      `region = ${REGION}`,
      '',
      '[profile gh-broken]',
      `credential_process = ${cmd} --role-arn arn:aws:iam::${ACCT}:role/ghost --data-dir ${server.dataDir}`,
      `region = ${REGION}`,
      '',
    ].join('\n'),
  );
});

after(async () => {
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('gatehouse credentials', () => {
  it('prints exactly the credential_process document on stdout, and nothing else', async () => {
    const r = await run(process.execPath, [BIN, 'credentials', '--role-arn', TRAINER, '--data-dir', server.dataDir], env());
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.ok(r.stdout.endsWith('}\n') && r.stdout.indexOf('\n') === r.stdout.length - 1, 'one line of JSON');
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(out), ['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
    assert.equal(out['Version'], 1);
    assert.match(String(out['AccessKeyId']), /^ASIA[A-Z0-9]{16}$/);
    assert.match(String(out['Expiration']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const left = Date.parse(String(out['Expiration'])) - Date.now();
    assert.ok(left > 3500_000 && left <= 3600_000, `one hour by default, ${left} ms left`);
  });

  it('a failure prints nothing on stdout, the reason on stderr, and exits non-zero', async () => {
    // In this process (test/support/gatehouse-cli.ts): what the command prints where, and its status; the test above
    // and the clients below run the executable.
    const [denied, noCreds] = await Promise.all([
      gatehouseInProcess(['credentials', '--role-arn', `arn:aws:iam::${ACCT}:role/ghost`, '--data-dir', server.dataDir], env()),
      gatehouseInProcess(['credentials', '--role-arn', TRAINER, '--data-dir', join(home, 'nowhere')], env()),
    ]);
    assert.equal(denied.stdout, '');
    assert.equal(denied.code, 9);
    assert.match(denied.stderr, /^gatehouse: AccessDenied: .*sts:AssumeRole/);
    assert.equal(noCreds.stdout, '');
    assert.equal(noCreds.code, 9);
    assert.match(noCreds.stderr, /no credentials: no server keeps its data in `[^`]+` \(it is `gatehouse server` that writes its admin's key to [^)]*\): .*set AWS_ACCESS_KEY_ID/);
  });
});

describe('AWS SDK for JavaScript v3', () => {
  it('fromProcess with the profile: the assumed role', async () => {
    const credentials = fromProcess({ profile: 'gh', configFilepath: config, filepath: join(home, 'no-credentials') });
    const sts = new STSClient({ endpoint: server.url, region: REGION, credentials, maxAttempts: 1 });
    try {
      const id = await sts.send(new GetCallerIdentityCommand({}));
      assert.equal(id.Arn, `arn:aws:sts::${ACCT}:assumed-role/trainer/cp-admin`);
      const c = await credentials();
      assert.ok(c.expiration instanceof Date && c.expiration.getTime() > Date.now() + 3000_000);
    } finally {
      sts.destroy();
    }
  });

  it('a failing process is an error of the provider', async () => {
    const credentials = fromProcess({ profile: 'gh-broken', configFilepath: config, filepath: join(home, 'no-credentials') });
    await assert.rejects(credentials(), /AccessDenied|ghost/);
  });

  it('the default chain with AWS_PROFILE (child process); the command uses the keys inherited from it', async () => {
    const script = [
      "import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';",
      'const sts = new STSClient({ endpoint: process.env.GH_URL, maxAttempts: 1 });',
      'const id = await sts.send(new GetCallerIdentityCommand({}));',
      'process.stdout.write(id.Arn);',
    ].join('\n');
    const r = await run(process.execPath, ['--input-type=module', '-e', script], env({ AWS_PROFILE: 'gh-env', GH_URL: server.url, ...aliceEnv() }), { cwd: ROOT });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `arn:aws:sts::${ACCT}:assumed-role/alice-only/cp-alice`);
  });
});

describe('aws CLI (Debian awscli)', { skip: awsMissing ?? false }, () => {
  const aws = (profile: string, extra: NodeJS.ProcessEnv = {}) => awsCli(['sts', 'get-caller-identity', '--profile', profile, '--endpoint-url', server.url, '--output', 'json'], env(extra));

  it('--profile with credential_process: the assumed role', async () => {
    const r = await aws('gh');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { Arn: string }).Arn, `arn:aws:sts::${ACCT}:assumed-role/trainer/cp-admin`);
  });

  it('the command uses the keys in the environment of the CLI', async () => {
    const r = await aws('gh-env', aliceEnv());
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { Arn: string }).Arn, `arn:aws:sts::${ACCT}:assumed-role/alice-only/cp-alice`);
  });

  it('a failing process: the CLI fails with the command\'s message', async () => {
    const r = await aws('gh-broken');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /AccessDenied/);
  });
});

describe('boto3 (Debian python3-boto3)', { skip: botoMissing ?? false }, () => {
  it('Session(profile_name=…) with credential_process: the assumed role, refreshable', async () => {
    const script = [
      'import sys, boto3',
      "s = boto3.session.Session(profile_name=sys.argv[1])",
      "c = s.client('sts', endpoint_url=sys.argv[2])",
      "print(c.get_caller_identity()['Arn'])",
      "print(s.get_credentials().method)",
    ].join('\n');
    const [admin, viaEnv] = await Promise.all([python3Script(script, ['gh', server.url], env()), python3Script(script, ['gh-env', server.url], env(aliceEnv()))]);
    assert.equal(admin.code, 0, admin.stderr);
    assert.equal(admin.stdout, `arn:aws:sts::${ACCT}:assumed-role/trainer/cp-admin\ncustom-process\n`);
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.equal(viaEnv.stdout.split('\n')[0], `arn:aws:sts::${ACCT}:assumed-role/alice-only/cp-alice`);
  });
});
