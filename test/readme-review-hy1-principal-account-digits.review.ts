/**
 * Review `hy` (a new user walks the README's tour), 1: a principal ARN whose account id is mistyped.
 *
 * The tour spells account 000000000000 in every ARN, and one zero too few or too many is the likeliest slip of a
 * reader typing them. `gatehouse simulate --as arn:aws:iam::0000000000:user/alice …` (§7's question, also `authorize
 * --principal` and §1's offline `policy evaluate --principal`) answered `` `arn:aws:iam::0000000000:user/alice` is not
 * a principal ARN: use arn:aws:iam::<account>:user/<name>, …``: the very form the user believed they had typed, with
 * no word on what was wrong, and a list of forms that left out a role's ARN (`arn:aws:iam::<account>:role/<name>`) and
 * a federated user's, both of which are decided. Now an ARN of those forms whose account is not 12 digits says so
 * (`its account id \`0000000000\` has 10 digits: an account id has 12`), and the list names every form taken. Exit 4
 * (offline) and the server's 400 (exit 4 through the CLI) as before; a well-formed ARN is decided as before.
 * The CLI in this process, offline for `policy evaluate`, and against a real server (startTestServer) for
 * `authorize` and `simulate`.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent' };
const evaluate = (principal: string) =>
  gatehouseInProcess(['policy', 'evaluate', '--policy', 'examples/policies/ml-data-reader.json', '--principal', principal, '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::ml-datasets/train/x'], ENV);

let s: TestServer;

before(async () => {
  s = await startTestServer();
});

after(async () => {
  await s?.stop();
});

test('hy1: policy evaluate names the account id of a principal ARN that does not have 12 digits', async () => {
  const cases: [string, string][] = [
    ['arn:aws:iam::0000000000:user/alice', 'its account id `0000000000` has 10 digits: an account id has 12'],
    ['arn:aws:iam::1111222233334:role/trainer', 'its account id `1111222233334` has 13 digits: an account id has 12'],
    ['arn:aws:sts::11112222333:assumed-role/trainer/job-42', 'its account id `11112222333` has 11 digits: an account id has 12'],
    ['arn:aws:iam::<account>:user/alice', 'its account id `<account>` is not 12 digits'],
    ['arn:aws:iam:::user/alice', 'it names no account id (12 digits, between `::` and `:user`)'],
  ];
  for (const [principal, says] of cases) {
    const r = await evaluate(principal);
    assert.equal(r.code, EXIT.invalidRequest, `${principal}: ${r.stderr}`);
    assert.ok(r.stderr.includes(says), `${principal}: ${r.stderr}`);
    assert.match(r.stderr, /\[REQUEST_INVALID_PRINCIPAL\]/);
  }
});

test('hy1: the list of principal forms names a role and a federated user too, each of which is decided', async () => {
  const bad = await evaluate('alice');
  assert.equal(bad.code, EXIT.invalidRequest, bad.stderr);
  assert.match(bad.stderr, /arn:aws:iam::<account>:role\/<name>/);
  assert.match(bad.stderr, /arn:aws:sts::<account>:federated-user\/<name>/);
  for (const ok of ['arn:aws:iam::111122223333:role/trainer', 'arn:aws:sts::111122223333:federated-user/reporter', 'arn:aws:iam::111122223333:user/alice']) {
    const r = await evaluate(ok);
    assert.equal(r.stderr, '', ok);
    assert.ok(r.code === EXIT.ok || r.code === EXIT.denied, `${ok}: ${r.code}`);
  }
});

test('hy1: the server says the same to authorize and simulate (exit 4, nothing decided)', async () => {
  const asked = await cliAgainst(s, ['authorize', '--principal', 'arn:aws:iam::0000000000:user/admin', '--action', 's3:GetObject', '--resource', '*']);
  assert.equal(asked.status, EXIT.invalidRequest, asked.err);
  assert.equal(asked.out, '');
  assert.match(asked.err, /its account id `0000000000` has 10 digits: an account id has 12/);
  const simulated = await cliAgainst(s, ['simulate', '--as', 'arn:aws:iam::00000000000:user/admin', '--action', 's3:GetObject', '--resource', '*']);
  assert.equal(simulated.status, EXIT.invalidRequest, simulated.err);
  assert.match(simulated.err, /its account id `00000000000` has 11 digits: an account id has 12/);
  const right = await cliAgainst(s, ['authorize', '--principal', 'arn:aws:iam::000000000000:user/admin', '--action', 's3:GetObject', '--resource', '*']);
  assert.equal(right.status, EXIT.ok, right.err);
});
