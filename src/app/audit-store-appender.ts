/**
 * The audit appender that writes to a store: its own module, so that the audit writer thread
 * (src/adapters/audit-worker/worker.ts) loads only this, the chain and its store, not the use cases of
 * src/app/audit.ts and all they import (about 190 ms of a thread's start on these machines, paid at every
 * server start). The types come from audit.ts as types only, which type stripping erases.
 */
import { hash } from 'node:crypto';
import { linkEvents } from '../core/audit/index.ts';
import type { Appended, AuditAppender } from './audit.ts';
import type { Store } from './ports/store.ts';

const sha256 = (text: string): string => hash('sha256', text, 'hex');

/** Links a batch to the head and appends it in one write transaction: writers on every instance serialise on the head row. */
export function storeAppender(store: Store): AuditAppender {
  return {
    append: (events) =>
      store.write(async (tx): Promise<Appended | void> => {
        const head = await tx.audit.head();
        const linked = linkEvents(events, head, sha256, { parsed: false });
        await tx.audit.append(linked);
        const last = linked.at(-1);
        if (last !== undefined) return { linkedTo: { seq: head.seq, hash: head.hash }, last: { seq: last.seq, hash: last.hash } };
      }),
  };
}
