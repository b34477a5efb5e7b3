/**
 * Review rv, 2: a Node.js warning in a worker of `gatehouse server --workers N` (a deprecation, MaxListenersExceeded, a
 * TLS setting made insecure by the environment) was written by the worker itself straight to the stderr it shares
 * with the supervisor and every other worker (src/main/worker.ts), without the `[worker K]` prefix every other line of
 * a worker carries, and with its line breaks as they were: a collector attributed it to no worker, and a message of two
 * lines read as two events. Now the worker says it through the supervisor's log, as it says its crash since review qt,
 * 3: one line, `[worker K] <Name>: <message>`, escaped as every line is.
 * Contract: src/main/workers.ts ("Logs: each worker's lines, prefixed `[worker K]`") and docs/decisions.md, one log
 * line per event (review lc, 2).
 * The warning is injected: a module loaded into each worker (`--import`) emits one on SIGWINCH.
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

describe('review rv2: a worker\'s Node.js warning is a [worker K] line of the supervisor\'s log', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-rv2-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a warning of two lines: one [worker 2] line, escaped; the worker keeps serving', { timeout: 90_000 }, async () => {
    const warn = join(dir, 'warn.mjs');
    await writeFile(warn, "process.on('SIGWINCH', () => process.emitWarning('rv2: something is deprecated\\nsecond line', { type: 'DeprecationWarning', code: 'GHRV2' }));\n");
    const execArgv = [...process.execArgv];
    cluster.setupPrimary({ execArgv: [...execArgv, '--import', pathToFileURL(warn).href] });
    const logs: string[] = [];
    try {
      const w = await startWorkers({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, log: (l) => logs.push(l) }, 2, { stopGraceMs: 10_000 });
      try {
        const [, second] = w.pids();
        assert.ok(second !== undefined);
        process.kill(second, 'SIGWINCH');
        const deadline = Date.now() + 15_000;
        const said = (): string[] => logs.filter((l) => l.includes('rv2: something is deprecated'));
        while (said().length === 0) {
          assert.ok(Date.now() < deadline, `the warning was not in the supervisor's log:\n${logs.join('\n')}`);
          await sleep(50);
        }
        assert.deepEqual(said(), ['[worker 2] DeprecationWarning [GHRV2]: rv2: something is deprecated\\nsecond line']);
        assert.deepEqual(w.pids()[1], second, 'the same worker still serves');
      } finally {
        await w.stop();
      }
    } finally {
      cluster.setupPrimary({ execArgv });
    }
  });
});
