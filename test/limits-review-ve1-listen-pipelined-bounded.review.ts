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
import { rawAnswer, splitAnswers } from './support/raw-answer.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const FLOOD = 400;

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s?.stop();
});

/** What the server answers `text` written on one raw connection: the answers, once it closes. */
const pipelined = async (text: string): Promise<number> => splitAnswers(await rawAnswer(Number(new URL(s.url).port), text)).length;

describe('review ve1: what one connection may have waiting its turn on --listen is bounded', () => {
  it('a connection that pipelines faster than it is served is closed past the bound', async () => {
    const host = new URL(s.url).host;
    // rawAnswer rejects a connection left open.
    const answers = await pipelined(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`.repeat(FLOOD) + `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    assert.ok(answers < FLOOD + 1, `all ${answers} requests were taken, the ones waiting their turn held without bound`);
  });

  it('a few pipelined requests are all answered, in turn', async () => {
    const host = new URL(s.url).host;
    assert.equal(await pipelined(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`.repeat(20) + `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`), 21);
  });
});
