/**
 * What the commands that follow a log share (`audit query --follow`, `jobs events --follow`): their `--interval` and
 * `--retry-seconds`, and how a server that goes away meanwhile is told and waited for.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { ClientFailure } from './client.ts';
import type { CommandContext } from './context.ts';
import { EXIT } from './exit-codes.ts';

/**
 * `--what N`: a whole number from 1 to `max`, in digits (a usage error naming the option otherwise). Read with `Number`
 * alone, `--limit 0x10` was 16, `--last 1e3` 1000 and `--limit ' 5'` 5, where `GET /v1/audit` refuses such a `limit`
 * (stop 29) and `--after` takes digits only: a script's typo printed another count of records than asked (review sd, 2).
 */
export const positive = (what: string, max: number) => (v: string): number => {
  const n = /^[0-9]{1,16}$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`${what} must be an integer from 1 to ${max}, got \`${v}\``);
  return n;
};

/** `--what N`: whole seconds from 0 to `max`. */
export const seconds = (what: string, max: number) => (v: string): number => {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || n > max) throw new InvalidArgumentError(`${what} must be a whole number of seconds from 0 to ${max}, got \`${v}\``);
  return n;
};

export interface FollowOptions {
  follow?: true;
  interval: number;
  retrySeconds: number;
}

/** Adds `--interval` and `--retry-seconds` (for `--follow`, which the command declares with its own help). */
export function withFollowTiming(cmd: Command): Command {
  return cmd
    .option('--interval <ms>', 'how long --follow waits between polls once it has caught up (a full page is followed at once by the next)', positive('--interval', 60_000), 1000)
    .option('--retry-seconds <n>', 'how long --follow keeps retrying a server that is unreachable or unavailable (said on stderr) before it stops with exit 10; 0 stops at once', seconds('--retry-seconds', 86_400), 60);
}

/** `--interval` or `--retry-seconds` given without `--follow`: what to say (a usage error), or undefined. */
export function timingWithoutFollow(opts: FollowOptions, cmd: Command): string | undefined {
  if (opts.follow) return undefined;
  const idle = ['--interval', '--retry-seconds'].filter((flag) => cmd.getOptionValueSource(flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())) === 'cli');
  return idle.length > 0 ? `${idle.join(' and ')} ${idle.length === 1 ? 'is' : 'are'} for --follow only; add --follow, or leave ${idle.length === 1 ? 'it' : 'them'} out` : undefined;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A server restarting or briefly unavailable does not end a follow: it is said on stderr at once (following a server
 * that has gone, silently and for ever, looked like a quiet log), and the follow ends with the server's error once it
 * has not answered for `retrySeconds`. Anything else ends it at once. `where()` says where the follow stands
 * (`record 42`, `event 7`), for the messages.
 */
export function outages(ctx: CommandContext, retrySeconds: number, where: () => string): {
  /** A poll failed with `r`: true to poll again, false to end the follow with `r`. */
  failed(r: ClientFailure): boolean;
  /** A poll was answered. */
  answered(): void;
} {
  let downSince: number | undefined;
  return {
    failed(r) {
      if (r.status !== EXIT.unavailable) return false;
      const now = ctx.now();
      if (downSince === undefined) {
        downSince = now;
        if (retrySeconds > 0) ctx.err(`gatehouse: ${r.message}; retrying for up to ${retrySeconds} s (--retry-seconds; Ctrl-C to stop)\n`);
      }
      if (now - downSince >= retrySeconds * 1000) {
        if (retrySeconds > 0) ctx.err(`gatehouse: the server did not answer for ${retrySeconds} s; stopped following after ${where()}\n`);
        return false;
      }
      return true;
    },
    answered() {
      if (downSince === undefined) return;
      ctx.err(`gatehouse: the server answers again; following from ${where()}\n`);
      downSince = undefined;
    },
  };
}
