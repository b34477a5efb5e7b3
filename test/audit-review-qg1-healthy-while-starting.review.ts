/**
 * Review qg, 1 (fixed in src/adapters/metrics): `gatehouse_audit_healthy` is "1 while the audit log is known to be
 * writable" (README, the gauge's HELP), and under `GATEHOUSE_AUDIT_FAILURE=closed` its 0 is what an operator alerts on.
 * /metrics is served from the start (review lm, 2), before the app and its audit writer exist: until they were bound
 * the gauge read 1. So a server waiting for a PostgreSQL nobody answers (`gatehouse_waiting_for_database 1`) said its
 * audit log was healthy, for as long as the wait lasted, when nothing at all is known about it (and a scrape during
 * every start said so for a moment). Now the gauge reads 0 until the audit log's own status is bound: not known to
 * be writable.
 * A real start against a PostgreSQL address nobody listens on, scraped on `--health-listen`, stopped (its signal
 * aborted) at the end; and a real server once started, which reads 1 (nothing broken there).
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/main/server.ts';
import { freePort } from './support/processes.ts';
import { metricSample } from './support/workers.ts';
import { startTestServer } from './support/server.ts';

let dir = '';
let healthPort = 0;
const abort = new AbortController();
let started: Promise<unknown>;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-review-qg1-'));
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
    log: () => {},
  }).then(
    () => assert.fail('the start must not finish without a database'),
    (e: unknown) => e,
  );
});

after(async () => {
  abort.abort();
  await started;
  await rm(dir, { recursive: true, force: true });
});

const scrape = async (port: number): Promise<string> => {
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
      const body = await r.text();
      if (r.status === 200 && (/^gatehouse_waiting_for_database 1$/m.test(body) || i >= 100)) return body;
    } catch (e) {
      if (i >= 100) throw e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
};

test('while the start waits for its database, the audit log is not said to be healthy', { timeout: 30_000 }, async () => {
  const body = await scrape(healthPort);
  assert.match(body, /^gatehouse_waiting_for_database 1$/m, body);
  assert.equal(metricSample(body, 'gatehouse_audit_healthy'), 0, 'nothing is known of an audit log whose database cannot be reached');
});

test('a started server whose audit log writes reads 1', { timeout: 30_000 }, async () => {
  const s = await startTestServer();
  try {
    assert.ok(await s.running.app.audit.flush());
    const r = await fetch(`${s.url}/metrics`);
    assert.equal(metricSample(await r.text(), 'gatehouse_audit_healthy'), 1);
  } finally {
    await s.stop();
  }
});
