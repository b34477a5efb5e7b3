/**
 * Review ft, 2: the authorize API answered Allow to a role session asking about a Kubernetes request that covers every
 * namespace, where its own session policy denies one of them and the SubjectAccessReview webhook denies it. A question
 * standing for several Kubernetes requests (`kubernetes:list` on `<cluster>/secrets`: the secrets of every namespace) is
 * denied when IAM denies one of them (`coveredDeny`, as the webhook's `iamViews`, reviews I C3 and K K6); those were
 * decided with the principal's identity policies and boundary from the directory, never the session policy of the
 * session that signs the question, which the webhook decides with since review ac, 11 (and ft, 1). So `Deny
 * kubernetes:list` on `<cluster>/namespaces/prod/secrets` in the session policy: `kubectl get secrets -A` denied by the
 * webhook, the same question `Allow` from `/v1/authorize`. Now the question is decided with the policies its own
 * decision is made with.
 *
 * Real server; the session from AssumeRole with a session policy (SDK v3), asking `/v1/authorize` signed with its own
 * credentials (SigV4), and its token reviewed by the webhooks for the same request.
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
let cluster = '';
let session: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
let user: UserInfo;
const V = '2012-10-17';
const RBAC = 'rbac.authorization.k8s.io';

async function ask(action: string, resource: string): Promise<Record<string, unknown>> {
  const r = await gatehouseJson(server.url, session, 'POST', '/v1/authorize', { action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
}

async function review(resourceAttributes: Record<string, string>): Promise<Record<string, unknown>> {
  const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes, user: user.username, groups: user.groups, extra: user.extra } };
  const r = await fetch(`${server.url}/k8s/k1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
  const json = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 200, JSON.stringify(json));
  return json['status'] as Record<string, unknown>;
}

before(async () => {
  server = await startTestServer();
  const acct = server.adminFile.AccountId;
  cluster = `arn:aws:training::${acct}:cluster/k1`;
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
  const Policy = JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'kubernetes:list', Resource: `${cluster}/namespaces/prod/secrets` }] });
  const c = (await server.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct}:role/ci`, RoleSessionName: 'build-7', Policy }))).Credentials;
  session = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
  user = await reviewedUser(server.url, 'k1', bearer, session);
});
after(() => server?.stop());

describe('the authorize API and the webhook agree on a session policy’s Deny (review ft, 2)', () => {
  it('list secrets in prod: ExplicitDeny, as the webhook denies it', async () => {
    assert.equal((await ask('kubernetes:list', `${cluster}/namespaces/prod/secrets`))['decision'], 'ExplicitDeny');
    assert.equal((await review({ namespace: 'prod', verb: 'list', version: 'v1', resource: 'secrets' }))['denied'], true);
  });

  it('list secrets in every namespace: ExplicitDeny, as the webhook denies it', async () => {
    assert.equal((await review({ namespace: '', verb: 'list', version: 'v1', resource: 'secrets' }))['denied'], true);
    const a = await ask('kubernetes:list', `${cluster}/secrets`);
    assert.equal(a['decision'], 'ExplicitDeny', JSON.stringify(a));
    assert.match(JSON.stringify(a['reasons']), /namespaces\/prod\/secrets/);
  });

  it('list configmaps in every namespace: Allow, by the cluster’s RBAC', async () => {
    const a = await ask('kubernetes:list', `${cluster}/configmaps`);
    assert.equal(a['decision'], 'Allow', JSON.stringify(a));
  });
});
