/**
 * Review bu, 1: the heartbeat sweep reads a stored beat (`jobbeat/<id>`) only as changed or not (eba9570), so that skew
 * between instances changes nothing; but each writer wrote a beat only forward, comparing its own clock's time with the
 * stored one, written by another instance on its clock. A launcher heard by C (clock 30 s ahead), then by B (on time) —
 * C restarted, the balancer moved the keep-alive connection, ranks fetching through B — had B's beats, 30 s below
 * C's last, not written for 30 s: the sweeper saw no change and failed the job while its launcher beat on.
 *
 * Instances are Apps on the test server's SQLite store, each with its own clock; the test calls S's sweep itself.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { App } from '../src/app/index.ts';
import type { Store } from '../src/app/ports/store.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { instanceBeside } from './support/instances.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const TIMEOUT = 600;
const SKEW = 30_000;

let server: TestServer;
let plain: Store;
const stores: Store[] = [];

interface Instance {
  readonly app: App;
  clock: number;
}

async function instance(clock: number): Promise<Instance> {
  const self = { clock } as Instance;
  const { app, store } = await instanceBeside(server, { now: () => self.clock, options: { jobHeartbeatTimeoutMs: TIMEOUT } });
  stores.push(store);
  return Object.assign(self, { app });
}

const beatOf = (id: string): Promise<string | undefined> => plain.read((tx) => tx.kv.get(`jobbeat/${id}`));
const stateOf = async (id: string): Promise<string> => String((JSON.parse((await plain.read((tx) => tx.kv.get(`job/${id}`))) ?? '{}') as { state?: string }).state);

/**
 * Beats `id` on `a` and waits until the store holds a beat other than the one before (written every sixth of the
 * timeout, in real time), or a second: a beat `a` does not write is seen by no one else.
 */
async function beat(a: Instance, id: string): Promise<void> {
  const before = await beatOf(id);
  assert.ok((await a.app.jobs.heartbeat(id)).ok);
  const deadline = Date.now() + 1000;
  while ((await beatOf(id)) === before && Date.now() < deadline) await sleep(10);
}

before(async () => {
  server = await startTestServer();
  assert.ok((await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] })).status < 300);
  plain = await openSqliteStore({ dataDir: server.dataDir });
  stores.push(plain);
});
after(async () => {
  for (const s of stores) await s.close().catch(() => {});
  await server?.stop();
});

describe('beats heard by an instance behind the one that wrote the last', () => {
  it('are written, and the sweeper keeps the job while its launcher beats on', async () => {
    const s = await instance(Date.now());
    const c = await instance(s.clock + SKEW);
    const b = await instance(s.clock);
    const sub = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'none', imds: false });
    assert.equal(sub.status, 201, JSON.stringify(sub.json));
    const id = (sub.json as { job: { id: string } }).job.id;
    await beat(c, id);
    assert.equal(await beatOf(id), String(c.clock));
    await s.app.jobs.sweep();
    // The launcher now talks to B: four timeouts of beats, each written before S sweeps.
    for (let elapsed = 0; elapsed < 4 * TIMEOUT; elapsed += TIMEOUT / 3) {
      for (const i of [s, c, b]) i.clock += TIMEOUT / 3;
      await beat(b, id);
      await s.app.jobs.sweep();
      assert.equal(await stateOf(id), 'Running', `S failed the job ${elapsed + TIMEOUT / 3} ms in, while its launcher beat on B (B's beats, below C's last, were not written)`);
    }
  });
});
