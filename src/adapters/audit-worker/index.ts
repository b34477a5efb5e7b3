/**
 * The audit log's writer in a worker thread (issue "an audit log nothing escapes": writing records never slows a
 * decision). The thread that decides packs each event as it is queued (`EventPacker`: each distinct string once
 * per piece, the rest as codes in an Int32Array) and hands the pieces of a batch over (a cheap clone); the
 * worker writes each detail's canonical, redacted text straight from the codes, links the batch to the chain's
 * head (SHA-256), and appends it in one transaction
 * through its own connection to the same database — a second SQLite connection (WAL; writers serialise on the
 * file's write lock and on the head row) or its own PostgreSQL pool.
 *
 * One thread a process serves every writer of that process (a server has one; a process running many in-process
 * servers, as the test suite does, would otherwise start a thread for each, about 55 ms of CPU apiece): each
 * `auditWorker(…)` is a channel of it, with its own store in the thread, its own order of batches and its own
 * record of the last batch committed.
 *
 * `append` resolves when the batch is committed and rejects when it is not, with the store's message, so the
 * queue in `src/app/audit.ts` keeps the batch, counts the failure and applies the failure policy exactly as
 * with the in-thread appender. A thread that dies fails what every channel had in hand and is started again on
 * the next batch. It keeps the process alive only while a batch is in hand.
 */
import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { Appended, AuditAppender, AuditPiece } from '../../app/audit.ts';
import { StoreOutcomeUnknownError } from '../../app/ports/store.ts';
import type { SqliteSynchronous } from '../store-sqlite/index.ts';
import { MAX_DEPTH, REDACTED_TEXT, redactedStringText, redactsKey, type AuditEvent, type TimedEvent } from '../../core/audit/index.ts';

export type AuditWorkerTarget =
  | { readonly dialect: 'sqlite'; readonly file: string; readonly synchronous?: SqliteSynchronous }
  | { readonly dialect: 'postgres'; readonly url: string; readonly schema?: string };

/** What a channel is opened with in the thread. */
export interface AuditChannelData {
  readonly target: AuditWorkerTarget;
  readonly chainKey?: KeyObject;
  /**
   * Shared with the deciding thread: the id of the channel's last batch committed, stored as it commits, so that the
   * audit gate knows a batch is written while its answer still waits for that thread's event loop
   * (`AuditAppender.committed`).
   */
  readonly committed: BigInt64Array<SharedArrayBuffer>;
}

/** What the thread is sent: a channel opened, a batch's piece, a warm-up, a channel closed. */
export type AuditWorkerMessage =
  | { readonly channel: number; readonly open: AuditChannelData }
  | { readonly channel: number; readonly id: number; readonly commit: boolean; readonly events: PackedEvents }
  | { readonly channel: number; readonly id: number; readonly warm: true }
  | { readonly channel: number; readonly id: number; readonly close: true };

/** What the thread answers: the message `id` of `channel` done, or failed with `error`. */
/** A Node.js warning of the thread, said by the process as its own (review rv, 4). */
export interface AuditWorkerWarning {
  readonly warning: { readonly name: string; readonly message: string; readonly code?: string };
}

export interface AuditWorkerReply {
  readonly channel: number;
  readonly id: number;
  readonly error?: string;
  /** The batch failed without its outcome known (its COMMIT answer lost): it may be committed (review iw, 1). */
  readonly outcomeUnknown?: boolean;
  /** What the batch linked to and committed (the queue checks the head never moves back). */
  readonly appended?: Appended;
}

interface Waiting {
  readonly resolve: (a?: Appended) => void;
  readonly reject: (e: Error) => void;
}

/** A writer's side of the shared thread. */
interface Channel {
  readonly data: AuditChannelData;
  /** The thread this channel was opened in (undefined: not open in the current one). */
  openIn: Worker | undefined;
  readonly pending: Map<number, Waiting>;
}

/** The process's writer thread, and the channels that have something in hand or are open in it. */
let thread: Worker | undefined;
const channels = new Map<number, Channel>();
let nextChannel = 1;

const inHand = (): number => {
  let n = 0;
  for (const c of channels.values()) n += c.pending.size;
  return n;
};

const failAll = (e: Error): void => {
  for (const c of channels.values()) {
    for (const p of c.pending.values()) p.reject(e);
    c.pending.clear();
  }
};

function spawn(): Worker {
  const w = new Worker(new URL('./worker.ts', import.meta.url));
  w.on('message', (m: AuditWorkerReply | AuditWorkerWarning) => {
    if ('warning' in m) {
      process.emitWarning(`(audit writer) ${m.warning.message}`, { type: m.warning.name, ...(m.warning.code !== undefined ? { code: m.warning.code } : {}) });
      return;
    }
    const p = channels.get(m.channel)?.pending;
    const waiting = p?.get(m.id);
    if (p === undefined || waiting === undefined) return;
    p.delete(m.id);
    if (m.error === undefined) waiting.resolve(m.appended);
    else waiting.reject(m.outcomeUnknown === true ? new StoreOutcomeUnknownError(m.error) : new Error(m.error));
    if (inHand() === 0) w.unref();
  });
  // A batch in hand when the thread dies may have committed (its COMMIT sent, the answer never read): said so, so that a
  // spool of it is looked for in the chain at the next start (review iw, 1).
  w.on('error', (e) => failAll(new StoreOutcomeUnknownError(`the audit writer failed: ${e instanceof Error ? e.message : String(e)}`)));
  w.on('exit', (code) => {
    if (thread === w) thread = undefined;
    for (const c of channels.values()) if (c.openIn === w) c.openIn = undefined;
    failAll(new StoreOutcomeUnknownError(`the audit writer stopped (exit code ${code})`));
  });
  w.unref();
  return w;
}

/** The writer thread's id while one runs (to see that the process's writers share it). */
export function auditWriterThreadId(): number | undefined {
  return thread?.threadId;
}

/** The thread, started if need be, with `channel` open in it (opened by the first message it is sent). */
function threadFor(channel: number, c: Channel): Worker {
  thread ??= spawn();
  const w = thread;
  channels.set(channel, c);
  if (c.openIn !== w) {
    w.postMessage({ channel, open: c.data } satisfies AuditWorkerMessage);
    c.openIn = w;
  }
  return w;
}

/** `chainKey`: the audit chain's key (src/adapters/crypto/chain-key.ts), cloned into the thread; absent, an unkeyed chain. */
export function auditWorker(target: AuditWorkerTarget, chainKey?: KeyObject): AuditAppender {
  const channel = nextChannel++;
  let nextId = 1;
  /** The last batch handed over, and (written by the thread, kept across its restarts) the last one it committed. */
  let lastHanded = 0;
  const committed = new BigInt64Array(new SharedArrayBuffer(8));
  // In `channels` while open in the thread or with something in hand (a closed writer's channel is let go).
  const c: Channel = { data: { target, committed, ...(chainKey !== undefined ? { chainKey } : {}) }, openIn: undefined, pending: new Map() };

  /** Sends what `send` posts as message `id`, settled by the thread's answer to it. */
  const ask = (send: (w: Worker, id: number) => void): { id: number; answer: Promise<Appended | void> } => {
    const w = threadFor(channel, c);
    const id = nextId++;
    const answer = new Promise<Appended | void>((resolve, reject) => {
      c.pending.set(id, { resolve, reject });
      w.ref();
      try {
        send(w, id);
      } catch (e) {
        c.pending.delete(id);
        if (inHand() === 0) w.unref();
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
    return { id, answer };
  };

  // A batch crosses as its pieces (each packed as its records were queued); the last says `commit`, and the
  // worker writes the whole batch in one transaction. A packed piece holds only strings, numbers and one typed
  // array, so the clone cannot fail on what a detail holds. Not transferred: a refused batch is sent again.
  const post = (w: Worker, id: number, pieces: readonly AuditPiece[]): void => {
    if (pieces.length === 0) w.postMessage({ channel, id, commit: true, events: new EventPacker().packed() } satisfies AuditWorkerMessage);
    pieces.forEach((p, i) => w.postMessage({ channel, id, commit: i === pieces.length - 1, events: (p as EventPacker).packed() } satisfies AuditWorkerMessage));
  };

  const appendPieces = (pieces: readonly AuditPiece[]): Promise<Appended | void> => {
    const { id, answer } = ask((w, id) => post(w, id, pieces));
    lastHanded = id;
    return answer;
  };

  return {
    // Everything queued goes in one transaction, so one fsync serves thousands of records. Bounded: the
    // deciding thread packs the batch, and other writers to the same SQLite file wait
    // for the transaction (a few ms per thousand records).
    maxBatch: 4000,
    piece: () => new EventPacker(),
    appendPieces,
    // Ids only grow, and the thread writes a channel's batches in the order they are handed over.
    committed: () => Atomics.load(committed, 0) >= BigInt(lastHanded),
    // What is left at stop, to be spooled: each detail as the writer would have written it (redacted).
    eventsOf: (pieces) => pieces.flatMap((p) => decodeEvents((p as EventPacker).packed())),
    async warm() {
      await ask((w, id) => w.postMessage({ channel, id, warm: true } satisfies AuditWorkerMessage)).answer;
    },
    append(events) {
      const pieces: EventPacker[] = [];
      for (let i = 0; i < events.length; i += PIECE) pieces.push(packed(events.slice(i, i + PIECE)));
      return appendPieces(pieces);
    },
    async close(graceMs = 5000) {
      const w = c.openIn;
      if (w === undefined || w !== thread) return;
      // The thread ends what this channel has in hand, then closes its store (a clean SQLite/PostgreSQL shutdown);
      // the channel opens again on its next batch.
      const { answer } = ask((w, id) => w.postMessage({ channel, id, close: true } satisfies AuditWorkerMessage));
      c.openIn = undefined;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = await Promise.race([
        answer.then(() => false, () => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
      ]);
      clearTimeout(timer);
      if (!late) {
        if (c.pending.size === 0 && c.openIn === undefined) channels.delete(channel);
        return;
      }
      // Stuck past the grace: a thread that serves only this channel is ended (what it had in hand fails); one
      // that serves others too is left to them, and what this channel had in hand fails here.
      const others = [...channels.entries()].some(([n, o]) => n !== channel && o.openIn === w);
      if (!others) {
        await w.terminate().catch(() => {});
        return;
      }
      const e = new StoreOutcomeUnknownError(`the audit writer did not finish within ${graceMs} ms`);
      for (const p of c.pending.values()) p.reject(e);
      c.pending.clear();
      if (inHand() === 0) w.unref();
    },
  };
}

/**
 * A batch as the deciding thread hands it over: every distinct string (and number) once, in `values`, and the
 * events as codes into it, in an `Int32Array` (cloned as one copy). Records repeat most of what they hold (the
 * account, the principal, the action, the policy and statement that decided, the words of the explanation), so
 * a piece of 500 records carries a few hundred strings instead of thousands, and no object per record or per
 * matched rule: about a third of what a structured clone of the same events as objects costs the deciding thread.
 *
 * Per event, `HEADER` codes (`at` in two, then the fields in `FIELDS` order; `ABSENT` for an absent field), then the
 * detail as a tree (`ABSENT` when none). A value is a code ≥ 0 (an entry of `values`), or a marker: `ABSENT`
 * (undefined, a function or a symbol: left out of objects, `null` in arrays, as canonical JSON has them),
 * `NULL`, `TRUE`, `FALSE`, `ARRAY` and its length then its items, `OBJECT` and its number of keys then each key's
 * code and value. Objects are walked by `Object.keys`, which is what canonical JSON writes of them, and cut at
 * the depth canonical JSON cuts them (`[cut]`), so the record written is the one the event would give.
 */
export interface PackedEvents {
  readonly values: unknown[];
  readonly codes: Int32Array<ArrayBuffer>;
}

/** The fields an event may leave out, after the five every event has. */
const OPTIONAL_FIELDS = ['decision', 'role', 'session', 'job', 'sourceIdentity', 'sourceIp', 'actingRole', 'accessKeyId', 'requestId'] as const;
const FIELDS = ['kind', 'account', 'principal', 'action', 'resource', ...OPTIONAL_FIELDS] as const;
/** `at` (two codes), then the fields. */
const HEADER = 2 + FIELDS.length;
const TWO_32 = 2 ** 32;
const ABSENT = -1;
const NULL = -2;
const TRUE = -3;
const FALSE = -4;
const ARRAY = -5;
const OBJECT = -6;
/** The longest detail, in codes, whose text a piece keeps to write again (`decodeEvents`). */
const MEMO_CODES = 4096;
/** Events per packed piece. */
export const PIECE = 500;

/**
 * A piece being packed: events are added one by one as they are queued (so the queue holds no object per
 * record, and what a decision built dies young), and `packed()` ends it. At most `PIECE` events.
 */
export class EventPacker implements AuditPiece {
  #values: unknown[] = [];
  #index: Map<unknown, number> | undefined = new Map();
  #codes = new Int32Array(4096);
  #n = 0;
  #done: PackedEvents | undefined;
  length = 0;

  /** Adds an event; false (nothing added) once the piece is full or ended. */
  add(at: number, e: AuditEvent): boolean {
    if (this.#done !== undefined || this.length >= PIECE) return false;
    this.length += 1;
    this.#room(HEADER + 1);
    const codes = this.#codes;
    let n = this.#n;
    // Epoch ms as two 32-bit halves (no lookup, no heap number as a key); anything else (a fraction) as a value.
    if (Number.isSafeInteger(at) && at >= 0) {
      codes[n++] = Math.floor(at / TWO_32);
      codes[n++] = at % TWO_32 | 0;
    } else {
      codes[n++] = ABSENT;
      codes[n++] = this.#intern(at);
    }
    codes[n++] = this.#field(e.kind);
    codes[n++] = this.#field(e.account);
    codes[n++] = this.#field(e.principal);
    codes[n++] = this.#field(e.action);
    codes[n++] = this.#unique(e.resource);
    codes[n++] = this.#field(e.decision);
    codes[n++] = this.#field(e.role);
    codes[n++] = this.#field(e.session);
    codes[n++] = this.#field(e.job);
    codes[n++] = this.#field(e.sourceIdentity);
    codes[n++] = this.#field(e.sourceIp);
    codes[n++] = this.#field(e.actingRole);
    codes[n++] = this.#field(e.accessKeyId);
    // One request's id, rarely another record's: not interned.
    codes[n++] = this.#unique(e.requestId);
    this.#n = n;
    if (e.detail === undefined) codes[this.#n++] = ABSENT;
    else this.#detail(e.detail);
    return true;
  }

  /**
   * A detail that cannot be read (a getter that throws) leaves nothing half-packed: what it added is taken back,
   * and the record is kept with a detail that says why (never dropped, and the piece stays whole).
   */
  #detail(detail: unknown): void {
    const n = this.#n;
    const values = this.#values.length;
    try {
      this.#value(detail, 0);
    } catch (err) {
      for (let i = values; i < this.#values.length; i++) this.#index?.delete(this.#values[i]);
      this.#values.length = values;
      this.#n = n;
      this.#shapes = this.#shapes.filter((shape) => shape.codes.every((c) => c < values));
      this.#value({ unreadable: `the detail could not be read: ${err instanceof Error ? err.message : String(err)}` }, 0);
    }
  }

  /** The piece as sent; nothing more is added after. */
  packed(): PackedEvents {
    this.#done ??= { values: this.#values, codes: this.#codes.slice(0, this.#n) };
    this.#index = undefined;
    return this.#done;
  }

  #room(k: number): void {
    if (this.#n + k <= this.#codes.length) return;
    const bigger = new Int32Array(Math.max(this.#codes.length * 2, this.#n + k));
    bigger.set(this.#codes);
    this.#codes = bigger;
  }

  #intern(v: unknown): number {
    const index = this.#index as Map<unknown, number>;
    let i = index.get(v);
    if (i === undefined) {
      i = this.#values.length;
      this.#values.push(v);
      index.set(v, i);
    }
    return i;
  }

  /** A value most records do not share (the resource): kept without a lookup. */
  #unique(v: string | undefined): number {
    if (v === undefined) return ABSENT;
    this.#values.push(v);
    return this.#values.length - 1;
  }

  #field(v: string | undefined): number {
    return v === undefined ? ABSENT : this.#intern(v);
  }

  #value(v: unknown, depth: number): void {
    this.#room(2);
    const codes = this.#codes;
    switch (typeof v) {
      case 'string':
      case 'number':
      case 'bigint':
        codes[this.#n++] = this.#intern(v);
        return;
      case 'boolean':
        codes[this.#n++] = v ? TRUE : FALSE;
        return;
      case 'object':
        break;
      default:
        codes[this.#n++] = ABSENT;
        return;
    }
    if (v === null) {
      codes[this.#n++] = NULL;
      return;
    }
    if (depth >= MAX_DEPTH) {
      codes[this.#n++] = this.#intern('[cut]');
      return;
    }
    if (Array.isArray(v)) {
      codes[this.#n++] = ARRAY;
      codes[this.#n++] = v.length;
      for (let i = 0; i < v.length; i++) this.#value(v[i], depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    codes[this.#n++] = OBJECT;
    codes[this.#n++] = keys.length;
    const keyCodes = this.#keyCodes(keys);
    for (let i = 0; i < keys.length; i++) {
      this.#room(1);
      this.#codes[this.#n++] = keyCodes[i] as number;
      this.#value(o[keys[i] as string], depth + 1);
    }
  }

  /** Key lists seen lately, with their codes: records repeat a few shapes (a matched rule, an explanation). */
  #shapes: { keys: readonly string[]; codes: number[] }[] = [];

  #keyCodes(keys: readonly string[]): readonly number[] {
    for (const shape of this.#shapes) {
      const known = shape.keys;
      if (known.length !== keys.length) continue;
      let same = true;
      for (let i = 0; i < keys.length; i++) {
        if (known[i] !== keys[i]) {
          same = false;
          break;
        }
      }
      if (same) return shape.codes;
    }
    const codes: number[] = [];
    for (const k of keys) codes.push(this.#intern(k));
    if (this.#shapes.length >= 8) this.#shapes.shift();
    this.#shapes.push({ keys, codes });
    return codes;
  }
}

function packed(events: readonly TimedEvent[]): EventPacker {
  const p = new EventPacker();
  for (const { at, event } of events) if (!p.add(at, event)) throw new Error(`a packed piece holds ${PIECE} events at most`);
  return p;
}

/** Packs up to `PIECE` events as one piece (tests, and callers that hold events). */
export function encodeEvents(events: readonly TimedEvent[]): PackedEvents {
  return packed(events).packed();
}

/**
 * The events of a piece as the writer thread links them: each event's detail as its canonical, redacted text
 * (`detailText`, exactly what `canonicalRedacted` gives for the detail packed), written straight from the codes —
 * each distinct string escaped once per piece, each distinct detail written once per piece, no object per record — and
 * no `detail` object.
 */
export function decodeEvents(packed: PackedEvents): TimedEvent[] {
  const { values, codes } = packed;
  const out: TimedEvent[] = [];
  let k = 0;
  /** JSON text of `values[c]` (strings redacted as canonicalRedacted does), once per piece. */
  const texts: (string | undefined)[] = [];
  const textOf = (c: number): string => {
    let t = texts[c];
    if (t === undefined) {
      const v = values[c];
      t =
        typeof v === 'string'
          ? redactedStringText(v)
          : typeof v === 'number'
            ? Number.isFinite(v)
              ? JSON.stringify(v)
              : 'null'
            : typeof v === 'bigint'
              ? JSON.stringify(String(v))
              : 'null';
      texts[c] = t;
    }
    return t;
  };
  const keyTexts: (string | undefined)[] = [];
  const keyText = (c: number): string => (keyTexts[c] ??= `${JSON.stringify(String(values[c]))}:`);
  /** Moves past one value. */
  const skip = (): void => {
    const c = codes[k++] as number;
    if (c === ARRAY) {
      const length = codes[k++] as number;
      for (let i = 0; i < length; i++) skip();
    } else if (c === OBJECT) {
      const count = codes[k++] as number;
      for (let i = 0; i < count; i++) {
        k += 1;
        skip();
      }
    }
  };
  /** The canonical, redacted text of one value; undefined for an absent one (left out of objects). */
  const render = (): string | undefined => {
    const c = codes[k++] as number;
    if (c >= 0) return textOf(c);
    switch (c) {
      case NULL:
        return 'null';
      case TRUE:
        return 'true';
      case FALSE:
        return 'false';
      case ARRAY: {
        const length = codes[k++] as number;
        let out = '[';
        for (let i = 0; i < length; i++) out += (i === 0 ? '' : ',') + (render() ?? 'null');
        return `${out}]`;
      }
      case OBJECT: {
        const count = codes[k++] as number;
        // A JSON Web Key (a string `kty`) has its private members redacted: known only once every key is seen.
        let jwk = false;
        const start = k;
        for (let i = 0; i < count; i++) {
          const key = values[codes[k] as number];
          const vc = codes[k + 1] as number;
          if (key === 'kty' && vc >= 0 && typeof values[vc] === 'string') jwk = true;
          k += 1;
          skip();
        }
        k = start;
        const entries: { key: string; text: string }[] = [];
        for (let i = 0; i < count; i++) {
          const kc = codes[k++] as number;
          const key = String(values[kc]);
          if (redactsKey(key, jwk)) {
            // A secret is left out only when its value is absent, as canonicalRedacted does.
            const absent = codes[k] === ABSENT;
            skip();
            if (!absent) entries.push({ key, text: keyText(kc) + REDACTED_TEXT });
            continue;
          }
          const t = render();
          if (t !== undefined) entries.push({ key, text: keyText(kc) + t });
        }
        if (entries.length > 1) entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        let out = '{';
        for (let i = 0; i < entries.length; i++) out += (i === 0 ? '' : ',') + (entries[i] as { text: string }).text;
        return `${out}}`;
      }
      default:
        return undefined;
    }
  };
  const text = (c: number): string | undefined => {
    const v = c >= 0 ? values[c] : undefined;
    return typeof v === 'string' ? v : undefined;
  };
  // Records of a piece mostly repeat a few details (the same rule matched for the same principal, the same refusal):
  // the text of a detail is a function of its codes alone (into this piece's `values`), so each distinct run of codes
  // is rendered once. The run's two 16-bit halves of each code, as a string, are its exact key.
  const halves = new Uint16Array(codes.buffer, codes.byteOffset, codes.length * 2);
  const details = new Map<string, string>();
  const detail = (): string => {
    const start = k;
    skip();
    const end = k;
    k = start;
    if (end - start > MEMO_CODES) return render() ?? '{}';
    const key = String.fromCharCode.apply(null, halves.subarray(2 * start, 2 * end) as unknown as number[]);
    let t = details.get(key);
    if (t === undefined) {
      t = render() ?? '{}';
      details.set(key, t);
    } else k = end;
    return t;
  };
  while (k + HEADER <= codes.length) {
    const hi = codes[k] as number;
    const lo = codes[k + 1] as number;
    const at = hi === ABSENT ? (values[lo] as number) : hi * TWO_32 + (lo >>> 0);
    // Field f of FIELDS is code k + 2 + f.
    const f = k + 2;
    const e: { -readonly [K in keyof AuditEvent]: AuditEvent[K] } = {
      kind: (text(codes[f] as number) ?? '') as AuditEvent['kind'],
      account: text(codes[f + 1] as number) ?? '',
      principal: text(codes[f + 2] as number) ?? '',
      action: text(codes[f + 3] as number) ?? '',
      resource: text(codes[f + 4] as number) ?? '',
    };
    for (let i = 0; i < OPTIONAL_FIELDS.length; i++) {
      const v = text(codes[f + 5 + i] as number);
      if (v !== undefined) e[OPTIONAL_FIELDS[i] as (typeof OPTIONAL_FIELDS)[number]] = v;
    }
    k += HEADER;
    out.push({ at, event: e, detailText: detail() });
  }
  return out;
}
