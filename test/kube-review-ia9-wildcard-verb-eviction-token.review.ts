/**
 * Review ia, 9: verb `*` on one pod's eviction, or on one service account's token, answered yes to a principal IAM
 * denies deleting that pod or impersonating that account. A review for verb `*` covers every verb (review I, C3), `create`
 * among them, and `create` of `pods/db-0/eviction` deletes `db-0` (review hr, 6), `create` of
 * `serviceaccounts/deployer/token` acts as `deployer` (review ia, 1). Those two took only verb `create`, so
 * `kubectl auth can-i '*' pods/db-0 --subresource=eviction -n data` was viewed on the eviction's path alone, which a Deny
 * naming the pod itself (`…/namespaces/data/pods/db-0`) does not match, and allowed. Verb `*` on a named eviction or
 * token request now stands for them as `create` does.
 *
 * Before the fix 1 of 2 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 (as `aws eks get-token`) and reviewed by the
 * TokenReview webhook; SubjectAccessReviews as kube-apiserver sends them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';

let server: TestServer;
let k1: AliceOnK1;
const GROUP = 'rbac.authorization.k8s.io';

const review = (verb: string, resource: string, namespace: string, name: string, subresource: string) => k1.sar({ resourceAttributes: { verb, resource, version: 'v1', namespace, name, subresource } });

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({
      'keep-the-db': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${cluster}/namespaces/data/pods/db-0` }] },
      'not-the-deployer': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: `${cluster}/namespaces/prod/serviceaccounts/deployer` }] },
    }),
    group: 'ops',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ apiGroups: [''], resources: ['pods/eviction', 'serviceaccounts/token'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'ops', apiGroup: GROUP } },
    ],
  });
});

after(async () => {
  await server?.stop();
});

test('verb * on the eviction of a pod IAM denies deleting, or on the token of an account IAM denies impersonating, is denied', async () => {
  const evict = await review('*', 'pods', 'data', 'db-0', 'eviction');
  assert.deepEqual([evict.allowed, evict.denied], [false, true], evict.reason);
  assert.match(evict.reason, /kubernetes:delete on resource: arn:aws:training::\d{12}:cluster\/k1\/namespaces\/data\/pods\/db-0/);
  const token = await review('*', 'serviceaccounts', 'prod', 'deployer', 'token');
  assert.deepEqual([token.allowed, token.denied], [false, true], token.reason);
  assert.match(token.reason, /kubernetes:impersonate on resource: arn:aws:training::\d{12}:cluster\/k1\/namespaces\/prod\/serviceaccounts\/deployer/);
});

test('verb * on another pod or account is allowed as before', async () => {
  const evict = await review('*', 'pods', 'data', 'db-1', 'eviction');
  assert.deepEqual([evict.allowed, evict.denied], [true, false], evict.reason);
  const token = await review('*', 'serviceaccounts', 'prod', 'builder', 'token');
  assert.deepEqual([token.allowed, token.denied], [true, false], token.reason);
});
