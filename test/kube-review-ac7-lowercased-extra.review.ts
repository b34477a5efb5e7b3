/**
 * Review ac, finding 7: the TokenReview webhook gives a session's user the `extra` keys `tokenIssueTime`,
 * `accessKeyId` and `sessionName` (as aws-iam-authenticator names them), and the SubjectAccessReview webhook read them
 * in that case only. But a user's extra reaches an aggregated API server (metrics-server: `kubectl top`) as front-proxy
 * headers `X-Remote-Extra-<key>`, whose names HTTP does not keep the case of: the aggregated server's authenticator
 * lower-cases them (k8s.io/apiserver requestheader), and its delegated SubjectAccessReview carries `tokenissuetime`,
 * `accesskeyid`, `sessionname`. The issue time unread counted as the earliest, so a policy refusing sessions issued
 * before a revocation refused the new session's delegated reviews too. Now the keys Gatehouse sets are read in any
 * case. Real server; a role session's token reviewed, then SubjectAccessReviews POSTed as kube-apiserver sends them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { kubeToken } from './support/admission.ts';

let server: TestServer;
let acct = '';
let bearer = '';
let dev: Credentials;

/** A `k8s-aws-v1.` token of `creds` for `cluster`, as `gatehouse kube token` makes one. */
const token = (creds: Credentials, cluster: string): Promise<string> => kubeToken(server.url, cluster, creds);

async function webhook(which: 'authenticate' | 'authorize', body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${server.url}/k8s/k1/${which}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
  const json = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 200, JSON.stringify(json));
  return json['status'] as Record<string, unknown>;
}

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  // Sessions of `dev` issued before an hour ago are refused everything in Kubernetes (a revocation by issue time).
  const revoked = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('Role', 'dev', {
        trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] },
        inlinePolicies: { revoke: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:*', Resource: '*', Condition: { DateLessThan: { 'aws:TokenIssueTime': revoked } } }] } },
      }),
      doc('AccessEntry', 'dev', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:role/dev`, kubernetesGroups: ['devs'] }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const rbac = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    cluster: 'k1',
    documents: [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'metrics' }, rules: [{ apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: ['get', 'list'] }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'devs-metrics' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { kind: 'ClusterRole', name: 'metrics', apiGroup: 'rbac.authorization.k8s.io' } },
    ],
  });
  assert.equal(rbac.status, 200, JSON.stringify(rbac.json));
  bearer = String((await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
  const c = (await server.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct}:role/dev`, RoleSessionName: 'alice' }))).Credentials;
  dev = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
});
after(() => server?.stop());

describe('extra keys in the case an aggregated API server sends them (review ac, 7)', () => {
  it('a new session’s delegated review (extra keys lower-cased) is decided as kube-apiserver’s own', async () => {
    const tr = await webhook('authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: await token(dev, 'k1') } });
    assert.equal(tr['authenticated'], true, JSON.stringify(tr));
    const user = tr['user'] as { username: string; groups: string[]; extra: Record<string, string[]> };
    assert.ok(user.extra['tokenIssueTime'], JSON.stringify(user.extra));
    const attrs = { resourceAttributes: { namespace: 'team', verb: 'list', group: 'metrics.k8s.io', version: 'v1beta1', resource: 'pods' } };
    const sar = (extra: Record<string, string[]>) => webhook('authorize', { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { ...attrs, user: user.username, groups: user.groups, extra } });
    const own = await sar(user.extra);
    assert.deepEqual([own['allowed'], own['denied']], [true, undefined], JSON.stringify(own));
    const lowered = Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k.toLowerCase(), v]));
    const delegated = await sar(lowered);
    assert.deepEqual([delegated['allowed'], delegated['denied']], [true, undefined], JSON.stringify(delegated));
  });
});
