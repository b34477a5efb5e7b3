/**
 * Kubernetes (issue "Kubernetes"): the use cases behind the webhooks kube-apiserver calls and the
 * `gatehouse kube` commands.
 *
 * - Authentication (TokenReview): the HTTP edge verifies the `k8s-aws-v1.` token's signature with
 *   Gatehouse's own keys; `identify` maps the caller through the cluster's access entries to a Kubernetes
 *   user (username, uid, groups + `system:authenticated`, extra `arn`, `canonicalArn`, `accessKeyId`,
 *   `sessionName`, `tokenIssueTime`, and for a session `gatehouse.dev/session`, its claims sealed for admission; for a
 *   user signing with its own key `gatehouse.dev/user`, its identity sealed likewise).
 * - Authorization (SubjectAccessReview): the cluster's compiled RBAC and the caller's IAM explicit denies, in
 *   one union (src/core/authorizer). RBAC allows or has no opinion; IAM only ever denies here (an IAM allow
 *   grants nothing in Kubernetes, or every `Action: *` administrator would be cluster-admin). The IAM view of
 *   a request is `kubernetes:<verb>` on the cluster ARN plus the REST path (core/kube/admission.ts), decided
 *   with the identity policies and permissions boundary of the principal in `extra.arn` (session policies are
 *   not carried by Kubernetes and do not take part). Answers: allow → `allowed`; an IAM explicit deny →
 *   `denied`; no opinion → neither, so the API server asks its next authorizer.
 * - Admission (AdmissionReview): pods naming a role by annotation get the credential environment of a job
 *   record (kind `node`, issued to the compute service) when the user who asked may pass the role (known only by the
 *   facts the TokenReview sealed, never by a username or `extra.arn` impersonation can set; a session decided as the
 *   session, with its session policies); workloads (Deployment, StatefulSet, Job…) get a signed
 *   grant on their pod template so that the pods a controller creates from it run on their author's authority,
 *   and whoever changes the template, or a role pod's containers, must be allowed to pass the role (see `admit`).
 *
 * State per cluster (compiled RBAC, access entries, webhook token) is held in memory, and a cluster is compiled again
 * by the instance's refresh when the store's change log shows a change of its keys under `k8s/`, `cluster/` or
 * `k8swebhook/` (any instance's write reaches every instance within a refresh tick; a write through this instance is
 * compiled before it returns). Decisions never wait for that reload: they answer from the state compiled last.
 */
import type { AuditEvent } from '../core/audit/index.ts';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { failWith, ok, type Result } from '../core/errors.ts';
import { contextOf, denyResourcePatterns, evaluate, isoSeconds, principalFromArn, type CompiledPolicy, type Context, type Decision, type PolicySet, type Principal } from '../core/iam/index.ts';
import { resourceMatcher } from '../core/iam/glob.ts';
import { union, type AuthorizerResult, type UnionResult } from '../core/authorizer/index.ts';
import { compileRbac, explainReasons, parseRbacObject, rbacResult, rolesAllowing, rolesBoundTo, serviceAccountGroups, serviceAccountUsername, subjectsAllowing, type CompiledRbac, type RbacAttributes, type RbacObject } from '../core/rbac/index.ts';
import { shortName, uniqueId } from '../core/directory/rules.ts';
import { CLUSTER_ARN_RE } from '../core/bindings/index.ts';
import { parseRoleArn, roleArnOf, roleNamedBy, sessionArn, sessionPrincipal, type SessionClaims } from '../core/sts/session.ts';
import {
  ASSUME_FAILED,
  clusterArn,
  clusterKey,
  computeServices,
  controllerUsername,
  jobArn,
  namesDecided,
  ROLE_CHECK_FAILED,
  serviceTrustContext,
  jobSessionTags,
  trustDenied,
  trustFix,
  type Cluster,
  type Job,
  type Partition,
} from '../core/jobs/jobs.ts';
import {
  annotationPatch,
  annotationsOf,
  continuationMatching,
  defaultUsername,
  entryCandidates,
  entryKey,
  entryMatchesId,
  entryName,
  entryPrincipal,
  envPatch,
  containersChanged,
  generatedName,
  GRANT_ANNOTATION,
  isNamespacedObject,
  isNamespacedResource,
  isObjectBelow,
  isSubresourceName,
  isReservedName,
  RESERVED_USERNAME_PREFIXES,
  JOB_ANNOTATION,
  kubernetesAction,
  kubernetesResource,
  namespaceMatching,
  parseAccessEntrySpec,
  apiPathVerb,
  parseKubernetesResource,
  asAuthorized,
  podDeletionIsFinal,
  podEnvValues,
  controllerOwner,
  BUILT_IN_CONTROLLERS,
  builtInGrantServes,
  podTemplates,
  removeAnnotationPatch,
  renderUsername,
  sessionNamesRendering,
  roleAnnotation,
  templateChanged,
  usernameMatch,
  type AccessEntry,
  type AccessReviewRequest,
  type AdmissionRequest,
  type AdmissionVerdict,
  type AuthenticatedUser,
  type Decided,
  type JsonPatchOp,
  type KubernetesRequestAttributes,
} from '../core/kube/index.ts';
import { accessEntryContext, accessEntryKey, clusterWebhookKey, entryDialectProblem, entryPrincipalId, entryPrincipalOf, entryUnderAnotherSpelling, kubePrefix, listAccessEntries, noPrincipal, type StoredRbacObject } from './kube-apply.ts';
import { aboutRole, ACCESS_ID, accessDeniedMessage, ASSOCIATED_RESOURCE, authorizeAdmin, bindingsRefusal, cachedTrust, decideForService, decideOnRole, namesItsTarget, otherTrainingArn, passedToContext, PolicyCache, trustedServiceName, type Caller } from './principals.ts';
import type { App } from './index.ts';
import { ruleOf, type AuthorizeEngine, type EngineResult, type MatchedRule, type ResolvedRequest } from './authorize.ts';
import { roleKey, userKey } from './live.ts';
import { jobDocOf, jobIndexKey, jobIndexValue, liveJobsWhere, putProvisionalPodJob } from './jobs.ts';
import type { ReadTx, SealedSecret } from './ports/store.ts';
import { admitAuthFailure, authFailureEvent, claimedCredential, keyOwner, type KeyOwner } from './auth-failures.ts';
import { serialReload } from './serial-reload.ts';
import { readChanges } from './change-log.ts';

const WEBHOOK_PREFIX = 'k8swebhook/';
/** One definition of the key, shared with apply's pruning of a cluster (which deletes it with the cluster: review ak, 2). */
const webhookKey = clusterWebhookKey;
/** Key prefixes of the change log that change what this module holds (an `account` change too: its partition). */
const RELEVANT = [/^k8s\//, /^cluster\//, /^k8swebhook\//];

/** `<account>/<cluster, lower case>` of a key under one of `RELEVANT`, else undefined. */
function clusterIdOfKey(key: string): string | undefined {
  const m = /^(?:cluster|k8swebhook)\/([^/]+)\/([^/]+)$/.exec(key) ?? /^k8s\/([^/]+)\/([^/]+)\//.exec(key);
  return m ? `${m[1] as string}/${m[2] as string}` : undefined;
}

export const AUTHENTICATED_GROUP = 'system:authenticated';
/**
 * TokenReview `extra` key of a session's sealed claims (its secret left out): kube-apiserver hands `extra` on to
 * admission, which decides PassRole with the session's own policies (S5). Opaque, bound to the cluster.
 */
export const SESSION_EXTRA = 'gatehouse.dev/session';
/**
 * TokenReview `extra` key of a plain IAM user's sealed identity (ARN, unique id, access key, expiry): admission
 * takes a passer's IAM identity only from sealed facts (this or `SESSION_EXTRA`), never from `username` or
 * `extra.arn`, which Kubernetes impersonation (`kubectl --as`, `--as-user-extra`) sets at will. Bound to the cluster.
 */
export const USER_EXTRA = 'gatehouse.dev/user';
/**
 * How long a plain user's sealed identity lets it pass roles after its TokenReview: longer than kube-apiserver keeps a
 * review (`--authentication-token-webhook-cache-ttl`, 2 minutes by default) and than a token lives (15 minutes), short
 * enough that facts copied out of an audit log and replayed through impersonation soon stop counting.
 */
const USER_FACTS_SECONDS = 3600;

/** The session name of a role's session an impersonated username names when its entry's template holds none (`renderedPrincipal`). */
const IMPERSONATED_SESSION = 'kubernetes-impersonated';
/** The type of a Secret kube-controller-manager fills with a token of the service account it names (`admitTokenSecret`). */
export const SERVICE_ACCOUNT_TOKEN = 'kubernetes.io/service-account-token';

/**
 * The IAM principals of an admission request's user, read for their Deny statements (`admissionPrincipals`), and one of
 * this directory whose policies cannot be read (`unreadable`, with why: disabled, deleted).
 */
interface AdmissionPrincipals {
  /** With the keys of the request it makes (`requestFacts`): `aws:RequestedRegion` when Gatehouse sealed its token's. */
  readonly who: readonly { readonly principal: Principal; readonly policies: PolicySet; readonly context?: Record<string, string> }[];
  readonly unreadable?: { readonly arn: string; readonly why: string };
}

/**
 * A plain IAM user's identity as `identify` seals it under `USER_EXTRA`: ARN, unique id, the key it signed with, until
 * when it counts (ms), and the region its token was signed for (`rg`, `aws:RequestedRegion`; absent in facts sealed
 * before it was carried).
 */
interface UserFacts {
  readonly arn: string;
  readonly id: string;
  readonly ak: string;
  readonly exp: number;
  readonly rg?: string;
  /**
   * The console sign-in the token was signed with, when it was one opened with the user's long-term key (its caller
   * carries no session to seal): its session id, issue time, end (ms) and the key it was opened with, so that a review
   * of the user after the sign-out, the sign-in's end or its key made inactive gets no opinion (review og, 2).
   */
  readonly con?: { readonly sid: string; readonly iat: number; readonly exp: number; readonly ak: string };
}

/**
 * A session's claims as `identify` seals them under `SESSION_EXTRA`, with the region its token was signed for (`rg`,
 * absent in facts sealed before it was carried).
 */
interface SealedSession {
  readonly claims: SessionClaims;
  readonly region?: string;
}

/** The shape of an AWS or Alibaba Cloud region name (`us-east-1`, `cn-hangzhou`): what a SigV4 scope's region may be taken for. */
const REGION_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** A role's name (IAM's `RoleName` rule), which a role annotation may give instead of the role's ARN. */
const ROLE_NAME_RE = /^[\w+=,.@-]{1,64}$/;

export interface KubeOptions {
  /**
   * The credential environment of a pod's job: the agent endpoints (`--agent-address`), this server, the
   * region. Supplied by the composition root (it knows the addresses and opens the metadata endpoint).
   */
  readonly podEnvironment: (job: Job, capability: string) => Promise<Record<string, string>>;
  /** Where a stored record that cannot be read is said (`reload`), once for each text of it. */
  readonly log?: (line: string) => void;
}

/** `text` parsed as a JSON object, or undefined when it is not one (a database restored or edited by hand, a truncated write). */
function storedObject(text: string): Record<string, unknown> | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** A cluster record (`cluster/<account>/<name>`) with what the RBAC state reads of it, or undefined when it is not one. */
function readClusterRecord(text: string): Cluster | undefined {
  const v = storedObject(text);
  if (v === undefined || typeof v['account'] !== 'string' || typeof v['name'] !== 'string' || (v['trustedControllers'] !== undefined && !(Array.isArray(v['trustedControllers']) && v['trustedControllers'].every((t) => typeof t === 'object' && t !== null && !Array.isArray(t))))) return undefined;
  return v as unknown as Cluster;
}

/** An RBAC object or access entry record (`k8s/<account>/<cluster>/…`), or undefined when it is neither. */
function readClusterObject(text: string): StoredRbacObject | AccessEntry | undefined {
  const v = storedObject(text);
  if (v === undefined) return undefined;
  if ('document' in v) return v as unknown as StoredRbacObject;
  if (typeof v['principalArn'] !== 'string' || (v['kubernetesGroups'] !== undefined && !(Array.isArray(v['kubernetesGroups']) && v['kubernetesGroups'].every((g) => typeof g === 'string'))) || (v['username'] !== undefined && typeof v['username'] !== 'string')) return undefined;
  return v as unknown as AccessEntry;
}

/** What a webhook request needs of one cluster, built once per change. */
export interface KubeCluster {
  readonly account: string;
  readonly name: string;
  readonly partition: Partition;
  readonly arn: string;
  readonly rbac: CompiledRbac;
  /** Access entries by `entryKey(principalArn)`. */
  readonly entries: ReadonlyMap<string, AccessEntry>;
  /** SHA-256 of the webhook bearer token; undefined until `webhookConfig` made one. */
  readonly tokenHash: Buffer | undefined;
  /** Key of the workload grants: a MAC under the master key of the cluster and its webhook token (`grantKeyOf`). */
  readonly grantKey: Buffer | undefined;
  /** The union deciding SubjectAccessReviews. */
  readonly authorizer: { readonly name: string; authorize(request: KubeRequest): UnionResult };
  /** `resource[.group]` of the built-in API and of every rule of this cluster's RBAC: what a review for resource `*` covers. */
  readonly resources: readonly { readonly apiGroup: string; readonly resource: string }[];
  /** Namespaces this cluster's RBAC objects are in: where a deny naming no namespace (`NotResource`) is looked for. */
  readonly namespaces: readonly string[];
  /** The RBAC objects `rbac` was compiled from (escalation-paths asks which roles a user is bound to, `rolesBoundTo`). */
  readonly objects: readonly RbacObject[];
  /** Usernames of the controllers the Cluster document trusts besides kube-system's (`spec.trustedControllers`). */
  readonly trustedControllers: ReadonlySet<string>;
}

/**
 * An IAM principal named by ARN, resolved: its policies, and the user or role (name, path, unique id) its access
 * entries are filed under (`entryCandidates`).
 */
interface Resolved {
  readonly principal: Principal;
  readonly policies: PolicySet;
  readonly owner?: { readonly user: { readonly name: string; readonly path: string }; readonly id: string } | { readonly role: { readonly name: string; readonly path: string }; readonly id: string };
}

interface KubeRequest {
  readonly attrs: RbacAttributes;
  /**
   * The IAM side: the principal in `extra.arn` and the IAM views (action, resource) of the request — several when
   * the review names a wildcard verb or resource (`iamViews`); undefined when the user carries no `extra.arn`
   * (another authenticator's user). A principal Gatehouse cannot resolve never gets here (`accessReview`).
   */
  readonly iam:
    | { readonly principal: Principal; readonly policies: PolicySet; readonly views: Views; readonly context: Context; readonly time: number }
    | undefined;
}

/**
 * A TokenReview refused past the webhook's bearer check, as the HTTP edge saw it (`tokenRefused`): at which step, the
 * code that step gave, the message it answered (read by its start for a finer reason, never copied into the record),
 * and the token's decoded target (its query names the access key and carries the session token: both read to name
 * the key's owner, only the key id recorded).
 * - `token`: not a `k8s-aws-v1.` presigned GetCallerIdentity URL this server accepts (core/kube/token.ts `decodeToken`);
 * - `signature`: the presigned request is malformed or expired (`parseSigV4`; `code` is SigV4's);
 * - `credentials`: unknown or inactive key, a session token that does not open, expired or revoked (`app.authenticate`;
 *   `code` its ErrorCode);
 * - `mismatch`: the signature does not verify (wrong secret, or a token made for another cluster; `code` SigV4's);
 * - `entry`: the caller authenticated but no access entry makes it a Kubernetes user (`identify`).
 */
export interface TokenRefusal {
  readonly step: 'token' | 'signature' | 'credentials' | 'mismatch' | 'entry';
  readonly code?: string;
  readonly message: string;
  /** The token's decoded request target (`/?Action=GetCallerIdentity&…`), when it decoded. */
  readonly target?: string;
  readonly sourceIp: string;
  /**
   * For a token refused for its time (`signature`: expired, dated ahead) or its key (`credentials`: inactive, its
   * session expired or revoked): whether the key's secret signed it, checked as of its own time (key-holder.ts);
   * undefined when not checked (review um, 1).
   */
  readonly signatureVerified?: boolean | undefined;
}

/** `app.authenticate`'s error codes as the AWS error codes the audit records carry (auth-failures.ts). */
const CREDENTIAL_CODES: Readonly<Record<string, string>> = { INVALID_CLIENT_TOKEN_ID: 'InvalidClientTokenId', EXPIRED_TOKEN: 'ExpiredToken', ACCESS_DENIED: 'AccessDenied' };

/** Fixed text for the refusals auth-failures.ts has no words for (`identify`'s, by the start of their message). */
const ENTRY_REASONS: readonly (readonly [RegExp, string])[] = [
  [/ has no access entry in cluster /, 'no access entry of the cluster maps the principal'],
  [/ was made for an earlier principal of that name/, 'the access entry was made for an earlier principal of that name'],
  [/ renders the username /, 'the access entry renders a username Kubernetes or EKS reserves (`system:`, `eks:`, `aws:`, `amazon:`, `iam:`)'],
];

export interface AccessReviewAnswer {
  readonly allowed: boolean;
  readonly denied: boolean;
  readonly reason: string;
  readonly evaluationError?: string;
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The `extra` keys `identify` sets in camel case, as aws-iam-authenticator names them. */
const CAMEL_EXTRA = ['accessKeyId', 'sessionName', 'tokenIssueTime', 'canonicalArn'] as const;

/**
 * `extra` with the keys `identify` sets in camel case read in lower case too. A user's extra reaches an aggregated API
 * server (metrics-server) as front-proxy headers `X-Remote-Extra-<key>`, which keep no case; its authenticator lower-
 * cases them (k8s.io/apiserver `requestheader`), and its delegated SubjectAccessReview says `tokenissuetime`. Unread,
 * the issue time counted as the earliest and a policy refusing older sessions refused new ones (review ac, 7).
 */
function camelExtra(extra: Readonly<Record<string, readonly string[]>> | undefined): Readonly<Record<string, readonly string[]>> | undefined {
  if (extra === undefined) return undefined;
  let out: Record<string, readonly string[]> | undefined;
  for (const k of CAMEL_EXTRA) {
    const lower = extra[k.toLowerCase()];
    if (extra[k] === undefined && lower !== undefined) (out ??= Object.assign(Object.create(null) as Record<string, readonly string[]>, extra))[k] = lower;
  }
  return out ?? extra;
}

/**
 * IAM only ever denies in Kubernetes (see the module comment). (A principal named in `extra.arn` that Gatehouse
 * cannot resolve never gets here: `accessReview` answers no opinion for it, never left to RBAC alone.) A review of
 * several views (a wildcard verb or resource) is denied when any of them is (review I, C3).
 */
function iamDenyResult(r: KubeRequest): AuthorizerResult {
  if (!r.iam) return { verdict: 'no-opinion', reasons: [], errors: [] };
  const denied = firstDenied(r.iam.views, r.iam.principal, r.iam.policies, r.iam.context, r.iam.time);
  if (denied === undefined) return { verdict: 'no-opinion', reasons: [], errors: [] };
  return { verdict: 'deny', reasons: [accessDeniedMessage(r.iam.principal.arn, denied.view.action, denied.view.resource, denied.decision)], errors: [] };
}

/** The IAM views of a review: every action on every resource (`iamViews`), less `skip`. */
interface Views {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** A view not to decide (the authorize API's own question, decided by its IAM engine). */
  readonly skip?: { readonly action: string; readonly resource: string };
  /**
   * The review names no object and is no request on a collection (verb or resource `*`, `kubectl auth can-i get
   * secrets`, `can-i create pods --subresource=exec`): it covers every object of each resource viewed, and, without a
   * subresource, their subresources too. `subresource` is the one it asks about (each view then ends with it). Views
   * before `fromView` are none of the objects' collections (the review's own path when its resource or group is `*`).
   */
  readonly below?: { readonly subresource: string; readonly fromView: number };
  /** Views decided on their own, not with every action and resource above (a token request's `impersonate`, `iamViews`). */
  readonly also?: readonly { readonly action: string; readonly resource: string }[];
  /**
   * The same views made with the cluster's ARN in the other dialect (`acs:pai::A:cluster/c` for
   * `arn:aws:training::A:cluster/c`): a review naming no namespace or object is viewed as the objects a Deny's patterns
   * reach, read against the cluster's ARN as spelt, so a Deny in the other spelling reached none (review jh, 7).
   */
  readonly otherSpelling?: () => Views;
  /**
   * The views of each concrete review that a wildcard review covers and that stands for more than its own path (an
   * eviction, a token request, a namespace's or a definition's deletion, a signer's approval: `SPECIAL_REVIEWS`), each
   * decided on its own, as that review would be (review mn, 1).
   */
  readonly covered?: readonly Views[];
}

/**
 * The first of `views` that `policies` explicitly deny, with its decision, or undefined. A review for verb, resource or
 * group `*` stands for thousands of views (16 verbs times every resource the cluster's RBAC names, and namespaces), and
 * any Kubernetes user can send one (`kubectl auth can-i '*' '*'` is a SelfSubjectAccessReview, which every
 * authenticated user may make, and kube-apiserver forwards it to this webhook): every view made as an object and
 * decided with `evaluate` held the event loop 0.6-1.2 s for 10,000 resources (review N, N5). An explicit deny comes
 * only from a Deny statement whose action covers the view's and whose `Resource` matches it, so per action only the
 * resources some Deny pattern matches are decided (`denyResourcePatterns`, matched as `evaluate` matches them), and
 * all of them for an action some `NotResource` Deny covers.
 */
function firstDenied(views: Views, principal: Principal, policies: PolicySet, context: Context, time: number): { view: { readonly action: string; readonly resource: string }; decision: ReturnType<typeof evaluate> } | undefined {
  const found = firstDeniedSpelt(views, principal, policies, context, time);
  if (found !== undefined) return found;
  for (const sub of views.covered ?? []) {
    const d = firstDenied(sub, principal, policies, context, time);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** `firstDenied` for the views themselves, in both spellings of the cluster's ARN, without those they cover. */
function firstDeniedSpelt(views: Views, principal: Principal, policies: PolicySet, context: Context, time: number): { view: { readonly action: string; readonly resource: string }; decision: ReturnType<typeof evaluate> } | undefined {
  const found = firstDeniedAs(views, principal, policies, context, time);
  if (found !== undefined) return found;
  // The cluster's objects spelt in the other dialect (`acs:pai::A:cluster/c/…` for `arn:aws:training::A:cluster/c/…`):
  // a Deny naming them so applies too, as the authorize API and jobs decide a cluster's ARN (review is, 7). The view
  // reported is the one asked.
  const other = (r: string): string => otherTrainingArn(r) ?? r;
  // Made again on the other spelling where the views say how (`iamViews`: the objects of every namespace a Deny's
  // pattern names, review jh, 7), else the same views respelt.
  const remade = views.otherSpelling?.();
  const mapped: Views = {
    actions: remade?.actions ?? views.actions,
    resources: remade?.resources ?? views.resources.map(other),
    ...(views.skip !== undefined ? { skip: { action: views.skip.action, resource: other(views.skip.resource) } } : {}),
    ...((remade ?? views).below !== undefined ? { below: (remade ?? views).below } : {}),
    ...(remade !== undefined ? (remade.also !== undefined ? { also: remade.also } : {}) : views.also !== undefined ? { also: views.also.map((v) => ({ action: v.action, resource: other(v.resource) })) } : {}),
  };
  if (remade === undefined && mapped.resources.every((r, i) => r === views.resources[i]) && (mapped.also ?? []).every((v, i) => v.resource === views.also?.[i]?.resource)) return undefined;
  const denied = firstDeniedAs(mapped, principal, policies, context, time);
  // Only a Deny naming the action and resource speaks of the other spelling (`namesItsTarget`): one exempting the
  // object by `NotResource` in the review's spelling would deny it in the other.
  if (denied === undefined || !namesItsTarget(denied.decision.matched, policies)) return undefined;
  // Back to the spelling asked where the view is one of the review's (an object below one keeps the Deny's spelling).
  const viewed = mapped.resources.includes(denied.view.resource) || (mapped.also?.some((v) => v.action === denied.view.action && v.resource === denied.view.resource) ?? false);
  return { view: { action: denied.view.action, resource: viewed ? other(denied.view.resource) : denied.view.resource }, decision: denied.decision };
}

/** `firstDenied` for the views as spelt. */
function firstDeniedAs(views: Views, principal: Principal, policies: PolicySet, context: Context, time: number): { view: { readonly action: string; readonly resource: string }; decision: ReturnType<typeof evaluate> } | undefined {
  const all: CompiledPolicy[] = [...policies.identity, ...(policies.boundary ? [policies.boundary] : []), ...(policies.session ?? []), ...(policies.resource ?? []), ...(policies.trust ? [policies.trust] : [])];
  // The object (and subresource) below a view that a pattern reaches, by pattern and view: the same for every verb.
  const objects = new Map<string, Map<string, string | undefined>>();
  const below = views.below;
  const objectBelow = (pattern: string, view: string): string | undefined => {
    if (below === undefined) return undefined;
    let byView = objects.get(pattern);
    if (byView === undefined) objects.set(pattern, (byView = new Map()));
    if (byView.has(view)) return byView.get(view);
    let found: string | undefined;
    if (below.subresource === '') {
      const x = continuationMatching(pattern, `${view}/`);
      if (x !== undefined) found = `${view}/${x}`;
    } else {
      // `…/pods/exec` for a review naming no pod: some pod's exec, `…/pods/<name>/exec`. The pattern's own rest names
      // it when it can (`…/pods/web.1/exec`: a pod name with `.`, review F, F2); else a name of label characters that
      // a wildcard spanning `/` reaches (`…/pods/*exec`).
      const base = view.slice(0, -(below.subresource.length + 1));
      const sub = below.subresource;
      const x = continuationMatching(pattern, `${base}/`, (x) => isObjectBelow(x, sub));
      const name = x === undefined ? namespaceMatching(pattern, `${base}/`, `/${sub}`) : undefined;
      if (x !== undefined) found = `${base}/${x}`;
      else if (name !== undefined) found = `${base}/${name}/${sub}`;
    }
    byView.set(view, found);
    return found;
  };
  for (const action of views.actions) {
    const deny = denyResourcePatterns(all, [action], { principal, context, time });
    if (!deny.unlisted && deny.patterns.length === 0) continue;
    const matchers = deny.unlisted ? undefined : deny.patterns.map(resourceMatcher);
    const decide = (resource: string): ReturnType<typeof evaluate> | undefined => {
      if (matchers !== undefined && !matchers.some((m) => m(resource))) return undefined;
      if (views.skip !== undefined && views.skip.action === action && views.skip.resource === resource) return undefined;
      const d = evaluate({ principal, action, resource, context, time }, policies);
      return d.decision === 'ExplicitDeny' ? d : undefined;
    };
    for (const [i, resource] of views.resources.entries()) {
      const d = decide(resource);
      if (d !== undefined) return { view: { action, resource }, decision: d };
      // The objects a deny pattern names below the view (review K, K3): `…/pods/*/exec`, `…/secrets/db-password`.
      for (const p of below !== undefined && i >= below.fromView ? deny.patterns : []) {
        const object = objectBelow(p, resource);
        const od = object === undefined ? undefined : decide(object);
        if (od !== undefined && object !== undefined) return { view: { action, resource: object }, decision: od };
      }
    }
  }
  for (const view of views.also ?? []) {
    if (views.skip !== undefined && views.skip.action === view.action && views.skip.resource === view.resource) continue;
    const d = evaluate({ principal, action: view.action, resource: view.resource, context, time }, policies);
    if (d.decision === 'ExplicitDeny') return { view, decision: d };
  }
  return undefined;
}

/**
 * Verbs whose requests name no object (`list`, `watch`, `create`, `deletecollection`): a review of them asks about the
 * collection, not about each object in it. Any other verb is made on one object, so a review of it without a name is
 * about every object (`kubectl auth can-i get secrets`), never a request kube-apiserver decides.
 */
const COLLECTION_VERBS: ReadonlySet<string> = new Set(['list', 'watch', 'create', 'deletecollection']);

/**
 * Verbs a review for verb `*` covers: kube-apiserver's request verbs and the special verbs of built-in
 * authorization checks (impersonate, bind, escalate, use, approve, sign, attest). An IAM deny of any one of them
 * denies `*`, as "may do everything" is false when one thing is denied.
 */
const KUBERNETES_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', 'impersonate', 'bind', 'escalate', 'use', 'approve', 'sign', 'attest'];

/**
 * Verbs a non-resource review for verb `*` covers: a request to a non-resource URL (`/logs/…`, `/metrics`, `/healthz`) is
 * authorized with its HTTP method in lower case (k8s.io/apiserver `RequestInfoFactory`: `strings.ToLower(req.Method)`),
 * so `kubectl auth can-i '*' /logs/` asks about `post` and `put` as well as `get` (review ff, 2).
 */
const NON_RESOURCE_VERBS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options'];

/** Resources of the built-in API a review for resource `*` covers, besides those the cluster's RBAC rules name. */
const BUILTIN_RESOURCES: readonly (readonly [string, readonly string[]])[] = [
  ['', ['pods', 'services', 'endpoints', 'configmaps', 'secrets', 'serviceaccounts', 'persistentvolumeclaims', 'persistentvolumes', 'nodes', 'namespaces', 'events', 'limitranges', 'resourcequotas', 'replicationcontrollers', 'podtemplates']],
  ['apps', ['deployments', 'replicasets', 'statefulsets', 'daemonsets', 'controllerrevisions']],
  ['batch', ['jobs', 'cronjobs']],
  ['autoscaling', ['horizontalpodautoscalers']],
  ['policy', ['poddisruptionbudgets']],
  ['networking.k8s.io', ['ingresses', 'networkpolicies', 'ingressclasses']],
  ['rbac.authorization.k8s.io', ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings']],
  ['storage.k8s.io', ['storageclasses', 'volumeattachments', 'csidrivers', 'csinodes']],
  ['coordination.k8s.io', ['leases']],
  ['discovery.k8s.io', ['endpointslices']],
  ['apiextensions.k8s.io', ['customresourcedefinitions']],
  ['admissionregistration.k8s.io', ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations']],
  ['certificates.k8s.io', ['certificatesigningrequests']],
  ['scheduling.k8s.io', ['priorityclasses']],
];

/** The resources a review for resource `*` covers in a cluster with these RBAC objects. */
function knownResources(objects: readonly RbacObject[]): { apiGroup: string; resource: string }[] {
  const seen = new Map<string, { apiGroup: string; resource: string }>();
  const add = (apiGroup: string, resource: string): void => {
    if (resource === '' || resource.includes('*') || apiGroup.includes('*')) return;
    seen.set(`${apiGroup}\u0000${resource}`, { apiGroup, resource });
  };
  for (const [group, resources] of BUILTIN_RESOURCES) for (const r of resources) add(group, r);
  for (const o of objects) {
    if (o.kind !== 'Role' && o.kind !== 'ClusterRole') continue;
    for (const rule of o.rules) for (const g of rule.apiGroups) for (const r of rule.resources) add(g, r.split('/')[0] as string);
  }
  return [...seen.values()];
}

/**
 * The policies whose Deny statements name what a review covers: identity policies, boundary and, for a session decided
 * as itself (its sealed session in the review, `accessReview`), its session policies, which `firstDenied` decides with
 * too. Searched in identity policies and boundary only, a Deny in the session policy on `…/namespaces/prod/secrets`
 * denied `kubectl get secrets -n prod` but not `kubectl get secrets -A`, which returns prod's secrets too (review ft, 1).
 */
function denySources(policies: PolicySet): readonly CompiledPolicy[] {
  const session = policies.session ?? [];
  if (policies.boundary === undefined && session.length === 0) return policies.identity;
  return [...policies.identity, ...(policies.boundary ? [policies.boundary] : []), ...session];
}

/** A namespace no policy is expected to name: where a `NotResource` deny, which names what it spares, is tried. */
const UNNAMED_NAMESPACE = 'gatehouse-unnamed-namespace';

/** Who IAM decides a review for, to find the namespaces its denies name. */
interface IamSubject {
  readonly principal: Principal;
  readonly policies: PolicySet;
  readonly context?: Context;
  readonly time: number;
}

/**
 * The IAM views of a review: `kubernetes:<verb>` on the request's path; for verb `*`, also each verb it covers, and
 * for resource `*`, each resource it covers in the review's API group (every group when that is `*`); for group `*`
 * and a concrete resource, that resource in the core group and in each group the cluster knows it in; so that an
 * IAM deny of one of them denies the wildcard request (review I, C3; review R, R2).
 *
 * Namespace `""` on a namespaced resource is a wildcard too (review K, K6): `kubectl get secrets -A` is one review,
 * `<cluster>/secrets`, that returns the secrets of every namespace. It is also viewed in each namespace where one of
 * `who`'s Deny statements (`denySources`; those whose action covers a verb of the review) could
 * apply: for a `Resource` pattern, a namespace it matches (`namespaceMatching`, exact for the patterns as the engine
 * reads them, policy variables resolved for the principal); for a `NotResource` deny, the namespaces of the cluster's
 * RBAC objects and one no policy names. Limits: a `NotResource` deny that spares exactly those namespaces but not
 * another one is missed; a custom resource is taken as namespaced (the webhook cannot see its scope), so a deny on
 * `namespaces/x/*` also denies listing a cluster-scoped custom resource.
 */
function iamViews(cluster: KubeCluster, a: KubernetesRequestAttributes & { readonly verb: string }, who?: IamSubject): Views {
  const views = iamViewsAs(cluster, a, who);
  const arn = otherTrainingArn(cluster.arn);
  const spelt = arn === undefined ? views : { ...views, otherSpelling: () => iamViewsAs({ ...cluster, arn }, a, who) };
  const covered = [...specialReviewsCovered(a), ...nodeProxyCovered(a), ...ephemeralCovered(a), ...subresourcesCovered(a)];
  return covered.length === 0 ? spelt : { ...spelt, covered: covered.map((c) => iamViews(cluster, c, who)) };
}

/**
 * `get` or `create` (or `*`) of a node's `proxy` (any node's, for no name): kube-apiserver proxies it to the node's
 * kubelet, whose API runs commands in (`/run`, `/exec`: a POST, or a WebSocket GET), attaches to, forwards the ports of
 * and reads the logs of every pod on the node. "Access to the proxy sub-resource of node objects grants rights to the
 * Kubelet API, which allows for command execution on every pod on the node(s)" (Kubernetes' RBAC good practices,
 * "Escalation paths"); review ou, 4.
 */
function isNodeProxy(a: KubernetesRequestAttributes & { readonly verb: string }): boolean {
  return a.resourceRequest && (a.verb === 'get' || a.verb === 'create' || a.verb === '*') && (a.resource === 'nodes' || a.resource === '*') && (!a.apiGroup || a.apiGroup === '*') && (a.subresource === 'proxy' || isNodeLog(a));
}

/**
 * `get` (or `*`) of a node's `log`: the kubelet's `/logs/`, the node's `/var/log`, which holds every pod's container logs
 * (`/var/log/pods`, `/var/log/containers`; kubelet-authn-authz: `/logs/*` is `nodes/log`).
 */
function isNodeLog(a: KubernetesRequestAttributes & { readonly verb: string }): boolean {
  return a.resourceRequest && (a.verb === 'get' || a.verb === '*') && a.subresource === 'log' && (a.resource === 'nodes' || a.resource === '*') && (!a.apiGroup || a.apiGroup === '*');
}

/**
 * `get`, `create` or `*` of a node's `proxy` (`isNodeProxy`, not the node's `log`): the kubelet's API behind it runs
 * commands in and attaches to every pod on the node, a shell in each (review sc, 1).
 */
function isNodeShell(a: KubernetesRequestAttributes & { readonly verb: string }): boolean {
  // Subresource `*` (`kubectl auth can-i get nodes/node-1 --subresource='*'`, RBAC's `nodes/*`) covers `proxy` too (review vj, 3).
  return (isNodeProxy(a) && a.subresource === 'proxy') || (isNodeProxy({ ...a, subresource: 'proxy' }) && a.subresource === '*');
}

/**
 * `update`, `patch` or `*` of a pod's `ephemeralcontainers` (`kubectl debug`): a container added to the running pod, in
 * its network and volumes and, with `--target`, its processes (`/proc/<pid>/environ`, `/proc/<pid>/root`), from which a
 * shell runs as in the pod (review sc, 3).
 */
function isEphemeralContainers(a: KubernetesRequestAttributes & { readonly verb: string }): boolean {
  return a.resourceRequest && (a.verb === 'update' || a.verb === 'patch' || a.verb === '*') && (a.resource === 'pods' || a.resource === '*') && (!a.apiGroup || a.apiGroup === '*') && a.subresource === 'ephemeralcontainers';
}

/**
 * The review an ephemeral container stands for (`isEphemeralContainers`): `create` of the same pod's `exec`, so that a
 * Deny of `kubectl exec` is not sidestepped by `kubectl debug -it POD --target=C` (review sc, 3), as it was not by the
 * node's proxy (review ou, 4).
 */
function ephemeralCovered(a: KubernetesRequestAttributes & { readonly verb: string }): (KubernetesRequestAttributes & { readonly verb: string })[] {
  if (!isEphemeralContainers(a)) return [];
  return [{ ...a, verb: 'create', apiGroup: '', resource: 'pods', subresource: 'exec' }];
}

/** The pods' subresources whose sessions the kubelet's API opens (`isNodeProxy`). */
const KUBELET_SESSIONS = ['exec', 'attach', 'portforward', 'log'] as const;

/**
 * The reviews a node's proxy stands for (`isNodeProxy`): which pods a node runs is not known here, so each kubelet
 * session on every pod of every namespace, as `kubectl auth can-i get pods --subresource=exec -A` asks it (a WebSocket
 * `get` of `exec`, `attach` and `portforward` is also their `create`, review ix, 4). A Deny of `kubectl exec` in one
 * namespace so denies the node proxy of every node (review ou, 4). A node's `log` stands for every pod's `log`.
 */
function nodeProxyCovered(a: KubernetesRequestAttributes & { readonly verb: string }): (KubernetesRequestAttributes & { readonly verb: string })[] {
  if (!isNodeProxy(a)) return [];
  const sessions = a.subresource === 'log' ? (['log'] as const) : KUBELET_SESSIONS;
  return sessions.map((subresource) => ({ resourceRequest: true, verb: 'get', namespace: '', apiGroup: '', resource: 'pods', subresource, name: '' }));
}

/**
 * Reviews that stand for more than their own path, by verb, API group, resource and subresource: an eviction deletes its
 * pod (review hr, 6), a token request acts as its service account (reviews ia, 1 and 3), deleting a namespace or a
 * CustomResourceDefinition deletes what is in it (reviews hr, 2; ia, 2, 4 and 5), approving a client signer mints
 * identities (review ix, 5). `iamViews` recognises each by its exact verb, group and resource only.
 */
const SPECIAL_REVIEWS: readonly { readonly verb: string; readonly apiGroup: string; readonly resource: string; readonly subresource: string }[] = [
  { verb: 'create', apiGroup: '', resource: 'pods', subresource: 'eviction' },
  { verb: 'create', apiGroup: '', resource: 'serviceaccounts', subresource: 'token' },
  { verb: 'delete', apiGroup: '', resource: 'namespaces', subresource: '' },
  { verb: 'deletecollection', apiGroup: '', resource: 'namespaces', subresource: '' },
  { verb: 'delete', apiGroup: 'apiextensions.k8s.io', resource: 'customresourcedefinitions', subresource: '' },
  { verb: 'deletecollection', apiGroup: 'apiextensions.k8s.io', resource: 'customresourcedefinitions', subresource: '' },
  { verb: 'approve', apiGroup: 'certificates.k8s.io', resource: 'signers', subresource: '' },
];

/**
 * The special reviews (`SPECIAL_REVIEWS`) a review of verb, group or resource `*` covers, as concrete reviews of the same
 * namespace, object and subresource: `kubectl auth can-i '*' pods --subresource=eviction`, `can-i create '*'
 * --subresource=eviction`, `can-i delete namespaces.* prod` are denied when the eviction, or the namespace's deletion,
 * is (review mn, 1). None for a review without a wildcard: `iamViews` views those as they are.
 */
function specialReviewsCovered(a: KubernetesRequestAttributes & { readonly verb: string }): (KubernetesRequestAttributes & { readonly verb: string })[] {
  if (!a.resourceRequest || (a.verb !== '*' && a.apiGroup !== '*' && a.resource !== '*')) return [];
  return SPECIAL_REVIEWS.filter(
    (s) => (a.verb === s.verb || a.verb === '*') && ((a.apiGroup ?? '') === s.apiGroup || a.apiGroup === '*') && (a.resource === s.resource || a.resource === '*') && (a.subresource ?? '') === s.subresource,
  ).map((s) => ({ ...a, verb: s.verb, apiGroup: s.apiGroup, resource: s.resource }));
}

/**
 * The subresources whose reviews stand for more than their own path, by resource of the core group: a WebSocket `get`
 * of `exec`, `attach`, `portforward` is also their `create` (review ix, 4), an `ephemeralcontainers` update a shell
 * (review sc, 3), an `eviction` a deletion (review hr, 6), a node's `proxy` and `log` every pod's sessions and logs
 * (review ou, 4), a `token` the account (review ia, 1).
 */
const SPECIAL_SUBRESOURCES: readonly { readonly resource: string; readonly subresources: readonly string[] }[] = [
  { resource: 'pods', subresources: ['exec', 'attach', 'portforward', 'ephemeralcontainers', 'eviction'] },
  { resource: 'nodes', subresources: ['proxy', 'log'] },
  { resource: 'serviceaccounts', subresources: ['token'] },
];

/**
 * The reviews a review of subresource `*` stands for (review vj, 4): each subresource of `SPECIAL_SUBRESOURCES` of the
 * resource it names (each of them for resource `*`), decided as that review would be, so that `kubectl auth can-i get
 * pods/web --subresource='*'` (which RBAC's `pods/*` allows, taken literally) is denied where the WebSocket exec into
 * `web` is, as verb `*` covers each verb's special reviews. At most 8 reviews of one resource each, whatever it names.
 */
function subresourcesCovered(a: KubernetesRequestAttributes & { readonly verb: string }): (KubernetesRequestAttributes & { readonly verb: string })[] {
  if (!a.resourceRequest || a.subresource !== '*' || (a.apiGroup !== undefined && a.apiGroup !== '' && a.apiGroup !== '*')) return [];
  return SPECIAL_SUBRESOURCES.filter((s) => a.resource === s.resource || a.resource === '*').flatMap((s) => s.subresources.map((subresource) => ({ ...a, apiGroup: '', resource: s.resource, subresource })));
}

/** `iamViews` on the cluster's ARN as `cluster` spells it. */
function iamViewsAs(cluster: KubeCluster, a: KubernetesRequestAttributes & { readonly verb: string }, who?: IamSubject): Views {
  // A list or watch that names an object is one on the collection that a `metadata.name` field selector narrows
  // (k8s.io/apiserver `RequestInfoFactory` names the request so): it is also viewed as the collection, as the plain list
  // is, so that a Deny on listing the collection applies (review ix, 3). The namespaces collection is `<cluster>/namespaces`
  // whatever namespace the review names: kube-apiserver reads the old `/api/v1/watch/namespaces/x` path in namespace `x`,
  // whose collection was written `<cluster>/namespaces/x/namespaces`, which no Deny names (review ua, 1).
  if (isNarrowedList(a)) {
    const named = objectViews(cluster, a, who);
    const namespaceObject = a.resource === 'namespaces' && !a.apiGroup;
    const whole = objectViews(cluster, { ...a, name: '', ...(namespaceObject ? { namespace: '' } : {}) }, who);
    return { ...named, resources: [...new Set([...named.resources, ...whole.resources])] };
  }
  return objectViews(cluster, a, who);
}

/**
 * `approve` (or `*`) of the signer `kubernetes.io/kube-apiserver-client`, or of its domain `kubernetes.io/*` (asked when
 * the signer itself is refused, review hr, 4): kube-controller-manager signs an approved request of that signer as a
 * client certificate for whatever subject it names (CN the username, O the groups), so approving one mints the identity
 * of any user, group or service account, as impersonating it does; the review never names it (review ix, 5).
 */
function isClientSignerApproval(a: KubernetesRequestAttributes & { readonly verb: string }): boolean {
  return a.resourceRequest && (a.verb === 'approve' || a.verb === '*') && a.resource === 'signers' && a.apiGroup === 'certificates.k8s.io' && !a.subresource && (a.name === 'kubernetes.io/kube-apiserver-client' || a.name === 'kubernetes.io/*');
}

/**
 * `approve` (or `*`) of the signer `kubernetes.io/kube-apiserver-client-kubelet`, whose approved requests
 * kube-controller-manager signs as client certificates of a node (CN `system:node:<name>`, O `system:nodes`): it mints
 * a node's identity, as impersonating `system:node:<name>` does (review ix, 5).
 */
function isNodeClientSignerApproval(a: KubernetesRequestAttributes & { readonly verb: string }): boolean {
  return a.resourceRequest && (a.verb === 'approve' || a.verb === '*') && a.resource === 'signers' && a.apiGroup === 'certificates.k8s.io' && !a.subresource && a.name === 'kubernetes.io/kube-apiserver-client-kubelet';
}

/**
 * `kubernetes:impersonate` of each identity one of `who`'s Deny statements on it names: a service account in any namespace
 * (`objectsDenied`), a user (`<cluster>/users/<name>`, a name that may hold `/`) or a group; for a `NotResource` deny,
 * one no policy names of each kind.
 */
function identitiesDenied(cluster: KubeCluster, who: IamSubject): { action: string; resource: string }[] {
  const action = kubernetesAction('impersonate');
  const deny = denyPatternsOf(who, [action]);
  const out = objectsDenied(cluster, '', 'serviceaccounts', 'impersonate', who);
  for (const kind of ['users', 'groups']) {
    const prefix = `${cluster.arn}/${kind}/`;
    for (const p of deny.patterns) {
      const x = continuationMatching(p, prefix, (y) => y !== '' && !/\s/.test(y));
      if (x !== undefined) out.push({ action, resource: `${prefix}${x}` });
    }
    if (deny.unlisted) out.push({ action, resource: `${prefix}${UNNAMED_OBJECT}` });
  }
  return out;
}

/**
 * `get` of a pod's `exec`, `attach` or `portforward`: kubectl (1.30 and later, KEP-4006) opens them with a WebSocket
 * upgrade, a GET, which kube-apiserver authorizes as `get`; the same session by SPDY is a POST, `create`. Kubernetes 1.35
 * authorizes such a GET as `create` too (`AuthorizePodWebsocketUpgradeCreatePermission`, kubernetes/kubernetes#133515),
 * and so does Gatehouse's IAM view, on every server version: a `Deny kubernetes:create` on `…/pods/*\/exec` refused the
 * SPDY exec and not the WebSocket one (review ix, 4).
 */
function isConnectGet(a: KubernetesRequestAttributes & { readonly verb: string }): boolean {
  return a.resourceRequest && a.verb === 'get' && a.resource === 'pods' && !a.apiGroup && (a.subresource === 'exec' || a.subresource === 'attach' || a.subresource === 'portforward');
}

/**
 * `list` or `watch` naming an object: `kubectl get secrets --field-selector metadata.name=db-password`, `kubectl get
 * secret db-password -w` (RequestInfoFactory sets the name from a `metadata.name` field selector of a list or watch).
 */
function isNarrowedList(a: KubernetesRequestAttributes & { readonly verb: string }): boolean {
  return a.resourceRequest && (a.verb === 'list' || a.verb === 'watch') && !!a.name && !a.subresource && !!a.resource && a.resource !== '*';
}

/** The views of `iamViews` for the review as it names its object. */
function objectViews(cluster: KubeCluster, a: KubernetesRequestAttributes & { readonly verb: string }, who?: IamSubject): Views {
  // A collection's deletion deletes each of its objects, and an eviction its pod, unreviewed: each is also `delete` of
  // them (reviews hr, 5 and 6).
  // A WebSocket exec, attach or port-forward (a GET, `get` of the subresource) opens the session that `create` does: it is
  // also `create` of it (review ix, 4).
  const verbs = a.verb === '*' ? ['*', ...(a.resourceRequest ? KUBERNETES_VERBS : NON_RESOURCE_VERBS)] : deletesObjects(a) || isEviction(a) ? [a.verb, 'delete'] : isConnectGet(a) ? [a.verb, 'create'] : [a.verb];
  const resources = [kubernetesResource(cluster.arn, a)];
  // A namespace on a cluster-scoped resource: kube-apiserver asks `bind` of a ClusterRole with the namespace of the
  // RoleBinding being made (`pkg/registry/rbac/escalation_check.go` `BindingAuthorized`). The request is about the
  // object itself too, whose own path a Deny names (review hr, 3).
  if (isClusterScopedInNamespace(a)) resources.push(kubernetesResource(cluster.arn, { ...a, namespace: '' }));
  if (isEviction(a)) resources.push(kubernetesResource(cluster.arn, { ...a, subresource: '' }));
  const covered: { apiGroup: string; resource: string }[] = [];
  if (a.resourceRequest && a.resource === '*') {
    for (const r of cluster.resources) {
      if (a.apiGroup !== '*' && (a.apiGroup ?? '') !== r.apiGroup) continue;
      covered.push(r);
      resources.push(kubernetesResource(cluster.arn, { ...a, apiGroup: r.apiGroup, resource: r.resource }));
    }
  } else if (a.resourceRequest && a.apiGroup === '*') {
    // A concrete resource in every group (`kubectl auth can-i get secrets.*`): the core group's and each group the
    // cluster knows it in, so that a deny on `secrets` denies it as it denies resource `*` (review R, R2).
    for (const apiGroup of new Set(['', ...cluster.resources.filter((r) => r.resource === a.resource).map((r) => r.apiGroup)])) {
      covered.push({ apiGroup, resource: a.resource ?? '' });
      resources.push(kubernetesResource(cluster.arn, { ...a, apiGroup }));
    }
  } else if (a.resourceRequest) covered.push({ apiGroup: a.apiGroup ?? '', resource: a.resource ?? '' });
  // Whether the review covers every object of what it names (`Views.below`).
  const open = coversObjects(a);
  if (who !== undefined && a.resourceRequest && !a.namespace) {
    const namespaced = covered.filter((r) => r.resource !== '' && r.resource !== '*' && isNamespacedResource(r.apiGroup, r.resource));
    const policies: readonly CompiledPolicy[] = namespaced.length === 0 ? [] : denySources(who.policies);
    const deny = policies.length === 0 ? undefined : denyResourcePatterns(policies, verbs.map(kubernetesAction), { principal: who.principal, ...(who.context !== undefined ? { context: who.context } : {}), time: who.time });
    if (deny !== undefined && (deny.patterns.length > 0 || deny.unlisted)) {
      for (const r of namespaced) {
        // `\u0000` marks where the namespace goes in the path (never in a resource name or a cluster ARN).
        const [prefix = '', suffix = ''] = kubernetesResource(cluster.arn, { ...a, apiGroup: r.apiGroup, resource: r.resource, namespace: '\u0000' }).split('\u0000');
        const names = new Set<string>();
        for (const p of deny.patterns) {
          const ns = namespaceMatching(p, prefix, suffix);
          if (ns !== undefined) names.add(ns);
        }
        if (deny.unlisted) for (const ns of [...cluster.namespaces, UNNAMED_NAMESPACE]) names.add(ns);
        for (const ns of names) resources.push(`${prefix}${ns}${suffix}`);
        // A review naming no object covers every object in every namespace (review K, K3): `…/namespaces/*/pods/*/exec`.
        if (open) {
          const sub = a.subresource ?? '';
          const collection = sub === '' ? suffix : suffix.slice(0, -(sub.length + 1));
          for (const p of deny.patterns) {
            const x = continuationMatching(p, prefix, (x) => isNamespacedObject(x, collection, sub));
            if (x !== undefined) resources.push(`${prefix}${x}`);
          }
        }
      }
    }
  }
  if (who !== undefined && a.resourceRequest && a.resource === '*') resources.push(...unnamedResources(cluster, a, verbs, who));
  if (who !== undefined && a.resourceRequest && a.subresource === '*' && a.name) resources.push(...subresourcesOfObject(resources, verbs, who));
  if (who !== undefined && isNamespaceDeletion(a)) resources.push(...namespaceContents(cluster, resources[0] as string, who));
  if (who !== undefined && isDefinitionDeletion(a)) resources.push(...definitionContents(cluster, a.name as string, who));
  if (who !== undefined && isDefinitionsDeletion(a)) for (const name of definitionsNamed(cluster, who)) resources.push(...definitionContents(cluster, name, who));
  if (who !== undefined && isNamespacesDeletion(a)) for (const ns of namespacesNamed(cluster, who)) resources.push(...namespaceContents(cluster, `${cluster.arn}/namespaces/${ns}`, who));
  if (who !== undefined && isSignerDomain(a)) resources.push(...signersOfDomain(resources[0] as string, verbs, who));
  // The review's own path names no collection when its resource or group is `*` (`…/namespaces/ml/*`, `…/pods.*`).
  const fromView = a.resource === '*' || a.apiGroup === '*' ? 1 : 0;
  // A token request mints a token that acts as the service account: it is also `impersonate` of it (review ia, 1), on the
  // account alone (a Deny of creating the account object is not one of minting its tokens).
  // Naming no account, it covers a token for each account (review K, K3), and so impersonating each (review ia, 3).
  // Likewise an eviction naming no pod covers deleting each pod (review ia, 8).
  // The identity review of constrained impersonation stands for the legacy impersonation of the same identity (review
  // ix, 1): kube-apiserver falls back to `impersonate` only when it is refused.
  // Impersonating a service account is impersonating its username too, `<cluster>/users/system:serviceaccount:<ns>:<name>`,
  // the spelling the authorize API's question may use (review ua, 2).
  const impersonated = constrainedIdentity(a);
  const account = isTokenRequest(a) || isAccountImpersonation(a) ? a : impersonated?.resource === 'serviceaccounts' ? impersonated : undefined;
  const also = account !== undefined
    ? impersonatingAccount(cluster, account.namespace as string, account.name as string)
    : impersonated !== undefined
      ? [{ action: kubernetesAction('impersonate'), resource: kubernetesResource(cluster.arn, impersonated) }]
      : who === undefined
        ? []
        : isAnyTokenRequest(a) || isAnyConstrainedAccount(a)
          ? objectsDenied(cluster, a.namespace ?? '', 'serviceaccounts', 'impersonate', who)
          : isAnyEviction(a)
            ? objectsDenied(cluster, a.namespace ?? '', 'pods', 'delete', who)
            : isClientSignerApproval(a)
              ? identitiesDenied(cluster, who)
              : isNodeClientSignerApproval(a)
                ? identitiesDenied(cluster, who).filter((v) => v.resource.startsWith(`${cluster.arn}/users/system:node:`) || v.resource === `${cluster.arn}/groups/system:nodes`)
                : [];
  return { actions: verbs.map(kubernetesAction), resources, ...(open ? { below: { subresource: a.subresource ?? '', fromView } } : {}), ...(also.length > 0 ? { also } : {}) };
}

/**
 * `impersonate` (or `*`) of one service account (`kubectl --as=system:serviceaccount:<ns>:<name>`): kube-apiserver's
 * impersonation filter asks it so for that username, and the request then runs as the username (review ua, 2).
 */
function isAccountImpersonation(a: KubernetesRequestAttributes & { readonly verb: string }): boolean {
  return a.resourceRequest && (a.verb === 'impersonate' || a.verb === '*') && a.resource === 'serviceaccounts' && !a.apiGroup && !a.subresource && !!a.name && !!a.namespace;
}

/**
 * `impersonate` of the service account `<namespace>/<name>`: of its object, then of its username as a user (review ua, 2),
 * then of the groups its token carries (`system:serviceaccounts`, `system:serviceaccounts:<namespace>`), which
 * kube-apiserver's impersonation filter gives an impersonated account without asking when no group is named (review ua, 4).
 */
function impersonatingAccount(cluster: KubeCluster, namespace: string, name: string): { action: string; resource: string }[] {
  const action = kubernetesAction('impersonate');
  const username = serviceAccountUsername(namespace, name);
  return [
    { action, resource: kubernetesResource(cluster.arn, { resourceRequest: true, namespace, apiGroup: '', resource: 'serviceaccounts', name }) },
    { action, resource: kubernetesResource(cluster.arn, { resourceRequest: true, apiGroup: '', resource: 'users', name: username }) },
    ...serviceAccountGroups(username)
      .filter((g) => g !== AUTHENTICATED_GROUP)
      .map((g) => ({ action, resource: kubernetesResource(cluster.arn, { resourceRequest: true, apiGroup: '', resource: 'groups', name: g }) })),
  ];
}

/**
 * What an authorize question's `resource` under the cluster names for `verb` (`parseKubernetesResource`), or undefined: a
 * kube-apiserver URL whose path fixes the verb (`/api/v1/watch/…`) names no request of another verb (review ua, 3).
 */
function questionOf(clusterArn: string, resource: string, verb: string): KubernetesRequestAttributes | undefined {
  const fixed = apiPathVerb(clusterArn, resource);
  return fixed !== undefined && fixed !== verb ? undefined : parseKubernetesResource(clusterArn, resource, verb);
}

/** The resource patterns of `who`'s Deny statements on `actions`, under its principal, context and time. */
function denyPatternsOf(who: IamSubject, actions: readonly string[]): ReturnType<typeof denyResourcePatterns> {
  return denyResourcePatterns(denySources(who.policies), actions, { principal: who.principal, ...(who.context !== undefined ? { context: who.context } : {}), time: who.time });
}

/**
 * Whether a review naming no object covers every object of what it names: a subresource is always requested on one
 * object (`create pods/exec` names its pod), whatever the verb; a collection verb (`list`) is about the collection,
 * but `deletecollection` deletes each object (`deletesObjects`).
 */
function coversObjects(a: KubernetesRequestAttributes & { readonly verb: string }): boolean {
  return a.resourceRequest && !a.name && (!!a.subresource || !COLLECTION_VERBS.has(a.verb) || deletesObjects(a));
}

/**
 * A review of a signer domain, `signers` named `<domain>/*`: kube-apiserver's CSR admission asks it when the signer
 * itself (`kubernetes.io/kube-apiserver-client`) is not allowed, and lets the request through when it is
 * (`plugin/pkg/admission/certificates` `IsAuthorizedForSignerName`; cert-manager asks `signers.cert-manager.io` so). It
 * stands for every signer of the domain (review hr, 4).
 */
function isSignerDomain(a: KubernetesRequestAttributes): boolean {
  return a.resourceRequest && a.resource === 'signers' && !a.subresource && /^[^/*]+\/\*$/.test(a.name ?? '');
}

/**
 * For a review of subresource `*` of a named object (`kubectl auth can-i create pods/web --subresource='*'`), viewed at
 * `…/pods/web/*`: each subresource of the object one of `who`'s Deny patterns names (`…/pods/web/exec` for
 * `…/namespaces/prod/pods/*\/exec`). kube-apiserver's RBAC takes `pods/*` in a rule literally (rbac/v1 `ResourceMatches`),
 * so a role granting it allows the review; but it asks about every subresource, as verb `*` asks about every verb, and a
 * Deny of one denies it (review vj, 2: it was viewed as the one path `…/pods/web/*`, which the Deny did not match, and
 * allowed). Reviews naming no object are viewed so through `Views.below` (`isObjectBelow` of `*`).
 */
function subresourcesOfObject(views: readonly string[], verbs: readonly string[], who: IamSubject): string[] {
  const deny = denyPatternsOf(who, verbs.map(kubernetesAction));
  const out: string[] = [];
  for (const view of views) {
    if (!view.endsWith('/*')) continue;
    const prefix = view.slice(0, -1);
    for (const p of deny.patterns) {
      const x = continuationMatching(p, prefix, isSubresourceName);
      if (x !== undefined) out.push(`${prefix}${x}`);
    }
  }
  return out;
}

/** For a signer-domain review viewed at `domainPath` (`…/signers.certificates.k8s.io/kubernetes.io/*`): a signer of the domain each of `who`'s Deny patterns names. */
function signersOfDomain(domainPath: string, verbs: readonly string[], who: IamSubject): string[] {
  const deny = denyPatternsOf(who, verbs.map(kubernetesAction));
  const prefix = domainPath.slice(0, -1);
  const out: string[] = [];
  for (const p of deny.patterns) {
    const x = continuationMatching(p, prefix, (x) => /^[^*\s]+$/.test(x));
    if (x !== undefined) out.push(`${prefix}${x}`);
  }
  return out;
}

/**
 * `deletecollection` of a collection (`DELETE /api/v1/namespaces/prod/pods`, client-go's `DeleteCollection`):
 * kube-apiserver deletes every object of it the selectors match without reviewing each, so the review covers deleting
 * each of them, in the namespace it names or in every one (review hr, 5). Listing a collection is not so: it reads.
 * Of resource `*` (`kubectl auth can-i deletecollection '*'`), it covers that of each resource (review mn, 1).
 */
function deletesObjects(a: KubernetesRequestAttributes & { readonly verb: string }): boolean {
  return a.resourceRequest && a.verb === 'deletecollection' && !a.name && !a.subresource && !!a.resource;
}

/**
 * `create` of a pod's `eviction` (`kubectl drain`, the Eviction API): kube-apiserver deletes the pod itself when its
 * PodDisruptionBudget allows, without reviewing that deletion, so the review also stands for `delete` of the pod
 * (review hr, 6). Verb `*` covers `create` (review ia, 9).
 */
function isEviction(a: KubernetesRequestAttributes & { readonly verb: string }): boolean {
  return a.resourceRequest && (a.verb === 'create' || a.verb === '*') && a.resource === 'pods' && !a.apiGroup && a.subresource === 'eviction' && !!a.name;
}

/**
 * `create` of a service account's `token` (the TokenRequest API, `kubectl create token <sa>`): kube-apiserver answers
 * with a bearer token of `system:serviceaccount:<ns>:<sa>`, which acts as the account as impersonating it does
 * (`kubectl --as=system:serviceaccount:<ns>:<sa>`, reviewed as `impersonate` on `serviceaccounts/<sa>` in `<ns>` by
 * k8s.io/apiserver `filters/impersonation.go`), so the review also stands for that impersonation (review ia, 1). Verb `*`
 * covers `create` (review ia, 9).
 */
function isTokenRequest(a: KubernetesRequestAttributes & { readonly verb: string }): boolean {
  return a.resourceRequest && (a.verb === 'create' || a.verb === '*') && a.resource === 'serviceaccounts' && !a.apiGroup && a.subresource === 'token' && !!a.name && !!a.namespace;
}

/**
 * The identity verbs of constrained impersonation (KEP-5284, the `ConstrainedImpersonation` feature; kubernetes.io "User
 * Impersonation"), asked on resources of `authentication.k8s.io`: kube-apiserver asks one for `Impersonate-User` and
 * the rest before it falls back to the `impersonate` verb, so an allow of it impersonates whatever a refused
 * `impersonate` would have. Verb `*` grants them, as cluster-admin does.
 */
const CONSTRAINED_IDENTITY_VERBS: ReadonlySet<string> = new Set(['impersonate:serviceaccount', 'impersonate:user-info', 'impersonate:arbitrary-node', 'impersonate:associated-node']);
const AUTHENTICATION_GROUP = 'authentication.k8s.io';

/**
 * For an identity review of constrained impersonation naming what it impersonates, the legacy `impersonate` review of the
 * same identity (k8s.io/apiserver `filters/impersonation.go`): a service account's own path; `users` and `groups` of the
 * core group; `uids` and `userextras/<key>` as they are; a node `<name>` as its user `system:node:<name>`. Else undefined.
 * A Deny of `kubernetes:impersonate` is written on those paths; the constrained review's own view,
 * `kubernetes:impersonate:serviceaccount` on `…/serviceaccounts.authentication.k8s.io/<name>`, is one no Deny names.
 */
function constrainedIdentity(a: KubernetesRequestAttributes & { readonly verb: string }): KubernetesRequestAttributes | undefined {
  if (!a.resourceRequest || !CONSTRAINED_IDENTITY_VERBS.has(a.verb) || a.apiGroup !== AUTHENTICATION_GROUP || !a.name) return undefined;
  const sub = a.subresource ?? '';
  switch (a.resource) {
    case 'serviceaccounts':
      return a.namespace ? { resourceRequest: true, namespace: a.namespace, apiGroup: '', resource: 'serviceaccounts', name: a.name } : undefined;
    case 'users':
    case 'groups':
      return { resourceRequest: true, apiGroup: '', resource: a.resource, name: a.name };
    case 'uids':
    case 'userextras':
      return { resourceRequest: true, apiGroup: AUTHENTICATION_GROUP, resource: a.resource, name: a.name, ...(sub !== '' ? { subresource: sub } : {}) };
    case 'nodes':
      return { resourceRequest: true, apiGroup: '', resource: 'users', name: `system:node:${a.name}` };
    default:
      return undefined;
  }
}

/** `impersonate:serviceaccount` naming no account (`kubectl auth can-i impersonate:serviceaccount serviceaccounts.authentication.k8s.io -n prod`). */
function isAnyConstrainedAccount(a: KubernetesRequestAttributes & { readonly verb: string }): boolean {
  return a.resourceRequest && a.verb === 'impersonate:serviceaccount' && a.apiGroup === AUTHENTICATION_GROUP && a.resource === 'serviceaccounts' && !a.name;
}

/** A token request naming no service account (`kubectl auth can-i create serviceaccounts --subresource=token`), in one namespace or in every one. */
function isAnyTokenRequest(a: KubernetesRequestAttributes & { readonly verb: string }): boolean {
  return a.resourceRequest && a.verb === 'create' && a.resource === 'serviceaccounts' && !a.apiGroup && a.subresource === 'token' && !a.name;
}

/** An eviction naming no pod (`kubectl auth can-i create pods --subresource=eviction`), in one namespace or in every one. */
function isAnyEviction(a: KubernetesRequestAttributes & { readonly verb: string }): boolean {
  return a.resourceRequest && a.verb === 'create' && a.resource === 'pods' && !a.apiGroup && a.subresource === 'eviction' && !a.name;
}

/** A name no policy is expected to give an object: the one tried for a `NotResource` deny. */
const UNNAMED_OBJECT = 'gatehouse-unnamed-object';

/**
 * For a review naming no object that stands for `verb` on each object of the core resource `collection` (a token request
 * for each service account, `impersonate`; an eviction of each pod, `delete`): `verb` on an object that each of `who`'s
 * Deny statements on it names, in `namespace` (in any when `""`); for a `NotResource` deny, on an object no policy names
 * in `namespace` (in each namespace of the cluster's RBAC objects and one no policy names, when `""`).
 */
function objectsDenied(cluster: KubeCluster, namespace: string, collection: string, verb: string, who: IamSubject): { action: string; resource: string }[] {
  const action = kubernetesAction(verb);
  const deny = denyPatternsOf(who, [action]);
  const out: { action: string; resource: string }[] = [];
  const base = `${cluster.arn}/namespaces/`;
  for (const p of deny.patterns) {
    const x =
      namespace !== ''
        ? ((y) => (y === undefined ? undefined : `${namespace}/${collection}/${y}`))(continuationMatching(p, `${base}${namespace}/${collection}/`, (y) => !y.includes('/') && isObjectBelow(y, '')))
        : continuationMatching(p, base, (y) => y.split('/').length === 3 && isNamespacedObject(y, `/${collection}`, ''));
    if (x !== undefined) out.push({ action, resource: `${base}${x}` });
  }
  if (deny.unlisted) for (const ns of namespace !== '' ? [namespace] : [...cluster.namespaces, UNNAMED_NAMESPACE]) out.push({ action, resource: `${base}${ns}/${collection}/${UNNAMED_OBJECT}` });
  return out;
}

/** A review naming a namespace on a built-in cluster-scoped resource other than the namespace object itself (see `iamViews`). */
function isClusterScopedInNamespace(a: KubernetesRequestAttributes): boolean {
  return a.resourceRequest && !!a.namespace && !!a.resource && a.resource !== '*' && a.apiGroup !== '*' && !(a.resource === 'namespaces' && !a.apiGroup) && !isNamespacedResource(a.apiGroup ?? '', a.resource);
}

/**
 * `delete` (or `*`) of a namespace object (`kubectl delete namespace prod`): kube-apiserver asks about the namespace alone, and
 * the namespace controller then deletes every object in it as itself, so no review of the user names them (review hr,
 * 2). Such a review covers deleting each of them, as a review naming no object covers its collection's objects.
 */
function isNamespaceDeletion(a: KubernetesRequestAttributes & { readonly verb: string }): boolean {
  return a.resourceRequest && (a.verb === 'delete' || a.verb === '*') && a.resource === 'namespaces' && !a.apiGroup && !!a.name && !a.subresource;
}

/**
 * `delete` (or `*`) of a CustomResourceDefinition (`kubectl delete crd notebooks.kubeflow.org`): kube-apiserver asks
 * about the definition alone, then removes its resource's API and deletes every object of it ("delete all custom
 * objects stored in it", kubernetes.io "Extend the Kubernetes API with CustomResourceDefinitions"), in every namespace,
 * as itself. Such a review covers deleting each of them (review ia, 4), as a namespace's deletion covers its contents.
 */
function isDefinitionDeletion(a: KubernetesRequestAttributes & { readonly verb: string }): boolean {
  return a.resourceRequest && (a.verb === 'delete' || a.verb === '*') && a.resource === 'customresourcedefinitions' && a.apiGroup === 'apiextensions.k8s.io' && !a.subresource && /^[a-z0-9-]+\.[a-z0-9.-]+$/.test(a.name ?? '');
}

/**
 * For the deletion of the CustomResourceDefinition `name` (`<plural>.<group>`, as the path spells its resource): the
 * collection or an object of that resource that each of `who`'s Deny statements on `kubernetes:delete` names, at cluster
 * scope or in some namespace (the webhook cannot see the definition's scope, so both are tried: it can only deny more).
 */
function definitionContents(cluster: KubeCluster, name: string, who: IamSubject): string[] {
  const deny = denyPatternsOf(who, [kubernetesAction('delete')]);
  const collection = `${cluster.arn}/${name}`;
  const base = `${cluster.arn}/namespaces/`;
  const out: string[] = [];
  for (const p of deny.patterns) {
    if (resourceMatcher(p)(collection)) {
      out.push(collection);
      continue;
    }
    const below = continuationMatching(p, `${collection}/`);
    if (below !== undefined) {
      out.push(`${collection}/${below}`);
      continue;
    }
    const ns = namespaceMatching(p, base, `/${name}`);
    const object = ns === undefined ? continuationMatching(p, base, (x) => isNamespacedObject(x, `/${name}`, '')) : undefined;
    if (ns !== undefined) out.push(`${base}${ns}/${name}`);
    else if (object !== undefined) out.push(`${base}${object}`);
  }
  return out;
}

/**
 * A review deleting CustomResourceDefinitions it does not name: `deletecollection` (`DELETE
 * /apis/apiextensions.k8s.io/v1/customresourcedefinitions`), `delete` or `*` without a name. It covers deleting each
 * definition, and so, as `isDefinitionDeletion`, every object of each (review ia, 5).
 */
function isDefinitionsDeletion(a: KubernetesRequestAttributes & { readonly verb: string }): boolean {
  return a.resourceRequest && (a.verb === 'deletecollection' || a.verb === 'delete' || a.verb === '*') && a.resource === 'customresourcedefinitions' && a.apiGroup === 'apiextensions.k8s.io' && !a.name && !a.subresource;
}

/**
 * API groups of the built-in API and of the aggregated APIs clusters commonly serve: never a CRD's. A CRD's group has a
 * dot (`apiextensions.k8s.io` validation), so single-label groups (`apps`, `batch`) need no listing.
 */
const BUILTIN_GROUPS: ReadonlySet<string> = new Set([
  ...BUILTIN_RESOURCES.map(([g]) => g).filter((g) => g.includes('.')),
  'events.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io', 'flowcontrol.apiserver.k8s.io', 'node.k8s.io', 'resource.k8s.io',
  'apiregistration.k8s.io', 'internal.apiserver.k8s.io', 'storagemigration.k8s.io', 'metrics.k8s.io',
]);

/** A definition no policy is expected to name: what a Deny whose wildcard spans every resource (`…/namespaces/prod/*`) is tried on. */
const UNNAMED_DEFINITION = 'resources.gatehouse-unnamed.example';

/**
 * The CRDs (`<plural>.<group>`) whose objects a review deleting every CRD covers, as far as `who`'s Deny statements on
 * `kubernetes:delete` can reach them: each custom resource a pattern names (at cluster scope or in a namespace), and
 * `UNNAMED_DEFINITION`.
 */
function definitionsNamed(cluster: KubeCluster, who: IamSubject): string[] {
  const custom = (x: string): boolean => {
    const slash = x.indexOf('/');
    const head = slash < 0 ? x : x.slice(0, slash);
    const m = /^[a-z0-9-]+\.([a-z0-9-]+(?:\.[a-z0-9-]+)+)$/.exec(head);
    return m !== null && !BUILTIN_GROUPS.has(m[1] as string) && (slash < 0 || isObjectBelow(x.slice(slash + 1), ''));
  };
  const names = new Set([UNNAMED_DEFINITION]);
  const headOf = (x: string): string => x.split('/')[0] as string;
  for (const p of denyPatternsOf(who, [kubernetesAction('delete')]).patterns) {
    const top = continuationMatching(p, `${cluster.arn}/`, custom);
    if (top !== undefined) names.add(headOf(top));
    const inSome = continuationMatching(p, `${cluster.arn}/namespaces/`, (x) => {
      const slash = x.indexOf('/');
      return slash > 0 && /^[a-z0-9-]+$/.test(x.slice(0, slash)) && custom(x.slice(slash + 1));
    });
    if (inSome !== undefined) names.add(headOf(inSome.slice(inSome.indexOf('/') + 1)));
  }
  return [...names];
}

/**
 * A review deleting namespaces it does not name: `deletecollection` on `namespaces` (`DELETE /api/v1/namespaces`),
 * `kubectl auth can-i delete namespaces`, verb `*`. It covers deleting each namespace, and so, as `isNamespaceDeletion`,
 * what is in each (review ia, 2).
 */
function isNamespacesDeletion(a: KubernetesRequestAttributes & { readonly verb: string }): boolean {
  return a.resourceRequest && (a.verb === 'deletecollection' || a.verb === 'delete' || a.verb === '*') && a.resource === 'namespaces' && !a.apiGroup && !a.name && !a.subresource;
}

/** The namespaces `who`'s Deny statements on `kubernetes:delete` name something in (`…/namespaces/prod/*`: `prod`; `…/namespaces/*-data/…`: `x-data`). */
function namespacesNamed(cluster: KubeCluster, who: IamSubject): Set<string> {
  const prefix = `${cluster.arn}/namespaces/`;
  const names = new Set<string>();
  for (const p of denyPatternsOf(who, [kubernetesAction('delete')]).patterns) {
    const x = continuationMatching(p, prefix, (x) => /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?\//.test(x));
    if (x !== undefined) names.add(x.slice(0, x.indexOf('/')));
  }
  return names;
}

/**
 * For the deletion of the namespace at `namespacePath` (`<cluster>/namespaces/prod`): a collection or an object in it that
 * each of `who`'s Deny statements on `kubernetes:delete` names (`…/namespaces/prod/*`, `…/namespaces/*\/secrets/*`), to
 * be decided with the review's action. Only of a resource the cluster is known to have (`KubeCluster.resources`,
 * namespaced) or one the pattern names in so many letters (`…/namespaces/prod/notebooks.kubeflow.org/*`): a `*` spans
 * `/`, so `…/namespaces/*-data/secrets/*` matches `…/namespaces/dev/x-data/secrets/x`, an object of no resource, and was
 * not to deny deleting `dev`.
 */
function namespaceContents(cluster: KubeCluster, namespacePath: string, who: IamSubject): string[] {
  const deny = denyPatternsOf(who, [kubernetesAction('delete')]);
  if (deny.patterns.length === 0) return [];
  const heads = cluster.resources.filter((r) => isNamespacedResource(r.apiGroup, r.resource)).map((r) => (r.apiGroup === '' ? r.resource : `${r.resource}.${r.apiGroup}`));
  const out: string[] = [];
  for (const p of deny.patterns) {
    const matches = resourceMatcher(p);
    let found: string | undefined;
    for (const head of heads) {
      const collection = `${namespacePath}/${head}`;
      if (matches(collection)) found = collection;
      else {
        const x = continuationMatching(p, `${collection}/`);
        if (x !== undefined) found = `${collection}/${x}`;
      }
      if (found !== undefined) break;
    }
    found ??= ((x) => (x === undefined ? undefined : `${namespacePath}/${x}`))(
      continuationMatching(p, `${namespacePath}/`, (x) => {
        const slash = x.indexOf('/');
        const head = slash < 0 ? x : x.slice(0, slash);
        return /^[a-z0-9]+(?:[-.][a-z0-9]+)*$/.test(head) && (p.endsWith(`/${head}`) || p.includes(`/${head}/`)) && (slash < 0 || isObjectBelow(x.slice(slash + 1), ''));
      }),
    );
    if (found !== undefined) out.push(found);
  }
  return out;
}

/**
 * For a review of resource `*`: the resources `who`'s Deny patterns name that the cluster's RBAC does not (a custom
 * resource no rule names, a core resource not among `BUILTIN_RESOURCES`), in the review's API group (any when `*`), its
 * namespace (any when `""`), with or without an object below (review K, K3). Only `Resource` patterns name them.
 */
function unnamedResources(cluster: KubeCluster, a: KubernetesRequestAttributes & { readonly verb: string }, verbs: readonly string[], who: IamSubject): string[] {
  const deny = denyPatternsOf(who, verbs.map(kubernetesAction));
  if (deny.patterns.length === 0) return [];
  const group = a.apiGroup ?? '';
  // `<resource>[.<group>][/<object>[/<subresource>]]`, the resource in the review's group.
  const resourcePath = (x: string): boolean => {
    const slash = x.indexOf('/');
    const head = slash < 0 ? x : x.slice(0, slash);
    const dot = head.indexOf('.');
    const resource = dot < 0 ? head : head.slice(0, dot);
    const inGroup = group === '*' ? dot < 0 || /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(head.slice(dot + 1)) : group === '' ? dot < 0 : head.slice(dot + 1) === group;
    return /^[a-z0-9-]+$/.test(resource) && resource !== 'namespaces' && inGroup && (slash < 0 || isObjectBelow(x.slice(slash + 1), a.subresource ?? ''));
  };
  const out: string[] = [];
  for (const p of deny.patterns) {
    if (a.namespace) {
      const prefix = `${cluster.arn}/namespaces/${a.namespace}/`;
      const x = continuationMatching(p, prefix, resourcePath);
      if (x !== undefined) out.push(`${prefix}${x}`);
      continue;
    }
    const x = continuationMatching(p, `${cluster.arn}/`, resourcePath);
    if (x !== undefined) out.push(`${cluster.arn}/${x}`);
    const inSome = continuationMatching(p, `${cluster.arn}/namespaces/`, (x) => {
      const slash = x.indexOf('/');
      return slash > 0 && /^[a-z0-9-]+$/.test(x.slice(0, slash)) && resourcePath(x.slice(slash + 1));
    });
    if (inSome !== undefined) out.push(`${cluster.arn}/namespaces/${inSome}`);
  }
  return out;
}

function clusterAuthorizer(rbac: CompiledRbac): { readonly name: string; authorize(request: KubeRequest): UnionResult } {
  return union<KubeRequest>('kubernetes', [
    { name: 'iam', authorize: iamDenyResult },
    // Groups exactly as the review gives them: kube-apiserver's authenticators made them (review R, R3). An allow says
    // which subject of the binding and which rule of its role allowed (review N, N2).
    {
      name: 'rbac',
      authorize: (r) => {
        const options = { serviceAccountGroups: false };
        const d = rbac.authorize(r.attrs, options);
        return rbacResult(d.verdict === 'allow' ? { ...d, reasons: explainReasons(rbac, r.attrs, d, options) } : d);
      },
    },
  ]);
}

/**
 * Usernames of kube-controller-manager's own controllers that make pods (or ReplicaSets, Jobs) from the built-in
 * workloads' templates, by name (`BUILT_IN_CONTROLLERS`): not every kube-system service account, since third-party
 * operators run there too (see `passerOf`).
 */
export function isController(username: string): boolean {
  return BUILT_IN_CONTROLLERS.has(username);
}

/**
 * A controller the cluster's document trusts besides kube-controller-manager's (`spec.trustedControllers`): an operator (Kubeflow's
 * training-operator, KubeRay…) whose pods and workloads run on the grant of the workload they are made from, when that
 * grant was made on a workload of the kind that owns them (see `passerOf`).
 */
export function isTrustedController(cluster: Pick<KubeCluster, 'trustedControllers'>, username: string): boolean {
  return !isController(username) && cluster.trustedControllers.has(username);
}

export function createKube(app: App, options: KubeOptions) {
  const deps = app.deps;
  let clusters = new Map<string, KubeCluster[]>();
  /** The change head the compiled clusters are of: -1 until the first load. */
  let head = -1;
  /**
   * The directory's `restores` the compiled clusters were loaded after: one more, and the change log was rewritten
   * under this instance (a database restored from a backup), so the next reload reads every cluster again, even when
   * the head had passed its old value and the changes past it say nothing of them (review qp, 2).
   */
  let restoresLoaded = 0;
  /** Each compiled cluster by `<account>/<name, lower case>`, with the sources it was compiled from (unchanged ones are not compiled again). */
  let sources = new Map<string, { text: string; cluster: KubeCluster }>();
  /** IAM principals by ARN (policies for IAM denies and PassRole), for the directory's current change head (`cachedAt`). */
  const principals = new Map<string, Promise<Resolved | undefined>>();
  /**
   * Per sealed session carried in a review's `extra` (one TokenReview's; by its SHA-256, the text may be long), for
   * the directory's current change head: its claims, opened once, and what `Sts.callerOfClaims` said of its role or
   * user (gone, re-created, disabled). Expiry and revocation are checked on every review (`sessionProblem`), against
   * the live revocation list.
   */
  const sessionChecks = new Map<string, { cluster: KubeCluster; claims: SessionClaims | undefined; region?: string; problem: string | undefined; as?: { principal: Principal; policies: PolicySet } }>();
  /** The live directory's change head `principals` and `sessionChecks` were filled at. */
  let cachedAt = -1;
  const trustPolicies = new PolicyCache(10_000);

  /**
   * Empties what was resolved from the live directory once it moved (any change: a policy edited, a user disabled).
   * A comparison in memory: the directory is brought up to date by the instance's refresh, not here.
   */
  function dropStaleCaches(): void {
    const now = app.live.head;
    if (now === cachedAt) return;
    principals.clear();
    sessionChecks.clear();
    cachedAt = now;
  }

  // Each record that cannot be read is said once (the clusters are compiled again at every change of them), again if its
  // text changes. Parsed unguarded, one stopped every start ("cannot load the Kubernetes RBAC state …: Unterminated
  // string in JSON"), naming no record, and every reload of a running instance (review pi, 2).
  const said = new Set<string>();
  const unreadable = (key: string, text: string, effect: string): void => {
    const seen = `${key}\u0000${text}`;
    if (options.log === undefined || said.has(seen)) return;
    if (said.size >= 10_000) said.clear();
    said.add(seen);
    options.log(`kubernetes: CANNOT READ the stored record \`${key}\` (not the JSON record the server writes): ${effect} until it is replaced or removed (fails closed)`);
  };

  /**
   * Brings the compiled clusters up to the store's change head. Run by the instance's refresh (`app.refresh`: on every
   * change note and poll, and after each write on this instance, which returns once it has run), never on a decision's
   * path: a decision answers from the clusters compiled last, so neither a slow store nor a change of anything else (a
   * user made, a policy edited) holds it (it waited for this reload, up to a second, after every change). Only the
   * clusters the change log names are read again; all of them when it cannot say (an account changed, more changes
   * than the pages read). A reload that fails changes nothing: the clusters compiled last keep deciding.
   */
  async function reload(): Promise<void> {
    // The live directory read the change head just before (`app.refresh`): unmoved, the store is not asked. Moved back
    // (a database restored from a backup), the store is read, and the RBAC compiled again in full, as the directory
    // is: it had returned here, and a binding the restore took away allowed until the head passed its old value
    // (review hi, 1).
    const restores = app.live.restores;
    const whole = restores !== restoresLoaded;
    if (head >= 0 && app.live.head === head && !whole) return;
    await deps.store.read(async (tx) => {
      const now = await tx.changes.head();
      if (head >= 0 && now === head && !whole) return;
      const touched = head >= 0 && now > head && !whole ? await touchedClusters(tx, head, now) : undefined;
      if (touched !== undefined && touched.size === 0) {
        head = now;
        return;
      }
      const partitions = new Map<string, Partition | undefined>();
      const partitionOf = async (account: string): Promise<Partition | undefined> => {
        if (!partitions.has(account)) partitions.set(account, (await tx.accounts.get(account))?.partition);
        return partitions.get(account);
      };
      const next = new Map(touched === undefined ? [] : sources);
      if (touched === undefined) {
        const objects = await tx.kv.list('k8s/');
        const tokens = new Map((await tx.kv.list(WEBHOOK_PREFIX)).map((e) => [e.key, e.value]));
        for (const row of await tx.kv.list('cluster/')) {
          const c = readClusterRecord(row.value);
          if (c === undefined) {
            unreadable(row.key, row.value, 'the cluster is left out: its webhooks answer as for no cluster, none of its RBAC objects or access entries grants anything');
            continue;
          }
          const prefix = kubePrefix(c.account, c.name);
          compiled(next, c, await partitionOf(c.account), objects.filter((o) => o.key.startsWith(prefix)), tokens.get(webhookKey(c.account, c.name)));
        }
      } else {
        for (const id of touched) {
          const slash = id.indexOf('/');
          const account = id.slice(0, slash);
          const name = id.slice(slash + 1);
          const row = await tx.kv.get(clusterKey(account, name));
          next.delete(id);
          if (row === undefined) continue;
          const c = readClusterRecord(row);
          if (c === undefined) {
            unreadable(clusterKey(account, name), row, 'the cluster is left out: its webhooks answer as for no cluster, none of its RBAC objects or access entries grants anything');
            continue;
          }
          compiled(next, c, await partitionOf(c.account), await tx.kv.list(kubePrefix(account, name)), await tx.kv.get(webhookKey(account, name)));
        }
      }
      const byName = new Map<string, KubeCluster[]>();
      for (const id of [...next.keys()].sort()) {
        const cluster = (next.get(id) as { cluster: KubeCluster }).cluster;
        const key = cluster.name.toLowerCase();
        byName.set(key, [...(byName.get(key) ?? []), cluster]);
      }
      clusters = byName;
      sources = next;
      head = now;
      restoresLoaded = restores;
    });
  }

  /** Puts cluster `c` into `into`, compiled again only when its sources changed; nothing for one whose account is gone. */
  function compiled(into: Map<string, { text: string; cluster: KubeCluster }>, c: Cluster, partition: Partition | undefined, own: readonly { key: string; value: string }[], token: string | undefined): void {
    if (partition === undefined) return;
    const text = `${partition}\u0000${token ?? ''}\u0000${JSON.stringify(c.trustedControllers ?? [])}\u0000${own.map((o) => `${o.key}\u0000${o.value}`).join('\u0001')}`;
    const id = `${c.account}/${c.name.toLowerCase()}`;
    const previous = sources.get(id);
    into.set(id, { text, cluster: previous && previous.text === text ? previous.cluster : build(c, partition, own, token) });
  }

  /**
   * The key a cluster's workload grants are signed under (review qc, 1): `SecretSealer.mac` (a key derived from the
   * master key) over the cluster and its webhook token. It was HMAC(webhook token, 'gatehouse.dev/role-grant'), so
   * whoever held the token (kube-apiserver's webhook kubeconfig, `training:GetClusterWebhookConfig`) signed a grant
   * naming any author, role and namespace and, posing as kube-apiserver, had a controller's pod admitted as a role no one
   * passed. Only Gatehouse signs grants now; a new webhook token still voids those signed before it, and grants signed
   * under the old key no longer verify (apply the workload again).
   */
  function grantKeyOf(c: Cluster, token: string): Buffer {
    return Buffer.from(deps.sealer.mac(GRANT_ANNOTATION, JSON.stringify([c.account, c.name.toLowerCase(), token])));
  }

  function build(c: Cluster, partition: Partition, rows: readonly { key: string; value: string }[], sealedToken: string | undefined): KubeCluster {
    const rbacObjects: RbacObject[] = [];
    const entries = new Map<string, AccessEntry>();
    for (const row of rows) {
      const v = readClusterObject(row.value);
      if (v === undefined) {
        unreadable(row.key, row.value, 'it is left out: an RBAC object grants nothing, an access entry maps its principal to nothing');
        continue;
      }
      if ('document' in v) {
        // Stored documents passed the parser when applied; one that no longer parses grants nothing.
        const r = parseRbacObject(v.document);
        if (r.ok) rbacObjects.push(r.value);
      } else if ('principalArn' in v) entries.set(entryKey(v.principalArn), v);
    }
    const rbac = compileRbac(rbacObjects);
    let token: string | undefined;
    if (sealedToken !== undefined) {
      const sealed = storedObject(sealedToken)?.['sealed'];
      token = typeof sealed === 'string' ? deps.sealer.open(sealed as SealedSecret, webhookKey(c.account, c.name)) : undefined;
      if (token === undefined) unreadable(webhookKey(c.account, c.name), sealedToken, 'the cluster has no webhook token (every webhook call is refused; `gatehouse kube webhook-config` makes a new one)');
    }
    return {
      account: c.account,
      name: c.name,
      partition,
      arn: clusterArn(partition, c.account, c.name),
      rbac,
      entries,
      tokenHash: token !== undefined ? sha256(token) : undefined,
      grantKey: token !== undefined ? grantKeyOf(c, token) : undefined,
      authorizer: clusterAuthorizer(rbac),
      resources: knownResources(rbacObjects),
      namespaces: [...new Set(rbacObjects.map((o) => o.metadata.namespace).filter((ns) => ns !== ''))],
      objects: rbacObjects,
      trustedControllers: new Set((c.trustedControllers ?? []).map(controllerUsername)),
    };
  }

  /**
   * The clusters (`<account>/<name, lower case>`) whose document, RBAC objects, access entries or webhook token changed
   * after `after` up to `now`; undefined when the log cannot say (an account changed, a key of no cluster's shape, too
   * many changes, a gap): reload them all.
   */
  async function touchedClusters(tx: ReadTx, after: number, now: number): Promise<Set<string> | undefined> {
    const out = new Set<string>();
    const read = await readChanges(tx, after, now, (c) => {
      if (c.kind === 'account') return 'stop';
      if (c.kind !== 'kv' || !RELEVANT.some((re) => re.test(c.key))) return undefined;
      const id = clusterIdOfKey(c.key);
      if (id === undefined) return 'stop';
      out.add(id);
      return undefined;
    });
    return read === 'done' ? out : undefined;
  }

  /**
   * One reload at a time; calls made while one runs share the next, which begins after them: a caller that has just
   * committed a write sees it compiled (as bindings and the live directory queue theirs).
   */
  const refresh = serialReload(reload);
  // Reloaded by every refresh of the instance, after the directory (whose change head says whether to read at all).
  app.addRefresher('the Kubernetes RBAC state', refresh);

  /**
   * Before the first load, the load (a decision needs the clusters; the composition root awaits it before serving);
   * after it, nothing: decisions answer from memory.
   */
  function loaded(): Promise<void> | undefined {
    return head < 0 ? refresh() : undefined;
  }

  /** The cluster a webhook request is for: its name in the URL, and the bearer token that only its API server has. */
  async function webhookCluster(name: string, bearer: string | undefined): Promise<KubeCluster | undefined> {
    const f = loaded();
    if (f) await f;
    if (bearer === undefined || bearer.length > 512) return undefined;
    const given = sha256(bearer);
    for (const c of clusters.get(name.toLowerCase()) ?? []) if (c.tokenHash && timingSafeEqual(c.tokenHash, given)) return c;
    return undefined;
  }

  // --- IAM principals -------------------------------------------------------------------------------------

  /** The policies of a principal named by ARN (user, role, or role session), cached per change head. */
  function principalOf(arn: string): Promise<Resolved | undefined> {
    dropStaleCaches();
    let p = principals.get(arn);
    if (!p) {
      p = resolvePrincipal(arn);
      if (principals.size > 50_000) principals.clear();
      principals.set(arn, p);
      // A lookup the store failed (an outage while reading the change log for a principal not held) is not kept: kept
      // until the next change head, every review naming the principal failed on after the store was back (review og, 1).
      const kept = p;
      kept.catch(() => {
        if (principals.get(arn) === kept) principals.delete(arn);
      });
    }
    return p;
  }

  async function resolvePrincipal(arn: string): Promise<Resolved | undefined> {
    const p = principalFromArn(arn);
    if (!p.ok) return undefined;
    const principal = p.value;
    return app.sts.readPrincipals(async (tx) => {
      if (principal.kind === 'user') {
        const u = await app.sts.cachedUser(tx, principal.account, principal.arn.slice(principal.arn.lastIndexOf('/') + 1));
        if (!u || u.user.disabled) return undefined;
        return { principal: { ...principal, userId: u.user.id, tags: u.tags }, policies: u.policies, owner: { user: { name: u.user.name, path: u.user.path }, id: u.user.id } };
      }
      if (principal.kind === 'role-session' && principal.roleArn) {
        const r = await app.sts.cachedRole(tx, principal.account, principal.roleArn.slice(principal.roleArn.lastIndexOf('/') + 1));
        if (!r) return undefined;
        // The role's own ARN (its path, its name's case), as the authorize union resolves it (src/app/authorize.ts): a
        // session ARN carries no path, and `arn:aws:iam::A:role/R` for a role at `/team/` made `aws:PrincipalArn` miss a
        // Deny naming the path, and the decision's record miss `audit query --role` (review ac, 10).
        const roleArn = roleArnOf(principal.partition, principal.account, r.role.path, r.role.name);
        return { principal: { ...principal, roleArn, userId: `${r.role.id}:${principal.session?.name ?? 'session'}`, tags: r.tags }, policies: r.policies, owner: { role: { name: r.role.name, path: r.role.path }, id: r.role.id } };
      }
      return undefined;
    });
  }

  // --- Authentication ---------------------------------------------------------------------------------------

  /** Binds a sealed session to the cluster whose TokenReview sealed it. */
  const sessionAad = (cluster: KubeCluster): string => `k8s-session\u0000${cluster.account}\u0000${cluster.name.toLowerCase()}`;

  /**
   * A session's claims without its secret, sealed under the master key for `extra` (opaque, tamper-evident), with the
   * region its token was signed for (`rg`).
   */
  function sealSession(cluster: KubeCluster, c: SessionClaims, region: string | undefined): string {
    const { sk: _secret, ...facts } = c;
    return deps.sealer.seal(JSON.stringify(region !== undefined ? { ...facts, rg: region } : facts), sessionAad(cluster));
  }

  /** Binds a plain user's sealed identity to the cluster whose TokenReview sealed it (not interchangeable with a session's). */
  const userAad = (cluster: KubeCluster): string => `k8s-user\u0000${cluster.account}\u0000${cluster.name.toLowerCase()}`;

  function sealUser(cluster: KubeCluster, f: UserFacts): string {
    return deps.sealer.seal(JSON.stringify(f), userAad(cluster));
  }

  function openUser(cluster: KubeCluster, sealed: string): UserFacts | undefined {
    if (sealed.length > 8_192) return undefined;
    const text = deps.sealer.open(sealed as SealedSecret, userAad(cluster));
    if (text === undefined) return undefined;
    try {
      const f = JSON.parse(text) as Partial<UserFacts> | null;
      return f !== null && typeof f === 'object' && typeof f.arn === 'string' && typeof f.id === 'string' && typeof f.ak === 'string' && typeof f.exp === 'number'
        ? { arn: f.arn, id: f.id, ak: f.ak, exp: f.exp, ...(typeof f.rg === 'string' && REGION_NAME.test(f.rg) ? { rg: f.rg } : {}), ...(consoleFacts(f.con) ? { con: f.con } : {}) }
        : undefined;
    } catch {
      return undefined;
    }
  }

  function consoleFacts(c: unknown): c is NonNullable<UserFacts['con']> {
    if (c === null || typeof c !== 'object') return false;
    const f = c as Record<string, unknown>;
    return typeof f['sid'] === 'string' && typeof f['iat'] === 'number' && typeof f['exp'] === 'number' && typeof f['ak'] === 'string';
  }

  /**
   * A passer's sealed facts as a workload's grant carries them (review sk, 1): sealed again under a binding of their own
   * (`k8s-grant-session`, `k8s-grant-user`), never as the TokenReview's `extra` value. A grant sits on a pod template and
   * on every pod made from it, readable by whoever may read them, and its payload is plain base64url JSON: the `extra`
   * value copied from it was opened by admission as the author's own TokenReview's, so a Kubernetes user allowed to
   * impersonate (`--as-user-extra gatehouse.dev/user=…`) passed roles on the author's iam:PassRole. `toGrant` re-seals an
   * `extra` value for a grant; `fromGrant` the reverse, for the passer read from a verified grant (a grant made before,
   * carrying the `extra` value itself, is taken as it is: its MAC is Gatehouse's word).
   */
  const grantAad = (cluster: KubeCluster, kind: 'session' | 'user'): string => `k8s-grant-${kind}\u0000${cluster.account}\u0000${cluster.name.toLowerCase()}`;
  const extraAad = (cluster: KubeCluster, kind: 'session' | 'user'): string => (kind === 'session' ? sessionAad(cluster) : userAad(cluster));

  function toGrant(cluster: KubeCluster, kind: 'session' | 'user', sealed: string): string | undefined {
    const text = deps.sealer.open(sealed as SealedSecret, extraAad(cluster, kind));
    return text === undefined ? undefined : deps.sealer.seal(text, grantAad(cluster, kind));
  }

  function fromGrant(cluster: KubeCluster, kind: 'session' | 'user', sealed: string): string {
    const text = deps.sealer.open(sealed as SealedSecret, grantAad(cluster, kind));
    return text === undefined ? sealed : deps.sealer.seal(text, extraAad(cluster, kind));
  }

  function openSession(cluster: KubeCluster, sealed: string): SealedSession | undefined {
    if (sealed.length > 32_768) return undefined;
    const text = deps.sealer.open(sealed as SealedSecret, sessionAad(cluster));
    if (text === undefined) return undefined;
    try {
      const c = JSON.parse(text) as (Omit<SessionClaims, 'sk'> & { rg?: unknown }) | null;
      if (c === null || typeof c !== 'object' || typeof c.acct !== 'string' || typeof c.iat !== 'number') return undefined;
      const { rg, ...claims } = c;
      return { claims: { ...claims, sk: '' }, ...(typeof rg === 'string' && REGION_NAME.test(rg) ? { region: rg } : {}) };
    } catch {
      return undefined;
    }
  }

  /**
   * The access entry a principal is mapped through: the first of its candidates (`entryCandidates`) made for this very
   * principal, not for an earlier one of the same ARN (review I, S7); `stale`, one made for an earlier principal.
   */
  function entryOf(cluster: KubeCluster, who: Parameters<typeof entryCandidates>[0], id: string | undefined): { entry?: AccessEntry; stale?: AccessEntry } {
    let stale: AccessEntry | undefined;
    for (const arn of entryCandidates(who)) {
      const e = cluster.entries.get(entryKey(arn));
      if (e && entryMatchesId(e, id)) return { entry: e };
      stale ??= e;
    }
    return stale ? { stale } : {};
  }

  /**
   * Maps an authenticated caller to its Kubernetes user through the cluster's access entries. `region`: the region the token was signed for (its SigV4 scope's), sealed with the session's or user's facts: the
   * `aws:RequestedRegion` of the decisions made for this user in its SubjectAccessReviews and AdmissionReviews, as every
   * other door takes the region a request was signed for (review kc, 1).
   */
  function identify(cluster: KubeCluster, caller: Caller, accessKeyId: string, region?: string): Result<AuthenticatedUser> {
    const rg = region !== undefined && REGION_NAME.test(region) ? region : undefined;
    const s = caller.session;
    const who = s?.role ? { role: s.role } : s?.user ? { user: s.user } : caller.user ? { user: caller.user } : {};
    const { entry, stale } = entryOf(cluster, { partition: caller.partition, account: caller.account, ...who }, s?.role?.id ?? s?.user?.id ?? caller.user?.id);
    if (!entry && stale) return failWith('ACCESS_DENIED', `the access entry of ${stale.principalArn} in cluster ${cluster.name} was made for an earlier principal of that name, since deleted; ${caller.principal.arn} gets nothing from it (delete it and create it again, or apply it again, to map this one)`);
    if (!entry) return failWith('ACCESS_DENIED', `${caller.principal.arn} has no access entry in cluster ${cluster.name}; add one with \`gatehouse kube access-entry create --cluster ${cluster.name} --principal-arn ARN\``);
    const sessionName = s?.name ?? caller.user?.name ?? '';
    const template = entry.username ?? defaultUsername(entry.principalArn);
    const username = renderUsername(template, { accountId: caller.account, sessionName, accessKeyId });
    // The template was checked when the entry was made, but the session name is the assumer's choice (review R, R4).
    if (isReservedName(username)) return failWith('ACCESS_DENIED', reservedUsername(cluster, entry, template, username, caller.principal.arn));
    const groups = [...entry.kubernetesGroups.filter((g) => g !== AUTHENTICATED_GROUP), AUTHENTICATED_GROUP];
    const extra: Record<string, string[]> = { arn: [caller.principal.arn], canonicalArn: [entry.principalArn], accessKeyId: [accessKeyId] };
    if (s) {
      extra['sessionName'] = [s.name];
      // The token's issue time, for aws:TokenIssueTime in the SubjectAccessReviews of this user: without it, a
      // policy revoking the role's older sessions would refuse its new ones too (an unknown time counts as the earliest).
      extra['tokenIssueTime'] = [isoSeconds(s.iat)];
      // The whole session (session policies, tags, source identity, issue time), sealed: admission decides
      // whether this user may pass a role as the session, not as its role (see `passerIdentity`).
      extra[SESSION_EXTRA] = [sealSession(cluster, s, rg)];
    } else if (caller.principal.kind === 'user' && caller.user !== undefined) {
      // A user signing with its own key: who it is, sealed, for admission to decide PassRole as this user (see
      // `passerIdentity`); `extra.arn` alone can be set by anyone allowed to impersonate.
      const c = caller.console;
      const con = c?.con !== undefined && 'ak' in c.con ? { sid: c.sid, iat: c.iat, exp: c.exp, ak: c.con.ak } : undefined;
      extra[USER_EXTRA] = [sealUser(cluster, { arn: caller.principal.arn, id: caller.user.id, ak: accessKeyId, exp: deps.now() + USER_FACTS_SECONDS * 1000, ...(rg !== undefined ? { rg } : {}), ...(con !== undefined ? { con } : {}) })];
    }
    return ok({ username, uid: `gatehouse:${caller.account}:${caller.principal.userId ?? caller.user?.id ?? caller.principal.arn}`, groups, extra });
  }

  /**
   * Records a refused TokenReview (review X) as the other doors record refused authentications (auth-failures.ts): a
   * `decision` `Deny` of `sts:GetCallerIdentity` (what a `k8s-aws-v1.` token is) on the cluster's ARN, naming the key's
   * owner when the directory in memory knows the key (a session token that opens names its session, expired or
   * revoked too), else `anonymous`; the key id, a fixed description, the cluster and the source IP (kube-apiserver's).
   * Never the token, its signature or session token. Recorded in the cluster's account, whose resource was asked for;
   * copied into the key owner's account (`crossAccount` in both) only when the token authenticated that owner (the
   * `entry` step: signature verified, no access entry maps it) or was signed with the key's secret and refused for its
   * time or its key (`signatureVerified`: a disabled key, an expired session or a stale token its holder still presents,
   * which the owner must read as the other doors let it, review um, 1), never on the key id a token only names: anyone
   * who can reach kube-apiserver can name any key id, and wrote refusals into its owner's log without its secret
   * (review tr, 1).
   * Anyone can send tokens, so it is flood-limited with the other refusals (`admitAuthFailure`); our own failure to
   * check (the store unreachable) is not recorded.
   */
  function tokenRefused(cluster: KubeCluster, r: TokenRefusal): void {
    const sink = deps.audit;
    if (sink === undefined || r.code === 'SERVICE_UNAVAILABLE') return;
    const at = r.target?.indexOf('?') ?? -1;
    const claimed = r.target !== undefined && at >= 0 ? claimedCredential(undefined, undefined, r.target.slice(at + 1)) : {};
    const code = r.step === 'token' ? 'InvalidToken' : r.step === 'entry' ? 'AccessDenied' : r.step === 'credentials' ? (CREDENTIAL_CODES[r.code ?? ''] ?? 'InvalidClientTokenId') : (r.code ?? 'SignatureDoesNotMatch');
    // What was refused goes to the address's summary if the flood limit leaves this one out (review kn2).
    // Left out, its summary is where its record is (below): in the cluster's account, naming the key's owner, else
    // `anonymous` (review kp4; the owner's own account only for a record, review tr1).
    const summarised = (): KeyOwner => ({ ...(keyOwner(app, claimed.accessKeyId, claimed.sessionToken) ?? { principal: 'anonymous' }), account: cluster.account });
    const admitted = admitAuthFailure(deps, r.sourceIp, undefined, { code, action: 'sts:GetCallerIdentity', accessKeyId: claimed.accessKeyId, owner: summarised, resource: cluster.arn, cluster: cluster.name });
    if (!admitted.record) return;
    const owner = keyOwner(app, claimed.accessKeyId, claimed.sessionToken);
    const event = authFailureEvent({ ...claimed, action: 'sts:GetCallerIdentity', resource: cluster.arn, code, message: r.message, sourceIp: r.sourceIp, signatureVerified: r.signatureVerified }, owner, admitted.suppressed);
    const message =
      r.step === 'token'
        ? 'the token is not a k8s-aws-v1. presigned GetCallerIdentity URL this server accepts'
        : r.step === 'entry'
          ? (ENTRY_REASONS.find(([re]) => re.test(r.message.slice(0, 1000)))?.[1] ?? 'no access entry of the cluster maps the principal')
          : r.step === 'mismatch' && code === 'SignatureDoesNotMatch'
            ? 'the signature does not match (a wrong secret, or a token made for another cluster)'
            : event.detail.message;
    // The owner's account reads the refusal only when the token authenticated that owner (review tr1), or the key's
    // secret signed a token refused for its time or key (review um, 1).
    const byHolder = r.step === 'entry' || (r.signatureVerified === true && (r.step === 'signature' || r.step === 'credentials'));
    const established = byHolder && owner !== undefined && owner.account !== cluster.account ? owner.account : undefined;
    const crossAccount = established !== undefined ? { crossAccount: { callerAccount: established, resourceAccount: cluster.account } } : {};
    const recorded = { ...event, account: cluster.account, detail: { ...event.detail, message, cluster: cluster.name, ...crossAccount } };
    sink.record(recorded);
    if (established !== undefined) sink.record({ ...recorded, account: established });
  }

  /**
   * A decision about a principal of another account than the cluster's (an access entry may map any principal): its
   * request, with its own credentials, on this account's resource, so recorded in its account too, as the S3 gateway and
   * the authorize API record a cross-account decision (review V, P7): `crossAccount` in both, and in the principal's copy
   * nothing of the cluster account's explanation (its bindings, groups and reasons). It was in the cluster's account
   * alone, and the principal's account never saw what its users and sessions did in the cluster (review sy, 4).
   * `account`: the principal's, when Gatehouse's own TokenReview established it; undefined on the cluster's word alone,
   * which must not write into another account's log.
   */
  function inPrincipalsAccount(cluster: KubeCluster, event: AuditEvent, account: string | undefined): [AuditEvent, AuditEvent | undefined] {
    if (account === undefined || account === '' || account === cluster.account) return [event, undefined];
    const crossAccount = { callerAccount: account, resourceAccount: cluster.account };
    return [{ ...event, detail: { ...event.detail, crossAccount } }, { ...event, account, detail: { crossAccount } }];
  }

  // --- Authorization ----------------------------------------------------------------------------------------

  /** Why a principal named in `extra.arn` does not resolve: disabled, deleted, or never known here. */
  async function unresolved(arn: string): Promise<string> {
    const p = principalFromArn(arn);
    const what = `the IAM principal \`${arn}\` of this Kubernetes user`;
    if (!p.ok || (p.value.kind !== 'user' && !(p.value.kind === 'role-session' && p.value.roleArn))) return `${what} is not a user or role session Gatehouse knows`;
    const principal = p.value;
    const state = await app.sts.readPrincipals(async (tx) => {
      if (principal.kind === 'user') {
        const u = await app.sts.cachedUser(tx, principal.account, principal.arn.slice(principal.arn.lastIndexOf('/') + 1));
        return u ? (u.user.disabled ? 'is disabled (`gatehouse users enable` lifts it)' : undefined) : 'does not exist (deleted, or never created)';
      }
      const roleArn = principal.roleArn as string;
      return (await app.sts.cachedRole(tx, principal.account, roleArn.slice(roleArn.lastIndexOf('/') + 1))) ? undefined : `is a session of role ${roleArn}, which does not exist (deleted, or never created)`;
    });
    return `${what} ${state ?? 'cannot be resolved'}`;
  }

  /**
   * Why the sealed session a review carries (`extra[SESSION_EXTRA]`, put there by `identify`) no longer authenticates
   * the principal `arn`, or undefined when it still does: not sealed for this cluster or for another principal,
   * expired, revoked (`sts revoke-sessions` by role, session or job; a job ended; its user disabled), or its role or
   * user deleted or created again since. The claims and the directory's verdict are kept per sealed session until
   * the next change head; expiry and the live revocation list are read on every review, so a revocation counts
   * here as soon as it does for the session's own requests.
   */
  async function sessionProblem(cluster: KubeCluster, arn: string, sealed: string): Promise<{ problem: string | undefined; claims: SessionClaims | undefined; region?: string; as?: { principal: Principal; policies: PolicySet } }> {
    const key = sha256(sealed).toString('base64');
    dropStaleCaches();
    let check = sessionChecks.get(key);
    if (check === undefined || check.cluster !== cluster) {
      const opened = openSession(cluster, sealed);
      const claims = opened?.claims;
      let problem: string | undefined;
      let as: { principal: Principal; policies: PolicySet } | undefined;
      if (claims === undefined) problem = `carries a session that this server did not seal for cluster ${cluster.name}`;
      else if (sessionPrincipal(claims, {}).arn !== arn) problem = 'carries the session of another principal';
      else {
        // Expiry and revocation are read below on every review (a revocation is never lifted).
        const caller = await app.sts.callerOfClaims(claims, true);
        if (!caller.ok && !app.live.isRevoked(claims)) problem = `is a session whose ${claims.role ? 'role was deleted or created again' : 'user was deleted, created again or disabled'} since its token was reviewed`;
        if (caller.ok) as = { principal: caller.value.principal, policies: caller.value.policies };
      }
      check = { cluster, claims, problem, ...(opened?.region !== undefined ? { region: opened.region } : {}), ...(as !== undefined ? { as } : {}) };
      if (sessionChecks.size >= 20_000) sessionChecks.clear();
      sessionChecks.set(key, check);
    }
    const c = check.claims;
    if (check.problem !== undefined || c === undefined) return { problem: check.problem, claims: c };
    if (c.exp <= deps.now()) return { problem: `is a session that expired at ${isoSeconds(c.exp)}`, claims: c };
    const dropped = app.live.droppedBefore(c);
    if (dropped !== undefined) return { problem: `is a session issued before the session keys were dropped at ${new Date(dropped).toISOString()} (\`gatehouse keys rotate --drop-retired\`): a new one must be assumed`, claims: c };
    if (app.live.isRevoked(c)) return { problem: `is a session that was revoked (\`gatehouse sts revoke-sessions\`${c.job !== undefined ? `, or its job ${c.job} ended` : ''}${c.user ? ', or its user was disabled' : ''})`, claims: c };
    return { problem: undefined, claims: c, ...(check.region !== undefined ? { region: check.region } : {}), ...(check.as !== undefined ? { as: check.as } : {}) };
  }

  /**
   * The keys of the request a reviewed user makes, for the IAM side of its decisions: `aws:RequestedRegion`, the region
   * its token was signed for, from the facts Gatehouse's TokenReview sealed for this cluster (the session's, when `session`
   * opened, else the plain user's `USER_EXTRA` naming `arn`), never from what `extra` says unsealed, which an impersonating
   * client sets (review kc, 1). None when the review carries no such facts (an impersonated user, a token reviewed before
   * they were sealed): absent, as before. `withKey`: also `acs:AccessId`, the key the token was signed with, from the same
   * sealed facts (admission; the webhook establishes the key itself, checking a plain user's is still its own; review kc, 4).
   */
  function requestFacts(cluster: KubeCluster, arn: string, extra: Readonly<Record<string, readonly string[]>> | undefined, session: { readonly region?: string; readonly claims?: SessionClaims | undefined } | undefined, withKey = false): Record<string, string> {
    let region: string | undefined;
    let key: string | undefined;
    if (session !== undefined) {
      region = session.region;
      key = session.claims?.ak;
    } else {
      const sealed = extra?.[USER_EXTRA]?.[0];
      const facts = sealed !== undefined ? openUser(cluster, sealed) : undefined;
      if (facts?.arn === arn) {
        region = facts.rg;
        key = facts.ak;
      }
    }
    return { ...(region !== undefined ? { 'aws:RequestedRegion': region } : {}), ...(withKey && key !== undefined && key !== '' ? { [ACCESS_ID]: key } : {}) };
  }

  /**
   * Why a resolved principal no longer gets a Kubernetes user in this cluster (as `identify` would refuse its token
   * now), or undefined: its access entry was deleted, or was made for an earlier principal of that name. A sealed
   * session names its role or user exactly (path and id); without one, the principal as the directory has it.
   */
  function entryProblem(cluster: KubeCluster, who: Resolved, claims: SessionClaims | undefined): { problem: string } | { entry: AccessEntry } {
    const p = who.principal;
    const owner = claims?.role ? { role: claims.role, id: claims.role.id } : claims?.user ? { user: claims.user, id: claims.user.id } : who.owner;
    if (owner === undefined) return { problem: `has no access entry in cluster ${cluster.name}` };
    const { entry, stale } = entryOf(cluster, { partition: p.partition, account: p.account, ...('role' in owner ? { role: owner.role } : { user: owner.user }) }, owner.id);
    if (entry) return { entry };
    if (stale) return { problem: `is mapped by an access entry of ${stale.principalArn} in cluster ${cluster.name} made for an earlier principal of that name, since deleted` };
    return { problem: `has no access entry in cluster ${cluster.name} (deleted since kube-apiserver authenticated this user?)` };
  }

  /**
   * The Kubernetes user the access entry makes of the principal now, as `identify` would render it for a new token
   * (review X): the username (session name from the sealed session, else the principal's ARN or user name; the
   * key id the review says authenticated) and the groups. The username must be the review's, or the user is no longer
   * this one (its entry's template changed); undefined when it is, else why not.
   */
  function usernameProblem(cluster: KubeCluster, entry: AccessEntry, who: Resolved, claims: SessionClaims | undefined, extra: Readonly<Record<string, readonly string[]>> | undefined, given: string): string | undefined {
    const owner = who.owner;
    const sessionName = claims?.name ?? who.principal.session?.name ?? (owner && 'user' in owner ? owner.user.name : '');
    const template = entry.username ?? defaultUsername(entry.principalArn);
    const username = renderUsername(template, { accountId: who.principal.account, sessionName, accessKeyId: extra?.['accessKeyId']?.[0] ?? '' });
    if (isReservedName(username)) return `is now given the username \`${username}\` by the access entry of ${entry.principalArn} in cluster ${cluster.name} (template \`${template}\`), a name Kubernetes or EKS reserves`;
    if (username !== given) return `is now the Kubernetes user \`${username}\` (access entry of ${entry.principalArn} in cluster ${cluster.name}, template \`${template}\`), not \`${given}\`: the entry's username changed since kube-apiserver authenticated this user`;
    return undefined;
  }

  /**
   * Why the long-term access key a plain user's review says authenticated it (`extra.accessKeyId`, set by `identify`)
   * no longer does, or undefined: deleted, made Inactive, or another principal's (review X). A token signed with it
   * is refused from then on, and the user kube-apiserver cached from an earlier one must be too. Decided as a token
   * signed with the key would be (`app.authenticate`, cached per change head). Sessions are checked by their sealed
   * claims instead (`sessionProblem`); a review that names no key, or a temporary one without its session, is left
   * as it was.
   */
  async function keyProblem(who: Resolved, extra: Readonly<Record<string, readonly string[]>> | undefined): Promise<string | undefined> {
    const id = extra?.['accessKeyId']?.[0];
    if (who.principal.kind !== 'user' || id === undefined || id === '' || /^(?:ASIA|STS\.)/.test(id)) return undefined;
    const key = await app.authenticate(id);
    if (key.ok && key.value.caller.principal.arn === who.principal.arn && key.value.caller.user?.id === who.principal.userId) return undefined;
    return `authenticated with access key ${id.length > 128 ? `${id.slice(0, 128)}…` : id}, which ${key.ok ? 'is not its own' : 'was deleted or made inactive since kube-apiserver authenticated this user'}`;
  }

  /**
   * Why the console sign-in a plain user's token was signed with (sealed with its facts by `identify`: one opened with the
   * user's long-term key, whose caller carries no session) no longer authenticates it, or undefined: ended (its 8 hours),
   * signed out or its user's sessions revoked, or the key it was opened with deleted, made inactive or another's. A token
   * signed with it is refused from then on (src/app/sts.ts consoleOfKey), and the user kube-apiserver cached from an
   * earlier one must be too, as a session's (`sessionProblem`) and a plain key's (`keyProblem`; review og, 2).
   */
  async function consoleProblem(cluster: KubeCluster, arn: string, who: Resolved, extra: Readonly<Record<string, readonly string[]>> | undefined): Promise<string | undefined> {
    const sealed = extra?.[USER_EXTRA]?.[0];
    const facts = sealed !== undefined ? openUser(cluster, sealed) : undefined;
    const con = facts?.arn === arn ? facts.con : undefined;
    const owner = who.owner;
    if (facts === undefined || con === undefined || owner === undefined || !('user' in owner)) return undefined;
    if (con.exp <= deps.now()) return `authenticated with a console sign-in that ended at ${isoSeconds(con.exp)}`;
    const p = who.principal;
    const claims: SessionClaims = { v: 1, sid: con.sid, ak: facts.ak, sk: '', acct: p.account, part: p.partition, user: { ...owner.user, id: facts.id }, name: owner.user.name, iat: con.iat, exp: con.exp, con: { ak: con.ak } };
    const dropped = app.live.droppedBefore(claims);
    if (dropped !== undefined) return `authenticated with a console sign-in opened before the session keys were dropped at ${new Date(dropped).toISOString()} (\`gatehouse keys rotate --drop-retired\`): sign in again`;
    if (app.live.isRevoked(claims)) return "authenticated with a console sign-in that was signed out (or its user's sessions revoked, or the access key it was opened with made Inactive) since kube-apiserver authenticated this user";
    const key = await app.authenticate(con.ak);
    if (key.ok && key.value.caller.user?.id === facts.id) return undefined;
    return `authenticated with a console sign-in opened with access key ${con.ak}, which ${key.ok ? 'is not its own' : 'was deleted or made inactive since kube-apiserver authenticated this user'}`;
  }

  /** `renderedPrincipals`' answers, by cluster (rebuilt on every change of it) and username. */
  const renderedBy = new WeakMap<KubeCluster, Map<string, readonly string[]>>();

  /**
   * The IAM principals whose access entries in the cluster render `username` (`identify`'s username, read backwards): a
   * user's ARN, or for a role the session of it the username names (a template without the session name names none:
   * `IMPERSONATED_SESSION`). For a review without `extra.arn`, which an impersonated user's is (`kubectl --as`), so that
   * it is decided with the IAM denies of the principal it acts as (review ia, 6). Every entry that renders it, in the
   * order of their principal ARNs: the Kubernetes user is each of them (a user's entry naming it `alice` and a role's
   * entry `{{SessionName}}` both render `alice`), and taking the first alone let `kubectl --as alice` escape user alice's
   * denies (review mn, 2). No `system:` name is one an entry renders (`identify` refuses it).
   */
  function renderedPrincipals(cluster: KubeCluster, username: string): readonly string[] {
    if (username === '' || isReservedName(username)) return [];
    let byName = renderedBy.get(cluster);
    if (byName === undefined) renderedBy.set(cluster, (byName = new Map()));
    const known = byName.get(username);
    if (known !== undefined) return known;
    const found: string[] = [];
    for (const entry of [...cluster.entries.values()].sort((a, b) => (a.principalArn < b.principalArn ? -1 : a.principalArn > b.principalArn ? 1 : 0))) {
      const p = entryPrincipal(entry.principalArn);
      if (p === undefined) continue;
      const m = usernameMatch(entry.username ?? defaultUsername(entry.principalArn), username, p.account);
      if (m === undefined) continue;
      // A user's session name is its own name (`identify`): `u-{{SessionName}}` renders `u-bob` for bob's entry only.
      if (p.kind === 'user' && m.sessionName !== undefined && m.sessionName !== p.name && m.sessionName !== p.name.replaceAll('@', '-')) continue;
      found.push(p.kind === 'user' ? entry.principalArn : sessionArn(p.partition, p.account, p.name, m.sessionName ?? IMPERSONATED_SESSION));
    }
    if (byName.size >= 10_000) byName.clear();
    byName.set(username, found);
    return found;
  }

  /**
   * Whether who-can, which asks about the principals of `account` (its users and roles, and the sessions of its roles
   * that a binding names, `sessionsBound`), reaches the Kubernetes user `username`: the access entry of one of them
   * renders it, as `renderedPrincipals` reads it, from a template without `{{AccessKeyID}}` (a question names no key, so
   * it renders none) and, for a role, with at most one session name. Not so for the entry of another account's principal
   * (review nr, 1), nor for a username naming a key (review nr, 2): such a User is one of `grantedByRbac`.
   */
  function askedAbout(cluster: KubeCluster, username: string, account: string): boolean {
    if (username === '' || isReservedName(username)) return false;
    for (const entry of cluster.entries.values()) {
      const p = entryPrincipal(entry.principalArn);
      if (p === undefined || p.account !== account) continue;
      const template = entry.username ?? defaultUsername(entry.principalArn);
      if (template.includes('{{AccessKeyID}}') || (p.kind === 'role' && template.split(/\{\{SessionName(?:Raw)?\}\}/).length > 2)) continue;
      const m = usernameMatch(template, username, p.account);
      if (m === undefined) continue;
      if (p.kind === 'user' && m.sessionName !== undefined && m.sessionName !== p.name && m.sessionName !== p.name.replaceAll('@', '-')) continue;
      return true;
    }
    return false;
  }

  /** The first of `renderedPrincipals`, the one a record names. */
  function renderedPrincipal(cluster: KubeCluster, username: string): string | undefined {
    return renderedPrincipals(cluster, username)[0];
  }

  async function accessReview(cluster: KubeCluster, req: AccessReviewRequest): Promise<AccessReviewAnswer> {
    const extra = camelExtra(req.attributes.user.extra);
    const arn = extra?.['arn']?.[0];
    // Resolved from its ARN, a session counts as issued at the earliest (`aws:TokenIssueTime`): its issue time is only
    // ever the one Gatehouse sealed with it (`asSession` below), never `extra.tokenIssueTime` as sent, which an
    // impersonating client sets to dodge a Deny of the role's sessions issued before a revocation (review kg, 2).
    const who = arn !== undefined ? await principalOf(arn) : undefined;
    // A shell in a pod that runs as a role is acting as the role: refused (`denied`, so that no later authorizer lets it
    // through) to whoever may not pass it, whatever RBAC says (review ru, 1).
    const refusal = await shellRefusal(cluster, req.attributes);
    const shell = refusal?.reason;
    // What refused the shell, as the authorize API answers it (review sz, 2): an explicit Deny of the PassRole is
    // ExplicitDeny naming its statements; a PassRole only not allowed (or no such role, an untrusting trust policy) is a
    // refusal no rule made, ImplicitDeny. Both are answered `denied`. Recorded ExplicitDeny with no rule named (review te, 1).
    const shellDecision = refusal?.matched !== undefined ? 'ExplicitDeny' : 'ImplicitDeny';
    const shellMatched = refusal?.matched !== undefined ? { matched: refusal.matched } : {};
    // The user as Gatehouse's TokenReview gave it may no longer be one: kube-apiserver caches TokenReviews (two minutes
    // by default, often more), and sends the cached user here. Its session revoked or expired, or its access entry
    // deleted, it is refused as a disabled user is (review R, R1).
    let problem: string | undefined;
    let attrs = req.attributes;
    let dropped: string[] = [];
    // The IAM side is decided as the session itself when the review carries it (its tags, source identity, session
    // policies and issue time), as its own requests are: resolved from its ARN alone, a Deny on `aws:SourceIdentity`,
    // a session tag or in its session policy did not apply in Kubernetes (review ac, 11).
    let asSession: { principal: Principal; policies: PolicySet } | undefined;
    // The key the user's token was signed with, the IAM side's `acs:AccessId` (review do, 3): a sealed session's own
    // key, or a plain user's long-term key that `keyProblem` found still its own. None when the review does not
    // establish it (a session without its sealed claims, a key it could not check): absent, as before.
    let signedWith: string | undefined;
    // The keys of the request itself (`aws:RequestedRegion`, the region its token was signed for; review kc, 1), from
    // the facts Gatehouse sealed; none when the review does not establish them.
    let facts: Record<string, string> = {};
    // The key the decision's record names (`accessKeyId`): `signedWith` when Gatehouse's TokenReview sealed it.
    let recordedKey: string | undefined;
    // The session the records name: the one Gatehouse's TokenReview sealed for this principal, expired or revoked too
    // (reviews ou, 2 and 3), never what `extra` says unsealed.
    let sealedClaims: SessionClaims | undefined;
    if (arn !== undefined && who !== undefined) {
      const sealed = extra?.[SESSION_EXTRA]?.[0];
      const session = sealed !== undefined ? await sessionProblem(cluster, arn, sealed) : undefined;
      if (session?.claims !== undefined && sessionPrincipal(session.claims, {}).arn === arn) sealedClaims = session.claims;
      asSession = session?.problem === undefined ? session?.as : undefined;
      const mapped = session?.problem !== undefined ? { problem: session.problem } : entryProblem(cluster, who, session?.claims);
      if ('problem' in mapped) problem = mapped.problem;
      else {
        problem = usernameProblem(cluster, mapped.entry, who, session?.claims, extra, req.attributes.user.name) ?? (sealed === undefined ? ((await keyProblem(who, extra)) ?? (await consoleProblem(cluster, arn, who, extra))) : undefined);
        const id = extra?.['accessKeyId']?.[0];
        if (problem === undefined) signedWith = session !== undefined ? session.claims?.ak : who.principal.kind === 'user' && id !== undefined && id !== '' && !/^(?:ASIA|STS\.)/.test(id) ? id : undefined;
        if (problem === undefined) facts = requestFacts(cluster, arn, extra, session);
        // The record names the key only as Gatehouse's TokenReview sealed it (the session's own, or the plain user's
        // `USER_EXTRA`), the key whose signature it verified, as CloudTrail's `userIdentity.accessKeyId` (review nh, 1):
        // `extra.accessKeyId` alone is what an impersonating client claims.
        const sealedKey = problem === undefined ? requestFacts(cluster, arn, extra, session, true)[ACCESS_ID] : undefined;
        if (sealedKey !== undefined && sealedKey === signedWith) recordedKey = sealedKey;
        // The groups the review carries are those the entry had when kube-apiserver authenticated the user (it caches
        // TokenReviews for minutes): only those the entry holds now count, and `system:authenticated`, which
        // kube-apiserver adds to every authenticated user itself (and `identify` adds too). Entries hold no other
        // `system:` group (parseAccessEntrySpec), so none other counts for a Gatehouse principal (review X).
        const held = new Set([...mapped.entry.kubernetesGroups, AUTHENTICATED_GROUP]);
        const user = req.attributes.user;
        dropped = user.groups.filter((g) => !held.has(g));
        if (dropped.length > 0) attrs = { ...req.attributes, user: { ...user, groups: user.groups.filter((g) => held.has(g)) } };
      }
      if (problem !== undefined) problem = `the IAM principal \`${arn}\` of this Kubernetes user ${problem}`;
    }
    // No `extra.arn`: an impersonated user, or another authenticator's. A username an access entry renders is that
    // entry's principal acting through impersonation, which gives its rights and no more: its IAM denies apply, and when
    // they cannot be read (the principal disabled or deleted), its RBAC grants nothing, as below (review ia, 6).
    // Every principal whose entry renders the username is that user (review mn, 2): each one's denies apply.
    const renderings = arn === undefined ? renderedPrincipals(cluster, req.attributes.user.name) : [];
    const renderedWhos = await Promise.all(renderings.map((x) => principalOf(x)));
    const unreadable = renderings.findIndex((_, i) => renderedWhos[i] === undefined);
    const rendered = unreadable >= 0 ? renderings[unreadable] : renderings[0];
    const renderedWho = renderedWhos[0];
    const principalArn = arn ?? rendered;
    if (principalArn !== undefined && ((arn !== undefined && (who === undefined || problem !== undefined)) || unreadable >= 0)) {
      // The IAM principal of this user cannot be resolved (disabled, deleted, unknown), or no longer authenticates as
      // this Kubernetes user (above): its IAM denies cannot be read, so Gatehouse's RBAC grants it nothing
      // (kube-apiserver keeps a user authenticated for its TokenReview cache's lifetime after it was disabled; review
      // I, S3). No opinion, not `denied`: DESIGN.md keeps `denied: true` for an explicit IAM deny, and another
      // authorizer (the cluster's own RBAC) may still decide (review L, L4).
      const reason = `${problem ?? (await unresolved(principalArn))}: Gatehouse's RBAC grants it nothing${shell !== undefined ? `; ${shell}` : ''}`;
      const event: AuditEvent = {
        kind: 'decision',
        account: cluster.account,
        principal: principalArn,
        // A refused session (expired, revoked, its job ended) by its role, session and job too, as the other doors
        // record a refused session's token (`authFailureEvent`): `audit query --role`/`--job` missed it (review ou, 3).
        ...(arn !== undefined ? sessionFields(sealedClaims, arn) : {}),
        action: kubernetesAction(req.attributes.verb),
        resource: kubernetesResource(cluster.arn, req.attributes),
        decision: shell !== undefined ? shellDecision : 'ImplicitDeny',
        detail: { cluster: cluster.name, user: req.attributes.user.name, groups: req.attributes.user.groups, reason, ...shellMatched },
      };
      // A principal of another account that Gatehouse's TokenReview sealed (its session, expired or revoked too, or its
      // key), now disabled, deleted or no longer authenticating: its request still, refused, so recorded in its account
      // too, as when it resolves (review sy, 4), without the cluster's reason. It was in the cluster's account alone, and
      // the account that disabled the user or revoked the session never saw it still used there (review to, 2). On
      // `extra.arn` alone (the cluster's word, or an impersonated username an entry renders) it stays in the cluster's.
      const sealedAccount = arn !== undefined ? actingSession(cluster, extra ?? {}, arn).account : undefined;
      const [own, copy] = inPrincipalsAccount(cluster, event, sealedAccount);
      deps.audit?.decision(own as AuditEvent & { readonly decision: string }, copy);
      return { allowed: false, denied: shell !== undefined, reason };
    }
    const context = contextOf({ ...facts, ...(signedWith !== undefined ? { [ACCESS_ID]: signedWith } : {}) });
    const decide = (iamWho: { principal: Principal; policies: PolicySet } | undefined) =>
      cluster.authorizer.authorize({
        attrs,
        iam: iamWho ? { principal: iamWho.principal, policies: iamWho.policies, views: iamViews(cluster, req.attributes, { principal: iamWho.principal, policies: iamWho.policies, context, time: deps.now() }), context, time: deps.now() } : undefined,
      });
    let r = decide(asSession ?? who ?? renderedWho);
    // The other principals the impersonated username renders: the first whose IAM denies it decides (review mn, 2).
    let deniedAs = renderedWho;
    for (const other of renderedWhos.slice(1)) {
      if (r.verdict === 'deny' || other === undefined) break;
      const d = decide(other);
      if (d.verdict === 'deny') [r, deniedAs] = [d, other];
    }
    const shellDecided = shell !== undefined && r.verdict !== 'deny';
    if (shellDecided) r = { ...r, verdict: 'deny', reasons: [shell] };
    // Bindings to missing roles (reported by RBAC among its reasons, `RBAC: …`) and engine errors go to
    // `evaluationError` whatever the answer, as upstream's RBAC authorizer reports them (policy-semantics A.3).
    const rbacErrors = r.engines.filter((e) => e.name === 'rbac').flatMap((e) => e.result.reasons.filter((x) => x.startsWith('RBAC: ')));
    const evaluationError = [...r.errors, ...rbacErrors].join('; ');
    const ignored = dropped.length > 0 ? ` (groups its access entry no longer holds do not count: ${dropped.map((g) => `\`${g}\``).join(', ')})` : '';
    // The bindings to missing roles are said once, in `evaluationError`, not again among the reasons as
    // `rbac: RBAC: …` (review N, N7).
    const reason = r.verdict === 'no-opinion' ? `no RBAC binding in cluster ${cluster.name} allows ${describeRequest(req.attributes)}${ignored}` : r.reasons.filter((x) => !x.startsWith('rbac: RBAC: ')).join('; ');
    // Recorded as the authorize API's decisions are: denials always, allows sampled (GATEHOUSE_AUDIT_ALLOW_SAMPLE).
    // No opinion is no decision: kube-apiserver's next authorizer decides, and its own audit log has the outcome.
    // An impersonated user an access entry renders is recorded as the IAM principal it maps to (its denies decided it),
    // the username kept in `detail.user`: recorded as the username, `audit query --principal`/`--role` missed it (review
    // kg, 3).
    const recorded = who ?? deniedAs;
    const roleArn = recorded?.principal.kind === 'role-session' ? recorded.principal.roleArn : undefined;
    if (r.verdict !== 'no-opinion') {
      const event: AuditEvent = {
        kind: 'decision',
        account: cluster.account,
        principal: (deniedAs !== renderedWho ? deniedAs?.principal.arn : undefined) ?? principalArn ?? req.attributes.user.name,
        // A role's session: the role too, so `audit query --role` finds what its sessions did in the cluster.
        ...(roleArn !== undefined ? { role: roleArn, session: recorded?.principal.arn as string } : {}),
        ...(recorded === who ? jobFields(sealedClaims) : {}),
        ...(recordedKey !== undefined ? { accessKeyId: recordedKey } : {}),
        action: kubernetesAction(req.attributes.verb),
        resource: kubernetesResource(cluster.arn, req.attributes),
        decision: shellDecided ? shellDecision : r.verdict === 'allow' ? 'Allow' : r.verdict === 'deny' ? 'ExplicitDeny' : 'ImplicitDeny',
        detail: { cluster: cluster.name, user: req.attributes.user.name, groups: req.attributes.user.groups, ...(dropped.length > 0 ? { ignoredGroups: dropped } : {}), reason, ...(shellDecided ? shellMatched : {}) },
      };
      // Into the principal's account only when Gatehouse's TokenReview established it (its sealed session, or the key it
      // verified): `extra.arn` alone is the cluster's word, which impersonation or whoever sends the reviews sets at will.
      const established = recorded !== undefined && recorded === who && (sealedClaims !== undefined || recordedKey !== undefined);
      const [own, copy] = inPrincipalsAccount(cluster, event, established ? recorded.principal.account : undefined);
      deps.audit?.decision(own as AuditEvent & { readonly decision: string }, copy);
    }
    // Not recorded, but counted: on a cluster where this webhook is one authorizer among others most answers are of this
    // kind, and with no label for them its traffic did not show in `gatehouse_decisions_total` (review lm, 1).
    if (r.verdict === 'no-opinion') deps.metrics?.decision('NoOpinion');
    const errors = evaluationError !== '' ? { evaluationError } : {};
    if (r.verdict === 'allow') return { allowed: true, denied: false, reason, ...errors };
    if (r.verdict === 'deny') return { allowed: false, denied: true, reason, ...errors };
    return { allowed: false, denied: false, reason, ...errors };
  }

  /**
   * Why the user of a SubjectAccessReview may not open a shell in a pod that runs as a role: `create` (SPDY) or `get`
   * (WebSocket, review ix, 4) of a named pod's `exec` (`kubectl cp` too) or `attach`, whose session reads the containers'
   * environment, the pod's credential capability with it, and so acts as the role. The user must be allowed to pass the
   * role, as for creating the pod, changing its containers or adding an ephemeral container (reviews I, S2 and ij, 4);
   * with the pod admission's checks and messages (review ru, 1). Undefined for anything else, a review naming no pod
   * (`kubectl auth can-i create pods --subresource=exec`: which pods is not known) and a pod Gatehouse admitted with no
   * role or whose job has ended: decided as before. `portforward` is not a shell: it reaches the pod's ports, and a pod
   * serves no credential endpoint of its own (the agent is elsewhere, and wants the capability). A node's `proxy` is a
   * shell in every pod on the node (`nodeShellTargets`, review sc, 1).
   */
  async function shellRefusal(cluster: KubeCluster, a: RbacAttributes): Promise<{ reason: string; matched?: MatchedRule[] } | undefined> {
    const targets = await shellTargets(cluster, a);
    if (targets.length === 0) return undefined;
    const arn = camelExtra(a.user.extra)?.['arn']?.[0];
    // A user that maps to no IAM principal is decided as before on a node's proxy: the kubelet asks `nodes/proxy` of
    // kube-apiserver's own kubelet client for every exec, attach, log and port-forward it relays, whoever asked it (their
    // own review decided that), and Gatehouse cannot tell that identity from another authenticator's (review sc, 1).
    if (arn === undefined && isNodeShell(a)) return undefined;
    for (const t of targets) {
      if (arn === undefined) return { reason: `${unsealedPasser(cluster, `Kubernetes user \`${a.user.name}\` maps to no IAM principal: it`, t.roleArn, false)} (${t.what})` };
      // `seen`: an explicit Deny of the PassRole, whose statements the record names (review te, 1).
      const seen: { deny?: Decision } = {};
      const pass = await checkPass(cluster, passerOfReview(a, arn), t.roleArn, t.jobId, seen);
      if (!pass.ok) return { reason: `${pass.errors[0]?.message ?? ROLE_CHECK_FAILED} (${t.what})`, ...(seen.deny !== undefined ? { matched: seen.deny.matched.filter((m) => m.effect === 'Deny').map(ruleOf) } : {}) };
    }
    return undefined;
  }

  /**
   * The roles whose PassRole a request is a shell of (`shellRefusal`): each role a live job of the named pod of an
   * `exec` or `attach` runs as, or each role a running pod of the cluster runs as for a node's proxy (`isNodeShell`); with the job whose
   * ARN the PassRole is decided with (`*` for a node's proxy) and what the refusal says it reaches. None for any other
   * request, read nothing for.
   */
  async function shellTargets(cluster: KubeCluster, a: KubernetesRequestAttributes & { readonly verb: string }): Promise<{ roleArn: string; jobId: string; what: string }[]> {
    if (isNodeShell(a)) return nodeShellTargets(cluster, a);
    const sub = a.subresource;
    // Subresource `*` covers `exec` and `attach` (review vj, 3): RBAC's `pods/*`, taken literally, allows it.
    if (!a.resourceRequest || (a.apiGroup ?? '') !== '' || a.resource !== 'pods' || (sub !== 'exec' && sub !== 'attach' && sub !== '*')) return [];
    if (a.verb !== 'create' && a.verb !== 'get' && a.verb !== '*') return [];
    const namespace = a.namespace ?? '';
    const name = a.name ?? '';
    if (namespace === '' || name === '') return [];
    // Every live job of the pod's name, not the first read (review vw, 2): a pod's job is made at its CREATE admission,
    // and a CREATE of a name already taken is refused by kube-apiserver after the webhooks (AlreadyExists), its job left
    // live. Which of them is the pod's is not known here, so each role must be one the user may pass: a user who may
    // pass only a cheap role made `train` again naming it until its job was read first, and exec'd into the `train`
    // running as another role. Confirmed jobs first (their pod asked for credentials), one per role.
    const jobs = await deps.store.read((tx) =>
      liveJobsWhere(tx, cluster.account, (j) => j.state === 'Running' && j.role.arn !== undefined && j.cluster === cluster.name && j.pod !== undefined && j.pod.namespace === namespace && podNamedBy(j.pod, name)),
    );
    const byRole = new Map<string, Job>();
    for (const j of [...jobs.filter((x) => x.pod?.provisional !== true), ...jobs.filter((x) => x.pod?.provisional === true)]) if (j.role.arn !== undefined && !byRole.has(j.role.arn)) byRole.set(j.role.arn, j);
    const others = byRole.size > 1 ? ` (${byRole.size} live pod jobs of this name run as different roles, a pod's made at a CREATE that kube-apiserver may have refused: the one whose pod exists is not known, so each role counts)` : '';
    return [...byRole].map(([roleArn, job]) => ({ roleArn, jobId: job.id, what: `${sub === 'exec' ? 'exec into' : 'attach to'} pod ${namespace}/${name}, which runs as ${roleArn}${others}` }));
  }

  /** The passer a SubjectAccessReview's user is, by the identity Gatehouse's TokenReview sealed into its `extra`. */
  function passerOfReview(a: RbacAttributes, arn: string): Passer {
    const extra = camelExtra(a.user.extra);
    const session = extra?.[SESSION_EXTRA]?.[0];
    const user = session === undefined ? extra?.[USER_EXTRA]?.[0] : undefined;
    const isSession = extra?.['sessionName'] !== undefined || extra?.['tokenIssueTime'] !== undefined;
    return { arn, via: arn, ...(session !== undefined ? { session } : {}), ...(user !== undefined ? { user } : {}), ...(isSession ? { isSession } : {}) };
  }

  /**
   * The roles a node's proxy (`isNodeShell`) is a shell of: the kubelet's API behind it runs
   * commands in, and attaches to, every pod on the node (`/run`, `/exec`, `/attach`), so it is a shell in each, and which
   * pods a node runs is not known here: each role that a running pod of the cluster runs as (admitted by Gatehouse with
   * it, its job live) must be one the user may pass, as `shellRefusal` asks for one pod (review sc, 1). Decided once per
   * role, for any job of the account (`job/*`), as a workload's template is: a pod made later is checked by its own exec.
   * None when no pod of the cluster runs as a role.
   */
  async function nodeShellTargets(cluster: KubeCluster, a: KubernetesRequestAttributes & { readonly verb: string }): Promise<{ roleArn: string; jobId: string; what: string }[]> {
    const jobs = await deps.store.read((tx) => liveJobsWhere(tx, cluster.account, (j) => j.state === 'Running' && j.role.arn !== undefined && j.cluster === cluster.name && j.pod !== undefined));
    const byRole = new Map<string, Job>();
    for (const j of jobs) if (j.role.arn !== undefined && !byRole.has(j.role.arn)) byRole.set(j.role.arn, j);
    const node = a.name ? `node ${a.name}` : 'every node';
    return [...byRole].map(([roleArn, job]) => {
      const pod = job.pod as NonNullable<Job['pod']>;
      return { roleArn, jobId: '*', what: `the proxy of ${node} reaches the kubelet, which runs commands in every pod on its node, and pod ${pod.namespace}/${pod.name !== '' ? pod.name : `${pod.generateName ?? ''}*`} of cluster ${cluster.name} runs as ${roleArn}` };
    });
  }

  // --- Admission --------------------------------------------------------------------------------------------

  const refuse = (message: string, code = 403, role?: string): AdmissionVerdict => ({ allowed: false, code, message, ...(role !== undefined ? { role } : {}) });

  /**
   * Who passes a role: an IAM principal by ARN and, when it is a session, the session's sealed claims
   * (`SESSION_EXTRA`, carried by the token review or by a template's grant). `fromGrant`: named by a template's
   * grant, which outlives the session that made it.
   */
  interface Passer {
    readonly arn: string;
    readonly via: string;
    readonly session?: string;
    /** A plain user's sealed identity (`USER_EXTRA`), carried by the token review. */
    readonly user?: string;
    /** `extra` says the user is a session (`sessionName`, `tokenIssueTime`), whether or not it carries the session. */
    readonly isSession?: boolean;
    readonly fromGrant?: boolean;
  }

  /**
   * The passer's principal and policies, as IAM would decide its requests. A session is decided as the session
   * (role or user policies, its session policies, tags, source identity and issue time), never as its role; a session
   * whose claims are not carried (a token reviewed before Gatehouse sealed them into `extra`, a grant made before
   * grants carried them) may not pass a role: its session policy is unknown here (review I, S5). A plain user is known
   * only by the identity Gatehouse's TokenReview sealed (`USER_EXTRA`): `username` and `extra.arn` are whatever an
   * impersonating client (`kubectl --as`, `--as-user-extra`) says, and taking them made the Kubernetes right to
   * impersonate a user into that user's PassRole rights (review ch, 1). A grant's passer is Gatehouse's own signed
   * word.
   */
  async function passerIdentity(cluster: KubeCluster, passer: Passer, roleArn: string): Promise<Result<{ principal: Principal; policies: PolicySet; facts: Record<string, string> }>> {
    const cannot = (why: string): Result<never> => failWith('ACCESS_DENIED', `${ROLE_CHECK_FAILED}: ${passer.arn} ${why}, so it cannot pass role ${roleArn}`);
    if (passer.session !== undefined) {
      const opened = openSession(cluster, passer.session);
      const c = opened?.claims;
      if (!c) return cannot(`carries session facts that this server did not seal for cluster ${cluster.name}`);
      if (sessionPrincipal(c, {}).arn !== passer.arn) return cannot('carries the session facts of another principal');
      // A grant outlives its session, and revocation ends it. The entries that end a job's sessions (its end) and a
      // console sign-in (its sign-out) are pruned once the session can no longer be presented (src/app/live.ts
      // `revocationSpent`), so past its expiry such a session's grant could not be told ended and is not taken (review qh, 1).
      if (passer.fromGrant === true && (c.job !== undefined || c.con !== undefined) && c.exp <= deps.now()) {
        return cannot(`is ${c.job !== undefined ? `a session of job ${c.job}` : 'a console sign-in'} that expired at ${isoSeconds(c.exp)}, whose grant ends with it; apply the workload again with credentials of your own`);
      }
      const caller = await app.sts.callerOfClaims(c, passer.fromGrant === true);
      if (!caller.ok) return cannot(`is a session that has expired or was revoked, or whose ${c.role ? 'role' : 'user'} no longer exists or is disabled`);
      // Its access entry gone (or made for an earlier principal of its name), its TokenReview is refused now and its
      // SubjectAccessReviews get nothing (review R, R1); the facts that TokenReview sealed pass no role either (review
      // sr, 3). Not a workload's grant: the author's word when the workload was admitted, which outlives the entry as it
      // outlives the session.
      const unmapped = passer.fromGrant === true ? undefined : entryProblem(cluster, { principal: caller.value.principal, policies: caller.value.policies }, c);
      if (unmapped !== undefined && 'problem' in unmapped) return cannot(unmapped.problem);
      // The key and region of the session's token, as its SubjectAccessReviews are decided (review kg, 1).
      return ok({ principal: caller.value.principal, policies: caller.value.policies, facts: requestFacts(cluster, passer.arn, undefined, opened ?? undefined, true) });
    }
    const parsed = principalFromArn(passer.arn);
    if (passer.isSession || (parsed.ok && parsed.value.kind === 'role-session')) {
      return cannot(
        passer.fromGrant
          ? `is a session named by a grant made before grants carried the session's policies; apply the workload again`
          : `is a session whose session policies are unknown here (its token was reviewed before Gatehouse carried the session in \`extra.${SESSION_EXTRA}\`); get a new token (kubectl does, within 15 minutes)`,
      );
    }
    if (passer.fromGrant) {
      const who = await principalOf(passer.arn);
      if (!who) return cannot('is not an existing user or role');
      // The author the grant was made for, by its unique id (review qc, 3): named by ARN alone, a user deleted and made
      // again under its name (a new hire given it) had the old workload's pods run on its own PassRole. A user's grant
      // carries its sealed identity (review kg, 1), the id with it; one that does not, or whose id is another's, serves
      // no one.
      if (who.principal.kind === 'user') {
        const author = passer.user !== undefined ? openUser(cluster, passer.user) : undefined;
        if (author === undefined || author.arn !== passer.arn) return cannot(`is named by a grant that carries no identity of it sealed for cluster ${cluster.name}; its author must apply the workload again`);
        if (who.principal.userId !== author.id) return cannot('is a user deleted and created again since the workload was admitted on its grant; the workload must be applied again, by someone who may pass the role');
      }
      // The key and region its author's token was signed for, sealed by the TokenReview and carried by the grant (review
      // kg, 1).
      return ok({ ...who, facts: requestFacts(cluster, passer.arn, passer.user !== undefined ? { [USER_EXTRA]: [passer.user] } : undefined, undefined, true) });
    }
    const facts = passer.user !== undefined ? openUser(cluster, passer.user) : undefined;
    if (facts === undefined) return failWith('ACCESS_DENIED', unsealedPasser(cluster, passer.arn, roleArn, passer.user !== undefined));
    if (facts.arn !== passer.arn) return cannot('carries the sealed identity of another principal');
    if (facts.exp <= deps.now()) return cannot(`was authenticated by a TokenReview older than ${USER_FACTS_SECONDS / 60} minutes; get a new token (\`gatehouse kube token\`, \`aws eks get-token\`: kubectl does, within 15 minutes)`);
    const who = await principalOf(facts.arn);
    if (!who) return cannot('is not an existing user, or is disabled');
    if (who.principal.userId !== facts.id) return cannot('is a user deleted and created again since its token was reviewed');
    // Its access entry gone, as for a session above (review sr, 3): the facts are an hour's.
    const unmapped = entryProblem(cluster, who, undefined);
    if ('problem' in unmapped) return cannot(unmapped.problem);
    // A console sign-in's token: the sign-in signed out, ended or its key inactive, as the SubjectAccessReview checks it (review og, 3).
    const key = (await keyProblem(who, { accessKeyId: [facts.ak] })) ?? (await consoleProblem(cluster, facts.arn, who, { [USER_EXTRA]: [passer.user as string] }));
    if (key !== undefined) return cannot(key);
    // With the key and region its token was signed for (review kg, 1).
    return ok({ ...who, facts: requestFacts(cluster, passer.arn, { [USER_EXTRA]: [passer.user as string] }, undefined, true) });
  }

  /**
   * May the passer pass the role to the compute service, and does the role trust it? The same checks and
   * messages as starting a node (app/jobs.ts `startNode`).
   */
  /** The role an annotation names: an ARN, or a name of the cluster's account (path `/`). */
  const roleRefOf = (cluster: KubeCluster, roleRef: string) =>
    roleRef.includes(':') ? parseRoleArn(roleRef) : ROLE_NAME_RE.test(roleRef) ? { partition: cluster.partition, account: cluster.account, name: roleRef, path: '/' } : undefined;

  /**
   * What is wrong with a role annotation that names no role (a user's ARN, `role/` with no name, a bare name with a
   * `/`), said as the jobs API says it of a job's `role` (src/app/jobs.ts `notARoleArn`): it was refused 403 `role …
   * does not exist`, blaming a missing role for a malformed annotation (review ko, 1). Nothing is read, so every pod's
   * creator is told the same; undefined for a role ARN or name, decided by `checkPass`.
   */
  function notARole(cluster: KubeCluster, named: { readonly role: string; readonly annotation: string }): string | undefined {
    const isArn = named.role.includes(':');
    if (isArn ? parseRoleArn(named.role) !== undefined : ROLE_NAME_RE.test(named.role)) return undefined;
    const form = cluster.partition === 'acs' ? 'acs:ram::<account>:role/<name>' : "arn:aws:iam::<account>:role/<name>, with the role's path if it has one";
    const said = `${ROLE_CHECK_FAILED}: annotation \`${named.annotation}\` takes a role ARN (${form}) or the name of a role of account ${cluster.account}, got \`${shortName(named.role)}\``;
    return isArn
      ? `${said}, which is not a role ARN (the resource part must be \`role/\`, a path if any, and a name of 1-64 letters, digits or \`+=,.@_-\`)`
      : `${said}, which is not a role name (1-64 letters, digits or \`+=,.@_-\`); for a role at a path, give its ARN`;
  }

  /**
   * Whether a grant made for the role `granted` (its own ARN, as `checkPass` gave it) serves a template naming `roleRef`:
   * both name the same role of the cluster's account, found as `checkPass` finds it (its name without case; an `aws` ARN's
   * path as the role's, a bare name at any path), in any AWS partition's spelling. Compared as written (the grant's ARN
   * ending with the reference), a template naming `trainer`, `arn:aws:iam::A:role/trainer` or `arn:aws-cn:…` for role
   * `Trainer` was admitted with its grant, and every pod its controller made was refused (review ko, 5).
   */
  function grantNames(cluster: KubeCluster, granted: string, roleRef: string): boolean {
    if (granted === roleRef) return true;
    const g = parseRoleArn(granted);
    const r = roleRefOf(cluster, roleRef);
    if (g === undefined || r === undefined || g.account !== r.account || g.name.toLowerCase() !== r.name.toLowerCase()) return false;
    return roleNamedBy({ path: g.path }, r, cluster.partition, !roleRef.includes(':')) !== undefined;
  }

  /**
   * `jobId`: the pod's job, whose ARN is the trust check's `aws:SourceArn`, as its sessions are issued with it
   * (src/app/jobs.ts `issueFor`); a workload's template, whose pods' jobs are not made yet, is checked for any job
   * of the account (`job/*`).
   */
  async function checkPass(cluster: KubeCluster, passer: Passer, roleRef: string, jobId = '*', seen?: { deny?: Decision }): Promise<Result<{ roleArn: string; roleName: string; passerName: string; passerId?: string }>> {
    return checkPassBy(cluster, passer.arn, (roleArn) => passerIdentity(cluster, passer, roleArn), roleRef, jobId, seen);
  }

  /** `checkPass` of the passer `passerArn` whose principal and policies `identity` gives (the authorize API's are resolved). */
  /**
   * `seen`: told the decision when an explicit Deny refuses it, of the PassRole or of the compute service in the role's
   * trust policy (`shellQuestion` and `shellRefusal` name its statements).
   */
  async function checkPassBy(cluster: KubeCluster, passerArn: string, identity: (roleArn: string) => Promise<Result<{ principal: Principal; policies: PolicySet; facts: Record<string, string> }>>, roleRef: string, jobId: string, seen?: { deny?: Decision }): Promise<Result<{ roleArn: string; roleName: string; passerName: string; passerId?: string }>> {
    const { partition, account } = cluster;
    const parsed = roleRefOf(cluster, roleRef);
    // Another account's role (or no role reference at all) is never read: nothing is said of that account.
    if (!parsed || parsed.account !== account) {
      return failWith('ACCESS_DENIED', `${ROLE_CHECK_FAILED}: role ${roleRef} does not exist in account ${account}${parsed ? ' (a role of another account cannot be passed)' : ''}`);
    }
    // An ARN names the role with its exact path, `/` included, as a job's role and a node's (src/core/sts/session.ts
    // `roleNamedBy`): `role/finance-admin` was taken for `role/sandbox/finance-admin` (review hq, 1). A bare name
    // names the account's role of that name at its path.
    const role = roleNamedBy(await deps.store.read((tx) => tx.roles.get(account, parsed.name)), parsed, partition, !roleRef.includes(':'));
    // PassRole is decided before the pod's creator is told whether the role exists, on its ARN as stored or, for a role
    // not there, as named: anyone allowed to create pods was told `does not exist` for a name no role has and `is not
    // allowed to perform PassRole` for one a role has, and could list the account's role names (review ag, as
    // src/app/jobs.ts decides a job's role).
    const roleArn = role ? roleArnOf(partition, account, role.path, role.name) : roleArnOf(partition, account, parsed.path, parsed.name);
    const who = await identity(roleArn);
    if (!who.ok) return who;
    const passAction = partition === 'acs' ? 'ram:PassRole' : 'iam:PassRole';
    const service = computeServices(partition)[0] as string;
    // On the role's canonical ARN; a Deny spelling the role or the action in the other dialect applies as well (review
    // U, U1): `ram:PassRole` and `iam:PassRole`, `acs:ram::A:role/x` and `arn:aws:iam::A:role/x` name one thing.
    // With the pod's job's ARN as the resource the role goes with (`iam:AssociatedResourceArn`, review gb, 5).
    const associated = { [ASSOCIATED_RESOURCE]: jobArn(partition, account, jobId) };
    // And a Deny naming the compute service by another of its names (`decideForService`, review gb, 3).
    const d = decideOnRole({ partition, account, path: role?.path ?? parsed.path, name: role?.name ?? parsed.name }, passAction, (action, resource) =>
      decideForService(computeServices(partition), (context) => evaluate({ principal: who.value.principal, action, resource, context: contextOf({ ...who.value.facts, ...context, ...associated }), time: deps.now() }, who.value.policies)),
    );
    if (d.decision === 'ExplicitDeny' && seen !== undefined) seen.deny = d;
    if (d.decision !== 'Allow') {
      // Or, unless IAM denies it explicitly, a binding granting `iam.serviceAccounts.actAs` on the role
      // (`roles/iam.serviceAccountUser`), cut by the passer's boundary and session policy: as a job's submission and a
      // node's start accept it (src/app/jobs.ts `passRoleRefusal`), and as the authorize API and simulate answer the
      // PassRole. Pod admission asked IAM alone, so a pod was refused the role that a job of the same user got (review
      // cb, 3).
      // Cut by the passer's limits under each name of the compute service, as IAM's Allow is decided (review hq, 3).
      const asked = computeServices(partition).map((svc) => ({ principal: who.value.principal, action: passAction, resource: roleArn, context: contextOf({ ...who.value.facts, ...passedToContext(svc), ...associated }), time: deps.now() }));
      const bindings = bindingsRefusal(d, () => app.bindings.actAs({ principal: who.value.principal }, roleArn), asked, who.value.policies);
      if (bindings !== undefined) return failWith('ACCESS_DENIED', `${ROLE_CHECK_FAILED}: ${passerArn} is not allowed to perform ${passAction} on ${roleArn} (passed to ${service}): ${d.summary}${bindings === '' ? '' : `; ${bindings}`}`);
    }
    if (!role) return failWith('ACCESS_DENIED', `${ROLE_CHECK_FAILED}: role ${roleRef} does not exist in account ${account}`);
    const trust = cachedTrust(trustPolicies, role);
    // The trust policy's Deny that refuses the compute service, told to `seen` as a Deny of the PassRole is: a rule
    // decided (review te, 3).
    let trustDeny: Decision | undefined;
    const trusted =
      trust === undefined
        ? {}
        : trustedServiceName(
            computeServices(partition),
            // With the aws:SourceAccount and aws:SourceArn its job's sessions are issued with (src/app/sts.ts `assumeRoleAsService`);
            // refused when the trust policy denies the service by any of its names (review gj, 4). And with the session tags
            // they carry: a pod's job is a node of its cluster (`createPodJob`), tagged `gatehouse:cluster`, not a workspace's
            // job (review qo, 3: a trust scoped to the cluster's sessions refused its pods, one denying them admitted them).
            (svc) => {
              const d = evaluate({ principal: { kind: 'service', arn: svc, partition, account: '' }, action: 'sts:AssumeRole', resource: roleArn, context: contextOf(serviceTrustContext(account, jobArn(partition, account, jobId), jobSessionTags({ kind: 'node', workspace: '', cluster: cluster.name, id: jobId }))), time: deps.now() }, { identity: [], trust });
              if (d.decision === 'ExplicitDeny') trustDeny ??= d;
              return d.decision;
            },
          );
    if (trusted.allowed === undefined && trusted.denied !== undefined && trustDeny !== undefined && seen !== undefined) seen.deny = trustDeny;
    // A Deny that applies is said as one: the statement `trustFix` names is there already, or changes nothing (review qo, 4).
    if (trusted.allowed === undefined) return failWith('ACCESS_DENIED', `${ASSUME_FAILED}: ${trusted.denied !== undefined ? trustDenied(roleArn, trusted.denied) : trustFix(partition, roleArn, service)}`);
    // A user passing (with its key or in one of its sessions): its unique id, recorded with the pod's job as a job's
    // submitter's is (src/app/jobs.ts `submitterId`), so that the user deleted and created again under the name is
    // not taken for the one who passed the role.
    const p = who.value.principal;
    return ok({ roleArn, roleName: role.name, passerName: submitterName(p), ...(p.kind === 'user' && p.userId !== undefined ? { passerId: p.userId } : {}) });
  }

  /**
   * Grants: `v1.<payload>.<mac>`, payload = base64url JSON {p: passer ARN, r: role ARN, ns: namespace, s?: the
   * passer's session, k: the `group/Kind` of the workload it was made on, u?: a plain user passer's identity, for the key
   * and region of its pods' PassRole; `s` and `u` sealed for grants, not as `extra` carries them: `toGrant`}: a session's grant is decided again, for each pod, as that session.
   * Every grant signed under the grant key of review qc, 1 names its kind (grants without one were all signed under the
   * key it retired); a payload without one is read as not verifying.
   */
  interface Grant {
    readonly p: string;
    readonly r: string;
    readonly ns: string;
    readonly s?: string;
    readonly k: string;
    /** A plain user passer's sealed identity (`USER_EXTRA`): the key and region its token was signed for (review kg, 1). */
    readonly u?: string;
  }

  function signGrant(cluster: KubeCluster, g: Grant): string | undefined {
    if (!cluster.grantKey) return undefined;
    const payload = Buffer.from(JSON.stringify(g), 'utf8').toString('base64url');
    return `v1.${payload}.${createHmac('sha256', cluster.grantKey).update(payload).digest('base64url')}`;
  }

  function openGrant(cluster: KubeCluster, grant: string | undefined): Grant | undefined {
    if (!grant || !cluster.grantKey || grant.length > 65_536) return undefined;
    const [v, payload, mac] = grant.split('.');
    if (v !== 'v1' || !payload || !mac) return undefined;
    const want = createHmac('sha256', cluster.grantKey).update(payload).digest();
    const got = Buffer.from(mac, 'base64url');
    if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
    try {
      const g = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { p?: unknown; r?: unknown; ns?: unknown; s?: unknown; k?: unknown; u?: unknown };
      if (typeof g.p !== 'string' || typeof g.r !== 'string' || typeof g.ns !== 'string' || typeof g.k !== 'string') return undefined;
      return { p: g.p, r: g.r, ns: g.ns, k: g.k, ...(typeof g.s === 'string' ? { s: g.s } : {}), ...(typeof g.u === 'string' ? { u: g.u } : {}) };
    } catch {
      return undefined;
    }
  }

  /**
   * Who passes the role: the requesting user (with its session, when it is one); or, for an object a controller
   * creates from a template (a ReplicaSet's pods, a CronJob's Jobs, a PyTorchJob's pods), the author recorded in the
   * template's grant when it is valid for this role and namespace.
   *
   * Only kube-controller-manager's own controllers are trusted without being listed, by name (`isController`): not any
   * kube-system service account, since third-party operators run there too (autoscalers, GPU and training operators),
   * and one that builds pods from objects its users write could carry a grant copied from another user's workload.
   * Such a controller takes a grant only for an object owned by a built-in workload (its `ownerReferences`
   * controller), made on that kind or on the kind its template is copied from (a Deployment's grant for its
   * ReplicaSet's pods: `builtInGrantServes`). A controller the Cluster document trusts (`spec.trustedControllers`) takes a grant only when it was made on a
   * workload of the kind that owns the object it creates (a PyTorchJob's grant for the PyTorchJob's pods). Either
   * takes, on UPDATE, the grant the object already carried. An operator may also read kinds this webhook does not see,
   * whose templates could carry a grant copied from another workload of the namespace, and such a grant never matches
   * their kind. Any other creator passes the role on its own rights.
   */
  function passerOf(cluster: KubeCluster, req: AdmissionRequest, annotations: Readonly<Record<string, string>>, roleRef: string, old?: Readonly<Record<string, string>>): Passer | { error: string } {
    const username = req.userInfo.username;
    const system = isController(username);
    const trusted = isTrustedController(cluster, username);
    let refused: string | undefined;
    const given = annotations[GRANT_ANNOTATION];
    const g = given === undefined ? undefined : openGrant(cluster, given);
    const granted = g !== undefined && g.ns === req.namespace && grantNames(cluster, g.r, roleRef);
    if (system || trusted) {
      if (g && granted) {
        const owner = controllerOwner(req.object);
        const kept = req.operation === 'UPDATE' && old !== undefined && old[GRANT_ANNOTATION] === given;
        if (kept || g.k === owner || (system && builtInGrantServes(g.k, owner))) {
          return { arn: g.p, via: `the template's grant (${g.p})`, fromGrant: true, ...(g.s !== undefined ? { session: fromGrant(cluster, 'session', g.s) } : {}), ...(g.u !== undefined ? { user: fromGrant(cluster, 'user', g.u) } : {}) };
        }
        refused = `its grant was made on a ${g.k.replace(/^\//, '')}, not on ${owner === undefined ? 'the object that owns it (it has no controller ownerReference)' : `its owner's kind ${owner.replace(/^\//, '')}`}`;
      } else if (given !== undefined && g === undefined) {
        // Signed under an earlier webhook token, under the grant key before review qc, 1, or not by Gatehouse.
        refused = `its grant does not verify (signed under an earlier webhook token of cluster ${cluster.name}, by a Gatehouse older than this one, or not by Gatehouse: apply the workload again)`;
      } else if (trusted) {
        refused = `it carries no grant of cluster ${cluster.name} for role ${roleRef} in namespace ${req.namespace} (the workload it comes from was not admitted by Gatehouse's webhook with that role: is its kind among the webhook's rules?)`;
      }
    }
    // The IAM principal is only ever the one Gatehouse's TokenReview sealed into `extra` (checked by `passerIdentity`
    // against `extra.arn`): no longer an access entry whose username is the user's, which `kubectl --as` names freely.
    const extra = req.userInfo.extra;
    const arn = extra['arn']?.[0];
    if (arn === undefined) {
      if (refused !== undefined) {
        return { error: `${ROLE_CHECK_FAILED}: Kubernetes user \`${username}\` is a controller cluster ${cluster.name} trusts, but ${refused}, so it cannot pass role ${roleRef}` };
      }
      // A controller not trusted, carrying a workload's grant (an operator in kube-system or elsewhere): say how to trust it.
      const untrusted = granted && !system && !trusted ? `; a controller making pods from a workload's template runs them on the workload's grant only once the Cluster document lists it in \`spec.trustedControllers\`` : '';
      return { error: `${unsealedPasser(cluster, `Kubernetes user \`${username}\` maps to no IAM principal: it`, roleRef, false)}${untrusted}` };
    }
    const session = extra[SESSION_EXTRA]?.[0];
    const user = session === undefined ? extra[USER_EXTRA]?.[0] : undefined;
    const isSession = extra['sessionName'] !== undefined || extra['tokenIssueTime'] !== undefined;
    return { arn, via: arn, ...(session !== undefined ? { session } : {}), ...(user !== undefined ? { user } : {}), ...(isSession ? { isSession } : {}) };
  }

  /**
   * The IAM principals the user of an admission request is, with their policies, for their denies alone
   * (`serviceAccountRefusal`): the one Gatehouse's TokenReview named (`extra.arn`, as the session it carries when it
   * carries one), and the one whose access entry renders the username (`kubectl --as`, as `accessReview` takes it since
   * review ia, 6). Read only for Deny statements, a claimed `extra.arn` (`--as-user-extra`) adds denies and removes none.
   * A controller, or another authenticator's user, is none. `unreadable`: a principal of this directory the user is (named
   * by Gatehouse's TokenReview, or rendered by an access entry) whose policies cannot be read (disabled, deleted).
   */
  async function admissionPrincipals(cluster: KubeCluster, user: AdmissionRequest['userInfo']): Promise<AdmissionPrincipals> {
    const extra = camelExtra(user.extra);
    const out: AdmissionPrincipals['who'][number][] = [];
    let unreadable: { readonly arn: string; readonly why: string } | undefined;
    const arn = extra?.['arn']?.[0];
    if (arn !== undefined) {
      const sealed = extra?.[SESSION_EXTRA]?.[0];
      const session = sealed !== undefined ? await sessionProblem(cluster, arn, sealed) : undefined;
      // A session this server sealed that no longer authenticates (revoked, expired, its role or user gone) is refused
      // as its SubjectAccessReviews are (review R, R1): read as its role, its session policies' Deny statements were
      // lost (review ix, 6).
      const lapsed = session?.claims !== undefined && session.problem !== undefined ? session.problem : undefined;
      const who = lapsed !== undefined ? undefined : (session?.as ?? (await principalOf(arn)));
      if (lapsed !== undefined) unreadable = { arn, why: `the IAM principal \`${arn}\` of this Kubernetes user ${lapsed}` };
      // A session without its sealed facts counts as issued at the earliest, never at a claimed `extra.tokenIssueTime`
      // (review kg, 2). With the keys of its request that Gatehouse sealed (`aws:RequestedRegion`, `acs:AccessId`), as its
      // SubjectAccessReviews are decided (reviews kc, 1 and 4).
      else if (who !== undefined) out.push({ principal: who.principal, policies: who.policies, context: requestFacts(cluster, arn, extra, session?.claims !== undefined ? session : undefined, true) });
      else {
        // Named by Gatehouse's own TokenReview (its sealed facts for this cluster): a principal of this directory whose
        // Deny statements cannot be read now (disabled, deleted), not another authenticator's user (review ix, 2).
        const userSealed = extra?.[USER_EXTRA]?.[0];
        const ours = session?.claims !== undefined || (userSealed !== undefined && openUser(cluster, userSealed)?.arn === arn);
        if (ours) unreadable = { arn, why: await unresolved(arn) };
      }
    }
    // Every principal whose entry renders the username (review mn, 2).
    for (const rendered of renderedPrincipals(cluster, user.username)) {
      if (rendered === arn) continue;
      const renderedWho = await principalOf(rendered);
      if (renderedWho !== undefined) out.push(renderedWho);
      else unreadable ??= { arn: rendered, why: await unresolved(rendered) };
    }
    return { who: out, ...(unreadable !== undefined ? { unreadable } : {}) };
  }

  /**
   * A pod runs with its service account's token and rights, so creating one acts as the account, as impersonating it
   * does (Kubernetes' RBAC good practices; GKE asks `iam.serviceAccounts.actAs`; Gatehouse's PassRole for roles). The
   * SubjectAccessReview of `create pods` does not name the account: only admission sees it. Why the pod spec `spec`
   * (`what`: the pod, or a workload's template) is refused: a principal of the requesting user is explicitly denied
   * `kubernetes:impersonate` on the service account it runs as, or undefined. Only an explicit Deny refuses; RBAC's
   * `create pods` stays the grant (docs/decisions.md, review ij, 1). `principals` is read once per request.
   */
  async function serviceAccountRefusal(cluster: KubeCluster, req: AdmissionRequest, principals: () => Promise<AdmissionPrincipals>, what: string, spec: unknown): Promise<string | undefined> {
    const s = spec !== null && typeof spec === 'object' && !Array.isArray(spec) ? (spec as Record<string, unknown>) : {};
    // `serviceAccountName`, else the deprecated `serviceAccount` (kube-apiserver's v1 conversion reads it so), else `default`.
    const named = typeof s['serviceAccountName'] === 'string' && s['serviceAccountName'] !== '' ? s['serviceAccountName'] : typeof s['serviceAccount'] === 'string' && s['serviceAccount'] !== '' ? s['serviceAccount'] : 'default';
    const asAccount = await accountRefusal(cluster, req, principals, named, `${what} runs as service account ${req.namespace}/${named}, and a pod acts as the service account it runs as (as impersonating it does)`, false);
    if (asAccount !== undefined) return asAccount.message;
    // The Secrets the spec hands its containers are read by whoever writes it, through the pod's logs or an exec: each is
    // `kubernetes:get` of it (Kubernetes' RBAC good practices, "Workload creation"; review ou, 5). The principals'
    // unreadable policies were refused above (every pod runs as some account).
    const { who: all } = await principals();
    if (all.length === 0) return undefined;
    const action = kubernetesAction('get');
    for (const { name, where } of podSecrets(s)) {
      const resource = kubernetesResource(cluster.arn, { resourceRequest: true, namespace: req.namespace, resource: 'secrets', name });
      const denied = explicitlyDenied(all, action, resource);
      if (denied !== undefined) return `${what} reads secret ${req.namespace}/${name} (${where}), and a pod hands its containers the Secrets it names: ${denied.message}`;
    }
    return undefined;
  }

  /**
   * The first of `all` explicitly denied `action` on `resource`, with the AWS-worded deny and the statement that decided;
   * undefined when none is. The resource spelt in the other dialect too (`acs:pai::A:cluster/…` for
   * `arn:aws:training::A:cluster/…`), as the webhook decides `kubectl --as` it (review is, 7): only a Deny naming the
   * action and the resource counts there (`namesItsTarget`), one exempting it by `NotResource` in the cluster's spelling
   * does not refuse (review jh, 5).
   */
  function explicitlyDenied(all: AdmissionPrincipals['who'], action: string, resource: string): { message: string; principal: Principal } | undefined {
    const other = otherTrainingArn(resource);
    for (const who of all) {
      const asked = (r: string) => evaluate({ principal: who.principal, action, resource: r, context: contextOf(who.context ?? {}), time: deps.now() }, who.policies);
      let d = asked(resource);
      if (d.decision !== 'ExplicitDeny' && other !== undefined) {
        const x = asked(other);
        if (x.decision === 'ExplicitDeny' && namesItsTarget(x.matched, who.policies)) d = x;
      }
      if (d.decision !== 'ExplicitDeny') continue;
      const st = d.matched.find((m) => m.effect === 'Deny');
      const by = st === undefined ? '' : ` (statement ${st.sid ?? `#${st.index + 1}`} of ${st.type === 'identity' ? '' : `${st.type} `}policy ${st.policy})`;
      return { message: `${accessDeniedMessage(who.principal.arn, action, resource, d)}${by}`, principal: who.principal };
    }
    return undefined;
  }

  /**
   * Why acting as service account `account` of the request's namespace (`said`: how) is refused to its user, or
   * undefined (`serviceAccountRefusal`): the message, and the decision that refused (the principal explicitly denied
   * `kubernetes:impersonate` on the account), for the audit record of a refusal that is no pod's (`admitTokenSecret`).
   * `minted`: a token of the account is made, which acts as its username and groups too, as `kubectl --as` the account
   * does (`impersonatingAccount`, reviews ua, 2 and 4); a pod is decided on the account alone (review ij, 1), or a Deny of
   * impersonating users or groups (`…/users/*`, `…/groups/*`) refused every pod, each running as some account.
   */
  async function accountRefusal(cluster: KubeCluster, req: AdmissionRequest, principals: () => Promise<AdmissionPrincipals>, account: string, said: string, minted: boolean): Promise<{ message: string; decided?: Decided } | undefined> {
    const action = kubernetesAction('impersonate');
    const resource = kubernetesResource(cluster.arn, { resourceRequest: true, namespace: req.namespace, resource: 'serviceaccounts', name: account });
    const { who: all, unreadable } = await principals();
    // Its Deny statements unread, none is known not to apply: refused, as its SubjectAccessReviews get nothing from
    // Gatehouse's RBAC (`accessReview`; review ix, 2). kube-apiserver keeps a disabled user authenticated for its
    // TokenReview cache's lifetime, and the cluster's own RBAC may let it create pods meanwhile.
    if (unreadable !== undefined) {
      const p = principalFromArn(unreadable.arn);
      const message = `${said}: ${unreadable.why}; its Deny statements cannot be read, so it may not act as the account`;
      return { message, ...(p.ok ? { decided: { principal: p.value, action, resource, decision: 'ImplicitDeny' as const } } : {}) };
    }
    for (const r of minted ? impersonatingAccount(cluster, req.namespace, account).map((v) => v.resource) : [resource]) {
      const denied = explicitlyDenied(all, action, r);
      if (denied !== undefined) return { message: `${said}: ${denied.message}`, decided: { principal: denied.principal, action, resource: r } };
    }
    return undefined;
  }

  /**
   * A Secret of type `kubernetes.io/service-account-token` naming a service account (`kubernetes.io/service-account.name`)
   * is filled by kube-controller-manager's token controller with a long-lived token of the account: creating one, or
   * making one name another account, acts as it, as a token request does (review ia, 1), and is refused where
   * impersonating the account is explicitly denied (review ij, 5). Other Secrets are not looked at.
   */
  async function admitTokenSecret(cluster: KubeCluster, req: AdmissionRequest): Promise<AdmissionVerdict> {
    const accountOf = (o: Record<string, unknown> | undefined): string | undefined =>
      o?.['type'] === SERVICE_ACCOUNT_TOKEN ? annotationsOf(o['metadata'])['kubernetes.io/service-account.name'] : undefined;
    const account = accountOf(req.object);
    if (account === undefined || account === '' || (req.operation === 'UPDATE' && accountOf(req.oldObject) === account)) return { allowed: true };
    const name = req.name || String((req.object?.['metadata'] as Record<string, unknown> | undefined)?.['name'] ?? '');
    const refused = await accountRefusal(cluster, req, principalsOnce(cluster, req), account, `secret ${req.namespace}/${name} is a token of service account ${req.namespace}/${account} (type ${SERVICE_ACCOUNT_TOKEN}), which kube-controller-manager fills with a token acting as it`, true);
    return refused === undefined ? { allowed: true } : { allowed: false, code: 403, message: refused.message, ...(refused.decided !== undefined ? { decided: refused.decided } : {}) };
  }

  /** `admissionPrincipals` of the request, read on first need and once. */
  function principalsOnce(cluster: KubeCluster, req: AdmissionRequest): () => Promise<AdmissionPrincipals> {
    let p: Promise<AdmissionPrincipals> | undefined;
    return () => (p ??= admissionPrincipals(cluster, req.userInfo));
  }

  async function admitPod(cluster: KubeCluster, req: AdmissionRequest): Promise<AdmissionVerdict> {
    const pod = req.object;
    if (!pod) return { allowed: true };
    const podMeta = (pod['metadata'] ?? {}) as Record<string, unknown>;
    const podName = req.name || (typeof podMeta['name'] === 'string' && podMeta['name'] !== '' ? podMeta['name'] : `${typeof podMeta['generateName'] === 'string' ? podMeta['generateName'] : ''}*`);
    const asAccount = await serviceAccountRefusal(cluster, req, principalsOnce(cluster, req), `pod ${req.namespace}/${podName}`, pod['spec']);
    if (asAccount !== undefined) return refuse(asAccount);
    const annotations = annotationsOf(pod['metadata']);
    const named = roleAnnotation(annotations);
    if (!named) return { allowed: true };
    if ('error' in named) return refuse(`${ROLE_CHECK_FAILED}: ${named.error}`, 400);
    const malformed = notARole(cluster, named);
    if (malformed !== undefined) return refuse(malformed, 400);
    const passer = passerOf(cluster, req, annotations, named.role);
    if ('error' in passer) return refuse(passer.error);
    // The pod's job's id is drawn first: the role's trust is decided for the job's ARN (`aws:SourceArn`).
    const podJobId = uniqueId('', deps.randomBytes(16), 12).toLowerCase();
    const pass = await checkPass(cluster, passer, named.role, podJobId);
    if (!pass.ok) return refuse(pass.errors[0]?.message ?? ROLE_CHECK_FAILED);
    const meta = (pod['metadata'] ?? {}) as Record<string, unknown>;
    const given = typeof meta['name'] === 'string' && meta['name'] !== '' ? meta['name'] : req.name;
    const generateName = typeof meta['generateName'] === 'string' ? meta['generateName'] : undefined;
    // A pod made from `generateName` is named here, as kube-apiserver would name it (it keeps a name it is given), so
    // that its job is bound to its exact name: only the deletion of that pod ends the job (review I, R1).
    const name = given === '' && generateName ? generatedName(generateName, deps.randomBytes(5)) : given;
    const spec = (pod['spec'] ?? {}) as Record<string, unknown>;
    let jobId = 'dry-run';
    let env: Record<string, string>;
    if (req.dryRun) {
      // A dry run has no side effects (`sideEffects: NoneOnDryRun`): the patch shows what would be set.
      env = { GATEHOUSE_JOB_ID: jobId };
    } else {
      const closed = deps.audit?.gate('pods are not admitted with a role');
      if (closed && !closed.ok) return refuse(closed.errors[0]?.message ?? 'the audit log cannot be written', 503);
      const made = await createPodJob(cluster, { id: podJobId, passerArn: passer.arn, passerName: pass.value.passerName, ...(pass.value.passerId !== undefined ? { passerId: pass.value.passerId } : {}), roleArn: pass.value.roleArn, namespace: req.namespace, name, ...(generateName !== undefined ? { generateName } : {}) });
      // Past the account's quota of live jobs the pod is refused, as a ResourceQuota refuses one (403 Forbidden); so is
      // a pod of a cluster deleted since the webhook found it.
      if (!made.ok) return refuse(made.errors[0]?.message ?? 'the account has as many live jobs as it may have');
      const created = made.value;
      jobId = created.job.id;
      env = await options.podEnvironment(created.job, created.capability);
    }
    const patch: JsonPatchOp[] = [...(name !== given ? [{ op: 'add' as const, path: '/metadata/name', value: name }] : []), ...annotationPatch(pod, '', JOB_ANNOTATION, jobId), ...envPatch(spec, '/spec', env)];
    return { allowed: true, patch, auditAnnotations: { role: pass.value.roleArn, 'passed-by': passer.arn, job: jobId } };
  }

  /**
   * The running pod job of the pod `namespace/name`, among the jobs its annotations or its containers' environment
   * name (`GATEHOUSE_JOB_ID`, which a pod UPDATE cannot change). Only the job made for this exact pod counts: an
   * annotation can be copied onto any pod. Jobs recorded before pods were named by the webhook know only the
   * `generateName` prefix, and match any pod name with it.
   */
  async function podJobOf(cluster: KubeCluster, namespace: string, name: string, ids: readonly (string | undefined)[]): Promise<Job | undefined> {
    const candidates = [...new Set(ids.filter((id): id is string => id !== undefined && /^[a-z0-9]{1,32}$/.test(id)))].slice(0, 8);
    if (candidates.length === 0) return undefined;
    const jobs = await deps.store.read(async (tx) => Promise.all(candidates.map(async (id) => tx.kv.get(`job/${id}`))));
    for (const v of jobs) {
      // One that cannot be read is no pod's job (review pv, 2): parsed unguarded, the webhook answered 500 for the pod.
      const job = v === undefined ? undefined : jobDocOf(v);
      const p = job?.pod;
      if (!job || !p || job.account !== cluster.account || job.cluster !== cluster.name || p.namespace !== namespace) continue;
      if (podNamedBy(p, name)) return job;
    }
    return undefined;
  }

  const podName = (req: AdmissionRequest, pod: Record<string, unknown> | undefined): string => {
    const n = (pod?.['metadata'] as Record<string, unknown> | undefined)?.['name'];
    return req.name !== '' ? req.name : typeof n === 'string' ? n : '';
  };

  /**
   * A pod goes away: its job ends, and with it every session issued to the pod. Not on a DELETE that only starts the
   * pod's graceful termination: its containers run on until they stop (a checkpoint written on SIGTERM), and the
   * kubelet's DELETE of grace 0 then ends the job (review ce, 4).
   */
  async function podDeleted(cluster: KubeCluster, req: AdmissionRequest): Promise<AdmissionVerdict> {
    const old = req.oldObject;
    if (!old || req.dryRun || !podDeletionIsFinal(old, req.gracePeriodSeconds)) return { allowed: true };
    const name = podName(req, old);
    // The containers' GATEHOUSE_JOB_ID too, as `podUpdated` reads it: the annotation can be removed or changed by an UPDATE,
    // and the pod's job then outlived the pod, its capability still served (review vn, 2). `podJobOf` takes only the job
    // made for this very pod.
    const job = await podJobOf(cluster, req.namespace, name, [annotationsOf(old['metadata'])[JOB_ANNOTATION], ...podEnvValues(old, 'GATEHOUSE_JOB_ID')]);
    if (!job) return { allowed: true };
    await app.jobs.endPod(job.id, `pod ${req.namespace}/${name} deleted`);
    return { allowed: true, auditAnnotations: { job: job.id } };
  }

  /**
   * A pod changes. Its role does not (annotations count only at creation); but changing the containers of a pod that
   * runs as a role (a pod's images are mutable) runs new code with the role: the user who does it must be allowed to
   * pass the role, as for creating the pod, and is recorded as its passer (review I, S2).
   */
  async function podUpdated(cluster: KubeCluster, req: AdmissionRequest): Promise<AdmissionVerdict> {
    const now = roleAnnotation(annotationsOf(req.object?.['metadata']));
    const was = roleAnnotation(annotationsOf(req.oldObject?.['metadata']));
    const warned: AdmissionVerdict =
      JSON.stringify(now) !== JSON.stringify(was) ? { allowed: true, warnings: ['gatehouse: a pod’s role annotation counts only when the pod is created; this update does not change the pod’s role or credentials'] } : { allowed: true };
    if (!containersChanged(req.oldObject, req.object)) return warned;
    // A refusal keeps the warning: kube-apiserver relays a webhook's warnings on a refusal too, and the user should not
    // think that naming another role in the annotation would get the change through (review lf, 5).
    const refused = (message: string, role?: string): AdmissionVerdict => ({ ...refuse(message, 403, role), ...(warned.warnings !== undefined ? { warnings: warned.warnings } : {}) });
    // New code run as the pod's service account (which a pod cannot change) is acting as it, as creating the pod is.
    const asAccount = await serviceAccountRefusal(cluster, req, principalsOnce(cluster, req), `pod ${req.namespace}/${podName(req, req.oldObject)}`, req.object?.['spec']);
    if (asAccount !== undefined) return refused(`${asAccount} (changing its containers)`);
    const old = annotationsOf(req.oldObject?.['metadata']);
    const ids = [old[JOB_ANNOTATION], annotationsOf(req.object?.['metadata'])[JOB_ANNOTATION], ...podEnvValues(req.oldObject, 'GATEHOUSE_JOB_ID')];
    const job = await podJobOf(cluster, req.namespace, podName(req, req.oldObject), ids);
    if (!job || job.state !== 'Running' || job.role.arn === undefined) return warned;
    const roleArn = job.role.arn;
    const passer = passerOf(cluster, req, old, roleArn);
    // Refused, the record names the role the pod runs as, not what its annotation says now (an UPDATE may change it).
    if ('error' in passer) return refused(passer.error, roleArn);
    const pass = await checkPass(cluster, passer, roleArn, job.id);
    if (!pass.ok) return refused(`${pass.errors[0]?.message ?? ROLE_CHECK_FAILED} (changing the containers of pod ${req.namespace}/${podName(req, req.oldObject)}, which runs as ${roleArn})`, roleArn);
    return { ...warned, auditAnnotations: { role: pass.value.roleArn, 'passed-by': passer.arn, job: job.id } };
  }

  /**
   * A workload naming a role in a pod template: whoever creates it, or changes a template naming a role, must be
   * allowed to pass the role, and that template gets the grant its controller's pods (or Jobs, or RayClusters) are
   * admitted with, naming the workload's kind. Each template is checked on its own (a PyTorchJob's Master and
   * Worker, a RayCluster's head and worker groups may name different roles); a grant left in a template that names no
   * role is removed.
   */
  async function admitWorkload(cluster: KubeCluster, req: AdmissionRequest, templates: readonly { template: Record<string, unknown>; path: string }[]): Promise<AdmissionVerdict> {
    const patch: JsonPatchOp[] = [];
    const before = req.operation === 'UPDATE' ? new Map(podTemplates(req.kind, req.oldObject).map((t) => [t.path, t.template])) : new Map<string, Record<string, unknown>>();
    let auditAnnotations: Record<string, string> | undefined;
    const principals = principalsOnce(cluster, req);
    const workloadName = req.name || (typeof req.object?.['metadata'] === 'object' && typeof (req.object['metadata'] as Record<string, unknown>)['name'] === 'string' ? String((req.object['metadata'] as Record<string, unknown>)['name']) : '*');
    for (const at of templates) {
      // A new or changed template runs new pods as its service account, made by the workload's controller for the
      // workload's author: refused as the pod would be (`serviceAccountRefusal`). One left as it was (scaling) is not.
      const prior = before.get(at.path);
      if (prior === undefined || templateChanged(prior, at.template)) {
        const asAccount = await serviceAccountRefusal(cluster, req, principals, `${req.kind.kind} ${req.namespace}/${workloadName}'s pod template (${at.path})`, at.template['spec']);
        if (asAccount !== undefined) return refuse(asAccount);
      }
      const annotations = annotationsOf(at.template['metadata']);
      const named = roleAnnotation(annotations);
      if (!named) {
        // A grant means something only next to a role: one left behind is removed (not from a built-in controller's
        // object, whose template must stay the copy it made: see below).
        if (!isController(req.userInfo.username)) patch.push(...removeAnnotationPatch(at.template, at.path, GRANT_ANNOTATION));
        continue;
      }
      if ('error' in named) return refuse(`${ROLE_CHECK_FAILED}: ${named.error}`, 400);
      const malformed = notARole(cluster, named);
      if (malformed !== undefined) return refuse(malformed, 400);
      const was = before.get(at.path);
      const old = was ? annotationsOf(was['metadata']) : undefined;
      if (was && old && !templateChanged(was, at.template) && old[GRANT_ANNOTATION] === annotations[GRANT_ANNOTATION]) {
        // Scaling, relabelling the workload or a controller's status write leaves the pod template as it was: nothing
        // to check. Any change to the template (image, command, env, volumes…) is new code run with the role, and is
        // checked for whoever makes it, who then becomes the grant's passer (review I, S2).
        const g = openGrant(cluster, annotations[GRANT_ANNOTATION]);
        if (g && g.ns === req.namespace) continue;
        // A grant that no longer verifies (the webhook token rotated, grants keyed anew: review qc, 1), or none (a
        // template made before the webhook was installed), with the template as it was: an IAM user's update gets it
        // signed again for that user (what "apply the workload again" does); an updater with no IAM identity (the
        // deployment-controller scaling an old ReplicaSet down, an operator's write) runs nothing new, and each pod is
        // still admitted on its own grant. It was checked as a new template and refused, so a rollout never scaled the
        // old ReplicaSet down, nor `kubectl scale` a Deployment (review qc, 2).
        if (req.userInfo.extra['arn']?.[0] === undefined) continue;
      }
      const passer = passerOf(cluster, req, annotations, named.role, old);
      if ('error' in passer) return refuse(passer.error, 403, await refusedRole(cluster, named.role));
      const pass = await checkPass(cluster, passer, named.role);
      if (!pass.ok) return refuse(pass.errors[0]?.message ?? ROLE_CHECK_FAILED, 403, await refusedRole(cluster, named.role));
      // A built-in controller's object on its template's grant (the deployment-controller's ReplicaSet, the
      // cronjob-controller's Job) is left as it was made: that grant already serves it and its pods
      // (`builtInGrantServes`), and the deployment-controller finds its ReplicaSet again by comparing the two templates,
      // so one changed here is made again, without end (kubernetes/kubernetes#57167; review cz, 2).
      if (passer.fromGrant && isController(req.userInfo.username)) {
        auditAnnotations ??= { role: pass.value.roleArn, 'passed-by': passer.arn };
        continue;
      }
      const kind = `${req.kind.group}/${req.kind.kind}`;
      // A plain user's sealed identity goes with it, for the key and region of its pods' PassRole (review kg, 1); the
      // session's or user's facts sealed for grants, never as `extra` takes them (review sk, 1).
      const sealedFacts = passer.session !== undefined ? toGrant(cluster, 'session', passer.session) : passer.user !== undefined ? toGrant(cluster, 'user', passer.user) : undefined;
      const grant = signGrant(cluster, { p: passer.arn, r: pass.value.roleArn, ns: req.namespace, ...(sealedFacts !== undefined ? (passer.session !== undefined ? { s: sealedFacts } : { u: sealedFacts }) : {}), k: kind });
      // Recorded whenever the check was made (a new template with the same grant too: its author changed it).
      auditAnnotations ??= { role: pass.value.roleArn, 'passed-by': passer.arn };
      if (grant !== undefined && annotations[GRANT_ANNOTATION] !== grant) patch.push(...annotationPatch(at.template, at.path, GRANT_ANNOTATION, grant));
    }
    return { allowed: true, ...(patch.length > 0 ? { patch } : {}), ...(auditAnnotations !== undefined ? { auditAnnotations } : {}) };
  }

  /**
   * Admission of pods and workloads. A pod naming a role at creation runs as it (annotations added or
   * changed later have no effect: an UPDATE is allowed unchanged, with a warning when it touches them, and
   * checked when it changes the containers of a pod that runs as a role); its deletion ends its job. A
   * workload whose pod template names a role is checked when created or when its template changes, and its
   * template gets the grant its controller's pods are admitted with.
   */
  async function admit(cluster: KubeCluster, req: AdmissionRequest): Promise<AdmissionVerdict> {
    const v = await admitUnrecorded(cluster, req);
    // A refusal that is no pod's or workload's (a token Secret, `admitTokenSecret`) is the decision that refused it, as
    // `kubectl --as` is recorded (`kubernetes:impersonate` on the account): as `training:AdmitWorkload` on the Secret it
    // named an action no one did, and `audit query --action kubernetes:impersonate` missed it (review ip, 1).
    if (!v.allowed && v.decided !== undefined) {
      const d = v.decided;
      // Named `object`, not `secret`: a value under a key naming a secret is redacted (src/core/audit/redact.ts).
      const name = req.name || String((req.object?.['metadata'] as Record<string, unknown> | undefined)?.['name'] ?? '');
      const roleArn = d.principal.kind === 'role-session' ? d.principal.roleArn : undefined;
      // The job, source identity and key of who asked too, as Gatehouse's TokenReview sealed them (review pk, 5).
      const acting = actingSession(cluster, req.userInfo.extra, d.principal.arn);
      const event: AuditEvent = {
        kind: 'decision',
        account: cluster.account,
        principal: d.principal.arn,
        ...(roleArn !== undefined ? { role: roleArn, session: d.principal.arn } : {}),
        ...(acting.job !== undefined ? { job: acting.job } : {}),
        ...(acting.sourceIdentity !== undefined ? { sourceIdentity: acting.sourceIdentity } : {}),
        ...(acting.accessKeyId !== undefined ? { accessKeyId: acting.accessKeyId } : {}),
        action: d.action,
        resource: d.resource,
        decision: d.decision ?? 'ExplicitDeny',
        detail: { cluster: cluster.name, operation: req.operation, user: req.userInfo.username, object: { kind: req.kind.kind, namespace: req.namespace, name }, reason: v.message, ...(req.dryRun ? { dryRun: true } : {}) },
      };
      // Decided on the policies of a principal of another account that Gatehouse's TokenReview sealed: in its account
      // too, without the cluster's explanation, as its SubjectAccessReviews are (review sy, 4); it was in the cluster's
      // account alone (review to, 4). A principal only `extra.arn` or an entry's rendering names stays in the cluster's.
      const [own, copy] = inPrincipalsAccount(cluster, event, acting.account);
      deps.audit?.decision(own as AuditEvent & { readonly decision: string }, copy);
      return v;
    }
    // Pods and workloads that name a role are recorded, admitted or refused, like job submissions.
    const meta = (req.object?.['metadata'] ?? {}) as Record<string, unknown>;
    const given = annotatedRole(req);
    const named = v.allowed ? v.auditAnnotations?.['role'] : (v.role ?? (given !== undefined ? await refusedRole(cluster, given) : undefined));
    if (named !== undefined || !v.allowed) {
      const name = req.name || (typeof meta['name'] === 'string' ? meta['name'] : `${typeof meta['generateName'] === 'string' ? meta['generateName'] : ''}*`);
      const resource = `${cluster.arn}/namespaces/${req.namespace}/${req.kind.group ? `${req.kind.kind.toLowerCase()}s.${req.kind.group}` : `${req.kind.kind.toLowerCase()}s`}/${name}`;
      const passedBy = v.allowed ? v.auditAnnotations?.['passed-by'] : undefined;
      const job = v.allowed ? v.auditAnnotations?.['job'] : undefined;
      // An impersonated user an access entry renders: the IAM principal it maps to, the username in `detail.user` (review kg, 3).
      const principal = passedBy ?? req.userInfo.extra['arn']?.[0] ?? renderedPrincipal(cluster, req.userInfo.username) ?? req.userInfo.username;
      // The session that acted, as a job submission's record names its submitter's (`actorOf`) and a SubjectAccessReview's
      // its session: a refused pod named the passer's ARN alone, so `audit query --job` (the acting job) or `--role` (the
      // acting role) missed the attempt, and the key and source identity said nowhere (review pk, 4).
      const acting = actingSession(cluster, req.userInfo.extra, principal);
      const actingRole = acting.role;
      const event: AuditEvent = {
        kind: 'job',
        account: cluster.account,
        principal,
        ...(actingRole !== undefined ? { session: principal } : {}),
        action: req.kind.kind === 'Pod' ? 'training:AdmitPod' : 'training:AdmitWorkload',
        resource,
        decision: v.allowed ? 'Allow' : 'Deny',
        ...(named !== undefined ? aboutRole(actingRole, named) : actingRole !== undefined ? { role: actingRole } : {}),
        // Admitted, the pod's own job; refused (no job made), the job of the session that asked, as a refused submission's.
        ...(job !== undefined && job !== 'dry-run' ? { job } : !v.allowed && acting.job !== undefined ? { job: acting.job } : {}),
        ...(acting.sourceIdentity !== undefined ? { sourceIdentity: acting.sourceIdentity } : {}),
        ...(acting.accessKeyId !== undefined ? { accessKeyId: acting.accessKeyId } : {}),
        // The annotation as the pod spells it, when that is not the ARN recorded as `role` (a short name, another case, a
        // path with `..`): what the author wrote, beside the role an auditor queries by.
        detail: { cluster: cluster.name, operation: req.operation, user: req.userInfo.username, ...(named !== undefined && given !== undefined && given !== named ? { roleAnnotation: given } : {}), ...(v.allowed ? {} : { error: v.message }), ...(req.dryRun ? { dryRun: true } : {}) },
      };
      // A principal of another account passing a role (or refused one) in this cluster: its request, on its own
      // policies, so recorded in its account too, as its SubjectAccessReviews are (review sy, 4); it was in the
      // cluster's account alone, and the principal's account never saw its users' PassRole attempts there (review to, 1).
      // Only when Gatehouse's TokenReview sealed that principal (`actingSession`), never on `extra.arn` alone. The copy
      // holds what the principal did and its own identity (its session's role, job, key), none of the cluster account's
      // (the refusal's text, its role's ARN as stored, the pod's job).
      const [own, copy] = inPrincipalsAccount(cluster, event, acting.account);
      deps.audit?.record(own);
      if (copy !== undefined) {
        deps.audit?.record({
          kind: 'job',
          account: copy.account,
          principal,
          ...(actingRole !== undefined ? { session: principal, role: actingRole } : {}),
          action: event.action,
          resource,
          decision: v.allowed ? 'Allow' : 'Deny',
          ...(!v.allowed && acting.job !== undefined ? { job: acting.job } : {}),
          ...(acting.sourceIdentity !== undefined ? { sourceIdentity: acting.sourceIdentity } : {}),
          ...(acting.accessKeyId !== undefined ? { accessKeyId: acting.accessKeyId } : {}),
          detail: { ...copy.detail, ...(given !== undefined ? { roleAnnotation: given } : {}), ...(req.dryRun ? { dryRun: true } : {}) },
        });
      }
    }
    // A refusal names the role too, as an admission does: kube-apiserver records a webhook's auditAnnotations on a
    // refusal as well, so its audit log shows which role a refused pod tried to run as (review lf, 2).
    if (!v.allowed && named !== undefined) return { ...v, auditAnnotations: { ...v.auditAnnotations, role: named } };
    return v;
  }

  /**
   * Who acted in an admission request whose record names `principal`, as Gatehouse's TokenReview sealed it into `extra`
   * (never `extra` as sent, which `kubectl --as-user-extra` sets): a session's role, job, source identity and key, or a
   * plain user's key. Nothing when the sealed identity is not `principal`'s (a workload's grant names its author).
   */
  function actingSession(cluster: KubeCluster, extra: Readonly<Record<string, readonly string[]>>, principal: string): { role?: string; job?: string; sourceIdentity?: string; accessKeyId?: string; account?: string } {
    if (extra['arn']?.[0] !== principal) return {};
    const sealed = extra[SESSION_EXTRA]?.[0];
    if (sealed !== undefined) {
      const c = openSession(cluster, sealed)?.claims;
      if (c === undefined || sessionPrincipal(c, {}).arn !== principal) return {};
      return {
        ...(c.role ? { role: roleArnOf(c.part, c.acct, c.role.path, c.role.name) } : {}),
        ...jobFields(c),
        ...(c.ak !== '' ? { accessKeyId: c.ak } : {}),
        account: c.acct,
      };
    }
    const user = extra[USER_EXTRA]?.[0];
    const f = user !== undefined ? openUser(cluster, user) : undefined;
    if (f === undefined || f.arn !== principal) return {};
    const p = principalFromArn(f.arn);
    return { accessKeyId: f.ak, ...(p.ok ? { account: p.value.account } : {}) };
  }

  /** The role annotation of the pod, or of the workload's pod template, as written (trimmed); none when absent or in conflict. */
  function annotatedRole(req: AdmissionRequest): string | undefined {
    const templates = req.kind.group === '' && req.kind.kind === 'Pod' ? (req.object ? [req.object] : []) : podTemplates(req.kind, req.object).map((t) => t.template);
    for (const template of templates) {
      const named = roleAnnotation(annotationsOf(template['metadata']));
      if (named && !('error' in named)) return named.role;
    }
    return undefined;
  }

  /**
   * The role a refused pod or workload names (`roleRef`, its annotation), as the canonical ARN of the role of that name
   * in the cluster's account (its path and the case of its name as the directory has them), so that `audit query
   * --role` finds the attempt to run as it (review V, P4: only admitted ones carried their role; review ac, 2: a short
   * name, another case or a path spelt otherwise was recorded as written, and the query by the role's ARN missed it).
   * A role that does not exist there has no canonical ARN: the ARN as the annotation names it. A store that cannot be
   * read leaves it so too: the refusal is answered and recorded all the same.
   */
  async function refusedRole(cluster: KubeCluster, roleRef: string): Promise<string | undefined> {
    const parsed = roleRefOf(cluster, roleRef);
    if (!parsed) return undefined;
    const asGiven = roleArnOf(parsed.partition, parsed.account, parsed.path, parsed.name);
    if (parsed.account !== cluster.account) return asGiven;
    try {
      // Through the principal cache, as sessions' roles are resolved here: a run of refusals reads the store once.
      const r = await app.sts.readPrincipals((tx) => app.sts.cachedRole(tx, cluster.account, parsed.name));
      return r ? roleArnOf(cluster.partition, cluster.account, r.role.path, r.role.name) : asGiven;
    } catch {
      return asGiven;
    }
  }

  async function admitUnrecorded(cluster: KubeCluster, req: AdmissionRequest): Promise<AdmissionVerdict> {
    const isPod = req.kind.group === '' && req.kind.kind === 'Pod' && req.subResource === '';
    if (isPod && req.operation === 'CREATE') return admitPod(cluster, req);
    if (isPod && req.operation === 'DELETE') return podDeleted(cluster, req);
    if (isPod && req.operation === 'UPDATE') return podUpdated(cluster, req);
    // `kubectl debug`: a container added to a running pod (sharing its network, processes with `--target`, volumes) is
    // new code with the pod's role and service account, decided as changing its containers is (review ij, 4).
    if (req.kind.group === '' && req.kind.kind === 'Pod' && req.subResource === 'ephemeralcontainers' && req.operation === 'UPDATE') return podUpdated(cluster, req);
    if (req.kind.group === '' && req.kind.kind === 'Secret' && req.subResource === '' && (req.operation === 'CREATE' || req.operation === 'UPDATE')) return admitTokenSecret(cluster, req);
    const templates = podTemplates(req.kind, req.object);
    if (templates.length > 0 && (req.operation === 'CREATE' || req.operation === 'UPDATE') && req.subResource === '') return admitWorkload(cluster, req, templates);
    return { allowed: true };
  }

  /** The pod's job, stored live and provisional; LimitExceeded, and nothing stored, when the account has as many live jobs, or provisional pod jobs, as it may (src/app/jobs.ts `putProvisionalPodJob`), NoSuchEntity when the cluster is gone. */
  async function createPodJob(cluster: KubeCluster, input: { id: string; passerArn: string; passerName: string; passerId?: string; roleArn: string; namespace: string; name: string; generateName?: string }): Promise<Result<{ job: Job; capability: string }>> {
    const id = input.id;
    const capability = Buffer.from(deps.randomBytes(32)).toString('base64url');
    const podName = input.name !== '' ? input.name : `${input.generateName ?? ''}*`;
    const job: Job = {
      id,
      account: cluster.account,
      partition: cluster.partition,
      workspace: '',
      name: `${cluster.name}-pod-${input.namespace}-${podName}`.slice(0, 128),
      submitter: { arn: input.passerArn, name: input.passerName },
      role: { mode: 'custom', arn: input.roleArn },
      replicas: 1,
      state: 'Running',
      created: isoSeconds(deps.now()),
      started: isoSeconds(deps.now()),
      capabilityHash: createHash('sha256').update(capability).digest('hex'),
      kind: 'node',
      cluster: cluster.name,
      // Provisional until the pod's first credential request (src/app/jobs.ts `PROVISIONAL_BY_ACCOUNT`, review vw, 1): the
      // pod may yet be refused by kube-apiserver after this webhook.
      pod: { namespace: input.namespace, name: input.name, ...(input.generateName !== undefined ? { generateName: input.generateName } : {}), provisional: true },
    };
    return deps.store.write<Result<{ job: Job; capability: string }>>(async (tx, abort) => {
      // The cluster asked again in the job's own write: found only by the webhook's reads, a cluster pruned in between
      // (finding no live pod yet, review hb, 2) got the pod's job, stored live in a cluster that no longer existed, as
      // a node's start did (review nb, 2; review ng, 1).
      if ((await tx.kv.get(clusterKey(cluster.account, cluster.name))) === undefined) return failWith('NO_SUCH_ENTITY', `cluster ${cluster.name} does not exist in account ${cluster.account}`);
      // Live: in the index the job sweep reads (review ag, 7) and, until the pod asks for credentials, in the account's
      // provisional pod jobs, not among the live jobs its quota counts (src/app/jobs.ts `putProvisionalPodJob`; reviews
      // av, 1 and vw, 1), checked and written in this transaction; its end deletes them.
      const live = await putProvisionalPodJob(tx, job, app.jobs.maxLiveJobs);
      if (!live.ok) return abort(live);
      // Stored with the passing user's unique id (`submitterId`, as src/app/jobs.ts stores a job's submitter's).
      await tx.kv.put(`job/${id}`, JSON.stringify(input.passerId !== undefined ? { ...job, submitterId: input.passerId } : job));
      await tx.kv.put(`jobcap/${job.capabilityHash}`, id);
      // Listed with the account's jobs (src/app/jobs.ts `jobIndexKey`, review ar, 3).
      await tx.kv.put(jobIndexKey(job), jobIndexValue(job));
      await tx.kv.put(`jobevent/${id}/00000001`, JSON.stringify({ seq: 1, at: job.created, type: 'submitted', message: `pod ${input.namespace}/${podName} of cluster ${cluster.name} admitted to run as ${input.roleArn}, passed by ${input.passerArn}` }));
      return ok({ job, capability });
    });
  }

  // --- Access entries and the webhook token (admin API) ------------------------------------------------------

  // A record that cannot be read (left out of the clusters' state, review pi, 2) was parsed unguarded here too: every
  // call on it answered 500, naming nothing (review pi, 10). Now it is said: a cluster's as none (apply its document to
  // replace it); an access entry's can be deleted, and is shown as what it is.
  async function clusterOf(caller: Caller, name: string): Promise<Result<Cluster>> {
    const key = clusterKey(caller.account, name);
    const c = await deps.store.read(async (tx) => tx.kv.get(key));
    if (c === undefined) return failWith('NO_SUCH_ENTITY', `cluster ${name} does not exist in account ${caller.account}`);
    const cluster = readClusterRecord(c);
    return cluster === undefined ? failWith('NO_SUCH_ENTITY', `the stored record of cluster ${name} (\`${key}\`) cannot be read, so it is no cluster: apply its Cluster document again, which replaces it`) : ok(cluster);
  }

  /**
   * The message of an access entry not found under `principalArn`, naming the principal's entry when it is filed under
   * the other spelling of its ARN (with or without its path, `entryUnderAnotherSpelling`), which maps the principal all the
   * same (review sr, 5): `access-entry delete` of a role's ARN with its path said only "has no access entry", and the
   * entry made without the path went on mapping the role.
   */
  const noEntry = (principalArn: string, cluster: string, other: AccessEntry | undefined): string =>
    other === undefined
      ? `${principalArn} has no access entry in cluster ${cluster}`
      : `${principalArn} has no access entry in cluster ${cluster} under that ARN, but its principal has one, filed as ${other.principalArn} (its ARN with or without its path), which maps it: give that ARN`;

  /** The message of an access entry whose record cannot be read (`readClusterObject`). */
  const unreadableEntry = (key: string): string => `the stored access entry \`${key}\` cannot be read, so it maps its principal to nothing: delete it, or apply its AccessEntry document again, which replaces it`;
  const entryRecord = (text: string): AccessEntry | undefined => {
    const v = readClusterObject(text);
    return v !== undefined && !('document' in v) ? v : undefined;
  };

  /**
   * `action` on the cluster, decided on its ARN and, when the URL names it in another case (`asked`), on the ARN of that
   * spelling too: an explicit Deny written on either holds, as `PUT /v1/clusters/C` and apply decide (`namesDecided`,
   * review sm, 2; review sr, 1).
   */
  const allow = (caller: Caller, action: string, cluster: Cluster, asked: string, context: Record<string, string | string[]> = {}): Result<unknown> => {
    for (const n of namesDecided(asked, cluster.name)) {
      const a = authorizeAdmin(caller, deps.now(), action, clusterArn(caller.partition, caller.account, n), context);
      if (!a.ok) return a;
    }
    return ok(undefined);
  };

  /**
   * `told`: the action and the stored cluster's ARN, once the cluster is found, for the change's audit record (and, for
   * a delete, the entry's principal as stored): a name or ARN in another case is the stored one's (review sr, 2).
   */
  type Told = (action: string, resource: string, about?: Record<string, unknown>) => void;

  async function createAccessEntry(caller: Caller, clusterName: string, input: Record<string, unknown>, told?: Told): Promise<Result<AccessEntry>> {
    const c = await clusterOf(caller, clusterName);
    if (!c.ok) return c;
    told?.('training:CreateAccessEntry', clusterArn(caller.partition, caller.account, c.value.name));
    const spec = parseAccessEntrySpec(input, '');
    if (!spec.ok) return spec;
    // Decided with the entry's principal, groups and username (review N, N10), the principal by its own ARN, whatever
    // the spelling given: the entry maps it in any case, and without its path (review K, K1).
    const principal = await deps.store.read((tx) => entryPrincipalOf(tx, spec.value.principalArn));
    const a = allow(caller, 'training:CreateAccessEntry', c.value, clusterName, accessEntryContext({ ...spec.value, principalArn: principal?.arn ?? spec.value.principalArn }));
    if (!a.ok) return a;
    const key = accessEntryKey(caller.account, c.value.name, spec.value.principalArn);
    const t = isoSeconds(deps.now());
    return deps.store.write(async (tx) => {
      if ((await tx.kv.get(key)) !== undefined) return failWith<AccessEntry>('ENTITY_ALREADY_EXISTS', `${spec.value.principalArn} already has an access entry in cluster ${c.value.name}; delete it first, or change it with \`gatehouse apply\``);
      // In its account's own spelling, the one an entry is found by (review ko, 3).
      const dialect = await entryDialectProblem(tx, spec.value.principalArn);
      if (dialect !== undefined) return failWith<AccessEntry>('VALIDATION_ERROR', dialect, 'principalArn');
      // As EKS: only for a principal that exists, and tied to its unique id (review I, S7).
      const principalId = await entryPrincipalId(tx, spec.value.principalArn);
      if (principalId === undefined) return failWith<AccessEntry>('NO_SUCH_ENTITY', noPrincipal(spec.value.principalArn), 'principalArn');
      // One entry per principal (review gk, 3): not a second one under its ARN with or without its path.
      const other = await entryUnderAnotherSpelling(tx, caller.account, c.value.name, spec.value.principalArn);
      if (other !== undefined) return failWith<AccessEntry>('ENTITY_ALREADY_EXISTS', `${spec.value.principalArn} already has an access entry in cluster ${c.value.name} as ${other.principalArn} (its ARN with or without its path); a principal has one entry per cluster: change that entry with \`gatehouse apply\`, or delete it first`, 'principalArn');
      const entry: AccessEntry = { account: caller.account, cluster: c.value.name, name: entryName(spec.value.principalArn), ...spec.value, principalId, created: t, modified: t };
      await tx.kv.put(key, JSON.stringify(entry));
      return ok(entry);
    });
  }

  async function listEntries(caller: Caller, clusterName: string): Promise<Result<AccessEntry[]>> {
    const c = await clusterOf(caller, clusterName);
    if (!c.ok) return c;
    const a = allow(caller, 'training:ListAccessEntries', c.value, clusterName);
    if (!a.ok) return a;
    return ok((await deps.store.read((tx) => listAccessEntries(tx, caller.account, c.value.name))).map((e) => e.entry));
  }

  async function describeEntry(caller: Caller, clusterName: string, principalArn: string): Promise<Result<AccessEntry>> {
    const c = await clusterOf(caller, clusterName);
    if (!c.ok) return c;
    const a = allow(caller, 'training:DescribeAccessEntry', c.value, clusterName);
    if (!a.ok) return a;
    const key = accessEntryKey(caller.account, c.value.name, principalArn);
    const { v, other } = await deps.store.read(async (tx) => {
      const found = await tx.kv.get(key);
      return { v: found, other: found === undefined ? await entryUnderAnotherSpelling(tx, caller.account, c.value.name, principalArn) : undefined };
    });
    if (v === undefined) return failWith('NO_SUCH_ENTITY', noEntry(principalArn, c.value.name, other));
    const entry = entryRecord(v);
    return entry === undefined ? failWith('NO_SUCH_ENTITY', unreadableEntry(key)) : ok(entry);
  }

  async function deleteEntry(caller: Caller, clusterName: string, principalArn: string, told?: Told): Promise<Result<AccessEntry>> {
    const c = await clusterOf(caller, clusterName);
    if (!c.ok) return c;
    const key = accessEntryKey(caller.account, c.value.name, principalArn);
    const { stored, principal } = await deps.store.read(async (tx) => {
      const v = await tx.kv.get(key);
      const given = (v !== undefined ? entryRecord(v)?.principalArn : undefined) ?? principalArn;
      return { stored: v, principal: await entryPrincipalOf(tx, given) };
    });
    const entry = (stored !== undefined ? entryRecord(stored) : undefined) ?? { principalArn };
    told?.('training:DeleteAccessEntry', clusterArn(caller.partition, caller.account, c.value.name), { principalArn: entry.principalArn });
    const a = allow(caller, 'training:DeleteAccessEntry', c.value, clusterName, accessEntryContext({ ...entry, principalArn: principal?.arn ?? entry.principalArn }));
    if (!a.ok) return a;
    return deps.store.write(async (tx) => {
      const v = await tx.kv.get(key);
      if (v === undefined) return failWith<AccessEntry>('NO_SUCH_ENTITY', noEntry(principalArn, c.value.name, await entryUnderAnotherSpelling(tx, caller.account, c.value.name, principalArn)));
      await tx.kv.delete(key);
      return ok(entryRecord(v) ?? { account: caller.account, cluster: c.value.name, name: principalArn, principalArn, kubernetesGroups: [], created: '', modified: '' });
    });
  }

  /**
   * The bearer token kube-apiserver sends to this cluster's webhooks: made on first request (random, sealed
   * in the store), shown again on every request, replaced with `rotate` (grants on pod templates then need
   * the workloads applied again).
   */
  async function webhookConfig(caller: Caller, clusterName: string, rotate = false, told?: Told): Promise<Result<{ cluster: string; account: string; partition: Partition; token: string }>> {
    const c = await clusterOf(caller, clusterName);
    if (!c.ok) return c;
    const action = rotate ? 'training:RotateClusterWebhookToken' : 'training:GetClusterWebhookConfig';
    told?.(action, clusterArn(caller.partition, caller.account, c.value.name));
    const a = allow(caller, action, c.value, clusterName);
    if (!a.ok) return a;
    const key = webhookKey(caller.account, c.value.name);
    const token = await deps.store.write(async (tx) => {
      const existing = await tx.kv.get(key);
      if (existing !== undefined && !rotate) {
        // One that cannot be read or opened is replaced by a new token (review pi, 2).
        const sealed = storedObject(existing)?.['sealed'];
        const opened = typeof sealed === 'string' ? deps.sealer.open(sealed as SealedSecret, key) : undefined;
        if (opened !== undefined) return opened;
      }
      const fresh = `ghk8s.${Buffer.from(deps.randomBytes(32)).toString('base64url')}`;
      await tx.kv.put(key, JSON.stringify({ sealed: deps.sealer.seal(fresh, key), created: isoSeconds(deps.now()) }));
      return fresh;
    });
    return ok({ cluster: c.value.name, account: caller.account, partition: caller.partition, token });
  }

  return {
    webhookCluster,
    identify,
    tokenRefused,
    accessReview,
    admit,
    createAccessEntry,
    listEntries,
    describeEntry,
    deleteEntry,
    webhookConfig,
    /** For tests and benches: the state of a cluster after the latest change. */
    cluster: async (account: string, name: string): Promise<KubeCluster | undefined> => {
      const f = loaded();
      if (f) await f;
      return clusters.get(name.toLowerCase())?.find((c) => c.account === account);
    },
    /** Who the principal of an entry is (user or role), for messages. */
    entryPrincipal,
    /** RBAC in the authorize union, for `kubernetes:<verb>` on a cluster's resources (issue "One authorize API"). */
    engine: {
      name: 'rbac',
      prepare: loaded,
      decide: (request) => rbacOpinion(request),
      settle: (request) => shellQuestion(request),
      sessionsNamed: (account, resource) => {
        const on = clusterOfResource(resource);
        return on && on.cluster.account === account ? sessionsBound(on.cluster) : [];
      },
      groupsAllowed: (account, resource, action) => {
        const on = clusterOfResource(resource);
        return on && on.cluster.account === account ? groupsBound(on.cluster, on.resource, action) : [];
      },
      usersAllowed: (account, resource, action) => {
        const on = clusterOfResource(resource);
        return on && on.cluster.account === account ? usersBound(on.cluster, on.resource, action) : [];
      },
      rolesAllowing: (account, resource, action) => {
        const on = clusterOfResource(resource);
        if (!on || on.cluster.account !== account || !action.toLowerCase().startsWith('kubernetes:')) return [];
        const verb = action.slice('kubernetes:'.length).toLowerCase();
        const attrs = questionOf(on.cluster.arn, on.resource, verb);
        return attrs?.resourceRequest ? rolesAllowing(on.cluster.objects, on.cluster.rbac, { ...asAuthorized(attrs, verb), verb }) : [];
      },
      subjectsBeyond: (account, resource, action) => {
        const on = clusterOfResource(resource);
        if (!on || on.cluster.account !== account || !action.toLowerCase().startsWith('kubernetes:')) return [];
        const verb = action.slice('kubernetes:'.length).toLowerCase();
        const attrs = questionOf(on.cluster.arn, on.resource, verb);
        if (!attrs) return [];
        // A User that who-can's questions about the account's principals reach is asked about there (review ne, 3); any
        // other User is listed here, or it was listed nowhere (review nr, 1 and 2).
        const all = subjectsAllowing(on.cluster.objects, on.cluster.rbac, { ...asAuthorized(attrs, verb), verb });
        return all.filter((x) => x.kind !== 'User' || !askedAbout(on.cluster, x.name, account));
      },
      rolesBound: (account, resource, user) => {
        const on = clusterOfResource(resource);
        if (!on || on.cluster.account !== account) return [];
        const attrs = parseKubernetesResource(on.cluster.arn, on.resource);
        return attrs?.resourceRequest ? rolesBoundTo(on.cluster.objects, user, attrs.namespace ?? '') : [];
      },
      ownResource: (resource) => clusterOfResource(resource)?.resource,
    } satisfies AuthorizeEngine,
  };

  /**
   * The role sessions the cluster's bindings name (review eq, 4): a role's access entry renders a session's username
   * from its name (`…:assumed-role/R/{{SessionName}}` by default), which whoever assumes the role picks, so a binding
   * to `…:assumed-role/R/alice` is a grant to the session `alice` of R. Each binding's username is matched against
   * each role entry's template (one `{{SessionName}}`, and no `{{AccessKeyID}}`, which no one picks), as session ARNs.
   */
  function sessionsBound(cluster: KubeCluster): string[] {
    const names = cluster.rbac.userNames();
    const out = new Set<string>();
    for (const entry of cluster.entries.values()) {
      const p = entryPrincipal(entry.principalArn);
      if (!p || p.kind !== 'role' || p.account !== cluster.account) continue;
      const template = entry.username ?? defaultUsername(entry.principalArn);
      const parts = template.split(/\{\{SessionName(?:Raw)?\}\}/);
      if (parts.length !== 2 || template.includes('{{AccessKeyID}}')) continue;
      const [pre = '', suf = ''] = parts.map((x) => renderUsername(x, { accountId: cluster.account, sessionName: '', accessKeyId: '' }));
      // `{{SessionName}}` writes each `@` as `-` (`{{SessionNameRaw}}` keeps it): a binding to `…/dev/alice-example.com`
      // lets in the session `alice@example.com` too, an SSO user's, and that one was missed (review ne, 2).
      const raw = template.includes('{{SessionNameRaw}}');
      for (const n of names) {
        if (n.length <= pre.length + suf.length || !n.startsWith(pre) || !n.endsWith(suf)) continue;
        const rendered = n.slice(pre.length, n.length - suf.length);
        for (const name of raw ? [rendered] : sessionNamesRendering(rendered)) out.add(sessionArn(p.partition, p.account, p.name, name));
      }
    }
    return [...out];
  }

  /**
   * The groups a binding of the cluster names whose members its RBAC allows `action` (`kubernetes:<verb>`) on
   * `resource`, as an access entry may carry them (not `system:`, review fl, 5); `''` first when
   * `system:authenticated`, which every entry's user has, suffices.
   */
  function groupsBound(cluster: KubeCluster, resource: string, action: string): string[] {
    if (!action.toLowerCase().startsWith('kubernetes:')) return [];
    const verb = action.slice('kubernetes:'.length).toLowerCase();
    const attrs = questionOf(cluster.arn, resource, verb);
    if (!attrs) return [];
    const allows = (groups: string[]): boolean => cluster.rbac.authorize({ ...asAuthorized(attrs, verb), verb, user: { name: '', groups } }).verdict === 'allow';
    if (allows([AUTHENTICATED_GROUP])) return [''];
    return cluster.rbac.groupNames().filter((g) => !/^system:/i.test(g) && allows([g, AUTHENTICATED_GROUP]));
  }

  /**
   * The usernames a binding of the cluster names whose user its RBAC allows `action` on `resource` with no group beyond
   * `system:authenticated`, as an access entry may give them: not `system:` (refused in entries) and no template
   * (`{{…}}`), which an entry would render (review lr, 2).
   */
  function usersBound(cluster: KubeCluster, resource: string, action: string): string[] {
    if (!action.toLowerCase().startsWith('kubernetes:')) return [];
    const verb = action.slice('kubernetes:'.length).toLowerCase();
    const attrs = questionOf(cluster.arn, resource, verb);
    if (!attrs) return [];
    return cluster.rbac
      .userNames()
      .filter((n) => !isReservedName(n) && !n.includes('{{') && cluster.rbac.authorize({ ...asAuthorized(attrs, verb), verb, user: { name: n, groups: [AUTHENTICATED_GROUP] } }, { serviceAccountGroups: false }).verdict === 'allow');
  }

  /**
   * What the cluster's RBAC says of an IAM principal: the principal is the Kubernetes user its access entry maps
   * it to (as the authentication webhook would), with the entry's groups. RBAC only ever allows; a principal
   * without an entry, or a resource of no known cluster, gets no opinion from it.
   */
  function rbacOpinion(request: ResolvedRequest): EngineResult {
    const { principal, action } = request;
    if (!action.toLowerCase().startsWith('kubernetes:')) return NO_OPINION;
    const on = clusterOfResource(request.resource);
    if (!on) return NO_OPINION;
    const { cluster, resource } = on;
    // IAM compares actions without case, so `kubernetes:Get` is the question `kubernetes:get` is; Kubernetes' verbs are
    // lower case (kube-apiserver's request verbs and the special ones), and RBAC compares them exactly: read as written,
    // `kubernetes:Get` matched no rule and was refused where `kubernetes:get` was allowed (review ap, 2).
    const verb = action.slice('kubernetes:'.length).toLowerCase();
    const fixed = apiPathVerb(cluster.arn, resource);
    if (fixed !== undefined && fixed !== verb) return { verdict: 'no-opinion', reasons: [], errors: [`\`${resource}\` is kube-apiserver's ${fixed} path, which it authorizes as \`${fixed}\` whatever the request's method: ask kubernetes:${fixed} on it`] };
    const attrs = parseKubernetesResource(cluster.arn, resource, verb);
    if (!attrs) return { verdict: 'no-opinion', reasons: [], errors: [`\`${resource}\` is not a Kubernetes request path under cluster ${cluster.name}`] };
    // As kube-apiserver asks it: creating or listing namespace `x` in namespace `""` (reviews tq, 1 to 3), so that its IAM
    // view is the webhook's (a list of `x` is also one of `<cluster>/namespaces`, not of `<cluster>/namespaces/x/namespaces`).
    const asked = asAuthorized(attrs, verb);
    const denied = coveredDeny(cluster, { ...asked, verb }, request);
    if (denied !== undefined) return denied;
    const owner = entryOwner(principal);
    // The user's id, or the role id of a session (`<role id>:<session>`); unknown ids leave the ARN to match.
    const id = principal.userId?.split(':')[0];
    let entry: AccessEntry | undefined;
    for (const arn of owner ? entryCandidates({ partition: principal.partition, account: principal.account, ...owner }) : []) {
      const e = cluster.entries.get(entryKey(arn));
      if (e && (id === undefined || entryMatchesId(e, id))) {
        entry = e;
        break;
      }
    }
    if (!entry) return { verdict: 'no-opinion', reasons: [], diagnostics: [`${principal.arn} has no access entry in cluster ${cluster.name}`], errors: [] };
    const sessionName = principal.session?.name ?? (owner && 'user' in owner ? owner.user.name : '');
    const template = entry.username ?? defaultUsername(entry.principalArn);
    // `{{AccessKeyID}}`: the question's `acs:AccessId`, the key the principal signed the question (or its proof) with,
    // else the one the asker's context names for a principal named by ARN; none, empty (review do, 2).
    const accessKeyId = request.request.context?.get(ACCESS_ID)?.[0] ?? '';
    // A role asked about by its ARN stands for any session of it (`Principal.anySession`), whose username the session's
    // name renders, which whoever assumes the role picks: it has no one username, so only the entry's groups are matched
    // (no User subject is empty). Rendered with the made-up session name `session`, a RoleBinding to
    // `…:assumed-role/R/session`, one session's username, answered Allow for every session of R (review nw, 2).
    const anyName = principal.anySession === true && SESSION_NAME_PLACEHOLDER.test(template);
    const username = anyName ? '' : renderUsername(template, { accountId: principal.account, sessionName, accessKeyId });
    // The webhook refuses this principal's token (`identify`): RBAC gives it nothing here either.
    if (!anyName && isReservedName(username)) return { verdict: 'no-opinion', reasons: [], diagnostics: [reservedUsername(cluster, entry, template, username, principal.arn)], errors: [] };
    const groups = [...entry.kubernetesGroups.filter((g) => g !== AUTHENTICATED_GROUP), AUTHENTICATED_GROUP];
    const rbacAttrs: RbacAttributes = { ...asked, verb, user: { name: username, groups, extra: { arn: [principal.arn] } } };
    const d = cluster.rbac.authorize(rbacAttrs);
    // A binding to a missing role grants nothing and is reported, not an error that fails the union closed: the
    // webhook answers so (core/rbac/authorizer.ts `rbacResult`), and the two must agree (review I, C2).
    const notes = d.errors.map((e) => `RBAC: ${e.message}`);
    if (anyName) notes.push(`the access entry of ${entry.principalArn} renders each session's username from its session name (template \`${template}\`), which whoever assumes the role picks: asked about the role, only the entry's groups ${groups.map((g) => `\`${g}\``).join(', ')} are matched (ask about a session's ARN for its username's bindings)`);
    if (d.verdict === 'allow') return { verdict: 'allow', reasons: explainReasons(cluster.rbac, rbacAttrs, d).map((r) => `${r} (cluster ${cluster.name})`), errors: [], diagnostics: notes, matched: d.reasons.map((r) => ({ engine: 'rbac', policy: r, type: 'rbac', effect: 'Allow' as const })) };
    return { verdict: 'no-opinion', reasons: [], diagnostics: [`no RBAC binding in cluster ${cluster.name} allows ${describeRequest(rbacAttrs)}`, ...notes], errors: [] };
  }

  /**
   * The authorize API's `kubernetes:<verb>` question on a shell in a pod that runs as a role (`shellTargets`: exec or
   * attach of such a pod, a node's proxy), decided as the SubjectAccessReview webhook decides the request: denied unless
   * the principal may pass each role, with pod admission's checks and message (review sc, 2). The principal as the
   * question resolved it, with the policies IAM decided it with (a session's session policies, a simulation's). Undefined,
   * nothing read, for any other question.
   */
  function shellQuestion(request: ResolvedRequest): Promise<EngineResult | undefined> | undefined {
    const { principal, action } = request;
    if (!action.toLowerCase().startsWith('kubernetes:')) return undefined;
    const verb = action.slice('kubernetes:'.length).toLowerCase();
    if (verb !== 'create' && verb !== 'get' && verb !== '*') return undefined;
    const on = clusterOfResource(request.resource);
    if (!on) return undefined;
    const { cluster } = on;
    const parsed = questionOf(cluster.arn, on.resource, verb);
    if (!parsed) return undefined;
    const a = { ...parsed, verb };
    const pod = a.resourceRequest && (a.apiGroup ?? '') === '' && a.resource === 'pods' && (a.subresource === 'exec' || a.subresource === 'attach' || a.subresource === '*') && !!a.namespace && !!a.name;
    if (!pod && !isNodeShell(a)) return undefined;
    return (async () => {
      const targets = await shellTargets(cluster, a);
      if (targets.length === 0) return undefined;
      const policies = request.policies !== undefined ? kubePolicies(request.policies) : livePolicies(principal);
      if (policies === undefined) return { verdict: 'no-opinion', reasons: [], errors: [`the IAM policies of ${principal.arn} are not loaded, and ${targets[0]?.what ?? ''}: whether it may pass the role is not known`] };
      for (const t of targets) {
        const seen: { deny?: Decision } = {};
        const pass = await checkPassBy(cluster, principal.arn, async () => ok({ principal, policies, facts: {} }), t.roleArn, t.jobId, seen);
        if (pass.ok) continue;
        const reasons = [`${pass.errors[0]?.message ?? ROLE_CHECK_FAILED} (${t.what}), as the SubjectAccessReview webhook decides it`];
        // An explicit Deny of the PassRole is the rule that decided, named as `coveredDeny` names its own (review so, 2);
        // else no rule denied (PassRole not allowed, no such role, a trust policy not trusting the compute service): a
        // refusal that no allow lifts, answered ImplicitDeny (review sz, 2). Either was ExplicitDeny with `matched: []`.
        if (seen.deny !== undefined) return { verdict: 'deny', reasons, errors: [], matched: seen.deny.matched.filter((m) => m.effect === 'Deny').map(ruleOf) };
        return { verdict: 'deny', refuses: true, reasons, errors: [] };
      }
      return undefined;
    })();
  }

  /**
   * A question standing for several Kubernetes requests (verb `*`, resource `*`, API group `*`, a namespaced resource
   * without a namespace: a list across all namespaces) is denied, as the webhook denies its review, when IAM denies one of
   * the requests it covers (`iamViews`; reviews I C3 and K K6). The question's own resource is the authorize API's
   * IAM decision; the others are decided here with the policies that decision was made with (a session's session
   * policies too, as the webhook decides a session's reviews since review ac, 11; review ft, 2), else the principal's
   * identity policies and boundary from the directory, and the question's context.
   */
  function coveredDeny(cluster: KubeCluster, a: KubernetesRequestAttributes & { readonly verb: string }, r: ResolvedRequest): EngineResult | undefined {
    // Or one that names no object (review K, K3): `kubernetes:get` on `…/namespaces/ml/secrets` covers every secret.
    const open = coversObjects(a);
    // Asked in another spelling than the request's own path (`<cluster>/api/v1/namespaces/ns/pods/p` for
    // `<cluster>/namespaces/ns/pods/p`, review qs, 2): the IAM decision of the question is on that spelling, and a Deny
    // written on the request's path, as the webhook decides it, must apply too.
    const respelt = clusterOfResource(r.resource)?.resource !== kubernetesResource(cluster.arn, a);
    if (a.verb !== '*' && a.subresource !== '*' && !open && !respelt && !isNamespaceDeletion(a) && !isClusterScopedInNamespace(a) && !isSignerDomain(a) && !isEviction(a) && !isTokenRequest(a) && !isNarrowedList(a) && !isConnectGet(a) && !isClientSignerApproval(a) && !isNodeClientSignerApproval(a) && !isNodeProxy(a) && !isEphemeralContainers(a) && !isAccountImpersonation(a) && !(a.resourceRequest && (a.resource === '*' || a.apiGroup === '*' || !a.namespace))) return undefined;
    const p = r.principal;
    if (p.kind !== 'user' && !(p.kind === 'role-session' && p.roleArn !== undefined)) return undefined;
    const policies = r.policies !== undefined ? kubePolicies(r.policies) : livePolicies(p);
    if (policies === undefined) return { verdict: 'no-opinion', reasons: [], errors: [`the IAM policies of ${p.arn} are not loaded, and this question covers several Kubernetes requests, any of which IAM may deny`] };
    const time = r.request.time ?? deps.now();
    const context = r.request.context ?? contextOf({});
    const denied = firstDenied({ ...iamViews(cluster, a, { principal: p, policies, context, time }), skip: { action: r.action, resource: r.resource } }, p, policies, context, time);
    if (denied === undefined) return undefined;
    const v = denied.view;
    // The Deny statements that refuse it are the rules that decided (review so, 2): the answer named none, so an
    // ExplicitDeny came with `matched: []`, `gatehouse authorize` printed no `denied by`, and the audit record of the
    // denial named no statement.
    const matched = denied.decision.matched.filter((m) => m.effect === 'Deny').map(ruleOf);
    return { verdict: 'deny', reasons: [`this question covers ${v.action} on ${v.resource}, which IAM denies: ${accessDeniedMessage(p.arn, v.action, v.resource, denied.decision)}`], errors: [], matched };
  }

  /**
   * What of an authorize question's policies take part in a Kubernetes decision (`coveredDeny`): the principal's
   * identity policies, boundary and session policies, as the webhook's (`accessReview`); a resource policy on the
   * cluster takes none (src/app/authorize.ts `NO_RESOURCE_POLICY_SERVICES`), nor a trust policy.
   */
  function kubePolicies(set: PolicySet): PolicySet {
    return { identity: set.identity, ...(set.boundary ? { boundary: set.boundary } : {}), ...(set.session ? { session: set.session } : {}) };
  }

  /** A user's or role's compiled policies (identity and boundary) from the live directory, for `coveredDeny`. */
  function livePolicies(p: Principal): PolicySet | undefined {
    if (!app.live.loaded) return undefined;
    const arn = p.kind === 'user' ? p.arn : (p.roleArn as string);
    const name = arn.slice(arn.lastIndexOf('/') + 1);
    return app.live.principals.get(p.kind === 'user' ? userKey(p.account, name) : roleKey(p.account, name))?.policies;
  }

  /**
   * The cluster a resource lies under, whichever spelling of its ARN names it (`CLUSTER_ARN_RE`: `arn:<any AWS
   * partition>:training::A:cluster/c` or `acs:pai::A:cluster/c`), and the resource under the cluster's own ARN (its
   * account's dialect, as the webhook views its requests). Only `arn:aws:training::` and `acs:pai::` were read, and only
   * the cluster's own spelling found it: `acs:pai::A:cluster/c/…` of an `aws` account's cluster, `arn:aws:training::…`
   * of an `acs` account's or `arn:aws-cn:training::…` of either got no RBAC opinion (review kl, 1).
   */
  function clusterOfResource(resource: string): { readonly cluster: KubeCluster; readonly resource: string } | undefined {
    const head = CLUSTER_ARN_RE.exec(resource)?.[0];
    if (head === undefined) return undefined;
    const m = /::(\d{12}):cluster\/([^/]+)$/.exec(head);
    if (!m) return undefined;
    const name = m[2] as string;
    const cluster = clusters.get(name.toLowerCase())?.find((c) => c.account === m[1] && c.name === name);
    return cluster && { cluster, resource: `${cluster.arn}${resource.slice(head.length)}` };
  }
}

const NO_OPINION: EngineResult = { verdict: 'no-opinion', reasons: [], errors: [] };

const objectOf = (v: unknown): Record<string, unknown> | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const listOf = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.map(objectOf).filter((x): x is Record<string, unknown> => x !== undefined) : []);
const nameOf = (v: unknown, key: string): string | undefined => {
  const n = objectOf(v)?.[key];
  return typeof n === 'string' && n !== '' ? n : undefined;
};

/**
 * The Secrets a pod spec hands its containers, each once, with where the spec names it: a `secret` volume
 * (`secretName`), a projected volume's `secret` source (`name`), and of every container, init container and ephemeral
 * container `env[].valueFrom.secretKeyRef` and `envFrom[].secretRef`. Not the credentials of volume plugins or
 * `imagePullSecrets`, which the kubelet uses and the containers never see (review ou, 5).
 */
function podSecrets(spec: Record<string, unknown>): { name: string; where: string }[] {
  const out = new Map<string, string>();
  const add = (name: string | undefined, where: string): void => {
    if (name !== undefined && !out.has(name)) out.set(name, where);
  };
  for (const v of listOf(spec['volumes'])) {
    const volume = typeof v['name'] === 'string' ? v['name'] : '';
    add(nameOf(v['secret'], 'secretName'), `volume \`${volume}\``);
    for (const source of listOf(objectOf(v['projected'])?.['sources'])) add(nameOf(source['secret'], 'name'), `projected volume \`${volume}\``);
  }
  for (const field of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    for (const c of listOf(spec[field])) {
      const container = `${field === 'containers' ? 'container' : field === 'initContainers' ? 'init container' : 'ephemeral container'} \`${typeof c['name'] === 'string' ? c['name'] : ''}\``;
      for (const e of listOf(c['env'])) add(nameOf(objectOf(e['valueFrom'])?.['secretKeyRef'], 'name'), `${container}, variable \`${typeof e['name'] === 'string' ? e['name'] : ''}\``);
      for (const e of listOf(c['envFrom'])) add(nameOf(e['secretRef'], 'name'), `${container}, envFrom`);
    }
  }
  return [...out].map(([name, where]) => ({ name, where }));
}

/**
 * What an audit record names of the session `claims` (sealed for principal `arn`): its role and session (a role's
 * session), its job and its source identity, as every door records a session's (review ou, 2). None without claims.
 */
function sessionFields(claims: SessionClaims | undefined, arn: string): { role?: string; session?: string; job?: string; sourceIdentity?: string } {
  if (claims === undefined) return {};
  return { ...(claims.role ? { role: roleArnOf(claims.part, claims.acct, claims.role.path, claims.role.name), session: arn } : {}), ...jobFields(claims) };
}

/** The job and source identity of the session `claims`, for its records. */
function jobFields(claims: SessionClaims | undefined): { job?: string; sourceIdentity?: string } {
  return { ...(claims?.job !== undefined ? { job: claims.job } : {}), ...(claims?.srcId !== undefined ? { sourceIdentity: claims.srcId } : {}) };
}

/** The user or role behind a principal, as access entries name them (by path and name). */
function entryOwner(p: Principal): { user: { name: string; path: string } } | { role: { name: string; path: string } } | undefined {
  const split = (arn: string, kind: 'user' | 'role'): { name: string; path: string } | undefined => {
    const at = arn.indexOf(`:${kind}/`);
    if (at < 0) return undefined;
    const rest = arn.slice(at + kind.length + 2);
    const slash = rest.lastIndexOf('/');
    return { name: rest.slice(slash + 1), path: slash < 0 ? '/' : `/${rest.slice(0, slash + 1)}` };
  };
  if (p.kind === 'user') {
    const user = split(p.arn, 'user');
    return user && { user };
  }
  if (p.roleArn !== undefined) {
    const role = split(p.roleArn, 'role');
    return role && { role };
  }
  return undefined;
}

/**
 * The submitter name of a pod's job, which its sessions carry as SourceIdentity (app/jobs.ts `sessionFacts`), as a node
 * started by the same principal gets (app/jobs.ts `startNode`, review S, S6): a user's name (its own keys or a
 * `GetSessionToken` session); a role session's own SourceIdentity, which persists and cannot be changed, else its
 * session ARN — never the last segment of that ARN, the RoleSessionName its assumer chose freely (review X).
 */
function submitterName(p: Principal): string {
  if (p.kind === 'user') return p.arn.slice(p.arn.lastIndexOf('/') + 1);
  return p.session?.sourceIdentity ?? p.arn;
}

/**
 * Why a Kubernetes user whose IAM identity admission cannot take from sealed facts may not pass a role (review ch, 1):
 * impersonated (`kubectl --as`, `--as-user-extra`), authenticated by another authenticator, or by a token reviewed
 * before Gatehouse sealed users' identities; `forged`, it carries facts this server did not seal for the cluster.
 */
function unsealedPasser(cluster: KubeCluster, who: string, role: string, forged: boolean): string {
  const carries = forged ? `carries an IAM identity that this server did not seal for cluster ${cluster.name}` : `carries no IAM identity sealed by Gatehouse's TokenReview for cluster ${cluster.name}`;
  return `${ROLE_CHECK_FAILED}: ${who} ${carries} (an impersonated user, or one authenticated another way, is not taken for an IAM principal), so it cannot pass role ${role}; authenticate through Gatehouse's TokenReview with a fresh token (\`gatehouse kube token\` or \`aws eks get-token\`: kubectl gets a new one within 15 minutes)`;
}

/** Why a caller whose entry renders a `system:` username is not authenticated (review R, R4). */
function reservedUsername(cluster: KubeCluster, entry: AccessEntry, template: string, username: string, arn: string): string {
  return `the access entry of ${entry.principalArn} in cluster ${cluster.name} renders the username \`${username}\` (template \`${template}\`) for ${arn}, and Kubernetes reserves names starting with \`system:\` (EKS also ${RESERVED_USERNAME_PREFIXES.filter((x) => x !== 'system:').map((x) => `\`${x}\``).join(', ')}), so it is not authenticated; use another session name, or give the entry a username template that cannot render to one (one that does not start with {{SessionName}})`;
}

/** A username template's session name (`{{SessionName}}`, `{{SessionNameRaw}}`). */
const SESSION_NAME_PLACEHOLDER = /\{\{SessionName(?:Raw)?\}\}/;

function describeRequest(a: RbacAttributes): string {
  if (!a.resourceRequest) return `${a.verb} ${a.path ?? ''}`;
  const res = `${a.resource ?? ''}${a.subresource ? `/${a.subresource}` : ''}${a.apiGroup ? `.${a.apiGroup}` : ''}`;
  return `${a.verb} ${res}${a.name ? ` ${a.name}` : ''}${a.namespace ? ` in namespace ${a.namespace}` : ' (cluster-scoped)'} ${a.user.name !== '' ? `for user ${a.user.name}` : `for groups ${a.user.groups.join(', ')}`}`;
}

/**
 * Whether a pod job's pod is the pod `name`: its exact name; a job recorded before pods were named by the webhook knows
 * only the `generateName` prefix, and matches any pod name with it.
 */
function podNamedBy(p: NonNullable<Job['pod']>, name: string): boolean {
  return p.name !== '' ? p.name === name : p.generateName !== undefined && p.generateName !== '' && name.startsWith(p.generateName);
}

export type Kube = ReturnType<typeof createKube>;
