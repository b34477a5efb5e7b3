/**
 * Helper `eg`, 1: the CLI refused every profile that names a role (`role_arn` with `source_profile` or
 * `credential_source`) with InvalidProfile, where the aws CLI and the SDKs assume the role (botocore's
 * AssumeRoleProvider) and sign as its session: `AWS_PROFILE=deployer gatehouse whoami` with
 *
 *   [profile deployer]
 *   role_arn = arn:aws:iam::000000000000:role/Reader
 *   source_profile = alice
 *
 * was exit 2. The CLI now follows such a profile as botocore does: the source profile's credentials (its keys, its
 * credential_process, or another role profile: role chaining), or the environment's keys (`credential_source =
 * Environment`), ask the Gatehouse server the command talks to for the role (AssumeRole, with `role_session_name`,
 * default `botocore-session-<unix seconds>`, `external_id` and `duration_seconds` when given), and the command signs
 * with the session's keys. A profile that is its own source_profile with keys uses those keys; profiles that name each
 * other are an error; `mfa_serial` (no prompt here), `credential_source` of EC2 or ECS, a missing or broken source
 * profile are InvalidProfile naming the profiles; a refused AssumeRole is the server's AccessDenied naming the profile
 * and the role, exit 9. Never the admin's key, never a secret printed.
 *
 * The CLI in process (test/support/gatehouse-cli.ts), with only the environment given, against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import type { Run } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const ACCT = '000000000000';
const role = (name: string) => `arn:aws:iam::${ACCT}:role/${name}`;
const ALICE = `arn:aws:iam::${ACCT}:user/alice`;
/** A session of `name` as `gatehouse whoami` prints it, with botocore's default session name unless `session` is given. */
const sessionOf = (name: string, session = 'botocore-session-\\d+') => new RegExp(`^arn:aws:sts::${ACCT}:assumed-role/${name}/${session}\\n`);

describe('eg1: a role_arn profile (source_profile, credential_source = Environment) is followed as the AWS tools follow it', () => {
  let server: TestServer;
  let home: string;
  let alice: { id: string; secret: string };
  let admin: { AccessKeyId: string; SecretAccessKey: string };
  let files: Record<string, string>;

  const whoami = (env: Record<string, string>): Promise<Run> =>
    gatehouseInProcess(['whoami', '--data-dir', server.dataDir], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, GATEHOUSE_ENDPOINT: server.url, ...files, ...env });
  const signedAs = (r: Run, arn: RegExp): void => {
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, arn);
    assert.equal(r.stderr, '');
  };
  /** Refused with `code` and `message`, nothing printed on stdout, not the admin, no secret shown. */
  const refused = (r: Run, code: number, message: RegExp): void => {
    assert.equal(r.code, code, `${r.stdout}${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /user\/admin/);
    for (const secret of [alice.secret, admin.SecretAccessKey]) assert.ok(!r.stderr.includes(secret), 'no secret in the error');
  };

  before(async () => {
    server = await startTestServer();
    home = await mkdtemp(join(tmpdir(), 'gh-eg1-'));
    admin = JSON.parse(await readFile(join(server.dataDir, 'admin-credentials.json'), 'utf8')) as typeof admin;
    const iam = server.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
    const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
    alice = { id: k.AccessKey?.AccessKeyId ?? '', secret: k.AccessKey?.SecretAccessKey ?? '' };
    const trust = (principal: string | string[], condition?: Record<string, unknown>) =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole', ...(condition !== undefined ? { Condition: condition } : {}) }] });
    // Alice, and Reader's own sessions (the chain of eight below assumes it from itself).
    await iam.send(new I.CreateRoleCommand({ RoleName: 'Reader', AssumeRolePolicyDocument: trust(ALICE) }));
    await iam.send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'Reader', PolicyDocument: trust([ALICE, role('Reader')]) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'Vendor', AssumeRolePolicyDocument: trust(ALICE, { StringEquals: { 'sts:ExternalId': 'ext-42' } }) }));
    // Only a session of Reader may take Second: role chaining.
    await iam.send(new I.CreateRoleCommand({ RoleName: 'Second', AssumeRolePolicyDocument: trust(role('Reader')) }));
    // Trusts the admin only: alice is refused.
    await iam.send(new I.CreateRoleCommand({ RoleName: 'Closed', AssumeRolePolicyDocument: trust(`arn:aws:iam::${ACCT}:user/admin`) }));
    iam.destroy();
    const credentials = join(home, 'credentials');
    const config = join(home, 'config');
    files = { AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: config };
    await writeFile(credentials, [`[alice]\naws_access_key_id = ${alice.id}\naws_secret_access_key = ${alice.secret}`, `[half]\naws_access_key_id = ${alice.id}`, ''].join('\n'));
    await writeFile(
      config,
      [
        `[profile reader]\nregion = us-east-1\nrole_arn = ${role('Reader')}\nsource_profile = alice`,
        `[profile named]\nrole_arn = ${role('Reader')}\nsource_profile = alice\nrole_session_name = eg1-session\nduration_seconds = 900`,
        `[profile vendor]\nrole_arn = ${role('Vendor')}\nsource_profile = alice\nexternal_id = ext-42`,
        `[profile vendor-without-id]\nrole_arn = ${role('Vendor')}\nsource_profile = alice`,
        `[profile second]\nrole_arn = ${role('Second')}\nsource_profile = reader`,
        `[profile loop-a]\nrole_arn = ${role('Reader')}\nsource_profile = loop-b`,
        `[profile loop-b]\nrole_arn = ${role('Reader')}\nsource_profile = loop-a`,
        // Its own source_profile, with keys: the keys are the source (botocore allows it for the profile named only).
        `[profile self]\nrole_arn = ${role('Reader')}\nsource_profile = self\naws_access_key_id = ${alice.id}\naws_secret_access_key = ${alice.secret}`,
        `[profile from-env]\nrole_arn = ${role('Reader')}\ncredential_source = Environment`,
        `[profile mfa]\nrole_arn = ${role('Reader')}\nsource_profile = alice\nmfa_serial = arn:aws:iam::${ACCT}:mfa/alice`,
        `[profile on-ec2]\nrole_arn = ${role('Reader')}\ncredential_source = Ec2InstanceMetadata`,
        `[profile closed]\nrole_arn = ${role('Closed')}\nsource_profile = alice`,
        `[profile orphan]\nrole_arn = ${role('Reader')}\nsource_profile = nosuch`,
        `[profile broken]\nrole_arn = ${role('Reader')}\nsource_profile = half`,
        `[profile sourceless]\nrole_arn = ${role('Reader')}`,
        `[profile web]\nrole_arn = ${role('Reader')}\nweb_identity_token_file = /var/run/token`,
        `[profile sso]\nsso_session = corp\nsso_account_id = ${ACCT}\nsso_role_name = Reader`,
        `[profile via-sso]\nrole_arn = ${role('Reader')}\nsource_profile = sso`,
        // Below STS's 900 s: the server's ValidationError, so the value went with the request.
        `[profile short]\nrole_arn = ${role('Reader')}\nsource_profile = alice\nduration_seconds = 60`,
        // A source profile whose credentials a credential_process prints.
        `[profile printed]\ncredential_process = printf '%s' '{"Version": 1, "AccessKeyId": "${alice.id}", "SecretAccessKey": "${alice.secret}"}'`,
        `[profile from-process]\nrole_arn = ${role('Reader')}\nsource_profile = printed`,
        // Nine role profiles, each the source of the one before: past the bound of eight roles in a row.
        ...Array.from({ length: 9 }, (_, i) => `[profile deep-${i}]\nrole_arn = ${role('Reader')}\nsource_profile = ${i === 8 ? 'alice' : `deep-${i + 1}`}`),
        '',
      ].join('\n\n'),
    );
  });
  after(async () => {
    await server?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('role_arn + source_profile of static keys: whoami is the assumed role, its session named as botocore names it or as role_session_name says', async () => {
    signedAs(await whoami({ AWS_PROFILE: 'reader' }), sessionOf('Reader'));
    signedAs(await whoami({ AWS_DEFAULT_PROFILE: 'named' }), sessionOf('Reader', 'eg1-session'));
    // A profile that is its own source_profile with keys: those keys assume the role.
    signedAs(await whoami({ AWS_PROFILE: 'self' }), sessionOf('Reader'));
  });

  it('external_id: given, the trust policy that requires it lets the role be taken; left out, AccessDenied naming the profile and the role', async () => {
    signedAs(await whoami({ AWS_PROFILE: 'vendor' }), sessionOf('Vendor'));
    refused(await whoami({ AWS_PROFILE: 'vendor-without-id' }), 9, /^gatehouse: AccessDenied: the profile `vendor-without-id` \(AWS_PROFILE\) in `[^`]*config` could not assume the role `arn:aws:iam::000000000000:role\/Vendor`.*: .*not authorized/);
  });

  it('a chain of two role_arn profiles: the first role\'s session assumes the second; a source profile\'s credential_process is run', async () => {
    signedAs(await whoami({ AWS_PROFILE: 'second' }), sessionOf('Second'));
    signedAs(await whoami({ AWS_PROFILE: 'from-process' }), sessionOf('Reader'));
  });

  it('duration_seconds goes with the request: one STS refuses is the server\'s error, naming the profile', async () => {
    refused(await whoami({ AWS_PROFILE: 'short' }), 8, /^gatehouse: ValidationError: the profile `short` \(AWS_PROFILE\) in `[^`]*config` could not assume the role `arn:aws:iam::000000000000:role\/Reader` with .*: .*Value .60. at .durationSeconds./);
  });

  it('profiles naming each other as source_profile, or a chain of more than eight, are InvalidProfile, at once', async () => {
    refused(await whoami({ AWS_PROFILE: 'loop-a' }), 2, /^gatehouse: InvalidProfile: .*`loop-a` → `loop-b` → `loop-a` name each other as source_profile/);
    refused(await whoami({ AWS_PROFILE: 'deep-0' }), 2, /^gatehouse: InvalidProfile: the profile `deep-8` \(source_profile of `deep-7`\) in `[^`]*config`: the chain of source_profiles `deep-0` → .* → `deep-8` assumes more than 8 roles/);
    // Eight roles, followed: deep-1 … deep-8, from alice's keys.
    signedAs(await whoami({ AWS_PROFILE: 'deep-1' }), sessionOf('Reader'));
  });

  it('credential_source = Environment: the environment\'s keys assume the role, and are not the command\'s; without them, an error', async () => {
    signedAs(await whoami({ AWS_PROFILE: 'from-env', AWS_ACCESS_KEY_ID: alice.id, AWS_SECRET_ACCESS_KEY: alice.secret }), sessionOf('Reader'));
    refused(await whoami({ AWS_PROFILE: 'from-env' }), 2, /^gatehouse: InvalidProfile: the profile `from-env` \(AWS_PROFILE\) in `[^`]*config` has credential_source = Environment, and AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set/);
    // Any other profile is passed over for the environment's keys, as before (botocore).
    const env = await whoami({ AWS_PROFILE: 'reader', AWS_ACCESS_KEY_ID: alice.id, AWS_SECRET_ACCESS_KEY: alice.secret });
    signedAs(env, new RegExp(`^${ALICE}\\n`));
  });

  it('mfa_serial, credential_source = Ec2InstanceMetadata, role_arn alone, web identity and SSO are refused, saying why', async () => {
    refused(await whoami({ AWS_PROFILE: 'mfa' }), 2, /^gatehouse: InvalidProfile: the profile `mfa` \(AWS_PROFILE\) in `[^`]*config` has mfa_serial, and gatehouse does not prompt for an MFA code/);
    refused(await whoami({ AWS_PROFILE: 'on-ec2' }), 2, /^gatehouse: InvalidProfile: the profile `on-ec2` \(AWS_PROFILE\) in `[^`]*config` has credential_source = Ec2InstanceMetadata, which gatehouse does not follow/);
    refused(await whoami({ AWS_PROFILE: 'sourceless' }), 2, /^gatehouse: InvalidProfile: the profile `sourceless` \(AWS_PROFILE\) in `[^`]*config` has role_arn but neither source_profile nor credential_source/);
    // Web identity and SSO, as before, whether named first or as the source.
    refused(await whoami({ AWS_PROFILE: 'web' }), 2, /^gatehouse: InvalidProfile: the profile `web` \(AWS_PROFILE\) in `[^`]*config` uses web_identity_token_file, which gatehouse does not follow/);
    refused(await whoami({ AWS_PROFILE: 'via-sso' }), 2, /^gatehouse: InvalidProfile: the profile `sso` \(source_profile of `via-sso`\) in `[^`]*config` uses sso_session, which gatehouse does not follow/);
  });

  it('a source profile missing or broken is InvalidProfile naming both profiles', async () => {
    refused(await whoami({ AWS_PROFILE: 'orphan' }), 2, /^gatehouse: InvalidProfile: the profile `orphan` \(AWS_PROFILE\) in `[^`]*config` names source_profile `nosuch`, which is in neither/);
    refused(await whoami({ AWS_PROFILE: 'broken' }), 2, /^gatehouse: InvalidProfile: the profile `half` \(source_profile of `broken`\) in `[^`]*credentials` has aws_access_key_id but no aws_secret_access_key/);
  });

  it('AssumeRole refused: the server\'s AccessDenied naming the profile and the role (exit 9), and nothing done as the admin', async () => {
    refused(
      await whoami({ AWS_PROFILE: 'closed' }),
      9,
      /^gatehouse: AccessDenied: the profile `closed` \(AWS_PROFILE\) in `[^`]*config` could not assume the role `arn:aws:iam::000000000000:role\/Closed` with the profile `alice` in \S*credentials: User: arn:aws:iam::000000000000:user\/alice is not authorized to perform: sts:AssumeRole/,
    );
    const create = await gatehouseInProcess(['iam', 'groups', 'create', 'made-by-closed', '--data-dir', server.dataDir], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, GATEHOUSE_ENDPOINT: server.url, ...files, AWS_PROFILE: 'closed' });
    refused(create, 9, /AccessDenied: the profile `closed`/);
    const check = await gatehouseInProcess(['iam', 'groups', 'get', 'made-by-closed', '--data-dir', server.dataDir], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, GATEHOUSE_ENDPOINT: server.url });
    assert.equal(check.code, 6, `${check.stdout}${check.stderr}`);
  });
});
