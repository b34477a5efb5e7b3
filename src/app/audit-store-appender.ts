/**
 * The audit appender that writes to a store: its own module, so that the audit writer thread
 * (src/adapters/audit-worker/worker.ts) loads only this, the chain and its store, not the use cases of
 * src/app/audit.ts and all they import (about 190 ms of a thread's start on these machines, paid at every
 * server start). The types come from audit.ts as types only, which type stripping erases.
 */
import { hash } from 'node:crypto';
import { linkEvents, type TimedEvent } from '../core/audit/index.ts';
import type { Appended, AuditAnchor, AuditAppender } from './audit.ts';
import { isStoreOutcomeUnknown, type Store } from './ports/store.ts';

const sha256 = (text: string): string => hash('sha256', text, 'hex');

/** The anchor of a record or head. */
const anchor = (a: { readonly seq: number; readonly hash: string }): AuditAnchor => ({ seq: a.seq, hash: a.hash });

/**
 * What is known of the batch being retried after a write of unknown outcome (its COMMIT answer lost: it may have
 * committed). `confirmed`: its first events found in the chain, from `origin` up to `last`, and `digest` to tell that
 * a batch passed again starts with those events. `unconfirmed`: the write whose outcome is not known yet — the events
 * from `from` it linked to `linkedTo`, ending in `last` — which the next write looks for before writing them again.
 */
interface Retry {
  readonly confirmed: { readonly count: number; readonly digest: string; readonly origin: AuditAnchor; readonly last: AuditAnchor } | undefined;
  readonly unconfirmed: { readonly from: number; readonly count: number; readonly linkedTo: AuditAnchor; readonly last: AuditAnchor } | undefined;
}

/** The hash the events would end with, linked to an empty chain: equal for the same events, in the same order. */
const digestOf = (events: readonly TimedEvent[]): string => linkEvents(events, { seq: 0, hash: '' }, sha256, { parsed: false }).at(-1)?.hash ?? '';

/**
 * Links a batch to the head and appends it in one write transaction: writers on every instance serialise on the head
 * row. A write whose COMMIT answer was lost (StoreOutcomeUnknownError) leaves the batch in the queue, which passes it
 * again (src/app/audit.ts `flushOnce`): linked to the head as it then is, it was appended a second time when the first
 * write had committed (review ab4). So before writing again, the write looks for the last record the earlier one linked
 * (its seq, with the hash it computed: the hash covers the record and all before it) and writes only what is not there.
 */
/** `digest`: the chain's (keyed) digest; default plain SHA-256. */
export function storeAppender(store: Store, digest: (text: string) => string = sha256): AuditAppender {
  let retry: Retry = { confirmed: undefined, unconfirmed: undefined };
  return {
    append: async (events) => {
      let next: Retry = retry;
      // Whether this write found out whether the earlier one committed (a fact, whether or not this write commits).
      let resolved = false;
      try {
        const done = await store.write(async (tx): Promise<Appended | void> => {
          const head = await tx.audit.head();
          // What earlier writes of this batch are known to have committed: a prefix of the events passed now.
          let confirmed = retry.confirmed;
          if (confirmed !== undefined && (events.length < confirmed.count || digestOf(events.slice(0, confirmed.count)) !== confirmed.digest)) confirmed = undefined;
          const u = retry.unconfirmed;
          // Not committed when the head has not reached it (the head never moves back but by a restore).
          if (u !== undefined && head.seq < u.last.seq) resolved = true;
          else if (u !== undefined && (confirmed?.count ?? 0) === u.from && events.length >= u.from + u.count) {
            resolved = true;
            const [found] = await tx.audit.list({}, u.last.seq - 1, 1);
            // That write committed, and these are the events it carried (linked to where it linked them, the same hashes).
            const again = found !== undefined && found.seq === u.last.seq && found.hash === u.last.hash ? linkEvents(events.slice(u.from, u.from + u.count), u.linkedTo, digest, { parsed: false }) : [];
            if (again.at(-1)?.hash === u.last.hash) {
              const count = u.from + u.count;
              confirmed = { count, digest: digestOf(events.slice(0, count)), origin: confirmed?.origin ?? u.linkedTo, last: u.last };
            }
          }
          const skip = confirmed?.count ?? 0;
          const linked = linkEvents(skip === 0 ? events : events.slice(skip), head, digest, { parsed: false });
          const last = linked.at(-1);
          next = { confirmed, unconfirmed: last !== undefined ? { from: skip, count: linked.length, linkedTo: anchor(head), last: anchor(last) } : undefined };
          if (linked.length > 0) await tx.audit.append(linked);
          const end = last !== undefined ? anchor(last) : confirmed?.last;
          if (end !== undefined) return { linkedTo: confirmed?.origin ?? anchor(head), last: end };
        });
        retry = { confirmed: undefined, unconfirmed: undefined };
        return done;
      } catch (e) {
        // A write of unknown outcome is looked for by the next; any other failure rolled back: what was known stays.
        if (isStoreOutcomeUnknown(e)) retry = next;
        else if (resolved) retry = { confirmed: next.confirmed, unconfirmed: undefined };
        throw e;
      }
    },
  };
}
