/**
 * Review fq, 3: `/healthz`, `/readyz` and `/metrics` take GET (and HEAD), and any other method on them (`POST
 * /metrics` from a push-style or misconfigured scraper, `PUT /healthz`) was answered 404 `no route for POST /metrics`,
 * on `--listen` and on `--health-listen` alike: the path read as absent, which a probe or an operator takes for the
 * wrong port or an older build, while the admin API answers such a method 405 with `Allow` (RFC 9110 §15.5.6;
 * reviews cm, 3 and cl, 4). Now both ports answer 405 with `Allow: GET, HEAD`; other paths are still 404.
 * Real server (SQLite) with --health-listen.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/main/server.ts';

let dir = '';
let server: RunningServer | undefined;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-review-fq3-'));
  server = await startServer({ dataDir: dir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', log: () => undefined, healthListen: '127.0.0.1:0' });
});
after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('review fq3: another method on the probes and /metrics is 405 with Allow', () => {
  it('on --listen and on --health-listen', async () => {
    assert.ok(server?.healthUrl);
    for (const base of [server.url, server.healthUrl]) {
      for (const [method, path] of [['POST', '/metrics'], ['PUT', '/healthz'], ['DELETE', '/readyz'], ['OPTIONS', '/metrics']] as const) {
        const r = await fetch(new URL(path, base), { method });
        const body = await r.text();
        assert.equal(r.status, 405, `${base} ${method} ${path}: ${body}`);
        assert.equal(r.headers.get('allow'), 'GET, HEAD', `${base} ${method} ${path}`);
        assert.match(body, new RegExp(`${method} is not allowed on ${path}`));
      }
      for (const path of ['/healthz', '/readyz', '/metrics']) {
        assert.equal((await fetch(new URL(path, base))).status, 200, `${base} GET ${path}`);
        assert.equal((await fetch(new URL(path, base), { method: 'HEAD' })).status, 200, `${base} HEAD ${path}`);
      }
      assert.equal((await fetch(new URL('/healthz/', base), { method: 'POST' })).status, 404, `${base}: another path is still 404`);
    }
  });
});
