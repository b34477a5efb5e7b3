/**
 * Review ql, 4: a job's metadata endpoint opened by a request that was in flight when the server or the node agent
 * began to stop was opened after the stop had closed the others, and was never closed: the process held its port and,
 * with a listening socket left, did not exit after "gatehouse agent stopped" (the CLI lets the process end on its own),
 * until a service manager killed it. The node agent: a launcher's `POST /v1/launcher/metadata` waiting for the server's
 * answer to its heartbeat when the stop came (the first ask of a job that starts, or the asks after an agent
 * restarted); the server: a submission stored as the stop came, whose endpoint is opened once it is stored. Now an
 * endpoint opened once the stop began is closed at once, and the ask is answered 503 saying the agent is stopping
 * (the launcher asks again at its next heartbeat, of the agent started in its place); the server's submission is
 * answered without an endpoint, with the note that says so, as when the endpoint cannot be opened.
 *
 * A real server, a proxy in front of its credential port that holds the launcher's heartbeat a moment, a real node
 * agent (createRelay), and the server's own agent (createAgent) on the same App.
 *
 * Before the fix 2 of 2 tests failed (the endpoint listened after the stop, on the agent and on the server's agent).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';
import { createRelay } from '../src/adapters/agent/relay.ts';
import { createAgent } from '../src/adapters/agent/server.ts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo, freePort } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let proxy: Server;
let proxyUrl: string;

before(async () => {
  server = await startTestServer();
  assert.ok((await call(connectionTo(server.url, server.admin), 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  const upstream = new URL(server.running.agentUrl);
  // The server's credential port, its launcher heartbeats answered after a moment (a server slow to answer).
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      setTimeout(
        () => {
          const up = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          });
          up.on('error', () => res.destroy());
          up.end(Buffer.concat(chunks));
        },
        req.url === '/v1/launcher/heartbeat' ? 400 : 0,
      );
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  const at = proxy.address();
  assert.ok(typeof at === 'object' && at !== null);
  proxyUrl = `http://127.0.0.1:${at.port}`;
});
after(async () => {
  proxy?.closeAllConnections();
  await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
  await server?.stop();
});

async function submit(): Promise<{ job: { id: string }; capability: string }> {
  const r = await call<{ job: { id: string }; capability: string }>(connectionTo(server.url, server.admin), 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false, launcherUid: process.getuid?.() ?? 0 } });
  assert.ok(r.ok, JSON.stringify(r));
  return r.value;
}

/** Whether something listens on `port` of 127.0.0.1. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

test("ql4: a launcher's ask in flight when the node agent stops opens no endpoint after the stop: 503, the port closed", async () => {
  const job = await submit();
  const relay = createRelay({ upstream: proxyUrl, revalidateMs: 60_000 });
  const agentUrl = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
  const port = await freePort();
  const asked = fetch(`${agentUrl}/v1/launcher/metadata`, { method: 'POST', headers: { authorization: job.capability }, body: JSON.stringify({ port, uid: process.getuid?.() ?? 0 }) }).then(async (r) => ({ status: r.status, body: await r.text() }));
  // The ask waits for its heartbeat at the server; the agent is stopped meanwhile.
  await new Promise((r) => setTimeout(r, 150));
  await relay.close();
  const answer = await asked;
  // Before the fix: 200 and the port listening, held by an agent that had stopped.
  assert.equal(await listening(port), false, `port ${port} listens after the agent stopped (answer ${answer.status} ${answer.body})`);
  assert.equal(answer.status, 503, answer.body);
  assert.match(answer.body, /stopping/);
  assert.equal(relay.stats().metadataEndpoints, 0);
});

test("ql4: the server's agent opens no metadata endpoint for a submission that comes through once it stops", async () => {
  const job = await submit();
  const agent = createAgent({ app: server.running.app });
  await agent.listen('127.0.0.1', 0);
  const stopping = agent.close();
  // The submission stored as the stop came opens its endpoint now (jobs-api.ts `metadataOf`).
  const opened = agent.openMetadata(job.job.id).then(
    (port) => ({ port }),
    (e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }),
  );
  await stopping;
  const r = await opened;
  // Before the fix: a port, listening after the stop.
  if ('port' in r) assert.equal(await listening(r.port), false, `port ${r.port} listens after the server's agent stopped`);
  assert.ok('error' in r, 'no endpoint is opened');
  assert.match(r.error, /stopping/);
});
