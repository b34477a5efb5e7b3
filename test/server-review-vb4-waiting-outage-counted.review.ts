/**
 * Review vb, 4: `gatehouse_store_unavailable_total` ("Requests answered 503 because the store could not be reached")
 * stayed 0 while a server started against a database it could not reach, though every request on `--listen` was
 * answered 503 for it ("its database cannot be reached yet"): the admin API, the Query APIs, the Kubernetes webhooks.
 * The edge counts its outage 503s (and the gateway's, the agent's, Alibaba STS's, the scoped sessions', reviews gm, 8,
 * ih, 2 and ht, 3), so the usual alert on the rate of this counter fired for an outage that began while the server
 * ran, and not for the same outage met by a server (re)started during it, whose clients were refused all the same.
 * Now the waiting listener counts each request it refuses because the database cannot be reached (not the probes, and
 * not the 503s of a directory still loading from a database that answers). A real start against a PostgreSQL address
 * nobody listens on, stopped (its signal aborted) at the end; the exposition read with a strict reader of the text
 * format 0.0.4 (test/support/prometheus-text.ts).
 * Contract: the metric's HELP and README ("Prometheus metrics are at GET /metrics"); issue 7 (PostgreSQL stopped →
 * writes answer 503 with a retryable error, "reported").
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWaitingForDatabase, type WaitingServer } from './support/waiting-server.ts';
import { settled, SETTLE_MS } from './support/settle.ts';
import { parseExposition, sampleValue } from './support/prometheus-text.ts';

let waiting: WaitingServer;
let listenUrl = '';

before(async () => {
  waiting = await startWaitingForDatabase('review-vb4');
  listenUrl = waiting.url;
});

after(async () => {
  await waiting?.stop();
});

test('the requests refused while the database is awaited are counted in gatehouse_store_unavailable_total', { timeout: 2 * SETTLE_MS }, async () => {
  const refused = [
    await fetch(`${listenUrl}/v1/users`),
    await fetch(`${listenUrl}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetCallerIdentity&Version=2011-06-15' }),
    await fetch(`${listenUrl}/k8s/authorize/c1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
  ];
  for (const r of refused) {
    assert.equal(r.status, 503);
    await r.text();
  }
  // The probes are not requests the outage refused.
  for (const path of ['/readyz', '/healthz']) await (await fetch(`${listenUrl}${path}`)).text();
  const families = await settled(
    async () => parseExposition(await (await fetch(`${listenUrl}/metrics`)).text()),
    (f) => sampleValue(f, 'gatehouse_http_request_duration_seconds', { api: 'health', code: '200' }, 'gatehouse_http_request_duration_seconds_count') === 1,
  );
  assert.equal(sampleValue(families, 'gatehouse_waiting_for_database'), 1);
  assert.equal(sampleValue(families, 'gatehouse_store_unavailable_total'), 3);
});
