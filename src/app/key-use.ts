/**
 * When each long-term access key was last used, for `GetAccessKeyLastUsed` and key hygiene (finding keys
 * nobody uses any more), and when each role was last assumed, for GetRole's `RoleLastUsed`. An edge notes a key's
 * use once the request's signature has verified (a refused request is not a use): the time, to the second, and the
 * service and region of the signature's scope. STS notes a role's use when it issues one of its sessions (AssumeRole,
 * AssumeRoleWithWebIdentity, a job's, pod's or node's session): the time and the region asked. Notes are kept on
 * this instance and written to the store in one transaction per interval (default a minute), never on the
 * request path. The stored value only moves forward (`recordLastUsed`), so instances writing in any order keep
 * the latest use; a read on this instance sees its own newer notes at once.
 *
 * Temporary credentials' keys are not tracked: AWS reports last use for IAM users' access keys only (a session's use
 * is its role's, noted when the session is issued). A store that cannot be written keeps the notes for the next
 * interval; a key or role deleted meanwhile is simply skipped.
 */
import type { AccessKeyLastUsed, RoleLastUsed, Store, WriteTx } from './ports/store.ts';
import { isTemporaryKeyId } from '../core/sts/key-id.ts';

export interface KeyUseDeps {
  readonly store: Store;
  /** Epoch ms. */
  readonly now: () => number;
  readonly log?: (line: string) => void;
}

export interface KeyUseOptions {
  /** How often notes are written, ms (default 60,000). */
  readonly flushMs?: number;
}

/** Keys and roles noted between two writes, at most; past it, a write is started at once. */
const MAX_PENDING = 50_000;

/** `yyyy-mm-ddThh:mm:ssZ`: the form AWS answers in, and one that orders as text. */
export const lastUsedDate = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** One kind of thing whose last use is noted (access keys, roles): its notes, and how one is written. */
interface Ledger<V extends { readonly at: string }> {
  pending: Map<string, V>;
  readonly record: (tx: WriteTx, id: string, used: V) => Promise<unknown>;
  readonly same: (a: V, b: V) => boolean;
}

export function createKeyUse(deps: KeyUseDeps, options: KeyUseOptions = {}) {
  const flushMs = options.flushMs ?? 60_000;
  const keys: Ledger<AccessKeyLastUsed> = {
    pending: new Map(),
    // A key deleted since its use answers NO_SUCH_ENTITY: nothing to record, and no reason to fail the rest.
    record: (tx, id, used) => tx.accessKeys.recordLastUsed(id, used),
    same: (a, b) => a.at === b.at && a.service === b.service && a.region === b.region,
  };
  const roles: Ledger<RoleLastUsed> = {
    pending: new Map(),
    record: (tx, id, used) => tx.roles.recordLastUsed(id, used),
    same: (a, b) => a.at === b.at && a.region === b.region,
  };
  let timer: ReturnType<typeof setInterval> | undefined;
  let writing: Promise<boolean> | undefined;
  let lastFailureLog = 0;
  // The date of the current second, formatted once a second rather than once a request.
  let second = -1;
  let secondText = '';

  const pendingCount = (): number => keys.pending.size + roles.pending.size;

  function nowText(): string {
    const s = Math.floor(deps.now() / 1000);
    if (s !== second) {
      second = s;
      secondText = lastUsedDate(s * 1000);
    }
    return secondText;
  }

  function put<V extends { readonly at: string }>(ledger: Ledger<V>, id: string, used: V): void {
    const known = ledger.pending.get(id);
    if (known !== undefined && ledger.same(known, used)) return;
    ledger.pending.set(id, used);
    if (pendingCount() >= MAX_PENDING) void flush();
  }

  /** A verified request signed with `accessKeyId`, scoped to `service` and `region`. */
  function note(accessKeyId: string, service: string, region: string): void {
    if (isTemporaryKeyId(accessKeyId)) return;
    put(keys, accessKeyId, { at: nowText(), service, region });
  }

  /** A session of the role with unique id `roleId` (`AROA…`) issued now, asked in `region`. */
  function noteRole(roleId: string, region: string): void {
    put(roles, roleId, { at: nowText(), region });
  }

  async function writeAll<V extends { readonly at: string }>(tx: WriteTx, ledger: Ledger<V>, batch: ReadonlyMap<string, V>): Promise<void> {
    for (const [id, used] of batch) await ledger.record(tx, id, used);
  }

  /** Puts back what no newer note replaced meanwhile. */
  function putBack<V extends { readonly at: string }>(ledger: Ledger<V>, batch: ReadonlyMap<string, V>): void {
    for (const [id, used] of batch) if (!ledger.pending.has(id)) ledger.pending.set(id, used);
  }

  /** Writes the notes taken so far; false when the store refused them (they are kept for the next attempt). */
  function flush(): Promise<boolean> {
    writing ??= (async () => {
      if (pendingCount() === 0) return true;
      const batch = { keys: keys.pending, roles: roles.pending };
      keys.pending = new Map();
      roles.pending = new Map();
      try {
        await deps.store.write(async (tx) => {
          await writeAll(tx, keys, batch.keys);
          await writeAll(tx, roles, batch.roles);
        });
        return true;
      } catch (e) {
        putBack(keys, batch.keys);
        putBack(roles, batch.roles);
        const t = deps.now();
        if (t - lastFailureLog > 60_000) {
          lastFailureLog = t;
          const what = [batch.keys.size ? `${batch.keys.size} key(s)` : '', batch.roles.size ? `${batch.roles.size} role(s)` : ''].filter(Boolean).join(' and ');
          deps.log?.(`access keys and roles: cannot record when ${what} were last used: ${e instanceof Error ? e.message : String(e)}; retried in ${Math.round(flushMs / 1000)} s`);
        }
        return false;
      }
    })().finally(() => {
      writing = undefined;
    });
    return writing;
  }

  /** `stored`, or this instance's newer note of the same key or role. */
  function newer<V extends { readonly at: string }>(ledger: Ledger<V>, id: string, stored: V | null): V | null {
    const mine = ledger.pending.get(id);
    return mine !== undefined && (stored === null || stored.at < mine.at) ? mine : stored;
  }

  return {
    note,
    noteRole,
    flush,
    /** `stored`, or this instance's newer note of the key. */
    latest: (accessKeyId: string, stored: AccessKeyLastUsed | null): AccessKeyLastUsed | null => newer(keys, accessKeyId, stored),
    /** `stored`, or this instance's newer note of the role (by its unique id). */
    latestRole: (roleId: string, stored: RoleLastUsed | null): RoleLastUsed | null => newer(roles, roleId, stored),
    /** Notes not yet written (tests, metrics). */
    pendingCount,
    start(): void {
      if (timer !== undefined) return;
      timer = setInterval(() => void flush(), flushMs);
      timer.unref?.();
    },
    /** Stops the interval and writes what is noted (one last attempt). */
    async stop(): Promise<void> {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      if (writing) await writing;
      await flush();
    },
  };
}

export type KeyUse = ReturnType<typeof createKeyUse>;
