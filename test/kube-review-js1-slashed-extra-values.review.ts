/**
 * Review js, finding 1: kube-apiserver authorizes `kubectl --as=… --as-user-extra arn=arn:aws:iam::A:user/bob` as verb
 * `impersonate` on `authentication.k8s.io` `userextras`, subresource the extra's key (`arn`), name its value; the
 * webhook's IAM view writes that `<cluster>/userextras.authentication.k8s.io/<value>/<key>`. The authorize API and
 * who-can read the path back as resource, name, subresource and one segment more, and refused it as no Kubernetes
 * request path: asked whether a user may impersonate Gatehouse's own `extra.arn` (the extra that names the IAM
 * principal of a review) with an ARN value, they answered ImplicitDeny where the webhook allows. Now the key is the last
 * segment (the last two for a domain-prefixed key, `authentication.kubernetes.io/pod-name`) and the value what lies
 * between, as kubernetesResource writes them.
 *
 * Before the fix 3 of 3 tests failed. Real server; the authorize API signed with SDK v3's SignatureV4, the review as
 * kube-apiserver sends it.
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

async function authorize(resource: string): Promise<{ decision: string; text: string }> {
  const r = await admin('POST', '/v1/authorize', { principal: `arn:aws:iam::${acct}:user/alice`, action: 'kubernetes:impersonate', resource });
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
        metadata: { name: 'extras' },
        rules: [
          { apiGroups: ['authentication.k8s.io'], resources: ['userextras/arn'], resourceNames: [`arn:aws:iam::${acct}:user/bob`], verbs: ['impersonate'] },
          { apiGroups: ['authentication.k8s.io'], resources: ['userextras/authentication.kubernetes.io/pod-name'], verbs: ['impersonate'] },
        ],
      },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'extras', apiGroup: GROUP } },
    ],
  });
  hook = String((await admin('POST', '/v1/clusters/k1/webhook-config', {}))['token']);
});

after(async () => {
  await server?.stop();
});

test('impersonating extra.arn with an ARN value: the authorize API allows what the webhook allows', async () => {
  const bob = `arn:aws:iam::${acct}:user/bob`;
  assert.equal(await webhook({ verb: 'impersonate', group: 'authentication.k8s.io', version: 'v1', resource: 'userextras', subresource: 'arn', name: bob }), true);
  const d = await authorize(`${cluster}/userextras.authentication.k8s.io/${bob}/arn`);
  assert.equal(d.decision, 'Allow', d.text);
  // Another value is not in the rule's resourceNames: refused, as by the webhook.
  assert.equal(await webhook({ verb: 'impersonate', group: 'authentication.k8s.io', version: 'v1', resource: 'userextras', subresource: 'arn', name: `arn:aws:iam::${acct}:user/team/carol` }), false);
  assert.equal((await authorize(`${cluster}/userextras.authentication.k8s.io/arn:aws:iam::${acct}:user/team/carol/arn`)).decision, 'ImplicitDeny');
});

test('a domain-prefixed extra key: the last two segments are the key', async () => {
  assert.equal(await webhook({ verb: 'impersonate', group: 'authentication.k8s.io', version: 'v1', resource: 'userextras', subresource: 'authentication.kubernetes.io/pod-name', name: 'web-0' }), true);
  const d = await authorize(`${cluster}/userextras.authentication.k8s.io/web-0/authentication.kubernetes.io/pod-name`);
  assert.equal(d.decision, 'Allow', d.text);
});

test('who-can names alice as one who may impersonate extra.arn of bob', async () => {
  const r = await admin('POST', '/v1/who-can', { action: 'kubernetes:impersonate', resource: `${cluster}/userextras.authentication.k8s.io/arn:aws:iam::${acct}:user/bob/arn` });
  assert.match(JSON.stringify(r), /user\/alice/);
});
