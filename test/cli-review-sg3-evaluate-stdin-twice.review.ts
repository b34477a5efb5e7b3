/**
 * Review sg, finding 3: `gatehouse policy evaluate` read standard input once and gave its text to every option naming
 * `-`. With `--policy - --resource-policy -` (two documents piped, or one meant for one of them) the answer was about a
 * request nobody asked: the identity policy checked again as a resource policy (`-:1:38: … needs a \`Principal\``, exit
 * 3), two piped documents refused as text after the first (twice), and `--policy - -` an Allow from one document counted
 * as two. Now `-` named more than once is a usage error naming the options (exit 2, nothing evaluated); one `-` beside
 * files is read as before.
 *
 * The CLI's program in this process (test/support/gatehouse-cli.ts), its standard input given; no server.
 *
 * Before the fix 3 of 4 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const IDENTITY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
const RESOURCE = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }] });
const REQUEST = ['--principal', 'arn:aws:iam::111122223333:user/a', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k'];
const evaluate = (args: readonly string[], stdin: string, cwd?: string) => gatehouseInProcess(['policy', 'evaluate', ...args, ...REQUEST], {}, { stdin, ...(cwd !== undefined ? { cwd } : {}) });

test('sg3: --policy - --resource-policy - is a usage error naming both options', async () => {
  const r = await evaluate(['--policy', '-', '--resource-policy', '-'], `${IDENTITY}\n${RESOURCE}\n`);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^error: standard input \(`-`\) holds one policy document, and --policy and --resource-policy each name it: give `-` once, and the other documents as files\n/);
});

test('sg3: --policy - - (one option, twice) is refused too', async () => {
  const r = await evaluate(['--policy', '-', '-'], IDENTITY);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /--policy names it 2 times/);
});

test('sg3: with --json, the JSON usage error', async () => {
  const r = await evaluate(['--policy', '-', '--boundary', '-', '--json'], IDENTITY);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  const e = (JSON.parse(r.stderr) as { error: { code: string; message: string } }).error;
  assert.equal(e.code, 'UsageError');
  assert.match(e.message, /--policy and --boundary each name it/);
});

test('sg3: one - beside a file is read as before', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gh-cli-review-sg3-'));
  try {
    await writeFile(join(dir, 'bucket.json'), RESOURCE);
    const r = await evaluate(['--policy', '-', '--resource-policy', 'bucket.json'], IDENTITY, dir);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^ExplicitDeny: /);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
