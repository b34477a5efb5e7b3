/**
 * Review bu, 3: one job sweep, and one pass of `forgetEnded`, at a time. The server starts a pass every sweep interval
 * (5 s at the defaults) whether or not the last has ended; on a store that answers slowly (not down: nothing fails) the
 * passes piled up, each holding a connection and reading every live job — and since review bq every worker of
 * `--workers` makes such a pass. Now a call while a pass runs gets that pass's answer.
 *
 * One App on the test server's SQLite store, its reads slowed and counted.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from '../src/app/ports/store.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { instanceBeside } from './support/instances.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let store: Store | undefined;

before(async () => {
  server = await startTestServer();
  assert.ok((await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] })).status < 300);
});
after(async () => {
  await store?.close().catch(() => {});
  await server?.stop();
});

describe('one job sweep and one pass of forgetEnded at a time (review bu, 3)', () => {
  it('calls made while a pass runs on a slow store join it instead of starting their own', async () => {
    let slow = false;
    let inFlight = 0;
    let most = 0;
    let reads = 0;
    const slowed = (raw: Store): Store =>
      Object.assign(Object.create(raw) as Store, {
        read: async <T>(fn: Parameters<Store['read']>[0], o?: Parameters<Store['read']>[1]): Promise<T> => {
          if (!slow) return (await raw.read(fn, o)) as T;
          reads += 1;
          most = Math.max(most, ++inFlight);
          try {
            await sleep(200);
            return (await raw.read(fn, o)) as T;
          } finally {
            inFlight -= 1;
          }
        },
      });
    const made = await instanceBeside(server, { now: () => Date.now(), wrap: slowed });
    store = made.store;
    const app = made.app;
    const sub = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'default', imds: false });
    assert.equal(sub.status, 201, JSON.stringify(sub.json));
    const { capability } = sub.json as { capability: string };
    assert.ok((await app.jobs.credentialsFor(capability)).ok, 'the app holds the job');

    // Settled first: a first sweep reads more (the stored beats it has not seen yet).
    await app.jobs.sweep();
    slow = true;
    const answers = await Promise.all(Array.from({ length: 5 }, () => app.jobs.sweep()));
    assert.ok(reads > 0, 'a sweep reads the store');
    assert.equal(most, 1, `five sweeps called together read the store one read at a time, as one sweep does; ${most} reads were in flight at once`);
    assert.deepEqual(answers, [0, 0, 0, 0, 0]);

    reads = 0;
    await Promise.all(Array.from({ length: 5 }, () => app.jobs.forgetEnded()));
    assert.ok(reads > 0, 'forgetEnded reads the store');
    assert.equal(most, 1, `five passes of forgetEnded called together read one at a time; ${most} reads were in flight at once`);
    // A pass after the last has ended is a pass of its own.
    reads = 0;
    await app.jobs.sweep();
    assert.ok(reads > 0, 'the next sweep reads the store again');
    slow = false;
  });
});
