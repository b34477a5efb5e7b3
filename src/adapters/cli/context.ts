/**
 * What a command group needs from the outside world. The composition root (src/main/cli.ts) supplies the real
 * process streams, file system and clock; tests can supply their own.
 */
import type { Command } from 'commander';

export interface CliDeps {
  /** Writes to standard output, as is (callers add newlines). */
  readonly out: (text: string) => void;
  /** Writes to standard error, as is. */
  readonly err: (text: string) => void;
  /**
   * Reads a whole file as UTF-8; rejects with a Node.js system error (`code` such as `ENOENT`), `EFBIG` for a file over
   * `options.maxBytes` (reading stops there) or over the most any input of the CLI may be.
   */
  readonly readFile: (path: string, options?: ReadFileOptions) => Promise<string>;
  /** Epoch milliseconds. */
  readonly now: () => number;
  readonly version: string;
  /**
   * Environment variables the commands read (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
   * `GATEHOUSE_ENDPOINT`, `AWS_REGION`); none when absent.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * The real path of a file (links, `.` and `..` resolved), by which a file given twice under two spellings is known as
   * one; rejects with a Node.js system error. Without it, paths compare as written.
   */
  readonly realPath?: (path: string) => Promise<string>;
  /** Lists a directory's entries; rejects with a Node.js system error (`ENOTDIR` for a file, `ENOENT`). */
  readonly readDir?: (path: string) => Promise<readonly { readonly name: string; readonly directory: boolean }[]>;
  /** Runs the server until it is signalled to stop; resolves with the exit status (composition root supplies it). */
  readonly runServer?: (opts: ServerCommandOptions) => Promise<number>;
  /** Runs `gatehouse demo` (an embedded server, the example organisation, a job); resolves with the exit status. */
  readonly runDemo?: (opts: DemoCommandOptions) => Promise<number>;
  /** Runs the node agent (`gatehouse agent`) until it is signalled to stop; resolves with the exit status. */
  readonly runAgent?: (opts: AgentCommandOptions) => Promise<number>;
  /**
   * Called by a command that may wait long without writing (`audit query --follow`): from then on the process ends
   * with status 0 as soon as standard output's reader is gone (`… --follow | head -1`), as it does when a write
   * to a closed pipe fails, instead of at its next write.
   */
  readonly watchOutput?: () => void;
  /**
   * Registers what to say on stderr if a signal (Ctrl-C's SIGINT, SIGTERM, SIGHUP) ends the process before the function
   * it returns is called; the process then dies of that signal as it would have (review lt, 3). `say` runs at once and
   * synchronously, so it may also remove what the command would have removed in a `finally` the signal skips (a partial
   * backup's file, review si, 1). Absent (a test running the CLI in its own process): nothing is said.
   */
  readonly onInterrupt?: (say: (signal: string) => string) => () => void;
}

export interface ReadFileOptions {
  /** The most bytes the file may hold, below the CLI's bound for every input: a shared config file's 1 MiB. */
  readonly maxBytes?: number;
}

export interface AgentCommandOptions {
  /** Base URL of the server's credential endpoints. */
  readonly upstream: string;
  /** HOST:PORT to serve on. */
  readonly listen: string;
  readonly revalidateSeconds: number;
  /** The address per-job metadata endpoints listen on. */
  readonly metadataHost: string;
  /** The PEM file of the CAs an https `upstream` is checked against, and where it was named (`--ca-bundle`, `AWS_CA_BUNDLE`). */
  readonly caBundle?: { readonly file: string; readonly from: string };
}

export interface DemoCommandOptions {
  /** Keep the temporary data dir (its path is printed) instead of removing it. */
  readonly keep?: boolean;
  /** Print the step results as one JSON document instead of the narration. */
  readonly json?: boolean;
}

export interface ServerCommandOptions {
  readonly dataDir?: string;
  readonly listen?: string;
  readonly agentListen?: string;
  readonly s3Listen?: string;
  readonly masterKeyFile?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly agentAddress?: string;
  /** `--api-address`: the API's base URL as jobs and pods reach it (their AWS_ENDPOINT_URL). */
  readonly apiAddress?: string;
  readonly s3Address?: string;
  readonly maxStalenessSeconds?: number;
  /** `--max-connections`: the most connections `--listen` holds at once, and the S3 gateway separately. */
  readonly maxConnections?: number;
  /** `--max-live-jobs`: live jobs one account may keep at once. */
  readonly maxLiveJobs?: number;
  readonly healthListen?: string;
  /** `--workers`: server processes on this data dir and these ports (src/main/workers.ts); 1 serves in this process. */
  readonly workers?: number;
}

export interface CommandContext extends CliDeps {
  /** Sets the process exit status of the running command (the last call wins). */
  readonly exit: (code: number) => void;
  /**
   * The command line asked for JSON output (`--json`, `-o json`, `--output json`) and for no other format: its usage
   * errors are then the JSON error document other failures print under `--json` (output.ts `usageFailure`).
   */
  readonly jsonErrors?: boolean;
}

/**
 * A command group (`policy`, later `iam`, `sts`, `jobs`…) registers its commands on the program. Add new groups
 * to `GROUP_MODULES` in program.ts.
 */
export type CommandGroup = (program: Command, ctx: CommandContext) => void;
