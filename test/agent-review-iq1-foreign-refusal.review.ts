/**
 * Review iq, 1: a node agent took any 403, 404 or 410 from its `--upstream`, and any 200, for the server's word. A
 * Gatehouse server behind an ingress or load balancer (the README's `--upstream http://<server>:8471`, a Kubernetes
 * Service with an Ingress in front) is answered for by that proxy while the server is not there: ingress-nginx's default
 * backend answers `404 page not found` for a path no rule routes (an Ingress being replaced during a rollout), a web
 * application firewall answers `403 Forbidden` in HTML, a maintenance page is a `200` of HTML. At its next revalidation
 * the agent dropped every job's still-valid cached credentials for that answer (a 403 or 410 also closed the job's
 * metadata endpoint), and passed the proxy's page on to every rank's SDK (`Server responded with status: 404`, the
 * Alibaba SDK `get sts token failed, httpStatus: 404, message = <html>…`), so a few seconds of a proxy's page cut the
 * node's jobs off, when the agent is there to keep serving still-valid credentials while the server is unreachable
 * (DESIGN.md's performance model), and its log said nothing. The server's own refusals of these endpoints are JSON with
 * `Code` and `Message` (`Forbidden`, `NoRole`, `JobEnded`); only those now end what the agent holds. Anything else is
 * read as the server being out of reach behind a proxy that answers for it: cached credentials are served while valid,
 * a job with none gets 502 saying what the upstream answered, and the log says so once.
 *
 * A real server behind a real HTTP proxy that can answer for it, a real node agent in front of that proxy, and the
 * AWS SDK v3 (`fromHttp`, `fromInstanceMetadata`) and `@alicloud/credentials` reading the agent. Before the fix 4 of 4
 * tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import Alibaba from '@alicloud/credentials';
import { fromHttp, fromInstanceMetadata } from '@aws-sdk/credential-providers';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

type Job = { job: { id: string }; capability: string; environment: Record<string, string> };

let s: TestServer;
let proxy: Server;
let relay: Relay;
let agentUrl: string;
const logs: string[] = [];
/** What the proxy answers instead of passing the request on (undefined: it passes it on). */
let answering: { status: number; contentType: string; body: string } | undefined;
let submit: () => Promise<Job>;

const REVALIDATE_MS = 150;
const NGINX_404 = { status: 404, contentType: 'text/html', body: '<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>' };
const WAF_403 = { status: 403, contentType: 'text/html', body: '<html><body><h1>403 Forbidden</h1>Request blocked.</body></html>' };
const MAINTENANCE_200 = { status: 200, contentType: 'text/html', body: '<html><body>Down for maintenance</body></html>' };

before(async () => {
  s = await startTestServer();
  const conn = connectionTo(s.url, s.admin);
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  submit = async () => {
    const r = await call<Job>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', launcherUid: process.getuid?.() ?? 0 } });
    assert.ok(r.ok, JSON.stringify(r));
    return r.value;
  };
  const first = await submit();
  const server = new URL(first.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? assert.fail('no container URI'));
  // The ingress: passes each request on to the server's credential port, unless told to answer for it.
  proxy = createServer((req, res) => {
    if (answering !== undefined) {
      res.writeHead(answering.status, { 'content-type': answering.contentType });
      res.end(answering.body);
      return;
    }
    const up = request({ host: server.hostname, port: server.port, path: req.url ?? '/', method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  relay = createRelay({ upstream: `http://127.0.0.1:${(proxy.address() as { port: number }).port}`, revalidateMs: REVALIDATE_MS, log: (line) => void logs.push(line) });
  agentUrl = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
});
after(async () => {
  await relay?.close();
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  await s?.stop();
});

const viaContainer = (capability: string): Promise<{ accessKeyId: string }> => fromHttp({ awsContainerCredentialsFullUri: `${agentUrl}/v1/container-credentials`, awsContainerAuthorizationToken: capability, maxRetries: 0 })();
const viaAlibaba = async (capability: string): Promise<string> => (await new Alibaba.default(new Alibaba.Config({ type: 'credentials_uri', credentialsURI: `${agentUrl}/v1/credentials/${capability}` })).getCredential()).accessKeyId ?? '';

async function viaMetadata(endpoint: string): Promise<string> {
  const saved = process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'];
  process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = endpoint;
  try {
    return (await fromInstanceMetadata({ maxRetries: 0, timeout: 10_000 })()).accessKeyId;
  } finally {
    if (saved === undefined) delete process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'];
    else process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = saved;
  }
}

/** The job's credentials read through the agent once, and its metadata endpoint opened there. */
async function cached(job: Job): Promise<{ key: string; metadata: string }> {
  const key = (await viaContainer(job.capability)).accessKeyId;
  const opened = await fetch(`${agentUrl}/v1/launcher/metadata`, { method: 'POST', headers: { authorization: job.capability }, body: JSON.stringify({ uid: process.getuid?.() ?? 0 }) });
  assert.equal(opened.status, 200);
  const { host, port } = (await opened.json()) as { host: string; port: number };
  return { key, metadata: `http://${host}:${port}/` };
}

/** Past the agent's revalidation, with the proxy answering `page` meanwhile; back to passing requests on after. */
async function whileProxyAnswers<T>(page: typeof answering, fn: () => Promise<T>): Promise<T> {
  answering = page;
  try {
    await new Promise((r) => setTimeout(r, REVALIDATE_MS * 2));
    return await fn();
  } finally {
    answering = undefined;
  }
}

for (const page of [NGINX_404, WAF_403, MAINTENANCE_200]) {
  test(`iq1: an ingress's ${page.status} page does not take a job's cached credentials away; every endpoint of the agent still serves them`, async () => {
    const job = await submit();
    const { key, metadata } = await cached(job);
    await whileProxyAnswers(page, async () => {
      // The first read after the revalidation is due starts it; the next ones come after its answer.
      assert.equal((await viaContainer(job.capability)).accessKeyId, key);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal((await viaContainer(job.capability)).accessKeyId, key, 'the container endpoint');
      assert.equal(await viaAlibaba(job.capability), key, 'the credentials URI');
      assert.equal(await viaMetadata(metadata), key, "the job's metadata endpoint (not closed)");
    });
    assert.ok(logs.some((l) => l.includes(`answered ${page.status}`) && /not Gatehouse's/.test(l)), `said in the log: ${logs.join('\n')}`);
    assert.ok(!logs.some((l) => l.includes(job.capability)), 'the capability is never logged');
  });
}

test("iq1: a job with nothing cached is told 502 naming what the upstream answered; the server's own refusal still ends a job", async () => {
  const job = await submit();
  await whileProxyAnswers(NGINX_404, async () => {
    // As `gatehouse agent` says it at start.
    assert.match((await relay.checkUpstream()) ?? '', /answered 404 with something that is not Gatehouse's answer/);
    const r = await fetch(`${agentUrl}/v1/container-credentials`, { headers: { authorization: job.capability } });
    const body = (await r.json()) as { Code: string; Message: string };
    assert.equal(r.status, 502);
    assert.equal(body.Code, 'BadGateway');
    assert.match(body.Message, /answered 404 .*not Gatehouse's/);
  });
  // Through the proxy again: the server's own answers still decide. A job stopped is refused within the revalidation.
  const { key } = await cached(job);
  assert.match(key, /^ASIA/);
  assert.ok((await call(connectionTo(s.url, s.admin), 'POST', ['jobs', job.job.id, 'stop'])).ok);
  await new Promise((r) => setTimeout(r, REVALIDATE_MS * 2));
  await viaContainer(job.capability).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 50));
  await assert.rejects(viaContainer(job.capability), (e: Error & { Code?: string }) => e.Code === 'JobEnded');
});
