/**
 * Review `ev`, 1: the CLI read the shared config and credentials files with an INI reader of its own, which skipped
 * every indented line, matched key names in lower case only and after `=` only, and found a config-file profile only
 * as `[default]` or exactly `[profile NAME]`. botocore reads them with Python's configparser (botocore/configloader.py
 * `raw_config_parse`) and names config-file profiles with `build_profile_map` (`shlex.split` of the section name), so
 * profiles the aws CLI uses were "in neither file" or "had no keys" here (exit 2), and README §3's long
 * credential_process line written over two lines ran without its second half:
 * - keys indented under their section (`  aws_access_key_id = …`);
 * - key names in capitals (`AWS_ACCESS_KEY_ID = …`: configparser reads names in lower case);
 * - `key: value` (configparser's other delimiter);
 * - `[profile default]` in the config file (botocore's default profile, as `[default]` is);
 * - `[profile   alice]` and `[profile "my alice"]` (the name as a shell splits it);
 * - `[DEFAULT]`, whose keys configparser gives every section;
 * - a value continued on indented lines (a credential_process over two lines, a comment between them).
 * And the other way: `[ alice ]` is the profile ` alice `, not `alice`, to botocore ("could not be found"); it was
 * trimmed here and used.
 *
 * Before the fix all 8 tests failed. Each case is run by the aws CLI first (the reference; skipped when /usr/bin/aws is absent),
 * then by the real CLI's program in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { awsCli } from './support/aws-cli.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { awsCliMissing } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ALICE = 'arn:aws:iam::000000000000:user/alice';

describe('ev1: the shared config and credentials files are read as botocore reads them', () => {
  let server: TestServer;
  let home: string;
  let alice: { id: string; secret: string };
  let n = 0;

  /** Writes the two files (each may be empty) and names them, as AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE. */
  const files = async (credentials: string, config: string): Promise<Record<string, string>> => {
    n++;
    const c = join(home, `credentials-${n}`);
    const f = join(home, `config-${n}`);
    await writeFile(c, credentials);
    await writeFile(f, config);
    return { AWS_SHARED_CREDENTIALS_FILE: c, AWS_CONFIG_FILE: f };
  };
  const reference = (profile: string, env: Record<string, string>) =>
    awsCli(['sts', 'get-caller-identity', '--endpoint-url', server.url, '--query', 'Arn', '--output', 'text'], {
      PATH: '/usr/bin:/bin',
      HOME: home,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
      AWS_PROFILE: profile,
      ...env,
    });
  const whoami = (profile: string, env: Record<string, string>) =>
    gatehouseInProcess(['whoami', '--json', '--data-dir', server.dataDir], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, GATEHOUSE_ENDPOINT: server.url, AWS_PROFILE: profile, ...env });
  /** The aws CLI (when present) and gatehouse both sign as alice with `profile` of these files. */
  const bothAlice = async (profile: string, credentials: string, config: string): Promise<void> => {
    const env = await files(credentials, config);
    if (awsCliMissing() === undefined) {
      const r = await reference(profile, env);
      assert.equal(r.code, 0, `the aws CLI, the reference: ${r.stderr}`);
      assert.equal(r.stdout.trim(), ALICE);
    }
    const g = await whoami(profile, env);
    assert.equal(g.code, 0, g.stderr);
    assert.equal((JSON.parse(g.stdout) as { arn: string }).arn, ALICE);
  };
  const keys = () => `aws_access_key_id = ${alice.id}\naws_secret_access_key = ${alice.secret}\n`;

  before(async () => {
    server = await startTestServer();
    home = await mkdtemp(join(tmpdir(), 'gh-ev1-'));
    const iam = server.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
    const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
    alice = { id: k.AccessKey?.AccessKeyId ?? '', secret: k.AccessKey?.SecretAccessKey ?? '' };
    iam.destroy();
  });
  after(async () => {
    await server?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('keys indented under their section', async () => {
    await bothAlice('alice', `[alice]\n  aws_access_key_id = ${alice.id}\n  aws_secret_access_key = ${alice.secret}\n`, '');
  });

  it('key names in capitals', async () => {
    await bothAlice('alice', `[alice]\nAWS_ACCESS_KEY_ID = ${alice.id}\nAws_Secret_Access_Key = ${alice.secret}\n`, '');
  });

  it('`key: value`', async () => {
    await bothAlice('alice', `[alice]\naws_access_key_id: ${alice.id}\naws_secret_access_key:${alice.secret}\n`, '');
  });

  it('[profile default] in the config file is the default profile', async () => {
    await bothAlice('default', '', `[profile default]\n${keys()}`);
  });

  it('[profile   alice] and [profile "my alice"]: the name as a shell splits it', async () => {
    await bothAlice('alice', '', `[profile   alice]\n${keys()}`);
    await bothAlice('my alice', '', `[profile "my alice"]\n${keys()}`);
  });

  it("[DEFAULT]'s keys are every section's", async () => {
    await bothAlice('alice', `[DEFAULT]\n${keys()}\n[alice]\nregion = us-east-1\n`, '');
  });

  it('a credential_process continued on indented lines is one command line', async () => {
    const doc = JSON.stringify({ Version: 1, AccessKeyId: alice.id, SecretAccessKey: alice.secret });
    // The comment inside the value and the nested s3 block after it are not part of the command.
    await bothAlice('printed', '', `[profile printed]\nregion = us-east-1\ncredential_process = printf '%s'\n    # the document\n    '${doc}'\ns3 =\n  addressing_style = path\n`);
  });

  it('[ alice ] is not the profile alice (botocore: "could not be found")', async () => {
    const env = await files(`[ alice ]\n${keys()}`, '');
    if (awsCliMissing() === undefined) {
      const r = await reference('alice', env);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /could not be found/);
    }
    const g = await whoami('alice', env);
    assert.equal(g.code, 2, g.stdout);
    assert.match(g.stderr, /the profile `alice` \(AWS_PROFILE\) is in neither/);
  });
});
