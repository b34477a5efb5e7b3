/**
 * The application: the one API that HTTP, CLI and agent call. `createApp` wires the use cases to their
 * ports; edges hold no business rules.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { PROVIDER_PREFIX } from './oidc-provider-keys.ts';
import { failWith, ok, type Result } from '../core/errors.ts';
import { principalFromArn } from '../core/iam/index.ts';
import { bootstrap, createAccount, listAccounts, ROOT_ACCOUNT, type AdminCredentials } from './accounts.ts';
import type { AppDeps } from './deps.ts';
import type { AccessKeyRecord, RoleLastUsed, RoleRecord, Store, UserRecord } from './ports/store.ts';
import { createDirectory } from './directory.ts';
import { decidedOnRole, PolicyCache, resolveAccessKey, userArn, type Caller } from './principals.ts';
import { roleArnOf } from '../core/sts/session.ts';
import { KEYRING_KV, LiveState, userKey, type KeyEntry } from './live.ts';
import { isStoreUnavailable } from './ports/store.ts';
import { createSts } from './sts.ts';
import { SessionScopes } from './session-scopes.ts';
import { createJobs, jobPlaceOf } from './jobs.ts';
import { BUCKET_OWNER_PREFIX, bucketOwnerAccount, ResourcePolicies } from './resource-policies.ts';
import { unreadableLog } from './unreadable-policy.ts';
import { createBindings, type JobContainerOf } from './bindings.ts';
import { jobContainerArn } from '../core/jobs/jobs.ts';
import { createAuthorizer, type AuthorizeEngine } from './authorize.ts';
import { auditedAuthorizer, createAudit, type AuditOptions } from './audit.ts';
import type { ProofAudiences } from './proof-audiences.ts';
import { keyOwner } from './auth-failures.ts';
import { createRevocation, ROTATE_KEYS_ACTION, SESSION_KEYS_RESOURCE } from './revocation.ts';
import { createKeyUse } from './key-use.ts';
import { createWhoCan, federatedUsersNamed } from './who-can.ts';
import { createEscalation } from './escalation.ts';
import { ACCESS_ENTRY_KIND, accessEntryKey, kubePrefix } from './kube-apply.ts';
import type { AccessEntry } from '../core/kube/index.ts';
import type { BoundRole, SubjectAllowed } from '../core/rbac/index.ts';
import { createAccountReports } from './account-reports.ts';
import { getAccountAuthorizationDetails } from './simulate.ts';
import { createOidc } from './oidc.ts';
import { serialReload } from './serial-reload.ts';
import { decodeAuthorizationMessage, encodeAuthorizationMessage, type DeniedRequest } from './authz-message.ts';
import type { Decision } from '../core/iam/index.ts';

export type { AppDeps, SecretSealer } from './deps.ts';
export type { Caller } from './principals.ts';
export type { AdminCredentials } from './accounts.ts';
export { ROOT_ACCOUNT, ADMIN_USER } from './accounts.ts';
export type { Directory } from './directory.ts';
export type { ListedKey, ListedKeys, Revocation, Revoked, RevokeTarget, RotatedKey } from './revocation.ts';
export type { IssuedWorkloadToken, Oidc, OidcProvider, WebIdentityParams, WebIdentityResult } from './oidc.ts';
export type { DeniedRequest } from './authz-message.ts';
export type { Audit, AuditOptions, AuditStatus, AuditPage, VerifyReport } from './audit.ts';
export type { AppMetrics } from './metrics.ts';
export type { ProofAudiences } from './proof-audiences.ts';

export interface AppOptions {
  /** Lifetime of job sessions in seconds (tests shorten it to watch refreshes). */
  readonly jobSessionSeconds?: number;
  /** How long a console sign-in may go without a request before the server refuses and ends it, in seconds (default 1,800: the console's own). */
  readonly consoleIdleSeconds?: number;
  /** How long a job's launcher may stay silent before the job is marked Failed, in ms (default 30,000). */
  readonly jobHeartbeatTimeoutMs?: number;
  /** Further engines of the authorize union (bindings, RBAC). */
  readonly engines?: readonly AuthorizeEngine[];
  /** The audit log: failure policy, allow sampling, retention (src/app/audit.ts). */
  readonly audit?: AuditOptions;
  /** Where the app reports trouble an operator must see (audit backlog, store outage). */
  readonly log?: (line: string) => void;
  /** Console sign-ins whose last use one instance holds in memory at most (src/app/sts.ts `MAX_CONSOLE_USES_HELD`; tests lower it). */
  readonly maxConsoleUsesHeld?: number;
  /** Scoped sessions one account may hold at once (src/app/session-scopes.ts `MAX_SCOPED_SESSIONS`; tests lower it). */
  readonly maxScopedSessions?: number;
  /** Live jobs one account may keep at once (src/app/jobs.ts `MAX_LIVE_JOBS`; tests lower it). */
  readonly maxLiveJobs?: number;
  /**
   * `GATEHOUSE_AUTHORIZE_PROOF_AUDIENCES`: every `principalProof` must be bound to an audience its question names (one
   * of those listed, when listed); absent, an unbound proof without `audience` is decided (src/app/proof-audiences.ts).
   */
  readonly proofAudiences?: ProofAudiences;
}

/** A caller's watch on one stored key through the writes `fn` makes (`App.watchWrites`). */
interface WriteWatch {
  readonly key: string;
  /** Called once, as the first write that changed the key commits: what it held before and after (`undefined`: nothing). */
  readonly committed: (before: string | undefined, after: string | undefined) => void;
  /** Told, or no longer watching: later writes are not looked at. */
  done: boolean;
}
const writeWatches = new AsyncLocalStorage<WriteWatch>();

export function createApp(rawDeps: AppDeps, options: AppOptions = {}) {
  // Read-your-writes on this instance: once a write commits, what it changed is read and compiled again before the
  // write returns (the live state, resource policies); other instances follow within a tick. Until it is, the old
  // entries keep serving; a reload that fails (the database went away just after the commit) is retried by the
  // change follower, and the write has still happened.
  let afterWrite = async (): Promise<void> => {};
  const raw = rawDeps.store;
  const store: Store = {
    get dialect() {
      return raw.dialect;
    },
    get migrations() {
      return raw.migrations;
    },
    read: (fn, options) => raw.read(fn, options),
    write: async (fn, options) => {
      // A caller watching one key (`watchWrites`: the admin API's edge, which records changes made by routes): what it
      // held before and after, read in this write's own transaction (its last attempt's, a retried one running again).
      const watch = writeWatches.getStore();
      let seen: { before: string | undefined; after: string | undefined } | undefined;
      const run: typeof fn =
        watch === undefined || watch.done
          ? fn
          : async (tx, abort) => {
              seen = undefined;
              const before = await tx.kv.get(watch.key);
              const value = await fn(tx, abort);
              seen = { before, after: await tx.kv.get(watch.key) };
              return value;
            };
      const result = await raw.write(run);
      // Recorded before the reload, which reads the database: a process killed meanwhile keeps the record (review iw, 3).
      options?.committed?.(result);
      // A write that changed the watched key: told as it commits, once, before the reload (review ji, 1).
      if (watch !== undefined && !watch.done && seen !== undefined && seen.before !== seen.after) {
        watch.done = true;
        watch.committed(seen.before, seen.after);
      }
      await afterWrite();
      return result;
    },
    close: () => raw.close(),
  };
  // The audit log writes through the raw store: its appends move no change head and must drop no cache.
  // The audit gate also closes while this instance knows the store to be unreachable (its last refresh failed).
  let storeReachable = (): boolean => true;
  const audit = createAudit(
    {
      store: raw,
      now: rawDeps.now,
      storeReachable: () => storeReachable(),
      ...(options.log ? { log: options.log } : {}),
      ...(rawDeps.metrics ? { metrics: rawDeps.metrics } : {}),
      ...(rawDeps.auditAppender ? { appender: rawDeps.auditAppender } : {}),
      ...(rawDeps.auditSpool ? { spool: rawDeps.auditSpool } : {}),
      ...(rawDeps.auditJournal ? { journal: rawDeps.auditJournal } : {}),
      ...(rawDeps.auditKeyedNote ? { keyedNote: rawDeps.auditKeyedNote } : {}),
      ...(rawDeps.chainDigest ? { chainDigest: rawDeps.chainDigest } : {}),
      randomBytes: (n) => rawDeps.randomBytes(n),
    },
    options.audit,
  );
  const deps: AppDeps = { ...rawDeps, store, audit };
  // A stored policy that no longer parses fails closed, and is logged once, whichever cache compiles it first.
  const unreadable = unreadableLog(options.log);
  const cache = new PolicyCache(undefined, unreadable);
  // Last use of access keys: bookkeeping through the raw store too (it changes nothing any cache holds).
  const keyUse = createKeyUse({ store: raw, now: rawDeps.now, ...(options.log ? { log: options.log } : {}) });
  const rawDirectory = createDirectory(deps);
  // What the store holds, or this instance's newer note of the key's use (written within a minute).
  const withLatestUse = (k: AccessKeyRecord): AccessKeyRecord => {
    const lastUsed = keyUse.latest(k.id, k.lastUsed);
    return lastUsed === k.lastUsed ? k : { ...k, lastUsed };
  };
  const directory = {
    ...rawDirectory,
    /**
     * GetRole with when the role was last assumed (`RoleLastUsed`): what the store holds, or this instance's newer note
     * (written within a minute); null when no session of it was issued since Gatehouse records it.
     */
    getRole: async (c: Caller, input: { roleName: string }): Promise<Result<RoleRecord & { readonly lastUsed: RoleLastUsed | null }>> => {
      const r = await rawDirectory.getRole(c, input);
      if (!r.ok) return r;
      const stored = await raw.read((tx) => tx.roles.getLastUsed(r.value.id));
      return ok({ ...r.value, lastUsed: keyUse.latestRole(r.value.id, stored) });
    },
    /**
     * ListRoles with each role's last use, as `getRole` answers it: for the admin API's listing, which shows it as its
     * listing of access keys shows theirs. IAM's ListRoles leaves it out, so `listRoles` reads no more than it did.
     */
    listRolesWithLastUsed: async (c: Caller, input: Parameters<typeof rawDirectory.listRoles>[1]): Promise<Result<(RoleRecord & { readonly lastUsed: RoleLastUsed | null })[]>> => {
      const r = await rawDirectory.listRoles(c, input);
      if (!r.ok) return r;
      const stored: ReadonlyMap<string, RoleLastUsed> = r.value.length === 0 ? new Map() : await raw.read((tx) => tx.roles.listLastUsed(c.account));
      return ok(r.value.map((x) => ({ ...x, lastUsed: keyUse.latestRole(x.id, stored.get(x.id) ?? null) })));
    },
    getAccessKeyLastUsed: async (...a: Parameters<typeof rawDirectory.getAccessKeyLastUsed>) => {
      const r = await rawDirectory.getAccessKeyLastUsed(...a);
      return r.ok ? ok(withLatestUse(r.value)) : r;
    },
    listAccessKeys: async (...a: Parameters<typeof rawDirectory.listAccessKeys>) => {
      const r = await rawDirectory.listAccessKeys(...a);
      return r.ok ? ok(r.value.map(withLatestUse)) : r;
    },
  };
  const live = new LiveState(deps, unreadable);
  // Scoped sessions are recorded through the raw store: a registration changes nothing any cache holds.
  const sessionScopes = new SessionScopes({ store: raw, now: rawDeps.now, randomBytes: rawDeps.randomBytes, audit, unreadable }, options.maxScopedSessions !== undefined ? { maxPerAccount: options.maxScopedSessions } : {});
  // A role's sessions are its use (GetRole's RoleLastUsed), noted as keys' uses are.
  const sts = createSts(deps, live, cache, sessionScopes, (roleId, region) => keyUse.noteRole(roleId, region), (id) => (live.loaded ? keyFromMemory(id) : resolveAccessKey(deps, cache, id)), options.consoleIdleSeconds !== undefined ? options.consoleIdleSeconds * 1000 : undefined, raw, options.maxConsoleUsesHeld);
  const oidc = createOidc(deps, sts, cache);
  // GCP-style IAM policies: an engine of the authorize union, and the other way to pass a role (actAs).
  // A job's IAM policy is managed as lying in its workspace (review up, 1): bindings read where a job lies from jobs.
  const jobContainer: JobContainerOf = async (tx, account, id) => {
    const place = await jobPlaceOf(tx, id);
    return place === undefined || place.account !== account ? undefined : jobContainerArn(place);
  };
  const bindings = createBindings(deps, { ownerOf: (resource) => resourcePolicies.forResource(resource).account, jobContainer, ...(options.log !== undefined ? { log: options.log } : {}) });
  // The ARN a question about `action` on `resource` is decided on: a role's canonical one where the authorize API takes
  // it (`decidedOnRole`), so that who-can's grantedBeyond reads the bindings enforcement applies (review ip, 1).
  const roleDecidedOn = async (action: string, resource: string): Promise<string> => {
    const role = decidedOnRole(action) ? (await sts.roleOf(resource))?.role : undefined;
    return role === undefined ? resource : roleArnOf(role.partition, role.account, role.path, role.name);
  };
  const jobs = createJobs(deps, live, sts, cache, {
    actAs: (caller, roleArn) => bindings.actAs(caller, roleArn),
    permits: (caller, action, resource, container) => bindings.permits(caller, action, resource, undefined, container),
    ...(options.jobSessionSeconds !== undefined ? { sessionSeconds: options.jobSessionSeconds } : {}),
    ...(options.jobHeartbeatTimeoutMs !== undefined ? { heartbeatTimeoutMs: options.jobHeartbeatTimeoutMs } : {}),
    ...(options.maxLiveJobs !== undefined ? { maxLiveJobs: options.maxLiveJobs } : {}),
    ...(options.log !== undefined ? { log: options.log } : {}),
    // Heartbeats are bookkeeping too: written through the raw store, they reload no cache.
    notes: raw,
  });
  // The owner an IAM policy gives an ARN is the IAM engine's too (review hs, 1).
  const resourcePolicies = new ResourcePolicies(deps, unreadable, (resource) => bindings.ownerByPolicy(resource));
  // Engines built after the app (RBAC needs the app) join through `addAuthorizeEngine`.
  const engines: AuthorizeEngine[] = [bindings.engine, ...(options.engines ?? [])];
  // A refused `principalProof` is recorded under the claimed key's owner, as the front doors record refused sign-ins.
  const authorizer = auditedAuthorizer(createAuthorizer(deps, sts, resourcePolicies, engines, live), audit, (id, token) => keyOwner({ deps, live }, id, token));
  const keyCache = new Map<string, { secret: string; caller: Caller }>();
  let keyCacheHead = -1;
  /** Whether the last refresh reached the store: false from a failed one until one succeeds (an outage). */
  let reachable = true;
  storeReachable = () => reachable;
  /**
   * State compiled beside the app (the Kubernetes RBAC, src/app/kube.ts), reloaded by every refresh after the app's
   * own, so that what a refresh applies (a change through another instance, or this instance's write before it
   * returns) is enforced by them too, and no decision has to wait for a reload of its own.
   */
  const refreshers: { readonly name: string; readonly reload: () => Promise<void>; failing: boolean }[] = [];
  /**
   * A reload that fails for a reason other than an unreachable store (one the store is the cause of fails the whole
   * refresh, which the change follower reports) keeps the state compiled last, is said once, and is tried again by
   * each refresh; said again once it works. It does not fail the refresh: the directory and the rest were applied.
   */
  const runRefresher = async (r: (typeof refreshers)[number]): Promise<void> => {
    try {
      await r.reload();
      if (r.failing) options.log?.(`reloading ${r.name} works again`);
      r.failing = false;
    } catch (e) {
      if (isStoreUnavailable(e)) throw e;
      if (!r.failing) options.log?.(`reloading ${r.name} failed (deciding with the state compiled before; tried again on every refresh, said again once it works): ${e instanceof Error ? e.message : String(e)}`);
      r.failing = true;
    }
  };
  /**
   * The change head up to which a whole refresh has run: the directory and every state beside it (resource policies,
   * scoped sessions, bindings, the refreshers). The directory alone also moves on its own (`live.refresh` when a
   * request names a key, principal or policy it does not hold), leaving the rest behind: a notification compared with
   * its head was taken as applied, and the change reached those states only at the next poll (review eu, 2).
   */
  let refreshedHead = -1;
  /** The directory's `restores` that `refreshedHead` has followed back. */
  let restoresSeen = 0;
  /**
   * The resource policies and the registry of scoped sessions brought up to the change head, one read at a time, each
   * begun after the call (`serialReload`, as the directory, the bindings and the RBAC queue theirs). Refreshes overlap
   * (a change notification's, and the one after each write through this instance): run side by side, one that read an
   * older head and finished last put back that older state — the registry read whole again at the older head, which
   * dropped a scoped session registered in between, so that its ARN was decided with its role's whole rights here until
   * something else changed (review fh, 1).
   */
  const refreshBeside = serialReload(async () => {
    const policies = await deps.store.read(async (tx) => {
      const head = await tx.changes.head();
      const read = await resourcePolicies.read(head, tx);
      await sessionScopes.refresh(tx, head);
      return read;
    });
    // Compiled after the transaction, letting the event loop turn, and put in place whole (review jv, 2).
    if (policies !== undefined) await resourcePolicies.load(policies);
  });
  const refresh = async (): Promise<void> => {
    try {
      await live.refresh();
      // Each state below reads a change head at least this one, and none goes back.
      const head = live.head;
      const restores = live.restores;
      // A restore the directory found: the states beside it read everything again. One whose head went back would by
      // itself, but the head may have passed its old value since the restore, and then the changes past it are not all
      // that changed (review qp, 2).
      if (restores > restoresSeen) {
        resourcePolicies.forget();
        sessionScopes.forget();
        bindings.forget();
      }
      await refreshBeside();
      await bindings.refresh();
      for (const r of refreshers) await runRefresher(r);
      // Back with the directory's after a restore (review jj, 5); else only forward (refreshes may end out of order).
      if (restores > restoresSeen) {
        restoresSeen = restores;
        refreshedHead = head;
      } else if (restores === restoresSeen && head > refreshedHead) refreshedHead = head;
      reachable = true;
    } catch (e) {
      if (isStoreUnavailable(e)) reachable = false;
      throw e;
    }
  };
  afterWrite = async () => {
    keyCache.clear();
    resourcePolicies.invalidate();
    await refresh().catch(() => {});
  };
  /**
   * A long-term key's secret and caller from the live state (no database read); a key it does not hold may have
   * been created a moment ago through another instance, so the change log is read up to now once before the key
   * counts as unknown. Likewise one held as inactive, or whose user is held as disabled (or not held): it may have been
   * made active, or the user enabled, through another instance a moment ago; refused at once, the key answered
   * InvalidClientTokenId there (403, which SDKs do not retry) until the next refresh (review hf, 2). Unknown, inactive,
   * or its user disabled: the same answer, which does not say which.
   */
  const keyFromMemory = async (accessKeyId: string): Promise<Result<{ secret: string; caller: Caller }>> => {
    const denied = failWith<{ secret: string; caller: Caller }>('INVALID_CLIENT_TOKEN_ID', 'The security token included in the request is invalid.');
    const usable = () => {
      const key = live.accessKey(accessKeyId);
      if (key === undefined || key.status !== 'Active') return undefined;
      const entry = live.principals.get(userKey(key.account, key.userName));
      return entry === undefined || !('user' in entry) || entry.user.disabled ? undefined : { key, entry };
    };
    let found = usable();
    if (found === undefined) {
      await live.refreshForMiss();
      found = usable();
    }
    if (found === undefined) return denied;
    const { key, entry } = found;
    const secret = deps.sealer.open(key.secret, key.id);
    if (secret === undefined) return denied;
    const p = principalFromArn(userArn(entry.partition, entry.user), { userId: entry.user.id, tags: { ...entry.tags } });
    if (!p.ok) return denied;
    return ok({ secret, caller: { principal: p.value, partition: entry.partition, account: key.account, user: entry.user, policies: entry.policies, accessKeyId } });
  };
  /** A long-term key as the live state holds it, with its user's record (undefined: not held, or not a user's). */
  const inactiveFromMemory = (accessKeyId: string): { key: KeyEntry; user: UserRecord | undefined } | undefined => {
    const key = live.accessKey(accessKeyId);
    if (key === undefined) return undefined;
    const entry = live.principals.get(userKey(key.account, key.userName));
    return { key, user: entry !== undefined && 'user' in entry ? entry.user : undefined };
  };
  /** Which paths let a principal gain more rights: steps to other principals, and ways to new rights (src/app/escalation.ts); who-can reuses its search. */
  /** The role sessions the union's engines name for a resource by their session name (review eq, 4). */
  const engineSessions = async (account: string, resource: string): Promise<string[]> => {
    // The engines joined so far (RBAC joins after the app), each brought up to date first, as a decision does.
    const out: string[] = [];
    for (const e of engines) {
      if (e.sessionsNamed === undefined) continue;
      await e.prepare?.();
      out.push(...e.sessionsNamed(account, resource));
    }
    return out;
  };
  /** The groups the union's engines allow an action on a resource to (a Kubernetes binding to a Group, review fl, 5). */
  const engineGroups = async (account: string, resource: string, action: string): Promise<string[]> => {
    const out: string[] = [];
    for (const e of engines) {
      if (e.groupsAllowed === undefined) continue;
      await e.prepare?.();
      out.push(...e.groupsAllowed(account, resource, action));
    }
    return [...new Set(out)];
  };
  /** The usernames the union's engines allow an action on a resource to (a Kubernetes binding to a User, review lr, 2). */
  const engineUsers = async (account: string, resource: string, action: string): Promise<string[]> => {
    const out: string[] = [];
    for (const e of engines) {
      if (e.usersAllowed === undefined) continue;
      await e.prepare?.();
      out.push(...e.usersAllowed(account, resource, action));
    }
    return [...new Set(out)];
  };
  /** The roles the union's engines bind a Kubernetes user to where a resource lies (review lr, 1). */
  const engineRolesBound = async (account: string, resource: string, user: { readonly name: string; readonly groups: readonly string[] }): Promise<BoundRole[]> => {
    const out: BoundRole[] = [];
    for (const e of engines) {
      if (e.rolesBound === undefined) continue;
      await e.prepare?.();
      out.push(...e.rolesBound(account, resource, user));
    }
    return out;
  };
  /** The subjects beyond the account's principals that the union's engines give an action on a resource to (review ne, 3). */
  const engineSubjects = async (account: string, resource: string, action: string): Promise<SubjectAllowed[]> => {
    const out: SubjectAllowed[] = [];
    for (const e of engines) {
      if (e.subjectsBeyond === undefined) continue;
      await e.prepare?.();
      out.push(...e.subjectsBeyond(account, resource, action));
    }
    return out;
  };
  /** The roles whose rules in the union's engines allow an action on a resource (review lr, 3). */
  const engineRolesAllowing = async (account: string, resource: string, action: string): Promise<BoundRole[]> => {
    const out: BoundRole[] = [];
    for (const e of engines) {
      if (e.rolesAllowing === undefined) continue;
      await e.prepare?.();
      out.push(...e.rolesAllowing(account, resource, action));
    }
    return out;
  };
  const escalation = createEscalation({
    sessionsNamed: engineSessions,
    groupsAllowed: engineGroups,
    rolesBound: engineRolesBound,
    usersAllowed: engineUsers,
    rolesAllowing: engineRolesAllowing,
    details: (c) => getAccountAuthorizationDetails(deps, c, {}),
    simulate: authorizer.simulate,
    principalOf: authorizer.principalOf,
    assumeDecision: sts.assumeDecision,
    workspaces: (account) => jobs.listWorkspaces(account),
    clusters: (account) => jobs.listClusters(account),
    accessKeyCount: (account, user) => deps.store.read(async (tx) => (await tx.accessKeys.listForUser(account, user)).length),
    oidcProviders: (account) => deps.store.read(async (tx) => (await tx.kv.list(`${PROVIDER_PREFIX}${account}/`)).map((row) => `arn:aws:iam::${account}:oidc-provider/${row.key.slice(`${PROVIDER_PREFIX}${account}/`.length)}`)),
    now: deps.now,
    // `k8s/<account>/<cluster>/<kind>/<namespace>/<name>`: the namespaces of its RBAC objects (access entries have none).
    podNamespaces: (account, cluster) =>
      deps.store.read(async (tx) => {
        const prefix = kubePrefix(account, cluster);
        const out = new Set<string>();
        for (const row of await tx.kv.list(prefix)) {
          const [kind = '', ns = ''] = row.key.slice(prefix.length).split('/');
          if (kind !== ACCESS_ENTRY_KIND && ns !== '') out.add(ns);
        }
        return [...out];
      }),
    accessEntryOf: (account, cluster, principalArn) =>
      deps.store.read(async (tx) => {
        const v = await tx.kv.get(accessEntryKey(account, cluster, principalArn));
        // One that cannot be read maps nothing, as the clusters' state takes it (review pi, 10).
        if (v === undefined) return undefined;
        try {
          const e = JSON.parse(v) as Partial<AccessEntry> | null;
          return e !== null && typeof e === 'object' && typeof e.name === 'string' && Array.isArray(e.kubernetesGroups) ? (e as AccessEntry) : undefined;
        } catch {
          return undefined;
        }
      }),
    // Of every resource policy the account holds, the federated users an Allow names (review gd, 2).
    federatedUsersNamed: async (account) => [...new Set(resourcePolicies.list(account).flatMap((p) => federatedUsersNamed(resourcePolicies.forResource(p.resource).policies, account).map((f) => f.principal)))].sort(),
    customRoleBindings: (account) => bindings.customRoleBindings(account),
    iamPolicyResources: (account) => bindings.iamPolicyResources(account),
    policyResources: async (account) => {
      const buckets = await deps.store.read((tx) => tx.kv.list(BUCKET_OWNER_PREFIX));
      const owned = buckets.filter((b) => bucketOwnerAccount(b.value) === account).map((b) => ({ arn: `arn:aws:s3:::${b.key.slice(BUCKET_OWNER_PREFIX.length)}`, bucket: true }));
      const held = resourcePolicies.list(account).map((p) => p.resource).filter((arn) => !owned.some((b) => b.arn === arn));
      return [...owned, ...[...new Set(held)].map((arn) => ({ arn, bucket: false }))];
    },
  });
  return {
    deps,
    /**
     * Runs `fn`, telling `committed` as soon as the first of its writes through this app's store that changed what is
     * stored under `key` commits (before that write's reload of compiled state), with what the key held before and
     * after in that transaction. For changes made by routes that record them (the admin
     * API's edge): a process killed during the reload keeps the record (review ji, 1).
     */
    watchWrites: async <T>(key: string, committed: (before: string | undefined, after: string | undefined) => void, fn: () => Promise<T>): Promise<T> => {
      const watch: WriteWatch = { key, committed, done: false };
      try {
        return await writeWatches.run(watch, fn);
      } finally {
        // Anything `fn` left running (a timer, a background task) writes unwatched from here on.
        watch.done = true;
      }
    },
    directory,
    sts,
    jobs,
    live,
    /** Revoking sessions (role, session, job, user) and rotating the session key ring. */
    revocation: createRevocation(deps, live, directory, jobs.unionRefusal),
    /** The workload identity issuer, registered OIDC providers, and AssumeRoleWithWebIdentity. */
    oidc,
    /** Seals the explanation of a refused request (the blob after `Encoded authorization failure message:`). */
    encodeAuthorizationMessage: (decision: Decision, request: DeniedRequest): string => encodeAuthorizationMessage(deps, decision, request),
    /** `sts:DecodeAuthorizationMessage`: the JSON explanation, for principals of the account it was made for. */
    decodeAuthorizationMessage: (caller: Caller, encoded: string): Result<string> => decodeAuthorizationMessage(deps, caller, encoded),
    /** The audit log: recording, queries, verification, retention (src/app/audit.ts). */
    audit,
    /** When access keys were last used: edges `note` verified requests; `stop` writes what is noted (src/app/key-use.ts). */
    keyUse,
    /** Who can reach a resource: every user and role of the caller's account, simulated (src/app/who-can.ts). */
    whoCan: createWhoCan(directory, authorizer.simulate, resourcePolicies, async (asker, action, resource, time) => { const on = await roleDecidedOn(action, resource); return bindings.grantedBeyond(asker, action, on, time, await bindings.jobContainerFor(action, on)); }, deps.now, (c, input) => escalation(c, input), undefined, { workspaces: (account) => jobs.listWorkspaces(account), session: (ws, user) => jobs.defaultJobSession(ws, user), groups: (account, names) => deps.store.read(async (tx) => (await Promise.all(names.map((n) => tx.groups.get(account, n)))).flatMap((g) => (g ? [{ name: g.name, path: g.path }] : []))) }, engineSessions, authorizer.contextFor, engineSubjects, { users: (account) => live.heldList('user', account), roles: (account) => live.heldList('role', account) }, async (asker, action, resource, time) => bindings.conditionsNotMet(asker, action, await roleDecidedOn(action, resource), time), async (asker, action, resource, time) => { const on = await roleDecidedOn(action, resource); return bindings.beyondNotMet(asker, action, on, time, await bindings.jobContainerFor(action, on)); }),
    /** ListEntitiesForPolicy, GetAccountSummary and the credential report (src/app/account-reports.ts); the report is kept through the raw store, like other bookkeeping. */
    accountReports: createAccountReports({ ...deps, store: raw }, withLatestUse),
    /** Which paths let a principal gain more rights: steps to other principals, and ways to new rights (src/app/escalation.ts). */
    escalation,
    /** Loads the key ring, revocations and OIDC signing keys; call once before serving. */
    start: async (): Promise<void> => {
      audit.start();
      keyUse.start();
      if ((await live.init()) === 'remade') {
        options.log?.(
          `the session key ring (\`${KEYRING_KV}\`) was missing from a database that holds a directory: a new key ring was made, and every session issued before it (by any instance) is refused from now on (InvalidClientTokenId); if the row was lost (deleted, or left out of a restore), restore it from a backup of the database`,
        );
        // A change of the session keys, as a rotation is one: the server's own, recorded as its other changes are.
        const made = live.keys.find((k) => k.retired === undefined);
        audit.record({ kind: 'change', account: ROOT_ACCOUNT, principal: 'gatehouse', action: ROTATE_KEYS_ACTION, resource: SESSION_KEYS_RESOURCE, decision: 'ok', detail: { request: { keyRingMissing: true }, result: { keyId: made?.kid ?? null, created: made === undefined ? null : new Date(made.created).toISOString(), retiredKeys: 0 } } });
      }
      const loadedAt = live.head;
      await oidc.start();
      await refreshBeside();
      await bindings.refresh();
      if (loadedAt > refreshedHead) refreshedHead = loadedAt;
      sessionScopes.start();
    },
    resourcePolicies,
    /** The live scoped sessions (session policies, tags, source identity) of every instance, and their sweep (src/app/session-scopes.ts). */
    sessionScopes,
    /** IAM policies (bindings) and custom roles: reading, writing, deciding (src/app/bindings.ts). */
    bindings,
    authorizer,
    /** The operator's rule for `principalProof`s, which the authorize API's edge applies before verifying one (src/app/proof-audiences.ts). */
    proofAudiences: options.proofAudiences,
    /** Adds an engine to the authorize union (the composition root adds Kubernetes RBAC once it exists). */
    addAuthorizeEngine: (engine: AuthorizeEngine): void => {
      engines.push(engine);
    },
    /** Picks up changes made by any instance (cheap when nothing changed). */
    refresh,
    /** The change head up to which `refresh` has brought everything (what a change notification is compared with). */
    refreshedHead: (): number => refreshedHead,
    /** Adds a reload that every refresh runs after the app's own (`name` says what it reloads, in the log). */
    addRefresher: (name: string, reload: () => Promise<void>): void => {
      refreshers.push({ name, reload, failing: false });
    },
    /**
     * Resolves the signing key of a request to its secret and the caller behind it: a long-term key from the
     * directory, or temporary credentials from their self-contained session token.
     */
    authenticate: async (accessKeyId: string, sessionToken?: string): Promise<Result<{ secret: string; caller: Caller }>> => {
      // Past the staleness bound (`--max-staleness`), nothing is answered from memory: 503, retried by clients.
      live.assertFresh();
      if (sessionToken !== undefined || accessKeyId.startsWith('ASIA') || accessKeyId.startsWith('STS.')) return sts.authenticateSession(accessKeyId, sessionToken ?? '');
      // Long-term keys resolve once per change of the directory: any write (key deactivated, user disabled,
      // policy edited) moves the change head and empties this cache on every instance within a tick.
      if (keyCacheHead !== live.head) {
        keyCache.clear();
        keyCacheHead = live.head;
      }
      const hit = keyCache.get(accessKeyId);
      if (hit) return ok(hit);
      const r = live.loaded ? await keyFromMemory(accessKeyId) : await resolveAccessKey(deps, cache, accessKeyId);
      if (r.ok) {
        if (keyCache.size >= 100_000) keyCache.clear();
        keyCache.set(accessKeyId, r.value);
      }
      return r;
    },
    /**
     * A request of `caller` (as `authenticate` gave it) whose signature verified: a use of its console sign-in, if it is
     * one, for the sign-in's idle limit. Every edge tells it where it notes its key's use; `authenticate` alone counts
     * nothing, since it has not seen the signature (review mp, 1).
     */
    signatureVerified: (caller: Caller): void => {
      if (caller.console !== undefined) sts.consoleUsed(caller.console);
    },
    /**
     * The secret of long-term key `accessKeyId` when it exists and is `Inactive` and its user is enabled; else undefined.
     * For Alibaba's gateway answer `InvalidAccessKeyId.Inactive`, which the edge gives only to a request signed with this
     * secret (src/adapters/http/alibaba-sts-api.ts): `authenticate` answers unknown, inactive and disabled alike, so that
     * an answer tells no one but the key's holder that the key exists (review is, 1).
     */
    inactiveKeySecret: async (accessKeyId: string): Promise<string | undefined> => {
      if (accessKeyId.startsWith('ASIA') || accessKeyId.startsWith('STS.')) return undefined;
      const found = live.loaded ? inactiveFromMemory(accessKeyId) : await deps.store.read(async (tx) => {
        const key = await tx.accessKeys.get(accessKeyId);
        return key === undefined ? undefined : { key, user: await tx.users.get(key.account, key.userName) };
      });
      if (found === undefined || found.key.status !== 'Inactive' || found.user === undefined || found.user.disabled) return undefined;
      return deps.sealer.open(found.key.secret, found.key.id);
    },
    /**
     * The secret of the key a refused request names, from memory only (no store read, no refresh: a flood of refused
     * requests must cost no more than before): a session's whose token opens (expired or revoked too), or a long-term
     * key's the live state holds (active or not, its user enabled or not); undefined otherwise. For checking that a
     * refused request was signed by the key's holder before its record says so (review tu, 1 to 3): never to let a
     * request in.
     */
    refusedKeySecret: (accessKeyId: string, sessionToken: string | undefined): string | undefined => {
      if (sessionToken !== undefined && sessionToken !== '') {
        const opened = deps.sessions.open(live.keys, sessionToken, accessKeyId);
        return opened.ok ? opened.claims.sk : undefined;
      }
      const key = live.loaded ? live.accessKey(accessKeyId) : undefined;
      return key === undefined ? undefined : deps.sealer.open(key.secret, key.id);
    },
    bootstrap: (handOver?: (creds: AdminCredentials) => Promise<void>): Promise<AdminCredentials | undefined> => bootstrap(deps, handOver),
    createAccount: (caller: Caller, input: { id: string; partition: string; name?: string }) => createAccount(deps, caller, input),
    listAccounts: (caller: Caller) => listAccounts(deps, caller),
  };
}

export type App = ReturnType<typeof createApp>;
