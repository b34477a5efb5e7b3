/**
 * Review fd, 10. The `--listen` edge's budget of large request bodies read at once (`maxBodyBytesInFlight`, review
 * limits L4) counted each body at the size its headers declared, from the headers on, however little of it came. Two
 * connections with no credentials that declared 32 MiB to `/v1/apply` (or sent `Transfer-Encoding: chunked`) and then
 * sent nothing took the whole 64 MiB: every large request of every client (an apply of a real configuration, a batch
 * of questions) was refused 503 for as long as they were held, 60 s each, and they cost the sender two request lines.
 *
 * Now a body counts by the bytes that have arrived: a request is refused at once when what it declares would pass the
 * budget with the bytes of the others received so far (L4's answer, unchanged), and a body whose bytes pass the budget
 * as they arrive is refused then, with the same 503; so holding the budget costs its bytes. Against a real edge on
 * 127.0.0.1 with a 2.5 MiB budget (as L4's test), raw TCP clients.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { edgeWorld, type EdgeWorld } from './support/edge-world.ts';

let port: number;
const MiB = 1 << 20;

let world: EdgeWorld | undefined;
before(async () => {
  world = await edgeWorld('limits-fd10', { limits: { maxBodyBytesInFlight: 2.5 * MiB } });
  port = world.port;
});

after(() => world?.close());

/** A raw connection that sends a request's headers (`declare`: its Content-Length, or chunked) and `sent` bytes of body. */
async function sendBody(path: string, declare: number | 'chunked', sent: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => void (received += d));
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  await new Promise<void>((r) => socket.once('connect', () => r()));
  socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${declare === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${declare}`}\r\n\r\n`);
  if (sent > 0) {
    const body = Buffer.alloc(sent, 0x20);
    await new Promise<void>((r) => socket.write(declare === 'chunked' ? Buffer.concat([Buffer.from(`${sent.toString(16)}\r\n`), body, Buffer.from('\r\n')]) : body, () => r()));
  }
  return { socket, received: () => received, closed };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function answerOf(c: { received: () => string }, ms = 3000): Promise<string> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline && !/\r\n\r\n[\s\S]*[>}]\s*$/.test(c.received())) await sleep(10);
  return c.received();
}

describe('large bodies count by the bytes that came', () => {
  it('bodies declared and never sent do not keep a large request out', async () => {
    const idle = [await sendBody('/v1/apply', 2 * MiB, 0), await sendBody('/v1/apply', 'chunked', 0)];
    await sleep(100);
    // Before: 503, the two held 4 MiB of a 2.5 MiB budget. Now read whole, and refused for what it is (unsigned).
    const large = await sendBody('/v1/users', MiB, MiB);
    assert.match(await answerOf(large), /^HTTP\/1\.1 403 /);
    large.socket.destroy();
    for (const c of idle) c.socket.destroy();
    await Promise.all(idle.map((c) => c.closed));
  });

  it('bytes that arrive past the budget are refused then, 503, and the budget comes back', async () => {
    const first = await sendBody('/v1/apply', 2 * MiB, 2 * MiB - 1);
    await sleep(100);
    // Declares 1 MiB, admitted against what has arrived, then sends: its bytes pass 2.5 MiB with the first's.
    const second = await sendBody('/v1/apply', 'chunked', MiB);
    const answer = await answerOf(second);
    assert.match(answer, /^HTTP\/1\.1 503 /);
    assert.match(answer, /"code":"ServiceUnavailable","message":"the server is reading 2621440 bytes of large request bodies already; retry in a moment/);
    assert.match(answer, /\r\nconnection: close\r\n/i);
    first.socket.destroy();
    await first.closed;
    await sleep(100);
    const again = await sendBody('/v1/users', 2 * MiB, 2 * MiB);
    assert.match(await answerOf(again), /^HTTP\/1\.1 403 /);
    again.socket.destroy();
  });
});
