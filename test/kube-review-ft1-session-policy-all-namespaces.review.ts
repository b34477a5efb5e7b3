/**
 * Review ft, 1: a Deny in a role session's own session policy did not stop the review that covers every namespace. The
 * SubjectAccessReview webhook decides a session's IAM side as the session, its session policy included (review ac, 11),
 * and a review with namespace `""` on a namespaced resource (`kubectl get secrets -A`: one review, every namespace's
 * secrets) is viewed in each namespace a Deny names (review K, K6). But those namespaces were looked for in the
 * identity policies and boundary only: with `Deny kubernetes:list` on `<cluster>/namespaces/prod/secrets` in the
 * session policy, `kubectl get secrets -n prod` was denied and `kubectl get secrets -A`, which returns prod's secrets
 * too, was allowed (so was resource `*` in every namespace, whose unnamed resources were found the same way). Now the
 * session's policies are searched as well.
 *
 * Real server; the session from AssumeRole with a session policy (SDK v3), its token reviewed by the TokenReview
 * webhook, then SubjectAccessReviews as kube-apiserver sends them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { reviewedUser, type UserInfo } from './support/admission.ts';

let server: TestServer;
let bearer = '';
let user: UserInfo;
const V = '2012-10-17';
const RBAC = 'rbac.authorization.k8s.io';

async function review(resourceAttributes: Record<string, string>): Promise<Record<string, unknown>> {
  const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes, user: user.username, groups: user.groups, extra: user.extra } };
  const r = await fetch(`${server.url}/k8s/k1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
  const json = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 200, JSON.stringify(json));
  return json['status'] as Record<string, unknown>;
}

const denied = (s: Record<string, unknown>): void => assert.deepEqual([s['allowed'], s['denied'] === true], [false, true], JSON.stringify(s));
const allowed = (s: Record<string, unknown>): void => assert.deepEqual([s['allowed'], s['denied'] === true], [true, false], JSON.stringify(s));

before(async () => {
  server = await startTestServer();
  const acct = server.adminFile.AccountId;
  const cluster = `arn:aws:training::${acct}:cluster/k1`;
  await server.iam().send(new I.CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] }) }));
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc('Cluster', 'k1', {}), doc('AccessEntry', 'ci', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:role/ci`, kubernetesGroups: ['ci'] })] });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const rbac = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    cluster: 'k1',
    documents: [
      { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'reader' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list'] }] },
      { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ci-reader' }, subjects: [{ kind: 'Group', name: 'ci', apiGroup: RBAC }], roleRef: { kind: 'ClusterRole', name: 'reader', apiGroup: RBAC } },
    ],
  });
  assert.equal(rbac.status, 200, JSON.stringify(rbac.json));
  bearer = String((await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
  // The session may do what its role may, but never read prod's secrets or its PyTorchJobs.
  const Policy = JSON.stringify({
    Version: V,
    Statement: [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: 'kubernetes:list', Resource: [`${cluster}/namespaces/prod/secrets`, `${cluster}/namespaces/prod/pytorchjobs.kubeflow.org`] },
    ],
  });
  const c = (await server.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct}:role/ci`, RoleSessionName: 'build-7', Policy }))).Credentials;
  user = await reviewedUser(server.url, 'k1', bearer, { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
});
after(() => server?.stop());

describe('a Deny in the session policy, in the reviews that cover every namespace (review ft, 1)', () => {
  it('list secrets in prod is denied, in dev allowed (as before)', async () => {
    denied(await review({ namespace: 'prod', verb: 'list', version: 'v1', resource: 'secrets' }));
    allowed(await review({ namespace: 'dev', verb: 'list', version: 'v1', resource: 'secrets' }));
  });

  it('list secrets in every namespace (`kubectl get secrets -A`) is denied: it returns prod’s', async () => {
    const s = await review({ namespace: '', verb: 'list', version: 'v1', resource: 'secrets' });
    denied(s);
    assert.match(String(s['reason']), /namespaces\/prod\/secrets/);
  });

  it('list of every resource of group kubeflow.org in every namespace is denied: it covers prod’s PyTorchJobs, which no RBAC rule names', async () => {
    denied(await review({ namespace: '', verb: 'list', group: 'kubeflow.org', version: 'v1', resource: '*' }));
  });

  it('list configmaps in every namespace, which the session policy does not deny, stays allowed', async () => {
    allowed(await review({ namespace: '', verb: 'list', version: 'v1', resource: 'configmaps' }));
  });
});
