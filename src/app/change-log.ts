/**
 * Reading the change log past an in-memory state's head, to tell whether a change concerns it (bindings, resource
 * policies, the Kubernetes RBAC): a page at a time (a burst of more than one page reloaded everything on every
 * instance: review ae, 4), up to a bound past which reloading all is the cheaper way.
 */
import type { ChangeRecord, ReadTx, Store } from './ports/store.ts';

/** Changes read per query of the change log, and pages read at most. */
const CHANGES_PAGE = 1000;
const CHANGES_PAGES = 50;

/**
 * The changes `pruneChangeLog` keeps behind the head: four times what any reader reads before it loads everything
 * instead (50 pages of 1,000, here and in src/app/live.ts), so that pruning never turns a reader's read of the log
 * into a full load. A reader further behind, or one that finds its first change gone anyway, loads everything
 * (`continues`).
 */
export const CHANGES_KEPT = 200_000;

/** Changes deleted per transaction of `pruneChangeLog` (a short hold of the write lock). */
const PRUNE_CHUNK = 10_000;

/**
 * Whether `changes`, read with `since(after)`, go on from `after` with nothing missing: sequence numbers are gap-free
 * (src/app/ports/store.ts), so a first change other than `after + 1` means the ones before it were pruned, and what
 * they changed is unknown.
 */
export function continues(changes: readonly ChangeRecord[], after: number): boolean {
  return changes.length > 0 && (changes[0] as ChangeRecord).seq === after + 1;
}

/**
 * Deletes the changes more than `keep` behind the head, a chunk per transaction. Every write appends one (a job's
 * heartbeat, a scoped session's record, each directory change), and nothing removed them: the table grew for as long
 * as the deployment ran (review cl, 5). How many it deleted. It stops between chunks once `signal` is aborted (the server
 * stops): a log millions of changes behind is thousands of chunks, and a stop waiting for them came after Kubernetes'
 * grace period, its audit queue neither written nor spooled (review mi, 1).
 */
export async function pruneChangeLog(store: Store, keep = CHANGES_KEPT, chunk = PRUNE_CHUNK, signal?: AbortSignal): Promise<number> {
  let total = 0;
  for (;;) {
    if (signal?.aborted === true) return total;
    const n = await store.write(async (tx) => tx.changes.prune((await tx.changes.head()) - keep + 1, chunk));
    total += n;
    if (n < chunk) return total;
  }
}

/**
 * Calls `visit` on each change after `after` up to `head`, oldest first, until it answers `stop`. `done`: every change
 * up to `head` was visited; `stopped`: `visit` stopped; `unsure`: the log did not reach `head` (a gap, or more than
 * the pages read), so the caller cannot tell what changed and reloads all.
 */
export async function readChanges(tx: ReadTx, after: number, head: number, visit: (c: ChangeRecord) => 'stop' | undefined): Promise<'done' | 'stopped' | 'unsure'> {
  for (let page = 0; page < CHANGES_PAGES && after < head; page++) {
    const changes = await tx.changes.since(after, CHANGES_PAGE);
    if (!continues(changes, after)) return 'unsure';
    for (const c of changes) if (visit(c) === 'stop') return 'stopped';
    const last = changes.at(-1)?.seq;
    if (last === undefined) return 'unsure';
    after = last;
  }
  return after < head ? 'unsure' : 'done';
}
