/**
 * The identity directory's use cases: users, groups, roles, managed and inline policies, attachments,
 * boundaries, access keys and tags. Every call is authorized by the engine against the caller's own
 * policies first (so `iam:*` on `arn:aws:iam::<acct>:role/…` delegates administration, as in AWS), then
 * validated (IAM name rules, quotas, policy grammar), then written in one transaction. Errors carry the IAM
 * error codes (`EntityAlreadyExists`, `NoSuchEntity`, `LimitExceeded`, `MalformedPolicyDocument`,
 * `DeleteConflict`, `ValidationError`) through the `ErrorCode` union.
 */
import { failWith, ok, type ErrorCode, type GatehouseError, type Result } from '../core/errors.ts';
import { DEFAULT_MAX_CHARS, parsePolicy, type PolicyKind } from '../core/iam/index.ts';
import {
  adminService,
  checkDescription,
  checkMaxSessionDuration,
  checkName,
  checkPath,
  checkTags,
  entityArn,
  ID_PREFIX,
  mergeTags,
  QUOTAS,
  uniqueId,
  type EntityKind,
  type Partition,
} from '../core/directory/rules.ts';
import { isoSeconds } from '../core/iam/index.ts';
import type { AppDeps } from './deps.ts';
import { followRename, forgetGroup, forgetPrincipal, type Forgotten } from './forget-principal.ts';
import { actorOf, authorizeAdmin, type Caller } from './principals.ts';
import type {
  AccessKeyRecord,
  GroupRecord,
  InlinePolicyRecord,
  PolicyRecord,
  PolicyVersionRecord,
  PrincipalRef,
  PrincipalType,
  ReadTx,
  RoleRecord,
  StoreResult,
  Tag,
  UserRecord,
  WriteTx,
} from './ports/store.ts';

type R<T> = Promise<Result<T>>;

const invalid = <T>(message: string, path = ''): Result<T> => failWith<T>('VALIDATION_ERROR', message, path);

function fromStore<T>(r: StoreResult<T>): Result<T> {
  return r.ok ? ok(r.value) : failWith(r.error.code as ErrorCode, r.error.message);
}

function firstError(...messages: (string | undefined)[]): string | undefined {
  return messages.find((m) => m !== undefined);
}

/**
 * Validates a policy document; the first grammar error becomes the message, as IAM's MalformedPolicyDocument. A
 * document over the size limit is IAM's LimitExceeded (409, POLICY_TOO_LARGE): `tooLarge` is IAM's message for it
 * (`Cannot exceed quota for PolicySize: 6144`), followed by the document's size.
 */
export function checkDocument(document: unknown, kind: PolicyKind, maxChars: number, field = 'PolicyDocument', tooLarge?: string): Result<string> {
  if (typeof document !== 'string' || document.length === 0) return failWith('VALIDATION_ERROR', `${field} is required`, field);
  const r = parsePolicy(document, { kind, maxChars });
  if (!r.ok) {
    const e = r.errors[0] as GatehouseError;
    if (e.code === 'POLICY_TOO_LARGE' && tooLarge !== undefined) {
      return failWith('POLICY_TOO_LARGE', `${tooLarge} (the document has ${nonWhitespaceLength(document)} characters, whitespace not counted)`, e.path);
    }
    const where = e.path ? ` (at ${e.path}${e.line ? `, line ${e.line}` : ''})` : '';
    return { ok: false, errors: r.errors.map((x, i) => (i === 0 ? { ...x, message: `${x.message}${where}` } : x)) };
  }
  return ok(document);
}

/** IAM's LimitExceeded messages for a document over its quota (a role's trust policy, a managed policy). */
const TRUST_TOO_LARGE = `Cannot exceed quota for ACLSizePerRole: ${QUOTAS.trustPolicySize}`;
const MANAGED_TOO_LARGE = `Cannot exceed quota for PolicySize: ${QUOTAS.managedPolicySize}`;

function nonWhitespaceLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) n++;
  }
  return n;
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
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

  const arnOf = (c: Caller, kind: 'user' | 'group' | 'role' | 'policy', path: string, name: string): string => entityArn(c.partition, c.account, kind, path, name);

  /** Authorize, then run `fn` in a write transaction; a failed Result rolls everything back. */
  async function write<T>(c: Caller, fn: (tx: WriteTx) => Promise<Result<T>>): R<T> {
    // Under the fail-closed audit policy, no change happens while the audit log cannot record it.
    const closed = deps.audit?.gate('the directory is not changed');
    if (closed) return closed;
    return store.write(async (tx, abort) => {
      // PostgreSQL retries a transaction that lost a serialization race: only the attempt that commits is recorded.
      const frame = frames.get(c);
      if (frame) delete frame.change;
      const r = await fn(tx);
      if (!r.ok) abort(r);
      return r;
    });
  }

  function authz(c: Caller, action: string, resource: string, context?: Record<string, string | string[]>): Result<unknown> {
    const frame = frames.get(c);
    if (frame && frame.action === undefined) {
      frame.action = action.includes(':') ? action : `${adminService(c.partition)}:${action}`;
      frame.resource = resource;
    }
    return authorizeAdmin(c, deps.now(), action, resource, context);
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
      const r = await f(own, ...args);
      // Calls refused before authorization (malformed input) changed nothing and named no action.
      if (frame.action === undefined) return r;
      const request = args.length === 1 ? args[0] : args;
      const error = r.ok ? undefined : r.errors[0];
      sink.record({
        kind: 'change',
        account: c.account,
        // Who, in which session and job, from which address (`actorOf`).
        ...actorOf(c),
        action: frame.action,
        resource: frame.resource ?? '',
        decision: error ? error.code : 'ok',
        // A change to a role is about that role: `audit query --role` finds who changed it as well as who assumed it.
        ...(ROLE_ARN.test(frame.resource ?? '') ? { role: frame.resource as string } : {}),
        detail: { request, ...(r.ok && frame.change ? { before: frame.change.before, after: frame.change.after } : {}), ...(error ? { error: error.message } : {}) },
      });
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

  async function pathOf(tx: ReadTx, type: PrincipalType, account: string, name: string): Promise<string> {
    const e = type === 'user' ? await tx.users.get(account, name) : type === 'group' ? await tx.groups.get(account, name) : await tx.roles.get(account, name);
    return e?.path ?? '/';
  }

  /** The groups a user is in, by name (bounded by the GroupsPerUser quota). */
  async function groupNamesOf(tx: ReadTx, account: string, user: string): Promise<string[]> {
    return (await tx.groups.listForUser(account, user)).map((g) => g.name);
  }

  const entityOf = (tx: ReadTx, type: 'user' | 'role', account: string, name: string): Promise<UserRecord | RoleRecord | undefined> =>
    type === 'user' ? tx.users.get(account, name) : tx.roles.get(account, name);

  const noSuch = <T>(kind: string, name: string): Result<T> => failWith<T>('NO_SUCH_ENTITY', `The ${kind} with name ${name} cannot be found.`);

  async function exists(tx: ReadTx, type: PrincipalType, account: string, name: string): Promise<boolean> {
    return (type === 'user' ? await tx.users.get(account, name) : type === 'group' ? await tx.groups.get(account, name) : await tx.roles.get(account, name)) !== undefined;
  }

  /**
   * How often the caller's account attaches a policy. Built-in policies are shared by every account: a count
   * over all of them would show one account what the others attach.
   */
  async function attachmentsInAccount(tx: ReadTx, account: string, p: PolicyRecord): Promise<number> {
    if (p.account !== 'aws') return tx.attachments.countForPolicy(p.arn);
    return (await tx.attachments.listForPolicy(p.arn)).filter((x) => x.principal.account === account).length;
  }

  /** Resolve a policy ARN visible to the caller's account: its own policies and the built-ins. */
  async function policyByArn(tx: ReadTx, c: Caller, arn: unknown): Promise<Result<PolicyRecord>> {
    if (typeof arn !== 'string' || arn.length < 20) return invalid('PolicyArn is required and must be an ARN', 'PolicyArn');
    const p = await tx.policies.getByArn(arn);
    if (!p || (p.account !== c.account && p.account !== 'aws')) return failWith('NO_SUCH_ENTITY', `Policy ${arn} does not exist or is not attachable.`);
    return ok(p);
  }

  // ------------------------------------------------------------------------------------------------
  // Users

  async function createUser(c: Caller, input: { userName: string; path?: string; tags?: Tag[]; permissionsBoundary?: string }): R<UserRecord> {
    const path = input.path ?? '/';
    const bad = firstError(checkName('user', input.userName), checkPath(input.path), checkTags(input.tags ?? []));
    if (bad) return invalid(bad);
    const a = authz(c, 'CreateUser', arnOf(c, 'user', path, input.userName));
    if (!a.ok) return a;
    return write(c, async (tx) => {
      if (input.permissionsBoundary !== undefined) {
        const b = await policyByArn(tx, c, input.permissionsBoundary);
        if (!b.ok) return b;
      }
      if ((await tx.users.list(c.account)).length >= QUOTAS.usersPerAccount) return failWith('LIMIT_EXCEEDED', `Cannot exceed quota for UsersPerAccount: ${QUOTAS.usersPerAccount}`);
      return changedTo(
        c,
        null,
        await tx.users.create({ account: c.account, name: input.userName, path, id: newId(ID_PREFIX.user), created: now(), tags: input.tags ?? [], permissionsBoundary: input.permissionsBoundary ?? null, disabled: false }),
      );
    });
  }

  async function getUser(c: Caller, input: { userName?: string }): R<UserRecord> {
    const name = input.userName ?? c.user?.name;
    if (!name) return invalid('UserName is required when the caller is not a user', 'UserName');
    return store.read(async (tx) => {
      const u = await tx.users.get(c.account, name);
      // Reading oneself needs no permission only for GetUser without a name, as in AWS.
      if (input.userName !== undefined || !c.user) {
        const a = authz(c, 'GetUser', arnOf(c, 'user', u?.path ?? '/', name));
        if (!a.ok) return a;
      }
      return u ? ok(u) : noSuch('user', name);
    });
  }

  async function listUsers(c: Caller, input: { pathPrefix?: string }): R<UserRecord[]> {
    const a = authz(c, 'ListUsers', arnOf(c, 'user', '/', '*').replace(/\/\*$/, '/*'));
    if (!a.ok) return a;
    const bad = checkPath(input.pathPrefix, 'PathPrefix');
    if (bad) return invalid(bad);
    return store.read(async (tx) => ok(await tx.users.list(c.account, input.pathPrefix !== undefined ? { pathPrefix: input.pathPrefix } : {})));
  }

  async function updateUser(c: Caller, input: { userName: string; newUserName?: string; newPath?: string }): R<UserRecord> {
    const bad = firstError(checkName('user', input.userName), input.newUserName !== undefined ? checkName('user', input.newUserName, 'NewUserName') : undefined, checkPath(input.newPath, 'NewPath'));
    if (bad) return invalid(bad);
    return write(c, async (tx) => {
      const u = await tx.users.get(c.account, input.userName);
      const a = authz(c, 'UpdateUser', arnOf(c, 'user', u?.path ?? '/', input.userName));
      if (!a.ok) return a;
      if (!u) return noSuch('user', input.userName);
      // What named the old name would grant a user created later under it, and not the renamed one (review K2).
      return renamed(c, tx, 'user', u, await tx.users.update(c.account, input.userName, { ...(input.newUserName !== undefined ? { name: input.newUserName } : {}), ...(input.newPath !== undefined ? { path: input.newPath } : {}) }));
    });
  }

  async function deleteUser(c: Caller, input: { userName: string }): R<void> {
    return write(c, async (tx) => {
      const u = await tx.users.get(c.account, input.userName);
      const a = authz(c, 'DeleteUser', arnOf(c, 'user', u?.path ?? '/', input.userName));
      if (!a.ok) return a;
      if (!u) return noSuch('user', input.userName);
      const r = changedTo(c, u, await tx.users.delete(c.account, input.userName), () => null);
      // Policies that named it by name would grant a user created later under that name (review F3).
      if (r.ok) forgot(c, u, await forgetPrincipal(tx, { type: 'user', account: c.account, name: u.name, id: u.id }, now()));
      return r;
    });
  }

  async function setUserDisabled(c: Caller, input: { userName: string; disabled: boolean }): R<UserRecord> {
    return write(c, async (tx) => {
      const u = await tx.users.get(c.account, input.userName);
      const a = authz(c, 'UpdateUser', arnOf(c, 'user', u?.path ?? '/', input.userName));
      if (!a.ok) return a;
      if (!u) return noSuch('user', input.userName);
      return changedTo(c, { disabled: u.disabled }, await tx.users.update(c.account, input.userName, { disabled: input.disabled }), (x) => ({ disabled: x.disabled }));
    });
  }

  // ------------------------------------------------------------------------------------------------
  // Groups

  async function createGroup(c: Caller, input: { groupName: string; path?: string }): R<GroupRecord> {
    const path = input.path ?? '/';
    const bad = firstError(checkName('group', input.groupName), checkPath(input.path));
    if (bad) return invalid(bad);
    const a = authz(c, 'CreateGroup', arnOf(c, 'group', path, input.groupName));
    if (!a.ok) return a;
    return write(c, async (tx) => {
      if ((await tx.groups.list(c.account)).length >= QUOTAS.groupsPerAccount) return failWith('LIMIT_EXCEEDED', `Cannot exceed quota for GroupsPerAccount: ${QUOTAS.groupsPerAccount}`);
      return changedTo(c, null, await tx.groups.create({ account: c.account, name: input.groupName, path, id: newId(ID_PREFIX.group), created: now() }));
    });
  }

  async function getGroup(c: Caller, input: { groupName: string }): R<{ group: GroupRecord; users: UserRecord[] }> {
    return store.read(async (tx) => {
      const g = await tx.groups.get(c.account, input.groupName);
      const a = authz(c, 'GetGroup', arnOf(c, 'group', g?.path ?? '/', input.groupName));
      if (!a.ok) return a;
      if (!g) return noSuch('group', input.groupName);
      return ok({ group: g, users: await tx.groups.listMembers(c.account, g.name) });
    });
  }

  async function listGroups(c: Caller, input: { pathPrefix?: string }): R<GroupRecord[]> {
    const a = authz(c, 'ListGroups', arnOf(c, 'group', '/', '*'));
    if (!a.ok) return a;
    return store.read(async (tx) => ok(await tx.groups.list(c.account, input.pathPrefix !== undefined ? { pathPrefix: input.pathPrefix } : {})));
  }

  async function updateGroup(c: Caller, input: { groupName: string; newGroupName?: string; newPath?: string }): R<GroupRecord> {
    const bad = firstError(input.newGroupName !== undefined ? checkName('group', input.newGroupName, 'NewGroupName') : undefined, checkPath(input.newPath, 'NewPath'));
    if (bad) return invalid(bad);
    return write(c, async (tx) => {
      const g = await tx.groups.get(c.account, input.groupName);
      const a = authz(c, 'UpdateGroup', arnOf(c, 'group', g?.path ?? '/', input.groupName));
      if (!a.ok) return a;
      if (!g) return noSuch('group', input.groupName);
      return renamed(c, tx, 'group', g, await tx.groups.update(c.account, input.groupName, { ...(input.newGroupName !== undefined ? { name: input.newGroupName } : {}), ...(input.newPath !== undefined ? { path: input.newPath } : {}) }));
    });
  }

  async function deleteGroup(c: Caller, input: { groupName: string }): R<void> {
    return write(c, async (tx) => {
      const g = await tx.groups.get(c.account, input.groupName);
      const a = authz(c, 'DeleteGroup', arnOf(c, 'group', g?.path ?? '/', input.groupName));
      if (!a.ok) return a;
      if (!g) return noSuch('group', input.groupName);
      const r = changedTo(c, g, await tx.groups.delete(c.account, input.groupName), () => null);
      // A workspace or binding naming it would make members of a group created later under that name (review K1).
      if (r.ok) forgot(c, g, await forgetGroup(tx, { account: c.account, name: g.name, id: g.id }, now()));
      return r;
    });
  }

  async function addUserToGroup(c: Caller, input: { groupName: string; userName: string }): R<void> {
    return write(c, async (tx) => {
      const g = await tx.groups.get(c.account, input.groupName);
      const a = authz(c, 'AddUserToGroup', arnOf(c, 'group', g?.path ?? '/', input.groupName));
      if (!a.ok) return a;
      if (!g) return noSuch('group', input.groupName);
      if (!(await tx.users.get(c.account, input.userName))) return noSuch('user', input.userName);
      const current = await tx.groups.listForUser(c.account, input.userName);
      if (!current.some((x) => x.name.toLowerCase() === g.name.toLowerCase()) && current.length >= QUOTAS.groupsPerUser) {
        return failWith('LIMIT_EXCEEDED', `Cannot exceed quota for GroupsPerUser: ${QUOTAS.groupsPerUser}`);
      }
      const r = await tx.groups.addMember(c.account, g.name, input.userName);
      if (!r.ok) return fromStore(r as StoreResult<void>);
      changed(c, { groups: current.map((x) => x.name) }, { groups: await groupNamesOf(tx, c.account, input.userName) });
      return ok(undefined);
    });
  }

  async function removeUserFromGroup(c: Caller, input: { groupName: string; userName: string }): R<void> {
    return write(c, async (tx) => {
      const g = await tx.groups.get(c.account, input.groupName);
      const a = authz(c, 'RemoveUserFromGroup', arnOf(c, 'group', g?.path ?? '/', input.groupName));
      if (!a.ok) return a;
      if (!g) return noSuch('group', input.groupName);
      const current = await groupNamesOf(tx, c.account, input.userName);
      const r = await tx.groups.removeMember(c.account, g.name, input.userName);
      if (r.ok) changed(c, { groups: current }, { groups: await groupNamesOf(tx, c.account, input.userName) });
      return fromStore(r);
    });
  }

  async function listGroupsForUser(c: Caller, input: { userName: string }): R<GroupRecord[]> {
    return store.read(async (tx) => {
      const u = await tx.users.get(c.account, input.userName);
      const a = authz(c, 'ListGroupsForUser', arnOf(c, 'user', u?.path ?? '/', input.userName));
      if (!a.ok) return a;
      if (!u) return noSuch('user', input.userName);
      return ok(await tx.groups.listForUser(c.account, u.name));
    });
  }

  // ------------------------------------------------------------------------------------------------
  // Roles

  async function createRole(
    c: Caller,
    input: { roleName: string; assumeRolePolicyDocument: string; path?: string; description?: string; maxSessionDuration?: number; tags?: Tag[]; permissionsBoundary?: string },
  ): R<RoleRecord> {
    const path = input.path ?? '/';
    const bad = firstError(checkName('role', input.roleName), checkPath(input.path), checkDescription(input.description), checkMaxSessionDuration(input.maxSessionDuration), checkTags(input.tags ?? []));
    if (bad) return invalid(bad);
    const doc = checkDocument(input.assumeRolePolicyDocument, 'trust', QUOTAS.trustPolicySize, 'AssumeRolePolicyDocument', TRUST_TOO_LARGE);
    if (!doc.ok) return doc;
    const a = authz(c, 'CreateRole', arnOf(c, 'role', path, input.roleName));
    if (!a.ok) return a;
    return write(c, async (tx) => {
      if (input.permissionsBoundary !== undefined) {
        const b = await policyByArn(tx, c, input.permissionsBoundary);
        if (!b.ok) return b;
      }
      if ((await tx.roles.list(c.account)).length >= QUOTAS.rolesPerAccount) return failWith('LIMIT_EXCEEDED', `Cannot exceed quota for RolesPerAccount: ${QUOTAS.rolesPerAccount}`);
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
          permissionsBoundary: input.permissionsBoundary ?? null,
        }),
      );
    });
  }

  async function getRole(c: Caller, input: { roleName: string }): R<RoleRecord> {
    return store.read(async (tx) => {
      const r = await tx.roles.get(c.account, input.roleName);
      const a = authz(c, 'GetRole', arnOf(c, 'role', r?.path ?? '/', input.roleName));
      if (!a.ok) return a;
      return r ? ok(r) : noSuch('role', input.roleName);
    });
  }

  async function listRoles(c: Caller, input: { pathPrefix?: string }): R<RoleRecord[]> {
    const a = authz(c, 'ListRoles', arnOf(c, 'role', '/', '*'));
    if (!a.ok) return a;
    return store.read(async (tx) => ok(await tx.roles.list(c.account, input.pathPrefix !== undefined ? { pathPrefix: input.pathPrefix } : {})));
  }

  async function updateRole(c: Caller, input: { roleName: string; description?: string; maxSessionDuration?: number }): R<RoleRecord> {
    const bad = firstError(checkDescription(input.description), checkMaxSessionDuration(input.maxSessionDuration));
    if (bad) return invalid(bad);
    return write(c, async (tx) => {
      const r = await tx.roles.get(c.account, input.roleName);
      const a = authz(c, 'UpdateRole', arnOf(c, 'role', r?.path ?? '/', input.roleName));
      if (!a.ok) return a;
      if (!r) return noSuch('role', input.roleName);
      return changedTo(
        c,
        { description: r.description, maxSessionDuration: r.maxSessionDuration },
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
      const r = await tx.roles.get(c.account, input.roleName);
      const a = authz(c, 'UpdateAssumeRolePolicy', arnOf(c, 'role', r?.path ?? '/', input.roleName));
      if (!a.ok) return a;
      if (!r) return noSuch('role', input.roleName);
      return changedTo(c, { trustPolicy: r.trustPolicy }, await tx.roles.update(c.account, input.roleName, { trustPolicy: input.policyDocument }), (x) => ({ trustPolicy: x.trustPolicy }));
    });
  }

  async function deleteRole(c: Caller, input: { roleName: string }): R<void> {
    return write(c, async (tx) => {
      const r = await tx.roles.get(c.account, input.roleName);
      const a = authz(c, 'DeleteRole', arnOf(c, 'role', r?.path ?? '/', input.roleName));
      if (!a.ok) return a;
      if (!r) return noSuch('role', input.roleName);
      const d = changedTo(c, r, await tx.roles.delete(c.account, input.roleName), () => null);
      if (d.ok) forgot(c, r, await forgetPrincipal(tx, { type: 'role', account: c.account, name: r.name, id: r.id }, now()));
      return d;
    });
  }

  // ------------------------------------------------------------------------------------------------
  // Permissions boundaries and tags (users and roles)

  async function putPermissionsBoundary(c: Caller, type: 'user' | 'role', input: { name: string; permissionsBoundary: string }): R<void> {
    return write(c, async (tx) => {
      const path = await pathOf(tx, type, c.account, input.name);
      const a = authz(c, type === 'user' ? 'PutUserPermissionsBoundary' : 'PutRolePermissionsBoundary', arnOf(c, type, path, input.name));
      if (!a.ok) return a;
      const e = await entityOf(tx, type, c.account, input.name);
      if (!e) return noSuch(type, input.name);
      const b = await policyByArn(tx, c, input.permissionsBoundary);
      if (!b.ok) return b;
      const r = type === 'user' ? await tx.users.update(c.account, input.name, { permissionsBoundary: b.value.arn }) : await tx.roles.update(c.account, input.name, { permissionsBoundary: b.value.arn });
      if (!r.ok) return fromStore(r as StoreResult<void>);
      changed(c, { permissionsBoundary: e.permissionsBoundary }, { permissionsBoundary: r.value.permissionsBoundary });
      return ok(undefined);
    });
  }

  async function deletePermissionsBoundary(c: Caller, type: 'user' | 'role', input: { name: string }): R<void> {
    return write(c, async (tx) => {
      const path = await pathOf(tx, type, c.account, input.name);
      const a = authz(c, type === 'user' ? 'DeleteUserPermissionsBoundary' : 'DeleteRolePermissionsBoundary', arnOf(c, type, path, input.name));
      if (!a.ok) return a;
      const e = await entityOf(tx, type, c.account, input.name);
      if (!e) return noSuch(type, input.name);
      const r = type === 'user' ? await tx.users.update(c.account, input.name, { permissionsBoundary: null }) : await tx.roles.update(c.account, input.name, { permissionsBoundary: null });
      if (!r.ok) return fromStore(r as StoreResult<void>);
      changed(c, { permissionsBoundary: e.permissionsBoundary }, { permissionsBoundary: r.value.permissionsBoundary });
      return ok(undefined);
    });
  }

  async function tagEntity(c: Caller, type: 'user' | 'role', input: { name: string; tags: Tag[] }): R<void> {
    return write(c, async (tx) => {
      const e = type === 'user' ? await tx.users.get(c.account, input.name) : await tx.roles.get(c.account, input.name);
      const a = authz(c, type === 'user' ? 'TagUser' : 'TagRole', arnOf(c, type, e?.path ?? '/', input.name));
      if (!a.ok) return a;
      if (!e) return noSuch(type, input.name);
      const bad = checkTags(input.tags, e.tags);
      if (bad) return bad.includes('at most') ? failWith('LIMIT_EXCEEDED', bad) : invalid(bad);
      const tags = mergeTags(e.tags, input.tags);
      const r = type === 'user' ? await tx.users.update(c.account, input.name, { tags }) : await tx.roles.update(c.account, input.name, { tags });
      if (!r.ok) return fromStore(r as StoreResult<void>);
      changed(c, { tags: e.tags }, { tags: r.value.tags });
      return ok(undefined);
    });
  }

  async function untagEntity(c: Caller, type: 'user' | 'role', input: { name: string; tagKeys: string[] }): R<void> {
    return write(c, async (tx) => {
      const e = type === 'user' ? await tx.users.get(c.account, input.name) : await tx.roles.get(c.account, input.name);
      const a = authz(c, type === 'user' ? 'UntagUser' : 'UntagRole', arnOf(c, type, e?.path ?? '/', input.name));
      if (!a.ok) return a;
      if (!e) return noSuch(type, input.name);
      const drop = new Set(input.tagKeys.map((k) => k.toLowerCase()));
      const tags = e.tags.filter((t) => !drop.has(t.key.toLowerCase()));
      const r = type === 'user' ? await tx.users.update(c.account, input.name, { tags }) : await tx.roles.update(c.account, input.name, { tags });
      if (!r.ok) return fromStore(r as StoreResult<void>);
      changed(c, { tags: e.tags }, { tags: r.value.tags });
      return ok(undefined);
    });
  }

  async function listTags(c: Caller, type: 'user' | 'role', input: { name: string }): R<readonly Tag[]> {
    return store.read(async (tx) => {
      const e = type === 'user' ? await tx.users.get(c.account, input.name) : await tx.roles.get(c.account, input.name);
      const a = authz(c, type === 'user' ? 'ListUserTags' : 'ListRoleTags', arnOf(c, type, e?.path ?? '/', input.name));
      if (!a.ok) return a;
      return e ? ok(e.tags) : noSuch(type, input.name);
    });
  }

  // ------------------------------------------------------------------------------------------------
  // Managed policies and versions

  async function createPolicy(c: Caller, input: { policyName: string; policyDocument: string; path?: string; description?: string }): R<PolicyRecord> {
    const path = input.path ?? '/';
    const bad = firstError(checkName('policy', input.policyName), checkPath(input.path), checkDescription(input.description));
    if (bad) return invalid(bad);
    const doc = checkDocument(input.policyDocument, 'identity', QUOTAS.managedPolicySize, 'PolicyDocument', MANAGED_TOO_LARGE);
    if (!doc.ok) return doc;
    const arn = arnOf(c, 'policy', path, input.policyName);
    const a = authz(c, 'CreatePolicy', arn);
    if (!a.ok) return a;
    return write(c, async (tx) => {
      if ((await tx.policies.list(c.account)).length >= QUOTAS.customerManagedPoliciesPerAccount) {
        return failWith('LIMIT_EXCEEDED', `Cannot exceed quota for PoliciesPerAccount: ${QUOTAS.customerManagedPoliciesPerAccount}`);
      }
      const t = now();
      const r = await tx.policies.create({ account: c.account, name: input.policyName, path, id: newId(ID_PREFIX.policy), arn, description: input.description ?? '', created: t, document: input.policyDocument });
      if (r.ok) changed(c, null, await policyView(tx, r.value));
      return fromStore(r);
    });
  }

  async function getPolicy(c: Caller, input: { policyArn: string }): R<PolicyRecord & { attachmentCount: number }> {
    const a = authz(c, 'GetPolicy', input.policyArn);
    if (!a.ok) return a;
    return store.read(async (tx) => {
      const p = await policyByArn(tx, c, input.policyArn);
      if (!p.ok) return p;
      return ok({ ...p.value, attachmentCount: await attachmentsInAccount(tx, c.account, p.value) });
    });
  }

  async function listPolicies(c: Caller, input: { scope?: 'All' | 'AWS' | 'Local'; onlyAttached?: boolean; pathPrefix?: string }): R<(PolicyRecord & { attachmentCount: number })[]> {
    const a = authz(c, 'ListPolicies', arnOf(c, 'policy', '/', '*'));
    if (!a.ok) return a;
    const scope = input.scope ?? 'All';
    if (!['All', 'AWS', 'Local'].includes(scope)) return invalid('Scope must be All, AWS or Local', 'Scope');
    return store.read(async (tx) => {
      const opts = input.pathPrefix !== undefined ? { pathPrefix: input.pathPrefix } : {};
      const local = scope === 'AWS' ? [] : await tx.policies.list(c.account, opts);
      const builtin = scope === 'Local' ? [] : await tx.policies.list('aws', opts);
      const out: (PolicyRecord & { attachmentCount: number })[] = [];
      for (const p of [...builtin, ...local]) {
        const n = await attachmentsInAccount(tx, c.account, p);
        if (input.onlyAttached && n === 0) continue;
        out.push({ ...p, attachmentCount: n });
      }
      return ok(out);
    });
  }

  async function deletePolicy(c: Caller, input: { policyArn: string }): R<void> {
    const a = authz(c, 'DeletePolicy', input.policyArn);
    if (!a.ok) return a;
    return write(c, async (tx) => {
      const p = await policyByArn(tx, c, input.policyArn);
      if (!p.ok) return p;
      if (p.value.account === 'aws') return failWith('INVALID_INPUT', 'Built-in managed policies cannot be deleted.');
      const was = await policyView(tx, p.value);
      return changedTo(c, was, await tx.policies.delete(p.value.arn), () => null);
    });
  }

  async function createPolicyVersion(c: Caller, input: { policyArn: string; policyDocument: string; setAsDefault?: boolean }): R<PolicyVersionRecord> {
    const doc = checkDocument(input.policyDocument, 'identity', QUOTAS.managedPolicySize, 'PolicyDocument', MANAGED_TOO_LARGE);
    if (!doc.ok) return doc;
    const a = authz(c, 'CreatePolicyVersion', input.policyArn);
    if (!a.ok) return a;
    return write(c, async (tx) => {
      const p = await policyByArn(tx, c, input.policyArn);
      if (!p.ok) return p;
      if (p.value.account === 'aws') return failWith('INVALID_INPUT', 'Built-in managed policies cannot be changed.');
      const was = await tx.policies.getDefaultVersion(p.value.arn);
      const r = await tx.policies.createVersion(p.value.arn, { document: input.policyDocument, setAsDefault: input.setAsDefault === true, created: now() });
      if (!r.ok && r.error.code === 'LIMIT_EXCEEDED') return failWith('LIMIT_EXCEEDED', `A managed policy can have up to ${QUOTAS.policyVersions} versions. Before you create a new version, you must delete an existing version.`);
      // The default version is the enforced document: recorded on both sides, so a new default shows what it replaced.
      if (r.ok) changed(c, { defaultVersion: was ?? null }, { version: r.value, defaultVersion: (await tx.policies.getDefaultVersion(p.value.arn)) ?? null });
      return fromStore(r);
    });
  }

  async function getPolicyVersion(c: Caller, input: { policyArn: string; versionId: string }): R<PolicyVersionRecord> {
    const a = authz(c, 'GetPolicyVersion', input.policyArn);
    if (!a.ok) return a;
    return store.read(async (tx) => {
      const p = await policyByArn(tx, c, input.policyArn);
      if (!p.ok) return p;
      const v = await tx.policies.getVersion(p.value.arn, input.versionId);
      return v ? ok(v) : failWith('NO_SUCH_ENTITY', `Policy ${input.policyArn} version ${input.versionId} does not exist or is not attachable.`);
    });
  }

  async function listPolicyVersions(c: Caller, input: { policyArn: string }): R<PolicyVersionRecord[]> {
    const a = authz(c, 'ListPolicyVersions', input.policyArn);
    if (!a.ok) return a;
    return store.read(async (tx) => {
      const p = await policyByArn(tx, c, input.policyArn);
      if (!p.ok) return p;
      return ok(await tx.policies.listVersions(p.value.arn));
    });
  }

  async function setDefaultPolicyVersion(c: Caller, input: { policyArn: string; versionId: string }): R<void> {
    const a = authz(c, 'SetDefaultPolicyVersion', input.policyArn);
    if (!a.ok) return a;
    return write(c, async (tx) => {
      const p = await policyByArn(tx, c, input.policyArn);
      if (!p.ok) return p;
      if (p.value.account === 'aws') return failWith('INVALID_INPUT', 'Built-in managed policies cannot be changed.');
      const was = await tx.policies.getDefaultVersion(p.value.arn);
      const r = await tx.policies.setDefaultVersion(p.value.arn, input.versionId, now());
      if (r.ok) changed(c, { defaultVersion: was ?? null }, { defaultVersion: (await tx.policies.getDefaultVersion(p.value.arn)) ?? null });
      return fromStore(r);
    });
  }

  async function deletePolicyVersion(c: Caller, input: { policyArn: string; versionId: string }): R<void> {
    const a = authz(c, 'DeletePolicyVersion', input.policyArn);
    if (!a.ok) return a;
    return write(c, async (tx) => {
      const p = await policyByArn(tx, c, input.policyArn);
      if (!p.ok) return p;
      if (p.value.account === 'aws') return failWith('INVALID_INPUT', 'Built-in managed policies cannot be changed.');
      const was = await tx.policies.getVersion(p.value.arn, input.versionId);
      return changedTo(c, was, await tx.policies.deleteVersion(p.value.arn, input.versionId), () => null);
    });
  }

  // ------------------------------------------------------------------------------------------------
  // Attachments and inline policies (users, groups, roles)

  const ACTION_NAME: Record<PrincipalType, string> = { user: 'User', group: 'Group', role: 'Role' };

  async function attachPolicy(c: Caller, type: PrincipalType, input: { name: string; policyArn: string }): R<void> {
    return write(c, async (tx) => {
      const path = await pathOf(tx, type, c.account, input.name);
      const a = authz(c, `Attach${ACTION_NAME[type]}Policy`, arnOf(c, type, path, input.name), { 'iam:PolicyARN': input.policyArn });
      if (!a.ok) return a;
      if (!(await exists(tx, type, c.account, input.name))) return noSuch(type, input.name);
      const p = await policyByArn(tx, c, input.policyArn);
      if (!p.ok) return p;
      const ref: PrincipalRef = { type, account: c.account, name: input.name };
      const current = await tx.attachments.listForPrincipal(ref);
      if (!current.includes(p.value.arn) && current.length >= QUOTAS.managedPoliciesPerEntity) {
        return failWith('LIMIT_EXCEEDED', `Cannot exceed quota for PoliciesPer${ACTION_NAME[type]}: ${QUOTAS.managedPoliciesPerEntity}`);
      }
      const r = await tx.attachments.attach(ref, p.value.arn);
      if (!r.ok) return fromStore(r as StoreResult<void>);
      changed(c, { attachedPolicies: current }, { attachedPolicies: await tx.attachments.listForPrincipal(ref) });
      return ok(undefined);
    });
  }

  async function detachPolicy(c: Caller, type: PrincipalType, input: { name: string; policyArn: string }): R<void> {
    return write(c, async (tx) => {
      const path = await pathOf(tx, type, c.account, input.name);
      const a = authz(c, `Detach${ACTION_NAME[type]}Policy`, arnOf(c, type, path, input.name), { 'iam:PolicyARN': input.policyArn });
      if (!a.ok) return a;
      if (!(await exists(tx, type, c.account, input.name))) return noSuch(type, input.name);
      const ref: PrincipalRef = { type, account: c.account, name: input.name };
      const current = await tx.attachments.listForPrincipal(ref);
      const r = await tx.attachments.detach(ref, input.policyArn);
      if (r.ok) changed(c, { attachedPolicies: current }, { attachedPolicies: await tx.attachments.listForPrincipal(ref) });
      return fromStore(r);
    });
  }

  async function listAttachedPolicies(c: Caller, type: PrincipalType, input: { name: string }): R<PolicyRecord[]> {
    return store.read(async (tx) => {
      const path = await pathOf(tx, type, c.account, input.name);
      const a = authz(c, `ListAttached${ACTION_NAME[type]}Policies`, arnOf(c, type, path, input.name));
      if (!a.ok) return a;
      if (!(await exists(tx, type, c.account, input.name))) return noSuch(type, input.name);
      const out: PolicyRecord[] = [];
      for (const arn of await tx.attachments.listForPrincipal({ type, account: c.account, name: input.name })) {
        const p = await tx.policies.getByArn(arn);
        if (p) out.push(p);
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
      const path = await pathOf(tx, type, c.account, input.name);
      const a = authz(c, `Put${ACTION_NAME[type]}Policy`, arnOf(c, type, path, input.name));
      if (!a.ok) return a;
      if (!(await exists(tx, type, c.account, input.name))) return noSuch(type, input.name);
      const ref: PrincipalRef = { type, account: c.account, name: input.name };
      let total = nonWhitespaceLength(input.policyDocument);
      for (const p of await tx.inlinePolicies.list(ref)) if (p.name.toLowerCase() !== input.policyName.toLowerCase()) total += nonWhitespaceLength(p.document);
      if (total > limit) return failWith('LIMIT_EXCEEDED', `Maximum policy size of ${limit} bytes exceeded for ${type} ${input.name}`);
      const was = await tx.inlinePolicies.get(ref, input.policyName);
      const r = await tx.inlinePolicies.put(ref, input.policyName, input.policyDocument);
      if (!r.ok) return fromStore(r as StoreResult<void>);
      changed(c, inlineView(was), inlineView(r.value));
      return ok(undefined);
    });
  }

  async function getInlinePolicy(c: Caller, type: PrincipalType, input: { name: string; policyName: string }): R<InlinePolicyRecord> {
    return store.read(async (tx) => {
      const path = await pathOf(tx, type, c.account, input.name);
      const a = authz(c, `Get${ACTION_NAME[type]}Policy`, arnOf(c, type, path, input.name));
      if (!a.ok) return a;
      if (!(await exists(tx, type, c.account, input.name))) return noSuch(type, input.name);
      const p = await tx.inlinePolicies.get({ type, account: c.account, name: input.name }, input.policyName);
      return p ? ok(p) : failWith('NO_SUCH_ENTITY', `The ${type} policy with name ${input.policyName} cannot be found.`);
    });
  }

  async function deleteInlinePolicy(c: Caller, type: PrincipalType, input: { name: string; policyName: string }): R<void> {
    return write(c, async (tx) => {
      const path = await pathOf(tx, type, c.account, input.name);
      const a = authz(c, `Delete${ACTION_NAME[type]}Policy`, arnOf(c, type, path, input.name));
      if (!a.ok) return a;
      if (!(await exists(tx, type, c.account, input.name))) return noSuch(type, input.name);
      const ref: PrincipalRef = { type, account: c.account, name: input.name };
      const was = await tx.inlinePolicies.get(ref, input.policyName);
      return changedTo(c, inlineView(was), await tx.inlinePolicies.delete(ref, input.policyName), () => null);
    });
  }

  async function listInlinePolicies(c: Caller, type: PrincipalType, input: { name: string }): R<string[]> {
    return store.read(async (tx) => {
      const path = await pathOf(tx, type, c.account, input.name);
      const a = authz(c, `List${ACTION_NAME[type]}Policies`, arnOf(c, type, path, input.name));
      if (!a.ok) return a;
      if (!(await exists(tx, type, c.account, input.name))) return noSuch(type, input.name);
      return ok((await tx.inlinePolicies.list({ type, account: c.account, name: input.name })).map((p) => p.name));
    });
  }

  // ------------------------------------------------------------------------------------------------
  // Access keys

  async function createAccessKey(c: Caller, input: { userName?: string }): R<NewAccessKeyResult> {
    const name = input.userName ?? c.user?.name;
    if (!name) return invalid('UserName is required when the caller is not a user', 'UserName');
    return write(c, async (tx) => {
      const u = await tx.users.get(c.account, name);
      const a = authz(c, 'CreateAccessKey', arnOf(c, 'user', u?.path ?? '/', name));
      if (!a.ok) return a;
      if (!u) return noSuch('user', name);
      if ((await tx.accessKeys.listForUser(c.account, u.name)).length >= QUOTAS.accessKeysPerUser) {
        return failWith('LIMIT_EXCEEDED', `Cannot exceed quota for AccessKeysPerUser: ${QUOTAS.accessKeysPerUser}`);
      }
      const r = await issueAccessKey(tx, c.partition, u);
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

  async function keyOf(tx: ReadTx, c: Caller, userName: string | undefined, accessKeyId: string): Promise<Result<{ key: AccessKeyRecord; user: UserRecord }>> {
    const name = userName ?? c.user?.name;
    if (!name) return invalid('UserName is required when the caller is not a user', 'UserName');
    const u = await tx.users.get(c.account, name);
    if (!u) return noSuch('user', name);
    const k = await tx.accessKeys.get(accessKeyId);
    if (!k || k.account !== c.account || k.userName.toLowerCase() !== u.name.toLowerCase()) return failWith('NO_SUCH_ENTITY', `The Access Key with id ${accessKeyId} cannot be found.`);
    return ok({ key: k, user: u });
  }

  async function updateAccessKey(c: Caller, input: { userName?: string; accessKeyId: string; status: string }): R<void> {
    if (input.status !== 'Active' && input.status !== 'Inactive') return invalid('Status must be Active or Inactive', 'Status');
    const status = input.status;
    return write(c, async (tx) => {
      const name = input.userName ?? c.user?.name ?? '';
      const u = await tx.users.get(c.account, name);
      const a = authz(c, 'UpdateAccessKey', arnOf(c, 'user', u?.path ?? '/', name));
      if (!a.ok) return a;
      const k = await keyOf(tx, c, input.userName, input.accessKeyId);
      if (!k.ok) return k;
      const id = k.value.key.id;
      const r = await tx.accessKeys.setStatus(id, status);
      if (r.ok) {
        const stored = await tx.accessKeys.get(id);
        changed(c, { accessKeyId: id, status: k.value.key.status }, stored ? { accessKeyId: id, status: stored.status } : null);
      }
      return fromStore(r);
    });
  }

  async function deleteAccessKey(c: Caller, input: { userName?: string; accessKeyId: string }): R<void> {
    return write(c, async (tx) => {
      const name = input.userName ?? c.user?.name ?? '';
      const u = await tx.users.get(c.account, name);
      const a = authz(c, 'DeleteAccessKey', arnOf(c, 'user', u?.path ?? '/', name));
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
      const u = await tx.users.get(c.account, name);
      const a = authz(c, 'ListAccessKeys', arnOf(c, 'user', u?.path ?? '/', name));
      if (!a.ok) return a;
      if (!u) return noSuch('user', name);
      return ok(await tx.accessKeys.listForUser(c.account, u.name));
    });
  }

  async function getAccessKeyLastUsed(c: Caller, input: { accessKeyId: string }): R<AccessKeyRecord> {
    return store.read(async (tx) => {
      const k = await tx.accessKeys.get(input.accessKeyId);
      const u = k ? await tx.users.get(k.account, k.userName) : undefined;
      const a = authz(c, 'GetAccessKeyLastUsed', arnOf(c, 'user', u?.path ?? '/', k?.userName ?? '*'));
      if (!a.ok) return a;
      if (!k || k.account !== c.account) return failWith('NO_SUCH_ENTITY', `The Access Key with id ${input.accessKeyId} cannot be found.`);
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
    putPermissionsBoundary: audited(putPermissionsBoundary),
    deletePermissionsBoundary: audited(deletePermissionsBoundary),
    tagEntity: audited(tagEntity),
    untagEntity: audited(untagEntity),
    listTags,
    createPolicy: audited(createPolicy),
    getPolicy,
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
  };
}

export type { EntityKind };
