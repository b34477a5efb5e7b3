/**
 * When each long-term access key was last used, for `GetAccessKeyLastUsed` and key hygiene (finding keys
 * nobody uses any more). An edge notes a use once the request's signature has verified (a refused request is
 * not a use): the time, to the second, and the service and region of the signature's scope. Notes are kept on
 * this instance and written to the store in one transaction per interval (default a minute), never on the
 * request path. The stored value only moves forward (`recordLastUsed`), so instances writing in any order keep
 * the latest use; a read on this instance sees its own newer notes at once.
 *
 * Temporary credentials are not tracked: AWS reports last use for IAM users' access keys only. A store that
 * cannot be written keeps the notes for the next interval; a key deleted meanwhile is simply skipped.
 */
import type { AccessKeyLastUsed, Store } from './ports/store.ts';

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

/** Keys noted between two writes, at most; past it, a write is started at once. */
const MAX_PENDING = 50_000;

/** `yyyy-mm-ddThh:mm:ssZ`: the form AWS answers in, and one that orders as text. */
export const lastUsedDate = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** Access key ids of temporary credentials (STS, Alibaba STS): not tracked. */
const isTemporary = (accessKeyId: string): boolean => accessKeyId.startsWith('ASIA') || accessKeyId.startsWith('STS.');

export function createKeyUse(deps: KeyUseDeps, options: KeyUseOptions = {}) {
  const flushMs = options.flushMs ?? 60_000;
  let pending = new Map<string, AccessKeyLastUsed>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let writing: Promise<boolean> | undefined;
  let lastFailureLog = 0;
  // The date of the current second, formatted once a second rather than once a request.
  let second = -1;
  let secondText = '';

  /** A verified request signed with `accessKeyId`, scoped to `service` and `region`. */
  function note(accessKeyId: string, service: string, region: string): void {
    if (isTemporary(accessKeyId)) return;
    const s = Math.floor(deps.now() / 1000);
    if (s !== second) {
      second = s;
      secondText = lastUsedDate(s * 1000);
    }
    const at = secondText;
    const known = pending.get(accessKeyId);
    if (known !== undefined && known.at === at && known.service === service && known.region === region) return;
    pending.set(accessKeyId, { at, service, region });
    if (pending.size >= MAX_PENDING) void flush();
  }

  /** Writes the notes taken so far; false when the store refused them (they are kept for the next attempt). */
  function flush(): Promise<boolean> {
    writing ??= (async () => {
      if (pending.size === 0) return true;
      const batch = pending;
      pending = new Map();
      try {
        // A key deleted since its use answers NO_SUCH_ENTITY: nothing to record, and no reason to fail the rest.
        await deps.store.write(async (tx) => {
          for (const [id, used] of batch) await tx.accessKeys.recordLastUsed(id, used);
        });
        return true;
      } catch (e) {
        // Put back what no newer note replaced meanwhile.
        for (const [id, used] of batch) if (!pending.has(id)) pending.set(id, used);
        const t = deps.now();
        if (t - lastFailureLog > 60_000) {
          lastFailureLog = t;
          deps.log?.(`access keys: cannot record when ${batch.size} key(s) were last used: ${e instanceof Error ? e.message : String(e)}; retried in ${Math.round(flushMs / 1000)} s`);
        }
        return false;
      }
    })().finally(() => {
      writing = undefined;
    });
    return writing;
  }

  /** `stored`, or this instance's newer note of the same key. */
  function latest(accessKeyId: string, stored: AccessKeyLastUsed | null): AccessKeyLastUsed | null {
    const mine = pending.get(accessKeyId);
    return mine !== undefined && (stored === null || stored.at < mine.at) ? mine : stored;
  }

  return {
    note,
    flush,
    latest,
    /** Notes not yet written (tests, metrics). */
    pendingCount: (): number => pending.size,
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
