/**
 * Review ia, 3: `kubectl auth can-i create serviceaccounts --subresource=token -n prod` answered yes to a principal IAM
 * denies impersonating prod's service accounts. A review naming no object covers every object it names (review K,
 * K3): a token request for some account of prod, which since review ia, 1 stands for impersonating that account. The
 * named request (`kubectl create token deployer -n prod`) was denied, but the review naming no account, in prod or
 * across all namespaces, was decided on `kubernetes:create` alone and allowed, so a tool asking first (can-i, an
 * operator's SelfSubjectAccessReview) was told it may mint tokens it may not. Such a review is now also decided as
 * `kubernetes:impersonate` of each service account one of the principal's Deny statements names, in the review's
 * namespace or, without one, in any.
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

const tokens = (namespace?: string, name?: string) =>
  k1.sar({ resourceAttributes: { verb: 'create', resource: 'serviceaccounts', subresource: 'token', version: 'v1', ...(namespace !== undefined ? { namespace } : {}), ...(name !== undefined ? { name } : {}) } });

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({
      'no-prod-accounts': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: `${cluster}/namespaces/prod/serviceaccounts/*` }] },
      'not-the-admin': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: `${cluster}/namespaces/kube-system/serviceaccounts/cluster-admin` }] },
    }),
    group: 'ops',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ apiGroups: [''], resources: ['serviceaccounts', 'serviceaccounts/token'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'ops', apiGroup: GROUP } },
    ],
  });
});

after(async () => {
  await server?.stop();
});

test('a token request naming no account is denied where IAM denies impersonating one of them', async () => {
  const named = await tokens('prod', 'deployer');
  assert.deepEqual([named.allowed, named.denied], [false, true], named.reason);
  for (const ns of ['prod', 'kube-system', undefined]) {
    const any = await tokens(ns);
    assert.deepEqual([any.allowed, any.denied], [false, true], `${ns}: ${any.reason}`);
    assert.match(any.reason, /kubernetes:impersonate on resource: arn:aws:training::\d{12}:cluster\/k1\/namespaces\/(prod|kube-system)\/serviceaccounts\/[a-z-]+/);
  }
});

test('in a namespace no Deny reaches, it is allowed as before', async () => {
  const dev = await tokens('dev');
  assert.deepEqual([dev.allowed, dev.denied], [true, false], dev.reason);
  const list = await k1.sar({ resourceAttributes: { verb: 'list', resource: 'serviceaccounts', version: 'v1', namespace: 'prod' } });
  assert.deepEqual([list.allowed, list.denied], [true, false], list.reason);
});
