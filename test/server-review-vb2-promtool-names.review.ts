/**
 * Review vb, 2: `/metrics` served three gauges whose names end in `_total`, a counter's suffix:
 * `nodejs_active_handles_total`, `nodejs_active_requests_total` and `nodejs_active_resources_total` (prom-client's
 * default process metrics: the sums of `nodejs_active_handles{type}`… over their types). `promtool check metrics`, which
 * many pipelines run on an exporter's output, fails on each ("non-counter metrics should not have "_total" suffix",
 * Prometheus's naming conventions), and a gauge named as a counter misleads whoever writes `rate()` over it and any
 * tool that maps `_total` to a monotonic sum (OpenMetrics, OpenTelemetry's Prometheus receiver). Now they are not
 * served; the per-type gauges stay (`sum(nodejs_active_handles)` is the total). The whole exposition, after traffic on
 * every API label, is also read with a strict reader of the text format 0.0.4 (test/support/prometheus-text.ts): HELP
 * and TYPE once per family before its samples, one group per family, no duplicate series, histograms' `le` ascending
 * with `+Inf` equal to `_count`.
 * Contract: https://prometheus.io/docs/practices/naming/ (a `_total` suffix is for counters), `promtool check metrics`;
 * Prometheus text exposition format 0.0.4.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ListUsersCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { lintExposition, parseExposition, type Family } from './support/prometheus-text.ts';

describe('review vb2: /metrics passes promtool\'s naming lint and a strict reading of the format', () => {
  let s: TestServer;
  let families: Family[] = [];

  before(async () => {
    s = await startTestServer();
    await s.iam().send(new ListUsersCommand({}));
    await s.sts().send(new GetCallerIdentityCommand({}));
    assert.equal((await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' })).status, 200);
    for (const path of ['/healthz', '/readyz', '/nope', '/v1/nope', '/ui/', '/.well-known/openid-configuration']) await (await fetch(`${s.url}${path}`)).text();
    await (await fetch(`${s.url}/metrics`)).text();
    const res = await fetch(`${s.url}/metrics`);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    families = parseExposition(await res.text());
  });
  after(() => s?.stop());

  it('reads as text format 0.0.4, every family typed and with help', () => {
    assert.ok(families.length > 20);
    assert.deepEqual(families.filter((f) => f.type === 'untyped' || f.help === undefined).map((f) => f.name), []);
    const latency = families.find((f) => f.name === 'gatehouse_http_request_duration_seconds');
    assert.ok(latency !== undefined && latency.type === 'histogram');
    assert.ok(new Set(latency.samples.map((x) => x.labels['api'])).size >= 5, 'several APIs timed');
  });

  it('names no gauge as a counter (`_total`), and every counter so', () => {
    assert.deepEqual(lintExposition(families), []);
    assert.ok(families.some((f) => f.name === 'nodejs_active_handles' && f.type === 'gauge'), 'the per-type gauge stays');
  });
});
