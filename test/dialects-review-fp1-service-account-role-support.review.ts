/**
 * Review fp, 1: seed 004's Pulumi program grants the service account `roles/container.clusterViewer` through
 * `gcp.serviceaccount.IAMMember(service_account_id=…)`, a binding on the service account itself, and says it gives
 * read-only access to the cluster. Written the same way in Gatehouse (an IamPolicy on the role's ARN binding
 * `roles/container.clusterViewer` or `roles/ml.developer`), the policy was stored without a word and granted nothing:
 * a binding on a role's ARN governs only requests about that role (passing it), so the service account still could
 * not get a cluster. GCP refuses such a binding at setIamPolicy ("Role roles/container.clusterViewer is not supported
 * for this resource"), since none of the role's permissions applies to a service account. Now `PUT
 * /v1/iam-policies` and `gatehouse apply` refuse it the same way (BINDINGS_INVALID_ROLE on the binding's role, naming
 * the account binding to write instead), predefined and custom roles alike, and nothing is written; a role with an
 * `iam.serviceAccounts.*` permission (roles/iam.serviceAccountUser, the basic roles) binds there as before, and the
 * example's account binding (shared/examples/gcp) still lets the service account get a cluster.
 * Real server, AWS SDK v3 IAM client, SigV4-signed /v1/ calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const SA_ARN = `arn:aws:iam::${A}:role/my-service-account`;
const SA = `serviceAccount:my-service-account@${A}.iam.gatehouse.dev`;
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });

let server: TestServer;

before(async () => {
  server = await startTestServer();
  await server.iam().send(new I.CreateUserCommand({ UserName: 'dev' }));
  await server.iam().send(new I.CreateRoleCommand({ RoleName: 'my-service-account', Description: 'My Service Account', AssumeRolePolicyDocument: TRUST }));
});
after(async () => {
  await server?.stop();
});

type Detail = { code: string; path: string; message: string };
const put = (resource: string, bindings: unknown[]) => gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource, bindings });
const details = (json: Record<string, unknown>): Detail[] => (json['error'] as { details: Detail[] }).details;
const apply = (documents: unknown[]) => gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents });
const policyDoc = (name: string, resource: string, bindings: unknown[]) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name }, spec: { resource, bindings } });
const getCluster = async (): Promise<string> => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:sts::${A}:assumed-role/my-service-account/job`, action: 'training:GetCluster', resource: `arn:aws:training::${A}:cluster/c1` });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return String(r.json['decision']);
};

test('PUT refuses, on a service account, a role none of whose permissions applies to one (the seed’s IAMMember)', async () => {
  for (const role of ['roles/container.clusterViewer', 'roles/ml.developer']) {
    const r = await put(SA_ARN, [{ role: 'roles/iam.serviceAccountUser', members: ['user:dev'] }, { role, members: [SA] }]);
    assert.equal(r.status, 400, `${role}: ${JSON.stringify(r.json)}`);
    const [d, ...more] = details(r.json);
    assert.deepEqual(more, [], 'the serviceAccountUser binding is not refused');
    assert.equal(d?.code, 'BINDINGS_INVALID_ROLE');
    assert.equal(d?.path, 'bindings[1].role');
    assert.match(d?.message ?? '', new RegExp(`^role \`${role.replace('.', '\\.')}\` is not supported for this resource: \`${SA_ARN}\` is a service account`));
    assert.match(d?.message ?? '', /bind it on what they are about, such as the account \(`account\/000000000000`\)/);
  }
  const stored = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(SA_ARN)}`);
  assert.ok(!JSON.stringify(stored.json).includes('clusterViewer'), `nothing was written: ${JSON.stringify(stored.json)}`);
});

test('a custom role without an iam.serviceAccounts.* permission is refused there too; with one it binds', async () => {
  const customRole = (name: string, permissions: string[]) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'IamRole', metadata: { name }, spec: { title: name, permissions } });
  const refused = await apply([customRole('clusterPeek', ['container.clusters.get']), policyDoc('p', SA_ARN, [{ role: `accounts/${A}/roles/clusterPeek`, members: [SA] }])]);
  assert.equal(refused.status, 400, JSON.stringify(refused.json));
  const d = details(refused.json)[0];
  assert.equal(d?.code, 'BINDINGS_INVALID_ROLE');
  assert.match(d?.path ?? '', /spec\.bindings\[0\]\.role$/);
  assert.match(d?.message ?? '', /is not supported for this resource/);
  const accepted = await apply([customRole('passer', ['iam.serviceAccounts.actAs']), policyDoc('p', SA_ARN, [{ role: `accounts/${A}/roles/passer`, members: ['user:dev'] }])]);
  assert.equal(accepted.status, 200, JSON.stringify(accepted.json));
});

test('roles that can act on a service account bind on it as before; the example’s account binding grants the cluster', async () => {
  for (const role of ['roles/iam.serviceAccountUser', 'roles/iam.serviceAccountTokenCreator', 'roles/viewer', 'roles/editor']) {
    const r = await put(SA_ARN, [{ role, members: ['user:dev'] }]);
    assert.equal(r.status, 200, `${role}: ${JSON.stringify(r.json)}`);
  }
  // Not a service account: a model's policy takes roles/ml.developer, as shared/examples/gcp binds it.
  assert.equal((await put(`arn:aws:training::${A}:model/model_name`, [{ role: 'roles/ml.developer', members: [SA] }])).status, 200);
  assert.equal(await getCluster(), 'ImplicitDeny');
  const r = await apply([policyDoc('iam-member', `account/${A}`, [{ role: 'roles/container.clusterViewer', members: [SA] }])]);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(await getCluster(), 'Allow');
});
