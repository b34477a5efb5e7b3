/**
 * Review iq, 2: the launcher of `gatehouse jobs run` took any 4xx answer to its job's end for the server's word ("a
 * refusal (4xx: the job ended already) is the server's word") and did not tell the end again. Between the launcher and
 * the server's credential port there may be a proxy (an ingress in front of a remote server, reached directly or
 * through a node agent, which passes the launcher's calls on as they are answered): while the server is not there, the
 * proxy answers for it, ingress-nginx's default backend with `404 page not found`, a web application firewall with a
 * 403 page. An end answered so was lost, and nothing was said: the job stayed Running with its sessions working after
 * its command had exited, until the server's sweep failed it for its launcher's silence, so a job that succeeded was
 * recorded Failed. The server's own refusals of a launcher's call are JSON with `Code` and `Message` (`Forbidden`,
 * `Invalid`); only those are final now. Any other answer is told again as a 5xx is (review ek, 4), and one that lasts
 * is said with what it was.
 *
 * A real server behind a real HTTP proxy that answers the first end calls with an ingress's 404 page, the real node
 * agent in front of it and the real launcher (`launch`) running a rank that succeeds; and the launcher reaching the
 * proxy directly. Before the fix 3 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../src/adapters/cli/client.ts';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { launch } from '../src/adapters/launcher/run.ts';
import { submitJob, type SubmittedJob } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
const relays: Relay[] = [];
const proxies: Server[] = [];
let home: string;

const NGINX_404 = '<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>';

before(async () => {
  s = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-iq2-'));
});
after(async () => {
  for (const r of relays) await r.close();
  for (const p of proxies) {
    p.closeAllConnections();
    await new Promise((r) => p.close(r));
  }
  await s?.stop();
  await rm(home, { recursive: true, force: true });
});

/** An ingress in front of the server's credential port that answers the first `pages` end calls with its 404 page. */
async function ingress(upstreamUrl: string, pages: number): Promise<{ url: string; answered: () => number }> {
  const upstream = new URL(upstreamUrl);
  let answered = 0;
  const proxy = createServer((req, res) => {
    if (req.url === '/v1/launcher/end' && answered < pages) {
      answered++;
      req.resume();
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end(NGINX_404);
      return;
    }
    const out = request({ host: upstream.hostname, port: upstream.port, path: req.url ?? '/', method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  proxies.push(proxy);
  const port = await new Promise<number>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve((proxy.address() as { port: number }).port)));
  return { url: `http://127.0.0.1:${port}`, answered: () => answered };
}

async function agentIn(front: string): Promise<string> {
  const relay = createRelay({ upstream: front, log: () => {} });
  relays.push(relay);
  return `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
}

/** The real launcher running a rank that succeeds, through `agentUrl`; its status and what it said. */
async function run(job: SubmittedJob, agentUrl: string): Promise<{ status: number; lines: string[] }> {
  const lines: string[] = [];
  const dir = await mkdtemp(join(home, 'job-'));
  const status = await launch({
    jobId: job.id,
    capability: job.capability,
    agentUrl,
    environment: { ...job.environment, ALIBABA_CLOUD_CREDENTIALS_URI: `${agentUrl}/v1/credentials/${job.capability}`, AWS_CONTAINER_CREDENTIALS_FULL_URI: `${agentUrl}/v1/container-credentials` },
    command: [process.execPath, '-e', ''],
    replicas: 1,
    credentialsFile: join(dir, 'credentials'),
    profileDir: dir,
    baseEnv: { PATH: process.env['PATH'] ?? '' },
    log: (line) => void lines.push(line),
    heartbeatMs: 200,
  });
  return { status, lines };
}

async function assertEnded(job: SubmittedJob, lines: readonly string[]): Promise<void> {
  const got = await call<{ state: string }>(job.conn, 'GET', ['jobs', job.id]);
  assert.ok(got.ok, JSON.stringify(got));
  assert.equal(got.value.state, 'Succeeded', `the job is ${got.value.state} after its launcher returned; launcher said: ${lines.join(' | ')}`);
  const container = await fetch(`${job.upstream}/v1/container-credentials`, { headers: { authorization: job.capability } });
  assert.equal(container.status, 410, 'the ended job’s container endpoint still serves its credentials');
}

test('iq2: an end answered by an ingress’s 404 page on its way through a node agent is told again; the job ends Succeeded', async () => {
  const job = await submitJob(s.url, s.admin);
  const front = await ingress(job.upstream, 2);
  const { status, lines } = await run(job, await agentIn(front.url));
  assert.equal(status, 0);
  assert.equal(front.answered(), 2, 'the ingress answered the end twice');
  await assertEnded(job, lines);
});

test('iq2: the same with the launcher reaching the ingress itself (no node agent)', async () => {
  const job = await submitJob(s.url, s.admin);
  const front = await ingress(job.upstream, 1);
  const { status, lines } = await run(job, front.url);
  assert.equal(status, 0);
  await assertEnded(job, lines);
});

test('iq2: an end the ingress keeps answering is said, with what it answered', async () => {
  const job = await submitJob(s.url, s.admin);
  const front = await ingress(job.upstream, Infinity);
  const { status, lines } = await run(job, front.url);
  assert.equal(status, 0);
  assert.ok(front.answered() > 1, 'the end was told again');
  const said = lines.filter((l) => l.includes(`the end of job ${job.id} could not be reported`));
  assert.equal(said.length, 1, lines.join(' | '));
  assert.match(said[0] ?? '', /\(404, not Gatehouse's answer: <html>.*\): the server marks the job Failed/);
});
