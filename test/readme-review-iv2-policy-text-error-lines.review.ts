/**
 * Review `readme`, iv2: docs/documents.md lets a policy in an apply document be written "as YAML or JSON objects, or
 * their JSON text" (`document: |` followed by the JSON pasted from the AWS console or an `aws iam get-policy-version`),
 * and README §1 promises that "every error gives the file, line and column". For such a text the server's errors carry
 * the JSON path alone, so `gatehouse plan` placed every one of them at the `document:` key: a missing comma on line 10
 * of `policies.yaml` came out as `policies.yaml:6:3: … spec.document: expected `,` or `}` at line 4, column 24`, where
 * line 4 of the file is `name: …` (the line is the text's), and an `Effect: allow` in it at 6:3 too. A CI annotation,
 * or an editor jumping to the error, went to the wrong line. Now the CLI finds the element in the text (with the JSON
 * reader the engine uses) and carries its place over to the file, for a literal block (`|`, `|-`) and a text written
 * on one line (plain, single- or double-quoted without escapes), in the text output and in `--json`'s `line` and
 * `column`; the message no longer gives the text's own line and column then. A folded (`>`) or escaped text, whose
 * lines are not the file's, is placed at its key as before. The CLI in process against a real server on 127.0.0.1.
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let dir: string;
before(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'gh-iv2-'));
});
after(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

const plan = async (text: string, json = false) => {
  await writeFile(join(dir, 'policies.yaml'), text);
  return gatehouseCliInProcess(['plan', '-f', 'policies.yaml', ...(json ? ['--json'] : [])], server.admin, { endpoint: server.url, home: dir }, { cwd: dir });
};

const policy = (name: string, document: string) => `apiVersion: gatehouse.dev/v1\nkind: Policy\nmetadata:\n  name: ${name}\nspec:\n  document: ${document}\n`;
const LITERAL = (statement: string) => `|\n    {\n      "Version": "2012-10-17",\n      "Statement": [\n        ${statement}\n      ]\n    }`;

test('iv2: a syntax error in a policy written as JSON text is at its line and column in the file', async () => {
  const r = await plan(policy('p', LITERAL('{"Effect": "Allow" "Action": "s3:GetObject", "Resource": "*"}')));
  assert.equal(r.code, EXIT.invalidPolicy, r.stderr);
  // Line 10 of the file is the statement; `"Action"` starts at column 28.
  assert.equal(r.stderr.split('\n')[0], 'policies.yaml:10:28: document 1 (Policy p): spec.document: expected `,` or `}` [POLICY_JSON_SYNTAX]');
});

test('iv2: an element at fault in a literal block or a one-line text is at its place in the file', async () => {
  const text = `${policy('a', LITERAL('{"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}'))}---\n${policy('b', `'{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3 GetObject", "Resource": "*"}]}'`)}`;
  const r = await plan(text);
  assert.equal(r.code, EXIT.invalidPolicy, r.stderr);
  const lines = r.stderr.split('\n');
  assert.match(lines[0] ?? '', /^policies\.yaml:10:10: document 1 \(Policy a\): spec\.document\.Statement\[0\]\.Effect: `Effect` must be `Allow` or `Deny`/);
  assert.match(lines[1] ?? '', /^policies\.yaml:19:74: document 2 \(Policy b\): spec\.document\.Statement\[0\]\.Action: action `s3 GetObject`/);
  // Where it says: column 74 of line 19 is the `"Action"` key.
  assert.equal(text.split('\n')[18]?.slice(73, 81), '"Action"');
});

test('iv2: --json gives the same line and column', async () => {
  const r = await plan(policy('p', LITERAL('{"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}')), true);
  assert.equal(r.code, EXIT.invalidPolicy, r.stderr);
  const details = (JSON.parse(r.stderr) as { error: { details: { path: string; line: number; column: number }[] } }).error.details;
  assert.deepEqual(details.map((d) => [d.path, d.line, d.column]), [['spec.document.Statement[0].Effect', 10, 10]]);
});

test('iv2: a folded text, whose lines are not the file’s, and a document written as YAML are placed as before', async () => {
  const folded = await plan(policy('f', `>\n    {"Version": "2012-10-17", "Statement":\n    [{"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}]}`));
  assert.equal(folded.code, EXIT.invalidPolicy, folded.stderr);
  assert.match(folded.stderr, /^policies\.yaml:6:3: document 1 \(Policy f\): spec\.document\.Statement\[0\]\.Effect: /);
  const yaml = await plan(policy('y', `\n    Version: "2012-10-17"\n    Statement:\n      - Effect: allow\n        Action: s3:GetObject\n        Resource: "*"`));
  assert.equal(yaml.code, EXIT.invalidPolicy, yaml.stderr);
  assert.match(yaml.stderr, /^policies\.yaml:9:9: document 1 \(Policy y\): spec\.document\.Statement\[0\]\.Effect: /);
});
