/**
 * Review rm, 3: escalation-paths looked for a namespace where a principal may come to create pods (by RBAC it may
 * write, reviews fl, 2 and lr, 3) only among the namespaces the cluster's RBAC objects already name, and `default`
 * (src/app/index.ts `podNamespaces`). `training:ApplyRbacObject` carries a Role's or RoleBinding's namespace as
 * `training:RbacNamespace` (review N, N4), and delegating a team's namespace is the usual way to confine a team lead
 * (`StringEquals training:RbacNamespace vision`). For a new team, whose namespace holds no Role or RoleBinding yet, the
 * delegate was never asked about it and escalation-paths said it could become no one; it then wrote a Role and a
 * RoleBinding to itself in `vision` and ran a pod there as the role. DESIGN.md: an auditor asks "which paths let a
 * principal gain more rights".
 *
 * Now the namespaces the principal's own Allow statements single out by `training:RbacNamespace` (a `StringEquals`
 * value, a `StringLike` pattern with its wildcards as `x`) are searched too. The path is listed and taken: the writes
 * are accepted and the pod admitted with the role in that namespace.
 *
 * Before the fix 1 of 1 tests failed. Real server (SQLite), admin API (SigV4), TokenReview and AdmissionReview.
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
const NS = 'vision';

describe('review rm3: escalation-paths searches the namespaces a principal may write RBAC in', () => {
  let s: TestServer;
  let bearer = '';
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    Object.assign(
      keys,
      await podderWorld(
        s,
        // Roles and RoleBindings of namespace vision, which holds none yet.
        { val: [{ Effect: 'Allow', Action: 'training:ApplyRbacObject', Resource: CLUSTER, Condition: { StringEquals: { 'training:RbacNamespace': NS } } }, { Effect: 'Allow', Action: 'iam:PassRole', Resource: role('podder') }] },
        ['val'],
      ),
    );
    bearer = String((await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
  });
  after(() => s?.stop());

  it('a delegate confined to a namespace no RBAC object names reaches the role there; the pod is admitted', async () => {
    const path = await podPathOf(s, 'val');
    assert.deepEqual(path?.map((p) => [p.how, p.to, p.via, p.actions]), [['iam:PassRole to a pod', role('podder'), CLUSTER, ['iam:PassRole', 'training:ApplyRbacObject', 'kubernetes:create']]]);
    assert.match(JSON.stringify(path), /create pods in namespace vision of cluster k1/);
    const written = await gatehouseJson(s.url, keys['val'] as Credentials, 'POST', '/v1/apply', {
      cluster: 'k1',
      documents: [
        { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'pods', namespace: NS }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }] },
        { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'pods', namespace: NS }, subjects: [{ kind: 'User', name: user('val'), apiGroup: RBAC }], roleRef: { kind: 'Role', name: 'pods', apiGroup: RBAC } },
      ],
    });
    assert.equal(written.status, 200, JSON.stringify(written.json));
    await assertPodCreationPasses(s.url, 'k1', bearer, await reviewedUser(s.url, 'k1', bearer, keys['val'] as Credentials), NS, 'podder');
  });
});
