/**
 * Review ai, 3: a custom role deleted and created again under its id kept every binding of the old one, with the
 * new role's permissions. GCP (iam.roles.delete): the bindings of a deleted custom role have no effect, and "if an
 * IAM policy contains a binding to the custom role, the binding is permanently removed" before the id can be
 * used again (it is held for 37 days), so a role created later under that id never inherits them. Gatehouse has no
 * undelete, so deleting an `IamRole` (apply --prune) now removes the bindings naming it from its account's
 * policies in the same transaction (each policy to its next revision; a policy left empty goes). Before, whoever
 * could create a custom role (gatehouse:CreateIamRole) could give any permission to every member the old role was
 * bound to, anywhere in the account, without touching a policy. Real server, SigV4-signed /v1/ calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const MODEL = `arn:aws:training::${A}:model/m3`;
const OTHER = `arn:aws:training::${A}:model/m3-only-custom`;
const ROLE = `accounts/${A}/roles/trainer`;

let server: TestServer;
let carl: Credentials;

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'carl' }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'carl' }));
  carl = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
});
after(async () => {
  await server?.stop();
});

const role = (name: string, permissions: string[]) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'IamRole', metadata: { name }, spec: { permissions } });
const policy = (name: string, resource: string, bindings: unknown[]) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name }, spec: { resource, bindings } });

async function apply(documents: unknown[], prune = false): Promise<void> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents, prune });
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

async function carlMay(action: string, resource: string): Promise<string> {
  const r = await gatehouseJson(server.url, carl, 'POST', '/v1/authorize', { action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'] as string;
}

async function bindingsOf(resource: string): Promise<{ role: string }[]> {
  const r = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['bindings'] as { role: string }[];
}

test('a custom role deleted and created again grants nothing through the bindings of the old one', async () => {
  await apply([
    role('trainer', ['ml.models.get']),
    role('keeper', ['ml.models.list']),
    policy('m3', MODEL, [{ role: ROLE, members: ['user:carl'] }, { role: 'roles/ml.viewer', members: ['user:carl'] }]),
    policy('m3-only-custom', OTHER, [{ role: ROLE, members: ['user:carl'] }]),
  ]);
  assert.equal(await carlMay('ml.models.get', OTHER), 'Allow');
  const before = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(MODEL)}`);

  // Pruned: only `keeper` is left among the account's custom roles.
  await apply([role('keeper', ['ml.models.list'])], true);
  assert.deepEqual((await bindingsOf(MODEL)).map((b) => b.role), ['roles/ml.viewer'], 'the binding of the deleted role went with it');
  assert.deepEqual(await bindingsOf(OTHER), [], 'a policy left without bindings went');
  const after = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(MODEL)}`);
  assert.notEqual(after.json['etag'], before.json['etag'], 'the policy moved to its next revision');
  assert.equal(await carlMay('ml.models.get', OTHER), 'ImplicitDeny');

  // Created again, wider: the old bindings are gone, so it grants carl nothing.
  await apply([role('trainer', ['ml.models.get', 'ml.models.predict', 'ml.models.setIamPolicy'])]);
  assert.equal(await carlMay('ml.models.predict', MODEL), 'ImplicitDeny');
  assert.equal(await carlMay('ml.models.setIamPolicy', OTHER), 'ImplicitDeny');
  assert.equal(await carlMay('ml.models.get', MODEL), 'Allow', 'roles/ml.viewer still applies');
});
