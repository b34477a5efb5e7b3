/**
 * The hash chain. `hash = digest(canonical JSON of the record without `hash`, `prevHash` included)`, hex. The
 * canonical form is JSON with object keys sorted by code unit, no whitespace, absent fields left out.
 *
 * The digest is a parameter (the core does no crypto itself). A server links records with HMAC-SHA256 under a key
 * derived from its master key (a keyed chain: whoever can write the database but lacks the key cannot rewrite a
 * record and link the rest again); records written before chains were keyed were linked with plain SHA-256, and a
 * verifier given both tells them apart (`chainVerifier`).
 */
import { isSecretKey, REDACTED } from './redact.ts';
import type { AuditEvent, AuditHead, AuditRecord } from './record.ts';

export type Sha256Hex = (text: string) => string;

/** Canonical JSON: sorted keys, no `undefined`, no whitespace. Non-finite numbers become `null`, as JSON has them. */
export function canonicalJson(v: unknown): string {
  return write(v, false, 0);
}

/**
 * Canonical JSON of `v` with every secret replaced by `[redacted]` (the rules of `redact`), in one pass and
 * without copying: this runs once per audit record, off the request path but on the same thread.
 */
export function canonicalRedacted(v: unknown): string {
  return write(v, true, 0);
}

const PEM_PRIVATE = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const JWK_PRIVATE = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']);
/** What `canonicalRedacted` writes in place of a secret. */
export const REDACTED_TEXT = JSON.stringify(REDACTED);

/** The text `canonicalRedacted` writes for a string: `[redacted]` when it carries a PEM private key. */
export function redactedStringText(s: string): string {
  return s.length > 30 && PEM_PRIVATE.test(s) ? REDACTED_TEXT : JSON.stringify(s);
}

/** Whether `canonicalRedacted` redacts the value under key `k` of an object (`jwk`: the object has a string `kty`). */
export function redactsKey(k: string, jwk: boolean): boolean {
  return isSecretKey(k) || (jwk && JWK_PRIVATE.has(k));
}

/**
 * The longest path `canonicalJson` walks: an object or array this deep is written `"[cut]"`. Anything that writes
 * the same text another way (the audit writer thread's packed form) cuts at the same depth.
 */
export const MAX_DEPTH = 32;

function write(v: unknown, redacting: boolean, depth: number): string {
  if (typeof v === 'string') return redacting ? redactedStringText(v) : JSON.stringify(v);
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null || typeof v !== 'object') return typeof v === 'bigint' ? JSON.stringify(String(v)) : 'null';
  if (depth >= MAX_DEPTH) return '"[cut]"';
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i === 0 ? '' : ',') + (v[i] === undefined ? 'null' : write(v[i], redacting, depth + 1));
    return `${out}]`;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length > 1) keys.sort();
  const jwk = redacting && typeof o['kty'] === 'string';
  let out = '{';
  let first = true;
  for (const k of keys) {
    const x = o[k];
    if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${redacting && redactsKey(k, jwk) ? REDACTED_TEXT : write(x, redacting, depth + 1)}`;
    first = false;
  }
  return `${out}}`;
}

const str = (s: string): string => JSON.stringify(s);
/** An optional field: its name is a plain ASCII key (JSON.stringify leaves it as it is). */
const opt = (name: string, v: string | undefined, q: (s: string) => string): string => (v === undefined ? '' : `,"${name}":${q(v)}`);

/**
 * The canonical text of a record without its hash, given the canonical text of its detail: the fields in
 * sorted order, written out (the same text `canonicalJson` gives for the record minus `hash`). `q` is
 * `JSON.stringify` of a string, or a memo of it for fields records repeat (the resource and the previous hash
 * rarely repeat, and are written directly).
 */
function recordText(r: Omit<AuditRecord, 'hash' | 'detail'>, detailText: string, q: (s: string) => string = str): string {
  return (
    `{${r.accessKeyId === undefined ? '' : `"accessKeyId":${q(r.accessKeyId)},`}"account":${q(r.account)}${opt('actingRole', r.actingRole, q)},"action":${q(r.action)},"at":${q(r.at)}${opt('decision', r.decision, q)},"detail":${detailText}` +
    `${opt('job', r.job, q)},"kind":${q(r.kind)},"prevHash":${str(r.prevHash)},"principal":${q(r.principal)}${opt('requestId', r.requestId, str)},"resource":${str(r.resource)}` +
    `${opt('role', r.role, q)},"seq":${r.seq}${opt('session', r.session, q)}${opt('sourceIdentity', r.sourceIdentity, q)}${opt('sourceIp', r.sourceIp, q)}}`
  );
}

export function recordHash(r: Omit<AuditRecord, 'hash'>, sha256: Sha256Hex): string {
  return sha256(recordText(r, canonicalJson(r.detail)));
}

/** Canonical detail text of records linked here, so the store writes it without serialising again. */
const detailTexts = new WeakMap<AuditRecord, string>();

/** The canonical JSON of a record's detail: as stored, and as hashed. */
export function detailTextOf(r: AuditRecord): string {
  const unparsed = (r.detail as { [DETAIL_TEXT]?: string })[DETAIL_TEXT];
  return unparsed ?? detailTexts.get(r) ?? canonicalJson(r.detail);
}

/**
 * A record's column as both databases can store it and give it back. A lone UTF-16 surrogate (`"\ud800"` in a JSON
 * request) cannot be stored as UTF-8 text: both databases store U+FFFD in its place, and the record read back would no
 * longer match the hash of the string as given (review Y, Y2). NUL cannot be stored in PostgreSQL text at all: the
 * whole batch was refused (`invalid byte sequence for encoding "UTF8": 0x00`), retried for ever, and under the closed
 * policy no session was issued and no change made again, for one `"resource": "x\u0000"` sent to the authorize API by
 * a principal with no permission (review an, 1). Both become U+FFFD. Filters go through the same, so they find the
 * records as stored.
 */
export function storedText(v: string): string {
  if (typeof v !== 'string') return v;
  const t = v.isWellFormed() ? v : v.toWellFormed();
  return t.includes('\u0000') ? t.replaceAll('\u0000', '\ufffd') : t;
}

/** An event as queued: with the time it happened (epoch ms). */
export interface TimedEvent {
  readonly at: number;
  readonly event: AuditEvent;
  /**
   * `canonicalRedacted(event.detail ?? {})`, when whoever hands the event over already wrote it (the audit writer
   * thread renders it straight from its packed form); `event.detail` is then not read.
   */
  readonly detailText?: string;
}

export interface LinkOptions {
  /**
   * `false` for records handed straight to the store's `append`, which writes the detail's canonical text
   * (`detailTextOf`): their `detail` holds no field (its text is kept aside) instead of being parsed back,
   * sparing a JSON parse per record.
   */
  readonly parsed?: boolean;
}

/** Where an unparsed record's `detail` keeps its text: a symbol, so the detail reads as `{}` to anything else. */
const DETAIL_TEXT = Symbol('detailText');

/**
 * Turns queued events into the next records of the chain after `head`: redacted, numbered, timed, linked. The
 * detail is hashed and stored as its canonical text, and the record carries that text parsed back, so what is
 * hashed is exactly what a reader gets back from the store.
 */
export function linkEvents(events: readonly TimedEvent[], head: Pick<AuditHead, 'seq' | 'hash'>, sha256: Sha256Hex, options: LinkOptions = {}): AuditRecord[] {
  const out: AuditRecord[] = [];
  const parsed = options.parsed ?? true;
  let seq = head.seq;
  let prev = head.hash;
  // Records of a batch repeat most of their fields (account, principal, action, time): each escaped once a batch.
  const quoted = new Map<string, string>();
  const q = (v: string): string => {
    let t = quoted.get(v);
    if (t === undefined) {
      t = JSON.stringify(v);
      quoted.set(v, t);
    }
    return t;
  };
  // Every column as it can be stored (`storedText`), before it is hashed, so what is hashed is what is stored. (The
  // detail needs nothing: its canonical text escapes a lone surrogate as `\ud800` and NUL as `\u0000`, plain ASCII,
  // stored and read back as it is.)
  const wf = storedText;
  // Records of a batch mostly share their millisecond.
  let lastAt = Number.NaN;
  let lastIso = '';
  for (const { at, event: e, detailText: given } of events) {
    seq += 1;
    const detailText = given ?? canonicalRedacted(e.detail ?? {});
    if (at !== lastAt) {
      lastAt = at;
      lastIso = new Date(at).toISOString();
    }
    // Built field by field (no spreads): this runs for every record.
    const base: { -readonly [K in keyof Omit<AuditRecord, 'hash' | 'detail'>]: Omit<AuditRecord, 'hash' | 'detail'>[K] } = {
      seq,
      at: lastIso,
      kind: wf(e.kind) as AuditRecord['kind'],
      account: wf(e.account),
      principal: wf(e.principal),
      action: wf(e.action),
      resource: wf(e.resource),
      prevHash: prev,
    };
    if (e.decision !== undefined) base.decision = wf(e.decision);
    if (e.role !== undefined) base.role = wf(e.role);
    if (e.actingRole !== undefined) base.actingRole = wf(e.actingRole);
    if (e.session !== undefined) base.session = wf(e.session);
    if (e.job !== undefined) base.job = wf(e.job);
    if (e.sourceIdentity !== undefined) base.sourceIdentity = wf(e.sourceIdentity);
    if (e.sourceIp !== undefined) base.sourceIp = wf(e.sourceIp);
    if (e.accessKeyId !== undefined) base.accessKeyId = wf(e.accessKeyId);
    if (e.requestId !== undefined && e.requestId !== '') base.requestId = wf(e.requestId);
    const hash = sha256(recordText(base, detailText, q));
    const record = base as AuditRecord & { detail: unknown; hash: string };
    record.hash = hash;
    if (parsed) {
      record.detail = JSON.parse(detailText) as Record<string, unknown>;
      detailTexts.set(record, detailText);
    } else {
      // No WeakMap entry per record: a batch of thousands would make that much more work for the collector.
      record.detail = { [DETAIL_TEXT]: detailText } as Record<string, unknown>;
    }
    out.push(record);
    prev = hash;
  }
  return out;
}

export type BrokenLink =
  | { readonly seq: number; readonly reason: 'missing'; readonly message: string }
  | { readonly seq: number; readonly reason: 'unlinked'; readonly message: string }
  | { readonly seq: number; readonly reason: 'altered'; readonly message: string }
  | { readonly seq: number; readonly reason: 'truncated'; readonly message: string }
  | { readonly seq: number; readonly reason: 'unkeyed'; readonly message: string };

/** How many breaks a verifier keeps to report (all are counted). */
export const MAX_BREAKS_KEPT = 100;

/**
 * Checks records of the chain in order, page by page: `check(page)` returns the first broken link of the page, if
 * any, and goes on checking past it: a record that does not link to the one before, or does not match its own
 * hash, is reported and the chain is followed on from it (from its stored hash), so one bad record cannot hide the
 * records after it (review Y, Y2). Every break is counted (`breakCount`) and the first `MAX_BREAKS_KEPT` kept
 * (`breaks`). State carries over between pages; `end(head)` checks that the chain reaches the recorded head (a
 * deleted tail is caught there).
 *
 * `digest` is the chain's digest (keyed). `unkeyed`, when given, is the digest records were linked with before
 * chains were keyed (SHA-256): a record that matches it instead is intact but unkeyed, which only records before the
 * first keyed one may be. An unkeyed record after a keyed one, or an unkeyed newest record, is a break (`unkeyed`):
 * whoever rewrote it lacked the key. (A server appends a keyed record as it starts on a chain whose newest record is
 * unkeyed, so the newest record of a healthy chain is keyed.)
 */
export function chainVerifier(start: Pick<AuditHead, 'baseSeq' | 'baseHash'>, digest: Sha256Hex, unkeyed?: Sha256Hex) {
  let seq = start.baseSeq;
  let prev = start.baseHash;
  let checked = 0;
  // The first keyed record checked, and whether the last one checked was keyed.
  let keyedFrom: number | undefined;
  let lastKeyed = true;
  let any = false;
  let breakCount = 0;
  const breaks: BrokenLink[] = [];
  const broke = (b: BrokenLink): BrokenLink => {
    breakCount += 1;
    if (breaks.length < MAX_BREAKS_KEPT) breaks.push(b);
    return b;
  };
  return {
    check(page: readonly AuditRecord[]): BrokenLink | undefined {
      let first: BrokenLink | undefined;
      const note = (b: BrokenLink): void => {
        broke(b);
        first ??= b;
      };
      for (const r of page) {
        // A record at or before the last one checked (rows out of order, a duplicate): reported, not followed.
        if (r.seq <= seq) {
          note({ seq: r.seq, reason: 'unlinked', message: `record ${r.seq} comes after record ${seq}: the records are out of order` });
          continue;
        }
        let linked = true;
        if (r.seq !== seq + 1) {
          note({ seq: seq + 1, reason: 'missing', message: `record ${seq + 1}${r.seq > seq + 2 ? `–${r.seq - 1}` : ''} is missing (the next record kept is ${r.seq}): deleted` });
          linked = false;
        } else if (r.prevHash !== prev) {
          note({ seq: r.seq, reason: 'unlinked', message: `record ${r.seq} does not link to record ${seq}: its prevHash is not the hash of the record before it` });
          linked = false;
        }
        const { hash, ...rest } = r;
        const text = recordText(rest, canonicalJson(rest.detail));
        let intact = digest(text) === hash;
        let keyed = intact;
        if (!intact && unkeyed !== undefined && unkeyed(text) === hash) {
          intact = true;
          if (keyedFrom !== undefined) note({ seq: r.seq, reason: 'unkeyed', message: `record ${r.seq} is not keyed, yet records before it are: it was written again by someone without the chain's key` });
        }
        if (!intact) note({ seq: r.seq, reason: 'altered', message: `record ${r.seq} was altered: its content does not match its hash` });
        if (keyed) keyedFrom ??= r.seq;
        lastKeyed = keyed || unkeyed === undefined;
        any = true;
        // The chain goes on from the stored hash, which is what the next record links to.
        seq = r.seq;
        prev = hash;
        if (linked && intact) checked += 1;
      }
      return first;
    },
    end(head: Pick<AuditHead, 'seq' | 'hash'>): BrokenLink | undefined {
      if (seq < head.seq) return broke({ seq: seq + 1, reason: 'truncated', message: `records ${seq + 1}–${head.seq} are missing: the chain ends at ${seq} but its head is ${head.seq}` });
      if (seq === head.seq && prev !== head.hash) return broke({ seq, reason: 'altered', message: `record ${seq} does not match the chain head's hash` });
      // Reported once: an unkeyed record after keyed ones already was.
      if (any && !lastKeyed && keyedFrom === undefined) {
        return broke({ seq, reason: 'unkeyed', message: `record ${seq}, the newest, is not keyed (nor is any record before it): the chain was written again by someone without its key, or no server holding the key has started on it since it was made` });
      }
      return undefined;
    },
    /** The first record that is keyed (linked with `digest`), when one was checked. */
    get keyedFrom() {
      return keyedFrom;
    },
    /** Records that linked to the one before and matched their hash. */
    get checked() {
      return checked;
    },
    /** The first `MAX_BREAKS_KEPT` breaks found, in order. */
    get breaks(): readonly BrokenLink[] {
      return breaks;
    },
    /** Every break found. */
    get breakCount() {
      return breakCount;
    },
    get last() {
      return { seq, hash: prev };
    },
  };
}
