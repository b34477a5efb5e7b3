/**
 * A real Gatehouse server for the HTTP benches: `startServer` in a child process (so the load generator and
 * the server do not share an event loop), on 127.0.0.1 with ephemeral ports, SQLite in the given data dir
 * or PostgreSQL in the given schema. The child serves until the parent disconnects, and answers `cpu` with
 * its `process.cpuUsage()` so benches can report work per server CPU-second.
 *
 * `GATEHOUSE_BENCH_SERVER_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` profiles the server.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Creds } from './sign.ts';

export interface ServerChildOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string;
  readonly databaseSchema?: string;
  /** Audit settings for the server (`{ enabled: false }` isolates the cost of everything else). */
  readonly audit?: { readonly enabled?: boolean; readonly allowSample?: number };
  /** Server processes (`gatehouse server --workers`); default 1, the server in the child itself. */
  readonly workers?: number;
}

export interface ServerChild {
  readonly url: string;
  /** The root account's admin, from the first start. */
  readonly admin: Creds;
  /** CPU time (user + system, µs) the server process has used so far. */
  cpuMicros(): Promise<number>;
  /** The same, of the server's main thread alone (the one that answers requests). */
  mainCpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

export async function startServerChild(opts: ServerChildOptions): Promise<ServerChild> {
  const execArgv = (process.env['GATEHOUSE_BENCH_SERVER_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve', JSON.stringify(opts)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv });
  const started = await new Promise<{ url: string; admin: Creds }>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`server child exited with ${code}`));
    child.once('exit', onExit);
    child.once('message', (m) => {
      child.off('exit', onExit);
      const msg = m as { url?: string; admin?: Creds; error?: string };
      if (msg.url === undefined || msg.admin === undefined) reject(new Error(`server child failed: ${msg.error ?? 'no url'}`));
      else resolve({ url: msg.url, admin: msg.admin });
    });
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  return {
    ...started,
    cpuMicros: () => cpuOf(child, 'cpu'),
    mainCpuMicros: () => cpuOf(child, 'main'),
    stop: async () => {
      if (exited) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** CPU time (µs) a bench child reports: `cpu` for the process, `main` for its main thread (`{ cpu: { user, system } }`). */
export function cpuOf(child: ChildProcess, which: 'cpu' | 'main'): Promise<number> {
  return new Promise<number>((resolve) => {
    child.once('message', (m) => {
      const c = (m as { cpu: { user: number; system: number } }).cpu;
      resolve(c.user + c.system);
    });
    child.send(which);
  });
}

/** A TCP port free on 127.0.0.1 at the time of asking (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function serve(opts: ServerChildOptions): Promise<void> {
  const { startServer } = await import('../../src/main/server.ts');
  const { startWorkers } = await import('../../src/main/workers.ts');
  let logged = 0;
  try {
    const start = (o: Parameters<typeof startServer>[0] & object) => (opts.workers !== undefined && opts.workers > 1 ? startWorkers(o, opts.workers) : startServer(o));
    const running = await start({
      dataDir: opts.dataDir,
      listen: '127.0.0.1:0',
      agentListen: '127.0.0.1:0',
      // The audit settings of the bench's environment (GATEHOUSE_AUDIT_JOURNAL=off, GATEHOUSE_AUDIT_ALLOW_SAMPLE=…),
      // so a bench can measure what one costs; nothing else of the machine's environment.
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('GATEHOUSE_AUDIT_'))),
      // Only what a bench must not miss (a 500, a failed background refresh), first line, a few times.
      log: (line: string) => {
        if (/internal error|failed/.test(line) && logged++ < 3) process.stderr.write(`server: ${line.split('\n')[0] ?? ''}${logged === 3 ? ' (further errors not shown)' : ''}\n`);
      },
      ...(opts.databaseUrl !== undefined ? { databaseUrl: opts.databaseUrl } : {}),
      ...(opts.databaseSchema !== undefined ? { databaseSchema: opts.databaseSchema } : {}),
      ...(opts.audit !== undefined ? { audit: opts.audit } : {}),
    });
    const c = running.adminCredentials;
    // With workers: every worker's CPU and the supervisor's (`cpu`), and the workers' main threads (`main`).
    const cpu = async (which: 'cpu' | 'main'): Promise<{ user: number; system: number }> => {
      if (!('cpuMicros' in running)) return which === 'cpu' ? process.cpuUsage() : process.threadCpuUsage();
      const all = await running.cpuMicros();
      return { user: which === 'cpu' ? all.process : all.main, system: 0 };
    };
    process.on('message', (m) => {
      if (m === 'cpu' || m === 'main') void cpu(m).then((c) => process.send?.({ cpu: c }));
    });
    process.on('disconnect', () => void running.stop().then(() => process.exit(0)));
    process.send?.({ url: running.url, admin: c === undefined ? undefined : { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey } });
  } catch (e) {
    process.send?.({ error: e instanceof Error ? e.message : String(e) });
    process.exit(1);
  }
}

if (import.meta.main) {
  const i = process.argv.indexOf('--serve');
  if (i >= 0) await serve(JSON.parse(process.argv[i + 1] ?? '{}') as ServerChildOptions);
}
