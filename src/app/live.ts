/**
 * The state every instance keeps in memory and refreshes from the store's change log: the session key
 * ring, the revocation lists, and the compiled policy sets of roles and users. One cheap read of the change
 * head per refresh; when it moved, the changes since the last one seen say what to reload (the ring, the
 * revocation list, the principals a change touched), so a change made through any instance is enforced by
 * all within a second (DESIGN.md "Scale-out").
 *
 * What triggers a refresh is `followChanges`: a notification pushed by the store when any instance commits a
 * change (PostgreSQL LISTEN/NOTIFY), and polling as the safety net — slow while notifications flow, fast when
 * the store has none (SQLite, CockroachDB) or the listening connection is down.
 */
import type { PolicySet } from '../core/iam/index.ts';
import type { SessionClaims } from '../core/sts/session.ts';
import { roleArnOf, sessionArn } from '../core/sts/session.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppDeps, RingKeyData } from './deps.ts';
import type { ChangeListener, ChangeRecord, ChangeSubscription, ReadTx, SealedSecret } from './ports/store.ts';

export const KEYRING_KV = 'sts/keyring';
export const REVOKE_PREFIX = 'revoke/';
/** Retired keys are dropped once every session they sealed has expired (max session 36 h, plus skew). */
const RETIRED_KEEP_MS = (129_600 + 900) * 1000;

/** Changes read per refresh; more than this since the last one seen, and everything is reloaded. */
const CHANGES_PAGE = 1000;
/** Key ring reads caused by tokens naming an unknown key, at most one per this many ms (forged tokens cost little). */
const KEY_READ_GAP_MS = 100;

export type RevocationKind = 'role' | 'session' | 'sid' | 'job' | 'user';

/**
 * What a run of changes invalidates. Principal cache keys are `role:<acct>/<name>` and `user:<acct>/<name>`;
 * a managed policy may be attached (or be a boundary) anywhere, so a policy change drops every principal —
 * cheap, since compiled documents are cached by their text and only the edited one is compiled again.
 */
export interface ChangeScope {
  keys: boolean;
  revocations: boolean;
  allPrincipals: boolean;
  readonly principals: Set<string>;
  /** Accounts whose every principal is dropped (`account` changes), or every user (`group` changes, group policies). */
  readonly accounts: Set<string>;
  readonly usersOfAccounts: Set<string>;
}

export function scopeOf(changes: readonly ChangeRecord[]): ChangeScope {
  const scope: ChangeScope = { keys: false, revocations: false, allPrincipals: false, principals: new Set(), accounts: new Set(), usersOfAccounts: new Set() };
  const principal = (account: string, type: string, name: string): void => {
    if (type === 'group') scope.usersOfAccounts.add(account);
    else if (type === 'role' || type === 'user') scope.principals.add(`${type}:${account}/${name}`);
    else scope.allPrincipals = true;
  };
  for (const c of changes) {
    const [account = '', second = '', third = ''] = c.key.split('/');
    switch (c.kind) {
      case 'kv':
        if (c.key === KEYRING_KV) scope.keys = true;
        else if (c.key.startsWith(REVOKE_PREFIX)) scope.revocations = true;
        break;
      case 'access-key':
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
        scope.usersOfAccounts.add(account);
        break;
      case 'account':
        scope.accounts.add(account);
        break;
      default:
        // `policy`, and any kind added later: everything, to be safe.
        scope.allPrincipals = true;
    }
  }
  return scope;
}

export interface CachedPrincipal {
  readonly policies: PolicySet;
  readonly tags: Readonly<Record<string, string>>;
}

export class LiveState {
  private readonly deps: AppDeps;
  keys: readonly RingKeyData[] = [];
  head = -1;
  private revocations = new Map<string, number>();
  /** `role:<acct>/<name>` or `user:<acct>/<name>` (names lower-cased) → compiled policies and tags. */
  readonly principals = new Map<string, CachedPrincipal>();
  /** Bumped whenever `principals` is cleared, so an entry read before a change is not cached after it. */
  generation = 0;
  private refreshing: Promise<void> | undefined;
  private keyWaiters: (() => void)[] = [];
  private keyLoop: Promise<void> | undefined;
  private lastKeyRead = -Infinity;

  constructor(deps: AppDeps) {
    this.deps = deps;
  }

  /** Creates the key ring on first start, then loads everything. */
  async init(): Promise<void> {
    await this.deps.store.write(async (tx) => {
      if ((await tx.kv.get(KEYRING_KV)) === undefined) {
        const keys = [this.deps.sessions.newKey(this.deps.now())];
        await tx.kv.put(KEYRING_KV, this.deps.sealer.seal(this.deps.sessions.serialise(keys), KEYRING_KV));
      }
    });
    await this.refresh(true);
  }

  /** Reloads when the change head moved (or always with `force`). Concurrent calls share one reload. */
  refresh(force = false): Promise<void> {
    this.refreshing ??= this.reload(force).finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async reload(force: boolean): Promise<void> {
    await this.deps.store.read(async (tx) => {
      const head = await tx.changes.head();
      if (!force && head === this.head) return;
      let scope: ChangeScope | undefined;
      if (!force && this.head >= 0 && head > this.head) {
        const changes = await tx.changes.since(this.head, CHANGES_PAGE);
        // All of them, or nothing learnt: reload everything.
        if (changes.length < CHANGES_PAGE && changes.at(-1)?.seq === head) scope = scopeOf(changes);
      }
      if (scope === undefined || scope.keys) await this.loadKeys(tx);
      if (scope === undefined || scope.revocations) {
        const rev = new Map<string, number>();
        for (const { key, value } of await tx.kv.list(REVOKE_PREFIX)) rev.set(key.slice(REVOKE_PREFIX.length), Number(value));
        this.revocations = rev;
      }
      if (scope === undefined || scope.allPrincipals) {
        this.principals.clear();
        this.generation++;
      } else if (scope.principals.size > 0 || scope.accounts.size > 0 || scope.usersOfAccounts.size > 0) {
        for (const key of [...this.principals.keys()]) {
          const account = key.slice(key.indexOf(':') + 1, key.indexOf('/'));
          if (scope.principals.has(key) || scope.accounts.has(account) || (key.startsWith('user:') && scope.usersOfAccounts.has(account))) this.principals.delete(key);
        }
        // Reads of principals that began before this reload must not cache what they read.
        this.generation++;
      }
      this.head = head;
    });
  }

  private async loadKeys(tx: ReadTx): Promise<void> {
    const sealed = await tx.kv.get(KEYRING_KV);
    if (sealed === undefined) return;
    const text = this.deps.sealer.open(sealed as SealedSecret, KEYRING_KV);
    if (text === undefined) throw new Error('the session key ring does not open with this master key: give every instance the same master key');
    this.keys = this.deps.sessions.parse(text);
  }

  /**
   * Re-reads the key ring because a token named a key this instance does not hold: another instance may have
   * rotated the ring and sealed with the new key before this one heard of it. Resolves after a read that began
   * after the call (callers asking together share one); at most one read per `KEY_READ_GAP_MS`, so tokens with
   * made-up key ids cannot load the store. A failed read leaves the ring as it was.
   */
  reloadKeys(): Promise<void> {
    return new Promise((resolve) => {
      this.keyWaiters.push(resolve);
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
      try {
        await this.deps.store.read((tx) => this.loadKeys(tx));
      } catch {
        // The store is out: the token stays unknown, as it would have been without this read.
      }
      for (const resolve of batch) resolve();
      if (this.keyWaiters.length === 0) {
        this.keyLoop = undefined;
        return;
      }
    }
  }

  /** Rotates the key ring: a new active key; old keys keep opening tokens until those expire. */
  async rotateKeys(): Promise<RingKeyData> {
    const now = this.deps.now();
    const fresh = this.deps.sessions.newKey(now);
    await this.deps.store.write(async (tx) => {
      const sealed = await tx.kv.get(KEYRING_KV);
      const current = sealed === undefined ? [] : this.deps.sessions.parse(this.deps.sealer.open(sealed as SealedSecret, KEYRING_KV) ?? '[]');
      const kept = current
        .filter((k) => k.retired === undefined || now - k.retired < RETIRED_KEEP_MS)
        .map((k) => (k.retired === undefined ? { ...k, retired: now } : k));
      await tx.kv.put(KEYRING_KV, this.deps.sealer.seal(this.deps.sessions.serialise([fresh, ...kept]), KEYRING_KV));
    });
    await this.refresh(true);
    return fresh;
  }

  async revoke(kind: RevocationKind, id: string, at: number): Promise<void> {
    await this.deps.store.write(async (tx) => {
      await tx.kv.put(`${REVOKE_PREFIX}${kind}/${id}`, String(at));
    });
    await this.refresh(true);
  }

  /** Was this session revoked (its role's sessions, its ARN, itself, its job, or its user)? */
  isRevoked(c: SessionClaims): boolean {
    if (this.revocations.size === 0) return false;
    const at = (kind: RevocationKind, id: string): boolean => {
      const t = this.revocations.get(`${kind}/${id}`);
      return t !== undefined && c.iat <= t;
    };
    if (at('sid', c.sid)) return true;
    if (c.job !== undefined && at('job', c.job)) return true;
    if (c.role) {
      if (at('role', roleArnOf(c.part, c.acct, c.role.path, c.role.name))) return true;
      if (at('session', sessionArn(c.part, c.acct, c.role.name, c.name))) return true;
    }
    if (c.user && at('user', `${c.acct}/${c.user.name.toLowerCase()}`)) return true;
    return false;
  }
}

export interface FollowOptions {
  /** Picks up what changed (cheap when nothing did): the app's `refresh`. */
  readonly refresh: () => Promise<void>;
  /** The change head this instance has applied. */
  readonly head: () => number;
  /** The store's change notifications, where it has them (`Store.subscribe`). */
  readonly subscribe?: ((listener: ChangeListener) => ChangeSubscription) | undefined;
  readonly log: (line: string) => void;
  /** Poll interval while notifications arrive: the safety net; default 1,000 ms. */
  readonly pollMs?: number;
  /** Poll interval without notifications (none in this store, or the listening connection is down); default 250 ms. */
  readonly fallbackPollMs?: number;
}

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
 * refreshes start failing and once when they succeed again; in between, the instance serves from memory.
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
  let timer: ReturnType<typeof setTimeout> | undefined;

  const refreshOnce = async (): Promise<boolean> => {
    try {
      await o.refresh();
      if (failing) o.log('refresh: the store answers again');
      failing = false;
      return true;
    } catch (e) {
      if (!failing) o.log(`refresh failed (serving from memory until the store answers): ${e instanceof Error ? e.message : String(e)}`);
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
      // announced commit: so go again until the announced head is reached. Bounded; the poll covers the rest.
      for (let round = 0; round < 5 && !stopped; round++) {
        again = false;
        if (!(await refreshOnce())) return;
        if (!again && o.head() >= wanted) return;
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
      if (stopped || seq <= o.head()) return;
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
        // Before the first connect succeeds there is nothing to report as lost: polling covers the gap.
        o.log(`change notifications lost, polling every ${fallbackPollMs} ms until the listening connection is back: ${detail.reason ?? ''}`);
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
  schedule();

  return {
    listening: () => listening,
    stop: async () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await subscription?.close();
      await pumping;
    },
  };
}
