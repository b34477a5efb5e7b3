/**
 * Review ve, 1: review uz, 3 bounded what may wait its turn on one connection on the job credential ports and the S3
 * gateway, and left `--listen` as it was: 2,001 pipelined `GET /healthz` on one connection were all taken and answered,
 * every one held in memory while it waited, so any client reaching the API could pile up requests behind a slow one
 * (a change waiting on the database) without bound. `--listen` now serves a connection through the same
 * `waitsItsTurn`: past 32 requests (or 128 KiB of their heads) waiting, the connection is closed and what it held
 * freed; a few pipelined requests are served in turn as before (review uq, 2).
 *
 * Real server (SQLite); raw sockets (no client library pipelines).
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { splitAnswers } from './support/raw-answer.ts';
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

/** What a raw connection to the server written `text` is answered, once it closes. */
async function pipelined(text: string): Promise<{ answers: number; closed: boolean }> {
  const u = new URL(s.url);
  let got = '';
  let closed = false;
  const socket = connect(Number(u.port), '127.0.0.1', () => socket.write(text));
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => void (got += d));
  socket.on('error', () => {});
  socket.on('close', () => void (closed = true));
  try {
    await settled(async () => closed, (v) => v, 10_000, 20);
    return { answers: splitAnswers(got).length, closed };
  } finally {
    socket.destroy();
  }
}

describe('review ve1: what one connection may have waiting its turn on --listen is bounded', () => {
  it('a connection that pipelines faster than it is served is closed past the bound', async () => {
    const host = new URL(s.url).host;
    const r = await pipelined(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`.repeat(FLOOD) + `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    assert.equal(r.closed, true);
    assert.ok(r.answers < FLOOD + 1, `all ${r.answers} requests were taken, the ones waiting their turn held without bound`);
  });

  it('a few pipelined requests are all answered, in turn', async () => {
    const host = new URL(s.url).host;
    const r = await pipelined(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`.repeat(20) + `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    assert.equal(r.answers, 21);
  });
});
