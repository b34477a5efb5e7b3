/**
 * Review pv, 2: review pi6 left a job document that is not the JSON the server writes (`job/<id>`: a database restored
 * or edited by hand, a truncated write) out of the listings and sweeps, and logged it once; every read of that one job
 * still parsed it unguarded: `jobs get`, `jobs stop`, `jobs events` answered 500 naming nothing, and deleting its
 * workspace (which reads the account's live jobs) answered 500 too, so the workspace could not be deleted but by hand.
 * As review pi8 decided for workspace and cluster records (src/app/jobs.ts `readRecord`): such a document reads as
 * none, fails closed (no credentials, its sessions refused), and the root account's principals are told which record
 * it is and what to do. DESIGN.md "Errors": clear, naming what is wrong and where.
 * Real server restarted on its data dir, the admin API as the CLI calls it.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { restartAfterEdit, stopRestarted } from './support/edited-store.ts';

let first: TestServer;
let server: TestServer;
let conn: Connection;
let broken = '';

before(async () => {
  first = await startTestServer({ keepDir: true });
  const c = connectionTo(first.url, first.admin);
  const put = await call(c, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } });
  assert.ok(put.ok, JSON.stringify(put));
  const r = await call<{ job: { id: string } }>(c, 'POST', ['jobs'], { body: { workspace: 'w', role: 'none', imds: false } });
  assert.ok(r.ok, JSON.stringify(r));
  broken = r.value.job.id;
  server = await restartAfterEdit(first, async (tx) => {
    assert.notEqual(await tx.kv.get(`job/${broken}`), undefined);
    await tx.kv.put(`job/${broken}`, '{"id":"');
  });
  conn = connectionTo(server.url, server.admin);
});

after(() => stopRestarted(first, server));

const refusedNamingIt = (r: unknown): void => {
  const s = JSON.stringify(r);
  assert.ok(!(r as { ok: boolean }).ok, s);
  assert.equal((r as { httpStatus: number }).httpStatus, 404, s);
  assert.doesNotMatch(s, /Unterminated/, s);
  assert.match(s, new RegExp(`job/${broken}`), s);
};

describe('review pv2: one job whose document cannot be read', () => {
  it('jobs get answers it is no job, naming the record, not 500', async () => {
    refusedNamingIt(await call(conn, 'GET', ['jobs', broken]));
  });

  it('jobs stop and jobs events answer the same', async () => {
    refusedNamingIt(await call(conn, 'POST', ['jobs', broken, 'stop'], { body: {} }));
    refusedNamingIt(await call(conn, 'GET', ['jobs', broken, 'events']));
  });

  it('its workspace can be deleted (the job is no live job: it is issued nothing)', async () => {
    const r = await call(conn, 'DELETE', ['workspaces', 'w']);
    assert.ok(r.ok, JSON.stringify(r));
  });
});
