/**
 * Review mu, 2: a node agent took an ingress's 5xx page (`502 Bad Gateway` while the server behind it is down) for the server's own answer: its log said nothing of an outage, and a job with nothing cached was handed the page.
 *
 * Before the fix 3 of 3 tests failed.
 *
 * The README puts the server behind an ingress or load balancer (`--upstream http://<server>:8471`, a Service with an
 * Ingress in front). When the server goes away there, the agent no longer meets a refused connection: it meets the
 * proxy's `502 Bad Gateway` (`503`, `504`) page. Review iq, 1 made a proxy's 403, 404, 410 and 200 pages count as the
 * server out of reach; a 5xx page was still relayed as the server's word: the agent never logged that it could not
 * reach the server (nor that it answered again), counted nothing as served stale, and passed the page, HTML labelled
 * `application/json`, to a job's SDKs as its own answer. Now a 5xx that is not the server's own (JSON with `Code` and
 * `Message`) is the server out of reach, as a refused connection is: said once in the log, then "answers again"; cached
 * credentials are served meanwhile (counted stale), and a job with none gets the agent's 503 in JSON saying so.
 *
 * A stand-in upstream (the server's credential port as a proxy relays it: a container document, then nginx's 502 page),
 * and a real node agent (createRelay) in front of it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Relay } from '../src/adapters/agent/relay.ts';
import { nginxPage, startIngressStandIn, type IngressStandIn } from './support/ingress-stand-in.ts';
import { SETTLE_MS } from './support/settle.ts';

const REVALIDATE_MS = 100;
const NGINX_502 = nginxPage(502, 'Bad Gateway');
const CAP_CACHED = 'cap-with-credentials-0001';
const CAP_NEW = 'cap-asked-first-in-outage-0002';

let ingress: IngressStandIn;
let relay: Relay;
let logs: string[] = [];
/** Whether the ingress answers its 502 page (the server behind it down). */
let down = false;

before(async () => {
  ingress = await startIngressStandIn({ revalidateMs: REVALIDATE_MS, page: () => (down ? { status: 502, html: NGINX_502 } : undefined) });
  ({ relay, logs } = ingress);
});

after(async () => {
  await ingress?.close();
});

const ask = (cap: string): Promise<Response> => ingress.ask(cap);
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const outageLines = (): string[] => logs.filter((l) => /cannot reach the server/.test(l));

test('mu2: an ingress’s 502 for the server is said in the agent’s log once, and cached credentials are served as stale', async () => {
  const first = await ask(CAP_CACHED);
  assert.equal(first.status, 200);
  down = true;
  // Six asks, and more while the outage is not yet logged, to settle.ts's bound (a loaded host may take long).
  const deadline = Date.now() + SETTLE_MS;
  // Each ask after a revalidation interval is served from cache and revalidated in the background.
  for (let i = 0; i < 6 || (outageLines().length === 0 && Date.now() < deadline); i++) {
    await pause(REVALIDATE_MS + 20);
    const r = await ask(CAP_CACHED);
    assert.equal(r.status, 200, 'still-valid cached credentials are served');
    await r.arrayBuffer();
  }
  assert.equal(outageLines().length, 1, logs.join('\n'));
  assert.match(outageLines()[0] ?? '', /502/);
  assert.ok(relay.stats().servedStale >= 1, `servedStale ${relay.stats().servedStale}`);
});

test('mu2: a job with nothing cached gets the agent’s own 503 in JSON, not the ingress’s page', async () => {
  down = true;
  const r = await ask(CAP_NEW);
  const text = await r.text();
  assert.equal(r.status, 503, text);
  assert.doesNotMatch(text, /<html>/);
  const body = JSON.parse(text) as { Code?: unknown; Message?: unknown };
  assert.equal(body.Code, 'Unavailable');
  assert.match(String(body.Message), /cannot be reached.*502/);
});

test('mu2: when the server answers again through the ingress, the log says so once', async () => {
  down = false;
  const deadline = Date.now() + SETTLE_MS;
  while (!logs.some((l) => /answers again/.test(l)) && Date.now() < deadline) {
    await pause(REVALIDATE_MS + 20);
    await (await ask(CAP_CACHED)).arrayBuffer();
  }
  assert.equal(logs.filter((l) => /answers again/.test(l)).length, 1, logs.join('\n'));
  const r = await ask(CAP_NEW);
  assert.equal(r.status, 200, await r.text());
});
