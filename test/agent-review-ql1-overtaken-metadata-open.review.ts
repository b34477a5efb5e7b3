/**
 * Review ql, 1: two asks of one launcher for its job's metadata endpoint on the node agent (`POST /v1/launcher/metadata`,
 * relay.ts) that overlapped, on the port the ranks were given, answered the slower one 409 `PortUnavailable`, "cannot
 * listen on 127.0.0.1:P (EADDRINUSE)": the agent looked for an endpoint of the job only before it asked the server,
 * so the ask overtaken while it waited for the server tried to listen on the port the other had just opened for the
 * same job, and failed on it. The launcher asks again at every heartbeat (every 5 s) without waiting for the last ask,
 * which waits up to the agent's 5 s upstream timeout when the server is slow; on that 409 it logged that the agent
 * "does not serve" the job's endpoint and probed the port as one another process took (review jm, 3), while the agent
 * served it. Now the asks of one launcher's capability take turns: one that waited finds the endpoint the other
 * opened, and both are answered its port.
 *
 * A real server behind a proxy that holds the first launcher heartbeat it relays for a moment (a slow server), a real
 * node agent (createRelay), and the real metadata endpoint read with the AWS SDK v3 afterwards.
 *
 * Before the fix 1 of 2 tests failed (the overtaken ask: 409 PortUnavailable EADDRINUSE).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo, freePort } from './support/processes.ts';
import { imdsCredentials } from './support/relay-world.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let proxy: Server;
let relay: Relay;
let agentUrl: string;
/** Launcher heartbeats the proxy has relayed; the first is held for `HOLD_MS`. */
let beats = 0;
const HOLD_MS = 700;

before(async () => {
  server = await startTestServer();
  assert.ok((await call(connectionTo(server.url, server.admin), 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  const upstream = new URL(server.running.agentUrl);
  // The server's credential port as a slow server answers it: the first launcher heartbeat waits, the rest do not.
  proxy = createServer((req, res) => {
    const held = req.url === '/v1/launcher/heartbeat' && beats++ === 0 ? HOLD_MS : 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      setTimeout(() => {
        const up = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.on('error', () => res.destroy());
        up.end(Buffer.concat(chunks));
      }, held);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  const at = proxy.address();
  assert.ok(typeof at === 'object' && at !== null);
  relay = createRelay({ upstream: `http://127.0.0.1:${at.port}`, revalidateMs: 60_000 });
  agentUrl = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
});
after(async () => {
  await relay?.close();
  proxy?.closeAllConnections();
  await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
  await server?.stop();
});

let job: { capability: string; rankToken: string; port: number } | undefined;

test("ql1: a launcher's ask overtaken by its next one is answered the port the other opened, not 409 EADDRINUSE", async () => {
  const r = await call<{ capability: string; environment: Record<string, string> }>(connectionTo(server.url, server.admin), 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
  assert.ok(r.ok, JSON.stringify(r));
  const rankToken = r.value.environment['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? assert.fail('no ranks token');
  const port = await freePort();
  job = { capability: r.value.capability, rankToken, port };
  const ask = async (): Promise<{ status: number; body: string }> => {
    const res = await fetch(`${agentUrl}/v1/launcher/metadata`, {
      method: 'POST',
      headers: { authorization: r.value.capability, 'x-gatehouse-rank-capability': rankToken, 'content-type': 'application/json' },
      body: JSON.stringify({ port, uid: process.getuid?.() ?? 0 }),
    });
    return { status: res.status, body: await res.text() };
  };
  // The first ask waits for its heartbeat at the server; the next heartbeat's ask comes meanwhile and is answered first.
  const slow = ask();
  await new Promise((resolve) => setTimeout(resolve, 150));
  const fast = await ask();
  assert.equal(fast.status, 200, fast.body);
  const overtaken = await slow;
  // Before the fix: 409 {"Code":"PortUnavailable","Message":"cannot listen on 127.0.0.1:P (EADDRINUSE)"}.
  assert.equal(overtaken.status, 200, overtaken.body);
  assert.deepEqual(JSON.parse(overtaken.body), { host: '127.0.0.1', port });
  assert.deepEqual(JSON.parse(fast.body), { host: '127.0.0.1', port });
  assert.equal(relay.stats().metadataEndpoints, 1);
});

test('ql1: the one endpoint serves the job, and an ask for a port another process holds is still 409', async () => {
  assert.ok(job !== undefined, 'the first test submitted the job');
  const creds = await imdsCredentials(`http://127.0.0.1:${job.port}/`);
  assert.match(creds.accessKeyId, /^ASIA/);
  // Another job asking for that port (held by the first job's endpoint): refused, as before.
  const r = await call<{ capability: string }>(connectionTo(server.url, server.admin), 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
  assert.ok(r.ok, JSON.stringify(r));
  const res = await fetch(`${agentUrl}/v1/launcher/metadata`, { method: 'POST', headers: { authorization: r.value.capability }, body: JSON.stringify({ port: job.port, uid: process.getuid?.() ?? 0 }) });
  assert.equal(res.status, 409);
  assert.match(await res.text(), /PortUnavailable.*EADDRINUSE/);
});
