/**
 * STS: issuing temporary credentials and authenticating requests made with them (reference §A.1.9,
 * credential-protocols §5). Sessions are self-contained tokens (adapters/crypto/session-token.ts): checking
 * one needs the key ring and the revocation list held in memory (live.ts), never a database read per request.
 */
import { failWith, ok, type Result } from '../core/errors.ts';
import { compilePolicy, contextOf, evaluate, isoSeconds, parsePolicy, type CompiledPolicy, type Decision, type PolicySet, type Principal } from '../core/iam/index.ts';
import { uniqueId } from '../core/directory/rules.ts';
import { storedBuiltinArn } from '../core/directory/catalogue.ts';
import {
  checkAssumeRoleParams,
  checkFederationTokenParams,
  claimsBytes,
  claimsTooLargeMessage,
  federatedUserArn,
  FEDERATION_TOKEN_DURATION,
  DURATION,
  durationProblem,
  MAX_CLAIMS_BYTES,
  mfaRefusalMessage,
  mergeTags,
  packedPolicyPercent,
  parseRoleArn,
  roleArnLengthProblem,
  roleArnOf,
  sessionArn,
  sessionPrincipal,
  SESSION_TOKEN_DURATION,
  TAG_SET_REFUSALS,
  type AssumeRoleParams,
  type FederationTokenParams,
  type Partition,
  type SessionClaims,
} from '../core/sts/session.ts';
import { accessKeyIdProblem, accountOfTemporaryKeyId, isTemporaryKeyId, temporaryKeyId } from '../core/sts/key-id.ts';
import { withEncodedMessage } from './authz-message.ts';
import { awsResourceTags, tagKeySpellings, visiblePolicy, withPolicyTagKeySpellings } from './directory.ts';
import type { AppDeps } from './deps.ts';
import { ownerTableDenies } from './jobs.ts';
import { serviceTrustContext } from '../core/jobs/jobs.ts';
import { roleKey, signInRevocationId, userKey, type LiveState, type RoleEntry, type UserEntry } from './live.ts';
import { aboutRole, accessDeniedMessage, actorOf, authorizeAdmin, cachedTrust, decideOnRole, explanationOf, partitionOf, PolicyCache, principalTags, requestFactKeys, requestIdFrom, rolePolicySet, signingKeyOf, tagKeyLiterals, trustedServiceName, userPolicySet, type Caller, type RequestFacts, type RoleName } from './principals.ts';
import { isStoreOutcomeUnknown, isStoreUnavailable, type GroupRecord, type PolicyRecord, type ReadTx, type RoleRecord, type SealedSecret, type Store, type UserRecord } from './ports/store.ts';
import { isScoped, type SessionScopes, type UnsealedClaims } from './session-scopes.ts';
import type { AuditEvent } from '../core/audit/index.ts';

/** How `assumeDecision` asks (src/app/escalation.ts): the trust check, a planned trust policy, tags the role would carry. */
export interface AssumeDecisionOptions {
  readonly planned?: CompiledPolicy;
  readonly action?: 'sts:AssumeRole' | 'sts:TagSession' | 'sts:SetSourceIdentity';
  readonly tags?: readonly { readonly key: string; readonly value: string }[];
}

/**
 * An inline session policy (`Policy` of AssumeRole, GetFederationToken, AssumeRoleWithWebIdentity and Alibaba's
 * AssumeRole and AssumeRoleWithOIDC) checked as a write checks a document (`written`, as the IAM API, `/v1`, apply,
 * `policy validate` and SimulateCustomPolicy do): STS refuses a malformed session policy with MalformedPolicyDocument
 * (Alibaba: InvalidParameter.PolicyGrammar). It was read with the lenient grammar of stored documents, so a
 * `ForAllValues:Null`, a variable before an ARN's resource part or one reading a multivalued key, which every write
 * refuses, was taken and decided as no document says (review pk, 1). Undefined when there is none or it is well formed.
 */
export function sessionPolicyRefusal(policy: string | undefined): Result<never> | undefined {
  if (policy === undefined) return undefined;
  const doc = parsePolicy(policy, { kind: 'identity', maxChars: 2048, written: true });
  if (doc.ok) return undefined;
  const e = doc.errors[0];
  return { ok: false, errors: [{ code: e?.code ?? 'POLICY_JSON_SYNTAX', message: `session policy: ${e?.message ?? 'invalid'}`, path: `Policy${e?.path ? `.${e.path}` : ''}` }] };
}

export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** Epoch ms. */
  readonly expiration: number;
}

export interface AssumeRoleResult {
  readonly credentials: IssuedCredentials;
  readonly assumedRoleId: string;
  readonly arn: string;
  readonly packedPolicySize: number;
  readonly sourceIdentity: string | undefined;
  readonly claims: SessionClaims;
}

/** Who a session is issued to, for the audit log; `via` names the API (`AssumeRole`, `job`, …). */
export interface IssuedBy {
  readonly via?: string;
  readonly principal?: string;
  readonly sourceIp?: string;
  /** The id the request was answered with (`RequestFacts.requestId`): the session's record carries it. */
  readonly requestId?: string;
  /** The account of the principal that asked, when it is another than the role's: the record goes to both (`inBoth`). */
  readonly account?: string;
  /** The region the session was asked in (the SigV4 scope's); absent, `ISSUE_REGION` (the role's `RoleLastUsed`). */
  readonly region?: string;
  /** The role whose session asked (role chaining): the record names it beside the role assumed (`aboutRole`). */
  readonly actingRole?: string;
  /**
   * The access key id of the credentials that signed the request for a console sign-in: a user's long-term key, or the
   * temporary key of the session it copies (whose own record names it as `accessKeyId`). Recorded as `openedWith`, as
   * CloudTrail records the signing key of every call (`userIdentity.accessKeyId`): a user's two keys, or a role's
   * sessions of one name, told apart (review lv, 2).
   */
  readonly openedWith?: string;
  /**
   * The access key that signed the request asking for the session (the caller's `accessKeyId`): the record's own
   * `accessKeyId`, as every record of what a caller did names it (`actorOf`, review mi, 2). Absent for a session no
   * signed request asked for (a job's, a pod's, AssumeRoleWithWebIdentity).
   */
  readonly signedWith?: string;
}

/**
 * The region a session asked without one is counted in, for its role's `RoleLastUsed.Region`: a job's, pod's or node's
 * session and AssumeRoleWithWebIdentity (unsigned) name none. One endpoint serves every region; this is the region the
 * job credential environment gives its processes (`AWS_REGION`).
 */
const ISSUE_REGION = 'us-east-1';

/**
 * A session issued or refused across accounts (a principal of one assuming a role of another) is recorded in both: the
 * role's owner must see who tried its role, and the caller's account what its principals obtained elsewhere, as
 * CloudTrail delivers a cross-account AssumeRole to both accounts (review V, V5). Each account's readers see its own
 * records only (`audit query` outside the root account), so one record in one of them left the other blind. Both
 * copies say so (`detail.crossAccount`), so that a reader of every account counts the event once.
 */
function inBoth(e: AuditEvent, callerAccount: string | undefined, roleAccount: string | undefined): AuditEvent[] {
  if (callerAccount === undefined || roleAccount === undefined || callerAccount === roleAccount || callerAccount === '' || roleAccount === '') return [e];
  const detail = { ...e.detail, crossAccount: { callerAccount, roleAccount } };
  return [
    { ...e, detail },
    { ...e, account: e.account === callerAccount ? roleAccount : callerAccount, detail },
  ];
}

export type { RequestFacts };

/**
 * Refusals of AssumeRole recorded wherever they arise: a policy's (or the gate's, or an outage's), the account's bound
 * on scoped sessions, the packed size of session policies and tags. An attempt to override a transitive tag is recorded
 * too (`trusted`): its code, InvalidParameterValue, also refuses malformed tag sets, which are not.
 */
const RECORDED_REFUSALS: ReadonlySet<string> = new Set(['ACCESS_DENIED', 'SERVICE_UNAVAILABLE', 'LIMIT_EXCEEDED', 'PACKED_POLICY_TOO_LARGE']);

const tagsRecord = (tags: readonly { key: string; value: string }[]): Record<string, string> => Object.fromEntries(tags.map((t) => [t.key, t.value]));

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/**
 * Randomness drawn from `source` 4 KiB at a time: a CSPRNG call costs about as much as issuing a session,
 * whatever its size. Every byte is handed out once (and wiped from the pool).
 */
function pooled(source: (n: number) => Uint8Array, size = 4096): (n: number) => Uint8Array {
  let pool: Uint8Array = new Uint8Array(0);
  let used = 0;
  return (n) => {
    if (n > size) return source(n);
    if (used + n > pool.length) {
      pool = source(size);
      used = 0;
    }
    // A copy (a Buffer's `slice` would be a view, and the wipe below would zero it).
    const out = new Uint8Array(pool.subarray(used, used + n));
    pool.fill(0, used, used + n);
    used += n;
    return out;
  };
}

/**
 * Whether a session is one a service issued for a job or node (`assumeRoleAsService`) of an `aws` account: it belongs
 * to a job and was not assumed from other temporary credentials. A session assumed from it carries the job as well, but
 * is `chained`. AWS's exception for instance roles only: RAM documents none, so an `acs` job's session stays capped.
 */
function instanceSession(c: SessionClaims): boolean {
  return c.part === 'aws' && c.job !== undefined && c.chained !== true && c.role !== undefined;
}

/** `context` without resource-tag keys, which name the directory's tags and are never the request's to give. */
function withoutResourceTags(context: Record<string, string | string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(context)) if (!/^(?:aws|iam):resourcetag\//i.test(k)) out[k] = v;
  return out;
}

/**
 * Session policy ARNs as the store keeps them: RAM's system-policy ARN of a built-in (`acs:ram::system:policy/
 * ReadOnlyAccess`) names it, as it does wherever IAM takes a managed policy ARN (review fn, 4); AssumeRole's PolicyArns
 * refused it as a policy that does not exist (review ln, 3). The session holds, and is decided with, the stored ARN.
 * AssumeRoleWithWebIdentity maps them with this too (src/app/oidc.ts; review pw, 2: it refused them, so the same
 * PolicyArns for the same role were a read-only session through AssumeRole and ValidationError through it).
 */
export function withStoredPolicyArns<T extends { readonly policyArns: readonly string[] }>(p: T): T {
  return p.policyArns.some((a) => storedBuiltinArn(a) !== a) ? { ...p, policyArns: p.policyArns.map(storedBuiltinArn) } : p;
}

/**
 * `scopes`: the registry every scoped role session is recorded in before it is issued (src/app/session-scopes.ts);
 * without it (tests of STS alone) nothing is recorded.
 */
/**
 * `roleUsed`: told of every session of a role issued, with the role's unique id and the region asked (the app's
 * last-use notes, src/app/key-use.ts, for GetRole's `RoleLastUsed`); absent (tests of STS alone), nothing is noted.
 */
/** The console's idle limit (web/console.js IDLE_MS), which the server enforces too (review me, 1). */
export const CONSOLE_IDLE_MS = 30 * 60 * 1000;
/** Store keys of console sign-ins' last uses (`console-use/<session id>` → ms since the epoch), written as notes. */
const CONSOLE_USE_PREFIX = 'console-use/';
/** The notes the hourly sweep reads at once (and deletes, of those that ended, in one write). */
const SWEEP_PAGE = 1000;
/**
 * The console sign-ins one instance holds the last use of in memory at most (review pc, 3): opening one asks no
 * permission, so a caller opening them in a loop grew the map by one entry a request until the hourly sweep.
 */
export const MAX_CONSOLE_USES_HELD = 100_000;

/**
 * `longTermKey`: a long-term access key's secret and caller, as a request signed with it authenticates (the app's
 * `authenticate`): a console sign-in opened with that key acts as it, while it is usable. Absent (tests of STS alone),
 * such a sign-in is refused.
 */
/**
 * `consoleIdleMs`: a console sign-in with no request for as long is refused and ended (default `CONSOLE_IDLE_MS`);
 * `notes`: the store its last uses are written to as bookkeeping, no change (the app's raw store; default `deps.store`).
 */
/**
 * How long a refresh that found a managed session policy missing answers for it (`lookForPolicies`): as long as the
 * looks for a made-up access key id wait (src/app/live.ts `MISS_READ_GAP_MS`), without making anyone wait.
 */
const MISSING_POLICY_RECHECK_MS = 100;
/** Managed session policy ARNs remembered as missing at most (authenticated sessions name them; cleared when full). */
const MAX_POLICIES_MISSING = 10_000;

export function createSts(deps: AppDeps, live: LiveState, cache: PolicyCache, scopes?: SessionScopes, roleUsed?: (roleId: string, region: string) => void, longTermKey?: (accessKeyId: string) => Promise<Result<{ secret: string; caller: Caller }>>, consoleIdleMs: number = CONSOLE_IDLE_MS, notes: Store = deps.store, maxConsoleUses: number = MAX_CONSOLE_USES_HELD) {
  const now = (): number => deps.now();
  /** Refusals of an AssumeRole that the role's trust policy had allowed: recorded whatever their code (`recordRefusal`). */
  const pastTrust = new WeakSet<object>();
  const trusted = <T>(r: Result<T>): Result<T> => {
    if (!r.ok && r.errors[0] !== undefined) pastTrust.add(r.errors[0]);
    return r;
  };
  const randomBytes = pooled((n) => deps.randomBytes(n));

  /**
   * A compiled principal from the live state, which holds every one once loaded (no database read). One it does
   * not hold may have been created a moment ago through another instance: the change log is read up to now once
   * before it counts as missing (a store outage then surfaces as one, 503). Likewise one it holds under another unique
   * id than `id`: the principal may have been deleted and created again under the name through another instance; taken
   * as it was, a valid session of the new one was refused there as one of a deleted principal (review hf, 1).
   */
  async function loadedEntry(key: string, id?: string): Promise<RoleEntry | UserEntry | undefined> {
    const hit = live.principals.get(key);
    if (hit && (id === undefined || entryId(hit) === id)) return hit;
    await live.refresh();
    return live.principals.get(key);
  }

  const entryId = (e: RoleEntry | UserEntry): string => ('role' in e ? e.role.id : e.user.id);

  /**
   * A role with its compiled policies: from the live state once it is loaded (`tx` unused, and may be absent);
   * before that (an app not started), read from the store.
   */
  async function cachedRole(tx: ReadTx | undefined, account: string, name: string, id?: string): Promise<RoleEntry | undefined> {
    if (live.loaded) return (await loadedEntry(roleKey(account, name), id)) as RoleEntry | undefined;
    if (tx === undefined) return deps.store.read((t) => cachedRole(t, account, name, id));
    const partition = await partitionOf(tx, account);
    const role = partition && (await tx.roles.get(account, name));
    if (!partition || !role) return undefined;
    return { policies: await rolePolicySet(tx, cache, role), tags: principalTags(role.tags), role, partition };
  }

  /**
   * The user who submitted a default-role job (`SessionClaims.owner`), or whose GetSessionToken session it is
   * (`SessionClaims.user`; review ei, 1: one renamed was refused as an invalid token), by the unique id it had then: by
   * its name first, else, renamed since (`UpdateUser NewUserName`: the same user, as AWS keeps its unique id), by that
   * id. Undefined when no user of the account has that id (deleted, or only another user now holds the name).
   */
  async function ownerEntry(tx: ReadTx | undefined, account: string, owner: { readonly name: string; readonly id: string }): Promise<UserEntry | undefined> {
    if (live.loaded) {
      // Held under its name, or renamed since and held under the new one: no database read, so a session of a user
      // renamed since it was issued verifies during a database outage as any other (review ns, 2). Else, as below.
      const held = live.principals.get(userKey(account, owner.name));
      if (held !== undefined && 'user' in held && held.user.id === owner.id) return held;
      const renamed = live.userById(owner.id);
      if (renamed !== undefined && renamed.user.account === account) return renamed;
    }
    const byName = await cachedUser(tx, account, owner.name, owner.id);
    if (byName?.user.id === owner.id) return byName;
    const renamed = tx ? await tx.users.getById(owner.id) : await deps.store.read((t) => t.users.getById(owner.id));
    return renamed && renamed.account === account ? cachedUser(tx, account, renamed.name, owner.id) : undefined;
  }

  /** Whether account `id` exists: from the live state once loaded (no database read), else through `tx`. */
  async function accountExists(tx: ReadTx | undefined, id: string): Promise<boolean> {
    if (live.loaded) return live.account(id) !== undefined;
    return (await (tx !== undefined ? tx.accounts.get(id) : deps.store.read((t) => t.accounts.get(id)))) !== undefined;
  }

  /**
   * The partition of account `id` (undefined when there is none): from the live state once loaded, else from the store.
   * A role's parameters follow its account's dialect whichever dialect's ARN names the role (review en, 2).
   */
  async function accountPartition(id: string): Promise<Partition | undefined> {
    if (live.loaded) return live.account(id)?.partition;
    return deps.store.read((t) => partitionOf(t, id));
  }

  async function cachedUser(tx: ReadTx | undefined, account: string, name: string, id?: string): Promise<UserEntry | undefined> {
    if (live.loaded) return (await loadedEntry(userKey(account, name), id)) as UserEntry | undefined;
    if (tx === undefined) return deps.store.read((t) => cachedUser(t, account, name, id));
    const partition = await partitionOf(tx, account);
    const user = partition && (await tx.users.get(account, name));
    if (!partition || !user) return undefined;
    return { policies: await userPolicySet(tx, cache, user), tags: principalTags(user.tags), user, partition };
  }

  /**
   * `cachedPolicy` for an ARN in any case (or a built-in's other-system spelling), as the Query API resolves one
   * (`visiblePolicy`; review rc, 2): the managed policy of `account` or the built-in that `arn` names.
   */
  async function cachedVisiblePolicy(account: string, arn: string): Promise<PolicyRecord | undefined> {
    if (!live.loaded) return deps.store.read((tx) => visiblePolicy(tx, account, arn));
    return visiblePolicy(live.held, account, arn);
  }

  /** A group as stored (its name's case, its path), found by name without regard to case: from the live state once loaded. */
  async function cachedGroup(account: string, name: string): Promise<GroupRecord | undefined> {
    if (live.loaded) return live.held.groups.get(account, name);
    return deps.store.read((tx) => tx.groups.get(account, name));
  }

  /**
   * A managed policy by its exact ARN (its account and tags), as a question about it is decided: from the live state
   * once loaded, which holds every one (a database outage leaves the decision standing: review ns, 1); one it does not
   * hold is looked for once more after reading the change log up to now (`loadedEntry`). Before that, from the store.
   */
  async function cachedPolicy(arn: string): Promise<PolicyRecord | undefined> {
    if (!live.loaded) return deps.store.read((tx) => tx.policies.getByArn(arn));
    const hit = live.policyRecord(arn);
    if (hit !== undefined) return hit;
    await live.refresh();
    return live.policyRecord(arn);
  }

  /**
   * Runs `fn` over the directory as decisions read it: without a transaction once the live state is loaded (a
   * decision touches no database), else in a read transaction.
   */
  function readPrincipals<T>(fn: (tx: ReadTx | undefined) => Promise<T>): Promise<T> {
    return live.loaded ? fn(undefined) : deps.store.read(fn);
  }

  /** A session policy that allows nothing, named as the session's policy it stands for. */
  const allowsNothing = (name: string): CompiledPolicy => compilePolicy({ version: '2012-10-17', dialect: 'aws', id: undefined, statements: [] }, name);

  /** The inline session policy of a session; one that no longer parses allows nothing (never everything). */
  function inlineSessionPolicy(pol: string): CompiledPolicy {
    return cache.get('session-policy', pol) ?? allowsNothing('session-policy');
  }

  /** Managed session policies a refresh made for them found missing (by ARN: when), bounded as the resolved principals. */
  const policiesMissing = new Map<string, number>();

  /**
   * Reads the change log up to now for managed session policies `arns` not held (`sessionPolicies`), unless a refresh
   * made for each of them found it missing less than `MISSING_POLICY_RECHECK_MS` ago; while the store cannot be read,
   * a policy such a refresh found missing counts as gone (the compiled state as last read), others fail (503). A
   * session naming a deleted policy read the change log on every request (a decision touching the database), and
   * could not be verified at all while PostgreSQL was out, though its role and the rest were held (issue 7: session
   * verification keeps working; review oi, 4). One created a moment ago elsewhere is still looked for first (cn, 3).
   */
  async function lookForPolicies(arns: readonly string[]): Promise<void> {
    const t = now();
    if (arns.every((a) => t - (policiesMissing.get(a) ?? -Infinity) < MISSING_POLICY_RECHECK_MS)) return;
    try {
      await live.refresh();
    } catch (e) {
      if (isStoreUnavailable(e) && arns.every((a) => policiesMissing.has(a))) return;
      throw e;
    }
    for (const a of arns) {
      if (live.managedPolicy(a) !== undefined) policiesMissing.delete(a);
      else {
        if (policiesMissing.size >= MAX_POLICIES_MISSING) policiesMissing.clear();
        policiesMissing.set(a, t);
      }
    }
  }

  /**
   * Compiled session policies (inline text + managed ARNs), or undefined when none were passed. A managed policy
   * that no longer exists, or whose document no longer compiles, allows nothing (review O, finding 1): a session
   * policy only narrows, and dropping it would widen the session to its role's whole rights — a session allowed
   * `iam:DeletePolicy` on its own session policy could otherwise lift its own limit.
   */
  async function sessionPolicies(tx: ReadTx | undefined, c: SessionClaims): Promise<CompiledPolicy[] | undefined> {
    if (c.pol === undefined && (c.polArns === undefined || c.polArns.length === 0)) return undefined;
    const out: CompiledPolicy[] = c.pol !== undefined ? [inlineSessionPolicy(c.pol)] : [];
    // A policy not held may have been created through another instance a moment ago (the session was issued there
    // since): the change log is read once before it counts as gone, as for a principal (`loadedEntry`). Taken for gone
    // at once, it narrowed the session to nothing here until the next refresh (review instances, cn3).
    if (tx === undefined && c.polArns?.some((arn) => live.managedPolicy(arn) === undefined)) await lookForPolicies(c.polArns.filter((arn) => live.managedPolicy(arn) === undefined));
    for (const arn of c.polArns ?? []) {
      if (tx === undefined) {
        out.push(live.managedPolicy(arn) ?? allowsNothing(arn));
        continue;
      }
      const v = await tx.policies.getDefaultVersion(arn);
      out.push((v && cache.get(arn, v.document)) || allowsNothing(arn));
    }
    return out;
  }

  function sessionCaller(own: RoleEntry | UserEntry | undefined, c: SessionClaims, accessKeyId: string, session: CompiledPolicy[] | undefined, owner?: RoleEntry | UserEntry): Result<{ secret: string; caller: Caller }> {
    // The role (or user) was deleted, or re-created under the same name: the session is no longer valid.
    const ownId = own && ('role' in own ? own.role.id : own.user.id);
    if (!own || ownId !== (c.role?.id ?? c.user?.id ?? c.fu?.id)) return failWith('INVALID_CLIENT_TOKEN_ID', 'The security token included in the request is invalid.');
    if ('user' in own && own.user.disabled) return failWith('EXPIRED_TOKEN', 'The security token included in the request is expired');
    // A default-role job's session: its submitter deleted (or another user under the name) or disabled ends it, as the
    // job ends; else the submitter's current Denies that may concern tables, bound to the submitter's facts, bind it
    // (src/app/jobs.ts ownerTableDenies; review X, X2).
    // Deny-only policies added to the session policies take nothing away from what they allow but what they deny.
    if (c.owner !== undefined && (!owner || !('user' in owner) || owner.user.id !== c.owner.id || owner.user.disabled)) return failWith('EXPIRED_TOKEN', 'The security token included in the request is expired');
    const cut = owner && 'user' in owner && session ? ownerTableDenies(owner) : [];
    if (cut.length > 0) session = [...(session as CompiledPolicy[]), ...cut];
    const policies: PolicySet = { ...own.policies, ...(session ? { session } : {}) };
    // A user's session acts as the user as it is now: renamed since (same id), under its current name and path.
    // A federated user's IAM user likewise, as a resource policy names it (policy review fs, 1).
    const current = 'user' in own ? { name: own.user.name, path: own.user.path, id: own.user.id } : undefined;
    const principal = sessionPrincipal(current && c.user !== undefined ? { ...c, user: current } : current && c.fu !== undefined ? { ...c, fu: current } : c, own.tags);
    // A federated user is not its IAM user: nothing that serves a user (its own keys, jobs, access entries) serves it.
    const caller: Caller = { principal, partition: c.part, account: c.acct, user: 'user' in own && c.fu === undefined ? own.user : undefined, policies, accessKeyId, session: c, ...(c.con !== undefined ? { console: c } : {}) };
    return ok({ secret: c.sk, caller });
  }

  /**
   * Authenticates temporary credentials: opens the token (bound to the access key id), refuses it when
   * expired or revoked, and builds the caller. The directory is read only on a cache miss, or when the
   * session carries managed session policies.
   */
  function authenticateSession(accessKeyId: string, token: string, ringReread = false): Promise<Result<{ secret: string; caller: Caller }>> {
    const opened = deps.sessions.open(live.keys, token, accessKeyId);
    if (!opened.ok) {
      // Sealed with a key another instance has just rotated in, before this one heard of it: read the ring once.
      if (opened.reason === 'unknown-key' && !ringReread) return live.reloadKeys().then(() => authenticateSession(accessKeyId, token, true));
      return Promise.resolve(failWith('INVALID_CLIENT_TOKEN_ID', 'The security token included in the request is invalid.'));
    }
    const c = opened.claims;
    if (c.con !== undefined) {
      const idle = consoleIdle(c);
      if (idle !== false) {
        return idle.then((refused) =>
          refused === 'unread'
            ? failWith('SERVICE_UNAVAILABLE', "the console sign-in's last use could not be read (the database cannot be reached now), so it was neither taken nor ended: retry later")
            : refused
              ? expiredToken()
              : authenticateOpened(c, accessKeyId),
        );
      }
    }
    return authenticateOpened(c, accessKeyId);
  }

  const expiredToken = (): Result<{ secret: string; caller: Caller }> => failWith('EXPIRED_TOKEN', 'The security token included in the request is expired');

  function authenticateOpened(c: SessionClaims, accessKeyId: string): Promise<Result<{ secret: string; caller: Caller }>> {
    if (c.con !== undefined && 'ak' in c.con) return consoleOfKey(c, c.con.ak, accessKeyId);
    if (c.exp <= now() || live.isRevoked(c)) return Promise.resolve(failWith('EXPIRED_TOKEN', 'The security token included in the request is expired'));
    // The hot path, synchronous: the principal is cached and no managed session policy needs reading.
    const asUser = c.user ?? c.fu;
    const hit = live.principals.get(c.role ? roleKey(c.acct, c.role.name) : userKey(c.acct, asUser?.name ?? c.name));
    const ownerHit = c.owner && live.principals.get(userKey(c.acct, c.owner.name));
    // A user's session's user and the owner, found by name with their ids (else renamed or gone: `ownerEntry` decides).
    const userHit = asUser === undefined || (hit !== undefined && 'user' in hit && hit.user.id === asUser.id);
    // A role held under another id than the session's (deleted and created again): `cachedRole` reads the change log first.
    const roleHit = c.role === undefined || (hit !== undefined && 'role' in hit && hit.role.id === c.role.id);
    if (hit && userHit && roleHit && !c.polArns?.length && (c.owner === undefined || (ownerHit && 'user' in ownerHit && ownerHit.user.id === c.owner.id))) return Promise.resolve(sessionCaller(hit, c, accessKeyId, c.pol !== undefined ? [inlineSessionPolicy(c.pol)] : undefined, ownerHit));
    return readPrincipals(async (tx) => {
      const asUser = c.user ?? c.fu;
      const own = c.role ? await cachedRole(tx, c.acct, c.role.name, c.role.id) : asUser ? await ownerEntry(tx, c.acct, asUser) : undefined;
      const owner = c.owner ? await ownerEntry(tx, c.acct, c.owner) : undefined;
      return sessionCaller(own, c, accessKeyId, await sessionPolicies(tx, c), owner);
    });
  }

  /**
   * A console sign-in opened with a long-term key (`c.con.ak`): the caller of that key, as long as the key is usable
   * (active, its user enabled: else refused as the key itself is, InvalidClientTokenId) and the sign-in is unexpired and
   * not ended (signed out, its user's sessions revoked: ExpiredToken). It acts as the key does, with the key's id for
   * the audit log, and no `session`: the console does what the key it was opened with does, no more, no less.
   */
  async function consoleOfKey(c: SessionClaims, parentKeyId: string, accessKeyId: string): Promise<Result<{ secret: string; caller: Caller }>> {
    const invalid = failWith<{ secret: string; caller: Caller }>('INVALID_CLIENT_TOKEN_ID', 'The security token included in the request is invalid.');
    const parent = longTermKey === undefined ? invalid : await longTermKey(parentKeyId);
    if (!parent.ok || parent.value.caller.user?.id !== c.user?.id || accessKeyId !== c.ak) return invalid;
    if (c.exp <= now() || live.isRevoked(c)) return failWith('EXPIRED_TOKEN', 'The security token included in the request is expired');
    return ok({ secret: c.sk, caller: { ...parent.value.caller, console: c } });
  }

  /** How long a console sign-in lasts at most (the console's own limit, web/console.js MAX_SESSION_MS). */
  const CONSOLE_SESSION_MS = 8 * 3600 * 1000;

  /**
   * The last use of each console sign-in this instance has seen (its session id → when; `noted`: when last written to
   * the store). The console forgets its sign-in after 30 minutes idle in the tab (web/console.js IDLE_MS), and the
   * server refuses it likewise (review me, 1), so that a copy of its keys left on disk or in a browser profile does not
   * administer for the rest of its 8 hours. Every instance writes a sign-in's last use it saw (a note, no change: no
   * instance reloads for it) at most every `useNoteMs`, and one that finds a sign-in idle by its own count reads that
   * note before refusing: a console whose calls went to another instance, or came before a restart, is not refused.
   */
  const consoleUse = new Map<string, { used: number; noted: number }>();
  const useNoteMs = Math.min(60_000, consoleIdleMs / 4);
  let consoleUseSwept = now();

  /** Notes a use of console sign-in `sid` at `t`, writing it to the store when the last write is older than `useNoteMs`. */
  function noteConsoleUse(sid: string, t: number): void {
    const seen = consoleUse.get(sid);
    if (seen !== undefined && t - seen.noted < useNoteMs) {
      if (t > seen.used) consoleUse.set(sid, { used: t, noted: seen.noted });
      return;
    }
    if (seen === undefined && consoleUse.size >= maxConsoleUses) makeRoomForConsoleUse(t);
    consoleUse.set(sid, { used: Math.max(t, seen?.used ?? t), noted: t });
    notes.write((tx) => tx.kv.note(`${CONSOLE_USE_PREFIX}${sid}`, String(t))).catch(() => {});
    if (t - consoleUseSwept > 3_600_000) sweepConsoleUse(t);
  }

  /**
   * Makes room in a full `consoleUse`: the idle sign-ins go, then, while more than nine tenths of it are still held, those
   * held longest (a Map iterates in the order its keys were added), so that a flood of sign-ins costs a scan per tenth
   * of the map, not per sign-in. Safe: a sign-in not held is decided from its note in the store (`consoleIdle`), whose
   * last use counts as late as it may have been (review mp, 3); every entry dropped was noted when it was added.
   */
  function makeRoomForConsoleUse(t: number): void {
    for (const [sid, u] of consoleUse) if (u.used < t - consoleIdleMs) consoleUse.delete(sid);
    const keep = Math.floor(maxConsoleUses * 0.9);
    for (const sid of consoleUse.keys()) {
      if (consoleUse.size <= keep) break;
      consoleUse.delete(sid);
    }
  }

  /** Drops the uses of sign-ins that can no longer be used (past their 8 hours), here and in the store. */
  function sweepConsoleUse(t: number): void {
    consoleUseSwept = t;
    const cutoff = t - CONSOLE_SESSION_MS - consoleIdleMs;
    for (const [sid, u] of consoleUse) if (u.used < t - consoleIdleMs) consoleUse.delete(sid);
    // Every note, a page of SWEEP_PAGE at a time, each page's ended ones deleted in a write of their own (review pc, 1):
    // the first page alone was read, so once more than a page of notes were kept, those sorting after it stayed for good.
    void (async () => {
      for (let after: string | undefined; ; ) {
        const page = await notes.read((tx) => tx.kv.list(CONSOLE_USE_PREFIX, { ...(after !== undefined ? { after } : {}), limit: SWEEP_PAGE }));
        const ended = page.filter((e) => Number(e.value) < cutoff).map((e) => e.key);
        if (ended.length > 0) {
          await notes.write(async (tx) => {
            for (const key of ended) await tx.kv.delete(key);
          });
        }
        if (page.length < SWEEP_PAGE) return;
        after = page[page.length - 1]?.key;
      }
    })().catch(() => {});
  }

  /**
   * Whether console sign-in `c` has been idle past `consoleIdleMs` (then ended on every instance, as sign-out ends it,
   * and recorded as `gatehouse:ConsoleSignOut` with `reason: idle`); `false` at once when this instance saw it in use
   * lately (the hot path), else a promise. Not seen here and noted nowhere (a note that could not be written): not
   * idle, the lenient side, since no instance knows better. The note unreadable: `'unread'`, answered 503. Asking is no use of it: the request's signature is not
   * checked yet, and only one that verifies counts (`consoleUsed`; review mp, 1).
   */
  function consoleIdle(c: SessionClaims): false | Promise<boolean | 'unread'> {
    const t = now();
    const seen = consoleUse.get(c.sid);
    if (seen !== undefined && t - seen.used <= consoleIdleMs) return false;
    if (c.exp <= t || live.isRevoked(c)) return false;
    return (async () => {
      const stored = await notes.read((tx) => tx.kv.get(`${CONSOLE_USE_PREFIX}${c.sid}`)).then(Number, () => undefined);
      // The note unread (the store not answering): this instance's memory alone would refuse a sign-in perhaps used
      // through another instance a minute ago, and end it for good (review mp, 4). Neither taken nor ended: retried.
      if (stored === undefined) return 'unread';
      const used = Math.max(seen?.used ?? -Infinity, Number.isFinite(stored) ? stored : -Infinity);
      // A note is written at most every `useNoteMs`, the uses between kept in the memory of the instance that saw them:
      // the last use it stands for may be up to that much later. Taken as the last use, a sign-in used through another
      // instance was refused up to a minute inside its limit (review mp, 3).
      const latest = Math.max(seen?.used ?? -Infinity, Number.isFinite(stored) ? stored + useNoteMs : -Infinity);
      if (used === -Infinity || t - latest <= consoleIdleMs) return false;
      consoleUse.delete(c.sid);
      const principal = sessionPrincipal(c, {}).arn;
      // The session the sign-in is of, as its ConsoleSignIn record and a Sign out's (actorOf) name it (review pc, 4): the
      // Role and Job id filters found those and never this end. No access key: no request of it was signed.
      const of = {
        ...(c.role !== undefined ? { role: roleArnOf(c.part, c.acct, c.role.path, c.role.name), session: principal } : {}),
        ...(c.job !== undefined ? { job: c.job } : {}),
        ...(c.srcId !== undefined ? { sourceIdentity: c.srcId } : {}),
      };
      await live
        .revoke('signin', signInRevocationId(c), t, (kept) => {
          deps.audit?.record({ kind: 'change', account: c.acct, principal, ...of, action: 'gatehouse:ConsoleSignOut', resource: principal, decision: 'ok', detail: { accessKeyId: c.ak, issued: new Date(c.iat).toISOString(), signedOut: new Date(kept).toISOString(), reason: 'idle', lastUsed: new Date(used).toISOString(), idleLimitSeconds: consoleIdleMs / 1000 } });
        })
        .catch(() => {});
      return true;
    })();
  }

  /**
   * A use of console sign-in `c` (a caller's `console`), told by the edge once the request's signature verified with
   * the sign-in's secret. Counted when its token merely opened, a request signed with any other secret (by whoever saw
   * the token: a presigned link carries it in its address) kept an abandoned sign-in from going idle (review mp, 1).
   */
  function consoleUsed(c: SessionClaims): void {
    noteConsoleUse(c.sid, now());
  }

  /**
   * `POST /v1/console/sign-in`: the console's own credentials for the caller, a session that `consoleSignOut` ends on
   * every instance (its id revoked), so that signing out of the console ends it on the server, not only in the tab that
   * forgets it. Opened with a long-term key, it acts as that key (`consoleOfKey`); with temporary credentials, it is a
   * copy of their session (same principal, scope and issue time) that ends when they do. At most 8 hours.
   */
  function consoleSignIn(caller: Caller): Result<IssuedCredentials> {
    const r = signIn(caller);
    recordSignInRefusal(caller, r);
    return r;
  }

  /**
   * A refused console sign-in, recorded as the other issuances' refusals are (review vf, 4): a `session` record, `Deny`,
   * on the caller's ARN, with the explanation; the closed gate's with its code, queued until the log can be written
   * (`recordUnavailable`). The gate's was recorded nowhere, and the others were the edge's `decision` on the route.
   */
  function recordSignInRefusal(caller: Caller, r: Result<unknown>): void {
    if (r.ok || !deps.audit) return;
    const e = r.errors[0];
    const refused = { ...actorOf(caller), account: caller.account, action: 'gatehouse:ConsoleSignIn', resource: caller.principal.arn };
    if (e?.code === 'SERVICE_UNAVAILABLE') return recordUnavailable({ ...refused, detail: { via: 'ConsoleSignIn' } }, r);
    if (e?.code !== 'ACCESS_DENIED') return;
    deps.audit.record({ kind: 'session', ...refused, decision: 'Deny', detail: { error: explanationOf(e.message), via: 'ConsoleSignIn' } });
  }

  function signIn(caller: Caller): Result<IssuedCredentials> {
    const closed = deps.audit?.gate('sessions are not issued');
    if (closed) return closed;
    if (caller.console !== undefined) return failWith('ACCESS_DENIED', 'these credentials are a console sign-in already: sign in to the console with an access key or the temporary credentials of a session');
    const t = now();
    const who: IssuedBy = { via: 'ConsoleSignIn', principal: caller.principal.arn, openedWith: caller.accessKeyId, signedWith: caller.accessKeyId, ...(caller.request?.sourceIp !== undefined ? { sourceIp: caller.request.sourceIp } : {}), ...requestIdFrom(caller.request) };
    const s = caller.session;
    if (s !== undefined) {
      const { v: _v, sid: _sid, ak: _ak, sk: _sk, ...rest } = s;
      const signedIn = issue({ ...rest, exp: Math.min(s.exp, t + CONSOLE_SESSION_MS), con: { sid: s.sid } }, who);
      noteConsoleUse(signedIn.claims.sid, t);
      return ok(signedIn.credentials);
    }
    const u = caller.user;
    if (u === undefined) return failWith('ACCESS_DENIED', 'a console sign-in needs the access key of a user, or temporary credentials');
    const signedIn = issue({ acct: caller.account, part: caller.partition, user: { name: u.name, path: u.path, id: u.id }, name: u.name, iat: t, exp: t + CONSOLE_SESSION_MS, con: { ak: caller.accessKeyId } }, who);
    noteConsoleUse(signedIn.claims.sid, t);
    return ok(signedIn.credentials);
  }

  /** `POST /v1/console/sign-out`: ends the console sign-in the caller signs with, on every instance; when it ended. */
  async function consoleSignOut(caller: Caller): Promise<Result<{ signedOut: number }>> {
    const c = caller.console;
    if (c === undefined) return failWith('VALIDATION_ERROR', 'sign-out ends a console sign-in (`POST /v1/console/sign-in`), and this request is signed with other credentials: nothing was ended (to end sessions, `gatehouse sts revoke-sessions`)');
    // A revocation, recorded as revocation.ts records its own: a change, by the caller, as its write commits, before the
    // reloads that follow it (review ji, 4: a process killed during them left the sign-in ended and no record of it).
    const at = await live.revoke('signin', signInRevocationId(c), now(), (kept) => {
      deps.audit?.record({ kind: 'change', account: c.acct, ...actorOf(caller), action: 'gatehouse:ConsoleSignOut', resource: caller.principal.arn, decision: 'ok', detail: { accessKeyId: c.ak, issued: new Date(c.iat).toISOString(), signedOut: new Date(kept).toISOString() } });
    });
    return ok({ signedOut: at });
  }

  /**
   * The caller a session's claims make, as `authenticateSession` builds it, for claims carried without their token
   * (the Kubernetes TokenReview's sealed `extra`, src/app/kube.ts): refused when revoked, or when its role or user
   * is gone or disabled, and when expired unless `allowExpired` (a workload's grant outlives the session that made it).
   */
  function callerOfClaims(c: SessionClaims, allowExpired = false): Promise<Result<Caller>> {
    if ((!allowExpired && c.exp <= now()) || live.isRevoked(c)) return Promise.resolve(failWith('EXPIRED_TOKEN', 'The security token included in the request is expired'));
    return readPrincipals(async (tx) => {
      const asUser = c.user ?? c.fu;
      const own = c.role ? await cachedRole(tx, c.acct, c.role.name, c.role.id) : asUser ? await ownerEntry(tx, c.acct, asUser) : undefined;
      const owner = c.owner ? await ownerEntry(tx, c.acct, c.owner) : undefined;
      const r = sessionCaller(own, c, c.ak, await sessionPolicies(tx, c), owner);
      return r.ok ? ok(r.value.caller) : r;
    });
  }

  function issue(claims: Omit<SessionClaims, 'v' | 'sid' | 'ak' | 'sk'>, who: IssuedBy = {}): { claims: SessionClaims; credentials: IssuedCredentials } {
    // Key id, secret and session id from one draw.
    const random = randomBytes(78);
    // The key id carries the account, as AWS's do (src/core/sts/key-id.ts): GetAccessKeyInfo reads it back.
    const ak = temporaryKeyId(claims.part, claims.acct, random.subarray(0, 10));
    const sk = toBase64(random.subarray(32, 62));
    const full: SessionClaims = { v: 1, sid: uniqueId('', random.subarray(62, 78), 22), ak, sk, ...claims };
    recordSession(full, who);
    return { claims: full, credentials: { accessKeyId: ak, secretAccessKey: sk, sessionToken: deps.sessions.seal(live.keys, full), expiration: full.exp } };
  }

  /**
   * `issue`, for a role session that may carry a scope (session policies, tags, source identity): the scope is
   * recorded first (`SessionScopes.register`), and a session whose record could not be written is not issued, so
   * that the authorize API, asked about a session by its ARN, knows every scope it may carry. Retryable when the
   * store is out (503); a session without scope writes nothing.
   */
  async function issueRegistered(claims: UnsealedClaims, who: IssuedBy = {}): Promise<Result<{ claims: SessionClaims; credentials: IssuedCredentials }>> {
    // A token too large to be presented is never issued (nor its scope recorded).
    const bytes = claimsBytes(claims);
    if (bytes > MAX_CLAIMS_BYTES) {
      return failWith('PACKED_POLICY_TOO_LARGE', claimsTooLargeMessage(claims, bytes));
    }
    if (scopes !== undefined && isScoped(claims)) {
      try {
        if (!(await scopes.reserve(claims.acct))) {
          return failWith('LIMIT_EXCEEDED', `account ${claims.acct} holds ${scopes.maxPerAccount} live sessions with a session policy, session tags or a source identity, the most one account may hold at once: retry when some expire, or assume the role without them`);
        }
        // `who`: the registration whose COMMIT answer was lost is recorded as of unknown outcome (review ab3's wiring).
        await scopes.register(claims, true, who);
      } catch (e) {
        // A record whose COMMIT answer was lost (StoreOutcomeUnknownError) may be stored, but the session is issued only
        // after its record is written, so none was: nothing else was made, and asking again is safe (a record of a
        // session never issued only waits for its expiry). Not 500 OutcomeUnknown, which told the caller to look before
        // asking again and stopped the CLI's retry, `gatehouse credentials` as a credential_process (review ad, ad4).
        if (!isStoreUnavailable(e) && !isStoreOutcomeUnknown(e)) throw e;
        // Answered here, not by the edge's outage path: counted here (`gatehouse_store_unavailable_total`, review ht, 3).
        deps.metrics?.storeUnavailable?.();
        return failWith('SERVICE_UNAVAILABLE', 'the session could not be recorded (the database cannot be reached), so it was not issued: retry later');
      }
    }
    return ok(issue(claims, who));
  }

  /** Every session issued is recorded: who asked, the role and session, the job, source identity and IP — never its secret or token. */
  function recordSession(c: SessionClaims, who: IssuedBy): void {
    const via = who.via ?? (c.fed ? 'AssumeRoleWithWebIdentity' : c.role ? 'AssumeRole' : 'GetSessionToken');
    deps.metrics?.sessionIssued(via);
    if (c.role !== undefined) roleUsed?.(c.role.id, who.region ?? ISSUE_REGION);
    if (!deps.audit) return;
    const roleArn = c.role ? roleArnOf(c.part, c.acct, c.role.path, c.role.name) : undefined;
    const arn = c.role ? sessionArn(c.part, c.acct, c.role.name, c.name) : undefined;
    const asUser = c.user ?? c.fu;
    const userArn = asUser ? `${c.part === 'acs' ? 'acs:ram' : 'arn:aws:iam'}::${c.acct}:user${asUser.path}${asUser.name}` : undefined;
    const event: AuditEvent = {
      kind: 'session',
      account: c.acct,
      principal: who.principal ?? c.fed?.provider ?? userArn ?? '',
      action: via === 'ConsoleSignIn' ? 'gatehouse:ConsoleSignIn' : via === 'GetSessionToken' || via === 'GetFederationToken' || via === 'AssumeRoleWithWebIdentity' || via === 'AssumeRoleWithOIDC' ? `sts:${via}` : 'sts:AssumeRole',
      resource: roleArn ?? (c.fu ? federatedUserArn(c.acct, c.name) : userArn) ?? '',
      decision: 'Allow',
      ...(roleArn !== undefined ? aboutRole(who.actingRole, roleArn) : {}),
      ...(arn !== undefined ? { session: arn } : c.fu ? { session: federatedUserArn(c.acct, c.name) } : {}),
      ...(c.job !== undefined ? { job: c.job } : {}),
      ...(c.srcId !== undefined ? { sourceIdentity: c.srcId } : {}),
      ...(who.sourceIp !== undefined && who.sourceIp !== '' ? { sourceIp: who.sourceIp } : {}),
      ...(who.signedWith !== undefined && who.signedWith !== '' ? { accessKeyId: who.signedWith } : {}),
      ...requestIdFrom(who),
      detail: {
        via,
        accessKeyId: c.ak,
        ...(who.openedWith !== undefined ? { openedWith: who.openedWith } : {}),
        sessionName: c.name,
        issued: new Date(c.iat).toISOString(),
        expiration: new Date(c.exp).toISOString(),
        ...(c.tags ? { tags: c.tags } : {}),
        ...(c.transitive ? { transitiveTagKeys: c.transitive } : {}),
        ...(c.pol !== undefined ? { sessionPolicy: c.pol } : {}),
        ...(c.polArns ? { policyArns: c.polArns } : {}),
        ...(c.chained ? { chained: true } : {}),
        ...(c.fed ? { federated: c.fed } : {}),
      },
    };
    for (const e of inBoth(event, who.account, c.acct)) deps.audit.record(e);
  }

  /**
   * A refused AssumeRole is recorded too, with the refusal's message and what was asked: the session name, the
   * source identity (the caller's own, which a session keeps, or else the one requested), the duration, and the
   * keys of the session tags and managed session policies.
   */
  function recordRefusal(caller: Caller, action: string, p: AssumeRoleParams & { roleArn: string }, r: Result<unknown>, facts: RequestFacts): void {
    if (r.ok || !deps.audit) return;
    const e = r.errors[0];
    // Refused by a policy, by a bound (the account's scoped sessions, the packed size), for trying to override a
    // transitive tag, because it could not be recorded or the database could not be reached (503), or for any reason
    // once the role's trust policy had allowed it (a duration over the role's maximum, a session policy not in its
    // account): attempts an auditor wants to see (review V, V1). A malformed request refused before that is not.
    if (e === undefined || !(RECORDED_REFUSALS.has(e.code) || pastTrust.has(e))) return;
    const sourceIdentity = caller.session?.srcId ?? p.sourceIdentity;
    const sourceIp = facts.sourceIp ?? caller.request?.sourceIp;
    // The role as the directory names it, when it holds a role of that name (any case, any path): the caller chose the
    // spelling, and `…:role/LOCKED` was recorded as given, so `audit query --role …:role/locked` did not find the attempt
    // on the role (review V, V6). The spelling asked is kept in the detail.
    // Across accounts, only the role's account's copy: the caller's, which its own admins read, named another account's
    // role with its case and path where a role that account does not hold is named as asked, so one AssumeRole and one
    // audit query told any account's admin which roles another holds (review mm, 3; as AssumeRole's answer must not, cy, 3).
    const roleAccount = parseRoleArn(p.roleArn)?.account;
    const crossAccount = roleAccount !== undefined && roleAccount !== '' && roleAccount !== caller.account;
    const who = actorOf(caller);
    const event = (roleArn: string): AuditEvent => ({
      kind: 'session',
      account: caller.account,
      ...who,
      action,
      resource: roleArn,
      decision: 'Deny',
      ...aboutRole(who.role, roleArn),
      ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
      ...(sourceIp !== undefined && sourceIp !== '' ? { sourceIp } : {}),
      ...requestIdFrom(facts),
      detail: {
        error: explanationOf(e.message),
        ...(e.code !== 'ACCESS_DENIED' ? { code: e.code } : {}),
        ...(roleArn !== p.roleArn ? { requestedRoleArn: p.roleArn } : {}),
        sessionName: p.roleSessionName,
        ...(p.sourceIdentity !== undefined ? { requestedSourceIdentity: p.sourceIdentity } : {}),
        ...(p.durationSeconds !== undefined ? { durationSeconds: p.durationSeconds } : {}),
        ...(p.tags.length ? { tagKeys: p.tags.map((t) => t.key) } : {}),
        ...(p.transitiveTagKeys.length ? { transitiveTagKeys: [...p.transitiveTagKeys] } : {}),
        ...(p.policyArns.length ? { policyArns: [...p.policyArns] } : {}),
        ...(p.policy !== undefined ? { sessionPolicy: p.policy } : {}),
      },
    });
    const copies = inBoth(event(canonicalRoleArn(p.roleArn)), caller.account, roleAccount);
    const asked = crossAccount ? inBoth(event(p.roleArn), caller.account, roleAccount) : copies;
    for (const [i, x] of copies.entries()) deps.audit.record(x.account === caller.account ? (asked[i] ?? x) : x);
  }

  /** `arn`, or the ARN of the role of that name the directory holds (in memory; none read): its case and path. */
  function canonicalRoleArn(arn: string): string {
    const parsed = parseRoleArn(arn);
    const entry = parsed ? (live.principals.get(roleKey(parsed.account, parsed.name)) as RoleEntry | undefined) : undefined;
    return entry?.role !== undefined ? roleArnOf(entry.partition, entry.role.account, entry.role.path, entry.role.name) : arn;
  }

  /**
   * A session refused because it could not be issued (503: the audit gate closed, the database out), for issuance
   * that records no other refusal here (GetSessionToken, a service's session for a job or pod): recorded like a
   * refused AssumeRole (`Deny`, the reason in `detail.error`). It goes through the queue and the journal as any
   * record does, so a gate closed because the audit log cannot be written holds it until it can.
   */
  function recordUnavailable(refused: { readonly account: string; readonly principal: string; readonly action: string; readonly resource: string; readonly role?: string; readonly job?: string; readonly sourceIp?: string; readonly sourceIdentity?: string; readonly requestId?: string; readonly detail: Record<string, unknown> }, r: Result<unknown>): void {
    if (r.ok || !deps.audit) return;
    const e = r.errors[0];
    if (e?.code !== 'SERVICE_UNAVAILABLE') return;
    const { detail, sourceIp, ...rest } = refused;
    deps.audit.record({ kind: 'session', ...rest, ...(sourceIp !== undefined && sourceIp !== '' ? { sourceIp } : {}), decision: 'Deny', detail: { error: e.message, code: e.code, ...detail } });
  }

  /** When each (job or service, role, code) refusal of a service's session was last recorded, and how many were not since. */
  const serviceRefusals = new Map<string, { at: number; suppressed: number }>();

  /**
   * A service's session for a job or pod refused because the role no longer trusts the service or no longer exists
   * (review V, V1): the job cannot get credentials, which an auditor must be able to see, not only the job's events.
   * Every process of the job asks again at each fetch, so one refusal is recorded per job (or service), role and
   * code a minute, with the count of those left out since (`detail.suppressed`).
   */
  function recordServiceRefusal(refused: { readonly account: string; readonly principal: string; readonly action: string; readonly resource: string; readonly role?: string; readonly job?: string; readonly sourceIp?: string; readonly sourceIdentity?: string; readonly requestId?: string; readonly detail: Record<string, unknown> }, r: Result<unknown>): void {
    if (r.ok || !deps.audit) return;
    const e = r.errors[0];
    if (e?.code !== 'ACCESS_DENIED' && e?.code !== 'NO_SUCH_ENTITY') return;
    const key = `${refused.job ?? refused.principal}\u0000${refused.resource}\u0000${e.code}`;
    const t = now();
    const last = serviceRefusals.get(key);
    if (last !== undefined && t - last.at < 60_000) {
      last.suppressed += 1;
      return;
    }
    if (serviceRefusals.size >= 10_000) serviceRefusals.clear();
    serviceRefusals.set(key, { at: t, suppressed: 0 });
    const { detail, sourceIp, ...rest } = refused;
    deps.audit.record({
      kind: 'session',
      ...rest,
      ...(sourceIp !== undefined && sourceIp !== '' ? { sourceIp } : {}),
      decision: 'Deny',
      detail: { error: e.message, code: e.code, ...detail, ...(last !== undefined && last.suppressed > 0 ? { suppressed: last.suppressed } : {}) },
    });
  }

  /** A store outage thrown by `f` as the refusal its caller will answer (503), to record it; thrown on all the same. */
  async function outageRecorded<T>(f: () => Promise<Result<T>>, note: (r: Result<T>) => void): Promise<Result<T>> {
    try {
      return await f();
    } catch (e) {
      if (isStoreUnavailable(e)) note(failWith('SERVICE_UNAVAILABLE', 'the database cannot be reached, so the session was not issued'));
      throw e;
    }
  }

  /** The decision of `action` on the role by `principal` (with its `policies`) under the role's trust policy. */
  function trustDecision(policies: PolicySet, principal: Principal, role: RoleRecord, partition: Partition, action: string, asked: Record<string, string | string[]>, explain = false) {
    const trust = cachedTrust(cache, role);
    const roleArn = roleArnOf(partition, role.account, role.path, role.name);
    if (!trust) return { roleArn, decision: undefined };
    // The role's tags, the directory's and not the request's (review cc, 8: a Deny on aws:ResourceTag never applied).
    return { roleArn, decision: underTrust(policies, principal, { partition, account: role.account, path: role.path, name: role.name }, trust, awsResourceTags(role.tags), action, asked, explain) };
  }

  /** The decision of `action` on role `name` under `trust`, the role's tags `roleTags` in the context. */
  function underTrust(policies: PolicySet, principal: Principal, name: RoleName, trust: CompiledPolicy, roleTags: Record<string, string | string[]>, action: string, asked: Record<string, string | string[]>, explain = false): Decision {
    const context = { ...withoutResourceTags(asked), ...roleTags };
    // On the role's canonical ARN; a Deny spelling it in the other dialect applies as well (review U, U1).
    const decide = (a: string, resource: string) => evaluate({ principal, action: a, resource, context: contextOf(context), time: now() }, { ...policies, trust }, explain ? { explain } : undefined);
    return decideOnRole(name, action, decide);
  }

  /**
   * The trust policy a missing role is decided under: one allowing nothing, so that it is refused as a role that does
   * not trust the caller, in the same words (review cy, 3). Told apart, AssumeRole told anyone holding keys of any
   * account which role names another account holds.
   */
  function trustsNobody(partition: Partition, roleArn: string): CompiledPolicy {
    return compilePolicy({ version: partition === 'acs' ? '1' : '2012-10-17', dialect: partition, id: undefined, statements: [] }, `trust policy of ${roleArn}`);
  }

  /**
   * Whether `principal`, with its own `policies`, may assume the role: AssumeRole's trust check (its identity side
   * and the role's trust policy), explained, and nothing issued. Undefined when the role does not exist, unless
   * `planned` gives the trust policy of a role about to be created under `roleArn` (escalation-paths: a principal
   * that may create a role trusting itself), decided as that role's would be. `opts.action` is the trust check asked:
   * `sts:AssumeRole`, or `sts:TagSession` or `sts:SetSourceIdentity`, which AssumeRole asks as well of a request
   * passing session tags or a source identity. `opts.tags` are tags the role would carry after a TagRole (escalation:
   * review ii, 8), over its own, as AssumeRole's `aws:ResourceTag/K` (review cc, 8).
   */
  async function assumeDecision(principal: Principal, policies: PolicySet, roleArn: string, context: Record<string, string | string[]> = {}, opts: AssumeDecisionOptions = {}): Promise<Decision | undefined> {
    const parsed = parseRoleArn(roleArn);
    if (!parsed) return undefined;
    const action = opts.action ?? 'sts:AssumeRole';
    if (opts.planned) {
      const planned = opts.planned;
      const decide = (a: string, resource: string) => evaluate({ principal, action: a, resource, context: contextOf(context), time: now() }, { ...policies, trust: planned }, { explain: true });
      return decideOnRole({ partition: parsed.partition, account: parsed.account, path: parsed.path, name: parsed.name }, action, decide);
    }
    // Asked once per principal and role by an escalation search: the cached role needs no transaction.
    const entry = (live.principals.get(roleKey(parsed.account, parsed.name)) as RoleEntry | undefined) ?? (await readPrincipals((tx) => cachedRole(tx, parsed.account, parsed.name)));
    if (!entry || (parsed.partition === 'aws' && entry.role.path !== parsed.path)) return undefined;
    if (opts.tags === undefined || opts.tags.length === 0) return trustDecision(policies, principal, entry.role, entry.partition, action, context, true).decision;
    const role = entry.role;
    const trust = cachedTrust(cache, role);
    if (!trust) return undefined;
    const added = opts.tags;
    const tags = [...role.tags.filter((t) => !added.some((a) => a.key.toLowerCase() === t.key.toLowerCase())), ...added];
    return underTrust(policies, principal, { partition: entry.partition, account: role.account, path: role.path, name: role.name }, trust, awsResourceTags(tags), action, context, true);
  }

  /**
   * The role a question about assuming or passing `roleArn` names (src/app/authorize.ts), found as AssumeRole finds
   * it (the name in any case; an `aws` ARN's path must match): `role`, as decisions on it spell it (`decideOnRole`),
   * undefined when the directory holds no such role; and `trust`, the policy AssumeRole decides it with: the role's
   * compiled trust policy, or one allowing nothing when there is no such role, as AssumeRole then refuses. Undefined
   * when `roleArn` is not a role ARN.
   */
  async function roleOf(roleArn: string): Promise<{ role: RoleName | undefined; trust: CompiledPolicy } | undefined> {
    const parsed = parseRoleArn(roleArn);
    if (!parsed) return undefined;
    const entry = (live.principals.get(roleKey(parsed.account, parsed.name)) as RoleEntry | undefined) ?? (await readPrincipals((tx) => cachedRole(tx, parsed.account, parsed.name)));
    const found = entry && (parsed.partition === 'acs' || entry.role.path === parsed.path) ? entry : undefined;
    const trust = found ? cachedTrust(cache, found.role) : undefined;
    return {
      role: found ? { partition: found.partition, account: found.role.account, path: found.role.path, name: found.role.name } : undefined,
      trust: trust ?? compilePolicy({ version: parsed.partition === 'acs' ? '1' : '2012-10-17', dialect: parsed.partition, id: undefined, statements: [] }, `trust policy of ${roleArn} (no such role)`),
    };
  }

  async function assumeRole(caller: Caller, p: AssumeRoleParams & { roleArn: string }, facts: RequestFacts = caller.request ?? {}): Promise<Result<AssumeRoleResult>> {
    // Under the fail-closed audit policy, no session is issued while the audit log cannot record it; the refusal is
    // recorded all the same (queued and journaled, written once the log can be).
    const note = (r: Result<unknown>) => recordRefusal(caller, 'sts:AssumeRole', p, r, facts);
    const closed = deps.audit?.gate('sessions are not issued');
    if (closed) {
      // The parameters first, as STS checks them and as the open gate does (`assumeRoleChecked`): refused for the gate
      // unchecked, a RoleSessionName or RoleArn of up to 1 MiB went whole into the record, which the closed gate keeps
      // queued and journaled until the log takes writes (review nl, 2). A malformed request is not recorded.
      const checked = await checkedParameters(caller, withStoredPolicyArns(p)).catch((e: unknown) => {
        if (isStoreUnavailable(e)) return undefined;
        throw e;
      });
      if (checked !== undefined && !checked.ok) return checked;
      note(closed);
      return closed;
    }
    const r = await outageRecorded(() => assumeRoleChecked(caller, p, facts), note);
    note(r);
    return r;
  }

  /**
   * AssumeRole's parameters against their constraints (`assumeRoleChecked`'s first checks, and the closed gate's): the
   * role's ARN parsed, or the refusal.
   */
  async function checkedParameters(caller: Caller, p: AssumeRoleParams & { roleArn: string }): Promise<Result<NonNullable<ReturnType<typeof parseRoleArn>>>> {
    const tooLong = roleArnLengthProblem(p.roleArn);
    if (tooLong !== undefined) return failWith('VALIDATION_ERROR', tooLong, 'RoleArn');
    const parsed = parseRoleArn(p.roleArn);
    if (!parsed) return failWith('VALIDATION_ERROR', `RoleArn \`${p.roleArn}\` is not a role ARN (arn:aws:iam::<account>:role/<name> or acs:ram::<account>:role/<name>)`, 'RoleArn');
    // RAM's session names for a role of an `acs` account, AWS's for one of an `aws` account, whichever form its ARN takes:
    // by the ARN's form, `arn:aws:iam::<acs account>:role/r` issued `acs:ram::…:role/r/a+b,c=d`, a name RAM refuses, and
    // `acs:ram::<aws account>:role/r` refused a name AWS takes with RAM's rule (review en, 2). Another account's dialect
    // is applied only once its role's trust policy has allowed the caller (`decide` in `assumeRoleChecked`): read first,
    // it told any key holder which account ids exist here and in which dialect, before any policy was asked (review mm,
    // 2). Until then the ARN's form decides.
    const bad = checkAssumeRoleParams(p, (parsed.account === caller.account ? await accountPartition(parsed.account) : undefined) ?? parsed.partition);
    return bad ? failWith(bad.code, bad.message, bad.path) : ok(parsed);
  }

  async function assumeRoleChecked(caller: Caller, given: AssumeRoleParams & { roleArn: string }, facts: RequestFacts): Promise<Result<AssumeRoleResult>> {
    const p = withStoredPolicyArns(given);
    const checked = await checkedParameters(caller, p);
    if (!checked.ok) return checked;
    const parsed = checked.value;
    const ownAccount = parsed.account === caller.account;
    if (caller.principal.kind === 'root') return failWith('ACCESS_DENIED', 'Roles may not be assumed by root accounts.');
    // Refused here, not at the edge, so that its record names the role as the directory does and goes to both accounts
    // (`recordRefusal`), as every other refusal of the call (review aa7).
    if (p.mfaParameters !== undefined && p.mfaParameters.length > 0) return failWith('ACCESS_DENIED', mfaRefusalMessage(p.mfaParameters));
    // Any temporary credentials assuming a role are role chaining, as AWS counts it: a role session's, and a user's from
    // GetSessionToken too (review ao, 1: those were let assume for the role's whole maximum, where AWS caps at 1 h).
    // Except the session a service issued a job or node (`instanceSession`): AWS does not count roles granting
    // permissions to applications on EC2 instances as chaining (reference §A.1.9), and a job's session is those
    // instance credentials, served at its instance metadata endpoint (review hd, 2). The session it assumes is chained.
    // A console sign-in opened with a long-term key acts as that key but is temporary credentials all the same (review ik, 1).
    // One opened with a job's session is a copy of it, and still a person at the console, not code on the instance: AWS
    // holds a role switched to in its console to 1 hour, so it is capped too (review qh, 2).
    const chained = caller.session !== undefined || caller.console !== undefined;
    const capped = caller.console !== undefined || (caller.session !== undefined && !instanceSession(caller.session));
    const duration = p.durationSeconds ?? DURATION.default;
    if (capped && duration > DURATION.chainedMax) {
      return failWith('VALIDATION_ERROR', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.', 'DurationSeconds');
    }
    const badPolicy = sessionPolicyRefusal(p.policy);
    if (badPolicy) return badPolicy;
    // Transitive tags of the parent session carry over and cannot be overridden (reference §A.1.9).
    const parentTags = caller.session?.tags ?? {};
    const inherited: Record<string, string> = {};
    for (const k of caller.session?.transitive ?? []) {
      const v = Object.entries(parentTags).find(([tk]) => tk.toLowerCase() === k.toLowerCase());
      // Defined, not assigned: a tag key `__proto__` (valid) would set the object's prototype instead (review K, K6).
      if (v) Object.defineProperty(inherited, v[0], { value: v[1], enumerable: true, writable: true, configurable: true });
    }
    for (const t of p.tags) {
      if (Object.keys(inherited).some((k) => k.toLowerCase() === t.key.toLowerCase())) {
        // STS's code and words (InvalidParameterValue; it was InvalidInput, review ah, 2). Recorded as a refusal past the
        // trust check is: an attempt on the calling session's own tags (review V, V1).
        return trusted(failWith('INVALID_PARAMETER_VALUE', `${TAG_SET_REFUSALS.transitiveOverridden} (\`${t.key}\`)`));
      }
    }
    const requestTags = tagsRecord(p.tags);
    const tags = mergeTags(inherited, requestTags);
    const sourceIdentity = caller.session?.srcId ?? p.sourceIdentity;
    if (caller.session?.srcId !== undefined && p.sourceIdentity !== undefined && p.sourceIdentity !== caller.session.srcId) {
      return failWith('ACCESS_DENIED', 'The source identity of a session cannot be changed once set.');
    }
    // Every tag the session carries counts, transitive ones of the calling session too: the token holds them all, and
    // counting only the request's let each hop of a chain add a full budget, until the token was too large to be
    // presented or opened (review sts, E2).
    const packed = packedPolicyPercent(p.policy, p.policyArns, tags);
    if (packed > 100) return failWith('PACKED_POLICY_TOO_LARGE', `Packed size of the session policies and session tags (${packed}% of the limit) is too large.`);

    // The hot path: the role is cached and no managed session policy needs checking, so no transaction.
    const hit = live.principals.get(roleKey(parsed.account, parsed.name)) as RoleEntry | undefined;
    type Decided = { claims: UnsealedClaims; role: RoleRecord; partition: Partition };
    const decide = async (tx: ReadTx | undefined): Promise<Result<Decided>> => {
      const entry = hit ?? (tx ? await cachedRole(tx, parsed.account, parsed.name) : undefined);
      const partition = entry?.partition;
      // The policies deciding, whose spellings of the tag keys `aws:TagKeys` and `sts:TransitiveTagKeys` are compared with
      // a request's keys are given in too, tag keys being case-insensitive (reviews X, X1; sw, 2).
      const deciding = [...caller.policies.identity, caller.policies.boundary, ...(caller.policies.session ?? []), entry ? cachedTrust(cache, entry.role) : undefined];
      const context: Record<string, string | string[]> = {
        'sts:RoleSessionName': p.roleSessionName,
        ...(p.externalId !== undefined ? { 'sts:ExternalId': p.externalId } : {}),
        // The value the new session will carry: the one asked, or the calling session's, which each hop sets again.
        ...(sourceIdentity !== undefined ? { 'sts:SourceIdentity': sourceIdentity } : {}),
        // In the spellings the caller's policies and the role's trust policy compare them with as well (review X, X1):
        // `costcenter` made transitive passed a Deny on `sts:TransitiveTagKeys` `CostCenter` (review sw, 2).
        ...(p.transitiveTagKeys.length ? { 'sts:TransitiveTagKeys': tagKeySpellings(p.transitiveTagKeys, tagKeyLiterals(deciding, true)) } : {}),
        ...(p.tags.length ? { 'aws:TagKeys': tagKeySpellings(p.tags.map((t) => t.key), tagKeyLiterals(deciding)) } : {}),
        ...Object.fromEntries(p.tags.map((t) => [`aws:RequestTag/${t.key}`, t.value])),
        // The request's keys: address, transport, region, and the client's User-Agent and Referer (review gs, 3).
        ...requestFactKeys(facts),
        // RAM's key for the AccessKey ID the request is signed with (review do, 1), read by the caller's policies and
        // the role's trust policy alike.
        'acs:AccessId': caller.accessKeyId,
      };
      // The ARN must name the role exactly, path included (an `aws` role ARN carries its path). A role missing, or whose
      // trust policy no longer parses, is decided under a trust policy allowing nothing: refused in the same words, with
      // an encoded message alike, as a role that does not trust the caller (review cy, 3).
      const found = entry && partition && (parsed.partition === 'acs' || entry.role.path === parsed.path) ? entry : undefined;
      const target: RoleName = found ? { partition: found.partition, account: found.role.account, path: found.role.path, name: found.role.name } : { partition: parsed.partition, account: parsed.account, path: parsed.path, name: parsed.name };
      const trust = (found && cachedTrust(cache, found.role)) || trustsNobody(parsed.partition, p.roleArn);
      const roleTags = found ? awsResourceTags(found.role.tags) : {};
      // A source identity carried by the calling session is set on the new one as well: every hop of a chain needs
      // sts:SetSourceIdentity from both sides, as AWS asks (IAM User Guide, "Permissions required to set source
      // identity"); it was checked only when the request named one and the caller had none (review cy, 1). Likewise the
      // transitive tags of the calling session are set on the new one, which needs sts:TagSession even when the request
      // passes no tag, as AWS refuses a chain carrying them ("is not authorized to perform: sts:TagSession", the EKS Pod
      // Identity chain whose next role's trust policy lacks it); only the request's tags were counted (review fb, 2).
      const checks = ['sts:AssumeRole', ...(Object.keys(tags).length ? ['sts:TagSession'] : []), ...(sourceIdentity !== undefined ? ['sts:SetSourceIdentity'] : [])];
      for (const action of checks) {
        const decided = underTrust(caller.policies, caller.principal, target, trust, roleTags, action, context);
        if (decided.decision !== 'Allow') {
          // Across accounts, a refusal by the role's trust policy is told as a missing role's (`trustsNobody`): an explicit
          // deny there ("… with an explicit deny in the role trust policy", `explicitDeny` decoded) told an outsider that
          // the role exists, as cy, 3 had it tell a role not trusting it (review mm, 1). AWS names the policy type that
          // refused only within one account or organization. The caller's own policies' refusals are still named.
          const crossAccount = target.account !== caller.account;
          const hidden = crossAccount && decided.decision === 'ExplicitDeny' && decided.deniedBy === 'trust';
          const shownTrust = hidden ? trustsNobody(parsed.partition, p.roleArn) : trust;
          const shownTags = hidden ? {} : roleTags;
          const d = hidden ? underTrust(caller.policies, caller.principal, target, shownTrust, shownTags, action, context) : decided;
          // The explanation rides along, sealed, for DecodeAuthorizationMessage (src/app/authz-message.ts). The words name
          // the role as asked: the directory's spelling of its name would tell that it exists, in the words and, across
          // accounts, in the decoded message.
          const why = underTrust(caller.policies, caller.principal, target, shownTrust, shownTags, action, context, true);
          const resource = crossAccount ? roleArnOf(parsed.partition, parsed.account, parsed.path, parsed.name) : roleArnOf(target.partition, target.account, target.path, target.name);
          // The context as the request gave it: `aws:TagKeys` with the spellings of the role's trust policy told another
          // account's policy text to the caller's, and by its length whether the role exists (review rz, 1).
          const shownContext = {
            ...context,
            ...(p.tags.length ? { 'aws:TagKeys': p.tags.map((t) => t.key) } : {}),
            ...(p.transitiveTagKeys.length ? { 'sts:TransitiveTagKeys': [...p.transitiveTagKeys] } : {}),
          };
          const request = { principal: caller.principal, action, resource, context: shownContext, account: caller.account, hideResourceSide: crossAccount };
          return failWith('ACCESS_DENIED', withEncodedMessage(deps, accessDeniedMessage(caller.principal.arn, action, p.roleArn, d), why, request));
        }
      }
      if (!found || !partition) return failWith('ACCESS_DENIED', `User: ${caller.principal.arn} is not authorized to perform: sts:AssumeRole on resource: ${p.roleArn}`);
      // The role's account's dialect, now that its trust policy has let the caller in (review mm, 2; en, 2).
      const byAccount = ownAccount || partition === parsed.partition ? undefined : checkAssumeRoleParams(p, partition);
      if (byAccount) return trusted(failWith(byAccount.code, byAccount.message, byAccount.path));
      const role = found.role;
      if (duration > role.maxSessionDuration) {
        return trusted(failWith('VALIDATION_ERROR', `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`, 'DurationSeconds'));
      }
      // Each entry found as the directory finds a policy, in any case, and carried as the ARN it is stored under (review rd, 1).
      const policyArns: string[] = [];
      for (const arn of p.policyArns) {
        const pol = tx === undefined ? undefined : await visiblePolicy(tx, role.account, arn);
        if (!pol) return trusted(failWith('VALIDATION_ERROR', `PolicyArns: ${arn} does not exist or is not in the role's account`, 'PolicyArns'));
        policyArns.push(pol.arn);
      }
      const t = now();
      return ok({ role, partition, claims: {
        acct: role.account,
        part: partition,
        role: { name: role.name, path: role.path, id: role.id },
        name: p.roleSessionName,
        iat: t,
        exp: t + duration * 1000,
        ...(sourceIdentity !== undefined ? { srcId: sourceIdentity } : {}),
        ...(Object.keys(tags).length ? { tags } : {}),
        ...(p.transitiveTagKeys.length || caller.session?.transitive?.length ? { transitive: [...new Set([...(caller.session?.transitive ?? []), ...p.transitiveTagKeys])] } : {}),
        ...(p.policy !== undefined ? { pol: p.policy } : {}),
        ...(policyArns.length ? { polArns: policyArns } : {}),
        ...(chained ? { chained: true } : {}),
        ...(caller.session?.job !== undefined ? { job: caller.session.job } : {}),
      } });
    };
    const decided = hit && p.policyArns.length === 0 ? await decide(undefined) : await deps.store.read(decide);
    if (!decided.ok) return decided;
    // Issued after the read: a scoped session's record is written first (outside any read transaction).
    const { role, partition } = decided.value;
    const acting = actorOf(caller).role;
    const issued = await issueRegistered(decided.value.claims, { via: 'AssumeRole', principal: caller.principal.arn, signedWith: signingKeyOf(caller), account: caller.account, ...(acting !== undefined ? { actingRole: acting } : {}), ...(facts.sourceIp !== undefined ? { sourceIp: facts.sourceIp } : {}), ...requestIdFrom(facts), ...(facts.requestedRegion !== undefined ? { region: facts.requestedRegion } : {}) });
    if (!issued.ok) return trusted(issued);
    const { claims, credentials } = issued.value;
    return ok({ credentials, assumedRoleId: `${role.id}:${p.roleSessionName}`, arn: sessionArn(partition, role.account, role.name, p.roleSessionName), packedPolicySize: packed, sourceIdentity, claims });
  }

  /**
   * A service principal (the training service) assumes a role for a job: the role's trust policy must name
   * the service. No role-chaining cap applies; the caller decides the duration up to the role maximum, or up to
   * `maximumAtLeastSeconds` when the role's is shorter (the issuer's own floor, as EC2 and ECS issue instance and
   * task role credentials for hours whatever the role's `MaxSessionDuration`).
   */
  async function assumeRoleAsService(input: {
    /**
     * The service assuming the role, or its names in order of preference (an `acs` account's training service has
     * two): the session is issued to the first the trust policy allows, decided in the same read as the rest, so a
     * job's issuance reads the store once (review gb, 4).
     */
    service: string | readonly string[];
    roleArn: string;
    sessionName: string;
    durationSeconds?: number;
    maximumAtLeastSeconds?: number;
    sourceIdentity?: string;
    tags?: Record<string, string>;
    job?: string;
    /** Inline session policy narrowing the role (the default training role's per-job scope). */
    policy?: string;
    /** The user whose current Denies concerning tables cut the session at every decision (a default-role job's submitter). */
    owner?: { name: string; id: string };
    /** Where the request that asked for the session came from (a job's credential endpoint: the first fetch, or the one that found it due for refresh). */
    sourceIp?: string;
    /**
     * The resource on whose behalf the service assumes the role (a job's ARN), the trust policy's `aws:SourceArn`; its
     * `aws:SourceAccount` is the role's account. AWS services set both, and their confused-deputy guidance conditions
     * a service's trust on them.
     */
    sourceArn?: string;
  }): Promise<Result<AssumeRoleResult & { role: RoleRecord }>> {
    const services = (typeof input.service === 'string' ? [input.service] : input.service).map((s) => s.toLowerCase());
    const first = services[0] ?? '';
    const note = (r: Result<unknown>) => {
      const refused = {
        account: parseRoleArn(input.roleArn)?.account ?? '',
        principal: first,
        action: 'sts:AssumeRole',
        resource: input.roleArn,
        role: input.roleArn,
        ...(input.job !== undefined ? { job: input.job } : {}),
        ...(input.sourceIdentity !== undefined ? { sourceIdentity: input.sourceIdentity } : {}),
        ...(input.sourceIp !== undefined ? { sourceIp: input.sourceIp } : {}),
        detail: { via: input.job !== undefined ? 'job' : 'service', sessionName: input.sessionName },
      };
      recordUnavailable(refused, r);
      recordServiceRefusal(refused, r);
    };
    const closed = deps.audit?.gate('sessions are not issued');
    if (closed) {
      note(closed);
      return closed;
    }
    const tooLong = roleArnLengthProblem(input.roleArn);
    if (tooLong !== undefined) return failWith('VALIDATION_ERROR', tooLong);
    const parsed = parseRoleArn(input.roleArn);
    if (!parsed) return failWith('VALIDATION_ERROR', `\`${input.roleArn}\` is not a role ARN`);
    const decided = await outageRecorded(() => deps.store.read(async (tx) => {
      const partition = await partitionOf(tx, parsed.account);
      const entry = partition ? await cachedRole(tx, parsed.account, parsed.name) : undefined;
      // The ARN must name the role exactly, path included, as AssumeRole finds it: a job runs as the ARN its submitter
      // was allowed to pass, and found by name alone, a role of that name made under another path after the job's was
      // deleted (another ARN, perhaps with more rights) was issued to the job (review kb, 2).
      if (!entry || !partition || (parsed.partition === 'aws' && entry.role.path !== parsed.path)) return failWith('NO_SUCH_ENTITY', `The role with name ${parsed.name} cannot be found.`);
      const role = entry.role;
      const trust = cachedTrust(cache, role);
      const roleArn = roleArnOf(partition, role.account, role.path, role.name);
      // With the session tags it passes, as AWS gives them to AssumeRole: a trust policy scopes the role by them (review hp, 7).
      const context = contextOf(serviceTrustContext(role.account, input.sourceArn, input.tags));
      // The first name the trust policy allows, unless it denies the service by any of its names (review gj, 4).
      const decided = trust === undefined ? {} : trustedServiceName(services, (service) => {
        const principal: Principal = { kind: 'service', arn: service, partition, account: '' };
        return evaluate({ principal, action: 'sts:AssumeRole', resource: roleArn, context, time: now() }, { identity: [], trust }).decision;
      });
      const service = decided.allowed;
      if (decided.denied !== undefined) return failWith('ACCESS_DENIED', `the trust policy of role ${roleArn} denies the service ${decided.denied} (${first === decided.denied ? 'its name' : `a name of ${first}`}) the right to assume it`);
      if (service === undefined) return failWith('ACCESS_DENIED', `the trust policy of role ${roleArn} does not allow the service ${first} to assume it`);
      return ok({ role, partition, service });
    }), note);
    if (!decided.ok) {
      note(decided);
      return decided;
    }
    // Issued after the read, not in it (review in, 2): a read's `fn` may run again (PostgreSQL retries it on 40001/40P01)
    // or its answer be lost after `fn` returned, and `issue` records the session (audit, metrics, the role's last use):
    // one session handed out was recorded twice, and a session never handed out was recorded as issued.
    const { role, partition, service } = decided.value;
    const duration = Math.min(input.durationSeconds ?? DURATION.default, Math.max(role.maxSessionDuration, input.maximumAtLeastSeconds ?? 0));
    const t = now();
    const { claims, credentials } = issue({
      acct: role.account,
      part: partition,
      role: { name: role.name, path: role.path, id: role.id },
      name: input.sessionName,
      iat: t,
      exp: t + duration * 1000,
      ...(input.sourceIdentity !== undefined ? { srcId: input.sourceIdentity } : {}),
      ...(input.tags && Object.keys(input.tags).length ? { tags: input.tags } : {}),
      ...(input.job !== undefined ? { job: input.job } : {}),
      ...(input.policy !== undefined ? { pol: input.policy } : {}),
      ...(input.owner !== undefined ? { owner: input.owner } : {}),
    }, { via: input.job !== undefined ? 'job' : 'service', principal: service, ...(input.sourceIp !== undefined ? { sourceIp: input.sourceIp } : {}) });
    const r = ok({ credentials, assumedRoleId: `${role.id}:${input.sessionName}`, arn: sessionArn(partition, role.account, role.name, input.sessionName), packedPolicySize: 0, sourceIdentity: input.sourceIdentity, claims, role });
    note(r);
    return r;
  }

  /**
   * STS GetSessionToken: a user's session for its long-term key. `mfaParameters`: the MFA parameters given (their names),
   * refused, as this server checks no MFA device. A refusal is recorded as a refused GetFederationToken is
   * (`recordSessionTokenRefusal`).
   */
  async function getSessionToken(caller: Caller, durationSeconds?: number, facts: RequestFacts = caller.request ?? {}, mfaParameters: readonly string[] = []): Promise<Result<IssuedCredentials>> {
    const r = await sessionToken(caller, durationSeconds, facts, mfaParameters);
    recordSessionTokenRefusal(caller, durationSeconds, mfaParameters, r, facts);
    return r;
  }

  /**
   * A refused GetSessionToken, recorded as a refused GetFederationToken is (`recordFederationRefusal`): a `session`
   * record, `Deny`, on the caller's ARN, with the explanation and what was asked (the duration, the MFA parameters'
   * names, never their values). It was left to the edge, which records a refused request as a `decision`: `audit query
   * --kind session --decision Deny` did not list temporary credentials trying to get a session of their own (review vf,
   * 3). Refusals of the closed audit gate are recorded by `recordUnavailable`; malformed input is not.
   */
  function recordSessionTokenRefusal(caller: Caller, durationSeconds: number | undefined, mfaParameters: readonly string[], r: Result<unknown>, facts: RequestFacts): void {
    if (r.ok || !deps.audit) return;
    const e = r.errors[0];
    if (e?.code !== 'ACCESS_DENIED') return;
    recordSessionRefused(caller, 'sts:GetSessionToken', caller.principal.arn, facts, {
      error: explanationOf(e.message),
      ...(durationSeconds !== undefined ? { durationSeconds } : {}),
      ...(mfaParameters.length > 0 ? { mfaParameters: [...mfaParameters] } : {}),
    });
  }

  /** A `session` record of a session refused to `caller` (its key, session, role, job), from the address it asked from. */
  function recordSessionRefused(caller: Caller, action: string, resource: string, facts: RequestFacts, detail: Record<string, unknown>): void {
    const sourceIp = facts.sourceIp ?? caller.request?.sourceIp;
    deps.audit?.record({
      kind: 'session',
      account: caller.account,
      ...actorOf(caller),
      action,
      resource,
      decision: 'Deny',
      ...(sourceIp !== undefined && sourceIp !== '' ? { sourceIp } : {}),
      ...requestIdFrom(facts),
      detail,
    });
  }

  async function sessionToken(caller: Caller, durationSeconds: number | undefined, facts: RequestFacts, mfaParameters: readonly string[]): Promise<Result<IssuedCredentials>> {
    const closed = deps.audit?.gate('sessions are not issued');
    if (closed) {
      const sourceIp = facts.sourceIp ?? caller.request?.sourceIp;
      recordUnavailable({ ...actorOf(caller), account: caller.account, action: 'sts:GetSessionToken', resource: caller.principal.arn, ...(sourceIp !== undefined ? { sourceIp } : {}), ...requestIdFrom(facts), detail: { via: 'GetSessionToken', ...(durationSeconds !== undefined ? { durationSeconds } : {}) } }, closed);
      return closed;
    }
    // A parameter outside its constraints first, as STS checks them before the call's own refusals (and as
    // GetFederationToken and AssumeRole here do): it was refused as session credentials first (review hd, 4).
    const duration = durationSeconds ?? SESSION_TOKEN_DURATION.default;
    const outside = durationProblem(duration, SESSION_TOKEN_DURATION);
    if (outside !== undefined) return failWith('VALIDATION_ERROR', outside, 'DurationSeconds');
    // Refused here, not at the edge, so that it is recorded as the call's other refusals (review vf, 3), as AssumeRole's is.
    if (mfaParameters.length > 0) return failWith('ACCESS_DENIED', mfaRefusalMessage(mfaParameters));
    // A console sign-in is session credentials too, though it acts as the key it was opened with: a session it got
    // here would outlive its sign-out (review ik, 1).
    if (caller.session || caller.console) return failWith('ACCESS_DENIED', 'Cannot call GetSessionToken with session credentials');
    if (!caller.user) return failWith('ACCESS_DENIED', 'GetSessionToken needs the long-term credentials of a user');
    // AWS STS's alone, as GetFederationToken is: Alibaba Cloud STS has no GetSessionToken, and a RAM user gets STS
    // credentials only by assuming a role. A RAM user's key was issued `STS.` credentials acting as the user itself for
    // up to 36 hours, which RAM never hands out (review qd, 1).
    if (caller.partition !== 'aws') return failWith('ACCESS_DENIED', `GetSessionToken is AWS STS's: account ${caller.account} is an Alibaba Cloud (acs) account, whose STS has no GetSessionToken and gives a RAM user STS credentials only for a role; assume a role instead`);
    const t = now();
    const u = caller.user;
    const { credentials } = issue(
      { acct: caller.account, part: caller.partition, user: { name: u.name, path: u.path, id: u.id }, name: u.name, iat: t, exp: t + duration * 1000 },
      { via: 'GetSessionToken', principal: caller.principal.arn, signedWith: caller.accessKeyId, ...(facts.sourceIp !== undefined ? { sourceIp: facts.sourceIp } : {}), ...requestIdFrom(facts) },
    );
    return ok(credentials);
  }

  /**
   * STS GetFederationToken (STS API reference): a session of a federated user, `arn:aws:sts::A:federated-user/NAME`, for
   * an IAM user signing with its long-term key; temporary credentials of any kind are refused ("Cannot call
   * GetFederationToken with session credentials"). The caller needs `sts:GetFederationToken` on that ARN, and
   * `sts:TagSession` to pass tags. The session may do what both the user's policies and its session policies allow
   * (none passed: nothing, bar what a resource policy grants the federated user by ARN; src/core/iam/evaluate.ts), or
   * what a resource policy naming its ARN grants; its principal tags are the user's under the session's. It lasts 900
   * to 129,600 seconds, 43,200 by default. AWS's; an `acs` account (RAM has no federation token) is refused.
   */
  async function getFederationToken(caller: Caller, p: FederationTokenParams, facts: RequestFacts = caller.request ?? {}): Promise<Result<{ credentials: IssuedCredentials; federatedUserId: string; arn: string; packedPolicySize: number }>> {
    const r = await federationToken(caller, p, facts);
    recordFederationRefusal(caller, p, r, facts);
    return r;
  }

  /**
   * A refused GetFederationToken, recorded as a refused AssumeRole is (`recordRefusal`): a `session` record, `Deny`, with
   * the explanation and what was asked (the name, duration, tag keys, session policies). It was left to the edge, which
   * records a refused request as a `decision` without what was asked, and a refusal past authorization (a PolicyArns entry
   * not in the user's account) not at all: `audit query --kind session --decision Deny`, the refused sessions, did not
   * list it (review fi, 4). Refusals of the closed audit gate are recorded by `recordUnavailable`; malformed input is not.
   */
  function recordFederationRefusal(caller: Caller, p: FederationTokenParams, r: Result<unknown>, facts: RequestFacts): void {
    if (r.ok || !deps.audit) return;
    const e = r.errors[0];
    if (e === undefined || e.code === 'SERVICE_UNAVAILABLE' || !(RECORDED_REFUSALS.has(e.code) || pastTrust.has(e))) return;
    recordSessionRefused(caller, 'sts:GetFederationToken', federatedUserArn(caller.account, p.name), facts, {
      error: explanationOf(e.message),
      ...(e.code !== 'ACCESS_DENIED' ? { code: e.code } : {}),
      name: p.name,
      ...(p.durationSeconds !== undefined ? { durationSeconds: p.durationSeconds } : {}),
      ...(p.tags.length ? { tagKeys: p.tags.map((t) => t.key) } : {}),
      ...(p.policyArns.length ? { policyArns: [...p.policyArns] } : {}),
      ...(p.policy !== undefined ? { sessionPolicy: p.policy } : {}),
    });
  }

  async function federationToken(caller: Caller, p: FederationTokenParams, facts: RequestFacts): Promise<Result<{ credentials: IssuedCredentials; federatedUserId: string; arn: string; packedPolicySize: number }>> {
    const arn = federatedUserArn(caller.account, p.name);
    // The parameters before the closed gate's refusal, whose record names the federated user: a `Name` of up to 1 MiB
    // went whole into it (review nl, 2).
    const bad = checkFederationTokenParams(p);
    if (bad) return failWith(bad.code, bad.message, bad.path);
    const closed = deps.audit?.gate('sessions are not issued');
    if (closed) {
      const sourceIp = facts.sourceIp ?? caller.request?.sourceIp;
      recordUnavailable({ ...actorOf(caller), account: caller.account, action: 'sts:GetFederationToken', resource: arn, ...(sourceIp !== undefined ? { sourceIp } : {}), ...requestIdFrom(facts), detail: { via: 'GetFederationToken', name: p.name } }, closed);
      return closed;
    }
    if (caller.session || caller.console) return failWith('ACCESS_DENIED', 'Cannot call GetFederationToken with session credentials');
    if (!caller.user) return failWith('ACCESS_DENIED', 'GetFederationToken needs the long-term credentials of a user');
    if (caller.partition !== 'aws') return failWith('ACCESS_DENIED', `GetFederationToken is AWS STS's: account ${caller.account} is an Alibaba Cloud (acs) account, whose RAM has no federation token; assume a role instead`);
    const badPolicy = sessionPolicyRefusal(p.policy);
    if (badPolicy) return badPolicy;
    const tags = tagsRecord(p.tags);
    // `aws:TagKeys` in the spellings the caller's policies compare it with as well, as AssumeRole gives it (review X, X1):
    // a Deny on `CostCenter` was evaded by passing `costcenter`, which `aws:PrincipalTag/CostCenter` then read (review fx, 1).
    const context: Record<string, string | string[]> = withPolicyTagKeySpellings(caller, {
      ...(p.tags.length ? { 'aws:TagKeys': p.tags.map((t) => t.key) } : {}),
      ...Object.fromEntries(p.tags.map((t) => [`aws:RequestTag/${t.key}`, t.value])),
      ...requestFactKeys(facts),
    });
    for (const action of ['sts:GetFederationToken', ...(p.tags.length ? ['sts:TagSession'] : [])]) {
      const a = authorizeAdmin(caller, now(), action, arn, context);
      if (!a.ok) return a;
    }
    const packed = packedPolicyPercent(p.policy, p.policyArns, tags);
    if (packed > 100) return failWith('PACKED_POLICY_TOO_LARGE', `Packed size of the session policies and session tags (${packed}% of the limit) is too large.`);
    // Found in any case, and carried as the stored ARN (review rd, 1).
    const policyArns: string[] = [];
    for (const policyArn of p.policyArns) {
      const pol = await deps.store.read((tx) => visiblePolicy(tx, caller.account, policyArn));
      if (!pol) return trusted(failWith('VALIDATION_ERROR', `PolicyArns: ${policyArn} does not exist or is not in the account of user ${caller.user.name}`, 'PolicyArns'));
      policyArns.push(pol.arn);
    }
    const duration = p.durationSeconds ?? FEDERATION_TOKEN_DURATION.default;
    const t = now();
    const u = caller.user;
    const issued = await issueRegistered(
      {
        acct: caller.account,
        part: caller.partition,
        fu: { name: u.name, path: u.path, id: u.id },
        name: p.name,
        iat: t,
        exp: t + duration * 1000,
        ...(Object.keys(tags).length ? { tags } : {}),
        ...(p.policy !== undefined ? { pol: p.policy } : {}),
        ...(policyArns.length ? { polArns: policyArns } : {}),
      },
      { via: 'GetFederationToken', principal: caller.principal.arn, signedWith: caller.accessKeyId, ...(facts.sourceIp !== undefined ? { sourceIp: facts.sourceIp } : {}), ...requestIdFrom(facts), ...(facts.requestedRegion !== undefined ? { region: facts.requestedRegion } : {}) },
    );
    if (!issued.ok) return issued;
    return ok({ credentials: issued.value.credentials, federatedUserId: `${caller.account}:${p.name}`, arn, packedPolicySize: packed });
  }

  /**
   * STS GetAccessKeyInfo: the account an access key id belongs to, whoever holds it, for a caller its policies allow
   * `sts:GetAccessKeyInfo` (on `*`; an explicit Deny holds). A user's long-term key (`AKIA…`, `LTAI…`) is looked up, in
   * any status; a temporary one (`ASIA…`, `STS.…`) carries its account, read as AWS reads it (src/core/sts/key-id.ts):
   * sessions leave no record to look up, and whatever the id says is all the answer says, as on AWS. A key id of no
   * user (never issued here, or deleted) or carrying no account is NoSuchEntity, without the id (docs/decisions.md).
   * A user's key is read from the live state once it is loaded, as a request signed with it is.
   */
  async function getAccessKeyInfo(caller: Caller, accessKeyId: string): Promise<Result<{ account: string }>> {
    const bad = accessKeyIdProblem(accessKeyId);
    if (bad !== undefined) return failWith('VALIDATION_ERROR', bad, 'AccessKeyId');
    const a = authorizeAdmin(caller, now(), 'sts:GetAccessKeyInfo', '*');
    if (!a.ok) return a;
    const unknown = failWith<{ account: string }>(
      'NO_SUCH_ENTITY',
      'no account is known for this AccessKeyId: it is no access key of a user of this deployment (never issued here, or deleted since), nor a temporary key id carrying its account',
      'AccessKeyId',
    );
    if (isTemporaryKeyId(accessKeyId)) {
      const account = accountOfTemporaryKeyId(accessKeyId);
      return account === undefined ? unknown : ok({ account });
    }
    if (!live.loaded) {
      const key = await deps.store.read((tx) => tx.accessKeys.get(accessKeyId));
      return key === undefined ? unknown : ok({ account: key.account });
    }
    // The live state holds every access key, in any status: the answer needs no database read, and an outage does not
    // refuse it (review jv, 1). One not held may have been made a moment ago through another instance: the change log
    // is read up to now once before it counts as unknown (an outage then surfaces as one, 503, as for a signed request).
    let key = live.accessKey(accessKeyId);
    if (key === undefined) {
      await live.refreshForMiss();
      key = live.accessKey(accessKeyId);
    }
    return key === undefined ? unknown : ok({ account: key.account });
  }

  function getCallerIdentity(caller: Caller): { userId: string; account: string; arn: string } {
    const p = caller.principal;
    return { userId: p.userId ?? caller.user?.id ?? caller.account, account: caller.account, arn: p.arn };
  }

  return {
    authenticateSession,
    consoleUsed,
    /** How long a console sign-in may go without a request (GATEHOUSE_CONSOLE_IDLE_SECONDS), told to the console at sign-in. */
    consoleIdleSeconds: consoleIdleMs / 1000,
    callerOfClaims,
    assumeRole,
    assumeRoleAsService,
    assumeDecision,
    roleOf,
    getSessionToken,
    consoleSignIn,
    consoleSignOut,
    getFederationToken,
    getCallerIdentity,
    getAccessKeyInfo,
    cachedRole,
    accountPartition,
    cachedUser,
    cachedPolicy,
    cachedVisiblePolicy,
    cachedGroup,
    accountExists,
    ownerEntry,
    readPrincipals,
    /** Mints a session for claims already authorized, recording its scope first if it has one (AssumeRoleWithWebIdentity, src/app/oidc.ts). */
    issueRegistered,
    /** The registry of scoped sessions (src/app/session-scopes.ts), read by the authorize API; absent in tests of STS alone. */
    scopes,
  };
}

export type Sts = ReturnType<typeof createSts>;
export { isoSeconds };
export type { SealedSecret };
