/**
 * The state every instance keeps in memory and refreshes from the store's change log: the session key
 * ring, the revocation lists, and the compiled policy sets of roles and users. One cheap read of the change
 * head per tick; anything else is reloaded only when the head moved, so a change made through any instance
 * is enforced by all within one tick (DESIGN.md "Scale-out").
 */
import type { PolicySet } from '../core/iam/index.ts';
import type { SessionClaims } from '../core/sts/session.ts';
import { roleArnOf, sessionArn } from '../core/sts/session.ts';
import type { AppDeps, RingKeyData } from './deps.ts';
import type { SealedSecret } from './ports/store.ts';

export const KEYRING_KV = 'sts/keyring';
export const REVOKE_PREFIX = 'revoke/';
/** Retired keys are dropped once every session they sealed has expired (max session 36 h, plus skew). */
const RETIRED_KEEP_MS = (129_600 + 900) * 1000;

export type RevocationKind = 'role' | 'session' | 'sid' | 'job' | 'user';

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
      const sealed = await tx.kv.get(KEYRING_KV);
      if (sealed !== undefined) {
        const text = this.deps.sealer.open(sealed as SealedSecret, KEYRING_KV);
        if (text === undefined) throw new Error('the session key ring does not open with this master key: give every instance the same master key');
        this.keys = this.deps.sessions.parse(text);
      }
      const rev = new Map<string, number>();
      for (const { key, value } of await tx.kv.list(REVOKE_PREFIX)) rev.set(key.slice(REVOKE_PREFIX.length), Number(value));
      this.revocations = rev;
      this.principals.clear();
      this.generation++;
      this.head = head;
    });
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
