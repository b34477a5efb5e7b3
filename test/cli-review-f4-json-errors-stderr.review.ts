/**
 * Review F, F4: with `--json` (and `-o json`) the CLI printed its errors on stdout: `gatehouse iam users get nobody
 * --json > user.json` wrote `{"error": …}` into the file a script then read as a user, and `… --json | jq .UserName`
 * printed `null` beside a non-zero status few scripts check inside a pipe. The aws CLI, which the CLI's users know,
 * writes its errors to stderr in every output format. Now an error goes to stderr in every mode, in the same JSON shape
 * with `--json` (one line for `audit query --json`), with the same exit status; stdout holds only results.
 *
 * The CLI (in this process, test/support/gatehouse-cli.ts) against a real server on 127.0.0.1, and the aws CLI beside it
 * for the same refusal.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsCli } from './support/aws-cli.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { awsCliMissing } from './support/processes.ts';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

describe('F4: errors go to stderr, with --json too', () => {
  let s: TestServer;
  let dir: string;
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-cli-f4-'));
  });
  after(async () => {
    await s?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  // In this process (test/support/gatehouse-cli.ts): which stream a message goes to, and the status, are the command's.
  const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });

  it('a server refusal: the JSON error on stderr, nothing on stdout, the same status', async () => {
    for (const flags of [['--json'], ['-o', 'json']]) {
      const r = await cli(['iam', 'users', 'get', 'nobody', ...flags]);
      assert.equal(r.code, 6, r.stderr);
      assert.equal(r.stdout, '', flags.join(' '));
      const e = JSON.parse(r.stderr) as { error: { code: string; message: string } };
      assert.equal(e.error.code, 'NoSuchEntity');
      assert.match(e.error.message, /nobody/);
    }
    const text = await cli(['iam', 'users', 'get', 'nobody']);
    assert.deepEqual([text.code, text.stdout], [6, '']);
    assert.match(text.stderr, /^gatehouse: NoSuchEntity: /);
    // A result is still on stdout.
    const me = await cli(['whoami', '--json']);
    assert.equal(me.code, 0, me.stderr);
    assert.equal(me.stderr, '');
    assert.ok(JSON.parse(me.stdout));
  });

  it('audit query --json: the error is one JSON line on stderr', async () => {
    const r = await cli(['audit', 'query', '--json', '--decision', 'NoSuchDecision']);
    assert.equal(r.code, 8, r.stderr);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.ok((JSON.parse(lines[0] as string) as { error: { code: string } }).error.code);
  });

  it('policy evaluate and apply: errors before any request, as JSON on stderr', async () => {
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}\n');
    const ev = await cli(['policy', 'evaluate', '--policy', broken, '--principal', 'arn:aws:iam::000000000000:user/a', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k', '--json']);
    assert.equal(ev.code, 3, ev.stderr);
    assert.equal(ev.stdout, '');
    assert.ok((JSON.parse(ev.stderr) as { errors: unknown[] }).errors.length > 0);
    const ap = await cli(['apply', '-f', join(dir, 'missing.yaml'), '--json']);
    assert.equal(ap.code, 5, ap.stderr);
    assert.equal(ap.stdout, '');
    assert.ok((JSON.parse(ap.stderr) as { errors: unknown[] }).errors.length > 0);
  });

  it('as the aws CLI does with --output json', { skip: awsCliMissing() }, async () => {
    const r = await awsCli(['--endpoint-url', s.url, '--region', REGION, '--output', 'json', 'iam', 'get-user', '--user-name', 'nobody'], {
      PATH: '/usr/bin:/bin',
      HOME: dir,
      AWS_CONFIG_FILE: join(dir, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
      AWS_ACCESS_KEY_ID: s.admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey,
    });
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /NoSuchEntity/);
  });
});
