/**
 * Review hu, 6: a node agent whose `--upstream` answered with a redirect passed it on to every job as if it were the
 * server's word, and said nothing. A Gatehouse server behind an ingress or load balancer that sends plain http to https
 * (or a path without its trailing slash to one with it) answers `--upstream http://gatehouse.example` with 301/308; the
 * agent relayed that status to each rank's SDK ("Server responded with status: 301", the Alibaba SDK "get sts token
 * failed, httpStatus: 301"), the start's check of the upstream found nothing wrong, and the agent's log stayed empty,
 * so the node's jobs had no credentials and nobody was told why. Now a redirect from the upstream is a wrong
 * `--upstream`: the start warns naming where it redirects, the log says it once, and jobs get 502 saying the same
 * (credentials already cached are still served while valid).
 *
 * A node agent in front of a real redirecting HTTP server, the AWS SDK v3 `fromHttp` and the Alibaba credentials SDK.
 * Before the fix 1 of 1 test failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import Alibaba from '@alicloud/credentials';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';

let redirecting: Server;
let relay: Relay;
let url: string;
const logs: string[] = [];

before(async () => {
  // An ingress that sends http to https, as most do.
  redirecting = createServer((req, res) => {
    res.writeHead(308, { location: `https://gatehouse.example${req.url ?? '/'}`, 'content-type': 'text/html' });
    res.end('<html><body>Permanent Redirect</body></html>');
  });
  await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
  const upstream = `http://127.0.0.1:${(redirecting.address() as { port: number }).port}`;
  relay = createRelay({ upstream, revalidateMs: 60_000, log: (line) => void logs.push(line) });
  url = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
});
after(async () => {
  await relay?.close();
  await new Promise<void>((resolve) => redirecting.close(() => resolve()));
});

test('hu6: an upstream that redirects is said at start, in the log once, and to the jobs as a 502 naming where it redirects', async () => {
  const warning = await relay.checkUpstream();
  assert.match(warning ?? '', /redirect.*https:\/\/gatehouse\.example\/v1\/container-credentials.*--upstream/, String(warning));
  // As `gatehouse agent` logs it at start (src/main/agent.ts).
  logs.push(`gatehouse agent: warning: ${warning}`);
  const capability = 'c'.repeat(43);
  const r = await fetch(`${url}/v1/container-credentials`, { headers: { authorization: capability } });
  const body = (await r.json()) as { Code: string; Message: string };
  assert.equal(r.status, 502);
  assert.equal(body.Code, 'BadGateway');
  assert.match(body.Message, /answered 308, a redirect to https:\/\/gatehouse\.example\/v1\/container-credentials/);
  // The Alibaba SDK, reading the credentials URI through the agent, is told the same.
  const alibaba = new Alibaba.default(new Alibaba.Config({ type: 'credentials_uri', credentialsURI: `${url}/v1/credentials/${capability}` }));
  await assert.rejects(alibaba.getCredential(), /httpStatus: 502.*redirect to https:\/\/gatehouse\.example/);
  assert.equal(logs.filter((l) => /redirect/.test(l)).length, 1, `said once: ${logs.join('\n')}`);
  assert.ok(!logs.some((l) => l.includes(capability)), 'the capability is never logged');
});
