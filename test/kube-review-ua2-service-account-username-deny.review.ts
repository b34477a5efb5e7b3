/**
 * Review ua, 2: impersonating a service account is impersonating its username. kube-apiserver's impersonation filter
 * (k8s.io/apiserver `filters/impersonation.go`, `buildImpersonationRequests`) turns `Impersonate-User:
 * system:serviceaccount:kube-system:deployer` (`kubectl --as=system:serviceaccount:kube-system:deployer`) into the review
 * `impersonate` on `serviceaccounts` named `deployer` in `kube-system`, and the request then runs as the user
 * `system:serviceaccount:kube-system:deployer` (policy-semantics.md §A.3). The authorize API decides `kubernetes:impersonate`
 * on `<cluster>/users/system:serviceaccount:kube-system:deployer` as that review (review tq, 4) and applies an IAM Deny
 * written on either spelling; the webhook viewed the review as the account object alone, so `Deny kubernetes:impersonate
 * on <cluster>/users/system:*` (no one here acts as a system identity) refused the question in the authorize API and let
 * the real `kubectl --as` through; so did the authorize API asked in the account's spelling, a token request for the
 * account (`kubectl create token`, review ia, 1) and a token Secret of it (review ij, 5), which mint its credential. Each
 * is now also viewed as impersonating the account's username, in every door. A pod running as the account stays decided
 * on the account object (review ij, 1): a Deny of impersonating users (`…/users/*`) would otherwise refuse every pod.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 and reviewed by the TokenReview webhook; the
 * SubjectAccessReviews and AdmissionReviews as kube-apiserver sends them; the authorize API signed by SDK v3.
 *
 * Before the fix 4 of 5 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { impersonatorOnK1 } from './support/kube-session.ts';

let server: TestServer;
let k1: Awaited<ReturnType<typeof impersonatorOnK1>>;
const impersonate = (namespace: string, name: string) => ({ resourceAttributes: { verb: 'impersonate', group: '', version: 'v1', resource: 'serviceaccounts', namespace, name } });

before(async () => {
  server = await startTestServer();
  k1 = await impersonatorOnK1(server, 'no-system-identities', (cluster) => `${cluster}/users/system:*`);
});

after(async () => {
  await server?.stop();
});

test('the webhook refuses impersonating service account kube-system/deployer: the Deny names its username', async () => {
  const r = await k1.sar(impersonate('kube-system', 'deployer'));
  assert.equal(r.allowed, false, r.reason);
  assert.match(r.reason, /users\/system:serviceaccount:kube-system:deployer/);
  // Impersonating a user the Deny does not name is still allowed.
  assert.equal((await k1.sar({ resourceAttributes: { verb: 'impersonate', group: '', version: 'v1', resource: 'users', namespace: '', name: 'bob' } })).allowed, true);
});

test('the webhook refuses minting a token of kube-system/deployer, which acts as its username', async () => {
  const r = await k1.sar({ resourceAttributes: { verb: 'create', group: '', version: 'v1', resource: 'serviceaccounts', subresource: 'token', namespace: 'kube-system', name: 'deployer' } });
  assert.equal(r.allowed, false, r.reason);
});

test('the authorize API refuses it in the account spelling as it does in the username spelling', async () => {
  assert.equal(await k1.ask('kubernetes:impersonate', '/users/system:serviceaccount:kube-system:deployer'), 'ExplicitDeny');
  assert.equal(await k1.ask('kubernetes:impersonate', '/namespaces/kube-system/serviceaccounts/deployer'), 'ExplicitDeny');
});

test('admission refuses a token Secret of kube-system/deployer, naming the username the Deny names; a pod running as it is decided on the account alone', async () => {
  const r = await k1.tokenSecret('kube-system', 'deployer');
  assert.equal(r['allowed'], false, JSON.stringify(r));
  assert.match((r['status'] as { message: string }).message, /service account kube-system\/deployer.*users\/system:serviceaccount:kube-system:deployer with an explicit deny/);
  // A Deny of impersonating users (`…/users/*`) would otherwise refuse every pod: each runs as some account (review ij, 1).
  assert.equal((await k1.pod('kube-system', 'x', 'deployer'))['allowed'], true);
});

test('a Deny that names no system identity leaves service-account impersonation alone', async () => {
  const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: `${k1.cluster}/users/admin-*` }] };
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'alice' }, spec: { inlinePolicies: { 'no-system-identities': deny } } }] });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  await server.running.app.refresh();
  assert.equal((await k1.sar(impersonate('kube-system', 'deployer'))).allowed, true);
  assert.equal(await k1.ask('kubernetes:impersonate', '/namespaces/kube-system/serviceaccounts/deployer'), 'Allow');
  const r = await k1.pod('kube-system', 'x', 'deployer');
  assert.equal(r['allowed'], true, JSON.stringify(r));
});
