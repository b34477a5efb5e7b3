/**
 * Review hl, 1: under `gatehouse server --workers N`, /metrics sums the serving workers' counters (review ct, 2). When
 * a worker died and was started again, its counts left the sum: `gatehouse_decisions_total`,
 * `gatehouse_http_request_duration_seconds_count`, … fell by that worker's whole count from one scrape to the next, on
 * one target, with no restart of the server. Prometheus took the fall for a counter reset, and `increase()`/`rate()`
 * counted the surviving workers' totals again as new (a spike on every worker restart). Now the supervisor keeps what
 * a worker that exits last reported (its counters and histograms, not its gauges) and adds it to every scrape: the
 * server's counters only grow.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWorkers, type RunningWorkers } from '../src/main/workers.ts';
import { gatehouseJson } from './support/resource-server.ts';

/** GET on a fresh connection: the next worker takes it. */
const fresh = (url: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const q = request(url, { agent: false }, (r) => {
      let b = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (b += c));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body: b }));
    });
    q.on('error', reject);
    q.end();
  });

const sample = (text: string, line: string): number | undefined => {
  const l = text.split('\n').find((x) => x.startsWith(`${line} `));
  return l === undefined ? undefined : Number(l.slice(line.length + 1));
};

describe('review hl1: a worker restarted under --workers does not make the server\'s counters fall', () => {
  let dir = '';
  let w: RunningWorkers;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-hl1-metrics-'));
    w = await startWorkers({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, log: () => {} }, 2);
  });
  after(async () => {
    await w?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('gatehouse_decisions_total and the request counts keep their value across a worker\'s SIGKILL and restart', { timeout: 90_000 }, async () => {
    const file = JSON.parse(await readFile(join(dir, 'data', 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    const admin = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey };
    // Decisions on fresh connections, handed to the workers in turn: each worker makes some.
    for (let i = 0; i < 6; i++) {
      const r = await gatehouseJson(w.url, admin, 'POST', '/v1/authorize:batch', { requests: Array.from({ length: 5 }, () => ({ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' })) });
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
    const before_ = await fresh(`${w.url}/metrics`);
    assert.equal(before_.status, 200, before_.body);
    const allowBefore = sample(before_.body, 'gatehouse_decisions_total{result="Allow"}') ?? NaN;
    assert.equal(allowBefore, 30);
    const countBefore = sample(before_.body, 'gatehouse_http_request_duration_seconds_count{api="authorize",code="200"}') ?? NaN;
    assert.ok(countBefore >= 6, before_.body);

    const [, victim] = w.pids();
    assert.ok(victim !== undefined);
    process.kill(victim, 'SIGKILL');
    // Started again after 1 s: both slots serve, the victim's replaced.
    const deadline = Date.now() + 30_000;
    while (!(w.pids().length === 2 && !w.pids().includes(victim))) {
      assert.ok(Date.now() < deadline, `worker ${victim} was not started again: ${w.pids().join(', ')}`);
      await sleep(100);
    }
    await sleep(500);
    for (let i = 0; i < 4; i++) {
      const r = await fresh(`${w.url}/metrics`);
      assert.equal(r.status, 200, r.body);
      assert.equal(sample(r.body, 'gatehouse_decisions_total{result="Allow"}'), allowBefore, 'the decisions the dead worker made are still counted');
      assert.ok((sample(r.body, 'gatehouse_http_request_duration_seconds_count{api="authorize",code="200"}') ?? 0) >= countBefore, 'request counts do not fall');
      assert.equal(r.body.match(/^# TYPE gatehouse_decisions_total counter$/gm)?.length, 1);
      assert.equal(r.body.match(/^gatehouse_decisions_total\{result="Allow"\} /gm)?.length, 1, 'one series, not one per worker');
    }
  });
});
