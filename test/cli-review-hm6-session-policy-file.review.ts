/**
 * Review hm, 6: `gatehouse sts assume-role --policy` (and `gatehouse credentials --policy`) sent a `file://` file's
 * text as it was: a YAML session policy (`file://readonly.yaml`), which every other command that sends a policy file
 * reads as YAML, was refused as `MalformedPolicyDocument: Policy: session policy: unexpected character \`V\` at line
 * 1, column 1`; and a path given without `file://` (`--policy readonly.json`, as `--document` takes one) was sent as the
 * policy's text, refused as `unexpected character \`r\``, which said nothing of the file. Now a `.yaml`/`.yml` file is
 * read as YAML and its value sent (the session is narrowed by it), a file's errors are said at its lines (exit 3), and a
 * value that is neither JSON text nor `file://` is a usage error saying to give `file://PATH` (exit 2), nothing sent.
 *
 * The CLI in this process against a real server on 127.0.0.1; the session's rights asked of the authorize API with the
 * session's own credentials.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROLE = 'arn:aws:iam::000000000000:role/hm6';

describe('hm6: a session policy file', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await writeFile(join(s.dataDir, 'trust.json'), '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}');
    await writeFile(join(s.dataDir, 'readonly.yaml'), '# only reads\nVersion: "2012-10-17"\nStatement:\n  - Effect: Allow\n    Action: s3:GetObject\n    Resource: "*"\n');
    await writeFile(join(s.dataDir, 'broken.yaml'), 'Version: "2012-10-17"\nStatement:\n  - Effect: Allow\n    Action: [s3:GetObject\n');
    assert.equal((await cli(['iam', 'roles', 'create', 'hm6', '--trust-policy', 'trust.json'])).code, 0);
    assert.equal((await cli(['iam', 'attach', '--role', 'hm6', 'AmazonS3FullAccess'])).code, 0);
  });
  after(async () => s?.stop());

  const cli = (args: readonly string[], who: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = s.admin) =>
    gatehouseCliInProcess(args, who, { endpoint: s.url, home: s.dataDir, ...(who.sessionToken !== undefined ? { extraEnv: { AWS_SESSION_TOKEN: who.sessionToken } } : {}) }, { cwd: s.dataDir });
  const assume = ['sts', 'assume-role', '--role-arn', ROLE, '--role-session-name', 'hm6'];

  it('file://readonly.yaml narrows the session to what the YAML allows', async () => {
    const r = await cli([...assume, '--policy', 'file://readonly.yaml', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const c = (JSON.parse(r.stdout) as { Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } }).Credentials;
    const session = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    const read = await cli(['authorize', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k'], session);
    assert.equal(read.code, 0, read.stdout + read.stderr);
    const write = await cli(['authorize', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::b/k'], session);
    assert.equal(write.code, 1, write.stdout + write.stderr);
    // credential_process too.
    const proc = await cli(['credentials', '--role-arn', ROLE, '--policy', 'file://readonly.yaml']);
    assert.equal(proc.code, 0, proc.stderr);
    assert.equal((JSON.parse(proc.stdout) as { Version: number }).Version, 1);
  });

  it('a YAML file that is not one: its line, exit 3', async () => {
    const r = await cli([...assume, '--policy', 'file://broken.yaml']);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^broken\.yaml:5:1: yaml: .*\[POLICY_JSON_SYNTAX\]\n$/);
  });

  it('a path without file://: exit 2 saying to give file://PATH', async () => {
    for (const args of [[...assume, '--policy', 'readonly.yaml'], ['credentials', '--role-arn', ROLE, '--policy', 'readonly.yaml']]) {
      const r = await cli(args);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /--policy takes the session policy's JSON text \(it starts with `\{`\) or file:\/\/PATH; to read the file `readonly\.yaml`, give file:\/\/readonly\.yaml/);
    }
  });
});
