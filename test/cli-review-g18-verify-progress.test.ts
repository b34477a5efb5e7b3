/**
 * `gatehouse audit verify` waits while the server walks the whole hash chain (review cli, G18): it said nothing, and
 * gave up after a request's 30 s ("cannot reach the Gatehouse server … timed out", exit 10) however long a large
 * log's walk legitimately takes. Now it waits as long as an apply (10 minutes) and says on stderr every 5 s that it is
 * still waiting; stdout keeps the result. A real `gatehouse server` process, stopped (SIGSTOP) and then continued.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GATEHOUSE_BIN, serverProcess, type ServerProcess } from './support/processes.ts';

describe('audit verify says it is still waiting', () => {
  let dir: string;
  let server: ServerProcess;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-cli-g18-'));
    server = await serverProcess(['--data-dir', join(dir, 'data'), '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'], { HOME: dir });
  });
  after(async () => {
    server?.child.kill('SIGCONT');
    server?.child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('a stopped server: "still waiting … given up after 600 s" on stderr; continued, verify answers', async () => {
    server.child.kill('SIGSTOP');
    const child = spawn(process.execPath, [GATEHOUSE_BIN, 'audit', 'verify', '--data-dir', join(dir, 'data'), '--endpoint', server.url], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => void (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => void (err += c.toString()));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    try {
      for (let i = 0; i < 200 && !err.includes('still waiting'); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(err, /^gatehouse: still waiting for the server at http:\/\/127\.0\.0\.1:\d+ \([56] s; given up after 600 s without a byte of answer; Ctrl-C to stop\)$/m);
      assert.equal(out, '');
      server.child.kill('SIGCONT');
      assert.equal(await exited, 0, err);
      assert.match(out, /^audit log intact/);
    } finally {
      server.child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
  });
});
