/**
 * Running programs from tests: the real `gatehouse` CLI, and the system clients from Debian packages (the aws
 * CLI, boto3) that tests use when present and skip, saying why, when absent.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, type Connection } from '../../src/adapters/cli/client.ts';

/** `bin/gatehouse.js`, run with `process.execPath` (the pinned Node). */
export const GATEHOUSE_BIN = fileURLToPath(new URL('../../bin/gatehouse.js', import.meta.url));
/** The Debian clients' paths and whether they are here (asked once a run under `npm test`: client-probes.ts). */
export { AWS_CLI, PYTHON, awsCliMissing, boto3Missing } from './client-probes.ts';

/**
 * Node's compile cache for every `gatehouse` a test starts: the one `npm test` names (NODE_COMPILE_CACHE), else the
 * system's. bin/gatehouse.js keeps it in TMPDIR unless told; a CLI given a TMPDIR of its test's own compiled every
 * module again (about 0.3 s of CPU per command, and the suite starts hundreds).
 */
export const COMPILE_CACHE: { readonly NODE_COMPILE_CACHE: string } = { NODE_COMPILE_CACHE: process.env['NODE_COMPILE_CACHE'] ?? join(tmpdir(), 'node-compile-cache') };

export interface Run {
  /** The exit status; -1 when the process could not start or was killed (timeout). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `file` to its end with exactly `env`; never rejects, the status says how it went. At `timeoutMs` it is sent
 * `killSignal` (SIGTERM unless told: SIGKILL for a process that may be stuck where it handles SIGTERM).
 */
export function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv, opts: { cwd?: string; timeoutMs?: number; maxBuffer?: number; killSignal?: NodeJS.Signals } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: opts.timeoutMs ?? 60_000, ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}), ...(opts.maxBuffer !== undefined ? { maxBuffer: opts.maxBuffer } : {}), ...(opts.killSignal !== undefined ? { killSignal: opts.killSignal } : {}) }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The Debian aws CLI's environment as `who`, with nothing of this machine's AWS settings: no config or credentials file
 * (both named inside `home`, where there are none), no instance metadata, no pager.
 */
export const awsCliEnv = (home: string, who: { readonly accessKeyId: string; readonly secretAccessKey: string }): NodeJS.ProcessEnv => ({
  PATH: '/usr/bin:/bin',
  HOME: home,
  AWS_CONFIG_FILE: join(home, 'none'),
  AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_PAGER: '',
  AWS_ACCESS_KEY_ID: who.accessKeyId,
  AWS_SECRET_ACCESS_KEY: who.secretAccessKey,
});

export interface Keys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** An access key as the API and admin-credentials.json spell it, as the SDKs take it. */
export function keysOf(c: { AccessKeyId?: string | undefined; SecretAccessKey?: string | undefined }): Keys {
  return { accessKeyId: c.AccessKeyId ?? '', secretAccessKey: c.SecretAccessKey ?? '' };
}

/** The admin API client's connection as `keys` to the server at `url`. */
export const connectionTo = (url: string, keys: Keys, region = 'us-east-1'): Connection => ({ endpoint: new URL(url), credentials: keys, region, credentialsSource: 'test' });

/** A job submitted through the admin API, as its launcher and a node agent see it. */
export interface SubmittedJob {
  /** The submitter's connection. */
  readonly conn: Connection;
  readonly id: string;
  readonly capability: string;
  readonly environment: Record<string, string>;
  /** Base URL of the job's credential endpoints (what a node agent relays: `AWS_CONTAINER_CREDENTIALS_FULL_URI` less its path). */
  readonly upstream: string;
}

/** A job `who` submits on the server at `url`: workspace `w` with `who`'s user `admin` as member, the default role, no metadata endpoint. */
export async function submitJob(url: string, who: Keys): Promise<SubmittedJob> {
  const conn = connectionTo(url, who);
  const ws = await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } });
  if (!ws.ok) throw new Error(`PUT /v1/workspaces/w: ${JSON.stringify(ws)}`);
  const r = await call<{ job: { id: string }; capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
  if (!r.ok) throw new Error(`POST /v1/jobs: ${JSON.stringify(r)}`);
  const upstream = (r.value.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, '');
  return { conn, id: r.value.job.id, capability: r.value.capability, environment: r.value.environment, upstream };
}

export interface CliTarget {
  readonly endpoint: string;
  /** HOME and TMPDIR of the CLI. */
  readonly home: string;
  /** Added variables (for instance credential ones a job must not see). */
  readonly extraEnv?: Record<string, string>;
}

/** The environment of the CLI as `who` against `at.endpoint`, with nothing inherited but PATH. */
export const gatehouseCliEnv = (who: Keys, at: CliTarget): NodeJS.ProcessEnv => ({
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  HOME: at.home,
  TMPDIR: at.home,
  LANG: 'C.UTF-8',
  ...COMPILE_CACHE,
  AWS_ACCESS_KEY_ID: who.accessKeyId,
  AWS_SECRET_ACCESS_KEY: who.secretAccessKey,
  GATEHOUSE_ENDPOINT: at.endpoint,
  ...at.extraEnv,
});

/** The real CLI as `who`, run to its end (90 s at most). */
export const gatehouseCli = (args: readonly string[], who: Keys, at: CliTarget): Promise<Run> => run(process.execPath, [GATEHOUSE_BIN, ...args], gatehouseCliEnv(who, at), { timeoutMs: 90_000 });

/**
 * The ports the kernel hands out on its own (`ip_local_port_range`): to a connection's local end and to a bind to
 * port 0. A port chosen there and released until a server binds it again can be taken meanwhile by any connection
 * of the tests running alongside (EADDRINUSE, a flaky test); one below the range is never handed out that way.
 */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32768;
  } catch {
    return 32768;
  }
}

/** Whether 127.0.0.1:`port` can be bound now (then released). */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/**
 * A TCP port of 127.0.0.1 free at the time of asking (for servers a test restarts on the same port): one below the
 * kernel's ephemeral range, at random, so that no connection or port-0 bind elsewhere takes it before the test binds
 * it (`ephemeralLow`); the kernel's own choice only when that range is too small to choose from.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  const from = 10_000;
  if (low - from >= 1000) {
    for (let i = 0; i < 50; i++) {
      const port = from + Math.floor(Math.random() * (low - from));
      if (await bindable(port)) return port;
    }
  }
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

/**
 * How long `serverProcess` waits for a server to say where it listens. A start of a few seconds on a quiet host took
 * over 30 s beside eight other sessions (load 20–40 on 2 cores: reviews fh2 and fh3 failed at 30 s so, stop 63): the
 * bound is what a stuck start exceeds, not what a slow one does.
 */
export const START_WITHIN_MS = 120_000;

/** A `gatehouse server` in its own process, as `serverProcess` started it. */
export interface ServerProcess {
  readonly child: ChildProcess;
  /** The address it logged (`gatehouse listening on …`). */
  readonly url: string;
  /** Everything it printed so far. */
  readonly output: string[];
}

/**
 * `gatehouse server ARGS` in its own process with exactly `env` (and PATH, and the compile cache), resolved once it logs the address it
 * listens on; rejected with its output when it exits first or takes more than START_WITHIN_MS (then killed, not left
 * running unowned). `what` names it in errors.
 * `detached`: in a process group of its own (its id is the child's pid), which a test signals as a terminal signals its
 * foreground group (`process.kill(-pid, …)`), workers included. `bin`: the `bin/gatehouse.js` run (another copy of the
 * tree, as an image lays it out). `onOutput`: told all it printed so far each time it prints, while it starts.
 */
export async function serverProcess(args: readonly string[], env: Record<string, string>, what = 'the server', opts: { detached?: boolean; bin?: string; onOutput?: (printed: string) => void } = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [opts.bin ?? GATEHOUSE_BIN, 'server', ...args], { env: { PATH: process.env['PATH'] ?? '', ...COMPILE_CACHE, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached === true });
  const output: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Its process group when it has one of its own (workers included).
      if (opts.detached === true && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
      reject(new Error(`${what} did not start within ${START_WITHIN_MS / 1000} s:\n${output.join('')}`));
    }, START_WITHIN_MS);
    const onData = (b: Buffer): void => {
      output.push(b.toString());
      opts.onOutput?.(output.join(''));
      const m = /gatehouse listening on (http:\/\/[^\s,]+)/.exec(output.join(''));
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    // At `close`, not `exit`: at `exit` the last lines it wrote may still be in the pipes, and the error would lack
    // them (the reason it gave for stopping, most often).
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}:\n${output.join('')}`));
    });
  });
  return { child, url, output };
}

/**
 * A `gatehouse server` process over a fresh temporary directory (SQLite; `--s3-listen` as given, off by default) and
 * its root admin's key, from the data dir's admin-credentials.json; `stop` kills it and removes the directory.
 */
export async function throwawayServer(name: string, s3Listen = 'off'): Promise<{ readonly server: ServerProcess; readonly admin: Keys; stop(): Promise<void> }> {
  const work = await mkdtemp(join(tmpdir(), `gatehouse-${name}-`));
  const stop = async (): Promise<void> => {
    if (server !== undefined && server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    await rm(work, { recursive: true, force: true });
  };
  let server: ServerProcess | undefined;
  try {
    server = await serverProcess(['--data-dir', join(work, 'data'), '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', s3Listen], { HOME: work });
    const c = JSON.parse(await readFile(join(work, 'data', 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    return { server, admin: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey }, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** `p`, or `'late'` once `ms` have passed: for a request that must be answered at once, not after a thread was held. */
export const within = <T>(p: Promise<T>, ms: number): Promise<T | 'late'> => Promise.race([p, new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), ms).unref())]);
