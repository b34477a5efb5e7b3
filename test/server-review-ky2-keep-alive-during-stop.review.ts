/**
 * Review ky, 2: a stopping server (SIGTERM) answered the requests in flight with `Connection: keep-alive`, and served
 * the next request a client sent on that connection, as long as any other request was still in flight: a client pool
 * with steady traffic kept sending on its connections for the whole grace period (10 s), whose end then cut the
 * requests it was serving (an answer lost, a change perhaps made), and a client that sent its next request just as the
 * connection was closed had it reset. As Go's `Server.Shutdown` and nginx do, an answer given once the stop began now
 * says `Connection: close` and its connection is closed after it, so clients open their next connection elsewhere.
 *
 * Before the fix 1 of 2 tests failed.
 *
 * A real server on 127.0.0.1 (the stop is the one SIGTERM runs), raw HTTP/1.1 clients whose requests are in flight
 * (their bodies held back) when the stop begins.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { startTestServer, type TestServer } from './support/server.ts';

interface Raw {
  readonly socket: Socket;
  received: string;
  closed: boolean;
}

function raw(port: number): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const c: Raw = { socket, received: '', closed: false };
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => void (c.received += d));
    socket.on('error', () => {});
    socket.on('close', () => void (c.closed = true));
    socket.once('connect', () => resolve(c));
    socket.once('error', reject);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: () => boolean, ms = 3000): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!what() && performance.now() < deadline) await sleep(10);
  return what();
}

/** A Query API request, unsigned (answered 403 once its body is in), of which all but `held` bytes of the body are sent. */
const BODY = 'Action=GetCallerIdentity&Version=2011-06-15';
const head = `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${BODY.length}\r\n\r\n`;

describe('review ky2: answers given while the server stops close their connection', () => {
  let s: TestServer;
  let port: number;
  before(async () => {
    s = await startTestServer();
    port = Number(new URL(s.url).port);
  });
  after(async () => {
    await s?.stop();
  });

  it('a keep-alive connection is kept before the stop', async () => {
    const c = await raw(port);
    c.socket.write(head + BODY);
    assert.ok(await until(() => /\r\n\r\n[\s\S]*<\/ErrorResponse>/.test(c.received)), c.received);
    assert.match(c.received, /^HTTP\/1\.1 403 /);
    assert.match(c.received, /\r\nConnection: keep-alive\r\n/i);
    c.socket.destroy();
  });

  it('the request in flight when the stop begins is answered with Connection: close, and no further request is served on its connection', async () => {
    // Two requests in flight: `slow` holds the stop open while `busy` is answered.
    const [slow, busy] = await Promise.all([raw(port), raw(port)]);
    slow.socket.write(head + BODY.slice(0, 10));
    busy.socket.write(head + BODY.slice(0, 10));
    await sleep(100);
    const stopped = s.stopServer();
    await sleep(100);
    busy.socket.write(BODY.slice(10));
    assert.ok(await until(() => /<\/ErrorResponse>/.test(busy.received)), busy.received);
    assert.match(busy.received, /^HTTP\/1\.1 403 /, 'the request in flight is answered');
    assert.match(busy.received, /\r\nConnection: close\r\n/i, busy.received.split('\r\n\r\n')[0]);
    // Before: the connection stayed open, and the next request on it was served while `slow` held the stop.
    const answered = busy.received.length;
    if (!busy.closed) busy.socket.write(head + BODY);
    assert.ok(await until(() => busy.closed, 1000), 'the connection is closed after its answer');
    assert.equal(busy.received.length, answered, `nothing more was answered: ${busy.received.slice(answered)}`);
    // The other request in flight still finishes, and then the stop completes.
    slow.socket.write(BODY.slice(10));
    assert.ok(await until(() => /<\/ErrorResponse>/.test(slow.received)), slow.received);
    assert.match(slow.received, /^HTTP\/1\.1 403 /);
    await stopped;
    slow.socket.destroy();
  });
});
