/**
 * `gatehouse server --workers N`: N server processes on one data dir and one set of ports, so a machine's cores
 * all decide (one Node.js event loop decides on one core). This process supervises; each worker
 * (src/main/worker.ts) is a whole server, as instances on one PostgreSQL database are (README "Many instances"):
 *
 * - Ports: every listener is shared through `node:cluster`, which accepts each connection here and hands it to
 *   the workers in turn. A port 0 is chosen here first, so every worker listens on the same one; one that another
 *   process takes before the workers bind it is chosen again (`PORT_ATTEMPTS`).
 * - Start: worker 1 starts alone (a first start creates the master key, the root account and its credentials
 *   file once); the others start after it, together. A worker that fails to start fails the whole start, with its
 *   message and exit status.
 * - Changes: SQLite has no LISTEN/NOTIFY, so each commit that moved the change head is announced here and passed to
 *   every other worker (src/adapters/cluster), which refreshes at once; on PostgreSQL its own notes do it too.
 * - Jobs: worker 1 alone sweeps jobs (marks Failed those whose launcher fell silent), from the heartbeats every
 *   worker writes to the store (src/app/jobs.ts). A job's end is passed to every other worker: the one holding its
 *   metadata port closes it. Each worker, at the sweep's interval, drops what it holds of jobs ended (`forgetEnded`).
 * - A worker that exits while the server runs is started again (after 1 s, doubling to 30 s while it keeps failing).
 *   So is one that stops answering: a serving worker is asked over the IPC channel every few seconds, and one that has
 *   sent nothing for 60 s (its event loop stuck, the process frozen) is killed (review qt, 1). A worker still starting
 *   is asked too, and one silent for 60 s since it was forked is killed: started again at a restart, failing the start
 *   at the first (review rl, 2); one waiting for its database answers while it waits.
 *   One whose process cannot be created (ENOMEM, EAGAIN) is tried again the same way (review qt, 4).
 *   While others serve, it takes no connection before it is ready (`othersServe`).
 * - Stop (SIGINT, SIGTERM, or `stop()`): every worker finishes its requests in flight and its audit log, then exits;
 *   one still starting exits at once. One still stopping after the grace (60 s) is killed; that, or a worker that
 *   fails while stopping, makes `gatehouse server` exit 10 instead of 0 (docs/errors.md).
 * - Logs: each worker's lines, prefixed `[worker K]`; a worker's crash too, as one line with its stack, and its Node.js
 *   warnings (src/main/worker.ts).
 *
 * /metrics answers for the server: the worker a scrape reaches gathers every serving worker's metrics through this
 * process and aggregates them (src/adapters/cluster, review ct 2); one that does not answer fails the scrape. A worker
 * that exits leaves its counters and histograms, as last scraped, in every later scrape (review hl 1).
 *
 * Per worker, not per server: the connection bound (--max-connections), the job metadata endpoints a worker opens (each on its own port, served by
 * the worker that opened it), the flood limits of the audit log's refused-authentication records, PostgreSQL
 * connections (a pool of up to 10, one that listens, 2 for the audit writer).
 */
import cluster, { type Worker } from 'node:cluster';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { fromWorker, METRICS_WAIT_MS, replies, retireMetrics, type AdminFile, type FromWorker, type ToWorker } from '../adapters/cluster/index.ts';
import { MAX_NONCES, NonceSet } from '../adapters/http/nonce-set.ts';
import { dataDirOf, DEFAULT_AGENT_LISTEN, DEFAULT_LISTEN, parseHostPort, sharedResolvedAddress, StartError, startFailureOf, type ServerOptions } from './server.ts';
import { oneLinePerEvent } from './log-line.ts';

/** The worker's options, as JSON in its environment (the supervisor's `env` included). */
export const CLUSTER_OPTIONS_ENV = 'GATEHOUSE_WORKER_OPTIONS';
/** How long a stopping worker may take (its requests in flight, its audit log) before it is killed. */
const STOP_GRACE_MS = 60_000;
/** How many times the workers are started on ports chosen here (for a port 0) that another process took first. */
const PORT_ATTEMPTS = 3;
const RESTART_FIRST_MS = 1_000;
const RESTART_MAX_MS = 30_000;
/** A worker that ran this long before exiting is restarted after the first delay again. */
const RESTART_RESET_MS = 60_000;
/**
 * A serving worker that has sent nothing for this long (not even the answer to `alive?`, asked every few seconds) is
 * killed and started again, as one that exited is: its event loop is stuck, or the process frozen. Far above the
 * longest a healthy worker's loop is held (SQLite's busy timeout, 5 s a write queued behind another process's lock).
 */
const HUNG_AFTER_MS = 60_000;

export interface RunningWorkers {
  readonly url: string;
  readonly agentUrl: string;
  readonly s3Url: string;
  readonly healthUrl?: string;
  readonly dataDir: string;
  /** The root account's credentials, when this start created them. */
  readonly adminCredentials: AdminFile | undefined;
  /** The process ids of the workers now running, worker 1 first. */
  pids(): number[];
  /** CPU time (user + system, µs) of every worker process so far, and of their main threads (the ones that answer). */
  cpuMicros(): Promise<{ process: number; main: number }>;
  /**
   * Stops every worker; resolves with what went wrong (empty when each finished its requests and its audit log and
   * exited 0): a worker killed after the grace, or one that exited with a failure or a signal while stopping.
   */
  stop(): Promise<readonly string[]>;
}

export interface WorkersTuning {
  /** How long a stopping worker may take before it is killed (default `STOP_GRACE_MS`; tests shorten it). */
  readonly stopGraceMs?: number;
  /** Chooses the port given to every worker for a port 0 on `host` (default: one the kernel picks, released at once; tests give a taken one). */
  readonly freePort?: (host: string) => Promise<number>;
  /** How long a serving worker may send nothing before it is killed and started again (default `HUNG_AFTER_MS`; tests shorten it). */
  readonly hungAfterMs?: number;
  /** The same for a worker still starting, counted from its fork (default `HUNG_AFTER_MS`; tests shorten it). */
  readonly startHungAfterMs?: number;
}

/** Binds `host` port 0 for a moment: a free port to give every worker. */
function freePortOn(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ port: 0, host, exclusive: true }, () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** `HOST:PORT` with a port 0 replaced by a free one (IPv6 hosts in brackets). */
async function concrete(text: string, what: string, freePort: (host: string) => Promise<number>): Promise<string> {
  let at: { host: string; port: number };
  try {
    at = parseHostPort(text, what);
  } catch (e) {
    throw new StartError(e instanceof Error ? e.message : String(e), 'usage');
  }
  if (at.port !== 0) return text;
  let port: number;
  try {
    port = await freePort(at.host);
  } catch (e) {
    throw new StartError(`cannot listen on ${text} (${what}): ${e instanceof Error ? e.message : String(e)}`, 'unavailable');
  }
  return `${at.host.includes(':') ? `[${at.host}]` : at.host}:${port}`;
}

interface Slot {
  readonly index: number;
  worker: Worker | undefined;
  /** Its worker has started and serves. */
  serving: boolean;
  startedAt: number;
  delayMs: number;
  timer: NodeJS.Timeout | undefined;
  /** The metrics its worker last sent (for a scrape): its counts, kept when it exits (`retireMetrics`). */
  lastMetrics: object | undefined;
  /** When its worker last sent anything (its answers to `alive?` included), or was forked. */
  heardAt: number;
  /** Why its worker was killed before it was ready (it did not answer while starting): the start's failure. */
  killedWhy: string | undefined;
}

export async function startWorkers(opts: ServerOptions, count: number, tuning: WorkersTuning = {}): Promise<RunningWorkers> {
  const stopGraceMs = tuning.stopGraceMs ?? STOP_GRACE_MS;
  const hungAfterMs = tuning.hungAfterMs ?? HUNG_AFTER_MS;
  const startHungAfterMs = tuning.startHungAfterMs ?? HUNG_AFTER_MS;
  if (!cluster.isPrimary) throw new Error('startWorkers runs in the supervising process only');
  const env = opts.env ?? process.env;
  const log = oneLinePerEvent(opts.log ?? ((line: string) => process.stderr.write(`${line}\n`)));
  // Every listener on a port of its own, the same for all workers: the ports given, port 0 chosen now.
  const healthText = opts.healthListen ?? env['GATEHOUSE_HEALTH_LISTEN'];
  // Two listeners given one address, checked as given (a worker does not check them again): the ports chosen here for
  // port 0 are not compared, two choices that meet are chosen again below.
  try {
    const given = (text: string, what: string) => ({ what, at: parseHostPort(text, what) });
    await sharedResolvedAddress([
      given(opts.listen ?? DEFAULT_LISTEN, '--listen'),
      given(opts.agentListen ?? DEFAULT_AGENT_LISTEN, '--agent-listen'),
      ...(opts.s3Listen === 'off' ? [] : [given(opts.s3Listen ?? '127.0.0.1:0', '--s3-listen')]),
      ...(healthText !== undefined && healthText !== '' ? [given(healthText, opts.healthListen !== undefined ? '--health-listen' : 'GATEHOUSE_HEALTH_LISTEN')] : []),
    ]);
  } catch (e) {
    throw new StartError(e instanceof Error ? e.message : String(e), 'usage');
  }
  const { log: _log, changeNotes: _notes, ...serialisable } = opts;
  // The options whose port 0 this process replaced: a port chosen here is free only until the workers bind it, and
  // another process may take it meanwhile (a connection's local port, another bind to port 0). A worker that then
  // meets EADDRINUSE there fails the start; the ports are chosen again and the workers started again, up to
  // PORT_ATTEMPTS times. An address given with its port is never retried: that one is another server's.
  const chosen = new Set<string>();
  const concreteAt = async (text: string, option: string, what: string = option): Promise<string> => {
    const at = await concrete(text, what, tuning.freePort ?? freePortOn);
    if (at !== text) chosen.add(option);
    return at;
  };
  const withPorts = async (): Promise<ServerOptions> => ({
    ...serialisable,
    env: { ...env },
    dataDir: dataDirOf(opts.dataDir),
    listen: await concreteAt(opts.listen ?? DEFAULT_LISTEN, '--listen'),
    agentListen: await concreteAt(opts.agentListen ?? DEFAULT_AGENT_LISTEN, '--agent-listen'),
    ...(opts.s3Listen === 'off' ? {} : { s3Listen: await concreteAt(opts.s3Listen ?? '127.0.0.1:0', '--s3-listen') }),
    ...(healthText !== undefined && healthText !== '' ? { healthListen: await concreteAt(healthText, '--health-listen', opts.healthListen !== undefined ? '--health-listen' : 'GATEHOUSE_HEALTH_LISTEN') } : {}),
  });
  let workerOpts = await withPorts();
  cluster.setupPrimary({ exec: fileURLToPath(new URL('./worker.ts', import.meta.url)), args: [], silent: false });

  const slots: Slot[] = Array.from({ length: count }, (_, i) => ({ index: i + 1, worker: undefined, serving: false, startedAt: 0, delayMs: RESTART_FIRST_MS, timer: undefined, lastMetrics: undefined, heardAt: 0, killedWhy: undefined }));
  let stopping = false;
  const cpu = replies<Extract<FromWorker, { gh: 'cpu' }>>();
  const metrics = replies<object>();
  // The server's one set of Alibaba STS signature nonces: each worker's own let a request replayed on a new connection
  // (handed to the next worker) be taken again (review jy, 2). Kept across worker restarts, as the server's.
  const nonces = new NonceSet(opts.maxSignatureNonces ?? MAX_NONCES);
  /** The counters and histograms of the workers that have exited, as last scraped: added to every scrape (review hl, 1). */
  let retired: object[] = [];
  const send = (w: Worker | undefined, m: ToWorker): void => {
    if (w !== undefined && w.isConnected()) w.send(m, undefined, () => {});
  };
  /**
   * Every serving worker's own metrics (JSON, relayed as it came), or why not: a worker that does not answer fails the
   * scrape. And the asker's, serving or not: a worker still waiting for its database serves /metrics (review lm, 2),
   * and with no worker serving yet its scrape was the aggregate of nothing, an empty exposition, where a single server
   * shows its process metrics and `gatehouse_waiting_for_database 1` (review pr, 1).
   */
  const workersMetrics = (asker?: Slot): Promise<object[]> => {
    // The exited workers' counts as of now, with the workers asked now: one that answers and then exits before the
    // others answer is counted in its part, not also among the retired.
    const before = retired;
    return Promise.all(
      slots
        .filter((s) => (s.serving || s === asker) && s.worker !== undefined && s.worker.isConnected())
        .map((s) => metrics.ask((id) => send(s.worker, { gh: 'metrics?', id }), METRICS_WAIT_MS, () => `worker ${s.index} did not send its metrics within ${METRICS_WAIT_MS / 1000} s`)),
    ).then((parts) => (before.length === 0 ? parts : [...parts, before]));
  };

  /**
   * The S3 gateway's options of the slot's worker: worker 1 alone serves it (review sf, 3). Its object store keeps the
   * index of buckets, objects and uploads in the process that opened it (src/adapters/objects-fs), so each worker that
   * opened the same directory saw only its own writes: a bucket created through one was NoSuchBucket through the other,
   * an object deleted through one was still served by the other, and a multipart upload's parts went to whichever
   * worker the connection reached. The others serve no gateway (`--s3-listen off`), so the shared port's connections all
   * go to worker 1; they name its URL to jobs (`AWS_ENDPOINT_URL_S3`), and decide an object's tags as an instance without
   * the gateway does (unreadable, review mc, 1).
   */
  const gatewayOf = (slot: Slot, o: ServerOptions): Pick<ServerOptions, 's3Listen' | 's3Address'> => {
    if (slot.index === 1 || o.s3Listen === undefined || o.s3Listen === 'off') return {};
    return { s3Listen: 'off', s3Address: o.s3Address ?? `${o.tlsCert !== undefined ? 'https' : 'http'}://${o.s3Listen}` };
  };

  /** Forks the slot's worker; resolves with its ready message, or rejects with its start failure. */
  const fork = (slot: Slot): Promise<Extract<FromWorker, { gh: 'ready' }>> =>
    new Promise((resolve, reject) => {
      // Worker 1 sweeps jobs. One that starts while others serve opens no listener before it is ready.
      const role = { sweeps: slot.index === 1, othersServe: slots.some((s) => s !== slot && s.serving) };
      // A process that cannot be created (out of memory or processes: ENOMEM, EAGAIN; a working directory gone: ENOENT)
      // fails this start as a worker that failed would, and is tried again with the same backoff: its `error` event,
      // unheard, was an uncaught exception that ended the supervisor and every worker serving, and a fork that threw at
      // once was never tried again (review qt, 4).
      const cannotCreate = (e: unknown, w?: Worker): void => {
        if (w !== undefined && slot.worker === w) {
          slot.worker = undefined;
          slot.serving = false;
        }
        const why = `cannot create its process (${e instanceof Error ? e.message : String(e)})`;
        reject(new StartError(`worker ${slot.index} ${why}`, 'unavailable'));
        if (!stopping && running) restartLater(slot, why);
      };
      let w: Worker;
      try {
        w = cluster.fork({ [CLUSTER_OPTIONS_ENV]: JSON.stringify({ ...workerOpts, ...gatewayOf(slot, workerOpts), worker: role } satisfies ServerOptions) });
      } catch (e) {
        cannotCreate(e);
        return;
      }
      w.on('error', (e: Error) => {
        // Never spawned: no `exit` follows.
        if (w.process.pid === undefined) cannotCreate(e, w);
        else log(`worker ${slot.index}: ${e.message}`);
      });
      slot.worker = w;
      slot.serving = false;
      slot.startedAt = Date.now();
      // Its silence is counted from now while it starts (`watchWorkers`), not from what the worker before it last sent.
      slot.heardAt = slot.startedAt;
      slot.killedWhy = undefined;
      let started = false;
      let failure: Extract<FromWorker, { gh: 'failed' }> | undefined;
      w.on('message', (m: unknown) => {
        const msg = fromWorker(m);
        if (msg === undefined) return;
        if (slot.worker === w) slot.heardAt = Date.now();
        switch (msg.gh) {
          case 'log':
            log(`[worker ${slot.index}] ${msg.line}`);
            break;
          // Notes of one worker's commits and jobs' ends, for every other.
          case 'change':
          case 'ended':
            for (const other of slots) if (other !== slot) send(other.worker, msg);
            break;
          case 'cpu':
            cpu.settle(msg.id, msg);
            break;
          case 'metrics?':
            workersMetrics(slot).then(
              (parts) => send(w, { gh: 'metrics', id: msg.id, parts }),
              (e: unknown) => send(w, { gh: 'metrics', id: msg.id, error: e instanceof Error ? e.message : String(e) }),
            );
            break;
          case 'nonce?':
            send(w, { gh: 'nonce', id: msg.id, verdict: nonces.claim(msg.nonceKey, msg.keyDigest, msg.until, msg.now) });
            break;
          case 'metrics':
            slot.lastMetrics = msg.part;
            metrics.settle(msg.id, msg.part);
            break;
          case 'failed':
            failure = msg;
            break;
          case 'ready':
            started = true;
            slot.serving = true;
            slot.heardAt = Date.now();
            resolve(msg);
            break;
        }
      });
      w.on('exit', (code, signal) => {
        // Its counts stay in the server's: a counter that fell by a worker's whole count at its restart read as a reset.
        if (started && slot.lastMetrics !== undefined) retired = retireMetrics(retired, slot.lastMetrics);
        slot.lastMetrics = undefined;
        if (slot.worker === w) {
          slot.worker = undefined;
          slot.serving = false;
        }
        if (!started) {
          const hung = slot.worker === undefined && slot.killedWhy !== undefined ? slot.killedWhy : undefined;
          reject(new StartError(failure?.message ?? (hung !== undefined ? `worker ${slot.index} ${hung}` : `worker ${slot.index} exited before it was ready (${signal ?? `exit status ${code}`})`), failure !== undefined ? startFailureOf(failure.exit) : 'unavailable', failure?.inUse));
          if (!stopping && running) restartLater(slot, `it did not start: ${failure?.message ?? hung ?? signal ?? `exit status ${code}`}`);
          return;
        }
        if (stopping) return;
        const ranMs = Date.now() - slot.startedAt;
        if (ranMs > RESTART_RESET_MS) slot.delayMs = RESTART_FIRST_MS;
        restartLater(slot, `it exited (${signal ?? `exit status ${code}`}) after ${(ranMs / 1000).toFixed(1)} s`);
      });
    });

  /** Once every worker has started: a worker that exits is started again, with backoff. */
  let running = false;
  const restartLater = (slot: Slot, why: string): void => {
    const delay = slot.delayMs;
    slot.delayMs = Math.min(RESTART_MAX_MS, slot.delayMs * 2);
    log(`worker ${slot.index}: ${why}; starting it again in ${(delay / 1000).toFixed(0)} s`);
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (stopping) return;
      fork(slot).then(
        (r) => log(`worker ${slot.index}: started again (pid ${slot.worker?.process.pid ?? '?'}), serving ${r.url}`),
        () => {},
      );
    }, delay);
  };

  /**
   * Every serving worker is asked whether it answers; one that has sent nothing for `hungAfterMs` is killed (its `exit`
   * starts it again, with backoff). Only an exit was noticed before: a worker whose event loop was stuck kept its turn
   * of every listener, each N-th new connection hanging (a liveness probe met it one time in N), and the job metadata
   * ports it alone serves answered nothing (review qt, 1). The supervisor's own pauses (the machine suspended) are not
   * its workers': after a tick late by more than the interval, the count starts again.
   * A worker still starting is asked too, from its fork (`startHungAfterMs`): one frozen or stuck while it started was
   * waited for without end, its slot never filled again at a restart, and the first start never ended (review rl, 2).
   * A start waiting for its database answers meanwhile (the worker's message handler is set before it starts), and its
   * loads let the event loop turn (review jv, 2); only a worker whose loop stopped is killed. Killed before it is ready,
   * its `exit` fails its start: started again at a restart, the whole start failing at the first, as for any exit then.
   */
  const everyMs = Math.max(100, Math.min(5_000, Math.floor(Math.min(hungAfterMs, startHungAfterMs) / 4)));
  let watch: NodeJS.Timeout | undefined;
  const watchWorkers = (): void => {
    if (watch !== undefined) clearInterval(watch);
    let lastTick = Date.now();
    watch = setInterval(() => {
      const now = Date.now();
      const late = now - lastTick > 2 * everyMs;
      lastTick = now;
      for (const s of slots) {
        const w = s.worker;
        if (stopping || w === undefined || w.isDead() || s.killedWhy !== undefined) continue;
        if (late) s.heardAt = now;
        const bound = s.serving ? hungAfterMs : startHungAfterMs;
        if (now - s.heardAt > bound) {
          const silent = `did not answer for ${((now - s.heardAt) / 1000).toFixed(1)} s${s.serving ? '' : ' while starting'} (its event loop stuck, or the process frozen)`;
          log(`worker ${s.index}: ${silent}; killed${running ? ', to be started again' : ''}`);
          if (!s.serving) s.killedWhy = silent;
          s.serving = false;
          w.process.kill('SIGKILL');
          continue;
        }
        send(w, { gh: 'alive?' });
      }
    }, everyMs);
    watch.unref();
  };

  const stopAll = async (): Promise<readonly string[]> => {
    stopping = true;
    if (watch !== undefined) clearInterval(watch);
    for (const s of slots) if (s.timer !== undefined) clearTimeout(s.timer);
    const failures: string[] = [];
    await Promise.all(
      slots.map(async (s) => {
        const w = s.worker;
        if (w === undefined || w.isDead()) return;
        let killed = false;
        const gone = new Promise<void>((r) =>
          w.once('exit', (code: number | null, signal: string | null) => {
            // A worker that had to be killed, or failed while it stopped, may have lost what it held (decisions'
            // audit records not yet written): the supervisor's exit status says so (src/main/server.ts `runServer`).
            if (killed) failures.push(`worker ${s.index} was killed: still stopping after ${stopGraceMs / 1000} s`);
            else if (code !== 0) failures.push(`worker ${s.index} ${signal !== null ? `ended by ${signal}` : `exited with status ${code}`} while stopping`);
            r();
          }),
        );
        send(w, { gh: 'stop' });
        const kill = setTimeout(() => {
          log(`worker ${s.index}: still stopping after ${stopGraceMs / 1000} s; killed`);
          killed = true;
          w.process.kill('SIGKILL');
        }, stopGraceMs);
        await gone;
        clearTimeout(kill);
      }),
    );
    return failures;
  };

  let first: Extract<FromWorker, { gh: 'ready' }>;
  for (let attempt = 1; ; attempt++) {
    // Watched as they start (stopAll, after a failed attempt, ends the watch).
    watchWorkers();
    try {
      // Worker 1 alone: a first start creates the master key and the root account once.
      first = await fork(slots[0] as Slot);
      await Promise.all(slots.slice(1).map((s) => fork(s)));
      break;
    } catch (e) {
      await stopAll();
      const taken = e instanceof StartError && e.inUse !== undefined && chosen.has(e.inUse) ? e.inUse : undefined;
      if (taken === undefined || attempt >= PORT_ATTEMPTS) throw e;
      log(`gatehouse: the port chosen for ${taken} was taken by another process before the workers bound it (${e instanceof Error ? e.message : String(e)}); choosing the ports again`);
      stopping = false;
      workerOpts = await withPorts();
    }
  }
  running = true;
  const pids = (): number[] => slots.flatMap((s) => (s.worker?.process.pid !== undefined && !s.worker.isDead() ? [s.worker.process.pid] : []));
  log(`gatehouse: ${count} workers serving ${first.url} (pids ${pids().join(', ')}); connections are handed to them in turn`);
  let stopped: Promise<readonly string[]> | undefined;
  return {
    url: first.url,
    agentUrl: first.agentUrl,
    s3Url: first.s3Url,
    ...(first.healthUrl !== undefined ? { healthUrl: first.healthUrl } : {}),
    dataDir: workerOpts.dataDir as string,
    adminCredentials: first.admin,
    pids,
    cpuMicros: async () => {
      const parts = await Promise.all(
        slots.map(
          (s) =>
            s.worker === undefined || !s.worker.isConnected()
              ? { process: 0, main: 0 }
              : cpu.ask((id) => send(s.worker, { gh: 'cpu?', id })).then((m) => ({ process: m.process, main: m.main })),
        ),
      );
      const own = process.cpuUsage();
      return { process: parts.reduce((a, p) => a + p.process, own.user + own.system), main: parts.reduce((a, p) => a + p.main, 0) };
    },
    stop: () => (stopped ??= stopAll()),
  };
}
