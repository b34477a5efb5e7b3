/**
 * Review vb, 1: the requests on `--health-listen` (the probes' and the scrapes' own port, where a Kubernetes deployment
 * points its kubelet and Prometheus) were counted nowhere. `gatehouse_http_request_duration_seconds` (README:
 * "request latency per API (every request, timed when its connection closes …)") times every other listener's
 * requests — the edge's, its early refusals (review nx, 1), the waiting listener's (review pr, 2), the agent's and the
 * job metadata endpoints' (reviews ct, 3 and nx, 2) — but on the health port a readiness probe answered 503, a scrape
 * and its duration, a 405 or 404 left no series: an alert on the readiness probe's 503s, or on how long a scrape
 * takes, saw nothing of the port they are sent to. Now they are timed as the same paths are on `--listen`, under the
 * API their path names (`health`, `metrics`, `other`) and the status they got. A real server with `--health-listen`;
 * the exposition read with a strict reader of the text format 0.0.4 (test/support/prometheus-text.ts).
 * Contract: README (Prometheus metrics: "request latency per API (every request …)"); issue 7 ("latency histograms").
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { freshRequest } from './support/raw-answer.ts';
import { parseExposition, sampleValue } from './support/prometheus-text.ts';
import { settled } from './support/settle.ts';

let dir = '';
let server: RunningServer;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-review-vb1-'));
  server = await startServer({ dataDir: dir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', healthListen: '127.0.0.1:0', log: () => {} });
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('the health port\'s probes, scrapes and refusals are in gatehouse_http_request_duration_seconds', { timeout: 60_000 }, async () => {
  const health = server.healthUrl as string;
  assert.ok(health, 'the server has a health port');
  const asked: Array<[string, string, number]> = [
    ['GET', '/healthz', 200],
    ['GET', '/healthz', 200],
    ['HEAD', '/healthz', 200],
    ['GET', '/readyz', 200],
    ['GET', '/metrics', 200],
    ['POST', '/readyz', 405],
    ['GET', '/nope', 404],
  ];
  for (const [method, path, status] of asked) assert.equal((await freshRequest(`${health}${path}`, {}, method)).status, status, `${method} ${path}`);
  // Timed when their connections close: read until the last one is in.
  const count = (families: ReturnType<typeof parseExposition>, api: string, code: string): number | undefined =>
    sampleValue(families, 'gatehouse_http_request_duration_seconds', { api, code }, 'gatehouse_http_request_duration_seconds_count');
  const families = await settled(
    async () => parseExposition((await freshRequest(`${server.url}/metrics`)).body),
    (f) => count(f, 'other', '404') === 1,
    10_000,
  );
  // (`metrics` 200 is not read: the scrapes on --listen that read these are timed under it too.)
  assert.deepEqual({ health200: count(families, 'health', '200'), health405: count(families, 'health', '405'), other404: count(families, 'other', '404') }, { health200: 4, health405: 1, other404: 1 });
  assert.equal(sampleValue(families, 'gatehouse_http_request_duration_seconds', { api: 'health', code: '200', le: '+Inf' }, 'gatehouse_http_request_duration_seconds_bucket'), 4);
});
