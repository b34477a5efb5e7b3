/**
 * Review hm, 7: with `--json`, `iam policies create --document`, `iam roles create --trust-policy`, `iam put-inline
 * --document` and `resource-policies put --file` printed the errors of a file they could not use as text: `cannot read
 * \`FILE\`: …` and `FILE:LINE:COLUMN: … [CODE]` lines, though the server's refusal of the same document, given `--json`,
 * is JSON, and docs/errors.md says every error of a `--json` command is (`policy evaluate` reports its files' errors as
 * `{"errors": [...]}`): a script reading the error with `jq` got a parse error for a typo in the file. Now a file that
 * cannot be read is `{"error": {"code": "UnreadableFile", "message"}}` (exit 5) and one that is not a document
 * `{"errors": [{code, message, path, line, column, source}]}` (exit 3), as `policy evaluate --json` prints them; the
 * text without `--json` is as it was.
 *
 * The CLI in this process against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('hm7: a policy file the command cannot use, with --json', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await writeFile(join(s.dataDir, 'broken.yaml'), 'Version: "2012-10-17"\nStatement:\n  - Effect: Allow\n    Action: [s3:GetObject\n');
    assert.equal((await cli(['iam', 'users', 'create', 'hm7'])).code, 0);
  });
  after(async () => s?.stop());

  const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir }, { cwd: s.dataDir });
  const commands = (file: string): string[][] => [
    ['iam', 'policies', 'create', 'hm7-p', '--document', file],
    ['iam', 'roles', 'create', 'hm7-r', '--trust-policy', file],
    ['iam', 'put-inline', 'hm7-i', '--user', 'hm7', '--document', file],
    ['resource-policies', 'put', 'arn:aws:s3:::hm7', '--file', file],
  ];

  it('a file that is not YAML: {"errors": [...]} naming the file and line, exit 3', async () => {
    for (const args of commands('broken.yaml')) {
      for (const flags of [['--json'], ['-o', 'json']]) {
        const r = await cli([...args, ...flags]);
        assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
        assert.equal(r.stdout, '');
        const e = (JSON.parse(r.stderr) as { errors: { code: string; source: string; line: number }[] }).errors;
        assert.equal(e.length, 1, r.stderr);
        assert.deepEqual([e[0]?.code, e[0]?.source, e[0]?.line], ['POLICY_JSON_SYNTAX', 'broken.yaml', 5]);
      }
      // Without --json, the line as before.
      const text = await cli(args);
      assert.match(text.stderr, /^broken\.yaml:5:1: yaml: .*\[POLICY_JSON_SYNTAX\]\n/);
    }
  });

  it('a file that cannot be read: {"error": {"code": "UnreadableFile"}}, exit 5', async () => {
    for (const args of commands('hm7-missing.json')) {
      const r = await cli([...args, '--json']);
      assert.equal(r.code, 5, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      const e = (JSON.parse(r.stderr) as { error: { code: string; message: string } }).error;
      assert.equal(e.code, 'UnreadableFile');
      assert.match(e.message, /^cannot read `hm7-missing\.json`: no such file; check the path$/);
      const text = await cli(args);
      assert.equal(text.stderr, 'gatehouse: cannot read `hm7-missing.json`: no such file; check the path\n');
    }
  });
});
