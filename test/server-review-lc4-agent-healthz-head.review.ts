/**
 * Review lc, 4: `HEAD /healthz` on the job credential endpoints (`--agent-listen`, 8471) and on the node agent
 * (`gatehouse agent`, the relay a DaemonSet runs on every node) was answered 405 `Allow: GET`, while GET was 200. RFC
 * 9110 §9.3.2: HEAD is answered as GET without the content, and a general-purpose server must support it (§9.1); uptime
 * monitors, load balancers' health checks and `curl -I` probe with it, and a 405 is the agent being down. Review el, 3
 * fixed the same on --listen and --health-listen. Now both answer HEAD /healthz as GET (status and headers, no body), and
 * another method there is 405 with `Allow: GET, HEAD`.
 * A real server on 127.0.0.1 and a relay (createRelay, as `gatehouse agent` runs it) in front of its agent port.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/** A request by node:http, which reads a HEAD answer as one without a body. */
function send(method: string, url: string): Promise<{ status: number; type: string | undefined; allow: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], allow: res.headers['allow'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('review lc4: the credential endpoints and the node agent answer HEAD /healthz', () => {
  let s: TestServer;
  let relay: Relay | undefined;
  let relayUrl = '';
  before(async () => {
    s = await startTestServer();
    relay = createRelay({ upstream: s.running.agentUrl, revalidateMs: 600_000 });
    relayUrl = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
  });
  after(async () => {
    await relay?.close();
    await s?.stop();
  });

  for (const [what, base] of [['--agent-listen', () => s.running.agentUrl], ['gatehouse agent', () => relayUrl]] as const) {
    it(`${what}: HEAD /healthz is answered as GET, without the body; POST is 405 naming GET and HEAD`, async () => {
      const get = await send('GET', `${base()}/healthz`);
      assert.equal(get.status, 200);
      const head = await send('HEAD', `${base()}/healthz`);
      assert.deepEqual({ status: head.status, type: head.type, body: head.body }, { status: 200, type: get.type, body: '' });
      const post = await send('POST', `${base()}/healthz`);
      assert.equal(post.status, 405);
      assert.equal(post.allow, 'GET, HEAD');
    });
  }
});
