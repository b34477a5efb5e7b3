/**
 * Review is, 7: the SubjectAccessReview webhook's IAM side (an explicit deny from an IAM policy is `denied: true`) compared
 * a Deny's ARN literally with the Kubernetes object's, spelt in the cluster's account's dialect
 * (`arn:aws:training::A:cluster/k1/namespaces/prod/pods/web` in an `aws` account). A Deny written with the other
 * dialect's cluster ARN, `acs:pai::A:cluster/k1/namespaces/prod/*` (both dialects are accepted in policies), was taken
 * and never matched: alice, whom RBAC lets do anything, was answered `allowed` for deleting pods in prod, while the
 * authorize API, which decides a cluster's ARN in either spelling (review is, 6), answered ExplicitDeny. The webhook
 * now also asks each object's other-dialect spelling, deny-only, as the authorize API does; objects the Deny does not
 * reach, and RBAC's allows, are as before. Real server; alice's token presigned by SDK v3's SignatureV4 and reviewed by
 * the TokenReview webhook; SubjectAccessReviews as kube-apiserver sends them.
 * Before the fix 1 of 3 tests failed.
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

test('a Deny on the other dialect spelling of the cluster denies the review', async () => {
  const del = await k1.sar({ resourceAttributes: { verb: 'delete', resource: 'pods', name: 'web', namespace: 'prod' } });
  assert.deepEqual([del.allowed, del.denied], [false, true], del.reason);
  const get = await k1.sar({ resourceAttributes: { verb: 'get', resource: 'secrets', name: 'db', namespace: 'prod' } });
  assert.deepEqual([get.allowed, get.denied], [false, true], get.reason);
});

test('the authorize API answers the same', async () => {
  assert.equal(await k1.ask('kubernetes:delete', '/namespaces/prod/pods/web'), 'ExplicitDeny');
  assert.equal(await k1.ask('kubernetes:delete', '/namespaces/dev/pods/web'), 'Allow');
});

test('another namespace is allowed by RBAC as before', async () => {
  const dev = await k1.sar({ resourceAttributes: { verb: 'delete', resource: 'pods', name: 'web', namespace: 'dev' } });
  assert.deepEqual([dev.allowed, dev.denied], [true, false], dev.reason);
});
