/**
 * The audit writer's thread (see index.ts), one a process: each channel (a writer of the process) opens its own store
 * on its target database, then links and appends each batch it is given, one after another, answering
 * `{ channel, id }` when committed or `{ channel, id, error }` when not. A store that cannot be opened (PostgreSQL
 * down at start) is tried again with the next batch. Channels wait on nothing of each other's.
 */
import { parentPort } from 'node:worker_threads';
import type { AuditAppender } from '../../app/audit.ts';
import { storeAppender } from '../../app/audit-store-appender.ts';
import { isStoreOutcomeUnknown, type Store } from '../../app/ports/store.ts';
import type { TimedEvent } from '../../core/audit/index.ts';
import { chainDigest } from '../crypto/chain-key.ts';
import { decodeEvents, type AuditChannelData, type AuditWorkerMessage, type AuditWorkerReply, type AuditWorkerWarning } from './index.ts';

const port = parentPort;
if (port === null) throw new Error('the audit writer runs in a worker thread');

// The main thread has already said that SQLite is experimental; the same warning from this thread is noise.
process.removeAllListeners('warning');
// Any other is handed to the process, which says it as its own warnings (in a worker of `--workers`, a `[worker K]`
// line of the supervisor's log): written here to stderr, it carried no worker's prefix, its line breaks raw (review rv, 4).
process.on('warning', (w: Error & { code?: unknown }) => {
  if (w.name === 'ExperimentalWarning' && w.message.includes('SQLite')) return;
  port.postMessage({ warning: { name: w.name, message: w.message, ...(typeof w.code === 'string' ? { code: w.code } : {}) } } satisfies AuditWorkerWarning);
});

interface ChannelState {
  readonly data: AuditChannelData;
  store: Store | undefined;
  appender: AuditAppender | undefined;
  /** The channel's work in order: a batch, a warm-up or its close waits for what was sent before it. */
  tail: Promise<unknown>;
  /** Pieces of the batch being received; written when the piece that says `commit` arrives. */
  pieces: TimedEvent[];
  piecesOf: number;
}

const open = new Map<number, ChannelState>();

async function appenderOf(c: ChannelState): Promise<AuditAppender> {
  if (c.appender !== undefined) return c.appender;
  const { target, chainKey } = c.data;
  // Only the driver in use is loaded: the thread starts sooner.
  c.store =
    target.dialect === 'sqlite'
      ? await (await import('../store-sqlite/index.ts')).openSqliteStore({ file: target.file, ...(target.synchronous !== undefined ? { synchronous: target.synchronous } : {}) })
      : // Audit appends move no change head, so this store never sends change notifications (and need not probe for them).
        await (await import('../store-postgres/index.ts')).openPostgresStore({ url: target.url, poolSize: 2, notify: false, ...(target.schema !== undefined ? { schema: target.schema } : {}) });
  c.appender = storeAppender(c.store, chainKey !== undefined ? chainDigest(chainKey) : undefined);
  return c.appender;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const reply = (r: AuditWorkerReply): void => port.postMessage(r);

port.on('message', (m: AuditWorkerMessage) => {
  if ('open' in m) {
    open.set(m.channel, { data: m.open, store: undefined, appender: undefined, tail: Promise.resolve(), pieces: [], piecesOf: 0 });
    return;
  }
  const c = open.get(m.channel);
  if (c === undefined) {
    reply({ channel: m.channel, id: m.id, error: 'the audit writer has no such channel open' });
    return;
  }
  if ('warm' in m) {
    c.tail = c.tail.then(async () => {
      try {
        await appenderOf(c);
        reply({ channel: m.channel, id: m.id });
      } catch (e) {
        reply({ channel: m.channel, id: m.id, error: message(e) });
      }
    });
    return;
  }
  if ('close' in m) {
    open.delete(m.channel);
    c.tail = c.tail.then(async () => {
      await c.store?.close().catch(() => {});
      reply({ channel: m.channel, id: m.id });
    });
    return;
  }
  // Pieces of an earlier batch that never got its last piece (the sender failed half-way) are not this batch's.
  if (m.id !== c.piecesOf) {
    c.pieces = [];
    c.piecesOf = m.id;
  }
  for (const e of decodeEvents(m.events)) c.pieces.push(e);
  if (!m.commit) return;
  const batch = c.pieces;
  c.pieces = [];
  c.tail = c.tail.then(async () => {
    try {
      const appended = await (await appenderOf(c)).append(batch);
      // Before the answer: the deciding thread may read this while the answer waits for its event loop.
      Atomics.store(c.data.committed, 0, BigInt(m.id));
      reply(appended ? { channel: m.channel, id: m.id, appended } : { channel: m.channel, id: m.id });
    } catch (e) {
      reply({ channel: m.channel, id: m.id, error: message(e), ...(isStoreOutcomeUnknown(e) ? { outcomeUnknown: true } : {}) });
    }
  });
});
