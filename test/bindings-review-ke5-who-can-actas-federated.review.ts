/**
 * Review ke, 5: who-can of `iam:PassRole` on a role listed in `grantedBeyond` every `principal://` federated subject a
 * binding of `roles/iam.serviceAccountUser` names, another account's OIDC provider's subjects included. Such a subject
 * is only ever a session of a role of that other account (a trust policy names a provider of its own account), and a
 * role is passed only by principals of its own account: the bindings engine answers no opinion for them (docs/decisions.md,
 * "Passing a role"), so the auditor was told of principals that can never pass the role. Now only subjects of the role's
 * own account's providers are listed for it; for other permissions, every subject still is.
 * Real server, SigV4-signed /v1/ calls, AWS SDK v3 IAM client. Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const B = '222233334444';
const ROLE = `arn:aws:iam::${A}:role/worker`;
let server: TestServer;
let ours: string;
let theirs: string;

before(async () => {
  server = await startTestServer();
  const host = server.url.replace(/^https?:\/\//, '');
  ours = `principal://iam.gatehouse.dev/accounts/${A}/oidc-providers/${host}/subject/ci`;
  theirs = `principal://iam.gatehouse.dev/accounts/${B}/oidc-providers/${host}/subject/ci`;
  const b = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: B, partition: 'aws' });
  assert.equal(b.status, 201, JSON.stringify(b.json));
  const adminB = { accessKeyId: String(b.json['AccessKeyId']), secretAccessKey: String(b.json['SecretAccessKey']) };
  await server.iam().send(new I.CreateOpenIDConnectProviderCommand({ Url: server.url, ClientIDList: ['sts.amazonaws.com'] }));
  await server.iam(adminB).send(new I.CreateOpenIDConnectProviderCommand({ Url: server.url, ClientIDList: ['sts.amazonaws.com'] }));
  await server.iam().send(new I.CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] }) }));
  const r = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: ROLE, bindings: [{ role: 'roles/iam.serviceAccountUser', members: [ours, theirs] }] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
});
after(async () => {
  await server?.stop();
});

const beyond = async (action: string): Promise<unknown> => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/who-can', { action, resource: ROLE });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['grantedBeyond'];
};

test('passing the role: only the subjects of the role’s own account’s provider are listed', async () => {
  assert.deepEqual(await beyond('iam:PassRole'), [{ member: ours, policy: ROLE, index: 0, role: 'roles/iam.serviceAccountUser', conditional: false, conditions: [] }]);
});

test('reading the role: both subjects are listed, as before', async () => {
  assert.deepEqual(await beyond('iam.serviceAccounts.get'), [
    { member: ours, policy: ROLE, index: 0, role: 'roles/iam.serviceAccountUser', conditional: false, conditions: [] },
    { member: theirs, policy: ROLE, index: 0, role: 'roles/iam.serviceAccountUser', conditional: false, conditions: [] },
  ]);
});
