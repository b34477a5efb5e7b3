/**
 * Review `readme`, iv3: README §3 names `gatehouse sts assume-role` and `gatehouse credentials --role-arn ARN` (a
 * credential_process), both of which take a session policy as `--policy file://PATH`, and docs/errors.md lists
 * `sts assume-role --policy file://…` among the commands that report their files' errors at their places (as
 * `{"errors": [...]}` with `--json`), as `iam policies create --document` does. A JSON policy file was sent unread, and
 * the server's refusal printed as it came: `gatehouse: MalformedPolicyDocument: Policy: session policy: expected `,` or
 * `}` at line 4, column 24`, naming neither the file nor (for an error past parsing, `Effect: allow`) any line at all,
 * and `--json` gave the `{"error": …}` of a server failure. Now the file is read as JSON before anything is sent, its
 * syntax error said as `iam policies create` says it (`deny.json:4:24: … [POLICY_JSON_SYNTAX]`, exit 3; with `--json`,
 * `{"errors": [...]}` with the file as `source`), and the server's refusal of a document that parses is printed at its
 * places in the file (`deny.json:4:7: Statement[0].Effect: session policy: …`), exit 3 as before; a policy given as
 * text on the command line is reported as before. The CLI in process against a real server on 127.0.0.1.
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let dir: string;
const ROLE = 'arn:aws:iam::000000000000:role/ScientistUserRole';
before(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'gh-iv3-'));
  await server.iam().send(new CreateRoleCommand({ RoleName: 'ScientistUserRole', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] }) }));
  await writeFile(join(dir, 'comma.json'), '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Deny" "Action": "s3:*", "Resource": "*"}\n  ]\n}\n');
  await writeFile(join(dir, 'effect.json'), '{\n  "Version": "2012-10-17",\n  "Statement": [{\n      "Effect": "deny",\n      "Action": "s3:*",\n      "Resource": "*"\n  }]\n}\n');
});
after(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

const cli = (args: readonly string[]) => gatehouseCliInProcess(args, server.admin, { endpoint: server.url, home: dir }, { cwd: dir });
const assume = (policy: string, ...more: string[]) => cli(['sts', 'assume-role', '--role-arn', ROLE, '--role-session-name', 'me', '--policy', policy, ...more]);

test('iv3: a session policy file that is not JSON is named, with its line and column, before anything is sent', async () => {
  for (const args of [['sts', 'assume-role', '--role-arn', ROLE, '--role-session-name', 'me'], ['credentials', '--role-arn', ROLE]]) {
    const r = await cli([...args, '--policy', 'file://comma.json']);
    assert.equal(r.code, EXIT.invalidPolicy, `${args[0]}: ${r.stderr}`);
    assert.equal(r.stderr, 'comma.json:4:23: expected `,` or `}` at line 4, column 23 [POLICY_JSON_SYNTAX]\n', args[0]);
    assert.equal(r.stdout, '');
  }
});

test('iv3: --json gives the file’s errors as {"errors": [...]}, as docs/errors.md says', async () => {
  const r = await assume('file://comma.json', '--json');
  assert.equal(r.code, EXIT.invalidPolicy, r.stderr);
  const errors = (JSON.parse(r.stderr) as { errors?: { code: string; source: string; line: number; column: number }[] }).errors;
  assert.deepEqual(errors?.map((e) => [e.code, e.source, e.line, e.column]), [['POLICY_JSON_SYNTAX', 'comma.json', 4, 23]]);
});

test('iv3: the server’s refusal of a session policy file is printed at its place in the file', async () => {
  const r = await assume('file://effect.json');
  assert.equal(r.code, EXIT.invalidPolicy, r.stderr);
  const lines = r.stderr.split('\n');
  assert.match(lines[0] ?? '', /^effect\.json:4:7: Statement\[0\]\.Effect: session policy: `Effect` must be `Allow` or `Deny`, got `deny` .*\[POLICY_INVALID_EFFECT\]$/);
  assert.equal(lines[1], 'gatehouse sts assume-role: MalformedPolicyDocument: 1 error; no session was issued');
  const process = await cli(['credentials', '--role-arn', ROLE, '--policy', 'file://effect.json']);
  assert.equal(process.code, EXIT.invalidPolicy, process.stderr);
  assert.equal(process.stderr.split('\n')[1], 'gatehouse credentials: MalformedPolicyDocument: 1 error; no session was issued');
});

test('iv3: a policy given as text on the command line is reported as before', async () => {
  const r = await assume('{"Version": "2012-10-17", "Statement": [{"Effect": "deny", "Action": "s3:*", "Resource": "*"}]}');
  assert.equal(r.code, EXIT.invalidPolicy, r.stderr);
  assert.match(r.stderr, /^gatehouse: MalformedPolicyDocument: Policy\.Statement\[0\]\.Effect: session policy: `Effect` must be `Allow` or `Deny`, got `deny`/);
});
