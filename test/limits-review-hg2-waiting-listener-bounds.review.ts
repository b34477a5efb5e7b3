/**
 * Review hg, 2: while the database is awaited at start (or the directory loads), `--listen` is answered by a waiting
 * listener (/healthz 200, /readyz 503, 503 to the rest) that held none of the edge's bounds: it accepted any number of
 * connections, whatever GATEHOUSE_MAX_CONNECTIONS (or --max-connections) said, and kept each for Node's defaults (60 s
 * for its headers, 300 s for its request, 120 s for a TLS handshake) rather than the edge's 20 s and 60 s. The wait
 * lasts as long as the database is down, so a flood held file descriptors the database connection then needed. Now the
 * waiting listener is built as the edge is (`boundedServer`): the same connection cap and timeouts.
 *
 * A real server on 127.0.0.1 started against a PostgreSQL address that refuses connections, with
 * GATEHOUSE_MAX_CONNECTIONS=4: four idle connections held, a fifth is closed at once (before the fix, answered 200);
 * once they are let go, /healthz answers again.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/main/server.ts';
import { freePort } from './support/processes.ts';
import { settled, SETTLE_MS } from './support/settle.ts';

/** GET `url` on a connection of its own, closed after: its status, or the error that ended it. */
function get(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.setTimeout(5_000, () => req.destroy(new Error('timed out')));
    req.end();
  });
}

describe('review hg2: the waiting listener holds the edge bounds', () => {
  it('GATEHOUSE_MAX_CONNECTIONS caps its connections while the database is awaited', { timeout: 2 * SETTLE_MS }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gh-hg2-'));
    const dead = await freePort();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const starting = startServer({
      dataDir,
      listen: `127.0.0.1:${port}`,
      agentListen: '127.0.0.1:0',
      env: { GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64'), GATEHOUSE_DATABASE_WAIT_SECONDS: '10', GATEHOUSE_MAX_CONNECTIONS: '4' },
      databaseUrl: `postgres://postgres@127.0.0.1:${dead}/test`,
      log: () => undefined,
    }).then(
      (x) => x.stop().then(() => 'started'),
      () => 'gave up',
    );
    const held: Socket[] = [];
    try {
      // Asked until the waiting listener is up, to a bound of time (settle.ts), not 50 tries.
      const healthz = await settled(() => get(`${base}/healthz`), (status) => status === 200);
      assert.equal(healthz, 200, 'the waiting listener answers GET /healthz');
      // Let the probe's connection close on the server's side before counting.
      await new Promise((r) => setTimeout(r, 200));
      for (let i = 0; i < 4; i++) {
        const s = connect(port, '127.0.0.1');
        s.on('error', () => {});
        await new Promise((r) => s.once('connect', r));
        held.push(s);
      }
      await new Promise((r) => setTimeout(r, 200));
      assert.notEqual(await get(`${base}/healthz`), 200, 'a fifth connection is closed, not answered');
      for (const s of held.splice(0)) s.destroy();
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(await get(`${base}/healthz`), 200, 'answered again once the four are gone');
    } finally {
      for (const s of held) s.destroy();
      assert.equal(await starting, 'gave up');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
