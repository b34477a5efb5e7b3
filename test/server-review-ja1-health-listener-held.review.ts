/**
 * Review ja, 1: `--health-listen` exists so that the kubelet's probes get through when `--listen` is at its connection
 * cap, yet the probes' own port was easier to fill than the API's. It kept 64 connections (Node's `maxConnections`,
 * which closes the newest), and its 5 s headers timeout was checked every 30 s (Node's default
 * `connectionsCheckingInterval`): 64 connections that sent half a request line, or nothing, were held about 30 s, and
 * every probe meanwhile was closed unanswered. Opened again as they were cut, they kept the probes out for good: the
 * kubelet restarts a server after three failed liveness probes (30 s with its defaults), and anyone who can reach the
 * port (on a pod's address, every pod of the cluster without a NetworkPolicy) could restart every replica in a loop.
 * Now a connection that has not finished its headers is cut within the 5 s and a second, and at the cap a new
 * connection takes the place of the oldest one not being answered, so a probe gets through at once.
 * Real server (SQLite) with --health-listen; raw sockets for the slow clients, fetch for the probes.
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { HEALTH_MAX_CONNECTIONS } from '../src/adapters/http/health-listener.ts';

let dir = '';
let server: RunningServer | undefined;
const sockets: Socket[] = [];
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-review-ja1-'));
  server = await startServer({ dataDir: dir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: () => undefined, healthListen: '127.0.0.1:0' });
});
after(async () => {
  for (const s of sockets) s.destroy();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A connection to the health port that sends `text` and then nothing more; resolves once connected. */
async function slowClient(text: string): Promise<Socket> {
  const port = Number(new URL(server?.healthUrl ?? '').port);
  const s = connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  // Read what the server sends (its 408), or the socket never sees the server close it.
  s.resume();
  sockets.push(s);
  await new Promise<void>((resolve) => s.once('connect', () => resolve()));
  if (text !== '') s.write(text);
  return s;
}

const probe = async (path: string): Promise<number> => (await fetch(new URL(path, server?.healthUrl), { signal: AbortSignal.timeout(2_000) })).status;

describe('review ja1: slow clients cannot keep the probes out of --health-listen', () => {
  it('a probe is answered while the port holds its most connections, each half a request', async () => {
    for (let i = 0; i < HEALTH_MAX_CONNECTIONS + 8; i++) await slowClient('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await probe('/healthz'), 200);
    assert.equal(await probe('/readyz'), 200);
    assert.equal(await probe('/metrics'), 200);
    // The oldest were closed to make room, not the probes: at most the cap is open.
    assert.ok(sockets.filter((s) => !s.destroyed && s.readyState === 'open').length <= HEALTH_MAX_CONNECTIONS);
  });

  it('a connection that does not finish its headers is cut within the 5 s headers timeout and a second', async () => {
    for (const s of sockets.splice(0)) s.destroy();
    const silent = await slowClient('');
    const partial = await slowClient('GET /readyz HTTP/1.1\r\n');
    const started = Date.now();
    const closedAfter = (s: Socket) => new Promise<number>((resolve) => s.once('close', () => resolve(Date.now() - started)));
    const [a, b] = await Promise.all([closedAfter(silent), closedAfter(partial)].map((p) => Promise.race([p, new Promise<number>((r) => setTimeout(() => r(Infinity), 8_000))])));
    assert.ok((a ?? Infinity) < 7_000, `the silent connection was held ${a} ms`);
    assert.ok((b ?? Infinity) < 7_000, `the half-sent request was held ${b} ms`);
  });

  it('a keep-alive probe connection is still served (unchanged)', async () => {
    for (let i = 0; i < 3; i++) assert.equal(await probe('/healthz'), 200);
  });
});
