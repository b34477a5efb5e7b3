/**
 * Review pr, 2 (fixed in src/main/server.ts): while the start waited for its database (PostgreSQL down; the wait is
 * unbounded by default), every request on `--listen` was answered 503 by the waiting listener and counted nowhere:
 * `gatehouse_http_request_duration_seconds` (README: "request latency per API (every request, timed when its
 * connection closes)") had no series for them, so an alert on the rate of 5xx answers saw nothing for as long as the
 * wait lasted, while clients were refused. The edge that takes the port over times every request, its early refusals
 * included (review nx, 1). Now the waiting listener's answers are timed too, under the API their path names and the
 * status they got (503 for the APIs and /readyz, 200 for /healthz). A real start against a PostgreSQL address nobody
 * listens on, stopped (its signal aborted) at the end.
 * Contract: README ("Prometheus metrics are at GET /metrics … request latency per API (every request …)");
 * issue 7 ("latency histograms"); docs/decisions.md (metrics while the database is awaited, review lm, 2).
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startWaitingForDatabase, type WaitingServer } from './support/waiting-server.ts';
import { metricSample } from './support/workers.ts';
import { settled, SETTLE_MS } from './support/settle.ts';

let waiting: WaitingServer;
let listenUrl = '';

before(async () => {
  waiting = await startWaitingForDatabase('review-pr2');
  listenUrl = waiting.url;
});

after(async () => {
  await waiting?.stop();
});

test('the requests the waiting listener answers are timed, by API and status', { timeout: 2 * SETTLE_MS }, async () => {
  const admin = await fetch(`${listenUrl}/v1/users`);
  assert.equal(admin.status, 503);
  await admin.text();
  const query = await fetch(`${listenUrl}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetCallerIdentity&Version=2011-06-15' });
  assert.equal(query.status, 503);
  await query.text();
  for (let i = 0; i < 2; i++) {
    const r = await fetch(`${listenUrl}/readyz`);
    assert.equal(r.status, 503);
    await r.text();
  }
  // Timed when the connection's response closes: asked again until the series show (to a bound of time, settle.ts).
  const body = await settled(
    async () => (await fetch(`${listenUrl}/metrics`)).text(),
    (text) => metricSample(text, 'gatehouse_http_request_duration_seconds_count{api="health",code="503"}') === 2,
  );
  assert.match(body, /^gatehouse_waiting_for_database 1$/m);
  assert.equal(metricSample(body, 'gatehouse_http_request_duration_seconds_count{api="admin",code="503"}'), 1, body.split('\n').filter((l) => l.startsWith('gatehouse_http')).join('\n'));
  assert.equal(metricSample(body, 'gatehouse_http_request_duration_seconds_count{api="query",code="503"}'), 1);
  assert.equal(metricSample(body, 'gatehouse_http_request_duration_seconds_count{api="health",code="503"}'), 2);
  assert.equal(metricSample(body, 'gatehouse_http_request_duration_seconds_bucket{le="+Inf",api="admin",code="503"}'), 1);
});
