/**
 * Review `hy` (a new user reads each command's `--help`), 4: `gatehouse iam --help`, the help of every `iam …`
 * command (README §2: `npx gatehouse iam users list`, `iam access-keys create --user alice`), listed exit statuses 0,
 * 3, 6, 7, 8, 9 and 10. `iam policies create NAME --document FILE`, `iam roles create --trust-policy FILE` and `iam
 * put-inline --document FILE` given a file that cannot be read (the likeliest slip: a path relative to another
 * directory) exit 5, `cannot read … check the path`, with nothing sent; a wrong command line exits 2; and a change
 * whose connection was lost after it was sent exits 11 (docs/errors.md). A script branching on the help's list took
 * them for statuses `iam` never has. Now the help lists them.
 * Against a real server (startTestServer): the CLI run in this process, its statuses checked beside the help's words,
 * and nothing created by the refused command.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;

before(async () => {
  s = await startTestServer();
});

after(async () => {
  await s?.stop();
});

test('hy4: iam --help lists the statuses iam commands exit with: 5 for a policy file that cannot be read, 2 and 11', async () => {
  const h = await gatehouseInProcess(['iam', '--help'], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent' });
  assert.equal(h.code, 0, h.stderr);
  const text = h.stdout.replace(/\s+/g, ' ');

  const unreadable = await cliAgainst(s, ['iam', 'policies', 'create', 'hy4-policy', '--document', 'no/such/policy.json']);
  assert.equal(unreadable.status, EXIT.noInput, unreadable.err);
  assert.match(unreadable.err, /cannot read `no\/such\/policy.json`: no such file; check the path/);
  const trust = await cliAgainst(s, ['iam', 'roles', 'create', 'hy4-role', '--trust-policy', 'no/such/trust.json']);
  assert.equal(trust.status, EXIT.noInput, trust.err);
  const gone = await cliAgainst(s, ['iam', 'policies', 'get', 'hy4-policy']);
  assert.equal(gone.status, EXIT.notFound, 'nothing was created');
  assert.match(text, /5 a policy file that cannot be read \(--document, --trust-policy; nothing is sent\)/);

  const usage = await cliAgainst(s, ['iam', 'users', 'create']);
  assert.equal(usage.status, EXIT.usage, usage.err);
  assert.match(text, /2 a wrong command line/);
  assert.match(text, /11 the connection was lost once a change was sent: it may or may not have been made/);
});
