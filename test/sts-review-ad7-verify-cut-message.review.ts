/**
 * Review ad, finding ad7 (low): `gatehouse audit verify` whose connection is cut once its request was sent is not sent
 * again (6f80b9b, `heavyRead`: the walk may still run on the server), but the CLI then said it could not reach the
 * server: "cannot reach the Gatehouse server at …: socket hang up (set GATEHOUSE_ENDPOINT or --endpoint)", as for a
 * wrong endpoint, though the server was reached and received the request. Now it says the connection was lost after
 * the request was sent and that the walk may still be running there (same exit status, 10). A real server (SQLite)
 * behind a TCP proxy that forwards the request and cuts the client's connection before any answer; the CLI's program
 * in this process (test/support/gatehouse-cli.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('review ad7: a verify cut after it was sent does not say the server could not be reached', () => {
  let s: TestServer;
  let proxy: Server;
  let home = '';
  let requests = 0;
  const sockets = new Set<Socket>();
  before(async () => {
    s = await startTestServer();
    home = await mkdtemp(join(tmpdir(), 'gh-ad7-'));
    const target = new URL(s.url);
    proxy = createServer((client) => {
      sockets.add(client);
      const upstream = connect(Number(target.port), target.hostname);
      sockets.add(upstream);
      client.on('data', (chunk: Buffer) => {
        upstream.write(chunk);
        // The whole request is in (its head ends the chunk of a GET): cut the caller off before any answer.
        if (chunk.includes('\r\n\r\n')) {
          requests++;
          setTimeout(() => client.destroy(), 50);
        }
      });
      client.on('error', () => upstream.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  });
  after(async () => {
    for (const x of sockets) x.destroy();
    await new Promise<void>((r) => proxy?.close(() => r()));
    await s?.stop();
    if (home !== '') await rm(home, { recursive: true, force: true });
  });

  it('says the connection was lost after sending, once, not that the server cannot be reached', async () => {
    const port = (proxy.address() as { port: number }).port;
    // In this process (test/support/gatehouse-cli.ts): what the command says of the cut connection is the point.
    const r = await gatehouseCliInProcess(['audit', 'verify'], s.admin, { endpoint: `http://127.0.0.1:${port}`, home });
    assert.equal(requests, 1, 'sent once (not started again)');
    assert.notEqual(r.code, 0, r.stdout);
    assert.doesNotMatch(r.stderr, /cannot reach|set GATEHOUSE_ENDPOINT/, r.stderr);
    assert.match(r.stderr, /lost after the request was sent/, r.stderr);
    assert.match(r.stderr, /may still be running/, r.stderr);
  });
});
