/**
 * Principals as the Kubernetes webhooks see them, on cluster `k1`. `ciSessionOnK1`: a role session, the group `ci` of
 * which may get and list every resource (ClusterRole `reader`, bound by `ci-reader`); role `ci`, trusting the
 * account's root and mapped to that group by an AccessEntry; and a session of it (`build-7`, from AssumeRole through
 * SDK v3) with a session policy, its token reviewed by the TokenReview webhook. `aliceOnK1`: a user with inline
 * policies and the RBAC a suite gives. Then SubjectAccessReviews as kube-apiserver sends them.
 */
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { admissionReviewOf, admit, kubeToken, podAs, podCreate, POD_KIND, reviewedUser, SECRET_KIND, tokenSecretFor, type UserInfo } from './admission.ts';
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

/** A SubjectAccessReview's answer: allowed, denied (a Deny, not only no opinion), and the reason given. */
export interface ReviewAnswer {
  readonly allowed: boolean;
  readonly denied: boolean;
  readonly reason: string;
}

/** What the webhooks' suites on user `alice` of cluster `k1` ask (`aliceOnK1`). */
export interface AliceOnK1 {
  /** The cluster's ARN, `arn:aws:training::<account>:cluster/k1`. */
  readonly cluster: string;
  /**
   * A SubjectAccessReview of alice on `k1` with `attributes` (`resourceAttributes` or `nonResourceAttributes`) in the
   * JSON kube-apiserver sends (webhook.go: metadata.creationTimestamp null, an empty status); 200 asserted.
   */
  sar(attributes: { readonly resourceAttributes: Readonly<Record<string, string>> } | { readonly nonResourceAttributes: { readonly verb: string; readonly path: string } }): Promise<ReviewAnswer>;
  /** The authorize API's decision on `action` by alice on `<cluster ARN><path>`, asked by the root admin; 200 asserted. */
  ask(action: string, path: string): Promise<string>;
  /** Alice as the TokenReview webhook named her (kube-apiserver's `userInfo` in her AdmissionReviews). */
  readonly user: UserInfo;
  /** The webhook kubeconfig's bearer token of `k1`. */
  readonly bearer: string;
}

/**
 * Sets up on `server` cluster `k1`; user `alice` with the inline policies `inlinePolicies(<cluster ARN>)` (name →
 * document), mapped to the Kubernetes group `group` by an AccessEntry; the cluster's RBAC documents `rbac`; and alice's
 * token (a key of hers presigned by SDK v3's SignatureV4, as `aws eks get-token`), reviewed by the TokenReview webhook
 * in the JSON kube-apiserver sends (asserted authenticated).
 */
export async function aliceOnK1(server: TestServer, setUp: { inlinePolicies(cluster: string): Record<string, unknown>; group: string; rbac: readonly object[] }): Promise<AliceOnK1> {
  const admin = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const r = await gatehouseJson(server.url, server.admin, method, path, body);
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  };
  let hook = '';
  const webhook = async (which: string, body: unknown): Promise<Record<string, unknown>> => {
    const r = await fetch(`${server.url}/k8s/k1/${which}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${hook}` }, body: JSON.stringify(body) });
    const json = (await r.json()) as Record<string, unknown>;
    assert.equal(r.status, 200, JSON.stringify(json));
    return json['status'] as Record<string, unknown>;
  };
  const acct = server.adminFile.AccountId;
  const cluster = `arn:aws:training::${acct}:cluster/k1`;
  await admin('POST', '/v1/apply', {
    documents: [
      { apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} },
      { apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'alice' }, spec: { inlinePolicies: setUp.inlinePolicies(cluster) } },
      { apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'alice' }, spec: { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/alice`, kubernetesGroups: [setUp.group] } },
    ],
  });
  await admin('POST', '/v1/apply', { cluster: 'k1', documents: setUp.rbac });
  hook = String((await admin('POST', '/v1/clusters/k1/webhook-config', {}))['token']);
  const k = await admin('POST', '/v1/access-keys', { userName: 'alice' });
  const token = await kubeToken(server.url, 'k1', { accessKeyId: String(k['accessKeyId']), secretAccessKey: String(k['secretAccessKey']) });
  const tr = await webhook('authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: { creationTimestamp: null }, spec: { token }, status: { user: {} } });
  assert.equal(tr['authenticated'], true, JSON.stringify(tr));
  const user = tr['user'] as { username: string; groups: string[]; extra: Record<string, string[]> };
  return {
    cluster,
    user,
    bearer: hook,
    async sar(attributes) {
      const s = await webhook('authorize', {
        kind: 'SubjectAccessReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: { creationTimestamp: null },
        spec: { ...attributes, user: user.username, groups: user.groups, extra: user.extra },
        status: { allowed: false },
      });
      return { allowed: s['allowed'] === true, denied: s['denied'] === true, reason: String(s['reason']) };
    },
    async ask(action, path) {
      const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${acct}:user/alice`, action, resource: `${cluster}${path}` });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      return String(r.json['decision']);
    },
  };
}

/**
 * `aliceOnK1` where group `ops` may impersonate users, groups and service accounts and create pods and service-account
 * tokens cluster-wide, and alice's one inline policy (`policyName`) denies `kubernetes:impersonate` on `denied(<cluster
 * ARN>)` (reviews ua, 2 and 4). `pod(ns, name, account)`, `tokenSecret(ns, account)`: the admission webhook's answer to
 * alice creating a pod that runs as `account`, or a token Secret of it.
 */
export async function impersonatorOnK1(server: TestServer, policyName: string, denied: (cluster: string) => string): Promise<AliceOnK1 & { pod(namespace: string, name: string, account: string): Promise<Record<string, unknown>>; tokenSecret(namespace: string, account: string): Promise<Record<string, unknown>> }> {
  const k1 = await aliceOnK1(server, {
    inlinePolicies: (cluster) => ({ [policyName]: { Version: V, Statement: [{ Sid: 'NoImpersonation', Effect: 'Deny', Action: 'kubernetes:impersonate', Resource: denied(cluster) }] } }),
    group: 'ops',
    rbac: [
      {
        apiVersion: `${RBAC}/v1`,
        kind: 'ClusterRole',
        metadata: { name: 'impersonator' },
        rules: [
          { apiGroups: [''], resources: ['users', 'groups', 'serviceaccounts'], verbs: ['impersonate'] },
          { apiGroups: [''], resources: ['serviceaccounts/token', 'pods'], verbs: ['create'] },
        ],
      },
      { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: RBAC }], roleRef: { kind: 'ClusterRole', name: 'impersonator', apiGroup: RBAC } },
    ],
  });
  const created = (kind: typeof POD_KIND, object: Record<string, unknown>) => admit(server.url, 'k1', k1.bearer, admissionReviewOf(kind, 'CREATE', object, null, k1.user));
  return { ...k1, pod: (namespace, name, account) => created(POD_KIND, podAs(namespace, name, account)), tokenSecret: (namespace, account) => created(SECRET_KIND, tokenSecretFor(namespace, account)) };
}

/** Alice's statements in the shell-refusal reviews (`shellPodOnK1`): pass any role, deny passing any, list buckets. */
/** Group `readers` with get, list and watch on every secret, for `aliceOnK1`: what a guard Deny must still refuse. */
/**
 * RBAC granting the group `group` the verbs on the core resources given, cluster-wide: a ClusterRole and its
 * ClusterRoleBinding, both named after the group.
 */
export function groupGrant(group: string, resources: readonly string[], verbs: readonly string[]): object[] {
  return [
    { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: group }, rules: [{ apiGroups: [''], resources: [...resources], verbs: [...verbs] }] },
    { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: group }, subjects: [{ kind: 'Group', name: group, apiGroup: RBAC }], roleRef: { kind: 'ClusterRole', name: group, apiGroup: RBAC } },
  ];
}

export const SECRET_READERS = {
  group: 'readers',
  rbac: [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'secret-reader' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'readers' }, subjects: [{ kind: 'Group', name: 'readers', apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { kind: 'ClusterRole', name: 'secret-reader', apiGroup: 'rbac.authorization.k8s.io' } },
  ],
} as const;

export const SHELL_PASS = { Sid: 'Pass', Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' };
export const SHELL_NO_PASS = { Sid: 'NoTrainer', Effect: 'Deny', Action: 'iam:PassRole', Resource: '*' };
export const SHELL_LIST = { Sid: 'List', Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' };

/** `shellPodOnK1`'s alice, with her one inline policy `pass` made again of other statements. */
export interface ShellPodOnK1 extends AliceOnK1 {
  /** Applies alice with inline policy `pass` of `Statement` alone; 200 asserted. */
  setAlice(...Statement: object[]): Promise<void>;
}

/**
 * `aliceOnK1` where group `scientists` may get pods and create `pods/exec` and `pods/attach` cluster-wide (ClusterRole
 * and binding `scientist`), alice's inline policy `pass` is `SHELL_PASS`, and pod `train` of namespace `kubeflow`,
 * running as role `Trainer` (trusting compute.gatehouse.dev), was admitted through the AdmissionReview webhook as
 * alice's (reviews sz, 2 and te, 1: a shell into a pod that runs as a role).
 */
export async function shellPodOnK1(server: TestServer): Promise<ShellPodOnK1> {
  const k1 = await aliceOnK1(server, {
    inlinePolicies: () => ({ pass: { Version: V, Statement: [SHELL_PASS] } }),
    group: 'scientists',
    rbac: [
      { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'scientist' }, rules: [{ apiGroups: [''], resources: ['pods', 'pods/exec', 'pods/attach'], verbs: ['get', 'create'] }] },
      { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'scientist' }, subjects: [{ kind: 'Group', name: 'scientists', apiGroup: RBAC }], roleRef: { kind: 'ClusterRole', name: 'scientist', apiGroup: RBAC } },
    ],
  });
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'Trainer' }, spec: { trustPolicy: { Version: V, Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } }] } } }],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const made = await admit(server.url, 'k1', k1.bearer, podCreate('', '', 'train', 'Trainer', k1.user, 'kubeflow'));
  assert.equal(made['allowed'], true, JSON.stringify(made));
  return {
    ...k1,
    async setAlice(...Statement) {
      const a = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'alice' }, spec: { inlinePolicies: { pass: { Version: V, Statement } } } }] });
      assert.equal(a.status, 200, JSON.stringify(a.json));
    },
  };
}
