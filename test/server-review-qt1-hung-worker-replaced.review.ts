/**
 * Review qt, 1: under `gatehouse server --workers N` a worker whose event loop stopped answering (a loop stuck in
 * code, a process frozen: here SIGSTOP) kept its place in the supervisor's round-robin for good: only a worker that
 * exited was started again. Every N-th new connection went to it and hung (Kubernetes' liveness probe, handed to the
 * workers in turn, met it one time in N, too rarely to restart the pod), and the job metadata ports it held, served
 * by it alone, answered nothing. Now the supervisor asks each serving worker over the IPC channel whether it answers
 * (every few seconds); one silent past the bound (60 s; shortened here) is killed and started again as a crashed one
 * is, and the log says why.
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWorkers } from '../src/main/workers.ts';

/** GET on a connection of its own (the supervisor hands it to the next worker); rejects after `ms` without an answer. */
const healthz = (url: string, ms: number): Promise<number> =>
  new Promise((resolve, reject) => {
    const q = request(`${url}/healthz`, { agent: false, timeout: ms }, (r) => {
      r.resume();
      r.on('end', () => resolve(r.statusCode ?? 0));
    });
    q.on('timeout', () => q.destroy(new Error(`no answer within ${ms} ms`)));
    q.on('error', reject);
    q.end();
  });

describe('review qt1: a worker that stops answering is replaced', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-qt1-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a frozen worker is killed and started again; then every new connection is answered', { timeout: 90_000 }, async () => {
    const logs: string[] = [];
    const w = await startWorkers({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, log: (l) => logs.push(l) }, 2, { stopGraceMs: 10_000, hungAfterMs: 4_000 });
    const [, frozen] = w.pids();
    assert.ok(frozen !== undefined, 'two workers run');
    try {
      process.kill(frozen, 'SIGSTOP');
      const deadline = Date.now() + 40_000;
      while (!(w.pids().length === 2 && !w.pids().includes(frozen))) {
        assert.ok(Date.now() < deadline, `the frozen worker ${frozen} still holds its place after 40 s: ${w.pids().join(', ')}\n${logs.slice(-5).join('\n')}`);
        await sleep(200);
      }
      assert.ok(logs.some((l) => /^worker 2: did not answer for \d+(\.\d)? s \(its event loop stuck, or the process frozen\); killed/.test(l)), logs.join('\n'));
      assert.ok(logs.some((l) => /^worker 2: it exited \(SIGKILL\)/.test(l)), logs.join('\n'));
      // Its replacement serves: new connections, handed to each worker in turn, are all answered.
      for (let i = 0; i < 4; i++) assert.equal(await healthz(w.url, 10_000), 200);
    } finally {
      try {
        process.kill(frozen, 'SIGKILL');
      } catch {
        // Gone already.
      }
      await w.stop();
    }
  });
});
