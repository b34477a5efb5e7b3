/**
 * Review mn, 2: an impersonated username two access entries render escaped the IAM denies of one of them. A review
 * without `extra.arn` (`kubectl --as=<username>`) is decided with the IAM denies of the principal whose entry renders the
 * username (review ia, 6), but only the first entry, in the order of principal ARNs, was taken. User alice's entry
 * naming her `alice` and role `dev`'s entry with the common template `{{SessionName}}` (aws-iam-authenticator's
 * `username: "{{SessionName}}"`) both render `alice`: `arn:…:role/dev` sorts first, so `kubectl --as=alice delete pod
 * web -n prod` was decided with the denies of dev's session `alice`, none, and allowed, while alice's own token is
 * denied it by her `Deny kubernetes:delete` on `…/namespaces/prod/pods/*`; admission likewise let `--as=alice` run a pod
 * as a service account she is denied impersonating. The Kubernetes user `alice` is each principal whose entry renders
 * it: every one's denies now apply, in the SubjectAccessReview and in admission.
 *
 * Before the fix 2 of 4 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 (as `aws eks get-token`) and reviewed by the
 * TokenReview webhook; SubjectAccessReviews and AdmissionReviews as kube-apiserver sends them for an impersonated user
 * (no `extra`).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { admissionReviewOf, admit, podAs, POD_KIND, type UserInfo } from './support/admission.ts';

const GROUP = 'rbac.authorization.k8s.io';
let server: TestServer;
let k1: AliceOnK1;
let acct = '';

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({
      'keep-prod-pods': {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Deny', Action: 'kubernetes:delete', Resource: `${cluster}/namespaces/prod/pods/*` },
          { Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: `${cluster}/namespaces/prod/serviceaccounts/deployer` },
        ],
      },
    }),
    group: 'ops',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'pods' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'alice' }, subjects: [{ kind: 'User', name: 'alice', apiGroup: GROUP }, { kind: 'User', name: 'bob', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'pods', apiGroup: GROUP } },
    ],
  });
  acct = server.adminFile.AccountId;
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] };
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      { apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'alice' }, spec: { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/alice`, kubernetesGroups: ['ops'], username: 'alice' } },
      { apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'dev' }, spec: { trustPolicy: trust } },
      { apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'dev' }, spec: { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:role/dev`, kubernetesGroups: ['ops'], username: '{{SessionName}}' } },
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
});
after(() => server?.stop());

/** A SubjectAccessReview as kube-apiserver sends it for `kubectl --as=<user>`: no `extra`. */
async function asUser(user: string, resourceAttributes: Record<string, string>): Promise<{ allowed: boolean; denied: boolean; reason: string }> {
  const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: { creationTimestamp: null }, spec: { resourceAttributes, user, groups: ['system:authenticated'] }, status: { allowed: false } };
  const r = await fetch(`${server.url}/k8s/k1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${k1.bearer}` }, body: JSON.stringify(body) });
  const json = (await r.json()) as { status: Record<string, unknown> };
  assert.equal(r.status, 200, JSON.stringify(json));
  return { allowed: json.status['allowed'] === true, denied: json.status['denied'] === true, reason: String(json.status['reason']) };
}

const deletePod = (namespace: string) => ({ verb: 'delete', resource: 'pods', version: 'v1', namespace, name: 'web' });
const impersonated = (username: string): UserInfo => ({ username, groups: ['system:authenticated'], extra: {} });

test('`--as=alice delete pod web -n prod` is denied by alice’s Deny', async () => {
  const r = await asUser('alice', deletePod('prod'));
  assert.equal(r.allowed, false, JSON.stringify(r));
  assert.equal(r.denied, true, JSON.stringify(r));
  assert.match(r.reason, new RegExp(`arn:aws:iam::${acct}:user/alice is not authorized to perform: kubernetes:delete`));
});

test('what no Deny reaches stays allowed: `--as=alice` in dev, `--as=bob` (dev’s session bob only) in prod', async () => {
  assert.equal((await asUser('alice', deletePod('dev'))).allowed, true);
  assert.equal((await asUser('bob', deletePod('prod'))).allowed, true);
});

test('admission refuses `--as=alice` a pod running as the service account alice may not impersonate', async () => {
  const r = await admit(server.url, 'k1', k1.bearer, admissionReviewOf(POD_KIND, 'CREATE', podAs('prod', 'x', 'deployer'), null, impersonated('alice')));
  assert.equal(r['allowed'], false, JSON.stringify(r));
  assert.match(String((r['status'] as { message?: string } | undefined)?.message), /deployer/);
});

test('admission admits `--as=alice` a pod running as another service account', async () => {
  const r = await admit(server.url, 'k1', k1.bearer, admissionReviewOf(POD_KIND, 'CREATE', podAs('prod', 'y', 'builder'), null, impersonated('alice')));
  assert.equal(r['allowed'], true, JSON.stringify(r));
});
