/**
 * The Debian aws CLI without a Python start a command: one long-lived `/usr/bin/python3` a test process
 * (aws_cli_host.py beside this file) runs the CLI's own entry point, `awscli.clidriver.main()` as `/usr/bin/aws` calls
 * it, once for each command, one command at a time. A start of `/usr/bin/aws` costs about a second of CPU, nearly all
 * of it imports; the suite ran about eighty.
 *
 * A command gets what its own process would: exactly the environment given (nothing of this process's, nor of an
 * earlier command's), its working directory, an empty stdin, a fresh botocore session (so its own config, credential
 * resolution and caches), and its own stdout and stderr (those of a `credential_process` child included); its exit
 * status is the process's (0, 252, 253, 254, 255, 1 for an uncaught exception). What it cannot give: stdin data (`aws
 * s3 cp - …`), signals, a process of its own to measure, variables the interpreter reads at its start (PYTHON*).
 * Tests whose point is one of those run `/usr/bin/aws` with `run()` (test/support/processes.ts).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { PYTHON, type Run } from './processes.ts';

const HOST_PY = fileURLToPath(new URL('./aws_cli_host.py', import.meta.url));

interface Answer {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface Host {
  readonly child: ChildProcessWithoutNullStreams;
  /** The answer the host owes, while a command runs. */
  pending: ((a: Answer) => void) | undefined;
  /** The host's own stderr (a Python traceback when it dies), its last 8 KiB. */
  log: string;
}

/** The aws CLI's host, and the one of `python3Script` (which never imports awscli: its botocore is not boto3's). */
type Kind = 'aws' | 'scripts';
const hosts = new Map<Kind, Host>();
/** The end of each host's queue: each command starts once the one before it has answered. */
const tails = new Map<Kind, Promise<unknown>>();

function startHost(kind: Kind): Host {
  // Its own environment matters only until the first command replaces it; Debian's python3, never a pyenv one on PATH.
  const child = spawn(PYTHON, [HOST_PY, ...(kind === 'scripts' ? ['--scripts'] : [])], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin', HOME: tmpdir(), LANG: 'C.UTF-8' } });
  const h: Host = { child, pending: undefined, log: '' };
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (s: string) => {
    buffered += s;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const a = JSON.parse(line) as { code: number; stdout: string; stderr: string };
      const resolve = h.pending;
      h.pending = undefined;
      resolve?.({ code: a.code, stdout: Buffer.from(a.stdout, 'base64').toString('utf8'), stderr: Buffer.from(a.stderr, 'base64').toString('utf8') });
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    h.log = (h.log + s).slice(-8192);
  });
  const died = (why: string): void => {
    if (hosts.get(kind) === h) hosts.delete(kind);
    const resolve = h.pending;
    h.pending = undefined;
    resolve?.({ code: -1, stdout: '', stderr: `the aws CLI host ${why}\n${h.log}` });
  };
  child.on('error', (e) => died(`did not start: ${e.message}`));
  child.on('exit', (code, signal) => died(`exited (${signal ?? code})`));
  child.stdin.on('error', () => {}); // a dead host: 'exit' says so
  // Never what keeps a test process alive: a running command's timer does that, and an idle host ends with its stdin.
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref(): void }).unref();
  return h;
}

function runOne(kind: Kind, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs: number, script?: string): Promise<Run> {
  let h = hosts.get(kind);
  if (h === undefined) {
    h = startHost(kind);
    hosts.set(kind, h);
  }
  const host = h;
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = String(v);
  return new Promise<Run>((resolve) => {
    const timer = setTimeout(() => {
      // As run() reports a killed process; the host may be anywhere in the command, so it goes, and the next starts anew.
      host.pending = undefined;
      if (hosts.get(kind) === host) hosts.delete(kind);
      host.child.kill('SIGKILL');
      resolve({ code: -1, stdout: '', stderr: `(${script !== undefined ? 'python3 -c' : 'aws'} ${args.join(' ')}: killed after ${timeoutMs} ms)` });
    }, timeoutMs);
    host.pending = (a) => {
      clearTimeout(timer);
      resolve(a);
    };
    host.child.stdin.write(`${JSON.stringify({ argv: args, env: clean, cwd, ...(script !== undefined ? { script } : {}) })}\n`);
  });
}

/**
 * `aws ARGS` with exactly `env`, in `opts.cwd` (else this process's), run to its end as `run(AWS_CLI, …)` would (60 s
 * at most, then code -1); never rejects. Commands queue: the time a command waits for the ones before it does not count.
 */
export function awsCli(args: readonly string[], env: NodeJS.ProcessEnv, opts: { cwd?: string; timeoutMs?: number } = {}): Promise<Run> {
  const cwd = opts.cwd ?? process.cwd();
  const next = (tails.get('aws') ?? Promise.resolve()).then(() => runOne('aws', args, env, cwd, opts.timeoutMs ?? 60_000));
  tails.set('aws', next);
  return next;
}

/**
 * `python3 -c SCRIPT ARGS` (Debian's; a boto3 script) with exactly `env`, in one long-lived Python of its own (the aws
 * CLI host started with `--scripts`): boto3's imports, about a second of CPU, paid once a test process instead of once
 * a script. The script gets what its process would: its environment, working directory, `sys.argv` (`['-c', ...args]`),
 * an empty stdin, its own stdout and stderr (a credential_process child's included), its exit status (1 and the
 * traceback for an uncaught exception), a fresh boto3 default session; not signals, a process of its own, or variables
 * Python reads as it starts (PYTHON*). Scripts queue; 60 s at most, then code -1.
 */
export function python3Script(script: string, args: readonly string[], env: NodeJS.ProcessEnv, opts: { cwd?: string; timeoutMs?: number } = {}): Promise<Run> {
  const cwd = opts.cwd ?? process.cwd();
  const next = (tails.get('scripts') ?? Promise.resolve()).then(() => runOne('scripts', args, env, cwd, opts.timeoutMs ?? 60_000, script));
  tails.set('scripts', next);
  return next;
}
