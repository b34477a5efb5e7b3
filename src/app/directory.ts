/**
 * The identity directory's use cases: users, groups, roles, managed and inline policies, attachments,
 * boundaries, access keys and tags. Every call is authorized by the engine against the caller's own
 * policies first (so `iam:*` on `arn:aws:iam::<acct>:role/…` delegates administration, as in AWS), then
 * validated (IAM name rules, quotas, policy grammar), then written in one transaction. Errors carry the IAM
 * error codes (`EntityAlreadyExists`, `NoSuchEntity`, `LimitExceeded`, `MalformedPolicyDocument`,
 * `DeleteConflict`, `ValidationError`) through the `ErrorCode` union.
 */
import { failWith, ok, type ErrorCode, type GatehouseError, type Result } from '../core/errors.ts';
import { countNonWhitespace, DEFAULT_MAX_CHARS, otherSystemPolicySpelling, parsePolicy, type PolicyKind } from '../core/iam/index.ts';
import {
  adminService,
  arnTooLong,
  policyArnShapeProblem,
  checkAccessKeyId,
  checkDescription,
  checkMaxSessionDuration,
  checkName,
  lookupNameProblem,
  checkPath,
  checkPathPrefix,
  checkPolicyDescription,
  checkPolicyPath,
  checkTagKeys,
  checkTags,
  checkVersionId,
  entityArn,
  ID_PREFIX,
  ISSUED_KEY_ID,
  mergeTags,
  QUOTAS,
  isTagCountRefusal,
  shortName,
  uniqueId,
  type EntityKind,
  type Partition,
} from '../core/directory/rules.ts';
import { builtinsMeaningfulIn, storedBuiltinArn } from '../core/directory/catalogue.ts';
import { isoSeconds } from '../core/iam/index.ts';
import type { AppDeps } from './deps.ts';
import { clustersRunningAs, followRename, forgetGroup, forgetPrincipal, type Forgotten } from './forget-principal.ts';
import { aboutRole, actorOf, authorizeAdmin, tagKeyLiterals, type Caller } from './principals.ts';
import { unknownPrincipal } from './principal-refs.ts';
import { isStoreOutcomeUnknown, isStoreUnavailable } from './ports/store.ts';
import { putRevocation, userRevocationIds } from './live.ts';
import { refusedRequest } from './refused-request.ts';
import type {
  AccessKeyRecord,
  GroupRecord,
  InlinePolicyRecord,
  PolicyRecord,
  PolicyVersionRecord,
  PrincipalRef,
  PrincipalType,
  ReadTx,
  RolePatch,
  RoleRecord,
  StoreResult,
  Tag,
  UserPatch,
  UserRecord,
  WriteTx,
} from './ports/store.ts';

type R<T> = Promise<Result<T>>;

/** Users, groups and roles: the record of each, and the store table that holds it. */
type Principal = { user: UserRecord; group: GroupRecord; role: RoleRecord };
const TABLE = { user: 'users', group: 'groups', role: 'roles' } as const satisfies Record<PrincipalType, string>;
/** The condition context of an action on an entity: fixed, or made from the entity (undefined when there is none). */
type EntityContext<K extends PrincipalType> = ConditionContext | ((e: Principal[K] | undefined) => ConditionContext);
/** How IAM's action names spell each (`AttachUserPolicy`, `TagRole`). */
const ACTION_NAME: Record<PrincipalType, string> = { user: 'User', group: 'Group', role: 'Role' };

const invalid = <T>(message: string, path = ''): Result<T> => failWith<T>('VALIDATION_ERROR', message, path);

function fromStore<T>(r: StoreResult<T>): Result<T> {
  return r.ok ? ok(r.value) : failWith(r.error.code as ErrorCode, r.error.message);
}

/** IAM's LimitExceeded for a quota (`Cannot exceed quota for GroupsPerUser: 10`). */
const overQuota = <T>(quota: string, limit: number): Result<T> => failWith<T>('LIMIT_EXCEEDED', `Cannot exceed quota for ${quota}: ${limit}`);

/**
 * CreateAccessKey's refusal of a user that holds its two keys: IAM's words first (what scripts match), then whose keys
 * they are and how to make room. IAM's words alone, which the tour's `iam access-keys create --user alice` run a third
 * time met, said neither (review qq, 1). The key ids are not named: CreateAccessKey does not grant ListAccessKeys.
 */
const keysFull = <T>(user: string, held: number): Result<T> =>
  failWith<T>(
    'LIMIT_EXCEEDED',
    `Cannot exceed quota for AccessKeysPerUser: ${QUOTAS.accessKeysPerUser}: user ${user} has ${held} access keys; delete one first (DeleteAccessKey: \`gatehouse iam access-keys delete ID --user ${user}\`, \`aws iam delete-access-key\`); \`gatehouse iam access-keys list --user ${user}\` says when each was last used`,
  );

/**
 * TagUser's, TagRole's or TagPolicy's refusal of tags past the 50 a resource may carry: IAM's quota, then `what` (the
 * resource), how many tags it carries, how many keys new to it the request adds, and what to do. "an entity may carry at
 * most 50 tags" named none of them (review ka, 6).
 */
function tooManyTags<T>(noun: 'User' | 'Role' | 'Policy', what: string, held: readonly Tag[], asked: readonly Tag[]): Result<T> {
  const heldKeys = new Set(held.map((t) => t.key.toLowerCase()));
  const added = new Set(asked.map((t) => t.key.toLowerCase()).filter((k) => !heldKeys.has(k))).size;
  return failWith<T>(
    'LIMIT_EXCEEDED',
    `Cannot exceed quota for TagsPer${noun}: ${QUOTAS.tagsPerEntity}: ${what} carries ${held.length} tags and the request adds ${added} new keys; remove some with Untag${noun} first, or ask for fewer`,
  );
}

/** An update's patch for a rename or a move: only what the request names. */
const renaming = (name: string | undefined, path: string | undefined): { name?: string; path?: string } => ({ ...(name !== undefined ? { name } : {}), ...(path !== undefined ? { path } : {}) });

/** A list call's filter: the path prefix when the request names one. */
const prefixOf = (input: { pathPrefix?: string }): { pathPrefix?: string } => (input.pathPrefix !== undefined ? { pathPrefix: input.pathPrefix } : {});

/**
 * The users or roles of an account as the instance holds them in memory, by name without regard to case; undefined
 * before the first load, when nothing is held.
 */
export type HeldListing<T> = (account: string) => readonly T[] | undefined;

/**
 * `read`'s listing, or, when the database cannot be reached (`StoreUnavailableError`) and `held` is given, the held
 * one under the same path prefix. Called once the caller is authorized.
 */
async function orHeld<T extends { readonly path: string }>(read: () => R<T[]>, c: Caller, input: { pathPrefix?: string }, held: HeldListing<T> | undefined): R<T[]> {
  try {
    return await read();
  } catch (e) {
    const listed = held !== undefined && isStoreUnavailable(e) ? held(c.account) : undefined;
    if (listed === undefined) throw e;
    const prefix = input.pathPrefix ?? '/';
    return ok(listed.filter((x) => x.path.startsWith(prefix)));
  }
}

/** An id of a credential Gatehouse does not keep (an SSH key's, a certificate's, an MFA serial number), as IAM bounds them. */
function credentialIdProblem(param: string, id: string): string | undefined {
  return /^[\w+=/:,.@-]{1,256}$/.test(id) ? undefined : `${param} must be 1–256 letters, digits and \`+=/:,.@-\`, got \`${shortName(id)}\``;
}

/** A server certificate's name, as IAM bounds it. */
function checkServerCertificateName(param: string, name: string): string | undefined {
  return /^[\w+=,.@-]{1,128}$/.test(name) ? undefined : `${param} must be 1–128 letters, digits and \`+=,.@-\`, got \`${shortName(name)}\``;
}

function firstError(...messages: (string | undefined)[]): string | undefined {
  return messages.find((m) => m !== undefined);
}

/**
 * The first parameter refused, as a `VALIDATION_ERROR` whose path is the parameter's IAM name (`UserName`, `Path`,
 * `Tags`…), which the admin API turns into its body's field (review je, 5: the path was empty, so `/v1/` named nothing).
 */
function firstInvalid<T>(...checks: readonly (readonly [param: string, message: string | undefined])[]): Result<T> | undefined {
  const bad = checks.find(([, m]) => m !== undefined);
  return bad === undefined ? undefined : invalid<T>(bad[1] as string, bad[0]);
}

/**
 * Validates a policy document; the first grammar error becomes the message, as IAM's MalformedPolicyDocument. A
 * document over the size limit is IAM's LimitExceeded (409, POLICY_TOO_LARGE): `tooLarge` is IAM's message for it
 * (`Cannot exceed quota for PolicySize: 6144`), followed by the document's size.
 */
export function checkDocument(document: unknown, kind: PolicyKind, maxChars: number, field = 'PolicyDocument', tooLarge?: string): Result<string> {
  if (typeof document !== 'string' || document.length === 0) return failWith('VALIDATION_ERROR', `${field} is required`, field);
  const r = parsePolicy(document, { kind, maxChars, written: true });
  if (!r.ok) {
    const e = r.errors[0] as GatehouseError;
    if (e.code === 'POLICY_TOO_LARGE' && tooLarge !== undefined) {
      return failWith('POLICY_TOO_LARGE', `${tooLarge} (the document has ${countNonWhitespace(document)} characters, whitespace not counted)`, e.path);
    }
    const where = e.path ? ` (at ${e.path}${e.line ? `, line ${e.line}` : ''})` : '';
    return { ok: false, errors: r.errors.map((x, i) => (i === 0 ? { ...x, message: `${x.message}${where}` } : x)) };
  }
  return ok(document);
}

/**
 * A trust policy naming a user or role that does not exist is refused, as IAM's MalformedPolicyDocument `Invalid
 * principal in policy` (review Z, finding 3; src/app/principal-refs.ts), with where it is, as `checkDocument` says it;
 * so is one of an account the deployment does not hold: a role trusting `arn:aws:iam::<id>:role/x` before account
 * `<id>` exists could be assumed by the role `x` of whoever is later given that account (review cb, 4, as bx, 2 for
 * resource policies).
 */
async function principalsExist(tx: ReadTx, document: string): Promise<Result<never> | undefined> {
  const r = await unknownPrincipal(tx, document, { accountMustExist: true });
  if (r === undefined || r.ok) return undefined;
  return { ok: false, errors: r.errors.map((e) => ({ ...e, message: `${e.message}${e.path ? ` (at ${e.path})` : ''}` })) };
}

/** IAM's LimitExceeded messages for a document over its quota (a role's trust policy, a managed policy). */
const TRUST_TOO_LARGE = `Cannot exceed quota for ACLSizePerRole: ${QUOTAS.trustPolicySize}`;
const MANAGED_TOO_LARGE = `Cannot exceed quota for PolicySize: ${QUOTAS.managedPolicySize}`;

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** A condition context, as `authorizeAdmin` takes it. */
export type ConditionContext = Record<string, string | string[]>;

/**
 * A resource's tags as `aws:ResourceTag/K` alone: the key the Service Authorization Reference gives STS's `role`
 * resource (AssumeRole and the actions decided under a trust policy, review cc, 8) and IAM's `oidc-provider` (review
 * cb, 7), which have no `iam:ResourceTag`.
 */
export function awsResourceTags(tags: readonly Tag[] | undefined): ConditionContext {
  const out: ConditionContext = {};
  for (const t of tags ?? []) out[`aws:ResourceTag/${t.key}`] = t.value;
  return out;
}

/**
 * The condition keys of a user's or role's tags, as the Service Authorization Reference gives them for IAM's `user`
 * and `role` resources: `aws:ResourceTag/K` and `iam:ResourceTag/K` (review T, T2). Groups carry no tags.
 */
export function resourceTagContext(tags: readonly Tag[] | undefined): ConditionContext {
  const out: ConditionContext = {};
  for (const t of tags ?? []) {
    out[`aws:ResourceTag/${t.key}`] = t.value;
    out[`iam:ResourceTag/${t.key}`] = t.value;
  }
  return out;
}

/**
 * The tag keys a request names as `aws:TagKeys` holds them: the request's spelling, and also each spelling in `known` of a
 * key it names in another case. Tag keys are case-insensitive (`CLEARANCE` replaces or removes the stored `clearance`:
 * `mergeTags`, `untagEntity`; `aws:PrincipalTag/clearance` reads it), but `aws:TagKeys` is compared with the policy's
 * operator, so a Deny on any spelling must match (review X, X1), as an entity is decided on its stored name (review T,
 * T1). `known`: the entity's stored keys (`requestTagContext`, `tagKeysContext`), the spellings the caller's policies
 * compare `aws:TagKeys` with (`withPolicyTagKeySpellings`).
 */
export function tagKeySpellings(keys: readonly string[], known: readonly string[]): string[] {
  const out = [...keys];
  const named = new Set(keys.map((k) => k.toLowerCase()));
  for (const k of known) if (named.has(k.toLowerCase()) && !out.includes(k)) out.push(k);
  return out;
}


/**
 * `context` with its `aws:TagKeys` also holding each spelling the caller's policies use of a key it names in another
 * case (review X, X1): a Deny `ForAnyValue:StringEquals aws:TagKeys [clearance]` holds against a `CLEARANCE` the entity
 * never held, which `aws:PrincipalTag/clearance` would then read. Admin decisions (the directory's and apply's) go
 * through it; unchanged without `aws:TagKeys`.
 */
export function withPolicyTagKeySpellings(caller: Caller, context: Readonly<ConditionContext>): ConditionContext {
  const keys = context['aws:TagKeys'];
  if (keys === undefined) return { ...context };
  return { ...context, 'aws:TagKeys': tagKeySpellings(typeof keys === 'string' ? [keys] : keys, tagKeyLiterals([...caller.policies.identity, caller.policies.boundary, ...(caller.policies.session ?? [])])) };
}

/**
 * The keys of the tags a request carries (CreateUser, CreateRole, TagUser, TagRole): `aws:RequestTag/K` and `aws:TagKeys`
 * (with the spelling of `stored`, the entity's tags, for a key it holds in another case); none without tags.
 * `aws:RequestTag/K` needs no second spelling: condition key names are matched without regard to case.
 */
export function requestTagContext(tags: readonly Tag[] | undefined, stored: readonly Tag[] = []): ConditionContext {
  if (!tags || tags.length === 0) return {};
  const out: ConditionContext = { 'aws:TagKeys': tagKeySpellings(tags.map((t) => t.key), stored.map((t) => t.key)) };
  for (const t of tags) out[`aws:RequestTag/${t.key}`] = t.value;
  return out;
}

/**
 * `iam:PermissionsBoundary`: the boundary a CreateUser/CreateRole asks for, the one a Put…PermissionsBoundary sets, or
 * the target's current one on Put/Delete…Policy, Attach/Detach…Policy and Delete…PermissionsBoundary (review T, T4).
 * Absent when there is none.
 */
/**
 * The managed policy visible to `account` (its own and the built-ins) that `arn` names, in any case: IAM resolves a
 * policy's ARN without regard to case, as its names are unique (review rc, 2; looked up literally,
 * `…:policy/readonlyaccess` answered NoSuchEntity), and RAM's ARN of an aliased built-in names it (review fn, 4).
 * Undefined for none. What decides on it and what is stored use its `arn`, the stored one.
 */
export async function visiblePolicy(tx: { readonly policies: Pick<ReadTx['policies'], 'getByArn' | 'get'> }, account: string, arn: string): Promise<PolicyRecord | undefined> {
  const visible = (p: PolicyRecord | undefined): PolicyRecord | undefined => (p && (p.account === account || p.account === 'aws') ? p : undefined);
  const exact = visible(await tx.policies.getByArn(storedBuiltinArn(arn)));
  if (exact) return exact;
  const name = /:policy\/(?:.*\/)?([^/]+)$/i.exec(arn)?.[1];
  if (name === undefined) return undefined;
  const wanted = arn.toLowerCase();
  for (const owner of new Set([account, 'aws'])) {
    const p = visible(await tx.policies.get(owner, name));
    if (p && (p.arn.toLowerCase() === wanted || otherSystemPolicySpelling(p.arn)?.toLowerCase() === wanted)) return p;
  }
  return undefined;
}

export function boundaryContext(boundary: string | null | undefined): ConditionContext {
  return boundary ? { 'iam:PermissionsBoundary': storedBuiltinArn(boundary) } : {};
}

/** The keys an UntagUser or UntagRole request names: `aws:TagKeys`, with the spelling of `stored` for a key held in another case. */
export function tagKeysContext(keys: readonly string[], stored: readonly Tag[] = []): ConditionContext {
  return keys.length === 0 ? {} : { 'aws:TagKeys': tagKeySpellings(keys, stored.map((t) => t.key)) };
}

/** What GetPolicy and ListPolicies count of a managed policy in the caller's account. */
export interface PolicyCounts {
  readonly attachmentCount: number;
  readonly permissionsBoundaryUsageCount: number;
}

export interface NewAccessKeyResult {
  readonly key: AccessKeyRecord;
  /** Shown once, never stored in plaintext. */
  readonly secretAccessKey: string;
}

export type Directory = ReturnType<typeof createDirectory>;

export function createDirectory(deps: AppDeps) {
  const { store } = deps;
  const now = (): string => isoSeconds(deps.now());
  const newId = (prefix: string, len = 21): string => uniqueId(prefix, deps.randomBytes(32), len);

  const arnOf = (c: Caller, kind: 'user' | 'group' | 'role' | 'policy' | 'instance-profile', path: string, name: string): string => entityArn(c.partition, c.account, kind, path, name);

  /** Authorize, then run `fn` in a write transaction; a failed Result rolls everything back. */
  async function write<T>(c: Caller, fn: (tx: WriteTx) => Promise<Result<T>>): R<T> {
    // Under the fail-closed audit policy, no change happens while the audit log cannot record it.
    const closed = deps.audit?.gate('the directory is not changed');
    if (closed) return closed;
    return store.write(
      async (tx, abort) => {
        // PostgreSQL retries a transaction that lost a serialization race: only the attempt that commits is recorded.
        const frame = frames.get(c);
        if (frame) delete frame.change;
        const r = await fn(tx);
        if (!r.ok) abort(r);
        return r;
      },
      // Recorded as it commits, before the store reloads what it changed (review iw, 3).
      { committed: (r) => frames.get(c)?.committed?.(r) },
    );
  }

  function authz(c: Caller, action: string, resource: string, context?: Record<string, string | string[]>): Result<unknown> {
    const frame = frames.get(c);
    if (frame && frame.action === undefined) {
      frame.action = action.includes(':') ? action : `${adminService(c.partition)}:${action}`;
      frame.resource = resource;
    }
    return authorizeAdmin(c, deps.now(), action, resource, context && withPolicyTagKeySpellings(c, context));
  }

  // ------------------------------------------------------------------------------------------------
  // Audit: every change, and every refused attempt, is recorded with the caller, the admin action and the
  // resource its authorization named, and the outcome. An audited call runs with its own copy of the caller,
  // the key of its frame, so that `authz` can note the action however deep inside the call it is decided.
  // A change that is made also records `before` (what it replaced or removed) and `after` (what it wrote), read
  // in its own write transaction, so they are exact; `null` on either side means there was, or is, none. Both
  // go through the audit log's redaction like the rest of the detail, and no secret is ever put there (an access
  // key is recorded by its id, its sealed secret left out).

  interface Frame {
    action?: string;
    resource?: string;
    change?: { readonly before: unknown; readonly after: unknown };
    /** The change's transaction committed (called by `write` before the store's reload): records it at once. */
    committed?: (r: Result<unknown>) => void;
    /** Its record is made. */
    recorded?: boolean;
  }
  const frames = new WeakMap<Caller, Frame>();
  const ROLE_ARN = /^(arn:[a-z-]+:iam|acs:ram)::\d+:role\//;

  /** Notes what a change replaced or removed and what it wrote (`null`: nothing), read inside its transaction. */
  function changed(c: Caller, before: unknown, after: unknown): void {
    const frame = frames.get(c);
    if (frame) frame.change = { before: before ?? null, after: after ?? null };
  }

  function audited<A extends unknown[], T>(f: (c: Caller, ...args: A) => R<T>): (c: Caller, ...args: A) => R<T> {
    return async (c, ...args) => {
      const sink = deps.audit;
      if (!sink) return f(c, ...args);
      const frame: Frame = {};
      const own: Caller = { ...c };
      frames.set(own, frame);
      const request = args.length === 1 ? args[0] : args;
      // The change as recorded: who (in which session and job, from which address: `actorOf`), what, and how it ended.
      // A change to a role is about that role: `audit query --role` finds who changed it as well as who assumed it, and
      // the role whose session changed it (`aboutRole`).
      const note = (action: string, decision: string, changed: boolean, error: string | undefined): void => {
        const who = actorOf(c);
        sink.record({
          kind: 'change',
          account: c.account,
          ...who,
          action,
          resource: frame.resource ?? '',
          decision,
          ...(ROLE_ARN.test(frame.resource ?? '') ? aboutRole(who.role, frame.resource as string) : {}),
          // A refusal's request whole only up to a bound: TagUser's tags are checked after the permission (review gm, 3).
          detail: { request: decision === 'ok' || decision === 'OUTCOME_UNKNOWN' ? request : refusedRequest(request), ...(changed && frame.change ? { before: frame.change.before, after: frame.change.after } : {}), ...(error !== undefined ? { error } : {}) },
        });
      };
      // A change made is recorded as its transaction commits, not after the store has reloaded what it changed (a read of
      // the database, which may hang): a process killed in between left the change made and recorded nowhere, not even
      // in the journal (review iw, 3).
      frame.committed = (done) => {
        if (frame.recorded === true || frame.action === undefined || !done.ok) return;
        frame.recorded = true;
        note(frame.action, 'ok', true, undefined);
      };
      let r: Result<T>;
      try {
        r = await f(own, ...args);
      } catch (e) {
        // The database connection was lost as the change committed: it may have been made, and a change made must be
        // in the log (review aa11). Recorded as of unknown outcome, with the before and after it committed, if it did.
        if (frame.action !== undefined && frame.recorded !== true && isStoreOutcomeUnknown(e)) note(frame.action, 'OUTCOME_UNKNOWN', true, e.message);
        throw e;
      }
      // Recorded already as it committed.
      if (frame.recorded === true) return r;
      // Calls refused before authorization (malformed input) changed nothing and named no action.
      if (frame.action === undefined) return r;
      const error = r.ok ? undefined : r.errors[0];
      note(frame.action, error ? error.code : 'ok', r.ok, error?.message);
      return r;
    };
  }

  /** An access key as the audit log shows it: its id and state, never its (sealed) secret. */
  const keyView = (k: AccessKeyRecord) => ({ accessKeyId: k.id, userName: k.userName, status: k.status, created: k.created });

  /** A managed policy with every version's document (what deleting it removes, what creating it wrote). */
  async function policyView(tx: ReadTx, p: PolicyRecord) {
    return { ...p, versions: await tx.policies.listVersions(p.arn) };
  }

  /** An inline policy as the request names it. */
  const inlineView = (p: InlinePolicyRecord | undefined) => (p ? { policyName: p.name, policyDocument: p.document } : null);

  /** A deletion's `after`: the policies it rewrote (`forgetPrincipal`), when there are any; else nothing, as before. */
  function forgot(c: Caller, before: unknown, f: Forgotten): void {
    if (f.trustPolicies.length + f.resourcePolicies.length + f.iamPolicies.length + f.workspaces.length + f.clusters.length > 0) changed(c, before, { policiesForgettingIt: f });
  }

  /**
   * A rename: the entity renamed (changedTo), and what now names it by its new name (`followRename`, review K2),
   * as `after.policiesFollowingIt` when there is any.
   */
  async function renamed<T extends UserRecord | GroupRecord>(c: Caller, tx: WriteTx, type: 'user' | 'group', before: T, r: StoreResult<T>): Promise<Result<T>> {
    const out = changedTo(c, before, r);
    if (!r.ok || (r.value.name === before.name && r.value.path === before.path)) return out;
    const f = await followRename(tx, { type, account: c.account, id: before.id, from: { name: before.name, path: before.path }, to: { name: r.value.name, path: r.value.path } }, now());
    if (f.trustPolicies.length + f.resourcePolicies.length + f.iamPolicies.length + f.workspaces.length + f.clusters.length + f.accessEntries.length > 0) changed(c, before, { ...r.value, policiesFollowingIt: f });
    return out;
  }

  /** Keeps a store result's value as `after` when it succeeded. */
  function changedTo<T>(c: Caller, before: unknown, r: StoreResult<T>, view: (v: T) => unknown = (v) => v): Result<T> {
    if (r.ok) changed(c, before, view(r.value));
    return fromStore(r);
  }

  /** The groups a user is in, by name (bounded by the GroupsPerUser quota). */
  async function groupNamesOf(tx: ReadTx, account: string, user: string): Promise<string[]> {
    return (await tx.groups.listForUser(account, user)).map((g) => g.name);
  }

  const noSuch = <T>(kind: string, name: string): Result<T> => failWith<T>('NO_SUCH_ENTITY', `The ${kind} with name ${name} cannot be found.`);

  const entityOf = <K extends PrincipalType>(tx: ReadTx, type: K, account: string, name: string): Promise<Principal[K] | undefined> =>
    tx[TABLE[type]].get(account, name) as Promise<Principal[K] | undefined>;

  /**
   * Reads the user, group or role `name` and authorizes `action` on its ARN, at path `/` when there is none: a caller
   * without the right gets the same refusal whether it exists or not. The entity when it is allowed, if there is one.
   * An entity that exists is decided under its canonical ARN (its stored path and name), whatever the case the request
   * spelt it in: names are case-insensitive but policies match ARNs case-sensitively, so `ADMIN` must meet the Deny on
   * `user/admin` (review T, T1). Only a name that names nothing keeps the spelling given.
   */
  async function authorizeOn<K extends PrincipalType>(c: Caller, tx: ReadTx, type: K, name: string, action: string, context?: EntityContext<K>): Promise<Result<Principal[K] | undefined>> {
    // IAM's bound and pattern on the name first: nothing else can exist, and it is neither decided, echoed nor recorded
    // (review gm, 5; review kz, 1).
    const long = lookupNameProblem(type, name);
    if (long !== undefined) return invalid(long, `${type[0]?.toUpperCase() ?? ''}${type.slice(1)}Name`);
    const e = await entityOf(tx, type, c.account, name);
    const extra = typeof context === 'function' ? context(e) : context;
    // A user's or role's tags are its resource tags (aws:ResourceTag, iam:ResourceTag: review T, T2).
    const tags = e && 'tags' in e ? resourceTagContext(e.tags) : {};
    const a = authz(c, action, e ? arnOf(c, type, e.path, e.name) : arnOf(c, type, '/', name), { ...tags, ...extra });
    return a.ok ? ok(e) : a;
  }

  /**
   * Tags given at creation are decided as the tagging action too (`TagUser`, `TagRole`, `TagPolicy`) on the new entity's
   * ARN with the request's tags, as AWS decides them ("not authorized to perform: iam:TagRole" from CreateRole with tags)
   * and as `gatehouse apply` decides a new entity's tag step: decided as the create action alone, a Deny on TagUser was
   * stepped around by giving the tags to CreateUser (review iu, 5). Nothing to ask without tags.
   */
  function authorizeTagsOnCreate(c: Caller, action: 'TagUser' | 'TagRole' | 'TagPolicy', arn: string, tags: readonly Tag[] | undefined): Result<unknown> {
    return tags === undefined || tags.length === 0 ? ok(undefined) : authz(c, action, arn, requestTagContext(tags));
  }

  /** `iam:PermissionsBoundary` of a user's or role's current boundary (a group has none). */
  const currentBoundary = (e: UserRecord | GroupRecord | RoleRecord | undefined): ConditionContext => boundaryContext(e && 'permissionsBoundary' in e ? e.permissionsBoundary : null);

  /** `authorizeOn`, then IAM's NoSuchEntity when there is no such entity: authorization is decided first. */
  async function authorizedEntity<K extends PrincipalType>(c: Caller, tx: ReadTx, type: K, name: string, action: string, context?: EntityContext<K>): Promise<Result<Principal[K]>> {
    const e = await authorizeOn(c, tx, type, name, action, context);
    if (!e.ok) return e;
    return e.value ? ok(e.value) : noSuch(type, name);
  }

  /**
   * A rename or a move is authorized on the target as well as the source ("the requester must have appropriate
   * permissions on both the source object and the target object", UpdateUser and UpdateGroup API reference): the
   * ARN the entity will have, its new path and name or its own (review T, T3).
   */
  function authorizeTarget(c: Caller, type: 'user' | 'group', action: string, e: UserRecord | GroupRecord, newName: string | undefined, newPath: string | undefined, context?: Record<string, string | string[]>): Result<unknown> {
    return authz(c, action, arnOf(c, type, newPath ?? e.path, newName ?? e.name), context);
  }

  /** Writes a user's or role's tags or permissions boundary, and notes that field before and after. */
  async function updateField<F extends 'tags' | 'permissionsBoundary'>(c: Caller, tx: WriteTx, type: 'user' | 'role', name: string, e: UserRecord | RoleRecord, field: F, value: UserRecord[F]): R<void> {
    const patch = { [field]: value } as Pick<UserPatch & RolePatch, F>;
    const r = type === 'user' ? await tx.users.update(c.account, name, patch) : await tx.roles.update(c.account, name, patch);
    if (!r.ok) return fromStore(r as StoreResult<void>);
    changed(c, { [field]: e[field] }, { [field]: r.value[field] });
    return ok(undefined);
  }

  /**
   * How often the caller's account attaches a policy. Built-in policies are shared by every account: a count
   * over all of them would show one account what the others attach.
   */
  async function attachmentsInAccount(tx: ReadTx, account: string, p: PolicyRecord): Promise<number> {
    if (p.account !== 'aws') return tx.attachments.countForPolicy(p.arn);
    return (await tx.attachments.listForPolicy(p.arn)).filter((x) => x.principal.account === account).length;
  }

  /**
   * How many users and roles of the account have each policy as their permissions boundary (GetPolicy's and
   * ListPolicies' PermissionsBoundaryUsageCount, as GetAccountAuthorizationDetails counts it): DeletePolicy refuses a
   * policy in that use, so a count of 0 there told an administrator it could go (review directory, D6).
   */
  async function boundaryUsesInAccount(tx: ReadTx, account: string): Promise<Map<string, number>> {
    const uses = new Map<string, number>();
    for (const e of [...(await tx.users.list(account)), ...(await tx.roles.list(account))]) if (e.permissionsBoundary) uses.set(e.permissionsBoundary, (uses.get(e.permissionsBoundary) ?? 0) + 1);
    return uses;
  }

  /**
   * What ListUsers, ListGroups, ListRoles and ListPolicies are decided on: `…:user/*` (every user) without a PathPrefix,
   * `…:user/dev/*` with PathPrefix `/dev/`: the entities the answer can hold. So an Allow on `user/dev/*` (IAM's own
   * example, "Access the policy simulator console based on user path", grants iam:ListUsers so) lets its holder list
   * `/dev/`, and a Deny on `user/protected/*` refuses listing `/protected/`; without a prefix the resource is as before
   * (review directory, D12).
   */
  const listedArn = (c: Caller, kind: 'user' | 'group' | 'role' | 'policy', pathPrefix: string | undefined): string => arnOf(c, kind, pathPrefix ?? '/', '*');

  /**
   * Resolve a policy ARN visible to the caller's account: its own policies and the built-ins. `field`: the parameter it
   * came in (a boundary's is `PermissionsBoundary`), which a refusal names with the value (review ei, 2).
   */
  async function policyByArn(tx: ReadTx, c: Caller, arn: unknown, field = 'PolicyArn'): Promise<Result<PolicyRecord>> {
    if (typeof arn !== 'string' || arn === '') return invalid(`${field} is required: give the ARN of a managed policy`, field);
    if (arn.length < 20) {
      return invalid(`${field} \`${shortName(arn)}\` is not the ARN of a managed policy: give its ARN as ListPolicies answers it (\`arn:aws:iam::aws:policy/ReadOnlyAccess\` for a built-in one)`, field);
    }
    // The IAM API reference's bound, before anything decides, echoes or records it: an ARN of any length was decided,
    // refused naming it and recorded as the resource, 1.8 MB a request from a principal with no permission (review gm, 4).
    const long = arnTooLong(field, arn);
    if (long !== undefined) return invalid(long, field);
    const shape = policyArnShapeProblem(field, arn);
    if (shape !== undefined) return failWith('INVALID_INPUT', shape, field);
    const p = await storedPolicy(tx, c, arn);
    if (!p) return failWith('NO_SUCH_ENTITY', `Policy ${arn} does not exist or is not attachable.`);
    return ok(p);
  }

  const storedPolicy = (tx: ReadTx, c: Caller, arn: string): Promise<PolicyRecord | undefined> => visiblePolicy(tx, c.account, arn);

  /** The ARN a request's policy ARN is decided as: the stored policy's when there is one (in any case), else as given. */
  async function decidedPolicyArn<T>(tx: ReadTx, c: Caller, arn: T): Promise<T | string> {
    if (typeof arn !== 'string' || arn === '') return arn;
    if (arnTooLong('PolicyArn', arn) !== undefined) return storedBuiltinArn(arn);
    return (await storedPolicy(tx, c, arn))?.arn ?? storedBuiltinArn(arn);
  }

  /** `policyByArn`, for a change: built-in policies are shared by every account and refused with `refusal`. */
  async function customerPolicy(tx: ReadTx, c: Caller, arn: unknown, refusal = 'Built-in managed policies cannot be changed.', action?: string): Promise<Result<PolicyRecord>> {
    // With `action`, decided first, on the policy with its tags (`authorizedPolicy`).
    const p = action === undefined ? await policyByArn(tx, c, arn) : await authorizedPolicy(c, tx, arn as string, action, () => ({}));
    return p.ok && p.value.account === 'aws' ? failWith('INVALID_INPUT', refusal) : p;
  }

  // ------------------------------------------------------------------------------------------------
  // Users

  async function createUser(c: Caller, input: { userName: string; path?: string; tags?: Tag[]; permissionsBoundary?: string }): R<UserRecord> {
    const path = input.path ?? '/';
    const bad = firstInvalid<UserRecord>(['UserName', checkName('user', input.userName)], ['Path', checkPath(input.path)], ['Tags', checkTags(input.tags ?? [], [], c.partition)]);
    if (bad) return bad;
    // The boundary is decided on, and stored as, the ARN its policy is stored under, however the request cases it (review rc, 2).
    const boundary = input.permissionsBoundary === undefined ? undefined : await store.read((tx) => decidedPolicyArn(tx, c, input.permissionsBoundary));
    const a = authz(c, 'CreateUser', arnOf(c, 'user', path, input.userName), { ...requestTagContext(input.tags), ...boundaryContext(boundary) });
    if (!a.ok) return a;
    const tagging = authorizeTagsOnCreate(c, 'TagUser', arnOf(c, 'user', path, input.userName), input.tags);
    if (!tagging.ok) return tagging;
    return write(c, async (tx) => {
      let stored: string | null = null;
      if (input.permissionsBoundary !== undefined) {
        const b = await policyByArn(tx, c, input.permissionsBoundary, 'PermissionsBoundary');
        if (!b.ok) return b;
        stored = b.value.arn;
      }
      if ((await tx.users.list(c.account)).length >= QUOTAS.usersPerAccount) return overQuota('UsersPerAccount', QUOTAS.usersPerAccount);
      return changedTo(
        c,
        null,
        await tx.users.create({ account: c.account, name: input.userName, path, id: newId(ID_PREFIX.user), created: now(), tags: input.tags ?? [], permissionsBoundary: stored, disabled: false }),
      );
    });
  }

  async function getUser(c: Caller, input: { userName?: string }): R<UserRecord> {
    const name = input.userName ?? c.user?.name;
    if (!name) return invalid('UserName is required when the caller is not a user', 'UserName');
    return store.read(async (tx) => {
      // Reading oneself needs no permission only for GetUser without a name, as in AWS.
      if (input.userName !== undefined || !c.user) return authorizedEntity(c, tx, 'user', name, 'GetUser');
      const u = await tx.users.get(c.account, name);
      return u ? ok(u) : noSuch('user', name);
    });
  }

  /**
   * ListUsers. `held`: the users the instance holds in memory, listed instead when the database cannot be reached
   * (who-can's principals, decided from memory as decisions are; review qf, 1); the caller is authorized alike.
   */
  async function listUsers(c: Caller, input: { pathPrefix?: string }, held?: HeldListing<UserRecord>): R<UserRecord[]> {
    const bad = checkPathPrefix(input.pathPrefix);
    if (bad) return invalid(bad);
    const a = authz(c, 'ListUsers', listedArn(c, 'user', input.pathPrefix));
    if (!a.ok) return a;
    return orHeld(() => store.read(async (tx) => ok(await tx.users.list(c.account, prefixOf(input)))), c, input, held);
  }

  async function updateUser(c: Caller, input: { userName: string; newUserName?: string; newPath?: string }): R<UserRecord> {
    const bad = firstError(checkName('user', input.userName), input.newUserName !== undefined ? checkName('user', input.newUserName, 'NewUserName') : undefined, checkPath(input.newPath, 'NewPath'));
    if (bad) return invalid(bad);
    return write(c, async (tx) => {
      const u = await authorizedEntity(c, tx, 'user', input.userName, 'UpdateUser');
      if (!u.ok) return u;
      const target = authorizeTarget(c, 'user', 'UpdateUser', u.value, input.newUserName, input.newPath, resourceTagContext(u.value.tags));
      if (!target.ok) return target;
      // What named the old name would grant a user created later under it, and not the renamed one (review K2).
      return renamed(c, tx, 'user', u.value, await tx.users.update(c.account, input.userName, renaming(input.newUserName, input.newPath)));
    });
  }

  /**
   * DeleteUser, DeleteGroup, DeleteRole. What named it by name would grant a user or role created later under that
   * name (review F3), or make members of a group created later under it (review K1): it is forgotten in the same
   * transaction.
   */
  async function deletePrincipal(c: Caller, type: PrincipalType, name: string): R<void> {
    return write(c, async (tx) => {
      const e = await authorizedEntity(c, tx, type, name, `Delete${ACTION_NAME[type]}`);
      if (!e.ok) return e;
      if (type === 'role') {
        // A cluster's nodes run as it: IAM's DeleteConflict, as for a role an instance profile holds (review gs, 1).
        const users = await clustersRunningAs(tx, c.account, e.value.name);
        if (users.length) {
          const named = users.map((u) => `cluster \`${u.cluster}\` (${u.fields.join(', ')})`).join(', ');
          return failWith('DELETE_CONFLICT', `Cannot delete entity, must remove the role from the clusters that run their nodes as it first: role \`${e.value.name}\` is named by ${named}; name another role there, or delete the cluster`);
        }
      }
      const r = changedTo(c, e.value, await tx[TABLE[type]].delete(c.account, name), () => null);
      const gone = { account: c.account, name: e.value.name, id: e.value.id };
      if (r.ok) forgot(c, e.value, type === 'group' ? await forgetGroup(tx, gone, now()) : await forgetPrincipal(tx, { type, ...gone }, now()));
      return r;
    });
  }

  const deleteUser = (c: Caller, input: { userName: string }): R<void> => deletePrincipal(c, 'user', input.userName);

  /**
   * Disabling a user revokes its GetSessionToken and GetFederationToken sessions in the same transaction: written
   * apart (src/app/revocation.ts `disableUser` wrote them after this commit), an instance killed, or a database lost,
   * between the two left a user disabled whose sessions were not revoked, and enabling it later gave them back, though
   * "sessions revoked when it was disabled stay revoked" (review fh, 2). The caller still notes them in its own list.
   */
  async function setUserDisabled(c: Caller, input: { userName: string; disabled: boolean }): R<UserRecord> {
    return write(c, async (tx) => {
      const u = await authorizedEntity(c, tx, 'user', input.userName, 'UpdateUser');
      if (!u.ok) return u;
      const updated = await tx.users.update(c.account, input.userName, { disabled: input.disabled });
      if (updated.ok && input.disabled) {
        const at = deps.now();
        for (const id of userRevocationIds(updated.value)) await putRevocation(tx, 'user', id, at);
      }
      return changedTo(c, { disabled: u.value.disabled }, updated, (x) => ({ disabled: x.disabled }));
    });
  }

  // ------------------------------------------------------------------------------------------------
  // Groups

  async function createGroup(c: Caller, input: { groupName: string; path?: string }): R<GroupRecord> {
    const path = input.path ?? '/';
    const bad = firstInvalid<GroupRecord>(['GroupName', checkName('group', input.groupName)], ['Path', checkPath(input.path)]);
    if (bad) return bad;
    const a = authz(c, 'CreateGroup', arnOf(c, 'group', path, input.groupName));
    if (!a.ok) return a;
    return write(c, async (tx) => {
      if ((await tx.groups.list(c.account)).length >= QUOTAS.groupsPerAccount) return overQuota('GroupsPerAccount', QUOTAS.groupsPerAccount);
      return changedTo(c, null, await tx.groups.create({ account: c.account, name: input.groupName, path, id: newId(ID_PREFIX.group), created: now() }));
    });
  }

  async function getGroup(c: Caller, input: { groupName: string }): R<{ group: GroupRecord; users: UserRecord[] }> {
    return store.read(async (tx) => {
      const g = await authorizedEntity(c, tx, 'group', input.groupName, 'GetGroup');
      if (!g.ok) return g;
      return ok({ group: g.value, users: await tx.groups.listMembers(c.account, g.value.name) });
    });
  }

  async function listGroups(c: Caller, input: { pathPrefix?: string }): R<GroupRecord[]> {
    const bad = checkPathPrefix(input.pathPrefix);
    if (bad) return invalid(bad);
    const a = authz(c, 'ListGroups', listedArn(c, 'group', input.pathPrefix));
    if (!a.ok) return a;
    return store.read(async (tx) => ok(await tx.groups.list(c.account, prefixOf(input))));
  }

  async function updateGroup(c: Caller, input: { groupName: string; newGroupName?: string; newPath?: string }): R<GroupRecord> {
    const bad = firstError(input.newGroupName !== undefined ? checkName('group', input.newGroupName, 'NewGroupName') : undefined, checkPath(input.newPath, 'NewPath'));
    if (bad) return invalid(bad);
    return write(c, async (tx) => {
      const g = await authorizedEntity(c, tx, 'group', input.groupName, 'UpdateGroup');
      if (!g.ok) return g;
      const target = authorizeTarget(c, 'group', 'UpdateGroup', g.value, input.newGroupName, input.newPath);
      if (!target.ok) return target;
      return renamed(c, tx, 'group', g.value, await tx.groups.update(c.account, input.groupName, renaming(input.newGroupName, input.newPath)));
    });
  }

  const deleteGroup = (c: Caller, input: { groupName: string }): R<void> => deletePrincipal(c, 'group', input.groupName);

  /**
   * The member a group call names, bounded and patterned as user names are before anything is decided
   * (`lookupNameProblem`): it was quoted whole in the NoSuchEntity and recorded in the change's error (review iu, 2).
   */
  const memberTooLong = (userName: string): Result<never> | undefined => {
    const long = lookupNameProblem('user', userName, 'UserName');
    return long === undefined ? undefined : invalid(long, 'UserName');
  };

  async function addUserToGroup(c: Caller, input: { groupName: string; userName: string }): R<void> {
    const long = memberTooLong(input.userName);
    if (long) return long;
    return write(c, async (tx) => {
      const g = await authorizedEntity(c, tx, 'group', input.groupName, 'AddUserToGroup');
      if (!g.ok) return g;
      const group = g.value.name;
      const u = await tx.users.get(c.account, input.userName);
      if (!u) return noSuch('user', input.userName);
      const current = await tx.groups.listForUser(c.account, u.name);
      if (!current.some((x) => x.name.toLowerCase() === group.toLowerCase()) && current.length >= QUOTAS.groupsPerUser) return overQuota('GroupsPerUser', QUOTAS.groupsPerUser);
      const r = await tx.groups.addMember(c.account, group, u.name);
      if (!r.ok) return fromStore(r as StoreResult<void>);
      changed(c, { groups: current.map((x) => x.name) }, { groups: await groupNamesOf(tx, c.account, u.name) });
      return ok(undefined);
    });
  }

  async function removeUserFromGroup(c: Caller, input: { groupName: string; userName: string }): R<void> {
    const long = memberTooLong(input.userName);
    if (long) return long;
    return write(c, async (tx) => {
      const g = await authorizedEntity(c, tx, 'group', input.groupName, 'RemoveUserFromGroup');
      if (!g.ok) return g;
      // A user that does not exist is IAM's NoSuchEntity for it, as AddUserToGroup says it: "is not a member" read as
      // "already removed", and a typo left the user meant in the group (review ka, 5).
      const member = await tx.users.get(c.account, input.userName);
      if (!member) return noSuch('user', input.userName);
      const user = member.name;
      const current = await groupNamesOf(tx, c.account, user);
      const r = await tx.groups.removeMember(c.account, g.value.name, user);
      if (r.ok) changed(c, { groups: current }, { groups: await groupNamesOf(tx, c.account, user) });
      return fromStore(r);
    });
  }

  async function listGroupsForUser(c: Caller, input: { userName: string }): R<GroupRecord[]> {
    return store.read(async (tx) => {
      const u = await authorizedEntity(c, tx, 'user', input.userName, 'ListGroupsForUser');
      if (!u.ok) return u;
      return ok(await tx.groups.listForUser(c.account, u.value.name));
    });
  }

  // ------------------------------------------------------------------------------------------------
  // Roles

  async function createRole(
    c: Caller,
    input: { roleName: string; assumeRolePolicyDocument: string; path?: string; description?: string; maxSessionDuration?: number; tags?: Tag[]; permissionsBoundary?: string },
  ): R<RoleRecord> {
    const path = input.path ?? '/';
    const bad = firstInvalid<RoleRecord>(['RoleName', checkName('role', input.roleName)], ['Path', checkPath(input.path)], ['Description', checkDescription(input.description)], ['MaxSessionDuration', checkMaxSessionDuration(input.maxSessionDuration)], ['Tags', checkTags(input.tags ?? [], [], c.partition)]);
    if (bad) return bad;
    const doc = checkDocument(input.assumeRolePolicyDocument, 'trust', QUOTAS.trustPolicySize, 'AssumeRolePolicyDocument', TRUST_TOO_LARGE);
    if (!doc.ok) return doc;
    // The boundary is decided on, and stored as, the ARN its policy is stored under, however the request cases it (review rc, 2).
    const boundary = input.permissionsBoundary === undefined ? undefined : await store.read((tx) => decidedPolicyArn(tx, c, input.permissionsBoundary));
    const a = authz(c, 'CreateRole', arnOf(c, 'role', path, input.roleName), { ...requestTagContext(input.tags), ...boundaryContext(boundary) });
    if (!a.ok) return a;
    const tagging = authorizeTagsOnCreate(c, 'TagRole', arnOf(c, 'role', path, input.roleName), input.tags);
    if (!tagging.ok) return tagging;
    return write(c, async (tx) => {
      const unknown = await principalsExist(tx, input.assumeRolePolicyDocument);
      if (unknown) return unknown;
      let stored: string | null = null;
      if (input.permissionsBoundary !== undefined) {
        const b = await policyByArn(tx, c, input.permissionsBoundary, 'PermissionsBoundary');
        if (!b.ok) return b;
        stored = b.value.arn;
      }
      if ((await tx.roles.list(c.account)).length >= QUOTAS.rolesPerAccount) return overQuota('RolesPerAccount', QUOTAS.rolesPerAccount);
      return changedTo(
        c,
        null,
        await tx.roles.create({
          account: c.account,
          name: input.roleName,
          path,
          id: newId(ID_PREFIX.role),
          created: now(),
          trustPolicy: input.assumeRolePolicyDocument,
          description: input.description ?? '',
          maxSessionDuration: input.maxSessionDuration ?? 3600,
          tags: input.tags ?? [],
          permissionsBoundary: stored,
        }),
      );
    });
  }

  async function getRole(c: Caller, input: { roleName: string }): R<RoleRecord> {
    return store.read((tx) => authorizedEntity(c, tx, 'role', input.roleName, 'GetRole'));
  }

  /** ListRoles; `held` as `listUsers`'. */
  async function listRoles(c: Caller, input: { pathPrefix?: string }, held?: HeldListing<RoleRecord>): R<RoleRecord[]> {
    const bad = checkPathPrefix(input.pathPrefix);
    if (bad) return invalid(bad);
    const a = authz(c, 'ListRoles', listedArn(c, 'role', input.pathPrefix));
    if (!a.ok) return a;
    return orHeld(() => store.read(async (tx) => ok(await tx.roles.list(c.account, prefixOf(input)))), c, input, held);
  }

  /**
   * UpdateRole, and UpdateRoleDescription (`action`), which IAM authorizes as an action of its own,
   * iam:UpdateRoleDescription: granted alone (AWS's service-linked role policies grant it without iam:UpdateRole) or
   * denied alone, it was read as iam:UpdateRole (review fo, 2).
   */
  async function updateRole(c: Caller, input: { roleName: string; description?: string; maxSessionDuration?: number; action?: 'UpdateRole' | 'UpdateRoleDescription' }): R<RoleRecord> {
    const bad = firstError(checkDescription(input.description), checkMaxSessionDuration(input.maxSessionDuration));
    if (bad) return invalid(bad);
    return write(c, async (tx) => {
      const r = await authorizedEntity(c, tx, 'role', input.roleName, input.action ?? 'UpdateRole');
      if (!r.ok) return r;
      return changedTo(
        c,
        { description: r.value.description, maxSessionDuration: r.value.maxSessionDuration },
        await tx.roles.update(c.account, input.roleName, {
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.maxSessionDuration !== undefined ? { maxSessionDuration: Number(input.maxSessionDuration) } : {}),
        }),
        (x) => ({ description: x.description, maxSessionDuration: x.maxSessionDuration }),
      );
    });
  }

  async function updateAssumeRolePolicy(c: Caller, input: { roleName: string; policyDocument: string }): R<RoleRecord> {
    const doc = checkDocument(input.policyDocument, 'trust', QUOTAS.trustPolicySize, 'PolicyDocument', TRUST_TOO_LARGE);
    if (!doc.ok) return doc;
    return write(c, async (tx) => {
      const r = await authorizedEntity(c, tx, 'role', input.roleName, 'UpdateAssumeRolePolicy');
      if (!r.ok) return r;
      const unknown = await principalsExist(tx, input.policyDocument);
      if (unknown) return unknown;
      return changedTo(c, { trustPolicy: r.value.trustPolicy }, await tx.roles.update(c.account, input.roleName, { trustPolicy: input.policyDocument }), (x) => ({ trustPolicy: x.trustPolicy }));
    });
  }

  const deleteRole = (c: Caller, input: { roleName: string }): R<void> => deletePrincipal(c, 'role', input.roleName);

  // ------------------------------------------------------------------------------------------------
  // Instance profiles: Gatehouse keeps none (a cluster's nodes take their role from `Cluster.instanceRole`, not from
  // an EC2 instance profile), so its reads answer what is true: no instance profile holds any role. Tools that manage
  // roles read them before a role is deleted (Terraform's aws_iam_role removes the role from each profile listed by
  // ListInstanceProfilesForRole first), and an InvalidAction there made every such destroy fail (review Q, Q1).

  /** ListInstanceProfilesForRole: the role must exist and be readable; no profile ever holds it. */
  async function listInstanceProfilesForRole(c: Caller, input: { roleName: string }): R<readonly never[]> {
    return store.read(async (tx) => {
      const r = await authorizedEntity(c, tx, 'role', input.roleName, 'ListInstanceProfilesForRole');
      return r.ok ? ok([]) : r;
    });
  }

  /** ListInstanceProfiles, decided on the path it lists, as ListRoles is (`listedArn`). */
  async function listInstanceProfiles(c: Caller, input: { pathPrefix?: string }): R<readonly never[]> {
    const bad = checkPathPrefix(input.pathPrefix);
    if (bad) return invalid(bad, 'PathPrefix');
    const a = authz(c, 'ListInstanceProfiles', arnOf(c, 'instance-profile', input.pathPrefix ?? '/', '*'));
    return a.ok ? ok([]) : a;
  }

  /**
   * An action on one instance profile (GetInstanceProfile, DeleteInstanceProfile, RemoveRoleFromInstanceProfile,
   * ListInstanceProfileTags…): decided on its ARN, then IAM's NoSuchEntity, as for any entity that does not exist.
   */
  async function noInstanceProfile(c: Caller, input: { action: string; instanceProfileName: string }): R<never> {
    const bad = checkName('instance-profile', input.instanceProfileName, 'InstanceProfileName');
    if (bad) return invalid(bad, 'InstanceProfileName');
    const a = authz(c, input.action, arnOf(c, 'instance-profile', '/', input.instanceProfileName));
    if (!a.ok) return a;
    return failWith('NO_SUCH_ENTITY', `Instance Profile ${input.instanceProfileName} cannot be found.`);
  }

  /**
   * DeleteServiceLinkedRole and GetServiceLinkedRoleDeletionStatus: Gatehouse keeps no service-linked roles (a role a
   * service assumes is one created with CreateRole, trusting the service), so none is deleted and no deletion task
   * exists. Decided on the role as IAM decides them (a deletion task names its role: `task/<path>/<role>/<id>`), then
   * IAM's NoSuchEntity; the role of that name, if any, is a role of its own and stays. Both answered "Could not find
   * operation", which blamed the endpoint (review nv, 2).
   */
  async function noServiceLinkedRole(c: Caller, input: { action: 'DeleteServiceLinkedRole'; roleName: string } | { action: 'GetServiceLinkedRoleDeletionStatus'; deletionTaskId: string }): R<never> {
    if (input.action === 'DeleteServiceLinkedRole') {
      const bad = checkName('role', input.roleName);
      if (bad) return invalid(bad, 'RoleName');
      return store.read(async (tx) => {
        const r = await authorizedEntity(c, tx, 'role', input.roleName, input.action);
        return r.ok ? failWith('NO_SUCH_ENTITY', `Role ${r.value.name} is not a service-linked role: Gatehouse keeps none; delete the role with DeleteRole`) : r;
      });
    }
    const task = /^task(\/(?:[\u0021-\u002E\u0030-\u007E]+\/)*)([\w+=,.@-]{1,64})\/[^/]+$/.exec(input.deletionTaskId);
    if (input.deletionTaskId.length > 1000 || !task) {
      return invalid(`DeletionTaskId \`${shortName(input.deletionTaskId)}\` is not a deletion task id (\`task/<role path>/<role name>/<id>\`): DeleteServiceLinkedRole gives one`, 'DeletionTaskId');
    }
    const a = authz(c, input.action, arnOf(c, 'role', task[1] ?? '/', task[2] ?? ''));
    if (!a.ok) return a;
    return failWith('NO_SUCH_ENTITY', `Deletion task ${shortName(input.deletionTaskId)} cannot be found: Gatehouse keeps no service-linked roles`);
  }

  // ------------------------------------------------------------------------------------------------
  // Permissions boundaries and tags (users and roles)

  async function putPermissionsBoundary(c: Caller, type: 'user' | 'role', input: { name: string; permissionsBoundary: string }): R<void> {
    return write(c, async (tx) => {
      const e = await authorizedEntity(c, tx, type, input.name, `Put${ACTION_NAME[type]}PermissionsBoundary`, boundaryContext(await decidedPolicyArn(tx, c, input.permissionsBoundary)));
      if (!e.ok) return e;
      const b = await policyByArn(tx, c, input.permissionsBoundary, 'PermissionsBoundary');
      if (!b.ok) return b;
      return updateField(c, tx, type, input.name, e.value, 'permissionsBoundary', b.value.arn);
    });
  }

  async function deletePermissionsBoundary(c: Caller, type: 'user' | 'role', input: { name: string }): R<void> {
    return write(c, async (tx) => {
      const e = await authorizedEntity(c, tx, type, input.name, `Delete${ACTION_NAME[type]}PermissionsBoundary`, currentBoundary);
      if (!e.ok) return e;
      return updateField(c, tx, type, input.name, e.value, 'permissionsBoundary', null);
    });
  }

  async function tagEntity(c: Caller, type: 'user' | 'role', input: { name: string; tags: Tag[] }): R<void> {
    return write(c, async (tx) => {
      const e = await authorizedEntity(c, tx, type, input.name, `Tag${ACTION_NAME[type]}`, (u) => requestTagContext(input.tags, u?.tags));
      if (!e.ok) return e;
      const bad = checkTags(input.tags, e.value.tags, c.partition);
      if (bad) return isTagCountRefusal(bad) ? tooManyTags(ACTION_NAME[type] as 'User' | 'Role', `${type} \`${e.value.name}\``, e.value.tags, input.tags) : invalid(bad);
      return updateField(c, tx, type, input.name, e.value, 'tags', mergeTags(e.value.tags, input.tags));
    });
  }

  async function untagEntity(c: Caller, type: 'user' | 'role', input: { name: string; tagKeys: string[] }): R<void> {
    const bad = checkTagKeys(input.tagKeys);
    if (bad) return invalid(bad, 'TagKeys');
    return write(c, async (tx) => {
      const e = await authorizedEntity(c, tx, type, input.name, `Untag${ACTION_NAME[type]}`, (u) => tagKeysContext(input.tagKeys, u?.tags));
      if (!e.ok) return e;
      const drop = new Set(input.tagKeys.map((k) => k.toLowerCase()));
      return updateField(c, tx, type, input.name, e.value, 'tags', e.value.tags.filter((t) => !drop.has(t.key.toLowerCase())));
    });
  }

  async function listTags(c: Caller, type: 'user' | 'role', input: { name: string }): R<readonly Tag[]> {
    return store.read(async (tx) => {
      const e = await authorizedEntity(c, tx, type, input.name, `List${ACTION_NAME[type]}Tags`);
      return e.ok ? ok(e.value.tags) : e;
    });
  }

  // ------------------------------------------------------------------------------------------------
  // Managed policies and versions

  async function createPolicy(c: Caller, input: { policyName: string; policyDocument: string; path?: string; description?: string; tags?: Tag[] }): R<PolicyRecord> {
    const path = input.path ?? '/';
    const bad = firstInvalid<PolicyRecord>(['PolicyName', checkName('policy', input.policyName)], ['Path', checkPolicyPath(input.path)], ['Description', checkPolicyDescription(input.description)], ['Tags', checkTags(input.tags ?? [], [], c.partition)]);
    if (bad) return bad;
    const doc = checkDocument(input.policyDocument, 'identity', QUOTAS.managedPolicySize, 'PolicyDocument', MANAGED_TOO_LARGE);
    if (!doc.ok) return doc;
    const arn = arnOf(c, 'policy', path, input.policyName);
    // The tags asked for are the request's (aws:RequestTag, aws:TagKeys), as CreateRole's are.
    const a = authz(c, 'CreatePolicy', arn, requestTagContext(input.tags));
    if (!a.ok) return a;
    const tagging = authorizeTagsOnCreate(c, 'TagPolicy', arn, input.tags);
    if (!tagging.ok) return tagging;
    return write(c, async (tx) => {
      if ((await tx.policies.list(c.account)).length >= QUOTAS.customerManagedPoliciesPerAccount) return overQuota('PoliciesPerAccount', QUOTAS.customerManagedPoliciesPerAccount);
      const t = now();
      const r = await tx.policies.create({ account: c.account, name: input.policyName, path, id: newId(ID_PREFIX.policy), arn, description: input.description ?? '', created: t, document: input.policyDocument, tags: input.tags ?? [] });
      if (r.ok) changed(c, null, await policyView(tx, r.value));
      return fromStore(r);
    });
  }

  /**
   * Reads the managed policy `arn` names (the account's own or a built-in one) and decides `action` on it: on its stored
   * ARN with its tags as aws:ResourceTag and iam:ResourceTag (IAM's `policy` resource has both), as a role's are
   * decided; on the ARN given when there is no such policy, so that a caller without the right is refused the same way
   * whether it exists or not. Then the policy, or IAM's NoSuchEntity.
   */
  async function authorizedPolicy(c: Caller, tx: ReadTx, arn: string, action: string, context: (p: PolicyRecord | undefined) => ConditionContext): Promise<Result<PolicyRecord>> {
    const p = await policyByArn(tx, c, arn);
    if (!p.ok && p.errors[0]?.code !== 'NO_SUCH_ENTITY') return p;
    const found = p.ok ? p.value : undefined;
    const a = authz(c, action, found?.arn ?? arn, { ...resourceTagContext(found?.tags), ...context(found) });
    return a.ok ? p : a;
  }

  /** Writes a managed policy's tags and notes them before and after. */
  async function updatePolicyTags(c: Caller, tx: WriteTx, p: PolicyRecord, tags: readonly Tag[]): R<void> {
    const r = await tx.policies.setTags(p.arn, tags);
    if (!r.ok) return fromStore(r as StoreResult<void>);
    changed(c, { policyArn: p.arn, tags: p.tags }, { policyArn: p.arn, tags: r.value.tags });
    return ok(undefined);
  }

  /**
   * TagPolicy: merged by case-insensitive key (a new value replaces the old; `ENV` replaces `env`), at most 50 in all,
   * as TagRole. Decided with the request's tags (aws:RequestTag, aws:TagKeys) and the policy's (aws:ResourceTag).
   * Managed policies carried no tags before (review D14, Q2): Terraform's provider-level `default_tags` then failed
   * every `aws_iam_policy` (review Q2, q3).
   */
  async function tagPolicy(c: Caller, input: { policyArn: string; tags: Tag[] }): R<void> {
    if (input.tags.length === 0) return invalid('Tags is required', 'Tags');
    return write(c, async (tx) => {
      const p = await authorizedPolicy(c, tx, input.policyArn, 'TagPolicy', (x) => requestTagContext(input.tags, x?.tags));
      if (!p.ok) return p;
      if (p.value.account === 'aws') return failWith('INVALID_INPUT', 'Built-in managed policies cannot be changed.');
      const bad = checkTags(input.tags, p.value.tags, c.partition);
      if (bad) return isTagCountRefusal(bad) ? tooManyTags('Policy', `policy \`${p.value.arn}\``, p.value.tags, input.tags) : invalid(bad);
      return updatePolicyTags(c, tx, p.value, mergeTags(p.value.tags, input.tags));
    });
  }

  /** UntagPolicy: keys compared without regard to case; a key the policy does not carry is not an error (IAM). */
  async function untagPolicy(c: Caller, input: { policyArn: string; tagKeys: string[] }): R<void> {
    const bad = checkTagKeys(input.tagKeys);
    if (bad) return invalid(bad, 'TagKeys');
    return write(c, async (tx) => {
      const p = await authorizedPolicy(c, tx, input.policyArn, 'UntagPolicy', (x) => tagKeysContext(input.tagKeys, x?.tags));
      if (!p.ok) return p;
      if (p.value.account === 'aws') return failWith('INVALID_INPUT', 'Built-in managed policies cannot be changed.');
      const drop = new Set(input.tagKeys.map((k) => k.toLowerCase()));
      return updatePolicyTags(c, tx, p.value, p.value.tags.filter((t) => !drop.has(t.key.toLowerCase())));
    });
  }

  async function listPolicyTags(c: Caller, input: { policyArn: string }): R<readonly Tag[]> {
    return store.read(async (tx) => {
      const p = await authorizedPolicy(c, tx, input.policyArn, 'ListPolicyTags', () => ({}));
      return p.ok ? ok(p.value.tags) : p;
    });
  }

  async function getPolicy(c: Caller, input: { policyArn: string }): R<PolicyRecord & PolicyCounts> {
    return store.read(async (tx) => {
      const p = await authorizedPolicy(c, tx, input.policyArn, 'GetPolicy', () => ({}));
      if (!p.ok) return p;
      const permissionsBoundaryUsageCount = (await boundaryUsesInAccount(tx, c.account)).get(p.value.arn) ?? 0;
      return ok({ ...p.value, attachmentCount: await attachmentsInAccount(tx, c.account, p.value), permissionsBoundaryUsageCount });
    });
  }

  /**
   * ListPolicies. `usage` (PolicyUsageFilter): PermissionsBoundary lists the policies set as some user's or role's
   * boundary ("the policies used to set permissions boundaries"), with OnlyAttached or without; PermissionsPolicy the
   * permissions policies, which every managed policy is, so OnlyAttached alone decides (review cg, 2: it was ignored).
   * The built-ins listed are those of the account's dialect (`builtinsMeaningfulIn`), and any other one attached or set
   * as a boundary in the account: an `aws` account's Scope=AWS listed Alibaba's `acs:ram::system:policy/…`, ARNs no AWS
   * tool parses, and an `acs` account's AmazonS3FullAccess, IAMFullAccess and the rest, none of them RAM's (review wb, 1).
   */
  async function listPolicies(c: Caller, input: { scope?: 'All' | 'AWS' | 'Local'; onlyAttached?: boolean; pathPrefix?: string; usage?: string }): R<(PolicyRecord & PolicyCounts)[]> {
    const scope = input.scope ?? 'All';
    if (!['All', 'AWS', 'Local'].includes(scope)) return invalid('Scope must be All, AWS or Local', 'Scope');
    if (input.usage !== undefined && input.usage !== 'PermissionsPolicy' && input.usage !== 'PermissionsBoundary') {
      return invalid(`1 validation error detected: Value '${shortName(input.usage)}' at 'policyUsageFilter' failed to satisfy constraint: Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]`, 'PolicyUsageFilter');
    }
    const bad = checkPolicyPath(input.pathPrefix, 'PathPrefix');
    if (bad) return invalid(bad);
    const a = authz(c, 'ListPolicies', listedArn(c, 'policy', input.pathPrefix));
    if (!a.ok) return a;
    return store.read(async (tx) => {
      const opts = prefixOf(input);
      const local = scope === 'AWS' ? [] : await tx.policies.list(c.account, opts);
      const builtin = scope === 'Local' ? [] : await tx.policies.list('aws', opts);
      const out: (PolicyRecord & PolicyCounts)[] = [];
      const boundaries = await boundaryUsesInAccount(tx, c.account);
      const ownDialect = new Set(builtinsMeaningfulIn(c.partition).map((b) => b.arn));
      for (const p of [...builtin, ...local]) {
        const n = await attachmentsInAccount(tx, c.account, p);
        const bounding = boundaries.get(p.arn) ?? 0;
        if (input.usage === 'PermissionsBoundary' ? bounding === 0 : input.onlyAttached && n === 0) continue;
        if (p.account === 'aws' && !ownDialect.has(p.arn) && n === 0 && bounding === 0) continue;
        out.push({ ...p, attachmentCount: n, permissionsBoundaryUsageCount: bounding });
      }
      return ok(out);
    });
  }

  /**
   * DeletePolicy. A policy with versions besides its default: `versions: 'refuse'` (the IAM API) refuses it with IAM's
   * DeleteConflict until they are deleted with DeletePolicyVersion, as Terraform's provider does first; it deleted them
   * silently before (review J, j1). Without it (the admin API's `DELETE /v1/policies/…`, which has no call for
   * versions: an administrator's convenience) they go with the policy, decided as DeletePolicyVersion too, as
   * `gatehouse apply --prune` decides its step. A policy still attached or bounding someone is refused either way (the
   * store).
   */
  async function deletePolicy(c: Caller, input: { policyArn: string; versions?: 'refuse' | 'delete' }): R<void> {
    return write(c, async (tx) => {
      const p = await customerPolicy(tx, c, input.policyArn, 'Built-in managed policies cannot be deleted.', 'DeletePolicy');
      if (!p.ok) return p;
      const was = await policyView(tx, p.value);
      if (was.versions.length > 1) {
        if (input.versions === 'refuse') {
          return failWith('DELETE_CONFLICT', "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.");
        }
        const a = authz(c, 'DeletePolicyVersion', p.value.arn, resourceTagContext(p.value.tags));
        if (!a.ok) return a;
      }
      return changedTo(c, was, await tx.policies.delete(p.value.arn), () => null);
    });
  }

  async function createPolicyVersion(c: Caller, input: { policyArn: string; policyDocument: string; setAsDefault?: boolean }): R<PolicyVersionRecord> {
    const doc = checkDocument(input.policyDocument, 'identity', QUOTAS.managedPolicySize, 'PolicyDocument', MANAGED_TOO_LARGE);
    if (!doc.ok) return doc;
    return write(c, async (tx) => {
      const p = await customerPolicy(tx, c, input.policyArn, undefined, 'CreatePolicyVersion');
      if (!p.ok) return p;
      const was = await tx.policies.getDefaultVersion(p.value.arn);
      const r = await tx.policies.createVersion(p.value.arn, { document: input.policyDocument, setAsDefault: input.setAsDefault === true, created: now() });
      if (!r.ok && r.error.code === 'LIMIT_EXCEEDED') return failWith('LIMIT_EXCEEDED', `A managed policy can have up to ${QUOTAS.policyVersions} versions. Before you create a new version, you must delete an existing version.`);
      // The default version is the enforced document: recorded on both sides, so a new default shows what it replaced.
      if (r.ok) changed(c, { defaultVersion: was ?? null }, { version: r.value, defaultVersion: (await tx.policies.getDefaultVersion(p.value.arn)) ?? null });
      return fromStore(r);
    });
  }

  async function getPolicyVersion(c: Caller, input: { policyArn: string; versionId: string }): R<PolicyVersionRecord> {
    const bad = checkVersionId(input.versionId);
    if (bad) return invalid(bad, 'VersionId');
    return store.read(async (tx) => {
      const p = await authorizedPolicy(c, tx, input.policyArn, 'GetPolicyVersion', () => ({}));
      if (!p.ok) return p;
      const v = await tx.policies.getVersion(p.value.arn, input.versionId);
      return v ? ok(v) : failWith('NO_SUCH_ENTITY', `Policy ${input.policyArn} version ${input.versionId} does not exist or is not attachable.`);
    });
  }

  async function listPolicyVersions(c: Caller, input: { policyArn: string }): R<PolicyVersionRecord[]> {
    return store.read(async (tx) => {
      const p = await authorizedPolicy(c, tx, input.policyArn, 'ListPolicyVersions', () => ({}));
      if (!p.ok) return p;
      return ok(await tx.policies.listVersions(p.value.arn));
    });
  }

  async function setDefaultPolicyVersion(c: Caller, input: { policyArn: string; versionId: string }): R<void> {
    const bad = checkVersionId(input.versionId);
    if (bad) return invalid(bad, 'VersionId');
    return write(c, async (tx) => {
      const p = await customerPolicy(tx, c, input.policyArn, undefined, 'SetDefaultPolicyVersion');
      if (!p.ok) return p;
      const was = await tx.policies.getDefaultVersion(p.value.arn);
      const r = await tx.policies.setDefaultVersion(p.value.arn, input.versionId);
      if (r.ok) changed(c, { defaultVersion: was ?? null }, { defaultVersion: (await tx.policies.getDefaultVersion(p.value.arn)) ?? null });
      return fromStore(r);
    });
  }

  async function deletePolicyVersion(c: Caller, input: { policyArn: string; versionId: string }): R<void> {
    const bad = checkVersionId(input.versionId);
    if (bad) return invalid(bad, 'VersionId');
    return write(c, async (tx) => {
      const p = await customerPolicy(tx, c, input.policyArn, undefined, 'DeletePolicyVersion');
      if (!p.ok) return p;
      const was = await tx.policies.getVersion(p.value.arn, input.versionId);
      return changedTo(c, was, await tx.policies.deleteVersion(p.value.arn, input.versionId), () => null);
    });
  }

  // ------------------------------------------------------------------------------------------------
  // Attachments and inline policies (users, groups, roles)

  async function attachPolicy(c: Caller, type: PrincipalType, input: { name: string; policyArn: string }): R<void> {
    // A built-in named by its RAM system-policy ARN is decided on, and attached, as the ARN it is stored under: a
    // condition on iam:PolicyARN that guards it is not stepped around by the other spelling.
    // So is one named in another case (review rc, 2).
    return write(c, async (tx) => {
      const policyArn = await decidedPolicyArn(tx, c, input.policyArn);
      const e = await authorizedEntity(c, tx, type, input.name, `Attach${ACTION_NAME[type]}Policy`, (x) => ({ 'iam:PolicyARN': policyArn, ...currentBoundary(x) }));
      if (!e.ok) return e;
      const p = await policyByArn(tx, c, input.policyArn);
      if (!p.ok) return p;
      const ref: PrincipalRef = { type, account: c.account, name: input.name };
      const current = await tx.attachments.listForPrincipal(ref);
      if (!current.includes(p.value.arn) && current.length >= QUOTAS.managedPoliciesPerEntity) return overQuota(`PoliciesPer${ACTION_NAME[type]}`, QUOTAS.managedPoliciesPerEntity);
      const r = await tx.attachments.attach(ref, p.value.arn);
      if (!r.ok) return fromStore(r as StoreResult<void>);
      changed(c, { attachedPolicies: current }, { attachedPolicies: await tx.attachments.listForPrincipal(ref) });
      return ok(undefined);
    });
  }

  async function detachPolicy(c: Caller, type: PrincipalType, input: { name: string; policyArn: string }): R<void> {
    // Bounded as attaching bounds it (`policyByArn`): detaching never looks the policy up, and the store's NoSuchEntity
    // quoted an ARN of any length into the answer and the change's audit record (review iu, 3).
    const long = typeof input.policyArn === 'string' ? arnTooLong('PolicyArn', input.policyArn) : undefined;
    if (long !== undefined) return invalid(long, 'PolicyArn');
    // Shaped as attaching shapes it (`policyByArn`): a value no policy ARN is, IAM's InvalidInput (review tg, 3).
    if (typeof input.policyArn === 'string') {
      if (input.policyArn.length < 20) return invalid(`PolicyArn \`${shortName(input.policyArn)}\` is not the ARN of a managed policy: give its ARN as ListAttached${ACTION_NAME[type]}Policies answers it`, 'PolicyArn');
      const shape = policyArnShapeProblem('PolicyArn', input.policyArn);
      if (shape !== undefined) return failWith('INVALID_INPUT', shape, 'PolicyArn');
    }
    return write(c, async (tx) => {
      // Decided on, and detached as, the stored policy's ARN when one is named in another case (review rc, 2).
      const policyArn = await decidedPolicyArn(tx, c, input.policyArn);
      const e = await authorizedEntity(c, tx, type, input.name, `Detach${ACTION_NAME[type]}Policy`, (x) => ({ 'iam:PolicyARN': policyArn, ...currentBoundary(x) }));
      if (!e.ok) return e;
      const ref: PrincipalRef = { type, account: c.account, name: input.name };
      const current = await tx.attachments.listForPrincipal(ref);
      const r = await tx.attachments.detach(ref, policyArn);
      if (r.ok) changed(c, { attachedPolicies: current }, { attachedPolicies: await tx.attachments.listForPrincipal(ref) });
      return fromStore(r);
    });
  }

  /** ListAttached{User,Group,Role}Policies; `pathPrefix`: only the policies whose path starts with it (a policy path). */
  async function listAttachedPolicies(c: Caller, type: PrincipalType, input: { name: string; pathPrefix?: string }): R<PolicyRecord[]> {
    const bad = checkPolicyPath(input.pathPrefix, 'PathPrefix');
    if (bad) return invalid(bad, 'PathPrefix');
    return store.read(async (tx) => {
      const e = await authorizedEntity(c, tx, type, input.name, `ListAttached${ACTION_NAME[type]}Policies`);
      if (!e.ok) return e;
      const out: PolicyRecord[] = [];
      for (const arn of await tx.attachments.listForPrincipal({ type, account: c.account, name: input.name })) {
        const p = await tx.policies.getByArn(arn);
        if (p && (input.pathPrefix === undefined || p.path.startsWith(input.pathPrefix))) out.push(p);
      }
      return ok(out);
    });
  }

  async function putInlinePolicy(c: Caller, type: PrincipalType, input: { name: string; policyName: string; policyDocument: string }): R<void> {
    const bad = checkName('policy', input.policyName);
    if (bad) return invalid(bad);
    const limit = QUOTAS.inlineAggregate[type];
    // Past the per-document limit it is past the principal's aggregate too: IAM's message for that.
    const doc = checkDocument(input.policyDocument, 'identity', Math.max(limit, DEFAULT_MAX_CHARS.identity), 'PolicyDocument', `Maximum policy size of ${limit} bytes exceeded for ${type} ${input.name}`);
    if (!doc.ok) return doc;
    return write(c, async (tx) => {
      const e = await authorizedEntity(c, tx, type, input.name, `Put${ACTION_NAME[type]}Policy`, currentBoundary);
      if (!e.ok) return e;
      const ref: PrincipalRef = { type, account: c.account, name: input.name };
      let total = countNonWhitespace(input.policyDocument);
      for (const p of await tx.inlinePolicies.list(ref)) if (p.name.toLowerCase() !== input.policyName.toLowerCase()) total += countNonWhitespace(p.document);
      if (total > limit) return failWith('LIMIT_EXCEEDED', `Maximum policy size of ${limit} bytes exceeded for ${type} ${input.name}`);
      const was = await tx.inlinePolicies.get(ref, input.policyName);
      const r = await tx.inlinePolicies.put(ref, input.policyName, input.policyDocument);
      if (!r.ok) return fromStore(r as StoreResult<void>);
      changed(c, inlineView(was), inlineView(r.value));
      return ok(undefined);
    });
  }

  /** An inline policy's name as a read or delete names it, bounded and patterned as putting one checks it (review iu, 2; kz, 1). */
  const inlineNameTooLong = (policyName: string): Result<never> | undefined => {
    const long = lookupNameProblem('policy', policyName, 'PolicyName');
    return long === undefined ? undefined : invalid(long, 'PolicyName');
  };

  async function getInlinePolicy(c: Caller, type: PrincipalType, input: { name: string; policyName: string }): R<InlinePolicyRecord> {
    const long = inlineNameTooLong(input.policyName);
    if (long) return long;
    return store.read(async (tx) => {
      const e = await authorizedEntity(c, tx, type, input.name, `Get${ACTION_NAME[type]}Policy`);
      if (!e.ok) return e;
      // Read under the entity's own name, which the answer names: names are case-insensitive, and the name as the request
      // spelt it was answered back (`alice` for `Alice`; review ka, 3).
      const p = await tx.inlinePolicies.get({ type, account: c.account, name: e.value.name }, input.policyName);
      return p ? ok(p) : failWith('NO_SUCH_ENTITY', `The ${type} policy with name ${input.policyName} cannot be found.`);
    });
  }

  async function deleteInlinePolicy(c: Caller, type: PrincipalType, input: { name: string; policyName: string }): R<void> {
    const long = inlineNameTooLong(input.policyName);
    if (long) return long;
    return write(c, async (tx) => {
      const e = await authorizedEntity(c, tx, type, input.name, `Delete${ACTION_NAME[type]}Policy`, currentBoundary);
      if (!e.ok) return e;
      const ref: PrincipalRef = { type, account: c.account, name: input.name };
      const was = await tx.inlinePolicies.get(ref, input.policyName);
      return changedTo(c, inlineView(was), await tx.inlinePolicies.delete(ref, input.policyName), () => null);
    });
  }

  async function listInlinePolicies(c: Caller, type: PrincipalType, input: { name: string }): R<string[]> {
    return store.read(async (tx) => {
      const e = await authorizedEntity(c, tx, type, input.name, `List${ACTION_NAME[type]}Policies`);
      if (!e.ok) return e;
      return ok((await tx.inlinePolicies.list({ type, account: c.account, name: input.name })).map((p) => p.name));
    });
  }

  // ------------------------------------------------------------------------------------------------
  // Credentials Gatehouse does not keep: a user has no console password (login profile), MFA device, SSH public key,
  // signing certificate or service-specific credential here, only access keys. Their reads answer that truthfully,
  // for a user that exists and that the caller may read: Terraform's aws_iam_user with force_destroy lists each kind
  // to delete it before DeleteUser, and an InvalidAction there made that destroy fail (review Q, Q2).

  /** ListSSHPublicKeys, ListMFADevices, ListSigningCertificates, ListServiceSpecificCredentials: none, for a user. */
  async function listNoCredentials(c: Caller, input: { action: string; userName?: string }): R<readonly never[]> {
    const name = input.userName ?? c.user?.name;
    if (!name) return invalid('UserName is required when the caller is not a user', 'UserName');
    return store.read(async (tx) => {
      const u = await authorizedEntity(c, tx, 'user', name, input.action);
      return u.ok ? ok([]) : u;
    });
  }

  /** GetLoginProfile, DeleteLoginProfile, UpdateLoginProfile: IAM's NoSuchEntity for a user without a password. */
  async function noLoginProfile(c: Caller, input: { action: string; userName?: string }): R<never> {
    const name = input.userName ?? c.user?.name;
    if (!name) return invalid('UserName is required when the caller is not a user', 'UserName');
    return store.read(async (tx) => {
      const u = await authorizedEntity(c, tx, 'user', name, input.action);
      return u.ok ? failWith('NO_SUCH_ENTITY', `Login Profile for User ${u.value.name} cannot be found.`) : u;
    });
  }

  /**
   * One credential of a user that Gatehouse does not keep, named by its id (GetSSHPublicKey, DeleteSSHPublicKey,
   * DeleteSigningCertificate, DeleteServiceSpecificCredential, DeactivateMFADevice…): decided on the user as IAM decides
   * it, then IAM's NoSuchEntity for the id, saying none is kept. They answered "Could not find operation …", which
   * blamed the endpoint, and a cleanup that takes NoSuchEntity as "already gone" failed (review kk, 2).
   */
  async function noUserCredential(c: Caller, input: { action: string; userName?: string; kind: string; what: (id: string) => string; idName: string; id: string }): R<never> {
    const bad = credentialIdProblem(input.idName, input.id);
    if (bad) return invalid(bad, input.idName);
    const name = input.userName ?? c.user?.name;
    if (!name) return invalid('UserName is required when the caller is not a user', 'UserName');
    return store.read(async (tx) => {
      const u = await authorizedEntity(c, tx, 'user', name, input.action);
      return u.ok ? failWith('NO_SUCH_ENTITY', `${input.what(input.id)} cannot be found for user ${u.value.name}: Gatehouse keeps no ${input.kind}, only access keys`) : u;
    });
  }

  /**
   * One virtual MFA device (DeleteVirtualMFADevice, ListMFADeviceTags, TagMFADevice, UntagMFADevice) or server
   * certificate (GetServerCertificate, DeleteServerCertificate, UpdateServerCertificate, its tags): decided on its ARN,
   * then NoSuchEntity, as for any entity that does not exist (review kk, 2).
   */
  async function noAccountCredential(c: Caller, input: { action: string; kind: 'mfa' | 'server-certificate'; idName: string; id: string }): R<never> {
    const bad = input.kind === 'mfa' ? credentialIdProblem(input.idName, input.id) : checkServerCertificateName(input.idName, input.id);
    if (bad) return invalid(bad, input.idName);
    const prefix = c.partition === 'acs' ? `acs:ram::${c.account}:` : `arn:aws:iam::${c.account}:`;
    // A virtual device's serial number is its ARN; another serial (a hardware device's) is decided as `mfa/<serial>`.
    const arn = input.kind === 'mfa' && /^(arn|acs):/.test(input.id) ? input.id : `${prefix}${input.kind}/${input.id}`;
    const a = authz(c, input.action, arn);
    if (!a.ok) return a;
    return input.kind === 'mfa'
      ? failWith('NO_SUCH_ENTITY', `VirtualMFADevice with serial number ${input.id} cannot be found: Gatehouse keeps no MFA devices`)
      : failWith('NO_SUCH_ENTITY', `The Server Certificate with name ${input.id} cannot be found: Gatehouse keeps no server certificates`);
  }

  /** ListVirtualMFADevices: an account-wide listing (`mfa/*`), always empty. */
  async function listVirtualMfaDevices(c: Caller, input: { assignmentStatus?: string } = {}): R<readonly never[]> {
    // Checked as IAM checks it, though nothing is listed: `assigned` answered "none" (review hw, 5).
    const statuses = ['Assigned', 'Unassigned', 'Any'];
    if (input.assignmentStatus !== undefined && !statuses.includes(input.assignmentStatus)) {
      return invalid(`1 validation error detected: Value '${shortName(input.assignmentStatus)}' at 'assignmentStatus' failed to satisfy constraint: Member must satisfy enum value set: [${statuses.join(', ')}]`, 'AssignmentStatus');
    }
    const a = authz(c, 'ListVirtualMFADevices', c.partition === 'acs' ? `acs:ram::${c.account}:mfa/*` : `arn:aws:iam::${c.account}:mfa/*`);
    return a.ok ? ok([]) : a;
  }

  // ------------------------------------------------------------------------------------------------
  // Access keys

  async function createAccessKey(c: Caller, input: { userName?: string }): R<NewAccessKeyResult> {
    const name = input.userName ?? c.user?.name;
    if (!name) return invalid('UserName is required when the caller is not a user', 'UserName');
    return write(c, async (tx) => {
      const u = await authorizedEntity(c, tx, 'user', name, 'CreateAccessKey');
      if (!u.ok) return u;
      const held = (await tx.accessKeys.listForUser(c.account, u.value.name)).length;
      if (held >= QUOTAS.accessKeysPerUser) return keysFull(u.value.name, held);
      const r = await issueAccessKey(tx, c.partition, u.value);
      if (r.ok) changed(c, null, keyView(r.value.key));
      return r;
    });
  }

  /** Creates a key for `user` inside `tx` (bootstrap and account creation use it without a caller). */
  async function issueAccessKey(tx: WriteTx, partition: Partition, u: UserRecord): R<NewAccessKeyResult> {
    const id = partition === 'acs' ? newId(ID_PREFIX.ramAccessKey, 24) : newId(ID_PREFIX.accessKey, 20);
    const secretAccessKey = toBase64(deps.randomBytes(30));
    const r = await tx.accessKeys.create({ id, account: u.account, userName: u.name, secret: deps.sealer.seal(secretAccessKey, id), status: 'Active', created: now() });
    if (!r.ok) return fromStore(r) as Result<never>;
    return ok({ key: r.value, secretAccessKey });
  }

  /**
   * The NoSuchEntity of a key id no key has. A value not shaped as an issued key id is not quoted: it is most often the
   * secret access key given for the id, which the answer and the change's audit record put on screen and in the chain
   * (review qz, 4).
   */
  function noSuchKey(accessKeyId: string): string {
    if (ISSUED_KEY_ID.test(accessKeyId)) return `The Access Key with id ${accessKeyId} cannot be found.`;
    return "The Access Key with the id given cannot be found: it is not shaped as an access key id (AKIA…, LTAI…), and is not shown; was the secret access key given for it? ListAccessKeys gives a user's key ids.";
  }

  async function keyOf(tx: ReadTx, c: Caller, userName: string | undefined, accessKeyId: string): Promise<Result<{ key: AccessKeyRecord; user: UserRecord }>> {
    const name = userName ?? c.user?.name;
    if (!name) return invalid('UserName is required when the caller is not a user', 'UserName');
    const u = await tx.users.get(c.account, name);
    if (!u) return noSuch('user', name);
    const k = await tx.accessKeys.get(accessKeyId);
    if (!k || k.account !== c.account || k.userName.toLowerCase() !== u.name.toLowerCase()) return failWith('NO_SUCH_ENTITY', noSuchKey(accessKeyId));
    return ok({ key: k, user: u });
  }

  async function updateAccessKey(c: Caller, input: { userName?: string; accessKeyId: string; status: string }): R<void> {
    if (input.status !== 'Active' && input.status !== 'Inactive') return invalid('Status must be Active or Inactive', 'Status');
    const badId = checkAccessKeyId(input.accessKeyId);
    if (badId) return invalid(badId, 'AccessKeyId');
    const status = input.status;
    return write(c, async (tx) => {
      // Authorized before keyOf asks for a name or finds the user: its refusals come after.
      const a = await authorizeOn(c, tx, 'user', input.userName ?? c.user?.name ?? '', 'UpdateAccessKey');
      if (!a.ok) return a;
      const k = await keyOf(tx, c, input.userName, input.accessKeyId);
      if (!k.ok) return k;
      const id = k.value.key.id;
      const r = await tx.accessKeys.setStatus(id, status);
      // The console sign-ins opened with the key end with it (src/app/sts.ts consoleOfKey), in this transaction: refused
      // only while it was Inactive, they worked again once it was Active, though their tab had signed out, its sign-out
      // refused as every other request of theirs (review rp, 2). Sessions from GetSessionToken outlive it, as on AWS.
      if (r.ok && status === 'Inactive' && k.value.key.status !== 'Inactive') await putRevocation(tx, 'key', id, deps.now());
      if (r.ok) {
        const stored = await tx.accessKeys.get(id);
        changed(c, { accessKeyId: id, status: k.value.key.status }, stored ? { accessKeyId: id, status: stored.status } : null);
      }
      return fromStore(r);
    });
  }

  async function deleteAccessKey(c: Caller, input: { userName?: string; accessKeyId: string }): R<void> {
    const badId = checkAccessKeyId(input.accessKeyId);
    if (badId) return invalid(badId, 'AccessKeyId');
    return write(c, async (tx) => {
      // Authorized before keyOf asks for a name or finds the user: its refusals come after.
      const a = await authorizeOn(c, tx, 'user', input.userName ?? c.user?.name ?? '', 'DeleteAccessKey');
      if (!a.ok) return a;
      const k = await keyOf(tx, c, input.userName, input.accessKeyId);
      if (!k.ok) return k;
      return changedTo(c, keyView(k.value.key), await tx.accessKeys.delete(k.value.key.id), () => null);
    });
  }

  async function listAccessKeys(c: Caller, input: { userName?: string }): R<AccessKeyRecord[]> {
    const name = input.userName ?? c.user?.name;
    if (!name) return invalid('UserName is required when the caller is not a user', 'UserName');
    return store.read(async (tx) => {
      const u = await authorizedEntity(c, tx, 'user', name, 'ListAccessKeys');
      if (!u.ok) return u;
      return ok(await tx.accessKeys.listForUser(c.account, u.value.name));
    });
  }

  async function getAccessKeyLastUsed(c: Caller, input: { accessKeyId: string }): R<AccessKeyRecord> {
    const badId = checkAccessKeyId(input.accessKeyId);
    if (badId) return invalid(badId, 'AccessKeyId');
    return store.read(async (tx) => {
      // A key of another account is no key here: deciding on its user would name that user's path and name in the
      // AccessDenied and let the caller's own conditions on aws:ResourceTag probe its tags (review directory, D2).
      const found = await tx.accessKeys.get(input.accessKeyId);
      const k = found && found.account === c.account ? found : undefined;
      const u = k ? await tx.users.get(k.account, k.userName) : undefined;
      const a = authz(c, 'GetAccessKeyLastUsed', arnOf(c, 'user', u?.path ?? '/', u?.name ?? k?.userName ?? '*'), resourceTagContext(u?.tags));
      if (!a.ok) return a;
      if (!k) return failWith('NO_SUCH_ENTITY', noSuchKey(input.accessKeyId));
      return ok(k);
    });
  }

  return {
    createUser: audited(createUser),
    getUser,
    listUsers,
    updateUser: audited(updateUser),
    deleteUser: audited(deleteUser),
    setUserDisabled: audited(setUserDisabled),
    createGroup: audited(createGroup),
    getGroup,
    listGroups,
    updateGroup: audited(updateGroup),
    deleteGroup: audited(deleteGroup),
    addUserToGroup: audited(addUserToGroup),
    removeUserFromGroup: audited(removeUserFromGroup),
    listGroupsForUser,
    createRole: audited(createRole),
    getRole,
    listRoles,
    updateRole: audited(updateRole),
    updateAssumeRolePolicy: audited(updateAssumeRolePolicy),
    deleteRole: audited(deleteRole),
    listInstanceProfilesForRole,
    listInstanceProfiles,
    noInstanceProfile,
    noServiceLinkedRole,
    putPermissionsBoundary: audited(putPermissionsBoundary),
    deletePermissionsBoundary: audited(deletePermissionsBoundary),
    tagEntity: audited(tagEntity),
    untagEntity: audited(untagEntity),
    listTags,
    createPolicy: audited(createPolicy),
    getPolicy,
    tagPolicy: audited(tagPolicy),
    untagPolicy: audited(untagPolicy),
    listPolicyTags,
    listPolicies,
    deletePolicy: audited(deletePolicy),
    createPolicyVersion: audited(createPolicyVersion),
    getPolicyVersion,
    listPolicyVersions,
    setDefaultPolicyVersion: audited(setDefaultPolicyVersion),
    deletePolicyVersion: audited(deletePolicyVersion),
    attachPolicy: audited(attachPolicy),
    detachPolicy: audited(detachPolicy),
    listAttachedPolicies,
    putInlinePolicy: audited(putInlinePolicy),
    getInlinePolicy,
    deleteInlinePolicy: audited(deleteInlinePolicy),
    listInlinePolicies,
    createAccessKey: audited(createAccessKey),
    issueAccessKey,
    updateAccessKey: audited(updateAccessKey),
    deleteAccessKey: audited(deleteAccessKey),
    listAccessKeys,
    getAccessKeyLastUsed,
    listNoCredentials,
    noLoginProfile,
    noUserCredential,
    noAccountCredential,
    listVirtualMfaDevices,
  };
}

export type { EntityKind };
