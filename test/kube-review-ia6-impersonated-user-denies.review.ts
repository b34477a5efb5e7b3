/**
 * Review ia, 6: a Gatehouse principal impersonated as a Kubernetes user escaped its IAM denies. `kubectl
 * --as=arn:aws:iam::A:user/alice` (or `--as=arn:aws:sts::A:assumed-role/ci/build-7`) makes kube-apiserver send
 * SubjectAccessReviews for the username alice's access entry renders, with the groups the impersonator chose and no
 * `extra` unless the impersonator also passes `--as-user-extra`. The webhook took the IAM principal only from
 * `extra.arn`, so without it the review was decided by RBAC alone: with `Deny kubernetes:delete` on
 * `<cluster>/namespaces/prod/pods/*` on alice and a ClusterRoleBinding to alice's username, `delete pods/web -n prod`
 * was denied to alice and allowed to anyone acting as alice. Impersonation is meant to give the impersonated user's
 * rights, no more. A review without `extra.arn` whose username an access entry of the cluster renders is now decided
 * with the IAM denies of that entry's principal (for a role's session-name template, that session of the role); a
 * username no entry renders is decided as before, by RBAC alone.
 *
 * Before the fix 1 of 2 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 (as `aws eks get-token`) and reviewed by the
 * TokenReview webhook; SubjectAccessReviews as kube-apiserver sends them for an impersonated user (no `extra`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let k1: AliceOnK1;
let hook = '';
const GROUP = 'rbac.authorization.k8s.io';

/** A SubjectAccessReview as kube-apiserver sends it for `kubectl --as=<user> --as-group=<groups>`: no `extra`. */
async function asUser(user: string, groups: string[], resourceAttributes: Record<string, string>): Promise<{ allowed: boolean; denied: boolean; reason: string }> {
  const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: { creationTimestamp: null }, spec: { resourceAttributes, user, groups: [...groups, 'system:authenticated'] }, status: { allowed: false } };
  const r = await fetch(`${server.url}/k8s/k1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${hook}` }, body: JSON.stringify(body) });
  const json = (await r.json()) as { status: Record<string, unknown> };
  assert.equal(r.status, 200, JSON.stringify(json));
  return { allowed: json.status['allowed'] === true, denied: json.status['denied'] === true, reason: String(json.status['reason']) };
}

const deletePod = (namespace: string) => ({ verb: 'delete', resource: 'pods', version: 'v1', namespace, name: 'web' });

before(async () => {
  server = await startTestServer();
  const acct = server.adminFile.AccountId;
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({ 'keep-prod-pods': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${cluster}/namespaces/prod/pods/*` }] } }),
    group: 'ops',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'pods' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }] },
      {
        apiVersion: `${GROUP}/v1`,
        kind: 'ClusterRoleBinding',
        metadata: { name: 'pods' },
        subjects: [
          { kind: 'Group', name: 'ops', apiGroup: GROUP },
          { kind: 'User', name: `arn:aws:iam::${acct}:user/alice`, apiGroup: GROUP },
          { kind: 'User', name: `arn:aws:sts::${acct}:assumed-role/ci/build-7`, apiGroup: GROUP },
          { kind: 'User', name: 'someone-else', apiGroup: GROUP },
        ],
        roleRef: { kind: 'ClusterRole', name: 'pods', apiGroup: GROUP },
      },
    ],
  });
  // Role ci, denied deleting pods in ml, mapped by an entry with the default session-name template.
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] };
  const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${k1.cluster}/namespaces/ml/pods/*` }] };
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [doc('Role', 'ci', { trustPolicy: trust, inlinePolicies: { 'keep-ml-pods': deny } }), doc('AccessEntry', 'ci', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:role/ci`, kubernetesGroups: ['ci'] })],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  hook = String((await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
});

after(async () => {
  await server?.stop();
});

test("an impersonated Gatehouse principal is denied what its IAM policies deny, as the principal itself is", async () => {
  const acct = server.adminFile.AccountId;
  const self = await k1.sar({ resourceAttributes: deletePod('prod') });
  assert.deepEqual([self.allowed, self.denied], [false, true], self.reason);
  const alice = await asUser(`arn:aws:iam::${acct}:user/alice`, [], deletePod('prod'));
  assert.deepEqual([alice.allowed, alice.denied], [false, true], alice.reason);
  assert.match(alice.reason, /kubernetes:delete on resource: arn:aws:training::\d{12}:cluster\/k1\/namespaces\/prod\/pods\/web/);
  const session = await asUser(`arn:aws:sts::${acct}:assumed-role/ci/build-7`, ['ci'], deletePod('ml'));
  assert.deepEqual([session.allowed, session.denied], [false, true], session.reason);
});

test('what their IAM policies do not deny, and users no access entry renders, are decided by RBAC as before', async () => {
  const acct = server.adminFile.AccountId;
  const alice = await asUser(`arn:aws:iam::${acct}:user/alice`, [], deletePod('dev'));
  assert.deepEqual([alice.allowed, alice.denied], [true, false], alice.reason);
  const session = await asUser(`arn:aws:sts::${acct}:assumed-role/ci/build-7`, ['ci'], deletePod('prod'));
  assert.deepEqual([session.allowed, session.denied], [true, false], session.reason);
  const other = await asUser('someone-else', [], deletePod('prod'));
  assert.deepEqual([other.allowed, other.denied], [true, false], other.reason);
});
