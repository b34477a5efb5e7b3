/**
 * Review rl, 1: `gatehouse server` that crashed (an uncaught exception or an unhandled rejection: a bug) died with
 * Node's default report, its stack written raw to stderr, ten lines or more for one event, and exit status 1, which
 * docs/errors.md ("CLI exit status") gives to a deny, a broken audit log or drift, not to a bug (70). Every other line
 * of the server's log is one line per event (review lc, 2: a collector takes each line for an event), and a worker of
 * `--workers N` already says its crash in one line and exits 70 (review qt, 3); the single server and the supervisor of
 * `--workers` did not. Now both say it in one line, `gatehouse crashed (uncaught exception): <stack>` with the stack's
 * line breaks escaped, and exit 70.
 * Contract: src/main/log-line.ts and docs/decisions.md (one log line per event, review lc, 2); docs/errors.md, exit 70.
 * Real server processes (bin/gatehouse.js); the bug is injected: a module loaded first (`--import`) throws from a timer
 * on SIGWINCH.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { COMPILE_CACHE, GATEHOUSE_BIN } from './support/processes.ts';

let work = '';
let bug = '';
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-review-rl1-'));
  bug = join(work, 'bug.mjs');
  await writeFile(bug, "process.on('SIGWINCH', () => setTimeout(() => { throw new Error('rl1: a bug\\nwhose message has two lines'); }, 0));\n");
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Starts `gatehouse server` with the bug loaded (extra `args`); resolves once it serves. */
async function start(name: string, args: readonly string[], ready: RegExp): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, ['--import', pathToFileURL(bug).href, GATEHOUSE_BIN, 'server', '--data-dir', join(work, name), '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work, ...COMPILE_CACHE },
  });
  let err = '';
  child.stderr!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 60 s: ${err}`)), 60_000);
    child.stderr!.on('data', (c: string) => {
      err += c;
      if (ready.test(err)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  return { child, stderr: () => err };
}

const exited = (child: ChildProcess): Promise<{ code: number | null; signal: string | null }> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

describe('review rl1: a server that crashes says why in one line, and exits 70', () => {
  for (const [label, args, ready] of [
    ['a single server', [], /listening on http:\/\/127\.0\.0\.1:\d+/],
    ['the supervisor of --workers 2', ['--workers', '2'], /2 workers serving http:\/\/127\.0\.0\.1:\d+/],
  ] as const) {
    it(`${label}: one line with the stack, escaped; exit 70`, { timeout: 90_000 }, async () => {
      const s = await start(`d-${args.length}`, args, ready);
      try {
        const end = exited(s.child);
        s.child.kill('SIGWINCH');
        const r = await end;
        // Whatever the workers said as they ended after their supervisor is theirs; the crash's own lines are looked at.
        const lines = s.stderr().split('\n');
        const said = lines.filter((l) => l.startsWith('gatehouse crashed (uncaught exception): '));
        assert.equal(said.length, 1, s.stderr());
        assert.match(said[0] as string, /Error: rl1: a bug\\nwhose message has two lines\\n {4}at /, 'the message and the stack, escaped');
        assert.ok(!lines.some((l) => /^\s+at /.test(l)), `no raw stack frame on a line of its own:\n${s.stderr()}`);
        assert.deepEqual(r, { code: 70, signal: null }, s.stderr());
      } finally {
        if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
      }
    });
  }
});
