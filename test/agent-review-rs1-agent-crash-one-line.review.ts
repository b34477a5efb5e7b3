/**
 * Review rs, 1 (the lead review rl left: "gatehouse agent has no crash handler"): a node agent that crashed (an uncaught
 * exception or an unhandled rejection: a bug) died with Node's default report, its stack raw on stderr over ten lines
 * or more, and exit 1, which docs/errors.md ("CLI exit status") gives to a deny, not to a bug (70). The server and the
 * supervisor of `--workers` say theirs in one line and exit 70 (review rl, 1; a worker, review qt, 3); the agent, whose
 * log is read by the same collectors on every node (review lc, 2: each line an event), did not. Now it says
 * `gatehouse agent crashed (uncaught exception): <stack>`, the stack's line breaks escaped, and exits 70, through the
 * one handler the server uses (src/main/crash.ts).
 * A real agent process (bin/gatehouse.js agent), its upstream a closed port (it starts without it); the bug is
 * injected: a module loaded first (`--import`) throws from a timer on SIGWINCH.
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { COMPILE_CACHE, GATEHOUSE_BIN } from './support/processes.ts';

let work = '';
let bug = '';
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-review-rs1-'));
  bug = join(work, 'bug.mjs');
  await writeFile(bug, "process.on('SIGWINCH', () => setTimeout(() => { throw new Error('rs1: a bug\\nwhose message has two lines'); }, 0));\n");
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('review rs1: a node agent that crashes says why in one line, and exits 70', () => {
  it('one line with the stack, escaped; exit 70', { timeout: 90_000 }, async () => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(bug).href, GATEHOUSE_BIN, 'agent', '--upstream', 'http://127.0.0.1:9', '--listen', '127.0.0.1:0', '--metadata-host', '127.0.0.1'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work, ...COMPILE_CACHE },
    });
    try {
      let err = '';
      child.stderr!.setEncoding('utf8');
      const end = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start within 60 s: ${err}`)), 60_000);
        child.stderr!.on('data', (c: string) => {
          err += c;
          if (/serving job credentials on http:\/\/127\.0\.0\.1:\d+/.test(err)) {
            clearTimeout(timer);
            resolve();
          }
        });
        void end.then(({ code }) => reject(new Error(`exited ${code}: ${err}`)));
      });
      child.kill('SIGWINCH');
      const r = await end;
      const lines = err.split('\n');
      const said = lines.filter((l) => l.startsWith('gatehouse agent crashed (uncaught exception): '));
      assert.equal(said.length, 1, err);
      assert.match(said[0] as string, /Error: rs1: a bug\\nwhose message has two lines\\n {4}at /, 'the message and the stack, escaped');
      assert.ok(!lines.some((l) => /^\s+at /.test(l)), `no raw stack frame on a line of its own:\n${err}`);
      assert.deepEqual(r, { code: 70, signal: null }, err);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
