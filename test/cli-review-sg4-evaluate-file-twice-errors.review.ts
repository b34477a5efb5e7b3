/**
 * Review sg, finding 4: `gatehouse policy evaluate` with one file in two places (`--policy p.json --boundary p.json`,
 * which the command takes on purpose: it says the file's load errors once) printed each error the engine found in it
 * once per place: a syntax error or an unknown condition operator came out as two identical lines (two identical
 * entries of `--json`'s `errors`), as if the file held two faults. Each is now said once; an error only one place's
 * grammar finds (a resource policy's missing `Principal`) is still said.
 *
 * The CLI's program in this process (test/support/gatehouse-cli.ts) on files in a temporary directory; no server.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const REQUEST = ['--principal', 'arn:aws:iam::111122223333:user/a', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k'];
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-cli-review-sg4-'));
  await writeFile(join(dir, 'trailing.json'), '{"Version":"2012-10-17","Statement":[]}x');
  await writeFile(join(dir, 'operator.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { Bogus: { 'aws:SourceIp': '10.0.0.0/8' } } }] }));
  await writeFile(join(dir, 'identity.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }));
});
after(async () => rm(dir, { recursive: true, force: true }));

const evaluate = (args: readonly string[]) => gatehouseInProcess(['policy', 'evaluate', ...args, ...REQUEST], {}, { cwd: dir });

test('sg4: a syntax error of a file given as --policy and --boundary is said once', async () => {
  const r = await evaluate(['--policy', 'trailing.json', '--boundary', 'trailing.json']);
  assert.equal(r.code, 3, r.stderr);
  assert.equal(r.stderr, 'trailing.json:1:40: unexpected text after the document at line 1, column 40 [POLICY_JSON_SYNTAX]\n');
});

test('sg4: with --json, one entry for an unknown operator in a file given as --policy and --session-policy', async () => {
  const r = await evaluate(['--policy', 'operator.json', '--session-policy', 'operator.json', '--json']);
  assert.equal(r.code, 3, r.stderr);
  const errors = (JSON.parse(r.stderr) as { errors: { code: string; source: string }[] }).errors;
  assert.deepEqual(errors.map((e) => [e.code, e.source]), [['POLICY_INVALID_CONDITION_OPERATOR', 'operator.json']]);
});

test('sg4: an error of one place only (a resource policy without Principal) is still said', async () => {
  const r = await evaluate(['--policy', 'identity.json', '--resource-policy', 'identity.json']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /^identity\.json:1:\d+: Statement\[0\]\.Principal: .*\[POLICY_PRINCIPAL_REQUIRED\]\n$/);
});
