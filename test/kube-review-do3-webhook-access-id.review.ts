/**
 * Review do, finding 3: the SubjectAccessReview webhook decided its IAM side (IAM only ever denies in Kubernetes)
 * without `acs:AccessId`, though the token kube-apiserver had reviewed was signed with a key the review names (a user's
 * long-term key in `extra.accessKeyId`, checked to be still its own; a session's key in the session Gatehouse sealed).
 * A Deny of a leaked key (`StringEquals acs:AccessId`) never applied to Kubernetes requests, and a guard on the keys a
 * principal may use (`StringNotLike acs:AccessId ASIA*`: sessions only) denied every one of them. Now the IAM side is
 * decided with the key the token was signed with, as the principal's requests elsewhere are (review do, 1).
 * Real server; keys from the IAM API and AssumeRole (SDK v3), their tokens reviewed, then SubjectAccessReviews POSTed
 * as kube-apiserver sends them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { reviewedUser } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

let server: TestServer;
let acct = '';
let bearer = '';
let good: Credentials;
let leaked: Credentials;
const V = '2012-10-17';

async function authorize(body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${server.url}/k8s/k1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
  const json = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 200, JSON.stringify(json));
  return json['status'] as Record<string, unknown>;
}

/** kube-apiserver's review of `get secrets/s1` in `team` for the user the token of `creds` authenticates. */
async function reviewAs(creds: Credentials): Promise<Record<string, unknown>> {
  const user = await reviewedUser(server.url, 'k1', bearer, creds);
  return authorize({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { resourceAttributes: { namespace: 'team', verb: 'get', version: 'v1', resource: 'secrets', name: 's1' }, user: user.username, groups: user.groups, extra: user.extra },
  });
}

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'dev' }));
  const keys: Credentials[] = [];
  for (let i = 0; i < 2; i++) {
    const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'dev' }))).AccessKey;
    keys.push({ accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' });
  }
  [good, leaked] = keys as [Credentials, Credentials];
  // RAM's words for both guards, in a RAM-dialect policy attached in this (aws) account.
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'dev', PolicyName: 'leaked', PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Deny', Action: 'kubernetes:*', Resource: '*', Condition: { StringEquals: { 'acs:AccessId': leaked.accessKeyId } } }] }) }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] }) }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'ops', PolicyName: 'sessions-only', PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Deny', Action: 'kubernetes:*', Resource: '*', Condition: { StringNotLike: { 'acs:AccessId': 'ASIA*' } } }] }) }));
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('AccessEntry', 'dev', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/dev`, kubernetesGroups: ['devs'] }),
      doc('AccessEntry', 'ops', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:role/ops`, kubernetesGroups: ['devs'] }),
    ],
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
});
after(() => server?.stop());

describe('acs:AccessId in the SubjectAccessReview webhook’s IAM side (review do, 3)', () => {
  it('a user’s token signed with its allowed key: RBAC allows; with the leaked key: IAM denies', async () => {
    const ok = await reviewAs(good);
    assert.equal(ok['allowed'], true, JSON.stringify(ok));
    const no = await reviewAs(leaked);
    assert.deepEqual([no['allowed'], no['denied']], [false, true], JSON.stringify(no));
  });

  it('a role session’s token: its own key (ASIA…), so a guard letting sessions only through lets it through', async () => {
    const c = (await server.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct}:role/ops`, RoleSessionName: 'ann' }))).Credentials;
    const s = await reviewAs({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
    assert.equal(s['allowed'], true, JSON.stringify(s));
  });
});
