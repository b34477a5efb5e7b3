/**
 * Review lr, 3: escalation-paths did not count binding a role that already exists. Its RBAC-writing way (review fl, 2)
 * asked only whether the principal may write a new Role (or ClusterRole) *and* a binding of it, so the delegation
 * docs/decisions.md itself gives as the example — `training:ApplyRbacObject` with `training:RbacKind: RoleBinding`,
 * `training:RbacNamespace` and `training:RbacRoleRef: ClusterRole/edit`, "a team lead manages who views and edits" —
 * was reported as reaching no one, while `edit` lets pods be created: the lead binds `edit` to its own Kubernetes user,
 * creates a pod annotated `gatehouse.dev/role` and runs as a role it may pass. Kubernetes allows such a binding only to
 * a writer that holds the role's rules or `bind` on it (`pkg/registry/rbac/escalation_check.go` BindingAuthorized);
 * Gatehouse decides it on IAM alone (docs/decisions.md), so its escalation search must ask. The pod step now also asks,
 * per namespace, for each Role of the namespace and each ClusterRole whose rules (aggregated ones included) let pods be
 * created there (an engine's `rolesAllowing`), whether the principal may write a RoleBinding (or a ClusterRoleBinding,
 * for a ClusterRole) of it, with the keys apply gives it (`training:RbacRoleRef` among them). Not listed for a lead
 * confined to `ClusterRole/view`. Then followed: the binding is applied and the pod admitted; the confined lead's
 * write of an `edit` binding is refused. Real server (SQLite), admin API (SigV4), TokenReview, SubjectAccessReview and
 * AdmissionReview webhooks. Before the fix 1 of 2 tests failed (the second asks that nothing be listed).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertPodCreationPasses, reviewedUser } from './support/admission.ts';
import { podderWorld, podPath as podPathOf } from './support/pod-escalation.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const CLUSTER = `arn:aws:training::${A}:cluster/k1`;
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const RBAC = 'rbac.authorization.k8s.io';
const PASS = { Effect: 'Allow', Action: 'iam:PassRole', Resource: role('podder') };
const lead = (roleRef: string) => ({
  Effect: 'Allow',
  Action: 'training:ApplyRbacObject',
  Resource: CLUSTER,
  Condition: { StringEquals: { 'training:RbacKind': 'RoleBinding', 'training:RbacNamespace': 'team', 'training:RbacRoleRef': roleRef } },
});

describe('review lr3: escalation-paths counts binding an existing role that lets pods be created', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    Object.assign(keys, await podderWorld(s, { quinn: [lead('ClusterRole/edit'), PASS], rosa: [lead('ClusterRole/view'), PASS] }, ['quinn', 'rosa']));
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      cluster: 'k1',
      documents: [
        // `edit` and `view` aggregated from their parts, as Kubernetes ships them.
        { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'edit' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`${RBAC}/aggregate-to-edit`]: 'true' } }] }, rules: [] },
        { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'view' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`${RBAC}/aggregate-to-view`]: 'true' } }] }, rules: [] },
        { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'system:aggregate-to-edit', labels: { [`${RBAC}/aggregate-to-edit`]: 'true' } }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create', 'delete', 'patch', 'update'] }] },
        { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'system:aggregate-to-view', labels: { [`${RBAC}/aggregate-to-view`]: 'true' } }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }] },
        // The team's namespace, named by an RBAC object.
        { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'viewers', namespace: 'team' }, subjects: [{ kind: 'Group', name: 'viewers', apiGroup: RBAC }], roleRef: { kind: 'ClusterRole', name: 'view', apiGroup: RBAC } },
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
  });
  after(() => s?.stop());

  const podPath = (name: string) => podPathOf(s, name);
  const binding = (subject: string, roleRef: string) => ({
    apiVersion: `${RBAC}/v1`,
    kind: 'RoleBinding',
    metadata: { name: `${roleRef}-mine`, namespace: 'team' },
    subjects: [{ kind: 'User', name: subject, apiGroup: RBAC }],
    roleRef: { kind: 'ClusterRole', name: roleRef, apiGroup: RBAC },
  });

  it('a team lead who may bind edit in its namespace reaches the role by a pod; it binds edit to itself and the pod is admitted', async () => {
    const path = await podPath('quinn');
    assert.deepEqual(path?.map((p) => [p.how, p.to, p.via, p.actions]), [['iam:PassRole to a pod', role('podder'), CLUSTER, ['iam:PassRole', 'training:ApplyRbacObject', 'kubernetes:create']]]);
    assert.match(JSON.stringify(path), /ClusterRole edit/);
    const written = await gatehouseJson(s.url, keys['quinn'] as Credentials, 'POST', '/v1/apply', { cluster: 'k1', documents: [binding(user('quinn'), 'edit')] });
    assert.equal(written.status, 200, JSON.stringify(written.json));
    const bearer = String((await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
    await assertPodCreationPasses(s.url, 'k1', bearer, await reviewedUser(s.url, 'k1', bearer, keys['quinn'] as Credentials), 'team', 'podder');
  });

  it('no path for a lead confined to binding view; its binding of edit is refused', async () => {
    assert.equal(await podPath('rosa'), undefined);
    const written = await gatehouseJson(s.url, keys['rosa'] as Credentials, 'POST', '/v1/apply', { cluster: 'k1', documents: [binding(user('rosa'), 'edit')] });
    assert.equal(written.status, 403, JSON.stringify(written.json));
  });
});
