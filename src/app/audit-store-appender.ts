/**
 * The audit appender that writes to a store: its own module, so that the audit writer thread
 * (src/adapters/audit-worker/worker.ts) loads only this, the chain and its store, not the use cases of
 * src/app/audit.ts and all they import (about 190 ms of a thread's start on these machines, paid at every
 * server start). The types come from audit.ts as types only, which type stripping erases.
 */
import { hash } from 'node:crypto';
import { linkEvents, recordHash, unstorableStandIn, type TimedEvent, type UnstorableNote } from '../core/audit/index.ts';
import type { Appended, AuditAnchor, AuditAppender } from './audit.ts';
import { isStoreDataRefused, isStoreOutcomeUnknown, type Store, type StoreDataRefusedError } from './ports/store.ts';

const sha256 = (text: string): string => hash('sha256', text, 'hex');

/** The anchor of a record or head. */
const anchor = (a: { readonly seq: number; readonly hash: string }): AuditAnchor => ({ seq: a.seq, hash: a.hash });

/**
 * The first `count` events of the batch being written are in the chain, from `origin` up to `last`. `events` is the
 * batch they were found in; `digest` (computed when first needed) tells that a batch passed again starts with them.
 */
interface Confirmed {
  readonly count: number;
  readonly events: readonly TimedEvent[];
  digest: string | undefined;
  readonly origin: AuditAnchor;
  readonly last: AuditAnchor;
}

/**
 * What is known of the batch being retried after a write of unknown outcome (its COMMIT answer lost: it may have
 * committed), or after part of it was written (a batch the database refused part of, `salvage`). `confirmed`: its
 * first events found in the chain. `unconfirmed`: the write whose outcome is not known yet — the events from `from`
 * it linked to `linkedTo`, ending in `last` — which the next write looks for before writing them again; `standIn`
 * when what it linked was not those events but a stand-in for a refused one (with the digest of the events it stood
 * for, to tell that a batch passed again holds them).
 */
interface Retry {
  readonly confirmed: Confirmed | undefined;
  readonly unconfirmed:
    | { readonly from: number; readonly count: number; readonly linkedTo: AuditAnchor; readonly last: AuditAnchor; readonly standIn?: { readonly digest: string } }
    | undefined;
}

const NO_RETRY: Retry = { confirmed: undefined, unconfirmed: undefined };

/** The hash the events would end with, linked to an empty chain: equal for the same events, in the same order. */
const digestOf = (events: readonly TimedEvent[]): string => linkEvents(events, { seq: 0, hash: '' }, sha256, { parsed: false }).at(-1)?.hash ?? '';

/** Whether `events` starts with the events `c` found in the chain. */
function startsWith(events: readonly TimedEvent[], c: Confirmed): boolean {
  if (events.length < c.count) return false;
  if (events === c.events) return true;
  c.digest ??= digestOf(c.events.slice(0, c.count));
  return digestOf(events.slice(0, c.count)) === c.digest;
}

/**
 * Writes at most this many transactions to sort out which records of one refused batch the database refuses (about
 * 2·log2(batch) per refused record: 25 for one in 4,000). Past it the attempt fails, keeping what it wrote, and the
 * queue's next attempt goes on from there.
 */
export const MAX_SALVAGE_WRITES = 128;

export interface StoreAppenderOptions {
  /** `MAX_SALVAGE_WRITES` (tests). */
  readonly maxSalvageWrites?: number;
}

/**
 * Links a batch to the head and appends it in one write transaction: writers on every instance serialise on the head
 * row. A write whose COMMIT answer was lost (StoreOutcomeUnknownError) leaves the batch in the queue, which passes it
 * again (src/app/audit.ts `flushOnce`): linked to the head as it then is, it was appended a second time when the first
 * write had committed (review ab4). So before writing again, the write looks for the last record the earlier one linked
 * (its seq, with the hash it computed: the hash covers the record and all before it) and writes only what is not there.
 *
 * A batch the database refuses for what one of its records holds (`StoreDataRefusedError`: the same records are
 * refused every time) was retried for ever, and under the closed policy nothing was issued or changed again. It is
 * split instead (`salvage`): halves are written in order, each linked to the head as it then is, down to the records
 * refused alone; each of those is replaced by a stand-in (src/core/audit/unstorable.ts) and reported with the append
 * (`Appended.unstorable`). A stand-in refused too fails the append as before: the batch stays queued and is retried.
 * None of this runs unless a batch is refused.
 *
 * `digest`: the chain's (keyed) digest; default plain SHA-256.
 */
export function storeAppender(store: Store, digest: (text: string) => string = sha256, options: StoreAppenderOptions = {}): AuditAppender {
  const maxSalvageWrites = options.maxSalvageWrites ?? MAX_SALVAGE_WRITES;
  let retry: Retry = NO_RETRY;
  /** Stand-ins committed and not yet reported (an append that wrote some, then failed): reported with the next append. */
  let unreported: UnstorableNote[] = [];
  /** Linked with a key (not plain SHA-256): a head not linked with it is then told (`Appended.linkedToUnkeyed`). */
  const keyed = digest !== sha256;
  /** The last record this appender committed: a head still at it needs no second look. */
  let ownLast: AuditAnchor | undefined;

  /**
   * One write transaction: the events of `events` up to `end` that the chain does not hold yet (after what earlier
   * writes of this batch are known to have committed), with `standIn` in place of the event before `end` when given.
   * Resolves with what it linked to and committed, how far into `events` the chain now holds (`through`), and the
   * stand-in's place when it wrote one.
   */
  async function writeUpTo(events: readonly TimedEvent[], end: number, standIn?: TimedEvent): Promise<{ appended: Appended | undefined; through: number; standInAt?: AuditAnchor }> {
    let next: Retry = retry;
    // Whether this write found out whether the earlier one committed (a fact, whether or not this write commits).
    let resolved = false;
    try {
      const done = await store.write(async (tx) => {
        const head = await tx.audit.head();
        // A head another writer left (another instance, or someone writing the database) that is not linked with the
        // chain's key: the batch would cover it with a keyed link (review pl, 2). One read of the head record, only
        // when the head is not the record this appender committed last.
        let headUnkeyed = false;
        if (keyed && head.seq > head.baseSeq && !(ownLast !== undefined && ownLast.seq === head.seq && ownLast.hash === head.hash)) {
          const [h] = await tx.audit.list({}, head.seq - 1, 1);
          if (h !== undefined && h.seq === head.seq) {
            const { hash: stored, ...rest } = h;
            headUnkeyed = recordHash(rest, digest) !== stored;
          }
        }
        // What earlier writes of this batch are known to have committed: a prefix of the events passed now.
        let confirmed = retry.confirmed;
        if (confirmed !== undefined && !startsWith(events, confirmed)) confirmed = undefined;
        const u = retry.unconfirmed;
        // Not committed when the head has not reached it (the head never moves back but by a restore).
        if (u !== undefined && head.seq < u.last.seq) resolved = true;
        else if (u !== undefined && (confirmed?.count ?? 0) === u.from && events.length >= u.from + u.count) {
          resolved = true;
          const [found] = await tx.audit.list({}, u.last.seq - 1, 1);
          // That write committed, and these are the events it carried (linked to where it linked them, the same hashes;
          // a stand-in's events, by their digest).
          const there = found !== undefined && found.seq === u.last.seq && found.hash === u.last.hash;
          const same =
            there &&
            (u.standIn !== undefined
              ? digestOf(events.slice(u.from, u.from + u.count)) === u.standIn.digest
              : linkEvents(events.slice(u.from, u.from + u.count), u.linkedTo, digest, { parsed: false }).at(-1)?.hash === u.last.hash);
          if (same) confirmed = { count: u.from + u.count, events, digest: undefined, origin: confirmed?.origin ?? u.linkedTo, last: u.last };
        }
        const skip = confirmed?.count ?? 0;
        const through = Math.max(skip, end);
        const withStandIn = standIn !== undefined && skip < end;
        const part = withStandIn ? [...events.slice(skip, end - 1), standIn] : skip === 0 && through === events.length ? events : events.slice(skip, through);
        const linked = linkEvents(part, head, digest, { parsed: false });
        const last = linked.at(-1);
        next = {
          confirmed,
          unconfirmed:
            last !== undefined
              ? { from: skip, count: through - skip, linkedTo: anchor(head), last: anchor(last), ...(withStandIn ? { standIn: { digest: digestOf(events.slice(skip, through)) } } : {}) }
              : undefined,
        };
        if (linked.length > 0) await tx.audit.append(linked);
        const end_ = last !== undefined ? anchor(last) : confirmed?.last;
        return {
          appended: end_ !== undefined ? { linkedTo: confirmed?.origin ?? anchor(head), last: end_, ...(headUnkeyed && confirmed === undefined ? { linkedToUnkeyed: true } : {}) } : undefined,
          through,
          ...(withStandIn && last !== undefined ? { standInAt: anchor(last) } : {}),
        };
      });
      // Committed: the chain holds the batch up to `through`; the rest (a salvage's next part) starts after it.
      const a = done.appended;
      if (a !== undefined) ownLast = a.last;
      retry = done.through >= events.length || a === undefined ? NO_RETRY : { confirmed: { count: done.through, events, digest: undefined, origin: a.linkedTo, last: a.last }, unconfirmed: undefined };
      return done;
    } catch (e) {
      // A write of unknown outcome is looked for by the next; any other failure rolled back: what was known stays.
      if (isStoreOutcomeUnknown(e)) retry = next;
      else if (resolved) retry = { confirmed: next.confirmed, unconfirmed: undefined };
      throw e;
    }
  }

  /** The append's answer, with the stand-ins written and not yet reported. */
  const answer = (a: Appended | undefined): Appended | undefined => {
    if (a === undefined || unreported.length === 0) return a;
    const unstorable = unreported;
    unreported = [];
    return { ...a, unstorable };
  };

  /**
   * The batch was refused for what (at least) one of its records holds: written in parts, in order, each part linked
   * to the head as it then is. A refused part is halved, its first half written (or halved in turn), and its second
   * half is then known to hold a refused record when the first held none; a record refused alone is replaced by its
   * stand-in. At most `maxSalvageWrites` transactions: past that, or on any other failure (an outage), the append
   * fails with what it wrote kept (`retry.confirmed`), and the queue's next attempt goes on from there.
   */
  async function salvage(events: readonly TimedEvent[], refused: StoreDataRefusedError): Promise<Appended | undefined> {
    let writes = 1;
    let origin: AuditAnchor | undefined;
    let last: AuditAnchor | undefined;
    let originUnkeyed = false;
    const write = async (end: number, standIn?: TimedEvent) => {
      if (writes >= maxSalvageWrites) {
        throw new Error(`the database refuses records of this audit batch for what they hold (${refused.dbCode}: ${refused.reason}), more than ${maxSalvageWrites} writes sort out at once; the records written so far are kept, and the rest is sorted out at the next attempt`, { cause: refused });
      }
      writes += 1;
      const done = await writeUpTo(events, end, standIn);
      if (done.appended !== undefined) {
        if (origin === undefined) originUnkeyed = done.appended.linkedToUnkeyed === true;
        origin ??= done.appended.linkedTo;
        last = done.appended.last;
      }
      return done;
    };
    /** Writes events [from, to); `known`: the refusal of that part, when it is already known to be refused. Says whether a record of it was refused. */
    const part = async (from: number, to: number, known: StoreDataRefusedError | undefined): Promise<boolean> => {
      let why = known;
      if (why === undefined) {
        try {
          await write(to);
          return false;
        } catch (e) {
          if (!isStoreDataRefused(e)) throw e;
          why = e;
        }
      }
      if (to - from === 1) {
        const original = events[from] as TimedEvent;
        const standIn = unstorableStandIn(original, { code: why.dbCode, reason: why.reason }, sha256);
        let done: Awaited<ReturnType<typeof write>>;
        try {
          done = await write(to, standIn.event);
        } catch (e) {
          if (!isStoreDataRefused(e)) throw e;
          throw new Error(
            `the database refuses an audit record for what it holds (${why.dbCode}: ${why.reason}), and the stand-in that would take its place as well (${e.dbCode}: ${e.reason}); the batch stays queued and is retried`,
            { cause: e },
          );
        }
        if (done.standInAt !== undefined) {
          const ev = standIn.event.event;
          unreported.push({ seq: done.standInAt.seq, kind: ev.kind, account: ev.account, action: ev.action, at: new Date(original.at).toISOString(), sha256: standIn.sha256, code: why.dbCode, reason: why.reason });
        }
        return true;
      }
      const mid = from + Math.ceil((to - from) / 2);
      const left = await part(from, mid, undefined);
      await part(mid, to, left ? undefined : why);
      return true;
    };
    const start = retry.confirmed !== undefined && startsWith(events, retry.confirmed) ? retry.confirmed.count : 0;
    if (start >= events.length) throw refused;
    await part(start, events.length, refused);
    return answer(origin !== undefined && last !== undefined ? { linkedTo: origin, last, ...(originUnkeyed ? { linkedToUnkeyed: true } : {}) } : undefined);
  }

  return {
    append: async (events) => {
      try {
        return answer((await writeUpTo(events, events.length)).appended);
      } catch (e) {
        if (!isStoreDataRefused(e) || events.length === 0) throw e;
        return salvage(events, e);
      }
    },
  };
}
