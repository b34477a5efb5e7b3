/**
 * Review bi: the job heartbeats written to the store (c9dba40, `jobbeat/<id>`), and a job's credentials during an
 * outage. Instances here are Apps on the test server's SQLite store, each with its own clock and a store that can be
 * made to refuse every read and write, as an unreachable database does, or to answer writes slowly.
 *
 * - A beat write went through the store that reloads after every write: every sixth of the heartbeat timeout, each
 *   instance hearing a launcher dropped its key cache and reloaded and recompiled every resource policy (their version
 *   moved, so the authorizer's caches keyed on it went too), for a note nothing caches. Now through the raw store.
 * - A beat heard before a job's end and written after it (the end deletes the key) stayed in the store for ever. Now
 *   only a live job's beat is written, its live-index key read in the same write.
 * - The first sweep of an instance (after a restart) gives each live job one timeout for its launcher to come back; a
 *   beat stored before the restart, older than the timeout, failed the job at once instead. And a store outage longer
 *   than the timeout failed every job at the first sweep after it (a heartbeat reads the store: none could be heard
 *   meanwhile). Both now give one timeout, as after a restart.
 * - While the store could not be read, a job's cached credentials were served for one second: its lookup (by
 *   capability, or by id for a metadata port) then read the store and the fetch failed (the agent answered 500). Now
 *   the job held serves them.
 * - Beat writes no longer pile up on a slow store (one at a time), and take 200 jobs a transaction at most (each one
 *   statement, under the store's one write lock).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp, type App, type AppDeps } from '../src/app/index.ts';
import { StoreUnavailableError, type Store } from '../src/app/ports/store.ts';
import { auditChainKey, chainDigest, loadMasterKey, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const TIMEOUT = 3000;

let server: TestServer;
let plain: Store;
const stores: Store[] = [];
const apps: App[] = [];
/**
 * A new job (Queued until an instance hears its launcher), through the server. Each test has its own: a sweep of
 * another test's instance, its clock ahead, fails every job it finds unheard.
 */
async function submitted(role: 'none' | 'default'): Promise<{ id: string; capability: string }> {
  const sub = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w', role, imds: false });
  assert.equal(sub.status, 201, JSON.stringify(sub.json));
  const { job, capability } = sub.json as { job: { id: string }; capability: string };
  return { id: job.id, capability };
}

interface Instance {
  readonly app: App;
  clock: number;
  /** `refuse`: every read and write fails as an unreachable store's do. `slowWrites`: writes take 1 s. */
  mode: 'ok' | 'refuse' | 'slowWrites';
  /** Every write: when it was asked for and when it ended, whether it wrote beats, and how many. */
  readonly writes: { from: number; to: number; beats: boolean; notes: number }[];
}

async function instance(clock = Date.now()): Promise<Instance> {
  const key = await loadMasterKey({ dataDir: server.dataDir, env: {} });
  if (!key.ok) throw new Error(key.error.message);
  const real = await openSqliteStore({ dataDir: server.dataDir });
  stores.push(real);
  const self = { clock, mode: 'ok', writes: [] } as unknown as Instance;
  const refused = (): void => {
    if (self.mode === 'refuse') throw new StoreUnavailableError('SQLite is unavailable: the test refuses');
  };
  const store: Store = {
    dialect: real.dialect,
    migrations: real.migrations,
    read: async (fn, o) => (refused(), real.read(fn, o)),
    write: async (fn) => {
      refused();
      const entry = { from: performance.now(), to: Infinity, beats: false, notes: 0 };
      self.writes.push(entry);
      try {
        if (self.mode === 'slowWrites') await sleep(1000);
        return await real.write((tx, abort) => {
          // A write of beats reads the stored ones first.
          const getMany = (keys: readonly string[]) => ((entry.beats ||= keys.some((k) => k.startsWith('jobbeat/'))), tx.kv.getMany(keys));
          const note = (key: string, value: string) => (entry.notes++, tx.kv.note(key, value));
          return fn(Object.assign(Object.create(tx) as typeof tx, { kv: Object.assign(Object.create(tx.kv) as typeof tx.kv, { getMany, note }) }), abort);
        });
      } finally {
        entry.to = performance.now();
      }
    },
    close: () => real.close(),
  };
  const deps: AppDeps = { store, now: () => self.clock, randomBytes: (n) => randomBytes(n), sealer: secretSealer(key.value.masterKey), sessions: sessionCrypto, chainDigest: chainDigest(auditChainKey(key.value.masterKey)) };
  const app = createApp(deps, { jobHeartbeatTimeoutMs: TIMEOUT });
  await app.start();
  apps.push(app);
  return Object.assign(self, { app });
}

const beatOf = (id: string): Promise<string | undefined> => plain.read((tx) => tx.kv.get(`jobbeat/${id}`));
const stateOf = async (id: string): Promise<string> => String((JSON.parse((await plain.read((tx) => tx.kv.get(`job/${id}`))) ?? '{}') as { state?: string }).state);
async function stored(id: string, want: (v: string | undefined) => boolean): Promise<string | undefined> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const v = await beatOf(id);
    if (want(v) || Date.now() > deadline) return v;
    await sleep(25);
  }
}

before(async () => {
  server = await startTestServer();
  assert.ok((await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] })).status < 300);
  // The server's own sweep (its clock, 30 s) ends no job of these tests: each is over well within it.
  plain = await openSqliteStore({ dataDir: server.dataDir });
  stores.push(plain);
});
after(async () => {
  for (const s of stores) await s.close().catch(() => {});
  await server?.stop();
});

describe('job heartbeats in the store, and a job’s credentials during an outage (review bi)', () => {
  it('a beat written drops no cache: the resource policies are not reloaded for it', async () => {
    const a = await instance();
    const { id } = await submitted('none');
    assert.ok((await a.app.jobs.heartbeat(id)).ok);
    const first = await stored(id, (v) => v !== undefined);
    assert.ok(first !== undefined, 'the beat is written');
    const version = a.app.resourcePolicies.version;
    a.clock += 1000;
    assert.ok((await a.app.jobs.heartbeat(id)).ok);
    assert.equal(await stored(id, (v) => v !== first), String(a.clock), 'the later beat is written');
    assert.equal(a.app.resourcePolicies.version, version, 'a beat written reloaded every resource policy (and dropped the caches keyed on them)');
  });

  it('a beat heard before a job’s end and written after it leaves no key behind', async () => {
    const a = await instance();
    const b = await instance();
    const { id } = await submitted('none');
    assert.ok((await a.app.jobs.heartbeat(id)).ok);
    assert.ok((await stored(id, (v) => v !== undefined)) !== undefined);
    a.clock += 1000;
    // Heard on A; ended through B before A writes it (every sixth of the timeout: 500 ms here).
    assert.ok((await a.app.jobs.heartbeat(id)).ok);
    assert.ok((await b.app.jobs.endPod(id, 'ended through another instance')).ok);
    assert.equal(await beatOf(id), undefined, 'the end deletes the beat');
    await sleep(TIMEOUT / 6 + 400);
    assert.equal(await beatOf(id), undefined, 'a beat of an ended job was written after its end, and nothing deletes it');
  });

  it('the first sweep after a restart gives a live job one timeout, whatever beat was stored before', async () => {
    const a = await instance();
    const { id } = await submitted('none');
    assert.ok((await a.app.jobs.heartbeat(id)).ok);
    assert.ok((await stored(id, (v) => v !== undefined)) !== undefined);
    // Down for ten timeouts, then started again: its launcher has not beaten yet.
    const again = await instance(a.clock + 10 * TIMEOUT);
    await again.app.jobs.sweep();
    assert.equal(await stateOf(id), 'Running', 'the job was failed at the first sweep after the restart, with no time for its launcher to come back');
    again.clock += TIMEOUT + 1;
    await again.app.jobs.sweep();
    assert.equal(await stateOf(id), 'Failed', 'still unheard one timeout later: Failed');
  });

  it('an outage longer than the timeout: the first sweep after it gives each live job one timeout', async () => {
    const a = await instance();
    const { id } = await submitted('default');
    assert.ok((await a.app.jobs.heartbeat(id)).ok);
    await a.app.jobs.sweep();
    a.mode = 'refuse';
    for (let i = 0; i < 4; i++) {
      a.clock += TIMEOUT;
      // The launcher beats on; neither its beat nor the sweep can read the store.
      await assert.rejects(a.app.jobs.heartbeat(id));
      await assert.rejects(a.app.jobs.sweep());
    }
    a.mode = 'ok';
    a.clock += 100;
    await a.app.jobs.sweep();
    assert.equal(await stateOf(id), 'Running', 'every job was failed at the first sweep after the outage: no launcher could be heard during it');
    assert.ok((await a.app.jobs.heartbeat(id)).ok);
    a.clock += TIMEOUT - 100;
    await a.app.jobs.sweep();
    assert.equal(await stateOf(id), 'Running');
    a.clock += 2 * TIMEOUT;
    await a.app.jobs.sweep();
    assert.equal(await stateOf(id), 'Failed', 'silent past the timeout after the outage: Failed');
  });

  it('while the store cannot be read, a job’s cached credentials are served (by capability and by id), even when due for refresh', async () => {
    const a = await instance();
    const { id, capability } = await submitted('default');
    assert.ok((await a.app.jobs.heartbeat(id)).ok);
    const first = await a.app.jobs.credentialsFor(capability);
    assert.ok(first.ok, JSON.stringify(first));
    assert.ok((await a.app.jobs.credentialsForJob(id)).ok);
    a.mode = 'refuse';
    a.clock += 5000;
    // The key served, or why there is none (a failure, or a fetch that threw).
    const served = (p: Promise<{ ok: true; value: { credentials: { accessKeyId: string } } } | { ok: false; error: { status: number; message: string } }>): Promise<string> =>
      p.then(
        (r) => (r.ok ? r.value.credentials.accessKeyId : `answered ${r.error.status}: ${r.error.message}`),
        (e: unknown) => `threw ${String(e)}`,
      );
    const key = first.value.credentials.accessKeyId;
    assert.equal(await served(a.app.jobs.credentialsFor(capability)), key, 'by capability, 5 s into the outage');
    assert.equal(await served(a.app.jobs.credentialsForJob(id)), key, 'by id (a metadata port), 5 s into the outage');
    // Past its refresh time, before its end: served while no new one can be issued.
    a.clock = first.value.issuedAt + (first.value.credentials.expiration - first.value.issuedAt) * 0.6;
    assert.equal(await served(a.app.jobs.credentialsFor(capability)), key, 'due for refresh, during the outage');
    a.mode = 'ok';
  });

  it('beat writes do not pile up while the store is slow', async () => {
    const a = await instance();
    const { id, capability } = await submitted('default');
    assert.ok((await a.app.jobs.heartbeat(id)).ok);
    assert.ok((await stored(id, (v) => v !== undefined)) !== undefined);
    assert.ok((await a.app.jobs.credentialsFor(capability)).ok);
    a.mode = 'slowWrites';
    a.writes.length = 0;
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      a.clock += 100;
      // Heard at each heartbeat (a read, no write of its own; a credential fetch is no beat since review da, 1).
      assert.ok((await a.app.jobs.heartbeat(id)).ok);
      await sleep(100);
    }
    a.mode = 'ok';
    assert.equal(await stored(id, (v) => v === String(a.clock)), String(a.clock), 'the last beat heard is written once the store answers');
    const beats = a.writes.filter((w) => w.beats);
    assert.ok(beats.length >= 2, `${beats.length} beat writes`);
    const most = Math.max(...beats.map((w) => beats.filter((o) => o.from < w.to && o.to > w.from).length));
    assert.equal(most, 1, `${most} beat writes at once`);
  });

  it('beats of many jobs are written 200 a transaction, each holding the store’s write lock a short while', async () => {
    const a = await instance();
    const account = server.adminFile.AccountId;
    const ids = Array.from({ length: 450 }, (_, i) => `bi${randomBytes(4).toString('hex')}${i}`);
    // Live jobs as stored (the sweep's index names them), their launchers all heard by A.
    await plain.write(async (tx) => {
      for (const id of ids) {
        await tx.kv.put(`job/${id}`, JSON.stringify({ id, account, partition: 'aws', workspace: 'w', name: `job-${id}`, submitter: { arn: `arn:aws:iam::${account}:user/admin`, name: 'admin' }, role: { mode: 'none' }, replicas: 1, state: 'Running', created: '2026-01-01T00:00:00Z', capabilityHash: id.padEnd(64, '0') }));
        await tx.kv.put(`joblive/${id}`, id);
      }
    });
    a.writes.length = 0;
    for (const id of ids) assert.ok((await a.app.jobs.heartbeat(id)).ok);
    const deadline = Date.now() + 5000;
    while ((await plain.read((tx) => tx.kv.getMany(ids.map((id) => `jobbeat/${id}`)))).size < ids.length && Date.now() < deadline) await sleep(50);
    const beats = a.writes.filter((w) => w.beats);
    assert.equal(beats.reduce((n, w) => n + w.notes, 0), ids.length, 'every beat is written once');
    assert.ok(Math.max(...beats.map((w) => w.notes)) <= 200, `${Math.max(...beats.map((w) => w.notes))} beats in one transaction`);
    // Ended, so that no sweep of a later suite finds them.
    for (const id of ids) assert.ok((await a.app.jobs.endPod(id, 'done')).ok);
  });
});
