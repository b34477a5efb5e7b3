/**
 * Review wf, finding 2: a file saved with Windows line ends (CRLF: a GitOps repository checked out with
 * `core.autocrlf=true`, a file written on Windows) lost the place of every error inside a policy given as its JSON text
 * in a literal block (`document: |`). docs/documents.md promises such an error at its line and column in the file; with
 * CRLF, the check that the text's lines are the file's compared each line with its `\r` left on, found them different
 * and fell back to the `document:` key, so `unknown statement element` was placed four lines above it and a JSON syntax
 * error was told at the key, `at line 3, column 79` of the text, where the same file with LF placed both on line 8. Now a
 * line's `\r` is not part of its text: the same errors are placed alike whatever the line ends. The real CLI in process
 * against a real server (SQLite).
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const policy = (statement: string): string => `apiVersion: gatehouse.dev/v1
kind: Policy
metadata: {name: crlf}
spec:
  document: |
    {
      "Version": "2012-10-17",
      "Statement": [${statement}]
    }
`;
const crlf = (text: string): string => text.replaceAll('\n', '\r\n');

describe('review wf2: errors inside a literal block policy text of a CRLF file are placed', () => {
  const w = applyWorkspace('wf2');

  for (const [what, statement, message] of [
    ['an unknown element', '{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Bogus": 1}', /:8:84: document 1 \(Policy crlf\): spec\.document\.Statement\[0\]\.Bogus: unknown statement element/],
    ['a JSON syntax error', '{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",,}', /:8:83: document 1 \(Policy crlf\): spec\.document: expected a string key \[/],
  ] as const) {
    it(`${what}: on its line and column, as with LF`, async () => {
      const lf = await w.cli('plan', '-f', await w.file(`lf-${what.length}.yaml`, policy(statement)));
      const dos = await w.cli('plan', '-f', await w.file(`crlf-${what.length}.yaml`, crlf(policy(statement))));
      assert.match(lf.err, message);
      assert.notEqual(dos.status, 0, dos.out);
      assert.match(dos.err, message);
      assert.equal(dos.err.replace(/crlf-/g, 'lf-'), lf.err);
    });
  }
});
