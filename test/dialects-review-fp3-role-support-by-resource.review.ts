/**
 * Review fp, 3: as on a service account (review fp, 1), an IAM policy on a bucket, a model, a training job or a cluster
 * took any role, though a binding there governs only requests about that resource: `roles/container.clusterViewer`
 * on the model `model_name` of the GCP example (seed 004 grants it to the service account beside the model's
 * `roles/ml.developer`), or `roles/ml.developer` on a bucket, was stored and granted nothing, silently. GCP refuses
 * such a binding ("Role … is not supported for this resource"). Now `PUT /v1/iam-policies` and `gatehouse apply` refuse
 * a role none of whose permissions is of the resource's family (storage.* for a bucket or object, ml.models.* or
 * ml.versions.* for a model, ml.jobs.* for a job, container.* for a cluster), BINDINGS_INVALID_ROLE on the binding's
 * role; basic roles, matching roles and ARNs of other kinds (workspaces, tables) bind as before.
 * Real server, SigV4-signed /v1/ calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const SA = 'user:admin';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  // A policy attaches to a training cluster only while it exists (review is, 3).
  const made = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'gpu-a' }, spec: {} }] });
  assert.equal(made.status, 200, JSON.stringify(made.json));
});
after(async () => {
  await server?.stop();
});

type Detail = { code: string; path: string; message: string };
const put = (resource: string, role: string) => gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource, bindings: [{ role, members: ['user:admin'] }] });

test('a role of another family is refused on a bucket, a model, a job and a cluster', async () => {
  const cases: [string, string, RegExp][] = [
    [`arn:aws:training::${A}:model/model_name`, 'roles/container.clusterViewer', /is a model, .* need a ml\.models\.\* or ml\.versions\.\* permission/],
    ['arn:aws:s3:::ml-data', 'roles/ml.developer', /is a bucket \(or objects in one\), .* need a storage\.\* permission/],
    ['acs:oss:*:*:pai-data/train', 'roles/ml.viewer', /is a bucket/],
    [`arn:aws:training::${A}:job/abc123`, 'roles/storage.objectViewer', /is a training job, .* need a ml\.jobs\.\* permission/],
    [`arn:aws:training::${A}:cluster/gpu-a`, 'roles/ml.developer', /is a cluster, .* need a container\.\* permission/],
    [`arn:aws:eks:us-east-1:${A}:cluster/hyperpod`, 'roles/storage.admin', /is a cluster/],
  ];
  for (const [resource, role, message] of cases) {
    const r = await put(resource, role);
    assert.equal(r.status, 400, `${resource} ${role}: ${JSON.stringify(r.json)}`);
    const d = (r.json['error'] as { details: Detail[] }).details[0];
    assert.equal(d?.code, 'BINDINGS_INVALID_ROLE', resource);
    assert.equal(d?.path, 'bindings[0].role', resource);
    assert.match(d?.message ?? '', new RegExp(`^role \`${role.replace('.', '\\.')}\` is not supported for this resource: `), resource);
    assert.match(d?.message ?? '', message, resource);
  }
  const list = await gatehouseJson(server.url, server.admin, 'GET', '/v1/iam-policies');
  assert.deepEqual(list.json['iamPolicies'], [], 'nothing was written');
});

test('apply refuses it on the binding’s role too', async () => {
  const doc = { apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'model-iam-policy' }, spec: { resource: `arn:aws:training::${A}:model/model_name`, bindings: [{ role: 'roles/ml.developer', members: [SA] }, { role: 'roles/container.clusterViewer', members: [SA] }] } };
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc] });
  assert.equal(r.status, 400, JSON.stringify(r.json));
  const details = (r.json['error'] as { details: Detail[] }).details;
  assert.deepEqual(details.map((d) => [d.code, d.path.replace(/^.*spec\./, 'spec.')]), [['BINDINGS_INVALID_ROLE', 'spec.bindings[1].role']]);
});

test('matching roles, basic roles and other ARNs bind as before', async () => {
  const fine: [string, string][] = [
    [`arn:aws:training::${A}:model/model_name`, 'roles/ml.developer'],
    ['arn:aws:s3:::ml-data', 'roles/storage.objectViewer'],
    ['acs:oss:*:*:pai-data', 'roles/storage.objectAdmin'],
    [`arn:aws:training::${A}:job/abc123`, 'roles/ml.viewer'],
    [`arn:aws:training::${A}:cluster/gpu-a`, 'roles/container.clusterViewer'],
    [`arn:aws:training::${A}:cluster/gpu-a`, 'roles/viewer'],
    ['arn:aws:s3:::other-data', 'roles/owner'],
    [`acs:odps:cn-hangzhou:${A}:projects/tables`, 'roles/ml.viewer'],
  ];
  for (const [resource, role] of fine) {
    const r = await put(resource, role);
    assert.equal(r.status, 200, `${resource} ${role}: ${JSON.stringify(r.json)}`);
  }
});
