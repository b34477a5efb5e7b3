/**
 * Review am, finding 1: `gatehouse apply` refuses a Workspace whose members name a user or group that does not exist
 * (review ak, 5: a user created later under that name would become a member, its jobs given the workspace's default
 * role), but `PUT /v1/workspaces/{name}` (what `gatehouse workspaces put` sends) stored such members. Now it refuses them
 * by the same rule (`missingWorkspaceMembers`, src/app/jobs.ts): 404 NoSuchEntity naming `members[i].user` or
 * `members[i].group` and saying to create it first, nothing stored; asked when the workspace is new or its members
 * change. Real server (SQLite), the admin API as the CLI signs it, and the CLI.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
const put = (name: string, body: object) => gatehouseJson(s.url, s.admin, 'PUT', `/v1/workspaces/${name}`, body);
const get = (name: string) => gatehouseJson(s.url, s.admin, 'GET', `/v1/workspaces/${name}`);
const details = (json: Record<string, unknown>) => ((json['error'] as { details?: { path: string }[] } | undefined)?.details ?? []).map((d) => d.path);

before(async () => {
  s = await startTestServer();
  await s.iam().send(new I.CreateUserCommand({ UserName: 'alice' }));
  await s.iam().send(new I.CreateGroupCommand({ GroupName: 'trainers' }));
});
after(async () => {
  await s?.stop();
});

describe('review am1: PUT /v1/workspaces/{name} refuses members naming no user or group', () => {
  test('a user that does not exist: 404 NoSuchEntity at members[1].user, nothing stored', async () => {
    const r = await put('w1', { members: [{ user: 'alice' }, { user: 'ghost' }] });
    assert.equal(r.status, 404, JSON.stringify(r.json));
    const e = r.json['error'] as { code: string; message: string };
    assert.equal(e.code, 'NoSuchEntity', JSON.stringify(r.json));
    assert.deepEqual(details(r.json), ['members[1].user']);
    assert.equal(e.message, 'user `ghost` does not exist in account 000000000000; create it first: a user created later under the name would get what it is given here');
    assert.equal((await get('w1')).status, 404, 'the refused workspace was stored');
  });

  test('a group that does not exist: 404 at members[0].group', async () => {
    const r = await put('w2', { members: [{ group: 'phantoms' }, { group: 'trainers' }] });
    assert.equal(r.status, 404, JSON.stringify(r.json));
    assert.deepEqual(details(r.json), ['members[0].group']);
    assert.match(JSON.stringify(r.json), /group `phantoms` does not exist in account 000000000000; create it first/);
    assert.equal((await get('w2')).status, 404, 'the refused workspace was stored');
  });

  test('existing members (any case) are stored; changing them to a missing one is refused and keeps the old', async () => {
    const r = await put('w3', { members: [{ user: 'ALICE' }, { group: 'trainers' }, { user: 'admin' }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const changed = await put('w3', { members: [{ user: 'alice' }, { user: 'later' }] });
    assert.equal(changed.status, 404, JSON.stringify(changed.json));
    assert.deepEqual(details(changed.json), ['members[1].user']);
    assert.deepEqual((await get('w3')).json['members'], [{ user: 'ALICE' }, { group: 'trainers' }, { user: 'admin' }]);
    // Created first, the name is taken.
    await s.iam().send(new I.CreateUserCommand({ UserName: 'later' }));
    assert.equal((await put('w3', { members: [{ user: 'alice' }, { user: 'later' }] })).status, 200);
  });

  test('a workspace stored before the rule, its members unchanged, can still be written (as apply, only changed members are asked)', async () => {
    await s.running.app.deps.store.write((tx) => tx.kv.put('ws/000000000000/legacy', JSON.stringify({ account: '000000000000', name: 'legacy', members: [{ user: 'gone' }] })));
    const r = await put('legacy', { members: [{ user: 'GONE' }], defaultTableProject: 'p1' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal((await put('legacy', { members: [{ user: 'gone' }, { user: 'alice' }] })).status, 404, 'changed members are asked');
  });

  test('gatehouse workspaces put says which member and what to do, and stores nothing', async () => {
    const r = await cliAgainst(s, ['workspaces', 'put', 'w4', '--member', 'user:alice', '--member', 'group:nobody']);
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.err, /group `nobody` does not exist in account 000000000000; create it first/);
    assert.match(r.err, /members\[1\]\.group/);
    assert.equal((await get('w4')).status, 404, 'the refused workspace was stored');
    const ok = await cliAgainst(s, ['workspaces', 'put', 'w4', '--member', 'user:alice', '--member', 'group:trainers']);
    assert.equal(ok.status, 0, ok.err);
  });
});
