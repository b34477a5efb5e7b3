/**
 * The CLI's client tells "could not reach the server" (nothing was done) from "the connection was lost after a change
 * was sent" (it may have been done: review Z, finding 2), against real sockets on 127.0.0.1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { call, type Connection } from './client.ts';
import { EXIT } from './exit-codes.ts';

const listen = (s: Server): Promise<number> =>
  new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port)));
const close = (s: Server): Promise<void> => new Promise((resolve) => s.close(() => resolve()));
const conn = (port: number): Connection => ({
  endpoint: new URL(`http://127.0.0.1:${port}`),
  credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
  region: 'us-east-1',
  credentialsSource: 'test',
});

/** A server that reads a whole request (up to its blank line and body) and then drops the connection unanswered. */
async function dropping(): Promise<{ port: number; server: Server; requests: () => number }> {
  let n = 0;
  const server = createServer((socket) => {
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString();
      const end = got.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(got)?.[1] ?? 0);
      if (end !== -1 && got.length >= end + 4 + length) {
        n++;
        socket.destroy();
      }
    });
  });
  return { port: await listen(server), server, requests: () => n };
}

test('a change sent in full and then cut off: OutcomeUnknown (exit 11), not "cannot reach"', async () => {
  const d = await dropping();
  try {
    const r = await call(conn(d.port), 'POST', ['apply'], { body: { documents: [] } });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(d.requests(), 1, 'the server got the request');
    assert.equal(r.status, EXIT.outcomeUnknown);
    assert.equal(r.code, 'OutcomeUnknown');
    assert.match(r.message, /was lost after the request was sent .*: it may or may not have been carried out/);
    assert.doesNotMatch(r.message, /cannot reach/);
  } finally {
    await close(d.server);
  }
});

test('a read cut off the same way is only unavailable (exit 10): it changed nothing and may be retried', async () => {
  const d = await dropping();
  try {
    const r = await call(conn(d.port), 'GET', ['users']);
    assert.ok(!r.ok && r.status === EXIT.unavailable && r.code === 'ConnectionFailed', JSON.stringify(r));
  } finally {
    await close(d.server);
  }
});

test('nothing listening: ConnectionFailed, connection refused (exit 10)', async () => {
  const s = createServer();
  const port = await listen(s);
  await close(s);
  const r = await call(conn(port), 'POST', ['apply'], { body: {} });
  assert.ok(!r.ok && r.status === EXIT.unavailable && r.code === 'ConnectionFailed', JSON.stringify(r));
  if (!r.ok) assert.match(r.message, /connection refused/);
});

test('an answer slower than the timeout given: timed out after sending, OutcomeUnknown for a change', async () => {
  const held: import('node:net').Socket[] = [];
  const server = createServer((socket) => void held.push(socket));
  const port = await listen(server);
  try {
    const started = Date.now();
    const r = await call(conn(port), 'POST', ['apply'], { body: {}, timeoutMs: 300 });
    assert.ok(Date.now() - started < 5_000);
    assert.ok(!r.ok && r.status === EXIT.outcomeUnknown, JSON.stringify(r));
    if (!r.ok) assert.match(r.message, /timed out/);
  } finally {
    for (const h of held) h.destroy();
    await close(server);
  }
});
