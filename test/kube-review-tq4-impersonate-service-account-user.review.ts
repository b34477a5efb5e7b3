/**
 * Review tq, 4: the authorize API and who-can read `kubernetes:impersonate` on `<cluster>/users/system:serviceaccount:dev:builder`
 * as impersonating the user of that name, so a rule on `users` answered Allow. kube-apiserver never asks that: its
 * impersonation filter (k8s.io/apiserver `filters/impersonation.go`, `buildImpersonationRequests`) turns a requested
 * username that `serviceaccount.SplitUsername` reads as a service account's into `impersonate` on `serviceaccounts`
 * in its namespace, named by it, and RBAC decides that (policy-semantics.md §A.3: a ServiceAccount's user is
 * `system:serviceaccount:<ns>:<name>`). The webhook refused `kubectl --as=system:serviceaccount:dev:builder` while the
 * authorize API said it was allowed, and who-can, asked who may impersonate that user, named whoever may impersonate
 * users rather than those bound to impersonate the service account. The question is now decided as the request
 * kube-apiserver makes of it; a username that is no service account's (`bob`) is still a user.
 *
 * Real server; the authorize API signed with SDK v3's SignatureV4, the review as kube-apiserver sends it.
 *
 * Before the fix 1 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpsWorld, type OpsWorld } from './support/kube-ops-world.ts';

let world: OpsWorld;
let acct = '';
let cluster = '';
const admin = (method: string, path: string, body?: unknown) => world.admin(method, path, body);

async function authorize(action: string, resource: string): Promise<{ decision: string; text: string }> {
  const r = await admin('POST', '/v1/authorize', { principal: `arn:aws:iam::${acct}:user/alice`, action, resource });
  return { decision: String(r['decision']), text: JSON.stringify(r) };
}

before(async () => {
  world = await startOpsWorld('user-impersonator', () => [{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'] }]);
  ({ acct, cluster } = world);
});

after(async () => {
  await world?.server.stop();
});

test('the webhook refuses impersonating the service account dev/builder (impersonate on serviceaccounts, as kube-apiserver asks it)', async () => {
  assert.equal(await world.webhook({ verb: 'impersonate', group: '', version: 'v1', resource: 'serviceaccounts', namespace: 'dev', name: 'builder' }), false);
});

test('the authorize API does not allow impersonating the user system:serviceaccount:dev:builder through a rule on users', async () => {
  const d = await authorize('kubernetes:impersonate', `${cluster}/users/system:serviceaccount:dev:builder`);
  assert.notEqual(d.decision, 'Allow', d.text);
});

test('a username that is no service account\'s is still a user', async () => {
  assert.equal((await authorize('kubernetes:impersonate', `${cluster}/users/bob`)).decision, 'Allow');
  // Not a service account's username (upper case is no DNS label): a user, as SplitUsername reads it.
  assert.equal((await authorize('kubernetes:impersonate', `${cluster}/users/system:serviceaccount:Dev:builder`)).decision, 'Allow');
});
