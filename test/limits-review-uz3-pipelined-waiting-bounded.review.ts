/**
 * Review uz, 3: the job credential ports (the server's `--agent-listen`, a node agent's port, a job's metadata port) and
 * the S3 gateway serve a connection's pipelined requests one at a time (reviews uw, 1 and 2). Node reads and parses
 * every request a client pipelines as soon as it comes, and pauses only while answers it could not send pile up, so
 * the requests waiting their turn were held without bound: behind one that writes nothing for a while (a node agent
 * asking the server for a job's credentials) or simply sent faster than they are served, one connection held every
 * request its client sent (200,000 requests, about 500 MB, for 30 MB sent), any process that reaches a node agent's
 * port or the gateway could exhaust the memory of the process serving every job of the node, or the server.
 *
 * Now past 32 requests (or 128 KiB of their heads) waiting on one connection it is closed, what it held freed; fewer
 * are served as before (reviews uw1 and uw2 pipeline up to 31, unchanged).
 *
 * A real node agent (relay) in front of a stand-in upstream that holds its answer, and a real server's --agent-listen
 * port and S3 gateway; raw sockets (no client library pipelines).
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { createRelay } from '../src/adapters/agent/relay.ts';
import { rawAnswer, splitAnswers } from './support/raw-answer.ts';
import { settled } from './support/settle.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const FLOOD = 400;

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s?.stop();
});

/** A raw connection to `port` written `text`, left open: whether it closed. */
function pipeline(port: number, text: string): { readonly closed: () => boolean; readonly destroy: () => void } {
  let closed = false;
  const socket = connect(port, '127.0.0.1', () => socket.write(text));
  socket.resume();
  socket.on('error', () => {});
  socket.on('close', () => void (closed = true));
  return { closed: () => closed, destroy: () => socket.destroy() };
}

describe('review uz3: what one connection may have waiting behind its request in turn is bounded', () => {
  it('a node agent closes a connection with too many requests waiting behind one being answered', async () => {
    const held: ServerResponse[] = [];
    const upstream = createServer((req, res) => {
      req.resume();
      held.push(res);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const relay = createRelay({ upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, log: () => {} });
    const { port } = await relay.listen('127.0.0.1', 0);
    const host = `127.0.0.1:${port}`;
    const c = pipeline(port, `GET /v1/container-credentials HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${'c'.repeat(32)}\r\n\r\n` + `GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`.repeat(FLOOD));
    try {
      await settled(async () => held.length, (n) => n === 1, 10_000, 10);
      assert.equal(held.length, 1, 'the first request is being answered (asked upstream)');
      const closed = await settled(async () => c.closed(), (v) => v, 3_000, 20);
      assert.equal(closed, true, `${FLOOD} requests wait behind one being answered, all held in memory: the connection should be closed`);
    } finally {
      c.destroy();
      for (const r of held) r.destroy();
      await relay.close();
      await new Promise<void>((r) => upstream.close(() => r()));
    }
  });

  it("the server's --agent-listen port and its S3 gateway close a connection that pipelines faster than it is served, past the bound", async () => {
    for (const url of [s.running.agentUrl, s.running.s3Url]) {
      const u = new URL(url);
      // rawAnswer rejects a connection left open.
      const answered = splitAnswers(await rawAnswer(Number(u.port), `GET /healthz HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`.repeat(FLOOD) + `GET /healthz HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\n\r\n`)).length;
      assert.ok(answered < FLOOD + 1, `${url}: all ${answered} requests were taken, the ones waiting their turn held without bound`);
    }
  });
});
