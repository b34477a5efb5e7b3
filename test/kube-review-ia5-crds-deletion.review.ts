/**
 * Review ia, 5: deleting CustomResourceDefinitions without naming one got past an IAM deny on deleting custom objects.
 * Since review ia, 4 the deletion of one CRD covers the objects of its resource that a Deny names, but the forms that
 * name none were decided on the definitions alone: `deletecollection` on `customresourcedefinitions` (`DELETE
 * /apis/apiextensions.k8s.io/v1/customresourcedefinitions`, which deletes every CRD, and with each every object of its
 * resource), and `delete` or `*` without a name (`kubectl auth can-i delete crds`). With `Deny kubernetes:delete` on
 * `<cluster>/namespaces/prod/notebooks.kubeflow.org/*`, alice's deletion of `notebooks.kubeflow.org` was denied and her
 * deletion of every CRD allowed. Such a review now covers the objects of each custom resource a Deny names (a resource
 * `<plural>.<group>` of a group that is no built-in API's), and of one no Deny names (for a Deny whose wildcard spans
 * every resource of a namespace, `…/namespaces/prod/*`), in the webhook and the authorize API. A Deny on deleting
 * objects of a built-in resource (pods) does not reach it.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 (as `aws eks get-token`) and reviewed by the
 * TokenReview webhook; SubjectAccessReviews as kube-apiserver sends them; the authorize API as the root admin asks it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let k1: AliceOnK1;
const GROUP = 'rbac.authorization.k8s.io';
const CRDS = 'apiextensions.k8s.io';

const onDefinitions = (verb: string) => k1.sar({ resourceAttributes: { verb, group: CRDS, version: 'v1', resource: 'customresourcedefinitions' } });

/** The authorize API's decision on `kubernetes:deletecollection` of every CRD by user `name`. */
async function deleteAllAs(name: string): Promise<string> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${server.adminFile.AccountId}:user/${name}`, action: 'kubernetes:deletecollection', resource: `${k1.cluster}/customresourcedefinitions.${CRDS}` });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return String(r.json['decision']);
}

/** User `name` with one Deny of `kubernetes:delete` on `<cluster><path>`. */
async function userDenying(name: string, path: string): Promise<void> {
  const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${k1.cluster}${path}` }] };
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name }, spec: { inlinePolicies: { deny: doc } } }] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({
      'keep-prod-notebooks': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${cluster}/namespaces/prod/notebooks.kubeflow.org/*` }] },
    }),
    group: 'ops',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'ops', apiGroup: GROUP } },
    ],
  });
  await userDenying('keeps-ml', '/namespaces/ml/*');
  await userDenying('keeps-pods', '/namespaces/prod/pods/*');
});

after(async () => {
  await server?.stop();
});

test('deleting every CRD is denied when IAM denies deleting objects of a custom resource', async () => {
  const one = await k1.sar({ resourceAttributes: { verb: 'delete', group: CRDS, version: 'v1', resource: 'customresourcedefinitions', name: 'notebooks.kubeflow.org' } });
  assert.deepEqual([one.allowed, one.denied], [false, true], one.reason);
  for (const verb of ['deletecollection', 'delete', '*']) {
    const all = await onDefinitions(verb);
    assert.deepEqual([all.allowed, all.denied], [false, true], `${verb}: ${all.reason}`);
    assert.match(all.reason, /kubernetes:delete on resource: arn:aws:training::\d{12}:cluster\/k1\/namespaces\/prod\/notebooks\.kubeflow\.org/);
  }
});

test('the authorize API says the same, and of a Deny on everything in a namespace', async () => {
  assert.equal(await k1.ask('kubernetes:deletecollection', `/customresourcedefinitions.${CRDS}`), 'ExplicitDeny');
  assert.equal(await deleteAllAs('keeps-ml'), 'ExplicitDeny');
});

test('a Deny on deleting objects of a built-in resource does not reach it, and listing CRDs is allowed', async () => {
  // keeps-pods has no access entry: RBAC gives it nothing, so an implicit deny, not an explicit one.
  assert.equal(await deleteAllAs('keeps-pods'), 'ImplicitDeny');
  const list = await onDefinitions('list');
  assert.deepEqual([list.allowed, list.denied], [true, false], list.reason);
});
