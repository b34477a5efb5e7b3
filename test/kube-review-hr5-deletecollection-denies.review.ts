/**
 * Review hr, 5: `deletecollection` got past an IAM deny on deleting the objects it deletes. A DELETE on a collection
 * (`DELETE /api/v1/namespaces/prod/pods`, client-go's `DeleteCollection`, `kubectl delete --raw`) is one
 * SubjectAccessReview, `deletecollection` on the collection, and kube-apiserver then deletes every object of it that
 * the selectors match, without a review of each. With `Deny kubernetes:delete` on `<cluster>/namespaces/prod/pods/*` and
 * RBAC that allows it, alice's `deletecollection pods -n prod` (or across all namespaces) was viewed as
 * `kubernetes:deletecollection` on `…/namespaces/prod/pods` alone and answered `allowed`: every pod the Deny protects
 * went. A collection's deletion now also stands for `kubernetes:delete` of each object of it (as a review naming no
 * object stands for its objects, review K, K3, and across namespaces, review K, K6), in the webhook and in the authorize
 * API. Listing a collection is unchanged: it reads, and a Deny on reading one object does not deny it.
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

const review = (verb: string, resource: string, namespace?: string) => k1.sar({ resourceAttributes: { verb, resource, version: 'v1', ...(namespace !== undefined ? { namespace } : {}) } });

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({ 'keep-prod-pods': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: ['kubernetes:delete', 'kubernetes:get'], Resource: `${cluster}/namespaces/prod/pods/*` }] } }),
    group: 'ops',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ apiGroups: [''], resources: ['pods', 'configmaps'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'ops', apiGroup: GROUP } },
    ],
  });
});

after(async () => {
  await server?.stop();
});

test("deleting prod's pods as a collection is denied, in prod and across all namespaces", async () => {
  const prod = await review('deletecollection', 'pods', 'prod');
  assert.deepEqual([prod.allowed, prod.denied], [false, true], prod.reason);
  assert.match(prod.reason, /kubernetes:delete on resource: arn:aws:training::\d{12}:cluster\/k1\/namespaces\/prod\/pods\//);
  const all = await review('deletecollection', 'pods');
  assert.deepEqual([all.allowed, all.denied], [false, true], all.reason);
});

test('the authorize API says the same', async () => {
  assert.equal(await k1.ask('kubernetes:deletecollection', '/namespaces/prod/pods'), 'ExplicitDeny');
  assert.equal(await k1.ask('kubernetes:deletecollection', '/namespaces/dev/pods'), 'Allow');
});

test('collections no Deny reaches are deleted as before', async () => {
  for (const [resource, namespace] of [['pods', 'dev'], ['configmaps', 'prod'], ['configmaps', undefined]] as const) {
    const r = await review('deletecollection', resource, namespace);
    assert.deepEqual([r.allowed, r.denied], [true, false], `${resource} ${namespace}: ${r.reason}`);
  }
});

test('listing prod’s pods is allowed as before', async () => {
  const list = await review('list', 'pods', 'prod');
  assert.deepEqual([list.allowed, list.denied], [true, false], list.reason);
});
