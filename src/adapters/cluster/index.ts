/**
 * The channel between `gatehouse server --workers N`'s supervisor and its worker processes (src/main/workers.ts,
 * src/main/worker.ts): Node's IPC channel of `node:cluster`, with messages of one closed shape, each tagged `gh`.
 *
 * Change notes: SQLite has no LISTEN/NOTIFY, so a worker's store announces each commit that moved the change head
 * (`ChangeNotes.announce`) to the supervisor, which passes it to every other worker; their `followChanges` refresh at
 * once, as instances on PostgreSQL do on a NOTIFY. The safety-net poll still runs (a note is a hint).
 *
 * Job notes (`workerPeers`): a job's metadata endpoint is served by the worker that opened it, and its end may reach
 * any worker: every end is passed to the others, so the one holding the endpoint closes it. (Heartbeats need no note:
 * each worker writes those it hears to the store, which the sweeping worker reads; src/app/jobs.ts.)
 *
 * Metrics (`workerMetrics`): the worker a scrape reaches asks the supervisor for every serving worker's metrics
 * (`metrics?`), which asks each (`metrics?` to the worker) and answers the first with their parts (`metrics`); the
 * worker aggregates them (src/adapters/metrics). The supervisor relays JSON only, and loads no prom-client.
 *
 * Nonces (`workerNonces`): Alibaba STS's signature nonces are held in one set, the supervisor's: it hands each new
 * connection to the next worker, and a request replayed on a new connection was taken again by a worker that had not
 * seen it (review jy, 2). A worker asks (`nonce?`) and the supervisor answers (`nonce`), in the order asked.
 */
import { availableParallelism } from 'node:os';
import type { ChangeListener, ChangeNotes, ChangeSubscription } from '../../app/ports/store.ts';
import type { AgentPeers } from '../agent/server.ts';
import type { MetricsPeers } from '../metrics/index.ts';
import type { NonceClaims, NonceVerdict } from '../http/nonce-set.ts';

export const MAX_WORKERS = 64;

/** `--workers`: `auto` (one per CPU the process may use) or a whole number from 1 to 64; throws naming `what`. */
export function parseWorkers(text: string, what: string): number {
  const t = text.trim();
  if (t === 'auto') return Math.min(MAX_WORKERS, Math.max(1, availableParallelism()));
  if (!/^[1-9]\d{0,1}$/.test(t) || Number(t) > MAX_WORKERS) throw new Error(`${what} \`${text}\`: give a whole number from 1 to ${MAX_WORKERS}, or \`auto\` (one per CPU)`);
  return Number(t);
}

/** What a worker tells the supervisor. */
export type FromWorker =
  | { readonly gh: 'ready'; readonly url: string; readonly agentUrl: string; readonly s3Url: string; readonly healthUrl?: string; readonly admin?: AdminFile }
  /** `inUse`: the option whose address another process held (the start's StartError). */
  | { readonly gh: 'failed'; readonly message: string; readonly exit: number; readonly inUse?: string }
  | { readonly gh: 'log'; readonly line: string }
  | { readonly gh: 'change'; readonly seq: number }
  | { readonly gh: 'cpu'; readonly id: number; readonly process: number; readonly main: number }
  /** Job `job` ended through this worker (passed to every other). */
  | { readonly gh: 'ended'; readonly job: string }
  /** A scrape: every serving worker's metrics, please (answered by `metrics` with the same id). */
  | { readonly gh: 'metrics?'; readonly id: number }
  /** This worker's own metrics (prom-client's `getMetricsAsJSON`), asked for by the supervisor's `metrics?`. */
  | { readonly gh: 'metrics'; readonly id: number; readonly part: object }
  /** An Alibaba STS signature nonce to check in the server's one set (answered by `nonce` with the same id). */
  | { readonly gh: 'nonce?'; readonly id: number; readonly nonceKey: string; readonly keyDigest: string; readonly until: number; readonly now: number }
  /** The answer to the supervisor's `alive?`: this worker's event loop runs. */
  | { readonly gh: 'alive' };

/** What the supervisor tells a worker. */
export type ToWorker =
  | { readonly gh: 'change'; readonly seq: number }
  | { readonly gh: 'stop' }
  | { readonly gh: 'cpu?'; readonly id: number }
  | { readonly gh: 'ended'; readonly job: string }
  /** This worker's own metrics, please (answered by `metrics`). */
  | { readonly gh: 'metrics?'; readonly id: number }
  /** The answer to a worker's `metrics?`: every serving worker's part, or why not. */
  | { readonly gh: 'metrics'; readonly id: number; readonly parts?: readonly object[]; readonly error?: string }
  /** The answer to a worker's `nonce?`. */
  | { readonly gh: 'nonce'; readonly id: number; readonly verdict: NonceVerdict }
  /** Whether this worker answers (src/main/workers.ts kills one silent past its bound): answered by `alive`. */
  | { readonly gh: 'alive?' };

/** The root account's first credentials, as worker 1 created them on a first start (sent once, over the local IPC channel). */
export interface AdminFile {
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly AccountId: string;
  readonly UserName: string;
}

const TAGS_FROM_WORKER = new Set(['ready', 'failed', 'log', 'change', 'cpu', 'ended', 'metrics?', 'metrics', 'nonce?', 'alive']);
const TAGS_TO_WORKER = new Set(['change', 'stop', 'cpu?', 'ended', 'metrics?', 'metrics', 'nonce', 'alive?']);

/** How long the supervisor waits for each worker's metrics, and a worker for the supervisor's answer (a scrape's default timeout is 10 s). */
export const METRICS_WAIT_MS = 4000;

/** A message from a worker, or undefined for anything else on the channel (cluster's own messages). */
export function fromWorker(m: unknown): FromWorker | undefined {
  return typeof m === 'object' && m !== null && TAGS_FROM_WORKER.has(String((m as { gh?: unknown }).gh)) ? (m as FromWorker) : undefined;
}

/** A message from the supervisor, or undefined for anything else. */
export function toWorker(m: unknown): ToWorker | undefined {
  return typeof m === 'object' && m !== null && TAGS_TO_WORKER.has(String((m as { gh?: unknown }).gh)) ? (m as ToWorker) : undefined;
}

/** Sends to the supervisor; nothing when the channel is gone (the supervisor stopped: the worker stops on `disconnect`). */
export function tellSupervisor(m: FromWorker): void {
  if (process.connected) process.send?.(m, undefined, {}, () => {});
}

/** A worker's change notes over the IPC channel to its supervisor. */
export function workerNotes(): ChangeNotes {
  return {
    announce: (seq) => tellSupervisor({ gh: 'change', seq }),
    listen(listener: ChangeListener): ChangeSubscription {
      const onMessage = (m: unknown): void => {
        const msg = toWorker(m);
        if (msg?.gh === 'change') listener.onChange(msg.seq);
      };
      process.on('message', onMessage);
      // The channel is up from the start and for the process's life: notes flow, so the slow safety-net poll applies.
      queueMicrotask(() => listener.onState(true, {}));
      return {
        close: async () => {
          process.off('message', onMessage);
        },
      };
    },
  };
}

/** A worker's job notes over the IPC channel (see the header). */
export function workerPeers(): AgentPeers {
  return {
    ended: (job) => tellSupervisor({ gh: 'ended', job }),
    onEnded: (fn) =>
      void process.on('message', (m: unknown) => {
        const msg = toWorker(m);
        if (msg?.gh === 'ended') fn(msg.job);
      }),
  };
}

/**
 * Requests over the IPC channel answered by id: `ask` sends one with a fresh id (`send`) and resolves with the answer
 * `settle` is given for that id, or after `ms` (when given) rejects saying `late()`.
 */
export function replies<A>(): { ask(send: (id: number) => void, ms?: number, late?: () => string): Promise<A>; settle(id: number, answer: A): void } {
  let last = 0;
  const waiting = new Map<number, (answer: A) => void>();
  return {
    ask: (send, ms, late) =>
      new Promise<A>((resolve, reject) => {
        const id = ++last;
        const timer =
          ms === undefined
            ? undefined
            : setTimeout(() => {
                waiting.delete(id);
                reject(new Error(late?.() ?? `no answer within ${ms} ms`));
              }, ms);
        waiting.set(id, (answer) => {
          waiting.delete(id);
          if (timer !== undefined) clearTimeout(timer);
          resolve(answer);
        });
        send(id);
      }),
    settle: (id, answer) => waiting.get(id)?.(answer),
  };
}

/** A worker's metrics peers over the IPC channel (see the header). */
export function workerMetrics(): MetricsPeers {
  const answers = replies<Extract<ToWorker, { gh: 'metrics' }>>();
  let own: (() => Promise<object>) | undefined;
  process.on('message', (m: unknown) => {
    const msg = toWorker(m);
    if (msg?.gh === 'metrics') answers.settle(msg.id, msg);
    else if (msg?.gh === 'metrics?' && own !== undefined) void own().then((part) => tellSupervisor({ gh: 'metrics', id: msg.id, part }));
  });
  return {
    serve: (fn) => {
      own = fn;
    },
    all: async () => {
      const m = await answers.ask((id) => tellSupervisor({ gh: 'metrics?', id }), METRICS_WAIT_MS + 1000, () => `the workers' metrics did not arrive within ${(METRICS_WAIT_MS + 1000) / 1000} s`);
      if (m.parts === undefined) throw new Error(m.error ?? 'no metrics');
      return m.parts;
    },
  };
}

/** How long a worker waits for the supervisor's verdict on a nonce (it answers at once; a channel that stalls fails the request). */
export const NONCE_WAIT_MS = 5000;

/** A worker's nonce set: the supervisor's, over the IPC channel (see the header). */
export function workerNonces(): NonceClaims {
  const answers = replies<NonceVerdict>();
  process.on('message', (m: unknown) => {
    const msg = toWorker(m);
    if (msg?.gh === 'nonce') answers.settle(msg.id, msg.verdict);
  });
  return {
    claim: (nonceKey, keyDigest, until, now) =>
      answers.ask((id) => tellSupervisor({ gh: 'nonce?', id, nonceKey, keyDigest, until, now }), NONCE_WAIT_MS, () => `the supervisor did not check the signature nonce within ${NONCE_WAIT_MS / 1000} s`),
  };
}

/** One family of prom-client's `getMetricsAsJSON`, as far as `retireMetrics` reads it. */
interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly aggregator: string;
  readonly values: readonly { readonly value: number; readonly labels: Record<string, string | number>; readonly metricName?: string }[];
}

/**
 * The counts of a worker that has exited, added to those of the workers before it (`retired`, a part in the shape of
 * `getMetricsAsJSON`): the counters and histograms of `part` (the last metrics it sent) whose families sum across
 * workers, its gauges left out (they described a process that is gone). A scrape adds them to the serving workers'
 * (src/main/workers.ts), so the server's counters do not fall when a worker is restarted: the sum over the workers
 * serving dropped by the dead one's whole count, and Prometheus took the fall for a reset (review hl, 1). One part
 * however many workers have exited: its series are those of the families, bounded as theirs are.
 */
export function retireMetrics(retired: readonly object[], part: object): object[] {
  const families = new Map<string, { family: MetricFamily; values: Map<string, { value: number; labels: Record<string, string | number>; metricName?: string }> }>();
  const keyOf = (v: { labels: Record<string, string | number>; metricName?: string }): string =>
    JSON.stringify([v.metricName ?? '', Object.entries(v.labels).map(([k, x]) => `${k}=${String(x)}`).sort()]);
  const add = (families_: readonly object[]): void => {
    for (const f of families_ as readonly MetricFamily[]) {
      if ((f.type !== 'counter' && f.type !== 'histogram') || f.aggregator !== 'sum' || !Array.isArray(f.values)) continue;
      let into = families.get(f.name);
      if (into === undefined) families.set(f.name, (into = { family: f, values: new Map() }));
      for (const v of f.values) {
        if (typeof v.value !== 'number' || !Number.isFinite(v.value)) continue;
        const key = keyOf(v);
        const had = into.values.get(key);
        if (had === undefined) into.values.set(key, { ...v, labels: { ...v.labels } });
        else had.value += v.value;
      }
    }
  };
  add(retired);
  add(Array.isArray(part) ? (part as object[]) : []);
  return [...families.values()].map(({ family, values }) => ({ name: family.name, help: family.help, type: family.type, aggregator: family.aggregator, values: [...values.values()] }));
}
