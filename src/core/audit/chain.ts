/**
 * The hash chain. `hash = SHA-256(canonical JSON of the record without `hash`, `prevHash` included)`, hex. The
 * canonical form is JSON with object keys sorted by code unit, no whitespace, absent fields left out — the text
 * any implementation can rebuild from a stored record, so the chain can be checked without Gatehouse.
 *
 * The digest is a parameter (the core does no crypto itself; the app passes `node:crypto`'s SHA-256).
 */
import { redact } from './redact.ts';
import type { AuditEvent, AuditHead, AuditRecord } from './record.ts';

export type Sha256Hex = (text: string) => string;

/** Canonical JSON: sorted keys, no `undefined`, no whitespace. Non-finite numbers become `null`, as JSON has them. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') {
    const s = JSON.stringify(v);
    return s === undefined ? 'null' : s;
  }
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** The fields the hash covers, in the record's own shape (absent optional fields stay absent). */
function hashed(r: Omit<AuditRecord, 'hash'>): Record<string, unknown> {
  return {
    seq: r.seq,
    at: r.at,
    kind: r.kind,
    account: r.account,
    principal: r.principal,
    action: r.action,
    resource: r.resource,
    decision: r.decision,
    role: r.role,
    session: r.session,
    job: r.job,
    sourceIdentity: r.sourceIdentity,
    sourceIp: r.sourceIp,
    detail: r.detail,
    prevHash: r.prevHash,
  };
}

export function recordHash(r: Omit<AuditRecord, 'hash'>, sha256: Sha256Hex): string {
  return sha256(canonicalJson(hashed(r)));
}

/** An event as queued: with the time it happened (epoch ms). */
export interface TimedEvent {
  readonly at: number;
  readonly event: AuditEvent;
}

/**
 * Turns queued events into the next records of the chain after `head`: redacted, numbered, timed, linked. The
 * detail goes through JSON once, so what is hashed is exactly what a reader gets back from the store.
 */
export function linkEvents(events: readonly TimedEvent[], head: Pick<AuditHead, 'seq' | 'hash'>, sha256: Sha256Hex): AuditRecord[] {
  const out: AuditRecord[] = [];
  let seq = head.seq;
  let prev = head.hash;
  for (const { at, event: e } of events) {
    seq += 1;
    const detail = JSON.parse(canonicalJson(redact(e.detail ?? {}))) as Record<string, unknown>;
    const base: Omit<AuditRecord, 'hash'> = {
      seq,
      at: new Date(at).toISOString(),
      kind: e.kind,
      account: e.account,
      principal: e.principal,
      action: e.action,
      resource: e.resource,
      ...(e.decision !== undefined ? { decision: e.decision } : {}),
      ...(e.role !== undefined ? { role: e.role } : {}),
      ...(e.session !== undefined ? { session: e.session } : {}),
      ...(e.job !== undefined ? { job: e.job } : {}),
      ...(e.sourceIdentity !== undefined ? { sourceIdentity: e.sourceIdentity } : {}),
      ...(e.sourceIp !== undefined ? { sourceIp: e.sourceIp } : {}),
      detail,
      prevHash: prev,
    };
    const hash = recordHash(base, sha256);
    out.push({ ...base, hash });
    prev = hash;
  }
  return out;
}

export type BrokenLink =
  | { readonly seq: number; readonly reason: 'missing'; readonly message: string }
  | { readonly seq: number; readonly reason: 'unlinked'; readonly message: string }
  | { readonly seq: number; readonly reason: 'altered'; readonly message: string }
  | { readonly seq: number; readonly reason: 'truncated'; readonly message: string };

/**
 * Checks records of the chain in order, page by page: `check(page)` returns the first broken link, if any.
 * State carries over between pages; `end(head)` checks that the chain reaches the recorded head (a deleted
 * tail is caught there).
 */
export function chainVerifier(start: Pick<AuditHead, 'baseSeq' | 'baseHash'>, sha256: Sha256Hex) {
  let seq = start.baseSeq;
  let prev = start.baseHash;
  let checked = 0;
  return {
    check(page: readonly AuditRecord[]): BrokenLink | undefined {
      for (const r of page) {
        if (r.seq !== seq + 1) {
          return { seq: seq + 1, reason: 'missing', message: `record ${seq + 1}${r.seq > seq + 2 ? `–${r.seq - 1}` : ''} is missing (the next record kept is ${r.seq}): deleted` };
        }
        if (r.prevHash !== prev) return { seq: r.seq, reason: 'unlinked', message: `record ${r.seq} does not link to record ${seq}: its prevHash is not the hash of the record before it` };
        const { hash, ...rest } = r;
        if (recordHash(rest, sha256) !== hash) return { seq: r.seq, reason: 'altered', message: `record ${r.seq} was altered: its content does not match its hash` };
        seq = r.seq;
        prev = hash;
        checked += 1;
      }
      return undefined;
    },
    end(head: Pick<AuditHead, 'seq' | 'hash'>): BrokenLink | undefined {
      if (seq < head.seq) return { seq: seq + 1, reason: 'truncated', message: `records ${seq + 1}–${head.seq} are missing: the chain ends at ${seq} but its head is ${head.seq}` };
      if (seq === head.seq && prev !== head.hash) return { seq, reason: 'altered', message: `record ${seq} does not match the chain head's hash` };
      return undefined;
    },
    get checked() {
      return checked;
    },
    get last() {
      return { seq, hash: prev };
    },
  };
}
