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
 * not known to be writable — a write failed, records have waited longer than `maxUnwrittenMs` with nothing written
 * (2 s), or the instance knows its store to be unreachable — the failure policy applies: `closed` (the default)
 * refuses to issue sessions and to change the directory (SERVICE_UNAVAILABLE, retryable) — nothing that grants
 * access happens unrecorded, even at the start of an outage, before a write has had time to fail; `open`
 * carries on and records later. Decisions always carry on (resource servers must keep working; their records
 * wait in the queue). Only when the bound itself is hit are records dropped, each one counted, and logged.
 * A batch refused for what one of its records holds (a value the database cannot store, never an outage) is not
 * retried for ever: the appender writes the rest and a stand-in in place of each record refused
 * (src/app/audit-store-appender.ts), which the queue counts and logs once each (`Appended.unstorable`).
 *
 * A hard stop (kill -9, out of memory) loses no session, change or job record: with an `AuditJournal`, each is
 * written to the data dir as it is recorded, and the next start appends those the chain does not hold. Decisions
 * are not journaled (a hard stop loses at most the last `flushMs` of them).
 *
 * Stopping loses nothing either. `stop()` keeps retrying for
 * `drainMs` (10 s); what is still unwritten then goes to an `AuditSpool` (a file in the data dir), and the next
 * start with that spool appends those records to the chain before anything else, each marked `recoveredFromSpool`
 * and followed by a `gatehouse:RecoverAudit` record, then removes the spool. Records that can be neither written
 * nor spooled are counted as dropped and logged.
 */
import { hash, randomBytes } from 'node:crypto';
import { failWith, ok, type Result } from '../core/errors.ts';
import {
  AUDIT_KINDS,
  canonicalJson,
  canonicalRedacted,
  chainVerifier,
  MAX_BREAKS_KEPT,
  linkEvents,
  recordHash,
  storedText,
  unstorableDigestText,
  type AuditEvent,
  type AuditFilter,
  type AuditHead,
  type AuditKind,
  type AuditRecord,
  type BrokenLink,
  type TimedEvent,
  type UnstorableNote,
} from '../core/audit/index.ts';
import { parseSessionArn, roleArnOf, sessionArn } from '../core/sts/session.ts';
import { ROOT_ACCOUNT } from './accounts.ts';
import type { AppMetrics } from './metrics.ts';
import { NO_METRICS } from './metrics.ts';
import { actorOf, authorizeAdmin, signingKeyOf, type Caller } from './principals.ts';
import { admitAuthFailure, authFailureMessage, claimedCredential, flushAuthFailureSummaries, type Admission, type KeyOwner, type Refused } from './auth-failures.ts';
import type { AuditSink } from './deps.ts';
import { isKeyHolderRefusal, provenOf, type Authorize, type AuthorizeAnswer, type AuthorizeInput, type ProvenCallers } from './authorize.ts';
import { isProofAudienceRefusal } from './proof-audiences.ts';
import { isStoreOutcomeUnknown, type Store } from './ports/store.ts';
import { storeAppender } from './audit-store-appender.ts';

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
  /**
   * On stop, how long to keep trying to write what is queued before spooling it, ms; default 10,000 (Kubernetes
   * gives a pod 30 s between SIGTERM and SIGKILL).
   */
  readonly drainMs?: number;
  /** `false` records nothing (benchmarks of the cost of auditing); default true. */
  readonly enabled?: boolean;
  /** `false` leaves the journal (`AuditDeps.journal`) out: a hard stop then loses what waits in memory; default true. */
  readonly journal?: boolean;
  /** How many records past its cursor one `query` looks at, at most (`AUDIT_SCAN_WINDOW`; tests make it small). */
  readonly scanWindow?: number;
}

export interface AuditStatus {
  readonly enabled: boolean;
  readonly policy: AuditFailurePolicy;
  /** Records queued, not yet written. */
  readonly backlog: number;
  /**
   * True while the audit log is known to be writable: false while the last attempt to write failed, the oldest
   * queued record has waited longer than `maxUnwrittenMs` while nothing was written for as long, or the store is
   * known to be unreachable.
   */
  readonly healthy: boolean;
  readonly lastError: string | undefined;
  readonly written: number;
  readonly failures: number;
  readonly dropped: number;
  /** Age of the oldest record queued and not yet written, seconds; 0 when none is. */
  readonly oldestUnwrittenSeconds: number;
  /** Share of allowed decisions recorded (1: all); each sampled record carries it as `detail.sampleRate`. */
  readonly allowSample: number;
  /** Allowed decisions left out by sampling since start. */
  readonly sampledOut: number;
  /** Sessions and changes the gate refused since start (closed policy). */
  readonly gateRefusals: number;
  /** Records older than this many days are pruned; null: kept forever. */
  readonly retentionDays: number | null;
  /** How long `stop` keeps trying to write what is queued before spooling it, seconds. */
  readonly drainSeconds: number;
  /** Records appended since start from a spool left by an earlier stop. */
  readonly recovered: number;
  /** Where sessions, changes and job records are journaled as they happen; null: no journal (GATEHOUSE_AUDIT_JOURNAL=off). */
  readonly journal: string | null;
  /** Times since start this instance found the chain's head below the highest record it had committed (records deleted or replaced). */
  readonly headRegressions: number;
  /**
   * Records since start that the database refused for what they held (a value it cannot store), each written as a
   * stand-in with `detail.unstorable` (its kind, account, principal, action, time, the original's SHA-256 and why).
   */
  readonly unstorable: number;
}

export interface AuditPage {
  readonly records: readonly AuditRecord[];
  /**
   * Cursor for the next page (`after`): when this page was full, or when it stopped looking (AUDIT_SCAN_WINDOW records
   * past its cursor) short of the log's end, holding fewer records, perhaps none. Absent: nothing more matches now.
   */
  readonly next?: string;
  /**
   * The checkpoint (`SEQ`), when the cursor lies before it: records after the cursor up to it were pruned by retention
   * and cannot be read, so a reader going on from a cursor it kept (a log shipper's `--after`, a follow behind a
   * pruning) learns that its copy has a gap rather than taking the page for what followed its cursor (review fi, 2).
   */
  readonly prunedThrough?: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  /** Records checked. */
  readonly checked: number;
  /**
   * The first record checked that is keyed (linked under the master key's chain key); records before it were linked
   * with plain SHA-256, before chains were keyed. It never moves on a healthy log: keep it with the anchor.
   */
  readonly keyedFrom?: number;
  readonly head: { readonly seq: number; readonly hash: string };
  /** Where verification started: the checkpoint of the last pruning (seq 0 when never pruned). */
  readonly base: { readonly seq: number; readonly hash: string };
  /**
   * The anchor to keep outside the database, `SEQ:HASH` of the head: a later `verify` given it (`expect`) fails
   * unless that record is still there with that hash. The chain alone cannot show that its tail was deleted and the
   * head moved back to an earlier record (one DELETE and one UPDATE, no hashing); an anchor can. Only when `ok`: a
   * broken chain's head is no anchor to keep (review sa, 1).
   */
  readonly anchor?: string;
  /** The anchor this verification was asked to check (`expect`), when it was. */
  readonly expected?: string;
  /** The first break found (`ok` false). */
  readonly broken?: VerifyBreak;
  /**
   * Every break found, in order (the first `MAX_BREAKS_KEPT`; `broken` is the first): verification goes on past a
   * bad record, so one cannot hide the ones after it. Present when `ok` is false.
   */
  readonly breaks?: readonly VerifyBreak[];
  /** How many breaks were found in all (more than `breaks` holds when it was cut). Present when `ok` is false. */
  readonly breakCount?: number;
}

/**
 * Besides the chain's own breaks: `checkpoint` (the chain's start is not attested, or rows lie before it), `anchor`
 * (the anchor given is not in the chain with its hash), `beyond` (rows lie after the head), `pruned` (the anchor given
 * is at or before the checkpoint: pruned, so not confirmed; a pruning can be forged), `retention` (the chain was
 * pruned while retention is off on the verifying server).
 */
export type VerifyBreak = BrokenLink | { readonly seq: number; readonly reason: 'checkpoint' | 'anchor' | 'beyond' | 'pruned' | 'retention' | 'lookup'; readonly message: string };

/** An anchor kept from an earlier `verify`: record `seq` had hash `hash`. */
export interface AuditAnchor {
  readonly seq: number;
  readonly hash: string;
}

/**
 * A principal as records name it: a RAM role session named as Alibaba's GetCallerIdentity names it,
 * `acs:ram::A:assumed-role/R/S`, is the session its credentials carry and its records name, `acs:ram::A:role/R/S`, as
 * everywhere else the server reads the two (`parseSessionArn`; the authorize API, review gu, 2). Asked by the first, a
 * session's records were "no records match" (review nm, 3). Anything else as it is.
 */
export function recordedPrincipal(principal: string): string {
  const s = /^acs:ram::\d+:assumed-role\//i.test(principal) ? parseSessionArn(principal) : undefined;
  return s?.partition === 'acs' ? sessionArn('acs', s.account, s.roleName, s.sessionName) : principal;
}

/** `SEQ:HASH` (as `verify` prints it) as an anchor; the hash is SHA-256 hex, in either case. */
export function parseAnchor(text: string): Result<AuditAnchor> {
  const m = /^([0-9]{1,16}):([0-9a-fA-F]{64})$/.exec(text.trim());
  const seq = m ? Number(m[1]) : NaN;
  if (!m || !Number.isSafeInteger(seq)) return failWith('VALIDATION_ERROR', `an anchor is \`SEQ:HASH\` as \`gatehouse audit verify\` prints it (a record number, a colon, 64 hex digits), got \`${text}\``, 'expect');
  return ok({ seq, hash: (m[2] as string).toLowerCase() });
}

/**
 * What one append found and left: the head the batch was linked to, and the last record committed. The queue
 * compares each with the highest record this instance committed, to notice the head moving back.
 */
export interface Appended {
  readonly linkedTo: AuditAnchor;
  readonly last: AuditAnchor;
  /**
   * The head linked to is not linked with the chain's key (told only by a keyed appender, and only for a head another
   * writer left): written before chains were keyed, by an instance of such a version, or again by someone without
   * the key. Past a record this instance committed itself, it is the last (review pl, 2).
   */
  readonly linkedToUnkeyed?: boolean;
  /**
   * Records the database refused for what they hold, each written as a stand-in (src/core/audit/unstorable.ts):
   * the queue counts them and logs each once.
   */
  readonly unstorable?: readonly UnstorableNote[];
}

export const AUDIT_DEFAULTS = { failure: 'closed', allowSample: 1, maxBacklog: 100_000, batchSize: 500, flushMs: 100, maxUnwrittenMs: 2000, drainMs: 10_000 } as const;
/** The action of the record a pruning leaves in the chain; its detail attests the checkpoint. */
export const PRUNE_ACTION = 'gatehouse:PruneAudit';

/**
 * Whether a record is one a pruning appended (`pruneChunk`): a change of the audit log itself, of no account. A
 * record's action alone is no proof: a decision of the authorize API keeps the action its caller asked about, so any
 * principal, with no permission at all, could put `gatehouse:PruneAudit` in the chain, and `verify` counted it as a
 * pruning: on a server with retention off (the default) it reported the log tampered with (review fi, 1).
 */
export function isPruningRecord(r: Pick<AuditRecord, 'kind' | 'account' | 'action' | 'resource'>): boolean {
  return r.action === PRUNE_ACTION && r.kind === 'change' && r.account === '' && r.resource === 'audit';
}
/** The action of the record that follows records recovered from a spool; its detail names the spool, who wrote it, and the count. */
export const RECOVER_ACTION = 'gatehouse:RecoverAudit';
/** The action of the record a server appends after the newest record of a chain linked without a key (`keyChain`). */
export const KEY_ACTION = 'gatehouse:KeyAuditChain';
/**
 * The action of the record an instance appends when it finds the chain's head below a record it committed (`appended`):
 * records were deleted from the end of the log (or replaced) while it ran. `verify` reports each such record it can
 * trust (`isHeadMovedBackRecord`, keyed) as `truncated` (review jz, 1).
 */
export const HEAD_MOVED_BACK_ACTION = 'gatehouse:AuditHeadMovedBack';
/** The action of the record that notes records dropped for a full backlog (how many, of which kinds, when): review jz, 4. */
export const DROPPED_ACTION = 'gatehouse:AuditRecordsDropped';

/** Whether a record is one an instance appended on finding the head moved back: a change of the audit log itself, of no account (as `isPruningRecord`). */
export function isHeadMovedBackRecord(r: Pick<AuditRecord, 'kind' | 'account' | 'action' | 'resource'>): boolean {
  return r.action === HEAD_MOVED_BACK_ACTION && r.kind === 'change' && r.account === '' && r.resource === 'audit';
}
export const READ_AUDIT = 'gatehouse:ReadAudit';
const MAX_PAGE = 1000;
/**
 * How many records past its cursor one page of `query` looks at, at most (review ef5). A filter few records match (an
 * action no one took, `--decision ExplicitDeny` on a log of allows) read the log to its end in one statement: 65 ms on
 * a 300,000-record SQLite log on the deciding thread, seconds on a log of millions. A page now stops after this many
 * and answers what it found, perhaps nothing, with `next` to go on from: about 15 ms of reading at most on SQLite.
 * A filter the store reads through one key of its index (a principal, role, job, account or denial) looks at this
 * many of the key's entries instead (review eh5: `AuditRead.page`).
 */
export const AUDIT_SCAN_WINDOW = 50_000;
const DAY_MS = 86_400_000;
/** Records a pruning deletes in one transaction (`prune`): about 0.1 s of the write lock on PostgreSQL. */
export const PRUNE_CHUNK = 10_000;

// The one-shot digest: no Hash object per record (half the cost of createHash for a record's few hundred bytes).
const sha256 = (text: string): string => hash('sha256', text, 'hex');

/**
 * Where queued events go: linked to the chain's head and appended, in one write transaction, in order. The
 * default appends through the store on this thread; `src/adapters/audit-worker` does the same work (serialising,
 * hashing, writing) in a worker thread with its own connection, so that none of it runs where decisions are
 * made. `append` resolves once the batch is committed and rejects, with nothing written, when it is not.
 */
export interface AuditAppender {
  /** Resolves, when the appender can tell, with the head it linked to and the last record it committed. */
  append(events: readonly TimedEvent[]): Promise<Appended | void>;
  /** Records per batch at most, when it differs from the queue's own (`batchSize`, four times that when behind). */
  readonly maxBatch?: number;
  /**
   * Releases what the appender holds (a worker thread); called once, by `stop`. A write still in hand gets `graceMs`
   * (5 s by default) to finish before it is cut (a cut write is not committed).
   */
  close?(graceMs?: number): Promise<void>;
  /**
   * Gets the appender ready to write (a worker thread started, its store open), so that the first records are not
   * kept waiting behind that start (seconds on a busy machine, long enough to look like a stalled store). Resolves
   * once ready; rejects if the store cannot be opened yet (the first batch tries again).
   */
  warm?(): Promise<void>;
  /**
   * Pieces the queue fills as records are recorded, in the appender's own compact form, and writes in batches of
   * whole pieces with `appendPieces` (one transaction, like `append`): the writer thread's packed form, so that a
   * backlog holds no object per record and what a decision built dies young. Without them the queue keeps the
   * events as they are and writes them with `append`.
   */
  piece?(): AuditPiece;
  appendPieces?(pieces: readonly AuditPiece[]): Promise<Appended | void>;
  /** The events of pieces from `piece()`, each with its detail's canonical redacted text (to spool what is left at stop). */
  eventsOf?(pieces: readonly AuditPiece[]): TimedEvent[];
  /**
   * Whether everything handed over so far has been committed, read at once, before its answer is: a writer on
   * another thread commits while this thread is held up (a long synchronous task, a pause of the process), and its
   * answer waits for this thread's event loop. The gate asks before it calls the writer stalled. Absent: what the
   * answers said.
   */
  committed?(): boolean;
}

/**
 * Where records go that could not be written before the instance stopped, and where the next start finds them
 * (src/adapters/audit-spool: files in the data dir). Events are handed over with their detail's canonical,
 * redacted text (`detailText`): a spool holds nothing a record would not.
 */
export interface AuditSpool {
  /** This instance, as recorded in spools it writes and in the records of a recovery. */
  readonly instance: string;
  /** Where spools are kept (for the log). */
  readonly where: string;
  /**
   * Writes one spool, atomically and readable by its owner only; resolves with where it is. `mayBeWritten`: a write of
   * these records may have committed without its answer reaching this instance (review iw, 1); the next start then
   * appends only those the chain does not hold, as it does a journal segment's.
   */
  save(spool: { readonly reason: string; readonly spooledAt: number; readonly events: readonly TimedEvent[]; readonly mayBeWritten?: boolean }): Promise<string>;
  /** Every spool waiting to be appended, oldest first, and those that cannot be read (left where they are). */
  load(): Promise<{ readonly spools: readonly SpooledRecords[]; readonly unreadable: readonly { readonly where: string; readonly error: string }[]; readonly strays?: readonly StrayFile[] }>;
  /** Removes a spool once its records are committed. */
  remove(where: string): Promise<void>;
  /**
   * Takes a loaded spool for this process before its records are appended: where it is now, or undefined when another
   * process on the data dir has it (a worker of `--workers`, review mi, 3). Without it, every spool is this process's.
   */
  claim?(where: string): Promise<string | undefined>;
  /** Gives back a claim (`claim`'s answer) whose records could not be appended: renamed back to its name. */
  unclaim?(where: string): Promise<void>;
}

/**
 * Where the records that grant or change access — every kind but decisions: sessions, directory changes, jobs — are
 * written as they are recorded, before the call that recorded them goes on, so that a hard stop (kill -9, out of
 * memory) loses none of them (src/adapters/audit-spool/journal.ts: files in the data dir). The queue ends the
 * current segment when it hands the whole queue to the writer, and releases the ended segments once that batch is
 * committed (or, at stop, spooled). Segments an earlier process left are read at start as spools whose records may
 * already be in the chain; only those that are not are appended. Decisions are not journaled: there are thousands
 * a second, and a hard stop loses at most the last ~100 ms of them (`flushMs`).
 */
export interface AuditJournal {
  /** This instance, as recorded in the records of a recovery. */
  readonly instance: string;
  /** Where segments are kept (for the log). */
  readonly where: string;
  /** Writes one record (its detail already redacted, as `detailText`) before returning; throws when it cannot. */
  write(e: TimedEvent): void;
  /** Ends the current segment; returns every ended segment not yet released, the one just ended included. */
  seal(): readonly string[];
  /** These segments' records are committed (or spooled): they go (`close` waits until they are gone). */
  release(ids: readonly string[]): void;
  /** Ends the current segment and keeps every segment so far for the next start (a record the queue could not keep is in one). */
  retain(): void;
  /**
   * Segments that earlier processes left, oldest first (`mayBeWritten`), those that cannot be read, and those of a
   * process still running on this host (`live`: left to it).
   */
  load(): Promise<{ readonly spools: readonly SpooledRecords[]; readonly unreadable: readonly { readonly where: string; readonly error: string }[]; readonly live?: readonly string[]; readonly strays?: readonly StrayFile[] }>;
  /** Removes a segment an earlier process left, once its records are in the chain. */
  remove(where: string): Promise<void>;
  /**
   * Whether a process whose segments the last `load` left to it (`live`) has ended since: a `load` now takes what it
   * left (review qt, 2).
   */
  released?(): boolean;
  /** As `AuditSpool.claim`, for a segment (or pending note) an earlier process left. */
  claim?(where: string): Promise<string | undefined>;
  /** As `AuditSpool.unclaim`. */
  unclaim?(where: string): Promise<void>;
  /**
   * Keeps `events` (records not yet made: the pending summaries of refusals left out by the flood limit) for the next
   * start, in place of what the last call kept; `[]`: nothing (review kp2). Read back by `load` as a segment is.
   * Throws when it cannot.
   */
  notePending?(events: readonly TimedEvent[]): void;
  /** Ends the current segment, keeping it (released or not, as the queue says); resolves once the segments released so far are removed. */
  close(): Promise<void>;
}

/**
 * A temporary file an earlier process left where spools or journals are (written aside, never renamed into place:
 * killed between, or its write cut short) that `load` removed, or could not take up: `what` says which and why, for
 * the log (review lw, 1). One that was whole was renamed into place and is loaded as the file it was to become.
 */
export interface StrayFile {
  readonly where: string;
  readonly what: string;
}

/** One spool as read back. */
export interface SpooledRecords {
  /** Names the spool for good (its file name): the record of its recovery carries it, so it is appended once. */
  readonly id: string;
  readonly where: string;
  /** The instance that wrote it. */
  readonly instance: string;
  /** Epoch ms. */
  readonly spooledAt: number;
  /** Why its records could not be written. */
  readonly reason: string;
  readonly events: readonly TimedEvent[];
  /**
   * Its records may already be in the chain (a journal segment: journaled as recorded, then the process stopped
   * before it knew their batch committed; a spool written after a write whose COMMIT answer was lost): only those the
   * chain does not hold are appended.
   */
  readonly mayBeWritten?: boolean;
  /** Where it was read from: a journal segment or a spool (set by the queue as it loads them). */
  readonly source?: 'spool' | 'journal';
  /**
   * Records it held that cannot be read back (a journal's torn last line, a line a full disk cut short): `reason` says
   * which. Its recovery record is written even when none of its records is missing from the chain (review qg, 2).
   */
  readonly lost?: number;
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

export { storeAppender };

export { AUDIT_ENV } from './audit-env.ts';

/** A plain decimal number (`0.25`, `.5`, `30`): no sign, exponent, hex, `%` or blanks, which `Number()` would take or misread. */
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

/** `GATEHOUSE_AUDIT_FAILURE`, `GATEHOUSE_AUDIT_ALLOW_SAMPLE`, `GATEHOUSE_AUDIT_RETENTION_DAYS`, `GATEHOUSE_AUDIT_DRAIN_SECONDS`, `GATEHOUSE_AUDIT_JOURNAL`. */
export function auditOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): Result<AuditOptions> {
  const out: { -readonly [K in keyof AuditOptions]: AuditOptions[K] } = {};
  const failure = env['GATEHOUSE_AUDIT_FAILURE'];
  if (failure !== undefined && failure !== '') {
    if (failure !== 'closed' && failure !== 'open') return failWith('VALIDATION_ERROR', `GATEHOUSE_AUDIT_FAILURE must be \`closed\` or \`open\`, got \`${failure}\``);
    out.failure = failure;
  }
  const sample = env['GATEHOUSE_AUDIT_ALLOW_SAMPLE'];
  if (sample !== undefined && sample !== '') {
    const n = DECIMAL.test(sample) ? Number(sample) : NaN;
    if (!(n >= 0 && n <= 1)) return failWith('VALIDATION_ERROR', `GATEHOUSE_AUDIT_ALLOW_SAMPLE must be a decimal number from 0 to 1 (such as 0.1 for one allow in ten), got \`${sample}\``);
    out.allowSample = n;
  }
  const days = env['GATEHOUSE_AUDIT_RETENTION_DAYS'];
  if (days !== undefined && days !== '') {
    const n = DECIMAL.test(days) ? Number(days) : NaN;
    if (!(n > 0 && Number.isFinite(n))) return failWith('VALIDATION_ERROR', `GATEHOUSE_AUDIT_RETENTION_DAYS must be a positive decimal number of days (such as 90), got \`${days}\``);
    out.retentionDays = n;
  }
  const journal = env['GATEHOUSE_AUDIT_JOURNAL'];
  if (journal !== undefined && journal !== '') {
    if (journal !== 'on' && journal !== 'off') return failWith('VALIDATION_ERROR', `GATEHOUSE_AUDIT_JOURNAL must be \`on\` or \`off\`, got \`${journal}\``);
    out.journal = journal === 'on';
  }
  const drain = env['GATEHOUSE_AUDIT_DRAIN_SECONDS'];
  if (drain !== undefined && drain !== '') {
    const n = DECIMAL.test(drain) ? Number(drain) : NaN;
    if (!(n >= 0 && n <= 3600)) return failWith('VALIDATION_ERROR', `GATEHOUSE_AUDIT_DRAIN_SECONDS must be a decimal number of seconds from 0 to 3600 (keep it below the orchestrator's grace period, 30 s on Kubernetes), got \`${drain}\``);
    out.drainMs = Math.round(n * 1000);
  }
  return ok(out);
}

/** The resource `gatehouse:ReadAudit` is decided on: the caller's account's audit log. */
export function auditArn(caller: Caller): string {
  return caller.partition === 'acs' ? `acs:gatehouse:*:${caller.account}:audit` : `arn:aws:gatehouse::${caller.account}:audit`;
}

/**
 * Whether `caller` may verify the whole audit log: a principal of the root account allowed `gatehouse:ReadAudit`.
 * Decided before anything is done for the request (the audit API writes the queue first only for such a caller:
 * review sy, 1).
 */
export function mayVerifyAudit(caller: Caller, now: number): Result<unknown> {
  if (caller.account !== ROOT_ACCOUNT) return failWith('ACCESS_DENIED', `only principals of the root account ${ROOT_ACCOUNT} may verify the whole audit log`);
  return authorizeAdmin(caller, now, READ_AUDIT, auditArn(caller));
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
  /** Where what cannot be written by the end of `stop` goes, and where `start` finds what an earlier stop left; absent, it is lost (and counted). */
  readonly spool?: AuditSpool;
  /** Where sessions, changes and job records are written as they are recorded (a hard stop loses none); absent, they wait in memory only. */
  readonly journal?: AuditJournal;
  /** The app's randomness (allow sampling draws from it); default `node:crypto`. */
  readonly randomBytes?: (n: number) => Uint8Array;
  /**
   * The chain's keyed digest (`AppDeps.chainDigest`: HMAC-SHA256 under a key derived from the master key); absent,
   * plain SHA-256, an unkeyed chain.
   */
  readonly chainDigest?: (text: string) => string;
  /** This instance's note, outside the database, that the chain it writes is keyed; absent, none is kept (review pl, 4). */
  readonly keyedNote?: AuditKeyedNote;
}

/**
 * A note kept outside the database (the instance's data dir) of a record its writer committed linked with the chain's
 * key: a chain whose newest record is not keyed was then written again without the key, never one older than keyed
 * chains, and is not keyed over at start (review pl, 4).
 */
export interface AuditKeyedNote {
  readonly where: string;
  read(): Promise<AuditAnchor | undefined>;
  write(a: AuditAnchor): Promise<void>;
}

/** Uniform draws in [0, 1) from a byte source, 4 KiB at a time: one call per 1,024 draws. */
function uniform(randomBytes: (n: number) => Uint8Array): () => number {
  let pool = new Uint32Array(0);
  let i = 0;
  return () => {
    if (i >= pool.length) {
      // Copied: the source may hand out a view at an offset a Uint32Array cannot start at.
      pool = new Uint32Array(new Uint8Array(randomBytes(4096)).buffer);
      i = 0;
    }
    return (pool[i++] as number) / 2 ** 32;
  };
}

/** How often a start that left journal segments to a process still running looks whether it has ended (review qt, 2). */
const LIVE_RECHECK_MS = 2000;

/**
 * The floors of a stop's waits under a `drainFrom` (review eh4): a drain of at least 1 s (or `drainMs`, when shorter), so
 * that records queued in the last moment still get one attempt on a database that answers; and half a second for the
 * writer thread's write in hand and for the flush, out of a reserve of 2 s the drain leaves them.
 */
const STOP_MIN_DRAIN_MS = 1000;
const STOP_MIN_WRITER_MS = 500;
const STOP_WRITER_RESERVE_MS = 2000;

/**
 * A wait that keeps the process alive (a stopping server has nothing else left to do, and must not exit before
 * the spool is written), and can be cancelled so that it holds nothing once its race is decided.
 */
function wait(ms: number): { readonly done: Promise<'expired'>; cancel(): void } {
  let t: ReturnType<typeof setTimeout> | undefined;
  const done = new Promise<'expired'>((r) => {
    t = setTimeout(() => r('expired'), Math.max(0, ms));
  });
  return { done, cancel: () => clearTimeout(t) };
}
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The bound on each statement of `verify`'s check of the filter index: as long as the CLI waits for a verify. */
const LOOKUP_CHECK_BOUND_MS = 10 * 60_000;

export function createAudit(deps: AuditDeps, options: AuditOptions = {}) {
  const enabled = options.enabled ?? true;
  const policy: AuditFailurePolicy = options.failure ?? AUDIT_DEFAULTS.failure;
  const allowSample = options.allowSample ?? AUDIT_DEFAULTS.allowSample;
  const maxBacklog = options.maxBacklog ?? AUDIT_DEFAULTS.maxBacklog;
  const batchSize = options.batchSize ?? AUDIT_DEFAULTS.batchSize;
  const flushMs = options.flushMs ?? AUDIT_DEFAULTS.flushMs;
  const maxUnwrittenMs = options.maxUnwrittenMs ?? AUDIT_DEFAULTS.maxUnwrittenMs;
  const drainMs = options.drainMs ?? AUDIT_DEFAULTS.drainMs;
  const scanWindow = options.scanWindow ?? AUDIT_SCAN_WINDOW;
  const random = uniform(deps.randomBytes ?? ((n) => randomBytes(n)));
  const spool = deps.spool;
  const journal = options.journal === false ? undefined : deps.journal;
  /**
   * Decisions are dropped (counted) once `maxBacklog` records wait; sessions, changes and job records, which the
   * gate stops at that bound under either policy, still have this much room for those already under way.
   */
  const hardBacklog = maxBacklog + Math.max(1000, Math.ceil(maxBacklog / 10));
  let lastJournalLog = 0;
  let journalFailures = 0;
  /** Records neither written nor spooled at stop: the journal keeps its segments then. */
  let lostAtStop = false;
  const storeReachable = deps.storeReachable ?? (() => true);
  const metrics = deps.metrics ?? NO_METRICS;
  const log = deps.log ?? (() => {});
  // Records are linked with the keyed digest; those linked before chains were keyed are told apart by `verify`.
  const digest = deps.chainDigest ?? sha256;
  const unkeyed = deps.chainDigest !== undefined ? sha256 : undefined;
  const appender = deps.appender ?? storeAppender(deps.store, digest);
  const piece = appender.piece && appender.appendPieces ? appender.piece.bind(appender) : () => new EventsPiece(batchSize);
  const appendPieces: (pieces: readonly AuditPiece[]) => Promise<Appended | void> =
    appender.piece && appender.appendPieces ? appender.appendPieces.bind(appender) : (pieces) => appender.append(pieces.flatMap((p) => (p as EventsPiece).events));

  /**
   * The highest record this instance's writer committed. Seqs only grow; a batch linked below it (or to it, with
   * another hash) means records after it were deleted or replaced in the database and the head moved back — which
   * the chain alone cannot show (`verify` catches it only against an anchor). Appends are checked in the order
   * they commit (the queue writes one batch at a time).
   */
  let highest: AuditAnchor | undefined;
  let headRegressions = 0;
  let unstorable = 0;
  /** This process has noted (outside the database) that the chain it writes is keyed (review pl, 4). */
  let keyedNoted = false;
  /** The note's write while it is under way: `stop()` waits for it, so a stopped server writes no more to its data dir. */
  let noting: Promise<void> | undefined;
  /**
   * Says a head regression: counted, logged, and recorded in the chain as `HEAD_MOVED_BACK_ACTION` with `detail` and
   * this instance (review jz, 1: the log line and the counter were all there was of it). Keyed like every record, after
   * the batch that found it; `verify` reports it from then on, and deleting it too is another truncation to notice.
   */
  function headMovedBack(line: string, detail: Record<string, unknown>): void {
    headRegressions += 1;
    metrics.auditHeadRegressed?.();
    log(line);
    record({ kind: 'change', account: '', principal: 'gatehouse', action: HEAD_MOVED_BACK_ACTION, resource: 'audit', decision: 'ok', detail: { ...detail, instance: spool?.instance ?? journal?.instance ?? 'gatehouse' } });
  }
  function appended(a: Appended | void): void {
    if (a === undefined) return;
    if (!keyedNoted && unkeyed !== undefined && deps.keyedNote !== undefined) {
      keyedNoted = true;
      const note = deps.keyedNote;
      noting = note.write(a.last).catch((e: unknown) => log(`audit: cannot note in ${note.where} that the chain is keyed (${messageOf(e)}): a start on a log written again without the key then keys it over`));
    }
    if (a.unstorable !== undefined && a.unstorable.length > 0) noteUnstorable(a.unstorable);
    const h = highest;
    // Linked past a record this instance committed with the chain's key, to a head not linked with it: whoever wrote
    // it lacked the key, and the keyed batch now covers it, and every record before it that was written again with
    // plain SHA-256: `verify` said intact, `keyedFrom` moved, no restart needed (review pl, 2).
    const rewritten = h !== undefined && a.linkedTo.seq > h.seq && a.linkedToUnkeyed === true;
    if (h !== undefined && rewritten) {
      headMovedBack(
        `audit: THE AUDIT LOG'S HEAD IS NOT LINKED WITH THE CHAIN'S KEY: this instance committed record ${h.seq} (hash ${h.hash}), keyed, but the head it just linked to, record ${a.linkedTo.seq}, was written without the key ` +
          `(the log written again in the database by someone without the master key, or an instance of a version before keyed chains writing it). Check with \`gatehouse audit verify --expect ${h.seq}:${h.hash}\`; counted in gatehouse_audit_head_regressions_total (${headRegressions + 1} so far)`,
        { committed: { seq: h.seq, hash: h.hash }, foundHead: { seq: a.linkedTo.seq, hash: a.linkedTo.hash }, foundUnkeyed: true },
      );
      highest = a.last;
      return;
    }
    if (h !== undefined && (a.linkedTo.seq < h.seq || (a.linkedTo.seq === h.seq && a.linkedTo.hash !== h.hash))) {
      headMovedBack(
        `audit: THE AUDIT LOG'S HEAD MOVED BACK: this instance committed record ${h.seq} (hash ${h.hash}), but the head it just linked to is record ${a.linkedTo.seq}` +
          `${a.linkedTo.seq === h.seq ? ' with another hash' : ''}: records were deleted or replaced in the database (or it was restored from a backup); ` +
          `the new records reuse their seqs. Check with \`gatehouse audit verify --expect ${h.seq}:${h.hash}\`; counted in gatehouse_audit_head_regressions_total (${headRegressions + 1} so far)`,
        { committed: { seq: h.seq, hash: h.hash }, foundHead: { seq: a.linkedTo.seq, hash: a.linkedTo.hash } },
      );
      // From here on the chain as it now stands is the one compared against: one regression is reported once.
      highest = a.last;
      return;
    }
    if (h === undefined || a.last.seq > h.seq) highest = a.last;
  }

  /** Stand-ins written for records the database refused: counted, and each logged once with why. */
  function noteUnstorable(notes: readonly UnstorableNote[]): void {
    unstorable += notes.length;
    metrics.auditUnstorable?.(notes.length);
    for (const n of notes) {
      log(
        `audit: the database refused to store a ${n.kind} record (action ${n.action}, account ${n.account === '' ? '(none)' : n.account}, at ${n.at}) for what it holds: ` +
          `${n.code}: ${n.reason}; record ${n.seq} stands in its place (detail.unstorable: its kind, account, principal, action and time, and the SHA-256 ${n.sha256} of the record refused); ` +
          `counted in gatehouse_audit_records_unstorable_total (${unstorable} so far)`,
      );
    }
  }

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
  let started = false;
  let healthy = true;
  /** When a batch last committed (start, until one has). */
  let lastProgress = deps.now();
  /** Since when the writer has held the batch being written (`flushing`); undefined while it holds none. */
  let inHandSince: number | undefined;
  /** A batch is with the appender, not yet answered (`AuditAppender.committed` then says whether it is committed). */
  let handed = false;
  /** Hands a batch to the appender (`write`), noting that it holds them until it answers. */
  async function handOver<T>(write: () => Promise<T>): Promise<T> {
    handed = true;
    try {
      return await write();
    } finally {
      handed = false;
    }
  }
  let lastError: string | undefined;
  let failures = 0;
  let consecutive = 0;
  let written = 0;
  let dropped = 0;
  let lastFailureLog = 0;
  let lastDropLog = 0;
  let sampledOut = 0;
  let gateRefusals = 0;
  let recovered = 0;
  /**
   * A write of records still queued failed without its outcome known (StoreOutcomeUnknownError: the COMMIT may have gone
   * through): until a write succeeds, some of them may be in the chain already, and a spool of the queue says so.
   */
  let mayBeWritten = false;
  /** Spools left by an earlier stop, read at `start`, appended before anything queued (removed from here as each is). */
  let spooled: Promise<SpooledRecords[]> | undefined;
  /**
   * Journal segments and spools taken up after the start: what a process still running at the start (`live`) left
   * once it ended without writing it (review qt, 2). Appended as the start's, before the queue.
   */
  const later: SpooledRecords[] = [];
  /** Watches, while a `load` left segments to a process still running, for that process's end. */
  let liveWatch: ReturnType<typeof setInterval> | undefined;
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
    const decisionRecord = event.kind === 'decision';
    const at = deps.now();
    let journaled = false;
    if (journal !== undefined && !decisionRecord) {
      try {
        journal.write({ at, event, detailText: canonicalRedacted(event.detail ?? {}) });
        journaled = true;
      } catch (e) {
        // The record is still queued and written as usual: only its protection against a hard stop is missing.
        journalFailures += 1;
        metrics.auditJournalFailed?.();
        if (at - lastJournalLog > 30_000) {
          lastJournalLog = at;
          log(`audit: cannot journal a ${event.kind} record to ${journal.where}: ${messageOf(e)}; it is queued as usual, but a hard stop before it is written would lose it (${journalFailures} so far)`);
        }
      }
    }
    if (backlog >= (decisionRecord ? maxBacklog : hardBacklog)) {
      dropped += 1;
      metrics.auditDropped(1);
      // Noted in the chain once a batch is written again (`noteDrops`), unless the journal keeps it for the next start.
      if (!journaled) {
        const d = (unnotedDrops ??= { count: 0, kinds: {}, firstAt: at, lastAt: at, accounts: new Map() });
        countDrop(d, event.kind, at);
        // And by account, for the note in each account's own log (review sy, 2).
        if (ownsDropNote(event.account) && (d.accounts.has(event.account) || d.accounts.size < MAX_DROP_NOTE_ACCOUNTS)) {
          let a = d.accounts.get(event.account);
          if (a === undefined) d.accounts.set(event.account, (a = { count: 0, kinds: {}, firstAt: at, lastAt: at }));
          countDrop(a, event.kind, at);
        }
      }
      // Not kept in memory, but kept on disk: the next start appends it (the journal's segments stay until then).
      if (journaled) journal?.retain();
      const t = deps.now();
      if (t - lastDropLog > 10_000) {
        lastDropLog = t;
        log(`audit: backlog full (${backlog} records not yet written: ${lastError ?? 'the store is not keeping up'}); dropping ${decisionRecord ? 'decision records' : `records${journaled ? ' (those of sessions, changes and jobs stay in the journal for the next start)' : ''}`} (${dropped} so far) until the store takes them`);
      }
      return;
    }
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

  /**
   * Records dropped for a full backlog and kept nowhere else, not yet noted in the chain: the log had only a counter and
   * a log line of them, so a reader of the audit log saw no sign of the gap (review jz, 4).
   */
  let unnotedDrops: (DropCount & { accounts: Map<string, DropCount> }) | undefined;

  /** Queues the record of the drops not yet noted: after a batch is written, when the queue has room again. */
  function noteDrops(): void {
    const d = unnotedDrops;
    if (d === undefined) return;
    unnotedDrops = undefined;
    const reason = `the backlog was full (${maxBacklog} records waiting to be written): these records were not kept`;
    for (const event of dropNotes(d, reason, spool?.instance ?? journal?.instance ?? 'gatehouse')) record(event);
  }

  /** A write refused: counted, logged (once, then every 30 s), and the failure policy applies until one succeeds. */
  function failed(e: unknown, what: string): void {
    failures += 1;
    consecutive += 1;
    lastError = messageOf(e);
    metrics.auditWriteFailed();
    const t = deps.now();
    if (healthy || t - lastFailureLog > 30_000) {
      lastFailureLog = t;
      log(`audit: cannot write ${what}: ${lastError}; they stay queued and are retried${policy === 'closed' ? '; session issuance and directory changes are refused meanwhile (GATEHOUSE_AUDIT_FAILURE=closed)' : ''}`);
    }
    healthy = false;
  }

  /**
   * Appends the records of an earlier stop's spools, oldest spool first, each in one transaction with the record
   * of its recovery after them; a spool is removed only once that transaction is committed. One whose recovery
   * record is already in the chain (the instance stopped between the commit and the removal) is only removed.
   */
  async function recoverSpools(pending: SpooledRecords[]): Promise<void> {
    // The spools already recovered, read once (not once per spool): the chain's RecoverAudit records; again after each
    // claim, since the process that held it before may have appended it.
    let recoveredIds: Set<unknown> | undefined;
    while (pending.length > 0) {
      const s = pending[0] as SpooledRecords;
      // A spool may be one whose records may be in the chain too (written after a lost COMMIT answer): where it came from
      // says how it goes, not whether its records were looked for.
      const fromJournal = s.source === 'journal' || (s.source === undefined && s.mayBeWritten === true);
      const held = fromJournal ? 'journaled' : 'spooled';
      // Taken for this process first: the workers of `--workers` load the same files, and each appended them, the
      // check below being read before the append, in another transaction (review mi, 3).
      const holder = fromJournal ? journal : spool;
      const where = holder?.claim === undefined ? s.where : await holder.claim(s.where);
      if (where === undefined) {
        log(`audit: ${s.where} (records ${s.instance} ${held}) is being appended by another process on this data dir (a worker of --workers): left to it`);
        pending.shift();
        continue;
      }
      try {
        await recoverOne(s, held, where !== s.where || recoveredIds === undefined ? (recoveredIds = await recoveredSpools()) : recoveredIds);
      } catch (e) {
        // Given back, for this process's next attempt or another's (a claim is held only while it is appended).
        if (where !== s.where) await holder?.unclaim?.(where).catch(() => {});
        throw e;
      }
      pending.shift();
      try {
        if (fromJournal) await journal?.remove(where);
        else await spool?.remove(where);
      } catch (e) {
        log(`audit: cannot remove the spool ${where} whose records are now in the audit log: ${messageOf(e)}; the next start sees its ${RECOVER_ACTION} record and only removes it`);
      }
    }
  }

  /** Appends the records of spool `s` that the chain does not hold, with the record of its recovery; none when `recoveredIds` has it. */
  async function recoverOne(s: SpooledRecords, held: string, recoveredIds: Set<unknown>): Promise<void> {
    const done = recoveredIds.has(s.id);
    // A journal segment's records may be in the chain already: only the others are appended.
    const missing = done ? [] : s.mayBeWritten === true ? await notInChain(s.events) : s.events;
    if (!done && s.mayBeWritten === true && missing.length === 0 && s.lost === undefined) {
      log(`audit: the ${s.events.length} record(s) ${s.instance} ${held} in ${s.where} are all in the audit log already`);
    } else if (!done) {
      const mark = { spool: s.id, instance: s.instance, spooledAt: new Date(s.spooledAt).toISOString(), count: missing.length, recoveredBy: spool?.instance ?? journal?.instance ?? 'gatehouse' };
      const events: TimedEvent[] = missing.map(({ at, event }) => ({ at, event: { ...event, detail: { ...event.detail, recoveredFromSpool: mark } } }));
      let firstAt = Infinity;
      let lastAt = -Infinity;
      for (const e of missing) {
        firstAt = Math.min(firstAt, e.at);
        lastAt = Math.max(lastAt, e.at);
      }
      events.push({
        at: deps.now(),
        event: {
          kind: 'change',
          account: '',
          principal: 'gatehouse',
          action: RECOVER_ACTION,
          resource: 'audit',
          decision: 'ok',
          detail: {
            ...mark,
            reason: s.reason,
            ...(s.mayBeWritten === true ? { [held]: s.events.length, alreadyWritten: s.events.length - missing.length } : {}),
            ...(s.lost !== undefined ? { lost: s.lost } : {}),
            ...(missing.length > 0 ? { firstAt: new Date(firstAt).toISOString(), lastAt: new Date(lastAt).toISOString() } : {}),
          },
        },
      });
      appended(await handOver(() => appender.append(events)));
      written += events.length;
      recovered += missing.length;
      metrics.auditWritten(events.length);
      log(`audit: appended ${missing.length} record(s) that ${s.instance} ${held}${s.mayBeWritten === true ? ` (${s.events.length - missing.length} of ${s.events.length} were written already)` : ''} at ${mark.spooledAt} (${s.reason}) to the audit log, each marked recoveredFromSpool, followed by a ${RECOVER_ACTION} record`);
    }
  }

  /**
   * The events the chain does not hold: a journal segment's records whose batch may have committed before the
   * process stopped. A record is the same when every field, its time to the millisecond and its detail (as
   * written, without a recovery mark) are; the chain is read over the segment's span of time only, kind by kind.
   * As many copies are dropped as the chain holds (two identical refusals in one millisecond are two records).
   */
  async function notInChain(events: readonly TimedEvent[]): Promise<TimedEvent[]> {
    const sameAs = (e: Omit<AuditEvent, 'detail'>, at: string, detail: Readonly<Record<string, unknown>>): string => {
      const { recoveredFromSpool: _, ...rest } = detail;
      // Columns as stored (`storedText`): a journaled event that held a NUL or a lone surrogate is the record that
      // holds U+FFFD in its place, not another one to append again.
      return [e.kind, e.account, e.principal, e.action, e.resource, e.decision, e.role, e.session, e.job, e.sourceIdentity, e.sourceIp, e.actingRole, e.accessKeyId, e.requestId, at, canonicalJson(rest)].map((x) => storedText(x ?? '')).join('\u0000');
    };
    let first = Infinity;
    let last = -Infinity;
    for (const e of events) {
      first = Math.min(first, e.at);
      last = Math.max(last, e.at);
    }
    const held = new Map<string, number>();
    // Stand-ins of records the database refused (`detail.unstorable`), by the SHA-256 of the record they stand for.
    const standIns = new Map<string, number>();
    for (const kind of new Set(events.map((e) => e.event.kind))) {
      const filter: AuditFilter = { kind, since: new Date(first).toISOString(), until: new Date(last + 1).toISOString() };
      for (let after = 0; ; ) {
        const page = await deps.store.read((tx) => tx.audit.list(filter, after, MAX_PAGE));
        for (const r of page) {
          const h = r.detail['unstorable'] === true ? r.detail['sha256'] : undefined;
          if (typeof h === 'string') standIns.set(h, (standIns.get(h) ?? 0) + 1);
          const k = sameAs(r, r.at, r.detail);
          held.set(k, (held.get(k) ?? 0) + 1);
        }
        if (page.length < MAX_PAGE) break;
        after = (page.at(-1) as AuditRecord).seq;
      }
    }
    return events.filter((e) => {
      const k = sameAs(e.event, new Date(e.at).toISOString(), e.event.detail ?? {});
      const n = held.get(k) ?? 0;
      if (n > 0) {
        held.set(k, n - 1);
        return false;
      }
      // A record the database refused is in the chain as its stand-in: not appended (and refused) again.
      if (standIns.size === 0) return true;
      const h = sha256(unstorableDigestText(e));
      const m = standIns.get(h) ?? 0;
      if (m === 0) return true;
      standIns.set(h, m - 1);
      return false;
    });
  }

  /** The spools the chain has a recovery record of (`RecoverAudit`'s `detail.spool`). */
  async function recoveredSpools(): Promise<Set<unknown>> {
    const ids = new Set<unknown>();
    for (let after = 0; ; ) {
      const page = await deps.store.read((tx) => tx.audit.list({ action: RECOVER_ACTION }, after, MAX_PAGE));
      for (const r of page) ids.add(r.detail['spool']);
      if (page.length < MAX_PAGE) return ids;
      after = (page.at(-1) as AuditRecord).seq;
    }
  }

  /** Writes one batch; false when the store refused it (the batch stays queued). */
  function flushOnce(): Promise<boolean> {
    flushing ??= (async () => {
      inHandSince = deps.now();
      // The start's look at the chain first: a batch linked before it covered a rewrite it would have found (review pl, 4).
      // Awaited only when a start began one: an await of nothing would still put the batch a turn later.
      if (!keyingSeen && keying !== undefined) {
        await keying;
        keyingSeen = true;
      }
      // What an earlier stop spooled goes first, before anything recorded since.
      if (spooled !== undefined) {
        const pending = await spooled;
        try {
          await recoverSpools(pending);
        } catch (e) {
          failed(e, `${pending.reduce((n, s) => n + s.events.length, 0)} record(s) recovered from a spool (then ${backlog} queued)`);
          return false;
        }
        spooled = undefined;
      }
      if (later.length > 0) {
        // `recoverSpools` takes each one appended off the list: those left are tried again with the next flush.
        const taken = later.splice(0);
        try {
          await recoverSpools(taken);
        } catch (e) {
          later.unshift(...taken);
          failed(e, `${taken.reduce((n, s) => n + s.events.length, 0)} record(s) journaled by a process that ended (then ${backlog} queued)`);
          return false;
        }
      }
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
      // The whole queue goes: every journal segment ended so far holds only records of this batch (or of batches
      // already committed), and goes once it is committed. Part of the queue: segments stay until a batch takes all.
      const covered = journal !== undefined && k === pieces.length ? journal.seal() : undefined;
      let done: Appended | void;
      try {
        done = await handOver(() => appendPieces(batch));
      } catch (e) {
        // Its COMMIT may have gone through (the answer lost, the writer gone with the batch in hand): the appender looks
        // before writing it again, but a stop before it can look spools the queue, which must then be looked for too.
        if (isStoreOutcomeUnknown(e)) mayBeWritten = true;
        failed(e, `${backlog} queued record(s)`);
        return false;
      }
      // The appender looked, and wrote only what the chain did not hold: the queue is the records not written.
      mayBeWritten = false;
      appended(done);
      if (covered !== undefined && covered.length > 0) journal?.release(covered);
      // The queue may have grown meanwhile; the batch is its head.
      pieces.splice(0, k);
      starts.splice(0, k);
      backlog -= count;
      written += count;
      lastProgress = deps.now();
      metrics.auditWritten(count);
      if (!healthy) log(`audit: writing again after ${consecutive} failed attempt(s); ${backlog} record(s) still queued`);
      healthy = true;
      consecutive = 0;
      lastError = undefined;
      noteDrops();
      return true;
    })().then(
      (done) => {
        flushing = undefined;
        inHandSince = undefined;
        // What was queued meanwhile: at once when a batch is waiting, else within `flushMs`; after a failure, later.
        if (backlog > 0 || spooled !== undefined) schedule(done ? (backlog >= batchSize ? 0 : flushMs) : backoff());
        return done;
      },
      (e: unknown) => {
        flushing = undefined;
        inHandSince = undefined;
        throw e;
      },
    );
    return flushing;
  }

  /**
   * Writes everything queued when it is called (and what an earlier stop spooled); false when the store refused (verify,
   * tests). Records that arrive meanwhile are the writer's as usual: under a steady load the queue is never empty when a
   * write ends, and waiting for that kept `GET /v1/audit/verify` waiting for as long as the load lasted (review gm, 10).
   * The queue is written in order, so once `written` has grown by what was queued, all of it is.
   */
  async function flush(): Promise<boolean> {
    // An attempt in hand began before this call (the writer's retry, say): its failure says nothing of the store now
    // (review gq, 1); it is waited for, and what it left queued is written by this call's own attempts.
    if (flushing) await flushing.catch(() => false);
    while (spooled !== undefined) if (!(await flushOnce())) return false;
    // A batch in hand holds records queued before this call that `backlog` still counts.
    const target = written + backlog;
    while (backlog > 0 && written < target) if (!(await flushOnce())) return false;
    if (flushing) await flushing;
    return true;
  }

  /** Why the audit log is not known to be writable now (for the operator's log), or undefined when it is. */
  function unwritable(): string | undefined {
    if (!healthy) return `writing failed: ${lastError ?? 'unknown error'}`;
    if (!storeReachable()) return 'the store cannot be reached';
    // A backlog alone is no outage: a writer that is behind but committing (a burst of sessions, a busy thread) is
    // writable. Records waiting while nothing has committed for as long is one (a store that hangs fails no write
    // for its whole connect timeout) — when the writer held them that long. Records also wait while this thread is
    // held up (a long synchronous task, a pause of the process): it hands nothing over and reads no answer, and the
    // writer, idle or done, was called stalled the moment this thread ran again, refusing sessions and changes with
    // the audit log writable (review ed1: seconds every 30 s in a soak). So the time counted is the time the writer
    // has held the batch being written, and a batch it has committed (`committed`) is not held, answer read or not.
    const t = deps.now();
    const waited = oldestUnwrittenMs();
    const held = inHandSince === undefined ? 0 : t - inHandSince;
    if (waited > maxUnwrittenMs && held > maxUnwrittenMs && t - lastProgress > maxUnwrittenMs && !(handed && appender.committed?.() === true)) return `the oldest of ${backlog} queued record(s) has waited ${waited} ms to be written, and nothing has been written for ${t - lastProgress} ms`;
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
    if (!enabled) return undefined;
    // Under `open`, issuance and changes go on while their records can wait in memory; once the backlog is full
    // they would not be kept, so they stop as under `closed` (nothing that grants access happens unrecorded).
    const full = backlog >= maxBacklog ? `the backlog is full (${backlog} records)` : undefined;
    const why = (policy === 'closed' ? unwritable() : undefined) ?? full;
    if (why === undefined) {
      if (gateClosed) log('audit: the audit log is writable again; session issuance and directory changes resume');
      gateClosed = false;
      return undefined;
    }
    if (!gateClosed) {
      log(
        policy === 'closed'
          ? `audit: the audit log is not known to be writable (${why}); session issuance and directory changes are refused until it is (GATEHOUSE_AUDIT_FAILURE=closed)`
          : `audit: ${why}: the records of new sessions and changes could not be kept; they are refused until the store takes the backlog (GATEHOUSE_AUDIT_FAILURE=open goes on only while records can wait)`,
      );
    }
    gateClosed = true;
    gateRefusals += 1;
    // `what` is one of a few fixed phrases: sessions (and pods admitted with a role) are issuance, the rest changes.
    metrics.auditGateRefused(/^(sessions|pods)\b/.test(what) ? 'issuance' : 'change');
    return failWith('SERVICE_UNAVAILABLE', `the audit log cannot be written at the moment; ${what} until it can: retry later`);
  }

  /**
   * A decision (authorize API, S3 gateway, Kubernetes): denials always recorded, each allow with probability
   * `allowSample`, drawn afresh for every one — a shared counter would alias with any periodic traffic (List then
   * Get, two principals in turn) and leave a whole action or principal out. A sampled allow says so
   * (`detail.sampleRate`: each stands for 1/rate allows); those left out are counted. All are counted by result.
   * `copy`: the same decision as recorded in a second account (enforcement across accounts): counted and sampled once.
   */
  function decision(e: (Omit<AuditEvent, 'kind'> | AuditEvent) & { readonly decision: string }, copy?: AuditEvent | readonly AuditEvent[]): void {
    metrics.decision(e.decision);
    const copies: readonly AuditEvent[] = copy === undefined ? [] : 'kind' in copy ? [copy] : copy;
    if (e.decision === 'Allow' && allowSample < 1) {
      if (!(random() < allowSample)) {
        if (enabled) {
          sampledOut += 1;
          metrics.auditSampledOut();
        }
        return;
      }
      record({ ...e, kind: 'decision', detail: { ...e.detail, sampleRate: allowSample } });
      for (const c of copies) record({ ...c, kind: 'decision', detail: { ...c.detail, sampleRate: allowSample } });
      return;
    }
    record('kind' in e && e.kind === 'decision' ? e : { ...e, kind: 'decision' });
    for (const c of copies) record(c);
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
    // Values as records store them (`storedText`): a filter with a NUL finds the records that held one (stored U+FFFD),
    // where PostgreSQL refused the query itself and the API answered 500 (review an, 1).
    const stored: Mutable<AuditFilter> = {};
    for (const [k, v] of Object.entries(filter) as [keyof AuditFilter, string | readonly string[] | undefined][]) {
      if (v !== undefined) (stored as Record<string, string | readonly string[]>)[k] = typeof v === 'string' ? storedText(v) : v.map(storedText);
    }
    if (stored.principal !== undefined) stored.principal = recordedPrincipal(stored.principal);
    // Principals of other accounts see their own account's records only; the root account's see all, or one
    // account's when they ask. Another account's asked by a principal of neither is refused, not answered with the
    // caller's own records as if they were that account's.
    if (filter.account !== undefined && caller.account !== ROOT_ACCOUNT && filter.account !== caller.account) {
      return failWith('ACCESS_DENIED', `principals of account ${caller.account} read only its own audit records; those of account ${filter.account} are read by that account, or by the root account ${ROOT_ACCOUNT}`, 'account');
    }
    const scoped: AuditFilter = caller.account === ROOT_ACCOUNT ? stored : { ...stored, account: caller.account };
    const { records, through, head } = await deps.store.read(async (tx) => ({ ...(await tx.audit.page(scoped, cursor, limit, scanWindow)), head: await tx.audit.head() }));
    const baseSeq = head.baseSeq;
    // A cursor past the newest record was never a `next` of this log (the head never moves back but by a restore): a
    // cursor of another deployment, one kept from before a restore, or mistyped. It was answered with an empty page, so
    // `audit query --after` said `no records match` (exit 0) and `--follow --after` waited in silence while the records
    // after the real head were written, none of them ever printed (review hc, 1). Refused, naming the newest record.
    if (cursor > head.seq) {
      return failWith('VALIDATION_ERROR', `\`after\` ${cursor} is past the newest record of this audit log (${head.seq}): it is not a cursor this log gave (one of another server, or kept from before the database was restored?); start from ${head.seq} or less`, 'after');
    }
    const last = records.at(-1);
    // A full page goes on after its last record; one cut short by the window, after the window (review ef5).
    const next = records.length === limit && last ? last.seq : through;
    return ok({ records, ...(next !== undefined ? { next: String(next) } : {}), ...(cursor < baseSeq ? { prunedThrough: String(baseSeq) } : {}) });
  }

  /**
   * Walks the whole chain from its checkpoint: every record present, linked to the one before, and matching its
   * hash; the last one is the head; and the checkpoint is the one the last pruning recorded in the chain. With
   * `expect` (an anchor an earlier verification printed, kept outside the database), record `expect.seq` must also
   * be there with that hash: the one check that catches the tail deleted and the head moved back to an earlier
   * record, which leaves a chain intact in itself. An anchor at or before the checkpoint is `pruned`, never
   * confirmed: its record is gone (a pruning forged in the database is linked without the chain's key, `unkeyed`;
   * review Y, Y1); with retention off here, a pruning no keyed pruning record attests is a break (review im, 4).
   * Every break is reported, not only the first.
   */
  async function verify(caller: Caller, expect?: AuditAnchor): Promise<Result<VerifyReport>> {
    const a = mayVerifyAudit(caller, deps.now());
    if (!a.ok) return a;
    // The walk reads the head, then the records page by page, each in its own read: a pruning (the hourly retention
    // sweep, of this instance or another) that commits meanwhile deletes records the walk has yet to read, and they
    // were reported deleted: `BROKEN (missing)` for a pruning this deployment did (review V, V3). A broken walk whose
    // checkpoint has moved since it began is walked again from the new one (a few times at most: a checkpoint that
    // keeps moving is reported as it was found).
    for (let attempt = 1; ; attempt++) {
      const r = await verifyOnce(expect);
      if (!r.ok || r.value.ok || attempt >= 3) return r;
      const now = await deps.store.read((tx) => tx.audit.head());
      if (now.baseSeq === r.value.base.seq && now.baseHash === r.value.base.hash) return r;
    }
  }

  /** Linked with the chain's key: written by an instance holding the master key. Never so on a chain with no key. */
  const keyedRecord = (r: AuditRecord): boolean => {
    if (unkeyed === undefined) return false;
    const { hash, ...rest } = r;
    return recordHash(rest, digest) === hash;
  };

  async function verifyOnce(expect: AuditAnchor | undefined): Promise<Result<VerifyReport>> {
    const head = await deps.store.read((tx) => tx.audit.head());
    const v = chainVerifier(head, digest, unkeyed);
    let after = head.baseSeq;
    let attested: { seq: number; hash: string } | undefined;
    // Pruning records in the chain: how many, and the first; and the first not linked with the chain's key.
    let prunings = 0;
    let firstPruning: number | undefined;
    let firstUnkeyedPruning: number | undefined;
    // Checkpoints that pruning records linked with the chain's key attest (`SEQ:HASH`): a pruning of this deployment,
    // which deletes only records that verify (review jz, 3), says record SEQ had hash HASH; no one without the key can
    // write such a record, so an anchor that one attests is confirmed though the record is pruned (review kh, 3).
    const keyedCheckpoints = new Set<string>();
    // The anchored record's hash as the chain holds it.
    let anchored: string | undefined;
    // Records of a head found moved back (`HEAD_MOVED_BACK_ACTION`), in order.
    const movedBack: AuditRecord[] = [];
    // Breaks beyond the chain's own (checkpoint, anchor), after those `v` found, in the order found.
    const more: VerifyBreak[] = [];
    const report = (): Result<VerifyReport> => {
      const all: VerifyBreak[] = [...v.breaks, ...more];
      const count = v.breakCount + more.length;
      return ok({
        ok: count === 0,
        checked: v.checked,
        ...(v.keyedFrom !== undefined ? { keyedFrom: v.keyedFrom } : {}),
        head: { seq: head.seq, hash: head.hash },
        base: { seq: head.baseSeq, hash: head.baseHash },
        // Only an intact chain gives an anchor to keep: a script that saved `anchor` whatever the outcome wrote a
        // truncated log's head over the kept anchor that proved the truncation (review sa, 1). `head` stays.
        ...(count === 0 ? { anchor: `${head.seq}:${head.hash}` } : {}),
        ...(expect !== undefined ? { expected: `${expect.seq}:${expect.hash}` } : {}),
        ...(count > 0 ? { broken: all[0] as VerifyBreak, breaks: all.slice(0, MAX_BREAKS_KEPT), breakCount: count } : {}),
      });
    };
    // Every page is checked, whatever an earlier one held: a record that breaks the chain is reported and the chain
    // followed on from it, so one bad record (planted, or a store that mangled it) cannot hide later tampering.
    for (;;) {
      const page = await deps.store.read((tx) => tx.audit.list({}, after, MAX_PAGE));
      const upto = page.filter((r) => r.seq <= head.seq);
      v.check(upto);
      for (const r of upto) {
        if (isPruningRecord(r)) {
          prunings += 1;
          firstPruning ??= r.seq;
          if (!keyedRecord(r)) firstUnkeyedPruning ??= r.seq;
          const c = r.detail['checkpoint'] as { seq?: unknown; hash?: unknown } | undefined;
          if (c && typeof c.seq === 'number' && typeof c.hash === 'string') {
            attested = { seq: c.seq, hash: c.hash };
            if (keyedRecord(r)) keyedCheckpoints.add(`${c.seq}:${c.hash}`);
          }
        }
        if (expect !== undefined && r.seq === expect.seq) anchored = r.hash;
        // An instance found the head below a record it had committed (review jz, 1): records were deleted from the end
        // and their seqs reused, which the chain alone cannot show. Trusted when keyed (no question of the authorize API
        // or row written into the database without the key can make one).
        if (isHeadMovedBackRecord(r) && (unkeyed === undefined || keyedRecord(r))) movedBack.push(r);
      }
      if (upto.length < page.length || page.length < MAX_PAGE) break;
      after = (page.at(-1) as AuditRecord).seq;
    }
    v.end(head);
    for (const r of movedBack) {
      const c = r.detail['committed'] as { seq?: unknown; hash?: unknown } | undefined;
      const f = r.detail['foundHead'] as { seq?: unknown } | undefined;
      const was = typeof c?.seq === 'number' ? c.seq : undefined;
      const found = typeof f?.seq === 'number' ? f.seq : undefined;
      const by = typeof r.detail['instance'] === 'string' ? ` ${r.detail['instance']}` : '';
      const what =
        r.detail['keyedOver'] === true && was !== undefined
          ? `instance${by} committed record ${was}${typeof c?.hash === 'string' ? ` (hash ${c.hash})` : ''} with the chain's key, then found it written again without the key: the log was written again by someone without the master key, and the records linked with the key after it, by an instance that had not written it, cover the rewrite`
          : r.detail['foundUnkeyed'] === true && was !== undefined && found !== undefined
          ? `instance${by} committed record ${was}${typeof c?.hash === 'string' ? ` (hash ${c.hash})` : ''} with the chain's key, then found the head at record ${found} written without it: the log up to there was written again by someone without the master key (or by an instance of a version before keyed chains), and the records linked after it cover it`
          : was !== undefined && found !== undefined
          ? `${found < was ? `records ${found + 1}–${was} were deleted` : `record ${was} was replaced`} from the end of the log while instance${by} ran: it had committed record ${was}${typeof c?.hash === 'string' ? ` (hash ${c.hash})` : ''}, then found the head at record ${found} (records deleted or replaced in the database, or the database restored from a backup), and the records after it reuse those seqs`
          : `records were deleted from the end of the log while instance${by} ran`;
      more.push({ seq: r.seq, reason: 'truncated', message: `${what} (record ${r.seq}, ${HEAD_MOVED_BACK_ACTION}, says so)` });
    }
    // Rows the walk from the checkpoint to the head does not reach: beyond the head (the head row moved back, the
    // rows left in place, still served by queries: review Y, Y5), or at or before the checkpoint (left by a pruning
    // that did not delete them, or put back). Either way the head row does not describe the table.
    // Records appended since the walk began are past `head` too: the rows are read first, then the head as it is
    // now, which only grows while the log is written (a row and the head move in one transaction).
    const beyond = await deps.store.read(async (tx) => {
      const rows = await tx.audit.list({}, head.seq, MAX_PAGE);
      if (rows.length === 0) return rows;
      const now = await tx.audit.head();
      return rows.filter((r) => r.seq > now.seq);
    });
    if (beyond.length > 0) {
      const first = (beyond[0] as AuditRecord).seq;
      const last = (beyond.at(-1) as AuditRecord).seq;
      more.push({ seq: first, reason: 'beyond', message: `record${first === last ? ` ${first} lies` : `s ${first}–${last}${beyond.length === MAX_PAGE ? ' (at least)' : ''} lie`} beyond the chain's head (record ${head.seq}): the head was moved back, and the records after it are still in the table` });
    }
    // The filter index is not in the chain: a row deleted from it hides its record from `audit query --principal`
    // (and from an account's own readers), and its filled mark moved ahead hides every record after it, while the
    // chain still verifies (review V, P1). It must index exactly the records the chain holds up to its mark.
    // The mark against the head of the same read: the walk took its head before, and records appended meanwhile (a
    // batch crossing a multiple of AUDIT_LOOKUP_EVERY fills the lookup up to its last record) put the mark past that
    // one on a healthy log (review aa5).
    // Two statements over the whole index and log: longer than the store's usual bound on a statement once the log is
    // a few million records (PostgreSQL cut it as a hung database, and verify answered 503 every time: review aa8).
    const { lookup, spans, current } = await deps.store.read(
      async (tx) => ({ lookup: await tx.audit.lookupCheck(), spans: await tx.audit.spanCheck(), current: await tx.audit.head() }),
      { statementTimeoutMs: LOOKUP_CHECK_BOUND_MS },
    );
    if (lookup.filled > current.seq) {
      more.push({ seq: current.seq, reason: 'lookup', message: `the filter index is marked filled up to record ${lookup.filled}, past the chain's head (record ${current.seq}): records appended since are not indexed, so audit query by principal, role, job, account or denial misses them` });
    }
    if (lookup.missing > 0 || lookup.extra > 0) {
      const what = [lookup.missing > 0 ? `${lookup.missing} entr${lookup.missing === 1 ? 'y is' : 'ies are'} missing` : '', lookup.extra > 0 ? `${lookup.extra} entr${lookup.extra === 1 ? 'y indexes' : 'ies index'} no such record` : ''].filter((x) => x !== '').join(' and ');
      more.push({ seq: Math.min(lookup.filled, head.seq), reason: 'lookup', message: `the filter index does not match the records up to record ${Math.min(lookup.filled, head.seq)}: ${what}, so audit query by principal, role, job, account or denial ${lookup.missing > 0 ? 'does not return every record it should' : 'reads entries that were put there'}` });
    }
    // The time index (review ef2) is not in the chain either: a span whose least `at` is moved later, or whose running
    // greatest `at` earlier, hides its records from `audit query --until` or `--since`, and so does a span deleted
    // from the end or one left short of the filter index's mark; spans past that mark repeat records.
    if (spans.bad > 0) {
      more.push({ seq: Math.min(lookup.filled, head.seq), reason: 'lookup', message: `the time index does not bound its records: ${spans.bad} of its ${spans.spans} span(s) give a least time later than a record of theirs or a greatest time earlier than one, so audit query with --since or --until does not return every record it should` });
    }
    if (lookup.filled > current.baseSeq && spans.last !== lookup.filled) {
      more.push({
        seq: Math.min(spans.last, lookup.filled),
        reason: 'lookup',
        message:
          spans.last < lookup.filled
            ? `the time index ends at record ${spans.last}, before the filter index's mark (record ${lookup.filled}): audit query with --until does not return records ${spans.last + 1}–${lookup.filled}`
            : `the time index reaches record ${spans.last}, past the filter index's mark (record ${lookup.filled}): audit query with --until returns records after the mark twice`,
      });
    }
    if (head.baseSeq > 0) {
      const early = (await deps.store.read((tx) => tx.audit.list({}, 0, 1)))[0];
      if (early !== undefined && early.seq <= head.baseSeq) {
        more.push({ seq: early.seq, reason: 'checkpoint', message: `record ${early.seq} lies at or before the checkpoint (record ${head.baseSeq}), where the chain starts: the checkpoint does not describe the table` });
      }
    }
    // A checkpoint is trusted only when a record of the chain attests it (the pruning record), so rows cannot be
    // deleted from the start by moving the checkpoint: that record would have to be rewritten too.
    if (head.baseSeq > 0 && (attested === undefined || attested.seq !== head.baseSeq || attested.hash !== head.baseHash)) {
      more.push({ seq: head.baseSeq, reason: 'checkpoint', message: `the checkpoint (record ${head.baseSeq}) is not the one the last pruning recorded in the chain${attested ? ` (record ${attested.seq})` : ''}` });
    }
    // A pruning is one DELETE, one UPDATE of the checkpoint and one appended pruning record that attests it; one
    // forged in the database is linked without the chain's key (`unkeyed`, review Y, Y1), but a rewrite that a server
    // restarted on is keyed from there (its `gatehouse:KeyAuditChain` record covers the forged one, unkeyed itself).
    // A pruning record linked with the key was written by an instance of this deployment: the retention setting is
    // each instance's own, and a pruning another instance did was reported here as tampering (review im, 4). Where
    // this server prunes nothing, a pruning without such a record (deleted rows alone, an unkeyed pruning record, or
    // a chain with no key) is tampering.
    const untrusted = firstUnkeyedPruning !== undefined || (head.baseSeq > 0 && prunings === 0);
    if (options.retentionDays === undefined && untrusted) {
      const what = head.baseSeq > 0 ? `records up to ${head.baseSeq} were deleted (the chain starts after record ${head.baseSeq})` : `the chain holds ${prunings} pruning record(s)`;
      const record = firstUnkeyedPruning !== undefined ? `, pruning record ${firstUnkeyedPruning}, which is not linked with the chain's key` : ', and no pruning record attests it';
      more.push({
        seq: firstUnkeyedPruning ?? head.baseSeq,
        reason: 'retention',
        message: `the audit log was pruned, but retention is off on this server (GATEHOUSE_AUDIT_RETENTION_DAYS unset, records are kept forever) and no instance holding the chain's key recorded the pruning: ${what}${record}; a pruning this deployment did not do is tampering by someone with write access to the database`,
      });
    }
    if (expect !== undefined) {
      if (expect.seq > head.seq) {
        more.push({ seq: head.seq + 1, reason: 'truncated', message: `missing anchor: record ${expect.seq} is not in the chain, which ends at record ${head.seq}: records ${head.seq + 1}–${expect.seq} at least were deleted and the head moved back` });
      } else if (expect.seq === head.baseSeq && expect.hash !== head.baseHash) {
        more.push({ seq: expect.seq, reason: 'anchor', message: `record ${expect.seq} does not match the anchor: the checkpoint's hash is ${head.baseHash}, the anchor's ${expect.hash}` });
      } else if (expect.seq <= head.baseSeq && keyedCheckpoints.has(`${expect.seq}:${expect.hash}`)) {
        // Pruned, but a keyed pruning record of the chain attests this very record and hash: confirmed (review kh, 3).
      } else if (expect.seq <= head.baseSeq) {
        // The anchored record is gone, pruned or deleted as a pruning would: the checkpoint and the pruning record
        // that attests it are both writable without a secret, so the anchor cannot be confirmed, only not refuted.
        more.push({
          seq: expect.seq,
          reason: 'pruned',
          message: `anchor not confirmed: record ${expect.seq} was pruned (the chain starts after record ${head.baseSeq}), so it cannot be checked, and a pruning can be forged by anyone who can write the database; unless this deployment pruned it, records up to ${head.baseSeq} were deleted. Keep the anchor of a newer verification (taken after the pruning)`,
        });
      } else if (anchored !== expect.hash) {
        more.push({ seq: expect.seq, reason: 'anchor', message: `record ${expect.seq} does not match the anchor: its hash is ${anchored ?? 'unknown'}, the anchor's ${expect.hash}: the chain from there on was rewritten` });
      }
    }
    return report();
  }

  /**
   * Keys the chain on a server that holds the chain's key (`chainDigest`): when the newest record is intact but was
   * linked without the key (written before chains were keyed), appends a keyed record after it, so that every record
   * up to it is covered by a link that cannot be made again without the key, and the newest record of the chain is
   * keyed (`verify` reports an unkeyed newest record). A newest record that matches neither digest is left for
   * `verify` to report, never covered.
   */
  let keying: Promise<void> | undefined;
  let keyingSeen = false;
  async function keyChain(): Promise<void> {
    if (unkeyed === undefined) return;
    const noteOf = deps.keyedNote;
    const note =
      noteOf === undefined
        ? undefined
        : await noteOf.read().catch((e: unknown) => {
            log(`audit: cannot read ${noteOf.where} (${messageOf(e)}): whether this instance wrote this chain keyed before is not known`);
            return undefined;
          });
    const found = await deps.store.read(async (tx) => {
      const head = await tx.audit.head();
      if (head.seq <= head.baseSeq) return undefined;
      const [last] = await tx.audit.list({}, head.seq - 1, 1);
      if (last === undefined || last.seq !== head.seq || last.hash !== head.hash) return undefined;
      const { hash: h, ...rest } = last;
      const through = recordHash(rest, digest) !== h && recordHash(rest, unkeyed) === h ? { seq: head.seq, hash: head.hash } : undefined;
      // The record the note names, while the chain holds it (not pruned), when the newest record is keyed.
      const noted = note !== undefined && through === undefined && note.seq > head.baseSeq && note.seq <= head.seq ? (await tx.audit.list({}, note.seq - 1, 1))[0] : undefined;
      return { through, noted };
    });
    const through = found?.through;
    if (through === undefined) {
      // The newest record is keyed, but the record this instance committed keyed (its note) is there with another hash,
      // linked without the key: the log was written again by someone without the master key, and keyed over since by an
      // instance whose data dir has no note (a new pod on PostgreSQL). That start is the limit of review pl, 4; this one
      // looked at nothing, and `verify` said intact for good (review qg, 3).
      const r = found?.noted;
      if (note !== undefined && r !== undefined && r.seq === note.seq && r.hash !== note.hash && !keyedRecord(r)) {
        const { hash: h, ...rest } = r;
        if (recordHash(rest, unkeyed) !== h) return;
        headMovedBack(
          `audit: THE AUDIT LOG WAS WRITTEN AGAIN WITHOUT THE CHAIN'S KEY: this instance committed record ${note.seq} (hash ${note.hash}) keyed (noted in ${noteOf?.where ?? 'its data dir'}), and the chain now holds it with hash ${r.hash}, not linked with the key; ` +
            `records linked with the key after it cover the rewrite (an instance that had not written this chain keyed it over). Check with \`gatehouse audit verify --expect ${note.seq}:${note.hash}\`; counted in gatehouse_audit_head_regressions_total`,
          { committed: { seq: note.seq, hash: note.hash }, foundHead: { seq: r.seq, hash: r.hash }, foundUnkeyed: true, keyedOver: true },
        );
      }
      return;
    }
    // This instance's data dir notes a keyed record it committed to this log: the chain was keyed, and a newest record
    // linked without the key was written again by someone without it (the whole log, with plain SHA-256). Keyed over,
    // `verify` said intact and only `keyedFrom` moved (review pl, 4). Not keyed: the record this instance committed is
    // what its first batch is compared against (`appended`), which puts the rewrite in the chain for `verify`.
    if (note !== undefined) {
      highest = note;
      headRegressions += 1;
      metrics.auditHeadRegressed?.();
      log(
        `audit: THE AUDIT LOG WAS WRITTEN AGAIN WITHOUT THE CHAIN'S KEY: its newest record (${through.seq}) is not linked with the key, but this instance committed record ${note.seq} (hash ${note.hash}) keyed (noted in ${noteOf?.where ?? 'its data dir'}); ` +
          `the chain is not keyed over. Check with \`gatehouse audit verify --expect ${note.seq}:${note.hash}\`; counted in gatehouse_audit_head_regressions_total`,
      );
      return;
    }
    // Through the queue, as any record: linked by the (keyed) appender, after whatever is queued before it.
    record({ kind: 'change', account: '', principal: 'gatehouse', action: KEY_ACTION, resource: 'audit', decision: 'ok', detail: { unkeyedThrough: through } });
    log(`audit: the chain's newest record (${through.seq}) was linked without a key (written before this version): a keyed record is appended after it, which covers it and every record before it`);
  }

  /**
   * Deletes records older than `before` (epoch ms), `chunk` at a time: each part in its own transaction, which appends
   * the record of that pruning (attesting the new checkpoint). Every write takes the store's one write lock, and the
   * whole expired prefix in one transaction (a first pruning of months, the hourly one of a busy log) held it for as
   * long as the delete took: appends waited, the closed audit gate refused sessions and changes after 2 s, and on
   * PostgreSQL a delete past the statement timeout failed every hour, so the log was never pruned (review ay).
   */
  async function prune(before: number, by = 'gatehouse', chunk = PRUNE_CHUNK): Promise<{ pruned: number; head: AuditHead }> {
    if (!Number.isFinite(before)) throw new RangeError(`prune: \`before\` must be a time, got ${before}`);
    // Within the years 0001–9999 (a retention of 10^8 days reaches back past year 1, which toISOString refuses).
    const beforeIso = new Date(Math.max(-62135596800000, Math.min(before, 253402300799999))).toISOString();
    let total = 0;
    for (;;) {
      const r = await pruneChunk(beforeIso, by, chunk);
      total += r.pruned;
      if (r.pruned < chunk) return { pruned: total, head: r.head };
      // Let the appends queued meanwhile take the lock before the next part.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * A part of a pruning: the records from the checkpoint older than `beforeIso`, `chunk` at most, deleted with the record
   * of it. Only records that verify as `verify` checks them (each links to the one before and matches its hash, keyed,
   * which covers `at`) are deleted, up to the first that does not: the store's own choice reads `at` alone, and someone
   * with write access to the database set `at` years back on the newest records, and the next sweep deleted them and
   * attested the new checkpoint with a keyed pruning record, so `verify` said intact (review jz, 3). A record that
   * does not verify stops the pruning there, said in the log, and stays for `verify` to report.
   */
  async function pruneChunk(beforeIso: string, by: string, chunk: number): Promise<{ pruned: number; head: AuditHead }> {
    let stopped: BrokenLink | undefined;
    let unkeyedHead: AuditAnchor | undefined;
    const done = await deps.store.write(async (tx) => {
      stopped = undefined;
      unkeyedHead = undefined;
      const start = await tx.audit.head();
      // The pruning record is linked, keyed, onto the head: a head not linked with the chain's key, on a chain this
      // instance has written keyed records to, is a rewrite by someone without the key, which that record would cover
      // (`verify` then said intact: review pl, 2 for the appender, pl, 3 here). Nothing is pruned; the next batch
      // appended reports it (`appended`), and `verify` does.
      if (unkeyed !== undefined && highest !== undefined && start.seq > start.baseSeq) {
        const [h] = await tx.audit.list({}, start.seq - 1, 1);
        if (h !== undefined && h.seq === start.seq && !keyedRecord(h)) {
          unkeyedHead = { seq: start.seq, hash: start.hash };
          return { pruned: 0, head: start };
        }
      }
      const v = chainVerifier(start, digest, unkeyed);
      let count = 0;
      scan: for (let after = start.baseSeq; count < chunk; ) {
        const asked = Math.min(MAX_PAGE, chunk - count);
        const page = await tx.audit.list({}, after, asked);
        for (const r of page) {
          if (r.seq > start.seq || r.at >= beforeIso) break scan;
          const broken = v.check([r]);
          if (broken !== undefined) {
            stopped = broken;
            break scan;
          }
          count += 1;
        }
        if (page.length < asked) break;
        after = (page.at(-1) as AuditRecord).seq;
      }
      if (count === 0) return { pruned: 0, head: start };
      // Every record from the checkpoint up to `count` is older than `beforeIso`: the store deletes them all.
      const r = await tx.audit.prune(beforeIso, count);
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
      const linked = linkEvents([{ at: deps.now(), event }], head, digest);
      await tx.audit.append(linked);
      const last = linked[0] as AuditRecord;
      return { pruned: r.pruned, head: { ...head, seq: last.seq, hash: last.hash } };
    });
    const u = unkeyedHead as AuditAnchor | undefined;
    if (u !== undefined) {
      log(`audit: retention prunes nothing: the chain's head, record ${u.seq}, is not linked with the chain's key, though this instance has written keyed records (the log written again in the database by someone without the master key, or by an instance of a version before keyed chains); run gatehouse audit verify`);
    }
    const b = stopped as BrokenLink | undefined;
    if (b !== undefined) {
      log(`audit: retention stops before record ${b.seq}, which does not verify (${b.reason}: ${b.message}): it and the records after it are not pruned; run gatehouse audit verify (records may have been edited in the database)`);
    }
    return done;
  }

  const api = {
    record,
    decision,
    gate,
    /**
     * Keeps the summaries of refused authentications left out by the flood limit and not yet recorded (`events`, as
     * they stand; `[]` once none is pending) in the journal, so that a hard stop loses none: the next start appends
     * them as it appends a segment's records (src/app/auth-failures.ts; review kp2). No journal: nothing.
     */
    notePending(events: readonly AuditEvent[]): void {
      if (!enabled || journal?.notePending === undefined) return;
      const at = deps.now();
      try {
        journal.notePending(events.map((event) => ({ at, event })));
      } catch (e) {
        journalFailures += 1;
        metrics.auditJournalFailed?.();
        if (at - lastJournalLog > 30_000) {
          lastJournalLog = at;
          log(`audit: cannot note the pending summaries of refused authentications in ${journal.where}: ${messageOf(e)}; a hard stop before they are written would lose them (${journalFailures} journal failure(s) so far)`);
        }
      }
    },
    /**
     * The flood gate of refused authentications (src/app/auth-failures.ts), shared with the front doors: whether a
     * refusal from `sourceIp` is recorded now (refused `principalProof`s of the authorize API, `auditedAuthorizer`).
     */
    admitRefusal: (sourceIp: string, refused?: Refused): Admission => admitAuthFailure({ audit: api as unknown as AuditSink, now: deps.now, ...(deps.metrics ? { metrics: deps.metrics } : {}) }, sourceIp, undefined, refused),
    flush,
    query,
    verify,
    prune,
    /** Settles once `start` has found whether the chain needed a keyed record, and queued it when it did. */
    keyed: (): Promise<void> => keying ?? Promise.resolve(),
    status: (): AuditStatus => ({
      enabled,
      policy,
      backlog,
      healthy: unwritable() === undefined,
      lastError,
      written,
      failures,
      dropped,
      oldestUnwrittenSeconds: oldestUnwrittenMs() / 1000,
      allowSample,
      sampledOut,
      gateRefusals,
      retentionDays: options.retentionDays ?? null,
      drainSeconds: drainMs / 1000,
      recovered,
      journal: journal?.where ?? null,
      headRegressions,
      unstorable,
    }),
    /** Age of the oldest record queued and not yet written, ms (0 when none): what `gatehouse_audit_oldest_unwritten_seconds` shows. */
    oldestUnwrittenMs,
    /**
     * Says the settings in effect, takes up what an earlier stop spooled (appended before anything else), and
     * starts the retention sweep (hourly) when a retention is configured.
     */
    start(): void {
      if (!enabled) return;
      if (!started) {
        started = true;
        log(`audit: ${settings()}`);
        keying = keyChain().catch((e: unknown) => log(`audit: cannot key the chain now (${messageOf(e)}); the next start tries again`));
        if (spool !== undefined || journal !== undefined) {
          const loaded = (from: AuditSpool | AuditJournal | undefined, what: 'spool' | 'journal'): Promise<SpooledRecords[]> =>
            from === undefined
              ? Promise.resolve([])
              : from.load().then(
                  (r) => {
                    const { spools, unreadable } = r;
                    for (const u of unreadable) log(`audit: CANNOT READ the ${what} ${u.where} (${u.error}); its records are not in the audit log: left where it is for an operator`);
                    for (const x of r.strays ?? []) log(`audit: the temporary file ${x.where}, which an earlier process left in the ${what} directory: ${x.what}`);
                    const live = (r as { readonly live?: readonly string[] }).live;
                    if (live !== undefined && live.length > 0) {
                      log(`audit: ${live.length} journal file(s) of another gatehouse process still running on this host with this data dir (${live.join(', ')}) are left to it; should it end without writing them, they are appended here (run one server per data dir, --workers aside)`);
                      watchLive();
                    }
                    for (const x of spools) if (x.lost !== undefined) log(`audit: ${x.where}: ${x.lost} record(s) cannot be read back, lost unless written before that stop (${x.reason}); the rest are appended, and the record of its recovery says so`);
                    if (spools.length > 0) log(`audit: ${spools.reduce((n, x) => n + x.events.length, 0)} record(s) ${what === 'spool' ? 'spooled by an earlier stop' : 'journaled by an earlier process that stopped hard'} (${spools.map((x) => x.where).join(', ')}) are appended to the audit log before anything else${what === 'spool' && !spools.some((x) => x.mayBeWritten === true) ? '' : ', those it does not hold already'}`);
                    return spools.map((x) => ({ ...x, source: what }));
                  },
                  (e: unknown) => {
                    log(`audit: cannot read the ${what}s in ${from.where}: ${messageOf(e)}; records they hold are appended at the next start that can`);
                    return [];
                  },
                );
          // Segments left to a process still running: taken up once it has ended, not at the next start only (a process
          // that ends without writing them, killed at the end of its grace, left its records out of the audit log until
          // then: review qt, 2). Its spools too: one that ended its drain spooling (the store not answering) moved them
          // from its journal to a spool this start never saw. Checked every few seconds (whether its pid runs), loaded
          // again only once it does not, and once what was loaded before is appended (a spool is then loaded once).
          let retaking: Promise<void> | undefined;
          const watchLive = (): void => {
            if (liveWatch !== undefined || journal?.released === undefined) return;
            liveWatch = setInterval(() => {
              if (retaking !== undefined || spooled !== undefined || later.length > 0 || journal.released?.() !== true) return;
              retaking = Promise.all([loaded(spool, 'spool'), loaded(journal, 'journal')])
                .then(([a, b]) => {
                  if (a.length + b.length === 0) return;
                  later.push(...[...a, ...b].sort((x, y) => x.spooledAt - y.spooledAt));
                  schedule(0);
                })
                .finally(() => (retaking = undefined));
            }, LIVE_RECHECK_MS);
            liveWatch.unref?.();
          };
          // Spools (a clean stop's leftovers) and journal segments (a hard stop's), oldest first.
          spooled = Promise.all([loaded(spool, 'spool'), loaded(journal, 'journal')]).then(([a, b]) => [...a, ...b].sort((x, y) => x.spooledAt - y.spooledAt));
          schedule(0);
        }
      }
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
    /**
     * Writes what is queued, retrying for `drainMs` at most; spools what is still unwritten then (or counts it as
     * dropped, loudly, when it cannot be spooled either); then stops the flusher. `drainFrom` (epoch ms): the drain's
     * time counts from then, and every wait before the spool (the drain, the writer's grace for a write in hand, the
     * flush's) ends by `drainFrom` + `drainMs`, each after a short floor. The server's stop passes SIGTERM plus its edges'
     * grace, so that on a database that does not answer the waits do not add up past an orchestrator's grace period
     * (review eh4). Resolves with the number of records this stop lost: neither written nor spooled.
     */
    async stop(options: { readonly drainFrom?: number } = {}): Promise<number> {
      const droppedBefore = dropped;
      const spoolBy = options.drainFrom === undefined ? undefined : options.drainFrom + drainMs;
      /** `ms`, cut to what is left before `spoolBy` (less `reserve`), but not below `floor`. */
      const within = (ms: number, floor: number, reserve = 0): number => (spoolBy === undefined ? ms : Math.min(ms, Math.max(floor, spoolBy - Date.now() - reserve)));
      // Refused authentications the flood limit left out and no record carries yet: summarised before the drain (review kn1).
      if (!stopped) flushAuthFailureSummaries(api);
      // Records dropped for a full backlog, noted so far only once a batch is written again: queued now, so that an
      // outage lasting until the stop leaves the note in the spool (or the chain) with the records kept (review nz, 1).
      if (enabled) noteDrops();
      if (pruner !== undefined) clearInterval(pruner);
      pruner = undefined;
      if (liveWatch !== undefined) clearInterval(liveWatch);
      liveWatch = undefined;
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (enabled && backlog > 0) {
        // The writer's grace and the flush's come out of what is left, so the drain leaves them STOP_WRITER_RESERVE_MS.
        const deadline = wait(within(drainMs, Math.min(drainMs, STOP_MIN_DRAIN_MS), STOP_WRITER_RESERVE_MS));
        let expired = false;
        void deadline.done.then(() => void (expired = true));
        if (!healthy) log(`audit: stopping with ${backlog} record(s) not yet written (${lastError ?? 'unknown error'}); trying for up to ${drainMs / 1000} s (GATEHOUSE_AUDIT_DRAIN_SECONDS) before ${spool ? 'spooling them' : 'giving up on them (no spool)'}`);
        while (backlog > 0 && !expired) {
          const done = await Promise.race([flushOnce().catch(() => false), deadline.done]);
          if (done === false && !expired) {
            const pause = wait(backoff());
            await Promise.race([pause.done, deadline.done]);
            pause.cancel();
          }
        }
        deadline.cancel();
      }
      // A write still in hand ends (the writer thread finishes or fails it, 5 s at most) before what is left is known.
      await appender.close?.(within(5000, STOP_MIN_WRITER_MS)).catch(() => {});
      if (flushing !== undefined) {
        const grace = wait(within(5000, STOP_MIN_WRITER_MS));
        await Promise.race([flushing.catch(() => false), grace.done]);
        grace.cancel();
      }
      // A batch still with the writer past its grace may yet commit: what is spooled may be in the chain then.
      if (handed) mayBeWritten = true;
      if (enabled && backlog > 0) await spoolQueue();
      // Everything is written or spooled: the journal's segments go. Records that could be neither stay in it, for
      // the next start to append.
      if (journal !== undefined) {
        if (backlog === 0 && !lostAtStop) journal.release(journal.seal());
        // Their removal is waited for: `stop()` resolving means the released segments are gone (review kh, 1).
        await journal.close();
      }
      // The keyed-chain note (review pl, 4) is in the data dir, or failed, before the stop resolves: written after it, the
      // file raced whoever removes the directory next (a test's clean-up failed ENOTEMPTY), or was half there at exit.
      if (noting !== undefined) await noting;
      // What this stop lost (neither written nor spooled): a server's stop that lost records is not a clean one (review ja, 5).
      return dropped - droppedBefore;
    },
  };
  return api;

  /** How long the oldest queued record has waited, ms; 0 when nothing is queued. */
  function oldestUnwrittenMs(): number {
    return backlog > 0 && starts.length > 0 ? Math.max(0, deps.now() - (starts[0] as number)) : 0;
  }

  function settings(): string {
    const sample = allowSample === 1 ? 'every allowed decision is recorded' : allowSample === 0 ? 'no allowed decision is recorded (denials are)' : `allowed decisions are recorded at random, at ${allowSample} (denials always)`;
    return (
      `failure policy ${policy} (GATEHOUSE_AUDIT_FAILURE); ${sample} (GATEHOUSE_AUDIT_ALLOW_SAMPLE); ` +
      `records are kept ${options.retentionDays === undefined ? 'forever' : `${options.retentionDays} day(s)`} (GATEHOUSE_AUDIT_RETENTION_DAYS); ` +
      `on stop, unwritten records are retried for ${drainMs / 1000} s (GATEHOUSE_AUDIT_DRAIN_SECONDS), then ${spool ? `spooled to ${spool.where}` : 'lost (no spool)'}; ` +
      `${journal ? `sessions, changes and jobs are journaled to ${journal.where} as they happen` : 'no journal: a hard stop loses what waits in memory'} (GATEHOUSE_AUDIT_JOURNAL)`
    );
  }

  /** What is still queued at the end of `stop`: to the spool, else counted as dropped; loud either way. */
  async function spoolQueue(): Promise<void> {
    const n = backlog;
    const why = lastError ?? 'the audit log did not take them in time';
    let events: TimedEvent[] | undefined;
    let unpacked = '';
    try {
      events = pieces.flatMap((p) => (p instanceof EventsPiece ? p.events.map((e) => ({ at: e.at, event: e.event, detailText: canonicalRedacted(e.event.detail ?? {}) })) : []));
      if (!pieces.every((p) => p instanceof EventsPiece)) {
        if (appender.eventsOf === undefined) throw new Error('the audit writer cannot give back the records it packed');
        events = appender.eventsOf(pieces);
      }
    } catch (e) {
      events = undefined;
      unpacked = `; they could not be read back from the queue: ${messageOf(e)}`;
    }
    if (spool !== undefined && events !== undefined) {
      try {
        // After a write of unknown outcome, the next start appends only what the chain does not hold (review iw, 1): the
        // spool of a batch that had committed was appended whole, every record of it twice.
        const where = await spool.save({ reason: why, spooledAt: deps.now(), events, ...(mayBeWritten ? { mayBeWritten: true } : {}) });
        pieces.length = 0;
        starts.length = 0;
        open = undefined;
        backlog = 0;
        log(`audit: ${n} record(s) could not be written before stopping (${why}); spooled to ${where}: they are appended to the audit log, marked as recovered, at the next start with this data dir`);
        return;
      } catch (e) {
        log(`audit: cannot spool ${n} record(s) to ${spool.where}: ${messageOf(e)}`);
      }
    }
    dropped += n;
    metrics.auditDropped(n);
    const noted = noteLostAtStop(n, events, why);
    pieces.length = 0;
    starts.length = 0;
    open = undefined;
    backlog = 0;
    lostAtStop = true;
    log(`audit: LOST ${n} AUDIT RECORD(S): they could not be written before stopping (${why}) ${spool === undefined ? 'and there is no spool' : 'nor spooled'}${unpacked}; counted in gatehouse_audit_dropped_total${journal !== undefined ? `; the sessions, changes and job records among them stay in the journal (${journal.where}) and are appended at the next start with this data dir${noted}` : ''}`);
  }

  /**
   * The note of the records a stop loses that the journal does not hold (decisions: never journaled), written to the
   * journal, whose one line fits where a spool of the whole queue did not: the next start appends it with the journaled
   * records, so the chain says what the outage lost, as it does of drops for a full backlog (review nz, 3). What the log
   * line adds about it.
   */
  function noteLostAtStop(n: number, events: readonly TimedEvent[] | undefined, why: string): string {
    if (journal === undefined) return '';
    // Queued events read back: only the decisions are lost (the rest are journaled). Not read back: all of them, of kinds unknown.
    const lost = events?.filter((e) => e.event.kind === 'decision');
    const count = lost === undefined ? n : lost.length;
    if (count === 0) return '';
    const now = deps.now();
    let firstAt = lost === undefined ? (starts[0] ?? now) : Infinity;
    let lastAt = lost === undefined ? now : -Infinity;
    for (const e of lost ?? []) {
      firstAt = Math.min(firstAt, e.at);
      lastAt = Math.max(lastAt, e.at);
    }
    // By account too, when the lost decisions were read back: each account's readers find a note of theirs (review sy, 2).
    const accounts = new Map<string, DropCount>();
    for (const e of lost ?? []) {
      if (!ownsDropNote(e.event.account) || (!accounts.has(e.event.account) && accounts.size >= MAX_DROP_NOTE_ACCOUNTS)) continue;
      let a = accounts.get(e.event.account);
      if (a === undefined) accounts.set(e.event.account, (a = { count: 0, kinds: {}, firstAt: e.at, lastAt: e.at }));
      countDrop(a, e.event.kind, e.at);
    }
    const notes = dropNotes({ count, kinds: lost === undefined ? {} : { decision: count }, firstAt, lastAt, accounts }, `the instance stopped before they could be written (${why}) or spooled`, spool?.instance ?? journal.instance);
    try {
      for (const event of notes) journal.write({ at: now, event, detailText: canonicalRedacted(event.detail ?? {}) });
      return `; a ${DROPPED_ACTION} record of the ${count} others is journaled with them`;
    } catch (e) {
      return `; the ${DROPPED_ACTION} record of the ${count} others could not be journaled either: ${messageOf(e)}`;
    }
  }
}

/** Records dropped (or lost at a stop): how many, of which kinds, the first and last one's time (epoch ms). */
interface DropCount {
  count: number;
  kinds: Record<string, number>;
  firstAt: number;
  lastAt: number;
}

/** The accounts a drop note is made for one by one, at most; the deployment-wide note counts them all. */
const MAX_DROP_NOTE_ACCOUNTS = 1000;

/**
 * Whether records of `account` dropped get a note in that account's own log: every account but the root account,
 * whose readers read the deployment-wide note (of no account, which only they see).
 */
const ownsDropNote = (account: string): boolean => account !== '' && account !== ROOT_ACCOUNT;

function countDrop(d: DropCount, kind: string, at: number): void {
  d.count += 1;
  d.kinds[kind] = (d.kinds[kind] ?? 0) + 1;
  d.firstAt = Math.min(d.firstAt, at);
  d.lastAt = Math.max(d.lastAt, at);
}

/**
 * The `gatehouse:AuditRecordsDropped` records of `d`: the deployment-wide one (of no account: the root account's readers
 * see it, review jz, 4), naming how many of each account's records it counts, then one in each other account's own log
 * with that account's count, kinds and times. The deployment-wide note was the only one, and a principal of any other
 * account reads its own account's records alone: an account whose records were dropped read a log with a gap and
 * nothing saying so (review sy, 2).
 */
function dropNotes(d: DropCount & { accounts: ReadonlyMap<string, DropCount> }, reason: string, instance: string): AuditEvent[] {
  const iso = (ms: number): string => new Date(ms).toISOString();
  const note = (account: string, c: DropCount, more: Record<string, unknown> = {}): AuditEvent => ({
    kind: 'change',
    account,
    principal: 'gatehouse',
    action: DROPPED_ACTION,
    resource: 'audit',
    decision: 'ok',
    detail: { dropped: c.count, kinds: c.kinds, firstAt: iso(c.firstAt), lastAt: iso(c.lastAt), reason, instance, ...more },
  });
  const byAccount = [...d.accounts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [
    note('', d, byAccount.length > 0 ? { accounts: Object.fromEntries(byAccount.map(([a, c]) => [a, c.count])) } : {}),
    ...byAccount.map(([a, c]) => note(a, c, { ofAll: d.count })),
  ];
}

export type Audit = ReturnType<typeof createAudit>;
export type { AuditEvent, AuditFilter, AuditRecord };

/** Proof refusals that are not the proof's fault (our store unreachable) or not a proof at all (a malformed URL: a 400). */
const NOT_PROOF_REFUSALS = new Set(['VALIDATION_ERROR', 'SERVICE_UNAVAILABLE', 'INTERNAL_ERROR', 'INTERNAL_FAILURE']);
/** The prefix the authorize API gives a refused proof's message (src/adapters/http/authorize-api.ts `refusedProof`). */
const PROOF_REFUSED = /^`principalProof` refused, as STS would refuse that GetCallerIdentity: /;
/** An error code as AWS spells it: `SIGNATURE_DOES_NOT_MATCH` → `SignatureDoesNotMatch`. */
const awsCode = (code: string): string => code.toLowerCase().replace(/(?:^|_)([a-z])/g, (_m, c: string) => c.toUpperCase());

/** Who owns a claimed key id (and the session a token names), from memory: `keyOwner` of src/app/auth-failures.ts. */
export type ProofOwner = (accessKeyId: string | undefined, sessionToken: string | undefined) => KeyOwner | undefined;

/**
 * The authorize API with its decisions recorded: every denial with its explanation, allows as sampled, a refused
 * question about another principal, and a refused `principalProof` (on `simulate` too). `simulate` is otherwise the
 * same question recorded nowhere. `ownerOf` names the owner of a refused proof's key (else `anonymous`).
 */
export function auditedAuthorizer(inner: Authorize, audit: Pick<Audit, 'decision'> & Partial<Pick<Audit, 'admitRefusal' | 'record'>>, ownerOf?: ProofOwner) {
  /**
   * A refused `principalProof` (a forged signature, a revoked or expired session, a disabled key): recorded as the
   * front doors record a refused authentication (review Y, Y4), under the same flood limits: the claimed key's owner
   * when known, the question's action and resource, who relayed it (`askedBy`), the code and a fixed description,
   * the key id, and the `audience` the question gave (a proof made for another resource server is refused there). Never
   * the proof's URL, signature or session token, nor the refusal's message (it may quote them). `seen`: the refusals
   * recorded already in this batch (one per proof and audience), recorded once.
   */
  const refusedProof = (caller: Caller, input: AuthorizeInput, proven: Result<Caller> | undefined, seen?: Set<object>): void => {
    const proof = input.principalProof;
    if (typeof proof !== 'string' || proven === undefined || proven.ok) return;
    const error = proven.errors[0];
    // Of the 400s, only the refusals of the operator's GATEHOUSE_AUTHORIZE_PROOF_AUDIENCES (review dy, 1): an unbound
    // proof relayed, or no or another audience named, is what the rule is there to stop and an auditor looks for.
    if (error === undefined || (NOT_PROOF_REFUSALS.has(error.code) && !isProofAudienceRefusal(proven)) || seen?.has(proven)) return;
    seen?.add(proven);
    const sourceIp = caller.request?.sourceIp ?? '';
    const q = proof.indexOf('?');
    const claimed = q < 0 ? {} : claimedCredential(undefined, undefined, proof.slice(q + 1).split('#')[0] as string);
    const code = awsCode(error.code);
    const action = typeof input.action === 'string' && input.action !== '' ? input.action.slice(0, 128) : 'sts:GetCallerIdentity';
    // What was refused goes to the address's summary if the flood limit leaves this one out (review kn2).
    // Left out, its summary is where its record is (below): in the asker's account, naming the proof key's owner (review kp4).
    const summarised = (): KeyOwner => ({ principal: ownerOf?.(claimed.accessKeyId, claimed.sessionToken)?.principal ?? 'anonymous', account: caller.account });
    const admitted = audit.admitRefusal?.(sourceIp, { code, action, accessKeyId: claimed.accessKeyId, owner: summarised }) ?? { record: true, suppressed: 0 };
    if (!admitted.record) return;
    const owner = ownerOf?.(claimed.accessKeyId, claimed.sessionToken);
    const resource = typeof input.resource === 'string' && input.resource !== '' ? input.resource.slice(0, 256) : '*';
    const detail: Record<string, unknown> = {
      authentication: /^[A-Za-z]{1,64}$/.test(code) ? code : 'Unknown',
      message: `principalProof refused: ${authFailureMessage(code, error.message.replace(PROOF_REFUSED, ''))}`,
      askedBy: caller.principal.arn,
    };
    if (typeof input.audience === 'string') detail['audience'] = input.audience;
    if (claimed.accessKeyId !== undefined) detail['accessKeyId'] = claimed.accessKeyId;
    // Signed by the holder of the key it names (the edge verified it with that key's secret): refused for the key or
    // its time alone, not forged (review tu, 1).
    const holders = isKeyHolderRefusal(proven);
    if (holders) detail['signatureVerified'] = true;
    if (admitted.suppressed > 0) detail['suppressed'] = admitted.suppressed;
    const e: Mutable<AuditEvent> & { decision: string } = { kind: 'decision', account: caller.account, principal: owner?.principal ?? 'anonymous', action, resource, decision: 'Deny', detail };
    if (sourceIp !== '') e.sourceIp = sourceIp;
    const requestId = caller.request?.requestId;
    if (requestId !== undefined && requestId !== '') e.requestId = requestId;
    // A refusal its key's holder signed is recorded in the key owner's account too, as a proof let in is (review sy, 3;
    // tu, 1): its readers learn that their disabled key, or expired proof, is still presented, to whom and for which
    // audience. Only then: a forged proof names any key id, and would put records in any account.
    const theirs = holders && owner !== undefined && owner.account !== '' && owner.account !== caller.account ? owner.account : undefined;
    const copies: AuditEvent[] = [];
    if (theirs !== undefined && owner !== undefined) {
      const crossAccount = { callerAccount: caller.account, principalAccount: theirs };
      detail['crossAccount'] = crossAccount;
      const { suppressed: _suppressed, ...provenance } = detail;
      // Without the asker's address, as the copy of a proof let in: it is the resource server's, not the key holder's.
      const { sourceIp: _asker, ...rest } = e;
      const copy: Mutable<AuditEvent> & { decision: string } = { ...rest, account: theirs, detail: provenance };
      if (owner.role !== undefined) copy.role = owner.role;
      if (owner.session !== undefined) copy.session = owner.session;
      if (owner.job !== undefined) copy.job = owner.job;
      if (owner.sourceIdentity !== undefined) copy.sourceIdentity = owner.sourceIdentity;
      copies.push(copy);
    }
    // Recorded as the front doors record refused authentications: not counted as a decision (none was made).
    for (const x of [e, ...copies]) {
      if (audit.record !== undefined) audit.record(x);
      else audit.decision(x as typeof e);
    }
  };
  // Runs once per decision on the deciding thread: one event object, built field by field (no spreads).
  const note = (caller: Caller, input: AuthorizeInput, r: Result<AuthorizeAnswer> | AuthorizeAnswer | { error: { code: string; message: string } }, proofs?: ProvenCallers, seen?: Set<object>): void => {
    // A `principalProof` question is about the caller the proof authenticated (never the proof: it carries the
    // session token); one whose proof failed decided nothing: the refused proof is recorded instead.
    const proof = provenOf(proofs, input);
    if (typeof input.principalProof === 'string' && proof?.ok !== true) {
      refusedProof(caller, input, proof, seen);
      return;
    }
    const proven = proof?.ok === true ? proof.value : undefined;
    const answer = 'ok' in r ? (r.ok ? r.value : undefined) : 'decision' in r ? r : undefined;
    // The principal as the answer names it when the question spelt it otherwise (`user/BOB` for user `bob`), so that
    // `audit query --principal` finds the decision (review V, P8).
    const subject = proven !== undefined ? proven.principal.arn : typeof input.principal === 'string' ? (answer?.principal ?? input.principal) : caller.principal.arn;
    const self = proven !== undefined ? proven.accessKeyId === caller.accessKeyId : subject === caller.principal.arn;
    // Whose session the record names: the proven caller's, or the asker's own when it asked about itself.
    const actor = proven ?? (self ? caller : undefined);
    const action = typeof input.action === 'string' ? input.action : '';
    const resource = typeof input.resource === 'string' ? input.resource : '';
    if (answer) {
      const detail: Record<string, unknown> =
        answer.decision === 'Allow' ? { matched: answer.matched } : { reasons: answer.reasons, diagnostics: answer.diagnostics, matched: answer.matched };
      // The policy type that refused, as answered: the owner's copy of a cross-account decision had it, the caller's own
      // account's record (whose boundary or session policy refused) did not (review ic, 9).
      if (answer.deniedBy !== undefined && answer.decision !== 'Allow') detail['deniedBy'] = answer.deniedBy;
      if (!self) detail['askedBy'] = caller.principal.arn;
      // The resource server the proof was bound to (never the proof): which one was let in.
      if (proven !== undefined && typeof input.audience === 'string') detail['audience'] = input.audience;
      const e: Mutable<AuditEvent> & { decision: string } = { kind: 'decision', account: caller.account, principal: subject, action, resource, decision: answer.decision, detail };
      const session = actor?.session;
      if (actor !== undefined && session !== undefined) {
        // The acting role as well as the session: `audit query --role ARN` finds what the role's sessions did.
        if (session.role) {
          e.role = actor.principal.roleArn ?? roleArnOf(session.part, session.acct, session.role.path, session.role.name);
          e.session = actor.principal.arn;
        }
        if (session.job !== undefined) e.job = session.job;
        if (session.srcId !== undefined) e.sourceIdentity = session.srcId;
      }
      // The key that signed the request decided (the asker's own, or the proof's), as CloudTrail's data events name it
      // (`userIdentity.accessKeyId`, review mi, 2); none for a question about a principal named by its ARN alone.
      // A console sign-in opened with a long-term key signs with its own key (review rp, 1).
      const signer = actor === undefined ? '' : signingKeyOf(actor);
      if (signer !== '') e.accessKeyId = signer;
      // And the address the request came from, when the caller asked about itself (the S3 gateway's decisions, a self
      // question): decisions.md's "every record says who acted and from where". A `NotIpAddress aws:SourceIp` Deny was
      // recorded without the address it turned on (review pa, 1). Not for a question about another principal or on a
      // relayed proof: the asker's address is not that principal's.
      if (actor === caller && caller.request?.sourceIp !== undefined && caller.request.sourceIp !== '') e.sourceIp = caller.request.sourceIp;
      // The id the asker's request was answered with, whoever the question is about: it was asked in that request.
      const requestId = caller.request?.requestId;
      if (requestId !== undefined && requestId !== '') e.requestId = requestId;
      // Enforcement of another account's resource (the S3 gateway names the bucket's owner): recorded in the owner's
      // account too, as CloudTrail delivers a cross-account data event to both (review V, P7): the owner sees who
      // reached or tried its resource, with the decision and what refused, not the caller's rules (its policies are
      // its own account's to read, review I3). Both copies say so, as for AssumeRole (src/app/sts.ts `inBoth`).
      const owner = input.resourceAccount;
      const toOwner = owner !== undefined && owner !== '' && owner !== caller.account ? owner : undefined;
      // A proof of another account's principal is that principal's request (its key signed it): recorded in its account
      // too, as the resource owner's copy is, without the asker's reasons and rules. Its account's readers saw nothing of
      // their key presented to another account's service, nor of the denials (review sy, 3).
      const theirs = proven !== undefined && proven.account !== '' && proven.account !== caller.account && proven.account !== toOwner ? proven.account : undefined;
      if (toOwner === undefined && theirs === undefined) {
        audit.decision(e);
        return;
      }
      const crossAccount = { callerAccount: caller.account, ...(toOwner !== undefined ? { resourceAccount: toOwner } : {}), ...(theirs !== undefined ? { principalAccount: theirs } : {}) };
      detail['crossAccount'] = crossAccount;
      const copies: AuditEvent[] = [];
      if (toOwner !== undefined) copies.push({ ...e, account: toOwner, detail: answer.deniedBy !== undefined ? { crossAccount, deniedBy: answer.deniedBy } : { crossAccount } });
      // With who asked on it (`askedBy`, the service the proof was given to) and the audience the proof was bound to, as
      // the asker's record and a refused proof's say: the principal's account read that its key was presented, but not
      // to whom nor for which resource server; a proof is a bearer token, and who holds it is what its readers ask
      // (review to, 3). Provenance, not the asker's reasons and rules.
      if (theirs !== undefined) {
        const provenance: Record<string, unknown> = { crossAccount };
        if (answer.deniedBy !== undefined && answer.decision !== 'Allow') provenance['deniedBy'] = answer.deniedBy;
        if (detail['askedBy'] !== undefined) provenance['askedBy'] = detail['askedBy'];
        if (detail['audience'] !== undefined) provenance['audience'] = detail['audience'];
        copies.push({ ...e, account: theirs, detail: provenance });
      }
      // One decision (counted once, sampled once), recorded in each account.
      audit.decision(e, copies);
      return;
    }
    const error = 'ok' in r ? (r.ok ? undefined : r.errors[0]) : 'error' in r ? r.error : undefined;
    // Asking about another principal without `gatehouse:Authorize` is itself a denied request: explicitly when a
    // policy denied it, else implicitly (no policy allowed it), as the refusal's message says (`accessDeniedMessage`);
    // it was recorded `ExplicitDeny` either way, and `audit query --decision ExplicitDeny` (a guardrail hit) listed
    // callers that merely lacked the permission (review V, V4).
    if (error?.code === 'ACCESS_DENIED') {
      const decision = / with an explicit deny /.test(error.message) ? 'ExplicitDeny' : 'ImplicitDeny';
      // Who asked as every record of a caller names it (`actorOf`): its key, session, role, job and address. The ARN alone
      // left a stolen resource-server key's probing out of `audit query --access-key-id` and `--role` (review pa, 4).
      audit.decision({ account: caller.account, ...actorOf(caller), action: 'gatehouse:Authorize', resource: subject, decision, detail: { reasons: [error.message], question: { action, resource } } });
    }
  };
  return {
    async authorize(caller: Caller, input: AuthorizeInput, proofs?: ProvenCallers): Promise<Result<AuthorizeAnswer>> {
      const r = await inner.authorize(caller, input, proofs);
      note(caller, input, r, proofs);
      return r;
    },
    async authorizeBatch(caller: Caller, requests: unknown, proofs?: ProvenCallers): ReturnType<Authorize['authorizeBatch']> {
      const r = await inner.authorizeBatch(caller, requests, proofs);
      if (r.ok && Array.isArray(requests)) {
        // A proof refused for several questions of the batch is recorded once.
        const seen = new Set<object>();
        r.value.forEach((one, i) => {
          const q = requests[i] as unknown;
          note(caller, (typeof q === 'object' && q !== null ? q : {}) as AuthorizeInput, one, proofs, seen);
        });
      }
      return r;
    },
    /** The same decision, recorded nowhere (`POST /v1/simulate`); a refused `principalProof` is recorded. */
    async simulate(caller: Caller, input: AuthorizeInput, proofs?: ProvenCallers): Promise<Result<AuthorizeAnswer>> {
      const r = await inner.simulate(caller, input, proofs);
      refusedProof(caller, input, provenOf(proofs, input));
      return r;
    },
    /** A principal with its policies, as decisions see it (nothing decided, nothing recorded). */
    principalOf: inner.principalOf,
    useObjectTags: inner.useObjectTags,
    contextFor: inner.contextFor,
  };
}
