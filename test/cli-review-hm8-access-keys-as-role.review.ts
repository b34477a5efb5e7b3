/**
 * Review hm, 8: `gatehouse iam access-keys list` (and `create`, `delete ID`) without `--user` act on the caller's own
 * keys ("default: yours"); signed as a role session, which has none, they said `ValidationError: UserName: UserName is
 * required when the caller is not a user`, the API's field, not the option the user can give. Now the message says
 * why and names `--user NAME` (same status, 8); with `--user` they work as the session's rights allow, and `--json`
 * keeps the server's error as it is.
 *
 * The CLI in this process against a real server on 127.0.0.1, signed with a session of a role allowed everything.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('hm8: access keys without --user, as a role session', () => {
  let s: TestServer;
  let session: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  before(async () => {
    s = await startTestServer();
    await writeFile(join(s.dataDir, 'trust.json'), '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}');
    for (const args of [['iam', 'roles', 'create', 'ops', '--trust-policy', 'trust.json'], ['iam', 'attach', '--role', 'ops', 'AdministratorAccess'], ['iam', 'users', 'create', 'hm8']]) assert.equal((await cli(args, s.admin)).code, 0, args.join(' '));
    const r = await cli(['sts', 'assume-role', '--role-arn', 'arn:aws:iam::000000000000:role/ops', '--role-session-name', 'hm8', '--json'], s.admin);
    assert.equal(r.code, 0, r.stderr);
    const c = (JSON.parse(r.stdout) as { Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } }).Credentials;
    session = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  });
  after(async () => s?.stop());

  const cli = (args: readonly string[], who: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
    gatehouseCliInProcess(args, who, { endpoint: s.url, home: s.dataDir, ...(who.sessionToken !== undefined ? { extraEnv: { AWS_SESSION_TOKEN: who.sessionToken } } : {}) }, { cwd: s.dataDir });

  it('list, create, delete: exit 8 naming --user', async () => {
    for (const args of [['iam', 'access-keys', 'list'], ['iam', 'access-keys', 'create'], ['iam', 'access-keys', 'delete', 'AKIAIOSFODNN7EXAMPLE']]) {
      const r = await cli(args, session);
      assert.equal(r.code, 8, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, "gatehouse: ValidationError: the credentials in use are not a user's (a role session's, for one), so there are no keys of yours: name the user with --user NAME\n");
    }
  });

  it('with --user, they work; with --json, the server error as it is', async () => {
    const made = await cli(['iam', 'access-keys', 'create', '--user', 'hm8'], session);
    assert.equal(made.code, 0, made.stderr);
    const list = await cli(['iam', 'access-keys', 'list', '--user', 'hm8'], session);
    assert.match(list.stdout, /\nAKIA\w+ +hm8 +Active/);
    const json = await cli(['iam', 'access-keys', 'list', '--json'], session);
    assert.equal(json.code, 8);
    assert.equal((JSON.parse(json.stderr) as { error: { details: { path: string }[] } }).error.details[0]?.path, 'userName');
  });
});
