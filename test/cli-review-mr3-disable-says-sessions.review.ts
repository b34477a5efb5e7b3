/**
 * Review mr, 3: `gatehouse users disable NAME` said "its access keys and session tokens no longer work", while the sessions of roles the user had assumed kept working.
 * That is what AWS does too (a role's session belongs to the role: disabling or deleting the keys that assumed it
 * leaves it valid until it expires, and the IAM user guide's "Revoking IAM role temporary security credentials" is a
 * step of its own), and the command's `--help` says so; but the line an operator reads while locking out a leaked
 * user told them every session was dead, and the attacker's assumed-role session went on. Now the line says which
 * sessions stopped (the user's keys and its GetSessionToken sessions), that sessions of roles it assumed still work
 * until they expire, and how to find and revoke them (`audit query --principal ARN --action sts:AssumeRole`,
 * `sts revoke-sessions --role-arn`). `--json` prints the server's answer as before.
 * The CLI in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import type { Keys } from './support/processes.ts';

let server: TestServer;
let sessionKeys: Keys;
before(async () => {
  server = await startTestServer();
  const admin = (args: string[]) => gatehouseCliInProcess(args, server.admin, { endpoint: server.url, home: server.dataDir });
  const trust = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:root"}, "Action": "sts:AssumeRole"}]}';
  const may = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}';
  for (const args of [['iam', 'users', 'create', 'mr3-leaked'], ['iam', 'roles', 'create', 'mr3-role', '--trust-policy', trust], ['iam', 'put-inline', 'assume', '--user', 'mr3-leaked', '--document', may]]) {
    const r = await admin(args);
    assert.equal(r.code, EXIT.ok, r.stderr);
  }
  const key = JSON.parse((await admin(['iam', 'access-keys', 'create', '--user', 'mr3-leaked', '--json'])).stdout) as { accessKeyId: string; secretAccessKey: string };
  const assumed = await gatehouseCliInProcess(['sts', 'assume-role', '--role-arn', 'arn:aws:iam::000000000000:role/mr3-role', '--role-session-name', 'stolen', '--json'], key, { endpoint: server.url, home: server.dataDir });
  assert.equal(assumed.code, EXIT.ok, assumed.stderr);
  const c = (JSON.parse(assumed.stdout) as { Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } }).Credentials;
  sessionKeys = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
});
after(async () => {
  await server?.stop();
});

test('mr3: users disable says the role sessions the user assumed still work, and how to revoke them', async () => {
  const r = await gatehouseCliInProcess(['users', 'disable', 'mr3-leaked'], server.admin, { endpoint: server.url, home: server.dataDir });
  assert.equal(r.code, EXIT.ok, r.stderr);
  // What the line says is checked against what happens: the role's session still signs.
  const still = await gatehouseCliInProcess(['whoami'], sessionKeys, { endpoint: server.url, home: server.dataDir, extraEnv: { AWS_SESSION_TOKEN: sessionKeys.sessionToken ?? '' } });
  assert.equal(still.code, EXIT.ok, still.stderr);
  assert.match(still.stdout, /assumed-role\/mr3-role\/stolen/);
  assert.doesNotMatch(r.stdout, /session tokens no longer work/, 'it does not claim every session is dead');
  assert.match(r.stdout, /^user mr3-leaked disabled: its access keys and GetSessionToken sessions no longer work/);
  assert.match(r.stdout, /sessions of roles it assumed still work until they expire/);
  assert.match(r.stdout, /gatehouse audit query --principal arn:aws:iam::000000000000:user\/mr3-leaked --action sts:AssumeRole/);
  assert.match(r.stdout, /gatehouse sts revoke-sessions --role-arn ARN/);
});

test('mr3: users disable --json prints the server\'s answer, as before', async () => {
  const r = await gatehouseCliInProcess(['users', 'disable', 'mr3-leaked', '--json'], server.admin, { endpoint: server.url, home: server.dataDir });
  assert.equal(r.code, EXIT.ok, r.stderr);
  const doc = JSON.parse(r.stdout) as { user: { name: string; disabled: boolean }; revoked: { kind: string } };
  assert.equal(doc.user.name, 'mr3-leaked');
  assert.equal(doc.user.disabled, true);
});
