/**
 * Review uz, 2: at their connection cap the credential ports (the server's `--agent-listen`, a node agent's port, a
 * job's metadata port) close the oldest connection not being answered for a new one, and never one being answered
 * (src/adapters/http/connection-cap.ts `capConnections`, review ja, 7). A connection was taken as no longer answered as
 * soon as one of its answers was sent: with a request pipelined behind it (served in turn since review uw, 1), the
 * connection was the first cut at the cap while that request was being answered, its answer lost (a launcher's
 * heartbeat or end carried out unanswered, a credentials read cut), though an idle connection was there to close.
 *
 * Now a connection counts as answered while any of its requests is: the idle one is closed instead, and every answer
 * of the pipelined connection comes.
 *
 * A real node agent (relay) capped at 2 connections, in front of a stand-in upstream that holds its answer until the
 * test releases it; raw sockets (no client library pipelines).
 *
 * Before the fix 1 of 1 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createRelay } from '../src/adapters/agent/relay.ts';
import { splitAnswers } from './support/raw-answer.ts';
import { settled } from './support/settle.ts';

const CAP = 'c'.repeat(32);

describe('review uz2: a connection with a pipelined request being answered is not the one cut at the cap', () => {
  it("a node agent at its cap closes an idle connection, not one answering its pipelined request", async () => {
    const held: ServerResponse[] = [];
    const upstream = createServer((req, res) => {
      req.resume();
      held.push(res);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const relay = createRelay({ upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, maxConnections: 2, log: () => {} });
    const { port } = await relay.listen('127.0.0.1', 0);
    const sockets: Socket[] = [];
    const open = (): Promise<Socket> =>
      new Promise((resolve) => {
        const s = connect(port, '127.0.0.1', () => resolve(s));
        s.on('error', () => {});
        sockets.push(s);
      });
    try {
      const host = `127.0.0.1:${port}`;
      const pipelined = await open();
      let got = '';
      let closed = false;
      pipelined.setEncoding('latin1');
      pipelined.on('data', (d: string) => void (got += d));
      pipelined.on('close', () => void (closed = true));
      pipelined.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\nGET /v1/container-credentials HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${CAP}\r\nConnection: close\r\n\r\n`);
      // The first answered, the second being answered (asked upstream, held there).
      await settled(async () => held.length, (n) => n === 1, 10_000, 10);
      assert.equal(held.length, 1, 'the pipelined request reached the upstream');
      assert.equal(splitAnswers(got).length, 1);
      const idle = await open();
      let idleClosed = false;
      idle.on('close', () => void (idleClosed = true));
      // The third connection passes the cap (2): one is closed for it.
      await open();
      await settled(async () => idleClosed || closed, (v) => v, 10_000, 10);
      held[0]?.writeHead(403, { 'content-type': 'application/json' }).end('{"Code":"Forbidden","Message":"stand-in"}');
      await settled(async () => closed, (v) => v, 10_000, 10);
      const answers = splitAnswers(got);
      assert.deepEqual(answers.map((a) => a.status), [200, 403], `the connection answering its pipelined request was cut at the cap: ${JSON.stringify(got.slice(0, 300))}`);
      assert.equal(idleClosed, true, 'the idle connection made room');
    } finally {
      for (const s of sockets) s.destroy();
      for (const r of held) r.destroy();
      await relay.close();
      await new Promise<void>((r) => upstream.close(() => r()));
    }
  });
});
