/**
 * Composition root of the `gatehouse` CLI: wires the real process (streams, file system, clock) into the CLI
 * adapter. Sets `process.exitCode` rather than calling `process.exit`, so piped output is flushed first.
 */
import { fstatSync } from 'node:fs';
import { createRequire } from 'node:module';
import pkg from '../../package.json' with { type: 'json' };
import { EXIT, runCli } from '../adapters/cli/index.ts';
import { cliFiles } from './cli-files.ts';

// `gatehouse … | head` closes the pipe early: stop quietly, as other command-line tools do.
// Any other failure to write the result (`--json > out.json` on a full disk: ENOSPC, EIO, EFBIG) was rethrown, an
// uncaught stack trace and exit 1, which docs/errors.md gives to a deny, a broken audit log or drift (review mt, 3):
// said once, and exit 5, the status of a file the command could not read or write.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  if (stderrOpen) process.stderr.write(`gatehouse: cannot write the result to standard output (${e.code ?? 'error'}: ${e.message.replace(/^[A-Z]+: /, '')}): it is incomplete; whatever the command did is done (look before doing it again)\n`);
  process.exit(EXIT.noInput);
});
// `gatehouse plan … 2>&1 >/dev/null | head` closes stderr early: the error was uncaught and the process exited 1, which
// docs/errors.md gives to a deny. Messages stop there; the command ends with its own status. So on any other failure
// to write them (`2> errors.log` on a full disk; review mt, 3).
let stderrOpen = true;
process.stderr.on('error', () => {
  stderrOpen = false;
});

/**
 * Ends the process (status 0, as an EPIPE on stdout does above) once the reader of the pipe on stdout is gone, for a
 * command that may not write for hours (`gatehouse audit query --follow | head -1`). Node cannot ask whether a pipe
 * still has a reader without writing to it, so GNU tail does, as it does for itself: `tail -f --pid=OURS /dev/null`
 * on the same stdout writes nothing, polls the pipe each second and dies of SIGPIPE when the reader has closed it
 * (and ends by itself when this process does). Not a pipe (a terminal, a file), or no GNU tail (BSD and busybox tail
 * refuse --pid and exit at once): nothing changes, and the next record written ends the process as before.
 */
function watchOutput(): void {
  try {
    // A bigint fstat: on Node.js 24.9 a plain (number) fstat of a pipe left the next CommonJS module import() loads
    // with its named exports undefined, the signer of `--follow`'s first request (`SignatureV4 is not a constructor`,
    // review ma, 1).
    if (!fstatSync(1, { bigint: true }).isFIFO()) return;
  } catch {
    return;
  }
  // On demand: node:child_process is of no use to any other command.
  const { spawn } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  const watcher = spawn('tail', ['-f', '-s', '1', `--pid=${process.pid}`, '/dev/null'], { stdio: ['ignore', 'inherit', 'ignore'] });
  watcher.on('error', () => {});
  watcher.on('exit', (_code, signal) => {
    if (signal === 'SIGPIPE') process.exit(process.exitCode ?? 0);
  });
  watcher.unref();
  process.on('exit', () => void watcher.kill());
}

/**
 * What to say when a signal ends the command while a change waits for its answer (review lt, 3): written at once
 * (stderr is written synchronously to a file, a pipe or a terminal on Linux), then the process dies of the signal as
 * it would have with no listener, unless another part of the command listens for it (a job's launcher forwards it).
 */
const interruptNotes = new Set<(signal: string) => string>();
const INTERRUPTS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
function interrupted(signal: NodeJS.Signals): void {
  for (const say of interruptNotes) if (stderrOpen) process.stderr.write(say(signal));
  interruptNotes.clear();
  for (const s of INTERRUPTS) process.removeListener(s, interrupted);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}
function onInterrupt(say: (signal: string) => string): () => void {
  if (interruptNotes.size === 0) for (const s of INTERRUPTS) process.on(s, interrupted);
  interruptNotes.add(say);
  return () => {
    if (!interruptNotes.delete(say) || interruptNotes.size > 0) return;
    for (const s of INTERRUPTS) process.removeListener(s, interrupted);
  };
}

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => void process.stdout.write(text),
  err: (text) => void (stderrOpen && process.stderr.write(text)),
  // process.stdin is touched only when a command reads `-`: opening it at start would take fd 0 for every command.
  ...cliFiles({ [Symbol.asyncIterator]: () => (process.stdin as AsyncIterable<Buffer>)[Symbol.asyncIterator]() }),
  env: process.env,
  now: () => Date.now(),
  version: pkg.version,
  // Loaded on demand: the server brings the whole service (stores, HTTP edges, metrics), the demo the AWS SDK
  // clients, and the agent its relay; the other commands are clients of a running server and need none of it.
  runServer: async (opts) => (await import('./server.ts')).runServer(opts),
  runDemo: async (opts) => (await import('./demo.ts')).runDemo(opts),
  runAgent: async (opts) => (await import('./agent.ts')).runAgent(opts),
  watchOutput,
  onInterrupt,
});
