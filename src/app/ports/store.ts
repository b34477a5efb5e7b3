/**
 * The `Store` port: the identity directory (accounts, users, groups, roles, managed and inline policies,
 * attachments, access keys), a small key/value table for later issues (key ring…), and a change log.
 *
 * Two adapters implement it with one schema contract: `adapters/store-sqlite` (embedded default) and
 * `adapters/store-postgres` (scale-out). `test/store.part.ts` runs one suite against both.
 *
 * Conventions every adapter keeps:
 * - Everything happens in a transaction: `read` (a consistent snapshot, no mutators on the type) or `write`
 *   (all-or-nothing: it commits when `fn` resolves, rolls back when `fn` throws or calls `abort`).
 *   A write `fn` may run more than once (PostgreSQL retries it on a serialization failure), so it must not
 *   have side effects outside `tx` that cannot be repeated.
 * - Records are plain data. The caller supplies unique ids (`AIDA…`) and timestamps (ISO-8601 UTC text,
 *   `YYYY-MM-DDTHH:MM:SSZ`): randomness and time stay with the caller.
 * - Names of users, groups, roles, managed and inline policies are unique per account (per principal for
 *   inline policies) without regard to case, as IAM has them; lookups by name ignore case too. Paths,
 *   ids and ARNs compare exactly.
 * - Expected failures are values, `{ ok: false, error: { code, message } }`, with a code from
 *   `STORE_ERROR_CODES` (named after the IAM error they become: `ENTITY_ALREADY_EXISTS` →
 *   `EntityAlreadyExists`, …). A method that fails this way changed nothing, and the transaction stays
 *   usable. Only bugs and infrastructure failures (connection lost, disk full) throw.
 * - Each mutator appends a row to the change log (`changes`) in the same transaction, so another instance
 *   can learn what changed by reading `changes.since(seq)`. Sequence numbers are gap-free and increase in
 *   commit order (writers serialise on one counter row), so a reader that has seen `seq` N has seen every
 *   change up to N.
 *
 * Adding a table in a later issue: append a migration (next version) to both
 * `adapters/store-sqlite/migrations.ts` and `adapters/store-postgres/migrations.ts`, add its repository to
 * `ReadTx`/`WriteTx` here and to `createTx` in `adapters/store-sql/index.ts` (the one implementation both
 * adapters run), and its cases to `test/store.part.ts`.
 */

import type { AuditFilter, AuditHead, AuditRecord } from '../../core/audit/index.ts';

export type Partition = 'aws' | 'acs';
export type PrincipalType = 'user' | 'group' | 'role';
export type AccessKeyStatus = 'Active' | 'Inactive';

/**
 * A secret sealed by `adapters/crypto` (AES-256-GCM under the master key, bound to the access key id).
 * Branded so that plaintext cannot be passed where a sealed value is stored.
 */
export type SealedSecret = string & { readonly __sealed: unique symbol };

export interface Tag {
  readonly key: string;
  readonly value: string;
}

export interface AccountRecord {
  /** 12 digits. */
  readonly id: string;
  readonly partition: Partition;
  readonly name: string;
  readonly created: string;
}

export interface UserRecord {
  readonly account: string;
  readonly name: string;
  readonly path: string;
  /** `AIDA…` */
  readonly id: string;
  readonly created: string;
  readonly tags: readonly Tag[];
  /** ARN of the managed policy used as permissions boundary, or null. */
  readonly permissionsBoundary: string | null;
  readonly disabled: boolean;
}

export interface GroupRecord {
  readonly account: string;
  readonly name: string;
  readonly path: string;
  /** `AGPA…` */
  readonly id: string;
  readonly created: string;
}

export interface RoleRecord {
  readonly account: string;
  readonly name: string;
  readonly path: string;
  /** `AROA…` */
  readonly id: string;
  readonly created: string;
  /** The trust policy document as written (JSON text). */
  readonly trustPolicy: string;
  readonly description: string;
  /** Seconds, 3600–43200 in IAM (validated by the caller). */
  readonly maxSessionDuration: number;
  readonly tags: readonly Tag[];
  readonly permissionsBoundary: string | null;
}

export interface PolicyRecord {
  /** A 12-digit account id, or `aws` for built-in (AWS-managed style) policies. */
  readonly account: string;
  readonly name: string;
  readonly path: string;
  /** `ANPA…` */
  readonly id: string;
  /** The policy's ARN as the caller spells it for the account's partition; unique. Attachments name it. */
  readonly arn: string;
  readonly description: string;
  readonly created: string;
  /** Time of the last version change. */
  readonly updated: string;
  /** `v1`…: the default version's id. */
  readonly defaultVersion: string;
  /** As IAM's managed-policy tags (TagPolicy); keys unique without regard to case. */
  readonly tags: readonly Tag[];
}

export interface PolicyVersionRecord {
  /** `v1`, `v2`, …: numbers are never reused within a policy. */
  readonly versionId: string;
  readonly document: string;
  readonly isDefault: boolean;
  readonly created: string;
}

/** At most this many versions per managed policy, as IAM. */
export const MAX_POLICY_VERSIONS = 5;

export interface PrincipalRef {
  readonly type: PrincipalType;
  readonly account: string;
  readonly name: string;
}

export interface AttachmentRecord {
  readonly principal: PrincipalRef;
  readonly policyArn: string;
}

export interface InlinePolicyRecord {
  readonly principal: PrincipalRef;
  readonly name: string;
  readonly document: string;
}

export interface AccessKeyLastUsed {
  readonly at: string;
  readonly service: string;
  readonly region: string;
}

/** When a role was last assumed (a session of it issued), and the region asked: GetRole's `RoleLastUsed`. */
export interface RoleLastUsed {
  readonly at: string;
  readonly region: string;
}

export interface AccessKeyRecord {
  /** `AKIA…` / `LTAI…` */
  readonly id: string;
  readonly account: string;
  readonly userName: string;
  readonly secret: SealedSecret;
  readonly status: AccessKeyStatus;
  readonly created: string;
  readonly lastUsed: AccessKeyLastUsed | null;
}

export type ChangeKind =
  | 'account'
  | 'user'
  | 'group'
  | 'group-member'
  | 'role'
  | 'policy'
  | 'attachment'
  | 'inline-policy'
  | 'access-key'
  | 'kv';

/**
 * One row of the change log. `key` names the entity: the account id (`account`); `<account>/<name>`
 * (`user`, `group`, `role`, `policy`); `<account>/<group>/<user>` (`group-member`);
 * `<account>/<type>/<name>` of the principal (`attachment`, `inline-policy`); the key id (`access-key`);
 * the key (`kv`). Names are lower-cased, as they compare.
 */
export interface ChangeRecord {
  readonly seq: number;
  readonly kind: ChangeKind;
  readonly key: string;
  readonly op: 'put' | 'delete';
  readonly at: string;
}

export const STORE_ERROR_CODES = [
  'ENTITY_ALREADY_EXISTS',
  'NO_SUCH_ENTITY',
  'DELETE_CONFLICT',
  'LIMIT_EXCEEDED',
] as const;
export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];

export interface StoreError {
  readonly code: StoreErrorCode;
  readonly message: string;
}

export type StoreResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: StoreError };

export interface ListOptions {
  /** Only entities whose path starts with this (exact, case-sensitive), as IAM's `PathPrefix`. */
  readonly pathPrefix?: string;
}

// ---------------------------------------------------------------------------------------------------
// Repositories. Every method is a plain function of plain records; `Read…` halves are what a read
// transaction sees, `Write…` halves add the mutators.

export interface AccountsRead {
  get(id: string): Promise<AccountRecord | undefined>;
  list(): Promise<AccountRecord[]>;
}
export interface AccountsWrite extends AccountsRead {
  create(account: AccountRecord): Promise<StoreResult<AccountRecord>>;
  update(id: string, patch: { readonly name?: string }): Promise<StoreResult<AccountRecord>>;
  /** DELETE_CONFLICT while the account still holds users, groups, roles or policies. */
  delete(id: string): Promise<StoreResult<void>>;
}

/** The reads users, groups, roles and managed policies share. */
export interface NamedRead<T> {
  /** By name, without regard to case. */
  get(account: string, name: string): Promise<T | undefined>;
  getById(id: string): Promise<T | undefined>;
  list(account: string, options?: ListOptions): Promise<T[]>;
}
/** What users, groups and roles share. */
export interface PrincipalsRead<T> extends NamedRead<T> {
  /** Every one of every account (the live state's load at start: one query, not one per account). */
  listAll(): Promise<T[]>;
}
export interface PrincipalsWrite<T, Patch> {
  /** NO_SUCH_ENTITY when the account does not exist; ENTITY_ALREADY_EXISTS when the name (or id) is taken. */
  create(record: T): Promise<StoreResult<T>>;
  /** NO_SUCH_ENTITY when there is no such principal; ENTITY_ALREADY_EXISTS when a rename's new name is taken. */
  update(account: string, name: string, patch: Patch): Promise<StoreResult<T>>;
  /** DELETE_CONFLICT while the principal has attached or inline policies (or what its kind names). */
  delete(account: string, name: string): Promise<StoreResult<void>>;
}

export interface UserPatch {
  /** Rename (IAM `UpdateUser NewUserName`); memberships, keys and policies follow the user. */
  readonly name?: string;
  readonly path?: string;
  readonly tags?: readonly Tag[];
  readonly permissionsBoundary?: string | null;
  readonly disabled?: boolean;
}
export interface UsersRead extends PrincipalsRead<UserRecord> {}
/** `delete`: DELETE_CONFLICT while the user has access keys, group memberships, attached or inline policies. */
export interface UsersWrite extends UsersRead, PrincipalsWrite<UserRecord, UserPatch> {}

export interface GroupMembership {
  readonly account: string;
  readonly group: string;
  readonly user: string;
}

export interface GroupPatch {
  readonly name?: string;
  readonly path?: string;
}
export interface GroupsRead extends PrincipalsRead<GroupRecord> {
  /** NO_SUCH_ENTITY-free: an unknown group has no members. Ordered by name. */
  listMembers(account: string, group: string): Promise<UserRecord[]>;
  listForUser(account: string, user: string): Promise<GroupRecord[]>;
  /** Every membership of every group (the live state's load at start). */
  listAllMembers(): Promise<GroupMembership[]>;
}
/** `delete`: DELETE_CONFLICT while the group has members, attached or inline policies. */
export interface GroupsWrite extends GroupsRead, PrincipalsWrite<GroupRecord, GroupPatch> {
  /** Idempotent: `value` is false when the user already was a member. */
  addMember(account: string, group: string, user: string): Promise<StoreResult<boolean>>;
  /** NO_SUCH_ENTITY when the group, the user or the membership does not exist. */
  removeMember(account: string, group: string, user: string): Promise<StoreResult<void>>;
}

export interface RolePatch {
  readonly path?: string;
  readonly trustPolicy?: string;
  readonly description?: string;
  readonly maxSessionDuration?: number;
  readonly tags?: readonly Tag[];
  readonly permissionsBoundary?: string | null;
}
export interface RolesRead extends PrincipalsRead<RoleRecord> {
  /** When the role with unique id `id` was last assumed; null when never (or no such role). */
  getLastUsed(id: string): Promise<RoleLastUsed | null>;
  /** When each role of `account` that was ever assumed was last assumed, by the role's unique id. */
  listLastUsed(account: string): Promise<ReadonlyMap<string, RoleLastUsed>>;
}
/** Roles cannot be renamed (IAM has no such call: `RolePatch` has no name). */
export interface RolesWrite extends RolesRead, PrincipalsWrite<RoleRecord, RolePatch> {
  /**
   * Bookkeeping, not a directory change: writes no change-log row, and no cache of the role is dropped. Only forward,
   * as `AccessKeysWrite.recordLastUsed`. NO_SUCH_ENTITY when no role has the unique id `id` (deleted since).
   */
  recordLastUsed(id: string, lastUsed: RoleLastUsed): Promise<StoreResult<void>>;
}

/** A policy as created: the store sets `updated` to `created` and `defaultVersion` to `v1`. */
export interface NewPolicy extends Omit<PolicyRecord, 'updated' | 'defaultVersion' | 'tags'> {
  /** Becomes `v1`, the default version. */
  readonly document: string;
  /** None when left out (built-in policies carry none). */
  readonly tags?: readonly Tag[];
}
/** `list`: policies of `account` (pass `aws` for the built-ins). */
export interface PoliciesRead extends NamedRead<PolicyRecord> {
  getByArn(arn: string): Promise<PolicyRecord | undefined>;
  getVersion(arn: string, versionId: string): Promise<PolicyVersionRecord | undefined>;
  /** The default version's document, the one that is enforced. */
  getDefaultVersion(arn: string): Promise<PolicyVersionRecord | undefined>;
  /** Newest first, as IAM lists them. */
  listVersions(arn: string): Promise<PolicyVersionRecord[]>;
  /** Every managed policy (built-in ones too) with its default version (the live state's load at start). */
  listAllDefaults(): Promise<{ readonly policy: PolicyRecord; readonly version: PolicyVersionRecord }[]>;
}
export interface PoliciesWrite extends PoliciesRead {
  /** The policy's account must exist unless it is `aws`. */
  create(policy: NewPolicy): Promise<StoreResult<PolicyRecord>>;
  /** LIMIT_EXCEEDED when the policy already has `MAX_POLICY_VERSIONS` versions. */
  createVersion(
    arn: string,
    version: { readonly document: string; readonly setAsDefault: boolean; readonly created: string },
  ): Promise<StoreResult<PolicyVersionRecord>>;
  /**
   * Makes `versionId` the default. The policy's `updated` stays: IAM's UpdateDate is the newest version's creation
   * date, and choosing a default creates none (review le, 1).
   */
  setDefaultVersion(arn: string, versionId: string): Promise<StoreResult<void>>;
  /** DELETE_CONFLICT for the default version. */
  deleteVersion(arn: string, versionId: string): Promise<StoreResult<void>>;
  /** Replaces the policy's tags (TagPolicy/UntagPolicy merge them first). Does not change `updated`. */
  setTags(arn: string, tags: readonly Tag[]): Promise<StoreResult<PolicyRecord>>;
  /** Deletes every version too. DELETE_CONFLICT while the policy is attached or used as a boundary. */
  delete(arn: string): Promise<StoreResult<void>>;
}

export interface AttachmentsRead {
  /** ARNs of the managed policies attached to the principal, in attachment order. */
  listForPrincipal(principal: PrincipalRef): Promise<string[]>;
  listForPolicy(policyArn: string): Promise<AttachmentRecord[]>;
  countForPolicy(policyArn: string): Promise<number>;
  /** Every attachment, in the order each principal's were made. */
  listAll(): Promise<AttachmentRecord[]>;
}
export interface AttachmentsWrite extends AttachmentsRead {
  /** Idempotent: `value` is false when it was already attached. NO_SUCH_ENTITY for a missing principal or policy. */
  attach(principal: PrincipalRef, policyArn: string): Promise<StoreResult<boolean>>;
  detach(principal: PrincipalRef, policyArn: string): Promise<StoreResult<void>>;
}

export interface InlinePoliciesRead {
  get(principal: PrincipalRef, name: string): Promise<InlinePolicyRecord | undefined>;
  list(principal: PrincipalRef): Promise<InlinePolicyRecord[]>;
  /** Every inline policy of every principal, by principal then name. */
  listAll(): Promise<InlinePolicyRecord[]>;
}
export interface InlinePoliciesWrite extends InlinePoliciesRead {
  /** Creates or replaces (IAM `Put…Policy`). NO_SUCH_ENTITY for a missing principal. */
  put(principal: PrincipalRef, name: string, document: string): Promise<StoreResult<InlinePolicyRecord>>;
  delete(principal: PrincipalRef, name: string): Promise<StoreResult<void>>;
}

/** A key as created: never used yet (`lastUsed` null). */
export interface NewAccessKey extends Omit<AccessKeyRecord, 'lastUsed'> {}
export interface AccessKeysRead {
  get(id: string): Promise<AccessKeyRecord | undefined>;
  listForUser(account: string, user: string): Promise<AccessKeyRecord[]>;
  /** Every access key of every user. */
  listAll(): Promise<AccessKeyRecord[]>;
}
export interface AccessKeysWrite extends AccessKeysRead {
  create(key: NewAccessKey): Promise<StoreResult<AccessKeyRecord>>;
  setStatus(id: string, status: AccessKeyStatus): Promise<StoreResult<void>>;
  /**
   * Bookkeeping, not a directory change: writes no change-log row. Only forward: a use older than the one stored
   * (`at` compared as `yyyy-mm-ddThh:mm:ssZ` text) changes nothing.
   */
  recordLastUsed(id: string, lastUsed: AccessKeyLastUsed): Promise<StoreResult<void>>;
  delete(id: string): Promise<StoreResult<void>>;
}

/**
 * A part of a key/value listing (`KvRead.list`): the entries after the key `after` (before it, `descending`), at most
 * `limit` of them, in descending key order when `descending`.
 */
export interface KvPage {
  readonly after?: string;
  readonly limit?: number;
  readonly descending?: boolean;
}

/** Generic key/value rows for later issues (key ring, settings). Values are text; seal secrets first. */
export interface KvRead {
  get(key: string): Promise<string | undefined>;
  /**
   * Entries whose key starts with `prefix`, ordered by key (or `page` of them). Read through the key's index: the
   * cost is that of the entries read, not of the table (review ar, 1).
   */
  list(prefix: string, page?: KvPage): Promise<{ key: string; value: string }[]>;
  /** The values of those of `keys` that are there, in one statement (at most 1,000 keys). */
  getMany(keys: readonly string[]): Promise<Map<string, string>>;
}
export interface KvWrite extends KvRead {
  put(key: string, value: string): Promise<void>;
  /**
   * Bookkeeping, not a change: writes the entry with no change-log row, so no instance refreshes for it (a launcher's
   * last heartbeat, written every few seconds). Only for keys nothing caches from the change log.
   */
  note(key: string, value: string): Promise<void>;
  /** `false` when there was no such key. */
  delete(key: string): Promise<boolean>;
}

/**
 * Alibaba STS signature nonces claimed in the database, so that every instance of a deployment refuses a request another
 * took (review kq, 1; src/adapters/http/nonce-set.ts). Bookkeeping: no change-log row, nothing cached from it.
 */
export interface SignatureNoncesWrite {
  /**
   * Claims `nonceKey` until `ends` (epoch ms): `true` when no live claim held it (one whose `ends` is past `now` is
   * dropped first), `false` when one does. Of concurrent claims of one key, one alone gets `true`. Also deletes up to
   * `prune` expired claims of other keys, oldest first.
   */
  claim(nonceKey: string, ends: number, now: number, prune: number): Promise<boolean>;
  /**
   * Claims every one of `claims` (each as `claim` would, none pruned): those a live claim held already are left as
   * they were. For claims a server has answered already (src/adapters/http/nonce-set.ts `rememberedNonces`).
   */
  claimAll(claims: readonly { readonly nonceKey: string; readonly ends: number }[], now: number): Promise<void>;
  /** The latest `ends` of the claims held, 0 when there are none. */
  latestEnd(): Promise<number>;
}

export interface ChangesRead {
  /** The last sequence number written (0 on an empty store). */
  head(): Promise<number>;
  /**
   * Changes with `seq > after`, oldest first, at most `limit` (default 1000). The oldest may have been pruned
   * (`ChangesWrite.prune`): a reader whose first change is not `after + 1` cannot tell what changed (`continues`
   * in src/app/change-log.ts) and loads everything.
   */
  since(after: number, limit?: number): Promise<ChangeRecord[]>;
}

export interface ChangesWrite extends ChangesRead {
  /** Deletes the changes with `seq < below`, oldest first, at most `limit` of them; how many it deleted. */
  prune(below: number, limit: number): Promise<number>;
}

/**
 * The audit log (src/core/audit): an append-only hash chain. Appends write no change-log row (the audit log is
 * not directory state, and a flush every 100 ms must not make every instance reload its caches).
 */
export interface AuditRead {
  /** The chain's end and, after pruning, its start; `EMPTY_HEAD` on an empty log. */
  head(): Promise<AuditHead>;
  /** Records with `seq > after` matching `filter`, oldest first, at most `limit`. */
  list(filter: AuditFilter, after: number, limit: number): Promise<AuditRecord[]>;
  /**
   * `list` looking at no more than `window` seqs past where it starts (`after`, or where `since` puts the start): a
   * filter few records match no longer reads the log to its end in one statement. A filter the store reads through
   * one key of an index (a principal, a role, a job, an account, a denial) looks at no more than `window` of that
   * key's entries instead, and at no more than `window` records past what the index covers (review eh5). `through`,
   * when the page holds fewer than `limit` records and the window ended short of the log's head: the seq to go on
   * from (none, or some, of the records matching may lie past it).
   */
  page(filter: AuditFilter, after: number, limit: number, window?: number): Promise<{ readonly records: AuditRecord[]; readonly through?: number }>;
  /**
   * The filter index (what `list` reads for a principal, role, job or account) against the records it indexes, from
   * the checkpoint up to its filled mark: entries missing, entries that index no such record, and the mark. The index
   * is not in the chain, so `verify` compares it with the records the chain covers.
   */
  lookupCheck(): Promise<{ readonly filled: number; readonly missing: number; readonly extra: number }>;
  /**
   * The time index (the spans `list` bounds a `since`/`until` query by) against the records: `bad`, the spans whose
   * least `at` is later than a record of theirs or whose running greatest `at` is earlier than a record up to their
   * end (either hides records from a time query); `last`, the last span's seq (0 when none), which must be the filter
   * index's mark (`lookupCheck`'s `filled`) whenever that mark lies past the checkpoint: records between them are hidden
   * from a query with `until`, and spans past it repeat records. Not in the chain either, so `verify` compares it.
   */
  spanCheck(): Promise<{ readonly spans: number; readonly bad: number; readonly last: number }>;
}
export interface AuditWrite extends AuditRead {
  /**
   * Appends records already linked to the current head (the first has `seq = head.seq + 1` and
   * `prevHash = head.hash`), and moves the head to the last. Throws when they do not follow the head: a bug or
   * a concurrent writer, which the transaction's isolation turns into a retry.
   */
  append(records: readonly AuditRecord[]): Promise<void>;
  /**
   * Deletes the start of the chain up to the first record at or after `before` (ISO `at`; all records when none
   * is), the last deleted becoming the checkpoint (`baseSeq`/`baseHash`) the rest of the chain is verified from.
   * `at` need not grow with `seq` (clocks of instances differ, batches arrive late), so an older record after a
   * newer one stays until the records before it go. With `limit`, at most the first `limit` records after the
   * checkpoint go (the rest in later calls, each its own transaction). Returns the new head.
   */
  prune(before: string, limit?: number): Promise<{ readonly pruned: number; readonly head: AuditHead }>;
}

export interface ReadTx {
  readonly accounts: AccountsRead;
  readonly users: UsersRead;
  readonly groups: GroupsRead;
  readonly roles: RolesRead;
  readonly policies: PoliciesRead;
  readonly attachments: AttachmentsRead;
  readonly inlinePolicies: InlinePoliciesRead;
  readonly accessKeys: AccessKeysRead;
  readonly kv: KvRead;
  readonly changes: ChangesRead;
  readonly audit: AuditRead;
}

export interface WriteTx extends ReadTx {
  readonly accounts: AccountsWrite;
  readonly users: UsersWrite;
  readonly groups: GroupsWrite;
  readonly roles: RolesWrite;
  readonly policies: PoliciesWrite;
  readonly attachments: AttachmentsWrite;
  readonly inlinePolicies: InlinePoliciesWrite;
  readonly accessKeys: AccessKeysWrite;
  readonly kv: KvWrite;
  readonly changes: ChangesWrite;
  readonly audit: AuditWrite;
  readonly signatureNonces: SignatureNoncesWrite;
}

/**
 * Ends the write transaction with a rollback; `write` then resolves with `value` instead of what `fn`
 * would have returned. Typically `abort(result)` for a failed `StoreResult` after earlier mutations.
 */
export type Abort<T> = (value: T) => never;

export interface MigrationReport {
  /** Versions this open applied (empty when the schema was already current). */
  readonly applied: readonly number[];
  /** The schema version after opening. */
  readonly version: number;
}

/** What a change subscription reports (`Store.subscribe`). */
export interface ChangeListener {
  /** A write committed; `seq` is the change head it left (a hint: read `changes.since` for what changed). */
  onChange(seq: number): void;
  /**
   * The subscription is delivering (`true`), or not (`false`: connection lost and being re-established, or
   * `permanent` when the database has no notifications at all). Notifications sent while it was down are
   * lost: after `true` the listener catches up from the change log.
   */
  onState(listening: boolean, detail: { readonly reason?: string; readonly permanent?: boolean }): void;
}

export interface ChangeSubscription {
  close(): Promise<void>;
}

/**
 * Change notes between processes sharing one database that has no notifications of its own (SQLite, one file,
 * `gatehouse server --workers`): what a store announces after a commit that moved the change head reaches the others'
 * subscriptions. A hint, as NOTIFY is: listeners still read the change log, and poll.
 */
export interface ChangeNotes {
  /** This process committed a write that left the change head at `seq`. */
  announce(seq: number): void;
  /** Hears the other processes' notes (not this one's own). */
  listen(listener: ChangeListener): ChangeSubscription;
}

/** What a caller of `Store.write` asks besides the transaction. */
export interface WriteOptions<T> {
  readonly committed?: (value: T) => void;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly migrations: MigrationReport;
  /**
   * `options.statementTimeoutMs`: this read's bound on each statement, where the store has one (PostgreSQL, review M1),
   * for a read that is long by design (`audit verify`'s check of the whole filter index, review aa8).
   */
  read<T>(fn: (tx: ReadTx) => Promise<T>, options?: { readonly statementTimeoutMs?: number }): Promise<T>;
  /**
   * `options.committed`: called with the transaction's value as soon as it has ended (committed, or rolled back by
   * `abort` with that value), before anything else the store does after it (the app's store reloads what the write changed before it returns: src/app/index.ts). A use
   * case records its change there, so a process killed during that reload leaves the change's record in the journal
   * (review iw, 3). Stores that do nothing after a commit call it just before they return, or not at all (the caller
   * then records after the write, as before).
   */
  write<T>(fn: (tx: WriteTx, abort: Abort<T>) => Promise<T>, options?: WriteOptions<T>): Promise<T>;
  /**
   * Optional: pushes a note of every committed change made by any process on the same database, so instances
   * need not poll fast. Stores without it (SQLite, unless given `ChangeNotes`) are polled. A hint only: a listener
   * still reads the change log, and polls now and then in case a notification is lost.
   */
  subscribe?(listener: ChangeListener): ChangeSubscription;
  /**
   * Refuses new transactions, waits for running ones, then releases the database. PostgreSQL waits at most its close
   * timeout (5 s), then cuts the connections of those still running: they fail (`StoreUnavailableError`, or
   * `StoreOutcomeUnknownError` when their COMMIT was sent), and the database rolls them back (review dz1).
   */
  close(): Promise<void>;
}

/**
 * Thrown by an adapter when the database cannot be reached or cannot take the work (connection refused or lost,
 * server shutting down, too many connections, disk full, locked past the busy timeout): an outage, not a bug.
 * Edges answer it with 503 `ServiceUnavailable`, which clients retry; the cause is kept for the operator's log.
 */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  /**
   * Said to the client after the 503's own words (the message is the operator's, for the log): what the request needed
   * the database for, and which questions answer without it meanwhile (review qf, 4). Undefined: the 503 alone.
   */
  readonly hint: string | undefined;
  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
    this.hint = options?.hint;
  }
}

/**
 * Thrown by an adapter when the connection was lost after COMMIT was sent and before its answer came: the transaction
 * may or may not have committed. Not an outage a client may retry (the change could be made twice): edges answer it
 * 500 and say the outcome is unknown.
 */
export class StoreOutcomeUnknownError extends Error {
  readonly code = 'STORE_OUTCOME_UNKNOWN';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreOutcomeUnknownError';
  }
}

/**
 * Thrown by an adapter when the database refused a write for what a value in it holds, not for its own state: the
 * same statement with the same values is refused every time (PostgreSQL's classes 22 "data exception" and 54 "program
 * limit exceeded", and 23514, a CHECK constraint; SQLite's "string or blob too big", "datatype mismatch", a CHECK
 * constraint or a trigger's RAISE). Never an outage: retrying it cannot help. The audit writer sorts out which record
 * of a batch is refused and writes a stand-in in its place (src/app/audit-store-appender.ts); elsewhere it is an
 * error as before (its message is the database's own).
 */
export class StoreDataRefusedError extends Error {
  readonly code = 'STORE_DATA_REFUSED';
  /** The database's own code: a SQLSTATE (`22021`), or SQLite's extended result code by name (`SQLITE_CONSTRAINT_CHECK`). */
  readonly dbCode: string;
  /** The database's message with every quoted value removed (`refusalReason`): safe to record and log. */
  readonly reason: string;
  constructor(message: string, dbCode: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreDataRefusedError';
    this.dbCode = dbCode;
    this.reason = refusalReason(message);
  }
}

export function isStoreDataRefused(e: unknown): e is StoreDataRefusedError {
  return e instanceof StoreDataRefusedError || (typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'STORE_DATA_REFUSED' && typeof (e as { dbCode?: unknown }).dbCode === 'string');
}

/**
 * A database's message without the values it quotes (`"…"`, `'…'`: what a refused value looks like in PostgreSQL's and
 * SQLite's messages), in printable ASCII, 200 characters at most: it names what was refused, not what the record held.
 */
export function refusalReason(message: string): string {
  const t = message.replace(/"(?:[^"]|"")*"?/g, '"..."').replace(/'(?:[^']|'')*'?/g, "'...'").replace(/[^\x20-\x7e]/g, '?');
  return t.length > 200 ? `${t.slice(0, 197)}...` : t;
}

export function isStoreOutcomeUnknown(e: unknown): e is StoreOutcomeUnknownError {
  return e instanceof StoreOutcomeUnknownError || (typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'STORE_OUTCOME_UNKNOWN');
}

export function isStoreUnavailable(e: unknown): e is StoreUnavailableError {
  return e instanceof StoreUnavailableError || (typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'STORE_UNAVAILABLE');
}

/**
 * `fn`'s outcome; its outage (`StoreUnavailableError`) thrown again with `hint` for the client (review qf, 4): what the
 * request reads the database for, and what answers meanwhile.
 */
export async function sayingWhyOnOutage<T>(hint: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!isStoreUnavailable(e)) throw e;
    throw new StoreUnavailableError(e.message, { cause: e, hint });
  }
}

/** Said of the questions that answer from memory through an outage, after what a 503'd question needed (review qf, 4). */
export const ANSWERED_FROM_MEMORY = '/v1/authorize, /v1/simulate, /v1/who-can and SimulateCustomPolicy answer from memory meanwhile';
