/**
 * Review ia, 8: `kubectl auth can-i create pods --subresource=eviction -n data` answered yes to a principal IAM denies
 * deleting a pod there. Since review hr, 6 an eviction stands for `kubernetes:delete` of the pod it names, but only when
 * it names one: a review naming no pod, which covers evicting each pod (review K, K3), was decided on `kubernetes:create`
 * of the eviction alone. With `Deny kubernetes:delete` on `<cluster>/namespaces/data/pods/db-0`, evicting `db-0` was
 * denied and the review of evicting any pod of `data` (or of any namespace) allowed, so a tool asking first was told it
 * may do what it may not. Such a review is now also decided as `kubernetes:delete` of each pod one of the principal's
 * Deny statements names, in the review's namespace or, without one, in any.
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

const evict = (namespace?: string, name?: string) =>
  k1.sar({ resourceAttributes: { verb: 'create', resource: 'pods', subresource: 'eviction', version: 'v1', ...(namespace !== undefined ? { namespace } : {}), ...(name !== undefined ? { name } : {}) } });

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({ 'keep-the-db': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${cluster}/namespaces/data/pods/db-0` }] } }),
    group: 'ops',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ apiGroups: [''], resources: ['pods', 'pods/eviction'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'ops', apiGroup: GROUP } },
    ],
  });
});

after(async () => {
  await server?.stop();
});

test('evicting any pod is denied where IAM denies deleting one of them', async () => {
  const named = await evict('data', 'db-0');
  assert.deepEqual([named.allowed, named.denied], [false, true], named.reason);
  for (const ns of ['data', undefined]) {
    const any = await evict(ns);
    assert.deepEqual([any.allowed, any.denied], [false, true], `${ns}: ${any.reason}`);
    assert.match(any.reason, /kubernetes:delete on resource: arn:aws:training::\d{12}:cluster\/k1\/namespaces\/data\/pods\/db-0/);
  }
});

test('in a namespace no Deny reaches, and for another pod, it is allowed as before', async () => {
  const dev = await evict('dev');
  assert.deepEqual([dev.allowed, dev.denied], [true, false], dev.reason);
  const other = await evict('data', 'db-1');
  assert.deepEqual([other.allowed, other.denied], [true, false], other.reason);
});
