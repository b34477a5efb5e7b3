/**
 * Review ip, 2: a role is one resource whichever dialect spells its ARN ("both dialects are accepted everywhere",
 * DESIGN.md), and passing it is decided on its canonical ARN (review U, ej 5). Its other permissions in the bindings'
 * spelling were decided on the ARN as asked: in an `aws` account, `iam.serviceAccounts.getAccessToken` (or
 * `iam.serviceAccounts.get`) asked by a resource server on `acs:ram::A:role/trainer` looked the bindings up under that
 * spelling, so `roles/iam.serviceAccountTokenCreator` bound on `arn:aws:iam::A:role/trainer` did not apply (refused),
 * and an account binding under `!resource.name.startsWith("arn:aws:iam::A:role/admin")` held for
 * `acs:ram::A:role/admin-role` (allowed, though refused on the role's own ARN). Now every `iam.serviceAccounts.*`
 * permission on a role is decided on its canonical ARN, as actAs is, and who-can reads it so too.
 *
 * Real server, SigV4-signed /v1/authorize and /v1/who-can calls as the admin of the `aws` account.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
let server: TestServer;

before(async () => {
  server = await startTestServer();
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });
  for (const r of ['trainer', 'admin-role']) await server.iam().send(new I.CreateRoleCommand({ RoleName: r, AssumeRolePolicyDocument: trust }));
  for (const u of ['hal', 'ivy']) await server.iam().send(new I.CreateUserCommand({ UserName: u }));
  const role = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', {
    resource: `arn:aws:iam::${A}:role/trainer`,
    bindings: [{ role: 'roles/iam.serviceAccountTokenCreator', members: ['user:hal'] }],
  });
  assert.equal(role.status, 200, JSON.stringify(role.json));
  const account = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', {
    resource: `account/${A}`,
    bindings: [{ role: 'roles/iam.serviceAccountTokenCreator', members: ['user:ivy'], condition: { title: 'not admin', expression: `!resource.name.startsWith("arn:aws:iam::${A}:role/admin")` } }],
  });
  assert.equal(account.status, 200, JSON.stringify(account.json));
});
after(async () => {
  await server?.stop();
});

const decision = async (user: string, action: string, resource: string): Promise<unknown> => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${A}:user/${user}`, action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'];
};

test('a binding on the role grants its permissions however its ARN is spelt', async () => {
  for (const action of ['iam.serviceAccounts.getAccessToken', 'iam.serviceAccounts.get']) {
    for (const resource of [`arn:aws:iam::${A}:role/trainer`, `acs:ram::${A}:role/trainer`, `acs:ram::${A}:role/TRAINER`]) {
      assert.equal(await decision('hal', action, resource), 'Allow', `${action} on ${resource}`);
    }
  }
});

test('a condition on the role\'s canonical ARN decides whichever spelling is asked', async () => {
  for (const resource of [`arn:aws:iam::${A}:role/trainer`, `acs:ram::${A}:role/trainer`]) {
    assert.equal(await decision('ivy', 'iam.serviceAccounts.getAccessToken', resource), 'Allow', resource);
  }
  for (const resource of [`arn:aws:iam::${A}:role/admin-role`, `acs:ram::${A}:role/admin-role`]) {
    assert.notEqual(await decision('ivy', 'iam.serviceAccounts.getAccessToken', resource), 'Allow', resource);
  }
});

test('who-can answers as enforcement does on the other spelling', async () => {
  const names = async (resource: string): Promise<string[]> => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/who-can', { action: 'iam.serviceAccounts.getAccessToken', resource });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['allowed'] as { name: string }[]).map((p) => p.name).filter((n) => n !== 'admin').sort();
  };
  assert.deepEqual(await names(`acs:ram::${A}:role/trainer`), ['hal', 'ivy']);
  assert.deepEqual(await names(`acs:ram::${A}:role/admin-role`), []);
});
