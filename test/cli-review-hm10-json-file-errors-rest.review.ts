/**
 * Review hm, 10: two more `--json` commands printed what was wrong with their files as text on stderr, where every
 * error of a `--json` command is JSON (review F, F4; docs/errors.md): `iam-policy set --file` (a file that cannot be
 * read, that is not JSON or YAML, or whose YAML misreads a value such as `0123`) and `apply -f DIR` with no documents
 * in it. Now they are `{"error": {"code": "UnreadableFile"}}` and `{"errors": [...]}` (with `source`, and `line` and
 * `column` where the file has them), with the same statuses; without `--json` the text is as it was.
 *
 * The CLI in this process against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const MODEL = 'arn:aws:training::000000000000:model/hm10';

describe('hm10: iam-policy set and apply, file errors with --json', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await writeFile(join(s.dataDir, 'broken.yaml'), 'bindings:\n  - role: [roles/viewer\n');
    await writeFile(join(s.dataDir, 'lossy.yaml'), 'bindings:\n  - role: roles/viewer\n    members: [user:admin]\n    title: 0123\n');
    await mkdir(join(s.dataDir, 'nothing-here'));
  });
  after(async () => s?.stop());

  const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir }, { cwd: s.dataDir });

  it('iam-policy set --json: unreadable, not YAML, a misread value', async () => {
    const gone = await cli(['iam-policy', 'set', MODEL, '--file', 'gone.yaml', '--json']);
    assert.equal(gone.code, 5, gone.stderr);
    assert.equal((JSON.parse(gone.stderr) as { error: { code: string } }).error.code, 'UnreadableFile');
    const broken = await cli(['iam-policy', 'set', MODEL, '--file', 'broken.yaml', '--json']);
    assert.equal(broken.code, 3, broken.stderr);
    const b = (JSON.parse(broken.stderr) as { errors: { source: string; message: string }[] }).errors;
    assert.equal(b[0]?.source, 'broken.yaml');
    assert.match(b[0]?.message ?? '', /^not JSON or YAML: line \d+, column \d+: /);
    const lossy = await cli(['iam-policy', 'set', MODEL, '--file', 'lossy.yaml', '--json']);
    assert.equal(lossy.code, 3, lossy.stderr);
    assert.equal(lossy.stdout, '');
    const l = (JSON.parse(lossy.stderr) as { errors: { source: string; code: string; path: string; line: number }[] }).errors;
    assert.deepEqual(l.map((e) => [e.source, e.code, e.path, e.line]), [['lossy.yaml', 'POLICY_JSON_SYNTAX', 'bindings[0].title', 4]]);
    // Without --json, as before.
    const text = await cli(['iam-policy', 'set', MODEL, '--file', 'broken.yaml']);
    assert.match(text.stderr, /^gatehouse: broken\.yaml: not JSON or YAML: /);
    // Nothing was set: the resource's policy is still the empty one.
    const got = await cli(['iam-policy', 'get', MODEL, '--json']);
    assert.deepEqual((JSON.parse(got.stdout) as { bindings: unknown[] }).bindings, []);
  });

  it('apply -f DIR --json with no documents: {"errors": [...]}, exit 5', async () => {
    const r = await cli(['apply', '-f', 'nothing-here', '--json']);
    assert.equal(r.code, 5, r.stderr);
    assert.equal(r.stdout, '');
    assert.match((JSON.parse(r.stderr) as { errors: { message: string }[] }).errors[0]?.message ?? '', /^no documents found in `nothing-here`/);
    const text = await cli(['apply', '-f', 'nothing-here']);
    assert.match(text.stderr, /^gatehouse: no documents found in `nothing-here`/);
  });
});
