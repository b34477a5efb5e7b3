/**
 * Review nb, 3: a default-role job's session policy was built from the workspace as read before the job's write, so a default bucket changed in between was not the one the job reached.
 *
 * A default-role job's sessions reach its workspace's default bucket (and the submitter's tables) through the session
 * policy stored with the job at submit. That policy was built in a read of its own, from the workspace as the checks
 * had read it, before the write that stores the job. An admin who moved the workspace's default bucket (to stop its
 * jobs reaching the old one) while a job was being submitted saw the change committed, and the job then stored with a
 * session policy granting `s3:*` on the old bucket for its whole life, and none on the new one. Now the session policy
 * is built in the job's own write from the workspace as stored then.
 *
 * A real server (SQLite) and a second App on its store whose next write first changes the workspace through the
 * server's admin API, as another request would land between the submission's read and its write; the stored job read
 * back from the store.
 *
 * Before the fix 1 of 1 tests failed.
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

test('nb3: a default-role job stored after its workspace\'s default bucket changed reaches the new bucket, not the old', async () => {
  const put = (bucket: string) => gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/data', { members: [{ user: 'admin' }], defaultBucket: `arn:aws:s3:::${bucket}` });
  const first = await put('nb3-old-bucket');
  assert.equal(first.status, 200, JSON.stringify(first.json));
  const who = await app.authenticate(server.admin.accessKeyId);
  assert.ok(who.ok, JSON.stringify(who));
  let moved = 0;
  race.beforeNextWrite(async () => {
    moved = (await put('nb3-new-bucket')).status;
  });
  const r = await app.jobs.submit(who.value.caller, { workspace: 'data', role: 'default' });
  assert.equal(moved, 200, 'the default bucket was moved in between');
  assert.ok(r.ok, JSON.stringify(r));
  const stored = await race.store.read((tx) => tx.kv.get(`job/${r.value.job.id}`));
  const policy = String((JSON.parse(stored ?? '{}') as { sessionPolicy?: string }).sessionPolicy);
  assert.match(policy, /nb3-new-bucket/, policy);
  assert.doesNotMatch(policy, /nb3-old-bucket/, policy);
});
