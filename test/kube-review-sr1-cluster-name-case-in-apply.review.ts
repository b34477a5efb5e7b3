/**
 * Review sr, 1: `gatehouse apply` decided a cluster's RBAC objects and access entries on the cluster's ARN as the
 * document spelt the cluster's name (`--cluster K1`, an AccessEntry's `spec.cluster: K1`), while the cluster is found
 * without case and is stored as `k1`. ARNs in policies compare with case (reference/policy-semantics.md: `Resource` is
 * case-sensitive), so a user allowed `training:*` but denied `training:CreateAccessEntry` and
 * `training:ApplyRbacObject` on `arn:aws:training::A:cluster/k1` wrote, by spelling the name `K1`, an access entry
 * mapping themself into `admins` and a ClusterRoleBinding of `cluster-admin` to that group: cluster-admin on `k1`,
 * through the one door the Deny was written to close. `/v1/clusters/K1/access-entries` decides on the stored name (and
 * refused). Contract: DESIGN.md / docs/decisions.md "Who may change a cluster's Kubernetes side is an IAM question on
 * the cluster's ARN" (`arn:aws:training::<account>:cluster/<name>`), the same question whatever door. Now every apply
 * step on a cluster's contents (RBAC objects, access entries, their pruning) is decided and recorded on the ARN of the
 * cluster's stored name (or its Cluster document's, in the apply that makes it), and entries and RBAC objects store
 * that name.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let acct = '';
let lead = { accessKeyId: '', secretAccessKey: '' };

const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const adminsBinding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'lead-admins' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'admins', apiGroup: 'rbac.authorization.k8s.io' }] };

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('User', 'lead', {
        inlinePolicies: {
          p: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: 'training:*', Resource: '*' },
              { Effect: 'Deny', Action: ['training:CreateAccessEntry', 'training:UpdateAccessEntry', 'training:ApplyRbacObject'], Resource: `arn:aws:training::${acct}:cluster/k1` },
            ],
          },
        },
      }),
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const k = await gatehouseJson(server.url, server.admin, 'POST', '/v1/access-keys', { userName: 'lead' });
  lead = { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
});

after(async () => {
  await server?.stop();
});

describe("review sr1: apply decides a cluster's contents on the ARN of the cluster's own name", () => {
  test('an AccessEntry naming the cluster in another case is refused by the Deny on the cluster', async () => {
    const r = await gatehouseJson(server.url, lead, 'POST', '/v1/apply', { documents: [doc('AccessEntry', 'me', { cluster: 'K1', principalArn: `arn:aws:iam::${acct}:user/lead`, kubernetesGroups: ['admins'] })] });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(String((r.json['error'] as { message?: string }).message), new RegExp(`training:CreateAccessEntry on resource: arn:aws:training::${acct}:cluster/k1 `));
    const list = await gatehouseJson(server.url, server.admin, 'GET', '/v1/clusters/k1/access-entries');
    assert.deepEqual(list.json['accessEntries'], []);
  });

  test('RBAC objects applied with --cluster in another case are refused by the Deny on the cluster', async () => {
    const r = await gatehouseJson(server.url, lead, 'POST', '/v1/apply', { cluster: 'K1', documents: [adminsBinding] });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(String((r.json['error'] as { message?: string }).message), new RegExp(`training:ApplyRbacObject on resource: arn:aws:training::${acct}:cluster/k1 `));
  });

  test("what the administrator applies so is recorded, and stored, under the cluster's own name", async () => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc('AccessEntry', 'lead', { cluster: 'K1', principalArn: `arn:aws:iam::${acct}:user/lead`, kubernetesGroups: ['viewers'] })] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const entry = await gatehouseJson(server.url, server.admin, 'GET', `/v1/clusters/k1/access-entries/${encodeURIComponent(`arn:aws:iam::${acct}:user/lead`)}`);
    assert.equal(entry.json['cluster'], 'k1', JSON.stringify(entry.json));
    await server.running.app.audit.flush();
    const q = await gatehouseJson(server.url, server.admin, 'GET', `/v1/audit?action=${encodeURIComponent('training:CreateAccessEntry')}&limit=100`);
    const made = (q.json['records'] as AuditRecord[]).filter((x) => x.decision === 'ok');
    assert.deepEqual(made.map((x) => x.resource), [`arn:aws:training::${acct}:cluster/k1`], JSON.stringify(q.json));
  });
});
