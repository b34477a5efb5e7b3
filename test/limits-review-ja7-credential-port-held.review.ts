/**
 * Review ja, 7: the credential ports (the server's `--agent-listen`, a node agent's port, a job's metadata port) keep at
 * most 4,096 connections (256 on a metadata port), and at the cap Node's `maxConnections` closed the new one. Any
 * process that reaches the port (any pod or user of the node) could hold the cap with connections that send nothing,
 * each cut after the 10 s headers timeout and opened again at once: every other job's SDK, asking its container
 * endpoint or metadata port for fresh credentials, had its connection closed unanswered, for as long as that went
 * on, and the jobs failed once their credentials expired. Now at the cap the oldest connection not being answered is
 * closed for the new one: a client that sends its request at once is answered whatever the others hold, and a request
 * being answered is never cut. The cap on descriptors is kept.
 * Real server (SQLite): its --agent-listen port, raw sockets for the held connections, fetch for the request; a node
 * agent (relay) capped at 3 and a metadata port as built.
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { CREDENTIAL_MAX_CONNECTIONS, listenMetadata, METADATA_MAX_CONNECTIONS } from '../src/adapters/agent/imds.ts';
import { createRelay } from '../src/adapters/agent/relay.ts';

let dir = '';
let server: RunningServer | undefined;
const sockets: Socket[] = [];
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-review-ja7-'));
  server = await startServer({ dataDir: dir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: () => undefined });
});
after(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** `n` connections to `port` that send nothing. */
async function hold(port: number, n: number): Promise<void> {
  const batch: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    s.resume();
    sockets.push(s);
    batch.push(new Promise<void>((resolve) => s.once('connect', () => resolve()).once('error', () => resolve())));
    if (batch.length === 256) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
  await new Promise((r) => setTimeout(r, 200));
}

/** One request on a new connection: its status, or `closed` when the connection was closed unanswered. */
const ask = async (url: string): Promise<number | 'closed'> => fetch(url, { signal: AbortSignal.timeout(3_000) }).then((r) => r.status, () => 'closed' as const);

describe('review ja7: connections that send nothing cannot keep jobs from their credentials', () => {
  it("the server's --agent-listen port answers while its most connections are held", async () => {
    assert.ok(server);
    const port = Number(new URL(server.agentUrl).port);
    await hold(port, CREDENTIAL_MAX_CONNECTIONS + 16);
    // A container credentials request without its token: answered (refused), not closed unanswered.
    const status = await ask(`${server.agentUrl}/v1/container-credentials`);
    assert.equal(typeof status, 'number', 'the request was closed unanswered');
    assert.ok(status !== 'closed' && status >= 400 && status < 500, String(status));
    for (const s of sockets.splice(0)) s.destroy();
  });

  it('a node agent at its cap answers a new request, and one being answered is not cut', async () => {
    const relay = createRelay({ upstream: 'http://127.0.0.1:9', maxConnections: 3 });
    const { port } = await relay.listen('127.0.0.1', 0);
    try {
      await hold(port, 3);
      assert.equal(await ask(`http://127.0.0.1:${port}/healthz`), 200);
      // Three more: the held ones make room, oldest first; the cap (3) holds.
      await hold(port, 3);
      assert.ok(sockets.filter((s) => !s.destroyed && !s.readableEnded).length <= 3);
    } finally {
      for (const s of sockets.splice(0)) s.destroy();
      await relay.close();
    }
  });

  it("a job's metadata port answers while its most connections are held", async () => {
    const m = await listenMetadata(async () => ({ ok: false, status: 404, message: 'none' }), '127.0.0.1', 0);
    try {
      await hold(m.port, METADATA_MAX_CONNECTIONS + 4);
      const status = await ask(`http://127.0.0.1:${m.port}/latest/meta-data/`);
      assert.equal(typeof status, 'number', 'the request was closed unanswered');
    } finally {
      for (const s of sockets.splice(0)) s.destroy();
      m.server.close();
    }
  });

  it('below the cap nothing changes (unchanged)', async () => {
    assert.ok(server);
    assert.equal(typeof (await ask(`${server.agentUrl}/v1/container-credentials`)), 'number');
  });
});
