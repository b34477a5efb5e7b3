/**
 * Review ix, 1: constrained impersonation got past an IAM deny on impersonating. With the `ConstrainedImpersonation`
 * feature (KEP-5284; kubernetes.io "User Impersonation", "Constrained Impersonation": alpha in 1.35, beta in 1.36)
 * kube-apiserver answers `kubectl --as=system:serviceaccount:prod:deployer` by first asking the identity verb of the
 * impersonation's mode, `impersonate:serviceaccount` on `serviceaccounts` of the `authentication.k8s.io` group, named
 * `deployer` in `prod` (`impersonate:user-info` on `users`, `groups`, `uids`, `userextras/<key>` for a person,
 * `impersonate:arbitrary-node` or `impersonate:associated-node` on `nodes` for `system:node:<name>`), and only "if
 * those checks fail, it falls back to checking the `impersonate` permission". A `Deny kubernetes:impersonate` on
 * `<cluster>/namespaces/prod/serviceaccounts/deployer` refused the legacy review, but the constrained one was viewed
 * as `kubernetes:impersonate:serviceaccount` on `…/namespaces/prod/serviceaccounts.authentication.k8s.io/deployer`,
 * which the Deny neither names nor can name without knowing the feature, and RBAC's verb `*` (cluster-admin bound in
 * the namespace, a platform team's `*` rule) allows it: alice acted as `deployer` past her Deny. An identity review of
 * constrained impersonation now also stands for `kubernetes:impersonate` of what it impersonates, at the path the legacy
 * review has (the account's, `<cluster>/users/<name>`, `<cluster>/groups/<name>`, a node's user
 * `<cluster>/users/system:node:<name>`). (The authorize API does not take these verbs: an IAM action
 * `kubernetes:impersonate:serviceaccount` is refused there, 400, as before.)
 *
 * Why it matters: the Deny is the one way an IAM admin keeps a person from acting as a service account or another
 * user; a cluster that turns on a Kubernetes feature should not silently lose it.
 *
 * Before the fix 3 of 4 tests failed.
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
const AUTHN = 'authentication.k8s.io';

const identity = (verb: string, resource: string, name: string, namespace?: string) =>
  k1.sar({ resourceAttributes: { verb, group: AUTHN, resource, name, ...(namespace !== undefined ? { namespace } : {}) } });

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({
      'no-prod-accounts': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: `${cluster}/namespaces/prod/serviceaccounts/*` }] },
      'no-people': {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: [`${cluster}/users/bob`, `${cluster}/groups/system:masters`, `${cluster}/users/system:node:*`] }],
      },
    }),
    group: 'platform',
    // What cluster-admin grants: every verb, the new identity verbs among them.
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'everything' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'platform' }, subjects: [{ kind: 'Group', name: 'platform', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'everything', apiGroup: GROUP } },
    ],
  });
});

after(async () => {
  await server?.stop();
});

test('impersonate:serviceaccount of an account IAM denies impersonating is denied, as the legacy impersonate is', async () => {
  const legacy = await k1.sar({ resourceAttributes: { verb: 'impersonate', resource: 'serviceaccounts', namespace: 'prod', name: 'deployer' } });
  assert.deepEqual([legacy.allowed, legacy.denied], [false, true], legacy.reason);
  const constrained = await identity('impersonate:serviceaccount', 'serviceaccounts', 'deployer', 'prod');
  assert.deepEqual([constrained.allowed, constrained.denied], [false, true], constrained.reason);
  assert.match(constrained.reason, /kubernetes:impersonate on resource: arn:aws:training::\d{12}:cluster\/k1\/namespaces\/prod\/serviceaccounts\/deployer\b/);
});

test('impersonate:user-info of a user or group IAM denies impersonating is denied', async () => {
  const bob = await identity('impersonate:user-info', 'users', 'bob');
  assert.deepEqual([bob.allowed, bob.denied], [false, true], bob.reason);
  assert.match(bob.reason, /kubernetes:impersonate on resource: arn:aws:training::\d{12}:cluster\/k1\/users\/bob\b/);
  const masters = await identity('impersonate:user-info', 'groups', 'system:masters');
  assert.deepEqual([masters.allowed, masters.denied], [false, true], masters.reason);
});

test('impersonating an arbitrary node is impersonating its user system:node:<name>', async () => {
  // (`impersonate:associated-node` is for a service account impersonating its own node: no IAM principal asks it.)
  const node = await identity('impersonate:arbitrary-node', 'nodes', 'gpu-7');
  assert.deepEqual([node.allowed, node.denied], [false, true], node.reason);
  assert.match(node.reason, /users\/system:node:gpu-7\b/);
});

test('identities no Deny reaches, and the action reviews, are decided as before', async () => {
  const dev = await identity('impersonate:serviceaccount', 'serviceaccounts', 'deployer', 'dev');
  assert.deepEqual([dev.allowed, dev.denied], [true, false], dev.reason);
  const carol = await identity('impersonate:user-info', 'users', 'carol');
  assert.deepEqual([carol.allowed, carol.denied], [true, false], carol.reason);
  // The second review of constrained impersonation: the action, on its own resource.
  const on = await k1.sar({ resourceAttributes: { verb: 'impersonate-on:serviceaccount:get', resource: 'pods', namespace: 'prod', name: 'web' } });
  assert.deepEqual([on.allowed, on.denied], [true, false], on.reason);
});
