/**
 * The registry of scoped sessions: every role session STS issues with a session policy (inline or managed), session
 * tags (transitive ones included) or a source identity is recorded in the store's key/value table when it is issued
 * (`session-scope/<session ARN>/<issue time>-<random>`: the ARN, issue and expiry time, policies, tags, source
 * identity — never a key, a secret or a token), and every instance holds the live ones in memory, loaded at start
 * and kept current through the change log (as resource policies and bucket owners are).
 *
 * Why (docs/decisions.md, "A role session named by ARN"): a session ARN does not say which session it names, nor what
 * that session carries. With every scoped session registered, the authorize API can answer for a session named by
 * ARN exactly when none is live under it (a session of the role without scope: the role's policies), and fail closed
 * when some are (src/app/authorize.ts: each must allow). A session without scope writes nothing: issuing it stays
 * free of writes (bench/sts.ts).
 *
 * Job and node sessions (`assumeRoleAsService`) are not registered: the authorize API reads what they carry from
 * their job's record (src/app/jobs.ts `jobSessionOf`).
 */
import type { SessionClaims } from '../core/sts/session.ts';
import { roleArnOf, sessionArn, SESSION_TOKEN_DURATION } from '../core/sts/session.ts';
import type { UnreadableNote } from './unreadable-policy.ts';
import type { AppDeps } from './deps.ts';
import { isStoreOutcomeUnknown, type ReadTx } from './ports/store.ts';
import { readChanges } from './change-log.ts';
import { aboutRole } from './principals.ts';

export const SESSION_SCOPE_PREFIX = 'session-scope/';
/** Records read per statement by a refresh (`KvRead.getMany` takes at most 1,000 keys). */
const KEYS_PER_READ = 1000;
/** How often expired records are deleted from the store (by every instance; a record deleted twice costs nothing). */
const SWEEP_MS = 60_000;
/**
 * At the bound, how often a request may sweep: a sweep walks every record held (41 ms for 100,000 on the review's
 * host), and each scoped AssumeRole refused at the bound swept, so 25 a second held the event loop of every account
 * (review sts, E4). A full account then waits for room at most this much past its oldest session's expiry.
 */
const SWEEP_AT_BOUND_MS = 1_000;
/**
 * Expired records deleted per write transaction. One transaction for all held the store's writer while it deleted them
 * (20,000 on SQLite: 1.4 s, and every other write waited as long; a burst of 100,000 one-hour sessions expiring together,
 * about 7 s): the audit log's writer among them, whose records must be written within 2 s or issuance and changes stop
 * (review sts, E9). Pages let other writes in between.
 */
const SWEEP_PAGE = 500;
/**
 * Scoped sessions one account may hold at once (live, or expired and not yet swept). Every instance holds every record
 * in memory until its session expires (1 to 9 KB: the policy, up to 50 tags), and any principal allowed to assume a
 * role may add a session policy: 200 AssumeRole calls a second with a 1,800-character policy and 50 tags grew a server
 * by 164 MB in 90 s, about 6 GB an hour of 1-hour sessions (review limits, L9). 100,000 is about 100 MB to 900 MB an
 * instance, and far more than an account's people and pipelines hold at once.
 */
export const MAX_SCOPED_SESSIONS = 100_000;

/** The claims a session is issued with, before its key, secret and id are drawn (`Sts.issue`'s input). */
export type UnsealedClaims = Omit<SessionClaims, 'v' | 'sid' | 'ak' | 'sk'>;

/** One scoped session as recorded: what decides for it, and nothing that authenticates as it. */
export interface ScopeRecord {
  /** The session's ARN as issued (`arn:aws:sts::A:assumed-role/R/S`, `acs:ram::A:role/R/S`). */
  readonly arn: string;
  readonly account: string;
  readonly partition: SessionClaims['part'];
  /** The role's name, path and id (a role deleted and created again has another id: its old sessions are dead). */
  readonly role: { readonly name: string; readonly path: string; readonly id: string };
  readonly sessionName: string;
  /** Epoch ms. */
  readonly issued: number;
  readonly expires: number;
  readonly policy?: string;
  readonly policyArns?: readonly string[];
  /** Session tags, transitive ones of a parent session included. */
  readonly tags?: Readonly<Record<string, string>>;
  readonly transitiveTagKeys?: readonly string[];
  readonly sourceIdentity?: string;
  /** The job a chained session belongs to (its revocation applies). */
  readonly job?: string;
  /**
   * Set (to its kv key) on the stand-in for a stored record this version cannot read (`standInFor`): what the session
   * carries is unknown, so every question about its ARN is refused (src/app/authorize.ts `withScopes`).
   */
  readonly unreadable?: string;
}

/** Whether a session carries anything its role's policies alone do not say: then it is registered. */
export function isScoped(c: UnsealedClaims): boolean {
  return c.role !== undefined && (c.pol !== undefined || (c.polArns?.length ?? 0) > 0 || Object.keys(c.tags ?? {}).length > 0 || c.srcId !== undefined);
}

/**
 * The name sessions are matched by: account, role name and session name, lower-cased — what names the session
 * whatever the ARN's spelling. Not the partition: the account fixes it, and the engine takes both dialects' ARNs of a
 * session (`arn:aws:sts::A:assumed-role/R/S`, `acs:ram::A:role/R/S`) as the same role's (src/core/iam/principal.ts),
 * so a question in the other dialect's form must find the same scopes (review K, K7). Wider than the ARN's exact
 * spelling on purpose (fails closed): a question naming `assumed-role/Worker/S1` is decided with the scopes of
 * `assumed-role/worker/s1` too, as the role named is the same role.
 */
export function scopeName(account: string, roleName: string, sessionName: string): string {
  return `${account}:${roleName}/${sessionName}`.toLowerCase();
}

/** A record as claims (`Sts.callerOfClaims` builds the caller the session authenticates as from them); no key, secret or id. */
export function claimsOf(r: ScopeRecord): SessionClaims {
  return {
    v: 1,
    sid: '',
    ak: '',
    sk: '',
    acct: r.account,
    part: r.partition,
    role: r.role,
    name: r.sessionName,
    iat: r.issued,
    exp: r.expires,
    ...(r.sourceIdentity !== undefined ? { srcId: r.sourceIdentity } : {}),
    ...(r.tags !== undefined ? { tags: r.tags } : {}),
    ...(r.transitiveTagKeys !== undefined ? { transitive: r.transitiveTagKeys } : {}),
    ...(r.policy !== undefined ? { pol: r.policy } : {}),
    ...(r.policyArns !== undefined ? { polArns: r.policyArns } : {}),
    ...(r.job !== undefined ? { job: r.job } : {}),
  };
}

function recordOf(c: UnsealedClaims & { role: NonNullable<UnsealedClaims['role']> }): ScopeRecord {
  return {
    arn: sessionArn(c.part, c.acct, c.role.name, c.name),
    account: c.acct,
    partition: c.part,
    role: { name: c.role.name, path: c.role.path, id: c.role.id },
    sessionName: c.name,
    issued: c.iat,
    expires: c.exp,
    ...(c.pol !== undefined ? { policy: c.pol } : {}),
    ...(c.polArns !== undefined && c.polArns.length > 0 ? { policyArns: [...c.polArns] } : {}),
    ...(c.tags !== undefined && Object.keys(c.tags).length > 0 ? { tags: { ...c.tags } } : {}),
    ...(c.transitive !== undefined && c.transitive.length > 0 ? { transitiveTagKeys: [...c.transitive] } : {}),
    ...(c.srcId !== undefined ? { sourceIdentity: c.srcId } : {}),
    ...(c.job !== undefined ? { job: c.job } : {}),
  };
}

/** Who asked for a session being registered (src/app/sts.ts `IssuedBy`): its record names them. */
export interface Registrant {
  readonly via?: string;
  readonly principal?: string;
  readonly sourceIp?: string;
  /** The id the request was answered with (src/app/principals.ts `RequestFacts.requestId`). */
  readonly requestId?: string;
  /** The role whose session asked (role chaining), named beside the role assumed (src/app/principals.ts `aboutRole`). */
  readonly actingRole?: string;
  /** The access key that signed the request asking for the session, named as the issued session's record names it. */
  readonly signedWith?: string;
}

/** A record as the audit log shows it: its instants as ISO-8601 UTC, as every other time there. */
const recordView = (r: ScopeRecord): Record<string, unknown> => ({ ...r, issued: new Date(r.issued).toISOString(), expires: new Date(r.expires).toISOString() });

/** A stored record, or undefined for one this version cannot read (it is then left to expire). */
function parseRecord(value: string): ScopeRecord | undefined {
  try {
    const r = JSON.parse(value) as Partial<ScopeRecord> | null;
    if (r === null || typeof r !== 'object' || typeof r.arn !== 'string' || typeof r.account !== 'string' || (r.partition !== 'aws' && r.partition !== 'acs')) return undefined;
    if (typeof r.role?.name !== 'string' || typeof r.role.id !== 'string' || typeof r.sessionName !== 'string' || typeof r.issued !== 'number' || typeof r.expires !== 'number') return undefined;
    return r as ScopeRecord;
  } catch {
    return undefined;
  }
}

/**
 * How long the stand-in for an unreadable record is held past the issue time its key names: the longest any session
 * lives (`SESSION_TOKEN_DURATION.max`, above a role session's 12 hours), so it outlives the session it stands for.
 */
const UNREADABLE_HELD_MS = SESSION_TOKEN_DURATION.max * 1000;

/** `arn:aws:sts::A:assumed-role/R/S` or `acs:ram::A:role/R/S`, as `sessionArn` writes them. */
const SESSION_ARN_IN_KEY = /^(?:arn:aws:sts::([^:/]+):assumed-role|acs:ram::([^:/]+):role)\/([^/]+)\/([^/]+)$/;

/**
 * The stand-in for the record at `key` that `parseRecord` cannot read (a database restored or edited by hand, a
 * truncated write), from what its key names (`session-scope/<session ARN>/<issue time>-<random>`); undefined when the
 * key names no session either. Skipped, as it was, the session it names was decided by its role's policies alone,
 * wider than its session policy or tags allowed (review pv, 1): the stand-in refuses every question about that ARN
 * until it expires (the issue time and the longest session) or is removed.
 */
function standInFor(key: string, now: number): ScopeRecord | undefined {
  const rest = key.slice(SESSION_SCOPE_PREFIX.length);
  const cut = rest.lastIndexOf('/');
  const m = SESSION_ARN_IN_KEY.exec(rest.slice(0, cut < 0 ? 0 : cut));
  if (cut < 0 || m === null) return undefined;
  const issuedText = /^(\d{1,16})-/.exec(rest.slice(cut + 1))?.[1];
  const issued = issuedText !== undefined && Number(issuedText) <= now ? Number(issuedText) : now;
  const aws = m[1] !== undefined;
  return {
    arn: rest.slice(0, cut),
    account: (aws ? m[1] : m[2]) as string,
    partition: aws ? 'aws' : 'acs',
    role: { name: m[3] as string, path: '/', id: '' },
    sessionName: m[4] as string,
    issued,
    expires: issued + UNREADABLE_HELD_MS,
    unreadable: key,
  };
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * `deps.store` should be the store without the app's after-write hook (the raw store): a registration changes no
 * directory entry, so it must not empty this instance's caches; this instance adds what it wrote at once, and the
 * others learn it from the change log.
 */
/**
 * `audit`: where a registration whose COMMIT answer was lost is recorded (`register`); absent, it is not. Registrations
 * that commit are recorded by STS with the session they let it issue (src/app/sts.ts `recordSession`).
 */
type ScopesDeps = Pick<AppDeps, 'store' | 'now' | 'randomBytes'> & Partial<Pick<AppDeps, 'audit'>> & { readonly unreadable?: UnreadableNote };

export class SessionScopes {
  private readonly deps: ScopesDeps;
  /** kv key → record. */
  private readonly byKey = new Map<string, ScopeRecord>();
  /** `scopeName` → kv keys of the records under it. */
  private readonly byName = new Map<string, Set<string>>();
  /** account → records held for it. */
  private readonly perAccount = new Map<string, number>();
  /**
   * account → registrations written and not yet held (`register` awaiting the store). Counted by `hasRoom`: on
   * PostgreSQL a write takes a round trip, and 40 AssumeRole calls at once all found room under a bound of 5 and were
   * all issued (review K, K5).
   */
  private readonly inFlight = new Map<string, number>();
  /**
   * Inline session policy text → the one copy every record with that text holds, and how many do. A job's processes
   * all assume with the same policy (up to 2,048 characters): each request, and each record read back from the store,
   * brings its own copy of the text, and 20,000 sessions held 20,000 copies (+47 MB, 2.4 KB a session; one copy, 0.8 KB).
   * The text is the same, so every decision is too (the compiled policy is `PolicyCache`'s, keyed by the text).
   */
  private readonly policies = new Map<string, { readonly text: string; refs: number }>();
  /**
   * Session tags, as JSON → the one (frozen) copy every record with those tags holds, and how many do: the processes of
   * a job assume with the same tags as well (20 tags: 2.1 KB a session, 0.8 KB shared).
   */
  private readonly tagSets = new Map<string, { readonly tags: Readonly<Record<string, string>>; refs: number }>();
  /** `MAX_SCOPED_SESSIONS` unless the app is given another bound (tests). */
  readonly maxPerAccount: number;
  private head = -1;
  /** The next `refresh` reads every record (`forget`); taken by the refresh that begins after it, not one already running. */
  private forgotten = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private sweeping: Promise<number> | undefined;
  /** No record held expires before this (a lower bound: one removed since may have set it); Infinity when none. */
  private soonest = Infinity;
  /** When the last sweep began (epoch ms). */
  private lastSweep = -Infinity;
  /**
   * Keys of expired records `load` read and did not hold: the next sweep deletes them. The sweep deletes what is held,
   * so a record that expired while no instance held it (the server down, or a sweep stopped between pages) was
   * otherwise left in the store for good, read again at every start (review K, K2).
   */
  private stale: string[] = [];

  constructor(deps: ScopesDeps, options: { maxPerAccount?: number } = {}) {
    this.deps = deps;
    this.maxPerAccount = options.maxPerAccount ?? MAX_SCOPED_SESSIONS;
  }

  /**
   * Whether `account` may register one more scoped session. At the bound, expired records are swept first (every
   * instance sweeps each minute), so a full account waits at most for its oldest sessions to expire (and up to
   * `SWEEP_AT_BOUND_MS` more). A request refused at the bound costs no walk over the records: it sweeps only when some
   * record may have expired, and not more than once a `SWEEP_AT_BOUND_MS`.
   */
  async hasRoom(account: string): Promise<boolean> {
    if (this.held(account) < this.maxPerAccount) return true;
    const now = this.deps.now();
    if (this.soonest <= now && now - this.lastSweep >= SWEEP_AT_BOUND_MS) await this.sweep();
    // A sweep under way (the minute's, or another request's) may be deleting expired records of this account: it ends
    // in a page or two, and refusing meanwhile refused an account whose sessions had expired (review K, K8).
    else if (this.sweeping !== undefined) await this.sweeping.catch(() => 0);
    return this.held(account) < this.maxPerAccount;
  }

  /**
   * `hasRoom`, and the room taken when there is some, with no turn of the event loop between the last check and the
   * taking (review K, K5: requests whose `hasRoom` resolved in the same turn each found the one free place, and each
   * registered). `register(claims, true)` must follow, which gives it back when its write ends (or `release`).
   */
  async reserve(account: string): Promise<boolean> {
    if (!(await this.hasRoom(account))) return false;
    if (this.held(account) >= this.maxPerAccount) return false;
    this.inFlight.set(account, (this.inFlight.get(account) ?? 0) + 1);
    return true;
  }

  /** A place taken by `reserve` and not used (nothing to register after all). */
  release(account: string): void {
    const n = (this.inFlight.get(account) ?? 1) - 1;
    if (n > 0) this.inFlight.set(account, n);
    else this.inFlight.delete(account);
  }

  /** Records held for `account`, and those being registered. */
  private held(account: string): number {
    return (this.perAccount.get(account) ?? 0) + (this.inFlight.get(account) ?? 0);
  }

  /** Records held (live or not yet swept), for tests and the start-up log. */
  get size(): number {
    return this.byKey.size;
  }

  /**
   * Records the session about to be issued with `claims`, when it carries a scope (`isScoped`); nothing otherwise.
   * Throws what the store throws: the caller must then not issue the session. `reserved`: its place was taken by
   * `reserve`, and is given back here. `who`: who asked, for the record of a registration whose COMMIT answer was lost.
   */
  async register(claims: UnsealedClaims, reserved = false, who: Registrant = {}): Promise<void> {
    if (!isScoped(claims) || claims.role === undefined) {
      if (reserved) this.release(claims.acct);
      return;
    }
    const record = recordOf({ ...claims, role: claims.role });
    if (!reserved) this.inFlight.set(record.account, (this.inFlight.get(record.account) ?? 0) + 1);
    try {
      const key = `${SESSION_SCOPE_PREFIX}${record.arn}/${record.issued}-${hex(this.deps.randomBytes(8))}`;
      try {
        await this.deps.store.write(async (tx) => {
          await tx.kv.put(key, JSON.stringify(record));
        });
      } catch (e) {
        if (isStoreOutcomeUnknown(e)) this.recordUnknown(record, who, e);
        throw e;
      }
      this.add(key, record);
    } finally {
      this.release(record.account);
    }
  }

  /**
   * The connection was lost as the registration committed: the record may be in the store (every instance then holds
   * it, and the authorize API answers for the session's name with it), though no session was issued (the caller is
   * answered 500 OutcomeUnknown). A change that may have been made must be in the log, as the directory records its own
   * (review aa11): the attempt, with decision OUTCOME_UNKNOWN, what it would have written, and the error.
   */
  private recordUnknown(record: ScopeRecord, who: Registrant, e: Error): void {
    if (this.deps.audit === undefined) return;
    const roleArn = roleArnOf(record.partition, record.account, record.role.path, record.role.name);
    const via = who.via ?? 'AssumeRole';
    this.deps.audit.record({
      kind: 'session',
      account: record.account,
      principal: who.principal ?? '',
      action: via === 'AssumeRoleWithWebIdentity' || via === 'AssumeRoleWithOIDC' ? `sts:${via}` : 'sts:AssumeRole',
      resource: roleArn,
      decision: 'OUTCOME_UNKNOWN',
      // `--role` of the role whose session asked finds it too, as the session issued (review ic, 6).
      ...aboutRole(who.actingRole, roleArn),
      session: record.arn,
      ...(record.job !== undefined ? { job: record.job } : {}),
      ...(record.sourceIdentity !== undefined ? { sourceIdentity: record.sourceIdentity } : {}),
      ...(who.sourceIp !== undefined && who.sourceIp !== '' ? { sourceIp: who.sourceIp } : {}),
      // `--access-key-id` of the key that asked finds it, as the session issued (review pl, 1).
      ...(who.signedWith !== undefined && who.signedWith !== '' ? { accessKeyId: who.signedWith } : {}),
      ...(who.requestId !== undefined && who.requestId !== '' ? { requestId: who.requestId } : {}),
      detail: { via, sessionName: record.sessionName, before: null, after: recordView(record), error: e.message },
    });
  }

  /** The records under a session's name (`scopeName`: any dialect, any case) that have not expired at `now`. */
  live(account: string, roleName: string, sessionName: string, now = this.deps.now()): ScopeRecord[] {
    const keys = this.byName.get(scopeName(account, roleName, sessionName));
    if (keys === undefined) return [];
    const out: ScopeRecord[] = [];
    for (const k of keys) {
      const r = this.byKey.get(k);
      if (r !== undefined && r.expires > now) out.push(r);
    }
    return out;
  }

  /** The record stored at `key`, or its stand-in when it cannot be read (`standInFor`, reported once). */
  private read(key: string, value: string, now: number): ScopeRecord | undefined {
    const r = parseRecord(value);
    if (r !== undefined) return r;
    const standIn = standInFor(key, now);
    const effect = standIn === undefined
      ? 'its key names no session, so it is left out'
      : `every question about \`${standIn.arn}\` is refused until ${new Date(standIn.expires).toISOString()} (the longest session) or until it is removed (fails closed)`;
    this.deps.unreadable?.(`scoped session record \`${key}\``, value, [{ code: 'VALIDATION_ERROR', path: '', message: `not a scoped session record this version reads; ${effect}` }]);
    return standIn;
  }

  /**
   * Makes the next `refresh` read every record again: the directory found the change log rewritten under it (a database
   * restored from a backup, and changed since past the old head), so the changes past `head` are not all that changed
   * (review qp, 2).
   */
  forget(): void {
    this.forgotten = true;
  }

  /** Reads every record (at start, or when too much changed to follow one by one), as of change head `head`. */
  async load(tx: ReadTx, head: number): Promise<void> {
    const entries = await tx.kv.list(SESSION_SCOPE_PREFIX);
    this.byKey.clear();
    this.byName.clear();
    this.perAccount.clear();
    this.policies.clear();
    this.tagSets.clear();
    this.soonest = Infinity;
    const now = this.deps.now();
    const stale: string[] = [];
    for (const { key, value } of entries) {
      const r = this.read(key, value, now);
      if (r === undefined) continue;
      if (r.expires > now) this.add(key, r);
      else stale.push(key);
    }
    this.stale = stale;
    this.head = head;
  }

  /**
   * Applies the registrations and deletions made through any instance since the last head seen: the change log read in
   * pages (`readChanges`, as the directory and the other states beside it read it), then the records it names, up to
   * `KEYS_PER_READ` a statement. Only when the log cannot say what changed (pruned from under this instance, or more
   * changes than its pages) is every record read again. With one page of 1,000 changes, a burst of scoped AssumeRoles
   * between two refreshes made every instance read its whole registry, over and over while the burst lasted (review jj,
   * 1).
   */
  async refresh(tx: ReadTx, head: number): Promise<void> {
    if (this.forgotten) {
      this.forgotten = false;
      return this.load(tx, head);
    }
    if (head === this.head) return;
    if (this.head < 0 || head < this.head) return this.load(tx, head);
    const touched = new Set<string>();
    const read = await readChanges(tx, this.head, head, (c) => {
      if (c.kind === 'kv' && c.key.startsWith(SESSION_SCOPE_PREFIX)) touched.add(c.key);
      return undefined;
    });
    if (read !== 'done') return this.load(tx, head);
    const keys = [...touched];
    for (let i = 0; i < keys.length; i += KEYS_PER_READ) {
      const part = keys.slice(i, i + KEYS_PER_READ);
      const values = await tx.kv.getMany(part);
      for (const key of part) {
        const value = values.get(key);
        const r = value === undefined ? undefined : this.read(key, value, this.deps.now());
        if (r === undefined) this.remove(key);
        else if (!this.byKey.has(key)) this.add(key, r);
      }
    }
    this.head = head;
  }

  /**
   * Deletes the records of expired sessions from the store and from memory; the other instances drop them through the
   * change log (and never use an expired one meanwhile). Returns how many were deleted.
   */
  sweep(): Promise<number> {
    this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepOnce(): Promise<number> {
    const now = this.deps.now();
    this.lastSweep = now;
    const expired: string[] = [];
    let soonestLeft = Infinity;
    let soonestExpired = Infinity;
    for (const [k, r] of this.byKey) {
      if (r.expires <= now) {
        expired.push(k);
        if (r.expires < soonestExpired) soonestExpired = r.expires;
      } else if (r.expires < soonestLeft) soonestLeft = r.expires;
    }
    // Before the write: a record added meanwhile lowers it again (`add`).
    this.soonest = soonestLeft;
    // Expired records read by a load and not held: deleted with the others (a reload meanwhile notes its own).
    const stale = new Set(this.stale);
    this.stale = [];
    const keys = stale.size === 0 ? expired : [...expired, ...stale];
    if (keys.length === 0) return 0;
    for (let i = 0; i < keys.length; i += SWEEP_PAGE) {
      const page = keys.slice(i, i + SWEEP_PAGE);
      try {
        await this.deps.store.write(async (tx) => {
          for (const k of page) await tx.kv.delete(k);
        });
      } catch (e) {
        // Not deleted: they are still held (or noted), and the next sweep must see them.
        this.soonest = Math.min(this.soonest, soonestExpired);
        for (const k of stale) this.stale.push(k);
        throw e;
      }
      for (const k of page) {
        this.remove(k);
        stale.delete(k);
      }
    }
    return keys.length;
  }

  /** Sweeps every `SWEEP_MS` until `stop` (a failed sweep is tried again next time: an expired record is never used). */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.sweep().catch(() => {}), SWEEP_MS);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping?.catch(() => {});
  }

  private add(key: string, given: ScopeRecord): void {
    if (this.byKey.has(key)) return;
    const r =
      given.policy === undefined && given.tags === undefined
        ? given
        : { ...given, ...(given.policy !== undefined ? { policy: this.sharedPolicy(given.policy) } : {}), ...(given.tags !== undefined ? { tags: this.sharedTags(given.tags) } : {}) };
    this.perAccount.set(r.account, (this.perAccount.get(r.account) ?? 0) + 1);
    this.byKey.set(key, r);
    if (r.expires < this.soonest) this.soonest = r.expires;
    const name = scopeName(r.account, r.role.name, r.sessionName);
    let keys = this.byName.get(name);
    if (keys === undefined) this.byName.set(name, (keys = new Set()));
    keys.add(key);
  }

  /** The one copy of `text` records hold, counted once more. */
  private sharedPolicy(text: string): string {
    let shared = this.policies.get(text);
    if (shared === undefined) this.policies.set(text, (shared = { text, refs: 0 }));
    shared.refs++;
    return shared.text;
  }

  /** The one copy of `tags` (same keys and values, same order) records hold, counted once more. */
  private sharedTags(tags: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
    const key = JSON.stringify(tags);
    let shared = this.tagSets.get(key);
    if (shared === undefined) this.tagSets.set(key, (shared = { tags: Object.freeze({ ...tags }), refs: 0 }));
    shared.refs++;
    return shared.tags;
  }

  /** Distinct sets of session tags the records hold (each once), for tests. */
  get tagSetsHeld(): number {
    return this.tagSets.size;
  }

  /** Distinct inline session policy texts the records hold (each once), for tests. */
  get policyTexts(): number {
    return this.policies.size;
  }

  private remove(key: string): void {
    const r = this.byKey.get(key);
    if (r === undefined) return;
    this.byKey.delete(key);
    if (r.policy !== undefined) {
      const shared = this.policies.get(r.policy);
      if (shared !== undefined && --shared.refs <= 0) this.policies.delete(r.policy);
    }
    if (r.tags !== undefined) {
      const key = JSON.stringify(r.tags);
      const shared = this.tagSets.get(key);
      if (shared !== undefined && --shared.refs <= 0) this.tagSets.delete(key);
    }
    const held = (this.perAccount.get(r.account) ?? 1) - 1;
    if (held > 0) this.perAccount.set(r.account, held);
    else this.perAccount.delete(r.account);
    const name = scopeName(r.account, r.role.name, r.sessionName);
    const keys = this.byName.get(name);
    keys?.delete(key);
    if (keys?.size === 0) this.byName.delete(name);
  }
}
