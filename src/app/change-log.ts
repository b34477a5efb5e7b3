/**
 * Reading the change log past an in-memory state's head, to tell whether a change concerns it (bindings, resource
 * policies, the Kubernetes RBAC): a page at a time (a burst of more than one page reloaded everything on every
 * instance: review ae, 4), up to a bound past which reloading all is the cheaper way.
 */
import type { ChangeRecord, ReadTx } from './ports/store.ts';

/** Changes read per query of the change log, and pages read at most. */
const CHANGES_PAGE = 1000;
const CHANGES_PAGES = 50;

/**
 * Calls `visit` on each change after `after` up to `head`, oldest first, until it answers `stop`. `done`: every change
 * up to `head` was visited; `stopped`: `visit` stopped; `unsure`: the log did not reach `head` (a gap, or more than
 * the pages read), so the caller cannot tell what changed and reloads all.
 */
export async function readChanges(tx: ReadTx, after: number, head: number, visit: (c: ChangeRecord) => 'stop' | undefined): Promise<'done' | 'stopped' | 'unsure'> {
  for (let page = 0; page < CHANGES_PAGES && after < head; page++) {
    const changes = await tx.changes.since(after, CHANGES_PAGE);
    for (const c of changes) if (visit(c) === 'stop') return 'stopped';
    const last = changes.at(-1)?.seq;
    if (last === undefined) return 'unsure';
    after = last;
  }
  return after < head ? 'unsure' : 'done';
}
