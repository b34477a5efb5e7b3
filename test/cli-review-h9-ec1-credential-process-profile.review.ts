/**
 * Review `ec`, 1: the CLI read a profile's static keys only. README §3 has the reader write the profile `scientist`,
 * whose `credential_process` is `gatehouse credentials --role-arn …/ScientistUserRole`; `AWS_PROFILE=scientist
 * gatehouse …` then "passed over" the profile with a line on stderr and ran the command AS THE ACCOUNT'S ADMIN
 * (--data-dir's admin-credentials.json): a refused `iam groups create` as the scientist was carried out by the admin.
 * The aws CLI and the SDKs run the profile's credential_process; so does gatehouse now, and a profile it cannot follow
 * (role_arn, a missing one) or a process that fails (non-zero exit, no JSON, expired credentials, or a gatehouse
 * command that would read the same profile again without end) is an error naming the profile, never the admin.
 * (A role_arn profile is followed since helper eg: test/cli-review-eg1-role-arn-profiles.review.ts.)
 *
 * The CLI's program in this process (test/support/gatehouse-cli.ts; the profiles' credential_process commands, the
 * real `gatehouse` executable among them, in processes of their own) with a temporary HOME and AWS_CONFIG_FILE,
 * against a real server on 127.0.0.1 (`startTestServer`); §3's profile taken from the README as written, its paths
 * those of this clone.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as I from '@aws-sdk/client-iam';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN, type Run } from './support/processes.ts';
import { auditRecords, startTestServer, type TestServer } from './support/server.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/ScientistUserRole`;
const ADMIN_ARN = `arn:aws:iam::${ACCT}:user/admin`;
/** The session `gatehouse credentials` names by default: `gatehouse-<unix time>`. */
const SESSION_ARN = new RegExp(`^arn:aws:sts::${ACCT}:assumed-role/ScientistUserRole/gatehouse-\\d+$`);

describe('ec1: AWS_PROFILE naming a credential_process profile (README §3) acts as what the process prints, never as the admin', () => {
  let server: TestServer;
  let home: string;
  let config: string;
  let credentialsFile: string;
  let admin: { AccessKeyId: string; SecretAccessKey: string };

  /**
   * The CLI's program in this process (test/support/gatehouse-cli.ts), with nothing of this machine's AWS settings:
   * `env` and the files of the temporary HOME. It runs a profile's credential_process in the environment it is given,
   * so those (`gatehouse credentials`, `printf`) are still processes of their own.
   */
  const gatehouse = (args: readonly string[], env: Record<string, string>): Promise<Run> =>
    gatehouseInProcess([...args, '--data-dir', server.dataDir], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, ...COMPILE_CACHE, GATEHOUSE_ENDPOINT: server.url, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentialsFile, ...env }, { cwd: home });
  const groupExists = async (name: string): Promise<boolean> => {
    const iam = server.iam();
    try {
      await iam.send(new I.GetGroupCommand({ GroupName: name }));
      return true;
    } catch (e) {
      assert.equal((e as Error).name, 'NoSuchEntityException');
      return false;
    } finally {
      iam.destroy();
    }
  };
  /**
   * Refused, said on stderr, and not done by the admin (the group does not exist); no secret printed. (The process's
   * own error may name the admin: --data-dir's key is what assumes the role in `gatehouse credentials`.)
   */
  const refused = async (r: Run, code: number, message: RegExp, group: string): Promise<void> => {
    assert.equal(r.code, code, `${r.stdout}${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /admin-credentials\.json instead/);
    assert.ok(!r.stderr.includes(admin.SecretAccessKey), 'no secret in the error');
    assert.equal(await groupExists(group), false, 'the admin did not carry the command out');
  };

  before(async () => {
    server = await startTestServer();
    home = await mkdtemp(join(tmpdir(), 'gh-ec1-'));
    admin = JSON.parse(await readFile(join(server.dataDir, 'admin-credentials.json'), 'utf8')) as typeof admin;
    const iam = server.iam();
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] };
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ScientistUserRole', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    iam.destroy();
    const readme = await readFile(join(REPO, 'README.md'), 'utf8');
    const ini = /```ini\n(# ~\/\.aws\/config[^\n]*\n\[profile scientist\]\n[\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(ini !== undefined, 'README §3 shows the ~/.aws/config profile of ScientistUserRole');
    const node = `${REPO}/node_modules/.bin/node`;
    const gh = `${node} ${GATEHOUSE_BIN}`;
    const printf = (doc: string) => `printf '%s' '${doc}'`;
    config = join(home, 'config');
    credentialsFile = join(home, 'credentials');
    await writeFile(
      config,
      [
        ini.replaceAll('/path/to/gatehouse/.gatehouse', server.dataDir).replaceAll('/path/to/gatehouse', REPO),
        // The server refuses the role (there is none): the process exits 9 with its error on stderr.
        `[profile ghost]\ncredential_process = ${gh} credentials --role-arn arn:aws:iam::${ACCT}:role/Ghost --data-dir ${server.dataDir}`,
        // Half a document, with the admin's real secret in it: never shown.
        `[profile torn]\ncredential_process = ${printf(`{"Version": 1, "AccessKeyId": "${admin.AccessKeyId}", "SecretAccessKey": "${admin.SecretAccessKey}"`)}`,
        // The admin's real keys, expired: honoured, they would act as the admin.
        `[profile stale]\ncredential_process = ${printf(`{"Version": 1, "AccessKeyId": "${admin.AccessKeyId}", "SecretAccessKey": "${admin.SecretAccessKey}", "Expiration": "2020-01-01T00:00:00Z"}`)}`,
        `[profile unversioned]\ncredential_process = ${printf(`{"AccessKeyId": "${admin.AccessKeyId}", "SecretAccessKey": "${admin.SecretAccessKey}"}`)}`,
        // A gatehouse command other than `credentials` reads AWS_PROFILE, which names this very profile.
        `[profile loop]\ncredential_process = ${gh} whoami --data-dir ${server.dataDir}`,
        `[profile assumer]\nrole_arn = ${ROLE}\nsource_profile = keyed`,
        '',
      ].join('\n'),
    );
    // Keys beside role_arn: the AWS tools assume the role; the keys are someone else.
    await writeFile(credentialsFile, `[keyed]\naws_access_key_id = ${admin.AccessKeyId}\naws_secret_access_key = ${admin.SecretAccessKey}\nrole_arn = ${ROLE}\n`);
  });
  after(async () => {
    await server?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('§3\'s profile as written: whoami is the role\'s session, and a change is the role\'s (refused), not the admin\'s', async () => {
    const who = await gatehouse(['whoami', '--json'], { AWS_PROFILE: 'scientist' });
    assert.equal(who.code, 0, who.stderr);
    assert.match((JSON.parse(who.stdout) as { arn: string }).arn, SESSION_ARN);
    assert.equal(who.stderr, '', 'nothing passed over');
    const sts = await gatehouse(['sts', 'whoami', '--json'], { AWS_DEFAULT_PROFILE: 'scientist' });
    assert.equal(sts.code, 0, sts.stderr);
    assert.match((JSON.parse(sts.stdout) as { Arn: string }).Arn, SESSION_ARN);

    const create = await gatehouse(['iam', 'groups', 'create', 'made-by-scientist'], { AWS_PROFILE: 'scientist' });
    assert.equal(create.code, 9, `${create.stdout}${create.stderr}`);
    assert.match(create.stderr, /AccessDenied: .*assumed-role\/ScientistUserRole\/gatehouse-\d+/);
    assert.equal(await groupExists('made-by-scientist'), false);
    const records = await auditRecords(server, { action: 'iam:CreateGroup' });
    assert.ok(records.length > 0);
    for (const r of records) {
      assert.match(r.principal, SESSION_ARN, 'the server saw the role\'s session');
      assert.notEqual(r.principal, ADMIN_ARN);
    }
  });

  it('a credential_process that fails, prints no JSON, no Version 1 or expired credentials is an error naming the profile (exit 9)', async () => {
    await refused(
      await gatehouse(['iam', 'groups', 'create', 'made-by-ghost'], { AWS_PROFILE: 'ghost' }),
      9,
      /^gatehouse: CredentialProcessFailed: the credential_process of the profile `ghost` \(AWS_PROFILE\) in `[^`]*config` exited with status \d+: gatehouse: \w+: .*Ghost/,
      'made-by-ghost',
    );
    await refused(await gatehouse(['iam', 'groups', 'create', 'made-by-torn'], { AWS_PROFILE: 'torn' }), 9, /the credential_process of the profile `torn` .* printed no JSON document on stdout/, 'made-by-torn');
    await refused(await gatehouse(['iam', 'groups', 'create', 'made-by-stale'], { AWS_PROFILE: 'stale' }), 9, /the credential_process of the profile `stale` .* printed credentials that expired at `2020-01-01T00:00:00Z`/, 'made-by-stale');
    await refused(await gatehouse(['iam', 'groups', 'create', 'made-by-unversioned'], { AWS_PROFILE: 'unversioned' }), 9, /the profile `unversioned` .* printed a document without "Version": 1/, 'made-by-unversioned');
  });

  it('a credential_process that runs a gatehouse command reading the same profile ends at once, an error', async () => {
    const started = Date.now();
    await refused(
      await gatehouse(['iam', 'groups', 'create', 'made-by-loop'], { AWS_PROFILE: 'loop' }),
      9,
      /the credential_process of the profile `loop` .* exited with status 2: gatehouse: InvalidProfile: .*reads the profile `loop` again, without end; make it `gatehouse credentials --role-arn ARN`/,
      'made-by-loop',
    );
    assert.ok(Date.now() - started < 30_000);
  });

  it('a role_arn profile acts as the role, never the admin; one gatehouse cannot follow (role_arn beside keys and no source; none at all) is a usage error naming it', async () => {
    // Followed since helper eg (test/cli-review-eg1-role-arn-profiles.review.ts): the source profile's keys (the
    // admin's here) assume the role, and the command is the role's session's, refused.
    await refused(
      await gatehouse(['iam', 'groups', 'create', 'made-by-assumer'], { AWS_PROFILE: 'assumer' }),
      9,
      /^gatehouse: AccessDenied: User: arn:aws:sts::000000000000:assumed-role\/ScientistUserRole\/botocore-session-\d+ is not authorized to perform: iam:CreateGroup/,
      'made-by-assumer',
    );
    await refused(await gatehouse(['iam', 'groups', 'create', 'made-by-keyed'], { AWS_PROFILE: 'keyed' }), 2, /the profile `keyed` \(AWS_PROFILE\) in `[^`]*credentials` has role_arn but neither source_profile nor credential_source/, 'made-by-keyed');
    await refused(
      await gatehouse(['iam', 'groups', 'create', 'made-by-nosuch'], { AWS_PROFILE: 'nosuch' }),
      2,
      /the profile `nosuch` \(AWS_PROFILE\) is in neither .*; name a profile that is, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or unset AWS_PROFILE to use --data-dir's admin-credentials\.json/,
      'made-by-nosuch',
    );
    // Without AWS_PROFILE, the admin file as before.
    const plain = await gatehouse(['whoami'], {});
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, new RegExp(`^${ADMIN_ARN}\\n`));
  });
});
