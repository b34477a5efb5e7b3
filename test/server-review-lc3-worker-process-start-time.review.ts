/**
 * Review lc, 3: `gatehouse server --workers N` left `process_start_time_seconds` out of /metrics. A scrape there is the
 * workers' metrics aggregated as prom-client's cluster support does (review ct, 2), and prom-client's aggregator for
 * that gauge is `omit`: the one default process metric that says when the process started was gone, so the uptime
 * panel of the usual Node.js dashboards went blank and an alert on restarts (`changes(process_start_time_seconds[1h])`)
 * could never fire, for the same server that shows it with one worker. It is now the latest start among the serving
 * workers (`max`): the server's uptime as its youngest worker has it, so a worker restarted is a restart seen.
 * A real server of two workers (startWorkers, as `gatehouse server --workers 2`), scraped on --listen and --health-listen.
 * Before the fix 1 of 1 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freshRequest, metricSample, twoWorkers } from './support/workers.ts';

describe('review lc3: /metrics of a server with workers says when its processes started', () => {
  const server = twoWorkers('lc3-start-time', { healthListen: '127.0.0.1:0' });

  it('process_start_time_seconds is there once, a gauge, the latest start of a worker', { timeout: 60_000 }, async () => {
    const { w } = server;
    const now = Date.now() / 1000;
    for (const base of [w.url, w.url, w.healthUrl as string]) {
      const r = await freshRequest(`${base}/metrics`);
      assert.equal(r.status, 200, r.body);
      assert.equal(r.body.match(/^# TYPE process_start_time_seconds gauge$/gm)?.length, 1, 'one family of it');
      assert.equal(r.body.match(/^process_start_time_seconds /gm)?.length, 1, 'one sample, not one per worker');
      const started = metricSample(r.body, 'process_start_time_seconds');
      assert.ok(started !== undefined && started > now - 300 && started <= now + 1, `a worker of this server started at ${started}, not long before ${now}`);
    }
  });
});
