/**
 * Review qt, 3: a worker of `gatehouse server --workers N` that crashed (an uncaught exception, an unhandled rejection:
 * a bug) died with Node's default report: its stack written straight to the stderr it shares with the supervisor and
 * the other workers, one event as ten lines or more, without the `[worker K]` every other line of it carries, then the
 * supervisor's "worker K: it exited (exit status 1)". A collector that takes a line for an event (review lc, 2) split
 * the one report that says why into fragments attributed to no worker. Now the worker says it through the supervisor's
 * log before it exits: one line, `[worker K] crashed (uncaught exception): <stack>`, then exits 70 (a bug, as the CLI's
 * internal errors) and is started again as before.
 * The bug is injected: a module loaded into each worker (`--import`) throws from a timer on SIGWINCH.
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWorkers } from '../src/main/workers.ts';

describe('review qt3: a worker that crashes says why, in one line of its own', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-qt3-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('an uncaught exception is one [worker K] line with its stack; the worker is started again', { timeout: 90_000 }, async () => {
    const bug = join(dir, 'bug.mjs');
    await writeFile(bug, "process.on('SIGWINCH', () => setTimeout(() => { throw new Error('qt3: a bug\\nwhose message has two lines'); }, 0));\n");
    const execArgv = [...process.execArgv];
    // Kept by src/main/workers.ts's own setupPrimary (it sets exec, args and silent only); put back after.
    cluster.setupPrimary({ execArgv: [...execArgv, '--import', pathToFileURL(bug).href] });
    const logs: string[] = [];
    try {
      const w = await startWorkers({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, log: (l) => logs.push(l) }, 2, { stopGraceMs: 10_000 });
      try {
        const [, victim] = w.pids();
        assert.ok(victim !== undefined);
        process.kill(victim, 'SIGWINCH');
        const deadline = Date.now() + 30_000;
        while (!(w.pids().length === 2 && !w.pids().includes(victim))) {
          assert.ok(Date.now() < deadline, `worker ${victim} was not started again: ${logs.slice(-5).join('\n')}`);
          await sleep(100);
        }
        const said = logs.filter((l) => l.startsWith('[worker 2] crashed (uncaught exception): '));
        assert.equal(said.length, 1, logs.join('\n'));
        const line = said[0] as string;
        assert.ok(!line.includes('\n'), 'one line');
        assert.match(line, /Error: qt3: a bug\\nwhose message has two lines\\n {4}at /, 'the message and the stack, escaped');
        assert.ok(logs.some((l) => /^worker 2: it exited \(exit status 70\)/.test(l)), logs.join('\n'));
      } finally {
        await w.stop();
      }
    } finally {
      cluster.setupPrimary({ execArgv });
    }
  });
});
