/**
 * Review gc, 2. `gatehouse server` (and each `--workers` worker) heard SIGINT and SIGTERM only. SIGHUP, which the
 * server gets when the terminal or SSH session it runs in goes away (also when started with `nohup … &`: Node.js resets
 * the SIGHUP that nohup ignored, so a nohup'd server died at logout all the same), met Node's default action and killed
 * it at once: requests in flight cut off, the audit records it held neither written nor spooled (README: only SIGKILL
 * loses them), no `gatehouse stopped`, and the exit was by signal. `jobs run` and `demo` already stop on SIGHUP as on
 * SIGTERM (review et, 3). Now the server does too: a hang-up is said in the log, requests in flight finish, the audit
 * log is written, and it exits 0, as docs/errors.md says of a stopped server; a single server or a supervisor with its
 * workers, the whole process group signalled as a terminal signals it. Real server processes (bin/gatehouse.js).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverProcess, type ServerProcess } from './support/processes.ts';

let work = '';
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-review-gc2-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

const exited = (s: ServerProcess): Promise<{ code: number | null; signal: string | null }> =>
  new Promise((resolve) => (s.child.exitCode !== null || s.child.signalCode !== null ? resolve({ code: s.child.exitCode, signal: s.child.signalCode }) : s.child.once('close', (code, signal) => resolve({ code, signal }))));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('review gc2: a hang-up stops the server gracefully', () => {
  for (const [label, extra] of [
    ['one server', []],
    ['a supervisor and its workers', ['--workers', '2']],
  ] as const) {
    it(`${label}: SIGHUP to the process group stops it as SIGTERM does, exit status 0`, { timeout: 120_000 }, async () => {
      const s = await serverProcess(['--data-dir', join(work, `d${extra.length}`), '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off', ...extra], { HOME: work }, label, { detached: true });
      try {
        // The handlers are set once the start has returned: a moment after a server says where it listens, and after
        // a supervisor says all its workers serve.
        for (let i = 0; extra.length > 0 && !/workers serving/.test(s.output.join('')); i++) {
          assert.ok(i < 600, s.output.join(''));
          await sleep(100);
        }
        await sleep(1500);
        assert.equal((await fetch(`${s.url}/readyz`)).status, 200);
        const end = exited(s);
        process.kill(-(s.child.pid as number), 'SIGHUP');
        const r = await end;
        const out = s.output.join('');
        assert.deepEqual(r, { code: 0, signal: null }, out);
        assert.match(out, /SIGHUP: finishing in-flight requests/);
        assert.match(out, /^gatehouse stopped$/m);
        assert.doesNotMatch(out, /not cleanly/);
      } finally {
        if (s.child.exitCode === null && s.child.signalCode === null) process.kill(-(s.child.pid as number), 'SIGKILL');
      }
    });
  }
});
