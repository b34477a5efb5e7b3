/**
 * Review pb, 2 (cli): `gatehouse iam-policy set RESOURCE --file policy.json` refused a `.json` file that starts with a
 * UTF-8 byte order mark (Notepad's "UTF-8 with BOM", Windows PowerShell's `Out-File -Encoding utf8`, which the CLI's
 * own advice for a UTF-16 file names) with `not JSON: line 1, column 1: unexpected character `﻿``, exit 3, the mark
 * itself printed raw, so the message showed an empty pair of backticks. Every other reader of the CLI takes such a file
 * (`policy validate`/`evaluate`, `apply -f`, `iam … --document`/`--trust-policy`, `resource-policies put`, and this
 * very command for a `.yaml` file or JSON on standard input), and `iam-policy set` says it reads its file "as `gatehouse
 * apply` reads its files" (src/adapters/cli/commands/iam-policy.ts), which drops the mark. Now the mark is dropped
 * here too. And the line that says what is wrong with the file escaped nothing: a character that prints nothing or
 * moves text (the mark, a zero-width space, an ESC in the file's name or in the character quoted) reached the terminal
 * as is, where every other file error is shown with escapes (review od, 1: `\u{feff}`-style escapes, `\x1b`).
 *
 * The CLI in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('pb2: iam-policy set --file with a UTF-8 byte order mark', () => {
  let s: TestServer;
  let dir: string;
  const resource = 'arn:aws:training::000000000000:model/bom';
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-pb2-'));
  });
  after(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });

  it('a .json file that starts with the mark is set, as a .yaml file with it is', async () => {
    const file = join(dir, 'policy.json');
    await writeFile(file, `\uFEFF${JSON.stringify({ bindings: [{ role: 'roles/viewer', members: ['user:admin'] }] }, null, 2)}\n`);
    const r = await cli(['iam-policy', 'set', resource, '--file', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /set \(1 binding\(s\)/);
    const got = await cli(['iam-policy', 'get', resource, '--json']);
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual((JSON.parse(got.stdout) as { bindings: unknown[] }).bindings, [{ role: 'roles/viewer', members: ['user:admin'] }]);
  });

  it('what is wrong with a file is shown with escapes: no raw zero-width or control character reaches the terminal', async () => {
    const file = join(dir, 'bad\u001b[2K.json');
    await writeFile(file, '{"bindings": \u200b[]}\n');
    const r = await cli(['iam-policy', 'set', resource, '--file', file]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /not JSON: line 1, column 14/);
    assert.doesNotMatch(r.stderr, /[\u001b\u200b\uFEFF]/, JSON.stringify(r.stderr));
    assert.match(r.stderr, /\\u\{?200b\}?/i, r.stderr);
    assert.match(r.stderr, /\\x1b/, r.stderr);
  });
});
