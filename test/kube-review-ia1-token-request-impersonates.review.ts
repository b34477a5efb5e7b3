/**
 * Review ia, 1: a TokenRequest got past an IAM deny on impersonating the service account it mints a token for.
 * `kubectl create token deployer -n prod` (a POST of a TokenRequest to `serviceaccounts/deployer/token`, the
 * TokenRequest API) is one SubjectAccessReview, `create` on `serviceaccounts/token` named `deployer`, and kube-apiserver
 * answers with a bearer token of `system:serviceaccount:prod:deployer`: whoever holds it acts as that service account,
 * as `kubectl --as=system:serviceaccount:prod:deployer` does, which kube-apiserver reviews as `impersonate` on
 * `serviceaccounts/deployer` in prod (k8s.io/apiserver `filters/impersonation.go`). The built-in `edit` and `admin`
 * ClusterRoles grant both. With `Deny kubernetes:impersonate` on `<cluster>/namespaces/prod/serviceaccounts/*`, alice's
 * impersonation of `deployer` was denied, but her token request for it, viewed as `kubernetes:create` on
 * `…/serviceaccounts/deployer/token` alone, was allowed, and the token she got acts as `deployer`. A token request now
 * also stands for `kubernetes:impersonate` of the service account it names, in the webhook and in the authorize API;
 * other subresources and service accounts no Deny reaches are unchanged.
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

const onAccount = (verb: string, namespace: string, name: string, subresource?: string) =>
  k1.sar({ resourceAttributes: { verb, resource: 'serviceaccounts', version: 'v1', namespace, name, ...(subresource !== undefined ? { subresource } : {}) } });

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

test('a token request for a service account IAM denies impersonating is denied, as impersonating it is', async () => {
  const as = await onAccount('impersonate', 'prod', 'deployer');
  assert.deepEqual([as.allowed, as.denied], [false, true], as.reason);
  const token = await onAccount('create', 'prod', 'deployer', 'token');
  assert.deepEqual([token.allowed, token.denied], [false, true], token.reason);
  assert.match(token.reason, /kubernetes:impersonate on resource: arn:aws:training::\d{12}:cluster\/k1\/namespaces\/prod\/serviceaccounts\/deployer/);
  const admin = await onAccount('create', 'kube-system', 'cluster-admin', 'token');
  assert.deepEqual([admin.allowed, admin.denied], [false, true], admin.reason);
});

test('the authorize API says the same', async () => {
  assert.equal(await k1.ask('kubernetes:create', '/namespaces/kube-system/serviceaccounts/cluster-admin/token'), 'ExplicitDeny');
  assert.equal(await k1.ask('kubernetes:create', '/namespaces/kube-system/serviceaccounts/default/token'), 'Allow');
});

test('a token for a service account no Deny reaches is allowed as before', async () => {
  const other = await onAccount('create', 'kube-system', 'default', 'token');
  assert.deepEqual([other.allowed, other.denied], [true, false], other.reason);
  const dev = await onAccount('create', 'dev', 'deployer', 'token');
  assert.deepEqual([dev.allowed, dev.denied], [true, false], dev.reason);
});

test('other requests on a protected service account are decided as before', async () => {
  const get = await onAccount('get', 'prod', 'deployer');
  assert.deepEqual([get.allowed, get.denied], [true, false], get.reason);
  const update = await onAccount('update', 'prod', 'deployer');
  assert.deepEqual([update.allowed, update.denied], [true, false], update.reason);
});
