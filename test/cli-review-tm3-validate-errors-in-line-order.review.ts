/**
 * Review tm, 3: `gatehouse policy validate --kind resource` listed a file's errors in the order the parser met them,
 * element by element of a statement (`Effect`, then `Action`, then `Principal`, then `Condition`): lines 4, 6, then 5,
 * and a `Principal` error after the `Action` below it, so a user fixing top to bottom (or an editor's quickfix list)
 * jumped back. `--json` gave the same order. Contract: docs/semantics.md / README §1 (`policy validate` prints
 * `FILE:LINE:COLUMN: PATH: MESSAGE [CODE]`, compiler style: in file order) and STYLE (errors name where). Now each
 * file's errors are sorted by line then column (the document's own errors, with no place, after them); the same for a
 * policy file's errors other commands print (`fileErrorsText`) and for the server's refusal of a file (`refusedInFile`).
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const RESOURCE_POLICY = `{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Maybe",
    "Principal": {"AWS": "not-an-arn"},
    "Action": "s3GetObject",
    "Resource": "arn:aws:s3:::b/*"
  }, {
    "Principal": "*",
    "Effect": "Allow",
    "Action": "s3:GetObject",
    "Condition": {"StringEquals": "oops"},
    "Resource": "bucket-without-arn"
  }]
}
`;

const linesOf = (text: string): number[] => [...text.matchAll(/^[^\n]*\.json:(\d+):\d+:/gm)].map((m) => Number(m[1]));

describe('review tm3: policy validate lists errors in the order of the file', () => {
  let dir = '';
  let file = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-tm3-'));
    file = join(dir, 'bucket-policy.json');
    await writeFile(file, RESOURCE_POLICY);
  });
  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('--kind resource: the lines come in increasing order', async () => {
    const r = await gatehouseInProcess(['policy', 'validate', '--kind', 'resource', file], {});
    assert.equal(r.code, 3, r.stdout + r.stderr);
    const lines = linesOf(r.stdout);
    assert.ok(lines.length >= 4, r.stdout);
    assert.deepEqual(lines, [...lines].sort((a, b) => a - b), r.stdout);
    assert.deepEqual(lines.slice(0, 3), [4, 5, 6], r.stdout);
  });

  it('--json: the errors come in the same order', async () => {
    const r = await gatehouseInProcess(['policy', 'validate', '--kind', 'resource', '--json', file], {});
    assert.equal(r.code, 3, r.stdout + r.stderr);
    const errors = (JSON.parse(r.stdout) as { files: { errors: { line?: number; column?: number }[] }[] }).files[0]?.errors ?? [];
    const at = errors.map((e) => (e.line ?? 0) * 1000 + (e.column ?? 0));
    assert.deepEqual(at, [...at].sort((a, b) => a - b), r.stdout);
  });

  it('a valid file, and one error alone, are reported as before', async () => {
    const ok = join(dir, 'ok.json');
    await writeFile(ok, '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}\n');
    assert.equal((await gatehouseInProcess(['policy', 'validate', '--kind', 'resource', ok], {})).stdout, 'valid\n');
    const one = join(dir, 'one.json');
    await writeFile(one, '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3GetObject","Resource":"arn:aws:s3:::b/*"}]}\n');
    const r = await gatehouseInProcess(['policy', 'validate', '--kind', 'resource', one], {});
    assert.match(r.stdout, /^[^\n]*one\.json:1:\d+: Statement\[0\]\.Action: .*\[POLICY_INVALID_ACTION\]\n$/);
  });
});
