/**
 * The state every instance keeps in memory and refreshes from the store's change log: the session key ring,
 * the revocation lists, and the compiled directory — every user (with its groups and boundary), role, managed
 * policy and access key, compiled as decisions and verification read them. It is loaded whole at start (an
 * instance is ready only then), so that a decision, a session's verification or a long-term key's touches no
 * database, and keeps working while the database is down (issue "many servers on PostgreSQL").
 *
 * One cheap read of the change head per refresh (and of the change at it, which a database restored from a backup
 * may have replaced); when it moved, the changes since the last one seen say what to read again (the ring, the
 * revocation list, the principals, groups, policies and keys a change touched). What is read is compiled, then
 * replaces the old entry; the old one is served until then, and a failed refresh leaves everything as it was. A
 * change made through any instance is enforced by all within a second (DESIGN.md "Scale-out").
 *
 * What triggers a refresh is `followChanges`: a notification pushed by the store when any instance commits a
 * change (PostgreSQL LISTEN/NOTIFY), and polling as the safety net — slow while notifications flow, fast when
 * the store has none (SQLite, CockroachDB) or the listening connection is down.
 */
import { compilePolicy, type CompiledPolicy, type PolicySet } from '../core/iam/index.ts';
import type { Partition, SessionClaims } from '../core/sts/session.ts';
import { RETIRED_KEY_OPENS_MS, roleArnOf, sessionArn } from '../core/sts/session.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppDeps, RingKeyData } from './deps.ts';
import { principalTags } from './principals.ts';
import { compileStored, unreadableLog, type UnreadableNote } from './unreadable-policy.ts';
import { isStoreUnavailable, StoreUnavailableError } from './ports/store.ts';
import { CHANGES_KEPT, continues } from './change-log.ts';
import { openSealedRecord, parseSealedRecord } from './sealed-record.ts';
import type {
  AccessKeyRecord,
  AccessKeyStatus,
  AccountRecord,
  ChangeListener,
  ChangeRecord,
  ChangeSubscription,
  GroupRecord,
  PolicyRecord,
  PrincipalRef,
  ReadTx,
  RoleRecord,
  SealedSecret,
  UserRecord,
  WriteTx,
} from './ports/store.ts';

export const KEYRING_KV = 'sts/keyring';

/**
 * The stored key ring does not open with this instance's master key (another master key sealed it, or it is damaged), so
 * it cannot be rotated: a new ring would lose the keys that open the sessions issued so far. No retry helps; the admin
 * is told (review in, 1).
 */
export class KeyRingUnreadable extends Error {
  constructor(message = "the session key ring does not open with this instance's master key, so it was not rotated (a new ring would lose the keys that open the sessions issued so far): give every instance the same master key (GATEHOUSE_MASTER_KEY or --master-key-file) and retry") {
    super(message);
    this.name = 'KeyRingUnreadable';
  }
}
export const REVOKE_PREFIX = 'revoke/';
/**
 * The clock skew allowed between instances (15 min, as SigV4 allows a request's date): an instance may stamp a session
 * issued now up to this much after another instance's now.
 */
export const CLOCK_SKEW_MS = 900_000;
/** Retired keys are dropped once every session they sealed has expired (max session 36 h, plus skew). */
const RETIRED_KEEP_MS = RETIRED_KEY_OPENS_MS;

/** Changes read per query of the change log. */
const CHANGES_PAGE = 1000;
/**
 * Pages of the change log a refresh reads at most; more changes than that since the last one seen, and everything
 * is loaded again. Most changes touch nothing of the directory (a scoped session's record, a job's): counted in
 * pages, a burst of them cost every instance a full reload (review ae, 4).
 */
const CHANGES_PAGES = 50;
/** Directory entries a run of changes may name before loading everything is the cheaper way (a few reads each). */
const SCOPE_MAX = 1000;
/**
 * Revocation entries a run of changes may name and still be read one by one; past that, the whole list is read. The list
 * only grows (each ended job adds one), so reading it whole for every revocation cost every instance more with each
 * (review az, 2).
 */
const REVOKED_MAX = 1000;
/** Key ring reads caused by tokens naming an unknown key, at most one per this many ms (forged tokens cost little). */
const KEY_READ_GAP_MS = 100;
/**
 * Refreshes caused by requests naming an access key id not held (`refreshForMiss`), at most one per this many ms: a key
 * id is looked up before any signature is checked, so made-up ones cost anyone nothing to send (review mx, 3).
 */
const MISS_READ_GAP_MS = 100;

/**
 * `key`: the console sign-ins opened with a long-term access key (`<access key id>`), written when the key is made
 * Inactive (src/app/directory.ts `updateAccessKey`), so that one refused then stays refused once the key is Active again
 * (review rp, 2). Pruned as an ended job's: a console sign-in lasts 8 hours.
 */
export type RevocationKind = 'role' | 'session' | 'sid' | 'job' | 'user' | 'signin' | 'key';

/**
 * The revocation entry's id of one session ended by its id (a console sign-in signed out or idle, or a job's session
 * issued as the job ended, review ps, 1): its expiry, then its session id
 * (`<exp>/<sid>`). The entry ends the sign-in as a `sid` one does, and the prune deletes it once the sign-in has expired
 * and the clock skew has passed (at most 8 h 15 min on), not after the longest session's 36 h: signing out needs no
 * permission, and a loop of sign-ins and sign-outs grew every instance's list for a day and a half (review pm, 2).
 */
export const signInRevocationId = (c: { readonly sid: string; readonly exp: number }): string => `${c.exp}/${c.sid}`;

/** The expiry a `signin/<exp>/<sid>` entry (without `revoke/`) names, else undefined. */
function signInExpiry(entry: string): number | undefined {
  if (!entry.startsWith('signin/')) return undefined;
  const exp = Number(entry.slice(7, entry.indexOf('/', 7)));
  return Number.isFinite(exp) ? exp : undefined;
}

/**
 * The kinds of entry an administrator writes (`sts revoke-sessions` by role or session ARN; a disabled user), which
 * are kept for good (review qh, 1). A workload's grant carries its author's session and is honoured past that
 * session's expiry until a revocation ends it (src/app/kube.ts `passerIdentity`), so such an entry refuses a grant as
 * long as the workload lives: pruned 36 h 15 min on, it gave the role back to the grant's pods. They need permission and
 * are few; the entries written in bulk (an ended job's, a console sign-out's, which needs none, and the `sid` ones both
 * wrote before `signin`) are still pruned, and a grant of a job's session or of a console sign-in is taken only while
 * that session is unexpired.
 */
const KEPT_FOR_GOOD: ReadonlySet<string> = new Set<RevocationKind>(['role', 'session', 'user']);

/** Whether revocation entry `entry` (without `revoke/`), of instant `at`, can refuse no session or grant at `now` any more. */
function revocationSpent(entry: string, at: number, now: number): boolean {
  if (KEPT_FOR_GOOD.has(entry.slice(0, entry.indexOf('/')))) return false;
  if (at < now - RETIRED_KEEP_MS) return true;
  const exp = signInExpiry(entry);
  return exp !== undefined && exp + CLOCK_SKEW_MS < now;
}

/** The store's key of the revocation entry of `kind` `id` (its value: the instant, epoch ms). */
export const revocationKey = (kind: RevocationKind, id: string): string => `${REVOKE_PREFIX}${kind}/${id}`;

/**
 * Writes the revocation entry of `kind` `id` in `tx`, unless one with a later instant is there: one entry per target, the
 * later instant wins (a revoke through an instance whose clock is behind, or one that took its instant first and
 * committed second, must not give back sessions an earlier one cut off, review M2). Returns the instant in force.
 */
export async function putRevocation(tx: WriteTx, kind: RevocationKind, id: string, at: number): Promise<number> {
  const key = revocationKey(kind, id);
  const stored = Number(await tx.kv.get(key));
  if (Number.isFinite(stored) && stored >= at) return stored;
  await tx.kv.put(key, String(at));
  return at;
}

/**
 * The revocation entries of a user's GetSessionToken and GetFederationToken sessions: by its name (`<account>/<name,
 * lower case>`) and by its unique id (`<account>/id:<id>`; names cannot hold a colon), since a session names its user
 * as it was called when issued, and a user renamed since then, or renamed back later, must not get them back (review M9).
 */
export const userRevocationIds = (u: { readonly account: string; readonly name: string; readonly id: string }): readonly [string, string] => [`${u.account}/${u.name.toLowerCase()}`, `${u.account}/id:${u.id}`];

/**
 * What a run of changes touches. Principal keys are `role:<acct>/<name>` and `user:<acct>/<name>`; groups and
 * managed policies `<acct>/<name>` (names lower-cased, as the change log writes them). Nothing is dropped for
 * a change: what it names is read again and recompiled, and the principals built from it (a group's members,
 * the holders of a managed policy) are rebuilt in memory from the new pieces.
 */
export interface ChangeScope {
  keys: boolean;
  revocations: boolean;
  /** The revocation entries changed (their `revoke/…` keys): what is read again of the list. */
  readonly revocationKeys: Set<string>;
  /** A change of a kind this version does not know: everything is loaded again. */
  everything: boolean;
  readonly principals: Set<string>;
  readonly groups: Set<string>;
  readonly policies: Set<string>;
  readonly accessKeys: Set<string>;
  readonly accounts: Set<string>;
}

export function scopeOf(changes: readonly ChangeRecord[]): ChangeScope {
  const scope: ChangeScope = { keys: false, revocations: false, revocationKeys: new Set(), everything: false, principals: new Set(), groups: new Set(), policies: new Set(), accessKeys: new Set(), accounts: new Set() };
  const principal = (account: string, type: string, name: string): void => {
    if (type === 'group') scope.groups.add(`${account}/${name}`);
    else if (type === 'role' || type === 'user') scope.principals.add(`${type}:${account}/${name}`);
    else scope.everything = true;
  };
  for (const c of changes) {
    const [account = '', second = '', third = ''] = c.key.split('/');
    switch (c.kind) {
      case 'kv':
        if (c.key === KEYRING_KV) scope.keys = true;
        else if (c.key.startsWith(REVOKE_PREFIX)) {
          scope.revocations = true;
          scope.revocationKeys.add(c.key);
        }
        break;
      case 'access-key':
        scope.accessKeys.add(c.key);
        break;
      case 'role':
      case 'user':
        scope.principals.add(`${c.kind}:${account}/${second}`);
        break;
      case 'group-member':
        scope.principals.add(`user:${account}/${third}`);
        break;
      case 'attachment':
      case 'inline-policy':
        principal(account, second, third);
        break;
      case 'group':
        scope.groups.add(`${account}/${second}`);
        break;
      case 'policy':
        scope.policies.add(`${account}/${second}`);
        break;
      case 'account':
        scope.accounts.add(account);
        break;
      default:
        // A kind added later: everything, to be safe.
        scope.everything = true;
    }
  }
  return scope;
}

export interface CachedPrincipal {
  readonly policies: PolicySet;
  readonly tags: Readonly<Record<string, string>>;
}
export type RoleEntry = CachedPrincipal & { readonly role: RoleRecord; readonly partition: Partition };
export type UserEntry = CachedPrincipal & { readonly user: UserRecord; readonly partition: Partition };

/** A long-term access key as verification needs it: the secret stays sealed until a request names the key. */
export interface KeyEntry {
  readonly id: string;
  readonly account: string;
  readonly userName: string;
  readonly secret: SealedSecret;
  readonly status: AccessKeyStatus;
}

/** What a principal's policy set is built from: its own pieces, and (users) the groups it is in. */
interface Source {
  readonly record: UserRecord | RoleRecord;
  /** Attached managed policies, by ARN, in attachment order. */
  readonly managed: readonly string[];
  readonly inline: readonly CompiledPolicy[];
  /** Users: keys (`<acct>/<name>`) of their groups, by name. */
  readonly groups: readonly string[];
}

interface GroupState {
  /** The group as stored: its name's case and its path, which the Query API decides its actions on (review rg, 2). */
  readonly record: GroupRecord;
  readonly managed: readonly string[];
  readonly inline: readonly CompiledPolicy[];
}

interface ManagedPolicy {
  readonly key: string;
  /** When the default version does not parse, a policy that denies everything (fails closed, never an allow). */
  readonly compiled: CompiledPolicy;
  /** The policy as stored (its account and tags: a question about the policy is decided with them, review ns, 1). */
  readonly record: PolicyRecord;
}

/**
 * The compiled directory: every account, managed policy (its default version), group, user, role and access
 * key, as decisions and verification read them. Built whole at start and swapped in whole; after that, changed
 * in place entry by entry (a reader sees an entry's old or new value, never none).
 */
interface Mirror {
  readonly accounts: Map<string, AccountRecord>;
  readonly policies: Map<string, ManagedPolicy>;
  /** `<acct>/<name>` of a managed policy → its ARN (the change log names policies by key). */
  readonly policyArns: Map<string, string>;
  readonly groups: Map<string, GroupState>;
  readonly sources: Map<string, Source>;
  readonly principals: Map<string, RoleEntry | UserEntry>;
  readonly accessKeys: Map<string, KeyEntry>;
}

const emptyMirror = (): Mirror => ({ accounts: new Map(), policies: new Map(), policyArns: new Map(), groups: new Map(), sources: new Map(), principals: new Map(), accessKeys: new Map() });

const lc = (s: string): string => s.toLowerCase();
export const roleKey = (account: string, name: string): string => `role:${account}/${lc(name)}`;
export const userKey = (account: string, name: string): string => `user:${account}/${lc(name)}`;
const groupKey = (account: string, name: string): string => `${account}/${lc(name)}`;
const accountOfKey = (key: string): string => key.slice(key.indexOf(':') + 1, key.indexOf('/'));
const isUserSource = (s: Source): s is Source & { readonly record: UserRecord } => !('trustPolicy' in s.record);

/**
 * As `PolicyCache.get`: a stored document that no longer parses fails closed, as a policy that denies every request
 * of the principals holding it (src/app/unreadable-policy.ts), reported to `note`.
 */
function compileText(name: string, document: string, note?: UnreadableNote): CompiledPolicy {
  return compileStored(name, document, 'identity', 1 << 20, note);
}

const DENY_ALL = (name: string): CompiledPolicy => compilePolicy({ version: '2012-10-17', dialect: 'aws', id: undefined, statements: [] }, name);
const keyEntry = (k: AccessKeyRecord): KeyEntry => ({ id: k.id, account: k.account, userName: k.userName, secret: k.secret, status: k.status });
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The ids of the access keys held, by their user's key (`user:<acct>/<name>`). */
function keysByUser(held: ReadonlyMap<string, KeyEntry>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const k of held.values()) {
    const key = userKey(k.account, k.userName);
    const list = out.get(key);
    if (list === undefined) out.set(key, [k.id]);
    else list.push(k.id);
  }
  return out;
}

/** The policy set of a principal, in the order the store's own reads give it (src/app/principals.ts). */
function policySetOf(m: Mirror, s: Source): PolicySet {
  const identity: CompiledPolicy[] = [];
  const managed = (arns: readonly string[]): void => {
    for (const arn of arns) {
      const c = m.policies.get(arn)?.compiled;
      if (c) identity.push(c);
    }
  };
  managed(s.managed);
  identity.push(...s.inline);
  for (const g of s.groups) {
    const group = m.groups.get(g);
    if (!group) continue;
    managed(group.managed);
    identity.push(...group.inline);
  }
  const b = s.record.permissionsBoundary;
  // A boundary that cannot be read allows nothing rather than everything.
  return { identity, boundary: b ? (m.policies.get(b)?.compiled ?? DENY_ALL(b)) : undefined };
}

/** The entry decisions and verification read, or undefined when the principal's account is unknown. */
function entryOf(m: Mirror, s: Source): RoleEntry | UserEntry | undefined {
  const partition = m.accounts.get(s.record.account)?.partition;
  if (!partition) return undefined;
  const base = { policies: policySetOf(m, s), tags: principalTags(s.record.tags), partition };
  return isUserSource(s) ? { ...base, user: s.record } : { ...base, role: s.record as RoleRecord };
}

/** Everything the mirror is built from, read in one transaction (a handful of queries, whatever the size). */
async function readAll(tx: ReadTx) {
  return {
    accounts: await tx.accounts.list(),
    policies: await tx.policies.listAllDefaults(),
    groups: await tx.groups.listAll(),
    members: await tx.groups.listAllMembers(),
    users: await tx.users.listAll(),
    roles: await tx.roles.listAll(),
    attachments: await tx.attachments.listAll(),
    inline: await tx.inlinePolicies.listAll(),
    keys: await tx.accessKeys.listAll(),
  };
}

/** Compiles what `readAll` read, outside the transaction, letting the event loop turn now and then. */
async function buildMirror(d: Awaited<ReturnType<typeof readAll>>, note?: UnreadableNote): Promise<Mirror> {
  const m = emptyMirror();
  let work = 0;
  const turn = async (): Promise<void> => {
    if (++work % 500 === 0) await yieldToEventLoop();
  };
  for (const a of d.accounts) m.accounts.set(a.id, a);
  for (const { policy, version } of d.policies) {
    const key = groupKey(policy.account, policy.name);
    m.policies.set(policy.arn, { key, compiled: compileText(policy.arn, version.document, note), record: policy });
    m.policyArns.set(key, policy.arn);
    await turn();
  }
  const groups = new Map<string, { record: GroupRecord; managed: string[]; inline: CompiledPolicy[] }>();
  for (const g of d.groups) groups.set(groupKey(g.account, g.name), { record: g, managed: [], inline: [] });
  const sources = new Map<string, { record: UserRecord | RoleRecord; managed: string[]; inline: CompiledPolicy[]; groups: string[] }>();
  for (const u of d.users) sources.set(userKey(u.account, u.name), { record: u, managed: [], inline: [], groups: [] });
  for (const r of d.roles) sources.set(roleKey(r.account, r.name), { record: r, managed: [], inline: [], groups: [] });
  for (const x of d.members) {
    const g = groupKey(x.account, x.group);
    if (groups.has(g)) sources.get(userKey(x.account, x.user))?.groups.push(g);
  }
  const holder = (p: PrincipalRef) => (p.type === 'group' ? groups.get(groupKey(p.account, p.name)) : sources.get(`${p.type}:${p.account}/${lc(p.name)}`));
  for (const a of d.attachments) holder(a.principal)?.managed.push(a.policyArn);
  for (const i of d.inline) {
    const h = holder(i.principal);
    const c = h && compileText(`${i.principal.type}/${i.principal.name}/${i.name}`, i.document, note);
    if (h && c) h.inline.push(c);
    await turn();
  }
  for (const [k, g] of groups) m.groups.set(k, g);
  for (const [k, s] of sources) {
    m.sources.set(k, s);
    const e = entryOf(m, s);
    if (e) m.principals.set(k, e);
    await turn();
  }
  for (const k of d.keys) m.accessKeys.set(k.id, keyEntry(k));
  return m;
}

/** A principal's own pieces as the store holds them now (undefined: it no longer exists). */
async function readSource(tx: ReadTx, key: string, note?: UnreadableNote): Promise<Source | undefined> {
  const kind = key.startsWith('role:') ? 'role' : 'user';
  const account = accountOfKey(key);
  const name = key.slice(key.indexOf('/') + 1);
  const record = kind === 'role' ? await tx.roles.get(account, name) : await tx.users.get(account, name);
  if (!record) return undefined;
  const ref: PrincipalRef = { type: kind, account, name: record.name };
  const inline: CompiledPolicy[] = [];
  for (const p of await tx.inlinePolicies.list(ref)) {
    inline.push(compileText(`${kind}/${record.name}/${p.name}`, p.document, note));
  }
  const groups = kind === 'user' ? (await tx.groups.listForUser(account, record.name)).map((g) => groupKey(g.account, g.name)) : [];
  return { record, managed: await tx.attachments.listForPrincipal(ref), inline, groups };
}

async function readGroup(tx: ReadTx, key: string, note?: UnreadableNote): Promise<{ state: GroupState; members: string[] } | undefined> {
  const account = key.slice(0, key.indexOf('/'));
  const g = await tx.groups.get(account, key.slice(key.indexOf('/') + 1));
  if (!g) return undefined;
  const ref: PrincipalRef = { type: 'group', account, name: g.name };
  const inline: CompiledPolicy[] = [];
  for (const p of await tx.inlinePolicies.list(ref)) {
    inline.push(compileText(`group/${g.name}/${p.name}`, p.document, note));
  }
  const members = (await tx.groups.listMembers(account, g.name)).map((u) => userKey(u.account, u.name));
  return { state: { record: g, managed: await tx.attachments.listForPrincipal(ref), inline }, members };
}

/** The root account, whose records a change of the session keys is (accounts.ts ROOT_ACCOUNT; revocation.ts SESSION_KEYS_RESOURCE). */
const KEYS_ACCOUNT = '000000000000';

/** The latest drop of every other key a ring records (`RingKeyData.dropped`); `-Infinity`: none. */
function droppedAt(keys: readonly RingKeyData[]): number {
  return keys.reduce((t, k) => (k.dropped !== undefined && k.dropped > t ? k.dropped : t), -Infinity);
}

/** Whether `a` and `b` are one change: a restored log may hold another under the same number. */
function sameChange(a: ChangeRecord, b: ChangeRecord): boolean {
  return a.seq === b.seq && a.kind === b.kind && a.key === b.key && a.op === b.op && a.at === b.at;
}

export class LiveState {
  private readonly deps: AppDeps;
  keys: readonly RingKeyData[] = [];
  /**
   * Epoch ms: sessions issued before it are refused, as revoked (`isRevoked`): the latest drop of every other key the
   * ring records (`rotateKeys` with `drop`). Their tokens no longer open; this also ends the claims held without
   * opening them again (a job's credentials served from memory, a reviewed Kubernetes user's session).
   */
  private keysDroppedAt = -Infinity;
  head = -1;
  private revocations = new Map<string, number>();
  private mirror: Mirror = emptyMirror();
  /** True once the whole directory has been loaded: from then on, what is not in memory does not exist (as of `head`). */
  loaded = false;
  /** Bumped whenever a compiled principal changes (the `gatehouse_cache_generation` metric). */
  generation = 0;
  /** Held users' keys by unique id (`userById`), for the mirror and generation it was built from. */
  private byId: { readonly mirror: Mirror; readonly generation: number; readonly index: ReadonlyMap<string, string> } | undefined;
  /**
   * How many times a reload found the change head below the one the last reload read: the database was restored from a
   * backup. What compares itself with `head` (the app's `refreshedHead`) may go back then, and only then (review jj, 5).
   */
  restores = 0;
  /**
   * The change at `head` as the last reload read it. A reload that finds another change under that number reads a log
   * rewritten under this instance (a database restored from a backup, and changed since past the old head): a restore
   * too, though the head did not go back (review qp, 2).
   */
  private atHead: ChangeRecord | undefined;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private wantFull = false;
  private keyWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private keyLoop: Promise<void> | undefined;
  private lastKeyRead = -Infinity;
  private missWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private missLoop: Promise<void> | undefined;
  private lastMissRead = -Infinity;
  /** The change head `keys` was read (or written) at: a reload that read an older head does not replace them (review M5). */
  private keysHead = -1;
  /**
   * Revocations this instance made, with the change head of their commit, until a reload reads a head that
   * includes them: a reload whose snapshot predates one keeps it in its list instead of dropping it (review M5).
   */
  private ownRevocations = new Map<string, { at: number; head: number }>();
  /** A write of revocations a restore took away is running (`writeBackLost`). */
  private writingBack = false;
  /**
   * Epoch ms: the instant of a drop of every other session key (`rotateKeys` with `drop`) this instance held, which a
   * restore took away (the restored ring records no drop that late: the keys it removed are back), to be made again
   * (`dropAgain`); `-Infinity`: none.
   */
  private lostDrop = -Infinity;
  /** `dropAgain` is running. */
  private droppingAgain = false;
  /** When what is held was last known to match the store: the start of the last refresh that succeeded (`deps.now`). */
  private freshAt: number | undefined;
  /**
   * How long (ms) this instance may go without a successful refresh before it stops answering from memory
   * (`--max-staleness`); undefined: no bound, so a full database outage leaves decisions and session checks
   * working. From inside, a full outage and this instance alone cut off from the database look the same; only a
   * bound keeps the second from serving revoked sessions and stale allows for as long as it lasts.
   */
  maxStalenessMs: number | undefined;

  /** Where a stored policy that no longer parses is logged, once (src/app/unreadable-policy.ts). */
  private readonly unreadable: UnreadableNote;

  /** `note`: where a stored policy that no longer parses is reported (`unreadableLog`). */
  constructor(deps: AppDeps, note: UnreadableNote = unreadableLog(undefined)) {
    this.deps = deps;
    this.unreadable = note;
  }

  /**
   * The instant of the revocation entry at `key` (`value`, the milliseconds `putRevocation` writes), or, for one that is
   * not (a database restored or edited by hand, a truncated write), +Infinity: every session it names is refused,
   * whenever issued, until a revocation of it is written again (`putRevocation` replaces it). Read as `Number(value)`, it
   * was NaN (or 0 for an empty value), which no session's issue time is at or before: the sessions a revocation had cut
   * off (a role's, a disabled user's, an ended job's) worked again from the next start on (review pi, 5). Reported once.
   */
  private revocationInstant(key: string, value: string): number {
    if (/^\d{1,16}(?:\.\d+)?$/.test(value)) return Number(value);
    this.unreadable(`revocation entry \`${key}\``, value, [{ code: 'VALIDATION_ERROR', path: '', message: 'not an instant in milliseconds; every session it names is refused, whenever issued, until it is written again (revoke again)' }]);
    return Number.POSITIVE_INFINITY;
  }

  /** `role:<acct>/<name>` or `user:<acct>/<name>` (names lower-cased) → compiled policies, tags and record. */
  get principals(): ReadonlyMap<string, RoleEntry | UserEntry> {
    return this.mirror.principals;
  }

  /**
   * A user held, by its unique id: a user renamed since (`UpdateUser NewUserName`) is the same user, and the sessions
   * issued to it name it by its old name and that id (`SessionClaims.user`, `owner`). From an index built once per
   * `generation` on first use; undefined when no user held has that id (review ns, 2).
   */
  /**
   * The groups user `name` of `account` is in, by lower-cased name (a workspace's members are compared in any case);
   * undefined when no such user is held.
   */
  groupsOfUser(account: string, name: string): readonly string[] | undefined {
    return this.mirror.sources.get(userKey(account, name))?.groups.map((g) => g.slice(g.indexOf('/') + 1));
  }

  userById(id: string): UserEntry | undefined {
    const m = this.mirror;
    if (this.byId?.mirror !== m || this.byId.generation !== this.generation) {
      const index = new Map<string, string>();
      for (const [key, e] of m.principals) if ('user' in e) index.set(e.user.id, key);
      this.byId = { mirror: m, generation: this.generation, index };
    }
    const key = this.byId.index.get(id);
    const e = key === undefined ? undefined : m.principals.get(key);
    return e !== undefined && 'user' in e && e.user.id === id ? e : undefined;
  }

  /** An account as the live state holds it (undefined: not there, as of `head`). */
  account(id: string): AccountRecord | undefined {
    return this.mirror.accounts.get(id);
  }

  accessKey(id: string): KeyEntry | undefined {
    return this.mirror.accessKeys.get(id);
  }

  /** The compiled default version of a managed policy (a session's `PolicyArns`); undefined when unknown or unparsable. */
  managedPolicy(arn: string): CompiledPolicy | undefined {
    return this.mirror.policies.get(arn)?.compiled;
  }

  /** A managed policy as stored, by its exact ARN (its account and tags); undefined when unknown. */
  policyRecord(arn: string): PolicyRecord | undefined {
    return this.mirror.policies.get(arn)?.record;
  }

  /**
   * Accounts, users and roles by name (without regard to case) and managed policies by ARN, answered as a read
   * transaction answers them, from what is held (as of `head`): for the what-ifs that answer as enforcement decides,
   * the database reachable or not (src/app/simulate.ts `DirectoryReads`; review pg, 1). What is not held may have been
   * made a moment ago through another instance: the change log is read once before it counts as absent, as for a
   * principal a decision names (an outage then answers 503, as there).
   */
  readonly held = {
    accounts: { get: (id: string): Promise<AccountRecord | undefined> => this.heldOrLooked(() => this.account(id)) },
    users: {
      get: (account: string, name: string): Promise<UserRecord | undefined> =>
        this.heldOrLooked(() => {
          const e = this.mirror.principals.get(userKey(account, name));
          return e !== undefined && 'user' in e ? e.user : undefined;
        }),
    },
    roles: {
      get: (account: string, name: string): Promise<RoleRecord | undefined> =>
        this.heldOrLooked(() => {
          const e = this.mirror.principals.get(roleKey(account, name));
          return e !== undefined && 'role' in e ? e.role : undefined;
        }),
    },
    groups: { get: (account: string, name: string): Promise<GroupRecord | undefined> => this.heldOrLooked(() => this.mirror.groups.get(groupKey(account, name))?.record) },
    policies: {
      getByArn: (arn: string): Promise<PolicyRecord | undefined> => this.heldOrLooked(() => this.policyRecord(arn)),
      /** By account and name without regard to case, as the store's `get` (`visiblePolicy` resolves an ARN in any case with it). */
      get: (account: string, name: string): Promise<PolicyRecord | undefined> =>
        this.heldOrLooked(() => {
          const arn = this.mirror.policyArns.get(groupKey(account, name));
          return arn === undefined ? undefined : this.policyRecord(arn);
        }),
    },
  };

  /**
   * The users (`kind` user) or roles of `account` held, ordered by name without regard to case as the store lists them:
   * who-can's principals when the database cannot be reached (review qf, 1), the ones decisions are made for.
   * Undefined before the first load, when nothing is held.
   */
  heldList(kind: 'user', account: string): UserRecord[] | undefined;
  heldList(kind: 'role', account: string): RoleRecord[] | undefined;
  heldList(kind: 'user' | 'role', account: string): (UserRecord | RoleRecord)[] | undefined {
    if (!this.loaded) return undefined;
    const prefix = kind === 'user' ? userKey(account, '') : roleKey(account, '');
    const out: [string, UserRecord | RoleRecord][] = [];
    for (const [key, e] of this.mirror.principals) {
      if (!key.startsWith(prefix)) continue;
      const record = 'user' in e ? e.user : e.role;
      out.push([record.name.toLowerCase(), record]);
    }
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((x) => x[1]);
  }

  private async heldOrLooked<T>(find: () => T | undefined): Promise<T | undefined> {
    const found = find();
    if (found !== undefined) return found;
    await this.refresh();
    return find();
  }

  /** Milliseconds since the start of the last refresh that succeeded (the `gatehouse_directory_staleness_seconds` gauge); 0 before the first load. */
  stalenessMs(): number {
    return this.freshAt === undefined ? 0 : Math.max(0, this.deps.now() - this.freshAt);
  }

  /** Whether the state is older than `maxStalenessMs` allows: the instance is then not ready, and answers 503. */
  tooStale(): boolean {
    return this.loaded && this.maxStalenessMs !== undefined && this.stalenessMs() > this.maxStalenessMs;
  }

  /**
   * Throws `StoreUnavailableError` (503 ServiceUnavailable, which clients retry, at every edge) when the state is
   * older than the bound: what it would answer may miss a revocation or a deny made through another instance.
   */
  assertFresh(): void {
    if (!this.tooStale()) return;
    throw new StoreUnavailableError(
      `the directory was last refreshed ${(this.stalenessMs() / 1000).toFixed(1)} s ago, more than the bound of ${((this.maxStalenessMs ?? 0) / 1000).toFixed(1)} s (--max-staleness): answering 503 until a refresh succeeds`,
    );
  }

  /** Principals and access keys held in memory (the load's size, for the start-up log). */
  size(): { principals: number; accessKeys: number; policies: number } {
    return { principals: this.mirror.principals.size, accessKeys: this.mirror.accessKeys.size, policies: this.mirror.policies.size };
  }

  /**
   * Creates the key ring on first start, then loads everything. Answers `'remade'` when the ring was missing from a
   * database that already holds a directory (an account): a new ring was made there too, since sessions must be issued,
   * but every session sealed before is refused from now on, on every instance (they adopt it as a rotation), which the
   * caller must say (review uv, 2: it was silent).
   */
  async init(): Promise<'remade' | undefined> {
    const made = await this.deps.store.write(async (tx) => {
      if ((await tx.kv.get(KEYRING_KV)) !== undefined) return undefined;
      const keys = [this.deps.sessions.newKey(this.deps.now())];
      await tx.kv.put(KEYRING_KV, this.deps.sealer.seal(this.deps.sessions.serialise(keys), KEYRING_KV));
      return (await tx.accounts.list()).length > 0 ? ('remade' as const) : undefined;
    });
    await this.refresh(true);
    return made;
  }

  /**
   * Applies what changed since the last head seen (with `full`, or before the first load, loads everything
   * again). The reload a call resolves with begins after the call: a caller that has just committed a write sees
   * it applied. Calls made while one runs share the next. A failed reload changes nothing: what was loaded keeps
   * being served until a later one succeeds.
   */
  refresh(full = false): Promise<void> {
    if (full) this.wantFull = true;
    if (this.running === undefined) {
      this.running = this.reload().finally(() => (this.running = undefined));
      return this.running;
    }
    this.queued ??= this.running
      .catch(() => {})
      .then(() => {
        this.queued = undefined;
        return this.refresh();
      });
    return this.queued;
  }

  private async reload(): Promise<void> {
    const started = this.deps.now();
    const full = this.wantFull || !this.loaded;
    type Outcome = {
      head: number;
      all?: Awaited<ReturnType<typeof readAll>>;
      apply?: () => void;
      keys?: readonly RingKeyData[] | undefined;
      /** The whole revocation list, read again. */
      revocations?: Map<string, number>;
      /** Or the entries that changed (undefined: removed), `<kind>/<id>` → instant. */
      revoked?: Map<string, number | undefined>;
      /** Another change than the one read before under the old head: the log was rewritten (review qp, 2). */
      rewound: boolean;
      /** The change at `head`. */
      atHead: ChangeRecord | undefined;
    };
    const out = await this.deps.store.read(async (tx): Promise<Outcome | undefined> => {
      const head = await tx.changes.head();
      // The change read before under the old head, read again. Only a head that went back told a restore: once changes
      // made after the restore had passed the old head, the changes past it were taken as the ones after those applied,
      // and what the restore took away (and what was made since under numbers already passed) went unseen (review qp, 2).
      // Also when the head stands at that very number: as many changes made since the restore as it took away (an
      // instance cut off while it ran, or between two polls) read as "nothing changed", and the instance kept what the
      // restore took away and never applied what was written since, a revocation included, until a later change moved
      // the head (review tj, 1). One more read of one row by its key, on a poll that finds nothing new.
      let rewound = false;
      const was = this.atHead;
      if (was !== undefined && head >= this.head) {
        const [then] = await tx.changes.since(this.head - 1, 1);
        rewound = then !== undefined && then.seq === was.seq && !sameChange(then, was);
      }
      if (!full && !rewound && head === this.head) return undefined;
      let scope: ChangeScope | undefined;
      let last: ChangeRecord | undefined;
      if (!full && !rewound && this.head >= 0 && head > this.head) {
        const changes: ChangeRecord[] = [];
        for (let page = 0, after = this.head; page < CHANGES_PAGES && after < head; page++) {
          const read = await tx.changes.since(after, CHANGES_PAGE);
          // Changes pruned from under this instance (src/app/change-log.ts): what they changed is unknown.
          if (!continues(read, after)) {
            changes.length = 0;
            break;
          }
          changes.push(...read);
          if (read.length < CHANGES_PAGE) break;
          after = read.at(-1)?.seq ?? head;
        }
        last = changes.at(-1);
        // All of them, or nothing learnt: reload everything; likewise when they name so much that reading each is slower.
        if (changes.at(-1)?.seq === head) {
          const s = scopeOf(changes);
          if (s.principals.size + s.groups.size + s.policies.size + s.accessKeys.size + s.accounts.size <= SCOPE_MAX) scope = s;
        }
      }
      if (last?.seq !== head) last = head > 0 ? (await tx.changes.since(head - 1, 1))[0] : undefined;
      const o: Outcome = { head, rewound, atHead: last?.seq === head ? last : undefined };
      if (scope === undefined || scope.keys) o.keys = await this.readKeys(tx);
      if (scope === undefined || scope.revocationKeys.size > REVOKED_MAX) {
        const rev = new Map<string, number>();
        for (const { key, value } of await tx.kv.list(REVOKE_PREFIX)) rev.set(key.slice(REVOKE_PREFIX.length), this.revocationInstant(key, value));
        o.revocations = rev;
      } else if (scope.revocations) {
        const read = await tx.kv.getMany([...scope.revocationKeys]);
        o.revoked = new Map([...scope.revocationKeys].map((key) => [key.slice(REVOKE_PREFIX.length), read.has(key) ? this.revocationInstant(key, read.get(key) as string) : undefined]));
      }
      if (scope === undefined || scope.everything) o.all = await readAll(tx);
      else o.apply = await this.readChanges(tx, scope);
      return o;
    });
    if (out === undefined) {
      this.freshAt = started;
      return;
    }
    // Compiled outside the transaction; nothing is replaced until all of it is ready.
    const built = out.all && (await buildMirror(out.all, this.unreadable));
    // A head below the one the last reload read (reloads run one at a time, and the head only grows otherwise): the
    // database was restored from a backup. Its key ring is what every instance goes by now, as one restarted loads it:
    // kept as "older" than a ring this instance rotated in after the backup, it sealed every session with a key no other
    // instance could open, and never took a rotation made since through another (review jj, 4).
    // So was it when another change stands under the old head's number: changes made since the restore passed it
    // (review qp, 2).
    const restored = out.head < this.head || out.rewound;
    if (restored) {
      this.keysHead = -1;
      this.restores++;
    }
    // What this instance wrote after the snapshot this reload read stays in force (a revocation, a rotated-in key).
    // A ring that records no drop of the keys as late as the one this instance holds brings back the keys it removed
    // (the leaked one, perhaps as the active key): a restore from a backup made before the drop, or an older copy of
    // the row put back. Not adopted: the drop is made again (`dropAgain`) and that ring adopted (review uy, 2); a drop is
    // never undone, as a revocation is not (review kq, 2). Unless every session issued before it has expired: a later
    // rotation prunes the key that records it once retired for as long (`RETIRED_KEEP_MS`).
    if (out.keys) this.takeKeys(out.keys, out.head);
    // The entries that changed are applied in place (nothing reads the map across an await).
    let rev = out.revocations;
    if (rev === undefined && out.revoked !== undefined) {
      rev = this.revocations;
      for (const [entry, at] of out.revoked) {
        if (at === undefined) rev.delete(entry);
        else rev.set(entry, at);
      }
    }
    if (rev !== undefined) {
      // A restore took away the revocations made after its backup; a revocation is never undone (review M2): those this
      // instance held, made through it or heard of, are kept in force here and written back (`writeBackLost`), else
      // the instances that had only heard of them let the sessions in again at once, the one that made them later, and
      // one started after the restore never refused them (review kq, 2). Entries past the pruning age are not.
      if (restored && rev !== this.revocations) {
        const t = this.deps.now();
        for (const [entry, at] of this.revocations) {
          if (revocationSpent(entry, at, t) || (rev.get(entry) ?? -Infinity) >= at) continue;
          const own = this.ownRevocations.get(entry);
          this.ownRevocations.set(entry, { at: Math.max(at, own?.at ?? -Infinity), head: Infinity });
        }
      }
      for (const [key, own] of this.ownRevocations) {
        if (own.head <= out.head) this.ownRevocations.delete(key);
        else rev.set(key, Math.max(own.at, rev.get(key) ?? -Infinity));
      }
      this.revocations = rev;
    }
    if (built) {
      this.mirror = built;
      this.generation++;
      this.loaded = true;
      this.wantFull = false;
    } else out.apply?.();
    this.head = out.head;
    this.atHead = out.atHead;
    this.freshAt = started;
    this.writeBackLost();
    this.dropAgain();
  }

  /**
   * Makes again a drop of the session keys a restore took away (`lostDrop`): a ring of a new key recording that drop's
   * instant (`dropped`), with the keys rotated in after it (through an instance that knew of no drop, after the
   * restore) kept as retired, every other key removed; written only while the stored ring records no drop that late
   * (another instance may have made it again first). Not awaited by the reload that found it; a failed write is tried
   * again after the next reload. Recorded as the server's change of the session keys.
   */
  private dropAgain(): void {
    if (this.droppingAgain || this.lostDrop === -Infinity) return;
    const at = this.lostDrop;
    this.droppingAgain = true;
    void (async () => {
      const now = this.deps.now();
      const fresh: RingKeyData = { ...this.deps.sessions.newKey(now), dropped: at };
      let written: { ring: readonly RingKeyData[]; removed: readonly string[] } | undefined;
      const head = await this.deps.store.write(async (tx) => {
        const sealed = await tx.kv.get(KEYRING_KV);
        const text = sealed === undefined ? '[]' : this.deps.sealer.open(sealed as SealedSecret, KEYRING_KV);
        if (text === undefined) throw new KeyRingUnreadable();
        const current = this.deps.sessions.parse(text);
        if (droppedAt(current) >= at) return undefined;
        const kept = current.filter((k) => k.created > at).map((k) => (k.retired === undefined ? { ...k, retired: now } : k));
        const ring = [fresh, ...kept];
        await tx.kv.put(KEYRING_KV, this.deps.sealer.seal(this.deps.sessions.serialise(ring), KEYRING_KV));
        written = { ring, removed: current.filter((k) => k.created <= at).map((k) => k.kid) };
        return tx.changes.head();
      });
      if (this.lostDrop === at) this.lostDrop = -Infinity;
      if (written !== undefined && head !== undefined) {
        this.adoptKeys(written.ring, head);
        this.deps.audit?.record({
          kind: 'change',
          account: KEYS_ACCOUNT,
          principal: 'gatehouse',
          action: 'gatehouse:RotateKeys',
          resource: `arn:aws:gatehouse::${KEYS_ACCOUNT}:session-keys`,
          decision: 'ok',
          detail: { request: { dropRetired: true, restoredDrop: true }, result: { keyId: fresh.kid, created: new Date(now).toISOString(), retiredKeys: written.ring.length - 1, droppedKeyIds: written.removed, refusedBefore: new Date(at).toISOString() } },
        });
      }
      // The stored ring (made again here or by another instance), adopted at its head.
      await this.refresh().catch(() => undefined);
    })()
      .catch(() => undefined)
      .finally(() => (this.droppingAgain = false));
  }

  /**
   * Writes back the revocations a restore took away (`ownRevocations` entries of head `Infinity`: in force here, not in
   * the database), 500 a write, each kept only if no later instant is stored. Not awaited by the reload that found them:
   * the write's own reload would wait for it. One at a time; a failed write is tried again after the next reload.
   */
  private writeBackLost(): void {
    if (this.writingBack) return;
    const lost = [...this.ownRevocations].filter(([, own]) => own.head === Infinity);
    if (lost.length === 0) return;
    this.writingBack = true;
    void (async () => {
      for (let i = 0; i < lost.length; i += 500) {
        const part = lost.slice(i, i + 500);
        const head = await this.deps.store.write(async (tx) => {
          for (const [entry, own] of part) {
            const slash = entry.indexOf('/');
            await putRevocation(tx, entry.slice(0, slash) as RevocationKind, entry.slice(slash + 1), own.at);
          }
          return tx.changes.head();
        });
        for (const [entry, own] of part) {
          const now = this.ownRevocations.get(entry);
          if (now?.head === Infinity) this.ownRevocations.set(entry, { at: Math.max(now.at, own.at), head });
        }
      }
    })()
      .catch(() => undefined)
      .finally(() => (this.writingBack = false));
  }

  /**
   * Reads what the changes in `scope` name, and returns the (synchronous) step that applies it: the pieces read
   * replace the old ones, and every principal built from a changed piece is rebuilt.
   */
  private async readChanges(tx: ReadTx, scope: ChangeScope): Promise<() => void> {
    const m = this.mirror;
    const accounts = new Map<string, AccountRecord | undefined>();
    for (const id of scope.accounts) accounts.set(id, await tx.accounts.get(id));
    const policies = new Map<string, { arn: string; policy: ManagedPolicy | undefined }>();
    /**
     * ARNs a policy key no longer names: the policy was deleted and created again under the same name at another
     * path (its ARN holds the path) between two refreshes. The old one is gone, as a full load would find it
     * (review ae, 2): kept, a session naming it in `PolicyArns` went on being narrowed by the deleted document
     * instead of allowing nothing.
     */
    const retired = new Set<string>();
    for (const key of scope.policies) {
      const [account = '', name = ''] = key.split('/');
      const p = await tx.policies.get(account, name);
      const v = p && (await tx.policies.getDefaultVersion(p.arn));
      const held = m.policyArns.get(key);
      if (p && held !== undefined && held !== p.arn) retired.add(held);
      const arn = p?.arn ?? held;
      if (arn !== undefined) policies.set(key, { arn, policy: p && v ? { key, compiled: compileText(p.arn, v.document, this.unreadable), record: p } : undefined });
    }
    const groups = new Map<string, { state: GroupState; members: string[] } | undefined>();
    for (const key of scope.groups) groups.set(key, await readGroup(tx, key, this.unreadable));
    const sources = new Map<string, Source | undefined>();
    for (const key of scope.principals) sources.set(key, await readSource(tx, key, this.unreadable));
    const keys = new Map<string, KeyEntry | undefined>();
    for (const id of scope.accessKeys) {
      const k = await tx.accessKeys.get(id);
      keys.set(id, k && keyEntry(k));
    }
    // A user read again brings its keys along (a renamed user's keys carry the new name). The keys held of users gone are
    // found through one index of the held keys by user, not a walk of every key per user gone (review jt, 1).
    let heldByUser: Map<string, string[]> | undefined;
    for (const [key, s] of sources) {
      if (s && isUserSource(s)) for (const k of await tx.accessKeys.listForUser(s.record.account, s.record.name)) keys.set(k.id, keyEntry(k));
      else if (!s) {
        heldByUser ??= keysByUser(m.accessKeys);
        for (const id of heldByUser.get(key) ?? []) if (!keys.has(id)) keys.set(id, undefined);
      }
    }
    // A managed policy attached before this instance heard of it (its `policy` change is in this run, or was missed).
    const readArns = new Set([...policies.values()].map((p) => p.arn));
    const known = (arn: string) => m.policies.has(arn) || readArns.has(arn);
    const extra = new Map<string, ManagedPolicy>();
    const refs = new Set<string>();
    for (const s of sources.values()) {
      for (const arn of s?.managed ?? []) refs.add(arn);
      if (s?.record.permissionsBoundary) refs.add(s.record.permissionsBoundary);
    }
    for (const g of groups.values()) for (const arn of g?.state.managed ?? []) refs.add(arn);
    for (const arn of refs) {
      if (known(arn)) continue;
      const p = await tx.policies.getByArn(arn);
      const v = p && (await tx.policies.getDefaultVersion(arn));
      if (p && v) extra.set(arn, { key: groupKey(p.account, p.name), compiled: compileText(arn, v.document, this.unreadable), record: p });
    }
    return () => this.applyChanges(accounts, policies, retired, extra, groups, sources, keys);
  }

  private applyChanges(
    accounts: ReadonlyMap<string, AccountRecord | undefined>,
    policies: ReadonlyMap<string, { arn: string; policy: ManagedPolicy | undefined }>,
    retired: ReadonlySet<string>,
    extra: ReadonlyMap<string, ManagedPolicy>,
    groups: ReadonlyMap<string, { state: GroupState; members: string[] } | undefined>,
    sources: ReadonlyMap<string, Source | undefined>,
    keys: ReadonlyMap<string, KeyEntry | undefined>,
  ): void {
    const m = this.mirror;
    const rebuild = new Set<string>(sources.keys());
    const changedArns = new Set<string>();
    // Each step below walks the held principals once for the whole run of changes, never once per changed account or
    // group: a run may name up to SCOPE_MAX of them, and this runs in one turn of the event loop. Once per group, an
    // apply that created 1,000 groups held every instance's event loop for 2.3 s with 20,000 users (decisions, session
    // checks and probes waiting), four times what loading everything again costs, which yields as it goes (review jt, 1).
    for (const [id, a] of accounts) {
      if (a) m.accounts.set(id, a);
      else m.accounts.delete(id);
    }
    if (accounts.size > 0) for (const key of m.sources.keys()) if (accounts.has(accountOfKey(key))) rebuild.add(key);
    for (const [key, { arn, policy }] of policies) {
      changedArns.add(arn);
      if (policy) {
        m.policies.set(arn, policy);
        m.policyArns.set(key, arn);
      } else {
        m.policies.delete(arn);
        m.policyArns.delete(key);
      }
    }
    for (const arn of retired) {
      changedArns.add(arn);
      m.policies.delete(arn);
    }
    for (const [arn, policy] of extra) {
      changedArns.add(arn);
      m.policies.set(arn, policy);
      m.policyArns.set(policy.key, arn);
    }
    for (const [key, s] of sources) {
      if (s) m.sources.set(key, s);
      else m.sources.delete(key);
    }
    // A group read again: its pieces, and who is in it (a renamed group's members now name it by its new key). The users
    // concerned are those held in a changed group and the members read of one; each is rebuilt, with its groups set to
    // what was read (users read again themselves came with theirs).
    if (groups.size > 0) {
      const members = new Map<string, ReadonlySet<string>>();
      for (const [g, read] of groups) {
        if (read) m.groups.set(g, read.state);
        else m.groups.delete(g);
        members.set(g, new Set(read?.members ?? []));
      }
      const concerned = new Set<string>();
      for (const [key, s] of m.sources) if (isUserSource(s) && s.groups.some((g) => groups.has(g))) concerned.add(key);
      for (const of of members.values()) for (const key of of) concerned.add(key);
      for (const key of concerned) {
        const s = m.sources.get(key);
        if (s === undefined || !isUserSource(s) || sources.has(key)) continue;
        let groupsOf = s.groups;
        for (const [g, of] of members) {
          const has = groupsOf.includes(g);
          if (has !== of.has(key)) groupsOf = has ? groupsOf.filter((x) => x !== g) : [...groupsOf, g].sort();
        }
        if (groupsOf !== s.groups) m.sources.set(key, { ...s, groups: groupsOf });
        rebuild.add(key);
      }
    }
    // Holders of a changed managed policy, directly, as a boundary, or through a group.
    if (changedArns.size > 0) {
      const viaGroups = new Set<string>();
      for (const [g, state] of m.groups) if (state.managed.some((a) => changedArns.has(a))) viaGroups.add(g);
      for (const [key, s] of m.sources) {
        const b = s.record.permissionsBoundary;
        if (s.managed.some((a) => changedArns.has(a)) || (b !== null && changedArns.has(b)) || s.groups.some((g) => viaGroups.has(g))) rebuild.add(key);
      }
    }
    for (const [id, k] of keys) {
      if (k) m.accessKeys.set(id, k);
      else m.accessKeys.delete(id);
    }
    // A deleted account: nothing of it stays.
    const gone = new Set([...accounts].filter(([, a]) => a === undefined).map(([id]) => id));
    if (gone.size > 0) {
      for (const [key, s] of m.sources) if (gone.has(s.record.account)) m.sources.delete(key);
      for (const [kid, k] of m.accessKeys) if (gone.has(k.account)) m.accessKeys.delete(kid);
    }
    for (const key of rebuild) {
      const s = m.sources.get(key);
      const e = s && entryOf(m, s);
      if (e) m.principals.set(key, e);
      else m.principals.delete(key);
    }
    if (rebuild.size > 0 || keys.size > 0 || changedArns.size > 0) this.generation++;
  }

  private async readKeys(tx: ReadTx): Promise<readonly RingKeyData[] | undefined> {
    const sealed = await tx.kv.get(KEYRING_KV);
    if (sealed === undefined) return undefined;
    const text = openSealedRecord(this.deps.sealer, sealed, KEYRING_KV, 'the session key ring');
    return parseSealedRecord(text, KEYRING_KV, 'the session key ring', (t) => this.deps.sessions.parse(t));
  }

  private async loadKeys(tx: ReadTx): Promise<void> {
    const head = await tx.changes.head();
    const keys = await this.readKeys(tx);
    if (keys) this.takeKeys(keys, head);
  }

  /** The key ring read at change head `head`, adopted unless it undoes a drop this instance holds (then made again). */
  private takeKeys(keys: readonly RingKeyData[], head: number): void {
    if (head >= this.keysHead && droppedAt(keys) < this.keysDroppedAt && this.keysDroppedAt > this.deps.now() - RETIRED_KEEP_MS) {
      this.lostDrop = Math.max(this.lostDrop, this.keysDroppedAt);
    } else this.adoptKeys(keys, head);
  }

  /** The key ring read or written at change head `head`, unless one read at a later head is already in force (review M3, M5). */
  private adoptKeys(keys: readonly RingKeyData[], head: number): void {
    if (head < this.keysHead) return;
    this.keys = keys;
    this.keysHead = head;
    this.keysDroppedAt = droppedAt(keys);
  }

  /**
   * Reads the key ring from the store now and takes it as a reload does (`takeKeys`: not a ring that undoes a drop held
   * here), for `keys list`, which answers the ring then held. Throws `KeyRingUnreadable` if the stored ring does not open
   * with this master key: the ring held here is then not the one the other instances use, and listing it as the
   * deployment's would mislead; a store that cannot be reached is thrown as by any read.
   */
  async readKeysNow(): Promise<void> {
    await this.deps.store.read(async (tx) => {
      const head = await tx.changes.head();
      const sealed = await tx.kv.get(KEYRING_KV);
      if (sealed === undefined) return;
      const text = this.deps.sealer.open(sealed as SealedSecret, KEYRING_KV);
      if (text === undefined) {
        throw new KeyRingUnreadable(
          "the session key ring stored in the database does not open with this instance's master key, so the keys this instance holds are not the deployment's and are not listed: give every instance the same master key (GATEHOUSE_MASTER_KEY or --master-key-file)",
        );
      }
      this.takeKeys(parseSealedRecord(text, KEYRING_KV, 'the session key ring', (t) => this.deps.sessions.parse(t)), head);
    });
    this.dropAgain();
  }

  /**
   * Re-reads the key ring because a token named a key this instance does not hold: another instance may have
   * rotated the ring and sealed with the new key before this one heard of it. Resolves after a read that began
   * after the call (callers asking together share one); at most one read per `KEY_READ_GAP_MS`, so tokens with
   * made-up key ids cannot load the store. A failed read leaves the ring as it was; when it failed because the
   * store cannot be reached, the promise rejects with that `StoreUnavailableError`: whether the token is valid
   * cannot be told, and 503 (retried by SDKs) is the answer, not InvalidClientTokenId (403, never retried).
   */
  reloadKeys(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.keyWaiters.push({ resolve, reject });
      this.keyLoop ??= this.readKeysForWaiters();
    });
  }

  private async readKeysForWaiters(): Promise<void> {
    for (;;) {
      const wait = this.lastKeyRead + KEY_READ_GAP_MS - Date.now();
      if (wait > 0) await sleep(wait);
      const batch = this.keyWaiters;
      this.keyWaiters = [];
      this.lastKeyRead = Date.now();
      let out: unknown;
      try {
        await this.deps.store.read((tx) => this.loadKeys(tx));
        this.dropAgain();
      } catch (e) {
        // The store is out: the key may well exist (rotated in through an instance that reaches it). Anything
        // else leaves the token unknown, as it would have been without this read.
        if (isStoreUnavailable(e)) out = e;
      }
      for (const w of batch) {
        if (out === undefined) w.resolve();
        else w.reject(out);
      }
      if (this.keyWaiters.length === 0) {
        this.keyLoop = undefined;
        return;
      }
    }
  }

  /**
   * A refresh because a request names an access key id this instance does not hold (created a moment ago through another
   * instance, perhaps): resolves (or rejects, as `refresh`) after a refresh that began after the call. Callers asking
   * together share one, and these refreshes run at most every `MISS_READ_GAP_MS`: one per request, requests signed with
   * made-up access key ids — which anyone can send, nothing about them is checked first — ran refreshes back to back on
   * every instance they reached, a store transaction each (review mx, 3). Principals and managed policies not held keep
   * their own refresh: only an authenticated caller names them, and a batch of authorize questions asks one at a time.
   */
  refreshForMiss(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.missWaiters.push({ resolve, reject });
      this.missLoop ??= this.refreshForMissWaiters();
    });
  }

  private async refreshForMissWaiters(): Promise<void> {
    for (;;) {
      const wait = this.lastMissRead + MISS_READ_GAP_MS - Date.now();
      if (wait > 0) await sleep(wait);
      const batch = this.missWaiters;
      this.missWaiters = [];
      this.lastMissRead = Date.now();
      let failed: { readonly e: unknown } | undefined;
      try {
        await this.refresh();
      } catch (e) {
        failed = { e };
      }
      for (const w of batch) {
        if (failed === undefined) w.resolve();
        else w.reject(failed.e);
      }
      if (this.missWaiters.length === 0) {
        this.missLoop = undefined;
        return;
      }
    }
  }

  /**
   * Rotates the key ring: a new active key; old keys keep opening tokens until those expire. With `drop`, every other
   * key is removed instead (after a leak: the sessions they sealed are refused at once, on every instance as it reads
   * the ring, within a second), and the new key records the instant (`dropped`), before which no session is accepted
   * (`isRevoked`). `committed` is told the new key, the ring written and the ids of the keys dropped; `attempting`, the
   * new key before the write. Throws
   * `KeyRingUnreadable` (nothing written) if the stored ring does not open with this master key.
   */
  async rotateKeys(committed?: (fresh: RingKeyData, ring: readonly RingKeyData[], dropped: readonly string[]) => void, drop = false, attempting?: (fresh: RingKeyData) => void): Promise<RingKeyData> {
    const now = this.deps.now();
    const fresh: RingKeyData = drop ? { ...this.deps.sessions.newKey(now), dropped: now } : this.deps.sessions.newKey(now);
    // The key about to be written, for the record of a rotation whose COMMIT answer is lost (it may be in force).
    attempting?.(fresh);
    let ring: RingKeyData[] = [];
    let dropped: string[] = [];
    const head = await this.deps.store.write(async (tx) => {
      const sealed = await tx.kv.get(KEYRING_KV);
      const text = sealed === undefined ? '[]' : this.deps.sealer.open(sealed as SealedSecret, KEYRING_KV);
      // Read as empty, the ring was written over with the new key alone (review im, 3): every key the sessions of
      // the other instances are sealed with was lost, and so was the ring for the instances of the other master key.
      if (text === undefined) throw new KeyRingUnreadable();
      const current = this.deps.sessions.parse(text);
      const kept = current
        .filter((k) => k.retired === undefined || now - k.retired < RETIRED_KEEP_MS)
        .map((k) => (k.retired === undefined ? { ...k, retired: now } : k));
      ring = drop ? [fresh] : [fresh, ...kept];
      dropped = (drop ? current : current.filter((k) => !kept.some((c) => c.kid === k.kid))).map((k) => k.kid);
      await tx.kv.put(KEYRING_KV, this.deps.sealer.seal(this.deps.sessions.serialise(ring), KEYRING_KV));
      return tx.changes.head();
    }, committed === undefined ? undefined : { committed: () => committed(fresh, ring, dropped) });
    // In force here at once, whether or not the reload after the write gets through.
    this.adoptKeys(ring, head);
    await this.refresh().catch(() => {});
    return fresh;
  }

  /** Revokes the target's sessions issued at or before `at`; the instant in force after it, which may be later (a job's end). */
  async revoke(kind: RevocationKind, id: string, at: number, committed?: (kept: number) => void): Promise<number> {
    // One entry per target: the later instant wins. A revoke through an instance whose clock is behind, or one that
    // took its instant first and committed second, must not give back sessions an earlier one cut off (review M2).
    // `committed`: told the instant in force as the write commits, before the reloads below (its record, review iw, 4).
    const { kept, head } = await this.deps.store.write(
      async (tx) => {
        const kept = await putRevocation(tx, kind, id, at);
        return { kept, head: await tx.changes.head() };
      },
      committed === undefined ? undefined : { committed: (v) => committed(v.kept) },
    );
    // In force here at once, whether or not the reload after the write gets through, and kept by a reload running
    // meanwhile on an older snapshot; the compiled principals are left as they are (a revocation changes none of them).
    // Set in place: `isRevoked` reads the map synchronously, and a copy of a list that only grows cost each revocation
    // more (review az, 2).
    const entry = `${kind}/${id}`;
    const own = this.ownRevocations.get(entry);
    this.ownRevocations.set(entry, { at: Math.max(kept, own?.at ?? -Infinity), head: Math.max(head, own?.head ?? -1) });
    this.revocations.set(entry, Math.max(kept, this.revocations.get(entry) ?? -Infinity));
    await this.refresh().catch(() => {});
    return kept;
  }

  /**
   * Deletes the revocation entries no session can meet any more: an entry refuses the sessions issued at or before its
   * instant, and every such session has expired once the longest session (36 h) and the clock skew allowed (15 min)
   * have passed since (`RETIRED_KEEP_MS`, as for retired keys). The list only grew (an entry per ended job, per
   * revoke-sessions, per disabled user), every instance held it all and loaded it whole at start (review az). A console
   * sign-in's entry goes once the sign-in it ended has expired and the skew has passed (`signInRevocationId`, review
   * pm, 2). An administrator's entries (by role, session ARN, user) are kept for good: they end workload
   * grants, which outlive their sessions (`KEPT_FOR_GOOD`, review qh, 1). Each part of 500 is read again in the write that deletes it, so an entry revoked again meanwhile (a later
   * instant) stays. Returns how many were deleted.
   */
  async pruneRevocations(now: number): Promise<number> {
    const old = [...this.revocations].filter(([entry, at]) => revocationSpent(entry, at, now)).map(([entry]) => `${REVOKE_PREFIX}${entry}`);
    let pruned = 0;
    for (let i = 0; i < old.length; i += 500) {
      const part = old.slice(i, i + 500);
      pruned += await this.deps.store.write(async (tx) => {
        const stored = await tx.kv.getMany(part);
        let n = 0;
        for (const key of part) {
          const at = Number(stored.get(key));
          if (!stored.has(key) || !revocationSpent(key.slice(REVOKE_PREFIX.length), at, now)) continue;
          await tx.kv.delete(key);
          n += 1;
        }
        return n;
      });
    }
    if (pruned > 0) await this.refresh().catch(() => {});
    return pruned;
  }

  /**
   * Epoch ms of the drop of the session keys (`keys rotate --drop-retired`) that refuses this session, issued before it;
   * undefined when none does. For the refusals that say why (`isRevoked` refuses it either way): a revoke-sessions, a
   * job's end or a user disabled did not end it, and saying so sent the operator to look for one (review va, 4).
   */
  droppedBefore(c: SessionClaims): number | undefined {
    return c.iat < this.keysDroppedAt ? this.keysDroppedAt : undefined;
  }

  /** Was this session revoked (its role's sessions, its ARN, itself, its job, or its user)? */
  isRevoked(c: SessionClaims): boolean {
    // Issued before every key but the newest was dropped (`rotateKeys` with `drop`): sealed with a dropped key, or
    // claiming so. A session sealed since by an instance whose clock is behind the dropping one's may be refused as
    // well, as after any revocation (docs/decisions.md, "Bounded waits on PostgreSQL").
    if (c.iat < this.keysDroppedAt) return true;
    if (this.revocations.size === 0) return false;
    const at = (kind: RevocationKind, id: string): boolean => {
      const t = this.revocations.get(`${kind}/${id}`);
      return t !== undefined && c.iat <= t;
    };
    // `sid/<session id>` is written no more (a sign-out writes `signin/…` since review pm, 2, a job's session issued as
    // it ended since review ps, 1, both on 2026-12-06), but a store written before holds such entries for 36 h 15 min
    // (not KEPT_FOR_GOOD), each ending a session that may still be live: read until every one is spent (from
    // 2026-12-08T07:00Z), or an upgrade would make a signed-out sign-in or an ended job's session usable again (review rx).
    if (at('sid', c.sid)) return true;
    // A session ended by its id and expiry: a console sign-in signed out, a job's session issued as the job ended.
    if (at('signin', signInRevocationId(c))) return true;
    // A console sign-in opened with temporary credentials ends with them (src/app/sts.ts consoleSignIn): the entries
    // about their principal, role, session or job apply to it as to them (it copies their claims and issue time); this
    // one, to those ended by their id before review pm, 2 (above).
    if (c.con !== undefined && 'sid' in c.con && at('sid', c.con.sid)) return true;
    // One opened with a long-term key ends when the key is made Inactive, and stays ended once it is Active again (review rp, 2).
    if (c.con !== undefined && 'ak' in c.con && at('key', c.con.ak)) return true;
    if (c.job !== undefined && at('job', c.job)) return true;
    if (c.role) {
      if (at('role', roleArnOf(c.part, c.acct, c.role.path, c.role.name))) return true;
      // A session ARN names the session whatever the case of its session name (as the authorize API's `scopeName` does,
      // review K7): revocation.ts writes the entry with the name lower-cased; an entry written before, in its own case,
      // still applies.
      if (at('session', sessionArn(c.part, c.acct, c.role.name, c.name)) || at('session', sessionArn(c.part, c.acct, c.role.name, c.name.toLowerCase()))) return true;
    }
    // A federated user's session (GetFederationToken) ends with its IAM user as a GetSessionToken session does.
    const asUser = c.user ?? c.fu;
    if (asUser && (at('user', `${c.acct}/${asUser.name.toLowerCase()}`) || at('user', `${c.acct}/id:${asUser.id}`))) return true;
    return false;
  }
}

export interface FollowOptions {
  /** Picks up what changed (cheap when nothing did): the app's `refresh`. */
  readonly refresh: () => Promise<void>;
  /**
   * Deletes the change log's old changes (`pruneChangeLog`, src/app/change-log.ts), how many: a minute after the start,
   * then every `PRUNE_CHANGES_MS`. Each instance prunes; deleting what another instance deleted does nothing. `signal`
   * is aborted when the follower stops: the prune ends at its next chunk (review mi, 1).
   */
  readonly pruneChanges?: (signal: AbortSignal) => Promise<number>;
  /** The change head this instance has applied. */
  readonly head: () => number;
  /** The store's change notifications, where it has them (`Store.subscribe`). */
  readonly subscribe?: ((listener: ChangeListener) => ChangeSubscription) | undefined;
  readonly log: (line: string) => void;
  /** Poll interval while notifications arrive: the safety net; default 1,000 ms. */
  readonly pollMs?: number;
  /** Poll interval without notifications (none in this store, or the listening connection is down); default 250 ms. */
  readonly fallbackPollMs?: number;
  /**
   * The age of the state (`LiveState.stalenessMs`) and the bound past which the instance stops answering from it
   * (`LiveState.maxStalenessMs`): logged once when the age passes the bound (or `STALE_WARN_MS` without one), and
   * once when a refresh succeeds again.
   */
  readonly staleness?: { readonly ageMs: () => number; readonly boundMs: number | undefined };
}

/** Without a staleness bound, how old the state may grow before the log says so (once). */
export const STALE_WARN_MS = 30_000;

/** How often `followChanges` prunes the change log (`FollowOptions.pruneChanges`). */
export const PRUNE_CHANGES_MS = 3_600_000;

export interface Following {
  /** Whether change notifications are arriving now. */
  listening(): boolean;
  stop(): Promise<void>;
}

/**
 * Keeps this instance's state current: a refresh on every notification of a change this instance has not
 * applied yet, on every (re)connect of the notification channel (to catch up on what was sent while it was
 * down), and on a timer. One refresh runs at a time; a notification arriving during one asks for another,
 * since the running one may have read the change head before that commit. An outage is logged once when
 * refreshes start failing and once when they succeed again; in between, the instance serves from memory, up to
 * the staleness bound when there is one (logged when passed).
 */
export function followChanges(o: FollowOptions): Following {
  const pollMs = o.pollMs ?? 1_000;
  const fallbackPollMs = o.fallbackPollMs ?? 250;
  let listening = false;
  let stopped = false;
  let failing = false;
  /** What was last said about notifications: nothing yet, flowing, or lost (`permanent`: none in this store). */
  let said: 'nothing' | 'listening' | 'lost' | 'permanent' = 'nothing';
  let pumping: Promise<void> | undefined;
  let again = false;
  /** The highest change head announced; a refresh that ends below it ran on a snapshot older than that commit. */
  let wanted = -1;
  /**
   * The sequence number of the last notification heard. PostgreSQL delivers notifications in commit order, and the
   * change head follows commit order: one at or below the last says the head went back (a database restored from a
   * backup). Compared with `head()` alone, which had passed those numbers before the restore, every notification after
   * it was dropped until the head passed its old value again, and changes reached this instance only at the poll
   * (review jj, 5).
   */
  let lastHeard = -1;
  let timer: ReturnType<typeof setTimeout> | undefined;

  // Checked on a timer of its own: a refresh that hangs (packets dropped, not refused) runs no poll meanwhile.
  let staleSaid = false;
  const stale = o.staleness;
  const staleAt = stale?.boundMs ?? STALE_WARN_MS;
  const watchStaleness = (): void => {
    if (!stale) return;
    const age = stale.ageMs();
    if (!staleSaid && age > staleAt) {
      staleSaid = true;
      o.log(
        stale.boundMs === undefined
          ? `stale: no refresh has succeeded for ${(age / 1000).toFixed(1)} s; decisions and session checks are answered from memory and may miss changes made through other instances (no --max-staleness bound)`
          : `stale: no refresh has succeeded for ${(age / 1000).toFixed(1)} s, more than --max-staleness (${(stale.boundMs / 1000).toFixed(1)} s): not ready, and decisions and session checks answer 503 until a refresh succeeds`,
      );
    } else if (staleSaid && age <= staleAt) {
      staleSaid = false;
      o.log(`stale: refreshed again${stale.boundMs === undefined ? '' : ': ready, and answering decisions and session checks again'}`);
    }
  };
  const staleTimer = stale ? setInterval(watchStaleness, Math.min(1_000, Math.max(100, staleAt / 4))) : undefined;
  staleTimer?.unref?.();

  let pruning: Promise<void> | undefined;
  const stopPruning = new AbortController();
  const pruneOnce = (): void => {
    if (stopped || pruning !== undefined || o.pruneChanges === undefined) return;
    pruning = o
      .pruneChanges(stopPruning.signal)
      .then(
        (n) => void (n > 0 && o.log(`change log: pruned ${n} change(s) more than ${CHANGES_KEPT} behind the head`)),
        (e: unknown) => void (!stopped && o.log(`change log: pruning failed (tried again in an hour): ${e instanceof Error ? e.message : String(e)}`)),
      )
      .finally(() => (pruning = undefined));
  };
  const firstPrune = o.pruneChanges !== undefined ? setTimeout(pruneOnce, 60_000) : undefined;
  firstPrune?.unref?.();
  const pruneTimer = o.pruneChanges !== undefined ? setInterval(pruneOnce, PRUNE_CHANGES_MS) : undefined;
  pruneTimer?.unref?.();

  const refreshOnce = async (): Promise<boolean> => {
    try {
      await o.refresh();
      if (failing) o.log('refresh: the store answers again');
      failing = false;
      return true;
    } catch (e) {
      // A refresh left running by `stop` fails as the store closes: nothing to say then.
      if (!failing && !stopped) o.log(`refresh failed (serving from memory until the store answers): ${e instanceof Error ? e.message : String(e)}`);
      failing = true;
      return false;
    }
  };

  const pump = (): Promise<void> => {
    if (pumping) {
      again = true;
      return pumping;
    }
    pumping = (async () => {
      // A refresh may join one already running (a write on this instance starts one), begun before the
      // announced commit: so go again until the announced head is reached. Those rounds are bounded (a head that
      // went back, a database restored, would otherwise never reach `wanted`); the poll covers the rest. A
      // notification that arrived during a round always gets one more, whatever the count: it may be the last of a
      // burst, and nothing else would apply it before the poll (review ae, 1).
      let rounds = 0;
      while (!stopped) {
        again = false;
        if (!(await refreshOnce())) return;
        if (again) continue;
        if (o.head() >= wanted || ++rounds >= 5) return;
      }
    })().finally(() => (pumping = undefined));
    return pumping;
  };

  const schedule = (): void => {
    if (stopped) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void pump().then(schedule);
    }, listening ? pollMs : fallbackPollMs);
    timer.unref?.();
  };

  const subscription = o.subscribe?.({
    onChange: (seq) => {
      if (stopped) return;
      const wentBack = seq <= lastHeard;
      lastHeard = seq;
      if (wentBack) {
        // A restore: what was wanted before it may never be reached again.
        wanted = seq;
        void pump();
        return;
      }
      if (seq <= o.head()) return;
      wanted = Math.max(wanted, seq);
      void pump();
    },
    onState: (up, detail) => {
      if (stopped) return;
      const changed = listening !== up;
      listening = up;
      if (up) {
        if (said === 'lost') o.log('change notifications: listening again');
        said = 'listening';
        // Whatever was committed while the channel was down was announced to nobody: catch up now.
        void pump();
      } else if (detail.permanent) {
        if (said !== 'permanent') o.log(`change notifications unavailable, polling the change head every ${fallbackPollMs} ms: ${detail.reason ?? 'not supported'}`);
        said = 'permanent';
      } else if (said === 'listening') {
        o.log(`change notifications lost, polling every ${fallbackPollMs} ms until the listening connection is back: ${detail.reason ?? ''}`);
        said = 'lost';
      } else if (said === 'nothing') {
        // A channel that never came up is said too, once: LISTEN taken and nothing delivered (PgBouncer in transaction
        // mode, an engine that accepts the statement) failed every self-check for the instance's whole life, polled,
        // and reopened its connection every few seconds without a word (review mx, 2).
        o.log(`change notifications not working yet, polling every ${fallbackPollMs} ms and trying the listening connection again: ${detail.reason ?? ''}`);
        said = 'lost';
      }
      // The poll interval follows: fast without notifications, slow with them. Failed reconnects (every few
      // hundred ms at first) must not keep pushing the next poll back. A lost connection is news in itself (the
      // database may be going away): look at once.
      if (changed) {
        if (!up) void pump();
        schedule();
      }
    },
  });
  // Catch up at once: what was committed since the state was loaded (the rest of the start-up, the instance may
  // already answer ready) is applied now, not once the listening connection has proven itself or the first poll
  // comes round (review M8).
  void pump();
  schedule();

  return {
    listening: () => listening,
    /**
     * Not waiting for a refresh in flight: against a database that stopped answering it waits out the store's
     * statement bound (30 s), and a server's stop begins here, before the audit log is drained and spooled (review az,
     * 3). It ends on its own, and starts no other (`stopped`); the store's `close` still waits for its transaction.
     * Nor for a prune of the change log in flight, for the same reason and because one far behind is thousands of
     * chunks: it is told to stop (it ends at its next chunk) and left, as the refresh is (review mi, 1).
     */
    stop: async () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      if (staleTimer !== undefined) clearInterval(staleTimer);
      if (firstPrune !== undefined) clearTimeout(firstPrune);
      if (pruneTimer !== undefined) clearInterval(pruneTimer);
      stopPruning.abort();
      await subscription?.close();
    },
  };
}
