/**
 * Review ja, 8: `gatehouse server` listened for SIGTERM, SIGINT and SIGHUP only once it had started. A stop asked for
 * while it started (an orchestrator stopping a pod that waits for its database, which it does without end by default;
 * Ctrl-C during a long load; `systemctl stop`) met Node's default: the process ended by the signal (status 143 or 130),
 * saying nothing, with the probe listener and the store cut as they were, while `gatehouse server --help` says a stop by
 * those signals is 0. Now the start listens for them too and gives up at its next wait or step, closing what it opened,
 * and the server says it stopped while starting and exits 0.
 * Real server process (bin/gatehouse.js) waiting for a PostgreSQL that nothing answers (127.0.0.1:1).
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPILE_CACHE, GATEHOUSE_BIN } from './support/processes.ts';

let work = '';
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-review-ja8-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A server waiting for its database; resolves once it has said so twice (the signal handlers are set by then). */
async function waiting(name: string): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [GATEHOUSE_BIN, 'server', '--data-dir', join(work, name), '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work, ...COMPILE_CACHE, GATEHOUSE_DATABASE_URL: 'postgres://gatehouse@127.0.0.1:1/gatehouse' },
  });
  let err = '';
  child.stderr!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not waiting within 30 s: ${err}`)), 30_000);
    child.stderr!.on('data', (c: string) => {
      err += c;
      if (/cannot be reached \(attempt 2\)/.test(err)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  return { child, stderr: () => err };
}

const exited = (child: ChildProcess): Promise<{ code: number | null; signal: string | null }> => new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

describe('review ja8: a stop signal while the server starts stops it as a stop', () => {
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`${sig} while it waits for the database: exit 0, said`, { timeout: 60_000 }, async () => {
      const s = await waiting(sig);
      const end = exited(s.child);
      const sent = Date.now();
      s.child.kill(sig);
      const { code, signal } = await end;
      assert.equal(signal, null, `ended by ${signal}: ${s.stderr()}`);
      assert.equal(code, 0, s.stderr());
      assert.ok(Date.now() - sent < 5_000, 'not after the next attempt only');
      assert.match(s.stderr(), new RegExp(`${sig}: finishing in-flight requests`));
      assert.match(s.stderr(), /gatehouse stopped while starting \(nothing was served\)/);
    });
  }
});
