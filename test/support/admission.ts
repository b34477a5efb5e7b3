/**
 * AdmissionReviews as kube-apiserver sends them to `POST /k8s/{cluster}/admit`, for the webhook's tests: a pod CREATE by
 * an IAM user naming a role in `gatehouse.dev/role`, and the call with the cluster's bearer token. And the user
 * kube-apiserver hands admission for a real token (`reviewedUser`: a `k8s-aws-v1.` token through the cluster's
 * TokenReview webhook), the only one whose IAM identity admission takes (review ch, 1).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { CreateAccessKeyCommand, type IAMClient } from '@aws-sdk/client-iam';

/** What kube-apiserver puts in `request.userInfo`. */
export interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra: Readonly<Record<string, readonly string[]>>;
}

/** A `k8s-aws-v1.` token for `cluster`, signed with `creds` for this server's own host (as `gatehouse kube token` makes one); as of `signingDate` when given (a stale token). */
export async function kubeToken(serverUrl: string, cluster: string, creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, signingDate?: Date): Promise<string> {
  const u = new URL(serverUrl);
  const signer = new SignatureV4({ service: 'sts', region: 'us-east-1', credentials: creds, sha256: Sha256 });
  const p = await signer.presign(
    { method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: u.host, 'x-k8s-aws-id': cluster } },
    { expiresIn: 60, ...(signingDate !== undefined ? { signingDate } : {}) },
  );
  return `k8s-aws-v1.${Buffer.from(`${u.protocol}//${u.host}/?${new URLSearchParams(p.query as Record<string, string>).toString()}`).toString('base64url')}`;
}

/** The cluster's TokenReview webhook's `status` for a token of `creds` (as of `signingDate` when given), answered 200. */
async function tokenReview(serverUrl: string, cluster: string, bearer: string, creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, signingDate?: Date): Promise<{ authenticated: boolean; user: UserInfo; error?: string }> {
  const body = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: await kubeToken(serverUrl, cluster, creds, signingDate) } };
  const r = await fetch(`${serverUrl}/k8s/${cluster}/authenticate`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
  const json = (await r.json()) as { status: { authenticated: boolean; user: UserInfo; error?: string } };
  assert.equal(r.status, 200, JSON.stringify(json));
  return json.status;
}

/** The user the cluster's TokenReview webhook answers for a token of `creds` (asserted authenticated), as kube-apiserver passes it to admission. */
export async function reviewedUser(serverUrl: string, cluster: string, bearer: string, creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): Promise<UserInfo> {
  const status = await tokenReview(serverUrl, cluster, bearer, creds);
  assert.equal(status.authenticated, true, status.error);
  return status.user;
}

/**
 * Sends the cluster's TokenReview webhook a token of `creds` (as of `signingDate` when given: a stale token), and
 * asserts it refused (200, not authenticated): the refusals whose audit records reviews tr, 1 and um, 1 read.
 */
export async function refusedToken(serverUrl: string, cluster: string, bearer: string, creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, signingDate?: Date): Promise<void> {
  const status = await tokenReview(serverUrl, cluster, bearer, creds, signingDate);
  assert.equal(status.authenticated, false, JSON.stringify({ status }));
}

let uid = 0;

/**
 * A pod CREATE in `namespace` (`ml` unless given) by the IAM user `user` of `account`, naming `role` in `gatehouse.dev/role`; by
 * `userInfo` when given (`reviewedUser`'s), else by a user named as an impersonating client would name it (username
 * and `extra.arn`, nothing sealed), whom admission never takes for the IAM user.
 */
export function podCreate(account: string, user: string, name: string, role: string, userInfo?: UserInfo, namespace = 'ml'): Record<string, unknown> {
  const arn = `arn:aws:iam::${account}:user/${user}`;
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `00000000-0000-4000-8000-${String(++uid).padStart(12, '0')}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      name,
      namespace,
      operation: 'CREATE',
      userInfo: userInfo ?? { username: arn, uid: `aws-iam-authenticator:${account}:AIDA`, groups: ['devs', 'system:authenticated'], extra: { arn: [arn] } },
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, annotations: { 'gatehouse.dev/role': role } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

/** POSTs `body` to the admission webhook of cluster `cluster` with its bearer token; the review's `response`. */
export async function admit(serverUrl: string, cluster: string, bearer: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${serverUrl}/k8s/${cluster}/admit`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
  const json = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 200, JSON.stringify(json));
  return json['response'] as Record<string, unknown>;
}

/** A JSON Patch (RFC 6902), as admission answers one. */
export type JsonPatch = { op: string; path: string; value?: unknown }[];

/** The kind and resource of an object under review (`request.kind`, `request.resource`). */
export interface ObjectKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly resource: string;
}

/** What admission answered one object: allowed, its refusal's message, the patch (decoded) and the audit annotations. */
export interface Admitted {
  readonly allowed: boolean;
  readonly message: string;
  readonly patch: JsonPatch;
  readonly audit: Record<string, string>;
}

let reviews = 0;

/**
 * An AdmissionReview of `object` (of `kind`, in `namespace`, by `user`) to the admission webhook of cluster `cluster`:
 * a CREATE, or with `oldObject` an UPDATE (`operation` says otherwise).
 */
export async function admitObject(
  serverUrl: string,
  cluster: string,
  bearer: string,
  namespace: string,
  kind: ObjectKind,
  user: unknown,
  object: Record<string, unknown>,
  options: { readonly oldObject?: Record<string, unknown> | null; readonly operation?: string } = {},
): Promise<Admitted> {
  const oldObject = options.oldObject ?? null;
  const response = await admit(serverUrl, cluster, bearer, {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `00000000-0000-4000-8000-${String(++reviews).padStart(12, '0')}`,
      kind: { group: kind.group, version: kind.version, kind: kind.kind },
      resource: { group: kind.group, version: kind.version, resource: kind.resource },
      name: String((object['metadata'] as Record<string, unknown>)['name'] ?? ''),
      namespace,
      operation: options.operation ?? (oldObject === null ? 'CREATE' : 'UPDATE'),
      userInfo: user,
      object,
      oldObject,
      dryRun: false,
    },
  });
  const patch = typeof response['patch'] === 'string' ? (JSON.parse(Buffer.from(response['patch'], 'base64').toString('utf8')) as JsonPatch) : [];
  return { allowed: response['allowed'] === true, message: String((response['status'] as { message?: string } | undefined)?.message ?? ''), patch, audit: (response['auditAnnotations'] ?? {}) as Record<string, string> };
}

const keys = new WeakMap<object, Map<string, Promise<{ accessKeyId: string; secretAccessKey: string }>>>();

/**
 * The user kube-apiserver hands admission for a token of the existing IAM user `user` (root account of `server`): an
 * access key made for it once per server (through `iam`), a `k8s-aws-v1.` token, the cluster's TokenReview.
 */
export async function reviewedAs(server: { readonly url: string; iam(): IAMClient }, cluster: string, bearer: string, user: string): Promise<UserInfo> {
  let mine = keys.get(server);
  if (mine === undefined) keys.set(server, (mine = new Map()));
  let key = mine.get(user);
  if (key === undefined) {
    key = server
      .iam()
      .send(new CreateAccessKeyCommand({ UserName: user }))
      .then((r) => ({ accessKeyId: r.AccessKey?.AccessKeyId ?? '', secretAccessKey: r.AccessKey?.SecretAccessKey ?? '' }));
    mine.set(user, key);
  }
  return reviewedUser(server.url, cluster, bearer, await key);
}

/** `test/fixtures/kube/admission/<name>`, each `{{KEY}}` of `vars` replaced by its value. */
export async function admissionFixture(name: string, vars: Readonly<Record<string, string>>): Promise<Record<string, unknown>> {
  let text = await readFile(join(import.meta.dirname, '..', 'fixtures', 'kube', 'admission', name), 'utf8');
  for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`{{${k}}}`, v);
  return JSON.parse(text) as Record<string, unknown>;
}

/** An AdmissionReview posted to the admission webhook `target` with `token`: the HTTP status, the response, its JSON patch. */
export async function reviewAt(target: { readonly url: URL }, body: unknown, token: string): Promise<{ status: number; response: Record<string, unknown>; patch: JsonPatch; raw: Record<string, unknown> }> {
  const r = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  const raw = JSON.parse(await r.text()) as Record<string, unknown>;
  const response = (raw['response'] ?? {}) as Record<string, unknown>;
  const patch = typeof response['patch'] === 'string' ? (JSON.parse(Buffer.from(response['patch'], 'base64').toString('utf8')) as JsonPatch) : [];
  return { status: r.status, response, patch, raw };
}

/** The environment a JSON patch of an admitted pod sets (its `…/env` operation), by name. */
export function patchedEnv(patch: JsonPatch): Record<string, string> {
  const env = (patch.find((op) => op.path.endsWith('/env') && Array.isArray(op.value))?.value ?? []) as { name: string; value: string }[];
  return Object.fromEntries(env.map((e) => [e.name, e.value]));
}

/**
 * The authorization webhook's verdict on a SubjectAccessReview, as kube-apiserver sends it, of `resourceAttributes` for
 * `userInfo` (as the TokenReview webhook authenticated it) on cluster `cluster`.
 */
export async function subjectAccessReview(serverUrl: string, cluster: string, bearer: string, userInfo: UserInfo, resourceAttributes: Record<string, string>): Promise<{ allowed: boolean; reason: string }> {
  const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: userInfo.username, groups: userInfo.groups, extra: userInfo.extra, resourceAttributes } };
  const res = await fetch(`${serverUrl}/k8s/${cluster}/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(review) });
  return ((await res.json()) as { status: { allowed: boolean; reason: string } }).status;
}

/**
 * Asserts that `userInfo` may create a pod running as `role` in `namespace` of cluster `cluster`, end to end: the
 * authorization webhook allows its SubjectAccessReview of `create pods`, and the admission webhook admits the pod (a
 * dry run). What an escalation path through a cluster ends with.
 */
export async function assertPodCreationPasses(serverUrl: string, cluster: string, bearer: string, userInfo: UserInfo, namespace: string, role: string): Promise<void> {
  const sar = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: userInfo.username, groups: userInfo.groups, extra: userInfo.extra, resourceAttributes: { namespace, verb: 'create', resource: 'pods', group: '' } } };
  const authorized = await fetch(`${serverUrl}/k8s/${cluster}/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(sar) });
  assert.equal(((await authorized.json()) as { status: { allowed: boolean } }).status.allowed, true, 'the SubjectAccessReview of create pods');
  const review = {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `00000000-0000-4000-8000-${String(++uid).padStart(12, '0')}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      name: 'p1',
      namespace,
      operation: 'CREATE',
      userInfo,
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace, annotations: { 'gatehouse.dev/role': role } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      oldObject: null,
      dryRun: true,
    },
  };
  const response = await admit(serverUrl, cluster, bearer, review);
  assert.equal(response['allowed'], true, JSON.stringify(response));
}

/**
 * Objects that run pods as a service account, as reviews ij 1 and jh 5 admit them: a pod (without
 * `serviceAccountName` it runs as `default`), a Deployment's template and a CronJob's job template.
 */
export const podAs = (namespace: string, name: string, serviceAccountName?: string, image = 'busybox') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace },
  spec: { ...(serviceAccountName !== undefined ? { serviceAccountName } : {}), containers: [{ name: 'c', image }] },
});

export const deploymentAs = (namespace: string, serviceAccountName: string, replicas = 1, image = 'busybox') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { serviceAccountName, containers: [{ name: 'c', image }] } } },
});

export const cronJobAs = (namespace: string, serviceAccountName: string) => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'nightly', namespace },
  spec: { schedule: '0 0 * * *', jobTemplate: { spec: { template: { spec: { serviceAccountName, restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } } },
});

/** The kinds of those objects, as `request.kind` and `request.resource` name them (version v1). */
export const POD_KIND = { group: '', kind: 'Pod', resource: 'pods' };
export const DEPLOYMENT_KIND = { group: 'apps', kind: 'Deployment', resource: 'deployments' };
export const CRONJOB_KIND = { group: 'batch', kind: 'CronJob', resource: 'cronjobs' };
export const SECRET_KIND = { group: '', kind: 'Secret', resource: 'secrets' };

/** A service-account token Secret for `account` in `namespace`: what a token request by impersonation makes (reviews ip1, pk5). */
export const tokenSecretFor = (namespace: string, account: string) => ({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: `${account}-token`, namespace, annotations: { 'kubernetes.io/service-account.name': account } } });

let fullReviews = 0;

/**
 * The AdmissionReview body kube-apiserver sends for `object` (`request.kind`/`resource` and their `request*` copies,
 * the object's name and namespace, the operation's options), by `userInfo`; `oldObject` for an UPDATE.
 */
export function admissionReviewOf(kind: { group: string; kind: string; resource: string }, operation: 'CREATE' | 'UPDATE', object: Record<string, unknown>, oldObject: Record<string, unknown> | null, userInfo: UserInfo): Record<string, unknown> {
  const meta = object['metadata'] as { name: string; namespace: string };
  const version = 'v1';
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `00000000-0000-4000-8000-${String(++fullReviews).padStart(12, '0')}`,
      kind: { group: kind.group, version, kind: kind.kind },
      resource: { group: kind.group, version, resource: kind.resource },
      requestKind: { group: kind.group, version, kind: kind.kind },
      requestResource: { group: kind.group, version, resource: kind.resource },
      name: meta.name,
      namespace: meta.namespace,
      operation,
      userInfo,
      object,
      oldObject,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: operation === 'CREATE' ? 'CreateOptions' : 'UpdateOptions' },
    },
  };
}
