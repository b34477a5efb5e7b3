/**
 * Review pn, 1 (cli): an alias whose anchor is a map or a list, used as a mapping key (`*labels : x`, `{*m: x}`), became
 * the literal key `*labels` (the `yaml` package stringifies a collection key as its source text) without a word: the
 * document went on with a key the file does not hold (a condition key, a tag key, a name), where review fd7 already
 * refuses the same collection written out as a key (`? {a: 1}`, `? [a, b]`) at its line. kubectl refuses such keys
 * (`invalid map key`), and JSON, the documents' model (docs/documents.md), has only names for keys.
 *
 * Now the alias is refused as the collection it stands for, at its file, line, column and path, before anything is sent
 * (exit 8 for plan/apply, 3 for policy validate); an alias of a scalar anchor used as a key is its text, as before.
 * `gatehouse plan`, `apply` and `policy validate`, the CLI's program in this process, offline (nothing listens on port 9).
 *
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

describe('pn1: an alias of a map or a list used as a key', () => {
  let dir: string;
  const gatehouse = (args: readonly string[]) => gatehouseInProcess(args, { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'x'.repeat(40), GATEHOUSE_ENDPOINT: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-pn1-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('plan and apply refuse `*m : x` (block) and `{*l : y}` (flow) at their line and path, nothing sent', async () => {
    const file = join(dir, 'user.yaml');
    await writeFile(file, ['apiVersion: gatehouse.dev/v1', 'kind: User', 'metadata: {name: alice}', 'spec:', '  tags:', '    team: &m {a: b}', '    *m : x', '    cost: &l [1]', '    more: {*l : y}', ''].join('\n'));
    const r = await gatehouse(['plan', '-f', file]);
    assert.equal(r.code, 8, r.stderr);
    assert.match(r.stderr, new RegExp(`${file}:7:5: document 1 \\(User alice\\): spec\\.tags: an alias of a map \\(\`\\*m\`\\) is used as a key, which JSON cannot hold; keys are names`), r.stderr);
    assert.match(r.stderr, new RegExp(`${file}:9:12: document 1 \\(User alice\\): spec\\.tags\\.more: an alias of a list \\(\`\\*l\`\\) is used as a key`), r.stderr);
    assert.match(r.stderr, /nothing was changed/);
    const a = await gatehouse(['apply', '-f', file]);
    assert.equal(a.code, 8, a.stderr);
  });

  it('a policy file: a condition key that is an alias of a map', async () => {
    const file = join(dir, 'policy.yaml');
    await writeFile(file, ['Version: "2012-10-17"', 'Statement:', '  - Effect: Allow', '    Action: s3:GetObject', '    Resource: &r ["*"]', '    Condition:', '      StringEquals: {*r : x}', ''].join('\n'));
    const r = await gatehouse(['policy', 'validate', file]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, new RegExp(`${file}:7:22: Statement\\[0\\]\\.Condition\\.StringEquals: an alias of a list \\(\`\\*r\`\\) is used as a key`));
  });

  it('--json: the error is JSON with its line and column', async () => {
    const file = join(dir, 'policy2.yaml');
    await writeFile(file, ['Version: "2012-10-17"', 'Statement:', '  - &s {Effect: Allow, Action: "s3:GetObject", Resource: "*"}', '  - Effect: Allow', '    Action: s3:GetObject', '    Resource: "*"', '    Condition: {StringEquals: {*s : x}}', ''].join('\n'));
    const r = await gatehouse(['policy', 'validate', file, '--json']);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout) as { files: { errors: { path: string; message: string; line: number; column: number }[] }[] };
    const [e] = out.files[0]?.errors ?? [];
    assert.deepEqual([e?.path, e?.line, e?.column], ['Statement[1].Condition.StringEquals', 7, 32]);
    assert.match(e?.message ?? '', /an alias of a map \(`\*s`\) is used as a key/);
  });

  it('still fine: an alias of a scalar used as a key is its text', async () => {
    const file = join(dir, 'policy3.yaml');
    await writeFile(file, ['Version: "2012-10-17"', 'Statement:', '  - Effect: Allow', '    Action: &k s3:prefix', '    Resource: "*"', '    Condition: {StringEquals: {*k : x}}', ''].join('\n'));
    const r = await gatehouse(['policy', 'validate', file]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });
});
