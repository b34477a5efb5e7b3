/**
 * Review jc, 2 (cli): the aws CLI's `--profile NAME` and `--region NAME` (its global options, typed by habit before or
 * after the command) were unknown options here (`error: unknown option '--profile'`, exit 2): the only way to a profile
 * was AWS_PROFILE, and since the environment's keys win over AWS_PROFILE (as in botocore), a shell holding keys had to
 * unset them first, which the README's own tour does (`env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY
 * AWS_PROFILE=scientist npx gatehouse whoami`). `aws --profile` is the one setting that beats those keys (botocore drops
 * its environment provider for a profile given explicitly). Why it matters: a user following the aws CLI's habits gets a
 * usage error, and one who exports the admin's keys (README §2) cannot act as another profile without editing the
 * environment; a script that forgets the `env -u` silently acts as the admin.
 * Now every command that talks to the server takes `--profile` (before or after the command, over the environment's
 * keys and AWS_PROFILE; a missing or empty one is a usage error naming `--profile`, never the admin file instead) and
 * `--region` (the region signed for, over AWS_REGION; a malformed one is a usage error).
 *
 * The CLI in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1, with a HOME holding a
 * shared credentials file, the admin's keys in the environment.
 *
 * Before the fix 5 of 5 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, userWithKey, type TestServer } from './support/server.ts';

describe('jc2: --profile and --region, as the aws CLI takes them', () => {
  let s: TestServer;
  let home: string;
  let aliceKey: string;
  before(async () => {
    s = await startTestServer();
    const alice = await userWithKey(s, 'alice');
    aliceKey = alice.accessKeyId;
    home = await mkdtemp(join(tmpdir(), 'gh-jc2-'));
    await mkdir(join(home, '.aws'));
    await writeFile(join(home, '.aws', 'credentials'), `[alice]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n`);
  });
  after(async () => {
    await s?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  /** As the admin by the environment's keys (README §2 exports them), HOME with alice's profile. */
  const cli = (args: readonly string[], extraEnv: Record<string, string> = {}) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home, extraEnv });
  /** `whoami --json`'s `arn`, or `sts whoami --json`'s `Arn` (as `aws sts get-caller-identity`). */
  const arnOf = (stdout: string): string | undefined => {
    const o = JSON.parse(stdout) as { arn?: string; Arn?: string };
    return o.arn ?? o.Arn;
  };

  it('--profile after the command signs as the profile, over the environment\'s keys', async () => {
    const asAdmin = await cli(['whoami', '--json']);
    assert.equal(arnOf(asAdmin.stdout), 'arn:aws:iam::000000000000:user/admin');
    const r = await cli(['whoami', '--json', '--profile', 'alice']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(arnOf(r.stdout), 'arn:aws:iam::000000000000:user/alice');
  });

  it('--profile before the command, and over AWS_PROFILE', async () => {
    const r = await cli(['--profile', 'alice', 'sts', 'whoami', '--json'], { AWS_PROFILE: 'nosuch' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(arnOf(r.stdout), 'arn:aws:iam::000000000000:user/alice');
  });

  it('a profile that is not there, or an empty --profile, is a usage error naming --profile; nothing signs as the admin', async () => {
    const r = await cli(['iam', 'users', 'list', '--profile', 'nosuch']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /InvalidProfile: the profile `nosuch` \(--profile\) is in neither `[^`]+\/\.aws\/credentials` nor `[^`]+\/\.aws\/config`/);
    const empty = await cli(['--profile', '', 'whoami']);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /EmptyArgument: --profile is empty/);
  });

  it('--region is the region signed for, over AWS_REGION (the key\'s last use records it)', async () => {
    const r = await cli(['--region', 'eu-west-1', 'whoami', '--profile', 'alice'], { AWS_REGION: 'us-west-2' });
    assert.equal(r.code, 0, r.stderr);
    const keys = await cli(['iam', 'access-keys', 'list', '--user', 'alice', '--json']);
    const key = (JSON.parse(keys.stdout) as { accessKeys: { accessKeyId: string; lastUsed: { region?: string } | null }[] }).accessKeys.find((k) => k.accessKeyId === aliceKey);
    assert.equal(key?.lastUsed?.region, 'eu-west-1');
  });

  // Follow-up: `gatehouse credentials` reads no AWS_PROFILE (it runs as that profile's credential_process), but a
  // --profile given to it is the identity that assumes the role; beside --job, whose session is the job's, it is refused
  // as --role-arn is there.
  it('gatehouse credentials --profile assumes the role as the profile; with --job it is a usage error', async () => {
    const r = await cli(['credentials', '--role-arn', 'arn:aws:iam::000000000000:role/nosuch', '--profile', 'alice']);
    assert.equal(r.code, 9, r.stderr);
    assert.match(r.stderr, /^gatehouse: AccessDenied: User: arn:aws:iam::000000000000:user\/alice is not authorized/);
    const asAdmin = await cli(['credentials', '--role-arn', 'arn:aws:iam::000000000000:role/nosuch']);
    assert.match(asAdmin.stderr, /^gatehouse: AccessDenied: User: arn:aws:iam::000000000000:user\/admin is not authorized/);
    const ex = await cli(['credentials', '--job', '--profile', 'alice']);
    assert.equal(ex.code, 2);
    assert.match(ex.stderr, /takes no --profile/);
  });

  it('a --region that is not a region name is a usage error; nothing is sent', async () => {
    const r = await cli(['whoami', '--region', 'eu-west-1/x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /InvalidRegion: --region `eu-west-1\/x` is not a region name/);
  });
});
