/**
 * Review mn, 3: an access entry's username could start with `eks:`, `aws:`, `amazon:` or `iam:`, which EKS refuses.
 * EKS's CreateAccessEntry takes a custom username only if it "can't start with system:, eks:, aws:, amazon:, or iam:"
 * (EKS user guide, "Set a custom username for EKS access entries"): those names are the platform's own identities, which
 * an EKS-based cluster's bootstrap RBAC binds (User `eks:addon-manager` to cluster-admin, `eks:node-manager`…).
 * Gatehouse refused `system:` alone, at creation and in the username a template renders for each token (review R, R4),
 * so `POST /v1/clusters/k1/access-entries` and `apply` gave an IAM principal the username `eks:addon-manager`, and a
 * role's template `{{SessionName}}:ops` gave the session its assumer named `eks` the user `eks:ops`. Now all five
 * prefixes are refused at creation (400 VALIDATION_ERROR at `username`) and in the rendered username (the token is
 * not authenticated), as `system:` is.
 *
 * Before the fix 3 of 4 tests failed.
 *
 * Real server; the admin API signed with SDK v3's SignatureV4; role sessions from AssumeRole through SDK v3; their
 * tokens presigned by SDK v3's SignatureV4 (as `aws eks get-token`) and reviewed by the TokenReview webhook.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { startTestServer, type TestServer } from './support/server.ts';
import { kubeToken } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let acct = '';
let hook = '';
const arn = (kind: 'user' | 'role', name: string): string => `arn:aws:iam::${acct}:${kind}/${name}`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] };
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      ...['u1', 'u2', 'u3', 'u4', 'u5'].map((u) => doc('User', u, {})),
      doc('Role', 'dev', { trustPolicy: trust }),
      doc('Role', 'ops', { trustPolicy: trust }),
      doc('AccessEntry', 'ops', { cluster: 'k1', principalArn: arn('role', 'ops'), kubernetesGroups: ['ops'], username: '{{SessionName}}:ops' }),
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  hook = String((await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
});
after(() => server?.stop());

test('`POST /v1/clusters/k1/access-entries` refuses a username starting with eks:, aws:, amazon: or iam:, as system:', async () => {
  for (const [user, username] of [['u1', 'eks:addon-manager'], ['u2', 'aws:admin'], ['u3', 'amazon:ops'], ['u4', 'IAM:{{SessionName}}'], ['u5', 'system:masters']]) {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/access-entries', { principalArn: arn('user', user as string), kubernetesGroups: ['devs'], username });
    assert.equal(r.status, 400, `${username}: ${JSON.stringify(r.json)}`);
    assert.match(JSON.stringify(r.json), new RegExp(`username \`${(username as string).replace(/[{}]/g, '\\$&')}\` starts with \`${(username as string).split(':')[0]}:\``, 'i'));
  }
  const fine = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/access-entries', { principalArn: arn('user', 'u1'), kubernetesGroups: ['devs'], username: 'eks-admin' });
  assert.equal(fine.status, 201, JSON.stringify(fine.json));
});

test('`apply` refuses an AccessEntry whose username starts with eks:', async () => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc('AccessEntry', 'dev', { cluster: 'k1', principalArn: arn('role', 'dev'), kubernetesGroups: ['devs'], username: 'eks:{{SessionName}}' })] });
  assert.equal(r.status, 400, JSON.stringify(r.json));
  assert.match(JSON.stringify(r.json), /spec\.username/);
});

/** The TokenReview of a session of role `ops` named `session`. */
async function reviewSession(session: string): Promise<Record<string, unknown>> {
  const c = (await server.sts().send(new AssumeRoleCommand({ RoleArn: arn('role', 'ops'), RoleSessionName: session }))).Credentials;
  const token = await kubeToken(server.url, 'k1', { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
  const r = await fetch(`${server.url}/k8s/k1/authenticate`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${hook}` }, body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }) });
  assert.equal(r.status, 200);
  return ((await r.json()) as { status: Record<string, unknown> }).status;
}

test('a session named `eks` of a role whose template is `{{SessionName}}:ops` is not authenticated as `eks:ops`', async () => {
  const s = await reviewSession('eks');
  assert.equal(s['authenticated'], false, JSON.stringify(s));
  assert.match(String(s['error']), /renders the username `eks:ops`/);
});

test('a session named `build` of that role is `build:ops`', async () => {
  const s = await reviewSession('build');
  assert.equal(s['authenticated'], true, JSON.stringify(s));
  assert.equal((s['user'] as { username: string }).username, 'build:ops');
});
