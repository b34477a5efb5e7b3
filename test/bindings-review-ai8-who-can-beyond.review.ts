/**
 * Review ai, 8: who-can, the auditor's "who can reach this resource", listed the account's users and roles that a
 * binding allowed, and nothing of a binding to `allUsers` (anyone, unauthenticated too), `allAuthenticatedUsers`
 * (every account's principals) or another account's `serviceAccount:`: a model open to the world read as open to
 * the account's principals. Those bindings are now listed in `grantedBeyond` (member, policy, binding, role) and
 * named in the note; a condition that does not hold now, or a role without the permission, lists nothing; an asker of
 * another account sees none of them (review I3). Real server, SigV4-signed /v1/ calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const B = '222233334444';
const MODEL = `arn:aws:training::${A}:model/m8`;
let server: TestServer;
let adminB: Credentials;

before(async () => {
  server = await startTestServer();
  await server.iam().send(new I.CreateUserCommand({ UserName: 'hal' }));
  const b = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: B, partition: 'aws' });
  assert.equal(b.status, 201, JSON.stringify(b.json));
  adminB = { accessKeyId: String(b.json['AccessKeyId']), secretAccessKey: String(b.json['SecretAccessKey']) };
  // The provider the principal:// member names is registered (review dp, 1): the server is its own issuer.
  await server.iam().send(new I.CreateOpenIDConnectProviderCommand({ Url: server.url, ClientIDList: ['sts.amazonaws.com'] }));
  await server.iam(adminB).send(new I.CreateRoleCommand({ RoleName: 'partner', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] }) }));
  const r = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', {
    resource: MODEL,
    bindings: [
      { role: 'roles/ml.viewer', members: ['allUsers', 'user:hal'] },
      { role: 'roles/ml.developer', members: [`principal://iam.gatehouse.dev/accounts/000000000000/oidc-providers/${server.url.replace(/^https?:\/\//, '')}/subject/old`], condition: { title: 'expired', expression: 'request.time < timestamp("2001-01-01T00:00:00Z")' } },
      { role: 'roles/ml.developer', members: [`serviceAccount:partner@${B}.iam.gatehouse.dev`] },
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
});
after(async () => {
  await server?.stop();
});

const whoCan = async (action: string, asker: Credentials = server.admin): Promise<Record<string, unknown>> => {
  const r = await gatehouseJson(server.url, asker, 'POST', '/v1/who-can', { action, resource: MODEL });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
};

test('a binding to allUsers is part of who can reach the model', async () => {
  const a = await whoCan('training:GetModel');
  assert.deepEqual(a['grantedBeyond'], [
    { member: 'allUsers', policy: MODEL, index: 0, role: 'roles/ml.viewer', conditional: false, conditions: [] },
    { member: `serviceAccount:partner@${B}.iam.gatehouse.dev`, policy: MODEL, index: 2, role: 'roles/ml.developer', conditional: false, conditions: [] },
  ]);
  assert.match(a['note'] as string, /anyone, unauthenticated too \(allUsers\)/);
  // The account's own principals are listed as before.
  assert.ok((a['allowed'] as { name: string }[]).some((p) => p.name === 'hal'));
});

test('another account\'s service account is listed; a condition false now lists nothing', async () => {
  const a = await whoCan('ml.models.predict');
  assert.deepEqual(a['grantedBeyond'], [{ member: `serviceAccount:partner@${B}.iam.gatehouse.dev`, policy: MODEL, index: 2, role: 'roles/ml.developer', conditional: false, conditions: [] }], 'the subject `old` holds it only under a condition false now (GCP takes no condition on allAuthenticatedUsers)');
  assert.match(a['note'] as string, /principals of other accounts or federated subjects: see grantedBeyond/);
  const none = await whoCan('training:UpdateModel');
  assert.deepEqual(none['grantedBeyond'], [], 'no role bound here holds ml.models.update');
  assert.doesNotMatch(none['note'] as string, /grantedBeyond/);
});

test('another account asking sees none of this account\'s bindings', async () => {
  const a = await whoCan('training:GetModel', adminB);
  assert.deepEqual(a['grantedBeyond'], []);
});

test('gatehouse who-can prints each binding the note names (stop 27)', async () => {
  const r = await cliAgainst(server, ['who-can', '--action', 'ml.models.predict', '--resource', MODEL]);
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /also granted by bindings to principals not listed above:/);
  assert.match(r.out, new RegExp(`serviceAccount:partner@${B}\\.iam\\.gatehouse\\.dev +roles/ml\\.developer +bindings\\[2\\] of the policy on ${MODEL.replace(/[.:/]/g, (c) => `\\${c}`)}`));
  const none = await cliAgainst(server, ['who-can', '--action', 'training:UpdateModel', '--resource', MODEL]);
  assert.doesNotMatch(none.out, /also granted by bindings/);
});
