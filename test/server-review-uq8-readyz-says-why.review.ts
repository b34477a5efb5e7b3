/**
 * Review uq, 8: `/readyz` answered 503 with `not ready` alone, on `--listen` and on `--health-listen`, so an operator
 * whose pod left its Service (or whose rollout stalled) read the server's log to tell a start still waiting for its
 * database from a stop under way or a state past `--max-staleness`. It now says why, as Kubernetes' own `/readyz` names
 * its failed checks: `not ready: starting: waiting for the database, which cannot be reached yet`, `not ready:
 * stopping`, the staleness and its bound; never the database's address (the probes are unauthenticated). A ready
 * server still answers `ready`. (The audit log's health does not make it unready: docs/decisions.md, the closed audit
 * policy, and README "an audit log that cannot be written does not make it unready".)
 * Real servers in this process: one against a PostgreSQL address nobody listens on, one on SQLite whose stop is held
 * open by its change notes' subscription (as review lm, 3's test), with no timing.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/main/server.ts';
import { freePort } from './support/processes.ts';

const dirs: string[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

after(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const readyz = async (base: string): Promise<{ status: number; body: string }> => {
  const r = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5000) });
  return { status: r.status, body: await r.text() };
};

describe('review uq8: /readyz says why it is not ready', () => {
  it('while the database is awaited: on --listen and on --health-listen, without its address', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gh-uq8-wait-'));
    dirs.push(dataDir);
    const healthPort = await freePort();
    const deadPort = await freePort();
    const abort = new AbortController();
    const logs: string[] = [];
    const started = startServer({
      dataDir,
      listen: '127.0.0.1:0',
      agentListen: '127.0.0.1:0',
      s3Listen: 'off',
      healthListen: `127.0.0.1:${healthPort}`,
      databaseUrl: `postgres://gatehouse:x@127.0.0.1:${deadPort}/gatehouse`,
      env: { GATEHOUSE_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') },
      signal: abort.signal,
      log: (l) => void logs.push(l),
    }).catch((e: unknown) => e);
    cleanups.push(async () => {
      abort.abort();
      await started;
    });
    let base: string | undefined;
    for (let i = 0; i < 100 && base === undefined; i++) {
      base = logs.map((l) => (/answers \/healthz 200 and \/readyz 503/.test(l) ? /(http:\/\/127\.0\.0\.1:\d+)/.exec(l)?.[1] : undefined)).find((x) => x !== undefined);
      if (base === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(base !== undefined, logs.join('\n'));
    const expected = { status: 503, body: 'not ready: starting: waiting for the database, which cannot be reached yet\n' };
    assert.deepEqual(await readyz(base), expected, '--listen');
    assert.deepEqual(await readyz(`http://127.0.0.1:${healthPort}`), expected, '--health-listen');
  });

  it('ready, then stopping: on both ports', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gh-uq8-stop-'));
    dirs.push(dataDir);
    let release: () => void = () => {};
    const closeHeld = new Promise<void>((r) => (release = r));
    let asked: () => void = () => {};
    const closeAsked = new Promise<void>((r) => (asked = r));
    const server = await startServer({
      dataDir,
      listen: '127.0.0.1:0',
      agentListen: '127.0.0.1:0',
      s3Listen: 'off',
      healthListen: '127.0.0.1:0',
      log: () => undefined,
      changeNotes: { announce: () => {}, listen: () => ({ close: () => (asked(), closeHeld) }) },
    });
    cleanups.push(async () => {
      release();
      await server.stop();
    });
    const health = server.healthUrl as string;
    assert.deepEqual(await readyz(server.url), { status: 200, body: 'ready\n' });
    assert.deepEqual(await readyz(health), { status: 200, body: 'ready\n' });
    const stopped = server.stop();
    await closeAsked;
    assert.deepEqual(await readyz(health), { status: 503, body: 'not ready: stopping\n' }, '--health-listen');
    assert.deepEqual(await readyz(server.url), { status: 503, body: 'not ready: stopping\n' }, '--listen');
    release();
    assert.deepEqual(await stopped, []);
  });
});
