/**
 * `-` for standard input (review cli, G4): `gatehouse apply -f -`, as `kubectl apply -f -`, and `policy validate -`
 * answered `no such file` (there is no file named `-`), so a generated document had to be written to a temporary file
 * first. Now `-` reads standard input wherever a file is read (read once per command line, at most 16 MiB). The CLI's
 * program in this process (test/support/gatehouse-cli.ts: the executable's reader of standard input, given the whole
 * text at once, as a pipe closed after writing it) against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetUserCommand } from '@aws-sdk/client-iam';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('- reads standard input', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  const gatehouse = (args: readonly string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> =>
    gatehouseInProcess(args, { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: s.dataDir, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, GATEHOUSE_ENDPOINT: s.url }, { stdin });

  it('apply -f - applies the documents piped to it', async () => {
    const r = await gatehouse(['apply', '-f', '-'], 'apiVersion: gatehouse.dev/v1\nkind: User\nmetadata:\n  name: piped\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\+ create User\/piped/);
    const u = await s.iam().send(new GetUserCommand({ UserName: 'piped' }));
    assert.equal(u.User?.UserName, 'piped');
  });

  it('policy validate - reads the document from standard input, and names it `-` in errors', async () => {
    const ok = await gatehouse(['policy', 'validate', '-'], JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }));
    assert.equal(ok.code, 0, ok.stderr);
    const bad = await gatehouse(['policy', 'validate', '-'], '{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"s3:GetObject","Resource":"*"}]}');
    assert.equal(bad.code, 3, bad.stderr);
    assert.match(bad.stdout + bad.stderr, /^-:1:\d+: Statement\[0\]\.Effect: .*\[POLICY_INVALID_EFFECT\]/m);
  });
});
