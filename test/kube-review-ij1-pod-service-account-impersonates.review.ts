/**
 * Review ij, 1: a pod running as a service account got past an IAM deny on impersonating that account. Creating a pod
 * that runs as a service account acts as it: the pod gets the account's token and its code runs with the account's
 * rights (Kubernetes' RBAC good practices: "users who can create pods ... can use any service account in the
 * namespace"; GKE asks iam.serviceAccounts.actAs for the same reason). With `Deny kubernetes:impersonate` on
 * `<cluster>/namespaces/prod/serviceaccounts/deployer`, alice's `kubectl --as=system:serviceaccount:prod:deployer` and
 * her `kubectl create token deployer` were denied (review ia, 1), but `kubectl run x -n prod --overrides
 * '{"spec":{"serviceAccountName":"deployer"}}'` was allowed: its SubjectAccessReview is `create pods` and does not name
 * the account; only the admission webhook sees the pod's spec, and it let any pod without a role annotation through.
 * The webhook now refuses a pod, or a workload whose pod template (Deployment, CronJob…) runs as a service account the
 * requesting user is explicitly denied `kubernetes:impersonate` on (an absent `serviceAccountName` is `default`);
 * only an explicit Deny refuses, RBAC's `create pods` stays the grant.
 *
 * Before the fix 5 of 6 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 (as `aws eks get-token`) and reviewed by the TokenReview
 * webhook; AdmissionReviews as kube-apiserver sends them to the webhook's endpoint.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';
import { admissionReviewOf, admit, cronJobAs, CRONJOB_KIND, deploymentAs, DEPLOYMENT_KIND, podAs, POD_KIND, type UserInfo } from './support/admission.ts';

let server: TestServer;
let k1: AliceOnK1;
const pod = podAs;
const deployment = deploymentAs;
const cronJob = cronJobAs;

/** An AdmissionReview of `object` as kube-apiserver sends it, by `userInfo` (alice's by default); the response. */
const review = (kind: { group: string; kind: string; resource: string }, operation: 'CREATE' | 'UPDATE', object: Record<string, unknown>, oldObject: Record<string, unknown> | null = null, userInfo: UserInfo = k1.user) =>
  admit(server.url, 'k1', k1.bearer, admissionReviewOf(kind, operation, object, oldObject, userInfo));

const POD = POD_KIND;
const DEPLOYMENT = DEPLOYMENT_KIND;
const CRONJOB = CRONJOB_KIND;
const GROUP = 'rbac.authorization.k8s.io';

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({
      'not-deployer': { Version: '2012-10-17', Statement: [{ Sid: 'NotDeployer', Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: `${cluster}/namespaces/prod/serviceaccounts/deployer` }] },
      'not-locked': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: `${cluster}/namespaces/locked/serviceaccounts/*` }] },
    }),
    group: 'devs',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'devs' }, rules: [{ apiGroups: ['', 'apps', 'batch'], resources: ['pods', 'deployments', 'cronjobs'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'devs' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'devs', apiGroup: GROUP } },
    ],
  });
});

after(async () => {
  await server?.stop();
});

test('a pod running as a service account IAM denies alice impersonating is refused, naming the Deny', async () => {
  const r = await review(POD, 'CREATE', pod('prod', 'x', 'deployer'));
  assert.equal(r['allowed'], false, JSON.stringify(r));
  const status = r['status'] as { code: number; message: string };
  assert.equal(status.code, 403);
  assert.match(status.message, /service account prod\/deployer/);
  assert.match(status.message, /kubernetes:impersonate on resource: arn:aws:training::\d{12}:cluster\/k1\/namespaces\/prod\/serviceaccounts\/deployer with an explicit deny/);
  assert.match(status.message, /statement NotDeployer of policy user\/alice\/not-deployer\)$/);
});

test('a pod naming no service account runs as `default`, and is refused where that one is denied', async () => {
  const r = await review(POD, 'CREATE', pod('locked', 'y'));
  assert.equal(r['allowed'], false, JSON.stringify(r));
  assert.match((r['status'] as { message: string }).message, /service account locked\/default/);
});

test('a Deployment or a CronJob whose pod template runs as that account is refused', async () => {
  const d = await review(DEPLOYMENT, 'CREATE', deployment('prod', 'deployer'));
  assert.equal(d['allowed'], false, JSON.stringify(d));
  assert.match((d['status'] as { message: string }).message, /Deployment prod\/web.*service account prod\/deployer/);
  const c = await review(CRONJOB, 'CREATE', cronJob('prod', 'deployer'));
  assert.equal(c['allowed'], false, JSON.stringify(c));
  // Changing the template of one that already runs as it (new code as the account) is refused too.
  const u = await review(DEPLOYMENT, 'UPDATE', deployment('prod', 'deployer', 1, 'evil'), deployment('prod', 'deployer'));
  assert.equal(u['allowed'], false, JSON.stringify(u));
});

test('alice impersonated (kubectl --as, no extra.arn) is refused as alice is', async () => {
  const r = await review(POD, 'CREATE', pod('prod', 'z', 'deployer'), null, { username: k1.user.username, groups: k1.user.groups, extra: {} });
  assert.equal(r['allowed'], false, JSON.stringify(r));
});

test("changing a running pod's containers when it runs as that account is refused", async () => {
  const r = await review(POD, 'UPDATE', pod('prod', 'x', 'deployer', 'evil'), pod('prod', 'x', 'deployer'));
  assert.equal(r['allowed'], false, JSON.stringify(r));
});

test('what no Deny reaches is admitted as before', async () => {
  for (const [kind, op, obj, old, who] of [
    [POD, 'CREATE', pod('dev', 'a', 'deployer'), null, k1.user],
    [POD, 'CREATE', pod('prod', 'b', 'builder'), null, k1.user],
    [POD, 'CREATE', pod('prod', 'c'), null, k1.user],
    // Scaling a Deployment leaves its template as it was: no new code runs as the account.
    [DEPLOYMENT, 'UPDATE', deployment('prod', 'deployer', 3), deployment('prod', 'deployer'), k1.user],
    // A pod UPDATE that does not change the containers (a label).
    [POD, 'UPDATE', { ...pod('prod', 'x', 'deployer'), metadata: { name: 'x', namespace: 'prod', labels: { a: 'b' } } }, pod('prod', 'x', 'deployer'), k1.user],
    // The ReplicaSet controller making the Deployment's pods: no IAM principal, nothing denied.
    [POD, 'CREATE', pod('prod', 'web-1', 'deployer'), null, { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts', 'system:authenticated'], extra: {} }],
  ] as const) {
    const r = await review(kind, op, obj as Record<string, unknown>, old as Record<string, unknown> | null, who as UserInfo);
    assert.equal(r['allowed'], true, `${kind.kind} ${op} ${JSON.stringify(obj)}: ${JSON.stringify(r)}`);
  }
});
