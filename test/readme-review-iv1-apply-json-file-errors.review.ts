/**
 * Review `readme`, iv1: a `.json` file given to `gatehouse plan`/`apply` (README §2: "YAML or JSON documents";
 * docs/documents.md: "`.json` files … JSON holds one document, a list of them, or several") was read by the YAML reader,
 * JSON being YAML 1.2's flow style. So (1) a JSON syntax error came out in the YAML library's words, often twice:
 * a missing comma said `user.json:4:24: document 1: json: unexpected double-quoted-scalar token` and then, at another
 * place, `json: block collections are not allowed within flow collections`, where `policy validate` says of the same
 * slip `expected `,` or `}``; and (2) text that is not JSON at all was applied as if it were: a trailing comma
 * (`"groups": ["researchers"],` before `}`), single-quoted strings, a comment. kubectl's reader refuses such a file
 * ("invalid character"), and a CI check that validates the JSON with `jq` disagrees with what was applied. Now a
 * `.json` file that starts as JSON does (`{`, `[`; kubectl goes by the text too), and each value of a JSON stream, is
 * read as JSON first: its first syntax error is the one reported, in JSON's words (the reader policies are read with),
 * at the file's line and column, exit 8 with nothing sent; a valid JSON file is applied as before, and an account id
 * unquoted (`012345678901`) still gets review ak1's message. `gatehouse iam-policy set --file x.json` reads its file the same way.
 * Before the fix 4 of 4 tests failed.
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
  dir = await mkdtemp(join(tmpdir(), 'gh-iv1-'));
});
after(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

const cli = async (args: readonly string[], files: Record<string, string>) => {
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return gatehouseCliInProcess(args, server.admin, { endpoint: server.url, home: dir }, { cwd: dir });
};

const USER = (spec: string) => `{\n  "apiVersion": "gatehouse.dev/v1",\n  "kind": "User",\n  "metadata": {"name": "dave"},\n  "spec": ${spec}\n}\n`;

test('iv1: a JSON syntax error in a .json file is said in JSON’s words, once, where it is', async () => {
  // Line 4 lacks the comma after `"User"`.
  const r = await cli(['plan', '-f', 'user.json'], { 'user.json': '{\n  "apiVersion": "gatehouse.dev/v1",\n  "kind": "User"\n  "metadata": {"name": "dave"}\n}\n' });
  assert.equal(r.code, EXIT.invalidInput, r.stderr);
  assert.equal(r.stderr, 'user.json:4:3: json: expected `,` or `}` [VALIDATION_ERROR]\ngatehouse plan: 1 error; nothing was changed\n');
  assert.equal(r.stdout, '');
});

test('iv1: what JSON refuses (a trailing comma, single quotes, a comment) is refused, not applied', async () => {
  for (const [text, line, column, message] of [
    [USER('{\n    "groups": [],\n  }'), 7, 3, 'expected a string key'],
    [USER("{'groups': []}"), 5, 12, 'expected a string key'],
    [USER('{}').replace('{\n', '{\n  // the new analyst\n'), 2, 3, 'expected a string key'],
  ] as const) {
    const r = await cli(['apply', '-f', 'user.json'], { 'user.json': text });
    assert.equal(r.code, EXIT.invalidInput, `${text}\n${r.stdout}${r.stderr}`);
    assert.equal(r.stderr, `user.json:${line}:${column}: json: ${message} [VALIDATION_ERROR]\ngatehouse apply: 1 error; nothing was changed\n`, text);
  }
  const users = await cli(['iam', 'users', 'list', '--json'], {});
  assert.doesNotMatch(users.stdout, /"dave"/, 'nothing was applied');
});

test('iv1: a JSON stream names the value at fault at its place in the file; valid JSON applies as before', async () => {
  const good = USER('{}').replace(/\n\s*/g, ' ');
  const stream = `${good}\n{"apiVersion": "gatehouse.dev/v1", "kind": "Group", "metadata": {"name": "g",}}\n`;
  const bad = await cli(['plan', '-f', 'stream.json'], { 'stream.json': stream });
  assert.equal(bad.code, EXIT.invalidInput, bad.stderr);
  // The stream's second value, named as a YAML stream's document is (review ur, 2).
  assert.equal(bad.stderr, 'stream.json:2:78: document 2: json: expected a string key [VALIDATION_ERROR]\ngatehouse plan: 1 error; nothing was changed\n');

  const ok = await cli(['apply', '-f', 'users.json'], { 'users.json': `[${USER('{}')}, ${USER('{}').replace('dave', 'erin')}]` });
  assert.equal(ok.code, EXIT.ok, ok.stderr);
  assert.match(ok.stdout, /applied: 2 created, 0 updated, 0 deleted, 0 unchanged/);
  // YAML in a file named .json (it does not start as JSON does) is read as YAML, as before.
  const misnamed = await cli(['plan', '-f', 'misnamed.json'], { 'misnamed.json': 'apiVersion: gatehouse.dev/v1\nkind: User\nmetadata: {name: fay}\n' });
  assert.equal(misnamed.code, EXIT.ok, misnamed.stderr);
  assert.match(misnamed.stdout, /\+ create User\/fay/);
});

test('iv1: `iam-policy set --file x.json` reads the file as JSON too', async () => {
  const r = await cli(['iam-policy', 'set', 'account/000000000000', '--file', 'policy.json'], { 'policy.json': '{\n  "bindings": [\n    {"role": "roles/viewer" "members": ["user:alice"]}\n  ]\n}\n' });
  assert.equal(r.code, EXIT.invalidPolicy, r.stderr);
  assert.equal(r.stderr, 'gatehouse: policy.json: not JSON: line 3, column 29: expected `,` or `}`\n');
});
