/**
 * Review po, 4: the IAM policy (bindings) on a user's or group's own ARN stayed on the old ARN when the user or group
 * was renamed (`UpdateUser`/`UpdateGroup` with a new name or path), and went to whoever was next created under the old
 * name: `iam-policy get` of the new `bob` showed the old bob's bindings, and the authorize API answered by them.
 *
 * Contract: docs/decisions.md, "A user renamed is followed by what named it" (review K2): in AWS policies hold the
 * entity's unique id, "so the grants stay with the renamed user, and a user created under the old name gets none";
 * the policy on the entity's own ARN is removed when it is deleted (forgetMember, as GCP deletes a service account's
 * allow policy with it; review jg2's test) so that an entity created again under the name does not get it.
 *
 * What is now so: the rename moves the policy to the entity's new ARN (its dialect, the new path) in the same
 * transaction; the old ARN holds none, and a user or group created under the old name starts without it.
 *
 * Real server (SQLite), SDK v3 IAM client, SigV4-signed `/v1/` calls. Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { storeIamPolicy } from './support/stored-iam-policy.ts';

let s: TestServer;
let A: string;

before(async () => {
  s = await startTestServer();
  A = s.adminFile.AccountId;
  await s.iam().send(new I.CreateUserCommand({ UserName: 'alice' }));
});

after(async () => {
  await s?.stop();
});

const bindingsOn = async (resource: string): Promise<[number, unknown]> => {
  const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`);
  return [r.status, r.json['bindings']];
};
// Stored as before review rj, 1, which refuses any role on a user's or group's ARN: a policy stored there still moves.
const put = async (resource: string): Promise<void> => storeIamPolicy(s, A, resource, GRANT);
const decision = async (resource: string): Promise<unknown> =>
  (await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${A}:user/alice`, action: 'resourcemanager.accounts.get', resource })).json['decision'];

const GRANT = [{ role: 'roles/viewer', members: ['user:alice'] }];

describe('po 4: a renamed user or group takes the policy on its own ARN along', () => {
  it('a user renamed (name and path): the policy is on its new ARN, and a new user under the old name has none', async () => {
    await s.iam().send(new I.CreateUserCommand({ UserName: 'bob', Path: '/team/' }));
    const old = `arn:aws:iam::${A}:user/team/bob`;
    await put(old);
    assert.equal(await decision(old), 'Allow');
    await s.iam().send(new I.UpdateUserCommand({ UserName: 'bob', NewUserName: 'robert', NewPath: '/ops/' }));
    assert.deepEqual(await bindingsOn(`arn:aws:iam::${A}:user/ops/robert`), [200, GRANT]);
    await s.iam().send(new I.CreateUserCommand({ UserName: 'bob', Path: '/team/' }));
    assert.deepEqual(await bindingsOn(old), [200, []], 'the new bob starts without the old one’s policy');
    assert.notEqual(await decision(old), 'Allow');
  });

  it('a group renamed: the policy is on its new ARN, and a new group under the old name has none', async () => {
    await s.iam().send(new I.CreateGroupCommand({ GroupName: 'readers' }));
    const old = `arn:aws:iam::${A}:group/readers`;
    await put(old);
    await s.iam().send(new I.UpdateGroupCommand({ GroupName: 'readers', NewGroupName: 'viewers', NewPath: '/x/' }));
    assert.deepEqual(await bindingsOn(`arn:aws:iam::${A}:group/x/viewers`), [200, GRANT]);
    await s.iam().send(new I.CreateGroupCommand({ GroupName: 'readers' }));
    assert.deepEqual(await bindingsOn(old), [200, []]);
    assert.notEqual(await decision(old), 'Allow');
  });
});
