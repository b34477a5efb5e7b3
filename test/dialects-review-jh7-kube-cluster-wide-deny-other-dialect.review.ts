/**
 * Review jh, 7: the SubjectAccessReview webhook views a review that names no namespace or object (`kubectl get secrets
 * -A`, `delete pods --all -A`, `can-i create pods --subresource=exec`, deleting a namespace) as the objects the
 * principal's Deny patterns reach, matched against the cluster's ARN as its account spells it
 * (`arn:aws:training::A:cluster/k1/namespaces/…`). Review is, 7 then respelt those views into the other dialect, but a
 * Deny on `acs:pai::A:cluster/k1/namespaces/prod/*` reached no namespace in the first place, so alice, whom RBAC lets do
 * anything and IAM denies everything in prod in that spelling, was answered `allowed` for listing every secret, deleting
 * every pod, exec into any pod and deleting the namespace prod (only reviews naming prod were denied). The views are now
 * made again on the cluster's other-dialect ARN (`iamViews`' `otherSpelling`); as before only a Deny naming the action
 * and the resource counts there, so an exemption by `NotResource` in the cluster's spelling still exempts. Real server;
 * alice's token presigned by SDK v3's SignatureV4 and reviewed by the TokenReview webhook; SubjectAccessReviews as
 * kube-apiserver sends them. Before the fix 1 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';

let server: TestServer;
let k1: AliceOnK1;
const GROUP = 'rbac.authorization.k8s.io';
const otherDialect = (cluster: string): string => cluster.replace(/^arn:aws:training::/, 'acs:pai::');

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({
      'protect-prod': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:*', Resource: `${otherDialect(cluster)}/namespaces/prod/*` }] },
      // Patching only in ml, written in the cluster's own spelling.
      'patch-ml-only': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:patch', NotResource: `${cluster}/namespaces/ml/*` }] },
    }),
    group: 'ops',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'ops', apiGroup: GROUP } },
    ],
  });
});

after(async () => {
  await server?.stop();
});

test('reviews covering prod without naming it are denied', async () => {
  for (const ra of [
    { verb: 'list', resource: 'secrets' },
    { verb: 'get', resource: 'secrets' },
    { verb: 'deletecollection', resource: 'pods' },
    { verb: 'create', resource: 'pods', subresource: 'exec' },
    { verb: 'delete', resource: 'namespaces', name: 'prod' },
  ]) {
    const r = await k1.sar({ resourceAttributes: ra });
    assert.deepEqual([r.allowed, r.denied], [false, true], `${JSON.stringify(ra)}: ${r.reason}`);
    assert.match(r.reason ?? '', /explicit deny/, JSON.stringify(ra));
  }
});

test('what does not cover prod is allowed by RBAC as before', async () => {
  for (const ra of [
    { verb: 'list', resource: 'secrets', namespace: 'dev' },
    { verb: 'delete', resource: 'namespaces', name: 'dev' },
    { verb: 'list', resource: 'namespaces' },
  ]) {
    const r = await k1.sar({ resourceAttributes: ra });
    assert.deepEqual([r.allowed, r.denied], [true, false], `${JSON.stringify(ra)}: ${r.reason}`);
  }
});

test('an exemption by NotResource in the cluster spelling still exempts', async () => {
  const ml = await k1.sar({ resourceAttributes: { verb: 'patch', resource: 'pods', name: 'web', namespace: 'ml' } });
  assert.deepEqual([ml.allowed, ml.denied], [true, false], ml.reason);
  const dev = await k1.sar({ resourceAttributes: { verb: 'patch', resource: 'pods', name: 'web', namespace: 'dev' } });
  assert.deepEqual([dev.allowed, dev.denied], [false, true], dev.reason);
});
