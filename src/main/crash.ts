import { EXIT } from '../adapters/cli/exit-codes.ts';

/**
 * A bug that reaches the top of a process (an uncaught exception; an unhandled rejection, which Node throws as one)
 * ends it as Node would, but said as every other event of its log is, in one line (review lc, 2), then exit 70
 * (EXIT.internal, a bug). Node's own report was the stack raw on stderr, ten lines or more that a collector took for as
 * many events, and exit 1, the status of a deny, a broken audit log or drift (review rl, 1).
 */
export function crashLine(e: unknown, origin: string): string {
  return `crashed (${origin === 'unhandledRejection' ? 'unhandled rejection' : 'uncaught exception'}): ${e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e)}`;
}

/**
 * Says a crash once through `say` (given the line and the exit to take once it is said) and exits 70: the single
 * server and the `--workers` supervisor log `gatehouse crashed (…): <stack>`, the node agent `gatehouse agent
 * crashed (…)`, a worker passes its line to the supervisor (src/main/worker.ts, review qt, 3).
 */
export function exitOnCrash(say: (line: string, exit: () => never) => void): void {
  let crashed = false;
  process.on('uncaughtException', (e: unknown, origin: string) => {
    if (crashed) return;
    crashed = true;
    const exit = (): never => process.exit(EXIT.internal);
    try {
      say(crashLine(e, origin), exit);
    } catch {
      exit();
    }
  });
}

/** `exitOnCrash` for a process whose log is its own: the line logged as `<who> crashed (…)`, then exit. */
export function crashInOneLine(log: (line: string) => void, who: string): void {
  exitOnCrash((line, exit) => {
    try {
      log(`${who} ${line}`);
    } finally {
      exit();
    }
  });
}
