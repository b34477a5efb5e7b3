/**
 * Review nb, 1: a submission's checks (the workspace exists, the submitter is a member) ran in one read and the job was stored by a later write, so a workspace deleted, or the submitter removed from it, in between still got the job.
 *
 * `POST /v1/jobs` read the workspace and the submitter's membership in one transaction and stored the job in another,
 * with nothing asked again there. A `DELETE /v1/workspaces/{name}` committed between the two found no live job (none was
 * stored yet: review hb, 1 refuses deleting a workspace with live jobs) and deleted it; the job was then stored live in
 * a workspace that no longer existed, which hb1 says cannot be, and which a workspace made again under the name finds
 * as its own. A member removed in between (`PUT /v1/workspaces/{name}` without them) got the job too. Now the job's own
 * write reads the workspace and the membership again, and refuses as the checks do (NoSuchEntity "workspace … does not
 * exist", AccessDenied "check permission for sub user failed: … is not a member of workspace …"), nothing stored.
 *
 * A real server (SQLite) and a second App on its store whose next write first makes the change through the server's
 * admin API, as another request would land between the submission's read and its write.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '../src/app/index.ts';
import { racingWrite, type RacingWrite } from './support/racing-write.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let race: RacingWrite;
let app: App;

before(async () => {
  server = await startTestServer();
  race = await racingWrite(server);
  app = race.app;
});
after(async () => {
  await server?.stop();
});

async function adminCaller() {
  const who = await app.authenticate(server.admin.accessKeyId);
  assert.ok(who.ok, JSON.stringify(who));
  return who.value.caller;
}

async function putWorkspace(name: string, members: object[]): Promise<void> {
  const r = await gatehouseJson(server.url, server.admin, 'PUT', `/v1/workspaces/${name}`, { members });
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

async function jobsOf(workspace: string): Promise<unknown[]> {
  const r = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs?workspace=${workspace}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['jobs'] as unknown[];
}

test('nb1: a workspace deleted between the checks and the write gets no job', async () => {
  await putWorkspace('gone', [{ user: 'admin' }]);
  const caller = await adminCaller();
  let deleted = 0;
  race.beforeNextWrite(async () => {
    deleted = (await gatehouseJson(server.url, server.admin, 'DELETE', '/v1/workspaces/gone')).status;
  });
  const r = await app.jobs.submit(caller, { workspace: 'gone', role: 'none' });
  assert.equal(deleted, 204, 'the workspace was deleted in between');
  assert.equal(r.ok, false, `a job was stored in the deleted workspace: ${JSON.stringify(r)}`);
  if (!r.ok) {
    assert.equal(r.errors[0]?.code, 'NO_SUCH_ENTITY', JSON.stringify(r.errors));
    assert.match(r.errors[0]?.message ?? '', /check permission for sub user failed: workspace gone does not exist/);
  }
  assert.deepEqual(await jobsOf('gone'), []);
});

test('nb1: a submitter removed from the workspace between the checks and the write gets no job', async () => {
  await putWorkspace('team', [{ user: 'admin' }]);
  const caller = await adminCaller();
  let put = 0;
  race.beforeNextWrite(async () => {
    put = (await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/team', { members: [] })).status;
  });
  const r = await app.jobs.submit(caller, { workspace: 'team', role: 'none' });
  assert.equal(put, 200, 'the member was removed in between');
  assert.equal(r.ok, false, `a job was stored for a submitter no longer a member: ${JSON.stringify(r)}`);
  if (!r.ok) {
    assert.equal(r.errors[0]?.code, 'ACCESS_DENIED', JSON.stringify(r.errors));
    assert.match(r.errors[0]?.message ?? '', /check permission for sub user failed: .* is not a member of workspace team/);
  }
  assert.deepEqual(await jobsOf('team'), []);
});
