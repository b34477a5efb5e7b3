/**
 * A record the database refuses to store, for what one of its values holds (PostgreSQL's "data exception" and
 * "program limit exceeded" classes, a CHECK constraint, SQLite's "string or blob too big"…): the refusal is the
 * record's own, so retrying it can never succeed, and the queue would retry it for ever (under the closed policy,
 * no session issued and no change made again). The writer writes a stand-in in its place instead, which keeps what
 * can be kept safely and says why; the chain stays continuous, and `verify` passes.
 */
import { canonicalJson, canonicalRedacted, storedText, type Sha256Hex, type TimedEvent } from './chain.ts';
import { AUDIT_KINDS, type AuditEvent, type AuditKind } from './record.ts';

/** Why the database refused a record: its own code (a SQLSTATE, an SQLite result code) and its message, values removed. */
export interface DataRefusal {
  readonly code: string;
  readonly reason: string;
}

/** What is reported of each stand-in written: to the operator's log, once per record, and counted. */
export interface UnstorableNote {
  /** The stand-in's place in the chain. */
  readonly seq: number;
  readonly kind: string;
  readonly account: string;
  readonly action: string;
  /** When the refused record happened, ISO-8601. */
  readonly at: string;
  /** SHA-256 of the refused record's canonical text (`unstorableDigestText`). */
  readonly sha256: string;
  readonly code: string;
  readonly reason: string;
}

/** Characters of a kept column at most. */
const KEPT_CHARS = 256;

/**
 * A column of the refused record as the stand-in keeps it: printable ASCII only (anything else becomes `?`), at most
 * `KEPT_CHARS` characters — text any database stores, whatever the original held.
 */
export function keptText(v: string | undefined): string {
  if (typeof v !== 'string') return '';
  const t = v.replace(/[^\x20-\x7e]/g, '?');
  return t.length > KEPT_CHARS ? t.slice(0, KEPT_CHARS) : t;
}

/**
 * The text whose SHA-256 a stand-in carries: the canonical JSON of the refused record as it would have been written
 * (every column as stored, `storedText`; the redacted detail; the time in ISO-8601), without `seq`, `prevHash` and
 * `hash`. Whoever holds the original event (a journal, a client's own log) can match it.
 */
export function unstorableDigestText(e: TimedEvent): string {
  const ev = e.event;
  const detailText = e.detailText ?? canonicalRedacted(ev.detail ?? {});
  const o: Record<string, unknown> = { at: new Date(e.at).toISOString(), detail: JSON.parse(detailText) as unknown };
  for (const k of ['kind', 'account', 'principal', 'action', 'resource', 'decision', 'role', 'actingRole', 'session', 'job', 'sourceIdentity', 'sourceIp', 'accessKeyId', 'requestId'] as const) {
    const v = ev[k];
    if (v !== undefined) o[k] = storedText(v);
  }
  return canonicalJson(o);
}

/**
 * The record written in place of `e`, which the database refused: its kind, account, principal, action and decision
 * (each as `keptText`), its time, an empty resource, and a detail that says so — `unstorable: true`, the SHA-256 of the
 * original (`unstorableDigestText`, plain SHA-256 `sha256`), and the database's refusal (its code, and its message
 * with any quoted value removed). Nothing else of the original is kept: whichever value the database refused is gone.
 */
export function unstorableStandIn(e: TimedEvent, refusal: DataRefusal, sha256: Sha256Hex): { readonly event: TimedEvent; readonly sha256: string } {
  const ev = e.event;
  const digest = sha256(unstorableDigestText(e));
  const kind: AuditKind = (AUDIT_KINDS as readonly string[]).includes(ev.kind) ? ev.kind : 'change';
  const event: { -readonly [K in keyof AuditEvent]: AuditEvent[K] } = {
    kind,
    account: keptText(ev.account),
    principal: keptText(ev.principal),
    action: keptText(ev.action),
    resource: '',
    detail: { unstorable: true, sha256: digest, refusal: { code: keptText(refusal.code), message: keptText(refusal.reason) } },
  };
  if (ev.decision !== undefined) event.decision = keptText(ev.decision);
  // The edge's own id (ASCII it drew), so the client's error still finds the stand-in (review sd, 1).
  if (ev.requestId !== undefined) event.requestId = keptText(ev.requestId);
  return { event: { at: e.at, event }, sha256: digest };
}
