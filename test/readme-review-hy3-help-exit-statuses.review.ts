/**
 * Review `hy` (a new user reads each command's `--help`), 3: two helps' exit statuses left out what the command does.
 *
 * - `accounts create --help` said "8 invalid id or partition"; a partition other than `aws` or `acs` (`--partition
 *   gcp`, `--partition AWS`) is refused by the command line itself, exit 2, before anything is sent (an id of other
 *   than 12 digits is the server's 400, exit 8, as it said). A script testing for 8 missed it.
 * - `demo --help` said "Exit status 0 when every step had the outcome it should …, 1 otherwise", and that Ctrl-C
 *   removes its directory; interrupted, it exits 128 + the signal's number (130 for Ctrl-C), as docs/errors.md says
 *   and test/demo.test.ts checks, so a script reading the help took an interrupted demo for a failed step.
 * Now both say what they do. The help run in this process; `accounts create` against a real server
 * (startTestServer), whose refusals are checked beside what the help says of them.
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

let s: TestServer;

before(async () => {
  s = await startTestServer();
});

after(async () => {
  await s?.stop();
});

test('hy3: accounts create --help gives each refusal the status it exits with', async () => {
  const text = await help('accounts', 'create');
  const partition = await cliAgainst(s, ['accounts', 'create', '--id', '333344445555', '--partition', 'gcp']);
  assert.equal(partition.status, EXIT.usage, partition.err);
  assert.match(partition.err, /Allowed choices are aws, acs/);
  assert.match(text, /2 a --partition other than aws or acs/);
  assert.doesNotMatch(text, /8 invalid id or partition/);
  const id = await cliAgainst(s, ['accounts', 'create', '--id', '3333', '--partition', 'aws']);
  assert.equal(id.status, EXIT.invalidInput, id.err);
  assert.match(text, /8 an id that is not 12 digits/);
  const twice = await cliAgainst(s, ['accounts', 'create', '--id', '000000000000', '--partition', 'aws']);
  assert.equal(twice.status, EXIT.conflict, twice.err);
  assert.match(text, /7 the account exists/);
});

test('hy3: demo --help says an interrupted demo exits 128 + the signal (130 for Ctrl-C), as docs/errors.md does', async () => {
  const text = await help('demo');
  assert.match(text, /interrupted \(SIGINT, SIGTERM, SIGHUP\), 128 \+ the signal's number \(130 for Ctrl-C\)/);
});
