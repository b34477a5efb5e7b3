/**
 * The audit log as the use cases see it (issue "an audit log nothing escapes").
 *
 * Recording is off the hot path: `record(event)` stamps the time and queues it — into the appender's compact
 * pieces when it has them (`AuditAppender.piece`), so a backlog holds no object per record; a flusher hands batches (every
 * 100 ms, or at once when 500 are waiting) to an `AuditAppender`, which in one write transaction reads the
 * chain's head, links the batch to it (src/core/audit) and appends it — on this thread (`storeAppender`), or in
 * `gatehouse server` on a writer thread with its own connection (src/adapters/audit-worker). Writers on every
 * thread and instance serialise on the head row, so the chain is one.
 *
 * Nothing is dropped silently. When the store refuses a batch, the records stay queued (bounded by
 * `maxBacklog`), the failure is logged and counted, and the flusher retries with backoff. While the audit log is
 * not known to be writable — a write failed, the oldest queued record has waited longer than `maxUnwrittenMs`
 * (2 s), or the instance knows its store to be unreachable — the failure policy applies: `closed` (the default)
 * refuses to issue sessions and to change the directory (SERVICE_UNAVAILABLE, retryable) — nothing that grants
 * access happens unrecorded, even at the start of an outage, before a write has had time to fail; `open`
 * carries on and records later. Decisions always carry on (resource servers must keep working; their records
 * wait in the queue). Only when the bound itself is hit are records dropped, each one counted, and logged.
 */
import { hash } from 'node:crypto';
import { failWith, ok, type Result } from '../core/errors.ts';
import {
  AUDIT_KINDS,
  chainVerifier,
  linkEvents,
  type AuditEvent,
  type AuditFilter,
  type AuditHead,
  type AuditKind,
  type AuditRecord,
  type BrokenLink,
  type TimedEvent,
} from '../core/audit/index.ts';
import { roleArnOf } from '../core/sts/session.ts';
import { ROOT_ACCOUNT } from './accounts.ts';
import type { AppMetrics } from './metrics.ts';
import { NO_METRICS } from './metrics.ts';
import { authorizeAdmin, type Caller } from './principals.ts';
import type { Authorize, AuthorizeAnswer, AuthorizeInput } from './authorize.ts';
import type { Store } from './ports/store.ts';

export type AuditFailurePolicy = 'closed' | 'open';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface AuditOptions {
  /** What happens to issuance and directory changes while the audit log cannot be written; default `closed`. */
  readonly failure?: AuditFailurePolicy;
  /** Share of allowed decisions recorded, 0–1; denials are always recorded. Default 1 (all). */
  readonly allowSample?: number;
  /** Records older than this many days are pruned (hourly); default: kept forever. */
  readonly retentionDays?: number;
  /** Records held in memory at most while the store cannot take them; default 100,000. */
  readonly maxBacklog?: number;
  /** Records per write transaction; default 500. */
  readonly batchSize?: number;
  /** How long a record may wait before its batch is written, ms; default 100. */
  readonly flushMs?: number;
  /**
   * Under the `closed` policy, issuance stops once the oldest record not yet written has waited this long, ms
   * (a store that hangs fails no write for its whole connect timeout); default 2,000.
   */
  readonly maxUnwrittenMs?: number;
  /** `false` records nothing (benchmarks of the cost of auditing); default true. */
  readonly enabled?: boolean;
}

export interface AuditStatus {
  readonly enabled: boolean;
  readonly policy: AuditFailurePolicy;
  /** Records queued, not yet written. */
  readonly backlog: number;
  /**
   * True while the audit log is known to be writable: false while the last attempt to write failed, the oldest
   * queued record has waited longer than `maxUnwrittenMs`, or the store is known to be unreachable.
   */
  readonly healthy: boolean;
  readonly lastError: string | undefined;
  readonly written: number;
  readonly failures: number;
  readonly dropped: number;
}

export interface AuditPage {
  readonly records: readonly AuditRecord[];
  /** Cursor for the next page (`after`), when this page was full. */
  readonly next?: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  /** Records checked. */
  readonly checked: number;
  readonly head: { readonly seq: number; readonly hash: string };
  /** Where verification started: the checkpoint of the last pruning (seq 0 when never pruned). */
  readonly base: { readonly seq: number; readonly hash: string };
  readonly broken?: BrokenLink | { readonly seq: number; readonly reason: 'checkpoint'; readonly message: string };
}

export const AUDIT_DEFAULTS = { failure: 'closed', allowSample: 1, maxBacklog: 100_000, batchSize: 500, flushMs: 100, maxUnwrittenMs: 2000 } as const;
/** The action of the record a pruning leaves in the chain; its detail attests the checkpoint. */
export const PRUNE_ACTION = 'gatehouse:PruneAudit';
export const READ_AUDIT = 'gatehouse:ReadAudit';
const MAX_PAGE = 1000;
const DAY_MS = 86_400_000;

// The one-shot digest: no Hash object per record (half the cost of createHash for a record's few hundred bytes).
const sha256 = (text: string): string => hash('sha256', text, 'hex');

/**
 * Where queued events go: linked to the chain's head and appended, in one write transaction, in order. The
 * default appends through the store on this thread; `src/adapters/audit-worker` does the same work (serialising,
 * hashing, writing) in a worker thread with its own connection, so that none of it runs where decisions are
 * made. `append` resolves once the batch is committed and rejects, with nothing written, when it is not.
 */
export interface AuditAppender {
  append(events: readonly TimedEvent[]): Promise<void>;
  /** Records per batch at most, when it differs from the queue's own (`batchSize`, four times that when behind). */
  readonly maxBatch?: number;
  /** Releases what the appender holds (a worker thread); called once, by `stop`. */
  close?(): Promise<void>;
  /**
   * Pieces the queue fills as records are recorded, in the appender's own compact form, and writes in batches of
   * whole pieces with `appendPieces` (one transaction, like `append`): the writer thread's packed form, so that a
   * backlog holds no object per record and what a decision built dies young. Without them the queue keeps the
   * events as they are and writes them with `append`.
   */
  piece?(): AuditPiece;
  appendPieces?(pieces: readonly AuditPiece[]): Promise<void>;
}

/** Records as the queue holds them until written, filled as they come. */
export interface AuditPiece {
  readonly length: number;
  /** Adds a record; false (nothing added) once the piece is full or was handed to the appender. */
  add(at: number, event: AuditEvent): boolean;
}

/** The default piece: the events as they are, at most `capacity`. */
class EventsPiece implements AuditPiece {
  readonly events: TimedEvent[] = [];
  readonly #capacity: number;
  constructor(capacity: number) {
    this.#capacity = capacity;
  }
  get length(): number {
    return this.events.length;
  }
  add(at: number, event: AuditEvent): boolean {
    if (this.events.length >= this.#capacity) return false;
    this.events.push({ at, event });
    return true;
  }
}

/** Links a batch to the head and appends it in one write transaction: writers on every instance serialise on the head row. */
export function storeAppender(store: Store): AuditAppender {
  return {
    append: (events) =>
      store.write(async (tx) => {
        const head = await tx.audit.head();
        await tx.audit.append(linkEvents(events, head, sha256, { parsed: false }));
      }),
  };
}

/** `GATEHOUSE_AUDIT_FAILURE`, `GATEHOUSE_AUDIT_ALLOW_SAMPLE`, `GATEHOUSE_AUDIT_RETENTION_DAYS`. */
export function auditOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): Result<AuditOptions> {
  const out: { -readonly [K in keyof AuditOptions]: AuditOptions[K] } = {};
  const failure = env['GATEHOUSE_AUDIT_FAILURE'];
  if (failure !== undefined && failure !== '') {
    if (failure !== 'closed' && failure !== 'open') return failWith('VALIDATION_ERROR', `GATEHOUSE_AUDIT_FAILURE must be \`closed\` or \`open\`, got \`${failure}\``);
    out.failure = failure;
  }
  const sample = env['GATEHOUSE_AUDIT_ALLOW_SAMPLE'];
  if (sample !== undefined && sample !== '') {
    const n = Number(sample);
    if (!Number.isFinite(n) || n < 0 || n > 1) return failWith('VALIDATION_ERROR', `GATEHOUSE_AUDIT_ALLOW_SAMPLE must be a number from 0 to 1, got \`${sample}\``);
    out.allowSample = n;
  }
  const days = env['GATEHOUSE_AUDIT_RETENTION_DAYS'];
  if (days !== undefined && days !== '') {
    const n = Number(days);
    if (!Number.isFinite(n) || n <= 0) return failWith('VALIDATION_ERROR', `GATEHOUSE_AUDIT_RETENTION_DAYS must be a positive number of days, got \`${days}\``);
    out.retentionDays = n;
  }
  return ok(out);
}

/** The resource `gatehouse:ReadAudit` is decided on: the caller's account's audit log. */
export function auditArn(caller: Caller): string {
  return caller.partition === 'acs' ? `acs:gatehouse:*:${caller.account}:audit` : `arn:aws:gatehouse::${caller.account}:audit`;
}

export interface AuditDeps {
  /** The store, unwrapped: audit writes move no change head and must not drop any cache. */
  readonly store: Store;
  /** Epoch ms. */
  readonly now: () => number;
  readonly log?: (line: string) => void;
  readonly metrics?: AppMetrics;
  /** Where batches are written; default `storeAppender(store)`, on this thread. */
  readonly appender?: AuditAppender;
  /** False while this instance knows its store to be unreachable (the app's last refresh failed); default always true. */
  readonly storeReachable?: () => boolean;
}

export function createAudit(deps: AuditDeps, options: AuditOptions = {}) {
  const enabled = options.enabled ?? true;
  const policy: AuditFailurePolicy = options.failure ?? AUDIT_DEFAULTS.failure;
  const allowSample = options.allowSample ?? AUDIT_DEFAULTS.allowSample;
  const maxBacklog = options.maxBacklog ?? AUDIT_DEFAULTS.maxBacklog;
  const batchSize = options.batchSize ?? AUDIT_DEFAULTS.batchSize;
  const flushMs = options.flushMs ?? AUDIT_DEFAULTS.flushMs;
  const maxUnwrittenMs = options.maxUnwrittenMs ?? AUDIT_DEFAULTS.maxUnwrittenMs;
  const storeReachable = deps.storeReachable ?? (() => true);
  const metrics = deps.metrics ?? NO_METRICS;
  const log = deps.log ?? (() => {});
  const appender = deps.appender ?? storeAppender(deps.store);
  const piece = appender.piece && appender.appendPieces ? appender.piece.bind(appender) : () => new EventsPiece(batchSize);
  const appendPieces: (pieces: readonly AuditPiece[]) => Promise<void> =
    appender.piece && appender.appendPieces ? appender.appendPieces.bind(appender) : (pieces) => appender.append(pieces.flatMap((p) => (p as EventsPiece).events));

  /** The queue: pieces oldest first, the last one `open` (filling) unless it was handed over; `backlog` records in all. */
  const pieces: AuditPiece[] = [];
  /** When the first record of each piece was recorded (`starts[0]`: the oldest record not yet written). */
  const starts: number[] = [];
  let open: AuditPiece | undefined;
  let backlog = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerDue = 0;
  /** A timer is set to flush at once (a batch is waiting). */
  let soon = false;
  let flushing: Promise<boolean> | undefined;
  let stopped = false;
  let healthy = true;
  let lastError: string | undefined;
  let failures = 0;
  let consecutive = 0;
  let written = 0;
  let dropped = 0;
  let lastFailureLog = 0;
  let lastDropLog = 0;
  let sampled = 0;
  let pruner: ReturnType<typeof setInterval> | undefined;

  /** While failing: 100 ms doubling to 2 s, so an outage costs a few attempts a second at most. */
  const backoff = (): number => Math.min(2000, flushMs * 2 ** Math.min(consecutive, 5));

  function schedule(delay: number): void {
    if (stopped) return;
    const due = deps.now() + delay;
    if (timer !== undefined) {
      if (timerDue <= due) return;
      clearTimeout(timer);
    }
    timerDue = due;
    soon = delay === 0;
    timer = setTimeout(() => {
      timer = undefined;
      soon = false;
      void flushOnce();
    }, delay);
    timer.unref?.();
  }

  function record(event: AuditEvent): void {
    if (!enabled) return;
    if (backlog >= maxBacklog) {
      dropped += 1;
      metrics.auditDropped(1);
      const t = deps.now();
      if (t - lastDropLog > 10_000) {
        lastDropLog = t;
        log(`audit: backlog full (${backlog} records not yet written: ${lastError ?? 'the store is not keeping up'}); dropping audit records (${dropped} so far) until the store takes them`);
      }
      return;
    }
    const at = deps.now();
    if (open === undefined || !open.add(at, event)) {
      open = piece();
      if (!open.add(at, event)) throw new Error('an empty audit piece refused a record');
      pieces.push(open);
      starts.push(at);
    }
    backlog += 1;
    // While a batch is being written, the end of that write schedules the next: nothing to do per record.
    if (flushing !== undefined) return;
    if (!healthy) {
      if (timer === undefined) schedule(backoff());
    } else if (backlog >= batchSize) {
      if (!soon) schedule(0);
    } else if (timer === undefined) schedule(flushMs);
  }

  /** Writes one batch; false when the store refused it (the batch stays queued). */
  function flushOnce(): Promise<boolean> {
    flushing ??= (async () => {
      if (backlog === 0) return true;
      // Behind (a burst, or a backlog after an outage): bigger transactions, so each commit's fsync is shared by
      // more records; bounded, since a SQLite write holds the event loop while it runs. A writer on another
      // thread takes whatever is queued, up to its own bound. Whole pieces, at least one.
      const max = appender.maxBatch ?? (backlog > 2 * batchSize ? 4 * batchSize : batchSize);
      let count = 0;
      let k = 0;
      while (k < pieces.length && (k === 0 || count + (pieces[k] as AuditPiece).length <= max)) count += (pieces[k++] as AuditPiece).length;
      const batch = pieces.slice(0, k);
      // The piece being filled is handed over as it is: what is recorded meanwhile starts another.
      if (k === pieces.length) open = undefined;
      try {
        await appendPieces(batch);
      } catch (e) {
        failures += 1;
        consecutive += 1;
        lastError = e instanceof Error ? e.message : String(e);
        metrics.auditWriteFailed();
        const t = deps.now();
        if (healthy || t - lastFailureLog > 30_000) {
          lastFailureLog = t;
          log(`audit: cannot write ${backlog} queued record(s): ${lastError}; they stay queued and are retried${policy === 'closed' ? '; session issuance and directory changes are refused meanwhile (GATEHOUSE_AUDIT_FAILURE=closed)' : ''}`);
        }
        healthy = false;
        return false;
      }
      // The queue may have grown meanwhile; the batch is its head.
      pieces.splice(0, k);
      starts.splice(0, k);
      backlog -= count;
      written += count;
      metrics.auditWritten(count);
      if (!healthy) log(`audit: writing again after ${consecutive} failed attempt(s); ${backlog} record(s) still queued`);
      healthy = true;
      consecutive = 0;
      lastError = undefined;
      return true;
    })().then(
      (done) => {
        flushing = undefined;
        // What was queued meanwhile: at once when a batch is waiting, else within `flushMs`; after a failure, later.
        if (backlog > 0) schedule(done ? (backlog >= batchSize ? 0 : flushMs) : backoff());
        return done;
      },
      (e: unknown) => {
        flushing = undefined;
        throw e;
      },
    );
    return flushing;
  }

  /** Writes everything queued; false when the store refused (tests, and shutdown). */
  async function flush(): Promise<boolean> {
    while (backlog > 0) if (!(await flushOnce())) return false;
    if (flushing) await flushing;
    return true;
  }

  /** Why the audit log is not known to be writable now (for the operator's log), or undefined when it is. */
  function unwritable(): string | undefined {
    if (!healthy) return `writing failed: ${lastError ?? 'unknown error'}`;
    if (!storeReachable()) return 'the store cannot be reached';
    const waited = backlog > 0 && starts.length > 0 ? deps.now() - (starts[0] as number) : 0;
    if (waited > maxUnwrittenMs) return `the oldest of ${backlog} queued record(s) has waited ${waited} ms to be written`;
    return undefined;
  }

  /** What the gate last said to the log: it says so once when it closes, and once when it opens again. */
  let gateClosed = false;

  /**
   * Under the `closed` policy, the refusal to give while the audit log is not known to be writable; undefined
   * when the use case may go on. `what` says what is refused (`sessions are not issued`). The caller gets a
   * generic message; why (which may name the database's address) goes to the operator's log only.
   */
  function gate(what: string): Result<never> | undefined {
    if (!enabled || policy === 'open') return undefined;
    const why = unwritable() ?? (backlog >= maxBacklog ? `the backlog is full (${backlog} records)` : undefined);
    if (why === undefined) {
      if (gateClosed) log('audit: the audit log is writable again; session issuance and directory changes resume');
      gateClosed = false;
      return undefined;
    }
    if (!gateClosed) log(`audit: the audit log is not known to be writable (${why}); session issuance and directory changes are refused until it is (GATEHOUSE_AUDIT_FAILURE=closed)`);
    gateClosed = true;
    return failWith('SERVICE_UNAVAILABLE', `the audit log cannot be written at the moment; ${what} until it can: retry later`);
  }

  /** A decision of the authorize API: denials always, allows sampled (`allowSample`), all counted. */
  function decision(e: (Omit<AuditEvent, 'kind'> | AuditEvent) & { readonly decision: string }): void {
    metrics.decision(e.decision);
    if (e.decision === 'Allow') {
      if (allowSample < 1) {
        sampled += allowSample;
        if (sampled < 1) return;
        sampled -= 1;
      }
    }
    record('kind' in e && e.kind === 'decision' ? e : { ...e, kind: 'decision' });
  }

  function mayRead(caller: Caller): Result<unknown> {
    return authorizeAdmin(caller, deps.now(), READ_AUDIT, auditArn(caller));
  }

  /**
   * `after` is a cursor from `next`: a sequence number, as the number or its decimal text. Anything else (`1e3`,
   * `-1`, `0x10`, a value past 2^53 that the database's bigint could not hold) is refused, never rounded.
   */
  async function query(caller: Caller, filter: AuditFilter, after: number | string = 0, limit = 100): Promise<Result<AuditPage>> {
    const a = mayRead(caller);
    if (!a.ok) return a;
    if (filter.kind !== undefined && !AUDIT_KINDS.includes(filter.kind as AuditKind)) return failWith('VALIDATION_ERROR', `kind must be one of ${AUDIT_KINDS.join(', ')}, got \`${filter.kind}\``, 'kind');
    const cursor = typeof after === 'string' ? (/^[0-9]{1,16}$/.test(after) ? Number(after) : NaN) : after;
    if (!Number.isSafeInteger(cursor) || cursor < 0) return failWith('VALIDATION_ERROR', '`after` must be a cursor from `next` (a whole number from 0 to 9007199254740991)', 'after');
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) return failWith('VALIDATION_ERROR', `\`limit\` must be from 1 to ${MAX_PAGE}`, 'limit');
    // Principals of other accounts see their own account's records only; the root account's see all.
    const scoped: AuditFilter = caller.account === ROOT_ACCOUNT ? filter : { ...filter, account: caller.account };
    const records = await deps.store.read((tx) => tx.audit.list(scoped, cursor, limit));
    const last = records.at(-1);
    return ok({ records, ...(records.length === limit && last ? { next: String(last.seq) } : {}) });
  }

  /**
   * Walks the whole chain from its checkpoint: every record present, linked to the one before, and matching its
   * hash; the last one is the head; and the checkpoint is the one the last pruning recorded in the chain.
   */
  async function verify(caller: Caller): Promise<Result<VerifyReport>> {
    if (caller.account !== ROOT_ACCOUNT) return failWith('ACCESS_DENIED', `only principals of the root account ${ROOT_ACCOUNT} may verify the whole audit log`);
    const a = mayRead(caller);
    if (!a.ok) return a;
    const head = await deps.store.read((tx) => tx.audit.head());
    const v = chainVerifier(head, sha256);
    let after = head.baseSeq;
    let attested: { seq: number; hash: string } | undefined;
    const report = (broken?: VerifyReport['broken']): Result<VerifyReport> =>
      ok({ ok: broken === undefined, checked: v.checked, head: { seq: head.seq, hash: head.hash }, base: { seq: head.baseSeq, hash: head.baseHash }, ...(broken ? { broken } : {}) });
    for (;;) {
      const page = await deps.store.read((tx) => tx.audit.list({}, after, MAX_PAGE));
      const upto = page.filter((r) => r.seq <= head.seq);
      const broken = v.check(upto);
      if (broken) return report(broken);
      for (const r of upto) {
        if (r.action === PRUNE_ACTION) {
          const c = r.detail['checkpoint'] as { seq?: unknown; hash?: unknown } | undefined;
          if (c && typeof c.seq === 'number' && typeof c.hash === 'string') attested = { seq: c.seq, hash: c.hash };
        }
      }
      if (upto.length < page.length || page.length < MAX_PAGE) break;
      after = (page.at(-1) as AuditRecord).seq;
    }
    const end = v.end(head);
    if (end) return report(end);
    // A checkpoint is trusted only when a record of the chain attests it (the pruning record), so rows cannot be
    // deleted from the start by moving the checkpoint: that record would have to be rewritten too.
    if (head.baseSeq > 0 && (attested === undefined || attested.seq !== head.baseSeq || attested.hash !== head.baseHash)) {
      return report({ seq: head.baseSeq, reason: 'checkpoint', message: `the checkpoint (record ${head.baseSeq}) is not the one the last pruning recorded in the chain${attested ? ` (record ${attested.seq})` : ''}` });
    }
    return report();
  }

  /**
   * Deletes records older than `before` (epoch ms) and appends, in the same transaction, the record of the
   * pruning that attests the new checkpoint.
   */
  async function prune(before: number, by = 'gatehouse'): Promise<{ pruned: number; head: AuditHead }> {
    const beforeIso = new Date(before).toISOString();
    return deps.store.write(async (tx) => {
      const r = await tx.audit.prune(beforeIso);
      if (r.pruned === 0) return r;
      const event: AuditEvent = {
        kind: 'change',
        account: '',
        principal: by,
        action: PRUNE_ACTION,
        resource: 'audit',
        decision: 'ok',
        detail: { before: beforeIso, pruned: r.pruned, checkpoint: { seq: r.head.baseSeq, hash: r.head.baseHash } },
      };
      const head = await tx.audit.head();
      const linked = linkEvents([{ at: deps.now(), event }], head, sha256);
      await tx.audit.append(linked);
      const last = linked[0] as AuditRecord;
      return { pruned: r.pruned, head: { ...head, seq: last.seq, hash: last.hash } };
    });
  }

  return {
    record,
    decision,
    gate,
    flush,
    query,
    verify,
    prune,
    status: (): AuditStatus => ({ enabled, policy, backlog, healthy: unwritable() === undefined, lastError, written, failures, dropped }),
    /** Starts the retention sweep (hourly) when a retention is configured. */
    start(): void {
      const days = options.retentionDays;
      if (days === undefined || pruner !== undefined) return;
      const sweep = () =>
        void prune(deps.now() - days * DAY_MS).then(
          (r) => r.pruned > 0 && log(`audit: pruned ${r.pruned} record(s) older than ${days} day(s); the chain now starts after record ${r.head.baseSeq}`),
          (e: unknown) => log(`audit: pruning failed: ${e instanceof Error ? e.message : String(e)}`),
        );
      sweep();
      pruner = setInterval(sweep, 3_600_000);
      pruner.unref?.();
    },
    /** Writes what is queued (one last attempt), then stops the flusher. */
    async stop(): Promise<void> {
      if (pruner !== undefined) clearInterval(pruner);
      pruner = undefined;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await flush().catch(() => false);
      stopped = true;
      // A failed last attempt may have set a retry; there is none after stopping.
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await appender.close?.().catch(() => {});
      if (backlog > 0) log(`audit: stopping with ${backlog} record(s) that could not be written: ${lastError ?? 'unknown error'}`);
    },
  };
}

export type Audit = ReturnType<typeof createAudit>;
export type { AuditEvent, AuditFilter, AuditRecord };

/**
 * The authorize API with its decisions recorded: every denial with its explanation, allows as sampled, and a
 * refused question about another principal. `simulate` is the same question recorded nowhere.
 */
export function auditedAuthorizer(inner: Authorize, audit: Pick<Audit, 'decision'>) {
  // Runs once per decision on the deciding thread: one event object, built field by field (no spreads).
  const note = (caller: Caller, input: AuthorizeInput, r: Result<AuthorizeAnswer> | AuthorizeAnswer | { error: { code: string; message: string } }): void => {
    const subject = typeof input.principal === 'string' ? input.principal : caller.principal.arn;
    const self = subject === caller.principal.arn;
    const action = typeof input.action === 'string' ? input.action : '';
    const resource = typeof input.resource === 'string' ? input.resource : '';
    const answer = 'ok' in r ? (r.ok ? r.value : undefined) : 'decision' in r ? r : undefined;
    if (answer) {
      const detail: Record<string, unknown> =
        answer.decision === 'Allow' ? { matched: answer.matched } : { reasons: answer.reasons, diagnostics: answer.diagnostics, matched: answer.matched };
      if (!self) detail['askedBy'] = caller.principal.arn;
      const e: Mutable<AuditEvent> & { decision: string } = { kind: 'decision', account: caller.account, principal: subject, action, resource, decision: answer.decision, detail };
      const session = self ? caller.session : undefined;
      if (session !== undefined) {
        // The acting role as well as the session: `audit query --role ARN` finds what the role's sessions did.
        if (session.role) {
          e.role = caller.principal.roleArn ?? roleArnOf(session.part, session.acct, session.role.path, session.role.name);
          e.session = caller.principal.arn;
        }
        if (session.job !== undefined) e.job = session.job;
        if (session.srcId !== undefined) e.sourceIdentity = session.srcId;
      }
      audit.decision(e);
      return;
    }
    const error = 'ok' in r ? (r.ok ? undefined : r.errors[0]) : 'error' in r ? r.error : undefined;
    // Asking about another principal without `gatehouse:Authorize` is itself a denied request.
    if (error?.code === 'ACCESS_DENIED') {
      audit.decision({ account: caller.account, principal: caller.principal.arn, action: 'gatehouse:Authorize', resource: subject, decision: 'ExplicitDeny', detail: { reasons: [error.message], question: { action, resource } } });
    }
  };
  return {
    async authorize(caller: Caller, input: AuthorizeInput): Promise<Result<AuthorizeAnswer>> {
      const r = await inner.authorize(caller, input);
      note(caller, input, r);
      return r;
    },
    async authorizeBatch(caller: Caller, requests: unknown): ReturnType<Authorize['authorizeBatch']> {
      const r = await inner.authorizeBatch(caller, requests);
      if (r.ok && Array.isArray(requests)) {
        r.value.forEach((one, i) => {
          const q = requests[i] as unknown;
          note(caller, (typeof q === 'object' && q !== null ? q : {}) as AuthorizeInput, one);
        });
      }
      return r;
    },
    /** The same decision, recorded nowhere (`POST /v1/simulate`). */
    simulate: (caller: Caller, input: AuthorizeInput): Promise<Result<AuthorizeAnswer>> => inner.authorize(caller, input),
    /** A principal with its policies, as decisions see it (nothing decided, nothing recorded). */
    principalOf: inner.principalOf,
  };
}
