/**
 * Review hz, finding 1: once a job's cached session passed its refresh time (about half its life), every fetch of the
 * job's credentials waited for the new session to be issued. SDK metadata clients allow about a second a request
 * (credential-protocols §2.1, §2.2, §3.2), so an issuance slowed by the store (PostgreSQL slow, the write lock busy) failed the
 * ranks while the session they would have been given was good for hours. As AWS's instance metadata service does, the
 * still-valid session is now served at once and the new one issued in the background (one at a time); a fetch waits
 * for issuance only when the cached session is past its servable time (or revoked, or its role made again).
 *
 * One App on the test server's SQLite store, with its own clock; its reads of the job's document (what an issuance
 * reads first) are held until the test lets them go.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReadTx, Store } from '../src/app/ports/store.ts';
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

describe('a job whose session is due for refresh (review hz, 1)', () => {
  it('is served its still-valid session at once while the new one is issued, and the new one after', async () => {
    let clock = Date.now();
    let held: Promise<void> | undefined;
    let letGo = (): void => {};
    const hold = (): void => {
      held = new Promise<void>((resolve) => (letGo = resolve));
    };
    // Reads are held while `held` is set: the issuance's first read (is the job still live) among them.
    const gated = (raw: Store): Store =>
      Object.assign(Object.create(raw) as Store, {
        read: async <T>(fn: (tx: ReadTx) => Promise<T>, o?: Parameters<Store['read']>[1]): Promise<T> => {
          if (held !== undefined) await held;
          return raw.read(fn, o);
        },
      });
    const made = await instanceBeside(server, { now: () => clock, wrap: gated });
    store = made.store;
    const jobs = made.app.jobs;
    const sub = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'default', imds: false });
    assert.equal(sub.status, 201, JSON.stringify(sub.json));
    const { capability } = sub.json as { capability: string };
    const keyOf = async (): Promise<string> => {
      const d = await jobs.credentialsFor(capability);
      assert.ok(d.ok, JSON.stringify(d));
      return d.value.credentials.accessKeyId;
    };

    const first = await keyOf();
    assert.equal(await keyOf(), first, 'served from the cache before its refresh time');
    const issued = jobs.issuanceCount();

    // Past the refresh time (half of a 12 h session, ±5 %), hours before the session's servable time (11 h 30 min).
    clock += 7 * 3600_000;
    // The job as this instance reads it now (cached a second on its clock), so the fetch below reads nothing first.
    assert.ok(await jobs.jobByCapability(capability));
    hold();
    try {
      const answer = await Promise.race([jobs.credentialsFor(capability), sleep(5_000).then(() => 'waited' as const)]);
      assert.notEqual(answer, 'waited', 'the fetch waited for the new session although the cached one is valid for hours');
      assert.ok(answer !== 'waited' && answer.ok, JSON.stringify(answer));
      assert.equal(answer.value.credentials.accessKeyId, first, 'the cached session, at once');
      // Fetches meanwhile share the one issuance under way.
      assert.equal((await jobs.credentialsFor(capability)).ok, true);
    } finally {
      held = undefined;
      letGo();
    }

    const deadline = Date.now() + 10_000;
    while (jobs.issuanceCount() === issued && Date.now() < deadline) await sleep(20);
    assert.equal(jobs.issuanceCount(), issued + 1, 'one session issued in the background');
    const next = await keyOf();
    assert.notEqual(next, first, 'the new session once it is issued');
    assert.equal(await keyOf(), next);
    assert.equal(jobs.issuanceCount(), issued + 1);
  });
});
