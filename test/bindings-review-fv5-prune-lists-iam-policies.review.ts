/**
 * Review fv, 5: `gatehouse apply --prune` deleting a Workspace (or a Cluster, review fv, 3) also removes the IAM
 * policies on it (review B6), but its plan and its answer said only `- delete Workspace/vision`: the policy set on
 * `workspace/vision` through `PUT /v1/iam-policies` (or `iam-policy set`) went unsaid, where a pruned user's or role's
 * policies are each listed (review eo, 1) and every object an apply modifies is shown (review Z, 4). Now each one is
 * listed as `- delete IamPolicy/<its document's name, else its resource>`, in the dry run and the apply alike.
 * Real server, SigV4-signed `POST /v1/apply` and `/v1/iam-policies`. Before the fix both tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const CLUSTER_ARN = `arn:aws:training::${ROOT}:cluster/gpu`;

describe('a pruned workspace or cluster lists the IAM policies that go with it', () => {
  let server: TestServer;
  const v1 = (method: string, path: string, body?: unknown) => gatehouseJson(server.url, server.admin, method, path, body);
  const deletions = async (body: Record<string, unknown>): Promise<string[]> => {
    const r = await v1('POST', '/v1/apply', body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['changes'] as { action: string; kind: string; name: string }[]).filter((c) => c.action === 'delete').map((c) => `${c.kind}/${c.name}`).sort();
  };
  const bind = async (resource: string, role: string): Promise<void> => {
    const r = await v1('PUT', '/v1/iam-policies', { resource, bindings: [{ role, members: ['user:dev'] }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  };

  before(async () => {
    server = await startTestServer();
    await server.iam().send(new I.CreateUserCommand({ UserName: 'dev' }));
  });
  after(() => server?.stop());

  test('a workspace: the policies on workspace/<name> and on its ARN are listed, and removed', async () => {
    await deletions({ documents: [doc('Workspace', 'vision', { members: [{ user: 'dev' }] }), doc('Workspace', 'keep', { members: [] })] });
    await bind('workspace/vision', 'roles/ml.developer');
    await bind(`arn:aws:training::${ROOT}:workspace/vision`, 'roles/ml.viewer');
    const expected = ['IamPolicy/arn:aws:training::000000000000:workspace/vision', 'IamPolicy/workspace/vision', 'Workspace/vision'];
    assert.deepEqual(await deletions({ documents: [doc('Workspace', 'keep', { members: [] })], prune: true, dryRun: true }), expected);
    assert.deepEqual(await deletions({ documents: [doc('Workspace', 'keep', { members: [] })], prune: true }), expected);
    const left = await v1('GET', '/v1/iam-policies?resource=workspace/vision');
    // No policy: a resource not there answers NoSuchEntity (404) since review jg, 2.
    assert.equal(left.status, 404, JSON.stringify(left.json));
  });

  test('a cluster: the policy on its ARN is listed, and removed', async () => {
    await deletions({ documents: [doc('Cluster', 'gpu', {}), doc('Cluster', 'keep', {})] });
    await bind(CLUSTER_ARN, 'roles/container.clusterViewer');
    const expected = [`Cluster/gpu`, `IamPolicy/${CLUSTER_ARN}`];
    assert.deepEqual(await deletions({ documents: [doc('Cluster', 'keep', {})], prune: true, dryRun: true }), expected);
    assert.deepEqual(await deletions({ documents: [doc('Cluster', 'keep', {})], prune: true }), expected);
    const left = await v1('GET', `/v1/iam-policies?resource=${encodeURIComponent(CLUSTER_ARN)}`);
    // No policy: a resource not there answers NoSuchEntity (404) since review jg, 2.
    assert.equal(left.status, 404, JSON.stringify(left.json));
  });
});
