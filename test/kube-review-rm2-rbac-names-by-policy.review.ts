/**
 * Review rm, 2: escalation-paths asked about the RBAC objects a principal may write for itself under one made-up name,
 * `pod-creators` (src/app/escalation.ts, the pod step of reviews fl, 2 and lr, 3): a new Role and a RoleBinding of it
 * to its own Kubernetes user, a binding of a role that already lets pods be created, a ClusterRole an aggregated one
 * bound to it selects. `training:ApplyRbacObject` carries the object's name as `training:RbacName` (review N, N4), and
 * delegating RBAC writes by name is the usual way to confine a team to its own objects (`StringLike training:RbacName
 * team-*`, as kube-review-lr1's kim). Such a delegate, in a namespace where it may create pods with a role it may pass,
 * was asked only whether it may write `pod-creators`, was refused, and escalation-paths said it could become no one;
 * it then wrote Role `tess-pods` and RoleBinding `tess-pods` to itself and ran a pod as the role. DESIGN.md: an auditor
 * asks "which paths let a principal gain more rights".
 *
 * Now each name the principal's own Allow statements single out by `training:RbacName` (a `StringEquals` value as
 * written, a `StringLike` pattern with its wildcards as `x`) is asked too, after `pod-creators`. The path is listed and
 * taken: the writes are accepted and the pod admitted with the role; a delegate refused `kubernetes:create` pods by IAM
 * still gets none.
 *
 * Before the fix 1 of 2 tests failed (the second asks that nothing be listed). Real server (SQLite), admin API (SigV4),
 * TokenReview and AdmissionReview.
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
/** Roles and RoleBindings of namespace default named `<prefix>-*`. */
const ownNames = (prefix: string) => ({ Effect: 'Allow', Action: 'training:ApplyRbacObject', Resource: CLUSTER, Condition: { StringEquals: { 'training:RbacNamespace': 'default' }, StringLike: { 'training:RbacName': `${prefix}-*` } } });

describe('review rm2: escalation-paths asks about the RBAC names a principal may write', () => {
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
          tess: [ownNames('tess'), PASS],
          // The same, but IAM denies it creating pods in the cluster.
          uma: [ownNames('uma'), PASS, { Effect: 'Deny', Action: 'kubernetes:create', Resource: `${CLUSTER}/namespaces/*/pods*` }],
        },
        ['tess', 'uma'],
      ),
    );
    bearer = String((await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
  });
  after(() => s?.stop());

  const write = (name: string, documents: object[]) => gatehouseJson(s.url, keys[name] as Credentials, 'POST', '/v1/apply', { cluster: 'k1', documents });
  const ownPods = (who: string, name: string) => [
    { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name, namespace: 'default' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }] },
    { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name, namespace: 'default' }, subjects: [{ kind: 'User', name: user(who), apiGroup: RBAC }], roleRef: { kind: 'Role', name, apiGroup: RBAC } },
  ];

  it('a delegate confined to its own names reaches the role by a Role and a RoleBinding so named; the pod is admitted', async () => {
    const path = await podPathOf(s, 'tess');
    assert.deepEqual(path?.map((p) => [p.how, p.to, p.via, p.actions]), [['iam:PassRole to a pod', role('podder'), CLUSTER, ['iam:PassRole', 'training:ApplyRbacObject', 'kubernetes:create']]]);
    assert.match(JSON.stringify(path), /Role default\/tess-x and a RoleBinding of it/);
    assert.equal((await write('tess', ownPods('tess', 'pod-creators'))).status, 403);
    const written = await write('tess', ownPods('tess', 'tess-pods'));
    assert.equal(written.status, 200, JSON.stringify(written.json));
    await assertPodCreationPasses(s.url, 'k1', bearer, await reviewedUser(s.url, 'k1', bearer, keys['tess'] as Credentials), 'default', 'podder');
  });

  it('no path for the same delegate denied creating pods by IAM', async () => {
    assert.equal(await podPathOf(s, 'uma'), undefined);
  });
});
