/**
 * Review fl, 2: escalation-paths did not count writing a cluster's RBAC. A user with an access entry on a cluster,
 * allowed `training:ApplyRbacObject` on it (Gatehouse's `bind`/`escalate`: RBAC objects are written through
 * `gatehouse apply --cluster`, decided on the cluster's ARN) and `iam:PassRole` on a role trusting the compute service,
 * writes a Role that lets pods be created and a RoleBinding of it to its own Kubernetes user, then creates a pod
 * annotated `gatehouse.dev/role` and runs as the role: the report said it could become no one (the pod step asked
 * only whether RBAC lets it create pods today). The pod step now also asks whether it may write such a Role and
 * binding (or a ClusterRole and ClusterRoleBinding), with the condition keys apply gives them (`training:RbacKind`,
 * `RbacName`, `RbacNamespace`, `RbacRoleRef`), and lists `training:ApplyRbacObject` among the step's actions; not for
 * a user whose writes a condition confines to binding `ClusterRole/view`, one IAM denies `kubernetes:create`, or one
 * with no access entry. The listed path is then taken: the user applies the two objects and the pod is admitted with
 * the role, while the confined user's write is refused. Before the fix the first test failed (the other two passed:
 * they ask that nothing be listed). Real server (SQLite), admin API (SigV4), TokenReview and AdmissionReview webhooks.
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

describe('review fl2: escalation-paths counts writing RBAC to create pods that run as a role', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const policies: Record<string, object[]> = {
      eve: [{ Effect: 'Allow', Action: 'training:ApplyRbacObject', Resource: CLUSTER }, PASS],
      // Delegated administration: bindings of ClusterRole view only.
      frank: [{ Effect: 'Allow', Action: 'training:ApplyRbacObject', Resource: CLUSTER, Condition: { StringEquals: { 'training:RbacRoleRef': 'ClusterRole/view' } } }, PASS],
      gina: [{ Effect: 'Allow', Action: 'training:ApplyRbacObject', Resource: CLUSTER }, PASS, { Effect: 'Deny', Action: 'kubernetes:create', Resource: '*' }],
      harry: [{ Effect: 'Allow', Action: 'training:ApplyRbacObject', Resource: CLUSTER }, PASS],
    };
    Object.assign(keys, await podderWorld(s, policies, ['eve', 'frank', 'gina']));
  });
  after(() => s?.stop());

  const podPath = (name: string) => podPathOf(s, name);
  const objects = (subject: string, roleRef = { kind: 'Role', name: 'pod-creators' }) => [
    { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'pod-creators', namespace: 'default' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }] },
    { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'pod-creators', namespace: 'default' }, subjects: [{ kind: 'User', name: subject, apiGroup: RBAC }], roleRef: { ...roleRef, apiGroup: RBAC } },
  ];

  it('a user who may write the cluster\'s RBAC reaches the role by a pod; it writes the binding and the pod is admitted', async () => {
    const path = await podPath('eve');
    assert.deepEqual(path?.map((p) => [p.how, p.to, p.via, p.actions]), [['iam:PassRole to a pod', role('podder'), CLUSTER, ['iam:PassRole', 'training:ApplyRbacObject', 'kubernetes:create']]]);
    // Followed: eve writes the Role and binds it to her Kubernetes user, then her pod naming the role is admitted.
    const bearer = String((await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
    const userInfo = await reviewedUser(s.url, 'k1', bearer, keys['eve'] as Credentials);
    const written = await gatehouseJson(s.url, keys['eve'] as Credentials, 'POST', '/v1/apply', { cluster: 'k1', documents: objects(userInfo.username) });
    assert.equal(written.status, 200, JSON.stringify(written.json));
    await assertPodCreationPasses(s.url, 'k1', bearer, userInfo, 'default', 'podder');
  });

  it('no path for a user whose RBAC writes are confined to binding ClusterRole view; its write of the binding is refused', async () => {
    assert.equal(await podPath('frank'), undefined);
    const written = await gatehouseJson(s.url, keys['frank'] as Credentials, 'POST', '/v1/apply', { cluster: 'k1', documents: objects(user('frank')) });
    assert.equal(written.status, 403, JSON.stringify(written.json));
  });

  it('no path for a user IAM denies kubernetes:create, nor for one with no access entry on the cluster', async () => {
    assert.equal(await podPath('gina'), undefined);
    assert.equal(await podPath('harry'), undefined);
  });
});
