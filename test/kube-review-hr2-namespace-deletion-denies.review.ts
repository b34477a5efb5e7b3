/**
 * Review hr, 2: deleting a namespace got past an IAM deny on deleting what is in it. `kubectl delete namespace prod` is
 * one SubjectAccessReview, `delete` on the namespace object (`<cluster>/namespaces/prod`); kube-apiserver then marks the
 * namespace terminating and the namespace controller deletes every object in it, as itself, so no review of the user
 * names those objects. With `Deny kubernetes:delete` on `<cluster>/namespaces/prod/*` (every object in prod) and RBAC
 * that lets her delete namespaces, alice was answered `allowed` for `delete namespaces/prod`, and every pod, secret and
 * job of prod went, the deletions the policy denies. The webhook already decides a review that covers several requests
 * as denied when IAM denies one of them (review I, C3; review K, K3, for the objects below a collection); deleting a
 * namespace now covers, for `kubernetes:delete`, the objects in it that a Deny statement names (`…/namespaces/prod/*`,
 * `…/namespaces/*\/secrets/*`), in the webhook and in the authorize API alike. Reading the namespace, or deleting
 * another namespace no Deny reaches, is unchanged.
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

const deleteNamespace = (ns: string) => k1.sar({ resourceAttributes: { verb: 'delete', resource: 'namespaces', name: ns, namespace: ns } });

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({
      'protect-prod': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${cluster}/namespaces/prod/*` }] },
      'keep-secrets': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${cluster}/namespaces/*-data/secrets/*` }] },
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

test('deleting a namespace whose objects IAM denies deleting is denied', async () => {
  const one = await k1.sar({ resourceAttributes: { verb: 'delete', resource: 'pods', name: 'web', namespace: 'prod' } });
  assert.deepEqual([one.allowed, one.denied], [false, true], one.reason);
  const ns = await deleteNamespace('prod');
  assert.deepEqual([ns.allowed, ns.denied], [false, true], ns.reason);
  assert.match(ns.reason, /kubernetes:delete on resource: arn:aws:training::\d{12}:cluster\/k1\/namespaces\/prod\//);
  const secrets = await deleteNamespace('ml-data');
  assert.deepEqual([secrets.allowed, secrets.denied], [false, true], secrets.reason);
  assert.match(secrets.reason, /namespaces\/ml-data\/secrets\//);
});

test('the authorize API says the same of kubernetes:delete on the namespace', async () => {
  assert.equal(await k1.ask('kubernetes:delete', '/namespaces/prod'), 'ExplicitDeny');
  assert.equal(await k1.ask('kubernetes:delete', '/namespaces/dev'), 'Allow');
});

test('another namespace, and reading prod, are allowed as before', async () => {
  const dev = await deleteNamespace('dev');
  assert.deepEqual([dev.allowed, dev.denied], [true, false], dev.reason);
  const get = await k1.sar({ resourceAttributes: { verb: 'get', resource: 'namespaces', name: 'prod', namespace: 'prod' } });
  assert.deepEqual([get.allowed, get.denied], [true, false], get.reason);
});

test('other reviews of prod and of a namespace (listing, finalizing) are decided as before', async () => {
  const list = await k1.sar({ resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'prod' } });
  assert.deepEqual([list.allowed, list.denied], [true, false], list.reason);
  const status = await k1.sar({ resourceAttributes: { verb: 'update', resource: 'namespaces', subresource: 'finalize', name: 'dev', namespace: 'dev' } });
  assert.deepEqual([status.allowed, status.denied], [true, false], status.reason);
});
