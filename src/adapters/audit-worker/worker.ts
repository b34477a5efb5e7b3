/**
 * The audit writer's thread (see index.ts): opens its own store on the target database, then links and appends
 * each batch it is given, one after another, answering `{ id }` when committed or `{ id, error }` when not. A
 * store that cannot be opened (PostgreSQL down at start) is tried again with the next batch.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { AuditAppender } from '../../app/audit.ts';
import { storeAppender } from '../../app/audit-store-appender.ts';
import type { Store } from '../../app/ports/store.ts';
import type { TimedEvent } from '../../core/audit/index.ts';
import { chainDigest } from '../crypto/chain-key.ts';
import { decodeEvents, type AuditWorkerData, type PackedEvents } from './index.ts';

const { target, chainKey, committed } = workerData as AuditWorkerData;
const port = parentPort;
if (port === null) throw new Error('the audit writer runs in a worker thread');

// The main thread has already said that SQLite is experimental; the same warning from this thread is noise.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name === 'ExperimentalWarning' && w.message.includes('SQLite')) return;
  process.stderr.write(`(audit writer) ${w.name}: ${w.message}\n`);
});

let store: Store | undefined;
let appender: AuditAppender | undefined;
let tail: Promise<unknown> = Promise.resolve();

async function open(): Promise<AuditAppender> {
  if (appender !== undefined) return appender;
  // Only the driver in use is loaded: the thread starts sooner.
  store =
    target.dialect === 'sqlite'
      ? await (await import('../store-sqlite/index.ts')).openSqliteStore({ file: target.file })
      : // Audit appends move no change head, so this store never sends change notifications (and need not probe for them).
        await (await import('../store-postgres/index.ts')).openPostgresStore({ url: target.url, poolSize: 2, notify: false, ...(target.schema !== undefined ? { schema: target.schema } : {}) });
  appender = storeAppender(store, chainKey !== undefined ? chainDigest(chainKey) : undefined);
  return appender;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Pieces of the batch being received; written when the piece that says `commit` arrives. */
let pieces: TimedEvent[] = [];
let piecesOf = 0;

port.on('message', (m: { id: number; commit: boolean; events: PackedEvents } | { id: number; warm: true } | { close: true }) => {
  if ('warm' in m) {
    tail = tail.then(async () => {
      try {
        await open();
        port.postMessage({ id: m.id });
      } catch (e) {
        port.postMessage({ id: m.id, error: message(e) });
      }
    });
    return;
  }
  if (!('close' in m)) {
    // Pieces of an earlier batch that never got its last piece (the sender failed half-way) are not this batch's.
    if (m.id !== piecesOf) {
      pieces = [];
      piecesOf = m.id;
    }
    for (const e of decodeEvents(m.events)) pieces.push(e);
    if (!m.commit) return;
  }
  const batch = pieces;
  pieces = [];
  tail = tail.then(async () => {
    if ('close' in m) {
      await store?.close().catch(() => {});
      port.close();
      return;
    }
    try {
      const appended = await (await open()).append(batch);
      // Before the answer: the deciding thread may read this while the answer waits for its event loop.
      if (committed !== undefined) Atomics.store(committed, 0, BigInt(m.id));
      port.postMessage(appended ? { id: m.id, appended } : { id: m.id });
    } catch (e) {
      port.postMessage({ id: m.id, error: message(e) });
    }
  });
});
