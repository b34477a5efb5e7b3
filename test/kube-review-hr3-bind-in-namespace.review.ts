/**
 * Review hr, 3: an IAM deny on binding a ClusterRole did not apply to RoleBindings. When a user who does not hold a
 * role's permissions makes a binding to it, kube-apiserver asks the authorizers whether the user may `bind` the role,
 * and for a RoleBinding it asks with the binding's namespace (kubernetes/kubernetes `pkg/registry/rbac/escalation_check.go`
 * `BindingAuthorized`: "check against the namespace where the binding is being created"): `bind` on `clusterroles`
 * `cluster-admin` in namespace `dev`. The webhook viewed that as `kubernetes:bind` on
 * `<cluster>/namespaces/dev/clusterroles.rbac.authorization.k8s.io/cluster-admin`, which a Deny on the ClusterRole,
 * `<cluster>/clusterroles.rbac.authorization.k8s.io/cluster-admin`, does not match: with that Deny, alice could not make
 * a ClusterRoleBinding to cluster-admin, but a RoleBinding to it in any namespace (admin of all of that namespace) was
 * answered `allowed`. Now a review that names a namespace on a cluster-scoped resource is also viewed on the object
 * itself, in the webhook and in the authorize API; the namespaced view stays, so a Deny on `…/namespaces/dev/*` still
 * applies.
 *
 * Before the fix 2 of 4 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 (as `aws eks get-token`) and reviewed by the
 * TokenReview webhook; SubjectAccessReviews as kube-apiserver sends them; the authorize API as the root admin asks it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';

let server: TestServer;
let k1: AliceOnK1;
const GROUP = 'rbac.authorization.k8s.io';

const bind = (name: string, namespace?: string) =>
  k1.sar({ resourceAttributes: { verb: 'bind', group: GROUP, version: '*', resource: 'clusterroles', name, ...(namespace !== undefined ? { namespace } : {}) } });

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({
      'no-cluster-admin': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:bind', Resource: `${cluster}/clusterroles.${GROUP}/cluster-admin` }] },
      'nothing-in-prod': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:*', Resource: `${cluster}/namespaces/prod/*` }] },
    }),
    group: 'leads',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'grantor' }, rules: [{ apiGroups: [GROUP], resources: ['clusterroles'], verbs: ['bind'] }, { apiGroups: [GROUP], resources: ['rolebindings', 'clusterrolebindings'], verbs: ['create'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'leads' }, subjects: [{ kind: 'Group', name: 'leads', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'grantor', apiGroup: GROUP } },
    ],
  });
});

after(async () => {
  await server?.stop();
});

test('binding cluster-admin in a ClusterRoleBinding is denied, and in a RoleBinding too', async () => {
  const cluster = await bind('cluster-admin');
  assert.deepEqual([cluster.allowed, cluster.denied], [false, true], cluster.reason);
  const inDev = await bind('cluster-admin', 'dev');
  assert.deepEqual([inDev.allowed, inDev.denied], [false, true], inDev.reason);
  assert.match(inDev.reason, /kubernetes:bind on resource: arn:aws:training::\d{12}:cluster\/k1\/clusterroles\.rbac\.authorization\.k8s\.io\/cluster-admin /);
});

test('the authorize API says the same of the namespaced request', async () => {
  assert.equal(await k1.ask('kubernetes:bind', `/namespaces/dev/clusterroles.${GROUP}/cluster-admin`), 'ExplicitDeny');
  assert.equal(await k1.ask('kubernetes:bind', `/namespaces/dev/clusterroles.${GROUP}/view`), 'Allow');
});

test('binding another ClusterRole in a namespace is allowed as before', async () => {
  const view = await bind('view', 'dev');
  assert.deepEqual([view.allowed, view.denied], [true, false], view.reason);
});

test('a deny on everything in a namespace still reaches binding a ClusterRole there', async () => {
  const prod = await bind('view', 'prod');
  assert.deepEqual([prod.allowed, prod.denied], [false, true], prod.reason);
});
