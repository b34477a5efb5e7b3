/**
 * The one question resource servers ask (issue "One authorize API"): may this principal perform this action on
 * this resource, in this context? Answered by the union of the engines — IAM identity and session policies,
 * resource policies, and any further engine plugged in (bindings, RBAC) — where an explicit deny wins, errors
 * fail closed, and nothing allows by default. Simulation is the same code path without side effects.
 */
import { failWith, ok, type GatehouseError, type Result } from '../core/errors.ts';
import { entityArn, keyPath, shownKey } from '../core/directory/rules.ts';
import { accountOf, compilePolicy, contextKeyConflict, contextKeyProblem, evaluate, isConditionKeyName, isTagKey, parseDateValue, parsePolicy, principalFromArn, type AuthzRequest, type CompiledPolicy, type Context, type Decision, type EvaluateOptions, type PolicySet, type Principal, type StatementRef } from '../core/iam/index.ts';
import { actionsForPermissionOn, CLUSTER_ARN_RE, CLUSTER_RESOURCE_RE, isKubernetesObjectRequest, KNOWN_PERMISSIONS } from '../core/bindings/index.ts';
import { resourceRefusal } from './request-resource.ts';
import { kubernetesPathOverLimit, type KubernetesNameAttribute } from '../core/kube/index.ts';
import type { BoundRole, SubjectAllowed } from '../core/rbac/index.ts';
import { isJobSubmitter, isWorkspaceMember, JOB_ACTIONS, jobArn, jobContainerArn, parseJobArn, TERMINAL, workspaceArn, workspaceKey, type Workspace } from '../core/jobs/jobs.ts';
import { DURATION, mergeTags, parseRoleArn, roleArnOf, sessionArn, userArnOf, type SessionClaims } from '../core/sts/session.ts';
import type { AppDeps } from './deps.ts';
import { engineTurns } from './engine-turns.ts';
import { isStoreDataRefused, isStoreUnavailable } from './ports/store.ts';
import { ROOT_ACCOUNT } from './accounts.ts';
import { compileSessionPolicy, jobOrWorkspace, jobPlaceOf, jobSessionOf, ownerTableDenies, sessionPolicyHeld, type JobSession } from './jobs.ts';
import { ACCESS_ID, accessDeniedMessage, tagKeyLiterals, adminDenyOnly, decideAdmin, decidedOnRole, limitsCutWords, namesItsTarget, principalLimitsCut, ramOwnName, roleQuestions, type Caller, type RoleName } from './principals.ts';
import type { ResourcePolicies } from './resource-policies.ts';
import { UNREADABLE_SID, unreadableDiagnostic, unreadablePolicy } from './unreadable-policy.ts';
import { TRUST_ACTIONS } from './policy-names.ts';
import { MAX_ACTION_CHARS, MAX_CONTEXT_KEY_CHARS, MAX_CONTEXT_VALUE_CHARS, MAX_CONTEXT_VALUES, MAX_PRINCIPAL_CHARS } from './question-bounds.ts';
import { awsResourceTags, boundaryContext, resourceTagContext, tagKeySpellings } from './directory.ts';
import { claimsOf, type ScopeRecord } from './session-scopes.ts';
import { decidedWithIssuerUrl, ISSUER_URL_KEY_LOWER, PROVIDER_ARN_RE, providerKey, providerTags, providerUrl, registersProvider } from './oidc-provider-keys.ts';
import type { Sts } from './sts.ts';

export type DecisionValue = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

export interface AuthorizeInput {
  /** ARN of the principal; absent (and no `principalProof`): the signing caller itself. */
  readonly principal?: string;
  /**
   * Instead of `principal`: the caller's proof of identity that a resource server was given, a presigned STS
   * `GetCallerIdentity` URL. The question is about the caller it authenticates, with its session (session
   * policies, tags, source identity, issue time), as if that caller had signed it. Verified by the HTTP edge
   * (src/adapters/http/authorize-api.ts), which hands the callers it proves to the decision (`ProvenCallers`).
   * Never recorded nor echoed: it carries the session token.
   */
  readonly principalProof?: string;
  /**
   * With `principalProof` only: the name the resource server gives itself (its URL or name), which the proof must be
   * bound to (signed header `x-gatehouse-audience`), as aws-iam-authenticator binds a token to one cluster
   * (`x-k8s-aws-id`) and Vault's AWS auth a login to one server (`X-Vault-AWS-IAM-Server-ID`): a proof made for one
   * resource server then proves nothing at another. Not secret; recorded with the decision.
   */
  readonly audience?: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, unknown>>;
  /**
   * The account that owns the resource, when the ARN does not say (S3: `arn:aws:s3:::bucket` has no account; the
   * bucket's owner is recorded by the object store). Set by resource servers of this process only; it also keeps
   * out resource policies that another account attached to the ARN.
   */
  readonly resourceAccount?: string;
  /**
   * Set by `simulate` alone (never read from a question over the API): the question is a what-if, recorded nowhere.
   * A role named by its ARN is then a session of it issued now, not at the earliest (review bz, 1), and the context
   * may say what a session carries (`SIMULATED_FACTS`) instead of having it ignored.
   */
  readonly simulated?: boolean;
  /**
   * Set by who-can alone (never read from a question): IAM Allow statements with a `Condition` block and bindings with
   * a condition do not apply, so that an Allow says the principal may whatever the context (review dv, 1).
   */
  readonly unconditional?: boolean;
  /**
   * Set by who-can alone (never read from a question): IAM Deny statements with a `Condition` block apply as if their
   * conditions held, so that an Allow says no conditional Deny can take the grant away in another context (review du, 2).
   */
  readonly deniesHold?: boolean;
  /**
   * Set by who-can alone (never read from a question): a refusal carries `conditionsNotMet`. Not in the API's answers:
   * a question missing many conditioned statements answered one rule each, and a batch of 1,000 such questions grew
   * from under 3 MB to 9.7 MB, undoing review L12's bound on condition diagnostics (CI, stop 36).
   */
  readonly withConditionsNotMet?: boolean;
  /**
   * Set by the authorizer alone (never read from a question): lowercased prefixes of context keys whose values exist but
   * cannot be read here (the tags of an object of the S3 gateway, asked on an instance without it), on which a
   * condition fails closed (review mc, 1).
   */
  readonly unreadable?: readonly string[];
  /**
   * Set by the authorizer alone (never read from a question): what a job's ARN lies in (its workspace's, a node's
   * cluster's ARN), which bindings' conditions read `resource.name` under, as jobs decide it (review uh, 2).
   */
  readonly resourceContainer?: string;
  /**
   * Set by escalation-paths alone (never read from a question): identity policies decided as the principal's besides
   * its own, those it would hold after a step of its own (a group joined, a managed policy attached; review tg, 2). One
   * named as a policy the principal holds (a managed policy, by its ARN) takes that one's place, as its boundary too:
   * another version of it made the default (review tk, 2).
   */
  readonly addedIdentity?: readonly CompiledPolicy[];
  /**
   * Set by escalation-paths alone (never read from a question): another version of the principal's permissions
   * boundary policy, named by the policy's ARN, decided in the boundary's place and nowhere else (a policy held only as
   * the boundary, whose version the principal may make the default; review tw, 3). Ignored unless it names the
   * principal's boundary.
   */
  readonly addedBoundary?: CompiledPolicy;
}

export interface MatchedRule {
  readonly engine: string;
  readonly policy: string;
  readonly type: string;
  readonly statement?: number;
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  /**
   * The rule's conditions, when it has any: `<operator> <key>` of each condition of an IAM statement
   * (`IpAddress aws:SourceIp`), the CEL expression of a binding's. In `matched` they held; in `conditionsNotMet`, the
   * one that did not hold (review dv, 1).
   */
  readonly conditions?: readonly string[];
}

export interface AuthorizeAnswer {
  readonly decision: DecisionValue;
  /**
   * The ARN of the principal decided, when the question did not name it so: the one a `principalProof`
   * authenticated, or the named principal's own ARN where the question spelt it otherwise (`user/BOB` for user `bob`).
   */
  readonly principal?: string;
  /** One line per engine that had an opinion, in words. */
  readonly reasons: readonly string[];
  /** The rules that decided, per engine. */
  readonly matched: readonly MatchedRule[];
  /** Errors and notes: conditions that failed, engines that errored. */
  readonly diagnostics: readonly string[];
  /**
   * When not allowed, and asked for (`withConditionsNotMet`, who-can alone): the IAM Allow statements that named the
   * action, the resource and the principal but whose condition did not hold for this request, each with that condition
   * (`conditions`: the first that failed), at most as many as the diagnostics name. The structured form of the
   * diagnostics' condition lines, for Allow statements only (a Deny that did not apply refused nothing); absent when
   * there are none. Who-can lists those principals apart (review dv, 1).
   */
  readonly conditionsNotMet?: readonly MatchedRule[];
  readonly evaluationMicros: number;
  /** When the IAM engine refused: the policy type that blocked (for AWS's `because no identity-based policy allows …`). */
  readonly deniedBy?: 'identity' | 'boundary' | 'session' | 'resource' | 'trust';
}

/**
 * Another engine of the union: it sees the resolved request and answers allow, deny or no-opinion. Errors make
 * the union fail closed; diagnostics (a binding skipped because its condition failed) are only reported, and
 * `matched` names the rules that decided, as the IAM engine's do.
 */
export interface AuthorizeEngine {
  readonly name: string;
  /**
   * Whether what this engine allows is still cut by the principal's permissions boundary and session policies, as a
   * resource policy's grant to a role is (reference §A.1.2): true for bindings, whose members name users, roles
   * and everyone, never one session. (Kubernetes RBAC is not: a cluster decides apart from the principal's IAM
   * policies, as EKS does.)
   */
  readonly limitedByPrincipalPolicies?: boolean;
  /** Brings the engine's state up to the latest change when it is behind: a promise then, else undefined (the common case, no await). */
  readonly prepare?: () => Promise<void> | undefined;
  decide(request: ResolvedRequest): EngineResult;
  /**
   * A refusal of the request that needs the store, beside `decide`'s: a promise of a `deny` (or of undefined) for the
   * requests that need one, else undefined, read nothing for. The Kubernetes engine's: a shell in a pod that runs as a
   * role (exec, attach, a node's proxy) needs PassRole of the role, as the SubjectAccessReview webhook decides it
   * (review sc, 2).
   */
  readonly settle?: (request: ResolvedRequest) => Promise<EngineResult | undefined> | undefined;
  /**
   * The role sessions of `account` that this engine's rules for `resource` name by their session name (as a
   * Kubernetes binding names a session's username), as session ARNs: whoever becomes the role picks that name, so
   * who-can asks about each (review eq, 4). None when absent.
   */
  readonly sessionsNamed?: (account: string, resource: string) => readonly string[];
  /**
   * The groups of `account` whose members this engine's rules allow `action` on `resource` (a Kubernetes binding to a
   * Group): whoever may put itself in one (its access entry's groups) comes to be allowed, so escalation-paths asks
   * whether it may (review fl, 5). `''` when no group is needed beyond those every member has. None when absent.
   */
  readonly groupsAllowed?: (account: string, resource: string, action: string) => readonly string[];
  /**
   * The usernames this engine's rules allow `action` on `resource` (a Kubernetes binding to a User), as an access entry
   * may give them (not `system:`, no template): whoever may set its entry's username to one comes to be allowed, so
   * escalation-paths asks whether it may (review lr, 2). None when absent.
   */
  readonly usersAllowed?: (account: string, resource: string, action: string) => readonly string[];
  /**
   * The roles of `account` that this engine's bindings give the Kubernetes user `user` (its name and groups, as its
   * access entry makes them) where `resource` lies (a cluster's namespace, `<cluster>/namespaces/<ns>/pods`): whoever
   * may rewrite one, or add a ClusterRole that an aggregated one selects, changes what the user may do without
   * writing a binding, so escalation-paths asks whether it may (review lr, 1). None when absent.
   */
  readonly rolesBound?: (account: string, resource: string, user: { readonly name: string; readonly groups: readonly string[] }) => readonly BoundRole[];
  /**
   * The roles of `account` whose rules in this engine allow `action` on `resource` where a binding could give them (a
   * Role of the resource's namespace, a ClusterRole): whoever may bind one to its own Kubernetes user comes to be
   * allowed, so escalation-paths asks whether it may (review lr, 3). None when absent.
   */
  readonly rolesAllowing?: (account: string, resource: string, action: string) => readonly BoundRole[];
  /**
   * The subjects the engine's rules give `action` on `resource` to that are no principal of the account (who-can,
   * review ne, 3): a cluster's RBAC subjects who-can's questions about the account's principals do not reach —
   * ServiceAccounts, Groups, other authenticators' Users, Users an entry renders for another account's principal or from
   * an access key id (review nr, 1 and 2) — which its webhook lets in by RBAC alone.
   */
  readonly subjectsBeyond?: (account: string, resource: string, action: string) => readonly SubjectAllowed[];
  /**
   * `resource` as this engine holds it, when it lies under something the engine keeps in one spelling (a cluster's
   * request path under the cluster's own ARN, whichever partition or dialect asked it); undefined when the engine holds
   * no such thing. Read once `prepare` is done.
   */
  readonly ownResource?: (resource: string) => string | undefined;
}

export interface EngineResult {
  readonly verdict: 'allow' | 'deny' | 'no-opinion';
  readonly reasons: readonly string[];
  readonly errors: readonly string[];
  readonly diagnostics?: readonly string[];
  readonly matched?: readonly MatchedRule[];
  /**
   * Set by the union, not by engines: the principal's policy that cut this engine's allow to no opinion
   * (`limitedByPrincipalPolicies`), named as `deniedBy` names it when that cut is what refused.
   */
  readonly cutBy?: 'boundary' | 'session';
  /**
   * With `verdict: 'deny'`: a refusal that no rule made (src/app/kube.ts `shellQuestion`: a shell in a pod whose role
   * the principal is not allowed to pass), which no engine's allow lifts but which is no explicit deny: the union's
   * answer is ImplicitDeny at most, and names no rule (review sz, 2).
   */
  readonly refuses?: true;
}

export interface ResolvedRequest {
  readonly principal: Principal;
  readonly action: string;
  readonly resource: string;
  readonly request: AuthzRequest;
  /**
   * The principal's policies as the IAM engine decided this question with them (a session's own session policies
   * included when the session signs it, a simulation's replacements): what an engine deciding IAM denies beside the
   * question's own (src/app/kube.ts `coveredDeny`) must decide with too (review ft, 2). Absent: the directory's.
   */
  readonly policies?: PolicySet;
  /** `AuthorizeInput.unconditional`: rules that hold only under a condition do not apply. */
  readonly unconditional?: boolean;
}

/**
 * Keys a resource server must not supply: they describe the principal, and come from the directory and the
 * session (reference §A.1.8). Any `aws:`/`acs:` form, any case (checked on the lower-cased key, the form the
 * engine reads), and every `principaltag/…`.
 */
const DERIVED_NAMES = [
  'principalarn', 'principalaccount', 'principaltype', 'principalorgid', 'principalorgpaths', 'principalisawsservice', 'principalservicename',
  'principalservicenameslist', 'federatedprovider', 'assumedroot', 'userid', 'username', 'sourceidentity', 'tokenissuetime', 'currenttime',
  'epochtime', 'multifactorauthpresent', 'multifactorauthage', 'mfapresent',
];
const DERIVED: ReadonlySet<string> = new Set(DERIVED_NAMES.flatMap((n) => [`aws:${n}`, `acs:${n}`]));
/** Of the derived keys, the time of the question: Gatehouse's clock, not a fact of the principal (review ic, 4). */
const TIME_KEYS: ReadonlySet<string> = new Set(['currenttime', 'epochtime'].flatMap((n) => [`aws:${n}`, `acs:${n}`]));
/**
 * A service's key that describes the principal as the global ones do: KMS's caller account (review nc, 1: an asker's
 * value made another account's user one of the key's account for a key policy's grant).
 */
const DERIVED_SERVICE_KEYS: ReadonlySet<string> = new Set(['kms:calleraccount']);
/**
 * An OIDC provider's subject key, `<host/path>:sub`: the subject of the token a web identity session was opened with,
 * which the session carries into every request (src/core/iam/principal.ts `keyLookup`; review it, 1), a fact of the
 * session as `aws:FederatedProvider` is. Any key ending in `:sub` but a global key and a service's tag key, since a
 * provider's host may be a single label or carry a port (`localhost:8443:sub`). Taken from the asker's context for a
 * session named by its ARN, or any other principal, a claimed subject lifted a role's `StringNotLike <provider>:sub`
 * guard and resolved its `${<provider>:sub}` prefixes (review nk, 1).
 */
/** The context keys naming tag keys, lower-cased as a question's context is held (`withTagKeySpellings`). */
const TRANSITIVE_TAG_KEYS = 'sts:transitivetagkeys';
const TAG_KEY_KEYS = ['aws:tagkeys', 'acs:tagkeys', TRANSITIVE_TAG_KEYS] as const;
const isTokenSubject = (key: string): boolean => key.endsWith(':sub') && !key.startsWith('aws:') && !key.startsWith('acs:') && !isTagKey(key);
const isDerived = (key: string): boolean => DERIVED.has(key) || DERIVED_SERVICE_KEYS.has(key) || key.startsWith('aws:principaltag/') || key.startsWith('acs:principaltag/') || isTokenSubject(key);
/**
 * Of the derived keys, those a simulation may be given (review bz, 1): what a session or request carries rather than who
 * the principal is (its ARN, account, type, ids stay the directory's), as IAM's simulator takes `ContextEntries` for
 * them: `aws:CurrentTime` for a grant that expires, `aws:TokenIssueTime` for an older session, a principal tag.
 */
const SIMULATED_FACTS: ReadonlySet<string> = new Set(
  ['tokenissuetime', 'currenttime', 'epochtime', 'multifactorauthpresent', 'multifactorauthage', 'mfapresent', 'sourceidentity'].flatMap((n) => [`aws:${n}`, `acs:${n}`]),
);
const simulatedFact = (key: string): boolean => SIMULATED_FACTS.has(key) || key.startsWith('aws:principaltag/') || key.startsWith('acs:principaltag/') || isTokenSubject(key);
/**
 * S3's own spelling of the bucket owner's account (Service Authorization Reference, Amazon S3 condition keys), which S3
 * supplies on every request and the data-perimeter guard `Deny … StringNotEquals s3:ResourceAccount` reads (review aj,
 * 5): set from the owner Gatehouse knows on every question about an S3 ARN (review gd, 6), never from the asker.
 */
const S3_OWNER_KEY = 's3:resourceaccount';
const S3_ARN_RE = /^arn:[a-z][a-z0-9-]*:s3:::/;
/** A bucket's own ARN (not an object's), its name captured. */
const S3_BUCKET_ARN_RE = /^arn:[a-z][a-z0-9-]*:s3:::([^/]+)$/;
/** An object's ARN: its bucket and key captured (the gateway's `objectArn`). */
const S3_OBJECT_ARN_RE = /^arn:[a-z][a-z0-9-]*:s3:::([^/]+)\/(.+)$/s;
/**
 * The actions S3 decides with `s3:ExistingObjectTag/<key>` (Service Authorization Reference, Amazon S3; src/app/s3.ts
 * `gateObject`, `putObjectTagging`, `objectAttributes`): reads (GetObjectAttributes too, review mc, 2), the ACL and
 * tagging actions, and their Version forms. Others (PutObject, DeleteObject) have none (S3 User Guide, "Tagging and
 * access control policies").
 */
const EXISTING_TAG_ACTIONS: ReadonlySet<string> = new Set(
  ['getobject', 'getobjectacl', 'putobjectacl', 'getobjecttagging', 'putobjecttagging', 'deleteobjecttagging', 'getobjectattributes', 'getobjectversion', 'getobjectversionacl', 'putobjectversionacl', 'getobjectversiontagging', 'putobjectversiontagging', 'deleteobjectversiontagging', 'getobjectversionattributes'].map((a) => `s3:${a}`),
);
const EXISTING_TAG_PREFIX = 's3:existingobjecttag/';
/** A condition miss quoting an object's tag value (replaced by `noteObjectTags`). */
const OBJECT_TAG_VALUE_RE = /`(s3:ExistingObjectTag\/[^`]*)` = .*? does not satisfy/gi;

/**
 * The stored tags of an object the S3 gateway of this process holds (`useObjectTags`): undefined when it holds no
 * bucket of that name; `tags` undefined when the bucket holds no such object.
 */
export type ObjectTagsReader = (bucket: string, key: string) => Promise<{ readonly tags: Readonly<Record<string, string>> | undefined } | undefined>;
/** What `withObjectTags` knows of an object: its tags, or (`unreadable`) that it is the gateway's but not readable here. */
type HeldTags = { readonly tags: Readonly<Record<string, string>> | undefined; readonly unreadable?: true };
type HeldTagsReader = (bucket: string, key: string) => Promise<HeldTags | undefined>;
/**
 * On an instance without the S3 gateway (`--s3-listen off`): an object of a bucket the gateway holds (its owner record,
 * which every instance loads) has tags this instance cannot read (review mc, 1).
 */
const UNREADABLE_TAGS: HeldTagsReader = () => Promise.resolve({ tags: undefined, unreadable: true });
const UNREADABLE_KEYS: readonly string[] = [EXISTING_TAG_PREFIX];

/** The operations S3 lets only principals of the bucket owner's account use, whatever the policies allow. */
const BUCKET_POLICY_ACTIONS: ReadonlySet<string> = new Set(['s3:getbucketpolicy', 's3:putbucketpolicy', 's3:deletebucketpolicy']);
/**
 * Nor may a question say whose the resource is: `aws:ResourceAccount` is the account the decision takes as its owner
 * (the ARN's, a bucket's owner, the account whose policy governs it; docs/semantics.md), the one that also makes the
 * request cross-account or not, and `resourceAccount` is no field of the API for that reason. Read from the context,
 * the asker's value overrode it for conditions alone: the data perimeter `Deny … StringNotEquals aws:ResourceAccount
 * <our account>` was lifted on another account's bucket (review bx, 1). Ignored in simulations too.
 */
const OWNER_KEYS: ReadonlySet<string> = new Set(['aws:resourceaccount', 'acs:resourceaccount', S3_OWNER_KEY]);

/** `service:Action`, or a bindings permission `service.resource.verb` (`storage.objects.get`). */
const ACTION_RE = /^(?:[A-Za-z0-9_-]+:[A-Za-z0-9_.-]+|[a-z][a-z0-9]*(?:\.[a-zA-Z][a-zA-Z0-9]*){2,})$/;
/** Batches and contexts are bounded (untrusted input). */
export const MAX_BATCH = 1000;

const MAX_CONTEXT_KEYS = 256;
/**
 * Context values, all keys together, and the characters of one: every condition on a key walks its values, so the
 * work is values × conditions (review limits, L8). `aws:TagKeys` holds at most 50 values; a Referer or a UserAgent
 * fits in 4,096 characters, and an ARN is at most 2,048. SimulateCustomPolicy's ContextEntries have the same bounds.
 */
export { MAX_CONTEXT_VALUES, MAX_CONTEXT_VALUE_CHARS };
/**
 * The names a question carries, bounded as IAM bounds them (SimulatePrincipalPolicy's ActionName is 3 to 128
 * characters, its ContextKeyName 5 to 256) and a principal as a resource, an ARN of at most 2,048: each is recorded in
 * the audit log and quoted in answers, so an unbounded one made a record of megabytes (review bb, 1).
 */
export { MAX_ACTION_CHARS, MAX_CONTEXT_KEY_CHARS, MAX_PRINCIPAL_CHARS };
/** At most 100 characters of what a caller sent, for a message. */
const quoted = (x: string): string => (x.length > 100 ? `${x.slice(0, 100)}…` : x);
/** The first key of `ctx` that lower-cases to `key` (as the engine reads it), as the asker wrote it. */
const namedKey = (ctx: Readonly<Record<string, unknown>> | undefined, key: string): string => Object.keys(ctx ?? {}).find((k) => k.toLowerCase() === key) ?? key;
/**
 * Condition misses named per decision; the rest are counted in one line. A principal may hold hundreds of conditioned
 * statements, and a batch of 1,000 questions each listing 50 misses was answered 8 to 60 MB (review limits, L12).
 */
const MAX_CONDITION_DIAGNOSTICS = 10;
const NO_ENGINES: readonly never[] = Object.freeze([]);
const EXPLAIN = Object.freeze({ explain: true });
const NO_WHAT_IF: EvaluateOptions = Object.freeze({});
/** Who-can's what-ifs of a question (without conditional Allows, with every conditional Deny), for every evaluation of it. */
function whatIfOf(input: AuthorizeInput): EvaluateOptions {
  if (input.unconditional !== true && input.deniesHold !== true) return NO_WHAT_IF;
  return { ...(input.unconditional === true ? { unconditional: true } : {}), ...(input.deniesHold === true ? { deniesHold: true } : {}) };
}
/** How the IAM engine decides a question: explained, with its what-ifs. */
const explainHow = (input: AuthorizeInput): EvaluateOptions => {
  const whatIf = whatIfOf(input);
  return whatIf === NO_WHAT_IF ? EXPLAIN : { ...whatIf, explain: true };
};

/**
 * The IAM engine's statement as a rule of the answer, with its conditions when it has any. Also for an engine that
 * decides with the principal's IAM policies beside the question's own decision (the Kubernetes engine's covered Deny).
 */
export function ruleOf(m: StatementRef): MatchedRule {
  // Each shape written out (the fields in the answer's order): a spread to add `conditions` copied the rule again.
  if (m.conditions === undefined) return m.sid !== undefined ? { engine: 'iam', policy: m.policy, type: m.type, statement: m.index, sid: m.sid, effect: m.effect } : { engine: 'iam', policy: m.policy, type: m.type, statement: m.index, effect: m.effect };
  return m.sid !== undefined ? { engine: 'iam', policy: m.policy, type: m.type, statement: m.index, sid: m.sid, effect: m.effect, conditions: m.conditions } : { engine: 'iam', policy: m.policy, type: m.type, statement: m.index, effect: m.effect, conditions: m.conditions };
}

const STATEMENT_TYPE = { identity: 'identity policy', boundary: 'permissions boundary', session: 'session policy', resource: 'resource policy', trust: 'trust policy' } as const;
/**
 * ` (identity policy \`user/bob/p\` statement 0 (Sid \`NoData\`))`: the Deny statements of an ExplicitDeny that `shown`
 * keeps, named as src/core/iam/explain.ts and the escalation finder name them. The `iam:` reason of a Deny said only
 * "explicitly denied by an identity policy", which of them being in `matched` alone (review sj, 1).
 */
function deniersOf(d: Decision, shown: (m: StatementRef) => boolean): string {
  if (d.decision !== 'ExplicitDeny') return '';
  const named: string[] = [];
  for (const m of d.matched) if (m.effect === 'Deny' && shown(m)) named.push(`${STATEMENT_TYPE[m.type]} \`${m.policy}\` statement ${m.index}${m.sid ? ` (Sid \`${m.sid}\`)` : ''}`);
  return named.length === 0 ? '' : ` (${named.join('; ')})`;
}
const EVERY_STATEMENT = (): boolean => true;

const contextValue = (x: unknown): boolean => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';
/**
 * A context value as the engine reads it (review cm, 4): a number in plain decimal digits, as policies write numbers
 * (IAM's numeric conditions read no exponent: `String(1e-7)` was "not a number", every numeric Deny applied and no
 * numeric Allow); undefined for a number JSON did not carry exactly, a whole number past ±2^53 (its last digits were
 * lost in parsing, so another number was decided) or one beyond a double's range (`1e400`, Infinity), or NaN: the HTTP
 * edge reads so any literal a double does not hold, a fraction with more digits than it keeps included
 * (`0.50000000000000001`, decided as `0.5`: review mo, 1).
 */
function contextText(x: string | number | boolean): string | undefined {
  if (typeof x !== 'number') return typeof x === 'string' ? x : String(x);
  if (!Number.isFinite(x) || (Number.isInteger(x) && !Number.isSafeInteger(x))) return undefined;
  const s = String(x);
  const e = s.indexOf('e');
  if (e < 0) return s;
  // Only a fraction under 1e-6 is written with an exponent here (`1.5e-7`): its digits, shifted right.
  const negative = s.startsWith('-');
  const digits = s.slice(negative ? 1 : 0, e).replace('.', '');
  return `${negative ? '-' : ''}0.${'0'.repeat(-Number(s.slice(e + 1)) - 1)}${digits}`;
}
const inexactNumber = (k: string): Result<never> =>
  failWith('REQUEST_INVALID_CONTEXT', `a value of \`${k}\` is a number JSON cannot carry exactly (a whole number past ±9007199254740991, a fraction with more digits than a double holds, or out of range): send it as a string`, `context.${k}`);
const badContextValue = (k: string): Result<never> =>
  failWith('REQUEST_INVALID_CONTEXT', `context value of \`${k}\` must be a string, number, boolean or a list of them`, `context.${k}`);

const tooManyContextValues = (k: string): Result<never> =>
  failWith('REQUEST_INVALID_CONTEXT', `the context holds at most ${MAX_CONTEXT_VALUES} values in all: send only the values the policies read`, `context.${k}`);
const contextValueTooLong = (k: string, length: number): Result<never> =>
  failWith('REQUEST_INVALID_CONTEXT', `a value of \`${k}\` is ${length} characters; the limit is ${MAX_CONTEXT_VALUE_CHARS}: shorten it`, `context.${k}`);

/**
 * The time a simulation asks about (review ej, 2): the `aws:CurrentTime` (or `acs:`) of its context, else its
 * `aws:EpochTime`, both checked by `contextKeyProblem`. It is the request's time, which every engine decides at: IAM
 * derives the time keys the context does not give from it, and bindings' conditions read it as `request.time`. Taken
 * by IAM's conditions alone, a simulation next year found a binding `request.time < timestamp("…")` that expires
 * before then still holding, where an IAM statement with the same condition no longer did.
 */
const SIMULATED_TIME_KEYS = ['aws:currenttime', 'acs:currenttime', 'aws:epochtime', 'acs:epochtime'] as const;
export function simulatedTime(ctx: Context): number | undefined {
  for (const key of SIMULATED_TIME_KEYS) {
    const v = ctx.get(key);
    if (v === undefined || v.length !== 1) continue;
    const ms = key.endsWith('epochtime') ? Number(v[0]) * 1000 : parseDateValue(v[0] as string);
    if (ms !== undefined && Number.isFinite(ms)) return ms;
  }
  return undefined;
}

/** The fields a question may carry over the API; `resourceAccount` is for resource servers of this process only. */
const QUESTION_FIELDS: ReadonlySet<string> = new Set(['principal', 'principalProof', 'audience', 'action', 'resource', 'context']);
/**
 * The longest `principalProof`: 16 KiB, what the server reads of a request's head, so the most a presigned
 * GetCallerIdentity GET can be. Its session token carries up to 10 KiB of claims (`MAX_CLAIMS_BYTES`: about 13.8 KB of
 * token, percent-encoded in the URL); 8,192 refused sessions with large session policies or tags outside ASCII.
 */
export const MAX_PROOF_LENGTH = 16 * 1024;

/**
 * The callers that the `principalProof`s of a request authenticate, by the proof as sent, then by the `audience` it
 * is verified for (`''`: none), verified before the question is decided: one proof verifies for its own audience and
 * is refused for any other (a batch may carry it with several); a failed proof is its refusal (never a decision).
 * Held for one request only.
 */
export type ProvenCallers = ReadonlyMap<string, ReadonlyMap<string, Result<Caller>>>;

/**
 * A proof refused for its key (inactive, its session expired or revoked) or for its time (expired, dated ahead) whose
 * signature the edge verified with the secret of the key it names: the refusal is that key holder's, and the audit
 * copies it into the key owner's account (review tu, 1). An unmarked refusal may be anyone's who knows a key id.
 */
export const keyHolderRefusal = <T>(r: Result<T>): Result<T> => (r.ok ? r : Object.assign({ ...r }, { signatureVerified: true as const }));
export const isKeyHolderRefusal = (r: Result<unknown> | undefined): boolean => r !== undefined && !r.ok && (r as { readonly signatureVerified?: unknown }).signatureVerified === true;

/** The longest `audience`: a URL or a name, with room to spare. */
export const MAX_AUDIENCE_CHARS = 256;
/**
 * Printable ASCII, single spaces between words: SigV4 trims a header's value and collapses its runs of spaces before
 * signing, so `a  b` and ` a b` would verify a proof bound to `a b`, and an HTTP header carries ASCII alone.
 */
const AUDIENCE_RE = /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/;
export const isAudience = (x: unknown): x is string => typeof x === 'string' && x.length <= MAX_AUDIENCE_CHARS && AUDIENCE_RE.test(x);

/**
 * What the proof of a question as sent (a batch item may be unchecked) proved, as the edge verified it for the
 * question's audience; undefined when it carries none, or an `audience` that is not one (refused unread).
 */
export function provenOf(proofs: ProvenCallers | undefined, q: { readonly principalProof?: unknown; readonly audience?: unknown }): Result<Caller> | undefined {
  if (proofs === undefined || typeof q.principalProof !== 'string') return undefined;
  if (q.audience !== undefined && !isAudience(q.audience)) return undefined;
  return proofs.get(q.principalProof)?.get(q.audience ?? '');
}

/**
 * Why a question's `action` and `resource` (as sent: any JSON) cannot be decided, or undefined: every route that
 * decides checks them before reading anything for them (who-can reads the resource's policies first: review fd, 3).
 */
export function actionAndResourceRefusal(input: { readonly action?: unknown; readonly resource?: unknown }): Result<never> | undefined {
  if (typeof input.action === 'string' && input.action.length > MAX_ACTION_CHARS) {
    return failWith('REQUEST_INVALID_ACTION', `action \`${quoted(input.action)}\` is ${input.action.length} characters; an action is at most ${MAX_ACTION_CHARS}`, 'action');
  }
  // Not a string, said as such (review vm, 7): quoted through `String`, a list of one action read "action
  // `s3:GetObject` must be one action", and null "action `null` must be…".
  if (input.action !== undefined && typeof input.action !== 'string') {
    const a = input.action;
    const got = a === null ? 'null' : Array.isArray(a) ? 'a list (ask about one action a question: several questions, or POST /v1/authorize:batch)' : typeof a === 'object' ? 'an object' : `a ${typeof a}`;
    return failWith('REQUEST_INVALID_ACTION', `\`action\` must be a string, one action \`service:Name\` (no wildcards), got ${got}`, 'action');
  }
  if (typeof input.action !== 'string' || !ACTION_RE.test(input.action)) {
    return failWith('REQUEST_INVALID_ACTION', input.action === undefined ? '`action` is required: one action `service:Name` (no wildcards)' : `action \`${quoted(input.action)}\` must be one action \`service:Name\` (no wildcards)`, 'action');
  }
  if (!input.action.includes(':') && !KNOWN_PERMISSIONS.has(input.action)) return unknownPermission(input.action);
  const resource = resourceRefusal(input.resource);
  if (resource !== undefined) return failWith('VALIDATION_ERROR', resource, 'resource');
  const regional = regionalSpelling(input.action, input.resource as string);
  if (regional !== undefined) return failWith('VALIDATION_ERROR', regional, 'resource');
  // `kubernetes:<verb>` is the SubjectAccessReview webhook's question, on which IAM only denies and RBAC alone allows
  // (`iamOnlyDenies`); on what is no cluster's ARN nor a path under one (`…:Cluster/c/…`, `…:cluster//…`, `*`) it was
  // decided as a resource server's action, and `Action: *` answered Allow where every cluster refuses (review mf, 3).
  if ((input.action.charCodeAt(0) | 32) === 107 && input.action.length > 11 && input.action.slice(0, 11).toLowerCase() === 'kubernetes:' && !CLUSTER_RESOURCE_RE.test(input.resource as string)) {
    return failWith(
      'VALIDATION_ERROR',
      `\`${quoted(input.action)}\` is a Kubernetes request, asked on a cluster's ARN or a request path under it (\`arn:aws:training::<account>:cluster/<name>/namespaces/<namespace>/…\`, \`acs:pai::<account>:cluster/<name>/…\`), got \`${quoted(input.resource as string)}\`, which no cluster's request is named (ARNs are case-sensitive)`,
      'resource',
    );
  }
  return undefined;
}

/** A workspace's, job's or cluster's regionless ARN whose type is not written in lower case (`…:Workspace/W`): its head, type and rest. */
const TYPE_IN_OTHER_CASE = /^((?:arn:[a-z][a-z0-9-]*:training|acs:pai)::\d{12}:)((?:workspace|job|cluster)\/)/i;

/**
 * Why a question Gatehouse decides itself cannot be asked on a workspace's, job's or cluster's ARN whose type is
 * written in another case: ARNs are case-sensitive, the checks of members, jobs and clusters read the lower-case type
 * alone, and `Action: *` answered Allow where jobs or the clusters API refuse (review mf, 4).
 */
function typeInOtherCase(action: string, resource: string): string | undefined {
  const m = TYPE_IN_OTHER_CASE.exec(resource);
  if (m === null || (m[2] as string) === (m[2] as string).toLowerCase() || (action.includes(':') && readsResourcePolicies(action))) return undefined;
  const own = `${m[1] as string}${(m[2] as string).toLowerCase()}${resource.slice(m[0].length)}`;
  return `\`resource\` \`${quoted(resource)}\` writes \`${(m[2] as string).slice(0, -1)}\` in another case, but workspaces', jobs' and clusters' ARNs name their type in lower case (ARNs are case-sensitive), and \`${quoted(action)}\` is decided on those alone: ask about \`${quoted(own)}\``;
}

/** A workspace's, job's or cluster's regionless ARN with more after its name (`…:cluster/gpu/`, `…:workspace/ml/x`): its ARN, and the rest. */
const PATH_AFTER_NAME = /^((?:arn:[a-z][a-z0-9-]*:training|acs:pai)::\d{12}:(?:workspace|job|cluster)\/[^/]+)(\/.*)$/s;

/** The enforced `training:` actions decided on a path under a cluster (a pod's or workload's), not on its ARN. Lower-cased. */
const ON_PATHS_UNDER_A_CLUSTER: ReadonlySet<string> = new Set(['training:admitpod', 'training:admitworkload']);

/** Whether Gatehouse decides `action` (or, in the bindings' spelling, one of its actions on `resource`) on a workspace's, job's or cluster's own ARN alone. */
function decidedOnOwnArn(action: string, resource: string): boolean {
  const actions = action.includes(':') ? [action] : actionsForPermissionOn(action, resource);
  return actions.some((a) => {
    const own = enforcedTrainingAction(a);
    return own !== undefined && !ON_PATHS_UNDER_A_CLUSTER.has(own);
  });
}

/**
 * Why a question Gatehouse decides itself on a workspace's, job's or cluster's own ARN (`training:GetCluster`,
 * `training:CreateJob`, and their permissions) cannot be asked on one with a path after its name (`…:cluster/gpu/`,
 * `…:cluster/gpu/x`): bindings govern it by its `/`-prefixes, the cluster's among them, while a Deny of the cluster's ARN
 * does not name it, so the question was answered Allow where the clusters API and jobs, which decide on the ARN alone,
 * refuse (review mk, 2). `kubernetes:` questions name request paths under a cluster (`…:cluster/gpu/` is `/`), and pods'
 * admission its pods' paths: those keep them.
 */
function pathAfterName(action: string, resource: string): string | undefined {
  const m = PATH_AFTER_NAME.exec(resource);
  if (m === null || !decidedOnOwnArn(action, resource)) return undefined;
  return `\`resource\` \`${quoted(resource)}\` has \`${quoted(m[2] as string)}\` after the name of a workspace, job or cluster, but \`${quoted(action)}\` is decided on its own ARN alone (what lies under it is no workspace, job or cluster): ask about \`${quoted(m[1] as string)}\``;
}

/** Gatehouse's permissions by their lower-cased spelling, to name the one a miscased question meant. */
let permissionsByLowerCase: ReadonlyMap<string, string> | undefined;

/**
 * A question in the bindings' spelling naming a permission Gatehouse does not know (roles/owner lists every one), as
 * `ml.jobs.Create` or `iam.serviceAccounts.actas`: no binding can grant it (a custom role holding one is refused), and
 * decided by IAM on its own spelling, `Action: *` allowed it past what the permission it resembles is decided with
 * (members, PassRole, IAM-only-denies). GCP's permissions are case-sensitive, and testIamPermissions refuses one that is
 * not valid with 400 INVALID_ARGUMENT (review mf, 2).
 */
function unknownPermission(action: string): Result<never> {
  permissionsByLowerCase ??= new Map([...KNOWN_PERMISSIONS].map((p) => [p.toLowerCase(), p]));
  const own = permissionsByLowerCase.get(action.toLowerCase());
  const hint = own !== undefined
    ? `: permissions are case-sensitive, ask about \`${own}\``
    : '; roles/owner lists every permission Gatehouse knows, and a resource server\'s own action is asked as `service:Name`';
  return failWith('REQUEST_INVALID_ACTION', `permission \`${quoted(action)}\` does not exist${hint}`, 'action');
}

/**
 * A workspace's, job's or cluster's ARN (or a path under a cluster), or an IAM/RAM ARN, written with a region
 * (`acs:pai:cn-hangzhou:A:workspace/W`, as RAM's documentation spells PAI's ARNs; `arn:aws:training:us-east-1:A:cluster/c/
 * namespaces/…`; `arn:aws:iam:us-east-1:A:role/R`): the head before the region, the region, and the rest. Those ARNs are
 * regionless (src/core/jobs/jobs.ts; IAM and RAM are global), and no request Gatehouse enforces names them otherwise.
 */
const REGIONAL_REGIONLESS_ARN = /^(arn:[a-z][a-z0-9-]*:iam:|acs:ram:)([^:]+)(:[^:]*:.*)$|^(arn:[a-z][a-z0-9-]*:training:|acs:pai:)([^:]+)(:\d{12}:(?:workspace|job|cluster)\/.*)$/s;

/**
 * Why a question Gatehouse decides itself (IAM, RAM, STS, the admin API, Kubernetes, the `training:` actions it
 * enforces, and the bindings' permissions) cannot be asked on `resource`: a regionless ARN spelt with a region. The
 * checks that make the answer the enforcement's (IAM only denies on a cluster's resources, only members submit to a
 * workspace, a Deny on the cluster's or role's ARN) read the regionless spelling, so such a question was answered as a
 * resource server's, Allow where enforcement refuses; and as in AWS a policy on the real ARN does not match another
 * spelling, so the answer would hold for no request. Refused, naming the ARN to ask about (review mf, 1; docs/decisions.md).
 */
function regionalSpelling(action: string, resource: string): string | undefined {
  const m = REGIONAL_REGIONLESS_ARN.exec(resource);
  if (m === null) return typeInOtherCase(action, resource) ?? pathAfterName(action, resource);
  if (action.includes(':') && readsResourcePolicies(action)) return undefined;
  const [head, region, rest] = m[1] !== undefined ? [m[1], m[2], m[3]] : [m[4], m[5], m[6]];
  const canonical = `${head as string}${rest as string}`;
  const what = m[1] !== undefined ? 'IAM and RAM ARNs (users, groups, roles, policies) carry no region' : 'workspaces, jobs and clusters (and what lies under a cluster) have ARNs without a region';
  return `\`resource\` \`${quoted(resource)}\` names region \`${quoted(region as string)}\`, but ${what}, and \`${quoted(action)}\` is decided on those alone: ask about \`${quoted(canonical)}\``;
}

/**
 * A question as an API client sends it (`POST /v1/authorize`, each item of a batch), checked before anything is
 * decided: an unknown field (a misspelt `principal`) or a field of the wrong type would otherwise be dropped, and
 * the question decided for the signing caller instead. `at` prefixes the JSON path of an error (`requests[3].`).
 */
export function questionOf(x: unknown, at = ''): Result<AuthorizeInput> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return failWith('VALIDATION_ERROR', `${at === '' ? 'the body' : at.slice(0, -1)} must be an object: {"principal"? or "principalProof"?, "action", "resource", "context"?}`, at === '' ? '' : at.slice(0, -1));
  const q = x as Record<string, unknown>;
  for (const k in q) {
    if (!Object.hasOwn(q, k)) continue;
    if (!QUESTION_FIELDS.has(k)) return failWith('VALIDATION_ERROR', `unknown field \`${shownKey(k)}\`: a question has \`principal\` or \`principalProof\` (optional, the proof with its \`audience\`), \`action\`, \`resource\` and \`context\` (optional)`, keyPath(k, at));
  }
  const { principal, principalProof, audience, action, resource, context } = q;
  if (principal !== undefined && (typeof principal !== 'string' || principal === '')) {
    return failWith('VALIDATION_ERROR', '`principal` must be the ARN of a principal, or left out to ask about the signing caller', `${at}principal`);
  }
  if (typeof principal === 'string' && principal.length > MAX_PRINCIPAL_CHARS) {
    return failWith('VALIDATION_ERROR', `\`principal\` is ${principal.length} characters; an ARN is at most ${MAX_PRINCIPAL_CHARS}, got \`${quoted(principal)}\``, `${at}principal`);
  }
  if (principalProof !== undefined) {
    if (typeof principalProof !== 'string' || principalProof === '' || principalProof.length > MAX_PROOF_LENGTH) {
      return failWith('VALIDATION_ERROR', `\`principalProof\` must be the caller's presigned STS GetCallerIdentity URL (http(s)://<this server>/?Action=GetCallerIdentity&…), at most ${MAX_PROOF_LENGTH} characters`, `${at}principalProof`);
    }
    if (principal !== undefined) {
      return failWith('VALIDATION_ERROR', '`principal` and `principalProof` both name the principal: send one (`principalProof` to ask about the exact session that signed the proof, `principal` to name a user or role by its ARN)', `${at}principalProof`);
    }
  }
  if (audience !== undefined) {
    if (!isAudience(audience)) {
      const got = typeof audience === 'string' ? `, got ${audience.length} characters${audience.length <= 100 && AUDIENCE_RE.test(audience.trim()) ? ` \`${audience}\`` : ''}` : `, got ${audience === null ? 'null' : Array.isArray(audience) ? 'a list' : `a ${typeof audience}`}`;
      return failWith('VALIDATION_ERROR', `\`audience\` must be the name this resource server gives itself (its URL or name): 1 to ${MAX_AUDIENCE_CHARS} printable ASCII characters, words separated by single spaces${got}`, `${at}audience`);
    }
    if (principalProof === undefined) {
      return failWith('VALIDATION_ERROR', '`audience` qualifies a `principalProof` (the resource server the caller bound its proof to): send it with the proof, or leave it out', `${at}audience`);
    }
  }
  if (context !== undefined && (typeof context !== 'object' || context === null || Array.isArray(context))) {
    return failWith('REQUEST_INVALID_CONTEXT', '`context` must be an object: {KEY: VALUE or [VALUES]}', `${at}context`);
  }
  // A Kubernetes question names what the webhook's reviews name, within the same bounds (src/core/kube limits.ts): its
  // IAM view searches the namespaces a Deny reaches through the whole path, and a batch of 1,000 naming 1,900
  // characters each held the server for seconds (review ki, 1).
  if (typeof action === 'string' && typeof resource === 'string' && resource.length <= 2048 && iamOnlyDenies(action, resource)) {
    const over = kubernetesPathOverLimit(resource);
    if (over !== undefined) {
      return failWith(
        'VALIDATION_ERROR',
        over.attribute === 'path'
          ? `\`resource\` names a Kubernetes ${KUBERNETES_PART[over.attribute]} of ${over.length} characters; ${over.what} is at most ${over.max}, as the SubjectAccessReview webhook refuses it: name the path a request has (\`<cluster>/healthz\`…)`
          : `\`resource\` names a Kubernetes ${KUBERNETES_PART[over.attribute]} of ${over.length} characters; ${over.what} is at most ${over.max}, so no object is named by it, as the SubjectAccessReview webhook refuses it: name what Kubernetes allows (\`<cluster>/namespaces/<namespace>/<resource>[.<group>][/<name>][/<subresource>]\`)`,
        `${at}resource`,
      );
    }
  }
  // The fields set one by one in the question's order (no spread of a small object per field: this runs for every question).
  const question: { -readonly [K in keyof AuthorizeInput]: AuthorizeInput[K] } = {} as AuthorizeInput;
  if (principal !== undefined) question.principal = principal;
  if (principalProof !== undefined) question.principalProof = principalProof as string;
  if (audience !== undefined) question.audience = audience;
  question.action = action as string;
  question.resource = resource as string;
  if (context !== undefined) question.context = context as Record<string, unknown>;
  return ok(question);
}


/**
 * A Kubernetes question on a cluster's bare ARN is the request for the API server's root path `/`, which the
 * SubjectAccessReview webhook decides as `kubernetes:<verb>` on `<cluster>/` (the cluster ARN followed by the path,
 * core/kube `kubernetesResource`): so is it decided here, or a Deny written on one spelling applied through one door
 * only (review ki, 2). Other actions on the cluster (`training:GetCluster`) keep the bare ARN, their resource.
 */
function kubernetesRootQuestion(input: AuthorizeInput): AuthorizeInput {
  if (!iamOnlyDenies(input.action, input.resource) || CLUSTER_ARN_RE.exec(input.resource)?.[0] !== input.resource) return input;
  return { ...input, resource: `${input.resource}/` };
}

/** How a Kubernetes question's error names the part of its path that is too long. */
const KUBERNETES_PART: Readonly<Record<KubernetesNameAttribute, string>> = { namespace: 'namespace', apiGroup: 'API group', resource: 'resource', subresource: 'subresource', name: 'object name', path: 'non-resource URL path' };

/**
 * A cluster's resources (src/app/kube.ts): `kubernetes:<verb>` on them is decided as the SubjectAccessReview webhook
 * decides it, where IAM only ever denies (an IAM allow grants nothing in Kubernetes, or every `Action: *`
 * administrator would be cluster-admin) and RBAC alone allows. So is the same request asked with a Kubernetes
 * permission (`container.secrets.get`, review ej, 3): `Action: *` allowed an administrator every secret of every
 * cluster in that spelling (and bindings of `roles/container.developer` its pods), which the webhook never lets
 * through.
 */
// Asked twice a decision: the first letter turns away every other service without a copy of the action.
/**
 * A cluster's own action (`training:GetCluster`, `training:CreateAccessEntry`…, those Gatehouse enforces) on a cluster's
 * ARN in any spelling: the clusters API and the cluster doors decide it on the cluster's ARN in its account's dialect, so
 * the authorize API does too (`decideOnCluster`). Asked as `arn:aws-cn:training::A:cluster/c`, no Deny written on
 * `arn:aws:training::A:cluster/c` applied, and it answered Allow where the clusters API refuses (review ko, 4).
 */
const clusterQuestion = (action: string, resource: string): boolean => enforcedTrainingAction(action) !== undefined && CLUSTER_ARN_RE.exec(resource)?.[0] === resource;

const iamOnlyDenies = (action: string, resource: string): boolean => {
  const first = action.charCodeAt(0) | 32;
  if (first === 107) return action.length > 11 && action.slice(0, 11).toLowerCase() === 'kubernetes:' && CLUSTER_RESOURCE_RE.test(resource);
  return first === 99 && isKubernetesObjectRequest(action, resource);
};

/**
 * The services whose requests Gatehouse enforces itself without reading resource policies: the IAM/RAM Query API and
 * the admin API (identity policies), STS (trust and identity policies), jobs (identity policies and bindings), the
 * SubjectAccessReview webhook (IAM denies, RBAC). A resource policy attached to a user's, role's, workspace's or
 * cluster's ARN takes no part in those decisions, so it takes none in the answer either (review I, I1): its Allow
 * answered Allow where the Query API refused, and its Deny ExplicitDeny where STS issued the session. Lower-cased.
 * Object storage (`s3:`, `oss:`) and the services of resource servers keep them: the S3 gateway asks this union.
 */
const NO_RESOURCE_POLICY_SERVICES: ReadonlySet<string> = new Set(['iam', 'ram', 'sts', 'gatehouse', 'kubernetes']);
/**
 * Of `training:`, the actions Gatehouse enforces (jobs, workspaces, clusters, access entries, RBAC objects,
 * admission); the others (`training:DescribeJob`, `training:InvokeModel`) are a resource server's, which may read
 * resource policies (conformance/resource/same-account.json). Lower-cased.
 */
const ENFORCED_TRAINING_ACTIONS: ReadonlySet<string> = new Set(
  [
    'CreateJob', 'GetJob', 'ListJobs', 'StopJob', 'StartClusterNode', 'CreateWorkspace', 'GetWorkspace', 'ListWorkspaces', 'UpdateWorkspace',
    'DeleteWorkspace', 'CreateCluster', 'GetCluster', 'ListClusters', 'UpdateCluster', 'DeleteCluster', 'GetClusterWebhookConfig',
    'RotateClusterWebhookToken', 'CreateAccessEntry', 'DescribeAccessEntry', 'ListAccessEntries', 'UpdateAccessEntry', 'DeleteAccessEntry',
    'ApplyRbacObject', 'DeleteRbacObject', 'AdmitPod', 'AdmitWorkload',
  ].map((a) => `training:${a.toLowerCase()}`),
);
/**
 * `action` as the training action Gatehouse enforces, lower-cased (`training:createjob`), in either of its names: its own
 * (`training:CreateJob`) or Alibaba PAI's (`pai:CreateJob`), the same request (review ry, 2); undefined for any other. Read
 * as `training:` alone, PAI's names were taken for a resource server's actions: a resource policy on a workspace decided
 * `pai:CreateJob` and `pai:GetWorkspace`, which jobs decide without one, and a regional or miscased ARN was answered as a
 * resource server's question (review ss, 1).
 */
export function enforcedTrainingAction(action: string): string | undefined {
  const first = action.charCodeAt(0) | 32;
  const own = first === 116 ? action.toLowerCase() : first === 112 && /^pai:/i.test(action) ? `training:${action.slice(4).toLowerCase()}` : undefined;
  return own !== undefined && ENFORCED_TRAINING_ACTIONS.has(own) ? own : undefined;
}
const readsResourcePolicies = (action: string): boolean => {
  const colon = action.indexOf(':');
  if (colon < 0) return true;
  const service = action.slice(0, colon).toLowerCase();
  return service === 'training' || service === 'pai' ? enforcedTrainingAction(action) === undefined : !NO_RESOURCE_POLICY_SERVICES.has(service);
};
const NO_POLICIES: readonly never[] = Object.freeze([]);

/**
 * The explicit deny of `action` (one of the IAM actions a question in the bindings' spelling is: `actionsForPermissionOn`)
 * spelt in the other dialect (`adminDenyOnly`: `training:X` ≡ `pai:X`, a workspace's, job's or cluster's other ARN), from
 * a Deny statement naming that action and resource (`namesItsTarget`), as a question asking `action` itself gets it; else
 * undefined. Resource policies of the resource asked about count only for the resource asked about.
 */
function otherSpellingDeny(request: AuthzRequest, set: PolicySet, action: string, how: Parameters<typeof evaluate>[2]): { readonly decision: Decision; readonly action: string } | undefined {
  for (const o of adminDenyOnly(action, request.resource) ?? []) {
    const on = o.resource === request.resource && readsResourcePolicies(o.action) ? set : { ...set, resource: NO_POLICIES };
    const x = evaluate({ ...request, action: o.action, resource: o.resource }, on, how);
    if (x.decision === 'ExplicitDeny' && namesItsTarget(x.matched, on)) return { decision: x, action: o.resource === request.resource ? o.action : `${o.action} on ${o.resource}` };
  }
  return undefined;
}
/** The trust policy of what is not a role ARN, under which a trust action on it is decided: it allows nothing (review jk, 2). */
const NO_ROLE_TRUST: CompiledPolicy = compilePolicy({ version: '2012-10-17', dialect: 'aws', id: undefined, statements: [] }, 'trust policy of no role');

/**
 * Whether a name a question carries may be looked up in the store: a NUL is refused by the store (PostgreSQL's `invalid
 * byte sequence for encoding "UTF8": 0x00`, mirrored by the SQLite store), and no workspace, job or policy can hold one,
 * so such a name names nothing stored. Read, the refusal escaped the decision: the question was answered 400 and a
 * batch holding it failed whole (review jk, 1).
 */
const storable = (name: string): boolean => !name.includes('\u0000');

/**
 * What the enforcement of workspaces (src/app/jobs.ts) adds to the policies, so that the union answers as it decides
 * (review I, M2): a workspace's members, users named in it or through a group, may read it (`training:GetWorkspace`)
 * whatever the policies say short of an explicit deny, and only they may submit jobs to it (`training:CreateJob`),
 * whatever the policies allow (a role is never a member: jobs are submitted by users). The workspace the ARN names.
 * The workspaces API's writes of a stored workspace (`PUT`, `DELETE /v1/workspaces/W`: src/adapters/http/jobs-api.ts
 * `authorizeInWrite`) are decided on its ARN in its account's dialect, its name as stored, too (`decideOnWorkspace`),
 * though membership takes no part in them (`MEMBERSHIP_ACTIONS`): asked on the other dialect's spelling, an Allow
 * naming only that spelling answered Allow where the workspaces API refuses (review vs, 1).
 */
const WORKSPACE_ARN_RE = /^(?:arn:[a-z][a-z0-9-]*:training::|acs:pai::)(\d{12}):workspace\/([^/]+)$/;
const MEMBERSHIP_ACTIONS: ReadonlySet<string> = new Set(['training:getworkspace', 'training:createjob']);
const WORKSPACE_ACTIONS: ReadonlySet<string> = new Set([...MEMBERSHIP_ACTIONS, 'training:createworkspace', 'training:updateworkspace', 'training:deleteworkspace']);
function workspaceQuestion(action: string, resource: string): { readonly account: string; readonly name: string } | undefined {
  const a = jobsAction(action);
  if (a === undefined || !WORKSPACE_ACTIONS.has(a)) return undefined;
  const m = WORKSPACE_ARN_RE.exec(resource);
  return m === null ? undefined : { account: m[1] as string, name: m[2] as string };
}

/**
 * The permissions of the actions jobs enforce on workspaces and jobs, in the bindings' spelling (src/core/bindings/
 * actions.ts), as those actions: the same request, which jobs decide with a workspace's members and a job's workspace
 * and submitter whichever way it is spelt (review ej, 4). Asked as `ml.jobs.create`, a non-member's submission that
 * jobs refuse was answered Allow; as `resourcemanager.workspaces.get`, a member's read that jobs allow was refused.
 */
const JOBS_PERMISSIONS: ReadonlyMap<string, string> = new Map([
  ['resourcemanager.workspaces.get', 'training:getworkspace'],
  ['ml.jobs.create', 'training:createjob'],
  ['ml.jobs.get', 'training:getjob'],
  ['ml.jobs.cancel', 'training:stopjob'],
  ['ml.jobs.list', 'training:listjobs'],
  ['resourcemanager.workspaces.create', 'training:createworkspace'],
  ['resourcemanager.workspaces.update', 'training:updateworkspace'],
  ['resourcemanager.workspaces.delete', 'training:deleteworkspace'],
]);
/**
 * The lower-cased `training:` action jobs enforce that `action` asks (in any spelling: `training:`, PAI's `pai:`, the
 * bindings' permission), or undefined. Asked for every
 * decision: the first letter turns away every other service without a copy of the action.
 */
function jobsAction(action: string): string | undefined {
  const first = action.charCodeAt(0) | 32;
  if (first === 116) return action.toLowerCase();
  // Alibaba PAI's name of the action (`pai:CreateJob`), as bindings read it (review ry, 2).
  if (first === 112) return /^pai:/i.test(action) ? `training:${action.slice(4).toLowerCase()}` : undefined;
  return first === 109 || first === 114 ? JOBS_PERMISSIONS.get(action) : undefined;
}

/**
 * A question of a job's actions on a job's ARN (src/app/jobs.ts `authorizeJobAccess`): jobs decide it on the job's
 * ARN with its workspace's ARN as its container (`jobOrWorkspace`; review J, j2). The account and job id the ARN names.
 */
function jobQuestion(action: string, resource: string): { readonly account: string; readonly id: string } | undefined {
  const a = jobsAction(action);
  if (a === undefined || !JOB_ACTIONS.has(a)) return undefined;
  return parseJobArn(resource);
}

/**
 * A question of getting or setting the IAM policy of a job's ARN (`gatehouse:SetIamPolicy`, `gatehouse:GetIamPolicy`, or
 * the permissions `ml.jobs.setIamPolicy`, `ml.jobs.getIamPolicy`): bindings.ts `mayManage` decides it with the job's
 * workspace as its container (review up, 1). The account and job id the ARN names.
 */
function jobPolicyQuestion(action: string, resource: string): { readonly account: string; readonly id: string } | undefined {
  const a = action.toLowerCase();
  if (a !== 'gatehouse:setiampolicy' && a !== 'gatehouse:getiampolicy' && action !== 'ml.jobs.setIamPolicy' && action !== 'ml.jobs.getIamPolicy') return undefined;
  return parseJobArn(resource);
}

/**
 * Who a decision is for, beside the question: the asking caller's account, which decides what of another account's
 * policies the answer may show (`conclude`, review I3), and for a workspace question whether the principal asked
 * about is one of its members (`workspaceQuestion`).
 */
interface Asking {
  readonly account: string;
  readonly member?: boolean;
}

/** The reason a job submission that the policies allow is refused to a non-member of the workspace (`asMembersAllow`). */
const NOT_A_MEMBER = 'workspaces: ImplicitDeny: ';
/**
 * Whether an answer to `training:CreateJob` on a workspace refused only because the principal is not a member: the
 * policies and bindings allowed it (escalation-paths: a user who may join the workspace may then submit).
 */
export function refusedOnlyAsNonMember(a: AuthorizeAnswer): boolean {
  return a.decision === 'ImplicitDeny' && a.reasons.some((r) => r.startsWith(NOT_A_MEMBER));
}
/** The answer's reasons without the non-member line (`asMembersAllow`). */
/**
 * The identity policies and boundary of `policies` as the principal would hold them after a step of its own
 * (`AuthorizeInput.addedIdentity` and `addedBoundary`, set by escalation-paths): `added` besides its own, one named as a
 * policy it holds (a managed policy, by its ARN) in that one's place, as its boundary too (review tk, 2); `boundary`
 * in its boundary's place alone, when it names that boundary (review tw, 3).
 */
export function withAddedPolicies(policies: Pick<PolicySet, 'identity' | 'boundary'>, added: readonly CompiledPolicy[] | undefined, boundary: CompiledPolicy | undefined): { identity: readonly CompiledPolicy[]; boundary: CompiledPolicy | undefined } {
  const inPlace = boundary !== undefined && policies.boundary?.name === boundary.name ? boundary : undefined;
  if (!added) return { identity: policies.identity, boundary: inPlace ?? policies.boundary };
  const replaced = new Set(added.map((p) => p.name));
  const held = policies.boundary && replaced.has(policies.boundary.name) ? added.find((p) => p.name === policies.boundary?.name) : policies.boundary;
  return { identity: [...policies.identity.filter((p) => !replaced.has(p.name)), ...added], boundary: inPlace ?? held };
}

export const reasonsBesideMembership = (a: AuthorizeAnswer): string[] => a.reasons.filter((r) => !r.startsWith(NOT_A_MEMBER));

/** The policy types of each side of a decision: the principal's account's, and the resource's account's. */
const PRINCIPAL_SIDE: ReadonlySet<string> = new Set(['identity', 'boundary', 'session']);
const RESOURCE_SIDE: ReadonlySet<string> = new Set(['resource', 'trust']);

/**
 * A user, role, managed policy or OIDC provider of the directory that a question's resource names (`directoryEntityOf`);
 * `path` of an `aws` ARN; a policy by its ARN as asked (the store finds it by its exact ARN, as the Query API does); a
 * provider by the host and path its ARN names (src/app/oidc.ts `parseArn`).
 */
type DirectoryEntity =
  | { kind: 'user' | 'role'; account: string; name: string; path: string | undefined; sts?: true }
  | { kind: 'policy'; account: string; arn: string }
  | { kind: 'oidc-provider'; account: string; hostPath: string }
  | { kind: 'tagless'; group?: { account: string; name: string; path: string | undefined } };
const POLICY_ARN_RE = /^(?:arn:aws[a-z-]*:iam::(\d{12})|acs:ram::(\d{1,20})):policy\//;
const USER_ARN_RE = /^arn:aws[a-z-]*:iam::(\d{12}):user(\/(?:[\u0021-\u007E]*\/)?)([\w+=,.@-]{1,64})$/;
const ACS_USER_ARN_RE = /^acs:ram::(\d{1,20}):user\/([\w+=,.@-]{1,64})$/i;
const GROUP_ARN_RE = /^arn:aws[a-z-]*:iam::(\d{12}):group(\/(?:[\u0021-\u007E]*\/)?)([\w+=,.@-]{1,128})$/;
const ACS_GROUP_ARN_RE = /^acs:ram::(\d{1,20}):group\/([\w+=,.@-]{1,64})$/i;
/**
 * The user or role an `iam:`/`ram:` question is about, when its resource is one's ARN: the Query API decides such
 * requests with the entity's tags (and some with its boundary). Not PassRole: jobs pass a role with
 * `iam:PassedToService` only (reference: no ResourceTag conditions on PassRole).
 */
function directoryEntityOf(action: string, resource: string): DirectoryEntity | undefined {
  // Asked for every decision: the first letter turns away most services without a copy of the action.
  const c = action.charCodeAt(0) | 32;
  // `sts:` alone of the `s…` services (s3:GetObject, the most asked, goes no further than this line).
  if (c !== 105 && c !== 114 && (c !== 115 || (action.charCodeAt(1) | 32) !== 116 || action.charCodeAt(3) !== 58)) return undefined;
  const a = action.toLowerCase();
  // AssumeRole (TagSession, SetSourceIdentity…) on a role is decided with the role's tags, as STS decides it (review cc, 8).
  if (c === 115) {
    const r = TRUST_ACTIONS.has(a) ? parseRoleArn(resource) : undefined;
    return r === undefined ? undefined : { kind: 'role', account: r.account, name: r.name, path: r.partition === 'aws' ? r.path : undefined, sts: true };
  }
  if (!(a.startsWith('iam:') || a.startsWith('ram:')) || a.endsWith(':passrole')) return undefined;
  const role = parseRoleArn(resource);
  if (role !== undefined) return { kind: 'role', account: role.account, name: role.name, path: role.partition === 'aws' ? role.path : undefined };
  const u = USER_ARN_RE.exec(resource);
  if (u) return { kind: 'user', account: u[1] as string, name: u[3] as string, path: u[2] as string };
  const acs = ACS_USER_ARN_RE.exec(resource);
  if (acs) return { kind: 'user', account: acs[1] as string, name: acs[2] as string, path: undefined };
  // A managed policy: every action on one is decided with its tags (directory.ts `authorizedPolicy`; review Q, q5).
  const p = POLICY_ARN_RE.exec(resource);
  if (p) return { kind: 'policy', account: (p[1] ?? p[2]) as string, arn: resource };
  // An OIDC provider: every action on one is decided with its tags as `aws:ResourceTag/K` (oidc.ts; review cb, 7).
  const o = PROVIDER_ARN_RE.exec(resource);
  if (o) return { kind: 'oidc-provider', account: o[1] as string, hostPath: o[2] as string };
  // Anything else (a group, which IAM gives no tags; an instance profile, MFA device or server certificate, which never
  // exist here; a listing such as `…:user/*`; `*`): the Query API decides it with no resource tag (review nk, 3). A
  // group, on its stored ARN (`onStoredGroup`).
  const g = GROUP_ARN_RE.exec(resource);
  if (g) return { kind: 'tagless', group: { account: g[1] as string, name: g[3] as string, path: g[2] as string } };
  const acsGroup = ACS_GROUP_ARN_RE.exec(resource);
  if (acsGroup) return { kind: 'tagless', group: { account: acsGroup[1] as string, name: acsGroup[2] as string, path: undefined } };
  return { kind: 'tagless' };
}

/** A condition miss quoting the value it read (src/core/iam/conditions.ts): the key, then ` = VALUES does not satisfy`. */
const QUOTED_VALUE_RE = /`([^`]+)` = .*? does not satisfy/g;
/** A condition miss on a key the directory supplies, with the value it quotes (src/core/iam/conditions.ts). */
const DIRECTORY_VALUE_RE = /`((?:aws|iam):ResourceTag\/[^`]*|iam:PermissionsBoundary|ram:OidcIssuerUrl)` = .*? does not satisfy/gi;
/** The actions the Query API decides with the target's current boundary as `iam:PermissionsBoundary` (directory.ts); lower-cased, without service. */
const BOUNDARY_ACTIONS: ReadonlySet<string> = new Set(
  ['User', 'Role'].flatMap((t) => [`delete${t}permissionsboundary`, `attach${t}policy`, `detach${t}policy`, `put${t}policy`, `delete${t}policy`].map((x) => x.toLowerCase())),
);
/** Whether the Query API decides `action` (`iam:PutUserPolicy`, `ram:DetachRolePolicy`…) with its target's current boundary. */
export const readsCurrentBoundary = (action: string): boolean => BOUNDARY_ACTIONS.has(action.slice(action.indexOf(':') + 1).toLowerCase());

/** PassRole in either dialect, or in the bindings' spelling (`iam.serviceAccounts.actAs`, decided as it: review ej, 5). */
const isPassRole = (action: string): boolean => action === 'iam.serviceAccounts.actAs' || (action.length === 12 && (action.toLowerCase() === 'iam:passrole' || action.toLowerCase() === 'ram:passrole'));

/**
 * The admin API's own actions (`gatehouse:`, lower-cased) a GetSessionToken session may still be allowed, as its routes
 * let it (src/adapters/http/admin-api.ts `USER_SESSION_ROUTES`): the console's sign-in and sign-out, and
 * `gatehouse:Authorize` on itself alone (`sessionAdminRefused`); a federated user the first two alone.
 */
const USER_SESSION_ADMIN_ACTIONS: ReadonlySet<string> = new Set(['gatehouse:consolesignin', 'gatehouse:consolesignout']);
const FEDERATED_ADMIN_ACTIONS: ReadonlySet<string> = new Set(['gatehouse:consolesignin', 'gatehouse:consolesignout']);

/** `gatehouse:Authorize`, in any case: decided in the asker's own account (`mayAsk`). */
const isAuthorizeAction = (action: string): boolean => action.length === 19 && action.toLowerCase() === 'gatehouse:authorize';

/** The actions STS decides under a role's trust policy (reference §A.1.9); lower-cased. */
export { TRUST_ACTIONS };
/** STS's key for the source identity the session an AssumeRole issues will carry (lower-cased, as the engine reads it). */
const SOURCE_IDENTITY = 'sts:sourceidentity';

/**
 * Whether a question's context names session tags the request passes (`aws:RequestTag/<key>`, RAM's
 * `acs:RequestTag/<key>`, `aws:TagKeys`, `acs:TagKeys`, `sts:TransitiveTagKeys`, with a value): an AssumeRole (or a web
 * identity token's exchange) passing them is asked sts:TagSession as well (src/app/sts.ts, src/app/oidc.ts).
 */
export function contextPassesTags(context: AuthorizeInput['context']): boolean {
  const ctx = context ?? {};
  for (const k in ctx) {
    const key = k.toLowerCase();
    const v = ctx[k];
    if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) continue;
    if (key.startsWith('aws:requesttag/') || key.startsWith('acs:requesttag/') || (TAG_KEY_KEYS as readonly string[]).includes(key)) return true;
  }
  return false;
}

/** Whether a question's context names the source identity the request sets (`sts:SourceIdentity`): sts:SetSourceIdentity is asked too. */
export function contextSetsSourceIdentity(context: AuthorizeInput['context']): boolean {
  for (const k in context ?? {}) if (k.toLowerCase() === SOURCE_IDENTITY) return true;
  return false;
}

/**
 * An ARN naming one session of a role (`arn:aws:sts::A:assumed-role/R/S`, `acs:ram::A:role/R/S`, Alibaba's
 * GetCallerIdentity `acs:ram::A:assumed-role/R/S`: review gu, 2), as opposed to the role itself
 * (`arn:aws:iam::A:role/R`, `acs:ram::A:role/R`), which asks about the role's rights.
 */
const SESSION_ARN_RE = /^(?:arn:[a-z][a-z0-9-]*:sts::\d+:assumed-role\/|acs:ram::\d+:role\/[^/]+\/|acs:ram::\d+:assumed-role\/)/;
/**
 * The session name a job's sessions are issued under (src/app/jobs.ts `issueFor`): `job-<id>`, `node-<id>`. In any
 * case, as the registry of scoped sessions and the role lookup match a session's name (review K, K4): `JOB-<ID>` names
 * the same job's session, and is decided with its scope, never with the role's whole rights (fails closed).
 */
const JOB_SESSION_RE = /^(job|node)-([a-z0-9]{1,59})$/i;
/** How long a job's session, resolved from its record, is used before the record is read again (it may end). */
const JOB_SESSION_TTL_MS = 1000;

/**
 * The context of a decision about the asker itself (may it ask about another principal): the facts of the request it
 * asks in, `aws:SourceIp`, `aws:SecureTransport`, `aws:RequestedRegion`, `aws:UserAgent`, `aws:Referer` and the key it
 * signed with, `acs:AccessId`;
 * none for a caller made in process. What
 * `contextOf(requestContext(caller))` gives (keys lower-cased as the engine reads them), built directly: it runs for
 * every question about another principal, where the two generic helpers cost ~1 µs and this ~0.1 µs.
 */
const NO_FACTS: Context = new Map();
function askerContext(caller: Caller): Context {
  const r = caller.request;
  if (r === undefined) return NO_FACTS;
  const c = new Map<string, string[]>([[ACCESS_ID, [caller.accessKeyId]]]);
  if (r.sourceIp !== undefined) c.set('aws:sourceip', [r.sourceIp]);
  if (r.secureTransport !== undefined) c.set('aws:securetransport', [r.secureTransport ? 'true' : 'false']);
  if (r.requestedRegion !== undefined) c.set('aws:requestedregion', [r.requestedRegion]);
  if (r.userAgent !== undefined) c.set('aws:useragent', [r.userAgent]);
  if (r.referer !== undefined) c.set('aws:referer', [r.referer]);
  return c;
}

/**
 * Whether `typed` names the user or role whose ARN, in the dialect asked, is `expected` (ending in its stored `name`):
 * the same ARN but for the name's case, which IAM's unique names ignore. Path and partition must be the entity's.
 */
const sameEntity = (typed: string, expected: string, name: string): boolean =>
  typed.length === expected.length && typed.slice(0, -name.length) === expected.slice(0, -name.length) && typed.slice(-name.length).toLowerCase() === name.toLowerCase();

/** Names of roles and sessions compared as the registry of scoped sessions compares them: in any case. */
const sameName = (a: string, b: string | undefined): boolean => b !== undefined && a.toLowerCase() === b.toLowerCase();

/** Principals resolved by ARN, kept until the directory changes (bounded: untrusted callers choose the ARNs). */
const MAX_RESOLVED = 10_000;

/** What a question about an ARN that names no user or role is answered (`arn` as asked, `principal` as it parses). */
function noSuchPrincipal(arn: string, principal: Principal): Result<never> {
  return principal.kind === 'role-session' && principal.roleArn !== undefined
    ? failWith('NO_SUCH_ENTITY', `role \`${principal.roleArn}\` does not exist (a role's ARN carries its path: use the ARN the directory gives it)`, 'principal')
    : failWith('NO_SUCH_ENTITY', `user \`${arn}\` does not exist (a user's ARN carries its path: use the ARN the directory gives it)`, 'principal');
}

/**
 * `revocations`: the live state (src/app/live.ts `LiveState`): its revocation list, read at each decision about a session
 * named by ARN (absent, no session counts as revoked), and the change head its directory has applied.
 */
export function createAuthorizer(deps: AppDeps, sts: Sts, resourcePolicies: ResourcePolicies, engines: readonly AuthorizeEngine[] = [], revocations?: { isRevoked(c: SessionClaims): boolean; readonly head?: number; readonly loaded?: boolean; groupsOfUser?(account: string, name: string): readonly string[] | undefined }) {
  // A decision touches no database (DESIGN.md "Performance model"): the principal named in a question is
  // read once per version of the directory. That version is the resource policies' and the live directory's change
  // head together: an instance's refresh reads the two in transactions one after the other, so a change committed
  // between them moved the first alone, and a principal resolved then (from the directory before the change) was kept
  // under it once the directory applied the change, until anything else changed (review eu, 1).
  const resolved = new Map<string, { principal: Principal; policies: PolicySet }>();
  let resolvedVersion = -1;
  let resolvedHead = -1;
  const current = (version: number, head: number): boolean => version === resourcePolicies.version && head === (revocations?.head ?? -1);
  /**
   * Job sessions resolved from their job's record, each for `JOB_SESSION_TTL_MS` (a job ends apart from the
   * directory); `undefined`: no running job carries that ARN (it is then an ordinary session's).
   */
  const jobSessions = new Map<string, { value: Resolved | undefined; at: number }>();
  /**
   * Where each job asked about lives (`jobPlaceOf`: its account, partition, workspace or cluster, submitter), by id. A
   * job's place is written once, when it is submitted, and a job is never deleted: held, it is never stale. Read from
   * the store for every question on a job's ARN, a decision read the database (DESIGN.md "Performance model": a
   * decision touches none) and answered 503 while PostgreSQL was out (issue 7: decisions keep working; review oi, 2).
   * A job the store does not hold is not held: it may be submitted a moment later, through any instance.
   */
  const jobPlaces = new Map<string, NonNullable<Awaited<ReturnType<typeof jobPlaceOf>>>>();
  /**
   * The last record read of each job whose session was asked about by ARN (`jobSessionOf`), by id, and when it was read:
   * what decides for its sessions while the store cannot be read, as the job's credential endpoints serve the job they
   * hold (src/app/jobs.ts `jobByCapability`). A job's end revokes its sessions (`job/<id>`), which this instance hears of
   * through its change log: a revocation of the job's sessions after the record was read refuses the fallback (503, as
   * before). Without it every such question answered 503 once the record held for a second had gone (review oi, 3).
   */
  const heldJobSessions = new Map<string, { session: JobSession; at: number }>();
  /** Workspaces asked about (`heldWorkspace`), by their store key, with the version and head they were read at. */
  const workspaces = new Map<string, { workspace: Workspace | undefined; version: number; head: number }>();
  /** The S3 gateway's objects, when one runs in this process (`useObjectTags`). */
  let objectTags: ObjectTagsReader | undefined;

  /** One session a session ARN may name: its principal and policies, and what it carries beyond its role's. */
  /** `transitive`: the session carries transitive session tags, which pass to a session it assumes (`carriesTransitiveTags`). */
  type OneSession = { principal: Principal; policies: PolicySet; scope?: ScopeRecord; job?: string; transitive?: true };
  /**
   * `sessions`: when the ARN asked about may name several sessions that carry different scopes (src/app/session-scopes.ts),
   * each of them; the question is decided for each, and allowed only if every one is allowed (fails closed).
   */
  /**
   * `accessKeyId`: the key the principal signed with, when the question is its own (no `principal`) or a
   * `principalProof`'s: its `acs:AccessId` (review do, 1). A principal named by ARN signed nothing here.
   */
  /**
   * `job`: the job whose session a session ARN named (its record matched, `readJobSession`): revoking that job's sessions
   * (`sts revoke-sessions --job`) revokes the session as its role's or its ARN's revocation does (review op, 1).
   */
  type Resolved = { principal: Principal; policies: PolicySet; sessions?: readonly OneSession[]; refused?: string; accessKeyId?: string; job?: string; transitive?: true };

  /**
   * Synchronous when the principal is the caller or already resolved (the steady state): a decision then
   * takes no promise at all. `asked` memoises, within one batch, whether the caller may ask about an ARN.
   */
  function resolvePrincipal(caller: Caller, arn: string | undefined, resource: string, owner: string | undefined, asked?: Map<string, Result<unknown>>, kube = false): Result<Resolved> | Promise<Result<Resolved>> {
    // Only a question naming no principal is the signed request's own: one naming the caller's ARN may be about a
    // request its client signed with another of the caller's keys (`acs:AccessId` then comes from the context).
    // A console sign-in opened with a long-term key acts as that key, but STS refuses it what it refuses session
    // credentials (review ik, 1): its own question says so too (review ol, 3).
    if (arn === undefined) {
      const principal = caller.console !== undefined && caller.session === undefined ? { ...caller.principal, consoleSignIn: true as const } : caller.principal;
      return ok({ principal, policies: caller.policies, accessKeyId: caller.accessKeyId, ...(carriesTransitiveTags(caller) ? { transitive: true as const } : {}) });
    }
    if (arn === caller.principal.arn) return ok({ principal: caller.principal, policies: caller.policies, ...(carriesTransitiveTags(caller) ? { transitive: true as const } : {}) });
    const r = resolveNamed(caller, arn, resource, owner, asked, kube);
    return r instanceof Promise ? r.then((x) => asEnforced(caller, arn, resource, owner, asked, x)) : asEnforced(caller, arn, resource, owner, asked, r);
  }

  /**
   * The principal an ARN resolved to, as enforcement sees it (review N, N1 and N5):
   * - The ARN asked about may spell the user's or role's name in another case, or name a session in the other
   *   dialect's form; the principal resolved carries the canonical ARN (stored path and name, the account's dialect),
   *   which policies match. The asker must also be allowed `gatehouse:Authorize` on that canonical ARN (and on each
   *   session's it stands for): a deny it holds on the entity's ARN is not sidestepped by another spelling.
   * - A session named by ARN is refused (an implicit deny, saying why) while a session of that name issued before a
   *   revocation of it, of its role's sessions, or of its job's (a job's session: review op, 1), could still be
   *   unexpired: the ARN does not say whether it names such a session or a later one (a session named by ARN counts
   *   as issued at the earliest, as for `aws:TokenIssueTime`). Read at each decision, not kept with the resolved principal.
   */
  function asEnforced(caller: Caller, arn: string, resource: string, owner: string | undefined, asked: Map<string, Result<unknown>> | undefined, r: Result<Resolved>): Result<Resolved> {
    if (!r.ok) return r;
    const p = r.value.principal;
    const bySession = p.kind === 'role-session' && SESSION_ARN_RE.test(arn);
    const canonical = canonicalArn(arn, p);
    if (canonical !== undefined && canonical !== arn) {
      // Refused on the entity's own ARN, the asker learns no more than of an ARN that names no one: the same 404 as
      // for a spelling that resolves to nothing, not a 403 that would tell the entity exists.
      const may = mayAsk(caller, canonical, p.account, resource, owner, asked);
      if (!may.ok) {
        const spelt = principalFromArn(arn);
        return spelt.ok ? noSuchPrincipal(arn, spelt.value) : spelt;
      }
    }
    const sessions = r.value.sessions;
    if (sessions !== undefined) {
      for (const s of sessions) {
        if (s.principal.arn === arn || s.principal.arn === canonical) continue;
        const may = mayAsk(caller, s.principal.arn, s.principal.account, resource, owner, asked);
        if (!may.ok) return may;
      }
    }
    const role = bySession && revocations !== undefined && p.roleArn !== undefined ? parseRoleArn(p.roleArn) : undefined;
    if (role !== undefined) {
      // The earliest issue time a session of that name can have and still be unexpired.
      const now = deps.now();
      const job = r.value.job;
      const claims: SessionClaims = { v: 1, sid: '', ak: '', sk: '', acct: p.account, part: role.partition, role: { name: role.name, path: role.path, id: '' }, name: p.session?.name ?? '', iat: now - DURATION.max * 1000, exp: now, ...(job !== undefined ? { job } : {}) };
      if (revocations?.isRevoked(claims) === true) {
        return ok({ ...r.value, refused: `principal: the sessions of \`${p.arn}\` were revoked, and one issued before that may still be unexpired (${DURATION.max / 3600} h): a session named by ARN counts as issued at the earliest, so it may do nothing (ask with \`principalProof\` about a later session)` });
      }
    }
    return r;
  }

  /** The principal `arn` names (not the caller), with its policies; asking about it needs `gatehouse:Authorize` on `arn`. */
  function resolveNamed(caller: Caller, arn: string, resource: string, owner: string | undefined, asked: Map<string, Result<unknown>> | undefined, kube: boolean): Result<Resolved> | Promise<Result<Resolved>> {
    if (!current(resolvedVersion, resolvedHead)) {
      resolved.clear();
      jobSessions.clear();
      resolvedVersion = resourcePolicies.version;
      resolvedHead = revocations?.head ?? -1;
    }
    const hit = resolved.get(arn);
    let named: Principal;
    if (hit !== undefined) named = hit.principal;
    else {
      const p = principalFromArn(arn);
      if (!p.ok) return p;
      named = p.value;
    }
    const may = mayAsk(caller, arn, named.account, resource, owner, asked);
    if (!may.ok) return may;
    // A session named by its ARN: the ARN does not tell which of the sessions under that name is meant, nor their
    // session policies and tags, which narrow or change the role's rights. A job's session is known from its job's
    // record; every other scoped session from the registry STS records it in before issuing it (session-scopes.ts),
    // so a session ARN under which none is live names sessions without scope: the role's policies, exactly. Except
    // on a cluster's resources, where another session's policies take no part (IAM only denies there, with the role's
    // policies; RBAC reads the session name the ARN carries); a job's session is its job's there too (below).
    if (named.kind === 'role-session' && !kube && SESSION_ARN_RE.test(arn)) {
      const job = JOB_SESSION_RE.exec(named.session?.name ?? '');
      if (job === null) return asSession(arn, named, hit);
      const cached = jobSessions.get(arn);
      if (cached !== undefined && deps.now() - cached.at < JOB_SESSION_TTL_MS) {
        if (cached.value === undefined) return asSession(arn, named, hit);
        return liveScopes(named).length === 0 ? ok(cached.value) : withScopes(cached.value, named, false);
      }
      return readJobSession(arn, named, (job[1] as string).toLowerCase() === 'node', (job[2] as string).toLowerCase()).then((r) => (r === undefined ? asSession(arn, named, hit) : r.ok ? withScopes(r.value, named, false) : jobRefusalFor(caller, named, arn, r)));
    }
    // On a cluster's resources a job's session is still its job's: what its job gives it (tags, source identity, session
    // policy), read from its record, as the webhook decides the session's reviews with them (review ou, 6); and revoking
    // the job's sessions (`sts revoke-sessions --job`, or its end) revokes it (`asEnforced`, review ou, 1). A job that
    // ended, or whose role is gone, is such a revoked session here: an implicit deny saying so, not an error.
    const job = named.kind === 'role-session' && SESSION_ARN_RE.test(arn) ? JOB_SESSION_RE.exec(named.session?.name ?? '') : null;
    const base = (): Result<Resolved> | Promise<Result<Resolved>> => (hit !== undefined ? ok(hit) : readPrincipal(arn, named));
    if (job === null) return base();
    const id = (job[2] as string).toLowerCase();
    const cached = jobSessions.get(arn);
    if (cached !== undefined && deps.now() - cached.at < JOB_SESSION_TTL_MS) return cached.value === undefined ? base() : ok(cached.value);
    return readJobSession(arn, named, (job[1] as string).toLowerCase() === 'node', id).then(async (r) => {
      if (r === undefined) return base();
      if (r.ok) return r;
      const b = await base();
      const refusal = jobRefusalFor(caller, named, arn, r);
      const why = (!refusal.ok ? refusal.errors[0]?.message : undefined) ?? `\`${arn}\` names a job's session that no longer works`;
      return b.ok ? ok({ ...b.value, job: id, refused: `principal: ${why}` }) : b;
    });
  }

  /**
   * Why a job's session may do nothing, as the asker may read it: the job's state and its submitter's name are the
   * job's account's (review I, I3), so an asker of another account (asking for its own resources, `mayAsk`) is told
   * only that the session no longer works.
   */
  function jobRefusalFor(caller: Caller, named: Principal, arn: string, r: Result<never>): Result<never> {
    if (r.ok || caller.account === named.account || caller.account === ROOT_ACCOUNT) return r;
    return failWith(r.errors[0]?.code ?? 'VALIDATION_ERROR', `\`${arn}\` names a job's session that no longer works (its job ended, or its role is gone), so it may do nothing`, 'principal');
  }

  /**
   * The live scoped sessions registered under the name of `named`, a role session (src/app/session-scopes.ts): by
   * account, role and session name, whichever dialect's ARN named it (the partition is the account's, not the ARN's).
   */
  function liveScopes(named: Principal): ScopeRecord[] {
    const roleName = named.roleArn?.slice(named.roleArn.lastIndexOf('/') + 1) ?? '';
    return sts.scopes?.live(named.account, roleName, named.session?.name ?? '') ?? [];
  }

  /**
   * A session ARN that is no job's: a session of the role without scope (its role's policies) when no scoped session
   * is live under it — synchronous once the role is resolved — else each session it may name (`withScopes`).
   */
  function asSession(arn: string, named: Principal, hit: Resolved | undefined): Result<Resolved> | Promise<Result<Resolved>> {
    if (liveScopes(named).length === 0) return hit !== undefined ? ok(hit) : readPrincipal(arn, named);
    const base = hit !== undefined ? Promise.resolve(ok(hit)) : readPrincipal(arn, named);
    return base.then((b) => (b.ok ? withScopes(b.value, named, true) : b));
  }

  /**
   * `base` with every live scoped session registered under the name of `named`, each as the caller it authenticates
   * as (`Sts.callerOfClaims`: its role's policies, session policies, tags, source identity and issue time; one whose
   * role is gone, or that was revoked, is dead and left out). `unscoped`: `base` is the role's rights, standing for a
   * session without scope — which may share the ARN, since such sessions are not registered — and is one of them;
   * otherwise `base` is a job's session.
   */
  async function withScopes(base: Resolved, named: Principal, unscoped: boolean): Promise<Result<Resolved>> {
    const scopes = liveScopes(named);
    if (scopes.length === 0) return ok(base);
    // The stand-in for a record that cannot be read (src/app/session-scopes.ts `standInFor`) is not a caller: what it
    // carries is unknown, so it refuses every request, named (review pv, 1).
    const callers = await Promise.all(scopes.map((r) => (r.unreadable === undefined ? sts.callerOfClaims(claimsOf(r)) : undefined)));
    const sessions: OneSession[] = [unscoped ? { principal: base.principal, policies: base.policies } : { principal: base.principal, policies: base.policies, job: base.principal.session?.name ?? '' }];
    for (let i = 0; i < scopes.length; i++) {
      const r = scopes[i] as ScopeRecord;
      const c = callers[i];
      if (r.unreadable !== undefined) sessions.push({ principal: base.principal, policies: { ...base.policies, session: [unreadablePolicy(`scoped session record ${r.unreadable}`, 'identity')] }, scope: r });
      else if (c?.ok) sessions.push({ principal: c.value.principal, policies: c.value.policies, scope: r, ...(carriesTransitiveTags(c.value) ? { transitive: true as const } : {}) });
    }
    return ok(sessions.length === 1 ? base : { ...base, sessions });
  }

  /**
   * Whether `caller` may ask about the principal `arn` (of account `other`) on `resource` (owned by `owner`).
   * Asking about someone else is itself a permission (DESIGN.md "Authorize API"), of the caller's own account: its
   * policies decide whom it may ask about, wherever that principal lives (a resource server must decide on callers
   * from other accounts that its resource policies name).
   */
  function mayAsk(caller: Caller, arn: string, other: string, resource: string, owner: string | undefined, asked?: Map<string, Result<unknown>>): Result<unknown> {
    let may = asked?.get(arn);
    if (may === undefined) {
      // A decision about the asker, with the facts of the request it asks in (aws:SourceIp, aws:SecureTransport), as
      // every admin decision: an IP or TLS guard on the asker holds here too (review K, K3). Never with the question's
      // context, which describes the principal asked about and its request.
      // As the IAM API decides (`decideAdmin`): a Deny naming the principal in the other dialect applies too (review jh, 3).
      const d = decideAdmin({ principal: caller.principal, action: 'gatehouse:Authorize', resource: arn, resourceAccount: caller.account, context: askerContext(caller), time: deps.now() }, caller.policies);
      may = d.decision === 'Allow' ? ok(undefined) : failWith('ACCESS_DENIED', accessDeniedMessage(caller.principal.arn, 'gatehouse:Authorize', arn, d));
      asked?.set(arn, may);
    }
    if (!may.ok) return may;
    // …but about another account's principal only for a resource of the caller's own account: otherwise any
    // account could read another's policies by asking about that account's own resources.
    if (other !== '' && other !== caller.account && caller.account !== ROOT_ACCOUNT && owner !== caller.account) {
      return failWith('ACCESS_DENIED', `principals of account ${caller.account} may ask about principals of account ${other} only for resources of account ${caller.account}; \`${resource}\` ${owner === undefined ? 'belongs to no known account' : `belongs to account ${owner}`}`);
    }
    return may;
  }

  /**
   * The caller a `principalProof` authenticated (verified by the HTTP edge), as it would be if it signed the
   * question itself: its principal and policies, session policies, tags, source identity and issue time included.
   * Asking about it needs what asking about its ARN needs, unless the proof was signed with the asker's own key.
   */
  function resolveProven(caller: Caller, p: Result<Caller> | undefined, resource: string, owner: string | undefined, asked: Map<string, Result<unknown>> | undefined): Result<Resolved> {
    // Only a bug gets here: the edge verifies every proof of a request before deciding it.
    if (p === undefined) return failWith('INTERNAL_ERROR', '`principalProof` was not verified before the question was decided', 'principalProof');
    if (!p.ok) return p;
    const proven = p.value;
    if (proven.accessKeyId !== caller.accessKeyId) {
      const may = mayAsk(caller, proven.principal.arn, proven.account, resource, owner, asked);
      if (!may.ok) return may;
    }
    return ok({ principal: proven.principal, policies: proven.policies, accessKeyId: proven.accessKeyId, ...(carriesTransitiveTags(proven) ? { transitive: true as const } : {}) });
  }

  /**
   * A job's session (`job-<id>`, `node-<id>`; `id` lower-cased): its role's policies with the session policy, tags and
   * source identity its job gives it. Undefined when no job of that account, role and kind has that id: the ARN is
   * then an ordinary session's (AssumeRole may name a session `job-1`). Role and session names are compared in any
   * case, as the registry of scoped sessions compares them and the role is looked up (`cachedRole`): an ARN spelt in
   * another case names the same role's session of that job.
   */
  async function readJobSession(arn: string, principal: Principal, node: boolean, id: string): Promise<Result<Resolved> | undefined> {
    const s = await jobSessionRecord(id, principal);
    const role = s && parseRoleArn(s.roleArn);
    const roleName = principal.roleArn?.slice(principal.roleArn.lastIndexOf('/') + 1);
    if (!s || !role || (s.job.kind === 'node') !== node || role.account !== principal.account || !sameName(role.name, roleName) || !sameName(s.sessionName, principal.session?.name)) {
      if (jobSessions.size >= MAX_RESOLVED) jobSessions.clear();
      jobSessions.set(arn, { value: undefined, at: deps.now() });
      return undefined;
    }
    if (TERMINAL.has(s.job.state)) return failWith('VALIDATION_ERROR', `job ${id} has ended (${s.job.state}): its sessions no longer work, so \`${arn}\` may do nothing`, 'principal');
    const r = await sts.readPrincipals((tx) => sts.cachedRole(tx, role.account, role.name));
    if (!r) return failWith('NO_SUCH_ENTITY', `role ${s.roleArn} does not exist`);
    if (arn.toLowerCase() !== sessionArn(principal.partition, principal.account, r.role.name, s.sessionName).toLowerCase()) {
      return failWith('NO_SUCH_ENTITY', `role \`${principal.roleArn ?? arn}\` does not exist`, 'principal');
    }
    // A default-role job's submitter gone (or another user under the name) or disabled ends the job: its sessions may
    // do nothing. Else the submitter's current Denies that may concern tables bind them, as `sessionCaller` (sts.ts).
    const owner = s.owner && (await sts.readPrincipals((tx) => sts.ownerEntry(tx, principal.account, s.owner as { name: string; id: string })));
    if (s.owner && (!owner || owner.user.id !== s.owner.id || owner.user.disabled)) return failWith('VALIDATION_ERROR', `job ${id} has ended (its submitter, user ${s.owner.name}, was deleted or disabled): its sessions no longer work, so \`${arn}\` may do nothing`, 'principal');
    // Of its owner's table Allows copied at submission, those the owner still holds, and its workspace's bucket while it
    // is still that workspace's and the owner a member, as its sessions are issued now (reviews pe, 1 and 2); while the
    // store cannot be read, the policy as stored, as before.
    const stored = s.sessionPolicy;
    const policy = stored !== undefined && owner ? await deps.store.read((tx) => sessionPolicyHeld(tx, s.job, stored, owner.user)).then((held) => held.policy).catch((e: unknown) => (isStoreUnavailable(e) ? stored : Promise.reject(e))) : stored;
    const session = policy !== undefined ? [compileSessionPolicy(policy), ...(owner ? ownerTableDenies(owner) : [])] : undefined;
    // The job's session as it is issued (review N, N1): the role's stored name, the session's, the account's dialect.
    const value: Resolved = {
      principal: { ...principal, arn: sessionArn(r.partition, principal.account, r.role.name, s.sessionName), partition: r.partition, roleArn: roleArnOf(r.partition, principal.account, r.role.path, r.role.name), userId: `${r.role.id}:${s.sessionName}`, tags: mergeTags(r.tags, s.tags), session: { name: s.sessionName, issuedAt: 0, sourceIdentity: s.sourceIdentity } },
      policies: session ? { ...r.policies, session } : r.policies,
      job: id,
    };
    if (jobSessions.size >= MAX_RESOLVED) jobSessions.clear();
    jobSessions.set(arn, { value, at: deps.now() });
    return ok(value);
  }

  /** Job `id`'s record (`jobSessionOf`), or while the store cannot be read the one held (`heldJobSessions`). */
  async function jobSessionRecord(id: string, principal: Principal): Promise<JobSession | undefined> {
    const held = heldJobSessions.get(id);
    try {
      const at = deps.now();
      const s = await deps.store.read((tx) => jobSessionOf(tx, id));
      if (s !== undefined) {
        if (heldJobSessions.size >= MAX_RESOLVED) heldJobSessions.clear();
        heldJobSessions.set(id, { session: s, at });
      }
      return s;
    } catch (e) {
      if (held === undefined || !isStoreUnavailable(e)) throw e;
      // Its sessions revoked since it was read (the job ended, or an admin revoked them): whether it still runs cannot be told.
      const since: SessionClaims = { v: 1, sid: '', ak: '', sk: '', acct: principal.account, part: principal.partition, name: '', iat: held.at, exp: deps.now(), job: id };
      if (revocations?.isRevoked(since) === true) throw e;
      return held.session;
    }
  }

  async function readPrincipal(arn: string, principal: Principal): Promise<Result<Resolved>> {
    const version = resolvedVersion;
    const head = resolvedHead;
    const r = await sts.readPrincipals(async (tx): Promise<Result<Resolved>> => {
      // Found by name in any case, as IAM names are unique (and STS finds a role); decided as the entity itself,
      // with its canonical ARN (review N, N1). An ARN whose path or partition is not the entity's names no entity,
      // as STS refuses a role ARN with another path.
      if (principal.kind === 'user') {
        const name = principal.arn.slice(principal.arn.lastIndexOf('/') + 1);
        const u = await sts.cachedUser(tx, principal.account, name);
        if (!u || !sameEntity(arn, userArnOf(principal.partition, principal.account, u.user.path, u.user.name), u.user.name)) {
          return noSuchPrincipal(arn, principal);
        }
        const canonical = userArnOf(u.partition, principal.account, u.user.path, u.user.name);
        const value: Resolved = { principal: { ...principal, arn: canonical, partition: u.partition, userId: u.user.id, tags: u.tags }, policies: u.policies };
        // As enforcement: a disabled user's access keys and sessions no longer work (review N, N5).
        return ok(u.user.disabled ? { ...value, refused: `principal: user \`${canonical}\` is disabled: its access keys and session tokens no longer work, so it may do nothing` } : value);
      }
      if (principal.kind === 'role-session' && principal.roleArn) {
        const name = principal.roleArn.slice(principal.roleArn.lastIndexOf('/') + 1);
        const r = await sts.cachedRole(tx, principal.account, name);
        const session = principal.session?.name ?? 'session';
        // A session's ARN carries no path (only the role's name differs, in case); a role's does.
        // The session as the engine read the ARN (`principal.arn`): Alibaba's `assumed-role/` spelling is read as `role/`.
        const found = r !== undefined && (SESSION_ARN_RE.test(arn)
          ? principal.arn.toLowerCase() === sessionArn(principal.partition, principal.account, r.role.name, session).toLowerCase()
          : sameEntity(principal.roleArn, roleArnOf(principal.partition, principal.account, r.role.path, r.role.name), r.role.name));
        if (!r || !found) return noSuchPrincipal(arn, principal);
        const roleArn = roleArnOf(r.partition, principal.account, r.role.path, r.role.name);
        return ok({ principal: { ...principal, arn: sessionArn(r.partition, principal.account, r.role.name, session), partition: r.partition, roleArn, userId: `${r.role.id}:${session}`, tags: r.tags }, policies: r.policies });
      }
      // The root (or a federated user) of an account the directory does not hold names no one, as a user of it does not:
      // decided, a root's own account's side always allowed (review bb, 2).
      // From memory once loaded: a store read per question on the decision path (uncached when refused) before.
      if ((principal.kind === 'root' || principal.kind === 'federated-user') && principal.account !== '' && !(await sts.accountExists(tx, principal.account))) {
        return failWith('NO_SUCH_ENTITY', `account ${principal.account} does not exist, so \`${arn}\` names no principal (check the account id)`, 'principal');
      }
      return ok({ principal, policies: { identity: [] } });
    });
    if (r.ok && current(version, head)) {
      if (resolved.size >= MAX_RESOLVED) resolved.clear();
      resolved.set(arn, r.value);
    }
    return r;
  }

  /**
   * The request context as the engine reads it (keys lowercased, values as strings), without principal-derived
   * keys and the resource's owner (`OWNER_KEYS`): those are pushed onto `ignored`. A `GatehouseError` list when the
   * context is not acceptable, a typed global key with a value the engine cannot read or several values for a
   * single-valued key included (src/core/iam/context-keys.ts; review N, N2).
   */
  function cleanContext(ctx: Readonly<Record<string, unknown>> | undefined, ignored: string[], simulated = false): Map<string, string[]> | Result<never> {
    const out = new Map<string, string[]>();
    if (ctx === undefined) return out;
    // The key as the caller first wrote it, for errors (keys differing only in case share one list of values).
    const named = new Map<string, string>();
    // Made at the first tag key: most contexts name none.
    let spellings: Map<string, number> | undefined;
    let n = 0;
    let total = 0;
    for (const k in ctx) {
      if (!Object.hasOwn(ctx, k)) continue;
      if (++n > MAX_CONTEXT_KEYS) return failWith('REQUEST_INVALID_CONTEXT', `the context holds at most ${MAX_CONTEXT_KEYS} keys`, 'context');
      // Before the key is quoted anywhere (an answer's note, an error's path, the audit record of a deny).
      if (k.length > MAX_CONTEXT_KEY_CHARS) return failWith('REQUEST_INVALID_CONTEXT', `context key \`${quoted(k)}\` is ${k.length} characters; a key is at most ${MAX_CONTEXT_KEY_CHARS}`, 'context');
      // A key no policy can name (src/core/iam/key-name.ts; docs/errors.md, as `policy evaluate`): a control character,
      // or white space outside a tag key (`aws:ResourceTag/Cost Center` is a key, `aws:Source Ip` is not).
      if (!isConditionKeyName(k)) {
        // Its path names the key unless the key holds a control character (a path is printed as it is).
        const control = /[\u0000-\u001f\u007f-\u009f]/.test(k);
        return failWith('REQUEST_INVALID_CONTEXT', `context key ${JSON.stringify(k)} must be a non-empty name without control characters, with spaces only in a tag key after \`/\`, such as \`aws:SourceIp\` or \`aws:ResourceTag/Cost Center\``, control ? 'context' : `context.${k}`);
      }
      const key = k.toLowerCase();
      if ((isDerived(key) && !(simulated && simulatedFact(key))) || OWNER_KEYS.has(key)) {
        ignored.push(k);
        continue;
      }
      const v = ctx[k];
      let values = out.get(key);
      if (values === undefined) {
        values = [];
        out.set(key, values);
        named.set(key, k);
      }
      // A tag key is single-valued per spelling (review kd, 3): its count under this spelling.
      if (isTagKey(key)) (spellings ??= new Map()).set(k, Array.isArray(v) ? v.length : 1);
      if (!Array.isArray(v)) {
        if (!contextValue(v)) return badContextValue(k);
        const s = contextText(v as string | number | boolean);
        if (s === undefined) return inexactNumber(k);
        if (++total > MAX_CONTEXT_VALUES) return tooManyContextValues(k);
        if (s.length > MAX_CONTEXT_VALUE_CHARS) return contextValueTooLong(k, s.length);
        values.push(s);
        continue;
      }
      for (const x of v as unknown[]) {
        if (!contextValue(x)) return badContextValue(k);
        const s = contextText(x as string | number | boolean);
        if (s === undefined) return inexactNumber(k);
        if (++total > MAX_CONTEXT_VALUES) return tooManyContextValues(k);
        if (s.length > MAX_CONTEXT_VALUE_CHARS) return contextValueTooLong(k, s.length);
        values.push(s);
      }
    }
    for (const [key, values] of out) {
      const name = named.get(key) ?? key;
      if (spellings !== undefined && isTagKey(key)) {
        // Each spelling one value: read together as the tags that differ only in case (review kd, 3).
        for (const [k, n] of spellings) {
          if (n === 1 || k.toLowerCase() !== key) continue;
          const problem = contextKeyProblem(k, new Array<string>(n).fill(''));
          if (problem !== undefined) return failWith('REQUEST_INVALID_CONTEXT', `context key ${problem}`, `context.${k}`);
        }
        continue;
      }
      const problem = contextKeyProblem(name, values);
      if (problem !== undefined) return failWith('REQUEST_INVALID_CONTEXT', `context key ${problem}`, `context.${name}`);
    }
    // One key under both dialects' names with different values (review ug, 1).
    // (A conflict takes two keys: a context of one has none, but for a simulation's issue time after its clock, review vm, 1.)
    const conflict = simulated ? contextKeyConflict(out, named, deps.now()) : out.size < 2 ? undefined : contextKeyConflict(out, named);
    if (conflict !== undefined) return failWith('REQUEST_INVALID_CONTEXT', conflict.message, `context.${conflict.key}`);
    return out;
  }

  /**
   * An engine's allow, cut by the principal's permissions boundary and session policies when the engine is limited
   * by them (`limitedByPrincipalPolicies`): then no opinion, saying which policy does not allow.
   */
  function limited(e: EngineResult, engine: AuthorizeEngine, request: AuthzRequest, set: PolicySet, whatIf: EvaluateOptions): EngineResult {
    if (e.verdict !== 'allow' || engine.limitedByPrincipalPolicies !== true) return e;
    // A question in the bindings' spelling (`ml.models.get`) is within the limits when the IAM actions that need that
    // permission are (`training:GetModel`), and only then: boundaries and session policies name IAM actions, never
    // permissions. Asked as the permission, the cut refused what the same question in IAM's spelling allowed (review
    // ai, 6), let through what it refuses (a boundary `Allow NotAction s3:PutObject` matches the name
    // `storage.objects.create`; review ug, 3), and was said to be the boundary's where the session policy cut the IAM
    // action (review ug, 2). A permission with no IAM action is decided as asked.
    const actions = request.action.includes(':') ? [] : actionsForPermissionOn(request.action, request.resource);
    const cutBy = actions.length === 0
      ? principalLimitsCut(request, set, whatIf)
      : actions.map((action) => principalLimitsCut({ ...request, action }, set, whatIf)).find((cut) => cut !== undefined);
    if (cutBy === undefined) return e;
    const which = limitsCutWords(cutBy, request, set);
    const reasons = e.reasons.map((r) => `${r}, but ${which} (a binding names the principal, not its session)`);
    return { verdict: 'no-opinion', reasons, errors: e.errors, cutBy, ...(e.diagnostics !== undefined ? { diagnostics: e.diagnostics } : {}), ...(e.matched !== undefined ? { matched: e.matched } : {}) };
  }

  /**
   * An answer for an asker of another account than the principal's (`principalOf`) or the resource's (`resourceOf`),
   * without that account's rules (review I3): the decision, who decided (`deniedBy`) and the summary stay, but not the
   * names, statements, Sids and conditions of its policies, bindings or RBAC objects, nor its sessions' scopes. An
   * account's policies are read by its own principals only (`GetBucketPolicy`, `GetUserPolicy`); the authorize API
   * answered another account's questions with them, so that a few questions with chosen contexts read them out.
   */
  function withoutOtherAccount(a: AuthorizeAnswer, d: Decision, principalOf: string | undefined, resourceOf: string | undefined): AuthorizeAnswer {
    const hiddenType = (type: string): boolean => (principalOf !== undefined && PRINCIPAL_SIDE.has(type)) || (resourceOf !== undefined && RESOURCE_SIDE.has(type));
    const hiddenLines = new Set<string>();
    for (const m of d.matched) if (m.sid === UNREADABLE_SID && hiddenType(m.type)) hiddenLines.add(unreadableDiagnostic(m.type, m.policy));
    const byIamType = (line: string): boolean => {
      const m = /^iam: (identity|boundary|session|resource|trust) policy `/.exec(line);
      return m !== null && hiddenType(m[1] as string);
    };
    const otherEngine = (line: string): boolean => resourceOf !== undefined && !line.startsWith('iam: ') && !line.startsWith('sessions: ') && !line.startsWith('context ');
    // A condition of the asker's own policy on what describes another account's principal (its tags, its user id)
    // says that it did not hold, not the value it read.
    const unquoted = (x: string): string => (principalOf === undefined ? x : x.replace(QUOTED_VALUE_RE, (all, key: string) => (isDerived(key.toLowerCase()) ? `\`${key}\` (account ${principalOf}’s value) does not satisfy` : all)));
    const diagnostics = a.diagnostics.filter((x) => !hiddenLines.has(x) && !byIamType(x) && !otherEngine(x) && !x.startsWith('iam: the conditions of ')).map(unquoted);
    const kept: string[] = [];
    // The Denies of another account's policies that decided are not named (review sj, 1).
    const iamLine = `iam: ExplicitDeny: ${d.summary}`;
    const named = iamLine + deniersOf(d, EVERY_STATEMENT);
    for (const r of a.reasons) {
      if (d.decision === 'ExplicitDeny' && r.startsWith(named)) kept.push(iamLine + deniersOf(d, (m) => !hiddenType(m.type)) + r.slice(named.length));
      else if (r.startsWith('iam: ') || r.startsWith('sessions: ') || r.startsWith('principal: ')) kept.push(r);
      else if (resourceOf !== undefined) kept.push(`${r.slice(0, r.indexOf(':'))}: decided by the rules of account ${resourceOf}, which it alone may read`);
      else kept.push(r);
    }
    const matched = a.matched.filter((m) => (m.engine === 'iam' ? !hiddenType(m.type) : resourceOf === undefined));
    const notMet = a.conditionsNotMet?.filter((m) => !hiddenType(m.type));
    const who = [principalOf !== undefined ? `the principal's account ${principalOf}` : '', resourceOf !== undefined ? `the resource's account ${resourceOf}` : ''].filter((x) => x !== '').join(' and ');
    const { conditionsNotMet: _, ...rest } = a;
    return { ...rest, reasons: [...new Set(kept)], matched, diagnostics: [...diagnostics, `the rules of ${who} are not shown: only its own principals may read them`], ...(notMet !== undefined && notMet.length > 0 ? { conditionsNotMet: notMet } : {}) };
  }

  /**
   * A workspace question's answer as jobs enforce it (`workspaceQuestion`): a member's read that no policy allowed is
   * allowed, a non-member's job submission that policies allow is refused; an explicit deny stays.
   */
  function asMembersAllow(a: AuthorizeAnswer, input: AuthorizeInput, principal: Principal, member: boolean): AuthorizeAnswer {
    const name = input.resource.slice(input.resource.lastIndexOf('/') + 1);
    if (jobsAction(input.action) === 'training:getworkspace') {
      if (!member || a.decision !== 'ImplicitDeny') return a;
      const { deniedBy: _, conditionsNotMet: _n, ...rest } = a;
      return { ...rest, decision: 'Allow', reasons: [...a.reasons, `workspaces: Allow: \`${principal.arn}\` is a member of workspace \`${name}\`, and a member may read it`] };
    }
    if (member || a.decision !== 'Allow') return a;
    return { ...a, decision: 'ImplicitDeny', reasons: [...a.reasons, `${NOT_A_MEMBER}\`${principal.arn}\` is not a member of workspace \`${name}\` (a user named in it or in one of its groups), and only members may submit jobs to it, whatever the policies allow`] };
  }

  /**
   * The union's answer, built with loops and no intermediate copies: this runs for every decision. Indexed loops, not
   * `for…of`: `d.matched` is a frozen empty list or a list of the engine's, and over both an iterator was allocated.
   */
  function answerOf(d: Decision, extra: readonly EngineResult[], started: number, onlyDenies: boolean, withNotMet = false): AuthorizeAnswer {
    const matched: MatchedRule[] = [];
    // Where IAM only denies, its allows decided nothing and are not listed.
    const refs = d.matched;
    for (let i = 0; i < refs.length; i++) {
      const m = refs[i] as StatementRef;
      if (!onlyDenies || m.effect === 'Deny') matched.push(ruleOf(m));
    }
    const diagnostics: string[] = [];
    const failures = d.conditionFailures;
    const shown = failures.length > MAX_CONDITION_DIAGNOSTICS ? MAX_CONDITION_DIAGNOSTICS : failures.length;
    for (let i = 0; i < shown; i++) {
      const f = failures[i] as (typeof failures)[number];
      diagnostics.push(`iam: ${f.type} policy \`${f.policy}\` statement ${f.index}${f.sid ? ` (${f.sid})` : ''}: ${f.reason}`);
    }
    if (failures.length > shown) diagnostics.push(`iam: the conditions of ${failures.length - shown} more statements did not hold (IAM's SimulatePrincipalPolicy lists every statement)`);
    let notMet: MatchedRule[] | undefined;
    // For who-can only, and as many as the diagnostics name (MAX_CONDITION_DIAGNOSTICS).
    if (withNotMet && d.decision !== 'Allow' && !onlyDenies) {
      for (const f of failures) {
        // A `Resource` waiting on a variable is no condition (policy review ir, 3): said in the diagnostics alone.
        // Nor a `Principal` naming the principal in another case (policy review qe, 2).
        if (f.effect !== 'Allow' || f.operator === 'Resource' || f.operator === 'NotResource' || f.otherCase === true) continue;
        if (notMet !== undefined && notMet.length >= MAX_CONDITION_DIAGNOSTICS) break;
        const rule: MatchedRule = f.sid !== undefined ? { engine: 'iam', policy: f.policy, type: f.type, statement: f.index, sid: f.sid, effect: 'Allow', conditions: [`${f.operator} ${f.key}`] } : { engine: 'iam', policy: f.policy, type: f.type, statement: f.index, effect: 'Allow', conditions: [`${f.operator} ${f.key}`] };
        (notMet ??= []).push(rule);
      }
    }
    // A stored policy that no longer parses denies what it governs (src/app/unreadable-policy.ts): say which.
    for (let i = 0; i < refs.length; i++) {
      const m = refs[i] as StatementRef;
      if (m.sid === UNREADABLE_SID) diagnostics.push(unreadableDiagnostic(m.type, m.policy));
    }
    const iamNoOpinion = onlyDenies && d.decision !== 'ExplicitDeny';
    const reasons = [iamNoOpinion ? `iam: no opinion: on a cluster's resources IAM only denies (an IAM allow grants nothing in Kubernetes); RBAC decides` : `iam: ${d.decision}: ${d.summary}${deniersOf(d, EVERY_STATEMENT)}`];
    let decision: DecisionValue = iamNoOpinion ? 'ImplicitDeny' : d.decision;
    let deniedBy = d.deniedBy;
    if (extra.length > 0) {
      let denied = d.decision === 'ExplicitDeny';
      let errored = false;
      let refused = false;
      let allowed = d.decision === 'Allow' && !onlyDenies;
      // `extra[i]` is the answer of `engines[i]`.
      for (let i = 0; i < extra.length; i++) {
        const e = extra[i] as EngineResult;
        if (e.verdict === 'deny') {
          if (e.refuses === true) refused = true;
          else denied = true;
        } else if (e.verdict === 'allow') allowed = true;
        if (e.errors.length > 0) errored = true;
      }
      for (let i = 0; i < extra.length; i++) {
        const e = extra[i] as EngineResult;
        if (e.verdict === 'no-opinion') continue;
        const name = (engines[i] as AuthorizeEngine).name;
        // An engine's allow that an explicit deny overrode decided nothing: it is no reason of the Deny (as the union of
        // src/core/authorizer gives a denial the deniers' reasons alone) but a diagnostic that says it lost (review sj, 1).
        const why = e.reasons;
        if (denied && e.verdict === 'allow') for (let j = 0; j < why.length; j++) diagnostics.push(`${name}: overridden by the explicit deny: ${why[j] as string}`);
        else if (refused && e.verdict === 'allow') for (let j = 0; j < why.length; j++) diagnostics.push(`${name}: overridden by the refusal: ${why[j] as string}`);
        else for (let j = 0; j < why.length; j++) reasons.push(`${name}: ${why[j] as string}`);
        const rules = e.matched;
        if (rules !== undefined) for (let j = 0; j < rules.length; j++) matched.push(rules[j] as MatchedRule);
      }
      decision = denied ? 'ExplicitDeny' : errored || refused ? 'ImplicitDeny' : allowed ? 'Allow' : 'ImplicitDeny';
      // An engine's grant that the boundary or a session policy cut is what refused, not the identity policies that
      // never allowed (review N, N9): `deniedBy` names the cut, as for an identity policy's allow cut the same way.
      if (decision === 'ImplicitDeny' && !errored) {
        for (let i = 0; i < extra.length; i++) {
          const cut = (extra[i] as EngineResult).cutBy;
          if (cut !== undefined) {
            deniedBy = cut;
            break;
          }
        }
      }
      // A refusal also says why each engine without an opinion did not allow (a binding's false condition, a role
      // that lacks the permission, a grant its boundary cuts).
      if (decision !== 'Allow') {
        for (let i = 0; i < extra.length; i++) {
          const e = extra[i] as EngineResult;
          if (e.verdict === 'no-opinion') for (let j = 0; j < e.reasons.length; j++) diagnostics.push(`${(engines[i] as AuthorizeEngine).name}: no opinion: ${e.reasons[j] as string}`);
        }
      }
      for (let i = 0; i < extra.length; i++) {
        const diags = (extra[i] as EngineResult).diagnostics;
        if (diags !== undefined) for (let j = 0; j < diags.length; j++) diagnostics.push(`${(engines[i] as AuthorizeEngine).name}: ${diags[j] as string}`);
      }
      for (let i = 0; i < extra.length; i++) {
        const errors = (extra[i] as EngineResult).errors;
        for (let j = 0; j < errors.length; j++) diagnostics.push(`${(engines[i] as AuthorizeEngine).name}: ${errors[j] as string}`);
      }
      if (errored && !denied) diagnostics.push('an engine failed to evaluate: failing closed');
    }
    const evaluationMicros = Math.round((performance.now() - started) * 1000);
    const answer: AuthorizeAnswer = decision !== 'Allow' && deniedBy !== undefined && !iamNoOpinion
      ? { decision, reasons, matched, diagnostics, evaluationMicros, deniedBy }
      : { decision, reasons, matched, diagnostics, evaluationMicros };
    return notMet !== undefined && decision !== 'Allow' ? { ...answer, conditionsNotMet: notMet } : answer;
  }

  type Answered = Result<AuthorizeAnswer>;

  /** A decision, synchronous unless a principal must be read or an engine is behind (then a promise). */
  function decide(caller: Caller, question: AuthorizeInput, asked?: Map<string, Result<unknown>>, proofs?: ProvenCallers): Answered | Promise<Answered> {
    const started = performance.now();
    const refused = actionAndResourceRefusal(question);
    if (refused !== undefined) return refused;
    const input = kubernetesRootQuestion(question);
    // PassRole carries no resource tag (reference §A.1.9; enforcement passes a role with `iam:PassedToService` and
    // `iam:AssociatedResourceArn` alone): the asker's are dropped, or one lifted a Deny every submission meets (review jk, 5).
    if (isPassRole(input.action) && input.context !== undefined) {
      const x = withFacts(input, {}, false);
      if (x.replaced.length > 0) {
        const a = decideAsked(caller, x.input, asked, proofs, started);
        return a instanceof Promise ? a.then((r) => notePassRoleTags(r, x.replaced)) : notePassRoleTags(a, x.replaced);
      }
    }
    // An object of a bucket the S3 gateway holds: its stored tags, as the gateway decides with them (review kd, 1). Not a
    // question of the gateway itself (it names the owner, `resourceAccount`, and gives the tags it read).
    // On an instance without the gateway (a replica, `--s3-listen off`), an object of a bucket the gateway holds has tags
    // the asker may not supply and this instance cannot read: conditions on them fail closed (review mc, 1).
    // (Without the gateway's reader nor any bucket it holds, no object's tags are read nor refused: no ARN to take apart.)
    let objectAt = input.resourceAccount === undefined && (objectTags !== undefined || resourcePolicies.holdsGatewayBuckets()) ? S3_OBJECT_ARN_RE.exec(input.resource) : null;
    const tagsOf: HeldTagsReader | undefined = objectTags ?? (objectAt !== null && resourcePolicies.gatewayBucketOwner(objectAt[1] as string) !== undefined ? UNREADABLE_TAGS : undefined);
    if (tagsOf === undefined) objectAt = null;
    const entity = objectAt === null ? directoryEntityOf(input.action, input.resource) : undefined;
    if (objectAt === null && entity === undefined) return decideAsked(caller, input, asked, proofs, started);
    // Only an entity of the account of the principal asked about: the Query API finds a user or role in the caller's
    // account alone (a cross-account iam: request is refused whatever it carries), and another account's tags are its
    // own to read (asking about a principal of another account is only for the asker's own resources, `mayAsk`). So
    // are its objects' tags: a question whose conditions held or not on them would tell them (review kd, 1).
    const proven = provenOf(proofs, input);
    const principalAccount = input.principal !== undefined ? accountOf(input.principal) : proven !== undefined ? (proven.ok ? proven.value.account : undefined) : caller.account;
    if (objectAt !== null && tagsOf !== undefined) {
      // Or the bucket's owner asking about another account's principal (a partner its bucket policy names, as `mayAsk`
      // lets it): its objects' tags are its own, and the gateway decides the partner's request with them, where the
      // asker's tags were taken, an Allow the gateway refuses included (review vq, 1; `contextFor` for who-can, kj, 3).
      const owner = resourcePolicies.ownerOf(input.resource);
      if (owner === undefined || (owner !== principalAccount && owner !== caller.account)) return decideAsked(caller, input, asked, proofs, started);
      return decideOnObject(caller, input, asked, proofs, started, tagsOf, objectAt[1] as string, objectAt[2] as string);
    }
    // An entity of the asker's own account too, asked about another account's principal (a partner its role's trust
    // policy names, which `mayAsk` lets it ask about only for its own resources): its role's tags are its own, and STS
    // decides the partner's AssumeRole with them, where the asker's were taken (review vq, 2).
    if (entity === undefined || (entity.kind !== 'tagless' && entity.account !== principalAccount && entity.account !== caller.account)) return decideAsked(caller, input, asked, proofs, started);
    if (entity.kind === 'tagless') {
      if (entity.group !== undefined && entity.group.account === principalAccount) {
        return onStoredGroup(input, entity.group).then(async (on) => {
          const x = withFacts(on, {}, false);
          return noteStoredArn(noteTagless(await decideAsked(caller, x.input, asked, proofs, started), x.replaced, input), input.resource, x.input.resource);
        });
      }
      const x = withFacts(input, {}, false);
      const a = decideAsked(caller, x.input, asked, proofs, started);
      return a instanceof Promise ? a.then((r) => noteTagless(r, x.replaced, input)) : noteTagless(a, x.replaced, input);
    }
    return withDirectoryFacts(input, entity).then(async (x) => noteStoredArn(noteReplaced(await decideAsked(caller, x.input, asked, proofs, started), x.replaced, x.none === true ? input.resource : undefined), input.resource, x.input.resource));
  }

  /**
   * The context a question about object `key` of `bucket` (a bucket the S3 gateway holds) is decided with
   * (`decideOnObject`): the asker's `s3:ExistingObjectTag/*` keys replaced by the object's stored tags for the actions S3
   * gives that key to, dropped for the others and for a missing object. Undefined: decided as asked (no such key given
   * nor needed, or a bucket the gateway does not hold).
   */
  async function withObjectTags(input: AuthorizeInput, read: HeldTagsReader, bucket: string, key: string): Promise<{ context: Record<string, unknown>; tagged: boolean; given: string[]; held: HeldTags } | undefined> {
    const action = input.action.toLowerCase();
    const tagged = (action.includes(':') ? [action] : actionsForPermissionOn(input.action, input.resource).map((a) => a.toLowerCase())).some((a) => EXISTING_TAG_ACTIONS.has(a));
    const given = Object.keys(input.context ?? {}).filter((k) => k.toLowerCase().startsWith(EXISTING_TAG_PREFIX));
    if (!tagged && given.length === 0) return undefined;
    const held = await read(bucket, key);
    if (held === undefined) return undefined;
    const context: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input.context ?? {})) if (!k.toLowerCase().startsWith(EXISTING_TAG_PREFIX)) context[k] = v;
    if (tagged && held.tags !== undefined) for (const [k, v] of Object.entries(held.tags)) context[`s3:ExistingObjectTag/${k}`] = v;
    return { context, tagged, given, held };
  }

  /**
   * The context a question is decided with as the S3 gateway decides it, where `account` may read the resource's facts
   * (the account of the principal asked about, as in `decide`; or the owner asking about another account's principals):
   * on an object of a bucket of `account` the gateway holds, the object's stored tags as `s3:ExistingObjectTag/*`
   * (`withObjectTags`, as `decide`); else the question's own. For who-can's evaluations outside the authorizer (a
   * default-role job's session, a bucket policy's grant beyond the account; review kj, 1 and 3), which otherwise decided
   * with the asker's tags where the gateway and who-can's other answers use the object's. On an instance without the
   * gateway, the asker's tags are dropped there too and `unreadable` names the key, as `decide` does (review mc, 1): the
   * asker's tags listed a partner the gateway refuses and lifted a member's Deny (review mq, 1).
   */
  async function contextFor(input: AuthorizeInput, account: string): Promise<Pick<AuthorizeInput, 'context' | 'unreadable'>> {
    const asked = input.context === undefined ? {} : { context: input.context };
    const at = input.resourceAccount === undefined ? S3_OBJECT_ARN_RE.exec(input.resource) : null;
    const read: HeldTagsReader | undefined = at === null ? undefined : objectTags ?? (resourcePolicies.gatewayBucketOwner(at[1] as string) !== undefined ? UNREADABLE_TAGS : undefined);
    if (at === null || read === undefined) return asked;
    if (resourcePolicies.ownerOf(input.resource) !== account) return asked;
    const x = await withObjectTags(input, read, at[1] as string, at[2] as string);
    if (x === undefined) return asked;
    return x.tagged && x.held.unreadable === true ? { context: x.context, unreadable: UNREADABLE_KEYS } : { context: x.context };
  }

  /**
   * A question about an object of a bucket the S3 gateway holds (`useObjectTags`), with the object's stored tags as
   * `s3:ExistingObjectTag/<key>` in place of any the asker wrote, for the actions S3 gives that key to (a bindings
   * permission: when one of the IAM actions it stands for is one), and none for the others or a missing object: the
   * asker's tags lifted a Deny the gateway applies and met an Allow it does not (review kd, 1). A bucket the gateway
   * does not hold: as asked (the asker's tags are the only ones there are). Only a bucket of the account of the principal
   * asked about, or of the asker's own account (`decide`).
   */
  async function decideOnObject(caller: Caller, input: AuthorizeInput, asked: Map<string, Result<unknown>> | undefined, proofs: ProvenCallers | undefined, started: number, read: HeldTagsReader, bucket: string, key: string): Promise<Answered> {
    const x = await withObjectTags(input, read, bucket, key);
    if (x === undefined) return decideAsked(caller, input, asked, proofs, started);
    const { context, tagged, given, held } = x;
    const unreadable = tagged && held.unreadable === true;
    const r = await decideAsked(caller, { ...input, context, ...(unreadable ? { unreadable: UNREADABLE_KEYS } : {}) }, asked, proofs, started);
    if (!r.ok) return r;
    const diagnostics = r.value.diagnostics.map((x) => x.replace(OBJECT_TAG_VALUE_RE, '`$1` (the object’s value) does not satisfy'));
    if (unreadable) {
      const keys = given.length > 0 ? `context ${given.map((k) => `\`${k}\``).join(', ')} ignored: ` : '';
      diagnostics.push(`${keys}bucket \`${quoted(bucket)}\` is the S3 gateway’s, which this instance does not run (--s3-listen off), so it cannot read the object’s tags: a condition on s3:ExistingObjectTag fails closed here (an Allow does not apply, a Deny does); ask the instance that runs the gateway`);
    } else if (given.length > 0) {
      const keys = given.map((k) => `\`${k}\``).join(', ');
      diagnostics.push(
        !tagged
          ? `context ${keys} ignored: S3 decides ${input.action} without the object’s tags (only reads, GetObjectAttributes included, the ACL and the tagging actions have s3:ExistingObjectTag), as the S3 gateway decides it`
          : held.tags === undefined
            ? `context ${keys} ignored: bucket \`${quoted(bucket)}\` of the S3 gateway holds no object \`${quoted(key)}\`, so it has no tags, as the gateway decides a request on it`
            : `context ${keys} replaced: the S3 gateway supplies the stored tags of its objects as s3:ExistingObjectTag, as it decides with them`,
      );
    }
    return ok({ ...r.value, diagnostics });
  }

  /**
   * The question about a user or role of the directory, with the facts the IAM Query API decides it with (src/app/
   * directory.ts `authorizeOn`), in place of any the asker wrote: the entity's tags as `aws:ResourceTag/K` and
   * `iam:ResourceTag/K`, and for the actions that read it its current permissions boundary as `iam:PermissionsBoundary`
   * (review I, I2). `replaced`: the asker's keys that were dropped. An ARN that names no entity of the directory (none
   * of that name, path or account): the question without the asker's resource tags (and boundary), `none`, since the
   * Query API decides a request on an entity that does not exist — `CreateUser` and `CreateRole` included — with no
   * resource tag (directory.ts `authorizeOn`); kept, they lifted a Deny it applies and met an Allow it does not (review jk, 4).
   */
  async function withDirectoryFacts(input: AuthorizeInput, e: Exclude<DirectoryEntity, { kind: 'tagless' }>): Promise<{ input: AuthorizeInput; replaced: string[]; none?: true }> {
    const boundary = (e.kind === 'user' || e.kind === 'role') && e.sts !== true && readsCurrentBoundary(input.action);
    // RAM's `ram:OidcIssuerUrl` on a provider is the directory's but for a registration, which is decided with the URL
    // asked for (src/app/oidc.ts): the asker's is dropped for every other action on one (review se, 1).
    const issuer = e.kind === 'oidc-provider' && !registersProvider(input.action);
    const none = (): { input: AuthorizeInput; replaced: string[]; none: true } => ({ ...withFacts(input, {}, boundary, issuer), none: true });
    // An OIDC provider, with its stored tags as the Query API decides its actions (`aws:ResourceTag/K` only; review nk, 2),
    // and a change to it or its read with its stored issuer URL as `ram:OidcIssuerUrl`, as the Query API decides them
    // (`decidedWithIssuerUrl`; review se, 1: a Deny of deleting the production issuer was answered Allow, and the asker's
    // URL decided it; review se, 3: the read).
    if (e.kind === 'oidc-provider') {
      const text = await deps.store.read((tx) => tx.kv.get(providerKey(e.account, e.hostPath)));
      const tags = providerTags(text);
      const url = decidedWithIssuerUrl(input.action) ? providerUrl(text) : undefined;
      return tags === undefined ? none() : withFacts(input, { ...awsResourceTags(tags), ...(url !== undefined ? { 'ram:OidcIssuerUrl': url } : {}) }, false, issuer);
    }
    if (e.kind === 'policy') {
      // In any case, as the Query API finds it (`visiblePolicy`; review rc, 2), and decided on its stored ARN as that
      // decides it (directory.ts `authorizedPolicy`): looked up exactly, `…:policy/myPolicy` was decided without the
      // tags of `MyPolicy`, a Deny on `aws:ResourceTag/protected` lifted where GetPolicy and DeletePolicy refuse (review
      // rg, 1). Built-in policies carry no tags; another account's is not found. From the compiled state once loaded, as
      // a user's or role's tags are (review ns, 1).
      const policy = storable(e.arn) ? await sts.cachedVisiblePolicy(e.account, e.arn) : undefined;
      return policy === undefined || policy.account !== e.account ? none() : withFacts(onStoredArn(input, policy.arn), resourceTagContext(policy.tags), false);
    }
    const found = await sts.readPrincipals(async (tx) => (e.kind === 'user' ? (await sts.cachedUser(tx, e.account, e.name))?.user : (await sts.cachedRole(tx, e.account, e.name))?.role));
    if (found === undefined || (e.path !== undefined && found.path !== e.path)) return none();
    // STS's `role` resource has `aws:ResourceTag/K` only (Service Authorization Reference), IAM's both.
    if (e.kind === 'role' && e.sts === true) return withFacts(input, awsResourceTags(found.tags), false);
    // A name in another case names the same entity (IAM's names are unique without regard to case), which the Query API
    // decides on its stored ARN (directory.ts `authorizeOn`): on `…:user/ALICE`, a Deny on `…:user/alice` did not apply.
    // So does the other dialect's ARN of it (`arn:aws:iam::A:user/bob` of an `acs` account's user), which the Query API
    // never decides on: an Allow naming only that spelling answered Allow where the call is refused (review vs, 3).
    const own = await ownEntityArn(e.account, e.kind, found.path, found.name);
    const stored = own !== undefined && own !== input.resource ? { ...input, resource: own } : found.name === e.name ? input : onStoredArn(input, `${input.resource.slice(0, input.resource.length - e.name.length)}${found.name}`);
    return withFacts(stored, { ...resourceTagContext(found.tags), ...(boundary ? boundaryContext(found.permissionsBoundary) : {}) }, boundary);
  }

  /**
   * `input` on the stored ARN of the group it names in another case: IAM's group names are unique without regard to case,
   * and the Query API decides AddUserToGroup, PutGroupPolicy… on the group it finds so (directory.ts `authorizeOn`). On
   * `…:group/ADMINS`, a Deny naming `…:group/admins` did not apply (review rg, 2).
   */
  async function onStoredGroup(input: AuthorizeInput, g: { account: string; name: string; path: string | undefined }): Promise<AuthorizeInput> {
    const found = storable(g.name) ? await sts.cachedGroup(g.account, g.name) : undefined;
    if (found === undefined || (g.path !== undefined && found.path !== g.path)) return input;
    // In the other dialect's spelling too (review vs, 3), as `withDirectoryFacts` for a user or role.
    const own = await ownEntityArn(g.account, 'group', found.path, found.name);
    if (own !== undefined && own !== input.resource) return { ...input, resource: own };
    if (found.name === g.name) return input;
    return onStoredArn(input, `${input.resource.slice(0, input.resource.length - g.name.length)}${found.name}`);
  }

  /**
   * A stored user's, group's or role's ARN in its account's dialect (its path dropped in an `acs` account, as RAM has
   * none): what the Query API decides a call on it on, whichever dialect names it (review vs, 3). Undefined when the
   * account's partition is not known.
   */
  async function ownEntityArn(account: string, kind: 'user' | 'group' | 'role', path: string, name: string): Promise<string | undefined> {
    const partition = await sts.accountPartition(account);
    return partition === undefined ? undefined : entityArn(partition, account, kind, path, name);
  }

  /** An answer decided on `stored`, the ARN the directory keeps its entity under, noting it when it was `asked` in another case or dialect. */
  function noteStoredArn(r: Answered, asked: string, stored: string): Answered {
    if (!r.ok || asked === stored) return r;
    const note = asked.toLowerCase() === stored.toLowerCase()
      ? `decided on \`${quoted(stored)}\` (asked as \`${quoted(asked)}\`): the IAM API finds a user, group, role or managed policy without regard to case and decides on its stored ARN (review rg, 1)`
      : `decided on \`${quoted(stored)}\` (asked as \`${quoted(asked)}\`): the IAM API decides a call on a user, group or role on its ARN in its account's dialect; an explicit deny naming the ARN as asked holds too (review vs, 3)`;
    return ok({ ...r.value, diagnostics: [...r.value.diagnostics, note] });
  }

  /** `input` asked on `arn`, the ARN the directory stores its entity under, when the asker wrote it in another case. */
  function onStoredArn(input: AuthorizeInput, arn: string): AuthorizeInput {
    return arn !== input.resource && arn.toLowerCase() === input.resource.toLowerCase() ? { ...input, resource: arn } : input;
  }

  /** `input` with the directory's `facts` in place of the asker's resource tags (and boundary, when `boundary`). */
  function withFacts(input: AuthorizeInput, facts: Record<string, string | string[]>, boundary: boolean, issuer = false): { input: AuthorizeInput; replaced: string[] } {
    const replaced: string[] = [];
    const context: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input.context ?? {})) {
      const key = k.toLowerCase();
      // Every spelling the engine reads a resource tag in: `acs:ResourceTag/K` is read for `aws:ResourceTag/K` where the
      // directory's entity lacks the tag, and before it where a policy names the `acs:` key (review gd, 1).
      if (key.startsWith('aws:resourcetag/') || key.startsWith('acs:resourcetag/') || key.startsWith('iam:resourcetag/') || (boundary && key === 'iam:permissionsboundary') || (issuer && key === ISSUER_URL_KEY_LOWER)) replaced.push(k);
      else context[k] = v;
    }
    Object.assign(context, facts);
    return { input: { ...input, context }, replaced };
  }

  /**
   * The answer with the directory's values unquoted (a condition miss quotes the value it read: the asker learns that
   * a fact did not hold, not the entity's tags, which iam:ListRoleTags and iam:ListUserTags read), and a note naming
   * the asker's keys that were `replaced`.
   */
  /** An answer on what the Query API decides with no resource tag (`directoryEntityOf`, `tagless`), naming the asker's that were dropped. */
  function noteTagless(r: Answered, dropped: readonly string[], input: AuthorizeInput): Answered {
    if (!r.ok || dropped.length === 0) return r;
    const note = `context ${dropped.map((k) => `\`${k}\``).join(', ')} ignored: the IAM API decides ${quoted(input.action)} on \`${quoted(input.resource)}\` with no resource tag (only users, roles, managed policies and OIDC providers carry tags)`;
    return ok({ ...r.value, diagnostics: [...r.value.diagnostics, note] });
  }

  /** A PassRole answer with a note naming the asker's resource tags that were dropped (`isPassRole`). */
  function notePassRoleTags(r: Answered, dropped: readonly string[]): Answered {
    if (!r.ok) return r;
    const note = `context ${dropped.map((k) => `\`${k}\``).join(', ')} ignored: PassRole is decided without the role's tags (IAM supports no resource tag condition for iam:PassRole; jobs, clusters and apply pass a role with iam:PassedToService and iam:AssociatedResourceArn alone)`;
    return ok({ ...r.value, diagnostics: [...r.value.diagnostics, note] });
  }

  function noteReplaced(r: Answered, replaced: readonly string[], none?: string): Answered {
    if (!r.ok) return r;
    const diagnostics = r.value.diagnostics.map((x) => x.replace(DIRECTORY_VALUE_RE, '`$1` (the directory’s value) does not satisfy'));
    if (replaced.length === 0) return ok({ ...r.value, diagnostics });
    const keys = replaced.map((k) => `\`${k}\``).join(', ');
    const note = none !== undefined
      ? PROVIDER_ARN_RE.test(none)
        ? `context ${keys} ignored: \`${quoted(none)}\` names no OIDC provider of the directory, so it has no tags nor issuer URL, as the IAM API decides a request on it`
        : `context ${keys} ignored: \`${quoted(none)}\` names no user, role or policy of the directory, so it has no tags (nor boundary), as the IAM API decides a request on it (CreateUser and CreateRole included)`
      : `context ${keys} replaced: the directory supplies the tags of its users, roles, managed policies and OIDC providers, the permissions boundary of its users and roles and the issuer URL of its OIDC providers (\`ram:OidcIssuerUrl\`, given a change to one and its read, as the IAM API decides them), as the IAM API decides with them`;
    return ok({ ...r.value, diagnostics: [...diagnostics, note] });
  }

  /**
   * Each step from here on is handed `started` (when the decision began: `evaluationMicros`) and `asking` (`Asking`).
   * A workspace question first reads whether the principal asked about is a member.
   */
  function decideAsked(caller: Caller, input: AuthorizeInput, asked: Map<string, Result<unknown>> | undefined, proofs: ProvenCallers | undefined, started: number): Answered | Promise<Answered> {
    const job = jobQuestion(input.action, input.resource);
    if (job !== undefined) return decideOnJob(caller, input, asked, proofs, started, job);
    const jobPolicy = jobPolicyQuestion(input.action, input.resource);
    if (jobPolicy !== undefined) return decideOnJobPolicy(caller, input, asked, proofs, started, jobPolicy);
    const ws = workspaceQuestion(input.action, input.resource);
    if (ws !== undefined) return workspaceAsked(caller, input, proofs, ws).then((w) => decideOnWorkspace(caller, input, asked, proofs, started, ws, w));
    if (iamOnlyDenies(input.action, input.resource) || clusterQuestion(input.action, input.resource)) {
      const behind = enginesReady();
      if (behind !== undefined) return behind.then(() => decideOnCluster(caller, input, asked, proofs, started));
      return decideOnCluster(caller, input, asked, proofs, started);
    }
    return decideAskedAs(caller, input, asked, proofs, started, { account: caller.account });
  }

  /** Every engine brought up to date: a promise when one was behind, else undefined. */
  function enginesReady(): Promise<void> | undefined {
    for (let i = 0; i < engines.length; i++) {
      const behind = engines[i]?.prepare?.();
      if (behind !== undefined) return catchUp(behind, i + 1);
    }
    return undefined;
  }

  /**
   * A Kubernetes question (`iamOnlyDenies`) answered as the SubjectAccessReview webhook decides its request: on the
   * cluster's own ARN (its account's dialect, `AuthorizeEngine.ownResource`), whichever spelling asked it
   * (`arn:aws-cn:training::A:cluster/c/…`, `acs:pai::…` of an `aws` account's cluster, `arn:aws:training::…` of an
   * `acs` one). Asked in another, RBAC found no cluster and IAM read no Deny written on the cluster's own ARN: an
   * ImplicitDeny the webhook never gives, with no word why (review kl, 1). An explicit deny of the path as asked still
   * refuses, as a workspace's question does (`decideOnWorkspace`). Another account's caller (but the root account's)
   * is answered as asked, the cluster's own ARN untold.
   */
  function decideOnCluster(caller: Caller, input: AuthorizeInput, asked: Map<string, Result<unknown>> | undefined, proofs: ProvenCallers | undefined, started: number): Answered | Promise<Answered> {
    const asking: Asking = { account: caller.account };
    let own: string | undefined;
    // Another account's cluster is that account's to know of (that it exists, its dialect): as asked, as a workspace's.
    const account = /::(\d{12}):cluster\//.exec(input.resource)?.[1];
    if (account !== caller.account && caller.account !== ROOT_ACCOUNT) return decideAskedAs(caller, input, asked, proofs, started, asking);
    for (const e of engines) own ??= e.ownResource?.(input.resource);
    if (own === undefined || own === input.resource) return decideAskedAs(caller, input, asked, proofs, started, asking);
    const stored = own;
    return Promise.all([decideAskedAs(caller, input, asked, proofs, started, asking), decideAskedAs(caller, { ...input, resource: stored }, asked, proofs, started, asking)]).then(([asAsked, onOwn]) => {
      if (!asAsked.ok) return asAsked;
      if (!onOwn.ok) return onOwn;
      const by = asAsked.value.decision === 'ExplicitDeny' && onOwn.value.decision !== 'ExplicitDeny' ? asAsked.value : onOwn.value;
      const said = iamOnlyDenies(input.action, input.resource)
        ? `kubernetes: decided on \`${stored}\` (asked as \`${input.resource}\`), under the cluster’s own ARN, as the SubjectAccessReview webhook decides it; an explicit deny of the path as asked holds too`
        : `clusters: decided on the cluster’s ARN \`${stored}\` (asked as \`${input.resource}\`), as the clusters API decides it; an explicit deny of the ARN as asked holds too`;
      return ok({ ...by, diagnostics: [...by.diagnostics, said] });
    });
  }

  /**
   * A workspace question (`workspaceQuestion`) answered as jobs decide it: on the workspace's own ARN, its name as
   * stored, since jobs find a workspace by its name in any case and decide on its ARN (`mayReadWorkspace`, `submit`).
   * Asked in another spelling (`workspace/W` for `w`, or another partition's ARN), it was decided on the ARN as asked,
   * where no Deny of the workspace applied and the membership found made it Allow (review ad, ad2). An explicit deny of the ARN as asked
   * still refuses, as jobs refuse training:GetWorkspace denied on the name asked (and never looser than it).
   */
  async function decideOnWorkspace(caller: Caller, input: AuthorizeInput, asked: Map<string, Result<unknown>> | undefined, proofs: ProvenCallers | undefined, started: number, ws: { readonly account: string; readonly name: string }, w: { readonly member: boolean; readonly stored: string | undefined }): Promise<Answered> {
    // Membership decides a read and a submission alone: a write of the workspace is the policies' (review vs, 1).
    const asking: Asking = MEMBERSHIP_ACTIONS.has(jobsAction(input.action) ?? '') ? { account: caller.account, member: w.member } : { account: caller.account };
    // Another account's workspace is that account's to know of (its name is not told): as asked.
    if (w.stored === undefined || (caller.account !== ws.account && caller.account !== ROOT_ACCOUNT)) return decideAskedAs(caller, input, asked, proofs, started, asking);
    // In the account's own dialect (jobs decide on `workspaceArn` of the caller's partition: `arn:aws-cn:…` or
    // `acs:pai:…` for an aws account's workspace named no Deny of it either); a root caller's question about another
    // account, in the dialect asked.
    const stored = caller.account === ws.account ? workspaceArn(caller.partition, ws.account, w.stored) : `${input.resource.slice(0, input.resource.lastIndexOf('/') + 1)}${w.stored}`;
    if (stored === input.resource) return decideAskedAs(caller, input, asked, proofs, started, asking);
    const [asAsked, onOwn] = await Promise.all([decideAskedAs(caller, input, asked, proofs, started, asking), decideAskedAs(caller, { ...input, resource: stored }, asked, proofs, started, asking)]);
    if (!asAsked.ok) return asAsked;
    if (!onOwn.ok) return onOwn;
    const by = asAsked.value.decision === 'ExplicitDeny' && onOwn.value.decision !== 'ExplicitDeny' ? asAsked.value : onOwn.value;
    return ok({ ...by, diagnostics: [...by.diagnostics, `workspaces: decided on the workspace’s ARN \`${stored}\` (asked as \`${input.resource}\`), as jobs and the workspaces API decide it; an explicit deny of the ARN as asked holds too`] });
  }

  /** Where job `id` lives (`jobPlaces`): held once read, else read from the store; undefined when there is no such job. */
  async function placeOfJob(id: string): Promise<Awaited<ReturnType<typeof jobPlaceOf>>> {
    const held = jobPlaces.get(id);
    if (held !== undefined) return held;
    const place = await deps.store.read((tx) => jobPlaceOf(tx, id));
    if (place !== undefined) {
      if (jobPlaces.size >= MAX_RESOLVED) jobPlaces.clear();
      jobPlaces.set(id, place);
    }
    return place;
  }

  /**
   * A job question (`jobQuestion`) answered as jobs decide it: on the job's ARN and on its workspace's, combined by
   * `jobOrWorkspace` (an explicit deny on either refuses, an allow on either allows). A job the store does not hold is
   * decided as asked; one asked in another partition's spelling, on its own ARN (an explicit deny as asked holding too).
   */
  async function decideOnJob(caller: Caller, input: AuthorizeInput, asked: Map<string, Result<unknown>> | undefined, proofs: ProvenCallers | undefined, started: number, q: { readonly account: string; readonly id: string }): Promise<Answered> {
    const asking: Asking = { account: caller.account };
    // Another account's job is decided as asked: which workspace holds it is that account's to know (review I3; jobs
    // answer another account's caller NoSuchEntity whatever its policies say), and the answer named it (review ad, ad3).
    if (q.account !== caller.account && caller.account !== ROOT_ACCOUNT) return decideAskedAs(caller, input, asked, proofs, started, asking);
    const place = storable(q.id) ? await placeOfJob(q.id) : undefined;
    if (place === undefined || place.account !== q.account) return decideAskedAs(caller, input, asked, proofs, started, asking);
    // On the job's own ARN, in its account's dialect (jobs find a job by its id: another partition's spelling of its ARN
    // named no Deny of it; review ad, ad2), an explicit deny of the ARN as asked holding too.
    const own = jobArn(place.partition, place.account, q.id);
    // Its workspace's, or a node's cluster's (review iz, 9).
    const ws = jobContainerArn(place);
    const [onJob, onWorkspace, asAsked] = await Promise.all([
      // The job's ARN as lying in its workspace (or cluster), which bindings' conditions read it under (review uh, 2).
      decideAskedAs(caller, { ...input, resource: own, resourceContainer: ws }, asked, proofs, started, asking),
      decideAskedAs(caller, { ...input, resource: ws }, asked, proofs, started, asking),
      own === input.resource ? undefined : decideAskedAs(caller, input, asked, proofs, started, asking),
    ]);
    if (!onJob.ok || !onWorkspace.ok) return onJob.ok ? onWorkspace : onJob;
    if (asAsked !== undefined && !asAsked.ok) return asAsked;
    // Its submitter may without an Allow (jobs.ts `isSubmitter`): the one who submitted it, not a later user of the same
    // name; an explicit deny on the job's ARN or its workspace's refuses it too, as jobs decide it (review uh, 1).
    const explicitlyDenied = [onJob.value, onWorkspace.value, asAsked?.ok === true ? asAsked.value : undefined].some((a) => a?.decision === 'ExplicitDeny');
    if (!explicitlyDenied && (await isSubmitterAsked(caller, input, proofs, place))) {
      const { deniedBy: _, conditionsNotMet: _n, ...rest } = onJob.value;
      return ok({ ...rest, decision: 'Allow', reasons: [...onJob.value.reasons, `jobs: Allow: \`${place.submitter}\` submitted job \`${q.id}\`, and its submitter may read and stop it unless an explicit deny refuses it`] });
    }
    const spelt = (a: AuthorizeAnswer): AuthorizeAnswer => (own === input.resource ? a : { ...a, diagnostics: [...a.diagnostics, `jobs: decided on the job’s ARN \`${own}\` (asked as \`${input.resource}\`), as jobs decide it; an explicit deny of the ARN as asked holds too`] });
    if (asAsked?.ok === true && asAsked.value.decision === 'ExplicitDeny' && onJob.value.decision !== 'ExplicitDeny' && onWorkspace.value.decision !== 'ExplicitDeny') return ok(spelt(asAsked.value));
    const as = (a: AuthorizeAnswer) => ({ a, refused: a.decision === 'Allow' ? undefined : { d: a } });
    const refused = jobOrWorkspace(as(onJob.value), as(onWorkspace.value));
    const by = refused !== undefined ? refused.a : onJob.value.decision === 'Allow' ? onJob.value : onWorkspace.value;
    if (by === onJob.value) return ok(spelt(onJob.value));
    return ok(spelt({ ...by, reasons: [...by.reasons, `jobs: decided on ${place.kind === 'node' ? 'cluster' : 'workspace'} \`${ws}\`, which holds job \`${q.id}\`: a job's actions are decided on the job's ARN and on its workspace's (a node's, its cluster's)`] }));
  }

  /**
   * A question of managing a job's IAM policy (`jobPolicyQuestion`) answered as bindings.ts `mayManage` decides it: on the
   * job's ARN as lying in its workspace (a node's cluster), which bindings' conditions read it under (review up, 1). A
   * job the store does not hold, or another account's (which workspace holds it is that account's to know), as asked.
   */
  async function decideOnJobPolicy(caller: Caller, input: AuthorizeInput, asked: Map<string, Result<unknown>> | undefined, proofs: ProvenCallers | undefined, started: number, q: { readonly account: string; readonly id: string }): Promise<Answered> {
    const asking: Asking = { account: caller.account };
    const place = (q.account === caller.account || caller.account === ROOT_ACCOUNT) && storable(q.id) ? await placeOfJob(q.id) : undefined;
    if (place === undefined || place.account !== q.account) return decideAskedAs(caller, input, asked, proofs, started, asking);
    return decideAskedAs(caller, { ...input, resourceContainer: jobContainerArn(place) }, asked, proofs, started, asking);
  }

  /**
   * The caller a question is about when it is one: the asker itself (no principal, or its own ARN), or the caller a
   * `principalProof` authenticated; undefined for a principal named by another ARN (or a proof refused).
   */
  function callerAsked(caller: Caller, input: AuthorizeInput, proofs: ProvenCallers | undefined): Caller | undefined {
    if (input.principalProof !== undefined) {
      const proven = provenOf(proofs, input);
      return proven?.ok === true ? proven.value : undefined;
    }
    return input.principal === undefined || input.principal === caller.principal.arn ? caller : undefined;
  }

  /**
   * Whether the principal a question is about submitted the job `place` describes, as jobs decide it (`isSubmitter`):
   * its ARN, and the unique id of the user who submitted it when the job recorded one. The caller itself, the caller a
   * proof authenticated, or a user named by the ARN the job recorded.
   */
  async function isSubmitterAsked(caller: Caller, input: AuthorizeInput, proofs: ProvenCallers | undefined, place: { readonly account: string; readonly submitter: string; readonly submitterId: string | undefined }): Promise<boolean> {
    const who = callerAsked(caller, input, proofs);
    const job = { submitter: { arn: place.submitter }, submitterId: place.submitterId };
    if (who !== undefined) return isJobSubmitter(job, { arn: who.principal.arn, userId: who.user?.id });
    if (input.principal === undefined) return false;
    const p = principalFromArn(input.principal);
    if (!p.ok || p.value.kind !== 'user' || p.value.account !== place.account) return false;
    // The user as the directory holds it (its name in any case, as the principal was resolved): the submitter by its
    // canonical ARN and id, and not disabled: a disabled user may do nothing, its own job's actions included (its keys
    // and sessions authenticate nothing, so jobs never reach `isSubmitter`; review ad, ad1: the union said Allow).
    const name = p.value.arn.slice(p.value.arn.lastIndexOf('/') + 1);
    if (!storable(name)) return false;
    const found = await sts.readPrincipals((tx) => sts.cachedUser(tx, place.account, name));
    if (found === undefined || found.user.disabled === true) return false;
    return isJobSubmitter(job, { arn: userArnOf(found.partition, place.account, found.user.path, found.user.name), userId: found.user.id });
  }

  /**
   * Workspace `name` of `account` as stored (undefined: none), kept until the directory or resource policies move on
   * (`current`: any change, a workspace's included, moves the change head every instance applies within a second). Read
   * from the store for every workspace question, a decision read the database and answered 503 while PostgreSQL was
   * out (issue 7: decisions keep working; review oi, 5).
   */
  async function heldWorkspace(account: string, name: string): Promise<Workspace | undefined> {
    const key = workspaceKey(account, name);
    const held = workspaces.get(key);
    if (held !== undefined && current(held.version, held.head)) return held.workspace;
    const version = resourcePolicies.version;
    const head = revocations?.head ?? -1;
    const text = await deps.store.read((tx) => tx.kv.get(key));
    const workspace = text === undefined ? undefined : (JSON.parse(text) as Workspace);
    if (workspaces.size >= MAX_RESOLVED) workspaces.clear();
    workspaces.set(key, { workspace, version, head });
    return workspace;
  }

  /**
   * Whether the principal a question is about is a member of workspace `ws`, as jobs decide it (`isMember`): a user of
   * the workspace's account, named in it or in one of its groups. The caller itself, the caller a proof authenticated,
   * or a user named by ARN (its name in any case, as the directory finds it); anything else is no member. `stored`:
   * the workspace's name as stored (found in any case, as jobs find it), undefined when there is none.
   */
  async function workspaceAsked(caller: Caller, input: AuthorizeInput, proofs: ProvenCallers | undefined, ws: { readonly account: string; readonly name: string }): Promise<{ member: boolean; stored: string | undefined }> {
    let user: { account: string; name: string } | undefined;
    const who = callerAsked(caller, input, proofs);
    if (who !== undefined) user = who.user !== undefined ? { account: who.account, name: who.user.name } : undefined;
    else if (input.principal !== undefined) {
      const p = principalFromArn(input.principal);
      if (p.ok && p.value.kind === 'user') user = { account: p.value.account, name: p.value.arn.slice(p.value.arn.lastIndexOf('/') + 1) };
    }
    if (!storable(ws.name)) return { member: false, stored: undefined };
    // From memory once the directory is loaded (`heldWorkspace`, the directory's groups): a decision touches no database.
    const groupsOf = revocations?.loaded === true ? revocations.groupsOfUser : undefined;
    if (groupsOf !== undefined) {
      const workspace = await heldWorkspace(ws.account, ws.name);
      if (workspace === undefined) return { member: false, stored: undefined };
      const stored = workspace.name;
      if (user === undefined || user.account !== ws.account || !storable(user.name)) return { member: false, stored };
      const groups = groupsOf.call(revocations, user.account, user.name);
      return { member: groups !== undefined && isWorkspaceMember(workspace, user.name, groups), stored };
    }
    return deps.store.read(async (tx) => {
      const text = await tx.kv.get(workspaceKey(ws.account, ws.name));
      if (text === undefined) return { member: false, stored: undefined };
      const workspace = JSON.parse(text) as Workspace;
      const stored = workspace.name;
      if (user === undefined || user.account !== ws.account || !storable(user.name)) return { member: false, stored };
      const found = await tx.users.get(user.account, user.name);
      if (found === undefined) return { member: false, stored };
      if (isWorkspaceMember(workspace, found.name, [])) return { member: true, stored };
      return { member: isWorkspaceMember(workspace, found.name, (await tx.groups.listForUser(user.account, found.name)).map((g) => g.name)), stored };
    });
  }

  function decideAskedAs(caller: Caller, input: AuthorizeInput, asked: Map<string, Result<unknown>> | undefined, proofs: ProvenCallers | undefined, started: number, asking: Asking): Answered | Promise<Answered> {
    const rp = resourcePolicies.forResource(input.resource, input.resourceAccount);
    if (input.principalProof !== undefined) {
      const proven = resolveProven(caller, provenOf(proofs, input), input.resource, rp.account, asked);
      if (!proven.ok) return proven;
      const arn = proven.value.principal.arn;
      const r = decideWho(input, rp, proven, started, asking);
      return r instanceof Promise ? r.then((a) => naming(a, arn)) : naming(r, arn);
    }
    return decideWho(input, rp, resolvePrincipal(caller, input.principal, input.resource, rp.account, asked, iamOnlyDenies(input.action, input.resource)), started, asking);
  }

  /** An answer to a `principalProof` question names the principal proven: the resource server learns who asked. */
  const naming = (r: Answered, arn: string): Answered => (r.ok ? ok({ principal: arn, ...r.value }) : r);

  function decideWho(input: AuthorizeInput, rp: ReturnType<ResourcePolicies['forResource']>, who: Result<Resolved> | Promise<Result<Resolved>>, started: number, asking: Asking): Answered | Promise<Answered> {
    // Assuming a role (or tagging its session, setting its source identity) is decided under the role's trust
    // policy, as STS decides it (src/app/sts.ts `trustDecision`).
    // A role the directory holds is decided as STS and jobs decide it: on its canonical ARN, with a Deny spelling it (or
    // PassRole) in the other dialect applying as well (review U, U2).
    // So is its bindings' spelling, `iam.serviceAccounts.actAs` (review ej, 5): decided on the role as asked, a Deny of
    // PassRole on `arn:aws:iam::A:role/trainer` did not apply to it asked on `role/TRAINER` or `acs:ram::A:role/trainer`;
    // and every other `iam.serviceAccounts.*` permission, whose binding on the role did not apply so (review ip, 2).
    const action = input.action.toLowerCase();
    const trusted = TRUST_ACTIONS.has(action);
    if (decidedOnRole(input.action)) {
      return Promise.all([who, sts.roleOf(input.resource)]).then(([w, named]) => {
        // A resource that is no role ARN at all (`role/x/`, `*`, a bucket): STS assumes no such thing, whatever the
        // policies allow (review jk, 2). Decided under a trust policy allowing nothing, as a role of no such name.
        if (trusted && named === undefined) {
          const a = decideFor(input, rp, w, started, asking, NO_ROLE_TRUST);
          return a instanceof Promise ? a.then((x) => notARole(x, input.resource)) : notARole(a, input.resource);
        }
        return decideOnRoleAsked(input, rp, w, started, asking, trusted ? named?.trust : undefined, named?.role);
      });
    }
    // An IAM/RAM administrative action, as the IAM API decides it (`decideAdmin`): a Deny spelling it in the other
    // dialect applies too (review is, 5).
    const others = adminDenyOnly(input.action, input.resource);
    if (others !== undefined) return Promise.resolve(who).then((w) => decideAdminAsked(input, rp, w, started, asking, others));
    return who instanceof Promise ? who.then((w) => decideFor(input, rp, w, started, asking)) : decideFor(input, rp, who, started, asking);
  }

  /** `input` as asked, unless an explicit deny applies to one of its other-dialect spellings (`others`), which then decides. */
  async function decideAdminAsked(input: AuthorizeInput, rp: ReturnType<ResourcePolicies['forResource']>, who: Result<Resolved>, started: number, asking: Asking, others: readonly { action: string; resource: string }[]): Promise<Answered> {
    const a = await decideFor(input, rp, who, started, asking);
    if (!a.ok || a.value.decision === 'ExplicitDeny') return a;
    for (const o of others) {
      const x = await decideFor({ ...input, action: o.action, resource: o.resource }, o.resource === input.resource ? rp : resourcePolicies.forResource(o.resource, input.resourceAccount), who, started, asking);
      if (!x.ok) return x;
      // Only a Deny naming the action and resource speaks of the other spelling (`namesItsTarget`).
      const denies = x.value.matched.filter((m) => m.engine === 'iam' && m.effect === 'Deny').map((m) => ({ policy: m.policy, index: m.statement ?? -1, effect: m.effect }));
      if (x.value.decision === 'ExplicitDeny' && who.ok && namesItsTarget(denies, who.value.policies)) return ok({ ...x.value, diagnostics: [...x.value.diagnostics, `iam: an explicit deny of \`${o.action}\` on \`${o.resource}\` (the same action or entity in the other dialect’s spelling) applies`] });
    }
    // A `ram:` call is granted by an Allow of RAM's own name for it too, as the IAM API grants it (`decideAdmin`;
    // review lp, 2): else escalation-paths, which asks here, missed what a RAM user may attach.
    const own = a.value.decision === 'ImplicitDeny' && /^ram:/i.test(input.action) ? ramOwnName(input.action) : undefined;
    if (own !== undefined) {
      const x = await decideFor({ ...input, action: own }, rp, who, started, asking);
      if (x.ok && x.value.decision === 'Allow') return ok({ ...x.value, diagnostics: [...x.value.diagnostics, `iam: allowed as \`${own}\`, RAM's own name of \`${input.action}\``] });
    }
    return a;
  }

  /**
   * A question about assuming or passing `role` (the directory's role the question's resource names, in any spelling
   * or case), answered on the role's canonical ARN, unless an explicit deny applies to its other-dialect spellings
   * (`roleQuestions`): the decision STS and jobs take (`decideOnRole`). Without a role, the question as asked.
   */
  async function decideOnRoleAsked(input: AuthorizeInput, rp: ReturnType<ResourcePolicies['forResource']>, who: Result<Resolved>, started: number, asking: Asking, trust: CompiledPolicy | undefined, role: RoleName | undefined): Promise<Answered> {
    if (role === undefined) {
      const a = decideFor(input, rp, who, started, asking, trust);
      return trust === undefined ? a : a instanceof Promise ? a.then((x) => noSuchRole(x, input.resource, asking)) : noSuchRole(a, input.resource, asking);
    }
    const q = roleQuestions(role, input.action);
    const ask = (action: string, resource: string) => decideFor({ ...input, action, resource }, resource === input.resource ? rp : resourcePolicies.forResource(resource, input.resourceAccount), who, started, asking, trust);
    const a = await ask(q.allow.action, q.allow.resource);
    if (!a.ok) return a;
    let answer = a.value;
    if (answer.decision !== 'ExplicitDeny') {
      for (const o of q.denyOnly) {
        const x = await ask(o.action, o.resource);
        if (!x.ok) return x;
        if (x.value.decision === 'ExplicitDeny') {
          answer = { ...x.value, diagnostics: [...x.value.diagnostics, `iam: an explicit deny of \`${o.action}\` on \`${o.resource}\` (the same role or action in the other dialect’s spelling) applies`] };
          break;
        }
      }
    }
    // A session carrying a source identity gives it to the session it assumes, and a request may name one: STS then asks
    // the role's trust policy for sts:SetSourceIdentity too, at every hop of a chain (review cy, 1). Decided on
    // sts:AssumeRole alone, the answer allowed bob's session a role whose trust policy lets it only assume (review so, 3).
    // Likewise the transitive session tags of the asking session, which STS sets on the next one asking sts:TagSession,
    // even when the request passes no tag (review fb, 2; review so, 4).
    if (answer.decision === 'Allow' && input.action.toLowerCase() === 'sts:assumerole') {
      const companions: [string, string][] = [];
      if (setsSourceIdentity(input, who)) companions.push(['sts:SetSourceIdentity', 'carries a source identity (the asking session’s, passed along a chain, or the one the request names), and STS sets it']);
      if (who.ok && (who.value.transitive === true || (who.value.sessions ?? []).some((x) => x.transitive === true))) companions.push(['sts:TagSession', 'carries the asking session’s transitive session tags, and STS sets them']);
      // And the tags the request passes, which the question names (`aws:RequestTag/…`, `aws:TagKeys`,
      // `sts:TransitiveTagKeys`): STS asks sts:TagSession of any AssumeRole passing tags (review sz, 4).
      else if (passesTags(input)) companions.push(['sts:TagSession', 'carries the session tags the request passes (its context names them), and STS sets them']);
      for (const [action, what] of companions) {
        const also = await decideOnRoleAsked({ ...input, action }, rp, who, started, asking, trust, role);
        if (!also.ok) return also;
        if (also.value.decision !== 'Allow') {
          const why = `sts: ${also.value.decision}: the session AssumeRole would issue ${what} only where ${action} on the role is allowed too, which it is not`;
          answer = { ...also.value, reasons: [why, ...also.value.reasons] };
          break;
        }
      }
    }
    if (q.allow.resource === input.resource) return ok(answer);
    return ok({ ...answer, diagnostics: [...answer.diagnostics, `iam: decided on the role’s ARN \`${q.allow.resource}\` (asked as \`${input.resource}\`), as STS and jobs decide it`] });
  }

  /**
   * Whether an AssumeRole question's context names session tags the request passes: `aws:RequestTag/<key>` (RAM's
   * `acs:RequestTag/<key>`), `aws:TagKeys` (`acs:TagKeys`) or `sts:TransitiveTagKeys` with a value. STS asks the role's trust
   * policy and the caller's policies for sts:TagSession as well then (src/app/sts.ts), and refuses without it.
   */
  function passesTags(input: AuthorizeInput): boolean {
    return contextPassesTags(input.context);
  }

  /**
   * Whether `c`, a session, carries transitive session tags: STS sets those of its tags on a session it assumes (src/app/sts.ts).
   */
  function carriesTransitiveTags(c: Caller): boolean {
    const keys = c.session?.transitive;
    if (keys === undefined || keys.length === 0) return false;
    const tags = Object.keys(c.session?.tags ?? {}).map((k) => k.toLowerCase());
    return keys.some((k) => tags.includes(k.toLowerCase()));
  }

  /**
   * Whether the session an AssumeRole question's request would issue carries a source identity (`decideFor` sets it as
   * `sts:SourceIdentity`): the asking session's (each session an ARN may name), the one its context names, or, in a
   * simulation, the one its what-if says the session carries (`aws:SourceIdentity`).
   */
  function setsSourceIdentity(input: AuthorizeInput, who: Result<Resolved>): boolean {
    if (who.ok && (who.value.principal.session?.sourceIdentity !== undefined || (who.value.sessions ?? []).some((x) => x.principal.session?.sourceIdentity !== undefined))) return true;
    for (const k in input.context ?? {}) {
      const key = k.toLowerCase();
      if (key === SOURCE_IDENTITY || (input.simulated === true && (key === 'aws:sourceidentity' || key === 'acs:sourceidentity'))) return true;
    }
    return false;
  }

  /** `asRefused`: `who` is already decided as refused (`Resolved.refused`, `unknownFederation`), so never asked again. */
  function decideFor(input: AuthorizeInput, rp: ReturnType<ResourcePolicies['forResource']>, who: Result<Resolved>, started: number, asking: Asking, roleTrust?: CompiledPolicy, asRefused = false): Answered | Promise<Answered> {
    if (!who.ok) return who;
    const refused = asRefused ? undefined : (who.value.refused ?? (input.simulated === true ? undefined : unknownFederation(who.value.principal)));
    if (refused !== undefined) {
      // Enforcement refuses the principal outright: decided all the same, for an explicit deny and the explanation,
      // but never allowed.
      const { refused: _, ...rest } = who.value;
      // Why (disabled, its sessions revoked) is the principal's account's to read, as its policies are (review I3).
      const account = rest.principal.account;
      const why = asking.account === ROOT_ACCOUNT || account === '' || account === asking.account ? refused : `principal: \`${rest.principal.arn}\` may do nothing now (why is account ${account}'s to read)`;
      const a = decideFor(input, rp, ok(rest), started, asking, roleTrust, true);
      return a instanceof Promise ? a.then((x) => refusedAnswer(x, why)) : refusedAnswer(a, why);
    }
    if (who.value.sessions !== undefined) return decideEach(input, rp, who.value.sessions, started, asking, roleTrust);
    const ignored: string[] = [];
    const ctx = cleanContext(input.context, ignored, input.simulated === true);
    if ('ok' in ctx) return ctx;
    const signedWith = who.value.accessKeyId;
    if (signedWith !== undefined) {
      // The key the question's principal signed with is a fact, as the S3 gateway and the admin API decide with it:
      // a value the asker gives gives way to it (and is named in a note).
      if (ctx.has(ACCESS_ID)) ignored.push(namedKey(input.context, ACCESS_ID));
      ctx.set(ACCESS_ID, [signedWith]);
    }
    // A session's source identity is immutable and passes along a chain (reference §A.1.8): STS decides the next role's
    // trust with it as `sts:SourceIdentity` whatever the request names (src/app/sts.ts), so a question about a session
    // carrying one is too; the asker's value gave way to nothing, and an absent one lifted a Deny on it (review nk, 4).
    const carried = who.value.principal.session?.sourceIdentity;
    if (carried !== undefined && input.simulated !== true && TRUST_ACTIONS.has(input.action.toLowerCase())) {
      if (ctx.has(SOURCE_IDENTITY)) ignored.push(namedKey(input.context, SOURCE_IDENTITY));
      ctx.set(SOURCE_IDENTITY, [carried]);
    }
    // A simulation keeps the `sts:SourceIdentity` it is given (a what-if); given none, it is the one the session carries,
    // as STS and the authorize API decide the next hop with it: the what-if's `aws:SourceIdentity` (the session said to
    // carry it), else the session's own. Left out, a simulation of bob's session answered Allow under a trust policy
    // denying bob, where the same question to the authorize API, and AssumeRole, were refused (review so, 1).
    if (input.simulated === true && !ctx.has(SOURCE_IDENTITY) && TRUST_ACTIONS.has(input.action.toLowerCase())) {
      const said = ctx.get('aws:sourceidentity') ?? ctx.get('acs:sourceidentity') ?? (carried !== undefined ? [carried] : undefined);
      if (said !== undefined) ctx.set(SOURCE_IDENTITY, said);
    }
    // The bucket's owner, as the S3 gateway decides with it; absent where no one is known to own it (a perimeter
    // written with `StringNotEquals` then fails closed).
    if (rp.account !== undefined && S3_ARN_RE.test(input.resource)) ctx.set(S3_OWNER_KEY, [rp.account]);
    const { policies } = who.value;
    const time = input.simulated === true ? (simulatedTime(ctx) ?? deps.now()) : deps.now();
    const principal = input.simulated === true ? asNewSession(input.principal, who.value.principal, time) : who.value.principal;
    // Asking about a principal is decided as the caller's own account's permission, wherever that principal lives
    // (`mayAsk`): the question about it is decided the same way (review I4), not as a cross-account request.
    if (isAuthorizeAction(input.action) && principal.account !== '') rp = { policies: rp.policies, account: principal.account };
    // The optional fields set after the literal, not spread into it: a spread of `{}` per absent field cost each decision.
    const request: { -readonly [K in keyof AuthzRequest]: AuthzRequest[K] } =
      rp.account !== undefined ? { principal, action: input.action, resource: input.resource, resourceAccount: rp.account, context: ctx, time } : { principal, action: input.action, resource: input.resource, context: ctx, time };
    if (input.unreadable !== undefined) request.unreadable = input.unreadable;
    if (input.resourceContainer !== undefined) request.container = input.resourceContainer;
    // One shape for every policy set the union evaluates (the engine reads the same fields of each).
    const reads = readsResourcePolicies(input.action);
    const { identity, boundary } = withAddedPolicies(policies, input.addedIdentity, input.addedBoundary);
    const set: PolicySet = { identity, boundary, session: policies.session, resource: reads ? rp.policies : NO_POLICIES, trust: roleTrust ?? policies.trust };
    withTagKeySpellings(ctx, set);
    const how = explainHow(input);
    let d = evaluate(request, set, how);
    // A question in the bindings' spelling (`storage.objects.get`) is the same request as the IAM actions that need
    // that permission on the resource (`s3:GetObject` on an S3 object), and IAM decides it as enforcement, which
    // decides those actions, would: an explicit deny of one of them applies (review B4); IAM allows it where it allows
    // each of them, and only there. The permission's spelling names no service a statement can name, so only `*` or a
    // `NotAction` matched it: PowerUserAccess's `NotAction: iam:*` allowed `iam.serviceAccounts.actAs` on a role jobs
    // refuse to let it pass (review ej, 1), while a policy allowing `s3:GetObject`, or `*` within a boundary allowing it,
    // was refused `storage.objects.get` on an object the S3 gateway lets it read (review ej, 6). Each must allow, as
    // each must pass the limits that cut a binding's grant (`limited`, review ai, 6).
    let spelledAs: SpelledAs | undefined;
    if (d.decision !== 'ExplicitDeny' && !input.action.includes(':')) {
      let notAllowed: SpelledAs | undefined;
      let allowed: SpelledAs | undefined;
      for (const action of actionsForPermissionOn(input.action, input.resource)) {
        const x = evaluate({ ...request, action }, readsResourcePolicies(action) ? set : { ...set, resource: NO_POLICIES }, how);
        // As the action asked in its own spelling is decided (`decideAdminAsked`): a Deny naming it in the other dialect
        // (`pai:GetModel` for `training:GetModel`, the workspace's other ARN) refuses it too. Without it, a RAM guardrail
        // `Deny pai:*` refused `training:GetModel` and `pai:GetModel` but not `ml.models.get`, which a binding then
        // allowed (review ss, 4).
        const other = x.decision === 'ExplicitDeny' ? undefined : otherSpellingDeny(request, set, action, how);
        if (x.decision === 'ExplicitDeny' || other !== undefined) {
          d = other?.decision ?? x;
          spelledAs = { action: other?.action ?? action, outcome: 'denied' };
          notAllowed = allowed = undefined;
          break;
        }
        if (x.decision !== 'Allow') notAllowed ??= { action, outcome: 'not allowed', decision: x };
        else allowed ??= { action, outcome: 'allowed', decision: x };
      }
      // Every one allowed, the question is allowed (the permission's spelling matched no statement, or only `*`); one
      // not allowed takes an allow away, as in ej1.
      const decided = notAllowed !== undefined ? (d.decision === 'Allow' ? notAllowed : undefined) : d.decision !== 'Allow' ? allowed : undefined;
      if (decided?.decision !== undefined) {
        d = decided.decision;
        spelledAs = decided;
      }
    }
    for (let i = 0; i < engines.length; i++) {
      const behind = engines[i]?.prepare?.();
      if (behind) return catchUp(behind, i + 1).then(() => settleThenConclude(input, who.value.principal, request, set, d, ignored, started, asking, spelledAs, reads ? undefined : rp.policies));
    }
    return settleThenConclude(input, who.value.principal, request, set, d, ignored, started, asking, spelledAs, reads ? undefined : rp.policies);
  }

  /**
   * The tag keys a question names (`aws:TagKeys`, RAM's `acs:TagKeys`, `sts:TransitiveTagKeys`) also in each spelling the
   * policies deciding it compare them with, as enforcement gives them: tag keys are case-insensitive, so the directory's
   * Tag*, Untag* and Create* (review X, X1) and AssumeRole and AssumeRoleWithWebIdentity (review sw, 2) refuse
   * `costcenter` under a Deny naming `CostCenter`. The authorize API and simulate took the keys as the question spelt
   * them, and answered Allow where enforcement refuses (review sz, 1).
   */
  function withTagKeySpellings(ctx: Map<string, string[]>, set: PolicySet): void {
    for (const key of TAG_KEY_KEYS) {
      const keys = ctx.get(key);
      if (keys === undefined || keys.length === 0) continue;
      const policies = [...set.identity, set.boundary, ...(set.session ?? []), ...(set.resource ?? []), set.trust];
      ctx.set(key, tagKeySpellings(keys, tagKeyLiterals(policies, key === TRANSITIVE_TAG_KEYS)));
    }
  }

  /**
   * `conclude`, once the engines' refusals that need the store (`AuthorizeEngine.settle`) are in: synchronous when no
   * engine needs one for this request (the common case).
   */
  function settleThenConclude(input: AuthorizeInput, principal: Principal, request: AuthzRequest, set: PolicySet, d: Decision, ignored: readonly string[], started: number, asking: Asking, spelledAs?: SpelledAs, unread?: readonly CompiledPolicy[]): Answered | Promise<Answered> {
    let pending: Promise<EngineResult | undefined>[] | undefined;
    for (let i = 0; i < engines.length; i++) {
      const settle = engines[i]?.settle;
      if (settle === undefined) continue;
      const p = settle(resolvedOf(input, principal, request, set));
      if (p === undefined) continue;
      pending ??= engines.map(() => Promise.resolve(undefined));
      // A store that fails is the question's failure (503 for an outage), as any other read of a decision's.
      pending[i] = p;
    }
    if (pending === undefined) return conclude(input, principal, request, set, d, ignored, started, asking, spelledAs, unread);
    return Promise.all(pending).then((settled) => conclude(input, principal, request, set, d, ignored, started, asking, spelledAs, unread, settled));
  }

  /** The request an engine is asked (`AuthorizeEngine.decide`, `settle`). */
  function resolvedOf(input: AuthorizeInput, principal: Principal, request: AuthzRequest, set: PolicySet): ResolvedRequest {
    return input.unconditional === true ? { principal, action: input.action, resource: input.resource, request, policies: set, unconditional: true } : { principal, action: input.action, resource: input.resource, request, policies: set };
  }

  /**
   * A question about an ARN that may name several sessions carrying different scopes: decided for each of them, and
   * answered with the first that is not allowed (an explicit deny before an implicit one), or with an allow when all
   * are; the answer says which session refused and what it carries (fails closed).
   */
  function decideEach(input: AuthorizeInput, rp: ReturnType<ResourcePolicies['forResource']>, sessions: readonly OneSession[], started: number, asking: Asking, roleTrust?: CompiledPolicy): Answered | Promise<Answered> {
    const each = sessions.map((s) => decideFor(input, rp, ok({ principal: s.principal, policies: s.policies }), started, asking, roleTrust));
    if (each.some((a) => a instanceof Promise)) return Promise.all(each).then((all) => combined(input, sessions, all, started, asking.account));
    return combined(input, sessions, each as Answered[], started, asking.account);
  }

  function combined(input: AuthorizeInput, sessions: readonly OneSession[], all: readonly Answered[], started: number, asker: string): Answered {
    const rank = { Allow: 0, ImplicitDeny: 1, ExplicitDeny: 2 } as const;
    let worst = -1;
    for (let i = 0; i < all.length; i++) {
      const a = all[i] as Answered;
      if (!a.ok) return a;
      if (worst < 0 || rank[a.value.decision] > rank[(all[worst] as { value: AuthorizeAnswer }).value.decision]) worst = i;
    }
    const answer = (all[worst] as { value: AuthorizeAnswer }).value;
    const arn = input.principal ?? '';
    // What the sessions carry is their account's to read (review I3), as their policies are (`withoutOtherAccount`).
    const account = sessions[0]?.principal.account ?? '';
    if (asker !== ROOT_ACCOUNT && account !== '' && account !== asker) {
      const micros = Math.round((performance.now() - started) * 1000);
      const which = `\`${arn}\` may name several sessions, and each must allow`;
      return ok(answer.decision === 'Allow'
        ? { ...answer, diagnostics: [...answer.diagnostics, `sessions: ${which}: every one does`], evaluationMicros: micros }
        : { ...answer, reasons: [`sessions: ${which}: one of them is not allowed (what it carries is account ${account}'s to read)`, ...answer.reasons], evaluationMicros: micros });
    }
    const scoped = sessions.filter((s) => s.scope !== undefined).length;
    const also = `${scoped} live session${scoped === 1 ? '' : 's'} with a scope registered under it`;
    const which = sessions[0]?.job !== undefined
      ? `\`${arn}\` names its job’s session and ${also}, and each must allow`
      : `\`${arn}\` may name sessions without session policy or tags (not registered: the role’s policies) and ${also}, and each must allow`;
    const evaluationMicros = Math.round((performance.now() - started) * 1000);
    if (answer.decision === 'Allow') {
      return ok({ ...answer, diagnostics: [...answer.diagnostics, `sessions: ${which}: every one does`], evaluationMicros });
    }
    const s = sessions[worst] as OneSession;
    const why = answer.decision === 'ExplicitDeny' ? 'an explicit deny applies to it' : answer.deniedBy === 'session' ? `its ${sessionPolicyWords(s.scope)} does not allow this request` : answer.deniedBy === 'boundary' ? 'the permissions boundary does not allow this request' : 'its policies do not allow this request';
    return ok({ ...answer, reasons: [`sessions: ${which}: ${sessionWords(s)} is not allowed: ${why}`, ...answer.reasons], evaluationMicros });
  }

  /**
   * In a simulation, a role named by its ARN (not a session's) is a session of it issued now: the one a simulation,
   * who-can and escalation-paths describe ("a session with no session policy"), which a policy denying sessions issued
   * before a date (the AWS way to revoke them) does not deny. "Now" is the simulation's time (`at`) where it gives one:
   * at the server's clock a simulation of 2031 decided for a session issued years before its request (review vk, 1).
   * The authorize API keeps the earliest issue time: there the ARN may stand for any session of the role, older ones
   * included (fail closed).
   */
  function asNewSession(asked: string | undefined, p: Principal, at: number = deps.now()): Principal {
    if (asked === undefined || p.kind !== 'role-session' || p.session === undefined || SESSION_ARN_RE.test(asked)) return p;
    return { ...p, session: { ...p.session, issuedAt: at } };
  }

  /**
   * An answer about assuming a role the directory does not hold (`roleArn`, a role ARN found as AssumeRole finds it):
   * decided under a trust policy allowing nothing, as AssumeRole refuses it, whose refusal read "the role trust policy
   * does not allow this principal" and sent the reader to a trust policy that is not there (review cc, 1). The reason
   * now says there is no such role, where the asker may read the role's account (else, as the other account's rules,
   * it would tell its roles apart); an explicit deny keeps its reasons.
   */
  function noSuchRole(a: Answered, roleArn: string, asking: Asking): Answered {
    if (!a.ok || a.value.decision !== 'ImplicitDeny' || a.value.deniedBy !== 'trust') return a;
    const account = accountOf(roleArn);
    if (asking.account !== ROOT_ACCOUNT && account !== asking.account) return a;
    const why = `iam: ImplicitDeny: no such role \`${roleArn}\` in account ${account} (AssumeRole finds a role by its name in any case and its path as written): check the name and path, or create the role`;
    return ok({ ...a.value, reasons: a.value.reasons.map((r) => (r.endsWith('the role trust policy does not allow this principal') ? why : r)) });
  }

  /** An answer about assuming what is not a role ARN (`NO_ROLE_TRUST`): its refusal says so; an explicit deny keeps its reasons. */
  function notARole(a: Answered, resource: string): Answered {
    if (!a.ok || a.value.decision !== 'ImplicitDeny' || a.value.deniedBy !== 'trust') return a;
    const why = `iam: ImplicitDeny: \`${quoted(resource)}\` is not a role ARN (arn:aws:iam::<account>:role/<path/>name or acs:ram::<account>:role/<name>): STS assumes only a role, whatever the policies allow`;
    return ok({ ...a.value, reasons: a.value.reasons.map((r) => (r.endsWith('the role trust policy does not allow this principal') ? why : r)) });
  }

  /**
   * Why a federated user named by its ARN is allowed nothing (review mo, 3), or undefined for any other principal. The
   * ARN names whatever session GetFederationToken issued under that name, by any user allowed to, each with the session
   * policy it passed and under that user's own explicit denies and status (disabled), none of which the ARN tells nor
   * the registry of scoped sessions holds (docs/decisions.md, "GetFederationToken"). Without its session policy a
   * federated user is allowed nothing, but a resource policy naming its ARN grants without one, and so answered Allow
   * where the user's Deny refuses every session of that name. A proof (`principalProof`) or the session's own signature
   * gives its user (`federatedFrom`), and is decided as ever; so is a simulation of a session with no session policy.
   */
  function unknownFederation(p: Principal): string | undefined {
    if (p.kind !== 'federated-user' || p.federatedFrom !== undefined) return undefined;
    return `principal: \`${p.arn}\` names any session GetFederationToken issued under that name, by any user allowed to, and its ARN tells neither that user (whose explicit denies apply to it) nor the session policy it was given, so it is allowed nothing here: ask with the session's \`principalProof\` to decide the session itself`;
  }

  /** An answer about a principal that enforcement refuses outright (`Resolved.refused`): an implicit deny at most, saying why. */
  function refusedAnswer(a: Answered, why: string): Answered {
    if (!a.ok) return a;
    if (a.value.decision !== 'Allow') return ok({ ...a.value, decision: a.value.decision === 'ExplicitDeny' ? 'ExplicitDeny' : 'ImplicitDeny', reasons: [why, ...a.value.reasons] });
    // What the policies allowed decided nothing: no reason of the refusal (`iam: Allow: …` under an ImplicitDeny read as
    // the principal allowed) but a diagnostic that says it lost, as an allow an explicit deny overrides (review sj, 1);
    // its rules stay in `matched` (review sz, 3).
    const overridden = a.value.reasons.map((r) => {
      const colon = r.indexOf(': ');
      return colon < 0 ? `overridden by the refusal of the principal: ${r}` : `${r.slice(0, colon)}: overridden by the refusal of the principal: ${r.slice(colon + 2)}`;
    });
    return ok({ ...a.value, decision: 'ImplicitDeny', reasons: [why], diagnostics: [...overridden, ...a.value.diagnostics] });
  }

  /** The engines from `from` on brought up to date, one after the other, once one of them was behind. */
  async function catchUp(behind: Promise<void>, from: number): Promise<void> {
    await behind;
    for (let i = from; i < engines.length; i++) {
      const next = engines[i]?.prepare?.();
      if (next) await next;
    }
  }

  /** `unread`: the resource policies governing the resource that this action's enforcement does not read (`readsResourcePolicies`). */
  /** `settled`: what each engine's `settle` said of the request, when one was asked; its deny (or error) decides for the engine. */
  function conclude(input: AuthorizeInput, principal: Principal, request: AuthzRequest, set: PolicySet, d: Decision, ignored: readonly string[], started: number, asking: Asking, spelledAs?: SpelledAs, unread?: readonly CompiledPolicy[], settled?: readonly (EngineResult | undefined)[]): Answered {
    let extra: readonly EngineResult[] = NO_ENGINES;
    if (engines.length > 0) {
      const resolvedRequest = resolvedOf(input, principal, request, set);
      const results: EngineResult[] = new Array(engines.length);
      const whatIf = whatIfOf(input);
      for (let i = 0; i < engines.length; i++) {
        try {
          const engine = engines[i] as AuthorizeEngine;
          const refused = settled?.[i];
          results[i] = refused !== undefined && (refused.verdict === 'deny' || refused.errors.length > 0) ? refused : limited(engine.decide(resolvedRequest), engine, request, set, whatIf);
        } catch (err) {
          results[i] = { verdict: 'no-opinion', reasons: [], errors: [err instanceof Error ? err.message : String(err)] };
        }
      }
      extra = results;
    }
    let decided = answerOf(d, extra, started, iamOnlyDenies(input.action, input.resource), input.withConditionsNotMet === true);
    if (asking.member !== undefined) decided = asMembersAllow(decided, input, principal, asking.member);
    decided = bucketPolicyOwnersOnly(decided, input, principal, request);
    decided = sessionAdminRefused(decided, input, principal);
    const asker = asking.account;
    // The rules of another account than the asker's are that account's to read (review I3); the root account's
    // principals read every account's.
    let otherResource: string | undefined;
    if (asker !== ROOT_ACCOUNT) {
      const ra = request.resourceAccount ?? accountOf(request.resource);
      otherResource = ra !== undefined && ra !== asker ? ra : undefined;
      const otherPrincipal = principal.account !== '' && principal.account !== asker ? principal.account : undefined;
      if (otherPrincipal !== undefined || otherResource !== undefined) decided = withoutOtherAccount(decided, d, otherPrincipal, otherResource);
    }
    let answer = spelledAs === undefined ? decided : { ...decided, diagnostics: [...decided.diagnostics, spelledAsNote(spelledAs, input.action)] };
    if (unread !== undefined && unread.length > 0 && otherResource === undefined) {
      const service = input.action.slice(0, input.action.indexOf(':'));
      answer = { ...answer, diagnostics: [...answer.diagnostics, `iam: ${unread.map((p) => `\`${p.name}\``).join(', ')} not read: Gatehouse decides \`${service}:\` requests itself, with identity (and trust) policies and bindings, never resource policies`] };
    }
    // The principal as the directory names it, so that the answer (and its audit record) says whom it decided
    // about whatever the spelling asked (review V, P8).
    if (typeof input.principal === 'string' && input.principalProof === undefined) {
      const canonical = canonicalArn(input.principal, principal);
      if (canonical !== undefined && canonical !== input.principal) answer = { ...answer, principal: canonical };
    }
    if (ignored.length === 0) return ok(answer);
    const notes: string[] = [];
    const owner = ignored.filter((k) => OWNER_KEYS.has(k.toLowerCase()));
    const signed = ignored.filter((k) => k.toLowerCase() === ACCESS_ID);
    // The time of the question is no fact of the principal: said so, and where a time may be given (review ic, 4).
    const time = ignored.filter((k) => TIME_KEYS.has(k.toLowerCase()));
    const about = ignored.filter((k) => !OWNER_KEYS.has(k.toLowerCase()) && k.toLowerCase() !== ACCESS_ID && !TIME_KEYS.has(k.toLowerCase()));
    if (signed.length > 0) notes.push(`context ${signed.map((k) => `\`${k}\``).join(', ')} ignored: the principal signed this question${input.principalProof !== undefined ? '’s proof' : ''} with an access key, whose id is \`acs:AccessId\``);
    if (about.length > 0) notes.push(`context ${about.map((k) => `\`${k}\``).join(', ')} ignored: ${about.length === 1 ? 'it describes the principal, and comes' : 'they describe the principal, and come'} from the directory and the session`);
    if (time.length > 0) notes.push(`context ${time.map((k) => `\`${k}\``).join(', ')} ignored: ${time.length === 1 ? 'it is' : 'they are'} the time of the question, which Gatehouse's clock gives (POST /v1/simulate and \`gatehouse simulate\` take a time)`);
    if (owner.length > 0) notes.push(`context ${owner.map((k) => `\`${k}\``).join(', ')} ignored: it names the resource's owner, which Gatehouse knows (the account in its ARN, the bucket's owner, the account whose resource policy governs it) and decides with`);
    return ok({ ...answer, diagnostics: [...answer.diagnostics, ...notes] });
  }

  /**
   * A question about reading or changing a bucket's policy (`BUCKET_POLICY_ACTIONS`) by a principal of another account
   * than the bucket's owner: not allowed, whatever the policies allow, as the S3 gateway enforces it (S3's rule: "If you
   * have the correct permissions, but you're not using an identity that belongs to the bucket owner's account, Amazon S3
   * returns a 405 Method Not Allowed error"). The API answered Allow where both accounts' policies allowed it (review gl,
   * 4). A question of a resource server of this process (`resourceAccount` set: the gateway itself) is left as decided:
   * the gateway applies the rule after the decision, and answers 405 to who is allowed, 403 to who is not.
   */
  function bucketPolicyOwnersOnly(a: AuthorizeAnswer, input: AuthorizeInput, principal: Principal, request: AuthzRequest): AuthorizeAnswer {
    if (a.decision !== 'Allow' || input.resourceAccount !== undefined || !BUCKET_POLICY_ACTIONS.has(input.action.toLowerCase())) return a;
    const owner = request.resourceAccount;
    const bucket = S3_BUCKET_ARN_RE.exec(input.resource)?.[1];
    if (owner === undefined || bucket === undefined || principal.account === owner) return a;
    const why = `s3: only principals of account ${owner}, which owns bucket \`${bucket}\`, may read or change its policy (the S3 gateway answers 405 MethodNotAllowed to any other)`;
    return { ...a, decision: 'ImplicitDeny', deniedBy: 'resource', reasons: [...a.reasons, why] };
  }

  /**
   * A question about an admin API action (`gatehouse:ReadAudit`, `gatehouse:SetIamPolicy`, `gatehouse:Apply`…) by
   * credentials from GetSessionToken or a federated user: not allowed, whatever any engine grants, as the admin API
   * refuses such credentials every route but a few (src/adapters/http/admin-api.ts `userSessionRefusal`: a user's session
   * asks the authorize API about itself, signs in to and out of the console; a federated user signs in and out alone).
   * AWS refuses them every IAM operation without MFA ("Permissions for GetSessionToken"), which Gatehouse does not
   * offer. The IAM engine refuses them IAM and STS calls (review pc, 2); these the engine never knew were admin calls,
   * and a grant of them came from any engine (review pm, 1). `training:*` is left as decided: jobs, workspaces and
   * clusters are the session's to use, and Kubernetes admission decides those actions for it.
   */
  function sessionAdminRefused(a: AuthorizeAnswer, input: AuthorizeInput, principal: Principal): AuthorizeAnswer {
    if (a.decision !== 'Allow') return a;
    const federated = principal.kind === 'federated-user';
    if (!federated && !(principal.kind === 'user' && principal.session !== undefined)) return a;
    const action = input.action.toLowerCase();
    if (!action.startsWith('gatehouse:') || (federated ? FEDERATED_ADMIN_ACTIONS : USER_SESSION_ADMIN_ACTIONS).has(action)) return a;
    // Asking about itself, the one question the admin API takes from a user's session (`userSessionQuestionRefusal`):
    // about another principal it is IAM's SimulatePrincipalPolicy, refused it.
    if (!federated && isAuthorizeAction(input.action) && input.resource.toLowerCase() === principal.arn.toLowerCase()) return a;
    const why = federated
      ? `sessions: the credentials of a federated user (GetFederationToken) cannot call the admin API's \`${input.action}\`: they may call no administration API (only whoami and the console's sign-in and sign-out), as AWS refuses them every IAM operation; the user's access key, or a role's session, can`
      : `sessions: credentials from GetSessionToken cannot call the admin API's \`${input.action}\` without MFA, which Gatehouse does not offer (they may ask the authorize API about themselves, run jobs and sign in to the console); the user's access key, or a role's session, can`;
    return { ...a, decision: 'ImplicitDeny', deniedBy: 'identity', reasons: [...a.reasons, why] };
  }

  /** `proofs`: the callers the question's `principalProof` authenticates, verified by the HTTP edge. */
  async function authorize(caller: Caller, input: AuthorizeInput, proofs?: ProvenCallers): Promise<Answered> {
    return decide(caller, input, undefined, proofs);
  }

  async function authorizeBatch(caller: Caller, requests: unknown, proofs?: ProvenCallers): Promise<Result<(AuthorizeAnswer | BatchError)[]>> {
    if (!Array.isArray(requests)) return failWith('VALIDATION_ERROR', '`requests` must be a list', 'requests');
    if (requests.length > MAX_BATCH) return failWith('VALIDATION_ERROR', `a batch holds at most ${MAX_BATCH} requests, got ${requests.length}`, 'requests');
    const out: (AuthorizeAnswer | BatchError)[] = new Array(requests.length);
    // One batch, one caller, one instant: whether it may ask about a principal is decided once per principal.
    const asked = new Map<string, Result<unknown>>();
    // Now and then the event loop turns, so that the server answers others while a costly batch is decided: 1,000
    // questions of ~1 s each held its one thread for a quarter of an hour (review qm, 2).
    const turn = engineTurns();
    for (let i = 0; i < requests.length; i++) {
      // Awaited only when it turns: an `await` of nothing still costs each question a trip through the microtask queue.
      const turning = turn();
      if (turning !== undefined) await turning;
      // The item's path (`requests[3].`) is made only for an error: checked without it, a question that fails is checked
      // again with it (questionOf is pure), and one that passes never paid for the string.
      let q = questionOf(requests[i]);
      if (!q.ok) q = questionOf(requests[i], `requests[${i}].`);
      let one: Answered;
      try {
        const pending = q.ok ? decide(caller, q.value, asked, proofs) : q;
        one = pending instanceof Promise ? await pending : pending;
      } catch (e) {
        // A value of this item that the store refuses to hold (review jk, 1) is this item's fault, as any other of its
        // faults: the rest of the batch is decided. An outage or a bug still fails the whole batch (fails closed).
        if (!isStoreDataRefused(e)) throw e;
        one = failWith('VALIDATION_ERROR', `a value of this request is one the database cannot hold (${e.reason}): correct it`);
      }
      out[i] = one.ok ? one.value : batchError(one.errors[0], i);
    }
    return ok(out);
  }

  /**
   * The principal an ARN names, with its policies, as a decision sees it (a user with its groups and boundary, a
   * role session with its role's policies). Asking needs `gatehouse:Authorize` on it, as any question about it.
   */
  async function principalOf(caller: Caller, arn: string): Promise<Result<Resolved>> {
    const r = await resolvePrincipal(caller, arn, '*', caller.account);
    return r.ok ? ok({ ...r.value, principal: asNewSession(arn, r.value.principal) }) : r;
  }

  /** The same decision as `authorize`, as a simulation (`AuthorizeInput.simulated`); recording is the caller's to skip. */
  async function simulate(caller: Caller, input: AuthorizeInput, proofs?: ProvenCallers): Promise<Answered> {
    return decide(caller, { ...input, simulated: true }, undefined, proofs);
  }

  /**
   * The S3 gateway of this process gives the tags of its objects, which questions about them are then decided with
   * (`decideOnObject`); the function returned takes them back (the gateway closed).
   */
  function useObjectTags(reader: ObjectTagsReader): () => void {
    objectTags = reader;
    return () => {
      if (objectTags === reader) objectTags = undefined;
    };
  }

  return { authorize, authorizeBatch, simulate, principalOf, useObjectTags, contextFor };
}

export type Authorize = ReturnType<typeof createAuthorizer>;

/** An item of a batch that could not be decided: its error, with the JSON path from the batch's root. */
export interface BatchError {
  readonly error: { readonly code: string; readonly message: string; readonly path: string };
}

/**
 * The IAM action that decided a question asked in the bindings' spelling (`decideFor`): its explicit deny applies
 * (`denied`); or IAM does not allow it, so IAM does not allow the question either; or IAM allows it and each other
 * action the permission needs on the resource, so IAM allows the question.
 */
interface SpelledAs {
  readonly action: string;
  readonly outcome: 'denied' | 'not allowed' | 'allowed';
  /** IAM's decision of `action`, which stands for the question's (not `denied`: that one is `d` already). */
  readonly decision?: Decision;
}

/**
 * The error of item `i`, its path from the batch's root (`requests[3].context.x`) as the single API's
 * `error.details[].path` gives it from the question's (review bb, 3): questions are checked with the item's prefix
 * (`questionOf`), decisions without it; a fault of the whole item (an asker refused) is the item.
 */
/** What IAM's decision of the question in the bindings' spelling came from, for its diagnostics. */
function spelledAsNote(s: SpelledAs, permission: string): string {
  const same = `\`${s.action}\` (the same request in IAM’s spelling of \`${permission}\`)`;
  if (s.outcome === 'denied') return `iam: an explicit deny of ${same} applies`;
  return s.outcome === 'allowed' ? `iam: ${same} is allowed, so IAM allows \`${permission}\` too` : `iam: ${same} is not allowed, so IAM does not allow \`${permission}\` either`;
}

function batchError(e: GatehouseError | undefined, i: number): BatchError {
  const at = `requests[${i}]`;
  const path = e === undefined || e.path === '' ? at : e.path === at || e.path.startsWith(`${at}.`) ? e.path : `${at}.${e.path}`;
  return { error: { code: e?.code ?? 'INTERNAL_ERROR', message: e?.message ?? '', path } };
}

/**
 * The ARN of what `asked` names, as the directory spells it: a role asked about by its ARN is decided as a session of
 * it (`principal.arn` is then that session's, made up), so its canonical name is the role's ARN; a user, a session
 * named by ARN and the rest are `principal.arn`.
 */
function canonicalArn(asked: string, principal: Principal): string | undefined {
  return principal.kind === 'role-session' && !SESSION_ARN_RE.test(asked) ? principal.roleArn : principal.arn;
}

/** One of the sessions an ARN may name, in words: what it carries (never a tag's value). */
function sessionWords(s: { scope?: ScopeRecord; job?: string }): string {
  if (s.job !== undefined) return `the job’s session (${s.job})`;
  const r = s.scope;
  if (r === undefined) return 'a session without session policy or tags (the role’s policies)';
  if (r.unreadable !== undefined) return `a session whose stored scope record \`${r.unreadable}\` cannot be read (what it carries is unknown: it is refused until it is removed, or until ${new Date(r.expires).toISOString().replace(/\.\d{3}Z$/, 'Z')}, fails closed)`;
  const parts: string[] = [];
  if (r.policy !== undefined) parts.push('an inline session policy');
  if (r.policyArns !== undefined && r.policyArns.length > 0) parts.push(`managed session policies ${r.policyArns.map((a) => `\`${a}\``).join(', ')}`);
  if (r.tags !== undefined) parts.push(`session tags ${Object.keys(r.tags).map((k) => `\`${k}\``).join(', ')}`);
  if (r.sourceIdentity !== undefined) parts.push(`source identity \`${r.sourceIdentity}\``);
  return `the session issued ${new Date(r.issued).toISOString().replace(/\.\d{3}Z$/, 'Z')} (until ${new Date(r.expires).toISOString().replace(/\.\d{3}Z$/, 'Z')}) with ${parts.join(', ')}`;
}

/** The session policies of a scoped session, named: the inline one, and each managed one by ARN. */
function sessionPolicyWords(r: ScopeRecord | undefined): string {
  const names = [...(r?.policy !== undefined ? ['inline session policy'] : []), ...(r?.policyArns ?? []).map((a) => `managed session policy \`${a}\``)];
  return names.length === 0 ? 'session policy' : names.length === 1 ? (names[0] as string) : `session policies (${names.join(', ')})`;
}
