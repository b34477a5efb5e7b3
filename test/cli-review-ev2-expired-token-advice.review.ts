/**
 * Review `ev`, 2: a session that has expired or was revoked (DESIGN.md "Errors": `ExpiredToken`) was reported as the
 * server's sentence and where the key came from, and nothing more:
 *
 *   gatehouse: ExpiredToken: The security token included in the request is expired (credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)
 *
 * STYLE.md: an error says what to do next. What to do depends on where the session came from, which only the CLI
 * knows: the environment (set a new session's three variables, e.g. from `gatehouse sts assume-role`, or unset them),
 * a profile's static keys (put a new session in that profile, or give it a credential_process), a credential_process
 * (make it print a new one), a role_arn profile whose source profile's session is the one refused (that source
 * profile is named). The message now says so, after the source; `gatehouse credentials`, run as a credential_process
 * with such a session in its environment, says it on stderr and prints nothing on stdout.
 *
 * Before the fix all 5 tests failed. The real CLI's program in this process (test/support/gatehouse-cli.ts), with only
 * the environment given, against a real server on 127.0.0.1; the sessions are revoked with `gatehouse sts
 * revoke-sessions`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { Run } from './support/processes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { settled } from './support/settle.ts';

const ROLE = 'arn:aws:iam::000000000000:role/Analyst';

describe('ev2: ExpiredToken says how to get a new session from where the refused one came from', () => {
  let server: TestServer;
  let home: string;
  let files: Record<string, string>;
  let session: { id: string; secret: string; token: string };

  const gatehouse = (args: readonly string[], env: Record<string, string>): Promise<Run> =>
    gatehouseInProcess([...args, '--data-dir', server.dataDir], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, GATEHOUSE_ENDPOINT: server.url, ...files, ...env });
  const sessionEnv = () => ({ AWS_ACCESS_KEY_ID: session.id, AWS_SECRET_ACCESS_KEY: session.secret, AWS_SESSION_TOKEN: session.token });
  /** Refused as ExpiredToken (exit 9) with `advice` after the server's sentence; nothing on stdout, no secret shown. */
  const expired = (r: Run, advice: RegExp): void => {
    assert.equal(r.code, 9, `${r.stdout}${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /ExpiredToken: .*expired \(credentials from .*\): the session has expired or was revoked; /);
    assert.match(r.stderr, advice);
    assert.ok(!r.stderr.includes(session.secret) && !r.stderr.includes(session.token), 'no secret in the error');
  };

  before(async () => {
    server = await startTestServer();
    home = await mkdtemp(join(tmpdir(), 'gh-ev2-'));
    const iam = server.iam();
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] };
    await iam.send(new I.CreateRoleCommand({ RoleName: 'Analyst', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'Other', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    iam.destroy();
    const sts = server.sts();
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'ev2' }))).Credentials;
    sts.destroy();
    session = { id: c?.AccessKeyId ?? '', secret: c?.SecretAccessKey ?? '', token: c?.SessionToken ?? '' };
    const doc = JSON.stringify({ Version: 1, AccessKeyId: session.id, SecretAccessKey: session.secret, SessionToken: session.token });
    const credentials = join(home, 'credentials');
    const config = join(home, 'config');
    files = { AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: config };
    await writeFile(credentials, `[stale]\naws_access_key_id = ${session.id}\naws_secret_access_key = ${session.secret}\naws_session_token = ${session.token}\n`);
    await writeFile(config, `[profile printed]\ncredential_process = printf '%s' '${doc}'\n[profile chained]\nrole_arn = arn:aws:iam::000000000000:role/Other\nsource_profile = stale\n`);
    const revoked = await gatehouse(['sts', 'revoke-sessions', '--role-arn', ROLE], {});
    assert.equal(revoked.code, 0, revoked.stderr);
    // Every instance sees a revocation within a second: asked until it has, to a bound of time (settle.ts), not 40 tries.
    await settled(() => gatehouse(['whoami'], sessionEnv()), (r) => r.code !== 0);
  });
  after(async () => {
    await server?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it("the environment's session: set a new one, or unset the three variables", async () => {
    expired(await gatehouse(['whoami'], sessionEnv()), /set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN to a new session \(eval "\$\(gatehouse sts assume-role .*\)"[^)]*\), or unset all three/);
  });

  it("a profile's static session: put a new one in that profile, or give it a credential_process", async () => {
    expired(await gatehouse(['whoami'], { AWS_PROFILE: 'stale' }), /put a new session's aws_access_key_id, aws_secret_access_key and aws_session_token in the profile `stale` in `[^`]+credentials`, or give it a credential_process/);
  });

  it('a credential_process that printed it: make it print a new one', async () => {
    expired(await gatehouse(['whoami'], { AWS_PROFILE: 'printed' }), /the credential_process of the profile `printed` \(AWS_PROFILE\) in `[^`]+config` printed a session that no longer works: make it print a new one/);
  });

  it("a role_arn profile whose source profile's session is refused: that source profile is named", async () => {
    const r = await gatehouse(['whoami'], { AWS_PROFILE: 'chained' });
    expired(r, /in the profile `stale`/);
    assert.match(r.stderr, /the profile `chained` \(AWS_PROFILE\) .* could not assume the role `arn:aws:iam::000000000000:role\/Other`/);
  });

  it('gatehouse credentials (a credential_process) says it on stderr, and prints nothing on stdout', async () => {
    expired(await gatehouse(['credentials', '--role-arn', 'arn:aws:iam::000000000000:role/Other'], sessionEnv()), /to a new session/);
  });
});
