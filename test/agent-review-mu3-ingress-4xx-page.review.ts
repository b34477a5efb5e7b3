/**
 * Review mu, 3: a node agent relayed a proxy's 4xx page other than 403, 404 or 410 (an ingress's `429 Too Many Requests` of a rate limit, a `401`) as the server's answer: unsaid in its log, and a launcher asking for its job's metadata endpoint then took it as final and ran the job without one.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * Review iq, 1 made a 403, 404 or 410 that is not the server's own (JSON with `Code` and `Message`) count as the server
 * out of reach behind a proxy answering for it. Any other 4xx page still went through as the server's word: an
 * ingress-nginx rate limit (`limit-rps`, answered `429` with nginx's page when `limit-req-status-code` is 429, as many set
 * it) reached every job's SDK as that HTML labelled `application/json`, the log said nothing, and `POST
 * /v1/launcher/metadata` answered the 429 itself, which `gatehouse jobs run --agent` takes as the agent's refusal (a
 * 4xx: not asked again), so the job's ranks had no instance metadata for its whole life. Now any 4xx page that is not the
 * server's is treated as iq, 1 treats those: cached credentials are still served, a job with none gets 502 saying what
 * the upstream answered, said once in the log, and the launcher's request is answered 502, which it asks again.
 *
 * A stand-in upstream (the server's credential port as an ingress relays it: a container document, or nginx's 429 page),
 * and a real node agent (createRelay) in front of it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { nginxPage, startIngressStandIn, type IngressStandIn } from './support/ingress-stand-in.ts';

const REVALIDATE_MS = 100;
const NGINX_429 = nginxPage(429, 'Too Many Requests');

let ingress: IngressStandIn;
let agentUrl: string;
let logs: string[] = [];
/** Whether the ingress answers its 429 page instead of passing the request on. */
let limited = false;

before(async () => {
  ingress = await startIngressStandIn({ revalidateMs: REVALIDATE_MS, page: () => (limited ? { status: 429, html: NGINX_429 } : undefined) });
  ({ agentUrl, logs } = ingress);
});

after(async () => {
  await ingress?.close();
});

const ask = (cap: string): Promise<Response> => ingress.ask(cap);
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('mu3: cached credentials are still served while an ingress answers 429 for the server', async () => {
  limited = false;
  assert.equal((await ask('cap-with-credentials-0001')).status, 200);
  limited = true;
  for (let i = 0; i < 4; i++) {
    await pause(REVALIDATE_MS + 20);
    const r = await ask('cap-with-credentials-0001');
    assert.equal(r.status, 200);
    await r.arrayBuffer();
  }
});

test('mu3: a job with nothing cached is told 502 naming the 429, in JSON, and the log says so once', async () => {
  limited = true;
  for (const cap of ['cap-asked-in-limit-00002', 'cap-asked-in-limit-00003']) {
    const r = await ask(cap);
    const text = await r.text();
    assert.equal(r.status, 502, text);
    assert.doesNotMatch(text, /<html>/);
    const body = JSON.parse(text) as { Code?: unknown; Message?: unknown };
    assert.equal(body.Code, 'BadGateway');
    assert.match(String(body.Message), /answered 429 with something that is not Gatehouse's answer/);
  }
  assert.equal(logs.filter((l) => /answered 429/.test(l)).length, 1, logs.join('\n'));
});

test('mu3: a launcher asking for its job’s metadata endpoint while the ingress answers 429 is answered 5xx, which it asks again', async () => {
  limited = true;
  const r = await fetch(`${agentUrl}/v1/launcher/metadata`, { method: 'POST', headers: { authorization: 'cap-of-a-starting-job-0004' }, body: JSON.stringify({}) });
  const text = await r.text();
  assert.ok(r.status >= 500, `${r.status} ${text}`);
  limited = false;
  const again = await fetch(`${agentUrl}/v1/launcher/metadata`, { method: 'POST', headers: { authorization: 'cap-of-a-starting-job-0004' }, body: JSON.stringify({}) });
  // The ingress passing requests on again, the launcher's next ask (at a heartbeat) opens it.
  assert.equal(again.status, 200, await again.text());
});
