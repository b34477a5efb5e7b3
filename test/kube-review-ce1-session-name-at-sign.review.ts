/**
 * Review ce, finding 1: an access entry's `{{SessionName}}` rendered the session name as it is, `@` included. EKS and
 * aws-iam-authenticator (`renderTemplate`, pkg/server/server.go) render `{{SessionName}}` with every `@` replaced by `-`
 * and keep the name as it is only for `{{SessionNameRaw}}`. A role's default username is
 * `arn:aws:sts::<account>:assumed-role/<role>/{{SessionName}}`, and SSO sessions are named by e-mail address
 * (`alice@example.com`): RBAC bindings written for EKS name `…/alice-example.com`, which never matched the Gatehouse user
 * `…/alice@example.com`. Now `{{SessionName}}` replaces `@` by `-` and `{{SessionNameRaw}}` keeps it, in the
 * TokenReview's username and in the SubjectAccessReview's check that the user is still the one its entry renders.
 * Real server; a role session's token reviewed, then SubjectAccessReviews POSTed as kube-apiserver sends them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { kubeToken } from './support/admission.ts';

let server: TestServer;
let acct = '';
let bearer = '';
const V = '2012-10-17';

/** A `k8s-aws-v1.` token of `creds` for `cluster`, as `gatehouse kube token` makes one. */
const token = (creds: Credentials, cluster: string): Promise<string> => kubeToken(server.url, cluster, creds);

async function webhook(which: 'authenticate' | 'authorize', body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${server.url}/k8s/k1/${which}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
  const json = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 200, JSON.stringify(json));
  return json['status'] as Record<string, unknown>;
}

async function sessionOf(role: string, name: string): Promise<Credentials> {
  const c = (await server.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct}:role/${role}`, RoleSessionName: name }))).Credentials;
  return { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
}

type User = { username: string; groups: string[]; extra: Record<string, string[]> };

async function userOf(creds: Credentials): Promise<User> {
  const tr = await webhook('authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: await token(creds, 'k1') } });
  assert.equal(tr['authenticated'], true, JSON.stringify(tr));
  return tr['user'] as User;
}

async function mayGetPods(user: User): Promise<Record<string, unknown>> {
  return webhook('authorize', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { resourceAttributes: { namespace: 'team', verb: 'get', version: 'v1', resource: 'pods', name: 'p1' }, user: user.username, groups: user.groups, extra: user.extra },
  });
}

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const iam = server.iam();
  const trust = JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] });
  for (const r of ['sso', 'named', 'raw']) await iam.send(new I.CreateRoleCommand({ RoleName: r, AssumeRolePolicyDocument: trust }));
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('AccessEntry', 'sso', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:role/sso` }),
      doc('AccessEntry', 'named', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:role/named`, username: 'sso:{{SessionName}}' }),
      doc('AccessEntry', 'raw', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:role/raw`, username: 'raw:{{SessionNameRaw}}' }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const user = (name: string) => ({ kind: 'User', name, apiGroup: 'rbac.authorization.k8s.io' });
  const rbac = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    cluster: 'k1',
    documents: [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
      // As written for EKS: the usernames its authenticator gives these sessions.
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'alice', namespace: 'team' },
        subjects: [user(`arn:aws:sts::${acct}:assumed-role/sso/alice-example.com`), user('sso:alice-example.com'), user('raw:alice@example.com')],
        roleRef: { kind: 'ClusterRole', name: 'pod-reader', apiGroup: 'rbac.authorization.k8s.io' },
      },
    ],
  });
  assert.equal(rbac.status, 200, JSON.stringify(rbac.json));
  bearer = String((await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
});
after(() => server?.stop());

describe('{{SessionName}} renders `@` as `-`, {{SessionNameRaw}} keeps it, as EKS (review ce, 1)', () => {
  it('the default username of a role session named by e-mail address', async () => {
    const u = await userOf(await sessionOf('sso', 'alice@example.com'));
    assert.equal(u.username, `arn:aws:sts::${acct}:assumed-role/sso/alice-example.com`);
    const s = await mayGetPods(u);
    assert.equal(s['allowed'], true, JSON.stringify(s));
  });

  it('a template with {{SessionName}}', async () => {
    const u = await userOf(await sessionOf('named', 'alice@example.com'));
    assert.equal(u.username, 'sso:alice-example.com');
    const s = await mayGetPods(u);
    assert.equal(s['allowed'], true, JSON.stringify(s));
  });

  it('a template with {{SessionNameRaw}} keeps the name as it is', async () => {
    const u = await userOf(await sessionOf('raw', 'alice@example.com'));
    assert.equal(u.username, 'raw:alice@example.com');
    const s = await mayGetPods(u);
    assert.equal(s['allowed'], true, JSON.stringify(s));
  });
});
