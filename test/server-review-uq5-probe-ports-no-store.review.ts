/**
 * Review uq, 5: `--listen` answers /healthz, /readyz and /metrics with `Cache-Control: no-store` and `nosniff`, but
 * `--health-listen`, which serves the same paths for the kubelet and Prometheus, said neither, nor did the listener that
 * answers on `--listen` while the database is awaited: a cache between (a proxy in front of the probes, a shared
 * scraper's) could keep a readiness said once or metrics of a minute ago, and the health port's 404 echoes the path
 * unsniffed. Every answer of both now says `no-store` and `nosniff`, its 405 and 404 too.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/main/server.ts';
import { migratedDataDir } from './support/migrated-data-dir.ts';
import { freePort } from './support/processes.ts';
import { serverInProcess, type InProcessServer } from './support/server-in-process.ts';

let server: InProcessServer;
const dirs: string[] = [];
const abort = new AbortController();
let waiting: Promise<unknown> | undefined;

before(async () => {
  const dataDir = await migratedDataDir('gh-uq5-');
  dirs.push(dataDir);
  server = await serverInProcess({ dataDir, env: { GATEHOUSE_HEALTH_LISTEN: '127.0.0.1:0' } });
});

after(async () => {
  await server?.stop();
  abort.abort();
  await waiting;
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** The status, `Cache-Control` and `X-Content-Type-Options` of `method path` on `base`. */
async function headersOf(base: string, path: string, method = 'GET'): Promise<readonly [number, string | null, string | null]> {
  const r = await fetch(`${base}${path}`, { method, signal: AbortSignal.timeout(5000) });
  await r.text();
  return [r.status, r.headers.get('cache-control'), r.headers.get('x-content-type-options')];
}

describe('review uq5: the probe ports answer no-store and nosniff', () => {
  it('--health-listen: the probes, the metrics, a 405 and a 404', async () => {
    const base = server.running.healthUrl ?? '';
    for (const [path, method, status] of [['/healthz', 'GET', 200], ['/readyz', 'GET', 200], ['/metrics', 'GET', 200], ['/readyz', 'POST', 405], ['/nothing<b>', 'GET', 404]] as const) {
      assert.deepEqual(await headersOf(base, path, method), [status, 'no-store', 'nosniff'], `${method} ${path}`);
    }
  });

  it('--listen while the database is awaited: the probes, the metrics and a refused call', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gh-uq5-wait-'));
    dirs.push(dataDir);
    const logs: string[] = [];
    waiting = startServer({
      dataDir,
      listen: '127.0.0.1:0',
      agentListen: '127.0.0.1:0',
      s3Listen: 'off',
      databaseUrl: `postgres://gatehouse:x@127.0.0.1:${await freePort()}/gatehouse`,
      env: { GATEHOUSE_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') },
      signal: abort.signal,
      log: (l) => void logs.push(l),
    }).catch((e: unknown) => e);
    let base: string | undefined;
    for (let i = 0; i < 100 && base === undefined; i++) {
      base = logs.map((l) => (/answers \/healthz 200 and \/readyz 503/.test(l) ? /(http:\/\/127\.0\.0\.1:\d+)/.exec(l)?.[1] : undefined)).find((x) => x !== undefined);
      if (base === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(base !== undefined, logs.join('\n'));
    for (const [path, status] of [['/healthz', 200], ['/readyz', 503], ['/metrics', 200], ['/v1/whoami', 503]] as const) {
      assert.deepEqual(await headersOf(base, path), [status, 'no-store', 'nosniff'], path);
    }
  });
});
