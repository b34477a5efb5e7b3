/**
 * Review ac, finding 11: the SubjectAccessReview webhook decided a role session's IAM side from its session ARN alone
 * (the role's policies and tags), though the review carries the session itself, sealed by Gatehouse's TokenReview
 * (`extra["gatehouse.dev/session"]`: source identity, session tags, session policies, issue time). An IAM Deny on
 * `aws:SourceIdentity` (`contractor-*`), on a session tag (`aws:PrincipalTag/team`), or in the session's own policy
 * did not apply to its Kubernetes requests, which RBAC then allowed; the same session's requests elsewhere are denied.
 * Now the IAM side is decided as the session. Real server; sessions from AssumeRole (SDK v3), their tokens reviewed,
 * then SubjectAccessReviews POSTed as kube-apiserver sends them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand, type AssumeRoleCommandInput } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { kubeToken } from './support/admission.ts';

let server: TestServer;
let acct = '';
let bearer = '';
const V = '2012-10-17';

/** A `k8s-aws-v1.` token of `creds` for cluster k1, as `gatehouse kube token` makes one. */
const token = (creds: Credentials): Promise<string> => kubeToken(server.url, 'k1', creds);

async function webhook(which: 'authenticate' | 'authorize', body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${server.url}/k8s/k1/${which}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
  const json = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 200, JSON.stringify(json));
  return json['status'] as Record<string, unknown>;
}

/** kube-apiserver's review of `get secrets/s1` in `team` for the user a session's token authenticates. */
async function reviewAs(input: Omit<AssumeRoleCommandInput, 'RoleArn'>): Promise<Record<string, unknown>> {
  const c = (await server.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct}:role/dev`, ...input }))).Credentials;
  const tr = await webhook('authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: await token({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' }) } });
  assert.equal(tr['authenticated'], true, JSON.stringify(tr));
  const user = tr['user'] as { username: string; groups: string[]; extra: Record<string, string[]> };
  return webhook('authorize', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { resourceAttributes: { namespace: 'team', verb: 'get', version: 'v1', resource: 'secrets', name: 's1' }, user: user.username, groups: user.groups, extra: user.extra },
  });
}

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const iam = server.iam();
  await iam.send(new I.CreateRoleCommand({ RoleName: 'dev', AssumeRolePolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'] }] }) }));
  await iam.send(
    new I.PutRolePolicyCommand({
      RoleName: 'dev',
      PolicyName: 'perimeter',
      PolicyDocument: JSON.stringify({
        Version: V,
        Statement: [
          { Effect: 'Deny', Action: 'kubernetes:*', Resource: '*', Condition: { StringLike: { 'aws:SourceIdentity': 'contractor-*' } } },
          { Effect: 'Deny', Action: 'kubernetes:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'contractors' } } },
        ],
      }),
    }),
  );
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc('Cluster', 'k1', {}), doc('AccessEntry', 'dev', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:role/dev`, kubernetesGroups: ['devs'] })] });
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
});
after(() => server?.stop());

const denied = (s: Record<string, unknown>): void => assert.deepEqual([s['allowed'], s['denied']], [false, true], JSON.stringify(s));

describe('a session’s own facts in the SubjectAccessReview webhook (review ac, 11)', () => {
  it('a plain session of the role: RBAC allows', async () => {
    const s = await reviewAs({ RoleSessionName: 'ann' });
    assert.equal(s['allowed'], true, JSON.stringify(s));
  });

  it('its source identity meets a Deny: denied', async () => {
    denied(await reviewAs({ RoleSessionName: 'bob', SourceIdentity: 'contractor-bob' }));
  });

  it('its session tag meets a Deny: denied', async () => {
    denied(await reviewAs({ RoleSessionName: 'tina', Tags: [{ Key: 'team', Value: 'contractors' }] }));
  });

  it('its session policy denies Kubernetes: denied', async () => {
    denied(await reviewAs({ RoleSessionName: 'sam', Policy: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'kubernetes:get', Resource: '*' }] }) }));
  });
});
