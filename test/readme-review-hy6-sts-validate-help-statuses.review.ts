/**
 * Review `hy` (a new user reads each command's `--help`), 6: `sts assume-role --help` (README §3's `gatehouse sts
 * assume-role`) listed exit statuses 0, 8, 9 and 10. Its `--policy file://FILE` session policy is checked before
 * anything is sent: a file that cannot be read exits 5 (`cannot read the session policy … check the path`), one that
 * is not a valid policy 3 (`MalformedPolicyDocument`, the README's own examples/policies/broken.json); a missing
 * `--role-session-name` exits 2. And `policy validate --help` (§1) gave 0, 3 and 5, while a `--kind` other than
 * identity, resource or trust exits 2. A script branching on the lists met statuses they do not have. Now both list
 * them. The help run in this process; `sts assume-role` against a real server (startTestServer), `policy validate`
 * offline, each status checked beside the help's words.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent' };
const help = async (...command: string[]) => {
  const r = await gatehouseInProcess([...command, '--help'], ENV);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.replace(/\s+/g, ' ');
};
const ROLE = 'arn:aws:iam::000000000000:role/hy6-role';

let s: TestServer;

before(async () => {
  s = await startTestServer();
  const made = await cliAgainst(s, ['iam', 'roles', 'create', 'hy6-role', '--trust-policy', 'examples/policies/training-trust.json']);
  assert.equal(made.status, EXIT.ok, made.err);
});

after(async () => {
  await s?.stop();
});

test('hy6: sts assume-role --help lists 2, 3 and 5, which a session policy file or a missing option exits with', async () => {
  const text = await help('sts', 'assume-role');
  const unreadable = await cliAgainst(s, ['sts', 'assume-role', '--role-arn', ROLE, '--role-session-name', 'me', '--policy', 'file://no/such/policy.json']);
  assert.equal(unreadable.status, EXIT.noInput, unreadable.err);
  assert.match(unreadable.err, /cannot read the session policy `no\/such\/policy.json`/);
  const invalid = await cliAgainst(s, ['sts', 'assume-role', '--role-arn', ROLE, '--role-session-name', 'me', '--policy', 'file://examples/policies/broken.json']);
  assert.equal(invalid.status, EXIT.invalidPolicy, invalid.err);
  const missing = await cliAgainst(s, ['sts', 'assume-role', '--role-arn', ROLE]);
  assert.equal(missing.status, EXIT.usage, missing.err);
  assert.match(text, /2 a wrong command line/);
  assert.match(text, /3 an invalid --policy/);
  assert.match(text, /5 a --policy file that cannot be read/);
});

test('hy6: policy validate --help lists 2, which a --kind other than identity, resource or trust exits with', async () => {
  const text = await help('policy', 'validate');
  const kind = await gatehouseInProcess(['policy', 'validate', '--kind', 'bucket', 'examples/policies/checkpoints-bucket-policy.json'], ENV);
  assert.equal(kind.code, EXIT.usage, kind.stderr);
  assert.match(text, /2 a wrong command line \(a --kind other than identity, resource or trust\)/);
});
