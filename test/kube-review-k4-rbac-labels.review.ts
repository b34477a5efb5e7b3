/**
 * Review K, K4: `training:ApplyRbacObject` and `training:DeleteRbacObject` carry the object's labels,
 * `training:RbacLabels` (`key=value`, a list). A ClusterRole's labels put its rules into every aggregated ClusterRole
 * whose selector they match, and Gatehouse aggregates as the controller does: a delegate allowed only ClusterRoles
 * named `team-*` applied `team-x` with `rbac.authorization.k8s.io/aggregate-to-view: "true"` and rules `*` on `*`, and
 * everyone bound to `view` across the cluster (the delegate among them) could do everything. Kubernetes stops this with
 * its escalation check (no role with rules its writer does not hold); Gatehouse does not check that (docs/decisions.md),
 * and no condition key said what the labels were, so no policy could refuse it. Now
 * `ForAllValues:StringNotLike training:RbacLabels rbac.authorization.k8s.io/aggregate-to-*` does.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const GROUP = 'rbac.authorization.k8s.io';
let server: TestServer;
let delegate = { accessKeyId: '', secretAccessKey: '' };

async function admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await gatehouseJson(server.url, server.admin, method, path, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

const clusterRole = (name: string, labels: Record<string, string>, rest: Record<string, unknown>) => ({ apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name, labels }, ...rest });

before(async () => {
  server = await startTestServer();
  const acct = server.adminFile.AccountId;
  await admin('POST', '/v1/apply', {
    documents: [
      { apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} },
      {
        apiVersion: 'gatehouse.dev/v1',
        kind: 'User',
        metadata: { name: 'delegate' },
        spec: {
          inlinePolicies: {
            'team-cluster-roles': {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['training:ApplyRbacObject', 'training:DeleteRbacObject'],
                  Resource: `arn:aws:training::${acct}:cluster/k1`,
                  Condition: {
                    StringEquals: { 'training:RbacKind': 'ClusterRole' },
                    StringLike: { 'training:RbacName': 'team-*' },
                    'ForAllValues:StringNotLike': { 'training:RbacLabels': 'rbac.authorization.k8s.io/aggregate-to-*' },
                  },
                },
              ],
            },
          },
        },
      },
    ],
  });
  // `view`, aggregated as Kubernetes ships it, and bound to every authenticated user.
  await admin('POST', '/v1/apply', {
    cluster: 'k1',
    documents: [
      clusterRole('view', {}, { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }] }, rules: [] }),
      clusterRole('view-pods', { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }, { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] }),
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'everyone-views' }, subjects: [{ kind: 'Group', name: 'system:authenticated', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'view', apiGroup: GROUP } },
    ],
  });
  const k = await admin('POST', '/v1/access-keys', { userName: 'delegate' });
  delegate = { accessKeyId: String(k['accessKeyId']), secretAccessKey: String(k['secretAccessKey']) };
});

after(async () => {
  await server?.stop();
});

describe('K4: RBAC writes carry the object’s labels', () => {
  test('a ClusterRole labelled into view is refused; one with other labels, or none, is applied', async () => {
    const all = [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }];
    const escalate = await gatehouseJson(server.url, delegate, 'POST', '/v1/apply', { cluster: 'k1', documents: [clusterRole('team-x', { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }, { rules: all })] });
    assert.equal(escalate.status, 403, JSON.stringify(escalate.json));
    assert.match(JSON.stringify(escalate.json), /training:ApplyRbacObject/);
    for (const labels of [{ team: 'ml' }, {}]) {
      const r = await gatehouseJson(server.url, delegate, 'POST', '/v1/apply', { cluster: 'k1', documents: [clusterRole('team-y', labels, { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] })] });
      assert.equal(r.status, 200, `${JSON.stringify(labels)}: ${JSON.stringify(r.json)}`);
    }
    // Nor may the delegate delete a ClusterRole that aggregates into view.
    const del = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { cluster: 'k1', documents: [clusterRole('team-z', { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }, { rules: [{ apiGroups: [''], resources: ['services'], verbs: ['get'] }] })] });
    assert.equal(del.status, 200, JSON.stringify(del.json));
    const pruned = await gatehouseJson(server.url, delegate, 'POST', '/v1/apply', { cluster: 'k1', prune: true, documents: [clusterRole('team-y', {}, { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] })] });
    assert.equal(pruned.status, 403, JSON.stringify(pruned.json));
    assert.match(JSON.stringify(pruned.json), /team-z\): [^"]*training:DeleteRbacObject/);
  });
});
