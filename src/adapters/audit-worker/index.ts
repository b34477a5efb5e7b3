/**
 * The audit log's writer in a worker thread (issue "an audit log nothing escapes": writing records never slows a
 * decision). The thread that decides only queues events and hands each batch over (a structured clone); the
 * worker links it to the chain's head (canonical JSON, redaction, SHA-256), and appends it in one transaction
 * through its own connection to the same database — a second SQLite connection (WAL; writers serialise on the
 * file's write lock and on the head row) or its own PostgreSQL pool.
 *
 * `append` resolves when the batch is committed and rejects when it is not, with the store's message, so the
 * queue in `src/app/audit.ts` keeps the batch, counts the failure and applies the failure policy exactly as
 * with the in-thread appender. A worker that dies fails what it had in hand and is started again on the next
 * batch. It keeps the process alive only while a batch is in hand.
 */
import { Worker } from 'node:worker_threads';
import type { AuditAppender } from '../../app/audit.ts';
import type { AuditEvent, TimedEvent } from '../../core/audit/index.ts';
import { canonicalJson } from '../../core/audit/index.ts';

export type AuditWorkerTarget =
  | { readonly dialect: 'sqlite'; readonly file: string }
  | { readonly dialect: 'postgres'; readonly url: string; readonly schema?: string };

interface Reply {
  readonly id: number;
  readonly error?: string;
}

export function auditWorker(target: AuditWorkerTarget): AuditAppender {
  let worker: Worker | undefined;
  let nextId = 1;
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();

  const failAll = (e: Error): void => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };

  const spawn = (): Worker => {
    const w = new Worker(new URL('./worker.ts', import.meta.url), { workerData: target });
    w.on('message', (m: Reply) => {
      const p = pending.get(m.id);
      if (p === undefined) return;
      pending.delete(m.id);
      if (m.error === undefined) p.resolve();
      else p.reject(new Error(m.error));
      if (pending.size === 0) w.unref();
    });
    w.on('error', (e) => failAll(new Error(`the audit writer failed: ${e instanceof Error ? e.message : String(e)}`)));
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      failAll(new Error(`the audit writer stopped (exit code ${code})`));
    });
    w.unref();
    return w;
  };

  // A batch crosses in pieces of `CHUNK` events (the clone of a small piece stays in the CPU's caches); the
  // last piece says `commit`, and the worker writes the whole batch in one transaction.
  const post = (w: Worker, id: number, events: readonly TimedEvent[]): void => {
    for (let i = 0; i < events.length || i === 0; i += CHUNK) {
      const piece = events.slice(i, i + CHUNK);
      const commit = i + CHUNK >= events.length;
      try {
        w.postMessage({ id, commit, events: encodeEvents(piece) });
      } catch {
        // A detail holding something a structured clone cannot carry (a function, a class with private state):
        // sent as its canonical JSON, which is what the record would hold of it anyway.
        const plain = piece.map((e) => (e.event.detail === undefined ? e : { at: e.at, event: { ...e.event, detail: JSON.parse(canonicalJson(e.event.detail)) as Record<string, unknown> } }));
        w.postMessage({ id, commit, events: encodeEvents(plain) });
      }
    }
  };

  return {
    // Everything queued goes in one transaction, so one fsync serves thousands of records. Bounded: the
    // deciding thread clones the batch (about 0.5–1 µs a record), and other writers to the same SQLite file wait
    // for the transaction (a few ms per thousand records).
    maxBatch: 4000,
    append(events) {
      worker ??= spawn();
      const w = worker;
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.ref();
        try {
          post(w, id, events);
        } catch (e) {
          pending.delete(id);
          if (pending.size === 0) w.unref();
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    },
    async close() {
      const w = worker;
      worker = undefined;
      if (w === undefined) return;
      // Ask the worker to close its store (a clean SQLite/PostgreSQL shutdown), then end it.
      await new Promise<void>((resolve) => {
        const done = (): void => resolve();
        w.once('exit', done);
        w.ref();
        w.postMessage({ close: true });
        setTimeout(() => void w.terminate().then(done, done), 5000).unref();
      });
    },
  };
}

/**
 * A batch as one flat array, `EVENT_FIELDS` slots per event: a structured clone of it costs the deciding thread
 * about two thirds of what the same events as objects cost (no property names, no object per event).
 */
export const EVENT_FIELDS = 13;
const CHUNK = 500;

export function encodeEvents(events: readonly TimedEvent[]): unknown[] {
  // Filled by push, not preallocated: a large preallocated array is holey, and clones at half the speed.
  const out: unknown[] = [];
  for (const { at, event: e } of events) out.push(at, e.kind, e.account, e.principal, e.action, e.resource, e.decision, e.role, e.session, e.job, e.sourceIdentity, e.sourceIp, e.detail);
  return out;
}

export function decodeEvents(flat: readonly unknown[]): TimedEvent[] {
  const out: TimedEvent[] = [];
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  for (let k = 0; k + EVENT_FIELDS <= flat.length; k += EVENT_FIELDS) {
    const e: { -readonly [K in keyof AuditEvent]: AuditEvent[K] } = {
      kind: flat[k + 1] as AuditEvent['kind'],
      account: text(flat[k + 2]),
      principal: text(flat[k + 3]),
      action: text(flat[k + 4]),
      resource: text(flat[k + 5]),
    };
    if (typeof flat[k + 6] === 'string') e.decision = flat[k + 6] as string;
    if (typeof flat[k + 7] === 'string') e.role = flat[k + 7] as string;
    if (typeof flat[k + 8] === 'string') e.session = flat[k + 8] as string;
    if (typeof flat[k + 9] === 'string') e.job = flat[k + 9] as string;
    if (typeof flat[k + 10] === 'string') e.sourceIdentity = flat[k + 10] as string;
    if (typeof flat[k + 11] === 'string') e.sourceIp = flat[k + 11] as string;
    if (flat[k + 12] !== undefined) e.detail = flat[k + 12] as Record<string, unknown>;
    out.push({ at: flat[k] as number, event: e });
  }
  return out;
}
