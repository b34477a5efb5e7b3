/**
 * Review gv, 2: the authorize API and who-can read `kubernetes:<verb>` on `<cluster>/users/arn:aws:iam::A:user/bob` as
 * the user `arn:aws:iam::A:user` with a subresource `bob`. kube-apiserver authorizes `kubectl --as=arn:aws:iam::A:user/bob`
 * (a Gatehouse user's default username is its ARN) as verb `impersonate` on resource `users`, name
 * `arn:aws:iam::A:user/bob`, and the CSR plugins `approve`/`sign` on `certificates.k8s.io` `signers` named
 * `kubernetes.io/kube-apiserver-client`: names with `/`, which the webhook's IAM view writes after the resource as they
 * are. Read back split, RBAC's rule on `users` (or `signers` with that resourceName) matched nothing: the webhook allowed
 * the impersonation while `POST /v1/authorize` answered ImplicitDeny and who-can listed no one, so an operator auditing
 * who may impersonate whom was told no one may. Now everything after `users/`, `groups/`, `uids.authentication.k8s.io/`
 * and `signers.certificates.k8s.io/` is the name, and the authorize API answers as the webhook does.
 *
 * Real server; the authorize API and who-can signed with SDK v3's SignatureV4, the review as kube-apiserver sends it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOpsWorld, type OpsWorld } from './support/kube-ops-world.ts';

let world: OpsWorld;
let acct = '';
let cluster = '';
const admin = (method: string, path: string, body?: unknown) => world.admin(method, path, body);
const webhook = (resourceAttributes: Record<string, string>) => world.webhook(resourceAttributes);

async function authorize(action: string, resource: string): Promise<{ decision: string; text: string }> {
  const r = await admin('POST', '/v1/authorize', { principal: `arn:aws:iam::${acct}:user/alice`, action, resource });
  return { decision: String(r['decision']), text: JSON.stringify(r) };
}

before(async () => {
  world = await startOpsWorld('impersonator', (acct) => [
    { apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] },
    { apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: ['kubernetes.io/kube-apiserver-client'], verbs: ['approve'] },
  ]);
  ({ acct, cluster } = world);
});

after(async () => {
  await world?.server.stop();
});

test('impersonating a user named by its ARN: the authorize API allows what the webhook allows', async () => {
  const bob = `arn:aws:iam::${acct}:user/bob`;
  assert.equal(await webhook({ verb: 'impersonate', group: '', version: 'v1', resource: 'users', name: bob }), true);
  const d = await authorize('kubernetes:impersonate', `${cluster}/users/${bob}`);
  assert.equal(d.decision, 'Allow', d.text);
  // A user under a path, and an OIDC user (`issuer#sub`, whose `//` made the path unreadable).
  assert.equal((await authorize('kubernetes:impersonate', `${cluster}/users/arn:aws:iam::${acct}:user/team/carol`)).decision, 'Allow');
  assert.equal((await authorize('kubernetes:impersonate', `${cluster}/users/https://issuer.example.com#1234`)).decision, 'Allow');
  assert.equal((await authorize('kubernetes:impersonate', `${cluster}/groups/oidc:/team/ml`)).decision, 'Allow');
});

test('approving for the signer kubernetes.io/kube-apiserver-client: allowed by its resourceNames, as by the webhook', async () => {
  const signer = 'kubernetes.io/kube-apiserver-client';
  assert.equal(await webhook({ verb: 'approve', group: 'certificates.k8s.io', version: '*', resource: 'signers', name: signer }), true);
  const d = await authorize('kubernetes:approve', `${cluster}/signers.certificates.k8s.io/${signer}`);
  assert.equal(d.decision, 'Allow', d.text);
  assert.equal((await authorize('kubernetes:approve', `${cluster}/signers.certificates.k8s.io/example.com/other`)).decision, 'ImplicitDeny');
});

test('who-can names alice as one who may impersonate bob', async () => {
  const r = await admin('POST', '/v1/who-can', { action: 'kubernetes:impersonate', resource: `${cluster}/users/arn:aws:iam::${acct}:user/bob` });
  assert.match(JSON.stringify(r), /user\/alice/);
});
