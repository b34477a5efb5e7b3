/**
 * Review ia, 7: a disabled user kept its RBAC rights through impersonation. Disabling a user makes Gatehouse's RBAC grant
 * it nothing, even while kube-apiserver still caches its TokenReview (review I, S3): its IAM denies can no longer be
 * read. But `kubectl --as=arn:aws:iam::A:user/bob`, a review of bob's username without `extra.arn`, was decided by RBAC
 * alone, and was allowed everything bob's bindings grant after bob was disabled. Since review ia, 6 such a review is
 * decided with the denies of the principal whose access entry renders the username; when that principal cannot be
 * resolved (disabled, deleted) the answer is now no opinion, as for bob's own token: not `denied`, so the cluster's own
 * authorizers may still decide.
 *
 * Before the fix 1 of 2 tests failed.
 *
 * Real server; SubjectAccessReviews as kube-apiserver sends them for an impersonated user (no `extra`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let hook = '';
const GROUP = 'rbac.authorization.k8s.io';

async function admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await gatehouseJson(server.url, server.admin, method, path, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

/** A SubjectAccessReview as kube-apiserver sends it for `kubectl --as=<user>`: no `extra`. */
async function asUser(user: string): Promise<{ allowed: boolean; denied: boolean; reason: string }> {
  const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes: { verb: 'get', resource: 'pods', version: 'v1', namespace: 'prod', name: 'web' }, user, groups: ['system:authenticated'] } };
  const r = await fetch(`${server.url}/k8s/k1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${hook}` }, body: JSON.stringify(body) });
  const json = (await r.json()) as { status: Record<string, unknown> };
  assert.equal(r.status, 200, JSON.stringify(json));
  return { allowed: json.status['allowed'] === true, denied: json.status['denied'] === true, reason: String(json.status['reason']) };
}

const userArn = (name: string) => `arn:aws:iam::${server.adminFile.AccountId}:user/${name}`;

before(async () => {
  server = await startTestServer();
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  await admin('POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('User', 'bob', {}),
      doc('User', 'carol', {}),
      doc('AccessEntry', 'bob', { cluster: 'k1', principalArn: userArn('bob') }),
      doc('AccessEntry', 'carol', { cluster: 'k1', principalArn: userArn('carol') }),
    ],
  });
  await admin('POST', '/v1/apply', {
    cluster: 'k1',
    documents: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'read' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'read' }, subjects: [userArn('bob'), userArn('carol')].map((name) => ({ kind: 'User', name, apiGroup: GROUP })), roleRef: { kind: 'ClusterRole', name: 'read', apiGroup: GROUP } },
    ],
  });
  hook = String((await admin('POST', '/v1/clusters/k1/webhook-config', {}))['token']);
  await admin('POST', '/v1/users/bob/disable', {});
});

after(async () => {
  await server?.stop();
});

test('impersonating a disabled user gets no opinion, not its RBAC rights', async () => {
  const bob = await asUser(userArn('bob'));
  assert.deepEqual([bob.allowed, bob.denied], [false, false], bob.reason);
  assert.match(bob.reason, /user\/bob` of this Kubernetes user is disabled/);
});

test('impersonating a user that is not disabled gets its RBAC rights as before', async () => {
  const carol = await asUser(userArn('carol'));
  assert.deepEqual([carol.allowed, carol.denied], [true, false], carol.reason);
});
