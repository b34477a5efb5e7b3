/**
 * Review hl, 1: under `gatehouse server --workers N`, /metrics sums the serving workers' counters (review ct, 2). When
 * a worker died and was started again, its counts left the sum: `gatehouse_decisions_total`,
 * `gatehouse_http_request_duration_seconds_count`, … fell by that worker's whole count from one scrape to the next, on
 * one target, with no restart of the server. Prometheus took the fall for a counter reset, and `increase()`/`rate()`
 * counted the surviving workers' totals again as new (a spike on every worker restart). Now the supervisor keeps what
 * a worker that exits last reported (its counters and histograms, not its gauges) and adds it to every scrape: the
 * server's counters only grow.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { gatehouseJson } from './support/resource-server.ts';
import { freshRequest, metricSample, twoWorkers } from './support/workers.ts';

describe('review hl1: a worker restarted under --workers does not make the server\'s counters fall', () => {
  const server = twoWorkers('hl1-metrics');

  it('gatehouse_decisions_total and the request counts keep their value across a worker\'s SIGKILL and restart', { timeout: 90_000 }, async () => {
    const { w } = server;
    const admin = await server.admin();
    // Decisions on fresh connections, handed to the workers in turn: each worker makes some.
    for (let i = 0; i < 6; i++) {
      const r = await gatehouseJson(w.url, admin, 'POST', '/v1/authorize:batch', { requests: Array.from({ length: 5 }, () => ({ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' })) });
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
    const before_ = await freshRequest(`${w.url}/metrics`);
    assert.equal(before_.status, 200, before_.body);
    const allowBefore = metricSample(before_.body, 'gatehouse_decisions_total{result="Allow"}') ?? NaN;
    assert.equal(allowBefore, 30);
    const countBefore = metricSample(before_.body, 'gatehouse_http_request_duration_seconds_count{api="authorize",code="200"}') ?? NaN;
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
      const r = await freshRequest(`${w.url}/metrics`);
      assert.equal(r.status, 200, r.body);
      assert.equal(metricSample(r.body, 'gatehouse_decisions_total{result="Allow"}'), allowBefore, 'the decisions the dead worker made are still counted');
      assert.ok((metricSample(r.body, 'gatehouse_http_request_duration_seconds_count{api="authorize",code="200"}') ?? 0) >= countBefore, 'request counts do not fall');
      assert.equal(r.body.match(/^# TYPE gatehouse_decisions_total counter$/gm)?.length, 1);
      assert.equal(r.body.match(/^gatehouse_decisions_total\{result="Allow"\} /gm)?.length, 1, 'one series, not one per worker');
    }
  });
});
