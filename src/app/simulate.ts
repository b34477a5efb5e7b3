/**
 * What a principal may do, asked of the directory: the policy simulator (IAM `SimulatePrincipalPolicy` and
 * `SimulateCustomPolicy`, https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html)
 * answered by the same engine that authorizes real requests, and the account's authorization details
 * (`GetAccountAuthorizationDetails`): every user, group, role and managed policy with what is attached to it.
 *
 * Both take the App's deps (`AppDeps`) and the caller, like every use case; the calls themselves are
 * authorized by the engine (`iam:SimulatePrincipalPolicy` on the simulated entity, `iam:SimulateCustomPolicy`
 * and `iam:GetAccountAuthorizationDetails` on `*`; `ram:` in `acs` accounts).
 *
 * Simulation rules, where IAM leaves a choice:
 * - `ContextEntries` override what the directory would supply (principal tags, `aws:username`…): the
 *   engine reads the request context before deriving a key (DESIGN.md, "Errors"). An `aws:CurrentTime` (else
 *   `aws:EpochTime`) given is the request's time, from which the time keys not given derive.
 * - The simulated principal is `CallerArn` when given (an IAM user ARN; its tags and id come from the
 *   directory when it exists and the caller may simulate it: is it, or may SimulatePrincipalPolicy on it), else the source user, else the source role (as a session of it), else — for
 *   a group source or a custom simulation — the caller of the API.
 * - `MissingContextValues` lists the condition keys of every statement whose action, resource and principal
 *   apply, that the request (context, principal, clock) does not supply.
 */
import { failWith, ok, type GatehouseError, type Result } from '../core/errors.ts';
import {
  compilePolicy,
  referencedKeys,
  statementKeys,
  withUnresolvedResourcesOpen,
  contextKeyConflict,
  contextKeyProblem,
  isTagKey,
  contextValueTypeProblem,
  contextOf,
  counterpart,
  evaluate,
  parsePolicy,
  principalFromArn,
  readJson,
  accountOf,
  withinSteps,
  type AuthzRequest,
  type CompiledPolicy,
  type Context,
  type Decision,
  type PolicyDocument,
  type PolicyKind,
  type PolicySet,
  type Principal,
  type StatementRef,
} from '../core/iam/index.ts';
import { arnTooLong, entityArn, shortName, type Partition } from '../core/directory/rules.ts';
import type { AppDeps } from './deps.ts';
import { enforcedTrainingAction, MAX_CONTEXT_VALUE_CHARS, MAX_CONTEXT_VALUES, readsCurrentBoundary, simulatedTime, TRUST_ACTIONS } from './authorize.ts';
import { adminDenyOnly, authorizeAdmin, decideAdmin, namesItsTarget, otherDialectIamArn, requestContext, decideOnRole, ramOwnName, ROLE_ACTIONS, type Caller, type RoleName } from './principals.ts';
import { parseRoleArn } from '../core/sts/session.ts';
import type { GroupRecord, InlinePolicyRecord, PolicyRecord, PolicyVersionRecord, PrincipalRef, ReadTx, RoleLastUsed, RoleRecord, UserRecord } from './ports/store.ts';
import { unreadableDocument } from './unreadable-policy.ts';
import { awsResourceTags, boundaryContext, resourceTagContext, visiblePolicy, type ConditionContext } from './directory.ts';
import { jobOrWorkspace, jobPlaceOf } from './jobs.ts';
import { resourceRefusal } from './request-resource.ts';
import { isJobSubmitter, JOB_ACTIONS, jobArn, jobContainerArn, parseJobArn } from '../core/jobs/jobs.ts';
import { decidedWithIssuerUrl, PROVIDER_ARN_RE, providerKey, providerTags, providerUrl } from './oidc-provider-keys.ts';

type R<T> = Promise<Result<T>>;

/**
 * An IAM/RAM administrative action as the IAM API decides it (`decideAdmin`): a Deny spelling it in the other dialect
 * applies too (review is, 5), and a `ram:` call is granted by an Allow of RAM's own name for it (`ram:AttachPolicyToUser`
 * for `ram:AttachUserPolicy`; review lp, 2; review my, 1: the simulator answered implicitDeny where the call succeeds);
 * any other action as asked.
 */
function adminDecision(request: AuthzRequest, set: PolicySet): Decision {
  const d = evaluate(request, set, { explain: true });
  if (d.decision === 'ExplicitDeny') return d;
  for (const o of adminDenyOnly(request.action, request.resource) ?? []) {
    const x = evaluate({ ...request, ...o }, set, { explain: true });
    if (x.decision === 'ExplicitDeny' && namesItsTarget(x.matched, set)) return x;
  }
  const own = d.decision === 'ImplicitDeny' && /^ram:/i.test(request.action) ? ramOwnName(request.action) : undefined;
  if (own !== undefined) {
    const x = evaluate({ ...request, action: own }, set, { explain: true });
    if (x.decision === 'Allow') return x;
  }
  return d;
}

// ---------------------------------------------------------------------------------------------------
// Statement positions

export interface SourcePosition {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

export interface StatementSpan {
  readonly start: SourcePosition;
  /** Just past the statement's closing brace. */
  readonly end: SourcePosition;
}

/**
 * Where each statement of a policy's JSON text starts and ends, by statement index (the engine's
 * `StatementRef.index`). Empty for text that does not read as JSON (it then never parsed as a policy).
 */
export function statementSpans(text: string): StatementSpan[] {
  const read = readJson(text);
  if (read.value === undefined) return [];
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0x0a) lineStarts.push(i + 1);
  const offsetOf = (p: SourcePosition): number => (lineStarts[p.line - 1] ?? 0) + p.column - 1;
  const positionOf = (offset: number): SourcePosition => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (lineStarts[lo] ?? 0) + 1 };
  };
  const spanAt = (start: number): StatementSpan | undefined => {
    let i = start;
    // The reader records an object member at its key: step over `"Statement" :` to the value.
    if (text[i] === '"') {
      i = skipString(text, i);
      while (i < text.length && text[i] !== ':') i++;
      i++;
      while (i < text.length && /\s/.test(text[i] as string)) i++;
    }
    if (text[i] !== '{') return undefined;
    const end = skipValue(text, i);
    return { start: positionOf(i), end: positionOf(end) };
  };
  const out: StatementSpan[] = [];
  const single = read.positions.get('Statement');
  const value = read.value as { Statement?: unknown } | null;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Array.isArray(value.Statement)) {
    for (let n = 0; n < value.Statement.length; n++) {
      const p = read.positions.get(`Statement[${n}]`);
      const s = p ? spanAt(offsetOf(p)) : undefined;
      if (s) out[n] = s;
    }
  } else if (single) {
    const s = spanAt(offsetOf(single));
    if (s) out[0] = s;
  }
  return out;
}

/** Offset just past the JSON string starting at `i` (`text[i] === '"'`). */
function skipString(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '"') return i + 1;
  }
  return i;
}

/** Offset just past the object or array starting at `i`. */
function skipValue(text: string, i: number): number {
  let depth = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i = skipString(text, i);
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return i;
}

// ---------------------------------------------------------------------------------------------------
// Simulation

/** IAM's `PolicySourceType`: where a matched statement came from. */
export type SourcePolicyType = 'user' | 'group' | 'role' | 'aws-managed' | 'user-managed' | 'resource' | 'none';

export type EvalDecision = 'allowed' | 'explicitDeny' | 'implicitDeny';

export const CONTEXT_KEY_TYPES = ['string', 'stringList', 'numeric', 'numericList', 'boolean', 'booleanList', 'ip', 'ipList', 'binary', 'binaryList', 'date', 'dateList'] as const;
export type ContextKeyType = (typeof CONTEXT_KEY_TYPES)[number];

export interface ContextEntry {
  readonly key: string;
  readonly values: readonly string[];
  readonly type?: string;
}

export interface SimulationOptions {
  readonly actionNames: readonly string[];
  /** Default `['*']`. */
  readonly resourceArns?: readonly string[];
  readonly resourcePolicy?: string;
  /**
   * An account id or an ARN naming one (`arn:aws:iam::123456789012:root`): the owner of the resources whose ARN names
   * no account (`arn:aws:s3:::bucket`); default the simulated caller's account.
   */
  readonly resourceOwner?: string;
  readonly callerArn?: string;
  readonly contextEntries?: readonly ContextEntry[];
  /** Identity policies added to (principal) or making up (custom) the simulated set. */
  readonly policyInputList?: readonly string[];
  /** At most one; replaces the entity's own boundary in a principal simulation. */
  readonly permissionsBoundaryPolicyInputList?: readonly string[];
}

export interface SimulatePrincipalInput extends SimulationOptions {
  readonly policySourceArn: string;
}

export interface MatchedStatement {
  readonly sourcePolicyId: string;
  readonly sourcePolicyType: SourcePolicyType;
  readonly startPosition: SourcePosition | undefined;
  readonly endPosition: SourcePosition | undefined;
}

export interface SimulationResult {
  readonly evalActionName: string;
  readonly evalResourceName: string;
  readonly evalDecision: EvalDecision;
  readonly matchedStatements: readonly MatchedStatement[];
  readonly missingContextValues: readonly string[];
  /** Set when a permissions boundary took part. */
  readonly allowedByPermissionsBoundary: boolean | undefined;
  /**
   * IAM's `EvalDecisionDetails` (API_EvaluationResult): absent on `*` in one account, empty on a resource in one account,
   * and in a cross-account simulation each account's side: `IAM Policy` (the caller's) and `Resource Policy` (the
   * resource's) (review lq, 1).
   */
  readonly evalDecisionDetails: Readonly<Record<string, EvalDecision>> | undefined;
  /** The engine's one-sentence reason. */
  readonly summary: string;
}

/** One policy that takes part in a simulation, with what IAM reports about it. */
interface Source {
  readonly id: string;
  readonly type: SourcePolicyType;
  readonly text: string;
  readonly doc: PolicyDocument;
  readonly compiled: CompiledPolicy;
  spans?: StatementSpan[];
}

const ACTION_RE = /^[A-Za-z0-9_-]+:[A-Za-z0-9_.-]+$/;
const ENTITY_ARN_RE = /^(?:arn:aws:iam::(\d{12})|acs:ram::(\d{1,20})):(user|group|role)\/(?:.*\/)?([^/]+)$/;
const USER_ARN_RE = /^(?:arn:aws:iam::(\d{12})|acs:ram::(\d{1,20})):user\/(?:.*\/)?([^/]+)$/;
/** A user, role or managed policy ARN: account (aws, acs), kind, name. */
const GROUP_ARN_RE = /^(?:arn:aws[a-z-]*:iam::(\d{12})|acs:ram::(\d{1,20})):group\/(?:.*\/)?([^/]+)$/;
const TAGGED_ARN_RE = /^(?:arn:aws[a-z-]*:iam::(\d{12})|acs:ram::(\d{1,20})):(user|role|policy)\/(?:.*\/)?([^/]+)$/;
/** The actions enforced with their resource's tags: every `iam:`/`ram:` action but PassRole (decided with `iam:PassedToService` only). */
const readsResourceTags = (action: string): boolean => {
  const a = action.toLowerCase();
  return (a.startsWith('iam:') || a.startsWith('ram:')) && a.slice(4) !== 'passrole';
};
const RESOURCE_TAG_KEY_RE = /^(?:aws|iam):resourcetag\//i;
const MAX_INPUT_CHARS = 131_072;
/**
 * Decisions one simulation may ask for (ActionNames × ResourceArns): each is an explained decision, ~0.1 ms and ~4 KB
 * of answer, and the lists cost the caller ~30 bytes a member (review limits, L7). The authorize batch's bound too;
 * IAM pages simulation results 1,000 at a time at most (`MaxItems`).
 */
const MAX_SIMULATED_PAIRS = 1000;
/**
 * The engine's steps one simulation may take (src/core/iam/work.ts): the caller writes the policies too, and 1,000
 * statements of `*a*b*c*` resources take ~0.2 s a decision (review limits, L7). About 1–2 s of one core, but counted,
 * not timed: bounded by the clock, the same simulation was answered on an idle host and refused on a loaded one, and one
 * decision, checked only between decisions, ran to its end however long it took (review qm, 1). An ordinary simulation
 * of 1,000 pairs takes a few million.
 */
const MAX_SIMULATION_STEPS = 200_000_000;

const DECISION: Record<Decision['decision'], EvalDecision> = { Allow: 'allowed', ExplicitDeny: 'explicitDeny', ImplicitDeny: 'implicitDeny' };

class Sources {
  private readonly list: Source[] = [];
  private readonly byName = new Map<string, Source>();

  add(id: string, type: SourcePolicyType, text: string, doc: PolicyDocument): CompiledPolicy {
    const name = `simulated/${this.list.length}`;
    const compiled = compilePolicy(doc, name);
    const s: Source = { id, type, text, doc, compiled };
    this.list.push(s);
    this.byName.set(name, s);
    return compiled;
  }

  /**
   * A stored document: one that no longer parses denies everything, as in real authorization
   * (src/app/unreadable-policy.ts: its lost Deny statements must not turn into an allow here either).
   */
  addStored(id: string, type: SourcePolicyType, text: string): CompiledPolicy {
    const parsed = parsePolicy(text, { kind: 'identity', maxChars: 1 << 20 });
    const compiled = this.add(id, type, text, parsed.ok ? parsed.value : unreadableDocument('identity'));
    // The stand-in's Deny is no statement of the text, so it has no place in it: its index is not the text's first
    // statement's, which reported an Allow as the statement that denied (review oc, 3).
    if (!parsed.ok) (this.list[this.list.length - 1] as Source).spans = [];
    return compiled;
  }

  get(name: string): Source | undefined {
    return this.byName.get(name);
  }

  all(): readonly Source[] {
    return this.list;
  }
}

/**
 * Parses a caller-supplied document; the first grammar error becomes a MalformedPolicyDocument message. A simulation
 * reads it as a write would (`written`): a RAM `NotPrincipal`, which no write takes, was simulated as AWS reads one
 * (review ov, 3). Listing its context keys decides nothing, and keeps the reading of stored documents.
 */
function parseInput(text: string, kind: PolicyKind, field: string, written = false): Result<PolicyDocument> {
  const r = parsePolicy(text, { kind, maxChars: MAX_INPUT_CHARS, written });
  if (r.ok) return r;
  const e = r.errors[0] as GatehouseError;
  const where = e.path ? ` (at ${e.path}${e.line ? `, line ${e.line}` : ''})` : '';
  return { ok: false, errors: [{ ...e, message: `${field}: ${e.message}${where}`, path: field }] };
}

/** `now`: the simulation's time when its context gives none (the server's clock). */
function checkOptions(o: SimulationOptions, now: number): Result<undefined> {
  if (o.actionNames.length === 0) return failWith('VALIDATION_ERROR', "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null", 'ActionNames');
  const pairs = o.actionNames.length * Math.max(1, o.resourceArns?.length ?? 0);
  if (pairs > MAX_SIMULATED_PAIRS) {
    return failWith('VALIDATION_ERROR', `a simulation decides at most ${MAX_SIMULATED_PAIRS} action and resource pairs; ActionNames (${o.actionNames.length}) × ResourceArns (${o.resourceArns?.length ?? 0}) asks for ${pairs}: split it into several calls`, 'ActionNames');
  }
  for (const a of o.actionNames) {
    if (!ACTION_RE.test(a)) return failWith('INVALID_INPUT', `ActionNames: \`${shortName(a)}\` is not an action name; use \`service:ActionName\` without wildcards, such as \`s3:GetObject\``, 'ActionNames');
  }
  for (const [i, r] of (o.resourceArns ?? []).entries()) {
    // IAM's model's constraint, in its words, naming the member among up to 1,000 and its length, not the value: it was
    // InvalidInput, "each entry must be 1 to 2048 characters", whichever it was (review qm, 3).
    const member = `resourceArns.member.${i + 1}`;
    if (r.length === 0) return failWith('VALIDATION_ERROR', `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length greater than or equal to 1`, `ResourceArns.member.${i + 1}`);
    if (r.length > 2048) return failWith('VALIDATION_ERROR', `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length less than or equal to 2048 (it is ${r.length} characters)`, `ResourceArns.member.${i + 1}`);
    // As IAM's simulator answers it: a bucket path for its ARN (`ml-datasets/x`) was decided, matched no statement and
    // came back implicitDeny, the typo's answer and not the policies' (review readme, gh 7).
    if (resourceRefusal(r) !== undefined) return failWith('INVALID_INPUT', `ResourceNames are not in a valid ARN format: ${r.slice(0, 100)}.`, 'ResourceArns');
  }
  if ((o.permissionsBoundaryPolicyInputList?.length ?? 0) > 1) {
    return failWith('INVALID_INPUT', 'PermissionsBoundaryPolicyInputList: only one permissions boundary can be simulated at a time', 'PermissionsBoundaryPolicyInputList');
  }
  // As the authorize API bounds its context (review limits, L8): values × conditions is the work of each decision.
  let total = 0;
  for (const [i, e] of (o.contextEntries ?? []).entries()) {
    const field = `ContextEntries.member.${i + 1}`;
    if (e.key.length < 5 || e.key.length > 256) return failWith('VALIDATION_ERROR', `${field}.ContextKeyName must be 5 to 256 characters, such as \`aws:SourceIp\``, field);
    total += e.values.length;
    if (total > MAX_CONTEXT_VALUES) return failWith('REQUEST_INVALID_CONTEXT', `${field}.ContextKeyValues: the context holds at most ${MAX_CONTEXT_VALUES} values in all: send only the values the policies read`, field);
    for (const v of e.values) {
      if (v.length > MAX_CONTEXT_VALUE_CHARS) return failWith('REQUEST_INVALID_CONTEXT', `${field}.ContextKeyValues: a value of \`${e.key}\` is ${v.length} characters; the limit is ${MAX_CONTEXT_VALUE_CHARS}: shorten it`, field);
    }
    if (e.type !== undefined && !(CONTEXT_KEY_TYPES as readonly string[]).includes(e.type)) {
      return failWith('VALIDATION_ERROR', `${field}.ContextKeyType must be one of ${CONTEXT_KEY_TYPES.join(', ')}, got \`${e.type}\``, field);
    }
  }
  // A typed global key the engine could not read, or a list for a single-valued key, as the authorize API refuses
  // them (review N, N2); entries naming one key in any case share one list of values, as contextOfEntries reads them.
  const given = new Map<string, { field: string; key: string; values: string[] }>();
  for (const [i, e] of (o.contextEntries ?? []).entries()) {
    // A tag key is single-valued per spelling: tags that differ only in case are two tags (review kd, 3).
    const id = isTagKey(e.key) ? e.key : e.key.toLowerCase();
    const g = given.get(id) ?? { field: `ContextEntries.member.${i + 1}`, key: e.key, values: [] };
    given.set(id, g);
    g.values.push(...e.values);
  }
  for (const g of given.values()) {
    const problem = contextKeyProblem(g.key, g.values);
    if (problem !== undefined) return failWith('REQUEST_INVALID_CONTEXT', `${g.field}: context key ${problem}`, g.field);
  }
  // One key under both dialects' names (`aws:SourceIp`, `acs:SourceIp`) with different values, as the authorize API
  // refuses it (review ug, 1): each policy read its own spelling's value (review ug, 4).
  const lowered = new Map<string, string[]>();
  const named = new Map<string, string>();
  const fields = new Map<string, string>();
  for (const g of given.values()) {
    const key = g.key.toLowerCase();
    lowered.set(key, [...(lowered.get(key) ?? []), ...g.values]);
    if (!named.has(key)) named.set(key, g.key);
    if (!fields.has(key)) fields.set(key, g.field);
  }
  const conflict = contextKeyConflict(lowered, named, now);
  if (conflict !== undefined) {
    const field = fields.get(conflict.key.toLowerCase()) ?? 'ContextEntries';
    return failWith('REQUEST_INVALID_CONTEXT', `${field}: ${conflict.message}`, field);
  }
  // A value its ContextKeyType does not read (review fe, 2): it was decided on as no value, a Deny on it not applying.
  for (const [i, e] of (o.contextEntries ?? []).entries()) {
    const typed = e.type === undefined ? undefined : contextValueTypeProblem(e.key, e.type, e.values);
    if (typed !== undefined) return failWith('REQUEST_INVALID_CONTEXT', `ContextEntries.member.${i + 1}.ContextKeyValues: ${typed}`, `ContextEntries.member.${i + 1}`);
  }
  return ok(undefined);
}

function resourceOwnerOf(owner: string | undefined): Result<string | undefined> {
  if (owner === undefined) return ok(undefined);
  if (/^\d{1,20}$/.test(owner)) return ok(owner);
  const a = accountOf(owner);
  return a !== undefined ? ok(a) : failWith('INVALID_INPUT', `ResourceOwner must be an account id or an ARN naming one (\`arn:aws:iam::123456789012:root\`), got \`${shortName(owner)}\``, 'ResourceOwner');
}

/**
 * The request context of `entries`, over the values the directory supplies (`directory`): an entry's key wins in any case,
 * and under the other dialect's name of it too (`acs:ResourceTag/K` over the directory's `aws:ResourceTag/K`), since the
 * engine reads the two as one key (src/core/iam/principal.ts `keyLookup`). Kept beside such an entry, the directory's
 * value was read first by the policies spelling it so, and the entry ignored (review vt, 2).
 */
function contextOfEntries(entries: readonly ContextEntry[], directory: ConditionContext = {}): Context {
  const obj: Record<string, string | string[]> = Object.create(null);
  const given = new Set<string>();
  for (const e of entries) {
    const k = e.key.toLowerCase();
    given.add(k);
    const other = counterpart(k);
    if (other !== undefined) given.add(other);
  }
  for (const [k, v] of Object.entries(directory)) if (!given.has(k.toLowerCase())) obj[k] = v;
  const listed: Record<string, string[]> = Object.create(null);
  for (const e of entries) (listed[e.key] ??= []).push(...e.values);
  return contextOf(Object.assign(obj, listed));
}

function tagsOf(tags: readonly { key: string; value: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags) out[t.key] = t.value;
  return out;
}

/**
 * What a simulation looks up in the directory besides the policies it is given: a read transaction's view, or the
 * directory held in memory (src/app/live.ts), which enforcement decides from (`heldDirectory`).
 */
export interface DirectoryReads {
  readonly accounts: Pick<ReadTx['accounts'], 'get'>;
  readonly users: Pick<ReadTx['users'], 'get'>;
  readonly roles: Pick<ReadTx['roles'], 'get'>;
  readonly groups: Pick<ReadTx['groups'], 'get'>;
  readonly policies: Pick<ReadTx['policies'], 'getByArn' | 'get'>;
}

async function partitionOfAccount(tx: DirectoryReads, account: string): Promise<Partition> {
  return (await tx.accounts.get(account))?.partition ?? 'aws';
}

/**
 * The simulated caller from `CallerArn`: an IAM user ARN, enriched from the directory (its tags and id) when it exists and
 * the caller may simulate that user: is it, or is allowed SimulatePrincipalPolicy on it, decided with its tags as that
 * call is (`authorizedSource`). Otherwise the ARN alone, as a user the directory does not hold, its tags given in
 * ContextEntries: "If you do not want users to see other user's permissions, then consider allowing them to use
 * SimulateCustomPolicy instead" (IAM, API_SimulatePrincipalPolicy); with a CallerArn's tags read for anyone, a caller
 * allowed only SimulateCustomPolicy read another user's tags through the conditions it wrote (review oc, 1).
 */
async function callerPrincipal(deps: AppDeps, tx: DirectoryReads, c: Caller, arn: string): Promise<Result<Principal>> {
  const m = USER_ARN_RE.exec(arn);
  if (!m) return failWith('INVALID_INPUT', `CallerArn must be the ARN of a user (\`arn:aws:iam::<account>:user/<name>\`), got \`${shortName(arn)}\``, 'CallerArn');
  const account = (m[1] ?? m[2]) as string;
  const u = await tx.users.get(account, m[3] as string);
  // The user's name in any case, as the Query API finds a user and the authorize API a principal (review rt, 2): looked
  // up exactly, `…:user/ALICE` was simulated as a user the directory does not hold, without alice's tags and id, so a
  // Deny on her `aws:PrincipalTag/K` answered `allowed` where her calls, and the authorize API, are refused.
  const stored = u && entityArn(await partitionOfAccount(tx, account), account, 'user', u.path, u.name);
  const known =
    u !== undefined &&
    stored !== undefined &&
    namesStored(arn, stored, u.name.length) &&
    account === c.account &&
    (stored === c.principal.arn || authorizeAdmin(c, deps.now(), 'SimulatePrincipalPolicy', stored, resourceTagContext(u.tags)).ok);
  return known ? principalFromArn(stored, { userId: u.id, tags: tagsOf(u.tags) }) : principalFromArn(arn, {});
}

/** The managed and inline policies of one user, group or role, as simulation sources. */
async function addEntityPolicies(tx: ReadTx, sources: Sources, ref: PrincipalRef, out: CompiledPolicy[]): Promise<void> {
  for (const arn of await tx.attachments.listForPrincipal(ref)) {
    const p = await tx.policies.getByArn(arn);
    const v = await tx.policies.getDefaultVersion(arn);
    if (!p || !v) continue;
    out.push(sources.addStored(p.name, p.account === 'aws' ? 'aws-managed' : 'user-managed', v.document));
  }
  for (const ip of await tx.inlinePolicies.list(ref)) out.push(sources.addStored(ip.name, ref.type, ip.document));
}

async function addBoundary(tx: ReadTx, sources: Sources, arn: string | null): Promise<CompiledPolicy | undefined> {
  if (!arn) return undefined;
  const p = await tx.policies.getByArn(arn);
  const v = await tx.policies.getDefaultVersion(arn);
  // A boundary that is gone allows nothing rather than everything; one that cannot be read denies everything (as principals.ts).
  return p && v ? sources.addStored(p.name, p.account === 'aws' ? 'aws-managed' : 'user-managed', v.document) : compilePolicy({ version: '2012-10-17', dialect: 'aws', id: undefined, statements: [] }, `missing boundary ${arn}`);
}

interface Prepared {
  readonly principal: Principal;
  readonly identity: CompiledPolicy[];
  readonly boundary: CompiledPolicy | undefined;
}

/** Adds the caller-supplied policies (PolicyInputList, boundary, resource policy) to `prepared`. */
function addInputs(sources: Sources, o: SimulationOptions, prepared: Prepared): Result<{ boundary: CompiledPolicy | undefined; resource: CompiledPolicy | undefined }> {
  for (const [i, text] of (o.policyInputList ?? []).entries()) {
    const id = `PolicyInputList.${i + 1}`;
    const doc = parseInput(text, 'identity', id, true);
    if (!doc.ok) return doc;
    prepared.identity.push(sources.add(id, 'none', text, doc.value));
  }
  let boundary = prepared.boundary;
  const b = o.permissionsBoundaryPolicyInputList?.[0];
  if (b !== undefined) {
    const id = 'PermissionsBoundaryPolicyInputList.1';
    const doc = parseInput(b, 'identity', id, true);
    if (!doc.ok) return doc;
    boundary = sources.add(id, 'none', b, doc.value);
  }
  let resource: CompiledPolicy | undefined;
  if (o.resourcePolicy !== undefined) {
    const doc = parseInput(o.resourcePolicy, 'resource', 'ResourcePolicy', true);
    if (!doc.ok) return doc;
    resource = sources.add('ResourcePolicy', 'resource', o.resourcePolicy, doc.value);
  }
  return ok({ boundary, resource });
}

function matchedOf(sources: Sources, d: Decision): MatchedStatement[] {
  // Report what decided: the denying statements of an explicit deny, the allowing ones otherwise (for an
  // implicit deny these are the allows that were not enough, e.g. outside the boundary).
  const want = d.decision === 'ExplicitDeny' ? 'Deny' : 'Allow';
  const out: MatchedStatement[] = [];
  const seen = new Set<string>();
  for (const ref of d.matched) {
    if (ref.effect !== want) continue;
    const s = sources.get(ref.policy);
    if (!s) continue;
    const k = `${ref.policy}#${ref.index}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const span = (s.spans ??= statementSpans(s.text))[ref.index];
    out.push({ sourcePolicyId: s.id, sourcePolicyType: s.type, startPosition: span?.start, endPosition: span?.end });
  }
  return out;
}

/**
 * The same documents with every condition removed, and every variable of a `Resource` whose key is `absent` made a `*`:
 * which statements apply to the request at all, or would once the keys they wait on are given (review hn, 3).
 */
function unconditioned(s: Source, absent: (key: string) => boolean): CompiledPolicy {
  const doc = withUnresolvedResourcesOpen(s.doc, absent);
  return compilePolicy({ ...doc, statements: doc.statements.map((st) => ({ ...st, conditions: [] })) }, s.compiled.name);
}

/**
 * A policy allowing every request in which `key` has a value, as the identity policy (`principal` unset) or, with
 * `Principal: *`, as the resource policy: across accounts both sides must allow (review my, 4: the identity probe alone
 * was refused there, and every key read as missing).
 */
function presenceProbe(key: string, principal?: '*'): CompiledPolicy {
  return compilePolicy(
    {
      version: '2012-10-17',
      dialect: 'aws',
      id: undefined,
      statements: [
        {
          index: 0,
          sid: undefined,
          effect: 'Allow',
          action: ['*'],
          notAction: undefined,
          resource: ['*'],
          notResource: undefined,
          principal,
          notPrincipal: undefined,
          conditions: [{ operator: 'Null', base: 'Null', qualifier: undefined, ifExists: false, key, values: ['false'] }],
        },
      ],
    },
    'presence',
  );
}

function missingContextValues(sources: Sources, request: Parameters<typeof evaluate>[0], resourceSources: ReadonlySet<Source>): string[] {
  const identity: CompiledPolicy[] = [];
  const resource: CompiledPolicy[] = [];
  // The statements that read a key: in a condition, or through a policy variable that needs a value (review hn, 3).
  const reading = sources.all().filter((s) => s.doc.statements.some((st) => statementKeys(s.doc, st, false).length > 0));
  if (reading.length === 0) return [];
  const presence = new Map<string, boolean>();
  const present = (key: string): boolean => {
    const k = key.toLowerCase();
    let p = presence.get(k);
    if (p === undefined) presence.set(k, (p = evaluate(request, { identity: [presenceProbe(key)], resource: [presenceProbe(key, '*')] }).decision === 'Allow'));
    return p;
  };
  for (const s of reading) (resourceSources.has(s) ? resource : identity).push(unconditioned(s, (key) => !present(key)));
  const applicable = evaluate(request, { identity, resource });
  const out: string[] = [];
  const seen = new Set<string>();
  for (const ref of applicable.matched as readonly StatementRef[]) {
    const source = sources.get(ref.policy);
    const st = source?.doc.statements.find((x) => x.index === ref.index);
    if (source === undefined || st === undefined) continue;
    for (const key of statementKeys(source.doc, st, false)) {
      const k = key.toLowerCase();
      if (seen.has(k)) continue;
      seen.add(k);
      if (!present(key)) out.push(key);
    }
  }
  return out;
}

/**
 * The roles of the directory that the simulation's resources name, in any spelling or case, for the actions decided on
 * a role (`ROLE_ACTIONS`): by resource as given. Such a question is decided as STS and jobs decide it (review U, U2).
 */
async function rolesNamed(tx: DirectoryReads, o: SimulationOptions): Promise<Map<string, RoleName>> {
  const out = new Map<string, RoleName>();
  if (!o.actionNames.some((a) => ROLE_ACTIONS.has(a.toLowerCase()))) return out;
  for (const resource of o.resourceArns ?? []) {
    const parsed = parseRoleArn(resource);
    if (!parsed || out.has(resource)) continue;
    const role = await tx.roles.get(parsed.account, parsed.name);
    const partition = role && (await tx.accounts.get(role.account))?.partition;
    if (!role || !partition || (parsed.partition === 'aws' && role.path !== parsed.path)) continue;
    out.set(resource, { partition, account: role.account, path: role.path, name: role.name });
  }
  return out;
}

/** What the directory knows of an entity a simulation names: its tags, and (a user's or role's) its current boundary. */
interface DirectoryFacts {
  /** Undefined when the caller may not read them (`directoryFactsNamed`): then they are the ContextEntries' to give. */
  readonly tags: ConditionContext | undefined;
  /** `iam:PermissionsBoundary`, or nothing when it has none; undefined for a managed policy. */
  readonly boundary: ConditionContext | undefined;
  /**
   * A role's tags as STS decides AssumeRole, TagSession and SetSourceIdentity on it (`aws:ResourceTag/K` only: STS's
   * `role` resource; review cc, 8), when the caller may read them; undefined for anything else (review qa, 3).
   */
  readonly roleTags?: ConditionContext | undefined;
  /** The entity's stored ARN, which the Query API decides its `iam:` actions on (the resource asked may write its name in another case). */
  readonly arn?: string;
  /**
   * An OIDC provider's issuer URL as RAM's `ram:OidcIssuerUrl`, which the Query API gives a change to it and its read
   * (`decidedWithIssuerUrl`, reviews qr, 6 and se, 3), when the caller may read the provider (GetOpenIDConnectProvider
   * shows it); review rt, 5.
   */
  readonly issuer?: ConditionContext | undefined;
}

/** The STS actions decided on a role with its tags (`DirectoryFacts.roleTags`). */
const isTrustAction = (action: string): boolean => TRUST_ACTIONS.has(action.toLowerCase());

/**
 * The tags of the managed policies, users and roles of the caller's account that the simulation's resources name, by
 * resource as given: an `iam:`/`ram:` action on one of them (not PassRole) is enforced with its tags as
 * `aws:ResourceTag/K` and `iam:ResourceTag/K` (src/app/directory.ts `authorizedPolicy`, `authorizedEntity`; review Q, q5,
 * and review T, T2), so it is simulated with them too, under any ContextEntries naming the same keys (review J, j4: a
 * Deny on `aws:ResourceTag/protected` was simulated as allowed, the tag reported missing, while DeletePolicy was refused).
 * So is a user's or role's current boundary (`iam:PermissionsBoundary`), for the actions the Query API decides with it
 * (`readsCurrentBoundary`; review my, 2: "Allow iam:PutUserPolicy where iam:PermissionsBoundary is the team's" was
 * simulated implicitDeny on a user the call succeeds on). Only a resource in the directory's own spelling of it (its
 * canonical ARN) has its facts, and only those the caller may read: the tags with ListUserTags, ListRoleTags or
 * ListPolicyTags on it, the boundary with GetUser or GetRole, each decided with the entity's tags as the Query API
 * decides them. A custom simulation's policies are the caller's own text: read for anyone, they told another user's
 * tags a prefix at a time to a caller allowed only SimulateCustomPolicy (review oc, 2).
 */
async function directoryFactsNamed(deps: AppDeps, tx: DirectoryReads, c: Caller, o: SimulationOptions): Promise<Map<string, DirectoryFacts>> {
  const out = new Map<string, DirectoryFacts>();
  if (!o.actionNames.some((a) => readsResourceTags(a) || isTrustAction(a))) return out;
  const partition = await partitionOfAccount(tx, c.account);
  for (const resource of o.resourceArns ?? []) {
    if (out.has(resource)) continue;
    const g = GROUP_ARN_RE.exec(resource);
    if (g && (g[1] ?? g[2]) === c.account) {
      // A group carries no tags, but is decided on as stored, as the Query API finds it (review rg, 2), for a caller that may read it.
      const group = await tx.groups.get(c.account, g[3] as string);
      const arn = group === undefined ? undefined : entityArn(partition, c.account, 'group', group.path, group.name);
      if (group !== undefined && arn !== undefined && namesEntity(resource, arn, group.name) && authorizeAdmin(c, deps.now(), 'GetGroup', arn).ok) out.set(resource, { tags: undefined, boundary: undefined, arn });
      continue;
    }
    const m = TAGGED_ARN_RE.exec(resource);
    if (!m || (m[1] ?? m[2]) !== c.account) continue;
    const kind = m[3] as 'user' | 'role' | 'policy';
    const name = m[4] as string;
    const found: { readonly path: string; readonly name: string; readonly tags: readonly { key: string; value: string }[]; readonly permissionsBoundary?: string | null } | undefined =
      kind === 'policy' ? await visiblePolicy(tx, c.account, resource) : kind === 'user' ? await tx.users.get(c.account, name) : await tx.roles.get(c.account, name);
    const arn = found && entityArn(partition, c.account, kind, found.path, found.name);
    if (!found || arn === undefined || !(kind === 'policy' ? namesStored(resource, arn, arn.length) : namesEntity(resource, arn, found.name))) continue;
    const tags = resourceTagContext(found.tags);
    const may = (action: string): boolean => authorizeAdmin(c, deps.now(), action, arn, tags).ok;
    const readTags = may(kind === 'policy' ? 'ListPolicyTags' : kind === 'user' ? 'ListUserTags' : 'ListRoleTags');
    const readBoundary = kind !== 'policy' && may(kind === 'user' ? 'GetUser' : 'GetRole');
    if (!readTags && !readBoundary) continue;
    out.set(resource, { tags: readTags ? tags : undefined, boundary: readBoundary ? boundaryContext(found.permissionsBoundary) : undefined, roleTags: kind === 'role' && readTags ? awsResourceTags(found.tags) : undefined, arn });
  }
  return out;
}

/**
 * Whether `resource` names the entity stored as `arn` as the Query API finds it: the same ARN, but for its last
 * `loose` characters (a user's or role's name, a managed policy's whole ARN) in any case, since IAM's names are unique
 * without regard to case (directory.ts `authorizeOn`, `visiblePolicy`). Looked up exactly, `…:user/ALICE` and
 * `…:policy/mypolicy` were simulated without the tags and boundary of `alice` and `MyPolicy`, on an ARN a Deny on the
 * stored one does not name, while the call on them is refused (review rg, 1).
 */
function namesStored(resource: string, arn: string, loose: number): boolean {
  if (resource === arn) return true;
  const fixed = arn.length - loose;
  return resource.length === arn.length && resource.slice(0, fixed) === arn.slice(0, fixed) && resource.slice(fixed).toLowerCase() === arn.slice(fixed).toLowerCase();
}

/**
 * `namesStored`, or the user's, group's or role's other-dialect ARN (`arn:aws:iam::A:user/bob` of an `acs` account's
 * `acs:ram::A:user/bob`, RAM's name without AWS's path for an `aws` one), which the Query API decides a call on as the
 * stored ARN (`decideAdmin`: an Allow of that spelling grants nothing, a Deny of it refuses). Simulated on the spelling
 * asked, an Allow naming only it was `allowed` where the call is refused (review vs, 3).
 */
function namesEntity(resource: string, arn: string, name: string): boolean {
  if (namesStored(resource, arn, name.length)) return true;
  const other = otherDialectIamArn(arn);
  return other !== undefined && namesStored(resource, other, name.length);
}

/** Whether the simulation names an OIDC provider for an action enforced with its tags (`providersNamed`). */
const namesProvider = (o: SimulationOptions): boolean => o.actionNames.some(readsResourceTags) && (o.resourceArns ?? []).some((r) => PROVIDER_ARN_RE.test(r));

/**
 * The tags of the caller's account's OIDC providers that the simulation's resources name (in either dialect's ARN,
 * review rt, 3), by resource as given: every `iam:`/`ram:` action on one is enforced with its tags as
 * `aws:ResourceTag/K` (src/app/oidc.ts; POST /v1/authorize too, review nk, 2), so it is simulated with them, for a caller
 * that may read them (ListOpenIDConnectProviderTags on it, decided with them, as `directoryFactsNamed` reads a user's).
 * Providers are kept in the store, not held in memory: read in `tx`. Review qa, 2: a Deny on `aws:ResourceTag/protected`
 * was simulated `allowed`, the tag reported missing, while DeleteOpenIDConnectProvider was refused.
 */
async function providersNamed(deps: AppDeps, tx: ReadTx, c: Caller, o: SimulationOptions): Promise<Map<string, DirectoryFacts>> {
  const out = new Map<string, DirectoryFacts>();
  if (!namesProvider(o)) return out;
  const partition = await partitionOfAccount(tx, c.account);
  for (const resource of o.resourceArns ?? []) {
    const m = out.has(resource) ? null : PROVIDER_ARN_RE.exec(resource);
    if (!m || m[1] !== c.account) continue;
    const hostPath = m[2] as string;
    // In either dialect's spelling, as the Query API finds the provider (src/app/oidc.ts `parseArn`) and the authorize API
    // reads its tags (review rt, 3: named `acs:ram::…` in an `aws` account, it was simulated without them); the
    // caller's reading them decided on the ARN the provider has in the account's dialect, as ListOpenIDConnectProviderTags is.
    const text = await tx.kv.get(providerKey(c.account, hostPath));
    const stored = providerTags(text);
    if (stored === undefined) continue;
    const tags = awsResourceTags(stored);
    const own = `${partition === 'acs' ? 'acs:ram' : 'arn:aws:iam'}::${c.account}:oidc-provider/${hostPath}`;
    const readTags = authorizeAdmin(c, deps.now(), 'ListOpenIDConnectProviderTags', own, tags).ok;
    const url = providerUrl(text);
    // Decided with the URL itself, as GetOpenIDConnectProvider is (review se, 3).
    const readUrl = url !== undefined && authorizeAdmin(c, deps.now(), 'GetOpenIDConnectProvider', own, { ...tags, 'ram:OidcIssuerUrl': url }).ok;
    if (!readTags && !readUrl) continue;
    out.set(resource, { tags: readTags ? tags : undefined, boundary: undefined, ...(readUrl ? { issuer: { 'ram:OidcIssuerUrl': url } } : {}) });
  }
  return out;
}

/**
 * The workspaces of the caller's account's jobs that the simulation's resources name (a job's canonical ARN), by
 * resource as given, for the job actions (`JOB_ACTIONS`): jobs decide those on the job's ARN with its workspace's as
 * its container (src/app/jobs.ts `authorizeJobAccess`, `jobOrWorkspace`; review J, j2), and so does the simulator.
 */
async function jobsNamed(deps: AppDeps, tx: ReadTx, c: Caller, o: SimulationOptions): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!o.actionNames.some((a) => JOB_ACTIONS.has(a.toLowerCase()))) return out;
  for (const resource of o.resourceArns ?? []) {
    const named = parseJobArn(resource);
    if (!named || named.account !== c.account || out.has(resource)) continue;
    const job = await jobPlaceOf(tx, named.id);
    // The job's ARN in its account's dialect, whichever the simulation spelt (`ownTrainingSpelling`; review vs, 2).
    const own = ownTrainingSpelling(c, resource) ?? resource;
    if (!job || job.account !== c.account || jobArn(job.partition, job.account, named.id) !== own) continue;
    const container = jobContainerArn(job);
    if (!mayReadJob(deps, c, job, own, container)) continue;
    out.set(resource, container);
  }
  return out;
}

/** A workspace's, job's or training cluster's own ARN (no path after its name), in either dialect: head, account, the rest. */
const TRAINING_OBJECT_ARN = /^(arn:aws[a-z-]*:training|acs:pai)::(\d{12}):((?:workspace|job|cluster)\/[^/]+)$/;

/**
 * A workspace's, job's or training cluster's ARN of the caller's account spelt otherwise than in the account's dialect
 * (`arn:aws:training::A:workspace/w` in an `acs` account, `acs:pai::A:job/j` or `arn:aws-cn:training::…` in an `aws`
 * one), in the account's dialect; undefined for any other resource. Jobs, the workspaces and clusters API and the
 * authorize API decide the training actions Gatehouse enforces on that spelling alone (docs/semantics.md, dialects
 * review is, 6; `decideOnWorkspace`, `decideOnJob`, `decideOnCluster`), and so does the simulator (review vs, 2). Only
 * the caller's own account: another account's dialect is that account's to know.
 */
function ownTrainingSpelling(c: Pick<Caller, 'account' | 'partition'>, resource: string): string | undefined {
  const t = TRAINING_OBJECT_ARN.exec(resource);
  if (t === null || t[2] !== c.account) return undefined;
  const own = `${c.partition === 'acs' ? 'acs:pai' : 'arn:aws:training'}::${c.account}:${t[3] as string}`;
  return own === resource ? undefined : own;
}

/**
 * Whether `c` may read the job of ARN `arn` in `container`, as jobs decide training:GetJob (its submitter unless explicitly denied; else
 * on the job's ARN or its container's, combined by `jobOrWorkspace`, an explicit deny on either refusing). Only then
 * does the simulator read where the job lies: a caller's own custom policy on `workspace/a*` told any caller the
 * workspace of a job, and that it exists, which jobs tell no caller that may not read it (review ag, 1; review oc, 4).
 */
function mayReadJob(deps: AppDeps, c: Caller, job: { readonly submitter: string; readonly submitterId: string | undefined }, arn: string, container: string): boolean {
  const on = (resource: string) => {
    const d = decideAdmin({ principal: c.principal, action: 'training:GetJob', resource, context: contextOf(requestContext(c)), time: deps.now() }, c.policies);
    return { refused: d.decision === 'Allow' ? undefined : { d } };
  };
  const r = jobOrWorkspace(on(arn), on(container));
  if (r === undefined) return true;
  // Its submitter needs no Allow; an explicit deny refuses it too (review uh, 1).
  return r.refused?.d.decision !== 'ExplicitDeny' && isJobSubmitter({ submitter: { arn: job.submitter }, submitterId: job.submitterId }, c.principal);
}

function run(deps: AppDeps, home: Home, sources: Sources, prepared: Prepared, o: SimulationOptions, set: PolicySet, resourceOwner: string | undefined, roles: ReadonlyMap<string, RoleName>, tagged: ReadonlyMap<string, DirectoryFacts> = new Map(), jobs: ReadonlyMap<string, string> = new Map()): Result<SimulationResult[]> {
  const given = contextOfEntries(o.contextEntries ?? []);
  // The time asked about, as `gatehouse simulate` and POST /v1/simulate take it (review ej, 2): the time keys the
  // ContextEntries do not give derive from it (review fe, 4: aws:CurrentTime 2031 left aws:EpochTime at the clock's).
  const time = simulatedTime(given) ?? deps.now();
  const resourceSources = new Set(sources.all().filter((s) => s.type === 'resource'));
  const resources = o.resourceArns && o.resourceArns.length > 0 ? o.resourceArns : ['*'];
  const out: SimulationResult[] = [];
  const ran = withinSteps(MAX_SIMULATION_STEPS, () => decideAll(deps, home, sources, prepared, o, set, resourceOwner, roles, tagged, jobs, given, time, resourceSources, resources, out));
  if (!ran.done) {
    return failWith('LIMIT_EXCEEDED', `the simulation needs more than ${MAX_SIMULATION_STEPS.toLocaleString('en-US')} steps of the policy engine, the most one may take (a second or two of work), and was stopped after ${out.length} of ${o.actionNames.length * resources.length} decisions; ask about fewer actions or resources, or simulate smaller policies`);
  }
  return ok(out);
}

/** Decides each action on each resource into `out`, in order (`run`, which bounds the work). */
/** The caller's account and its dialect, of which the simulator reads a training ARN (`ownTrainingSpelling`). */
type Home = Pick<Caller, 'account' | 'partition'>;

function decideAll(deps: AppDeps, home: Home, sources: Sources, prepared: Prepared, o: SimulationOptions, set: PolicySet, resourceOwner: string | undefined, roles: ReadonlyMap<string, RoleName>, tagged: ReadonlyMap<string, DirectoryFacts>, jobs: ReadonlyMap<string, string>, given: Context, time: number, resourceSources: ReadonlySet<Source>, resources: readonly string[], out: SimulationResult[]): void {
  for (const action of o.actionNames) {
    for (const resource of resources) {
      // An STS trust action on a role: with the role's tags as STS decides it (review qa, 3); an iam: action: as the Query API.
      const named = readsResourceTags(action) || isTrustAction(action) ? tagged.get(resource) : undefined;
      const facts: DirectoryFacts | undefined = !isTrustAction(action) ? named : named?.roleTags !== undefined ? { tags: named.roleTags, boundary: undefined } : undefined;
      const boundary = facts?.boundary !== undefined && readsCurrentBoundary(action) ? facts.boundary : undefined;
      // RAM's own name of a change too (`ram:DeleteOIDCProvider`; review se, 1: simulated without the URL, `allowed` where
      // the call is refused), and the read (review se, 3).
      const issuer = facts?.issuer !== undefined && decidedWithIssuerUrl(action) ? facts.issuer : undefined;
      const context = facts === undefined ? given : contextOfEntries(o.contextEntries ?? [], { ...facts.tags, ...boundary, ...issuer });
      // ResourceOwner owns "any simulated resource that does not identify its owner in the resource ARN" (IAM): an ARN
      // naming its account keeps it (review fe, 5: ResourceOwner made another account's queue the caller's own). Without
      // it, "the owner of the resources … defaults to the account of the identity provided in CallerArn": the simulated
      // caller's, `aws:ResourceAccount` too (review my, 3: absent, a data perimeter denied the account's own bucket).
      const owner = accountOf(resource) ?? resourceOwner ?? (prepared.principal.account !== '' ? prepared.principal.account : undefined);
      // A workspace, job or cluster named in the other dialect, for an action Gatehouse enforces: on its ARN in the
      // account's dialect, as jobs and the workspaces, clusters and authorize APIs decide it (review vs, 2).
      const spelt = enforcedTrainingAction(action) !== undefined ? ownTrainingSpelling(home, resource) : undefined;
      // An entity of the directory named in another case: on its stored ARN, as the Query API decides it (review rg, 1).
      const request = { principal: prepared.principal, action, resource: spelt ?? facts?.arn ?? resource, context, time, ...(owner !== undefined ? { resourceAccount: owner } : {}) };
      // A role named in any spelling: on its canonical ARN, a Deny of its other-dialect spelling applying too (`decideOnRole`).
      const role = ROLE_ACTIONS.has(action.toLowerCase()) ? roles.get(resource) : undefined;
      const workspace = JOB_ACTIONS.has(action.toLowerCase()) ? jobs.get(resource) : undefined;
      const decided = role
        ? decideOnRole(role, action, (a, r) => evaluate({ ...request, action: a, resource: r }, set, { explain: true }))
        : workspace !== undefined
          ? onJobOrWorkspace(adminDecision(request, set), adminDecision({ ...request, resource: workspace }, set))
          : adminDecision(request, set);
      // An explicit deny of the ARN as asked holds too, as the authorize API's `decideOnWorkspace` has it.
      const asAsked = spelt !== undefined && decided.decision !== 'ExplicitDeny' ? adminDecision({ ...request, resource }, set) : undefined;
      const d = asAsked?.decision === 'ExplicitDeny' ? asAsked : decided;
      const boundaryRefs = set.boundary ? d.matched.filter((m) => m.type === 'boundary') : [];
      out.push({
        evalActionName: action,
        evalResourceName: resource,
        evalDecision: DECISION[d.decision],
        matchedStatements: matchedOf(sources, d),
        // A tag the directory's resource does not carry is absent, not missing: its tags are all known; so is its boundary.
        missingContextValues: missingContextValues(sources, request, resourceSources).filter((k) => facts === undefined || !((facts.tags !== undefined && RESOURCE_TAG_KEY_RE.test(k)) || (boundary !== undefined && k.toLowerCase() === 'iam:permissionsboundary') || (issuer !== undefined && k.toLowerCase() === 'ram:oidcissuerurl'))),
        allowedByPermissionsBoundary: set.boundary ? boundaryRefs.some((m) => m.effect === 'Allow') && !boundaryRefs.some((m) => m.effect === 'Deny') : undefined,
        evalDecisionDetails: decisionDetails(prepared.principal, set, resource, owner, d),
        summary: d.summary,
      });
    }
  }
}

/**
 * `EvalDecisionDetails` of one result (IAM, API_EvaluationResult): "populated for only cross-account simulations … If
 * the simulation evaluates policies within the same account and includes a resource ARN, then the parameter is present
 * but the response is empty … specifies all resources (*), then the parameter is not returned". Across accounts each
 * side's decision, read from the statements that applied: the caller's account (identity policies ∩ boundary ∩ session
 * policies) and the resource's (its resource policy). An Allow is both sides' (both must allow across accounts,
 * reference §A.1.3). IAM does not document the keys; docs/decisions.md, "EvalDecisionDetails", records them (review lq, 1).
 */
function decisionDetails(p: Principal, set: PolicySet, resource: string, owner: string | undefined, d: Decision): Readonly<Record<string, EvalDecision>> | undefined {
  const crossAccount = owner !== undefined && p.account !== '' && owner !== p.account;
  if (!crossAccount) return resource === '*' ? undefined : {};
  if (d.decision === 'Allow') return { 'IAM Policy': 'allowed', 'Resource Policy': 'allowed' };
  const applied = (type: string, effect: 'Allow' | 'Deny') => d.matched.some((m) => m.type === type && m.effect === effect);
  const identityDenied = applied('identity', 'Deny') || applied('boundary', 'Deny') || applied('session', 'Deny');
  const sessionPolicies = set.session !== undefined && set.session.length > 0;
  const identityAllows =
    (p.kind === 'root' || applied('identity', 'Allow')) &&
    (set.boundary === undefined || applied('boundary', 'Allow')) &&
    (sessionPolicies ? applied('session', 'Allow') : p.kind !== 'federated-user');
  return {
    'IAM Policy': identityDenied ? 'explicitDeny' : identityAllows ? 'allowed' : 'implicitDeny',
    'Resource Policy': applied('resource', 'Deny') ? 'explicitDeny' : applied('resource', 'Allow') ? 'allowed' : 'implicitDeny',
  };
}

/** A job action's decision on the job's ARN and on its workspace's, combined as jobs combine them (`jobOrWorkspace`). */
function onJobOrWorkspace(onJob: Decision, onWorkspace: Decision): Decision {
  const as = (d: Decision) => ({ d, refused: d.decision === 'Allow' ? undefined : { d } });
  const refused = jobOrWorkspace(as(onJob), as(onWorkspace));
  return refused !== undefined ? refused.d : onJob.decision === 'Allow' ? onJob : onWorkspace;
}

function setOf(identity: readonly CompiledPolicy[], boundary: CompiledPolicy | undefined, resource: CompiledPolicy | undefined): PolicySet {
  return { identity, ...(boundary ? { boundary } : {}), ...(resource ? { resource: [resource] } : {}) };
}

/** A `PolicySourceArn` as read: the entity's account, kind and name. */
interface PolicySource {
  readonly account: string;
  readonly type: 'user' | 'group' | 'role';
  readonly name: string;
}

/**
 * The `PolicySourceArn` of SimulatePrincipalPolicy and GetContextKeysForPrincipalPolicy, read and `action` authorized on
 * it. Decided with the user's or role's tags (aws:ResourceTag, iam:ResourceTag), as every other action on it (review T2,
 * review I): read first, with the same refusal whether it exists or not.
 */
async function authorizedSource(deps: AppDeps, c: Caller, action: string, policySourceArn: string): R<PolicySource> {
  // IAM's bound first: a longer ARN names nothing, and is neither decided, echoed nor recorded (review iu, 1).
  const long = arnTooLong('PolicySourceArn', policySourceArn);
  if (long !== undefined) return failWith('VALIDATION_ERROR', long, 'PolicySourceArn');
  const m = ENTITY_ARN_RE.exec(policySourceArn);
  if (!m) return failWith('INVALID_INPUT', `PolicySourceArn must be the ARN of a user, group or role, got \`${shortName(policySourceArn)}\``, 'PolicySourceArn');
  const source: PolicySource = { account: (m[1] ?? m[2]) as string, type: m[3] as 'user' | 'group' | 'role', name: m[4] as string };
  const target = source.account === c.account && source.type !== 'group'
    ? await deps.store.read<UserRecord | RoleRecord | undefined>((tx) => (source.type === 'user' ? tx.users.get(c.account, source.name) : tx.roles.get(c.account, source.name)))
    : undefined;
  const a = authorizeAdmin(c, deps.now(), action, policySourceArn, target && entityArn(c.partition, c.account, source.type as 'user' | 'role', target.path, target.name) === policySourceArn ? resourceTagContext(target.tags) : {});
  return a.ok ? ok(source) : a;
}

/** The entity a `PolicySourceArn` names, in the caller's account and in the ARN's own spelling; NoSuchEntity else. */
async function sourceEntity(tx: ReadTx, c: Caller, s: PolicySource, arn: string): Promise<Result<UserRecord | GroupRecord | RoleRecord>> {
  const entity: UserRecord | GroupRecord | RoleRecord | undefined = s.account !== c.account ? undefined : s.type === 'user' ? await tx.users.get(s.account, s.name) : s.type === 'group' ? await tx.groups.get(s.account, s.name) : await tx.roles.get(s.account, s.name);
  if (!entity || entityArn(c.partition, s.account, s.type, entity.path, entity.name) !== arn) return failWith('NO_SUCH_ENTITY', `The ${s.type} with ARN ${arn} cannot be found.`);
  return ok(entity);
}

/** `SimulatePrincipalPolicy`: the policies of a user (with its groups'), group or role of the caller's account. */
export async function simulatePrincipalPolicy(deps: AppDeps, c: Caller, input: SimulatePrincipalInput): R<SimulationResult[]> {
  const src = await authorizedSource(deps, c, 'SimulatePrincipalPolicy', input.policySourceArn);
  if (!src.ok) return src;
  const checked = checkOptions(input, deps.now());
  if (!checked.ok) return checked;
  const owner = resourceOwnerOf(input.resourceOwner);
  if (!owner.ok) return owner;
  const { account, type } = src.value;
  return deps.store.read(async (tx) => {
    const found = await sourceEntity(tx, c, src.value, input.policySourceArn);
    if (!found.ok) return found;
    const entity = found.value;
    if (input.resourcePolicy !== undefined && input.callerArn === undefined && type !== 'user') {
      return failWith<SimulationResult[]>('INVALID_INPUT', 'CallerArn is required with a ResourcePolicy when PolicySourceArn is not a user', 'CallerArn');
    }
    const sources = new Sources();
    const identity: CompiledPolicy[] = [];
    let boundary: CompiledPolicy | undefined;
    let principal: Result<Principal>;
    if (type === 'user') {
      const u = entity as UserRecord;
      await addEntityPolicies(tx, sources, { type: 'user', account, name: u.name }, identity);
      for (const g of await tx.groups.listForUser(account, u.name)) await addEntityPolicies(tx, sources, { type: 'group', account, name: g.name }, identity);
      boundary = await addBoundary(tx, sources, u.permissionsBoundary);
      principal = principalFromArn(input.policySourceArn, { userId: u.id, tags: tagsOf(u.tags) });
    } else if (type === 'role') {
      const r = entity as RoleRecord;
      await addEntityPolicies(tx, sources, { type: 'role', account, name: r.name }, identity);
      boundary = await addBoundary(tx, sources, r.permissionsBoundary);
      principal = principalFromArn(input.policySourceArn, { userId: `${r.id}:session`, tags: tagsOf(r.tags) });
    } else {
      await addEntityPolicies(tx, sources, { type: 'group', account, name: entity.name }, identity);
      // Any member of the group, not the caller of the API (review qf, 2): IAM defaults CallerArn to the PolicySourceArn's
      // user alone, so a member's name, id and tags are not known, each key a statement reads reported missing.
      principal = ok({ kind: 'user', arn: input.policySourceArn, partition: c.partition, account, anyMember: true });
    }
    if (input.callerArn !== undefined) principal = await callerPrincipal(deps, tx, c, input.callerArn);
    if (!principal.ok) return principal;
    const prepared: Prepared = { principal: principal.value, identity, boundary };
    const extra = addInputs(sources, input, prepared);
    if (!extra.ok) return extra;
    const facts = new Map([...(await directoryFactsNamed(deps, tx, c, input)), ...(await providersNamed(deps, tx, c, input))]);
    return run(deps, c, sources, prepared, input, setOf(identity, extra.value.boundary, extra.value.resource), owner.value, await rolesNamed(tx, input), facts, await jobsNamed(deps, tx, c, input));
  });
}

/**
 * `SimulateCustomPolicy`: only the policies given, for `CallerArn` (default: the caller of the API). `held`: the
 * directory held in memory, which enforcement decides from; what the simulation looks up (the CallerArn's user, a role or
 * a tagged entity named as a resource) is read there, so that it answers during a database outage as decisions do
 * (review pg, 1: it opened a transaction for every call, and answered 503). A job named for a job action, and an OIDC
 * provider named for an action on it, are read from the store: neither is held (review qa, 2).
 */
export async function simulateCustomPolicy(deps: AppDeps, c: Caller, input: SimulationOptions, held?: DirectoryReads): R<SimulationResult[]> {
  const a = authorizeAdmin(c, deps.now(), 'SimulateCustomPolicy', '*');
  if (!a.ok) return a;
  if ((input.policyInputList?.length ?? 0) === 0) {
    return failWith('VALIDATION_ERROR', "1 validation error detected: Value null at 'policyInputList' failed to satisfy constraint: Member must not be null", 'PolicyInputList');
  }
  const checked = checkOptions(input, deps.now());
  if (!checked.ok) return checked;
  const owner = resourceOwnerOf(input.resourceOwner);
  if (!owner.ok) return owner;
  if (input.resourcePolicy !== undefined && input.callerArn === undefined) return failWith('INVALID_INPUT', 'CallerArn is required with a ResourcePolicy', 'CallerArn');
  const simulate = async (directory: DirectoryReads, jobs: () => Promise<Map<string, string>>, providers: () => Promise<Map<string, DirectoryFacts>>): R<SimulationResult[]> => {
    const principal = input.callerArn !== undefined ? await callerPrincipal(deps, directory, c, input.callerArn) : ok(c.principal);
    if (!principal.ok) return principal;
    const sources = new Sources();
    const prepared: Prepared = { principal: principal.value, identity: [], boundary: undefined };
    const extra = addInputs(sources, input, prepared);
    if (!extra.ok) return extra;
    const facts = new Map([...(await directoryFactsNamed(deps, directory, c, input)), ...(await providers())]);
    return run(deps, c, sources, prepared, input, setOf(prepared.identity, extra.value.boundary, extra.value.resource), owner.value, await rolesNamed(directory, input), facts, await jobs());
  };
  if (held !== undefined && !input.actionNames.some((a) => JOB_ACTIONS.has(a.toLowerCase())) && !namesProvider(input)) return simulate(held, async () => new Map(), async () => new Map());
  return deps.store.read((tx) => simulate(held ?? tx, () => jobsNamed(deps, tx, c, input), () => providersNamed(deps, tx, c, input)));
}

// ---------------------------------------------------------------------------------------------------
// Context keys

/**
 * The context keys `docs` read, in their conditions and through their policy variables (review hn, 1), each once (keys
 * are case-insensitive: the first spelling is kept), in the order they are written: what GetContextKeysForCustomPolicy
 * and GetContextKeysForPrincipalPolicy answer, the keys a simulation of those policies may need in its ContextEntries.
 */
function conditionKeysOf(docs: readonly PolicyDocument[]): string[] {
  const seen = new Map<string, string>();
  for (const d of docs) referencedKeys(d, seen);
  return [...seen.values()];
}

/** The caller's `PolicyInputList`, parsed as a simulation parses it. */
function inputDocuments(texts: readonly string[]): Result<PolicyDocument[]> {
  const out: PolicyDocument[] = [];
  for (const [i, text] of texts.entries()) {
    const doc = parseInput(text, 'identity', `PolicyInputList.${i + 1}`);
    if (!doc.ok) return doc;
    out.push(doc.value);
  }
  return ok(out);
}

/**
 * `GetContextKeysForCustomPolicy` (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetContextKeysForCustomPolicy.html):
 * the condition keys of the policies given, for the caller to supply in a SimulateCustomPolicy's ContextEntries.
 */
export async function getContextKeysForCustomPolicy(deps: AppDeps, c: Caller, input: { readonly policyInputList: readonly string[] }): R<string[]> {
  const a = authorizeAdmin(c, deps.now(), 'GetContextKeysForCustomPolicy', '*');
  if (!a.ok) return a;
  if (input.policyInputList.length === 0) {
    return failWith('VALIDATION_ERROR', "1 validation error detected: Value null at 'policyInputList' failed to satisfy constraint: Member must not be null", 'PolicyInputList');
  }
  const docs = inputDocuments(input.policyInputList);
  return docs.ok ? ok(conditionKeysOf(docs.value)) : docs;
}

/**
 * `GetContextKeysForPrincipalPolicy` (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetContextKeysForPrincipalPolicy.html):
 * the condition keys of every policy of a user (its groups' included), group or role, managed and inline, of its
 * permissions boundary (which its simulation evaluates), and of the `PolicyInputList` given besides; authorized as SimulatePrincipalPolicy is, on the entity with its tags.
 */
export async function getContextKeysForPrincipalPolicy(deps: AppDeps, c: Caller, input: { readonly policySourceArn: string; readonly policyInputList?: readonly string[] }): R<string[]> {
  const src = await authorizedSource(deps, c, 'GetContextKeysForPrincipalPolicy', input.policySourceArn);
  if (!src.ok) return src;
  const given = inputDocuments(input.policyInputList ?? []);
  if (!given.ok) return given;
  return deps.store.read(async (tx) => {
    const found = await sourceEntity(tx, c, src.value, input.policySourceArn);
    if (!found.ok) return found;
    const sources = new Sources();
    const { account, type } = src.value;
    await addEntityPolicies(tx, sources, { type, account, name: found.value.name }, []);
    if (type === 'user') for (const g of await tx.groups.listForUser(account, found.value.name)) await addEntityPolicies(tx, sources, { type: 'group', account, name: g.name }, []);
    // Its permissions boundary too, which the simulation of the entity evaluates (review qa, 1: its keys were reported
    // missing by SimulatePrincipalPolicy and named by no GetContextKeysForPrincipalPolicy).
    if (type !== 'group') await addBoundary(tx, sources, (found.value as UserRecord | RoleRecord).permissionsBoundary);
    return ok(conditionKeysOf([...sources.all().map((s) => s.doc), ...given.value]));
  });
}

// ---------------------------------------------------------------------------------------------------
// Account authorization details

export const DETAIL_FILTERS = ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'] as const;
export type DetailFilter = (typeof DETAIL_FILTERS)[number];

export interface AttachedPolicyRef {
  readonly name: string;
  readonly arn: string;
}

export interface UserDetail {
  readonly user: UserRecord;
  readonly inlinePolicies: readonly InlinePolicyRecord[];
  readonly groups: readonly string[];
  readonly attached: readonly AttachedPolicyRef[];
}
export interface GroupDetail {
  readonly group: GroupRecord;
  readonly inlinePolicies: readonly InlinePolicyRecord[];
  readonly attached: readonly AttachedPolicyRef[];
}
export interface RoleDetail {
  readonly role: RoleRecord;
  /** When the role was last assumed (`RoleLastUsed`); null when never since Gatehouse records it. */
  readonly lastUsed: RoleLastUsed | null;
  readonly inlinePolicies: readonly InlinePolicyRecord[];
  readonly attached: readonly AttachedPolicyRef[];
}
export interface ManagedPolicyDetail {
  readonly policy: PolicyRecord;
  /** Attachments within the caller's account. */
  readonly attachmentCount: number;
  readonly permissionsBoundaryUsageCount: number;
  readonly versions: readonly PolicyVersionRecord[];
}
export interface AuthorizationDetails {
  readonly users: readonly UserDetail[];
  readonly groups: readonly GroupDetail[];
  readonly roles: readonly RoleDetail[];
  readonly policies: readonly ManagedPolicyDetail[];
}

/**
 * `GetAccountAuthorizationDetails`: the caller's account, whole. Built-in (AWS-managed) policies are
 * listed only when something in the account attaches them or uses them as a boundary, as IAM does.
 */
export async function getAccountAuthorizationDetails(
  deps: AppDeps,
  c: Caller,
  input: { filter?: readonly string[] },
  /** The stored last use of a role, or this instance's newer note of it (src/app/key-use.ts `latestRole`). */
  latestRole: (roleId: string, stored: RoleLastUsed | null) => RoleLastUsed | null = (_id, stored) => stored,
): R<AuthorizationDetails> {
  const a = authorizeAdmin(c, deps.now(), 'GetAccountAuthorizationDetails', '*');
  if (!a.ok) return a;
  for (const f of input.filter ?? []) {
    if (!(DETAIL_FILTERS as readonly string[]).includes(f)) {
      return failWith('VALIDATION_ERROR', `1 validation error detected: Value '[${shortName(f)}]' at 'filter' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [${DETAIL_FILTERS.join(', ')}]]`, 'Filter');
    }
  }
  const want = (f: DetailFilter): boolean => !input.filter || input.filter.length === 0 || input.filter.includes(f);
  const account = c.account;
  return deps.store.read(async (tx) => {
    const names = new Map<string, AttachedPolicyRef>();
    const attachedOf = async (ref: PrincipalRef): Promise<AttachedPolicyRef[]> => {
      const out: AttachedPolicyRef[] = [];
      for (const arn of await tx.attachments.listForPrincipal(ref)) {
        let n = names.get(arn);
        if (!n) {
          const p = await tx.policies.getByArn(arn);
          n = { name: p?.name ?? arn.slice(arn.lastIndexOf('/') + 1), arn };
          names.set(arn, n);
        }
        out.push(n);
      }
      return out;
    };
    const allUsers = await tx.users.list(account);
    const allRoles = await tx.roles.list(account);
    const users: UserDetail[] = [];
    if (want('User')) {
      for (const u of allUsers) {
        const ref: PrincipalRef = { type: 'user', account, name: u.name };
        users.push({ user: u, inlinePolicies: await tx.inlinePolicies.list(ref), groups: (await tx.groups.listForUser(account, u.name)).map((g) => g.name), attached: await attachedOf(ref) });
      }
    }
    const groups: GroupDetail[] = [];
    if (want('Group')) {
      for (const g of await tx.groups.list(account)) {
        const ref: PrincipalRef = { type: 'group', account, name: g.name };
        groups.push({ group: g, inlinePolicies: await tx.inlinePolicies.list(ref), attached: await attachedOf(ref) });
      }
    }
    const roles: RoleDetail[] = [];
    if (want('Role')) {
      const used = await tx.roles.listLastUsed(account);
      for (const r of allRoles) {
        const ref: PrincipalRef = { type: 'role', account, name: r.name };
        roles.push({ role: r, lastUsed: latestRole(r.id, used.get(r.id) ?? null), inlinePolicies: await tx.inlinePolicies.list(ref), attached: await attachedOf(ref) });
      }
    }
    const boundaryUse = new Map<string, number>();
    for (const e of [...allUsers, ...allRoles]) if (e.permissionsBoundary) boundaryUse.set(e.permissionsBoundary, (boundaryUse.get(e.permissionsBoundary) ?? 0) + 1);
    const policies: ManagedPolicyDetail[] = [];
    const candidates = [...(want('AWSManagedPolicy') ? await tx.policies.list('aws') : []), ...(want('LocalManagedPolicy') ? await tx.policies.list(account) : [])];
    for (const p of candidates) {
      const attachmentCount = (await tx.attachments.listForPolicy(p.arn)).filter((x) => x.principal.account === account).length;
      const permissionsBoundaryUsageCount = boundaryUse.get(p.arn) ?? 0;
      if (p.account === 'aws' && attachmentCount === 0 && permissionsBoundaryUsageCount === 0) continue;
      policies.push({ policy: p, attachmentCount, permissionsBoundaryUsageCount, versions: await tx.policies.listVersions(p.arn) });
    }
    return ok({ users, groups, roles, policies });
  });
}
