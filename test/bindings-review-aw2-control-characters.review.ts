/**
 * Review aw, 2: a condition's `title` and `description`, and the text of its `expression` (inside a string literal),
 * took any character: terminal controls (ESC), bidi overrides (U+202E), zero-width and line-separator characters were
 * stored and shown as they are. Whoever may set a policy could write a title such as
 * `temp<ESC>[1A<ESC>[2K…`, and `gatehouse iam-policy get` (and every decision's reason, which names the condition by its
 * title) printed it raw to an administrator's terminal, erasing the line above it — the `allUsers` member of the
 * binding — or an expression whose text reads otherwise than it evaluates ("Trojan Source"). A refused expression's
 * error message even echoed the raw character back. Now such characters are refused at write, wherever they are
 * (BINDINGS_INVALID_CONDITION at `bindings[i].condition.title`, `.description` or `.expression`, naming the code point;
 * inside a string literal they can still be written as the escape `\u001b`); a description may keep its line breaks
 * and tabs, and ordinary text in any script, emoji included, is accepted as before.
 * Real server, SigV4-signed /v1/ calls, the CLI's program in this process (test/support/gatehouse-cli.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { parseCondition } from '../src/core/bindings/index.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const MODEL = 'arn:aws:training::000000000000:model/aw2';
const ESC = '\u001b';
const UNTIL = 'request.time < timestamp("2099-01-01T00:00:00Z")';

let server: TestServer;
let home: string;

before(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'aw2-'));
  await server.iam().send(new I.CreateUserCommand({ UserName: 'ann' }));
});
after(async () => {
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

type Detail = { code: string; path: string; message: string };
const put = (condition: Record<string, string>) =>
  gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: MODEL, bindings: [{ role: 'roles/ml.viewer', members: ['user:ann'], condition }] });

test('a title, description or expression holding controls, bidi or invisible characters is refused, at its path', async () => {
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ title: `temp${ESC}[1A${ESC}[2Kaccess`, expression: UNTIL }, 'bindings[0].condition.title', /U\+001B/],
    [{ title: 'until\u202E2099', expression: UNTIL }, 'bindings[0].condition.title', /U\+202E/],
    [{ title: 'line\u2028break', expression: UNTIL }, 'bindings[0].condition.title', /U\+2028/],
    [{ title: 't', description: `a${ESC}]0;pwned\u0007`, expression: UNTIL }, 'bindings[0].condition.description', /U\+001B/],
    [{ title: 't', description: 'zero\u200Bwidth', expression: UNTIL }, 'bindings[0].condition.description', /U\+200B/],
    [{ title: 't', expression: `resource.name == "a${ESC}[2Kb"` }, 'bindings[0].condition.expression', /U\+001B/],
    [{ title: 't', expression: 'resource.name.startsWith("arn:aws:training::000000000000:model/\u202Eaw2")' }, 'bindings[0].condition.expression', /U\+202E/],
    [{ title: 't', expression: `${UNTIL} ${ESC}` }, 'bindings[0].condition.expression', /U\+001B/],
  ];
  for (const [condition, path, code] of cases) {
    const r = await put(condition);
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const d = (r.json['error'] as { details: Detail[] }).details;
    assert.deepEqual(d.map((x) => [x.code, x.path]), [['BINDINGS_INVALID_CONDITION', path]], JSON.stringify(d));
    assert.match(d[0]?.message ?? '', code);
    // The refusal names the character; it never carries it.
    for (const m of [(r.json['error'] as { message: string }).message, ...d.map((x) => x.message)]) assert.doesNotMatch(m, /[\u001b\u202e\u2028\u200b]/);
  }
  const got = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(MODEL)}`);
  assert.deepEqual(got.json['bindings'], [], 'nothing was written');
});

test('escapes, line breaks in a description and text in any script are accepted as before', async () => {
  const r = await put({ title: 'Zugriff bis März 🕒', description: 'first line\n\tsecond line', expression: 'resource.name != "arn:aws:training::000000000000:model/aw2/a\\u001bb" && request.time < timestamp("2099-01-01T00:00:00Z")' });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.ok(parseCondition('resource.name == "\\u202e"').ok);
  // A condition may span lines, and take tabs, as CEL whitespace.
  assert.ok(parseCondition(`request.time < timestamp("2099-01-01T00:00:00Z")\n\t&& resource.name != ""`).ok);
});

test('apply and gatehouse iam-policy set refuse it too', async () => {
  const doc = { apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'aw2' }, spec: { resource: MODEL, bindings: [{ role: 'roles/ml.viewer', members: ['user:ann'], condition: { title: `x${ESC}[2J`, expression: UNTIL } }] } };
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc] });
  assert.equal(r.status, 400, JSON.stringify(r.json));
  assert.match(JSON.stringify(r.json), /spec\.bindings\[0\]\.condition\.title/);
  const file = join(home, 'p.json');
  await writeFile(file, JSON.stringify({ bindings: doc.spec.bindings }));
  const cli = await gatehouseCliInProcess(['iam-policy', 'set', MODEL, '--file', file], server.admin, { endpoint: server.url, home });
  assert.equal(cli.code, 3, cli.stderr);
  assert.match(cli.stderr, /bindings\[0\]\.condition\.title/);
  assert.doesNotMatch(cli.stderr, /\u001b/);
});
