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
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/main/server.ts';
import { freePort } from './support/processes.ts';
import { settled, SETTLE_MS } from './support/settle.ts';

let dir = '';
let healthPort = 0;
let listenUrl = '';
const abort = new AbortController();
let started: Promise<unknown>;
const logs: string[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-review-lm2-'));
  healthPort = await freePort();
  const deadPort = await freePort();
  started = startServer({
    dataDir: dir,
    listen: '127.0.0.1:0',
    agentListen: '127.0.0.1:0',
    healthListen: `127.0.0.1:${healthPort}`,
    databaseUrl: `postgres://gatehouse:x@127.0.0.1:${deadPort}/gatehouse`,
    env: { GATEHOUSE_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') },
    signal: abort.signal,
    log: (l) => void logs.push(l),
  }).then(
    () => assert.fail('the start must not finish without a database'),
    (e: unknown) => e,
  );
  // The waiting listener on --listen says where it is once the first attempt failed.
  // (to a bound of time, settle.ts, not 100 tries)
  listenUrl = await settled(
    async () => logs.map((l) => /answers \/healthz 200 and \/readyz 503/.test(l) ? /(http:\/\/127\.0\.0\.1:\d+)/.exec(l)?.[1] : undefined).find((x) => x !== undefined) ?? '',
    (url) => url !== '',
    SETTLE_MS,
    50,
  );
  assert.notEqual(listenUrl, '', logs.join('\n'));
});

after(async () => {
  abort.abort();
  const e = await started;
  assert.match(String((e as Error).message), /stopped while starting/);
  await rm(dir, { recursive: true, force: true });
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
