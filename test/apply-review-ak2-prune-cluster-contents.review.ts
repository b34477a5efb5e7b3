/**
 * Review ak, finding 2: `gatehouse apply --prune` deleting a Cluster left everything applied to it in the store: its
 * RBAC objects, its access entries and its webhook token, under the cluster's name. A cluster created again under
 * that name got them all back, unseen: the old kube-apiserver's token was accepted again and the old
 * ClusterRoleBinding to a `*` ClusterRole allowed again. Now they go with the cluster, in the same transaction, each
 * listed in the plan as its own `- delete` and authorized as `training:DeleteRbacObject` / `training:DeleteAccessEntry`
 * (as EKS's DeleteCluster removes its access entries); a document applying to a cluster the same prune deletes is
 * refused. A real server on 127.0.0.1 (SQLite), its /v1 API and the Kubernetes authorization webhook.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const G = 'rbac.authorization.k8s.io';
const cluster = (name: string) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name }, spec: {} });
const RBAC = [
  { apiVersion: `${G}/v1`, kind: 'ClusterRole', metadata: { name: 'everything' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
  { apiVersion: `${G}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'admins' }, subjects: [{ kind: 'Group', name: 'admins', apiGroup: G }], roleRef: { kind: 'ClusterRole', name: 'everything', apiGroup: G } },
  { apiVersion: `${G}/v1`, kind: 'RoleBinding', metadata: { name: 'devs', namespace: 'ml' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: G }], roleRef: { kind: 'ClusterRole', name: 'everything', apiGroup: G } },
  { apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'admin-entry' }, spec: { cluster: 'k1', principalArn: 'arn:aws:iam::000000000000:user/admin', kubernetesGroups: ['admins'] } },
];

describe('review ak2: a pruned cluster takes what was applied to it', () => {
  let s: TestServer;
  const admin = async (method: string, path: string, body?: unknown) => gatehouseJson(s.url, s.admin, method, path, body);
  const applied = async (body: Record<string, unknown>) => {
    const r = await admin('POST', '/v1/apply', body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as { changes: { action: string; kind: string; name: string }[]; summary: Record<string, number> };
  };
  const token = async () => String((await admin('POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
  /** May group `admins` delete nodes of k1, as the kube-apiserver holding `bearer` asks? The HTTP status and `allowed`. */
  const adminsMayDeleteNodes = async (bearer: string): Promise<string> => {
    const r = await fetch(`${s.url}/k8s/k1/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes: { verb: 'delete', version: 'v1', resource: 'nodes' }, user: 'u', groups: ['admins'] } }),
    });
    const body = (await r.json()) as { status?: { allowed?: boolean } };
    return `${r.status} ${String(body.status?.allowed)}`;
  };

  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  it('plan lists each object that goes with the cluster; apply removes them; a cluster of the same name starts empty', async () => {
    await applied({ documents: [cluster('k1'), cluster('k2')] });
    await applied({ cluster: 'k1', documents: RBAC });
    const old = await token();
    assert.equal(await adminsMayDeleteNodes(old), '200 true');

    const deletions = [
      'delete Cluster/k1',
      'delete AccessEntry/admin-entry',
      `delete ClusterRole.${G}/everything`,
      `delete ClusterRoleBinding.${G}/admins`,
      `delete RoleBinding.${G}/ml/devs`,
    ];
    const plan = await applied({ documents: [cluster('k2')], prune: true, dryRun: true });
    assert.deepEqual(plan.changes.filter((c) => c.action === 'delete').map((c) => `${c.action} ${c.kind}/${c.name}`), deletions);
    const pruned = await applied({ documents: [cluster('k2')], prune: true });
    assert.deepEqual(pruned.changes.filter((c) => c.action === 'delete').map((c) => `${c.action} ${c.kind}/${c.name}`), deletions);
    assert.equal(pruned.summary['delete'], 5);

    await applied({ documents: [cluster('k1'), cluster('k2')] });
    // Before: `200 true`, the deleted cluster's token and binding back with the name.
    assert.match(await adminsMayDeleteNodes(old), /^401 /, 'the old webhook token is not accepted by the new cluster');
    assert.equal(await adminsMayDeleteNodes(await token()), '200 false', 'the new cluster has no binding of the old one');
    const again = await applied({ cluster: 'k1', documents: RBAC, dryRun: true });
    assert.deepEqual(new Set(again.changes.map((c) => c.action)), new Set(['create']));
  });

  it('a document applied to a cluster the same prune deletes is refused, and nothing changes', async () => {
    await applied({ cluster: 'k1', documents: RBAC });
    const r = await admin('POST', '/v1/apply', { cluster: 'k1', prune: true, documents: [cluster('k2'), RBAC[0]] });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const details = (r.json['error'] as { details: { path: string; message: string; document: number }[] }).details;
    assert.deepEqual(details.map((d) => [d.document, d.path]), [[1, 'apiVersion']]);
    assert.match(details[0]?.message ?? '', /cluster `k1` is deleted by --prune \(no Cluster document names it\)/);
    const still = await applied({ cluster: 'k1', documents: RBAC, dryRun: true });
    assert.deepEqual(new Set(still.changes.map((c) => c.action)), new Set(['unchanged']));
  });
});
