/**
 * Review kw, 4 (cli): a session token given under its older name was not read. botocore, which the CLI follows for
 * the shared files, takes the token from `aws_security_token` as from `aws_session_token` in a profile
 * (`SharedCredentialProvider.TOKENS`, `ConfigProvider.TOKENS`) and from `AWS_SECURITY_TOKEN` as from
 * `AWS_SESSION_TOKEN` in the environment (`EnvProvider.TOKENS`); SAML and MFA helpers still write the older name, and
 * `gatehouse jobs run` already strips `AWS_SECURITY_TOKEN` from a job as a credential variable. Here a session's keys
 * with their token under that name were sent without it, and the server refused them (`InvalidClientTokenId`, exit 9)
 * though the aws CLI signed with the very same files and variables; `AWS_SECURITY_TOKEN` alone was passed over and
 * the data dir's admin signed, where `AWS_SESSION_TOKEN` alone is refused as partial credentials. Now the older name
 * is read where the newer one is absent (the newer wins when both are set, as the JavaScript SDK reads only it), and
 * a token alone under either name is partial credentials (exit 2), never the admin file.
 *
 * The CLI in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1; the session from SDK v3's
 * AssumeRole.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('kw4: a session token under its older name (aws_security_token, AWS_SECURITY_TOKEN)', () => {
  let s: TestServer;
  let home: string;
  let session: { id: string; secret: string; token: string };
  before(async () => {
    s = await startTestServer();
    const acct = s.adminFile.AccountId;
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] };
    const role = (await s.iam().send(new CreateRoleCommand({ RoleName: 'saml-user', AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role?.Arn;
    const c = (await s.sts().send(new AssumeRoleCommand({ RoleArn: role, RoleSessionName: 'kw4' }))).Credentials;
    session = { id: c?.AccessKeyId ?? '', secret: c?.SecretAccessKey ?? '', token: c?.SessionToken ?? '' };
    home = join(s.dataDir, 'home');
    await mkdir(join(home, '.aws'), { recursive: true });
    await writeFile(join(home, '.aws', 'credentials'), `[saml]\naws_access_key_id = ${session.id}\naws_secret_access_key = ${session.secret}\naws_security_token = ${session.token}\n`);
  });
  after(async () => s?.stop());

  const whoami = (env: Record<string, string>, args: readonly string[] = []) => gatehouseInProcess(['whoami', ...args], { HOME: home, GATEHOUSE_ENDPOINT: s.url, ...env });

  it('AWS_SECURITY_TOKEN beside the session\'s keys signs as the session', async () => {
    const r = await whoami({ AWS_ACCESS_KEY_ID: session.id, AWS_SECRET_ACCESS_KEY: session.secret, AWS_SECURITY_TOKEN: session.token });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /assumed-role\/saml-user\/kw4/);
  });

  it('a profile with aws_security_token signs as the session', async () => {
    const r = await whoami({}, ['--profile', 'saml']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /assumed-role\/saml-user\/kw4/);
  });

  it('AWS_SECURITY_TOKEN alone is partial credentials, not the data dir\'s admin', async () => {
    const r = await gatehouseInProcess(['whoami', '--data-dir', s.dataDir], { HOME: home, GATEHOUSE_ENDPOINT: s.url, AWS_SECURITY_TOKEN: session.token });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /PartialCredentials: .*AWS_SECURITY_TOKEN is set but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not/);
  });
});
