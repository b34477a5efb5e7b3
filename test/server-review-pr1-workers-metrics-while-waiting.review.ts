/**
 * Review pr, 1 (fixed in src/main/workers.ts): under `gatehouse server --workers N`, while the start waited for its
 * database (PostgreSQL down), /metrics on `--listen` and `--health-listen` answered 200 with an empty body. The worker
 * a scrape reached asked the supervisor for every *serving* worker's metrics, and none serves before it is ready: the
 * aggregate of no parts is an empty exposition. Prometheus saw a target up with no series at all, not the process
 * metrics and `gatehouse_waiting_for_database 1` that a single server shows then (review lm, 2; docs/decisions.md,
 * "Metrics for the server": a scrape answers for the server). Now the worker that asks is counted with the serving
 * ones, so a scrape while the workers wait shows it waiting. A real `startWorkers` (as `--workers 2`) against a
 * PostgreSQL address nobody listens on; its workers (started by this test) killed at the end by pid.
 * Contract: README/docs/decisions.md on GATEHOUSE_DATABASE_WAIT_SECONDS and /metrics while the database is awaited;
 * Prometheus text exposition format 0.0.4 (HELP/TYPE and samples of each family).
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWorkers } from '../src/main/workers.ts';
import { freePort } from './support/processes.ts';
import { freshRequest } from './support/workers.ts';

let dir = '';
let listenPort = 0;
let healthPort = 0;
let started: Promise<unknown>;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-review-pr1-'));
  listenPort = await freePort();
  healthPort = await freePort();
  const deadPort = await freePort();
  started = startWorkers(
    {
      dataDir: join(dir, 'data'),
      listen: `127.0.0.1:${listenPort}`,
      agentListen: '127.0.0.1:0',
      s3Listen: 'off',
      healthListen: `127.0.0.1:${healthPort}`,
      databaseUrl: `postgres://gatehouse:x@127.0.0.1:${deadPort}/gatehouse`,
      // A backstop: the start gives up by itself if the workers were not killed.
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', GATEHOUSE_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'), GATEHOUSE_DATABASE_WAIT_SECONDS: '60' },
      log: () => {},
    },
    2,
  ).then(
    () => assert.fail('the start must not finish without a database'),
    (e: unknown) => e,
  );
});

after(async () => {
  for (const w of Object.values(cluster.workers ?? {})) if (w?.process.pid !== undefined) w.process.kill('SIGKILL');
  await started;
  await rm(dir, { recursive: true, force: true });
});

/** /metrics on `port` once the waiting listener answers it (both workers start and listen while they wait). */
const scrape = async (port: number): Promise<{ status: number; body: string }> => {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await freshRequest(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
    if (r !== undefined) return r;
    assert.ok(Date.now() < deadline, `nothing answered on port ${port}`);
    await sleep(100);
  }
};

test('--listen serves the process metrics and gatehouse_waiting_for_database 1 while the workers wait', { timeout: 60_000 }, async () => {
  for (let i = 0; i < 3; i++) {
    const m = await scrape(listenPort);
    assert.equal(m.status, 200, m.body);
    assert.match(m.body, /^# TYPE gatehouse_waiting_for_database gauge$/m, `an empty exposition: ${JSON.stringify(m.body.slice(0, 200))}`);
    assert.match(m.body, /^gatehouse_waiting_for_database 1$/m);
    assert.match(m.body, /^process_resident_memory_bytes \d+/m);
  }
});

test('--health-listen does too', { timeout: 60_000 }, async () => {
  const m = await scrape(healthPort);
  assert.equal(m.status, 200, m.body);
  assert.match(m.body, /^gatehouse_waiting_for_database 1$/m, `an empty exposition: ${JSON.stringify(m.body.slice(0, 200))}`);
  assert.match(m.body, /^process_start_time_seconds \d+/m);
});
