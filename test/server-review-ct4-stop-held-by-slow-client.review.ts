/**
 * Review ct, 4: a graceful stop (SIGTERM) lets requests in flight finish for up to a grace (10 s), then cuts the
 * connections. But the grace was dropped once no tracked response was left, and the stop then waited for every
 * connection to end (`server.close`), while Node stops enforcing its header and request timeouts once a server is
 * closing. So one client that was still sending its headers a line at a time, or a body its early answer (403, 405)
 * left unread, held the stop for as long as it kept sending: forever on the API port, the S3 gateway and the job
 * credential port (which had no grace at all), where any process of any job may connect. Past Kubernetes' grace
 * (30 s) the pod was killed before its audit log was flushed or spooled. Each port was also drained after the other,
 * so the graces added up. Now the grace holds until every connection is closed, the credential port has one too,
 * and the ports drain together: one slow client on each, and the server stops in about one grace.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/main/server.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A client on `url` that sends `head`, then `drip` every 300 ms for as long as the connection stays open. */
async function slowClient(url: string, head: string, drip: string): Promise<{ socket: Socket; stop(): void }> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => {});
  socket.write(head);
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write(drip);
  }, 300);
  socket.once('close', () => clearInterval(timer));
  return { socket, stop: () => (clearInterval(timer), socket.destroy()) };
}

describe('review ct4: a slow client does not hold a graceful stop past its grace', () => {
  it('one still sending headers or an unread body on each port: stopped in about one grace (10 s)', { timeout: 90_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-ct4-stop-'));
    dirs.push(dir);
    const server = await startServer({ dataDir: dir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: '127.0.0.1:0', env: {}, log: () => undefined });
    const clients = [
      // Headers a line at a time (a request never parsed, so never tracked).
      await slowClient(server.url, 'GET /v1/users HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n'),
      await slowClient(server.agentUrl, 'GET /v1/container-credentials HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n'),
      await slowClient(server.s3Url, 'GET /bucket/key HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n'),
      // A body the answer left unread (refused before it was read): the response is done, the connection is not.
      await slowClient(server.agentUrl, 'POST /v1/launcher/end HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{', ' '),
    ];
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      server.stop().then(() => 'stopped'),
      new Promise<string>((r) => (timer = setTimeout(() => r('still stopping after 25 s'), 25_000))),
    ]);
    clearTimeout(timer);
    const took = Date.now() - started;
    for (const c of clients) c.stop();
    assert.equal(outcome, 'stopped');
    assert.ok(took < 20_000, `stopped after ${took} ms: the ports' graces added up`);
    for (const c of clients) assert.ok(c.socket.destroyed);
  });
});
