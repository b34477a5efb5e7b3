/**
 * Review ip, 1: who-can lists in `grantedBeyond` the bindings granting a permission to principals it does not
 * enumerate (`principal://` federated subjects…), and read them on the resource as asked. Passing a role is decided on
 * the role's canonical ARN, in its account's dialect, whichever spelling the question uses (review U, ej 5; authorize
 * `decideOnRoleAsked`). So in an `aws` account, `iam:PassRole` asked on `acs:ram::A:role/admin-role` listed a
 * federated subject that an account-level binding grants only under `!resource.name.startsWith("arn:aws:iam::A:role/admin")`
 * (the condition read the `acs:` spelling and held), though enforcement refuses it; and it did not list the subject a
 * binding on the role `arn:aws:iam::A:role/trainer` itself names (the policy was looked up under the `acs:` spelling),
 * though enforcement grants it. Now grantedBeyond reads the role's canonical ARN, as enforcement decides, and both
 * spellings give one answer.
 *
 * Real server, SigV4-signed /v1/ calls as the admin of the `aws` account.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
let server: TestServer;
let subject: (sub: string) => string;

before(async () => {
  server = await startTestServer();
  subject = (sub) => `principal://iam.gatehouse.dev/accounts/${A}/oidc-providers/${server.url.replace(/^https?:\/\//, '')}/subject/${sub}`;
  // The provider a principal:// member names must exist (review dp, 1): the server is its own issuer.
  await server.iam().send(new I.CreateOpenIDConnectProviderCommand({ Url: server.url, ClientIDList: ['sts.amazonaws.com'] }));
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });
  for (const r of ['trainer', 'admin-role']) await server.iam().send(new I.CreateRoleCommand({ RoleName: r, AssumeRolePolicyDocument: trust }));
  const account = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', {
    resource: `account/${A}`,
    bindings: [{ role: 'roles/iam.serviceAccountUser', members: [subject('every-but-admin')], condition: { title: 'not admin', expression: `!resource.name.startsWith("arn:aws:iam::${A}:role/admin")` } }],
  });
  assert.equal(account.status, 200, JSON.stringify(account.json));
  const role = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', {
    resource: `arn:aws:iam::${A}:role/trainer`,
    bindings: [{ role: 'roles/iam.serviceAccountUser', members: [subject('trainer-only')] }],
  });
  assert.equal(role.status, 200, JSON.stringify(role.json));
});
after(async () => {
  await server?.stop();
});

const beyond = async (action: string, resource: string): Promise<string[]> => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/who-can', { action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return (r.json['grantedBeyond'] as { member: string }[]).map((g) => g.member).sort();
};

test('a role asked in the other dialect lists no subject a condition on its canonical ARN refuses', async () => {
  assert.deepEqual(await beyond('iam:PassRole', `arn:aws:iam::${A}:role/admin-role`), []);
  for (const action of ['iam:PassRole', 'ram:PassRole', 'iam.serviceAccounts.actAs']) {
    assert.deepEqual(await beyond(action, `acs:ram::${A}:role/admin-role`), [], `${action} on the acs: spelling`);
  }
});

test('a role asked in the other dialect lists the subjects the binding on the role names', async () => {
  const expected = [subject('every-but-admin'), subject('trainer-only')].sort();
  assert.deepEqual(await beyond('iam:PassRole', `arn:aws:iam::${A}:role/trainer`), expected);
  assert.deepEqual(await beyond('ram:PassRole', `acs:ram::${A}:role/trainer`), expected);
  assert.deepEqual(await beyond('iam.serviceAccounts.actAs', `acs:ram::${A}:role/TRAINER`), expected, 'a role name in any case is the role');
});
