/**
 * Review jh, 5: pod admission refuses a pod (or a workload's pod template) that runs as a service account its user is
 * explicitly denied `kubernetes:impersonate` on (review ij, 1), but asked the engine with the account's ARN spelt in
 * the cluster's account's dialect only (`accountRefusal`). A Deny written with the other dialect's cluster ARN,
 * `acs:pai::A:cluster/k1/namespaces/prod/serviceaccounts/deployer` in an `aws` account, was taken and never matched
 * there, while the SubjectAccessReview webhook (review is, 7) denied `kubectl --as` that account for it: alice ran a pod
 * as deployer (`allowed: true`), getting its token and rights. Admission now also asks the other spelling, and, as
 * reviews is, 5–7, counts only a Deny statement naming the action and the resource there: an exemption by
 * `NotResource` in the cluster's own spelling still admits. Real server; alice's token presigned by SDK v3's
 * SignatureV4 and reviewed by the TokenReview webhook; AdmissionReviews and SubjectAccessReviews as kube-apiserver sends
 * them. Before the fix 1 of 3 tests failed.
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

const otherDialect = (cluster: string): string => cluster.replace(/^arn:aws:training::/, 'acs:pai::');

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({
      'not-deployer': { Version: '2012-10-17', Statement: [{ Sid: 'NotDeployer', Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: `${otherDialect(cluster)}/namespaces/prod/serviceaccounts/deployer` }] },
      // Every account outside dev and prod denied, written in the cluster's own spelling.
      'only-dev': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:impersonate', NotResource: [`${cluster}/namespaces/dev/serviceaccounts/*`, `${cluster}/namespaces/prod/serviceaccounts/*`] }] },
    }),
    group: 'devs',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'devs' }, rules: [{ apiGroups: ['', 'apps', 'batch'], resources: ['pods', 'deployments', 'cronjobs', 'serviceaccounts'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'devs' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'devs', apiGroup: GROUP } },
    ],
  });
});

after(async () => {
  await server?.stop();
});

test('the webhook denies impersonating deployer (review is, 7)', async () => {
  const r = await k1.sar({ resourceAttributes: { verb: 'impersonate', resource: 'serviceaccounts', name: 'deployer', namespace: 'prod' } });
  assert.equal(r.denied, true, r.reason);
});

test('a pod or a Deployment running as deployer is refused, naming the Deny', async () => {
  const r = await review(POD, 'CREATE', pod('prod', 'x', 'deployer'));
  assert.equal(r['allowed'], false, JSON.stringify(r));
  const status = r['status'] as { code: number; message: string };
  assert.equal(status.code, 403);
  assert.match(status.message, /service account prod\/deployer/);
  assert.match(status.message, /statement NotDeployer of policy user\/alice\/not-deployer\)$/);
  const d = await review(DEPLOYMENT, 'CREATE', deployment('prod', 'deployer'));
  assert.equal(d['allowed'], false, JSON.stringify(d));
});

test('what no Deny names is admitted: another account, and one the NotResource exemption lists', async () => {
  for (const p of [pod('prod', 'b', 'builder'), pod('dev', 'a', 'deployer'), pod('dev', 'c')]) {
    const r = await review(POD, 'CREATE', p);
    assert.equal(r['allowed'], true, `${JSON.stringify(p)}: ${JSON.stringify(r)}`);
  }
  const locked = await review(POD, 'CREATE', pod('locked', 'y'));
  assert.equal(locked['allowed'], false, JSON.stringify(locked));
});
