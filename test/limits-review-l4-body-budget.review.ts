/**
 * The `--listen` edge reads at most `maxBodyBytesInFlight` bytes of large request bodies at once, whoever sends them
 * (review limits, L4). Bodies are read before their signature is checked (SigV4 covers the body), and each route takes
 * up to 1 MiB (Query API) or 4 MiB (`/v1/`, admission reviews): 200 unauthenticated connections each sending 4 MiB
 * less one byte to `/v1/users` grew a real server from 160 MB to 952 MB (1,024 connections, the cap: over 4 GiB).
 * Against a real edge on 127.0.0.1 with a 2.5 MiB budget, raw TCP clients: two bodies of 1 MiB held open take it, a
 * third is answered 503 at once naming the bound (on `/v1/` as JSON, on `POST /` as the Query API's XML) and closed;
 * small requests are still served, and once the two go away a large request is read again.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { HTTP_EDGE_LIMITS } from '../src/adapters/http/server.ts';
import { edgeWorld, type EdgeWorld } from './support/edge-world.ts';

let port: number;
const logs: string[] = [];
const MiB = 1 << 20;

let world: EdgeWorld | undefined;
before(async () => {
  world = await edgeWorld('limits-l4', { limits: { maxBodyBytesInFlight: 2.5 * MiB }, log: (l) => void logs.push(l) });
  port = world.port;
});

after(() => world?.close());

/** A raw connection that sends a request declaring `length` bytes of body and `sent` of them; what it received. */
async function sendBody(method: string, path: string, length: number, sent: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => void (received += d));
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  await new Promise<void>((r) => socket.once('connect', () => r()));
  socket.write(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`);
  await new Promise<void>((r) => socket.write(Buffer.alloc(sent, 0x20), () => r()));
  return { socket, received: () => received, closed };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function answerOf(c: { received: () => string; closed: Promise<void> }, ms = 3000): Promise<string> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline && !/\r\n\r\n[\s\S]*[>}]\s*$/.test(c.received())) await sleep(10);
  return c.received();
}

describe('request bodies in flight (review limits, L4)', () => {
  it('the default bounds the bodies read at once', () => {
    assert.equal(HTTP_EDGE_LIMITS.maxBodyBytesInFlight, 64 * MiB);
  });

  it('past the budget a large body is answered 503 at once; small requests are served; the budget comes back', async () => {
    const held = [await sendBody('POST', '/v1/users', MiB, MiB - 1), await sendBody('POST', '/v1/users', MiB, MiB - 1)];
    await sleep(100);
    const third = await sendBody('POST', '/v1/users', MiB, 1000);
    const answer = await answerOf(third);
    assert.match(answer, /^HTTP\/1\.1 503 /);
    assert.match(answer, /"code":"ServiceUnavailable","message":"the server is reading 2621440 bytes of large request bodies already; retry in a moment, or send a body of at most 65536 bytes"/);
    assert.match(answer, /\r\nconnection: close\r\n/i);
    await third.closed;

    const query = await sendBody('POST', '/', MiB, 10);
    const xml = await answerOf(query);
    assert.match(xml, /^HTTP\/1\.1 503 /);
    assert.match(xml, /<Code>ServiceUnavailable<\/Code><Message>the server is reading 2621440 bytes/);

    // A small request (an unsigned /v1/ call, answered 403 for its missing signature) is still read and answered.
    const small = await sendBody('POST', '/v1/users', 20, 20);
    assert.match(await answerOf(small), /^HTTP\/1\.1 403 /);
    small.socket.destroy();
    assert.ok(logs.some((l) => /^request refused: \d+ bytes of request bodies are being read, and 1048576 more would pass 2621440$/.test(l)), logs.join('\n'));

    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.closed));
    await sleep(100);
    const again = await sendBody('POST', '/v1/users', MiB, MiB);
    assert.match(await answerOf(again), /^HTTP\/1\.1 403 /);
    again.socket.destroy();
  });

  it('an answered request gives its share back, its connection still open: a dozen large ones one after another are all read', async () => {
    const open: Socket[] = [];
    for (let i = 0; i < 12; i++) {
      const c = await sendBody('POST', '/v1/users', MiB, MiB);
      assert.match(await answerOf(c), /^HTTP\/1\.1 403 /, `request ${i + 1}`);
      open.push(c.socket);
    }
    for (const s of open) s.destroy();
  });
});
