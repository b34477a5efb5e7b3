/**
 * Options before the command (review cli, H3 — leftover G17): `gatehouse --endpoint URL whoami` worked, but
 * `gatehouse --data-dir /srv/gh server` and `gatehouse --data-dir DIR whoami` were refused (`unknown option
 * '--data-dir'`, exit 2). Now both `--endpoint` and `--data-dir` given before the command are the command's own, as
 * the aws CLI's global options are: its own given after its name still win, and a command that takes neither
 * (`policy validate`) ignores them, so an alias `gatehouse --endpoint URL --data-dir DIR` works for every command.
 * In-process for `server` (its options as the composition root would get them), and the CLI's program in this process
 * (test/support/gatehouse-cli.ts: the executable's file readers, its working directory) against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/adapters/cli/index.ts';
import type { ServerCommandOptions } from '../src/adapters/cli/context.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

async function serverOptions(argv: readonly string[]): Promise<{ status: number; opts?: ServerCommandOptions; err: string }> {
  let opts: ServerCommandOptions | undefined;
  let err = '';
  const status = await runCli(argv, {
    out: () => {},
    err: (t) => void (err += t),
    readFile: async () => '',
    now: () => Date.now(),
    version: '0.0.0',
    env: {},
    runServer: async (o) => {
      opts = o;
      return 0;
    },
  });
  return { status, ...(opts !== undefined ? { opts } : {}), err };
}

describe('--data-dir and --endpoint before the command', () => {
  it('gatehouse --data-dir DIR server: the server gets DIR (was: unknown option, exit 2)', async () => {
    for (const argv of [
      ['--data-dir', '/srv/gh', 'server'],
      ['--data-dir=/srv/gh', 'server', '--listen', '127.0.0.1:9999'],
      ['--endpoint', 'http://x', '--data-dir', '/srv/gh', 'server'],
    ]) {
      const r = await serverOptions(argv);
      assert.equal(r.status, 0, `${argv.join(' ')}: ${r.err}`);
      assert.equal(r.opts?.dataDir, '/srv/gh', argv.join(' '));
    }
  });

  it("the command's own option, after its name, wins", async () => {
    const r = await serverOptions(['--data-dir', '/srv/a', 'server', '--data-dir', '/srv/b']);
    assert.equal(r.status, 0, r.err);
    assert.equal(r.opts?.dataDir, '/srv/b');
  });

  describe('the binary against a real server', () => {
    let s: TestServer;
    let home: string;
    before(async () => {
      s = await startTestServer();
      home = await mkdtemp(join(tmpdir(), 'gh-h3-'));
      await writeFile(join(home, 'p.json'), '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}');
    });
    after(async () => {
      await s?.stop();
      if (home) await rm(home, { recursive: true, force: true });
    });
    // No credential variable: the admin file of --data-dir is the credentials, and its Endpoint the server.
    const gatehouse = (args: readonly string[]) => gatehouseInProcess(args, { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home }, { cwd: home });

    it('gatehouse --data-dir DIR whoami reads DIR/admin-credentials.json', async () => {
      const r = await gatehouse(['--data-dir', s.dataDir, 'whoami']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^arn:aws:iam::000000000000:user\/admin\n/);
    });

    it('with --endpoint before it too, and a command of two words', async () => {
      const r = await gatehouse(['--endpoint', s.url, `--data-dir=${s.dataDir}`, 'iam', 'users', 'list']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^NAME +ARN/);
    });

    it('a command that takes neither ignores them (an alias with them works for every command)', async () => {
      const r = await gatehouse(['--endpoint', s.url, '--data-dir', s.dataDir, 'policy', 'validate', join(home, 'p.json')]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'valid\n');
    });
  });
});
