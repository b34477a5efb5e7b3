/**
 * Review fd, 7. A YAML key that JSON cannot hold was changed without a word: a key YAML reads as null (`~`, `null`, or
 * `? ` with nothing) became the empty string, and a list or map used as a key (`? [a, b]`, `{[1]: 2}`) became its YAML
 * text (`[ a, b ]`), with a Node warning on stderr ("Keys with collection values will be stringified …") naming no file
 * or line. The document then went on as something else than written, and the server refused, if it did, a tag key or
 * name the file does not hold. kubectl refuses such keys (`invalid map key`).
 *
 * Now each is refused before anything is sent, at its file, line and path, as the other values YAML reads otherwise
 * than written (`lossyScalars`), and nothing is printed by the library. `gatehouse plan` and `policy validate`, the
 * CLI's program in this process with the executable's file readers (test/support/gatehouse-cli.ts), offline.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

describe('YAML keys that JSON cannot hold', () => {
  let dir: string;
  // Nothing listens on port 9: a command that got as far as sending would fail to connect (exit 10).
  const gatehouse = (args: readonly string[]) => gatehouseInProcess(args, { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'x'.repeat(40), GATEHOUSE_ENDPOINT: 'http://127.0.0.1:9' });
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.message);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-fd7-'));
    process.on('warning', onWarning);
  });
  after(async () => {
    process.off('warning', onWarning);
    await rm(dir, { recursive: true, force: true });
  });

  it('apply and plan refuse a null key and a list or map key at their line', async () => {
    const file = join(dir, 'user.yaml');
    await writeFile(file, ['apiVersion: gatehouse.dev/v1', 'kind: User', 'metadata: {name: alice}', 'spec:', '  tags:', '    team: ml', '    ~: oops', '    ? [cost, center]', '    : x', '    ? {a: 1}', '    : y', ''].join('\n'));
    const r = await gatehouse(['plan', '-f', file]);
    assert.equal(r.code, 8, r.stderr);
    assert.match(r.stderr, new RegExp(`${file}:7:5: document 1 \\(User alice\\): spec\\.tags: the key \`~\` is read by YAML as null, which JSON cannot hold as a key; quote it \\('~'\\) to keep the text`), r.stderr);
    assert.match(r.stderr, new RegExp(`${file}:8:7: document 1 \\(User alice\\): spec\\.tags: a list is used as a key, which JSON cannot hold; keys are names`), r.stderr);
    assert.match(r.stderr, new RegExp(`${file}:10:7: document 1 \\(User alice\\): spec\\.tags: a map is used as a key, which JSON cannot hold; keys are names`), r.stderr);
    assert.match(r.stderr, /nothing was changed/);
    const a = await gatehouse(['apply', '-f', file]);
    assert.equal(a.code, 8, a.stderr);
  });

  it('a policy file too', async () => {
    const file = join(dir, 'policy.yaml');
    await writeFile(file, ['Version: "2012-10-17"', 'Statement:', '  - Effect: Allow', '    Action: s3:GetObject', '    Resource: "*"', '    Condition:', '      StringEquals:', '        null: x', ''].join('\n'));
    const r = await gatehouse(['policy', 'validate', file]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, new RegExp(`${file}:8:9: Statement\\[0\\]\\.Condition\\.StringEquals: the key \`null\` is read by YAML as null`));
  });

  it('the library prints no warning of its own', () => {
    assert.deepEqual(warnings.filter((w) => /stringified/.test(w)), []);
  });

  it('a quoted key is a key', async () => {
    const file = join(dir, 'quoted.yaml');
    await writeFile(file, ['Version: "2012-10-17"', 'Statement:', '  - Effect: Allow', '    Action: s3:GetObject', '    Resource: "*"', '    Condition:', '      StringEquals:', "        'null': x", ''].join('\n'));
    const r = await gatehouse(['policy', 'validate', file]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /valid/);
  });
});
