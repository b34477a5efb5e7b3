/**
 * Review tx, finding 2: a YAML or JSON syntax error in a file given to `gatehouse apply` / `plan` was the one error of
 * the command without a code: `bad.yaml:9:1: document 2: yaml: …` and, with `--json`, `{"file", "line", "column",
 * "document", "message"}`, where every other refusal of a document, the CLI's own included (a value YAML misreads:
 * `[VALIDATION_ERROR]`, review tl, 4), and a policy file's syntax error (`[POLICY_JSON_SYNTAX]`, review hm, 7) carry
 * one. docs/errors.md: every expected failure has a code from the closed set; a file that is not YAML or JSON exits 8,
 * the status of VALIDATION_ERROR. A document refused whole (its aliases write out to more than the server reads) had
 * not even a line. Now each such error carries `VALIDATION_ERROR`, in text (`[VALIDATION_ERROR]`) and in `--json`, and
 * one refused whole is placed at its document's start. The real CLI in process against a real server (SQLite).
 *
 * Before the fix 3 of 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const BROKEN = `apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: one}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: probe
spec: {}
`;

/** A second document whose aliases write out to more than 32 MiB of JSON (900 aliases of 40,000 characters). */
const WIDE = [
  'apiVersion: gatehouse.dev/v1',
  'kind: Group',
  'metadata: {name: g}',
  'spec: {}',
  '---',
  'apiVersion: gatehouse.dev/v1',
  'kind: User',
  'metadata: {name: wide}',
  'spec:',
  '  tags:',
  `    a: &big "${'x'.repeat(40_000)}"`,
  `    l: [${Array(900).fill('*big').join(', ')}]`,
  '',
].join('\n');

type Shown = { code?: unknown; line?: unknown; document?: unknown; message?: unknown };

describe('review tx2: a syntax error in an applied file has its code and its line', () => {
  const w = applyWorkspace('tx2');

  it('YAML, as text: the code after the message, as every other error', async () => {
    const r = await w.cli('plan', '-f', await w.file('bad.yaml', BROKEN));
    assert.equal(r.status, 8, r.out + r.err);
    assert.match(r.err, /bad\.yaml:9:1: document 2: yaml: .* \[VALIDATION_ERROR\]\n/);
  });

  it('YAML and JSON, with --json: the code beside the line', async () => {
    const y = await w.cli('plan', '--json', '-f', await w.file('bad2.yaml', BROKEN));
    const j = await w.cli('plan', '--json', '-f', await w.file('bad.json', '{"apiVersion": "gatehouse.dev/v1",\n "kind": "User" "metadata": {}}\n'));
    for (const r of [y, j]) {
      assert.equal(r.status, 8, r.out + r.err);
      const [e] = (JSON.parse(r.err) as { errors: Shown[] }).errors;
      assert.equal(e?.code, 'VALIDATION_ERROR', r.err);
      assert.equal(typeof e?.line, 'number', r.err);
    }
  });

  it('a document refused whole is placed at its start, with its code', async () => {
    const r = await w.cli('plan', '--json', '-f', await w.file('big.yaml', WIDE));
    assert.equal(r.status, 8, r.out + r.err);
    const [e] = (JSON.parse(r.err) as { errors: Shown[] }).errors;
    assert.match(String(e?.message), /MiB of JSON once its aliases are written out/);
    assert.deepEqual({ code: e?.code, line: e?.line, document: e?.document }, { code: 'VALIDATION_ERROR', line: 6, document: 2 });
  });
});
