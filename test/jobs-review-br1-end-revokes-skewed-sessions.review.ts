/**
 * Review br, 1 (found by review bq): a job's end revokes its sessions whichever instance issued them, whatever that
 * instance's clock. The end wrote a revocation entry at the ending instance's now, which refuses the sessions stamped
 * at or before it; an instance whose clock ran 30 s ahead stamped the sessions it issued in the job's last 30 s after
 * that instant, and they kept working until they expired — the one thing a job's end must stop. Now the end revokes up
 * to the clock skew allowed ahead (15 min): an ended job is given no session again, so only its own are refused.
 *
 * Instances here are Apps on the test server's SQLite store (as instances on one PostgreSQL, or workers on one file),
 * each with its own clock.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '../src/app/index.ts';
import type { Store } from '../src/app/ports/store.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { instanceBeside } from './support/instances.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
const stores: Store[] = [];

async function instance(offsetMs: number): Promise<App> {
  const { app, store } = await instanceBeside(server, { now: () => Date.now() + offsetMs });
  stores.push(store);
  return app;
}

before(async () => {
  server = await startTestServer();
  assert.ok((await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] })).status < 300);
});
after(async () => {
  for (const s of stores) await s.close().catch(() => {});
  await server?.stop();
});

describe('a job’s end revokes the sessions another instance issued it, that instance’s clock ahead (review br, 1)', () => {
  it('B, 30 s ahead of A, served the job a session just before A ended it: refused on A and on B afterwards', async () => {
    const a = await instance(0);
    const b = await instance(30_000);
    const sub = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'default', imds: false });
    assert.equal(sub.status, 201, JSON.stringify(sub.json));
    const { capability } = sub.json as { capability: string };
    assert.ok((await a.jobs.heartbeat((sub.json as { job: { id: string } }).job.id)).ok);
    const served = await b.jobs.credentialsFor(capability);
    assert.ok(served.ok, JSON.stringify(served));
    const claims = served.value.claims;
    assert.equal((await b.sts.callerOfClaims(claims)).ok, true, 'the session works while the job runs');

    const end = await a.jobs.endJob(capability, 0);
    assert.ok(end.ok && end.value.state === 'Succeeded', JSON.stringify(end));
    assert.equal(a.live.isRevoked(claims), true, 'A, where the job ended, still takes the session B issued it');
    await b.refresh();
    assert.equal(b.live.isRevoked(claims), true, 'B, which issued it, still takes it');
    const refused = await b.sts.callerOfClaims(claims);
    assert.ok(!refused.ok && refused.errors[0]?.code === 'EXPIRED_TOKEN', JSON.stringify(refused));
  });
});
