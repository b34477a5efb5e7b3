/**
 * One worker process of `gatehouse server --workers N` (src/main/workers.ts forks it through `node:cluster`): a
 * whole server on the supervisor's data dir and ports. Its listeners are shared through the supervisor, which
 * hands each connection to one worker in turn. Its log lines, readiness and change notes go to the supervisor over
 * the IPC channel; it stops gracefully when told, on SIGINT/SIGTERM, or when the supervisor is gone.
 */
import cluster from 'node:cluster';
import { CLUSTER_OPTIONS_ENV } from './workers.ts';
import { startExitCode, startServer, type RunningServer, type ServerOptions } from './server.ts';
import { tellSupervisor, toWorker, workerNotes } from '../adapters/cluster/index.ts';

// As bin/gatehouse.js: node:sqlite's ExperimentalWarning is the embedded store by design (docs/decisions.md).
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name === 'ExperimentalWarning' && /SQLite|Type Stripping/i.test(w.message)) return;
  process.stderr.write(`${w.name}: ${w.message}\n`);
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
      await server?.stop();
      process.exit(0);
    })());
  // Said before the start: a stop asked for while starting is carried out once started.
  let stopAsked = false;
  const ask = (): void => {
    stopAsked = true;
    if (server !== undefined) void stop();
  };
  process.on('message', (m) => {
    const msg = toWorker(m);
    if (msg?.gh === 'stop') ask();
    if (msg?.gh === 'cpu?') {
      const p = process.cpuUsage();
      const t = process.threadCpuUsage();
      tellSupervisor({ gh: 'cpu', id: msg.id, process: p.user + p.system, main: t.user + t.system });
    }
  });
  process.on('disconnect', ask);
  // Ctrl-C reaches every process of the terminal's group; the supervisor stops the others the same way.
  process.once('SIGINT', ask);
  process.once('SIGTERM', ask);
  try {
    server = await startServer({ ...opts, log, changeNotes: workerNotes(), worker: true });
  } catch (e) {
    // Exits once the supervisor has the message (a start that failed half-way may leave a timer behind).
    const code = startExitCode(e);
    if (!process.connected) process.exit(code);
    process.send?.({ gh: 'failed', message: e instanceof Error ? e.message : String(e), exit: code }, undefined, {}, () => process.exit(code));
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
  if (stopAsked) void stop();
}

if (cluster.isWorker) await main();
