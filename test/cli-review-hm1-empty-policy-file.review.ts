/**
 * Review hm, 1: a policy file that holds no document (an empty file, a YAML file of comments only, `--document -` with
 * nothing piped in) was sent as it was read (`''`, or null) by `iam policies create`, `iam roles create --trust-policy`,
 * `iam put-inline` and `resource-policies put`, and the server's answer was printed: `ValidationError: document:
 * \`document\` is required` (exit 8, invalid input), naming neither the file nor the option, where the help of `iam`
 * says exit 3 for an invalid policy document and `policy validate` says the file's name. Now the file is refused as read,
 * before anything is sent: `FILE: … holds no policy document … [POLICY_INVALID_TYPE]`, exit 3, and nothing is created.
 *
 * The CLI in this process against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('hm1: a policy file with no document in it', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await writeFile(join(s.dataDir, 'empty.json'), '');
    await writeFile(join(s.dataDir, 'blank.json'), '  \n\n');
    await writeFile(join(s.dataDir, 'empty.yaml'), '');
    await writeFile(join(s.dataDir, 'comments.yaml'), '# the reader policy, to be written\n');
    await writeFile(join(s.dataDir, 'trust.json'), '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"training.gatehouse.dev"},"Action":"sts:AssumeRole"}]}');
    assert.equal((await cli(['iam', 'users', 'create', 'hm1'])).code, 0);
  });
  after(async () => s?.stop());

  const cli = (args: readonly string[], stdin?: string) =>
    gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir }, { cwd: s.dataDir, ...(stdin !== undefined ? { stdin } : {}) });

  it('iam policies create, roles create, put-inline, resource-policies put: exit 3 naming the file; nothing sent', async () => {
    const cases: [string[], string][] = [
      [['iam', 'policies', 'create', 'hm1-p', '--document', 'empty.json'], 'empty.json'],
      [['iam', 'policies', 'create', 'hm1-p', '--document', 'comments.yaml'], 'comments.yaml'],
      [['iam', 'roles', 'create', 'hm1-r', '--trust-policy', 'blank.json'], 'blank.json'],
      [['iam', 'put-inline', 'hm1-i', '--user', 'hm1', '--document', 'empty.yaml'], 'empty.yaml'],
      [['resource-policies', 'put', 'arn:aws:s3:::hm1', '--file', 'empty.yaml'], 'empty.yaml'],
    ];
    for (const [args, file] of cases) {
      const r = await cli(args);
      assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^${file.replace('.', '\\.')}: the file holds no policy document \\(it is empty or only comments\\): .*\\[POLICY_INVALID_TYPE\\]\\n$`), r.stderr);
    }
    // Nothing was made of them.
    assert.equal((await cli(['iam', 'policies', 'get', 'hm1-p'])).code, 6);
    assert.equal((await cli(['iam', 'roles', 'get', 'hm1-r'])).code, 6);
    assert.equal((await cli(['iam', 'get-inline', 'hm1-i', '--user', 'hm1'])).code, 6);
    assert.equal((await cli(['resource-policies', 'get', 'arn:aws:s3:::hm1'])).code, 6);
  });

  it('--document - with nothing on standard input: said of standard input', async () => {
    const r = await cli(['iam', 'put-inline', 'hm1-i', '--user', 'hm1', '--document', '-'], '');
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^-: standard input holds no policy document \(it is empty or only comments\): .*\[POLICY_INVALID_TYPE\]\n$/, r.stderr);
  });

  it('a document in the same files still goes through', async () => {
    const r = await cli(['iam', 'roles', 'create', 'hm1-r', '--trust-policy', 'trust.json']);
    assert.equal(r.code, 0, r.stderr);
  });
});
