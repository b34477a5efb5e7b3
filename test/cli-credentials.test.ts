/**
 * Where the CLI takes its credentials (review-g S2), through the `gatehouse` program (in process:
 * test/support/gatehouse-cli.ts; `--help` too, whose text is the same as the executable's) against a real server whose
 * data dir holds the admin's `admin-credentials.json` (the fallback):
 * - half a pair in the environment (a key id without its secret, an empty secret, a secret or a token alone) is a
 *   usage error naming what is missing (exit 2), as botocore's PartialCredentialsError, never the admin;
 * - `AWS_PROFILE` naming a profile with static keys is honoured (as the aws CLI does); a missing profile, half a key,
 *   or one that gets its credentials a way gatehouse does not follow (SSO, web identity) is a usage error naming it,
 *   never the data dir's admin-credentials.json (review ec: it was passed over, and the command ran as the admin);
 *   a credential_process is followed (test/cli-review-h9-ec1-credential-process-profile.review.ts), and one that
 *   fails is an error too;
 * - the environment's pair wins over `AWS_PROFILE`, as in botocore; `gatehouse credentials` (a credential_process)
 *   ignores `AWS_PROFILE`, which names the profile that runs it;
 * - a refused key says where it came from; `--help` says where credentials come from.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import type { Run } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const ACCT = '000000000000';
const ADMIN_ARN = `arn:aws:iam::${ACCT}:user/admin`;
const ALICE_ARN = `arn:aws:iam::${ACCT}:user/alice`;

describe('CLI credentials: partial environment credentials and profiles never fall back to the admin file', () => {
  let server: TestServer;
  let home: string;
  let alice: { accessKeyId: string; secretAccessKey: string };
  let credentialsFile: string;
  let configFile: string;

  const gatehouse = (args: readonly string[], env: Record<string, string>): Promise<Run> =>
    gatehouseInProcess([...args, '--data-dir', server.dataDir], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', GATEHOUSE_ENDPOINT: server.url, ...env });
  const whoami = (env: Record<string, string>) => gatehouse(['whoami'], env);
  const usageError = (r: Run, message: RegExp): void => {
    assert.equal(r.code, 2, `${r.stdout}${r.stderr}`);
    assert.equal(r.stdout, '', 'nothing done as anyone');
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /user\/admin/);
  };

  before(async () => {
    server = await startTestServer();
    home = await mkdtemp(join(tmpdir(), 'gh-cli-credentials-'));
    const iam = server.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
    const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
    iam.destroy();
    alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
    credentialsFile = join(home, 'credentials');
    configFile = join(home, 'config');
    await writeFile(credentialsFile, `[alice]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n\n[half]\naws_access_key_id = ${alice.accessKeyId}\n`);
    await writeFile(
      configFile,
      `[default]\nregion = us-east-1\n\n[profile from-config]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\ns3 =\n  max_concurrent_requests = 4\n\n[profile assumer]\nrole_arn = arn:aws:iam::${ACCT}:role/x\nsource_profile = alice\n\n[profile gh]\ncredential_process = gatehouse credentials --role-arn arn:aws:iam::${ACCT}:role/x\n`,
    );
  });
  after(async () => {
    await server?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('without any credential variable the admin file is used (as before)', async () => {
    const r = await whoami({});
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${ADMIN_ARN}\\n`));
  });

  it('--endpoint before the command is the server address too (`gatehouse --endpoint URL whoami`), over GATEHOUSE_ENDPOINT', async () => {
    const r = await gatehouse(['--endpoint', server.url, 'whoami'], { GATEHOUSE_ENDPOINT: 'http://127.0.0.1:9' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${ADMIN_ARN}\\n`));
    const eq = await gatehouse([`--endpoint=${server.url}`, 'whoami'], { GATEHOUSE_ENDPOINT: 'http://127.0.0.1:9' });
    assert.equal(eq.code, 0, eq.stderr);
  });

  it('half a pair in the environment is a usage error naming what is missing', async () => {
    usageError(await whoami({ AWS_ACCESS_KEY_ID: alice.accessKeyId }), /^gatehouse: PartialCredentials: partial credentials in the environment: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not set; set both/);
    usageError(await whoami({ AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: '' }), /AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is empty/);
    usageError(await whoami({ AWS_SECRET_ACCESS_KEY: alice.secretAccessKey }), /AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not set/);
    usageError(await whoami({ AWS_SESSION_TOKEN: 'token' }), /AWS_SESSION_TOKEN is set but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not/);
    // The same for a command that changes something.
    usageError(await gatehouse(['iam', 'groups', 'create', 'made-by-whom'], { AWS_ACCESS_KEY_ID: alice.accessKeyId }), /AWS_SECRET_ACCESS_KEY is not set/);
    const admin = await whoami({});
    assert.equal(admin.code, 0);
    const g = await gatehouse(['iam', 'groups', 'get', 'made-by-whom'], {});
    assert.equal(g.code, 6, `${g.stdout}${g.stderr}`);
  });

  it('AWS_PROFILE: static keys are used; a missing, half or indirect profile is refused, never the admin file', async () => {
    const files = { AWS_SHARED_CREDENTIALS_FILE: credentialsFile, AWS_CONFIG_FILE: configFile };
    const a = await whoami({ ...files, AWS_PROFILE: 'alice' });
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, new RegExp(`^${ALICE_ARN}\\n`));
    const c = await whoami({ ...files, AWS_PROFILE: 'from-config' });
    assert.match(c.stdout, new RegExp(`^${ALICE_ARN}\\n`), c.stderr);
    // Review ec: each was passed over for the admin file, and the command ran as the admin.
    usageError(await whoami({ ...files, AWS_PROFILE: 'nosuch' }), /^gatehouse: InvalidProfile: the profile `nosuch` \(AWS_PROFILE\) is in neither `.*credentials` nor `.*config`/);
    usageError(await whoami({ ...files, AWS_PROFILE: 'half' }), /^gatehouse: InvalidProfile: the profile `half` \(AWS_PROFILE\) in `.*credentials` has aws_access_key_id but no aws_secret_access_key/);
    // A role_arn profile is followed (test/cli-review-eg1-role-arn-profiles.review.ts): role/x does not exist yet, so
    // alice's AssumeRole is refused, an error naming the profile and the role, not the admin.
    const assumer = await whoami({ ...files, AWS_PROFILE: 'assumer' });
    assert.equal(assumer.code, 9, `${assumer.stdout}${assumer.stderr}`);
    assert.equal(assumer.stdout, '');
    assert.match(assumer.stderr, /^gatehouse: AccessDenied: the profile `assumer` \(AWS_PROFILE\) .* could not assume the role `arn:aws:iam::000000000000:role\/x` with the profile `alice` .*user\/alice is not authorized/);
    // Its `gatehouse credentials` is on no PATH here, or has no --data-dir: the process fails, an error naming it.
    const gh = await whoami({ ...files, AWS_PROFILE: 'gh' });
    assert.equal(gh.code, 9, `${gh.stdout}${gh.stderr}`);
    assert.equal(gh.stdout, '', 'nothing done as anyone');
    assert.match(gh.stderr, /^gatehouse: CredentialProcessFailed: the credential_process of the profile `gh` \(AWS_PROFILE\)/);
    // The environment's pair wins over the profile, as in botocore.
    const env = await whoami({ ...files, AWS_PROFILE: 'nosuch', AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey });
    assert.match(env.stdout, new RegExp(`^${ALICE_ARN}\\n`), env.stderr);
  });

  it('gatehouse credentials (a credential_process) ignores AWS_PROFILE, which names the profile that runs it', async () => {
    const iam = server.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'x', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] }) }));
    iam.destroy();
    const r = await gatehouse(['credentials', '--role-arn', `arn:aws:iam::${ACCT}:role/x`], { AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: credentialsFile, AWS_PROFILE: 'gh' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { Version: number }).Version, 1);
  });

  it('a refused key says where it came from; --help says where credentials come from', async () => {
    const bad = await whoami({ AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: 'wrong' });
    assert.equal(bad.code, 9, bad.stderr);
    assert.match(bad.stderr, /^gatehouse: SignatureDoesNotMatch: .*\(credentials from AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY\)\n$/);
    await writeFile(join(home, 'bad-credentials'), `[alice]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = nope\n`);
    const unknown = await whoami({ AWS_SHARED_CREDENTIALS_FILE: join(home, 'bad-credentials'), AWS_CONFIG_FILE: configFile, AWS_PROFILE: 'alice' });
    assert.equal(unknown.code, 9, unknown.stderr);
    assert.match(unknown.stderr, /^gatehouse: InvalidClientTokenId: .*\(credentials from the profile `alice` in .*bad-credentials\)\n$/);

    const help = await gatehouseInProcess(['--help'], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \(and AWS_SESSION_TOKEN\), else the access keys of\nthe profile AWS_PROFILE names/);
    const sub = await gatehouseInProcess(['whoami', '--help'], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home });
    assert.match(sub.stdout.replace(/\s+/g, ' '), /its key \(the account admin's\) signs when neither AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY nor AWS_PROFILE is set/);
  });
});
