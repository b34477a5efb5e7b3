/**
 * Review ok, 3. Every error of a `--json` command carries a code a script can switch on (docs/errors.md: errors as
 * `{"error": {"code", "message", "details"}}`, the commands that send a file reporting its errors as `{"errors": [...]}`
 * as `policy`'s files do, each `{source, code, path, message, line, column}`; review hm, 10 promised `line` and `column`
 * where the file has them; review mr, 1). `iam-policy set --file F --json` with a file that is not JSON or YAML, or that
 * holds no IAM policy, or another resource's, gave `{"errors": [{"source", "message"}]}`: no `code` (the misread form
 * beside it has `POLICY_JSON_SYNTAX`), and the line and column only inside the message text.
 *
 * Now a file that does not parse is `POLICY_JSON_SYNTAX` with its `line` and `column`, as the other policy files'
 * syntax errors are (policy-files.ts), and a file that parses but holds no policy of RESOURCE is `VALIDATION_ERROR`;
 * the messages and the exit status (3) are as before. The CLI in this process; nothing is sent (no server listens).
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const MODEL = 'arn:aws:training::000000000000:model/ok3';

describe('review ok3: iam-policy set --json, a file with no policy in it', () => {
  let home = '';
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'gh-cli-ok3-'));
    await writeFile(join(home, 'broken.yaml'), 'bindings:\n  - role: [roles/viewer\n');
    await writeFile(join(home, 'broken.json'), '{\n  "bindings": [,]\n}\n');
    await writeFile(join(home, 'list.yaml'), '- roles/viewer\n');
    await writeFile(join(home, 'other.json'), JSON.stringify({ resource: 'arn:aws:training::000000000000:model/other', bindings: [] }));
  });
  after(() => rm(home, { recursive: true, force: true }));
  const env = () => ({ HOME: home, GATEHOUSE_ENDPOINT: 'http://127.0.0.1:1', AWS_ACCESS_KEY_ID: 'AKIAOK3EXAMPLE000000', AWS_SECRET_ACCESS_KEY: 'ok3-secret' });

  async function fileErrors(file: string): Promise<{ source: string; code?: string; message: string; line?: number; column?: number }[]> {
    const r = await gatehouseInProcess(['iam-policy', 'set', MODEL, '--file', file, '--json'], env(), { cwd: home });
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, '');
    return (JSON.parse(r.stderr) as { errors: { source: string; code?: string; message: string; line?: number; column?: number }[] }).errors;
  }

  it('a YAML file that does not parse: POLICY_JSON_SYNTAX with its line and column', async () => {
    const [e] = await fileErrors('broken.yaml');
    assert.equal(e?.source, 'broken.yaml');
    assert.equal(e?.code, 'POLICY_JSON_SYNTAX', JSON.stringify(e));
    assert.match(e?.message ?? '', /^not JSON or YAML: line \d+, column \d+: /);
    assert.equal(typeof e?.line, 'number', JSON.stringify(e));
    assert.equal(typeof e?.column, 'number', JSON.stringify(e));
  });

  it('a JSON file that does not parse: POLICY_JSON_SYNTAX at line 2', async () => {
    const [e] = await fileErrors('broken.json');
    assert.equal(e?.code, 'POLICY_JSON_SYNTAX', JSON.stringify(e));
    assert.match(e?.message ?? '', /^not JSON: line 2, column \d+: /);
    assert.equal(e?.line, 2, JSON.stringify(e));
  });

  it('a file that parses but holds no policy of the resource: VALIDATION_ERROR', async () => {
    for (const file of ['list.yaml', 'other.json']) {
      const [e] = await fileErrors(file);
      assert.equal(e?.source, file);
      assert.equal(e?.code, 'VALIDATION_ERROR', `${file}: ${JSON.stringify(e)}`);
    }
  });
});
