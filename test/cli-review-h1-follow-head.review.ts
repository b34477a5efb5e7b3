/**
 * `gatehouse audit query --follow | head -1` (review cli, H1 — leftover G15): head exited after its line, and the
 * follow went on polling until the next record was written, which may be hours away, holding the pipeline open
 * (a script waiting on it waited as long). Now the CLI notices at once that the reader of its stdout is gone and
 * ends with status 0, as a write to the closed pipe ends it. The real `gatehouse` binary against a real server on
 * 127.0.0.1; the test runs it in a bash pipeline into head -1 (pipefail: the CLI's status counts). Node cannot poll a pipe
 * for its reader, so the CLI has GNU tail do it: skipped where `tail` is not GNU coreutils.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { GATEHOUSE_BIN } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

function gnuTail(): string | undefined {
  try {
    return /GNU coreutils/.test(execFileSync('tail', ['--version'], { encoding: 'utf8' })) ? undefined : 'tail is not GNU coreutils';
  } catch {
    return 'no tail on PATH';
  }
}

describe('audit query --follow whose reader has gone', { skip: gnuTail() }, () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new CreateUserCommand({ UserName: 'followed' }));
    await s.running.app.audit.flush();
  });
  after(async () => s?.stop());

  for (const format of ['', '--json']) {
    it(`ends with status 0 within seconds of head exiting, without a new record (${format || 'table'})`, async () => {
      // A shell pipeline, as a user types it: stdout is a pipe (a child's stdio of Node's is a socket pair).
      const child = spawn('/bin/bash', ['-c', `set -o pipefail; "$0" "$1" audit query --follow --interval 200 ${format} | head -1`, process.execPath, GATEHOUSE_BIN], {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: s.dataDir, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, GATEHOUSE_ENDPOINT: s.url },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let out = '';
      let err = '';
      // When head's line arrived: noted as it arrives (a 20 ms poll missed it when the pipeline ended within one tick).
      let printed = 0;
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (printed === 0 && out.includes('\n')) printed = Date.now();
      });
      child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
      const exited = new Promise<number | string>((resolve) => child.on('close', (code, signal) => resolve(code ?? signal ?? -1)));
      // The whole pipeline (the CLI, head, bash) killed if it has not ended by then.
      const timer = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), 12_000);
      const status = await exited;
      clearTimeout(timer);
      // A record of the log (its first is the first start's, review el 2), or the table's head.
      assert.match(out, format ? /^\{"seq":\d+,.*"kind":"change"/ : /^SEQ +AT/);
      assert.equal(status, 0, `the pipeline was killed after 12 s instead of ending when head did: ${err}`);
      assert.ok(printed > 0 && Date.now() - printed < 5000, `ended ${Date.now() - printed} ms after head printed its line`);
    });
  }
});
