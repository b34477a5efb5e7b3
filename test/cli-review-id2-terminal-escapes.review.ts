/**
 * Review id, 2 (CLI): `gatehouse iam … get` and every table wrote server text to the terminal as it was.
 *
 * What was wrong: a description may hold carriage returns and line feeds (IAM's own pattern allows them), and a policy
 * document any character (a bidirectional override, a C1 control such as U+009B, CSI, which terminals take for ESC [).
 * `audit query` and `iam-policy get` print such text through `printable` (escapes, as kubectl and journalctl do), but
 * `iam roles get` / `policies get` and every table (`iam roles list`, `jobs list`…) wrote it raw: a role's description
 * `\r` plus text overwrote the row's name and ARN in `iam roles list` with whatever the writer chose, a line feed added
 * a `maxSessionDuration   43200` line of its own to `iam roles get`, and a document's U+202E reversed what followed.
 * Anyone allowed to describe a role or write a policy chose what an administrator's terminal showed.
 *
 * What is now so: table cells and `get` values go through `printable` (`\r`, `\n`, `\x9b`, `\u202e` shown as escapes);
 * a document keeps its JSON form, its hidden characters written as JSON escapes (`\u202e`), which read as the same
 * string. `--json` prints what the server sent, as before.
 *
 * The CLI in this process against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const HIDDEN = /[\r\u009b\u202e]/;

describe('cli review id2: server text is shown, not obeyed, by the terminal', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await writeFile(join(s.dataDir, 'trust.json'), '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"training.gatehouse.dev"},"Action":"sts:AssumeRole"}]}');
    await writeFile(join(s.dataDir, 'doc.json'), '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/\\u202eabc\\u009b2J"}]}');
  });
  after(async () => s?.stop());

  const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir }, { cwd: s.dataDir });

  it('a role description with a carriage return and a line feed', async () => {
    const made = await cli(['iam', 'roles', 'create', 'id2-plain', '--trust-policy', 'trust.json', '--description', 'harmless\rroot-admin\nmaxSessionDuration   43200']);
    assert.equal(made.code, 0, made.stderr);
    const list = await cli(['iam', 'roles', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.doesNotMatch(list.stdout, HIDDEN);
    // A table row is one line: its line feeds read as spaces, as before.
    assert.match(list.stdout, /\nid2-plain .*harmless\\rroot-admin maxSessionDuration {3}43200\n/);
    const get = await cli(['iam', 'roles', 'get', 'id2-plain']);
    assert.equal(get.code, 0, get.stderr);
    assert.doesNotMatch(get.stdout, HIDDEN);
    assert.match(get.stdout, /^description +harmless\\rroot-admin\\nmaxSessionDuration {3}43200$/m);
    assert.deepEqual(get.stdout.split('\n').filter((l) => l.startsWith('maxSessionDuration')), ['maxSessionDuration   3600']);
    // Machine output is the server's, as ever.
    const json = await cli(['iam', 'roles', 'get', 'id2-plain', '--json']);
    assert.equal((JSON.parse(json.stdout) as { description: string }).description, 'harmless\rroot-admin\nmaxSessionDuration   43200');
  });

  it('a policy document with a bidi override and a C1 control', async () => {
    const made = await cli(['iam', 'policies', 'create', 'id2-doc', '--document', 'doc.json', '--description', 'a\rb']);
    assert.equal(made.code, 0, made.stderr);
    const get = await cli(['iam', 'policies', 'get', 'id2-doc']);
    assert.equal(get.code, 0, get.stderr);
    assert.doesNotMatch(get.stdout, HIDDEN);
    assert.match(get.stdout, /"Resource": "arn:aws:s3:::b\/\\u202eabc\\u009b2J"/);
    assert.match(get.stdout, /^description +a\\rb$/m);
    const list = await cli(['iam', 'policies', 'list', '--scope', 'Local']);
    assert.doesNotMatch(list.stdout, HIDDEN);
  });

  it("an access entry's username with a line feed and an ESC", async () => {
    await writeFile(join(s.dataDir, 'cluster.yaml'), 'apiVersion: gatehouse.dev/v1\nkind: Cluster\nmetadata:\n  name: id2\nspec: {}\n');
    assert.equal((await cli(['apply', '-f', 'cluster.yaml'])).code, 0);
    const username = 'alice\x1b[2J\nkubernetes groups: system:masters';
    const made = await cli(['kube', 'access-entry', 'create', '--cluster', 'id2', '--principal-arn', 'arn:aws:iam::000000000000:role/id2-plain', '--username', username]);
    assert.equal(made.code, 0, made.stderr);
    const shown = await cli(['kube', 'access-entry', 'describe', '--cluster', 'id2', '--principal-arn', 'arn:aws:iam::000000000000:role/id2-plain']);
    assert.equal(shown.code, 0, shown.stderr);
    for (const out of [made.stdout, shown.stdout]) {
      assert.doesNotMatch(out, /\x1b/);
      assert.deepEqual(out.split('\n').filter((l) => l.startsWith('kubernetes groups:')), ['kubernetes groups: (none)']);
      assert.match(out, /^username: +alice\\x1b\[2J\\nkubernetes groups: system:masters$/m);
    }
  });

  it('a resource policy with a bidi override', async () => {
    await writeFile(join(s.dataDir, 'bucket.json'), '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::id2-bucket/\\u202eabc"}]}');
    const put = await cli(['resource-policies', 'put', 'arn:aws:s3:::id2-bucket', '--file', 'bucket.json']);
    assert.equal(put.code, 0, put.stderr);
    const get = await cli(['resource-policies', 'get', 'arn:aws:s3:::id2-bucket']);
    assert.equal(get.code, 0, get.stderr);
    assert.doesNotMatch(get.stdout, HIDDEN);
    assert.match(get.stdout, /"Resource": "arn:aws:s3:::id2-bucket\/\\u202eabc"/);
    assert.equal(((JSON.parse(get.stdout) as { Statement: { Resource: string }[] }).Statement[0]?.Resource), 'arn:aws:s3:::id2-bucket/\u202eabc');
  });
});
