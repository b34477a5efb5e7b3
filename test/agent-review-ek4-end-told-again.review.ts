/**
 * Review ek, 4: the launcher of `gatehouse jobs run` reported its job's end once, and said nothing when that call
 * failed. Through a node agent whose server could not be reached at that moment (a server restarting, a network
 * blip; the agent answers 503) or an agent restarting, the end was lost: the job stayed Running with its sessions
 * working after its command had exited (README: "When the job ends, its sessions stop working everywhere") until the
 * server's sweep failed it for its launcher's silence, and a job whose command succeeded was recorded Failed, with no
 * word from the launcher. Now the end is told again while the answer is an unreachable endpoint or a 5xx (a few
 * times, over 1.5 heartbeats, 7.5 s by default, well inside the heartbeat timeout), and a failure that lasts is said.
 *
 * A real server; the real node agent (relay) in front of it, reaching the server through a forwarder that cuts the
 * first end call, or every one (so the agent answers 503, as it does while its server is unreachable); the real
 * launcher (`launch`) runs a rank that succeeds. Before the fix the job was still Running when the launcher returned,
 * its container endpoint still served credentials, and nothing was said, even when every end call failed (2 of 2
 * tests failed).
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
const forwarders: Server[] = [];
let home: string;

before(async () => {
  s = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-ek4-'));
});
after(async () => {
  for (const r of relays) await r.close();
  for (const f of forwarders) {
    f.closeAllConnections();
    await new Promise((r) => f.close(r));
  }
  await s?.stop();
  await rm(home, { recursive: true, force: true });
});

/**
 * A node agent (the relay) whose way to the server's credential port cuts the first `cuts` end calls, as a server
 * restarting cuts them; the number cut so far.
 */
async function agentCutting(upstreamUrl: string, cuts: number): Promise<{ agentUrl: string; cut: () => number }> {
  const upstream = new URL(upstreamUrl);
  let cut = 0;
  const forwarder = createServer((req, res) => {
    if (req.url === '/v1/launcher/end' && cut < cuts) {
      cut++;
      req.socket.destroy();
      return;
    }
    const out = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  forwarders.push(forwarder);
  const port = await new Promise<number>((resolve) => forwarder.listen(0, '127.0.0.1', () => resolve((forwarder.address() as { port: number }).port)));
  const relay = createRelay({ upstream: `http://127.0.0.1:${port}`, log: () => {} });
  relays.push(relay);
  return { agentUrl: `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`, cut: () => cut };
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

test('ek4: a job’s end lost on its way to the server is told again, and the job ends Succeeded', async () => {
  const job = await submitJob(s.url, s.admin);
  const { agentUrl, cut } = await agentCutting(job.upstream, 1);
  const { status, lines } = await run(job, agentUrl);
  assert.equal(status, 0);
  assert.equal(cut(), 1, 'the end call was cut once');
  const got = await call<{ state: string }>(job.conn, 'GET', ['jobs', job.id]);
  assert.ok(got.ok, JSON.stringify(got));
  assert.equal(got.value.state, 'Succeeded', `the job is ${got.value.state} after its launcher returned; launcher said: ${lines.join(' | ')}`);
  const container = await fetch(`${job.upstream}/v1/container-credentials`, { headers: { authorization: job.capability } });
  assert.equal(container.status, 410, 'the ended job’s container endpoint still serves its credentials');
});

test('ek4: an end that cannot be reported is said, naming the job and what follows', async () => {
  const job = await submitJob(s.url, s.admin);
  const { agentUrl, cut } = await agentCutting(job.upstream, Infinity);
  const { status, lines } = await run(job, agentUrl);
  assert.equal(status, 0);
  assert.ok(cut() > 1, 'the end was told again');
  const said = lines.filter((l) => l.includes(`the end of job ${job.id} could not be reported`));
  assert.equal(said.length, 1, lines.join(' | '));
  assert.match(said[0] ?? '', /\(503 the Gatehouse server at .* cannot be reached\): the server marks the job Failed/);
});
