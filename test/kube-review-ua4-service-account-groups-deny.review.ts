/**
 * Review ua, 4: impersonating a service account acts as its groups too. kube-apiserver's impersonation filter
 * (k8s.io/apiserver `filters/impersonation.go`) gives an impersonated service account, when no `Impersonate-Group` is
 * sent (`kubectl --as=system:serviceaccount:kube-system:deployer`), the groups its token would carry,
 * `serviceaccount.MakeGroupNames`: `system:serviceaccounts` and `system:serviceaccounts:kube-system`, without asking
 * `impersonate` on them; a token request for the account and a token Secret of it carry them too. So `Deny
 * kubernetes:impersonate on <cluster>/groups/system:serviceaccounts:kube-system` (no one acts as kube-system's service
 * accounts, the group powerful bindings name) refused `kubectl --as=bob --as-group=system:serviceaccounts:kube-system`
 * and let `kubectl --as=system:serviceaccount:kube-system:deployer`, which gets that group, through the webhook, the
 * authorize API and admission. A service account's impersonation is now also viewed as impersonating those two groups
 * (the webhook cannot see whether groups were named, so it denies the more). A pod running as the account stays decided
 * on the account object (review ij, 1): a Deny of impersonating groups (`…/groups/*`) would otherwise refuse every pod.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 and reviewed by the TokenReview webhook; the
 * SubjectAccessReviews and AdmissionReviews as kube-apiserver sends them; the authorize API signed by SDK v3.
 *
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { impersonatorOnK1 } from './support/kube-session.ts';

let server: TestServer;
let k1: Awaited<ReturnType<typeof impersonatorOnK1>>;
const impersonate = (namespace: string, name: string) => ({ resourceAttributes: { verb: 'impersonate', group: '', version: 'v1', resource: 'serviceaccounts', namespace, name } });

before(async () => {
  server = await startTestServer();
  k1 = await impersonatorOnK1(server, 'not-kube-system', (cluster) => `${cluster}/groups/system:serviceaccounts:kube-system`);
});

after(async () => {
  await server?.stop();
});

test('the webhook refuses impersonating a kube-system service account, or minting its token: it acts as the denied group', async () => {
  const r = await k1.sar(impersonate('kube-system', 'deployer'));
  assert.equal(r.allowed, false, r.reason);
  assert.match(r.reason, /groups\/system:serviceaccounts:kube-system/);
  const t = await k1.sar({ resourceAttributes: { verb: 'create', group: '', version: 'v1', resource: 'serviceaccounts', subresource: 'token', namespace: 'kube-system', name: 'deployer' } });
  assert.equal(t.allowed, false, t.reason);
});

test('a service account of another namespace, and the group itself asked directly, are decided as before', async () => {
  assert.equal((await k1.sar(impersonate('dev', 'builder'))).allowed, true);
  assert.equal((await k1.sar({ resourceAttributes: { verb: 'impersonate', group: '', version: 'v1', resource: 'groups', namespace: '', name: 'system:serviceaccounts:kube-system' } })).allowed, false);
  assert.equal(await k1.ask('kubernetes:impersonate', '/namespaces/dev/serviceaccounts/builder'), 'Allow');
});

test('the authorize API refuses impersonating the account in either spelling', async () => {
  assert.equal(await k1.ask('kubernetes:impersonate', '/namespaces/kube-system/serviceaccounts/deployer'), 'ExplicitDeny');
  assert.equal(await k1.ask('kubernetes:impersonate', '/users/system:serviceaccount:kube-system:deployer'), 'ExplicitDeny');
});

test('admission refuses a token Secret of a kube-system service account; pods stay decided on the account alone', async () => {
  const r = await k1.tokenSecret('kube-system', 'deployer');
  assert.equal(r['allowed'], false, JSON.stringify(r));
  assert.match((r['status'] as { message: string }).message, /groups\/system:serviceaccounts:kube-system with an explicit deny/);
  assert.equal((await k1.tokenSecret('dev', 'builder'))['allowed'], true);
  assert.equal((await k1.pod('kube-system', 'x', 'deployer'))['allowed'], true);
});
