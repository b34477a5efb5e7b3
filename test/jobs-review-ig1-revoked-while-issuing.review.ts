/**
 * Review ig, finding 1: a job's sessions revoked (`sts revoke-sessions --job`, its role's sessions) while a session of
 * it was being issued: the fetches waiting on that issuance were handed the session it issued, which the revocation
 * had already cut off (issued at or before its instant), and the rank's SDK failed with ExpiredToken; only the next
 * fetch got a working one. A session revoked by the time it is handed out is not served: it is issued again (once).
 *
 * One App on the test server's SQLite store, with its own clock; the issuance's write of its `credentials-issued`
 * event (made once the session is issued, before the fetch is answered) is held until the test lets it go.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Abort, Store, WriteTx } from '../src/app/ports/store.ts';
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

describe('a job whose sessions are revoked while one is being issued (review ig, 1)', () => {
  it('is not handed the session issued before the revocation', async () => {
    let clock = Date.now();
    // While armed, the issuance's write (of its event, called from jobs.ts `issueFor`) is held; other writes (the
    // revocation's, an audit flush) are not.
    let armed = false;
    let reached = (): void => {};
    const atWrite = new Promise<void>((resolve) => (reached = resolve));
    let letGo = (): void => {};
    const held = new Promise<void>((resolve) => (letGo = resolve));
    const gated = (raw: Store): Store =>
      Object.assign(Object.create(raw) as Store, {
        write: async <T>(fn: (tx: WriteTx, abort: Abort<T>) => Promise<T>): Promise<T> => {
          if (armed && (new Error().stack ?? '').includes('issueFor')) {
            armed = false;
            reached();
            await held;
          }
          return raw.write(fn);
        },
      });
    const made = await instanceBeside(server, { now: () => clock, wrap: gated });
    store = made.store;
    const jobs = made.app.jobs;
    const sub = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'default', imds: false });
    assert.equal(sub.status, 201, JSON.stringify(sub.json));
    const { capability, job } = sub.json as { capability: string; job: { id: string } };
    // The job as this instance reads it now, so the fetch below starts issuing at once.
    assert.ok(await jobs.jobByCapability(capability));

    armed = true;
    const fetch = jobs.credentialsFor(capability);
    try {
      await Promise.race([atWrite, sleep(10_000).then(() => assert.fail('the issuance made no write'))]);
      // The session is issued (at `clock`) and not yet handed out: its job's sessions are revoked now.
      await made.app.live.revoke('job', job.id, clock);
      clock += 1000;
    } finally {
      armed = false;
      letGo();
    }
    const answer = await Promise.race([fetch, sleep(10_000).then(() => 'waited' as const)]);
    assert.notEqual(answer, 'waited');
    assert.ok(answer !== 'waited' && answer.ok, JSON.stringify(answer));
    assert.equal(made.app.live.isRevoked(answer.value.claims), false, `handed a session revoked before it was served (${answer.value.credentials.accessKeyId})`);
    // The next fetch is served the same good session from the cache.
    const again = await jobs.credentialsFor(capability);
    assert.ok(again.ok, JSON.stringify(again));
    assert.equal(again.value.credentials.accessKeyId, answer.value.credentials.accessKeyId);
  });
});
