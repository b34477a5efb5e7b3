/**
 * The signature nonces of Alibaba's STS (`SignatureNonce`, `x-acs-signature-nonce`; alibaba-sts-api.ts), held for the
 * replay check: one set per server. A single process holds its own (`NonceSet`); the workers of `gatehouse server
 * --workers N` ask their supervisor's (src/adapters/cluster `workerNonces`, src/main/workers.ts), since the supervisor
 * hands each new connection to the next worker, and a request replayed on a new connection reached a worker that had
 * never seen its nonce and was taken again, once per worker (review jy, 2). The instances of a deployment on one
 * PostgreSQL claim them in the database (`storeNonces`): each instance's own set let a request taken by one be taken
 * again by every other within its window (review kq, 1). A server on SQLite keeps its set in front and claims what it
 * takes in its database too (`rememberedNonces`): a set held in memory alone was empty again after a restart, and a
 * request taken before it was taken again (review lx, 1).
 */
import type { Store } from '../../app/ports/store.ts';

/**
 * `fresh`: new, now held; `used`: held, the request was taken already; `unknown`: the request's window ends no later
 * than that of a nonce of the same key dropped for the bound (`NonceSet`), so it cannot be told from a replay.
 */
export type NonceVerdict = 'fresh' | 'used' | 'unknown';

/**
 * Where a server checks its nonces. `nonceKey` is a digest of (AccessKeyId, nonce) and `keyDigest` one of the
 * AccessKeyId alone (fixed-size, whatever the client sent: review gc, 1); `until` the end of the request's Timestamp
 * window, `now` the server's time, both epoch ms.
 */
export interface NonceClaims {
  claim(nonceKey: string, keyDigest: string, until: number, now: number): NonceVerdict | Promise<NonceVerdict>;
}

/** Nonces held by default (`HttpEdgeLimits.maxSignatureNonces`). */
export const MAX_NONCES = 100_000;

/** A nonce held: until when its request's Timestamp is taken, and the digest of the AccessKeyId that signed it. */
interface HeldNonce {
  readonly ends: number;
  readonly keyDigest: string;
}

/**
 * The nonces of one server, at most `max`: each held until its request's Timestamp can no longer be taken (its window
 * ends), not 15 minutes from its arrival, which is earlier for a request signed by a clock ahead of the server's (review
 * ge, 3). Past `max` the oldest go first; a live one dropped so makes its key's requests whose window ends no later
 * `unknown`: the nonces of a flood of requests (any key's: GetCallerIdentity needs no right) pushed out the live nonces
 * of others, whose captured requests were then taken again (review jy, 1).
 */
export class NonceSet implements NonceClaims {
  /** By nonce key, in the order first seen. */
  private readonly held = new Map<string, HeldNonce>();
  /**
   * Per AccessKeyId digest, the latest end of a live nonce of its that the bound made the set drop (at most one entry per
   * key, each gone once its window has passed: at its key's next claim, or at the next look over them all).
   */
  private readonly dropped = new Map<string, number>();
  /**
   * How many keys `dropped` may hold before it is looked over for windows that have passed: twice what the last look
   * kept, at least the bound. A window was forgotten only at its key's next claim, so the keys that never sent again (an
   * `STS.` session's, replaced within the hour) stayed for the life of the server, one more for each session whose nonce
   * was dropped (review ux, 2). Doubling keeps the looks' cost constant per claim.
   */
  private lookAt: number;
  private readonly max: number;

  constructor(max: number = MAX_NONCES) {
    this.max = max;
    this.lookAt = max;
  }

  /** How many nonces are held, and how many keys' dropped windows are remembered. */
  get counts(): { readonly held: number; readonly droppedKeys: number } {
    return { held: this.held.size, droppedKeys: this.dropped.size };
  }

  claim(nonceKey: string, keyDigest: string, until: number, now: number): NonceVerdict {
    const { held, dropped } = this;
    const seen = held.get(nonceKey);
    if (seen !== undefined && seen.ends > now) return 'used';
    const floor = dropped.get(keyDigest);
    if (floor !== undefined) {
      if (floor <= now) dropped.delete(keyDigest);
      else if (until <= floor) return 'unknown';
    }
    for (const [k, entry] of held) {
      if (entry.ends > now && held.size < this.max) break;
      held.delete(k);
      if (entry.ends > now) dropped.set(entry.keyDigest, Math.max(entry.ends, dropped.get(entry.keyDigest) ?? 0));
    }
    if (dropped.size >= this.lookAt) {
      for (const [k, ends] of dropped) if (ends <= now) dropped.delete(k);
      this.lookAt = Math.max(this.max, 2 * dropped.size);
    }
    // Insertion order is no longer expiry order (each entry ends with its request's timestamp): the sweep above stops at
    // the first live entry, so an expired one behind it waits for the next sweep that reaches it, or for the bound.
    held.set(nonceKey, { ends: Math.max(until, now), keyDigest });
    return 'fresh';
  }
}

/** Expired claims a claim in the database deletes besides its own (oldest first): more than it adds, so they do not pile up. */
export const NONCES_PRUNED_PER_CLAIM = 8;

/**
 * Nonces claimed in `store` (table `signature_nonces`), one set for every instance on that database: a request one
 * instance took is `used` at all. Never `unknown`: the database holds every live nonce (no bound drops one; those past
 * their window are deleted as claims go). A claim is a write of its own, bookkeeping (no change-log row, no refresh);
 * while the database cannot take it the claim throws and the request is answered 503, retryable: it cannot be told
 * from a replay. Written through the raw store, not the app's, which reloads after each write.
 */
export function storeNonces(store: Pick<Store, 'write'>): NonceClaims {
  return {
    async claim(nonceKey, _keyDigest, until, now) {
      const taken = await store.write((tx) => tx.signatureNonces.claim(nonceKey, Math.max(until, now), now, NONCES_PRUNED_PER_CLAIM));
      return taken ? 'fresh' : 'used';
    },
  };
}

/** How long after their answer the claims a server on SQLite took are written to its file, together (`rememberedNonces`). */
export const NONCES_WRITTEN_AFTER_MS = 200;

/**
 * How long after a batch the file could not take it is tried again, on its own: a batch waiting for the next request
 * stayed in memory alone on a quiet server, and a crash then forgot it (review ux, 3). Doubled after each failure in a
 * row, to NONCES_RETRIED_AFTER_MAX_MS at most: a write to a file another process holds locked waits for the busy
 * timeout with the event loop held.
 */
export const NONCES_RETRIED_AFTER_MS = 1000;
export const NONCES_RETRIED_AFTER_MAX_MS = 60_000;

/** A server's nonces kept in its database beside its set in memory (`rememberedNonces`). */
export interface RememberedNonces {
  readonly claims: NonceClaims;
  /** How many nonces taken wait to be written to the database (at most the bound given). */
  readonly pending: number;
  /** Writes what is still pending; at a server's stop, before its store closes. */
  stop(): Promise<void>;
}

/**
 * `front` (a server's set in memory, or its supervisor's) first; what it takes is also written to `store`, which
 * outlives a restart of the server: a request taken before a restart is `used` after it (review lx, 1). The front's
 * verdicts `used` and `unknown` stand (its bound and the refusal of a dropped nonce's window, reviews gc, 1 and jy, 1).
 *
 * A claim written at once costs a synchronous, fsynced SQLite commit (about 5 ms, the event loop held) per request, so
 * only a request an earlier run may have taken is claimed at once: one whose window ends no later than the latest claim
 * the file held at start (a nonce claimed there already is `used`). The others (every request once the last run's
 * windows have passed) are written together NONCES_WRITTEN_AFTER_MS after their answer, and at stop: a crash loses
 * that much. While the file cannot take a claim made at once, the request is answered 503, retryable; a batch that
 * cannot be written is tried again NONCES_RETRIED_AFTER_MS later, then less often while it fails (with the next batch,
 * if one is due first).
 *
 * At most `maxPending` nonces wait to be written (the front's bound by default): past it a claim is made at once, so
 * while the file refuses writes a signed request is answered 503, retryable, rather than taken with its nonce in memory
 * alone. Those waiting were kept without bound while the file refused their batches (locked, a disk full): every
 * nonce of the outage's last 15 minutes (or more, for clocks ahead), the process's memory growing with the traffic,
 * and all of them forgotten by a crash (review uz, 1).
 */
export function rememberedNonces(front: NonceClaims, store: Pick<Store, 'write'>, log: (line: string) => void = () => {}, maxPending: number = MAX_NONCES): RememberedNonces {
  const kept = storeNonces(store);
  /** The latest end of a claim of an earlier run, once read (undefined: not yet, or the read failed: made at once). */
  let earlier: number | undefined;
  let reading: Promise<void> | undefined;
  const readEarlier = (): Promise<void> =>
    (reading ??= store.write((tx) => tx.signatureNonces.latestEnd()).then(
      (v) => void (earlier = v),
      () => void (reading = undefined),
    ));
  void readEarlier();
  let pending = new Map<string, number>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> = Promise.resolve();
  let failedBefore = false;
  let retryMs = NONCES_RETRIED_AFTER_MS;
  /** Whether `timer` is a failed batch's retry (`retryMs`), which a new claim brings forward to its own 200 ms. */
  let retrying = false;
  let stopped = false;
  /** Nonces of batches being written (counted with `pending` against `maxPending`: a failed batch comes back to it). */
  let inFlight = 0;
  /** Whether the log has said that claims are made at once for want of room (said again after a batch is written). */
  let fullSaid = false;
  /** `final`: the last write, at stop; a batch it cannot write is forgotten, and the log says until when it matters. */
  const write = (final = false): Promise<void> => {
    timer = undefined;
    retrying = false;
    if (pending.size === 0) return writing;
    const batch = pending;
    pending = new Map();
    inFlight += batch.size;
    writing = writing.then(async () => {
      const now = Date.now();
      const claims = [...batch].filter(([, ends]) => ends > now).map(([nonceKey, ends]) => ({ nonceKey, ends }));
      try {
        if (claims.length > 0) await store.write((tx) => tx.signatureNonces.claimAll(claims, now));
        inFlight -= batch.size;
        failedBefore = false;
        fullSaid = false;
        retryMs = NONCES_RETRIED_AFTER_MS;
      } catch (e) {
        inFlight -= batch.size;
        for (const c of claims) if (!pending.has(c.nonceKey)) pending.set(c.nonceKey, c.ends);
        // At stop nothing tries again: what the file did not take is forgotten, said whatever was said before (review uz,
        // 4: a stop while the file had refused a batch already forgot its nonces unsaid).
        if (final) {
          let until = 0;
          for (const c of claims) until = Math.max(until, c.ends);
          log(`alibaba sts: ${claims.length} signature nonce(s) could not be written to the database at stop and are forgotten: their requests, sent again after a restart, are taken again until ${new Date(until).toISOString()} (${e instanceof Error ? e.message : String(e)})`);
        } else if (!failedBefore) log(`alibaba sts: ${claims.length} signature nonce(s) could not be written to the database (tried again in ${retryMs / 1000} s, then less often while it fails): ${e instanceof Error ? e.message : String(e)}`);
        failedBefore = true;
        // Tried again on its own, whether or not another request comes (with the next batch, if one is due first).
        if (timer === undefined && !stopped) {
          timer = setTimeout(() => void write(), retryMs);
          timer.unref?.();
          retrying = true;
        }
        retryMs = Math.min(retryMs * 2, NONCES_RETRIED_AFTER_MAX_MS);
      }
    });
    return writing;
  };
  /** A fresh claim made at once since no more may wait (`maxPending`): it throws while the file refuses writes (503). */
  const atOnceWhenFull = async (nonceKey: string, keyDigest: string, until: number, now: number): Promise<NonceVerdict> => {
    if (!fullSaid) {
      fullSaid = true;
      log(`alibaba sts: ${pending.size + inFlight} signature nonce(s) wait to be written to the database, the most held: each signed Alibaba STS request claims its nonce there at once, and is answered 503 ServiceUnavailable (retryable) while the database cannot take it`);
    }
    const verdict = await kept.claim(nonceKey, keyDigest, until, now);
    // The file takes writes again: those waiting are written now, not at the failed batch's later retry.
    if (retrying && timer !== undefined) {
      clearTimeout(timer);
      timer = setTimeout(() => void write(), 0);
      timer.unref?.();
      retrying = false;
    }
    return verdict;
  };
  return {
    get pending() {
      return pending.size + inFlight;
    },
    claims: {
      async claim(nonceKey, keyDigest, until, now) {
        const verdict = await front.claim(nonceKey, keyDigest, until, now);
        if (verdict !== 'fresh') return verdict;
        const ends = Math.max(until, now);
        if (earlier === undefined) await readEarlier();
        if (earlier === undefined || ends <= earlier) return kept.claim(nonceKey, keyDigest, until, now);
        if (pending.size + inFlight >= maxPending && !pending.has(nonceKey)) return atOnceWhenFull(nonceKey, keyDigest, until, now);
        pending.set(nonceKey, ends);
        // Written within NONCES_WRITTEN_AFTER_MS, with a failed batch waiting for its retry: the retry's longer wait
        // would leave this claim in memory alone that long once the file takes writes again.
        if (timer === undefined || retrying) {
          if (timer !== undefined) clearTimeout(timer);
          timer = setTimeout(() => void write(), NONCES_WRITTEN_AFTER_MS);
          timer.unref?.();
          retrying = false;
        }
        return 'fresh';
      },
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      // A batch being written that fails comes back to those waiting: all are tried once more, together.
      await writing;
      await write(true);
    },
  };
}
