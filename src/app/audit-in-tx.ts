/**
 * Change records appended to the audit chain inside the change's own write transaction (an apply, an account created,
 * the root account of the first start), so that they commit or roll back with it, rather than through the queue.
 */
import { hash } from 'node:crypto';
import { linkEvents, type AuditEvent } from '../core/audit/index.ts';
import { failWith, ok, type Result } from '../core/errors.ts';
import type { AppDeps } from './deps.ts';
import type { WriteTx } from './ports/store.ts';

const sha256 = (text: string): string => hash('sha256', text, 'hex');

/** Whether the app records to an audit log that is on (the sink is the app's `Audit`, whose status says). */
export function auditOn(deps: AppDeps): boolean {
  const sink = deps.audit as (AppDeps['audit'] & { status?: () => { readonly enabled: boolean } }) | undefined;
  return sink !== undefined && (sink.status?.().enabled ?? true);
}

/**
 * Links `events` to the chain's head as the audit writer links a batch (src/app/audit-store-appender.ts), each detail
 * as its canonical, redacted text (what the queue would have written, secrets removed), and appends them in `tx`.
 * Writers serialise on the head (SQLite: one writer; PostgreSQL: the change-head row lock every write takes first).
 * Returns how many were appended (none when the audit log is off); throws what the store threw.
 */
export async function appendInTx(deps: AppDeps, tx: WriteTx, events: readonly AuditEvent[]): Promise<number> {
  if (events.length === 0 || !auditOn(deps)) return 0;
  const at = deps.now();
  const head = await tx.audit.head();
  await tx.audit.append(linkEvents(events.map((event) => ({ at, event })), head, deps.chainDigest ?? sha256, { parsed: false }));
  return events.length;
}

/** `appendInTx` for a change made on a caller's request: a failure to append is the change's failure, nothing is applied. */
export async function appendAuditInTx(deps: AppDeps, tx: WriteTx, events: readonly AuditEvent[]): Promise<Result<number>> {
  try {
    return ok(await appendInTx(deps, tx, events));
  } catch {
    // The cause (which may name the database's address) is not the caller's to see.
    return failWith('SERVICE_UNAVAILABLE', 'the audit log cannot be written at the moment, so the change cannot be recorded with it; nothing was changed: retry later');
  }
}
