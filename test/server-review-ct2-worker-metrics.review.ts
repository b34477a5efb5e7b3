/**
 * Review ct, 2: `gatehouse server --workers N` answered each scrape of /metrics with the counters of the one worker
 * that took the connection, under the same series names and labels: Prometheus saw `gatehouse_decisions_total` go
 * 10, 0, 10, 0… from one target, took every fall for a counter reset, and `rate()`/`increase()` counted each
 * worker's whole total again at every scrape (and a gauge such as `gatehouse_audit_healthy` flipped between workers).
 * Now a scrape answers for the server: every serving worker's metrics, gathered through the supervisor and
 * aggregated as prom-client's cluster support does (counters and histograms summed; gauges by what they mean: the
 * backlog summed, health the least, staleness the most).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { freshRequest, metricSample, twoWorkers } from './support/workers.ts';

describe('review ct2: /metrics of a server with workers answers for the server, not for one worker', () => {
  const server = twoWorkers('ct2-metrics', { healthListen: '127.0.0.1:0' });

  it('every scrape counts every worker\'s decisions, on --listen and on --health-listen', { timeout: 60_000 }, async () => {
    const { w } = server;
    const admin = await server.admin();
    // Decisions spread over both workers: a batch of 10 on each of two fresh connections, then 3 more.
    for (let i = 0; i < 2; i++) {
      const r = await gatehouseJson(w.url, admin, 'POST', '/v1/authorize:batch', { requests: Array.from({ length: 10 }, () => ({ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' })) });
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
    for (let i = 0; i < 3; i++) assert.equal((await gatehouseJson(w.url, admin, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' })).status, 200);
    const seen: Array<number | undefined> = [];
    for (const base of [w.url, w.url, w.url, w.url, w.healthUrl as string, w.healthUrl as string]) {
      const r = await freshRequest(`${base}/metrics`);
      assert.equal(r.status, 200, r.body);
      seen.push(metricSample(r.body, 'gatehouse_decisions_total{result="Allow"}'));
      assert.equal(metricSample(r.body, 'gatehouse_audit_healthy'), 1, 'health is the least of the workers\', not their sum');
      assert.equal(r.body.match(/^# TYPE gatehouse_decisions_total counter$/gm)?.length, 1, 'one family, not one per worker');
    }
    assert.deepEqual(seen, [23, 23, 23, 23, 23, 23]);
  });
});
