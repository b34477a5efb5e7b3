/**
 * Review lr, 1: escalation-paths did not count rewriting an RBAC role the principal is already bound to, nor adding a
 * ClusterRole to an aggregated ClusterRole bound to it. Its pod step (review fl, 2) asked only whether the principal
 * may write a new Role or ClusterRole *and* a binding of it to its own Kubernetes user. A delegate whose
 * `training:ApplyRbacObject` is confined to roles (`training:RbacKind: Role`, or `ClusterRole`: no bindings, the usual
 * split where a cluster admin binds and a team lead defines what the roles hold) but whose user some binding already
 * names can rewrite that Role to let pods be created, or write a ClusterRole carrying the labels an aggregated
 * ClusterRole bound to it selects (Kubernetes' aggregation controller, `pkg/controller/clusterroleaggregation`, puts
 * its rules into that role; policy-semantics.md A.3), then create a pod annotated `gatehouse.dev/role` and run as the
 * role: escalation-paths said it could become no one. Kubernetes makes both writes need the writer to hold the rules
 * (`escalate`, `pkg/registry/rbac/validation` ConfirmNoEscalation) and an aggregationRule need cluster-admin; Gatehouse
 * decides RBAC writes on IAM alone (docs/decisions.md), so its escalation search must see them.
 *
 * Now the pod step also asks, in each namespace, for each role a binding of the cluster names the principal's
 * Kubernetes user or groups in (its access entry's), whether it may rewrite that role (with the condition keys apply
 * gives it, `rbacContext`), and for each aggregated ClusterRole bound to it, whether it may write a ClusterRole with the
 * labels one of its selectors matches. The listed paths are then taken: the writes are accepted and the pods admitted
 * with the role; a delegate refused `example.com/aggregate-to-*` labels (review K, K4's condition) gets no path and its
 * write is refused. Real server (SQLite), admin API (SigV4), TokenReview, SubjectAccessReview and AdmissionReview.
 * Before the fix 2 of 3 tests failed (the third asks that nothing be listed).
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
const LABEL = 'example.com/aggregate-to-team-view';
const SOLO = 'example.com/aggregate-to-solo-view';
const allowWrites = (kind: string, more: Record<string, unknown> = {}) => ({ Effect: 'Allow', Action: 'training:ApplyRbacObject', Resource: CLUSTER, Condition: { StringEquals: { 'training:RbacKind': kind }, ...more } });
const createPods = [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }];

describe('review lr1: escalation-paths counts rewriting a role bound to the principal', () => {
  let s: TestServer;
  let bearer = '';
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    Object.assign(
      keys,
      await podderWorld(
        s,
        {
          // Defines the Roles of the cluster, binds none.
          ivy: [allowWrites('Role'), PASS],
          // Defines ClusterRoles, binds none.
          jay: [allowWrites('ClusterRole'), PASS],
          // Its own ClusterRoles only (so not team-view itself), refused the aggregation labels (review K, K4).
          kim: [allowWrites('ClusterRole', { StringLike: { 'training:RbacName': 'kim-*' }, 'ForAllValues:StringNotLike': { 'training:RbacLabels': 'example.com/aggregate-to-*' } }), PASS],
        },
        ['ivy', 'jay', 'kim'],
      ),
    );
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      cluster: 'k1',
      documents: [
        { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'dev', namespace: 'default' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
        { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'dev', namespace: 'default' }, subjects: [{ kind: 'User', name: user('ivy'), apiGroup: RBAC }], roleRef: { kind: 'Role', name: 'dev', apiGroup: RBAC } },
        { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'team-view' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [LABEL]: 'true' } }] }, rules: [] },
        {
          apiVersion: `${RBAC}/v1`,
          kind: 'ClusterRoleBinding',
          metadata: { name: 'team-view' },
          subjects: [{ kind: 'User', name: user('jay'), apiGroup: RBAC }],
          roleRef: { kind: 'ClusterRole', name: 'team-view', apiGroup: RBAC },
        },
        // Kim's, apart from jay's (whose test adds pod creation to team-view).
        { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'solo-view' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [SOLO]: 'true' } }] }, rules: [] },
        { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'solo-view' }, subjects: [{ kind: 'User', name: user('kim'), apiGroup: RBAC }], roleRef: { kind: 'ClusterRole', name: 'solo-view', apiGroup: RBAC } },
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    bearer = String((await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
  });
  after(() => s?.stop());

  const podPath = (name: string) => podPathOf(s, name);
  const write = (name: string, doc: object) => gatehouseJson(s.url, keys[name] as Credentials, 'POST', '/v1/apply', { cluster: 'k1', documents: [doc] });

  it('a user who may write Roles, bound to Role dev, reaches the role by a pod; it rewrites dev and the pod is admitted', async () => {
    const path = await podPath('ivy');
    assert.deepEqual(path?.map((p) => [p.how, p.to, p.via, p.actions]), [['iam:PassRole to a pod', role('podder'), CLUSTER, ['iam:PassRole', 'training:ApplyRbacObject', 'kubernetes:create']]]);
    const written = await write('ivy', { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'dev', namespace: 'default' }, rules: createPods });
    assert.equal(written.status, 200, JSON.stringify(written.json));
    await assertPodCreationPasses(s.url, 'k1', bearer, await reviewedUser(s.url, 'k1', bearer, keys['ivy'] as Credentials), 'default', 'podder');
  });

  it('a user who may write ClusterRoles, bound to an aggregated one, reaches the role by a labelled ClusterRole; the pod is admitted', async () => {
    const path = await podPath('jay');
    assert.deepEqual(path?.map((p) => [p.how, p.to, p.via, p.actions]), [['iam:PassRole to a pod', role('podder'), CLUSTER, ['iam:PassRole', 'training:ApplyRbacObject', 'kubernetes:create']]]);
    assert.match(JSON.stringify(path), /team-view/);
    const written = await write('jay', { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'pod-creators', labels: { [LABEL]: 'true' } }, rules: createPods });
    assert.equal(written.status, 200, JSON.stringify(written.json));
    await assertPodCreationPasses(s.url, 'k1', bearer, await reviewedUser(s.url, 'k1', bearer, keys['jay'] as Credentials), 'default', 'podder');
  });

  it('no path for a user confined to its own ClusterRoles without the aggregation labels; its labelled ClusterRole is refused', async () => {
    assert.equal(await podPath('kim'), undefined);
    const written = await write('kim', { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'kim-pods', labels: { [SOLO]: 'true' } }, rules: createPods });
    assert.equal(written.status, 403, JSON.stringify(written.json));
  });
});
