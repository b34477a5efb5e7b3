/**
 * Who is calling, and which policies bear on them: access-key lookup, the policy set of a user or role
 * (compiled once per document text and cached), and the authorization of administrative calls by the
 * engine, so delegated administration works as in AWS (reference §A.1.2; `iam:*` / `ram:*` actions).
 */
import { failWith, ok, type GatehouseError, type Result } from '../core/errors.ts';
import { compilePolicy, contextOf, evaluate, parsePolicy, principalFromArn, RAM_GUARD_NAMES, RAM_OWN_NAMES, type AuthzRequest, type CompiledPolicy, type Decision, type EvaluateOptions, type Principal, type PolicySet } from '../core/iam/index.ts';
import { adminService, entityArn, type Partition } from '../core/directory/rules.ts';
import type { AppDeps, AuditSink } from './deps.ts';
import type { AppMetrics } from './metrics.ts';
import { parseRoleArn, reservedByGatehouse, roleArnOf, type SessionClaims } from '../core/sts/session.ts';
import type { PrincipalRef, ReadTx, RoleRecord, UserRecord } from './ports/store.ts';
import { compileStoredWeighed, unreadableLog, type UnreadableNote } from './unreadable-policy.ts';

/**
 * The literal values `policies` compare `aws:TagKeys` with. Tag keys are case-insensitive (a request's `CLEARANCE`
 * sets the tag `aws:PrincipalTag/clearance` reads) while `aws:TagKeys` is compared with the policy's operator, so a
 * request's keys are also given in each spelling a policy uses (review X, X1; `tagKeySpellings` in directory.ts).
 * RAM's `acs:TagKeys` is the same key (the engine reads one for the other): a guard spelt so was not read, and did not
 * hold against `CLEARANCE` (review on, 1). `transitive`: the values `sts:TransitiveTagKeys` is compared with instead, the
 * other key naming tag keys, whose request keys get the same spellings (review sw, 2: a Deny on it was evaded by a
 * transitive key in another case).
 */
const TAG_KEYS: ReadonlySet<string> = new Set(['aws:tagkeys', 'acs:tagkeys']);
const TRANSITIVE_TAG_KEYS: ReadonlySet<string> = new Set(['sts:transitivetagkeys']);
export function tagKeyLiterals(policies: readonly (CompiledPolicy | undefined)[], transitive = false): string[] {
  const keys = transitive ? TRANSITIVE_TAG_KEYS : TAG_KEYS;
  const out: string[] = [];
  for (const p of policies) {
    if (p === undefined) continue;
    for (const st of p.statements) for (const c of st.conditions) if (keys.has(c.key)) out.push(...c.entry.values);
  }
  return out;
}

/**
 * A user's or role's stored tags as its principal carries them (`aws:PrincipalTag/*`), without the `gatehouse:` keys
 * Gatehouse reserves for the tags it sets on job and node sessions: tagging an entity with one is refused (review X,
 * X5), and one stored before that rule must not pass for Gatehouse's own (a role tagged `gatehouse:workspace=team-a`
 * would give every session of it what policies scoped to team-a's jobs allow).
 */
export function principalTags(tags: readonly { readonly key: string; readonly value: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags) if (!reservedByGatehouse(t.key)) out[t.key] = t.value;
  return out;
}

export interface Caller {
  readonly principal: Principal;
  readonly partition: Partition;
  readonly account: string;
  readonly user: UserRecord | undefined;
  readonly policies: PolicySet;
  readonly accessKeyId: string;
  /** Set when the caller signs with temporary credentials. */
  readonly session?: SessionClaims;
  /**
   * Set when the caller signs with a console sign-in's session (`SessionClaims.con`): what `/v1/console/sign-out`
   * revokes. One opened with a long-term key has no `session`: it acts as that key does.
   */
  readonly console?: SessionClaims;
  /**
   * The request the caller is making, as the HTTP edge that authenticated it saw it (`withRequest`); absent for a
   * caller made in process. Its source IP goes into every audit record of what the caller does (`actorOf`), and
   * both facts into the context of every decision made for it through `authorizeAdmin` (`requestContext`).
   */
  readonly request?: RequestFacts;
}

/**
 * Facts about the HTTP request: global condition keys (`aws:SourceIp`, `aws:SecureTransport`, `aws:RequestedRegion`)
 * and the audit log's source IP. `requestedRegion` is the region the request was made to: the SigV4 credential
 * scope's region (one endpoint serves every region, so the signature is what names it), except on the IAM Query API,
 * a global service whose requests AWS documents as made to `us-east-1` whatever the caller's region (review al, 1).
 */
export interface RequestFacts {
  readonly sourceIp?: string;
  readonly secureTransport?: boolean;
  readonly requestedRegion?: string;
  /**
   * `aws:UserAgent` and `aws:Referer`: the request's `User-Agent` and `Referer` headers, each when it was sent (and
   * fits in a context value), as AWS sets them and the S3 gateway gives them (review gl, 3); on the Query API and
   * `/v1/` they were absent, so a grant by client or by page granted nothing (review gs, 3). The client's word.
   */
  readonly userAgent?: string;
  readonly referer?: string;
  /**
   * The id the edge answers this request with (`x-amzn-RequestId`, `<RequestId>`, Alibaba's `RequestId`), which every
   * audit record of the request carries (`requestId`): a client's error joins its record by it. Not a condition key.
   */
  readonly requestId?: string;
}

/**
 * The caller as it makes one request: the same principal and policies, with the facts of that request. A fresh
 * object per request (an authenticated caller is cached and shared by concurrent requests), which is also what
 * tells one request's audit records from another's (`actorOf`, `recordRefusedRequest`).
 */
export function withRequest(caller: Caller, request: RequestFacts): Caller {
  return { ...caller, request: { ...request } };
}

/**
 * The estimated bytes (`compiledWeight`) of compiled policies a `PolicyCache` keeps, besides its count of entries. Its
 * entries can come from callers: every distinct session policy a request is made with (AssumeRole's 2,048 characters,
 * GetFederationToken's, AssumeRoleWithWebIdentity's), and by count alone 20,000 of them kept from some 260 MB (2,048
 * characters of resources) to 2.2 GB (of short actions or `ArnLike` patterns), measured (review ed3).
 */
export const POLICY_CACHE_MAX_BYTES = 32 * 1024 * 1024;

interface Held {
  readonly compiled: CompiledPolicy;
  readonly weight: number;
  /** When it was last used (`PolicyCache`'s clock): the least recently used go first. */
  used: number;
}


/**
 * A role's compiled trust policy, held under the role's id (a role deleted and made again under its name is another
 * role) and named `role/<path><name>`, as decisions and explanations name the policy that decided: named by the id
 * (`trust:AROA…`), a trust statement in `matched` told an auditor nothing of which role's policy it was (review jb, 3).
 * Every caller of the shared cache names it so, so that whichever compiles it first gives the name.
 */
export function cachedTrust(cache: Pick<PolicyCache, 'get'>, role: { readonly id: string; readonly path: string; readonly name: string; readonly trustPolicy: string }): CompiledPolicy {
  return cache.get(`trust:${role.id}`, role.trustPolicy, 'trust', `role${role.path}${role.name}`);
}

/**
 * Compiled policies keyed by document text: the same document compiles once however often it is attached. Bounded by
 * count and by the estimated bytes of what it keeps (`POLICY_CACHE_MAX_BYTES`); when either is full, the least
 * recently used quarter and more go, down to three quarters of both. A use costs a counter; the sort is paid once per
 * quarter of the cache filled again. A document weighing more than a quarter of the bound is compiled and not kept.
 */
export class PolicyCache {
  private readonly map = new Map<string, Held>();
  private readonly max: number;
  private readonly maxBytes: number;
  private readonly note: UnreadableNote;
  private bytes = 0;
  private clock = 0;
  /** `note`: where a stored document that no longer parses is reported (`unreadableLog`). */
  constructor(max = 20_000, note: UnreadableNote = unreadableLog(undefined), maxBytes = POLICY_CACHE_MAX_BYTES) {
    this.max = max;
    this.maxBytes = maxBytes;
    this.note = note;
  }
  /**
   * The compiled document. One that no longer parses fails closed: it denies every request it governs
   * (src/app/unreadable-policy.ts), so that a Deny it held is not lost and nothing is allowed because of it.
   */
  get(name: string, document: string, kind: 'identity' | 'resource' | 'trust' = 'identity', label: string = name): CompiledPolicy {
    const key = `${kind}\u0000${name}\u0000${document}`;
    const held = this.map.get(key);
    if (held !== undefined) {
      held.used = ++this.clock;
      return held.compiled;
    }
    const { compiled, weight } = compileStoredWeighed(label, document, kind, 1 << 20, this.note);
    if (weight > this.maxBytes / 4) return compiled;
    if (this.map.size >= this.max || this.bytes + weight > this.maxBytes) this.evict(weight);
    this.map.set(key, { compiled, weight, used: ++this.clock });
    this.bytes += weight;
    return compiled;
  }
  /** Drops the least recently used entries until both bounds are at three quarters, room for `incoming` made. */
  private evict(incoming: number): void {
    const byUse = [...this.map].sort((a, b) => a[1].used - b[1].used);
    const count = Math.floor((this.max * 3) / 4);
    const bytes = (this.maxBytes * 3) / 4 - incoming;
    for (const [key, h] of byUse) {
      if (this.map.size <= count && this.bytes <= bytes) break;
      this.map.delete(key);
      this.bytes -= h.weight;
    }
  }
  /** What is kept: entries and their estimated bytes (tests, review ed3). */
  held(): { readonly entries: number; readonly bytes: number } {
    return { entries: this.map.size, bytes: this.bytes };
  }
}

async function managedPolicies(tx: ReadTx, cache: PolicyCache, ref: PrincipalRef): Promise<CompiledPolicy[]> {
  const out: CompiledPolicy[] = [];
  for (const arn of await tx.attachments.listForPrincipal(ref)) {
    const v = await tx.policies.getDefaultVersion(arn);
    const c = v && cache.get(arn, v.document);
    if (c) out.push(c);
  }
  for (const p of await tx.inlinePolicies.list(ref)) {
    const c = cache.get(`${ref.type}/${ref.name}/${p.name}`, p.document);
    if (c) out.push(c);
  }
  return out;
}

async function boundaryOf(tx: ReadTx, cache: PolicyCache, arn: string | null): Promise<CompiledPolicy | undefined> {
  if (!arn) return undefined;
  const v = await tx.policies.getDefaultVersion(arn);
  // A boundary that cannot be read allows nothing rather than everything.
  return (v && cache.get(arn, v.document)) || compilePolicy({ version: '2012-10-17', dialect: 'aws', id: undefined, statements: [] }, arn);
}

export async function userPolicySet(tx: ReadTx, cache: PolicyCache, user: UserRecord): Promise<PolicySet> {
  const identity = await managedPolicies(tx, cache, { type: 'user', account: user.account, name: user.name });
  for (const g of await tx.groups.listForUser(user.account, user.name)) {
    identity.push(...(await managedPolicies(tx, cache, { type: 'group', account: g.account, name: g.name })));
  }
  return { identity, boundary: await boundaryOf(tx, cache, user.permissionsBoundary) };
}

export async function rolePolicySet(tx: ReadTx, cache: PolicyCache, role: RoleRecord): Promise<PolicySet> {
  const identity = await managedPolicies(tx, cache, { type: 'role', account: role.account, name: role.name });
  return { identity, boundary: await boundaryOf(tx, cache, role.permissionsBoundary) };
}

export async function partitionOf(tx: ReadTx, account: string): Promise<Partition | undefined> {
  return (await tx.accounts.get(account))?.partition;
}

export function userArn(partition: Partition, u: UserRecord): string {
  return entityArn(partition, u.account, 'user', u.path, u.name);
}

/**
 * Resolves a long-term access key to its secret and the calling user. Unknown, inactive, or disabled:
 * `INVALID_CLIENT_TOKEN_ID`, with the same message, so the answer does not reveal which.
 */
export async function resolveAccessKey(deps: AppDeps, cache: PolicyCache, accessKeyId: string): Promise<Result<{ secret: string; caller: Caller }>> {
  const denied = failWith<{ secret: string; caller: Caller }>('INVALID_CLIENT_TOKEN_ID', 'The security token included in the request is invalid.');
  return deps.store.read(async (tx) => {
    const key = await tx.accessKeys.get(accessKeyId);
    if (!key || key.status !== 'Active') return denied;
    const user = await tx.users.get(key.account, key.userName);
    const partition = await partitionOf(tx, key.account);
    if (!user || user.disabled || !partition) return denied;
    const secret = deps.sealer.open(key.secret, key.id);
    if (secret === undefined) return denied;
    const p = principalFromArn(userArn(partition, user), { userId: user.id, tags: principalTags(user.tags) });
    if (!p.ok) return denied;
    const policies = await userPolicySet(tx, cache, user);
    return ok({ secret, caller: { principal: p.value, partition, account: key.account, user, policies, accessKeyId } });
  });
}

const BECAUSE: Record<string, string> = {
  identity: 'no identity-based policy allows',
  boundary: 'no permissions boundary allows',
  session: 'no session policy allows',
  resource: 'no resource-based policy allows',
  trust: 'no trust policy allows',
};

/**
 * The policy type an explicit deny was found in, as AWS names it after `with an explicit deny in` ("Troubleshooting
 * access denied error messages"): `a permissions boundary` and `the role trust policy`, not `a boundary policy` and
 * `a trust policy`, which AWS never writes and a search of the logs for AWS's phrase missed (policy review ir, 1).
 */
const DENIED_IN: Record<string, string> = {
  identity: 'an identity-based policy',
  boundary: 'a permissions boundary',
  session: 'a session policy',
  resource: 'a resource-based policy',
  trust: 'the role trust policy',
};

/** The AWS wording of an authorization failure (what SDK users grep their logs for). */
export function accessDeniedMessage(principalArn: string, action: string, resource: string, d: Decision): string {
  const why = d.decision === 'ExplicitDeny' ? `with an explicit deny in ${DENIED_IN[d.deniedBy ?? 'identity']}` : `because ${BECAUSE[d.deniedBy ?? 'identity']} the ${action} action`;
  return `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
}

/** What `accessDeniedMessage` (and `withEncodedMessage` after it) said of a refusal, read back from its text. */
export interface DeniedParts {
  readonly action: string;
  readonly explicit: boolean;
  /** The policy type that refused: `identity`, `boundary`, `session`, `resource` or `trust`. */
  readonly policyType: string;
  /** The encoded explanation (`sts:DecodeAuthorizationMessage`), when the message carries one. */
  readonly encoded?: string;
}

/**
 * The parts of a message `accessDeniedMessage` wrote, or undefined for any other text (a refusal in other words: a root
 * caller, an MFA parameter, a source identity changed). An edge that answers in another API's shape (Alibaba's
 * `AccessDeniedDetail`, review lp, 1) reads them here, beside the one function that writes them.
 */
export function deniedParts(message: string): DeniedParts | undefined {
  const m = /^User: \S+ is not authorized to perform: (\S+) on resource: \S+ (?:with an explicit deny in (.+?)|because (.+?) the \S+ action)(?:\. Encoded authorization failure message: (\S+))?$/.exec(message);
  if (!m) return undefined;
  const explicit = m[2] !== undefined;
  const phrase = explicit ? m[2] : m[3];
  const policyType = Object.entries(explicit ? DENIED_IN : BECAUSE).find(([, v]) => v === phrase)?.[0];
  if (policyType === undefined) return undefined;
  return { action: m[1] as string, explicit, policyType, ...(m[4] !== undefined ? { encoded: m[4] } : {}) };
}

/** `acs:AccessId` as the engine reads it (lower-cased): RAM's key for the AccessKey ID a request is signed with. */
export const ACCESS_ID = 'acs:accessid';

/**
 * The context of a decision made for `caller`: the keys its use case passes, and the keys of the request the caller
 * makes, `aws:SourceIp` and `aws:SecureTransport` (present "always", reference §A.1.8), as STS `AssumeRole` and the
 * S3 gateway put them, and `aws:RequestedRegion` (AWS supplies it on every request; without it the common region
 * guard, `Deny … StringNotEquals aws:RequestedRegion [...]`, refused every call, review al, 1). Without them an IP or
 * TLS guardrail would be void (`Deny … IpAddress`: a positive operator on an absent key is false) or deny everything
 * (`Deny … NotIpAddress`: a negated one is true), §A.1.7. A key the use case passes under one of those names, in any
 * case, gives way to what the request says (otherwise the engine, merging keys by lower-cased name, would see both
 * values). And `acs:AccessId`, RAM's common key for the AccessKey ID the request is signed with (review do, 1): every
 * caller with request facts signed its request with `caller.accessKeyId`. A caller without request facts (made in
 * process) gets the keys it is given and nothing more. The authorize API's questions are decided with their own
 * context only (a resource server passes its client's address); only the decisions about the asker itself take its
 * request's facts.
 */
export function requestContext(caller: Caller, context: Readonly<Record<string, string | string[]>> = {}): Record<string, string | string[]> {
  const r = caller.request;
  if (r === undefined) return { ...context };
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [k, v] of Object.entries(context)) {
    const key = k.toLowerCase();
    if ((key === 'aws:sourceip' && r.sourceIp !== undefined) || (key === 'aws:securetransport' && r.secureTransport !== undefined) || (key === 'aws:requestedregion' && r.requestedRegion !== undefined) || (key === 'aws:useragent' && r.userAgent !== undefined) || (key === 'aws:referer' && r.referer !== undefined) || key === ACCESS_ID) continue;
    out[k] = v;
  }
  out['acs:AccessId'] = caller.accessKeyId;
  Object.assign(out, requestFactKeys(r));
  return out;
}

/**
 * The global condition keys a request's facts give (`requestContext`), for the use cases that build a decision's context
 * themselves (AssumeRole, AssumeRoleWithWebIdentity): `aws:SourceIp`, `aws:SecureTransport`, `aws:RequestedRegion`,
 * `aws:UserAgent`, `aws:Referer`, each when known.
 */
export function requestFactKeys(r: RequestFacts): Record<string, string> {
  return {
    ...(r.sourceIp !== undefined ? { 'aws:SourceIp': r.sourceIp } : {}),
    ...(r.secureTransport !== undefined ? { 'aws:SecureTransport': String(r.secureTransport) } : {}),
    ...(r.requestedRegion !== undefined ? { 'aws:RequestedRegion': r.requestedRegion } : {}),
    ...(r.userAgent !== undefined ? { 'aws:UserAgent': r.userAgent } : {}),
    ...(r.referer !== undefined ? { 'aws:Referer': r.referer } : {}),
  };
}

/**
 * Authorizes an administrative call: `iam:<Action>` (or `ram:<Action>` in `acs` accounts) on `resource`, in a
 * context with the keys of the caller's request (`requestContext`).
 */
export function authorizeAdmin(caller: Caller, now: number, action: string, resource: string, context: Record<string, string | string[]> = {}): Result<Decision> {
  // `CreateUser` is an IAM action (`iam:`/`ram:` by partition); `training:CreateWorkspace` names its service.
  const full = action.includes(':') ? action : `${adminService(caller.partition)}:${action}`;
  const d = decideAdmin({ principal: caller.principal, action: full, resource, context: contextOf(requestContext(caller, context)), time: now }, caller.policies);
  if (d.decision === 'Allow') return ok(d);
  return accessDenied(accessDeniedMessage(caller.principal.arn, full, resource, d), full, resource, d.decision);
}

/** A workspace's, job's or training cluster's ARN (or one under a cluster), in either dialect: head, account, the rest. */
const TRAINING_ARN = /^(arn:aws[a-z-]*:training|acs:pai)::(\d{12}):((?:workspace|job|cluster)\/.+)$/;

/** A workspace's, job's or cluster's ARN (or one under a cluster) in the other dialect's spelling; undefined for others. */
export function otherTrainingArn(resource: string): string | undefined {
  const t = TRAINING_ARN.exec(resource);
  if (t === null) return undefined;
  return `${t[1] === 'acs:pai' ? 'arn:aws:training' : 'acs:pai'}::${t[2] as string}:${t[3] as string}`;
}

/** A training service action in Gatehouse's name (`training:CreateJob`) or Alibaba PAI's (`pai:CreateJob`). */
const TRAINING_ACTION = /^(training|pai):([A-Za-z0-9]+)$/i;

/** The other name of a training service action (`pai:X` for `training:X`, and the other way), or undefined for any other. */
export function otherTrainingAction(action: string): string | undefined {
  const m = TRAINING_ACTION.exec(action);
  if (m === null) return undefined;
  return `${(m[1] as string).toLowerCase() === 'training' ? 'pai' : 'training'}:${m[2] as string}`;
}

/** An IAM/RAM administrative action (`iam:DeleteUser`, `ram:DeleteUser`): its service and its name. */
const ADMIN_ACTION = /^(iam|ram):([A-Za-z0-9]+)$/i;

// Kept here, not written in `otherDialectIamArn`: a literal there made a RegExp object each call (every decision asks).
const RAM_ARN = /^acs:ram::([^:]*):(.+)$/;
const IAM_ARN = /^arn:aws[a-z-]*:iam::([^:]*):(?:(root)|([a-z-]+)\/(?:.*\/)?([^/]+))$/;

/**
 * The other dialect's spelling of an IAM/RAM ARN (`acs:ram::A:user/x` ≡ `arn:aws:iam::A:user/x`; RAM has no paths, so an
 * `aws` entity's path is dropped, as `entityArn` writes it), or undefined for any other resource.
 */
export function otherDialectIamArn(resource: string): string | undefined {
  const acs = RAM_ARN.exec(resource);
  if (acs !== null) return `arn:aws:iam::${acs[1] as string}:${acs[2] as string}`;
  const aws = IAM_ARN.exec(resource);
  if (aws === null) return undefined;
  return aws[2] !== undefined ? `acs:ram::${aws[1] as string}:root` : `acs:ram::${aws[1] as string}:${aws[3] as string}/${aws[4] as string}`;
}

/** RAM's own name (`ram:AttachPolicyToUser`) of an IAM/RAM administrative action that RAM names otherwise, or undefined. */
export function ramOwnName(action: string): string | undefined {
  const m = ADMIN_ACTION.exec(action);
  const own = m === null ? undefined : RAM_OWN_NAMES.get((m[2] as string).toLowerCase());
  return own === undefined ? undefined : `ram:${own}`;
}

/** The RAM names whose Deny refuses an IAM/RAM administrative action besides its own: `ramOwnName`'s, or `RAM_GUARD_NAMES`'. */
function ramGuardNames(action: string): string[] {
  const own = ramOwnName(action);
  if (own !== undefined) return [own];
  const m = ADMIN_ACTION.exec(action);
  const guard = m === null ? undefined : RAM_GUARD_NAMES.get((m[2] as string).toLowerCase());
  return (guard ?? []).map((g) => `ram:${g}`);
}

/**
 * The other-dialect spellings of an IAM/RAM administrative question (`decideAdmin`), whose explicit deny refuses and whose
 * Allow grants nothing: the other service's action on the resource, and both actions on the entity's other ARN; for an
 * action of another service, the workspace's, cluster's or IAM entity's other ARN (and for a training action its name in
 * the other spelling, `pai:X` ≡ `training:X`, on either), or undefined. PassRole and AssumeRole on a role go through `roleQuestions`.
 */
export function adminDenyOnly(action: string, resource: string): { action: string; resource: string }[] | undefined {
  const m = ADMIN_ACTION.exec(action);
  if (m === null) {
    // A workspace's, job's or cluster's ARN (and what lies under a cluster) in the other dialect: decided on its
    // account's spelling, a Deny of the other spelling applies too (review is, 6). So does an IAM entity's or an
    // account's other ARN under another service's action (`gatehouse:SetIamPolicy` on `account/A`, decided on
    // `arn:aws:iam::A:root`; review jh, 1).
    const other = otherTrainingArn(resource) ?? otherDialectIamArn(resource);
    // The training service's action in Alibaba PAI's name (`pai:CreateJob` for `training:CreateJob`, and the other way),
    // as bindings read it (src/core/bindings/actions.ts): a RAM guardrail `Deny pai:*` let jobs through (review ry, 1).
    const otherAction = otherTrainingAction(action);
    // Asked of every question, and for most (`s3:GetObject`…) there is neither: no list then.
    if (other === undefined && otherAction === undefined) return undefined;
    const out: { action: string; resource: string }[] = [];
    if (other !== undefined) out.push({ action, resource: other });
    if (otherAction !== undefined) {
      out.push({ action: otherAction, resource });
      if (other !== undefined) out.push({ action: otherAction, resource: other });
    }
    return out;
  }
  const otherAction = `${(m[1] as string).toLowerCase() === 'iam' ? 'ram' : 'iam'}:${m[2] as string}`;
  const otherResource = otherDialectIamArn(resource);
  // RAM's own name of the call (`ram:AttachPolicyToUser` for AttachUserPolicy), or the one standing for an inline policy
  // (PutUserPolicy): a RAM guardrail names it so (review lp, 2 and 3).
  const actions = [otherAction, ...ramGuardNames(action)];
  return [...actions.map((a) => ({ action: a, resource })), ...(otherResource !== undefined ? [{ action, resource: otherResource }, ...actions.map((a) => ({ action: a, resource: otherResource }))] : [])];
}

/**
 * The decision on an administrative call (`authorizeAdmin`, `authorizeAcross`): `request` as asked, unless an explicit
 * deny applies to it spelt in the other dialect — the other service's action (`iam:DeleteUser` for `ram:DeleteUser`) or
 * the entity's other ARN (`arn:aws:iam::A:user/carol` for `acs:ram::A:user/carol`) — which then decides. Both dialects
 * are accepted everywhere and the engine compares literally, so a guardrail written in AWS's dialect in an `acs` account
 * (or in RAM's in an `aws` one) was taken and never matched (review is, 5; roles had this since review U,
 * `decideOnRole`). An Allow in the other spelling grants nothing: never an Allow `request` does not get.
 */
export function decideAdmin(request: AuthzRequest, set: PolicySet): Decision {
  const d = evaluate(request, set);
  const others = d.decision === 'ExplicitDeny' ? undefined : adminDenyOnly(request.action, request.resource);
  for (const o of others ?? []) {
    const x = evaluate({ ...request, ...o }, set);
    if (x.decision === 'ExplicitDeny' && namesItsTarget(x.matched, set)) return x;
  }
  // A `ram:` call (an `acs` account's) is granted by an Allow of RAM's own name for it too: it is that account's own
  // dialect, and RAM's documents grant `ram:AttachPolicyToUser`, never `ram:AttachUserPolicy` (review lp, 2).
  const own = d.decision === 'ImplicitDeny' && /^ram:/i.test(request.action) ? ramOwnName(request.action) : undefined;
  if (own !== undefined) {
    const x = evaluate({ ...request, action: own }, set);
    if (x.decision === 'Allow') return x;
  }
  return d;
}

/**
 * Whether an explicit deny of a request's other-dialect spelling comes from a Deny statement that names its action and
 * resource (`Action` and `Resource`), the only kind that speaks of the other spelling: an exemption listed in one
 * spelling (`NotAction: iam:*`, `NotResource: arn:aws:iam::A:user/self`) does not list the other, so such a statement
 * would deny, in the other spelling, what it exempts in its own (`Deny NotAction iam:*` would refuse every `ram:`
 * call). `matched` are the statements that matched the other spelling; `set` the policies they are from.
 */
export function namesItsTarget(matched: readonly { readonly policy: string; readonly index: number; readonly effect: string }[], set: PolicySet): boolean {
  const all = [...set.identity, ...(set.boundary ? [set.boundary] : []), ...(set.session ?? []), ...(set.resource ?? []), ...(set.trust ? [set.trust] : [])];
  return matched.some((m) => {
    if (m.effect !== 'Deny') return false;
    const statements = all.filter((p) => p.name === m.policy).map((p) => p.statements.find((st) => st.index === m.index));
    return statements.length > 0 && statements.every((st) => st !== undefined && st.effect === 'Deny' && !st.notAction && !st.notResource);
  });
}

/** An identity policy allowing everything: with it, `evaluate` answers what the boundary and session policies let through. */
const ALLOW_EVERYTHING: readonly CompiledPolicy[] = (() => {
  const doc = parsePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }, { kind: 'identity' });
  if (!doc.ok) throw new Error('the allow-everything policy does not parse');
  return [compilePolicy(doc.value, 'a grant naming the principal')];
})();

/**
 * Which of the principal's own limits does not allow `request` — its permissions boundary or its session policies —
 * or undefined when neither cuts it (or it has none). The cut a grant naming the principal rather than its session (a
 * binding's) takes, wherever such a grant is honoured: the authorize union (`limitedByPrincipalPolicies`) and PassRole
 * through a binding in jobs. Decided as if the resource were the principal's own, or `evaluate` would answer the
 * cross-account rule and a session policy that allows everything would seem to cut the grant.
 */
export function principalLimitsCut(request: AuthzRequest, set: PolicySet, how: Pick<EvaluateOptions, 'unconditional' | 'deniesHold'> = {}): 'boundary' | 'session' | undefined {
  return cutOf(limitsDecision(request, set, how));
}

/** Whether the principal is a federated user whose session was given no session policy: it has no permissions. */
const bareFederatedUser = (request: AuthzRequest, set: PolicySet): boolean =>
  request.principal.kind === 'federated-user' && (set.session === undefined || set.session.length === 0);

/**
 * What a cut (`principalLimitsCut`) says does not allow the request. A federated user given no session policy has none
 * to blame: said as such, with the cure, as the IAM engine says it (review kd, 3).
 */
export function limitsCutWords(cut: 'boundary' | 'session', request: AuthzRequest, set: PolicySet, what = 'this request'): string {
  if (cut === 'boundary') return `the permissions boundary does not allow ${what}`;
  if (bareFederatedUser(request, set)) return 'this federated user’s session was given no session policy, and a federated user has no permissions without one (pass `Policy` or `PolicyArns` to GetFederationToken)';
  return `the session policy does not allow ${what}`;
}

/**
 * The principal's limits' decision on `request` (`principalLimitsCut`), or undefined when it has none. A federated user
 * given no session policy has a limit all the same: it has no permissions ("If you do not pass a policy to this
 * operation, the resulting federated user session has no permissions", GetFederationToken), which `evaluate` answers as
 * a session cut; skipped for want of a boundary or session policy, a binding to `allUsers` let it in where a resource
 * policy open to everyone does not (review kt, 1).
 */
function limitsDecision(request: AuthzRequest, set: PolicySet, how: Pick<EvaluateOptions, 'unconditional' | 'deniesHold'> = {}): Decision | undefined {
  if (set.boundary === undefined && (set.session === undefined || set.session.length === 0) && request.principal.kind !== 'federated-user') return undefined;
  // `how`: who-can's what-ifs (review dv, 1; du, 2): the limits' conditional Allows count for nothing, or their
  // conditional Denies apply whatever the context.
  return evaluate({ ...request, resourceAccount: request.principal.account }, { identity: ALLOW_EVERYTHING, boundary: set.boundary, session: set.session }, how);
}

const cutOf = (within: Decision | undefined): 'boundary' | 'session' | undefined => (within === undefined || within.decision === 'Allow' ? undefined : within.deniedBy === 'boundary' ? 'boundary' : 'session');

/**
 * What bindings add to an IAM decision `d` that did not allow (job submission, node start and pod admission alike):
 * undefined when a binding grants the request (`grant`, never asked over an explicit deny) and the principal's own
 * limits (`request` decided by `principalLimitsCut` against `set`) do not cut it; else the words to add to the refusal
 * ('' when no binding was asked). A PassRole to a service of several names gives `request` once a name (its first
 * name first): the limits are decided over them as the IAM decision is (`decideForService`), a Deny by any name cutting
 * the grant, else an Allow by any name letting it through. Decided under the first name alone, a boundary allowing
 * PassRole to `training.gatehouse.dev` cut the grant that an IAM Allow of the same would have let through (review hq, 3).
 */
export function bindingsRefusal(d: Decision, grant: () => { readonly allowed: boolean; readonly reason: string } | undefined, request: AuthzRequest | readonly AuthzRequest[], set: PolicySet): string | undefined {
  const g = d.decision === 'ExplicitDeny' ? undefined : grant();
  if (g === undefined) return '';
  if (!g.allowed) return `bindings: ${g.reason}`;
  const asked: readonly AuthzRequest[] = Array.isArray(request) ? request : [request as AuthzRequest];
  const limited = (r: AuthzRequest) => {
    const within = limitsDecision(r, set);
    return { decision: within?.decision ?? 'Allow', within };
  };
  let picked = firstDenyElseAnyAllow(asked, limited);
  // A Deny under one name cuts only if it holds with every name at once, as the IAM decision's (`decideForServiceNames`,
  // review ku, 3): a boundary passing roles to every service but PAI cut the grant for PAI under its other name.
  if (picked.decision === 'ExplicitDeny' && asked.length > 1 && limited({ ...(asked[0] as AuthzRequest), context: everyValue(asked) }).decision !== 'ExplicitDeny') {
    const rest = asked.map(limited).filter((x) => x.decision !== 'ExplicitDeny');
    picked = rest.find((x) => x.decision === 'Allow') ?? rest[0] ?? picked;
  }
  const cut = cutOf(picked.within);
  return cut === undefined ? undefined : `bindings: ${g.reason}, but ${limitsCutWords(cut, asked[0] as AuthzRequest, set)} (a binding names the principal, not its session)`;
}

/** The contexts of `asked` (the same request under each name of a service) as one: every value of each key. */
function everyValue(asked: readonly AuthzRequest[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of asked) {
    for (const [k, vs] of r.context ?? []) {
      const all = out.get(k) ?? [];
      for (const v of vs) if (!all.includes(v)) all.push(v);
      out.set(k, all);
    }
  }
  return out;
}

/** A role as a decision on it names it: its own account's partition, account, path and name (`RoleRecord`). */
export interface RoleName {
  readonly partition: Partition;
  readonly account: string;
  readonly path: string;
  readonly name: string;
}

/** The actions decided on a role as the resource: assuming it (under its trust policy) and passing it; lower-cased. */
export const ROLE_ACTIONS: ReadonlySet<string> = new Set(['sts:assumerole', 'sts:assumerolewithwebidentity', 'sts:tagsession', 'sts:setsourceidentity', 'iam:passrole', 'ram:passrole']);

/**
 * Whether a question about `action` on a role is decided on the role's canonical ARN, whichever dialect or case spells
 * it (`roleQuestions`): `ROLE_ACTIONS`, and every permission of a service account in the bindings' spelling
 * (`iam.serviceAccounts.actAs`, review ej, 5; `.get`, `.getAccessToken`…, review ip, 2): a binding on the role is kept
 * under its canonical ARN and a condition reads that ARN, so asked on `acs:ram::A:role/x` in an `aws` account the
 * binding on the role did not apply and a condition excluding the role held. The authorize API decides so
 * (src/app/authorize.ts `decideWho`), and who-can reads bindings so (review ip, 1).
 */
export function decidedOnRole(action: string): boolean {
  return ROLE_ACTIONS.has(action.toLowerCase()) || action.startsWith('iam.serviceAccounts.');
}

/** The same action in the other dialect, where the two dialects name one action differently. */
const OTHER_DIALECT_ACTION: Readonly<Record<string, string>> = { 'iam:passrole': 'ram:PassRole', 'ram:passrole': 'iam:PassRole' };

/**
 * The questions a decision on `action` on a role asks (review U, U1). Both dialects are accepted everywhere, and the
 * engine compares ARNs and actions literally, so a Deny spelt in the other dialect (`arn:aws:iam::A:role/x` for an
 * `acs` role, `acs:ram::A:role/x` for an `aws` one; `iam:PassRole` for `ram:PassRole`) would never match. `allow`:
 * the role's canonical ARN (its account's partition) with the action as asked, the only question whose Allow counts;
 * `denyOnly`: the other spellings, whose explicit deny refuses but whose allow grants nothing.
 */
export function roleQuestions(role: RoleName, action: string): { allow: { action: string; resource: string }; denyOnly: { action: string; resource: string }[] } {
  const canonical = roleArnOf(role.partition, role.account, role.path, role.name);
  const other = roleArnOf(role.partition === 'acs' ? 'aws' : 'acs', role.account, role.path, role.name);
  const otherAction = OTHER_DIALECT_ACTION[action.toLowerCase()];
  const denyOnly = [{ action, resource: other }];
  if (otherAction !== undefined) denyOnly.push({ action: otherAction, resource: canonical }, { action: otherAction, resource: other });
  return { allow: { action, resource: canonical }, denyOnly };
}

/**
 * The decision on `action` on a role named in either dialect: `decide` on its canonical ARN, unless an explicit deny
 * applies to one of its other spellings (`roleQuestions`), which then decides. Never an Allow the canonical decision
 * does not give.
 */
export function decideOnRole(role: RoleName, action: string, decide: (action: string, resource: string) => Decision): Decision {
  const q = roleQuestions(role, action);
  const d = decide(q.allow.action, q.allow.resource);
  if (d.decision === 'ExplicitDeny') return d;
  for (const o of q.denyOnly) {
    const x = decide(o.action, o.resource);
    if (x.decision === 'ExplicitDeny') return x;
  }
  return d;
}

/**
 * The condition key of PassRole naming the resource the role is associated with at the service (policy-semantics.md
 * A.1.8): a job's ARN for a job, a cluster node or a pod (each runs as a job), as AWS gives an EC2 instance's.
 */
export const ASSOCIATED_RESOURCE = 'iam:AssociatedResourceArn';

/**
 * The decision of a PassRole to a service known by several names (`services`, as `trainingServices`/`computeServices`
 * give them, its first name first), `decide` giving it with one name as `iam:PassedToService` and `acs:Service`: an
 * explicit deny with any of its names (a role trusting either name is trusted, so a Deny naming the service by its
 * other name, `training.gatehouse.dev` in an `acs` account, refuses too: review gb, 3); else an Allow with any of them;
 * else the first name's decision. An Allow was decided on the first name alone, and a RAM user allowed PassRole to
 * `training.gatehouse.dev`, the name DESIGN.md pins and a role of that account may trust, was refused (review hp, 6).
 */
export function decideForService(services: readonly string[], decide: (context: Record<string, string | string[]>) => Decision): Decision {
  return decideForServiceNames(services, (service) => decide(passedToContext(service)), () => decide(passedToEveryName(services)).decision === 'ExplicitDeny');
}

/** The context keys a PassRole to `service` is decided with. */
export const passedToContext = (service: string): Record<string, string> => ({ 'iam:PassedToService': service, 'acs:Service': service });

/** The context keys of a PassRole to a service known by every name of `services` at once (multivalued). */
export const passedToEveryName = (services: readonly string[]): Record<string, string[]> => ({ 'iam:PassedToService': [...services], 'acs:Service': [...services] });

/**
 * `decideForService`'s rule over the decisions `decide` gives for each name (maybe asynchronously: escalation-paths).
 * An explicit deny found under one name is confirmed by `deniedTogether`, whether the decision with every name at once
 * as a multivalued key is one (a positive operator matches when any name does, a negated one only when none does): a Deny of
 * PassRole to every service but one (`StringNotEquals {"acs:Service": "pai.aliyuncs.com"}`, the guard RAM teaches)
 * matched under the service's other name, `training.gatehouse.dev`, and refused the very service it lets through
 * (review ku, 2), while a Deny naming the service by either name still refuses (review gb, 3).
 */
export function decideForServiceNames<D extends { readonly decision: string }>(services: readonly string[], decide: (service: string) => D, deniedTogether?: () => boolean): D {
  const d = firstDenyElseAnyAllow(services.length > 0 ? services : [''], decide);
  if (d.decision !== 'ExplicitDeny' || deniedTogether === undefined || services.length < 2 || deniedTogether()) return d;
  const rest = services.map(decide).filter((x) => x.decision !== 'ExplicitDeny');
  return rest.find((x) => x.decision === 'Allow') ?? rest[0] ?? d;
}

/**
 * `decideForServiceNames`' rule over any questions (`asked`, at least one, the first the one whose refusal is told):
 * the first explicit deny; else the first Allow; else the first question's decision.
 */
function firstDenyElseAnyAllow<T, D extends { readonly decision: string }>(asked: readonly T[], decide: (question: T) => D): D {
  const [first, ...others] = asked as [T, ...T[]];
  const d = decide(first);
  if (d.decision === 'ExplicitDeny') return d;
  let allowed = d.decision === 'Allow' ? d : undefined;
  for (const other of others) {
    const x = decide(other);
    if (x.decision === 'ExplicitDeny') return x;
    if (x.decision === 'Allow') allowed ??= x;
  }
  return allowed ?? d;
}

/**
 * Which name of a service (`names`, in order of preference: an `acs` account's training and compute services answer to
 * two, `pai.aliyuncs.com` and `training.gatehouse.dev`, `ecs.aliyuncs.com` and `compute.gatehouse.dev`) a role's trust
 * policy lets assume the role, `decide` giving the trust policy's decision for one name: the first one allowed, unless
 * any name is denied explicitly (`denied`), which refuses the service whatever name its Allow spells. Decided one name at
 * a time and taken at the first Allow, a Deny an admin wrote with the other name ("no training job may use this role")
 * never applied (review gj, 4), as a Deny of PassRole by either name now applies (`decideForService`, review gb, 3).
 */
export function trustedServiceName(names: readonly string[], decide: (name: string) => Decision['decision']): { readonly allowed?: string; readonly denied?: string } {
  let allowed: string | undefined;
  for (const name of names) {
    const d = decide(name);
    if (d === 'ExplicitDeny') return { denied: name };
    if (d === 'Allow') allowed ??= name;
  }
  return allowed === undefined ? {} : { allowed };
}

// ---------------------------------------------------------------------------------------------------------
// Who acted, for the audit log, and the refusals no use case records

/** The fields of an audit record that say who acted and from where. */
export interface Actor {
  readonly principal: string;
  /**
   * The role whose session the caller acts in. Records of decisions named it, those of changes did not: `audit query
   * --role` found none of the changes a role's sessions made (review ht, 2). A record about another role (a change to
   * a role, a job's role, the role of a session issued) names that one instead, set after this.
   */
  readonly role?: string;
  /** The session the caller acts in (a role's). */
  readonly session?: string;
  readonly job?: string;
  readonly sourceIdentity?: string;
  /** Where the request came from, as CloudTrail's `sourceIPAddress`. */
  readonly sourceIp?: string;
  /** The access key that signed the request, as CloudTrail's `userIdentity.accessKeyId` (review mi, 2). */
  readonly accessKeyId?: string;
  /** The id the request was answered with (`RequestFacts.requestId`), as CloudTrail's `requestID` (review sd, 1). */
  readonly requestId?: string;
}

/** `{ requestId }` of the request `facts` tell of, to spread into an audit event; `{}` when the edge drew none. */
export function requestIdFrom(facts: { readonly requestId?: string } | undefined): { readonly requestId?: string } {
  const id = facts?.requestId;
  return id !== undefined && id !== '' ? { requestId: id } : {};
}

/** Requests that have an audit record of their own: the edge does not record their refusal a second time. */
const recordedRequests = new WeakSet<RequestFacts>();

/**
 * Who acted, as an audit record names them: the caller, the role session it acts in (with its job and source
 * identity), and the address its request came from. Every use case that records what a caller did (a change, a
 * session, a job, or the refusal of one) builds its record with this, which also notes that the request has its
 * record, so that `recordRefusedRequest` does not record the same refusal again.
 */
/**
 * The `role` of a record about `role` (a change to it, a session of it, a job of it) made by a caller acting in a session
 * of `acting` (`actorOf(caller).role`): that role, and the acting one when it is another (`actingRole`), so that `audit
 * query --role` finds the record by the role that acted as well as by the role it is about (review ic, 2).
 */
export function aboutRole(acting: string | undefined, role: string): { role: string; actingRole?: string } {
  return acting !== undefined && acting !== role ? { role, actingRole: acting } : { role };
}

/**
 * The access key id that signed the caller's request, as its audit records name it (CloudTrail's
 * `userIdentity.accessKeyId`, "the access key ID that was used to sign the request"): `accessKeyId`, except for a
 * console sign-in opened with a long-term key, which acts as that key (its `accessKeyId`, for `acs:AccessId` and the
 * key's last use) but signs with its own temporary key. Its records named the long-term key, which signed none of
 * them: what the console did could not be found by the key its ConsoleSignIn record names, nor told from what the
 * key did elsewhere (review rp, 1).
 */
export const signingKeyOf = (c: Pick<Caller, 'accessKeyId' | 'console' | 'session'>): string => (c.console !== undefined && c.session === undefined ? c.console.ak : c.accessKeyId);

/**
 * The long-term key whose use a verified request of the caller is (GetAccessKeyLastUsed), given the key id that signed
 * it: a console sign-in opened with a long-term key acts as that key (its `accessKeyId`), so each of its requests is a
 * use of the key, through whichever edge it came (review rx, 1: only the admin API noted it); any other request is a
 * use of the key that signed it (a temporary key is not tracked: src/app/key-use.ts).
 */
export const keyUsedBy = (c: Pick<Caller, 'accessKeyId' | 'console'>, signedWith: string): string => (c.console !== undefined ? c.accessKeyId : signedWith);

export function actorOf(c: Caller): Actor {
  const out: { -readonly [K in keyof Actor]: Actor[K] } = { principal: c.principal.arn };
  const s = c.session;
  if (s?.role) {
    out.role = c.principal.roleArn ?? roleArnOf(s.part, s.acct, s.role.path, s.role.name);
    out.session = c.principal.arn;
  }
  if (s?.job !== undefined) out.job = s.job;
  if (s?.srcId !== undefined) out.sourceIdentity = s.srcId;
  // The key that signed the request, as CloudTrail's `userIdentity.accessKeyId` (review mi, 2; a console sign-in's own, rp, 1).
  const signer = signingKeyOf(c);
  if (signer !== '') out.accessKeyId = signer;
  const r = c.request;
  if (r !== undefined) {
    if (r.sourceIp !== undefined && r.sourceIp !== '') out.sourceIp = r.sourceIp;
    if (r.requestId !== undefined && r.requestId !== '') out.requestId = r.requestId;
    recordedRequests.add(r);
  }
  return out;
}

/** What an ACCESS_DENIED refused: the action, the resource and the verdict (`Deny` when no policy evaluation decided). */
interface Refusal {
  readonly action: string;
  readonly resource: string;
  readonly decision: 'ExplicitDeny' | 'ImplicitDeny' | 'Deny';
}

/** Refusals by their error, as `authorizeAdmin` and `accessDenied` made them. */
const refusals = new WeakMap<GatehouseError, Refusal>();

/** An ACCESS_DENIED failure that remembers what it refused, for the record the edge makes of it (`recordRefusedRequest`). */
export function accessDenied<T = never>(message: string, action: string, resource: string, decision: Refusal['decision'] = 'Deny'): Result<T> {
  const r = failWith<T>('ACCESS_DENIED', message);
  if (!r.ok) refusals.set(r.errors[0] as GatehouseError, { action, resource, decision });
  return r;
}

/** A refusal's explanation without the sealed blob AWS appends for DecodeAuthorizationMessage (it explains nothing in a log). */
export function explanationOf(message: string): string {
  return message.replace(/ Encoded authorization failure message: .*$/s, '');
}

/** The action and resource of a refusal in AWS's words (`accessDeniedMessage`), made by code that did not use `accessDenied`. */
const AWS_REFUSAL = /is not authorized to perform: (\S+) on resource: (\S+?)(?=:? |:?$)/;

function refusalIn(message: string): Refusal | undefined {
  const m = AWS_REFUSAL.exec(message);
  if (!m) return undefined;
  const decision = / with an explicit deny /.test(message) ? 'ExplicitDeny' : / because no [\w -]+ allows /.test(message) ? 'ImplicitDeny' : 'Deny';
  return { action: m[1] as string, resource: m[2] as string, decision };
}

/**
 * Counts a request the IAM, STS or admin API answers with ACCESS_DENIED (`gatehouse_decisions_total{api,result}`), by
 * its verdict: each such refusal once, whether its use case recorded it or the edge does (review vf, 2). Not for the
 * authorize API's questions, counted as the decisions they are.
 */
export function countRefusedRequest(metrics: Pick<AppMetrics, 'apiRefusal'> | undefined, api: 'iam' | 'sts' | 'admin', error: GatehouseError | undefined): void {
  if (metrics?.apiRefusal === undefined || error?.code !== 'ACCESS_DENIED') return;
  metrics.apiRefusal(api, (refusals.get(error) ?? refusalIn(explanationOf(error.message)))?.decision ?? 'Deny');
}

/**
 * Records a request the HTTP edge answers with ACCESS_DENIED, unless its use case recorded it already (a refused
 * change, session or job submission, `actorOf`): the refused reads (`ListUsers`, `GET /v1/audit`,
 * `DecodeAuthorizationMessage`…), as a `decision` record with the caller, the action and resource
 * refused, the verdict, and the explanation. `api` is the request as the edge names it: the API action
 * (`iam:ListUsers`) or the route (`GET /v1/audit`); it stands for the action when the refusal names none.
 */
export function recordRefusedRequest(sink: Pick<AuditSink, 'record'> | undefined, caller: Caller, api: string, error: GatehouseError | undefined): void {
  if (sink === undefined || error?.code !== 'ACCESS_DENIED') return;
  if (caller.request !== undefined && recordedRequests.has(caller.request)) return;
  const explanation = explanationOf(error.message);
  const refused = refusals.get(error) ?? refusalIn(explanation);
  sink.record({
    kind: 'decision',
    account: caller.account,
    ...actorOf(caller),
    action: refused?.action ?? api,
    resource: refused?.resource ?? '',
    decision: refused?.decision ?? 'Deny',
    // A refused AssumeRole is about its role: `audit query --role` finds it (review V, P3).
    ...(refused !== undefined && refused.action.toLowerCase() === 'sts:assumerole' && parseRoleArn(refused.resource) !== undefined ? { role: refused.resource } : {}),
    detail: { reasons: [explanation], request: api },
  });
}
