/**
 * Review tl, finding 4: `gatehouse plan` / `apply` refusing a YAML value that would not be read as written (`0777`, read
 * as the number 777; an account id losing its leading zero) said only `a.yaml:9:34: document 2: spec.tags[0].Value: …`,
 * where every other refusal of a document says which object it is and its code (`document 2 (User probe): … 
 * [VALIDATION_ERROR]`), and with `--json` the error had no `code`, `kind` or `name`, which the errors the server finds
 * in the same documents carry (docs/errors.md: apply reports its files' errors as `{"errors": [...]}`, placed in the
 * file, and a CI step reads them to annotate the line at fault, review eo, 2; a `kind: List`'s item is named by its own
 * kind and name, review pf, 4). Now such an error names its document's kind and name, when the document has them, and
 * carries the code VALIDATION_ERROR, in text and in `--json`. The real CLI in process against a real server (SQLite).
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace, twoUsers } from './support/apply-files.ts';

const FILE = twoUsers('{tags: [{Key: mode, Value: 0777}]}');

describe('review tl4: a value YAML misreads is refused naming its object and code', () => {
  const w = applyWorkspace('tl4');

  it('as text, as the server refuses a document', async () => {
    const r = await w.cli('plan', '-f', await w.file('a.yaml', FILE));
    assert.equal(r.status, 8, r.out + r.err);
    assert.match(r.err, /a\.yaml:9:34: document 2 \(User probe\): spec\.tags\[0\]\.Value: `0777` is read by YAML as the number 777, not as written; quote it \('0777'\) to keep the text \[VALIDATION_ERROR\]\n/);
  });

  it('with --json, with its code, kind and name', async () => {
    const r = await w.cli('plan', '--json', '-f', await w.file('b.yaml', FILE));
    assert.equal(r.status, 8, r.out + r.err);
    const errors = (JSON.parse(r.err) as { errors: Record<string, unknown>[] }).errors;
    assert.equal(errors.length, 1, r.err);
    assert.deepEqual({ code: errors[0]?.['code'], kind: errors[0]?.['kind'], name: errors[0]?.['name'], path: errors[0]?.['path'], line: errors[0]?.['line'] }, { code: 'VALIDATION_ERROR', kind: 'User', name: 'probe', path: 'spec.tags[0].Value', line: 9 });
  });
});
