/**
 * Review wf, finding 1: a byte order mark at the start of a document other than the file's first was read as part of the
 * document's first key. Files saved "UTF-8 with BOM" (Notepad, Windows PowerShell's `Out-File -Encoding utf8`) and
 * joined into one stream as CI steps and kustomize-like scripts join them (`for f in *.yaml; do echo ---; cat "$f";
 * done`) give `---` then a BOM then `apiVersion:`; the CLI refused that document with "apiVersion: `apiVersion` is
 * required" on the very line that holds it (the key read was U+FEFF + `apiVersion`, invisible), where kubectl, which
 * decodes each document of the stream on its own, drops each BOM and applies them. A BOM just before a `---` line (a
 * BOM-prefixed file starting with `---`, `cat`-ed after another) is allowed by YAML 1.2 itself (§9.2, a stream's
 * `c-byte-order-mark l-comment* l-explicit-document`), and was a syntax error ("implicit keys need to be on a single
 * line"). Now a BOM at the start of a document, before or after its `---`, is dropped as the file's first one is; the
 * lines of errors after it are unchanged. The real CLI in process against a real server (SQLite).
 *
 * Before the fix 3 of 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const BOM = '\uFEFF';
const user = (name: string, spec = '{}'): string => `apiVersion: gatehouse.dev/v1\nkind: User\nmetadata: {name: ${name}}\nspec: ${spec}\n`;

describe('review wf1: a byte order mark at the start of each document of a stream', () => {
  const w = applyWorkspace('wf1');

  it('files joined with `---`, each starting with a BOM, are planned and applied', async () => {
    const f = await w.file('joined.yaml', `---\n${BOM}${user('bom-a')}---\n${BOM}${user('bom-b')}`);
    const plan = await w.cli('plan', '-f', f);
    assert.equal(plan.status, 0, plan.out + plan.err);
    assert.match(plan.out, /\+ create User\/bom-a/);
    assert.match(plan.out, /\+ create User\/bom-b/);
    const applied = await w.cli('apply', '-f', f);
    assert.equal(applied.status, 0, applied.out + applied.err);
    assert.match(applied.out, /applied: 2 created/);
    // Saved with Windows line ends too.
    const crlf = await w.file('joined-crlf.yaml', `---\n${BOM}${user('bom-g')}---\n${BOM}${user('bom-h')}`.replaceAll('\n', '\r\n'));
    const r = await w.cli('plan', '-f', crlf);
    assert.equal(r.status, 0, r.out + r.err);
    assert.match(r.out, /\+ create User\/bom-h/);
  });

  it('a BOM before a `---` line (YAML 1.2 allows it) starts the next document', async () => {
    const f = await w.file('cat.yaml', `${user('bom-c')}${BOM}---\n${user('bom-d')}`);
    const plan = await w.cli('plan', '-f', f);
    assert.equal(plan.status, 0, plan.out + plan.err);
    assert.match(plan.out, /\+ create User\/bom-c/);
    assert.match(plan.out, /\+ create User\/bom-d/);
  });

  it('an error after a dropped BOM is still placed on its line', async () => {
    const f = await w.file('placed.yaml', `${user('bom-e')}---\n${BOM}${user('bom-f', '{tags: {team: [1]}}')}`);
    const plan = await w.cli('plan', '-f', f);
    assert.equal(plan.status, 8, plan.out + plan.err);
    assert.match(plan.err, /^\S*placed\.yaml:9:\d+: document 2 \(User bom-f\): spec\.tags/m);
    assert.doesNotMatch(plan.err, /apiVersion/);
  });
});
