/**
 * Review N, N4: applying and pruning Kubernetes RBAC objects carries condition keys, so that an IAM policy can
 * delegate part of a cluster's RBAC as Kubernetes does with `bind`/`escalate`: `training:RbacKind`, `training:RbacName`,
 * `training:RbacNamespace` (Role, RoleBinding) and `training:RbacRoleRef` (`ClusterRole/view`). Before, both actions
 * were decided on the cluster's ARN with no key at all: whoever could apply one RoleBinding in `team` could apply a
 * ClusterRoleBinding of `cluster-admin` to themselves, and no policy could say otherwise.
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

const roleBinding = (name: string, namespace: string, role: string, kind = 'RoleBinding') => ({
  apiVersion: `${GROUP}/v1`,
  kind,
  metadata: { name, ...(kind === 'RoleBinding' ? { namespace } : {}) },
  subjects: [{ kind: 'User', name: 'mallory', apiGroup: GROUP }],
  roleRef: { kind: 'ClusterRole', name: role, apiGroup: GROUP },
});

async function applyAs(documents: unknown[], prune = false): Promise<{ status: number; json: Record<string, unknown> }> {
  return gatehouseJson(server.url, delegate, 'POST', '/v1/apply', { cluster: 'k1', documents, ...(prune ? { prune: true } : {}) });
}

before(async () => {
  server = await startTestServer();
  const acct = server.adminFile.AccountId;
  const cluster = `arn:aws:training::${acct}:cluster/k1`;
  await admin('POST', '/v1/apply', {
    documents: [
      { apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} },
      {
        apiVersion: 'gatehouse.dev/v1',
        kind: 'User',
        metadata: { name: 'delegate' },
        spec: {
          inlinePolicies: {
            'team-view-bindings': {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['training:ApplyRbacObject', 'training:DeleteRbacObject'],
                  Resource: cluster,
                  Condition: { StringEquals: { 'training:RbacKind': 'RoleBinding', 'training:RbacNamespace': 'team', 'training:RbacRoleRef': ['ClusterRole/view', 'ClusterRole/edit'] } },
                },
              ],
            },
          },
        },
      },
    ],
  });
  await admin('POST', '/v1/apply', {
    cluster: 'k1',
    documents: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'view' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'cluster-admin' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
      roleBinding('old-edit', 'team', 'edit'),
      roleBinding('old-admin', 'team', 'cluster-admin'),
    ],
  });
  const k = await admin('POST', '/v1/access-keys', { userName: 'delegate' });
  delegate = { accessKeyId: String(k['accessKeyId']), secretAccessKey: String(k['secretAccessKey']) };
});

after(async () => {
  await server?.stop();
});

describe('N4: RBAC writes carry kind, name, namespace and roleRef as condition keys', () => {
  test('a RoleBinding of ClusterRole view in team: allowed by the delegated policy', async () => {
    const r = await applyAs([roleBinding('viewers', 'team', 'view')]);
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });

  test('cluster-admin, another namespace, a ClusterRoleBinding: refused, naming the action', async () => {
    for (const doc of [roleBinding('admins', 'team', 'cluster-admin'), roleBinding('viewers', 'other', 'view'), roleBinding('admins', '', 'cluster-admin', 'ClusterRoleBinding')]) {
      const r = await applyAs([doc]);
      assert.equal(r.status, 403, JSON.stringify(r.json));
      assert.match(JSON.stringify(r.json), /training:ApplyRbacObject/);
    }
  });

  test('prune: the binding of view is deleted, the one of cluster-admin is refused (roleRef read from the stored object)', async () => {
    const refused = await applyAs([roleBinding('viewers', 'team', 'view')], true);
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    assert.match(JSON.stringify(refused.json), /training:DeleteRbacObject/);
    // A binding's roleRef cannot change (review ap, 1): the admin deletes old-admin and makes it again, granting view.
    await admin('POST', '/v1/apply', { cluster: 'k1', prune: true, documents: [roleBinding('viewers', 'team', 'view'), roleBinding('old-edit', 'team', 'edit')] });
    await admin('POST', '/v1/apply', { cluster: 'k1', documents: [roleBinding('old-admin', 'team', 'view')] });
    const pruned = await applyAs([roleBinding('viewers', 'team', 'view')], true);
    assert.equal(pruned.status, 200, JSON.stringify(pruned.json));
    assert.match(JSON.stringify(pruned.json), /"action":"delete"[^}]*"name":"team\/old-edit"/);
  });
});
