/**
 * Review hr, 6: evicting a pod got past an IAM deny on deleting it. An eviction (`kubectl drain`, `kubectl evict`, a
 * POST of an Eviction to `pods/<name>/eviction`) is one SubjectAccessReview, `create` on `pods/eviction`, and
 * kube-apiserver then deletes the pod itself (when its PodDisruptionBudget allows) without reviewing that deletion.
 * The built-in `edit` and `admin` ClusterRoles grant `create pods/eviction`. With `Deny kubernetes:delete` on
 * `<cluster>/namespaces/prod/pods/*`, alice's `delete pods/web -n prod` was denied but her eviction of the same pod,
 * viewed as `kubernetes:create` on `…/pods/web/eviction`, was allowed, and the pod went. An eviction now also stands for
 * `kubernetes:delete` of the pod it names, in the webhook and in the authorize API; other subresources are unchanged.
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

const onPod = (verb: string, namespace: string, name: string, subresource?: string) =>
  k1.sar({ resourceAttributes: { verb, resource: 'pods', version: 'v1', namespace, name, ...(subresource !== undefined ? { subresource } : {}) } });

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({
      'keep-prod-pods': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${cluster}/namespaces/prod/pods/*` }] },
      'keep-the-db': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${cluster}/namespaces/data/pods/db-0` }] },
    }),
    group: 'ops',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ apiGroups: [''], resources: ['pods', 'pods/eviction', 'pods/log'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'ops', apiGroup: GROUP } },
    ],
  });
});

after(async () => {
  await server?.stop();
});

test('evicting a pod IAM denies deleting is denied, as deleting it is', async () => {
  const del = await onPod('delete', 'prod', 'web');
  assert.deepEqual([del.allowed, del.denied], [false, true], del.reason);
  const evict = await onPod('create', 'prod', 'web', 'eviction');
  assert.deepEqual([evict.allowed, evict.denied], [false, true], evict.reason);
  assert.match(evict.reason, /kubernetes:delete on resource: arn:aws:training::\d{12}:cluster\/k1\/namespaces\/prod\/pods\/web/);
  const db = await onPod('create', 'data', 'db-0', 'eviction');
  assert.deepEqual([db.allowed, db.denied], [false, true], db.reason);
});

test('the authorize API says the same', async () => {
  assert.equal(await k1.ask('kubernetes:create', '/namespaces/data/pods/db-0/eviction'), 'ExplicitDeny');
  assert.equal(await k1.ask('kubernetes:create', '/namespaces/data/pods/db-1/eviction'), 'Allow');
});

test('evicting a pod no Deny reaches is allowed as before', async () => {
  const other = await onPod('create', 'data', 'db-1', 'eviction');
  assert.deepEqual([other.allowed, other.denied], [true, false], other.reason);
});

test('other subresources of a protected pod are decided as before', async () => {
  const logs = await onPod('get', 'prod', 'web', 'log');
  assert.deepEqual([logs.allowed, logs.denied], [true, false], logs.reason);
});
