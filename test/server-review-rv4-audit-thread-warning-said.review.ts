/**
 * Review rv, 4: a Node.js warning in the audit writer's thread of a worker of `gatehouse server --workers N` was
 * written by that thread straight to the stderr every worker shares, `(audit writer) <Name>: <message>`, without the
 * `[worker K]` prefix of the worker it runs in and its line breaks raw, as the worker's own warnings were before
 * review rv, 2. The thread now hands its warning to its process, which says it as its own: through the supervisor's
 * log, `[worker K] <Name>: (audit writer) <message>`, one line.
 * Contract: src/main/workers.ts ("Logs: each worker's lines, prefixed `[worker K]`") and docs/decisions.md, one log
 * line per event (review lc, 2).
 * The warning is injected: a module loaded into every thread (`--import`) emits one in the audit writer's thread once
 * that thread's own warning listener is in place.
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

describe("review rv4: the audit writer thread's warning is a [worker K] line of the supervisor's log", () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-rv4-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a warning of two lines in the audit thread: one [worker K] line, escaped', { timeout: 90_000 }, async () => {
    const warn = join(dir, 'warn.mjs');
    await writeFile(
      warn,
      [
        "import { isMainThread } from 'node:worker_threads';",
        'if (!isMainThread) {',
        '  const first = process.listeners("warning")[0];',
        '  const t = setInterval(() => {',
        '    const now = process.listeners("warning");',
        '    if (now.length === 1 && now[0] !== first) { clearInterval(t); process.emitWarning("rv4: in the audit thread\\nsecond line", { type: "DeprecationWarning", code: "GHRV4" }); }',
        '  }, 20);',
        '  t.unref();',
        '}',
        '',
      ].join('\n'),
    );
    const execArgv = [...process.execArgv];
    cluster.setupPrimary({ execArgv: [...execArgv, '--import', pathToFileURL(warn).href] });
    const logs: string[] = [];
    try {
      const w = await startWorkers({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, log: (l) => logs.push(l) }, 2, { stopGraceMs: 10_000 });
      try {
        const deadline = Date.now() + 20_000;
        const said = (): string[] => logs.filter((l) => l.includes('rv4: in the audit thread'));
        while (said().length === 0) {
          assert.ok(Date.now() < deadline, `the warning was not in the supervisor's log:\n${logs.join('\n')}`);
          await sleep(50);
        }
        for (const l of said()) assert.match(l, /^\[worker [12]\] DeprecationWarning \[GHRV4\]: \(audit writer\) rv4: in the audit thread\\nsecond line$/);
      } finally {
        await w.stop();
      }
    } finally {
      cluster.setupPrimary({ execArgv });
    }
  });
});
