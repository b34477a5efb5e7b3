/**
 * Review `readme`, bn6: §2's `gatehouse apply` ends a refused apply with `gatehouse apply: 1 error; nothing was
 * changed` when the server refuses a document (an unknown kind or field, a missing group). A file that is not YAML
 * (a mis-indented line: the likeliest slip when editing examples/config) was refused before anything was sent, and
 * said only `FILE:LINE:COL: document 1: yaml: …`, not that nothing was changed, so the user could not tell whether
 * the documents before the bad one had been applied. Now it ends the same way, `plan` likewise; `--json` is unchanged.
 * Against a real server (startTestServer, SQLite in a temporary dir), the CLI run in process (`cliAgainst`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
const work = await mkdtemp(join(tmpdir(), 'gatehouse-bn6-'));

before(async () => {
  s = await startTestServer();
});

after(async () => {
  await s?.stop();
  await rm(work, { recursive: true, force: true });
});

test('bn6: apply and plan of a file that is not YAML say where, and that nothing was changed', async () => {
  const file = join(work, 'users.yaml');
  // The first document is good; the second's `spec` is indented one space.
  await writeFile(file, 'apiVersion: gatehouse.dev/v1\nkind: User\nmetadata:\n  name: dave\n---\napiVersion: gatehouse.dev/v1\nkind: User\nmetadata:\n  name: erin\n spec: {}\n');
  for (const command of ['apply', 'plan'] as const) {
    const r = await cliAgainst(s, [command, '-f', file]);
    assert.equal(r.status, EXIT.invalidInput, r.err);
    assert.equal(r.out, '');
    assert.equal(r.err, `${file}:10:1: document 2: yaml: all mapping items must start at the same column [VALIDATION_ERROR]\ngatehouse ${command}: 1 error; nothing was changed\n`);
  }
  const users = await s.iam().send(new I.ListUsersCommand({}));
  assert.deepEqual(users.Users?.map((u) => u.UserName), ['admin'], 'dave, before the bad document, was not created');
  const json = await cliAgainst(s, ['apply', '--json', '-f', file]);
  assert.equal(json.status, EXIT.invalidInput, json.err);
  assert.deepEqual(Object.keys(JSON.parse(json.err) as object), ['errors']);
});
