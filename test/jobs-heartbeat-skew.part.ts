/**
 * The cross-instance heartbeat sweep and clock skew. Each instance writes the beats it hears to the store
 * (`jobbeat/<id>`) as a time on its own clock; the sweep of another instance compared that time with its own clock.
 * With the launcher's instance 30 s behind the sweeper, every beat read looked 30 s old and a live job was marked
 * Failed after the grace of one timeout; with it 30 s ahead, a job whose launcher was gone lived 30 s past the timeout.
 * Now the sweeper reads a stored beat only as "changed since my last read": a change is a beat heard at that moment on
 * the sweeper's own clock.
 *
 * Instances here are Apps on the test server's SQLite store, each with its own injectable clock (`deps.now`); the
 * test calls their sweeps itself. The heartbeat timeout is short (its beats are written every sixth of it, in real
 * time), the skew far longer than it.
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

async function submitted(): Promise<string> {
  const sub = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'none', imds: false });
  assert.equal(sub.status, 201, JSON.stringify(sub.json));
  return (sub.json as { job: { id: string } }).job.id;
}

const beatOf = (id: string): Promise<string | undefined> => plain.read((tx) => tx.kv.get(`jobbeat/${id}`));
const stateOf = async (id: string): Promise<string> => String((JSON.parse((await plain.read((tx) => tx.kv.get(`job/${id}`))) ?? '{}') as { state?: string }).state);

/** Beats `id` on `a` and waits until `a` has written that beat to the store (every sixth of the timeout). */
async function beatWritten(a: Instance, id: string): Promise<void> {
  assert.ok((await a.app.jobs.heartbeat(id)).ok);
  const deadline = Date.now() + 5000;
  while ((await beatOf(id)) !== String(a.clock)) {
    assert.ok(Date.now() < deadline, `the beat heard at ${a.clock} was not written (stored: ${await beatOf(id)})`);
    await sleep(10);
  }
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

describe('the heartbeat sweep of one instance does not compare another instance’s clock with its own', () => {
  it('launcher on A, A 30 s behind B: B keeps the job for as long as A hears it, and fails it one timeout after the beats stop', async () => {
    // A at the test server's clock (whose own sweep, 30 s, reads A's beats as written), B 30 s ahead of both.
    const a = await instance(Date.now());
    const b = await instance(a.clock + SKEW);
    const id = await submitted();
    await beatWritten(a, id);
    await b.app.jobs.sweep();
    assert.equal(await stateOf(id), 'Running');
    // Four timeouts of beats to A alone, each written before B sweeps.
    for (let elapsed = 0; elapsed < 4 * TIMEOUT; elapsed += TIMEOUT / 3) {
      a.clock += TIMEOUT / 3;
      b.clock += TIMEOUT / 3;
      await beatWritten(a, id);
      await b.app.jobs.sweep();
      assert.equal(await stateOf(id), 'Running', `B failed the job ${elapsed + TIMEOUT / 3} ms in, while its launcher beat on A: A's beats, 30 s behind B's clock, looked 30 s old to B`);
    }
    // The launcher stops. B counts the last beat from when it saw it: still live one timeout on, Failed just after.
    a.clock += TIMEOUT;
    b.clock += TIMEOUT;
    await b.app.jobs.sweep();
    assert.equal(await stateOf(id), 'Running');
    b.clock += 1;
    await b.app.jobs.sweep();
    assert.equal(await stateOf(id), 'Failed', 'silent for the timeout: Failed by B');
  });

  it('launcher on A, A 30 s ahead of B: B fails the job one timeout after the beats stop, not 30 s later', async () => {
    const b = await instance(Date.now());
    const a = await instance(b.clock + SKEW);
    const id = await submitted();
    await beatWritten(a, id);
    // B's first sweep of the job: one timeout of grace, the stored beat counted as heard now.
    await b.app.jobs.sweep();
    assert.equal(await stateOf(id), 'Running');
    for (let i = 0; i < 3; i++) {
      a.clock += TIMEOUT / 3;
      b.clock += TIMEOUT / 3;
      await beatWritten(a, id);
      await b.app.jobs.sweep();
      assert.equal(await stateOf(id), 'Running');
    }
    // The launcher stops.
    b.clock += TIMEOUT;
    await b.app.jobs.sweep();
    assert.equal(await stateOf(id), 'Running');
    b.clock += 1;
    await b.app.jobs.sweep();
    assert.equal(await stateOf(id), 'Failed', 'a job whose launcher was gone lived on B while A’s last beat, 30 s ahead of B’s clock, was in B’s future');
  });
});
