/**
 * Review fv, 3: `gatehouse apply --prune` deleting a Cluster left the IAM policy on its ARN, and a cluster created again
 * under the name inherited its bindings: `roles/container.clusterViewer` (or `container.developer`, with
 * `container.clusters.getCredentials`) bound to a user on the old cluster held on the new one. Review ak, 2 made a
 * cluster take everything applied to it along (RBAC objects, access entries, webhook token), as deleting a workspace takes
 * its IAM policies (review B6) and GCP deletes a resource's allow policy with it; the IAM policy was left out. Now the
 * policies on the cluster's ARN (and under it) go in the same transaction, and an IamPolicy document on a cluster the
 * same prune deletes is refused at its `spec.resource`, as one on a pruned workspace is (review fr, 2).
 * Real server, SigV4-signed `/v1/` requests, AWS SDK v3 IAM client. Before the fix both tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const ALICE = `arn:aws:iam::${ROOT}:user/alice`;
const arnOf = (name: string): string => `arn:aws:training::${ROOT}:cluster/${name}`;
const cluster = (name: string) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name }, spec: {} });
const viewers = [{ role: 'roles/container.clusterViewer', members: ['user:alice'] }];

describe('a pruned cluster takes the IAM policy on its ARN along', () => {
  let server: TestServer;
  const v1 = (method: string, path: string, body?: unknown) => gatehouseJson(server.url, server.admin, method, path, body);
  const apply = async (body: Record<string, unknown>) => {
    const r = await v1('POST', '/v1/apply', body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
  };
  const getCluster = async (name: string): Promise<unknown> => (await v1('POST', '/v1/authorize', { principal: ALICE, action: 'training:GetCluster', resource: arnOf(name) })).json['decision'];

  before(async () => {
    server = await startTestServer();
    await server.iam().send(new I.CreateUserCommand({ UserName: 'alice' }));
  });
  after(() => server?.stop());

  test('a cluster created again under the name starts without the old one’s bindings', async () => {
    await apply({ documents: [cluster('gpu'), cluster('keep')] });
    const put = await v1('PUT', '/v1/iam-policies', { resource: arnOf('gpu'), bindings: viewers });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.equal(await getCluster('gpu'), 'Allow');

    await apply({ documents: [cluster('keep')], prune: true });
    const got = await v1('GET', `/v1/iam-policies?resource=${encodeURIComponent(arnOf('gpu'))}`);
    // No policy: a resource not there answers NoSuchEntity (404) since review jg, 2.
    assert.equal(got.status, 404, JSON.stringify(got.json));
    await apply({ documents: [cluster('gpu'), cluster('keep')] });
    assert.equal(await getCluster('gpu'), 'ImplicitDeny', 'the old cluster’s binding does not hold on the new one');
  });

  test('an IamPolicy document on a cluster the same prune deletes is refused, and nothing changes', async () => {
    await apply({ documents: [cluster('tpu'), cluster('keep')] });
    const policy = { apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'tpu-viewers' }, spec: { resource: arnOf('tpu'), bindings: viewers } };
    const r = await v1('POST', '/v1/apply', { documents: [cluster('keep'), policy], prune: true });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const details = (r.json['error'] as { details?: { path: string; message: string }[] } | undefined)?.details ?? [];
    assert.ok(details.some((d) => d.path === 'spec.resource' && /cluster `tpu` .* is deleted by --prune/.test(d.message)), JSON.stringify(r.json));
    assert.equal(await getCluster('tpu'), 'ImplicitDeny', 'no policy was written');
    const listed = await v1('GET', '/v1/clusters');
    assert.ok(JSON.stringify(listed.json).includes('"tpu"'), 'the cluster was not deleted');
  });
});
