/**
 * Review vb, 3: `gatehouse_http_request_duration_seconds`'s largest finite bucket was `le="5"`, the same for every API,
 * while requests legitimately take far longer: an S3 object of gigabytes put or read through the gateway (its request
 * time unbounded, 120 s of silence allowed), an apply or a `who-can` on a large directory, any request waiting on a
 * database that hangs (the edge lets a request go 120 s without a byte before cutting it). Everything past 5 s fell
 * in `+Inf`, where `histogram_quantile` answers the largest finite bound: the p99 of a slow API read exactly 5 s
 * however slow it was, and an alert on "p99 above 10 s" could never fire. Now the buckets go on to 10, 30, 60, 120 and
 * 300 s (past the edge's and the gateway's idle timeouts). A real server, its exposition read with a strict reader of
 * the text format 0.0.4 (test/support/prometheus-text.ts).
 * Contract: issue 7 ("latency histograms"); Prometheus `histogram_quantile` (a quantile in the `+Inf` bucket is
 * answered the largest finite bound) and its practice of buckets that cover the range of the observed values.
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { HTTP_EDGE_LIMITS } from '../src/adapters/http/server.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { parseExposition } from './support/prometheus-text.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

test('the latency buckets reach past the longest a request may take before the edge cuts it', { timeout: 60_000 }, async () => {
  await (await fetch(`${s.url}/healthz`)).text();
  const families = parseExposition(await (await fetch(`${s.url}/metrics`)).text());
  const latency = families.find((f) => f.name === 'gatehouse_http_request_duration_seconds');
  assert.ok(latency !== undefined);
  const bounds = latency.samples.filter((x) => x.name.endsWith('_bucket') && x.labels['api'] === 'health').map((x) => Number(x.labels['le']));
  const finite = bounds.filter((b) => Number.isFinite(b));
  const idle = HTTP_EDGE_LIMITS.idleTimeoutMs / 1000;
  assert.ok(Math.max(...finite) >= idle, `the largest finite bucket is ${Math.max(...finite)} s; a request may take ${idle} s and more`);
  // A few bounds between 5 s and the idle timeout: a slow API's p99 is told apart from a hung one's.
  assert.ok(finite.filter((b) => b > 5 && b < idle).length >= 3, `bounds: ${finite.join(', ')}`);
  // The fast end kept: a decision answered from memory takes well under a millisecond.
  assert.equal(Math.min(...finite), 0.0001);
});
