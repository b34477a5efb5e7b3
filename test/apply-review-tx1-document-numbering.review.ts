/**
 * Review tx, finding 1: `gatehouse apply --json` and `plan --json` numbered one document of a multi-document file two
 * ways. An error the CLI finds before sending (a value YAML misreads, a YAML slip) gave `"document": 2` for the second
 * document of `users.yaml`, as the text output says it (`users.yaml:9:…: document 2 (User probe): …`); an error the
 * server finds in the same document gave the server's own index, 0-based and counted across every file given
 * (`"document": 1` when `users.yaml` is the only file, `"document": 3` after a file of two documents), beside a
 * `fileDocument` that was 0-based again. docs/errors.md: apply reports its files' errors as `{"errors": [...]}`, "the
 * errors the server finds in apply's documents are its `details`, each with its `file`, `line` and `column`", placed
 * as the text output places them (review eo, 2), so that a CI step annotates the document at fault from either. Now
 * every error of `--json` that is within a document gives `document` as the text does: its 1-based position in its
 * `file`; the server's 0-based index is not passed on under that name. The real CLI in process against a real server
 * (SQLite).
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace, twoUsers } from './support/apply-files.ts';

const OTHER = `apiVersion: gatehouse.dev/v1
kind: Group
metadata: {name: g1}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: Group
metadata: {name: g2}
spec: {}
`;

type Placed = { file?: unknown; document?: unknown; fileDocument?: unknown; line?: unknown; kind?: unknown; name?: unknown };

/** The errors of a failed `plan --json`, from the CLI's own check (`errors`) or from the server's answer (`error.details`). */
function errorsOf(stderr: string): Placed[] {
  const j = JSON.parse(stderr) as { errors?: Placed[]; error?: { details?: Placed[] } };
  return j.errors ?? j.error?.details ?? [];
}

describe("review tx1: a document's number is the same in the CLI's errors and the server's", () => {
  const w = applyWorkspace('tx1');

  it('the second document of the only file given is document 2, whoever finds its error', async () => {
    const local = await w.cli('plan', '--json', '-f', await w.file('local.yaml', twoUsers('{tags: [{Key: mode, Value: 0777}]}')));
    const server = await w.cli('plan', '--json', '-f', await w.file('server.yaml', twoUsers('{tagz: 1}')));
    assert.equal(local.status, 8, local.err);
    assert.equal(server.status, 8, server.err);
    const shown = (e: Placed | undefined) => ({ document: e?.document, fileDocument: e?.fileDocument, line: e?.line, kind: e?.kind, name: e?.name });
    assert.deepEqual(shown(errorsOf(local.err)[0]), { document: 2, fileDocument: undefined, line: 9, kind: 'User', name: 'probe' });
    assert.deepEqual(shown(errorsOf(server.err)[0]), { document: 2, fileDocument: undefined, line: 9, kind: 'User', name: 'probe' });
    const text = await w.cli('plan', '-f', await w.file('text.yaml', twoUsers('{tagz: 1}')));
    assert.match(text.err, /text\.yaml:9:8: document 2 \(User probe\): /);
  });

  it('after another file, a document is still numbered in its own file', async () => {
    const other = await w.file('groups.yaml', OTHER);
    const r = await w.cli('plan', '--json', '-f', other, '-f', await w.file('after.yaml', twoUsers('{tagz: 1}')));
    assert.equal(r.status, 8, r.err);
    const [e] = errorsOf(r.err);
    assert.match(String(e?.file), /after\.yaml$/);
    assert.equal(e?.document, 2, r.err);
  });
});
