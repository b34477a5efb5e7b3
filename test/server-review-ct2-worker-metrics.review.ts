/**
 * Review ct, 2: `gatehouse server --workers N` answered each scrape of /metrics with the counters of the one worker
 * that took the connection, under the same series names and labels: Prometheus saw `gatehouse_decisions_total` go
 * 10, 0, 10, 0… from one target, took every fall for a counter reset, and `rate()`/`increase()` counted each
 * worker's whole total again at every scrape (and a gauge such as `gatehouse_audit_healthy` flipped between workers).
 * Now a scrape answers for the server: every serving worker's metrics, gathered through the supervisor and
 * aggregated as prom-client's cluster support does (counters and histograms summed; gauges by what they mean: the
 * backlog summed, health the least, staleness the most).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

describe('review ct2: /metrics of a server with workers answers for the server, not for one worker', () => {
  let dir = '';
  let w: RunningWorkers;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-ct2-metrics-'));
    w = await startWorkers({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', healthListen: '127.0.0.1:0', env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, log: () => {} }, 2);
  });
  after(async () => {
    await w?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('every scrape counts every worker\'s decisions, on --listen and on --health-listen', { timeout: 60_000 }, async () => {
    const file = JSON.parse(await readFile(join(dir, 'data', 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    const admin = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey };
    // Decisions spread over both workers: a batch of 10 on each of two fresh connections, then 3 more.
    for (let i = 0; i < 2; i++) {
      const r = await gatehouseJson(w.url, admin, 'POST', '/v1/authorize:batch', { requests: Array.from({ length: 10 }, () => ({ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' })) });
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
    for (let i = 0; i < 3; i++) assert.equal((await gatehouseJson(w.url, admin, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' })).status, 200);
    const seen: Array<number | undefined> = [];
    for (const base of [w.url, w.url, w.url, w.url, w.healthUrl as string, w.healthUrl as string]) {
      const r = await fresh(`${base}/metrics`);
      assert.equal(r.status, 200, r.body);
      seen.push(sample(r.body, 'gatehouse_decisions_total{result="Allow"}'));
      assert.equal(sample(r.body, 'gatehouse_audit_healthy'), 1, 'health is the least of the workers\', not their sum');
      assert.equal(r.body.match(/^# TYPE gatehouse_decisions_total counter$/gm)?.length, 1, 'one family, not one per worker');
    }
    assert.deepEqual(seen, [23, 23, 23, 23, 23, 23]);
  });
});
