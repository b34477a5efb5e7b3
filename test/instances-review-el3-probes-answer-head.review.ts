/**
 * Review el, 3: `HEAD /healthz`, `HEAD /readyz` and `HEAD /metrics` on `--listen` were answered 404 `no route for HEAD
 * /healthz`, while GET was 200 and `--health-listen` answered HEAD as GET. RFC 9110 §9.3.2: HEAD is answered as GET
 * without the content (§9.1: a general-purpose server MUST support it); uptime monitors and `curl -I` probe with it, and a
 * 404 is the route being down (review cl, 4 fixed the same for the admin API). While the database is awaited at start, the
 * waiting listener answered `HEAD /healthz` 503 ServiceUnavailable: a liveness check by HEAD restarted an instance that was
 * only waiting, the restart loop README "Run it" says `/healthz` 200 prevents. Now both answer HEAD as GET (status and
 * headers, no body).
 *
 * Before the fix, both tests failed. A real server on 127.0.0.1 (SQLite); one started against a PostgreSQL address that
 * refuses connections (GATEHOUSE_DATABASE_WAIT_SECONDS bounds its wait).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/main/server.ts';
import { freePort } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { settled } from './support/settle.ts';

/** A request by node:http, which reads a HEAD answer as one without a body: its status, content type and bytes. */
function send(method: string, url: string): Promise<{ status: number; type: string | undefined; length: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], length: res.headers['content-length'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('review el3: the probes answer HEAD as GET', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  it('--listen: HEAD /healthz, /readyz and /metrics as GET, without a body', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const get = await send('GET', `${s.url}${path}`);
      const head = await send('HEAD', `${s.url}${path}`);
      assert.equal(get.status, 200, path);
      assert.deepEqual({ status: head.status, type: head.type, body: head.body }, { status: 200, type: get.type, body: '' }, path);
    }
  });

  it('while the database is awaited at start: HEAD /healthz 200 and HEAD /readyz 503, as GET', { timeout: 60_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gh-el3-'));
    const dead = await freePort();
    const port = await freePort();
    const starting = startServer({
      dataDir,
      listen: `127.0.0.1:${port}`,
      agentListen: '127.0.0.1:0',
      env: { GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64'), GATEHOUSE_DATABASE_WAIT_SECONDS: '10' },
      databaseUrl: `postgres://postgres@127.0.0.1:${dead}/test`,
      log: () => undefined,
    }).then(
      (x) => x.stop().then(() => 'started'),
      () => 'gave up',
    );
    try {
      // Asked until the waiting listener is up, to a bound of time (settle.ts), not 50 tries.
      const healthz = await settled(() => send('GET', `http://127.0.0.1:${port}/healthz`).catch(() => undefined), (r) => r?.status === 200);
      assert.equal(healthz?.status, 200, 'the waiting listener answers GET /healthz');
      const head = await send('HEAD', `http://127.0.0.1:${port}/healthz`);
      assert.deepEqual({ status: head.status, body: head.body }, { status: 200, body: '' }, 'HEAD /healthz while waiting');
      const ready = await send('HEAD', `http://127.0.0.1:${port}/readyz`);
      assert.equal(ready.status, 503, 'HEAD /readyz while waiting');
    } finally {
      assert.equal(await starting, 'gave up');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
