/**
 * Review ac, finding 10: the SubjectAccessReview webhook resolved a role session's IAM principal from its session ARN
 * (`arn:aws:sts::A:assumed-role/R/S`), which carries no path, and kept `arn:aws:iam::A:role/R` as its role: for a role
 * with a path (`/contractors/`) that is not the role's ARN. So `aws:PrincipalArn` was the path-less ARN, and an IAM
 * Deny keyed on it (`ArnLike aws:PrincipalArn arn:aws:iam::A:role/contractors/*`, a common perimeter) did not apply to
 * the role's Kubernetes requests, which RBAC then allowed; and the decision was recorded under the path-less role, so
 * `audit query --role <the role's ARN>` missed it. The authorize union (src/app/authorize.ts) already resolves the
 * role's own ARN. Now the webhook does too. Real server; a role session's token reviewed, then SubjectAccessReviews
 * POSTed as kube-apiserver sends them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { auditRecords, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { kubeToken } from './support/admission.ts';

let server: TestServer;
let acct = '';
let bearer = '';
let session: Credentials;
const V = '2012-10-17';

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
  const iam = server.iam();
  await iam.send(new I.CreateRoleCommand({ RoleName: 'dev', Path: '/contractors/', AssumeRolePolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] }) }));
  // Contractors may not touch secrets in Kubernetes, whatever RBAC says.
  await iam.send(
    new I.PutRolePolicyCommand({
      RoleName: 'dev',
      PolicyName: 'perimeter',
      PolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Deny', Action: 'kubernetes:*', Resource: '*', Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${acct}:role/contractors/*` } } }] }),
    }),
  );
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [doc('Cluster', 'k1', {}), doc('AccessEntry', 'dev', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:role/contractors/dev`, kubernetesGroups: ['devs'] })],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const rbac = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    cluster: 'k1',
    documents: [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'secrets' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'devs-secrets' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { kind: 'ClusterRole', name: 'secrets', apiGroup: 'rbac.authorization.k8s.io' } },
    ],
  });
  assert.equal(rbac.status, 200, JSON.stringify(rbac.json));
  bearer = String((await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
  const c = (await server.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct}:role/contractors/dev`, RoleSessionName: 'eve' }))).Credentials;
  session = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
});
after(() => server?.stop());

describe('a pathed role’s sessions in the SubjectAccessReview webhook (review ac, 10)', () => {
  it('a Deny on aws:PrincipalArn with the role’s path applies, and the decision is found by the role’s ARN', async () => {
    const ROLE = `arn:aws:iam::${acct}:role/contractors/dev`;
    const decided = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:sts::${acct}:assumed-role/dev/eve`, action: 'kubernetes:get', resource: `arn:aws:training::${acct}:cluster/k1/namespaces/team/secrets/s1` });
    assert.equal(decided.json['decision'], 'ExplicitDeny', JSON.stringify(decided.json));
    const tr = await webhook('authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: await token(session, 'k1') } });
    assert.equal(tr['authenticated'], true, JSON.stringify(tr));
    const user = tr['user'] as { username: string; groups: string[]; extra: Record<string, string[]> };
    const s = await webhook('authorize', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { resourceAttributes: { namespace: 'team', verb: 'get', version: 'v1', resource: 'secrets', name: 's1' }, user: user.username, groups: user.groups, extra: user.extra },
    });
    assert.deepEqual([s['allowed'], s['denied']], [false, true], JSON.stringify(s));
    const records = await auditRecords(server, { role: ROLE });
    assert.ok(records.some((r) => r.decision === 'ExplicitDeny' && r.action === 'kubernetes:get'), JSON.stringify(records.map((r) => [r.action, r.decision, r.role])));
  });
});
