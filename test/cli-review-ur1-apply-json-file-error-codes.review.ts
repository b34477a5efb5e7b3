/**
 * Review ur, 1: `gatehouse apply --json` (and `plan --json`) gave some errors of its files no `code`, where every other
 * error of its `{"errors": [...]}` carries one (a YAML or JSON syntax error, a misread value: `VALIDATION_ERROR`) and
 * every other `--json` command's unreadable file is `UnreadableFile` (docs/errors.md): a file that cannot be read (not
 * UTF-8, gone), a path that is not there, a directory with no documents, a file over the CLI's 4 Mi characters. A CI
 * step switching on `code` found nothing to switch on. Documents more than 32 MiB together once their aliases are
 * written out were said as text under `--json`, which no JSON parser reads (review F, F4: stderr holds the JSON error
 * alone). Now each carries its code (`UnreadableFile`, exit 5; `NoDocuments`, exit 5; `VALIDATION_ERROR`, exit 8) and
 * the last is JSON too; the exit statuses and the text without `--json` are as they were.
 *
 * The CLI's program in this process against a closed port: each refusal comes before anything is sent.
 * Before the fix 5 of 5 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliAgainstClosedPort } from './support/gatehouse-cli.ts';

type Errors = { errors: { file?: string; message: string; code?: string }[] };
const errorsOf = (stderr: string): Errors['errors'] => (JSON.parse(stderr) as Errors).errors;

describe('review ur1: apply --json, every error of its files has a code', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-ur1-'));
  });
  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('a file that cannot be read (not UTF-8): UnreadableFile, exit 5', async () => {
    const file = join(dir, 'latin1.yaml');
    await writeFile(file, Buffer.from('apiVersion: gatehouse.dev/v1\nkind: User\nmetadata: {name: caf\xe9}\n', 'latin1'));
    const r = await cliAgainstClosedPort(['apply', '-f', file, '--json']);
    assert.equal(r.status, 5, r.err);
    assert.equal(r.out, '');
    const [e] = errorsOf(r.err);
    assert.equal(e?.file, file);
    assert.match(e?.message ?? '', /^cannot read: /);
    assert.equal(e?.code, 'UnreadableFile');
  });

  it('a path that is not there: UnreadableFile, exit 5', async () => {
    const r = await cliAgainstClosedPort(['plan', '-f', join(dir, 'gone'), '--json']);
    assert.equal(r.status, 5, r.err);
    assert.deepEqual(errorsOf(r.err).map((e) => e.code), ['UnreadableFile']);
  });

  it('a directory holding no documents: NoDocuments, exit 5', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    const r = await cliAgainstClosedPort(['apply', '-f', empty, '--json']);
    assert.equal(r.status, 5, r.err);
    const [e] = errorsOf(r.err);
    assert.match(e?.message ?? '', /^no documents found in /);
    assert.equal(e?.code, 'NoDocuments');
  });

  it('a file over 4 Mi characters: VALIDATION_ERROR, exit 8', async () => {
    const file = join(dir, 'huge.yaml');
    await writeFile(file, `# ${'x'.repeat(4 << 20)}\n`);
    const r = await cliAgainstClosedPort(['apply', '-f', file, '--json']);
    assert.equal(r.status, 8, r.err);
    const [e] = errorsOf(r.err);
    assert.match(e?.message ?? '', /^file is \d+ characters; a configuration file may have at most/);
    assert.equal(e?.code, 'VALIDATION_ERROR');
  });

  it('documents more than 32 MiB together: a JSON error with VALIDATION_ERROR, exit 8; as text without --json', async () => {
    const file = join(dir, 'wides.yaml');
    const doc = (j: number) => ['---', 'apiVersion: gatehouse.dev/v1', 'kind: User', `metadata: {name: w${j}}`, 'spec:', '  tags:', `    a: &big "${'x'.repeat(200_000)}"`, `    l: [${Array(70).fill('*big').join(', ')}]`];
    await writeFile(file, [...doc(0), ...doc(1), ...doc(2), ''].join('\n'));
    const r = await cliAgainstClosedPort(['plan', '-f', file, '--json']);
    assert.equal(r.status, 8, r.err);
    const [e] = errorsOf(r.err);
    assert.match(e?.message ?? '', /^the documents are more than 32 MiB of JSON together/);
    assert.equal(e?.code, 'VALIDATION_ERROR');
    const text = await cliAgainstClosedPort(['plan', '-f', file]);
    assert.equal(text.status, 8);
    assert.match(text.err, /^gatehouse: the documents are more than 32 MiB of JSON together, once their aliases are written out[^\n]*\ngatehouse plan: 1 error; nothing was changed\n$/);
  });
});
