/**
 * Review pv, 4: renaming or deleting a user (or group) rewrites what names it: the members of its account's
 * workspaces, the mappings of its clusters, its access entries, and moves the IAM policies on its ARN
 * (src/app/forget-principal.ts, src/app/bindings.ts `moveEntityIamPolicies`). Each of those records was parsed
 * unguarded: one workspace record or one IAM policy record that was not the JSON the server writes (a database restored
 * or edited by hand, a truncated write; read as none, or as granting nothing, everywhere else since reviews pi1, pi8)
 * made every UpdateUser rename and every DeleteUser of the account fail with 500 (InternalFailure) naming nothing, so no
 * one could be removed (an offboarding) until the database was fixed by hand. DESIGN.md: bad input changes nothing,
 * errors name what is wrong; the unreadable record is no workspace (no policy): it is now left as it is, and the
 * readable ones are rewritten as before.
 * Real server restarted on its data dir; SDK v3 IAM; the admin API as the CLI calls it.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, DeleteUserCommand, UpdateUserCommand } from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { restartAfterEdit, stopRestarted } from './support/edited-store.ts';

let first: TestServer;
let server: TestServer;

before(async () => {
  first = await startTestServer({ keepDir: true });
  for (const u of ['pv4-a', 'pv4-b']) await first.iam().send(new CreateUserCommand({ UserName: u }));
  const c = connectionTo(first.url, first.admin);
  for (const ws of ['pv4-ok', 'pv4-broken']) {
    const put = await call(c, 'PUT', ['workspaces', ws], { body: { members: [{ user: 'admin' }, { user: 'pv4-a' }, { user: 'pv4-b' }] } });
    assert.ok(put.ok, JSON.stringify(put));
  }
  server = await restartAfterEdit(first, async (tx) => {
    assert.notEqual(await tx.kv.get('ws/000000000000/pv4-broken'), undefined);
    await tx.kv.put('ws/000000000000/pv4-broken', '{"name":"pv4-broken","members":[{"us');
    await tx.kv.put('iampolicy/arn/arn:aws:s3:::pv4-b', '{"resource":"arn:aws:s3:::pv4-b","bind');
  });
});

after(() => stopRestarted(first, server));

const members = async (): Promise<string[]> => {
  const r = await call<{ members: { user?: string }[] }>(connectionTo(server.url, server.admin), 'GET', ['workspaces', 'pv4-ok']);
  assert.ok(r.ok, JSON.stringify(r));
  return r.value.members.map((m) => m.user ?? '').sort();
};

describe('review pv4: renaming and deleting users beside an unreadable workspace or IAM policy record', () => {
  it('a user is renamed, and the readable workspace names it by its new name', async () => {
    await server.iam().send(new UpdateUserCommand({ UserName: 'pv4-a', NewUserName: 'pv4-renamed' }));
    assert.deepEqual(await members(), ['admin', 'pv4-b', 'pv4-renamed']);
  });

  it('a user is deleted, and the readable workspace loses it', async () => {
    await server.iam().send(new DeleteUserCommand({ UserName: 'pv4-b' }));
    assert.deepEqual(await members(), ['admin', 'pv4-renamed']);
  });
});
