/**
 * Configuration as code (`gatehouse apply`, `POST /v1/apply`): documents `apiVersion: gatehouse.dev/v1` of
 * the kinds in `KINDS` (DESIGN.md, "YAML documents"), compared with the store and applied in one write
 * transaction.
 *
 * Three stages, so that one bad document or one failing step changes nothing:
 * 1. validate every document (pure): allow-listed fields, IAM name rules, policy grammar, quotas that a
 *    single document can break; every error names its document and the field path;
 * 2. plan, inside the transaction: read each object's current state, compare it field by field with the
 *    desired state (policy documents compared as JSON values, names as IAM compares them), and turn the
 *    differences into steps, each the IAM action it is equivalent to; `prune` adds deletions;
 * 3. authorize every step with the caller's policies (`iam:`/`ram:` actions, as the IAM API would), then,
 *    unless it is a dry run, run the steps in dependency order; a failed step aborts the transaction.
 *
 * Semantics: a document owns its object. A spec field left out means its empty value (no policies, no
 * tags…), so the files are the whole truth about the objects they name; objects they do not name are left
 * alone unless `prune` is set. Exceptions, as IAM has no call to change them: the description of a managed
 * policy and the partition of an account. Access keys and the disabled flag are not part of a `User`'s spec
 * and are never touched, except that pruning a user deletes its keys.
 *
 * Adding a kind (Workspace, Cluster…): write a `KindHandler` (validate, plan, and for prunable kinds
 * `listNames`/`planDelete`), add it to `KINDS` and remove its name from `PLANNED_KINDS`.
 */
import type { AuditEvent } from '../core/audit/index.ts';
import { fail, failWith, ok, type ErrorCode, type GatehouseError, type Result } from '../core/errors.ts';
import { contextOf, countNonWhitespace, DEFAULT_MAX_CHARS, evaluate, inValueOrder, isoSeconds, parsePolicy, type CompiledPolicy, type Decision, type PolicyKind } from '../core/iam/index.ts';
import {
  attachmentProblem,
  claimedByAnother,
  coversNothing,
  operationNameAction,
  outsideBucket,
  bucketOf,
  managesResourcePolicy,
  ownerIn,
  ownerWordsTo,
  resourcePolicyMaxChars,
  RESOURCE_POLICY_PREFIX,
  resourcePolicyArn,
  resourcePolicyKey,
  resourcePolicyRecord,
  storedResourcePolicy,
  type StoredResourcePolicy,
} from './resource-policies.ts';
import { governingArns } from './resource-tree.ts';
import { compileStored, STORED_POLICY_MAX_CHARS } from './unreadable-policy.ts';
import { namedPrincipals, unknownPrincipal } from './principal-refs.ts';
import {
  adminService,
  checkAccountId,
  checkAccountName,
  checkDescription,
  checkMaxSessionDuration,
  checkPolicyDescription,
  checkName,
  checkTags,
  acsReservedTagKey,
  isTagCountRefusal,
  entityArn,
  ID_PREFIX,
  QUOTAS,
  keyPath,
  rootArn,
  shortName,
  shownKey,
  uniqueId,
  type EntityKind,
  type Partition,
} from '../core/directory/rules.ts';
import { storedBuiltinArn } from '../core/directory/catalogue.ts';
import { ADMIN_USER, ROOT_ACCOUNT, ROOT_ACCOUNT_NAME, type AdminCredentials } from './accounts.ts';
import { appendAuditInTx } from './audit-in-tx.ts';
import { kvView } from './stored-view.ts';
import { clusterDeleteRefusal, missingWorkspaceMembers, workspaceDeleteRefusal, workspaceMembersKey } from './jobs.ts';
import { clusterArn, clusterKey, clusterRoleRefs, computeServices, controllerUsername, defaultBucketReads, defaultRoleName, namesDecided, parseCluster, parseWorkspace, workspaceArn, workspaceKey, type Cluster, type Workspace } from '../core/jobs/jobs.ts';
import type { AppDeps } from './deps.ts';
import { accessEntryKind, clusterContentsDeletion, deleteClusterContents, rbacContext, rbacKindHandlers, validateRbacDocument, type RbacSpec } from './kube-apply.ts';
import { customRoleCount, iamPoliciesGoingWith, iamPolicyAuthzResource, iamPolicyKind, iamRoleKind, only, removeClusterIamPolicies, removeWorkspaceIamPolicies } from './bindings.ts';
import { customRoleArn, MAX_CUSTOM_ROLES_PER_ACCOUNT } from '../core/bindings/index.ts';
import { boundaryContext, createDirectory, requestTagContext, resourceTagContext, tagKeysContext, visiblePolicy, withPolicyTagKeySpellings, type ConditionContext } from './directory.ts';
import { clustersRunningAs, forgetGroup, forgetPrincipal, forgetting, type Forgetting, type Forgotten, type GonePrincipal } from './forget-principal.ts';
import { aboutRole, accessDeniedMessage, actorOf, ASSOCIATED_RESOURCE, authorizeAdmin, decideAdmin, decideForService, decideOnRole, passedToContext, requestContext, type Caller } from './principals.ts';
import type { AccountRecord, PolicyRecord, PrincipalRef, PrincipalType, ReadTx, StoreResult, Tag, WriteTx } from './ports/store.ts';
import { parseRoleArn, roleArnOf, roleNamedBy } from '../core/sts/session.ts';
import { canonicalJson, documentChanges, documentValue, inSetOrder, type DocumentChange } from './document-diff.ts';

export { canonicalJson, documentChanges, type DocumentChange };

export const API_VERSION = 'gatehouse.dev/v1';
/** More documents than any real configuration has; bounds the work one request can cause. */
export const MAX_DOCUMENTS = 5000;
/**
 * The errors one apply lists; the rest are counted in one more (review fd, 5). Every bad element of every document was
 * its own error: 1,600 workspaces of 10,000 members that do not exist (32 MiB) built 16 million of them, gigabytes, and
 * their answer, from any caller (documents are checked before what they change is authorized).
 */
export const MAX_APPLY_ERRORS = 1000;

/** `errors` with those past `MAX_APPLY_ERRORS` counted in one last error, which says to fix the listed ones first. */
function listedErrors<E extends PlanError>(errors: E[], omitted: number): E[] {
  if (omitted === 0) return errors;
  return [...errors, { code: 'VALIDATION_ERROR', path: '', message: `${omitted} more error${omitted === 1 ? ' is' : 's are'} not listed (an apply lists ${MAX_APPLY_ERRORS}): fix these and apply again` } as E];
}

/** Kinds the design names that later issues will add; applying one now is refused with a clear error. */
export const PLANNED_KINDS: ReadonlySet<string> = new Set<string>();
const KUBERNETES_API_GROUPS = /^rbac\.authorization\.k8s\.io\//;
/** A Kubernetes list (`kubectl get … -o yaml` of several objects): kubectl applies its `items`, and so does apply. */
const isKubernetesList = (doc: unknown): doc is Record<string, unknown> =>
  isObj(doc) && (own(doc, 'apiVersion') === 'v1' || (typeof own(doc, 'apiVersion') === 'string' && KUBERNETES_API_GROUPS.test(own(doc, 'apiVersion') as string))) && typeof own(doc, 'kind') === 'string' && (own(doc, 'kind') as string).endsWith('List');

// ---------------------------------------------------------------------------------------------------------
// Input and output

/** Where a document came from, for messages: the file and the document's 0-based position in it. */
export interface ApplySource {
  readonly file: string;
  readonly index: number;
}

export interface ApplyInput {
  readonly documents: readonly unknown[];
  /** Parallel to `documents`; only used to name documents in errors. */
  readonly sources?: readonly (ApplySource | null | undefined)[];
  readonly prune?: boolean;
  readonly dryRun?: boolean;
  /** The cluster (of the caller's account) that `rbac.authorization.k8s.io` documents go to (`--cluster`). */
  readonly cluster?: string;
  /**
   * The namespace of namespaced Kubernetes documents (Role, RoleBinding) that name none (`--namespace`; default
   * `default`, as kubectl). A document naming another namespace than one given here is refused, as kubectl refuses it.
   */
  readonly namespace?: string;
}

/** A failure, with the document it concerns (absent for the request as a whole). `path` is within the document. */
export interface ApplyError extends GatehouseError {
  /** 0-based index in `documents`. */
  readonly document?: number;
  readonly file?: string;
  /** 0-based position of the document in `file`. */
  readonly fileDocument?: number;
  readonly kind?: string;
  readonly name?: string;
}

export type ChangeAction = 'create' | 'update' | 'delete' | 'unchanged';

export interface PlannedChange {
  readonly action: ChangeAction;
  readonly kind: string;
  readonly account: string;
  readonly name: string;
  /** The spec fields that differ (create: those given; delete: none). */
  readonly fields: readonly string[];
  /** Index of the document that asked for it; absent for deletions by `prune`. */
  readonly document?: number;
  /** The document's spelling of the name, when it differs from the stored object's (`name`) in letter case only. */
  readonly spelled?: string;
  /**
   * An update's changes inside the policy documents it rewrites (`document`, `trustPolicy`, `inlinePolicies.NAME`), or
   * inside a Kubernetes RBAC object (`rules[0].verbs`, `subjects[1]`), as
   * `kubectl diff` and `terraform plan` show them: what a reviewer of a plan needs to see before it is applied.
   */
  readonly diff?: readonly DocumentChange[];
  /** How many more differences `diff` leaves out (it lists `MAX_DOCUMENT_CHANGES` at most). */
  readonly diffOmitted?: number;
}

/** At most this many differences are listed an object: a document rewritten whole is told in a screen, not in hundreds of lines. */
export const MAX_DOCUMENT_CHANGES = 50;

/** `PlannedChange.diff` and `diffOmitted` of an object's differences. */
function listedDiff(diff: readonly DocumentChange[] | undefined): Pick<PlannedChange, 'diff' | 'diffOmitted'> {
  if (diff === undefined || diff.length === 0) return {};
  return diff.length > MAX_DOCUMENT_CHANGES ? { diff: diff.slice(0, MAX_DOCUMENT_CHANGES), diffOmitted: diff.length - MAX_DOCUMENT_CHANGES } : { diff };
}

/** The differences between the inline policies a principal has and those its document gives, under `inlinePolicies`. */
function inlineChanges(current: ReadonlyMap<string, { name: string; text: string }>, desired: ReadonlyMap<string, { name: string; doc: PolicyText }>): DocumentChange[] {
  const before = Object.fromEntries([...current.values()].map((p) => [p.name, documentValue(p.text)]));
  const after = Object.fromEntries([...desired.values()].map((p) => [p.name, documentValue(p.doc.text)]));
  return documentChanges(before, after, 'inlinePolicies');
}

/**
 * A list of names the object holds as a set (the managed policies attached, by ARN; the groups of a user): each one
 * dropped as `- FIELD: NAME`, each one added as `+ FIELD: NAME`. `key` is how two names compare (groups without case).
 */
function setChanges(field: string, before: readonly string[], after: readonly string[], key: (name: string) => string = (n) => n): DocumentChange[] {
  const had = new Set(before.map(key));
  const has = new Set(after.map(key));
  return [
    ...[...before].sort().filter((n) => !has.has(key(n))).map((n): DocumentChange => ({ op: '-', path: field, before: n })),
    ...[...after].sort().filter((n) => !had.has(key(n))).map((n): DocumentChange => ({ op: '+', path: field, after: n })),
  ];
}

/** A single value's change (a boundary, a session length, a description): `+` when set, `-` when removed, else `~`. */
function valueChange(field: string, before: unknown, after: unknown): DocumentChange[] {
  if (canonicalJson(before ?? null) === canonicalJson(after ?? null)) return [];
  if (before === null || before === undefined) return [{ op: '+', path: field, after }];
  if (after === null || after === undefined) return [{ op: '-', path: field, before }];
  return [{ op: '~', path: field, before, after }];
}

/** The tags added, changed or removed, each at `tags.KEY`. */
function tagChanges(before: readonly Tag[], after: readonly Tag[]): DocumentChange[] {
  const map = (tags: readonly Tag[]): Record<string, string> => Object.fromEntries(tags.map((t) => [t.key, t.value]));
  return documentChanges(map(before), map(after), 'tags');
}

/**
 * An update's changes, field by field in the order of `fields` (the kind's spec fields that differ): what each field's
 * function lists. Every changed field is listed, not only the policy documents: `~ update User/bob (policies)` alone
 * did not say that AdministratorAccess was attached (review md, 1).
 */
function fieldChanges(fields: readonly string[], of: Readonly<Record<string, () => DocumentChange[]>>): DocumentChange[] {
  return fields.flatMap((f) => of[f]?.() ?? []);
}

export interface ApplyResult {
  readonly dryRun: boolean;
  readonly prune: boolean;
  /** True when the changes were written (not a dry run). */
  readonly applied: boolean;
  readonly changes: readonly PlannedChange[];
  readonly summary: Readonly<Record<ChangeAction, number>>;
  /** Access keys of the `admin` users of accounts created by this apply: shown once, never stored in plaintext. */
  readonly credentials: readonly AdminCredentials[];
}

/** One line naming a document and the field at fault: `roles.yaml document 2 (Role trainer): spec.x: message`. */
export function describeApplyError(e: ApplyError): string {
  const where =
    e.file !== undefined && e.fileDocument !== undefined ? `${e.file} document ${e.fileDocument + 1}` : e.document !== undefined ? `document ${e.document + 1}` : '';
  const what = e.kind !== undefined ? ` (${e.kind}${e.name !== undefined ? ` ${e.name}` : ''})` : '';
  const path = e.path !== '' ? `${e.path}: ` : '';
  return `${where}${what}${where || what ? ': ' : ''}${path}${e.message}`;
}

// ---------------------------------------------------------------------------------------------------------
// Validation helpers

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Obj, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);
const join = (path: string, key: string | number): string => (typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`);

/** Collects the errors of one document; `path` is within the document. */
interface Check {
  error(code: ErrorCode, path: string, message: string, position?: { line?: number; column?: number }): void;
  readonly failed: boolean;
}

function checkFields(o: Obj, allowed: readonly string[], path: string, what: string, c: Check): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) c.error('VALIDATION_ERROR', keyPath(k, path === '' ? '' : `${path}.`), `unknown field \`${shownKey(k)}\`; ${what} has ${allowed.map((a) => `\`${a}\``).join(', ')}`);
  }
}

function optionalObject(o: Obj, key: string, path: string, c: Check): Obj | undefined {
  const v = own(o, key);
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) {
    c.error('VALIDATION_ERROR', join(path, key), `\`${key}\` must be a map`);
    return undefined;
  }
  return v;
}

function optionalString(o: Obj, key: string, path: string, c: Check): string | undefined {
  const v = own(o, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    c.error('VALIDATION_ERROR', join(path, key), `\`${key}\` must be a string`);
    return undefined;
  }
  return v;
}

function stringList(o: Obj, key: string, path: string, c: Check, max: number, quota: string): { value: string; path: string }[] {
  const v = own(o, key);
  if (v === undefined || v === null) return [];
  const p = join(path, key);
  if (!Array.isArray(v)) {
    c.error('VALIDATION_ERROR', p, `\`${key}\` must be a list`);
    return [];
  }
  const out: { value: string; path: string }[] = [];
  const seen = new Set<string>();
  v.forEach((item: unknown, i) => {
    if (typeof item !== 'string' || item === '') c.error('VALIDATION_ERROR', join(p, i), `\`${key}\` items must be non-empty strings`);
    else if (seen.has(item.toLowerCase())) c.error('VALIDATION_ERROR', join(p, i), `\`${item}\` is listed twice`);
    else {
      seen.add(item.toLowerCase());
      out.push({ value: item, path: join(p, i) });
    }
  });
  if (out.length > max) c.error('LIMIT_EXCEEDED', p, `Cannot exceed quota for ${quota}: ${max}`);
  return out;
}

/** A policy document as given (YAML or JSON object, or JSON text) and as compared (canonical JSON). */
export interface PolicyText {
  /** What is stored: the JSON text as written, or the object serialized. */
  readonly text: string;
  readonly canonical: string;
}

/** A workspace's or cluster's stored record, or undefined when it is not a JSON object with a `name` (review pi, 8). */
function storedRecord<S>(text: string): S | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { name?: unknown }).name === 'string' ? (v as S) : undefined;
  } catch {
    return undefined;
  }
}

/** The canonical form of a stored document (JSON text). */
export function canonicalText(text: string): string {
  try {
    return canonicalJson(JSON.parse(text));
  } catch {
    return text;
  }
}

function policyDocument(value: unknown, kind: PolicyKind, maxChars: number, path: string, c: Check): PolicyText | undefined {
  if (typeof value !== 'string' && !isObj(value)) {
    c.error('VALIDATION_ERROR', path, 'must be a policy document: a YAML or JSON object (or its JSON text)');
    return undefined;
  }
  const r = parsePolicy(value, { kind, maxChars, written: true });
  if (!r.ok) {
    // Positions the engine found are within the document text, not the file: the CLI finds the file position from the path.
    for (const e of r.errors) c.error(e.code, e.path === '' ? path : `${path}.${e.path}`, e.message);
    return undefined;
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return { text, canonical: canonicalText(text) };
}

function inlinePolicies(o: Obj, path: string, c: Check, type: PrincipalType): Map<string, { name: string; doc: PolicyText }> {
  const out = new Map<string, { name: string; doc: PolicyText }>();
  const m = optionalObject(o, 'inlinePolicies', path, c);
  if (!m) return out;
  const p = join(path, 'inlinePolicies');
  let total = 0;
  for (const [name, value] of Object.entries(m)) {
    const bad = checkName('policy', name, 'inline policy name');
    if (bad) c.error('VALIDATION_ERROR', join(p, name), bad);
    else if (out.has(name.toLowerCase())) c.error('VALIDATION_ERROR', join(p, name), `inline policy \`${name}\` is given twice (names are case-insensitive)`);
    const doc = policyDocument(value, 'identity', Math.max(QUOTAS.inlineAggregate[type], DEFAULT_MAX_CHARS.identity), join(p, name), c);
    if (doc && !bad) {
      out.set(name.toLowerCase(), { name, doc });
      total += countNonWhitespace(doc.text);
    }
  }
  if (total > QUOTAS.inlineAggregate[type]) c.error('LIMIT_EXCEEDED', p, `Maximum policy size of ${QUOTAS.inlineAggregate[type]} bytes exceeded for the inline policies of a ${type} (whitespace not counted)`);
  return out;
}

function tagList(o: Obj, path: string, c: Check): Tag[] {
  const v = own(o, 'tags');
  if (v === undefined || v === null) return [];
  const p = join(path, 'tags');
  const tags: Tag[] = [];
  const scalar = (x: unknown): string | undefined => (typeof x === 'string' ? x : typeof x === 'number' || typeof x === 'boolean' ? String(x) : undefined);
  if (Array.isArray(v)) {
    v.forEach((item: unknown, i) => {
      if (!isObj(item)) return c.error('VALIDATION_ERROR', join(p, i), 'a tag is `{key, value}`');
      checkFields(item, ['key', 'value'], join(p, i), 'a tag', c);
      const key = scalar(own(item, 'key'));
      const value = scalar(own(item, 'value') ?? '');
      if (key === undefined || value === undefined) return c.error('VALIDATION_ERROR', join(p, i), 'a tag is `{key, value}` with string values');
      tags.push({ key, value });
    });
  } else if (isObj(v)) {
    for (const [key, raw] of Object.entries(v)) {
      const value = scalar(raw ?? '');
      if (value === undefined) c.error('VALIDATION_ERROR', join(p, key), 'a tag value must be a string');
      else tags.push({ key, value });
    }
  } else {
    c.error('VALIDATION_ERROR', p, '`tags` must be a map of key to value, or a list of `{key, value}`');
  }
  const bad = checkTags(tags);
  if (bad) c.error(isTagCountRefusal(bad) ? 'LIMIT_EXCEEDED' : 'VALIDATION_ERROR', p, bad);
  return tags;
}

function policyRef(o: Obj, key: string, path: string, c: Check): { value: string; path: string } | null {
  const v = optionalString(o, key, path, c);
  return v === undefined || v === '' ? null : { value: v, path: join(path, key) };
}

// ---------------------------------------------------------------------------------------------------------
// Planning: steps, environment, kind handlers

/**
 * What one step does and which IAM action it is equivalent to. A step without `run` only asks for
 * authorization (an action that a combined write implies, such as `UntagUser` in a tag update).
 */
interface Step {
  /** Steps run in phase order (see `PHASE`); within a phase, in plan order. */
  readonly phase: number;
  /** The admin action without its service prefix (`CreateRole`); authorized as `iam:`/`ram:` by the caller's partition. */
  readonly action: string;
  readonly resource: string;
  /** The account the resource belongs to. */
  readonly account: string;
  /** The condition keys the equivalent IAM request carries (`iam:PolicyARN`, tag and boundary keys). */
  readonly context?: Readonly<ConditionContext>;
  /** Accounts are created and changed by principals of the root account only. */
  readonly rootOnly?: boolean;
  /**
   * A right the writer must hold on a resource (`alsoRequires`), not an admin action: decided as a request of the
   * writer on that resource is, with its resource policies and its owner (`decideWithResourcePolicies`).
   */
  readonly onResource?: ResourcePoliciesOf;
  /** A right decided otherwise than as an admin action (passing a role a cluster hands its nodes: `clusterPassRole`). */
  readonly decide?: (caller: Caller, now: number) => Result<unknown>;
  readonly run?: (tx: WriteTx, out: RunOutput) => Promise<Result<unknown>>;
  /**
   * The part of the store this step changes, as the directory's record of the same IAM call shows it (`{trustPolicy}`,
   * `{policyName, policyDocument}`, `{attachedPolicies}`, the entity…): read in the apply's transaction right before and
   * right after `run`, so the step's record carries `before` and `after` (`null`: none) as the same change made through
   * the IAM API does (review fi, 3). Secrets are removed from records as from any other.
   */
  readonly view?: (tx: ReadTx) => Promise<unknown>;
  /**
   * Other objects this step changes (a principal a pruned policy is detached from, a role whose trust policy forgets a
   * pruned user: each listed as its `update`, with `field`) or deletes (`delete: true`, an RBAC object of a pruned
   * cluster), unless the files name them.
   */
  readonly alsoChanges?: readonly { readonly kind: string; readonly account: string; readonly name: string; readonly field: string; readonly delete?: true; readonly diff?: readonly DocumentChange[] }[];
}

interface RunOutput {
  readonly credentials: AdminCredentials[];
  /**
   * Set by a step's `run`: its record's `after` instead of its `view`'s. A deletion that made other objects forget the
   * principal records them, `{policiesForgettingIt}`, as DeleteUser/DeleteRole/DeleteGroup through the IAM API do.
   */
  recorded?: unknown;
}

/** `after` of a deletion's record that forgot `f` (`undefined`, the view's `null`, when nothing named it). */
function forgettingRecord(f: Forgotten): { policiesForgettingIt: Forgotten } | undefined {
  return Object.values(f).some((names: readonly string[]) => names.length > 0) ? { policiesForgettingIt: f } : undefined;
}

/** Creations first, in dependency order; then detaching what goes, then attaching what comes; deletions last. */
const PHASE = { account: 0, policy: 1, group: 2, user: 3, role: 4, unlink: 5, link: 6, deletePrincipal: 7, deleteGroup: 8, deletePolicy: 9 } as const;

export interface ObjectRef {
  readonly kind: string;
  readonly account: string;
  readonly name: string;
}

export interface Desired<S> extends ObjectRef {
  readonly spec: S;
  readonly document: number;
  /** The path of the item it is within its document, when that is a `kind: List` (`items[1]`). */
  readonly item?: string;
}

interface ObjectPlan {
  readonly action: 'create' | 'update' | 'unchanged';
  readonly fields: readonly string[];
  readonly steps: readonly Step[];
  /** An update's changes inside its policy documents (`PlannedChange.diff`), all of them. */
  readonly diff?: readonly DocumentChange[];
}

/** An error found while planning an object: a field path within its document. */
interface PlanError {
  readonly code: ErrorCode;
  readonly path: string;
  readonly message: string;
  /** Where in the text at `path` (a condition's expression) the error is, for the CLI to place it in the file (review rj, 2). */
  readonly line?: number;
  readonly column?: number;
}
type Planned<T> = { ok: true; value: T } | { ok: false; errors: PlanError[] };

interface PlanEnv {
  readonly tx: ReadTx;
  readonly deps: AppDeps;
  readonly caller: Caller;
  /** Every account the documents touch has a partition here (from the store or an `Account` document). */
  partitionOf(account: string): Partition;
  /** Accounts that this apply creates: nothing in them exists yet, except the `admin` user created with them. */
  readonly newAccounts: ReadonlySet<string>;
  /** Finds a managed policy by name or ARN: the files' policies first, then the account's, then the built-ins. */
  resolvePolicy(account: string, ref: string): Promise<string | undefined>;
  /**
   * The group `name` names after this apply (in the store and not pruned, or in the files): its stored name and path,
   * or, for one this apply creates, its Group document's name at `/`. Undefined when there is none.
   */
  group(account: string, name: string): Promise<{ name: string; path: string } | undefined>;
  /** ARNs of the managed policies that `prune` deletes. */
  readonly prunedPolicies: ReadonlySet<string>;
  /** `account/lowercase-name` of the groups that `prune` deletes. */
  readonly prunedGroups: ReadonlySet<string>;
  /** Whether `prune` deletes the object (`kind` as in the documents, `Cluster`…): nothing may then be written into it. */
  pruned(kind: string, account: string, name: string): boolean;
  readonly now: string;
  newId(prefix: string, length?: number): string;
  /** Every object the documents name (a Kubernetes object checks that its cluster exists or is being created). */
  readonly documents: readonly ObjectRef[];
}

/** The handler of one kind. Method syntax keeps handlers of different specs assignable to `KindHandler<unknown>`. */
export interface KindHandler<S> {
  readonly kind: string;
  /** `account`: the object lives in `metadata.account`; `global`: `metadata.name` is an account id. */
  readonly scope: 'account' | 'global';
  /** The name rules of `metadata.name` (IAM rules for users, groups, roles, policies). */
  readonly entity?: EntityKind;
  readonly specFields: readonly string[];
  validate(spec: Obj, c: Check): S | undefined;
  plan(env: PlanEnv, o: Desired<S>): Promise<Planned<ObjectPlan>>;
  /** Prunable kinds: the names of the objects of this kind in `account`. */
  listNames?(tx: ReadTx, account: string): Promise<string[]>;
  planDelete?(env: PlanEnv, ref: ObjectRef): Promise<Planned<Step[]>>;
  /**
   * Prunable kinds whose objects are keyed by something else than the name (a resource policy by its resource, an access
   * entry by cluster and principal): whether every stored object named `name` is one a document names (by its key,
   * under this name or another), so that it is kept or renamed, not pruned. Without it, a renamed document's object was
   * deleted by the prune of its old name (review ak, 9). For these kinds a document's name does not keep an object by
   * itself: one moved to another resource or principal left its old object, never pruned (review ms, 1), and their
   * `planDelete` deletes only the objects of the name that no document names.
   */
  claimed?(tx: ReadTx, documents: readonly Desired<unknown>[], account: string, name: string): Promise<boolean>;
  /**
   * Names of this kind compare exactly (Kubernetes RBAC objects: ClusterRoleBinding `Ops` and `ops` are two objects), not
   * without case as IAM names do: `--prune` keeps only the object a document names with that very spelling (review ce, 3).
   */
  readonly caseSensitiveNames?: boolean;
  /** The read action that planning an object of this kind implies (`GetUser`), and the list action that pruning implies. */
  readonly readAction?: string;
  readonly listAction?: string;
  /**
   * The ARN of an object of this kind (`*`: of them all), which `readAction` and `listAction` are asked on, when it is not
   * an IAM entity's (a workspace's or cluster's `arn:aws:training::…`). Without it, a Workspace's read was asked on
   * `arn:aws:iam::…:workspace/NAME`, an ARN no policy names (review hh, 1).
   */
  arnOf?(partition: Partition, account: string, name: string): string;
}

const planOk = <T>(value: T): Planned<T> => ({ ok: true, value });
/** The plan of an object: `create` when `existing` is not there, else `update` when a field differs, or `unchanged`. */
const objectPlan = (existing: unknown, fields: readonly string[], steps: readonly Step[], diff: readonly DocumentChange[] = []): Planned<ObjectPlan> =>
  planOk({ action: existing ? (fields.length > 0 ? 'update' : 'unchanged') : 'create', fields, steps, ...(existing && diff.length > 0 ? { diff } : {}) });
const planFail = <T>(code: ErrorCode, path: string, message: string): Planned<T> => ({ ok: false, errors: [{ code, path, message }] });

function fromStore(r: StoreResult<unknown>): Result<unknown> {
  return r.ok ? ok(r.value) : storeFailure(r.error);
}

function storeFailure<T = never>(e: { code: ErrorCode; message: string }): Result<T> {
  return failWith(e.code, e.message);
}

const pruneKey = (kind: string, account: string, name: string, exact = false): string => `${kind}/${account}/${exact ? name : name.toLowerCase()}`;

/** Compares two comparable states (one canonical string per field) and lists the fields that differ. */
function changedFields(fields: readonly string[], current: Readonly<Record<string, string>>, desired: Readonly<Record<string, string>>): string[] {
  return fields.filter((f) => current[f] !== desired[f]);
}

// --- relations shared by users, groups and roles -------------------------------------------------------

const NOUN: Readonly<Record<PrincipalType, string>> = { user: 'User', group: 'Group', role: 'Role' };
/** The principal kinds of the documents, and the store table of each. */
const PRINCIPAL_KINDS: Readonly<Record<string, PrincipalType | undefined>> = { User: 'user', Group: 'group', Role: 'role' };
const TABLES = { user: 'users', group: 'groups', role: 'roles' } as const satisfies Record<PrincipalType, string>;

interface PrincipalState {
  /** Attached managed policy ARNs. */
  readonly policies: readonly string[];
  /** Inline policies by lower-case name. */
  readonly inline: ReadonlyMap<string, { name: string; canonical: string; text: string }>;
}

async function principalState(tx: ReadTx, ref: PrincipalRef): Promise<PrincipalState> {
  const inline = new Map<string, { name: string; canonical: string; text: string }>();
  for (const p of await tx.inlinePolicies.list(ref)) inline.set(p.name.toLowerCase(), { name: p.name, canonical: canonicalText(p.document), text: p.document });
  return { policies: await tx.attachments.listForPrincipal(ref), inline };
}

const sortedSet = (xs: readonly string[]): string => JSON.stringify([...xs].sort());
const inlineKey = (m: ReadonlyMap<string, { canonical: string }>): string => JSON.stringify([...m.entries()].map(([k, v]) => [k, v.canonical]).sort());
/** `inlineKey` of the inline policies a document names. */
const specInlineKey = (m: ReadonlyMap<string, { doc: PolicyText }>): string => inlineKey(new Map([...m].map(([k, v]) => [k, v.doc])));
const tagsKey = (tags: readonly Tag[]): string => JSON.stringify(tags.map((t) => [t.key, t.value]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1)));

/** Resolves `policies` (names or ARNs) to ARNs; an unknown one is an error on its list item. */
async function resolveRefs(env: PlanEnv, account: string, refs: readonly { value: string; path: string }[]): Promise<Planned<string[]>> {
  const out: string[] = [];
  const errors: PlanError[] = [];
  // The same policy by name and by ARN (`ReadOnlyAccess`, `arn:aws:iam::aws:policy/ReadOnlyAccess`) is listed twice
  // too: attached once, it was planned as a change on every apply, never matching the list (review fr, 4).
  const first = new Map<string, { value: string; path: string }>();
  for (const r of refs) {
    const arn = await env.resolvePolicy(account, r.value);
    const before = arn === undefined ? undefined : first.get(arn);
    if (arn === undefined) errors.push({ code: 'NO_SUCH_ENTITY', path: r.path, message: `policy \`${shortName(r.value)}\` does not exist in account ${account}, among the built-in policies, or in the documents applied` });
    else if (before !== undefined) errors.push({ code: 'VALIDATION_ERROR', path: r.path, message: `\`${r.value}\` is \`${before.value}\` (${before.path}), ${arn}: listed twice` });
    else if (env.prunedPolicies.has(arn)) errors.push({ code: 'INVALID_INPUT', path: r.path, message: `policy \`${shortName(r.value)}\` is deleted by --prune (no Policy document names it) but still referenced here` });
    else {
      first.set(arn, r);
      out.push(arn);
    }
  }
  return errors.length > 0 ? { ok: false, errors } : planOk(out);
}

/** The managed policies and the permissions boundary a user or role names, as ARNs; the errors of both, in that order. */
async function resolveAttached(
  env: PlanEnv,
  account: string,
  spec: { readonly policies: readonly { value: string; path: string }[]; readonly permissionsBoundary: { value: string; path: string } | null },
): Promise<{ policies: string[]; boundary: string | null; errors: PlanError[] }> {
  const errors: PlanError[] = [];
  const policies = await resolveRefs(env, account, spec.policies);
  if (!policies.ok) errors.push(...policies.errors);
  let boundary: string | null = null;
  if (spec.permissionsBoundary) {
    const b = await resolveRefs(env, account, [spec.permissionsBoundary]);
    if (b.ok) boundary = b.value[0] ?? null;
    else errors.push(...b.errors);
  }
  return { policies: policies.ok ? policies.value : [], boundary, errors };
}

/**
 * The permissions boundary a user or role has when each phase of relation steps runs (`withBoundary` orders the
 * boundary's own step): `unlink`, its current one (a Delete…PermissionsBoundary step comes after the detachments);
 * `link`, the desired one (a Put…PermissionsBoundary step comes before the attachments). A user or role this apply
 * creates has its boundary from the start (the CreateUser/CreateRole step sets it). Groups have none.
 */
interface BoundaryAt {
  readonly unlink: string | null;
  readonly link: string | null;
}
const NO_BOUNDARY: BoundaryAt = { unlink: null, link: null };

/** The boundary at each phase, for a user or role that has `current` (`undefined`: created by this apply) and should have `desired`. */
function boundaryAt(current: string | null | undefined, desired: string | null): BoundaryAt {
  return { unlink: current === undefined ? desired : current, link: desired };
}

/**
 * A user's or role's relation steps with its boundary step where `boundaryAt` says it is: a Put…PermissionsBoundary
 * (link phase) before the attachments and inline policies it bounds, a Delete…PermissionsBoundary (unlink phase)
 * after the detachments. Within a phase, steps run in this order, so each sees the boundary the previous left.
 */
function withBoundary(relations: readonly Step[], boundary: readonly Step[]): Step[] {
  return [...boundary.filter((s) => s.phase === PHASE.link), ...relations, ...boundary.filter((s) => s.phase !== PHASE.link)];
}

/**
 * Steps that turn the current attachments and inline policies of a principal into the desired ones. Each carries
 * `iam:PermissionsBoundary` as the principal's boundary when that step runs (review T, T4).
 */
function relationSteps(
  ref: PrincipalRef,
  arn: string,
  current: PrincipalState,
  desired: { policies: readonly string[]; inline: ReadonlyMap<string, { name: string; doc: PolicyText }> },
  boundary: BoundaryAt = NO_BOUNDARY,
): Step[] {
  const steps: Step[] = [];
  const noun = NOUN[ref.type];
  const base = { resource: arn, account: ref.account };
  const unlink = boundaryContext(boundary.unlink);
  const link = boundaryContext(boundary.link);
  for (const p of current.policies) {
    if (desired.policies.includes(p)) continue;
    steps.push({ ...base, phase: PHASE.unlink, action: `Detach${noun}Policy`, context: { 'iam:PolicyARN': p, ...unlink }, run: async (tx) => fromStore(await tx.attachments.detach(ref, p)), view: attachedView(ref) });
  }
  for (const p of desired.policies) {
    if (current.policies.includes(p)) continue;
    steps.push({ ...base, phase: PHASE.link, action: `Attach${noun}Policy`, context: { 'iam:PolicyARN': p, ...link }, run: async (tx) => fromStore(await tx.attachments.attach(ref, p)), view: attachedView(ref) });
  }
  for (const [key, p] of current.inline) {
    if (desired.inline.has(key)) continue;
    steps.push({ ...base, phase: PHASE.unlink, action: `Delete${noun}Policy`, context: unlink, run: async (tx) => fromStore(await tx.inlinePolicies.delete(ref, p.name)), view: inlineView(ref, p.name) });
  }
  for (const [key, p] of desired.inline) {
    if (current.inline.get(key)?.canonical === p.doc.canonical) continue;
    steps.push({ ...base, phase: PHASE.link, action: `Put${noun}Policy`, context: link, run: async (tx) => fromStore(await tx.inlinePolicies.put(ref, p.name, p.doc.text)), view: inlineView(ref, p.name) });
  }
  return steps;
}

function boundarySteps(ref: PrincipalRef, arn: string, current: string | null, desired: string | null): Step[] {
  if (current === desired) return [];
  const noun = NOUN[ref.type];
  const update = async (tx: WriteTx, permissionsBoundary: string | null) =>
    fromStore(ref.type === 'user' ? await tx.users.update(ref.account, ref.name, { permissionsBoundary }) : await tx.roles.update(ref.account, ref.name, { permissionsBoundary }));
  const view = principalFieldView(ref, 'permissionsBoundary');
  if (desired === null) return [{ phase: PHASE.unlink, action: `Delete${noun}PermissionsBoundary`, resource: arn, account: ref.account, context: boundaryContext(current), run: (tx) => update(tx, null), view }];
  return [{ phase: PHASE.link, action: `Put${noun}PermissionsBoundary`, resource: arn, account: ref.account, context: { 'iam:PermissionsBoundary': desired }, run: (tx) => update(tx, desired), view }];
}

function tagSteps(ref: PrincipalRef, arn: string, current: readonly Tag[], desired: readonly Tag[]): Step[] {
  if (tagsKey(current) === tagsKey(desired)) return [];
  const noun = NOUN[ref.type];
  const steps: Step[] = [];
  const run = async (tx: WriteTx) => fromStore(ref.type === 'user' ? await tx.users.update(ref.account, ref.name, { tags: desired }) : await tx.roles.update(ref.account, ref.name, { tags: desired }));
  const view = principalFieldView(ref, 'tags');
  // One write replaces the tag set; it needs Untag… when a key goes and Tag… when a key, a value or a key's spelling
  // comes, each with the condition keys of the request it stands for: the keys removed (aws:TagKeys), the tags added
  // (aws:RequestTag, aws:TagKeys). Keys are case-insensitive, as TagUser and UntagUser treat them: a key the document
  // spells in another case replaces the stored one, and is decided on both spellings (review X, X1).
  const wanted = new Set(desired.map((t) => t.key.toLowerCase()));
  const removed = current.filter((t) => !wanted.has(t.key.toLowerCase())).map((t) => t.key);
  const added = desired.filter((t) => !current.some((x) => x.key === t.key && x.value === t.value));
  if (removed.length > 0) steps.push({ phase: PHASE.link, action: `Untag${noun}`, resource: arn, account: ref.account, context: tagKeysContext(removed), ...(added.length > 0 ? {} : { run, view }) });
  if (added.length > 0) steps.push({ phase: PHASE.link, action: `Tag${noun}`, resource: arn, account: ref.account, context: requestTagContext(added, current), run, view });
  return steps;
}

/**
 * The steps on the entity `arn` (a user or role that exists) with its resource tags in their context (aws:ResourceTag,
 * iam:ResourceTag: review T, T2). Tags change only in the last step of the link phase, so every step sees these.
 */
/** `Step.view`s: the part of the store a step changes, as the directory records it (`null`: none). */
const entityView =
  (ref: PrincipalRef) =>
  async (tx: ReadTx): Promise<unknown> =>
    (ref.type === 'user' ? await tx.users.get(ref.account, ref.name) : ref.type === 'role' ? await tx.roles.get(ref.account, ref.name) : await tx.groups.get(ref.account, ref.name)) ?? null;
const principalFieldView =
  (ref: PrincipalRef, field: 'tags' | 'permissionsBoundary' | 'trustPolicy') =>
  async (tx: ReadTx): Promise<unknown> => {
    const e = ref.type === 'user' ? await tx.users.get(ref.account, ref.name) : ref.type === 'role' ? await tx.roles.get(ref.account, ref.name) : undefined;
    return e ? { [field]: (e as unknown as Record<string, unknown>)[field] ?? null } : null;
  };
const attachedView = (ref: PrincipalRef) => async (tx: ReadTx): Promise<unknown> => ({ attachedPolicies: await tx.attachments.listForPrincipal(ref) });
const inlineView = (ref: PrincipalRef, name: string) => async (tx: ReadTx): Promise<unknown> => {
  const p = await tx.inlinePolicies.get(ref, name);
  return p ? { policyName: p.name, policyDocument: p.document } : null;
};
const groupsView = (account: string, user: string) => async (tx: ReadTx): Promise<unknown> => ({ groups: (await tx.groups.listForUser(account, user)).map((g) => g.name) });
const policyView = (arn: string) => async (tx: ReadTx): Promise<unknown> => {
  const p = await tx.policies.getByArn(arn);
  return p ? { ...p, defaultVersion: (await tx.policies.getDefaultVersion(arn)) ?? null } : null;
};

function onEntity(steps: readonly Step[], arn: string, context: Readonly<ConditionContext>): Step[] {
  if (Object.keys(context).length === 0) return [...steps];
  return steps.map((s) => (s.resource === arn ? { ...s, context: { ...context, ...s.context } } : s));
}

/** After a user or role is deleted (`deleted` ok), the policies that named it forget it (src/app/forget-principal.ts). */
async function forgotten(tx: WriteTx, out: RunOutput, gone: GonePrincipal, now: string, deleted: Result<unknown>): Promise<Result<unknown>> {
  if (deleted.ok) out.recorded = forgettingRecord(await forgetPrincipal(tx, gone, now));
  return deleted;
}

/** Steps of deleting a principal with everything attached to it (run-time lists: earlier steps may have changed them). */
async function principalDeleteSteps(
  env: PlanEnv,
  ref: PrincipalRef,
  arn: string,
  phase: number,
  drop: (tx: WriteTx, out: RunOutput) => Promise<Result<unknown>>,
  context: Readonly<ConditionContext> = {},
  boundary: string | null = null,
): Promise<Step[]> {
  const { tx } = env;
  const noun = NOUN[ref.type];
  const base = { resource: arn, account: ref.account, phase };
  const steps: Step[] = [];
  const state = await principalState(tx, ref);
  for (const p of state.policies) steps.push({ ...base, action: `Detach${noun}Policy`, context: { 'iam:PolicyARN': p, ...boundaryContext(boundary) } });
  if (state.inline.size > 0) steps.push({ ...base, action: `Delete${noun}Policy`, context: boundaryContext(boundary) });
  if (ref.type === 'user') {
    if ((await tx.accessKeys.listForUser(ref.account, ref.name)).length > 0) steps.push({ ...base, action: 'DeleteAccessKey' });
    for (const g of await tx.groups.listForUser(ref.account, ref.name)) {
      steps.push({ ...base, action: 'RemoveUserFromGroup', resource: entityArn(env.partitionOf(ref.account), ref.account, 'group', g.path, g.name) });
    }
  }
  if (ref.type === 'group') {
    // Each member loses the group (and what it is given through it): a change to that user, listed as its update
    // unless the files name it or the same prune deletes it (review hh, 2), as a pruned policy's principals are.
    const members = await tx.groups.listMembers(ref.account, ref.name);
    if (members.length > 0) steps.push({ ...base, action: 'RemoveUserFromGroup', alsoChanges: members.map((u) => ({ kind: 'User', account: ref.account, name: u.name, field: 'groups', diff: [{ op: '-', path: 'groups', before: ref.name }] })) });
  }
  steps.push({
    ...base,
    action: `Delete${noun}`,
    view: entityView(ref),
    run: async (w, out) => {
      for (const p of await w.attachments.listForPrincipal(ref)) {
        const r = await w.attachments.detach(ref, p);
        if (!r.ok) return fromStore(r);
      }
      for (const p of await w.inlinePolicies.list(ref)) {
        const r = await w.inlinePolicies.delete(ref, p.name);
        if (!r.ok) return fromStore(r);
      }
      if (ref.type === 'user') {
        for (const k of await w.accessKeys.listForUser(ref.account, ref.name)) {
          const r = await w.accessKeys.delete(k.id);
          if (!r.ok) return fromStore(r);
        }
        for (const g of await w.groups.listForUser(ref.account, ref.name)) {
          const r = await w.groups.removeMember(ref.account, g.name, ref.name);
          if (!r.ok) return fromStore(r);
        }
      }
      if (ref.type === 'group') {
        for (const u of await w.groups.listMembers(ref.account, ref.name)) {
          const r = await w.groups.removeMember(ref.account, ref.name, u.name);
          if (!r.ok) return fromStore(r);
        }
      }
      return drop(w, out);
    },
  });
  return onEntity(steps, arn, context);
}

/**
 * Deleting the user or role `found` (nothing to do when it is not there): everything attached to it goes first,
 * and once `remove` deleted it, the policies that named it forget it.
 */
async function userOrRoleDelete(
  env: PlanEnv,
  type: GonePrincipal['type'],
  account: string,
  found: { readonly name: string; readonly path: string; readonly id: string; readonly tags: readonly Tag[]; readonly permissionsBoundary: string | null } | undefined,
  remove: (tx: WriteTx, name: string) => Promise<StoreResult<unknown>>,
): Promise<Planned<Step[]>> {
  if (!found) return planOk([]);
  const gone: GonePrincipal = { type, account, name: found.name, id: found.id };
  const ref: PrincipalRef = { type, account, name: found.name };
  const arn = entityArn(env.partitionOf(account), account, type, found.path, found.name);
  const steps = await principalDeleteSteps(env, ref, arn, PHASE.deletePrincipal, async (tx, out) => forgotten(tx, out, gone, env.now, fromStore(await remove(tx, found.name))), resourceTagContext(found.tags), found.permissionsBoundary);
  return planOk(withForgetting(steps, `Delete${NOUN[type]}`, await forgetting(env.tx, gone)));
}

/**
 * The deletion step `action` of a pruned user, group or role, carrying the objects that forget it in the same
 * transaction (`forgetting`: trust and resource policies, bindings, workspaces, cluster mappings), so that plan and
 * apply list each of them as they list the principals a pruned policy is detached from: they were changed unsaid.
 */
function withForgetting(steps: readonly Step[], action: string, also: readonly Forgetting[]): Step[] {
  if (also.length === 0) return [...steps];
  return steps.map((s) => (s.action === action && s.run !== undefined ? { ...s, alsoChanges: [...(s.alsoChanges ?? []), ...also] } : s));
}

// --- Account ---------------------------------------------------------------------------------------------

interface AccountSpec {
  readonly partition: Partition;
  readonly displayName: string | undefined;
}

/** The full-rights policy an account's `admin` gets (as `accounts.ts` gives it): attached in aws, inline in acs. */
const ADMIN_POLICY_ARN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const ACS_ADMIN_INLINE = { name: 'AdministratorAccess', document: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) };

async function createAccountWithAdmin(deps: AppDeps, tx: WriteTx, account: AccountRecord): Promise<Result<AdminCredentials>> {
  const created = await tx.accounts.create(account);
  if (!created.ok) return storeFailure(created.error);
  const user = await tx.users.create({
    account: account.id,
    name: ADMIN_USER,
    path: '/',
    id: uniqueId(ID_PREFIX.user, deps.randomBytes(32)),
    created: account.created,
    tags: [],
    permissionsBoundary: null,
    disabled: false,
  });
  if (!user.ok) return storeFailure(user.error);
  const ref: PrincipalRef = { type: 'user', account: account.id, name: ADMIN_USER };
  const r = account.partition === 'acs' ? await tx.inlinePolicies.put(ref, ACS_ADMIN_INLINE.name, ACS_ADMIN_INLINE.document) : await tx.attachments.attach(ref, ADMIN_POLICY_ARN);
  if (!r.ok) return storeFailure(r.error);
  const key = await createDirectory(deps).issueAccessKey(tx, account.partition, user.value);
  if (!key.ok) return key;
  return ok({ AccountId: account.id, UserName: ADMIN_USER, AccessKeyId: key.value.key.id, SecretAccessKey: key.value.secretAccessKey });
}

const accountKind: KindHandler<AccountSpec> = {
  kind: 'Account',
  scope: 'global',
  specFields: ['partition', 'name'],
  validate(spec, c) {
    const partition = own(spec, 'partition');
    const displayName = optionalString(spec, 'name', 'spec', c);
    if (partition !== 'aws' && partition !== 'acs') {
      c.error('VALIDATION_ERROR', 'spec.partition', partition === undefined ? '`partition` is required: `aws` or `acs`' : `\`partition\` must be \`aws\` or \`acs\`, got \`${shortName(String(partition))}\``);
      return undefined;
    }
    const badName = displayName === undefined ? undefined : checkAccountName(displayName);
    if (badName !== undefined) c.error('VALIDATION_ERROR', 'spec.name', badName);
    return { partition, displayName };
  },
  async plan(env, o) {
    const existing = await env.tx.accounts.get(o.name);
    const arn = rootArn(o.spec.partition, o.name);
    if (existing) {
      if (existing.partition !== o.spec.partition) {
        return planFail('INVALID_INPUT', 'spec.partition', `account ${o.name} is in partition \`${existing.partition}\`; the partition of an account cannot change`);
      }
      // A document owns its name too: left out, it is the default, the id (review hh, 4), as it is on creation; the
      // root account's, `root`, which its first start gives it.
      const name = o.spec.displayName ?? (o.name === ROOT_ACCOUNT ? ROOT_ACCOUNT_NAME : o.name);
      if (name === existing.name) return planOk({ action: 'unchanged', fields: [], steps: [] });
      return planOk({
        action: 'update',
        fields: ['name'],
        // What it will be called, as every other field's change is listed (review ms, 2; review md, 1).
        diff: valueChange('name', existing.name, name),
        steps: [{ phase: PHASE.account, action: 'UpdateAccount', resource: arn, account: o.name, rootOnly: true, run: async (tx) => fromStore(await tx.accounts.update(o.name, { name })), view: async (tx: ReadTx) => (await tx.accounts.get(o.name)) ?? null }],
      });
    }
    const record: AccountRecord = { id: o.name, partition: o.spec.partition, name: o.spec.displayName ?? o.name, created: env.now };
    return planOk({
      action: 'create',
      fields: o.spec.displayName === undefined ? ['partition'] : ['partition', 'name'],
      steps: [
        {
          phase: PHASE.account,
          action: 'CreateAccount',
          resource: arn,
          account: o.name,
          rootOnly: true,
          run: async (tx, out) => {
            const r = await createAccountWithAdmin(env.deps, tx, record);
            if (r.ok) out.credentials.push(r.value);
            return r;
          },
        },
      ],
    });
  },
};

// --- Policy ----------------------------------------------------------------------------------------------

interface PolicySpec {
  readonly document: PolicyText;
  /** Compared only when given: IAM cannot change it, so leaving it out must not fail against an existing policy. */
  readonly description: string | undefined;
  /** As a role's: the policy's whole tag set (none when left out), changed with TagPolicy/UntagPolicy (review Q2, q3). */
  readonly tags: readonly Tag[];
}

/**
 * The steps that take a managed policy's tags from `current` to `desired`, decided as UntagPolicy and TagPolicy are
 * (the keys removed; the tags added), as `tagSteps` does for users and roles. One write replaces the tag set.
 */
function policyTagSteps(account: string, arn: string, current: readonly Tag[], desired: readonly Tag[]): Step[] {
  if (tagsKey(current) === tagsKey(desired)) return [];
  const run = async (tx: WriteTx) => fromStore(await tx.policies.setTags(arn, desired));
  const wanted = new Set(desired.map((t) => t.key.toLowerCase()));
  const removed = current.filter((t) => !wanted.has(t.key.toLowerCase())).map((t) => t.key);
  const added = desired.filter((t) => !current.some((x) => x.key === t.key && x.value === t.value));
  const steps: Step[] = [];
  if (removed.length > 0) steps.push({ phase: PHASE.policy, action: 'UntagPolicy', resource: arn, account, context: tagKeysContext(removed), ...(added.length > 0 ? {} : { run }) });
  if (added.length > 0) steps.push({ phase: PHASE.policy, action: 'TagPolicy', resource: arn, account, context: requestTagContext(added, current), run });
  return steps;
}

const policyKind: KindHandler<PolicySpec> = {
  kind: 'Policy',
  scope: 'account',
  entity: 'policy',
  specFields: ['document', 'description', 'tags'],
  readAction: 'GetPolicy',
  listAction: 'ListPolicies',
  validate(spec, c) {
    const description = optionalString(spec, 'description', 'spec', c);
    // A managed policy's description is any text of up to 1,000 characters, as CreatePolicy takes it (IAM's
    // policyDescriptionType; a role's is printable Latin-1): review directory, D13.
    const bad = checkPolicyDescription(description);
    if (bad) c.error('VALIDATION_ERROR', 'spec.description', bad);
    if (own(spec, 'document') === undefined) {
      c.error('VALIDATION_ERROR', 'spec.document', '`document` is required: the policy document');
      return undefined;
    }
    const document = policyDocument(own(spec, 'document'), 'identity', QUOTAS.managedPolicySize, 'spec.document', c);
    const tags = tagList(spec, 'spec', c);
    return document ? { document, description, tags } : undefined;
  },
  async plan(env, o) {
    const partition = env.partitionOf(o.account);
    const existing = env.newAccounts.has(o.account) ? undefined : await env.tx.policies.get(o.account, o.name);
    if (!existing) {
      const arn = entityArn(partition, o.account, 'policy', '/', o.name);
      return planOk({
        action: 'create',
        fields: ['document', ...(o.spec.description ? ['description'] : []), ...(o.spec.tags.length > 0 ? ['tags'] : [])],
        steps: [
          {
            phase: PHASE.policy,
            action: 'CreatePolicy',
            resource: arn,
            account: o.account,
            context: requestTagContext(o.spec.tags),
            run: async (tx) =>
              fromStore(
                await tx.policies.create({
                  account: o.account,
                  name: o.name,
                  path: '/',
                  id: env.newId(ID_PREFIX.policy),
                  arn,
                  description: o.spec.description ?? '',
                  created: env.now,
                  document: o.spec.document.text,
                  tags: o.spec.tags,
                }),
              ),
            view: policyView(arn),
          },
        ],
      });
    }
    const current = await env.tx.policies.getDefaultVersion(existing.arn);
    const fields = changedFields(
      this.specFields,
      { document: current ? canonicalText(current.document) : '', description: existing.description, tags: tagsKey(existing.tags) },
      { document: o.spec.document.canonical, description: o.spec.description ?? existing.description, tags: tagsKey(o.spec.tags) },
    );
    if (fields.includes('description')) {
      return planFail(
        'INVALID_INPUT',
        'spec.description',
        `the description of managed policy \`${existing.name}\` is \`${existing.description}\` and cannot change once created (IAM has no call for it); keep it, or delete the policy and apply again`,
      );
    }
    if (fields.length === 0) return planOk({ action: 'unchanged', fields, steps: [] });
    const steps: Step[] = [];
    if (fields.includes('document')) {
      const versions = await env.tx.policies.listVersions(existing.arn);
      // At the version limit, the oldest non-default version makes room, as `aws iam` users do by hand.
      if (versions.length >= QUOTAS.policyVersions) steps.push({ phase: PHASE.policy, action: 'DeletePolicyVersion', resource: existing.arn, account: o.account });
      steps.push({
        phase: PHASE.policy,
        action: 'CreatePolicyVersion',
        resource: existing.arn,
        account: o.account,
        run: async (tx) => {
          const all = await tx.policies.listVersions(existing.arn);
          if (all.length >= QUOTAS.policyVersions) {
            const oldest = all.filter((v) => !v.isDefault).at(-1);
            if (oldest) {
              const d = await tx.policies.deleteVersion(existing.arn, oldest.versionId);
              if (!d.ok) return fromStore(d);
            }
          }
          return fromStore(await tx.policies.createVersion(existing.arn, { document: o.spec.document.text, setAsDefault: true, created: env.now }));
        },
        view: async (tx: ReadTx) => ({ defaultVersion: (await tx.policies.getDefaultVersion(existing.arn)) ?? null }),
      });
    }
    // Tags change after the document, so every step is decided with the tags the policy has now (aws:ResourceTag).
    steps.push(...policyTagSteps(o.account, existing.arn, existing.tags, o.spec.tags));
    const diff = fieldChanges(fields, { document: () => documentChanges(documentValue(current?.document ?? ''), documentValue(o.spec.document.text), 'document'), tags: () => tagChanges(existing.tags, o.spec.tags) });
    return planOk({ action: 'update', fields, steps: onEntity(steps, existing.arn, resourceTagContext(existing.tags)), ...(diff.length > 0 ? { diff } : {}) });
  },
  async listNames(tx, account) {
    return (await tx.policies.list(account)).map((p) => p.name);
  },
  async planDelete(env, ref) {
    const p = await env.tx.policies.get(ref.account, ref.name);
    if (!p) return planOk([]);
    // A boundary is not detached with the policy (DeletePolicy refuses, as IAM does): found here, by the plan, rather
    // than by the apply's DeletePolicy step after a plan that said it would go through (review ak, 5). A user or role the
    // files name drops it (or is refused for naming a pruned policy); one pruned is gone first.
    for (const type of ['user', 'role'] as const) {
      const bounded = (type === 'user' ? await env.tx.users.list(ref.account) : await env.tx.roles.list(ref.account)).filter((e) => e.permissionsBoundary === p.arn);
      const kept = bounded.filter((e) => !env.pruned(NOUN[type], ref.account, e.name) && !env.documents.some((d) => d.kind === NOUN[type] && d.account === ref.account && d.name.toLowerCase() === e.name.toLowerCase()));
      if (kept.length > 0) {
        const names = kept.slice(0, 5).map((e) => `\`${e.name}\``).join(', ') + (kept.length > 5 ? ` and ${kept.length - 5} more` : '');
        return planFail('DELETE_CONFLICT', '', `policy \`${p.name}\` is deleted by --prune (no Policy document names it) but is the permissions boundary of ${type} ${names}, which the files do not name; give ${kept.length === 1 ? 'it a document' : 'them documents'} without that boundary, or keep the policy`);
      }
    }
    const steps: Step[] = [];
    const partition = env.partitionOf(ref.account);
    for (const a of await env.tx.attachments.listForPolicy(p.arn)) {
      const { account, name, type } = a.principal;
      const tagged = type === 'user' ? await env.tx.users.get(account, name) : type === 'role' ? await env.tx.roles.get(account, name) : undefined;
      const e = tagged ?? (type === 'group' ? await env.tx.groups.get(account, name) : undefined);
      // Decided as the IAM API decides Detach…Policy: on the principal's canonical ARN, with its resource tags and its
      // current boundary (review X, X3; a group has neither).
      const context = tagged ? { ...resourceTagContext(tagged.tags), ...boundaryContext(tagged.permissionsBoundary) } : {};
      // Run (and so recorded) on its own, and shown as the principal's update (review Z, finding 4): it was done silently
      // by DeletePolicy. A principal whose own document drops the policy has detached it already by then (phase unlink).
      steps.push({
        phase: PHASE.deletePolicy,
        action: `Detach${NOUN[type]}Policy`,
        resource: entityArn(partition, account, type, e?.path ?? '/', e?.name ?? name),
        account,
        context: { ...context, 'iam:PolicyARN': p.arn },
        alsoChanges: [{ kind: NOUN[type], account, name: e?.name ?? name, field: 'policies', diff: [{ op: '-', path: 'policies', before: p.arn }] }],
        run: async (tx) => {
          const still = (await tx.attachments.listForPolicy(p.arn)).some((x) => x.principal.type === type && x.principal.account === account && x.principal.name.toLowerCase() === name.toLowerCase());
          return still ? fromStore(await tx.attachments.detach(a.principal, p.arn)) : ok(undefined);
        },
      });
    }
    if ((await env.tx.policies.listVersions(p.arn)).length > 1) steps.push({ phase: PHASE.deletePolicy, action: 'DeletePolicyVersion', resource: p.arn, account: ref.account });
    steps.push({
      phase: PHASE.deletePolicy,
      action: 'DeletePolicy',
      resource: p.arn,
      account: ref.account,
      view: policyView(p.arn),
      run: async (tx) => {
        for (const a of await tx.attachments.listForPolicy(p.arn)) {
          const r = await tx.attachments.detach(a.principal, p.arn);
          if (!r.ok) return fromStore(r);
        }
        const r = await tx.policies.delete(p.arn);
        if (!r.ok && r.error.code === 'DELETE_CONFLICT') return failWith('DELETE_CONFLICT', `policy \`${p.name}\` is still used as a permissions boundary; remove it from there first (${r.error.message})`);
        return fromStore(r);
      },
    });
    return planOk(steps);
  },
};

// --- Group -----------------------------------------------------------------------------------------------

interface GroupSpec {
  readonly policies: readonly { value: string; path: string }[];
  readonly inline: ReadonlyMap<string, { name: string; doc: PolicyText }>;
}

const groupKind: KindHandler<GroupSpec> = {
  kind: 'Group',
  scope: 'account',
  entity: 'group',
  specFields: ['policies', 'inlinePolicies'],
  readAction: 'GetGroup',
  listAction: 'ListGroups',
  validate(spec, c) {
    return { policies: stringList(spec, 'policies', 'spec', c, QUOTAS.managedPoliciesPerEntity, 'PoliciesPerGroup'), inline: inlinePolicies(spec, 'spec', c, 'group') };
  },
  async plan(env, o) {
    const partition = env.partitionOf(o.account);
    const existing = env.newAccounts.has(o.account) ? undefined : await env.tx.groups.get(o.account, o.name);
    const ref: PrincipalRef = { type: 'group', account: o.account, name: existing?.name ?? o.name };
    const arn = entityArn(partition, o.account, 'group', existing?.path ?? '/', ref.name);
    const policies = await resolveRefs(env, o.account, o.spec.policies);
    if (!policies.ok) return policies;
    const current = existing ? await principalState(env.tx, ref) : { policies: [], inline: new Map() };
    const fields = changedFields(this.specFields, { policies: sortedSet(current.policies), inlinePolicies: inlineKey(current.inline) }, { policies: sortedSet(policies.value), inlinePolicies: specInlineKey(o.spec.inline) });
    const steps = relationSteps(ref, arn, current, { policies: policies.value, inline: o.spec.inline });
    if (!existing) {
      steps.unshift({
        phase: PHASE.group,
        action: 'CreateGroup',
        resource: arn,
        account: o.account,
        run: async (tx) => fromStore(await tx.groups.create({ account: o.account, name: o.name, path: '/', id: env.newId(ID_PREFIX.group), created: env.now })),
        view: entityView({ type: 'group', account: o.account, name: o.name }),
      });
    }
    return objectPlan(existing, fields, steps, fieldChanges(fields, { policies: () => setChanges('policies', current.policies, policies.value), inlinePolicies: () => inlineChanges(current.inline, o.spec.inline) }));
  },
  async listNames(tx, account) {
    return (await tx.groups.list(account)).map((g) => g.name);
  },
  async planDelete(env, ref) {
    const g = await env.tx.groups.get(ref.account, ref.name);
    if (!g) return planOk([]);
    const pref: PrincipalRef = { type: 'group', account: ref.account, name: g.name };
    const steps = await principalDeleteSteps(env, pref, entityArn(env.partitionOf(ref.account), ref.account, 'group', g.path, g.name), PHASE.deleteGroup, async (tx, out) => {
      const deleted = fromStore(await tx.groups.delete(ref.account, g.name));
      // A workspace or binding naming it would make members of a group created later under that name (review K1).
      if (deleted.ok) out.recorded = forgettingRecord(await forgetGroup(tx, { account: ref.account, name: g.name, id: g.id }, env.now));
      return deleted;
    });
    return planOk(withForgetting(steps, 'DeleteGroup', await forgetting(env.tx, { type: 'group', account: ref.account, name: g.name, id: g.id })));
  },
};

// --- User ------------------------------------------------------------------------------------------------

interface UserSpec {
  readonly groups: readonly { value: string; path: string }[];
  readonly policies: readonly { value: string; path: string }[];
  readonly inline: ReadonlyMap<string, { name: string; doc: PolicyText }>;
  readonly permissionsBoundary: { value: string; path: string } | null;
  readonly tags: readonly Tag[];
}

const userKind: KindHandler<UserSpec> = {
  kind: 'User',
  scope: 'account',
  entity: 'user',
  specFields: ['groups', 'policies', 'inlinePolicies', 'permissionsBoundary', 'tags'],
  readAction: 'GetUser',
  listAction: 'ListUsers',
  validate(spec, c) {
    const groups = stringList(spec, 'groups', 'spec', c, QUOTAS.groupsPerUser, 'GroupsPerUser');
    for (const g of groups) {
      const bad = checkName('group', g.value);
      if (bad) c.error('VALIDATION_ERROR', g.path, bad);
    }
    return {
      groups,
      policies: stringList(spec, 'policies', 'spec', c, QUOTAS.managedPoliciesPerEntity, 'PoliciesPerUser'),
      inline: inlinePolicies(spec, 'spec', c, 'user'),
      permissionsBoundary: policyRef(spec, 'permissionsBoundary', 'spec', c),
      tags: tagList(spec, 'spec', c),
    };
  },
  async plan(env, o) {
    const { tx } = env;
    const partition = env.partitionOf(o.account);
    const isNew = env.newAccounts.has(o.account);
    // The admin of an account created by this apply exists once its account does: plan against what it will be.
    const virtualAdmin = isNew && o.name.toLowerCase() === ADMIN_USER;
    const existing = isNew ? undefined : await tx.users.get(o.account, o.name);
    const name = existing?.name ?? (virtualAdmin ? ADMIN_USER : o.name);
    const ref: PrincipalRef = { type: 'user', account: o.account, name };
    const arn = entityArn(partition, o.account, 'user', existing?.path ?? '/', name);

    const { policies, boundary, errors } = await resolveAttached(env, o.account, o.spec);
    const groups: { name: string; path: string }[] = [];
    for (const g of o.spec.groups) {
      // The group as stored: its ARN is what the steps are authorized on, whatever the case the document spells it in (review T, T1).
      const found = await env.group(o.account, g.value);
      if (found === undefined && env.prunedGroups.has(`${o.account}/${g.value.toLowerCase()}`)) {
        errors.push({ code: 'INVALID_INPUT', path: g.path, message: `group \`${shortName(g.value)}\` is deleted by --prune (no Group document names it) but still listed here` });
      } else if (found === undefined) errors.push({ code: 'NO_SUCH_ENTITY', path: g.path, message: `group \`${shortName(g.value)}\` does not exist in account ${o.account} and no Group document names it` });
      else groups.push(found);
    }
    if (errors.length > 0) return { ok: false, errors };

    const current: PrincipalState = existing
      ? await principalState(tx, ref)
      : virtualAdmin
        ? partition === 'acs'
          ? { policies: [], inline: new Map([[ACS_ADMIN_INLINE.name.toLowerCase(), { name: ACS_ADMIN_INLINE.name, text: ACS_ADMIN_INLINE.document, canonical: canonicalText(ACS_ADMIN_INLINE.document) }]]) }
          : { policies: [ADMIN_POLICY_ARN], inline: new Map() }
        : { policies: [], inline: new Map() };
    const currentGroups = existing ? await tx.groups.listForUser(o.account, name) : [];
    const currentBoundary = existing?.permissionsBoundary ?? null;
    const currentTags = existing?.tags ?? [];
    const fields = changedFields(
      this.specFields,
      { groups: sortedSet(currentGroups.map((g) => g.name.toLowerCase())), policies: sortedSet(current.policies), inlinePolicies: inlineKey(current.inline), permissionsBoundary: String(currentBoundary), tags: tagsKey(currentTags) },
      { groups: sortedSet(groups.map((g) => g.name.toLowerCase())), policies: sortedSet(policies), inlinePolicies: specInlineKey(o.spec.inline), permissionsBoundary: String(boundary), tags: tagsKey(o.spec.tags) },
    );

    const steps: Step[] = [];
    if (!existing && !virtualAdmin) {
      steps.push({
        phase: PHASE.user,
        action: 'CreateUser',
        resource: arn,
        account: o.account,
        // Created with the boundary the document asks for, as CreateUser with PermissionsBoundary (review T, T4).
        context: { ...requestTagContext(o.spec.tags), ...boundaryContext(boundary) },
        run: async (w) => fromStore(await w.users.create({ account: o.account, name, path: '/', id: env.newId(ID_PREFIX.user), created: env.now, tags: [], permissionsBoundary: boundary, disabled: false })),
        view: entityView({ type: 'user', account: o.account, name }),
      });
    }
    const want = new Set(groups.map((g) => g.name.toLowerCase()));
    for (const g of currentGroups) {
      if (want.has(g.name.toLowerCase())) continue;
      steps.push({ phase: PHASE.unlink, action: 'RemoveUserFromGroup', resource: entityArn(partition, o.account, 'group', g.path, g.name), account: o.account, run: async (w) => fromStore(await w.groups.removeMember(o.account, g.name, name)), view: groupsView(o.account, name) });
    }
    const have = new Set(currentGroups.map((g) => g.name.toLowerCase()));
    for (const g of groups) {
      if (have.has(g.name.toLowerCase())) continue;
      steps.push({ phase: PHASE.link, action: 'AddUserToGroup', resource: entityArn(partition, o.account, 'group', g.path, g.name), account: o.account, run: async (w) => fromStore(await w.groups.addMember(o.account, g.name, name)), view: groupsView(o.account, name) });
    }
    // A user this apply creates has its boundary from its CreateUser step; the admin of a new account has none yet.
    const created = !existing && !virtualAdmin;
    steps.push(
      ...withBoundary(relationSteps(ref, arn, current, { policies, inline: o.spec.inline }, boundaryAt(created ? undefined : currentBoundary, boundary)), boundarySteps(ref, arn, created ? boundary : currentBoundary, boundary)),
      ...tagSteps(ref, arn, currentTags, o.spec.tags),
    );
    const diff = fieldChanges(fields, {
      groups: () => setChanges('groups', currentGroups.map((g) => g.name), groups.map((g) => g.name), (n) => n.toLowerCase()),
      policies: () => setChanges('policies', current.policies, policies),
      inlinePolicies: () => inlineChanges(current.inline, o.spec.inline),
      permissionsBoundary: () => valueChange('permissionsBoundary', currentBoundary, boundary),
      tags: () => tagChanges(currentTags, o.spec.tags),
    });
    return objectPlan(existing || virtualAdmin, fields, onEntity(steps, arn, resourceTagContext(existing?.tags)), diff);
  },
  async listNames(tx, account) {
    return (await tx.users.list(account)).map((u) => u.name);
  },
  async planDelete(env, ref) {
    return userOrRoleDelete(env, 'user', ref.account, await env.tx.users.get(ref.account, ref.name), (tx, name) => tx.users.delete(ref.account, name));
  },
};

// --- Role ------------------------------------------------------------------------------------------------

interface RoleSpec {
  readonly trustPolicy: PolicyText;
  readonly policies: readonly { value: string; path: string }[];
  readonly inline: ReadonlyMap<string, { name: string; doc: PolicyText }>;
  readonly permissionsBoundary: { value: string; path: string } | null;
  readonly maxSessionDuration: number;
  readonly description: string;
  readonly tags: readonly Tag[];
}

const roleKind: KindHandler<RoleSpec> = {
  kind: 'Role',
  scope: 'account',
  entity: 'role',
  specFields: ['trustPolicy', 'policies', 'inlinePolicies', 'permissionsBoundary', 'maxSessionDuration', 'description', 'tags'],
  readAction: 'GetRole',
  listAction: 'ListRoles',
  validate(spec, c) {
    const description = optionalString(spec, 'description', 'spec', c) ?? '';
    const badDescription = checkDescription(description);
    if (badDescription) c.error('VALIDATION_ERROR', 'spec.description', badDescription);
    const max = own(spec, 'maxSessionDuration') ?? 3600;
    const badMax = checkMaxSessionDuration(max);
    if (badMax || typeof max !== 'number') c.error('VALIDATION_ERROR', 'spec.maxSessionDuration', badMax ?? '`maxSessionDuration` must be a number of seconds');
    const rest = {
      policies: stringList(spec, 'policies', 'spec', c, QUOTAS.managedPoliciesPerEntity, 'PoliciesPerRole'),
      inline: inlinePolicies(spec, 'spec', c, 'role'),
      permissionsBoundary: policyRef(spec, 'permissionsBoundary', 'spec', c),
      tags: tagList(spec, 'spec', c),
    };
    if (own(spec, 'trustPolicy') === undefined) {
      c.error('VALIDATION_ERROR', 'spec.trustPolicy', '`trustPolicy` is required: who may assume the role (for training jobs, the service principal `training.gatehouse.dev`)');
      return undefined;
    }
    const trustPolicy = policyDocument(own(spec, 'trustPolicy'), 'trust', QUOTAS.trustPolicySize, 'spec.trustPolicy', c);
    if (!trustPolicy || typeof max !== 'number') return undefined;
    return { trustPolicy, description, maxSessionDuration: max, ...rest };
  },
  async plan(env, o) {
    const { tx } = env;
    const partition = env.partitionOf(o.account);
    const existing = env.newAccounts.has(o.account) ? undefined : await tx.roles.get(o.account, o.name);
    const name = existing?.name ?? o.name;
    const ref: PrincipalRef = { type: 'role', account: o.account, name };
    const arn = entityArn(partition, o.account, 'role', existing?.path ?? '/', name);
    const { policies, boundary, errors } = await resolveAttached(env, o.account, o.spec);

    const current = existing ? await principalState(tx, ref) : { policies: [], inline: new Map() };
    const fields = changedFields(
      this.specFields,
      existing
        ? {
            trustPolicy: canonicalText(existing.trustPolicy),
            policies: sortedSet(current.policies),
            inlinePolicies: inlineKey(current.inline),
            permissionsBoundary: String(existing.permissionsBoundary),
            maxSessionDuration: String(existing.maxSessionDuration),
            description: existing.description,
            tags: tagsKey(existing.tags),
          }
        : { policies: sortedSet([]), inlinePolicies: inlineKey(new Map()), permissionsBoundary: 'null', maxSessionDuration: '3600', description: '', tags: tagsKey([]) },
      {
        trustPolicy: o.spec.trustPolicy.canonical,
        policies: sortedSet(policies),
        inlinePolicies: specInlineKey(o.spec.inline),
        permissionsBoundary: String(boundary),
        maxSessionDuration: String(o.spec.maxSessionDuration),
        description: o.spec.description,
        tags: tagsKey(o.spec.tags),
      },
    );
    // The trust policy's errors with those of the policies it attaches: every error of the document at once.
    const gone = prunedPrincipal(env, o.spec.trustPolicy.text, 'spec.trustPolicy');
    const unknown = gone === undefined && (!existing || fields.includes('trustPolicy')) ? await principalsExistAfter(env, o.spec.trustPolicy.text, 'spec.trustPolicy', true) : undefined;
    for (const r of [gone, unknown]) if (r !== undefined && !r.ok) errors.push(...r.errors);
    if (errors.length > 0) return { ok: false, errors };
    const steps: Step[] = [];
    if (!existing) {
      steps.push({
        phase: PHASE.role,
        action: 'CreateRole',
        resource: arn,
        account: o.account,
        context: { ...requestTagContext(o.spec.tags), ...boundaryContext(boundary) },
        run: async (w) =>
          fromStore(
            await w.roles.create({
              account: o.account,
              name,
              path: '/',
              id: env.newId(ID_PREFIX.role),
              created: env.now,
              trustPolicy: o.spec.trustPolicy.text,
              description: o.spec.description,
              maxSessionDuration: o.spec.maxSessionDuration,
              tags: [],
              permissionsBoundary: boundary,
            }),
          ),
        view: entityView({ type: 'role', account: o.account, name }),
      });
    } else {
      if (fields.includes('trustPolicy')) {
        steps.push({ phase: PHASE.role, action: 'UpdateAssumeRolePolicy', resource: arn, account: o.account, run: async (w) => fromStore(await w.roles.update(o.account, name, { trustPolicy: o.spec.trustPolicy.text })), view: principalFieldView({ type: 'role', account: o.account, name }, 'trustPolicy') });
      }
      if (fields.includes('description') || fields.includes('maxSessionDuration')) {
        steps.push({
          phase: PHASE.role,
          action: 'UpdateRole',
          resource: arn,
          account: o.account,
          run: async (w) => fromStore(await w.roles.update(o.account, name, { description: o.spec.description, maxSessionDuration: o.spec.maxSessionDuration })),
          view: async (tx: ReadTx) => {
            const r = await tx.roles.get(o.account, name);
            return r ? { description: r.description, maxSessionDuration: r.maxSessionDuration } : null;
          },
        });
      }
    }
    steps.push(
      // A role this apply creates has its boundary from its CreateRole step.
      ...withBoundary(
        relationSteps(ref, arn, current, { policies, inline: o.spec.inline }, boundaryAt(existing ? existing.permissionsBoundary : undefined, boundary)),
        boundarySteps(ref, arn, existing ? existing.permissionsBoundary : boundary, boundary),
      ),
      ...tagSteps(ref, arn, existing?.tags ?? [], o.spec.tags),
    );
    const diff = existing
      ? fieldChanges(fields, {
          trustPolicy: () => documentChanges(documentValue(existing.trustPolicy), documentValue(o.spec.trustPolicy.text), 'trustPolicy'),
          policies: () => setChanges('policies', current.policies, policies),
          inlinePolicies: () => inlineChanges(current.inline, o.spec.inline),
          permissionsBoundary: () => valueChange('permissionsBoundary', existing.permissionsBoundary, boundary),
          maxSessionDuration: () => valueChange('maxSessionDuration', existing.maxSessionDuration, o.spec.maxSessionDuration),
          description: () => valueChange('description', existing.description, o.spec.description),
          tags: () => tagChanges(existing.tags, o.spec.tags),
        })
      : [];
    return objectPlan(existing, fields, onEntity(steps, arn, resourceTagContext(existing?.tags)), diff);
  },
  async listNames(tx, account) {
    return (await tx.roles.list(account)).map((r) => r.name);
  },
  async planDelete(env, ref) {
    // A cluster's nodes run as it: refused as DeleteRole refuses it (review gs, 1), unless the files point that cluster
    // at another role or the same prune deletes it. A Cluster document still naming it is refused at its field (review
    // gf, 2); one the files do not hold kept naming a role that was gone (review hh, 3).
    const held = (await clustersRunningAs(env.tx, ref.account, ref.name)).filter(
      (u) => !env.pruned('Cluster', ref.account, u.cluster) && !env.documents.some((d) => d.kind === 'Cluster' && d.account === ref.account && d.name.toLowerCase() === u.cluster.toLowerCase()),
    );
    if (held.length > 0) {
      const named = held.map((u) => `cluster \`${u.cluster}\` (${u.fields.join(', ')})`).join(', ');
      return planFail('DELETE_CONFLICT', '', `role \`${ref.name}\` is deleted by --prune (no Role document names it) but the nodes of ${named} run as it; give it a Role document, name another role there, or delete the cluster`);
    }
    return userOrRoleDelete(env, 'role', ref.account, await env.tx.roles.get(ref.account, ref.name), (tx, name) => tx.roles.delete(ref.account, name));
  },
};

// --- Workspace and Cluster: JSON documents of the key/value table -----------------------------------------

/**
 * A kind kept as one JSON document per object in the key/value table (workspaces, clusters): validated by its
 * pure parser, compared through a canonical form, authorized as `training:<Verb><Noun>` on its ARN.
 */
function kvDocumentKind<S extends { readonly name: string; readonly account: string }>(k: {
  readonly kind: string;
  readonly specFields: readonly string[];
  readonly parse: (account: string, name: string, spec: Record<string, unknown>) => Result<S>;
  readonly key: (account: string, name: string) => string;
  readonly arn: (partition: Partition, account: string, name: string) => string;
  /** One canonical string per spec field, so equal specs compare equal whatever the order of lists. */
  readonly canon: (s: S) => Record<string, string>;
  /**
   * Rights the writer must also hold for this change (a workspace's new default bucket: reading it, review S S1),
   * decided as the writer's requests on those resources, with their resource policies (review X, X4).
   */
  readonly alsoRequires?: (desired: S, existing: S | undefined) => readonly { readonly action: string; readonly resource: string }[];
  /** Authorization-only steps the write needs besides (passing each role a cluster hands its nodes anew: review jg, 1). */
  readonly alsoDecides?: (env: PlanEnv, desired: S, existing: S | undefined) => Promise<readonly Step[]>;
  /** What goes with the document when it is pruned, in the same transaction (a workspace's IAM policies, review B6). */
  readonly onDelete?: (tx: WriteTx, account: string, name: string) => Promise<unknown>;
  /** Why the document may not be pruned now (a workspace whose jobs are live: review hb, 1), or undefined. */
  readonly deleteRefusal?: (tx: ReadTx, account: string, name: string) => Promise<Result<never> | undefined>;
  /** What `onDelete` removes besides, listed in the plan as deletions of their own (its IAM policies, review fv, 5). */
  readonly alsoDeletes?: (tx: ReadTx, account: string, name: string) => Promise<NonNullable<Step['alsoChanges']>>;
  /**
   * Objects held inside the one pruned, deleted with it and each shown and authorized as its own deletion (a cluster's
   * RBAC objects and access entries): steps that run before the document's own deletion.
   */
  readonly contents?: (env: PlanEnv, account: string, name: string) => Promise<Step[]>;
  /** The spec fields that are sets (a workspace's members): their differences are listed in a stable order, not by position. */
  readonly sets?: readonly string[];
  /** The users and groups the document names by name (a workspace's members, a cluster's mappings; see `memberRefusals`). */
  readonly names?: (s: S) => readonly MemberRef[];
  /**
   * The names that must exist once the apply is done and do not (a workspace's members, `missingWorkspaceMembers`; a
   * cluster's mappings need only not be pruned: see `memberRefusals`).
   */
  readonly missing?: (env: PlanEnv, desired: S, existing: S | undefined) => Promise<readonly PlanError[]>;
}): KindHandler<S> {
  const action = (verb: string) => `training:${verb}${k.kind}`;
  return {
    kind: k.kind,
    scope: 'account',
    entity: 'group',
    specFields: k.specFields,
    readAction: action('Get'),
    listAction: `training:List${k.kind}s`,
    arnOf: k.arn,
    validate(spec, c) {
      // Unknown fields were reported by apply already (the parser, which PUT /v1/workspaces and /v1/clusters share,
      // would report each a second time in its own words).
      const r = k.parse('', k.kind.toLowerCase(), only(spec, k.specFields));
      if (!r.ok) {
        for (const e of r.errors) c.error(e.code, e.path, e.message);
        return undefined;
      }
      return r.value;
    },
    async plan(env, o) {
      const key = k.key(o.account, o.name);
      const text = env.newAccounts.has(o.account) ? undefined : await env.tx.kv.get(key);
      // One that cannot be read is replaced as if there were none (review pi, 8): parsed unguarded, the apply answered 500.
      const existing = text === undefined ? undefined : storedRecord<S>(text);
      const desired: S = { ...o.spec, account: o.account, name: existing?.name ?? o.name };
      const fields = existing ? changedFields(this.specFields, k.canon(existing), k.canon(desired)) : [];
      const refused = [...(k.names !== undefined ? await memberRefusals(env, o.account, k.names(desired)) : []), ...((await k.missing?.(env, desired, existing)) ?? [])];
      if (refused.length > 0) return { ok: false, errors: refused };
      const steps: Step[] =
        existing && fields.length === 0
          ? []
          : [
              {
                phase: PHASE.link,
                action: action(existing ? 'Update' : 'Create'),
                resource: k.arn(env.partitionOf(o.account), o.account, desired.name),
                account: o.account,
                run: async (tx) => {
                  await tx.kv.put(key, JSON.stringify(desired));
                  return ok(undefined);
                },
                view: kvView(key),
              },
              // Authorization only (no run): the write decided on the name as the document spells it too, when the
              // stored one's differs in case, as `PUT /v1/workspaces/W` and `/v1/clusters/C` decide it (review sm, 2).
              ...namesDecided(o.name, existing?.name)
                .filter((n) => n !== desired.name)
                .map((n) => ({ phase: PHASE.link, action: action(existing ? 'Update' : 'Create'), resource: k.arn(env.partitionOf(o.account), o.account, n), account: o.account })),
              // Authorization only (no run): as the list step of a prune. A right on a resource, decided with its
              // resource policies (review X, X4).
              ...(await Promise.all((k.alsoRequires?.(desired, existing) ?? []).map(async (r) => ({ phase: PHASE.link, action: r.action, resource: r.resource, account: o.account, onResource: await resourcePoliciesIn(env.tx, r.resource) })))),
              ...((await k.alsoDecides?.(env, desired, existing)) ?? []),
            ];
      // Each changed field's differences at its path (`+ members[2]: {"user":"carol"}`, `~ instanceRole: A → B`), review md, 1.
      const value = (s: S, f: string): unknown => {
        const v = (s as unknown as Record<string, unknown>)[f];
        return Array.isArray(v) && k.sets?.includes(f) ? inSetOrder(v as unknown[]) : v;
      };
      const change = (f: string): DocumentChange[] => {
        const [before, after] = existing ? [value(existing, f), value(desired, f)] : [undefined, undefined];
        return typeof before === 'object' && before !== null && typeof after === 'object' && after !== null ? documentChanges(before, after, f) : valueChange(f, before, after);
      };
      return objectPlan(existing, fields, steps, fieldChanges(fields, Object.fromEntries(fields.map((f) => [f, () => change(f)]))));
    },
    async listNames(tx, account) {
      // One that cannot be read by the name its key holds (lower case, as names compare), so a prune may remove it.
      return (await tx.kv.list(k.key(account, ''))).map((e) => storedRecord<S>(e.value)?.name ?? e.key.slice(k.key(account, '').length));
    },
    async planDelete(env, ref) {
      const key = k.key(ref.account, ref.name);
      if ((await env.tx.kv.get(key)) === undefined) return planOk([]);
      const refused = await k.deleteRefusal?.(env.tx, ref.account, ref.name);
      if (refused !== undefined && !refused.ok) return planFail(refused.errors[0]?.code ?? 'DELETE_CONFLICT', '', refused.errors[0]?.message ?? '');
      const alsoDeleted = async (tx: ReadTx, account: string, name: string): Promise<{ alsoChanges?: NonNullable<Step['alsoChanges']> }> => {
        const also = (await k.alsoDeletes?.(tx, account, name)) ?? [];
        return also.length > 0 ? { alsoChanges: also } : {};
      };
      return planOk([
        ...((await k.contents?.(env, ref.account, ref.name)) ?? []),
        {
          phase: PHASE.deletePrincipal,
          action: action('Delete'),
          resource: k.arn(env.partitionOf(ref.account), ref.account, ref.name),
          account: ref.account,
          view: kvView(key),
          ...(await alsoDeleted(env.tx, ref.account, ref.name)),
          run: async (tx) => {
            const gone = await tx.kv.delete(key);
            if (gone) await k.onDelete?.(tx, ref.account, ref.name);
            return ok(gone);
          },
        },
      ]);
    },
  };
}

/** A user or group a workspace or cluster names, or a role a cluster's nodes run as, and where. */
interface MemberRef {
  readonly type: 'user' | 'group' | 'role';
  readonly name: string;
  readonly path: string;
}

/**
 * Users and groups named by name (workspace members, cluster mappings) that `prune` deletes (review ak, 5): each would
 * be rewritten out of the document as it goes (forgetPrincipal), so the stored object would not be the file's and the
 * next plan would add the name back; always refused. One that does not exist is refused in a workspace's members
 * (`missingWorkspaceMembers`, the rule `PUT /v1/workspaces/{name}` follows too); a cluster's mapping still needs PassRole
 * on its role to start a node, and may name a group made later.
 */
async function memberRefusals(env: PlanEnv, account: string, refs: readonly MemberRef[]): Promise<PlanError[]> {
  const errors: PlanError[] = [];
  for (const r of refs) {
    const kind = r.type === 'user' ? 'User' : r.type === 'role' ? 'Role' : 'Group';
    const inFiles = env.documents.some((d) => d.kind === kind && d.account === account && d.name.toLowerCase() === r.name.toLowerCase());
    if (inFiles || env.newAccounts.has(account)) continue;
    if (r.type === 'group') {
      if ((await env.group(account, r.name)) === undefined && env.prunedGroups.has(`${account}/${r.name.toLowerCase()}`)) errors.push({ code: 'INVALID_INPUT', path: r.path, message: `group \`${r.name}\` is deleted by --prune (no Group document names it) but named here` });
      continue;
    }
    const stored = await (r.type === 'role' ? env.tx.roles.get(account, r.name) : env.tx.users.get(account, r.name));
    if (stored !== undefined && env.pruned(kind, account, stored.name)) errors.push({ code: 'INVALID_INPUT', path: r.path, message: `${r.type} \`${r.name}\` is deleted by --prune (no ${kind} document names it) but named here` });
  }
  return errors;
}

/**
 * Whether a user or group named in a workspace's members exists once the apply is done: named by a document of the
 * files, stored (one pruned is refused by `memberRefusals`), or a new account's admin.
 */
async function existsAfter(env: PlanEnv, account: string, type: 'user' | 'group', name: string): Promise<boolean> {
  const kind = type === 'user' ? 'User' : 'Group';
  if (env.documents.some((d) => d.kind === kind && d.account === account && d.name.toLowerCase() === name.toLowerCase())) return true;
  if (type === 'group') return (await env.group(account, name)) !== undefined || env.prunedGroups.has(`${account}/${name.toLowerCase()}`);
  if (env.newAccounts.has(account)) return name.toLowerCase() === ADMIN_USER;
  return (await env.tx.users.get(account, name)) !== undefined;
}

const workspaceKind = kvDocumentKind<Workspace>({
  kind: 'Workspace',
  specFields: ['members', 'defaultBucket', 'defaultTableProject'],
  parse: parseWorkspace,
  key: workspaceKey,
  arn: workspaceArn,
  sets: ['members'],
  canon: (w) => ({
    members: workspaceMembersKey(w),
    defaultBucket: w.defaultBucket ?? '',
    defaultTableProject: w.defaultTableProject ?? '',
  }),
  // Only a bucket the writer may read can be named as a default bucket (review S, S1), when it is set or changed.
  alsoRequires: (w, existing) => (w.defaultBucket !== undefined && w.defaultBucket !== existing?.defaultBucket ? defaultBucketReads(w.defaultBucket).map(({ action, resource }) => ({ action, resource })) : []),
  // A workspace created again under its name starts without the old one's IAM policies (review B6), which the plan lists.
  onDelete: removeWorkspaceIamPolicies,
  deleteRefusal: workspaceDeleteRefusal,
  alsoDeletes: (tx, account, name) => iamPoliciesGoingWith(tx, 'Workspace', account, name),
  names: (w) => w.members.flatMap((m, i): MemberRef[] => (m.user !== undefined ? [{ type: 'user', name: m.user, path: `spec.members[${i}].user` }] : m.group !== undefined ? [{ type: 'group', name: m.group, path: `spec.members[${i}].group` }] : [])),
  missing: (env, w, existing) => missingWorkspaceMembers(w, existing, 'spec.', (type, name) => existsAfter(env, w.account, type, name), { where: (kind) => ` and no ${kind} document names it`, advice: '' }),
});

/**
 * How a Cluster's role reference is compared: the lower-case name of a role of the cluster's account, whether given by
 * name or by ARN (a node's role is found by name, in any case); another account's ARN as written.
 */
function clusterRoleKey(account: string, ref: string | undefined): string {
  if (ref === undefined) return '';
  if (!ref.includes(':')) return ref.toLowerCase();
  const arn = parseRoleArn(ref);
  return arn !== undefined && arn.account === account ? arn.name.toLowerCase() : ref;
}

const clusterKind = kvDocumentKind<Cluster>({
  kind: 'Cluster',
  specFields: ['instanceRole', 'computeConfigs', 'mappings', 'trustedControllers'],
  parse: parseCluster,
  key: clusterKey,
  arn: clusterArn,
  sets: ['trustedControllers'],
  // A role by name or by its ARN, a user or group in any case, is the one a node gets (startClusterNode finds them so):
  // another spelling is not a change (review fr, 6).
  canon: (c) => ({
    instanceRole: clusterRoleKey(c.account, c.instanceRole),
    computeConfigs: Object.entries(c.computeConfigs ?? {})
      .map(([name, v]) => `${name}=${clusterRoleKey(c.account, v.instanceRole)}`)
      .sort()
      .join(','),
    mappings: JSON.stringify((c.mappings ?? []).map((m) => [m.user !== undefined ? 'user' : 'group', (m.user ?? m.group ?? '').toLowerCase(), clusterRoleKey(c.account, m.role)])),
    // A set (src/app/kube.ts reads it as one, by username): listed in another order, it is the same (review fr, 1).
    trustedControllers: JSON.stringify((c.trustedControllers ?? []).map(controllerUsername).sort()),
  }),
  // A cluster goes with everything applied to it: its RBAC objects, access entries and webhook token. Left behind, they
  // came back, unseen, with a cluster created again under the name: the old bindings granting, the old entries mapping,
  // the old kube-apiserver's token accepted (review ak, 2), as EKS's DeleteCluster removes its access entries.
  contents: (env, account, name) => clusterContentsDeletion(env, account, name),
  // Its IAM policies too (review fv, 3): the one on its ARN granted a cluster created again under the name.
  deleteRefusal: clusterDeleteRefusal,
  onDelete: async (tx, account, name) => {
    await deleteClusterContents(tx, account, name);
    await removeClusterIamPolicies(tx, account, name);
  },
  alsoDeletes: (tx, account, name) => iamPoliciesGoingWith(tx, 'Cluster', account, name),
  alsoDecides: clusterPassRoles,
  // The roles its nodes run as too: a role the same prune deletes left the cluster naming none, every node refused at
  // start while plan called the files applied (review gf, 2), as an AccessEntry mapping that role is refused.
  names: (c) => [
    ...(c.mappings ?? []).flatMap((m, i): MemberRef[] => (m.user !== undefined ? [{ type: 'user', name: m.user, path: `spec.mappings[${i}].user` }] : m.group !== undefined ? [{ type: 'group', name: m.group, path: `spec.mappings[${i}].group` }] : [])),
    ...clusterRoleRef(c.account, c.instanceRole, 'spec.instanceRole'),
    ...Object.entries(c.computeConfigs ?? {}).flatMap(([name, v]) => clusterRoleRef(c.account, v.instanceRole, `spec.computeConfigs.${name}.instanceRole`)),
    ...(c.mappings ?? []).flatMap((m, i) => clusterRoleRef(c.account, m.role, `spec.mappings[${i}].role`)),
  ],
});

/**
 * A step for each role Cluster `c` hands its nodes that `existing` (as stored) did not: the writer must be allowed to
 * pass it (`iam:PassRole`/`ram:PassRole` to the compute service, `iam:AssociatedResourceArn` the cluster's ARN), as
 * `PUT /v1/clusters/{name}` asks it (src/app/jobs.ts `clusterWriteRefusal`, review jg, 1), on the role's ARN as stored,
 * or as given. Decided by IAM alone, with the same rules for the role's and the action's other spellings and the
 * service's other names; a binding's `iam.serviceAccounts.actAs`, which the HTTP write honours too, is not asked here.
 */
async function clusterPassRoles(env: PlanEnv, c: Cluster, existing: Cluster | undefined): Promise<Step[]> {
  const partition = env.partitionOf(c.account);
  const arnOf = async (ref: string): Promise<string> => {
    const parsed = ref.includes(':') ? parseRoleArn(ref) : { partition, account: c.account, name: ref, path: '/' };
    if (!parsed) return ref;
    const role = parsed.account === c.account && !env.newAccounts.has(c.account) ? roleNamedBy(await env.tx.roles.get(c.account, parsed.name), parsed, partition, !ref.includes(':')) : undefined;
    return role ? roleArnOf(partition, c.account, role.path, role.name) : roleArnOf(partition, parsed.account, parsed.path, parsed.name);
  };
  const had = new Set<string>();
  for (const r of existing === undefined ? [] : clusterRoleRefs(existing)) had.add((await arnOf(r.role)).toLowerCase());
  const passAction = partition === 'acs' ? 'ram:PassRole' : 'iam:PassRole';
  const services = computeServices(partition);
  const cluster = clusterArn(partition, c.account, c.name);
  const steps: Step[] = [];
  const asked = new Set<string>();
  for (const r of clusterRoleRefs(c)) {
    const roleArn = await arnOf(r.role);
    if (had.has(roleArn.toLowerCase()) || asked.has(roleArn)) continue;
    asked.add(roleArn);
    const parsed = parseRoleArn(roleArn);
    const decide = (caller: Caller, now: number): Result<unknown> => {
      if (c.account !== caller.account && caller.account !== ROOT_ACCOUNT) return authorizeAcross(caller, now, passAction, roleArn, c.account);
      // A root principal writing another account's cluster passes that account's roles as its administrator would: on
      // its own policies, as `authorizeAcross` decides its other steps there (review md, 2), not as a cross-account
      // request that only a resource-based policy could allow. Only a role of the cluster's own account: one of a third
      // account is still a cross-account pass.
      const across = c.account !== caller.account && parsed?.account === c.account ? { resourceAccount: caller.account } : {};
      const on = (a: string, res: string): Decision => decideForService(services, (ctx) => decideAdmin({ principal: caller.principal, action: a, resource: res, ...across, context: contextOf(requestContext(caller, { ...ctx, [ASSOCIATED_RESOURCE]: cluster })), time: now }, caller.policies));
      const d = parsed ? decideOnRole({ ...parsed, partition: caller.partition }, passAction, on) : on(passAction, roleArn);
      return d.decision === 'Allow' ? ok(d) : failWith('ACCESS_DENIED', `${accessDeniedMessage(caller.principal.arn, passAction, roleArn, d)} (passed to ${services[0] ?? ''} for cluster ${c.name}: spec.${r.path} names it, and a cluster's nodes run as it)`);
    };
    steps.push({ phase: PHASE.link, action: passAction, resource: roleArn, account: c.account, context: { ...passedToContext(services[0] ?? ''), [ASSOCIATED_RESOURCE]: cluster }, decide });
  }
  return steps;
}

/** A role of the cluster's own account that `ref` (a name or ARN) names, as a `MemberRef` at `path`. */
function clusterRoleRef(account: string, ref: string | undefined, path: string): MemberRef[] {
  if (ref === undefined) return [];
  if (!ref.includes(':')) return [{ type: 'role', name: ref, path }];
  const arn = parseRoleArn(ref);
  return arn !== undefined && arn.account === account ? [{ type: 'role', name: arn.name, path }] : [];
}

/**
 * A trust or resource policy may name only users and roles that exist once the apply is done: in the store, or
 * created by this apply (a document of theirs, or the `admin` user of an account it creates). AWS refuses the others
 * (`Invalid principal in policy`; src/app/principal-refs.ts, review Z, finding 3). `path` is the document's field.
 */
async function principalsExistAfter(env: PlanEnv, document: string, path: string, accountMustExist = false): Promise<Planned<never> | undefined> {
  const r = await unknownPrincipal(env.tx, document, {
    accountMustExist,
    newAccount: (account) => env.newAccounts.has(account),
    created: (type, account, name) => {
      const lower = name.toLowerCase();
      if (type === 'user' && env.newAccounts.has(account) && lower === ADMIN_USER.toLowerCase()) return true;
      const kind = type === 'user' ? 'User' : 'Role';
      return env.documents.some((d) => d.kind === kind && d.account === account && d.name.toLowerCase() === lower);
    },
  });
  if (r === undefined || r.ok) return undefined;
  const e = r.errors[0] as GatehouseError;
  return planFail(e.code, e.path ? `${path}.${e.path}` : path, e.message);
}

/**
 * A user or role the policy names that the same apply prunes: deleting it rewrites it out of the policy
 * (forgetPrincipal), so the stored policy would not be the file's, and the next plan would refuse the file (review ak,
 * 5). Asked whether or not the policy changes.
 */
function prunedPrincipal(env: PlanEnv, document: string, path: string): Planned<never> | undefined {
  for (const p of namedPrincipals(document)) {
    const kind = p.type === 'user' ? 'User' : 'Role';
    if (env.pruned(kind, p.account, p.name) && !env.documents.some((d) => d.kind === kind && d.account === p.account && d.name.toLowerCase() === p.name.toLowerCase())) {
      return planFail('INVALID_INPUT', p.path ? `${path}.${p.path}` : path, `${p.type} \`${p.name}\` of account ${p.account} is deleted by --prune (no ${kind} document names it) but named here`);
    }
  }
  return undefined;
}

// --- ResourcePolicy --------------------------------------------------------------------------------------

interface ResourcePolicySpec {
  readonly resource: string;
  readonly document: PolicyText;
}

const resourcePolicyKind: KindHandler<ResourcePolicySpec> = {
  kind: 'ResourcePolicy',
  scope: 'account',
  specFields: ['resource', 'document'],
  validate(spec, c) {
    const resource = own(spec, 'resource');
    if (typeof resource !== 'string' || !/^(arn:[a-z-]+:[a-z0-9-]+:|acs:[a-z0-9-]+:)/.test(resource)) {
      c.error('VALIDATION_ERROR', 'spec.resource', '`resource` is required: the ARN the policy is attached to');
      return undefined;
    }
    // A policy attaches to one resource, found by the request's ARN and its prefixes: on a wildcard ARN (policy review
    // C6), a folder ending in `/` or an ARN without a resource (review ax, 3) it would govern nothing, silently, as PUT
    // /v1/resource-policies refuses it.
    const wild = attachmentProblem(resource);
    if (wild !== undefined) {
      c.error('VALIDATION_ERROR', 'spec.resource', wild);
      return undefined;
    }
    const document = policyDocument(own(spec, 'document'), 'resource', resourcePolicyMaxChars(resource), 'spec.document', c);
    if (!document) return undefined;
    // A statement that can never apply where the policy is attached, refused as PUT refuses it.
    const nothing = coversNothing(resource, document.text);
    if (nothing !== undefined) {
      c.error('POLICY_INVALID_RESOURCE', `spec.document.${nothing.path}`, nothing.message);
      return undefined;
    }
    const operation = operationNameAction(resource, document.text);
    if (operation !== undefined) {
      c.error('POLICY_INVALID_ACTION', `spec.document.${operation.path}`, operation.message);
      return undefined;
    }
    // What S3's PutBucketPolicy refuses besides (another service's action, an action on the other kind of S3 resource).
    const bucket = bucketOf(resource);
    const outside = bucket !== undefined ? outsideBucket(bucket, document.text, false) : undefined;
    if (outside !== undefined) {
      c.error(outside.code, `spec.document.${outside.path}`, outside.message);
      return undefined;
    }
    return { resource, document };
  },
  async plan(env, o) {
    // Whose the resource is: the ARN's account, the bucket's owner, or the account of a policy on it or above it.
    const owner = await ownerIn(env.tx, o.spec.resource);
    if (owner !== undefined && owner !== o.account) return planFail('ACCESS_DENIED', 'spec.resource', `resource ${o.spec.resource} belongs to ${ownerWordsTo(owner, env.caller.account)}, not ${o.account}; attach its policy as that account`);
    const claimed = await claimedByAnother(env.tx, o.spec.resource, o.account);
    if (claimed !== undefined) return planFail('ACCESS_DENIED', 'spec.resource', claimed);
    const key = resourcePolicyKey(o.spec.resource);
    // A resource has one policy, as it has one IAM policy: two documents on it were both planned `+ create`, the later
    // overwrote the earlier, and every apply after flipped it back, `~ update` for ever (review gf, 4).
    const twin = (env.documents as readonly Partial<Desired<ResourcePolicySpec>>[]).find((d) => d.kind === 'ResourcePolicy' && d.spec !== undefined && d.document !== undefined && d.document < o.document && resourcePolicyKey(d.spec.resource) === key);
    if (twin) return planFail('VALIDATION_ERROR', 'spec.resource', `ResourcePolicy \`${twin.name ?? ''}\`${twin.account !== o.account ? ` of account ${twin.account ?? ''}` : ''} also sets the policy of ${o.spec.resource}; one document per resource: merge their statements`);
    const text = env.newAccounts.has(o.account) ? undefined : await env.tx.kv.get(key);
    // A record that is not one (edited by hand) is replaced by whoever manages it, as DELETE removes it.
    const existing = text === undefined ? undefined : resourcePolicyRecord(key, text);
    if (existing && !managesResourcePolicy(existing, o.account, owner)) return planFail('ACCESS_DENIED', 'spec.resource', `resource ${o.spec.resource} has a policy of ${ownerWordsTo(existing.account, env.caller.account)}`);
    const documentChanged = !existing || existing.account !== o.account || canonicalText(existing.document) !== o.spec.document.canonical;
    // The document's name is stored with the policy (prune finds it by name): a document renamed renames it (review ak, 9).
    const storedName = text === undefined ? undefined : nameOfRecord(text);
    const renamed = existing !== undefined && typeof storedName === 'string' && storedName !== o.name;
    const changed = documentChanged || renamed;
    const gone = prunedPrincipal(env, o.spec.document.text, 'spec.document');
    if (gone) return gone;
    if (documentChanged) {
      // A resource policy's users and roles in an account that exists, as PUT /v1/resource-policies (review bx, 2).
      const unknown = await principalsExistAfter(env, o.spec.document.text, 'spec.document', true);
      if (unknown) return unknown;
    }
    const steps: Step[] = changed
      ? [
          {
            phase: PHASE.link,
            action: 'gatehouse:PutResourcePolicy',
            resource: o.spec.resource,
            account: o.account,
            view: kvView(key),
            run: async (tx) => {
              await tx.kv.put(key, JSON.stringify({ resource: o.spec.resource, account: o.account, document: o.spec.document.text, updated: env.now, name: o.name }));
              return ok(undefined);
            },
          },
        ]
      : [];
    // A rename says from what, as an IamPolicy's does (review ms, 2).
    const diff = [
      ...(renamed ? [{ op: '~' as const, path: 'metadata.name', before: storedName, after: o.name }] : []),
      ...(existing && documentChanged ? documentChanges(documentValue(existing.document), documentValue(o.spec.document.text), 'document') : []),
    ];
    return planOk({
      action: existing ? (changed ? 'update' : 'unchanged') : 'create',
      fields: existing ? [...(documentChanged ? ['document'] : []), ...(renamed ? ['name'] : [])] : [],
      steps,
      ...(diff.length > 0 ? { diff } : {}),
    });
  },
  async listNames(tx, account) {
    return namedResourcePolicies(await tx.kv.list(RESOURCE_POLICY_PREFIX)).filter((p) => p.account === account).map((p) => p.name);
  },
  // A resource policy is its resource's (review ak, 9: a renamed document's was deleted, a bucket's Deny with it).
  async claimed(tx, documents, account, name) {
    const stored = namedResourcePolicies(await tx.kv.list(RESOURCE_POLICY_PREFIX)).filter((p) => p.account === account && p.name.toLowerCase() === name.toLowerCase());
    return stored.length > 0 && stored.every((p) => resourcePolicyClaimed(documents, account, p.resource));
  },
  // Every policy of the name that no document names by its resource: the one a document moved away from (review ms, 1).
  async planDelete(env, ref) {
    const all = namedResourcePolicies(await env.tx.kv.list(RESOURCE_POLICY_PREFIX));
    const hits = all.filter((p) => p.account === ref.account && p.name.toLowerCase() === ref.name.toLowerCase() && !resourcePolicyClaimed(env.documents, ref.account, p.resource));
    return planOk(hits.map((hit): Step => ({ phase: PHASE.deletePolicy, action: 'gatehouse:DeleteResourcePolicy', resource: hit.resource, account: ref.account, view: kvView(resourcePolicyKey(hit.resource)), run: async (tx) => ok(await tx.kv.delete(resourcePolicyKey(hit.resource))) })));
  },
};

/** Whether a ResourcePolicy document of `account` sets the policy of `resource`. */
function resourcePolicyClaimed(documents: readonly { readonly kind: string; readonly account: string; readonly spec?: unknown }[], account: string, resource: string): boolean {
  const key = resourcePolicyKey(resource);
  return documents.some((d) => d.kind === 'ResourcePolicy' && d.account === account && resourcePolicyKey((d.spec as ResourcePolicySpec).resource) === key);
}

/** The kind registry: what `apply` accepts, in the order objects are planned (accounts before what they hold). */
export const KINDS: ReadonlyMap<string, KindHandler<unknown>> = new Map<string, KindHandler<unknown>>([
  ['Account', accountKind],
  ['Policy', policyKind],
  ['Group', groupKind],
  ['User', userKind],
  ['Role', roleKind],
  ['Workspace', workspaceKind],
  ['Cluster', clusterKind],
  ['ResourcePolicy', resourcePolicyKind],
  ['IamRole', iamRoleKind],
  ['IamPolicy', iamPolicyKind],
  ['AccessEntry', accessEntryKind],
]);

// ---------------------------------------------------------------------------------------------------------
// Stage 1: validation

interface Validated {
  readonly objects: Desired<unknown>[];
  readonly errors: ApplyError[];
}

function validateDocuments(caller: Caller, input: ApplyInput): Validated {
  const objects: Desired<unknown>[] = [];
  const errors: ApplyError[] = [];
  let omitted = 0;
  const seen = new Map<string, number>();
  input.documents.forEach((doc, index) => {
    if (!isKubernetesList(doc)) return validateOne(doc, index, '');
    const items = own(doc, 'items');
    if (!Array.isArray(items)) {
      const src = input.sources?.[index];
      errors.push({ code: 'VALIDATION_ERROR', path: 'items', message: `a \`${String(own(doc, 'kind'))}\` holds its objects in \`items\`, a list`, document: index, ...(src ? { file: src.file, fileDocument: src.index } : {}) });
      return;
    }
    // Each item is a document of its own, its errors placed under `items[i]` of the list's document.
    items.forEach((item, i) => {
      if (item !== null) validateOne(item, index, `items[${i}]`);
    });
  });
  return { objects, errors: listedErrors(errors, omitted) };

  /** Another document, as the files number it (`a.yaml document 2`) when they are known: a bare index counts across files. */
  function documentLabel(index: number): string {
    const src = input.sources?.[index];
    return src ? `\`${shortName(src.file)}\` document ${src.index + 1}` : `document ${index + 1}`;
  }

  /**
   * A document's errors in the order of their places in it, which is its file's: they came in the order the fields are
   * checked (a Role's `inlinePolicies` before its `trustPolicy`, whichever the file wrote first), so `gatehouse plan`
   * printed line 15's before line 9's, and the refusal's message named the later one (review ty, 1).
   */
  function validateOne(doc: unknown, index: number, at: string): void {
    const start = errors.length;
    validateUnordered(doc, index, at);
    if (errors.length - start > 1) {
      const found = errors.splice(start);
      // A list's item is refused at `items[i].…`: its path within the item.
      const inItem = (path: string): string => (at === '' || path === at ? (at === '' ? path : '') : path.startsWith(`${at}.`) ? path.slice(at.length + 1) : path);
      const order = inValueOrder(doc, found.map((e, i) => ({ path: inItem(e.path), i })));
      errors.push(...order.map((o) => found[o.i] as ApplyError));
    }
  }

  function validateUnordered(doc: unknown, index: number, at: string): void {
    const src = input.sources?.[index];
    let kind: string | undefined;
    let name: string | undefined;
    let failed = false;
    const c: Check = {
      get failed() {
        return failed;
      },
      error(code, path, message, position) {
        failed = true;
        if (errors.length >= MAX_APPLY_ERRORS) {
          omitted++;
          return;
        }
        errors.push({
          code,
          path: at === '' ? path : path === '' ? at : `${at}.${path}`,
          message,
          document: index,
          ...(src ? { file: src.file, fileDocument: src.index } : {}),
          ...(kind !== undefined ? { kind: shortName(kind) } : {}),
          ...(name !== undefined ? { name: shortName(name) } : {}),
          ...(position?.line !== undefined ? { line: position.line, column: position.column ?? 1 } : {}),
        });
      },
    };
    if (!isObj(doc)) return c.error('VALIDATION_ERROR', '', 'a document must be a map with `apiVersion`, `kind`, `metadata` and `spec`');
    const metadata = own(doc, 'metadata');
    // A name YAML reads as a whole number (`name: 2024`) is the text it prints back as (review gn, 3), as an unquoted
    // `metadata.account` is an account id; the CLI has refused a number whose text YAML changes (`0012`).
    const rawName = isObj(metadata) ? own(metadata, 'name') : undefined;
    if (typeof rawName === 'string') name = rawName;
    else if (typeof rawName === 'number' && Number.isSafeInteger(rawName) && rawName >= 0) name = String(rawName);
    const apiVersion = own(doc, 'apiVersion');
    const k = own(doc, 'kind');
    if (typeof k === 'string') kind = k;
    if (typeof apiVersion === 'string' && KUBERNETES_API_GROUPS.test(apiVersion)) {
      // Kubernetes RBAC documents keep their own apiVersion and kind, and go to the cluster named by `--cluster`.
      const r = validateRbacDocument(doc, input.cluster, input.namespace);
      if ('errors' in r) return r.errors.forEach((e) => c.error(e.code, e.path, e.message));
      kind = r.kind;
      name = r.name;
      const key = `${r.kind}/${caller.account}/${r.name}`;
      const first = seen.get(key);
      if (first !== undefined) return c.error('VALIDATION_ERROR', 'metadata.name', `${r.kind} \`${r.name}\` is also defined by ${documentLabel(first)}; define each object once`);
      seen.set(key, index);
      objects.push({ kind: r.kind, account: caller.account, name: r.name, spec: r.spec, document: index, ...(at !== '' ? { item: at } : {}) });
      return;
    }
    if (apiVersion !== API_VERSION) return c.error('VALIDATION_ERROR', 'apiVersion', apiVersion === undefined ? `\`apiVersion\` is required: \`${API_VERSION}\`` : `\`apiVersion\` must be \`${API_VERSION}\`, got \`${shortName(String(apiVersion))}\``);
    if (typeof k !== 'string') return c.error('VALIDATION_ERROR', 'kind', `\`kind\` is required: one of ${[...KINDS.keys()].join(', ')}`);
    const handler = KINDS.get(k);
    if (!handler) {
      if (PLANNED_KINDS.has(k)) return c.error('VALIDATION_ERROR', 'kind', `kind \`${k}\` is not supported yet; this version applies ${[...KINDS.keys()].join(', ')}`);
      return c.error('VALIDATION_ERROR', 'kind', `unknown kind \`${shortName(k)}\`; supported kinds are ${[...KINDS.keys()].join(', ')}`);
    }
    checkFields(doc, ['apiVersion', 'kind', 'metadata', 'spec'], '', 'a document', c);
    if (!isObj(metadata)) return c.error('VALIDATION_ERROR', 'metadata', '`metadata` is required, with `name`');
    checkFields(metadata, handler.scope === 'account' ? ['name', 'account'] : ['name'], 'metadata', `the metadata of a ${k}`, c);
    let account: string;
    if (handler.scope === 'global') {
      // An id YAML reads as a number (`name: 333344445555`) is taken as `metadata.account` takes one (review gn, 2): the
      // CLI has refused, quoting the text, a number YAML does not read as written (`000011112222`).
      const bad = checkAccountId(name ?? rawName);
      if (bad) c.error('VALIDATION_ERROR', 'metadata.name', `an Account's name is its id: ${bad}`);
      account = String(name ?? rawName);
    } else {
      const bad = rawName !== undefined && rawName !== null && name === undefined
        ? `metadata.name must be text, got ${notText(rawName)}; quote it in YAML`
        : checkName(handler.entity ?? 'policy', name, 'metadata.name');
      if (bad) c.error('VALIDATION_ERROR', 'metadata.name', bad);
      const a = own(metadata, 'account');
      if (a !== undefined && a !== null) {
        const badAccount = checkAccountId(typeof a === 'number' ? String(a) : a);
        if (badAccount) c.error('VALIDATION_ERROR', 'metadata.account', `${badAccount} (quote it in YAML so that leading zeros stay)`);
      }
      account = a === undefined || a === null ? caller.account : String(a);
    }
    const rawSpec = own(doc, 'spec');
    if (rawSpec !== undefined && rawSpec !== null && !isObj(rawSpec)) return c.error('VALIDATION_ERROR', 'spec', '`spec` must be a map');
    const spec = rawSpec ?? {};
    // The article by sound: "an AccessEntry", "an IamPolicy", but "a User" (review md, 3).
    checkFields(spec, handler.specFields, 'spec', `the spec of ${/^(?:[AEIO]|U(?!s))/.test(k) ? 'an' : 'a'} ${k}`, c);
    const value = handler.validate(spec, c);
    if (c.failed || value === undefined || name === undefined) return;
    const key = pruneKey(k, account, name, handler.caseSensitiveNames === true);
    const first = seen.get(key);
    if (first !== undefined) return c.error('VALIDATION_ERROR', 'metadata.name', `${k} \`${name}\` of account ${account} is also defined by ${documentLabel(first)}; define each object once`);
    seen.set(key, index);
    objects.push({ kind: k, account, name, spec: value, document: index, ...(at !== '' ? { item: at } : {}) });
  }
}

/** What a value that is not text is, as a message says it: `the boolean true`, `a list`, `the number 1.5`. */
function notText(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object' && v !== null) return 'a map';
  return `the ${typeof v} ${shortName(String(v))}`;
}

// ---------------------------------------------------------------------------------------------------------
// Stages 2 and 3: plan, authorize, run

/**
 * Authorizes one step. In the caller's own account, as the IAM API does (`authorizeAdmin`). In another
 * account, only principals of the root account may act, with their own policies deciding as if the account
 * were theirs (the root account administers every account, docs/decisions.md).
 */
export function authorizeAcross(caller: Caller, now: number, action: string, resource: string, account: string, context: Readonly<ConditionContext> = {}): Result<unknown> {
  if (account === caller.account) return authorizeAdmin(caller, now, action, resource, context);
  if (caller.account !== ROOT_ACCOUNT) {
    return failWith('ACCESS_DENIED', `principals of account ${caller.account} may manage only their own account; \`${resource}\` belongs to account ${account} (use that account's admin credentials)`);
  }
  const full = action.includes(':') ? action : `${adminService(caller.partition)}:${action}`;
  const d = decideAdmin({ principal: caller.principal, action: full, resource, resourceAccount: caller.account, context: contextOf(requestContext(caller, context)), time: now }, caller.policies);
  return d.decision === 'Allow' ? ok(d) : failWith('ACCESS_DENIED', accessDeniedMessage(caller.principal.arn, full, resource, d));
}

/** The document name a resource policy record carries, if it is one `apply` made (a record edited by hand may not be JSON). */
function nameOfRecord(text: string): unknown {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? (v as { name?: unknown }).name : undefined;
  } catch {
    return undefined;
  }
}

/** The resource policies `apply` made (they carry the document's name); records that are not one are none of them. */
function namedResourcePolicies(entries: readonly { key: string; value: string }[]): (StoredResourcePolicy & { name: string })[] {
  const out: (StoredResourcePolicy & { name: string })[] = [];
  for (const e of entries) {
    const p = storedResourcePolicy(e.key, e.value) as (StoredResourcePolicy & { name?: unknown }) | undefined;
    if (p !== undefined && typeof p.name === 'string') out.push(p as StoredResourcePolicy & { name: string });
  }
  return out;
}

/** Reading which accounts exist, as `accounts list` shows them (review gn, 5): a root-account principal's `ListAccounts`. */
function listAccountsStep(caller: Caller): Step {
  return { phase: -1, action: 'ListAccounts', resource: rootArn(caller.partition, caller.account), account: caller.account, rootOnly: true };
}

function authorizeStep(caller: Caller, now: number, step: Step): Result<unknown> {
  if (step.rootOnly && caller.account !== ROOT_ACCOUNT) return failWith('ACCESS_DENIED', `only principals of the root account ${ROOT_ACCOUNT} may create or change accounts`);
  if (step.decide !== undefined) return step.decide(caller, now);
  if (step.onResource !== undefined) return decideWithResourcePolicies(caller, now, step.action, step.resource, actingIn(caller, step.account, step.onResource));
  return authorizeAcross(caller, now, step.action, step.resource, step.account, step.context && withPolicyTagKeySpellings(caller, step.context));
}

/**
 * A resource of the account a root-account principal writes in, decided as of the principal's own account: the root
 * account's principals act in each account as its administrator, judged by their own policies (`authorizeAcross`,
 * docs/decisions.md "Administrative calls are decided by the engine"), so naming that account's bucket as its
 * workspace's default bucket is not a cross-account request needing the bucket's policy to name them (review no, 3; as
 * review md, 2 decided its roles' PassRole). The bucket's policies still count: an explicit deny there refuses. A
 * resource of any other account stays cross-account.
 */
function actingIn(caller: Caller, account: string, rp: ResourcePoliciesOf): ResourcePoliciesOf {
  return caller.account === ROOT_ACCOUNT && account !== caller.account && rp.account === account ? { ...rp, account: caller.account } : rp;
}

/** The resource policies that govern a resource, and the account that owns it, as `ResourcePolicies.forResource` gives them. */
export interface ResourcePoliciesOf {
  readonly policies: readonly CompiledPolicy[];
  readonly account: string | undefined;
}

/**
 * `ResourcePolicies.forResource(resource)`, read in `tx` (exact, where the cached form may be a moment behind): the owner
 * as `ownerIn` finds it (a bucket's creator, else the account its ARN names or that attached the nearest policy), and
 * the owner's policies on the resource and above it, plus any record of no account (which fails closed). A policy that
 * no longer parses denies everything, as there.
 */
export async function resourcePoliciesIn(tx: ReadTx, resource: string): Promise<ResourcePoliciesOf> {
  const account = await ownerIn(tx, resource);
  const policies: CompiledPolicy[] = [];
  for (const arn of governingArns(resourcePolicyArn(resource))) {
    const key = resourcePolicyKey(arn);
    const text = await tx.kv.get(key);
    if (text === undefined) continue;
    const stored = resourcePolicyRecord(key, text);
    if (stored.account === account || stored.account === '') policies.push(compileStored(`resource policy of ${arn}`, stored.document, 'resource', STORED_POLICY_MAX_CHARS));
  }
  return { policies, account };
}

/**
 * A request of `caller` on `resource` decided as the authorize engine decides it (src/app/authorize.ts `decideFor`): its
 * identity, boundary and session policies with the resource's policies, the resource's owner as resource account, and
 * the request's aws:SourceIp and aws:SecureTransport. So an explicit deny of a bucket policy counts (review X, X4).
 */
export function decideWithResourcePolicies(caller: Caller, now: number, action: string, resource: string, rp: ResourcePoliciesOf): Result<unknown> {
  const context = contextOf(requestContext(caller));
  const request = rp.account !== undefined ? { principal: caller.principal, action, resource, resourceAccount: rp.account, context, time: now } : { principal: caller.principal, action, resource, context, time: now };
  const d = evaluate(request, { ...caller.policies, resource: rp.policies });
  return d.decision === 'Allow' ? ok(d) : failWith('ACCESS_DENIED', accessDeniedMessage(caller.principal.arn, action, resource, d));
}

/**
 * Whether `caller` may name the bucket `arn` as a workspace's default bucket: a default-role job reaches it, so naming
 * it grants it to every member's jobs, and only a bucket the writer may list and read can be named (review S, S1),
 * decided with the bucket's policy (review X, X4). PUT /v1/workspaces asks this; apply plans the same reads as steps.
 */
export async function defaultBucketRefusal(tx: ReadTx, caller: Caller, now: number, arn: string): Promise<Result<void>> {
  for (const read of defaultBucketReads(arn)) {
    const r = decideWithResourcePolicies(caller, now, read.action, read.resource, await resourcePoliciesIn(tx, read.resource));
    if (!r.ok) {
      const what = read.read ? 'you can read' : 'you may write, delete and set the policy of, as its default-role jobs may';
      return failWith('ACCESS_DENIED', `you may only name a bucket ${what} as a workspace's default bucket: ${r.errors[0]?.message ?? ''}`, 'defaultBucket');
    }
  }
  return ok(undefined);
}

interface Plan {
  readonly changes: PlannedChange[];
  /** Steps with the document they came from (for error messages). */
  readonly steps: { step: Step; document: number | undefined; ref: ObjectRef }[];
}

/** Names, files and kinds of documents for errors found after validation. */
function errorAt(input: ApplyInput, objects: readonly Desired<unknown>[], document: number | undefined, ref: ObjectRef | undefined, e: { code: ErrorCode; path: string; message: string; line?: number; column?: number }): ApplyError {
  const src = document !== undefined ? input.sources?.[document] : undefined;
  // The object the error is about, when it is given: a `kind: List` document holds several, and its first one was named
  // for an error of any other, at that one's path (review pf, 4).
  const o = document === undefined ? undefined : (objects.find((x) => x === ref) ?? objects.find((x) => x.document === document && x.item === undefined));
  const r = o ?? ref;
  const item = o?.item;
  return {
    code: e.code,
    path: item === undefined ? e.path : e.path === '' ? item : `${item}.${e.path}`,
    message: e.message,
    ...(document !== undefined ? { document } : {}),
    ...(src ? { file: src.file, fileDocument: src.index } : {}),
    ...(r ? { kind: shortName(r.kind), name: shortName(r.name) } : {}),
    ...(e.line !== undefined ? { line: e.line, column: e.column ?? 1 } : {}),
  };
}

async function makePlan(deps: AppDeps, caller: Caller, tx: ReadTx, input: ApplyInput, objects: readonly Desired<unknown>[]): Promise<Result<Plan>> {
  const errors: ApplyError[] = [];
  let omitted = 0;
  const rbacKinds = rbacKindHandlers(input.cluster, objects);
  const handlerOf = (kind: string): KindHandler<unknown> | undefined => KINDS.get(kind) ?? rbacKinds.get(kind);
  const err = (document: number | undefined, ref: ObjectRef | undefined, e: PlanError): void => {
    if (errors.length >= MAX_APPLY_ERRORS) omitted++;
    else errors.push(errorAt(input, objects, document, ref, e));
  };

  // Accounts: from the store, or created by an Account document.
  const partitions = new Map<string, Partition>();
  const newAccounts = new Set<string>();
  /** Accounts a document names that do not exist, to a caller not allowed to know it before it is allowed the read. */
  const unseenAccounts = new Set<string>();
  /**
   * Other accounts than the caller's, existing or not, that a root-account principal not allowed `ListAccounts` names:
   * what it is refused in them names no ARN, whose partition would tell an Alibaba account from one that does not exist
   * (review tx, 3). `unseenAccounts` is among them.
   */
  const hiddenAccounts = new Set<string>();
  let listsAccounts: boolean | undefined;
  const mayListAccounts = (): boolean => (listsAccounts ??= authorizeStep(caller, deps.now(), listAccountsStep(caller)).ok);
  const noSuchAccount = (id: string): PlanError => ({ code: 'NO_SUCH_ENTITY', path: 'metadata.account', message: `account ${id} does not exist; add an Account document for it, or create it with \`gatehouse accounts create\`` });
  /**
   * Other accounts than the caller's that an Account document names, to a tenant or a caller not allowed `ListAccounts`: the Account
   * document's refusal is the one answer for the account. Its other documents are neither read, listed nor planned:
   * refused for an account that exists (by an ARN of its partition) and planned unread for one the apply would create,
   * their errors told which ids are tenants, and of which cloud (review tx, 4).
   */
  const unreadAccounts = new Set<string>();
  for (const o of objects) {
    if (o.kind !== 'Account') continue;
    const existing = await tx.accounts.get(o.name);
    partitions.set(o.name, existing?.partition ?? (o.spec as AccountSpec).partition);
    if (!existing) newAccounts.add(o.name);
    if (o.name !== caller.account && (caller.account !== ROOT_ACCOUNT || !mayListAccounts())) unreadAccounts.add(o.name);
  }
  for (const o of objects) {
    if (o.kind === 'Account' || partitions.has(o.account)) continue;
    // Another account than its own is never a tenant's to manage (`authorizeAcross`): said before the account is looked
    // up, so that the answer is one whether it exists or not (review td, 5: `account N does not exist` to a tenant's
    // admin, a denial for an account that exists, told which ids are other tenants').
    if (o.account !== caller.account && caller.account !== ROOT_ACCOUNT) {
      err(o.document, o, { code: 'ACCESS_DENIED', path: 'metadata.account', message: `principals of account ${caller.account} may manage only their own account; account ${o.account} is not theirs (use that account's admin credentials)` });
      continue;
    }
    const a = await tx.accounts.get(o.account);
    if (o.account !== caller.account && !mayListAccounts()) hiddenAccounts.add(o.account);
    if (a) partitions.set(o.account, a.partition);
    else if (hiddenAccounts.has(o.account)) {
      // Which accounts exist is told only to root-account principals allowed `ListAccounts` (`accounts list`, review
      // gn, 5). One not allowed it has the absent account's object decided as an existing one's would be, on a
      // partition the account could have, and is told the account does not exist only once that read is allowed
      // (review tl, 1: a training job's session told `account N does not exist` where a present one was refused).
      partitions.set(o.account, 'aws');
      unseenAccounts.add(o.account);
    } else err(o.document, o, noSuchAccount(o.account));
  }
  if (errors.length > 0) return fail(listedErrors(errors, omitted));
  const partitionOf = (account: string): Partition => partitions.get(account) ?? 'aws';
  /**
   * Whether the caller may do what `stepIn` asks in `account`, else the refusal. In a hidden account the step is decided
   * on its partition, or on both when the account does not exist (as an existing one of either would be decided), and a
   * refusal names the account and `what`, not the ARN: by its partition, `acs:ram::N:user/probe` where an absent account
   * gave `arn:aws:iam::N:user/probe`, it told a principal not allowed `ListAccounts` that N is an Alibaba tenant
   * (review tx, 3). Elsewhere, the step's own refusal.
   */
  const refusalIn = (account: string, stepIn: (partition: Partition) => Step, what: string, now = deps.now()): PlanError | undefined => {
    const hidden = hiddenAccounts.has(account);
    const asked: readonly Partition[] = hidden && unseenAccounts.has(account) ? ['aws', 'acs'] : [partitionOf(account)];
    for (const partition of asked) {
      const step = stepIn(partition);
      const allowed = authorizeStep(caller, now, step);
      const e = allowed.ok ? undefined : allowed.errors[0];
      if (e === undefined) continue;
      if (!hidden) return { code: e.code, path: '', message: e.message };
      const action = step.action.includes(':') ? step.action : `${adminService(caller.partition)}:${step.action}`;
      return {
        code: 'ACCESS_DENIED',
        path: '',
        message: `User: ${caller.principal.arn} is not authorized to perform: ${action} on ${what} of account ${account} (which accounts exist, and their partitions, are told only to principals allowed ${adminService(caller.partition)}:ListAccounts)`,
      };
    }
    return undefined;
  };

  // Prune first: references to what it deletes are errors, found while planning the rest.
  const pruneList: ObjectRef[] = [];
  const pruned = new Set<string>();
  const prunedPolicyArns = new Set<string>();
  if (input.prune) {
    const scopes = new Set(objects.filter((o) => handlerOf(o.kind)?.listNames).map((o) => `${o.kind}\u0000${o.account}`));
    for (const scope of scopes) {
      const [kind = '', account = ''] = scope.split('\u0000');
      if (newAccounts.has(account) || unreadAccounts.has(account)) continue;
      const handler = handlerOf(kind);
      // Listed only as the caller may list them (`ListPolicies`, `training:ListWorkspaces`…), decided before anything of
      // the listing is answered: a prune's refusals name what it would delete (review td, 2: a caller allowed nothing
      // read from `plan --prune` the policies that bound which users, and the live jobs of workspaces it would delete).
      if (handler?.listAction) {
        const listing = (partition: Partition): Step => ({ phase: -1, action: handler.listAction as string, resource: handler.arnOf ? handler.arnOf(partition, account, '*') : entityArn(partition, account, kind.toLowerCase() as 'user', '/', '*'), account });
        const e = refusalIn(account, listing, `the ${kind} objects`);
        if (e !== undefined) {
          const first = objects.find((o) => o.kind === kind && o.account === account);
          err(first?.document, first, { code: e.code, path: '', message: `${e.message} (--prune lists the ${kind} objects of account ${account} that the files do not name)` });
          continue;
        }
      }
      const exact = handler?.caseSensitiveNames === true;
      const fold = (n: string): string => (exact ? n : n.toLowerCase());
      const wanted = new Set(objects.filter((o) => o.kind === kind && o.account === account).map((o) => fold(o.name)));
      for (const name of new Set((await handler?.listNames?.(tx, account)) ?? [])) {
        // A kind keyed by its resource (or cluster and principal) is kept by a document naming that, not by its name:
        // a document moved to another resource keeps its name, and its old object was never pruned (review ms, 1).
        if (wanted.has(fold(name)) && handler?.claimed === undefined) continue;
        // An object a document names under another name (renamed) is that document's, not one to prune (review ak, 9).
        if (await handler?.claimed?.(tx, objects, account, name)) continue;
        // Never the account's admin (the way back in), nor the caller itself: its user, or the role whose session it is
        // (deleted, the session applying the files would be left with nothing: review ak, 6).
        if (kind === 'User' && (name.toLowerCase() === ADMIN_USER || (account === caller.account && name.toLowerCase() === caller.user?.name.toLowerCase()))) continue;
        if (kind === 'Role' && account === caller.account && name.toLowerCase() === caller.session?.role?.name.toLowerCase()) continue;
        // Nor the account's default training role, which Gatehouse makes itself at the first `--role default` job (as AWS
        // keeps its service-linked roles from DeleteRole): pruned, every running default-role job lost its credentials at
        // the next refresh, and CI applying `--prune` did it again after every new submission (review gf, 5).
        if (kind === 'Role' && name.toLowerCase() === defaultRoleName(partitionOf(account)).toLowerCase()) continue;
        pruneList.push({ kind, account, name });
        pruned.add(pruneKey(kind, account, name, exact));
        if (kind === 'Policy') {
          const p = await tx.policies.get(account, name);
          if (p) prunedPolicyArns.add(p.arn);
        }
      }
    }
  }

  // Policies the files define, by account and lower-case name, with the ARN they have (or will have).
  const filePolicies = new Map<string, string>();
  for (const o of objects) {
    if (o.kind !== 'Policy') continue;
    const existing = newAccounts.has(o.account) ? undefined : await tx.policies.get(o.account, o.name);
    filePolicies.set(`${o.account}/${o.name.toLowerCase()}`, existing?.arn ?? entityArn(partitionOf(o.account), o.account, 'policy', '/', o.name));
  }
  const fileGroups = new Map(objects.filter((o) => o.kind === 'Group').map((o) => [`${o.account}/${o.name.toLowerCase()}`, o.name]));
  let builtins: PolicyRecord[] | undefined;

  const env: PlanEnv = {
    tx,
    deps,
    caller,
    partitionOf,
    newAccounts,
    now: isoSeconds(deps.now()),
    newId: (prefix, length = 21) => uniqueId(prefix, deps.randomBytes(32), length),
    documents: objects,
    prunedPolicies: prunedPolicyArns,
    prunedGroups: new Set(pruneList.filter((r) => r.kind === 'Group').map((r) => `${r.account}/${r.name.toLowerCase()}`)),
    pruned: (kind, account, name) => pruned.has(pruneKey(kind, account, name, handlerOf(kind)?.caseSensitiveNames === true)),
    async resolvePolicy(account, ref) {
      if (ref.startsWith('arn:') || ref.startsWith('acs:')) {
        // An ARN names its policy without regard to case, as the IAM API finds it, and is attached as the ARN the policy
        // has (review rd, 2; looked up literally, `arn:aws:iam::aws:policy/readonlyaccess` did not exist).
        const wanted = ref.toLowerCase();
        const inFiles = [...filePolicies.entries()].find(([k, arn]) => arn.toLowerCase() === wanted && k.startsWith(`${account}/`));
        if (inFiles) return inFiles[1];
        return (await visiblePolicy(tx, account, ref))?.arn;
      }
      const fromFiles = filePolicies.get(`${account}/${ref.toLowerCase()}`);
      if (fromFiles) return fromFiles;
      const local = newAccounts.has(account) ? undefined : await tx.policies.get(account, ref);
      if (local) return local.arn;
      builtins ??= await tx.policies.list('aws');
      return builtins.find((p) => p.name.toLowerCase() === ref.toLowerCase())?.arn;
    },
    async group(account, name) {
      const stored = newAccounts.has(account) ? undefined : await tx.groups.get(account, name);
      const inFiles = fileGroups.get(`${account}/${name.toLowerCase()}`);
      if (inFiles !== undefined) return stored ? { name: stored.name, path: stored.path } : { name: inFiles, path: '/' };
      if (!stored || pruned.has(pruneKey('Group', account, name))) return undefined;
      return { name: stored.name, path: stored.path };
    },
  };

  /**
   * A User, Role or Policy document of an `acs` account asking for a tag key Alibaba Cloud reserves (`acsReservedTagKey`,
   * review qn, 3) that the stored entity does not carry already: the IAM API's refusal of it. A key stored before is kept.
   */
  const alibabaReservedTag = async (o: Desired<unknown>): Promise<PlanError | undefined> => {
    const tags = (o.spec as { readonly tags?: unknown } | undefined)?.tags;
    if (!['User', 'Role', 'Policy'].includes(o.kind) || partitionOf(o.account) !== 'acs' || !Array.isArray(tags)) return undefined;
    const asked = (tags as readonly Tag[]).filter((t) => acsReservedTagKey(t.key) !== undefined);
    if (asked.length === 0) return undefined;
    const type = PRINCIPAL_KINDS[o.kind];
    const stored = newAccounts.has(o.account) ? undefined : type === 'user' || type === 'role' ? await tx[TABLES[type]].get(o.account, o.name) : await tx.policies.get(o.account, o.name);
    const kept = new Set((stored?.tags ?? []).map((t) => t.key.toLowerCase()));
    const t = asked.find((x) => !kept.has(x.key.toLowerCase()));
    return t === undefined ? undefined : { code: 'VALIDATION_ERROR', path: 'spec.tags', message: `tag key \`${shortName(t.key)}\`: ${acsReservedTagKey(t.key) ?? ''}` };
  };

  const changes: PlannedChange[] = [];
  const steps: Plan['steps'] = [];
  /**
   * The read that planning `o` implies, or undefined when the caller may read it whatever it is: the kind's `readAction`
   * on the stored entity's ARN when there is one (its path, its name as stored: review T, T1), else as the document names
   * it. An Account document about another account than the caller's reads what `accounts list` shows only to root-account
   * principals allowed `ListAccounts` (review gn, 5): its partition and name.
   */
  const readStep = (o: Desired<unknown>, handler: KindHandler<unknown>, stored: { path: string; name: string; tags?: readonly Tag[] } | undefined, partition: Partition = partitionOf(o.account)): Step | undefined => {
    if (o.kind === 'Account') {
      if (o.name === caller.account) return undefined;
      return listAccountsStep(caller);
    }
    // A Kubernetes RBAC object has no read of its own (nothing serves it but the webhook's decisions): planning it is
    // asked as applying it, on its cluster as the document names it, with its kind, name and roleRef (review td, 3:
    // a user allowed nothing read a stored binding's roleRef from the refusal to change it, whether a cluster exists
    // from `does not exist`, and every field of a binding by `= unchanged`).
    if (rbacKinds.has(o.kind)) {
      const spec = o.spec as RbacSpec;
      return { phase: -1, action: 'training:ApplyRbacObject', resource: clusterArn(partition, o.account, spec.cluster), account: o.account, context: rbacContext(spec.object) };
    }
    // A resource's policy is read as `GET /v1/resource-policies/{resource}` and `iam-policy get` read it
    // (`gatehouse:GetResourcePolicy` on the resource, `gatehouse:GetIamPolicy` on the workspace, account or ARN): planned
    // unasked, `= unchanged` told a caller allowed nothing that its guess of a bucket's policy or of who is bound where
    // was right, and a stale `spec.etag` was refused quoting the current one (review td, 4).
    if (o.kind === 'ResourcePolicy') return { phase: -1, action: 'gatehouse:GetResourcePolicy', resource: (o.spec as ResourcePolicySpec).resource, account: o.account };
    if (o.kind === 'IamPolicy') return { phase: -1, action: 'gatehouse:GetIamPolicy', resource: iamPolicyAuthzResource(partition, o.account, (o.spec as { readonly resource: string }).resource), account: o.account };
    // A custom role has no read of its own either (no route serves one): planning it is asked as applying it, as
    // `gatehouse:CreateIamRole` or `gatehouse:UpdateIamRole` on its ARN, the same whether it exists or not (review tl, 2:
    // a user allowed nothing was told `= unchanged` for a right guess of a role, and by the action it was refused
    // whether a guessed id exists).
    if (o.kind === 'IamRole' && !newAccounts.has(o.account)) {
      const resource = customRoleArn(partition, o.account, o.name);
      const decide = (c: Caller, now: number): Result<unknown> => {
        const create = authorizeAcross(c, now, 'gatehouse:CreateIamRole', resource, o.account);
        return create.ok ? create : authorizeAcross(c, now, 'gatehouse:UpdateIamRole', resource, o.account).ok ? ok(undefined) : create;
      };
      return { phase: -1, action: 'gatehouse:CreateIamRole', resource, account: o.account, decide };
    }
    if (!handler.readAction || newAccounts.has(o.account)) return undefined;
    const filePolicy = partition === partitionOf(o.account) ? filePolicies.get(`${o.account}/${o.name.toLowerCase()}`) : entityArn(partition, o.account, 'policy', '/', o.name);
    const arn = o.kind === 'Policy' ? (filePolicy ?? '') : handler.arnOf ? handler.arnOf(partition, o.account, stored?.name ?? o.name) : entityArn(partition, o.account, o.kind.toLowerCase() as 'user', stored?.path ?? '/', stored?.name ?? o.name);
    return { phase: -1, action: handler.readAction, resource: arn, account: o.account, context: resourceTagContext(stored?.tags) };
  };
  const decidedAt = deps.now();
  for (const o of objects) {
    const handler = handlerOf(o.kind);
    if (!handler || (o.kind !== 'Account' && unreadAccounts.has(o.account))) continue;
    // The object as stored when there is one: IAM names compare without case, and `Erin` in a file is the stored
    // `erin`, which the output names (review Z, finding 5), with the file's spelling beside it.
    const type = PRINCIPAL_KINDS[o.kind];
    const stored: { path: string; name: string; tags?: readonly Tag[] } | undefined = newAccounts.has(o.account) ? undefined : type ? await tx[TABLES[type]].get(o.account, o.name) : undefined;
    // What planning the object reads of it, as the IAM API would let the caller read it (`GetPolicy`, `GetRole`…): asked
    // before it is planned, since a plan answers with what is stored (an update's diff, `= unchanged`, an error quoting a
    // stored field). A caller that may not read the object is told so and nothing more, whatever is stored (review td, 1:
    // any principal, another account's admin included, read a managed policy's description from the error refusing to
    // change it, and an account's partition and name from an Account document's error or `= unchanged`).
    const read = readStep(o, handler, stored);
    if (read !== undefined) {
      // An Account document's read is `ListAccounts` itself; another object's is decided as its account may be told.
      const e = o.kind === 'Account' ? refusalIn(caller.account, () => read, 'the accounts', decidedAt) : refusalIn(o.account, (partition) => readStep(o, handler, stored, partition) ?? read, `the ${o.kind} \`${o.name}\``, decidedAt);
      if (e !== undefined) {
        err(o.document, o, e);
        continue;
      }
    }
    if (unseenAccounts.has(o.account)) {
      err(o.document, o, noSuchAccount(o.account));
      continue;
    }
    const reserved = await alibabaReservedTag(o);
    if (reserved !== undefined) {
      err(o.document, o, reserved);
      continue;
    }
    const p = await handler.plan(env, o);
    if (!p.ok) {
      for (const e of p.errors) err(o.document, o, e);
      continue;
    }
    const storedName = stored?.name ?? (o.kind === 'Policy' && !newAccounts.has(o.account) ? (await tx.policies.get(o.account, o.name))?.name : undefined) ?? o.name;
    changes.push({ action: p.value.action, kind: o.kind, account: o.account, name: storedName, ...(storedName !== o.name ? { spelled: o.name } : {}), fields: p.value.fields, document: o.document, ...listedDiff(p.value.diff) });
    if (read !== undefined) steps.push({ step: read, document: o.document, ref: o });
    for (const s of p.value.steps) steps.push({ step: s, document: o.document, ref: o });
  }
  for (const ref of pruneList) {
    const handler = handlerOf(ref.kind);
    const d = await handler?.planDelete?.(env, ref);
    if (!d) continue;
    if (!d.ok) {
      for (const e of d.errors) err(undefined, ref, e);
      continue;
    }
    changes.push({ action: 'delete', kind: ref.kind, account: ref.account, name: ref.name, fields: [] });
    // What the deletion changes besides (a pruned policy's principals, detached): an update of each object the files
    // neither name nor delete, so that plan and apply show every object they modify (review Z, finding 4).
    for (const also of d.value.flatMap((s) => s.alsoChanges ?? [])) {
      const same = (c: { kind: string; account: string; name: string }): boolean => c.kind === also.kind && c.account === also.account && c.name.toLowerCase() === also.name.toLowerCase();
      if (objects.some(same) || pruneList.some(same)) continue;
      const at = changes.findIndex((c) => same(c) && c.document === undefined && (c.action === 'update' || c.action === 'delete'));
      const listed = at < 0 ? undefined : changes[at];
      if (listed?.action === 'delete') continue;
      if (also.delete) {
        if (listed !== undefined) changes.splice(at, 1);
        changes.push({ action: 'delete', kind: also.kind, account: also.account, name: also.name, fields: [] });
      } else if (listed === undefined) changes.push({ action: 'update', kind: also.kind, account: also.account, name: also.name, fields: [also.field], ...listedDiff(also.diff) });
      else {
        // Each group or policy the object loses, under its update, as for a change of its own document (review ms, 4).
        const shown = listedDiff([...(listed.diff ?? []), ...(also.diff ?? [])]);
        const omitted = (listed.diffOmitted ?? 0) + (shown.diffOmitted ?? 0);
        changes[at] = { ...listed, fields: listed.fields.includes(also.field) ? listed.fields : [...listed.fields, also.field], ...(shown.diff ? { diff: shown.diff } : {}), ...(omitted > 0 ? { diffOmitted: omitted } : {}) };
      }
    }
    if (handler?.listAction) steps.push({ step: { phase: -1, action: handler.listAction, resource: handler.arnOf ? handler.arnOf(partitionOf(ref.account), ref.account, '*') : entityArn(partitionOf(ref.account), ref.account, ref.kind.toLowerCase() as 'user', '/', '*'), account: ref.account }, document: undefined, ref });
    for (const s of d.value) steps.push({ step: s, document: undefined, ref });
  }
  if (errors.length > 0) return fail(listedErrors(errors, omitted));

  // Account-wide quotas, counted after the plan.
  const quota: Record<string, { limit: number; name: string; count: (a: string) => Promise<number> }> = {
    User: { limit: QUOTAS.usersPerAccount, name: 'UsersPerAccount', count: async (a) => (await tx.users.list(a)).length },
    Group: { limit: QUOTAS.groupsPerAccount, name: 'GroupsPerAccount', count: async (a) => (await tx.groups.list(a)).length },
    Role: { limit: QUOTAS.rolesPerAccount, name: 'RolesPerAccount', count: async (a) => (await tx.roles.list(a)).length },
    Policy: { limit: QUOTAS.customerManagedPoliciesPerAccount, name: 'PoliciesPerAccount', count: async (a) => (await tx.policies.list(a)).length },
    // GCP's 300 custom roles a project (review jl, 6).
    IamRole: { limit: MAX_CUSTOM_ROLES_PER_ACCOUNT, name: 'CustomRolesPerAccount', count: async (a) => customRoleCount(tx, a) },
  };
  for (const account of partitions.keys()) {
    for (const [kind, q] of Object.entries(quota)) {
      const created = changes.filter((c) => c.account === account && c.kind === kind && c.action === 'create').length;
      if (created === 0) continue;
      const deleted = changes.filter((c) => c.account === account && c.kind === kind && c.action === 'delete').length;
      const total = (newAccounts.has(account) ? (kind === 'User' ? 1 : 0) : await q.count(account)) + created - deleted;
      if (total > q.limit) errors.push({ code: 'LIMIT_EXCEEDED', path: '', message: `Cannot exceed quota for ${q.name}: ${q.limit} (account ${account} would have ${total})`, kind });
    }
  }
  if (errors.length > 0) return fail(errors);
  return ok({ changes, steps });
}

/** At most this many authorization failures are reported; the rest would repeat them. */
const MAX_DENIALS = 20;

function summarize(changes: readonly PlannedChange[]): Record<ChangeAction, number> {
  const s: Record<ChangeAction, number> = { create: 0, update: 0, delete: 0, unchanged: 0 };
  for (const c of changes) s[c.action]++;
  return s;
}

/**
 * Validates, plans and (unless `dryRun`) applies documents in one transaction. A failure changes nothing and
 * lists every error found at its stage (validation errors are all reported, not just the first).
 */
export async function applyConfig(deps: AppDeps, caller: Caller, input: ApplyInput): Promise<Result<ApplyResult>> {
  if (!Array.isArray(input.documents)) return failWith('VALIDATION_ERROR', '`documents` must be a list', 'documents');
  if (input.documents.length > MAX_DOCUMENTS) return failWith('LIMIT_EXCEEDED', `at most ${MAX_DOCUMENTS} documents can be applied at once, got ${input.documents.length}`, 'documents');
  const { objects, errors } = validateDocuments(caller, input);
  if (errors.length > 0) return fail(errors);
  const prune = input.prune === true;
  const dryRun = input.dryRun === true;

  const planAndAuthorize = async (tx: ReadTx): Promise<Result<Plan>> => {
    const plan = await makePlan(deps, caller, tx, input, objects);
    if (!plan.ok) return plan;
    const now = deps.now();
    const denied: ApplyError[] = [];
    const seen = new Set<string>();
    for (const { step, document, ref } of plan.value.steps) {
      const a = authorizeStep(caller, now, step);
      if (a.ok) continue;
      const e = a.errors[0];
      if (!e || seen.has(e.message)) continue;
      seen.add(e.message);
      if (denied.length < MAX_DENIALS) denied.push(errorAt(input, objects, document, ref, { code: e.code, path: '', message: e.message }));
    }
    return denied.length > 0 ? fail(denied) : plan;
  };
  const result = (plan: Plan, credentials: AdminCredentials[]): ApplyResult => ({ dryRun, prune, applied: !dryRun, changes: plan.changes, summary: summarize(plan.changes), credentials });

  if (dryRun) {
    return deps.store.read(async (tx) => {
      const plan = await planAndAuthorize(tx);
      return plan.ok ? ok(result(plan.value, [])) : plan;
    });
  }
  // Under the fail-closed audit policy, nothing is applied while the audit log cannot record it.
  const closed = deps.audit?.gate('the directory is not changed');
  if (closed) return closed;
  let written = 0;
  const r = await deps.store.write<Result<ApplyResult>>(async (tx, abort) => {
    // Planned inside the write transaction, so the plan is exactly what gets applied.
    const plan = await planAndAuthorize(tx);
    if (!plan.ok) return abort(plan);
    const out: RunOutput = { credentials: [] };
    // Each step's before and after, read in this transaction (PostgreSQL may run it again: each attempt starts anew).
    const seen = new Map<Step, { before: unknown; after: unknown }>();
    const ordered = plan.value.steps.map((s, i) => ({ ...s, i })).sort((a, b) => a.step.phase - b.step.phase || a.i - b.i);
    for (const { step, document, ref } of ordered) {
      if (!step.run) continue;
      const was = step.view ? await step.view(tx) : undefined;
      out.recorded = undefined;
      const r = await step.run(tx, out);
      if (r.ok && step.view) seen.set(step, { before: was ?? null, after: out.recorded ?? (await step.view(tx)) ?? null });
      if (!r.ok) {
        const e = r.errors[0];
        abort(fail([errorAt(input, objects, document, ref, { code: e?.code ?? 'INTERNAL_ERROR', path: '', message: `${step.action} failed: ${e?.message ?? 'unknown error'}` })]));
      }
    }
    // The change records commit with the change (review Z, finding 1): a hard stop right after the commit loses none.
    const recorded = await appendAuditInTx(deps, tx, stepEvents(caller, plan.value, out.credentials, seen));
    if (!recorded.ok) return abort(recorded);
    written = recorded.value;
    return ok(result(plan.value, out.credentials));
  });
  // Counted once committed, as the queue counts what its writer committed (`gatehouse_audit_records_written_total`).
  if (r.ok) deps.metrics?.auditWritten(written);
  else recordApply(deps, caller, input, r);
  return r;
}

/** A role's ARN (either dialect), as the directory tells a change to a role. */
const ROLE_RESOURCE = /^(arn:[a-z-]+:iam|acs:ram)::\d+:role\//;

/**
 * One change record per step an apply runs. An account's creation names its admin's access key by its id (never its
 * secret), as `accounts create` records it, so that "who created AKIA…?" is answered for accounts made by apply too
 * (review ak, 8).
 */
function stepEvents(caller: Caller, plan: Plan, credentials: readonly AdminCredentials[] = [], seen: ReadonlyMap<Step, { before: unknown; after: unknown }> = new Map()): AuditEvent[] {
  const who = actorOf(caller);
  const service = adminService(caller.partition);
  const out: AuditEvent[] = [];
  const keyOf = (step: Step): { after?: { userName: string; accessKeyId: string } } => {
    const c = step.action === 'CreateAccount' ? credentials.find((x) => x.AccountId === step.account) : undefined;
    return c ? { after: { userName: c.UserName, accessKeyId: c.AccessKeyId } } : {};
  };
  for (const { step, ref } of plan.steps) {
    if (!step.run) continue;
    out.push({
      kind: 'change',
      account: step.account,
      ...who,
      action: step.action.includes(':') ? step.action : `${service}:${step.action}`,
      resource: step.resource,
      // A change to a role is about that role, as the directory records it: `audit query --role` finds who changed it
      // through apply as well as through the IAM API (review readme, R3).
      ...(ROLE_RESOURCE.test(step.resource) ? aboutRole(who.role, step.resource) : {}),
      decision: 'ok',
      detail: { apply: { kind: ref.kind, name: ref.name, account: ref.account }, ...(step.context ? { context: step.context } : {}), ...(seen.get(step) ?? {}), ...keyOf(step) },
    });
  }
  return out;
}

/**
 * The record of a refused apply, with its errors (through the queue: nothing was changed). The records of an apply
 * that ran are appended in its transaction (`appendAuditInTx`).
 */
function recordApply(deps: AppDeps, caller: Caller, input: ApplyInput, r: Result<ApplyResult>): void {
  const sink = deps.audit;
  if (!sink) return;
  const who = actorOf(caller);
  {
    const errors = r.ok ? [] : r.errors;
    sink.record({
      kind: 'change',
      account: caller.account,
      ...who,
      action: 'gatehouse:Apply',
      resource: `${input.documents.length} document(s)`,
      decision: errors[0]?.code ?? 'error',
      detail: { errors: errors.slice(0, MAX_DENIALS).map((e) => describeApplyError(e as ApplyError)), prune: input.prune === true },
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Helpers the admin API shares

/**
 * `gatehouse accounts create` / `POST /v1/accounts`: a new account with its `admin` user, by a principal of the
 * root account (authorized as `CreateAccount` on the new account's root ARN). `EntityAlreadyExists` when the id
 * is taken.
 */
export async function createAccountAsRoot(deps: AppDeps, caller: Caller, input: { id: unknown; partition: unknown; name?: unknown }): Promise<Result<AdminCredentials & { Partition: Partition; Name: string }>> {
  const bad = checkAccountId(input.id);
  if (bad) return failWith('VALIDATION_ERROR', bad, 'id');
  if (input.partition !== 'aws' && input.partition !== 'acs') return failWith('VALIDATION_ERROR', `partition must be \`aws\` or \`acs\`, got \`${shortName(String(input.partition))}\``, 'partition');
  const badName = input.name === undefined ? undefined : checkAccountName(input.name);
  if (badName !== undefined) return failWith('VALIDATION_ERROR', badName, 'name');
  const id = input.id as string;
  const partition: Partition = input.partition;
  const name = (input.name as string | undefined) ?? id;
  const step: Step = { phase: PHASE.account, action: 'CreateAccount', resource: rootArn(partition, id), account: id, rootOnly: true };
  const event = (r: Result<unknown>): AuditEvent => ({
    kind: 'change',
    // Made, in the new account's log, as apply records it (`stepEvents`) and every change the root account makes there:
    // its readers could not read who made their account, its admin and the admin's key (review ro, 4). Refused, in the
    // asker's: no account was made (one that exists is not the asker's to tell about).
    account: r.ok ? id : caller.account,
    ...actorOf(caller),
    action: `${adminService(caller.partition)}:CreateAccount`,
    resource: step.resource,
    decision: r.ok ? 'ok' : (r.errors[0]?.code ?? 'error'),
    // The admin's key is named by its id (never its secret), so the log answers who created it.
    detail: {
      request: { id, partition, name },
      ...(r.ok ? { before: null, after: { account: { id, partition, name }, userName: ADMIN_USER, accessKeyId: (r.value as AdminCredentials).AccessKeyId } } : { error: r.errors[0]?.message }),
    },
  });
  // A refusal through the queue; the record of the account created commits with it (appendAuditInTx).
  const record = (r: Result<unknown>): void => deps.audit?.record(event(r));
  const a = authorizeStep(caller, deps.now(), step);
  if (!a.ok) {
    record(a);
    return a;
  }
  const closed = deps.audit?.gate('the directory is not changed');
  if (closed) return closed;
  let written = 0;
  const created = await deps.store.write<Result<AdminCredentials & { Partition: Partition; Name: string }>>(async (tx, abort) => {
    if (await tx.accounts.get(id)) return failWith('ENTITY_ALREADY_EXISTS', `account ${id} already exists`);
    const r = await createAccountWithAdmin(deps, tx, { id, partition, name, created: isoSeconds(deps.now()) });
    if (!r.ok) return abort(r);
    const recorded = await appendAuditInTx(deps, tx, [event(r)]);
    if (!recorded.ok) return abort(recorded);
    written = recorded.value;
    return ok({ ...r.value, Partition: partition, Name: name });
  });
  if (created.ok) deps.metrics?.auditWritten(written);
  else record(created);
  return created;
}

/** A managed policy visible to `account` by name (the account's own, then the built-ins) or by ARN. */
export async function findPolicy(tx: ReadTx, account: string, ref: string): Promise<PolicyRecord | undefined> {
  if (ref.startsWith('arn:') || ref.startsWith('acs:')) {
    const p = await tx.policies.getByArn(storedBuiltinArn(ref));
    return p && (p.account === account || p.account === 'aws') ? p : undefined;
  }
  return (await tx.policies.get(account, ref)) ?? (await tx.policies.list('aws')).find((p) => p.name.toLowerCase() === ref.toLowerCase());
}
