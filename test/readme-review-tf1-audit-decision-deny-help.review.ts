/**
 * Review `tf` (README tour as a new user follows it), 1: README §7 says `audit query --decision` takes "`Deny`
 * (refused sessions, job submissions and pod admissions, and refusals no policy decided)", and so it works: the
 * refusals no policy decided (a request whose key does not authenticate, a session's expired token, a request sent to
 * the wrong port) are `decision` records with `Deny`, which `--decision Deny` lists. `gatehouse audit query --help`
 * said "Deny (refused sessions, job submissions and admissions)" only: a user reading the help to find what a leaked or
 * expired key was refused (README §7, "what one access key did") had no word that `Deny` reaches those decisions, and
 * the help's own list of what `Deny` covers differed from the README's and from the server's refusal of an unknown value
 * ("decisions, sessions, job submissions and admissions"). Now the help says what the README says. The help runs in this
 * process; the behaviour it describes is checked against a test server: a request signed with a key that does not
 * exist is recorded as a `decision` `Deny` and found by `--decision Deny`.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent' };
const flat = (s: string) => s.replace(/\s+/g, ' ');

let s: TestServer;

before(async () => {
  s = await startTestServer();
});

after(async () => {
  await s?.stop();
});

test('tf1: --decision Deny lists a refusal no policy decided, as README §7 says', async () => {
  const readme = flat(readFileSync('README.md', 'utf8'));
  assert.match(readme, /`Deny` \(refused sessions, job submissions and pod admissions, and refusals no policy decided\)/);
  const refused = await cliAgainst(s, ['whoami'], { accessKeyId: 'AKIATF1NOSUCHKEY0001', secretAccessKey: 'x'.repeat(40) });
  assert.notEqual(refused.status, 0, refused.out);
  const listed = await cliAgainst(s, ['audit', 'query', '--decision', 'Deny', '--kind', 'decision', '--json']);
  assert.equal(listed.status, 0, listed.err);
  const records = listed.out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; decision: string; detail?: { accessKeyId?: string } });
  assert.ok(records.some((r) => r.kind === 'decision' && r.decision === 'Deny' && r.detail?.accessKeyId === 'AKIATF1NOSUCHKEY0001'), listed.out);
});

test('tf1: audit query --help says Deny also finds the refusals no policy decided, as the README does', async () => {
  const r = await gatehouseInProcess(['audit', 'query', '--help'], ENV);
  assert.equal(r.code, 0, r.stderr);
  const help = flat(r.stdout);
  assert.match(help, /Deny \(refused sessions, job submissions and admissions, and refusals no policy decided/);
});
