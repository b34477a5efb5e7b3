/**
 * One worker process of `gatehouse server --workers N` (src/main/workers.ts forks it through `node:cluster`): a
 * whole server on the supervisor's data dir and ports. Its listeners are shared through the supervisor, which
 * hands each connection to one worker in turn. Its log lines, readiness, change notes and job notes go to the
 * supervisor over the IPC channel. Once started it stops gracefully when told or on SIGINT/SIGTERM/SIGHUP; asked to stop
 * while it starts, it exits at once, as a single server does on a signal then (a start may wait for its database
 * without end). When the supervisor is gone (killed), node:cluster ends the worker at once (its own `disconnect`
 * handler): the supervisor held the shared ports, and a worker must not outlive it holding job metadata ports.
 */
import cluster from 'node:cluster';
import { CLUSTER_OPTIONS_ENV } from './workers.ts';
import { startExitCode, startServer, StartError, type RunningServer, type ServerOptions } from './server.ts';
import { EXIT } from '../adapters/cli/exit-codes.ts';
import { logLine } from './log-line.ts';
import { exitOnCrash } from './crash.ts';
import { tellSupervisor, toWorker, workerMetrics, workerNonces, workerNotes, workerPeers } from '../adapters/cluster/index.ts';

// As bin/gatehouse.js: node:sqlite's ExperimentalWarning is the embedded store by design (docs/decisions.md).
// Any other warning is said through the supervisor's log, `[worker K] <Name> [<code>]: <message>` in one line, as a
// crash is: written here to the stderr every worker shares, it carried no worker's prefix, and a message of two lines
// read as two events (review rv, 2). Without the supervisor (its channel gone), the line goes to stderr.
process.removeAllListeners('warning');
process.on('warning', (w: Error & { code?: unknown }) => {
  if (w.name === 'ExperimentalWarning' && /SQLite|Type Stripping/i.test(w.message)) return;
  const line = `${w.name}${typeof w.code === 'string' ? ` [${w.code}]` : ''}: ${w.message}`;
  if (process.connected && process.send !== undefined) tellSupervisor({ gh: 'log', line });
  else process.stderr.write(`${logLine(line)}\n`);
});

/**
 * A bug that reaches the top (an uncaught exception; an unhandled rejection, which Node throws as one) ends the worker
 * as Node would, but said through the supervisor's log first: one line, `[worker K] crashed (…): <stack>`, then exit 70
 * (EXIT.internal), and the supervisor starts it again. Node's own report went straight to the stderr the supervisor and
 * every worker share, ten lines or more without the worker's prefix, which a collector took for as many events
 * attributed to no worker (review qt, 3). Without the supervisor (its channel gone), the line goes to stderr.
 */
exitOnCrash((line, exit) => {
  if (!process.connected || process.send === undefined) {
    process.stderr.write(`${logLine(line)}\n`);
    exit();
  }
  process.send?.({ gh: 'log', line }, undefined, {}, exit);
  // A channel that does not take it: exit all the same.
  setTimeout(exit, 1_000);
});

async function main(): Promise<void> {
  const opts = JSON.parse(process.env[CLUSTER_OPTIONS_ENV] ?? '{}') as ServerOptions;
  // The options carry the supervisor's environment (`env`): nothing of it is needed in this process's own.
  delete process.env[CLUSTER_OPTIONS_ENV];
  const log = (line: string): void => tellSupervisor({ gh: 'log', line });
  let server: RunningServer | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      try {
        const failures = (await server?.stop()) ?? [];
        if (failures.length > 0) {
          // Audit records lost: the supervisor's stop reports the worker's status, and `gatehouse server` exits 10 (review ja, 5).
          for (const f of failures) log(`stop not clean: ${f}`);
          process.exit(EXIT.unavailable);
        }
      } catch (e) {
        // The supervisor's stop reports a worker that exited with a failure (src/main/workers.ts `stop`).
        log(`stop failed: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(EXIT.internal);
      }
      process.exit(0);
    })());
  // Asked while starting: nothing is served yet, so nothing is to finish. Waiting for the start to end held the
  // supervisor's stop for its whole grace (60 s) behind a worker that waits for an unreachable database.
  const ask = (): void => {
    if (server !== undefined) void stop();
    else process.exit(0);
  };
  process.on('message', (m) => {
    const msg = toWorker(m);
    if (msg?.gh === 'stop') ask();
    // Answered from this event loop: one stuck (or a process frozen) does not answer, and the supervisor replaces it.
    if (msg?.gh === 'alive?') tellSupervisor({ gh: 'alive' });
    if (msg?.gh === 'cpu?') {
      const p = process.cpuUsage();
      const t = process.threadCpuUsage();
      tellSupervisor({ gh: 'cpu', id: msg.id, process: p.user + p.system, main: t.user + t.system });
    }
  });
  // Ctrl-C reaches every process of the terminal's group; the supervisor stops the others the same way.
  // Each signal, not the first only: a second one (Ctrl-C twice) met Node's default and killed the worker in the
  // middle of its stop, its audit records neither written nor spooled (review fq, 1). `stop` is asked once.
  process.on('SIGINT', ask);
  process.on('SIGTERM', ask);
  // A terminal's hang-up reaches every process of its group too (review gc, 2).
  process.on('SIGHUP', ask);
  try {
    server = await startServer({ ...opts, log, changeNotes: workerNotes(), peers: workerPeers(), metricsPeers: workerMetrics(), nonces: workerNonces() });
  } catch (e) {
    // Exits once the supervisor has the message (a start that failed half-way may leave a timer behind).
    const code = startExitCode(e);
    if (!process.connected) process.exit(code);
    process.send?.({ gh: 'failed', message: e instanceof Error ? e.message : String(e), exit: code, ...(e instanceof StartError && e.inUse !== undefined ? { inUse: e.inUse } : {}) }, undefined, {}, () => process.exit(code));
    return;
  }
  const c = server.adminCredentials;
  tellSupervisor({
    gh: 'ready',
    url: server.url,
    agentUrl: server.agentUrl,
    s3Url: server.s3Url,
    ...(server.healthUrl !== undefined ? { healthUrl: server.healthUrl } : {}),
    ...(c !== undefined ? { admin: { AccessKeyId: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, AccountId: c.AccountId, UserName: c.UserName } } : {}),
  });
}

if (cluster.isWorker) await main();
