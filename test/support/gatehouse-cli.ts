/**
 * The `gatehouse` CLI run in the test's own process: the program of `bin/gatehouse.js` (`runCli` with the file readers
 * of src/main/cli-files.ts), given exactly the environment, working directory and standard input a test would give
 * the executable, its output and exit status collected as `run()` collects a process's. A `gatehouse` process costs
 * 0.2–0.4 s of CPU to start (Node, type stripping, the CLI's modules), and the suite started hundreds whose point was
 * a command's behaviour, not the process's. Tests of the executable itself (start-up, signals, pipes, exit on a
 * closed stdout, the Node version check) still start it: test/cli-startup.part.ts and the server and job suites.
 */
import { Readable } from 'node:stream';
import pkg from '../../package.json' with { type: 'json' };
import { runCli } from '../../src/adapters/cli/index.ts';
import type { CliDeps } from '../../src/adapters/cli/context.ts';
import { cliFiles } from '../../src/main/cli-files.ts';
import { gatehouseCliEnv, type CliTarget, type Keys, type Run } from './processes.ts';

export interface InProcessOptions {
  /**
   * Relative paths the command reads are taken from here (the executable's working directory). Files a command writes
   * (`kube webhook-config` without `--out`) go to this process's directory: run such a test on the executable.
   */
  readonly cwd?: string;
  /** What `-` reads. Nothing (end of input) unless given. */
  readonly stdin?: string;
  /** Told each piece of standard output or error as it is written (a test watching a command that has not ended yet). */
  readonly onStdout?: (text: string) => void;
  readonly onStderr?: (text: string) => void;
  /**
   * Told each listener the command sets for a signal (`CliDeps.onInterrupt`): calling it is what the executable does when
   * Ctrl-C comes at that turn of its event loop (src/main/cli.ts), short of dying of it. None unless given.
   */
  readonly onInterrupt?: CliDeps['onInterrupt'];
}

/**
 * `gatehouse ARGS` with `env` as its whole environment; never rejects, the status says how it went. What Node reads
 * from the environment as a process starts (`NODE_EXTRA_CA_CERTS`, `NODE_OPTIONS`) is this process's, not `env`'s:
 * a test that needs it runs the executable.
 */
export async function gatehouseInProcess(args: readonly string[], env: Readonly<Record<string, string | undefined>>, opts: InProcessOptions = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const stdin = Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin, 'utf8')]);
  const code = await runCli(args, {
    out: (text) => {
      stdout += text;
      opts.onStdout?.(text);
    },
    err: (text) => {
      stderr += text;
      opts.onStderr?.(text);
    },
    ...cliFiles(stdin, opts.cwd),
    env,
    now: () => Date.now(),
    version: pkg.version,
    ...(opts.onInterrupt !== undefined ? { onInterrupt: opts.onInterrupt } : {}),
  });
  return { code, stdout, stderr };
}

/** `gatehouseCli` (test/support/processes.ts) in this process: the CLI as `who` against `at.endpoint`, the same environment. */
export const gatehouseCliInProcess = (args: readonly string[], who: Keys, at: CliTarget, opts: InProcessOptions = {}): Promise<Run> =>
  gatehouseInProcess(args, gatehouseCliEnv(who, at), opts);

/** A closed port (discard, never served here): a request the CLI sends to it cannot connect (exit 10). */
export const CLOSED_ENDPOINT = 'http://127.0.0.1:9';

/**
 * `gatehouse ARGS` in this process with example keys against CLOSED_ENDPOINT, one attempt a request: for the tests of
 * the CLI's own parsing, where a usage error sends nothing (exit 2, not 10's "cannot reach the server").
 */
export async function cliAgainstClosedPort(args: readonly string[]): Promise<{ status: number; out: string; err: string }> {
  const env = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', GATEHOUSE_ENDPOINT: CLOSED_ENDPOINT, AWS_MAX_ATTEMPTS: '1' };
  const r = await gatehouseInProcess(args, env);
  return { status: r.code, out: r.stdout, err: r.stderr };
}
