import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type ServerResponse } from 'node:http';
import { endThisTurn, listenOn } from './lifecycle.ts';

/** GET `path` on 127.0.0.1:`port`; the status and body, or the error of a connection cut. */
function get(port: number, path: string, agent = false as const): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

test('endThisTurn: the head is sent at once, the body at the end of the turn, every response of the turn in full', async () => {
  const seen: Array<{ headersSent: boolean; endedNow: boolean; endedNextTurn: Promise<boolean> }> = [];
  const server = createServer((req, res) => {
    const body = `answer to ${req.url}\n`;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
    endThisTurn(res, body);
    seen.push({ headersSent: res.headersSent, endedNow: res.writableEnded, endedNextTurn: new Promise((r) => setImmediate(() => r(res.writableEnded))) });
  });
  const { port } = await listenOn(server, '127.0.0.1', 0);
  try {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => get(port, `/q${i}`)));
    answers.forEach((a, i) => assert.deepEqual(a, { status: 200, body: `answer to /q${i}\n` }));
    assert.equal(seen.length, 40);
    for (const s of seen) {
      assert.equal(s.headersSent, true, 'headersSent is true as soon as the head is written');
      assert.equal(s.endedNow, false, 'the body waits for the end of the turn');
      assert.equal(await s.endedNextTurn, true, 'and leaves at the end of it');
    }
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('endThisTurn: a response whose client went away before the end of the turn is skipped, and the server goes on', async () => {
  let destroyed: ServerResponse | undefined;
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3 });
    endThisTurn(res, 'ok\n');
    if (req.url === '/gone') {
      destroyed = res;
      res.destroy();
    }
  });
  const { port } = await listenOn(server, '127.0.0.1', 0);
  try {
    await assert.rejects(get(port, '/gone'), /socket hang up|ECONNRESET/);
    assert.equal(destroyed?.writableEnded, false, 'nothing was written to the destroyed response');
    assert.deepEqual(await get(port, '/next'), { status: 200, body: 'ok\n' });
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
