/**
 * `gatehouse server` started in the test's own process (`startServer`, what the command runs), for a server a test
 * only talks to over HTTP or reads the data dir of: the second start after a process was killed (the kill is the
 * first one's, and needs the process), the other instance beside one that is killed. A `gatehouse server` process
 * costs about a second of CPU to start (Node, type stripping, every module); here only the start itself.
 *
 * What differs from `serverProcess` (test/support/processes.ts), on purpose: no signal handlers, no parent watch, no
 * crash-in-one-line hook (runServer's, for the process); what the server logs is kept in `output`, a line an entry.
 */
import { startServer, type RunningServer } from '../../src/main/server.ts';

export interface InProcessServer {
  readonly url: string;
  readonly running: RunningServer;
  /** Every line it logged so far (each ending in a newline, as a process's output). */
  readonly output: string[];
  /** Stops it gracefully (once; later calls wait for the same stop). */
  stop(): Promise<void>;
}

/**
 * As `serverProcess(['--data-dir', dataDir, '--listen', …, '--agent-listen', …, '--s3-listen', …], env)` would start
 * it: the listeners loopback on ports of the kernel's choice unless given (`--s3-listen` off), and exactly `env` (with
 * PATH) as its environment.
 */
export async function serverInProcess(o: { readonly dataDir: string; readonly env: Readonly<Record<string, string>>; readonly listen?: string; readonly agentListen?: string; readonly s3Listen?: string }): Promise<InProcessServer> {
  const output: string[] = [];
  const running = await startServer({
    dataDir: o.dataDir,
    listen: o.listen ?? '127.0.0.1:0',
    agentListen: o.agentListen ?? '127.0.0.1:0',
    s3Listen: o.s3Listen ?? 'off',
    env: { PATH: process.env['PATH'] ?? '', ...o.env },
    log: (line) => void output.push(`${line}\n`),
  });
  let stopping: Promise<void> | undefined;
  return {
    url: running.url,
    running,
    output,
    stop: () => (stopping ??= running.stop().then(() => undefined)),
  };
}
