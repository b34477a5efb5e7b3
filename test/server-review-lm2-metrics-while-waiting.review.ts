/**
 * Review lm, 2 (fixed in src/main/server.ts and src/adapters/metrics): while the start waited for its database
 * (PostgreSQL down, GATEHOUSE_DATABASE_WAIT_SECONDS unbounded by default), /metrics answered 503 on `--health-listen`
 * ("starting: no metrics yet") and on `--listen` (an IAM ServiceUnavailable): Prometheus marked the target down and had
 * no process metrics (memory, CPU, start time) for as long as the wait lasted, and nothing told a wait for the
 * database from a process that is not there. Now both ports serve the exposition from the start, with the gauge
 * `gatehouse_waiting_for_database` 1 while the start waits for its database. A real start against a PostgreSQL
 * address nobody listens on, stopped (its signal aborted) at the end. Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWaitingForDatabase, type WaitingServer } from './support/waiting-server.ts';
import { freePort } from './support/processes.ts';

let healthPort = 0;
let waiting: WaitingServer;
let listenUrl = '';

before(async () => {
  healthPort = await freePort();
  waiting = await startWaitingForDatabase('review-lm2', { healthListen: `127.0.0.1:${healthPort}` });
  listenUrl = waiting.url;
});

after(async () => {
  const e = await waiting?.stop();
  assert.match(String((e as Error).message), /stopped while starting/);
});

const scrape = async (url: string): Promise<{ status: number; type: string; body: string }> => {
  const r = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) });
  return { status: r.status, type: r.headers.get('content-type') ?? '', body: await r.text() };
};

test('--health-listen serves the process metrics while the database is awaited, saying so', async () => {
  const m = await scrape(`http://127.0.0.1:${healthPort}`);
  assert.equal(m.status, 200, m.body);
  assert.match(m.type, /^text\/plain; version=0\.0\.4/);
  assert.match(m.body, /^process_start_time_seconds \d+/m);
  assert.match(m.body, /^process_resident_memory_bytes \d+/m);
  assert.match(m.body, /^# TYPE gatehouse_waiting_for_database gauge$/m);
  assert.match(m.body, /^gatehouse_waiting_for_database 1$/m);
  // Still not ready, still alive.
  assert.equal((await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status, 503);
});

test('--listen serves them too while the database is awaited', async () => {
  const m = await scrape(listenUrl);
  assert.equal(m.status, 200, m.body);
  assert.match(m.body, /^process_start_time_seconds \d+/m);
  assert.match(m.body, /^gatehouse_waiting_for_database 1$/m);
  assert.equal((await fetch(`${listenUrl}/readyz`)).status, 503);
  assert.equal((await fetch(`${listenUrl}/healthz`)).status, 200);
});
