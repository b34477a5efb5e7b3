/**
 * Review is, 3: an IAM policy (bindings) attaches to an account, a workspace or an IAM principal only while it exists,
 * since one set on a name before grants nothing now (a typo goes unnoticed) and then grants whatever later takes the
 * name (GCP's setIamPolicy answers NOT_FOUND for a resource that does not exist). Training clusters are Gatehouse's too
 * (`kind: Cluster`), and deleting one takes the policies on its ARN along for that very reason (review fv, 3), but a
 * policy on the ARN of a cluster that did not exist was taken: `roles/container.clusterViewer` bound to alice on
 * `…:cluster/gpu`, answered 200, and the cluster an operator created under that name afterwards came with alice's grant
 * (`training:GetCluster` Allow). Now such a policy is refused with NoSuchEntity naming the cluster, as a workspace's
 * is, and nothing is written; on a cluster spelt in another case than its own ARN, it names the ARN to attach it to.
 * An apply that creates the cluster and its policy together, a policy on an existing cluster, and the removal of a
 * policy (empty bindings) still work. Real server, SigV4-signed `/v1/` requests, AWS SDK v3 IAM client.
 * Before the fix 2 of 4 tests failed.
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

describe('is3: an IAM policy attaches to a cluster only while it exists', () => {
  let server: TestServer;
  const v1 = (method: string, path: string, body?: unknown) => gatehouseJson(server.url, server.admin, method, path, body);
  const getCluster = async (name: string): Promise<unknown> => (await v1('POST', '/v1/authorize', { principal: ALICE, action: 'training:GetCluster', resource: arnOf(name) })).json['decision'];
  const bindingsOf = async (resource: string): Promise<unknown> => {
    // No policy: a resource not there answers NoSuchEntity (404) since review jg, 2.
    const r = await v1('GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`);
    return r.status === 404 ? [] : r.json['bindings'];
  };

  before(async () => {
    server = await startTestServer();
    await server.iam().send(new I.CreateUserCommand({ UserName: 'alice' }));
  });
  after(() => server?.stop());

  test('a policy on a cluster that does not exist is refused, and a cluster made later under the name has no grant', async () => {
    const put = await v1('PUT', '/v1/iam-policies', { resource: arnOf('gpu'), bindings: viewers });
    assert.equal(put.status, 404, JSON.stringify(put.json));
    const error = put.json['error'] as { code?: string; message?: string; details?: { path: string }[] };
    assert.equal(error.code, 'NoSuchEntity');
    assert.match(error.message ?? '', /cluster `gpu` of account 000000000000 does not exist/);
    assert.equal(error.details?.[0]?.path, 'resource');
    assert.deepEqual(await bindingsOf(arnOf('gpu')), []);
    // Under the cluster (its Kubernetes objects) alike.
    const under = await v1('PUT', '/v1/iam-policies', { resource: `${arnOf('gpu')}/namespaces/ml`, bindings: [{ role: 'roles/container.developer', members: ['user:alice'] }] });
    assert.equal(under.status, 404, JSON.stringify(under.json));

    const made = await v1('POST', '/v1/apply', { documents: [cluster('gpu')] });
    assert.equal(made.status, 200, JSON.stringify(made.json));
    assert.equal(await getCluster('gpu'), 'ImplicitDeny', 'the refused policy grants nothing on the cluster made later');
  });

  test('through apply, an IamPolicy on a cluster that does not exist is refused at spec.resource', async () => {
    const policy = { apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'tpu-viewers' }, spec: { resource: arnOf('tpu'), bindings: viewers } };
    const r = await v1('POST', '/v1/apply', { documents: [policy] });
    assert.equal(r.status, 404, JSON.stringify(r.json));
    const details = (r.json['error'] as { details?: { path: string; message: string }[] } | undefined)?.details ?? [];
    assert.ok(details.some((d) => d.path === 'spec.resource' && /cluster `tpu` of account 000000000000 does not exist/.test(d.message)), JSON.stringify(r.json));
    assert.deepEqual(await bindingsOf(arnOf('tpu')), []);
  });

  test('the cluster and its policy in one apply, a policy on an existing cluster and its removal still work', async () => {
    const policy = { apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'npu-viewers' }, spec: { resource: arnOf('npu'), bindings: viewers } };
    const r = await v1('POST', '/v1/apply', { documents: [cluster('npu'), policy] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(await getCluster('npu'), 'Allow');
    const under = await v1('PUT', '/v1/iam-policies', { resource: `${arnOf('npu')}/namespaces/ml`, bindings: [{ role: 'roles/container.developer', members: ['user:alice'] }] });
    assert.equal(under.status, 200, JSON.stringify(under.json));
    const removed = await v1('PUT', '/v1/iam-policies', { resource: arnOf('npu'), bindings: [] });
    assert.equal(removed.status, 200, JSON.stringify(removed.json));
    assert.equal(await getCluster('npu'), 'ImplicitDeny');
    // Removing a policy is taken whether or not the cluster exists (nothing is granted by it).
    const none = await v1('PUT', '/v1/iam-policies', { resource: arnOf('gone'), bindings: [] });
    assert.equal(none.status, 200, JSON.stringify(none.json));
  });

  test('a cluster named in another case than its own ARN is told which ARN to use', async () => {
    const put = await v1('PUT', '/v1/iam-policies', { resource: arnOf('NPU'), bindings: viewers });
    assert.equal(put.status, 404, JSON.stringify(put.json));
    assert.match((put.json['error'] as { message?: string }).message ?? '', /is not the ARN of cluster `npu`, which is `arn:aws:training::000000000000:cluster\/npu`/);
  });
});
