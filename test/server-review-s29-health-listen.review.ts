/**
 * Stop 29 (left by review ae): the probes shared the API port's connection bound (`--max-connections`), so an
 * instance at the bound dropped its own liveness probe and the kubelet restarted it for being busy, moving its load
 * onto the others. `--health-listen HOST:PORT` (GATEHOUSE_HEALTH_LISTEN) serves /healthz, /readyz and /metrics on a
 * port of their own, with a bound of their own, as Kubernetes components do (`--healthz-bind-address`):
 * - with the API port at its bound (2 connections held), a probe there is dropped, and the health port answers
 *   /healthz 200, /readyz 200 (loaded), /metrics 200, and 404 to the API;
 * - a malformed address is refused at start naming the option; after stop the port is closed.
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

const home = async (): Promise<string> => {
  const d = await mkdtemp(join(tmpdir(), 'gh-review-s29-health-'));
  dirs.push(d);
  return d;
};

/** The status of GET `url`, or the error's code when the connection failed. */
async function status(url: string): Promise<number | string> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
    await r.text();
    return r.status;
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause;
    return cause?.code ?? (e as Error).name;
  }
}

describe('stop 29: probes on a port of their own', () => {
  it('answer while the API port is at its connection bound', { timeout: 60_000 }, async () => {
    const server = await startServer({ dataDir: await home(), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', log: () => undefined, maxConnections: 2, healthListen: '127.0.0.1:0' });
    const held: Socket[] = [];
    try {
      // Before: no such option, no healthUrl.
      assert.ok(server.healthUrl, 'the server names its health port');
      const health = server.healthUrl as string;
      assert.equal(await status(`${health}/healthz`), 200);
      assert.equal(await status(`${health}/readyz`), 200);
      const metrics = await fetch(`${health}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /^# HELP gatehouse_/m);
      assert.equal(await status(`${health}/v1/users`), 404);

      // The API port at its bound: two connections held open.
      const { port } = new URL(server.url);
      for (let i = 0; i < 2; i++) {
        const s = connect(Number(port), '127.0.0.1');
        await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
        held.push(s);
      }
      await new Promise((r) => setTimeout(r, 100));
      const main = await status(`${server.url}/healthz`);
      assert.notEqual(main, 200, 'the API port drops a probe past its bound');
      assert.equal(await status(`${health}/healthz`), 200);
      assert.equal(await status(`${health}/readyz`), 200);
    } finally {
      for (const s of held) s.destroy();
      await server.stop();
    }
    assert.notEqual(await status(`${server.healthUrl as string}/healthz`), 200, 'closed with the server');
  });

  it('a malformed address is refused at start, naming the option', async () => {
    await assert.rejects(startServer({ dataDir: await home(), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', log: () => undefined, healthListen: 'nowhere' }), /--health-listen/);
    await assert.rejects(startServer({ dataDir: await home(), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', log: () => undefined, env: { GATEHOUSE_HEALTH_LISTEN: '127.0.0.1:99999' } }), /GATEHOUSE_HEALTH_LISTEN/);
  });
});
