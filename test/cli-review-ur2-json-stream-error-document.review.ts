/**
 * Review ur, 2: a syntax error in a JSON stream (`{…}\n[{…}, {…}]\n{…}` in a `.json` file, as `jq -c '.items[]'` prints
 * a list's items and kubectl reads them) was placed by its line and column alone, with no `document`, where the same
 * error in a YAML stream names its document (`document 4: yaml: …`, `"document": 4` with `--json`), and every other
 * error of a stream's value (a misread number, the server's refusal) names the document numbered the same way. A CI
 * step annotating the document at fault, and the reader of `file:3:68: json: …` in a stream of a thousand one-line
 * values, had to count them. Now it names the document, numbered as the rest are: each value of the stream one
 * document, a list's items one each, a value that does not parse one. A single JSON document is placed as before.
 *
 * The CLI's program in this process against a closed port: each refusal comes before anything is sent.
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliAgainstClosedPort } from './support/gatehouse-cli.ts';

const user = (name: string) => JSON.stringify({ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name } });
type Placed = { line?: number; column?: number; document?: number; message: string; code?: string };
const errorsOf = (stderr: string): Placed[] => (JSON.parse(stderr) as { errors: Placed[] }).errors;

describe('review ur2: a JSON stream\'s syntax error names its document', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-ur2-'));
  });
  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('the fourth document (after one object and a list of two) is document 4, in --json and in text', async () => {
    const file = join(dir, 'stream.json');
    await writeFile(file, `${user('a')}\n[${user('b')}, ${user('c')}]\n{"apiVersion": "gatehouse.dev/v1", "kind": "User", "metadata": {"name": d}}\n`);
    const r = await cliAgainstClosedPort(['apply', '-f', file, '--json']);
    assert.equal(r.status, 8, r.err);
    const [e] = errorsOf(r.err);
    assert.deepEqual([e?.line, e?.document, e?.code], [3, 4, 'VALIDATION_ERROR'], r.err);
    const text = await cliAgainstClosedPort(['plan', '-f', file]);
    assert.match(text.err, /stream\.json:3:\d+: document 4: json: unexpected character `d` \[VALIDATION_ERROR\]\n/);
  });

  it('each broken value is one document, numbered in order', async () => {
    const file = join(dir, 'two-broken.json');
    await writeFile(file, `{"kind": User}\n${user('b')}\n[${user('c')}, ${user('d')}, ${user('e')}]\n{"kind": , }\n`);
    const r = await cliAgainstClosedPort(['plan', '-f', file, '--json']);
    assert.equal(r.status, 8, r.err);
    assert.deepEqual(errorsOf(r.err).map((e) => [e.line, e.document]), [[1, 1], [4, 6]], r.err);
  });

  it('as the same stream\'s other errors number it: a misread number in that document is document 4 too', async () => {
    const file = join(dir, 'lossy.json');
    await writeFile(file, `${user('a')}\n[${user('b')}, ${user('c')}]\n{"apiVersion": "gatehouse.dev/v1", "kind": "Account", "metadata": {"name": 012345678901}}\n`);
    const r = await cliAgainstClosedPort(['plan', '-f', file, '--json']);
    assert.equal(r.status, 8, r.err);
    assert.deepEqual(errorsOf(r.err).map((e) => [e.line, e.document]), [[3, 4]], r.err);
  });
});
