/**
 * Review ia, 4: deleting a CustomResourceDefinition got past an IAM deny on deleting its objects. `kubectl delete crd
 * notebooks.kubeflow.org` is one SubjectAccessReview, `delete` on `customresourcedefinitions` named
 * `notebooks.kubeflow.org`; the server then removes the resource's API "and delete[s] all custom objects stored in it"
 * (kubernetes.io, "Extend the Kubernetes API with CustomResourceDefinitions", Delete a CustomResourceDefinition), with
 * no review of the user naming them: every Notebook of every namespace goes. With `Deny kubernetes:delete` on
 * `<cluster>/namespaces/prod/notebooks.kubeflow.org/*` and RBAC that lets her delete CRDs, alice's deletion of a
 * notebook in prod was denied and her deletion of the CRD allowed. A CRD's deletion now also covers, for
 * `kubernetes:delete`, the objects of its resource (`<plural>.<group>`, as the CRD is named) that a Deny names, in any
 * namespace or at cluster scope, as a namespace's deletion covers what is in it (review hr, 2), in the webhook and the
 * authorize API. Another CRD, and reading this one, are unchanged.
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

let server: TestServer;
let k1: AliceOnK1;
const GROUP = 'rbac.authorization.k8s.io';
const CRDS = 'apiextensions.k8s.io';

const onDefinition = (verb: string, name: string) => k1.sar({ resourceAttributes: { verb, group: CRDS, version: 'v1', resource: 'customresourcedefinitions', name } });

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({
      'keep-prod-notebooks': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${cluster}/namespaces/prod/notebooks.kubeflow.org/*` }] },
      'keep-the-pool': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${cluster}/clusterqueues.kueue.x-k8s.io/main` }] },
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

test('deleting a CRD whose objects IAM denies deleting is denied', async () => {
  const one = await k1.sar({ resourceAttributes: { verb: 'delete', group: 'kubeflow.org', version: 'v1', resource: 'notebooks', namespace: 'prod', name: 'lab' } });
  assert.deepEqual([one.allowed, one.denied], [false, true], one.reason);
  const crd = await onDefinition('delete', 'notebooks.kubeflow.org');
  assert.deepEqual([crd.allowed, crd.denied], [false, true], crd.reason);
  assert.match(crd.reason, /kubernetes:delete on resource: arn:aws:training::\d{12}:cluster\/k1\/namespaces\/prod\/notebooks\.kubeflow\.org/);
  // A cluster-scoped custom resource's objects, too.
  const queues = await onDefinition('delete', 'clusterqueues.kueue.x-k8s.io');
  assert.deepEqual([queues.allowed, queues.denied], [false, true], queues.reason);
});

test('the authorize API says the same', async () => {
  assert.equal(await k1.ask('kubernetes:delete', `/customresourcedefinitions.${CRDS}/notebooks.kubeflow.org`), 'ExplicitDeny');
  assert.equal(await k1.ask('kubernetes:delete', `/customresourcedefinitions.${CRDS}/tensorboards.kubeflow.org`), 'Allow');
});

test('another CRD, and reading this one, are allowed as before', async () => {
  const other = await onDefinition('delete', 'tensorboards.kubeflow.org');
  assert.deepEqual([other.allowed, other.denied], [true, false], other.reason);
  const get = await onDefinition('get', 'notebooks.kubeflow.org');
  assert.deepEqual([get.allowed, get.denied], [true, false], get.reason);
});
