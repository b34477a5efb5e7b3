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
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let hook = '';
let acct = '';
let cluster = '';
const GROUP = 'rbac.authorization.k8s.io';

async function admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await gatehouseJson(server.url, server.admin, method, path, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

async function authorize(action: string, resource: string): Promise<{ decision: string; text: string }> {
  const r = await admin('POST', '/v1/authorize', { principal: `arn:aws:iam::${acct}:user/alice`, action, resource });
  return { decision: String(r['decision']), text: JSON.stringify(r) };
}

async function webhook(resourceAttributes: Record<string, string>): Promise<boolean> {
  const r = await fetch(`${server.url}/k8s/k1/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${hook}` },
    body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes, user: `arn:aws:iam::${acct}:user/alice`, groups: ['ops', 'system:authenticated'] } }),
  });
  const json = (await r.json()) as { status: { allowed: boolean } };
  assert.equal(r.status, 200, JSON.stringify(json));
  return json.status.allowed;
}

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  cluster = `arn:aws:training::${acct}:cluster/k1`;
  await admin('POST', '/v1/apply', {
    documents: [
      { apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} },
      { apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'alice' }, spec: {} },
      { apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'alice' }, spec: { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/alice`, kubernetesGroups: ['ops'] } },
    ],
  });
  await admin('POST', '/v1/apply', {
    cluster: 'k1',
    documents: [
      {
        apiVersion: `${GROUP}/v1`,
        kind: 'ClusterRole',
        metadata: { name: 'impersonator' },
        rules: [
          { apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] },
          { apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: ['kubernetes.io/kube-apiserver-client'], verbs: ['approve'] },
        ],
      },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'impersonator', apiGroup: GROUP } },
    ],
  });
  hook = String((await admin('POST', '/v1/clusters/k1/webhook-config', {}))['token']);
});

after(async () => {
  await server?.stop();
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
