/**
 * A role session as the Kubernetes webhooks see it: cluster `k1`, whose group `ci` may get and list every resource
 * (ClusterRole `reader`, bound by `ci-reader`); role `ci`, trusting the account's root and mapped to that group by an
 * AccessEntry; and a session of it (`build-7`, from AssumeRole through SDK v3) with a session policy, its token reviewed
 * by the TokenReview webhook. Then SubjectAccessReviews as kube-apiserver sends them.
 */
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { reviewedUser, type UserInfo } from './admission.ts';
import { gatehouseJson } from './resource-server.ts';
import type { TestServer } from './server.ts';

const V = '2012-10-17';
const RBAC = 'rbac.authorization.k8s.io';

export interface CiSession {
  /** The cluster's ARN, `arn:aws:training::<account>:cluster/k1`. */
  readonly cluster: string;
  /** The webhook kubeconfig's bearer token of `k1`. */
  readonly bearer: string;
  /** The session's credentials. */
  readonly session: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  /** The session as the TokenReview webhook names it. */
  readonly user: UserInfo;
  /** A SubjectAccessReview of the session on `k1` (200 asserted); its `status`. */
  review(resourceAttributes: Record<string, string>): Promise<Record<string, unknown>>;
}

/** Sets up `k1`, its RBAC and role `ci` on `server`, and a session of `ci` with `policy(<cluster ARN>)` (JSON). */
export async function ciSessionOnK1(server: TestServer, policy: (cluster: string) => string): Promise<CiSession> {
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
  const bearer = String((await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
  const c = (await server.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct}:role/ci`, RoleSessionName: 'build-7', Policy: policy(cluster) }))).Credentials;
  const session = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
  const user = await reviewedUser(server.url, 'k1', bearer, session);
  const review = async (resourceAttributes: Record<string, string>): Promise<Record<string, unknown>> => {
    const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes, user: user.username, groups: user.groups, extra: user.extra } };
    const r = await fetch(`${server.url}/k8s/k1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
    const json = (await r.json()) as Record<string, unknown>;
    assert.equal(r.status, 200, JSON.stringify(json));
    return json['status'] as Record<string, unknown>;
  };
  return { cluster, bearer, session, user, review };
}
