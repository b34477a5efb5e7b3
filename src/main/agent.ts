/**
 * Composition root of `gatehouse agent`: the node agent's relay (src/adapters/agent/relay.ts) on its address,
 * until SIGINT/SIGTERM, or its parent's exit when `npx` started it (as the server: `untilParentExits`), then a
 * graceful stop (requests in flight finish).
 */
import { createRelay, metadataHostRefusal, type Relay } from '../adapters/agent/relay.ts';
import { shownUrl } from '../core/shown-url.ts';
import type { AgentCommandOptions } from '../adapters/cli/context.ts';
import { parseBaseUrl, parseHostPort, StartError, startExitCode, untilParentExits, untilStopSignal } from './server.ts';
import { oneLinePerEvent } from './log-line.ts';
import { crashInOneLine } from './crash.ts';

export interface RunningAgent {
  readonly url: string;
  readonly relay: Relay;
  stop(): Promise<void>;
}

/**
 * What the start says when the agent listens on a port any user may bind (review agent, A7): every job's SDKs send
 * its capability in `Authorization` to this port, so whoever listens on it while the agent is down (a restart, an
 * upgrade, a boot before the agent starts) collects the capabilities of the jobs that poll meanwhile, and with them
 * their credentials. Ports under 1024 only root may bind.
 */
export function unprivilegedPortWarning(port: number): string {
  return `gatehouse agent: warning: port ${port} (--listen) is one any user of this node may listen on while this agent is not running (a restart, an upgrade, before it starts at boot), and would then receive the capability each job sends with its credential requests; on a node shared by several users, run the agent as root on a port under 1024 (e.g. --listen 127.0.0.1:471)`;
}

/**
 * Starts the relay; throws a StartError naming the bad option: a malformed `--upstream` or `--listen` is a usage
 * error (exit 2), an address it cannot listen on (`--listen`, or `--metadata-host` for the jobs' metadata endpoints)
 * is unavailable (exit 10), as for `gatehouse server`.
 */
export async function startAgent(opts: AgentCommandOptions & { log?: (line: string) => void }): Promise<RunningAgent> {
  const usage = <T>(parse: () => T): T => {
    try {
      return parse();
    } catch (e) {
      throw new StartError(e instanceof Error ? e.message : String(e), 'usage');
    }
  };
  const upstream = usage(() => parseBaseUrl(opts.upstream, '--upstream'));
  const at = usage(() => parseHostPort(opts.listen, '--listen'));
  // Before anything listens: an address the metadata endpoints cannot take fails the start, as `--listen`'s does.
  const metadataRefusal = await metadataHostRefusal(opts.metadataHost);
  if (metadataRefusal !== undefined) throw new StartError(metadataRefusal, 'unavailable');
  const relay = createRelay({ upstream, revalidateMs: opts.revalidateSeconds * 1000, metadataHost: opts.metadataHost, ...(opts.log ? { log: opts.log } : {}) });
  let bound: { host: string; port: number };
  try {
    bound = await relay.listen(at.host, at.port);
  } catch (e) {
    const inUse = typeof e === 'object' && e !== null && 'code' in e && e.code === 'EADDRINUSE';
    throw new StartError(`cannot listen on ${opts.listen} (--listen): ${e instanceof Error ? e.message : String(e)}${inUse ? '; another process listens there (an agent or a gatehouse server already running?): stop it, or give this agent another --listen' : ''}`, 'unavailable', inUse ? '--listen' : undefined);
  }
  const host = bound.host.includes(':') ? `[${bound.host}]` : bound.host;
  if (bound.port >= 1024) opts.log?.(unprivilegedPortWarning(bound.port));
  // Not awaited: a server not up yet (or unreachable) must not hold the start; jobs' requests say so then.
  void relay.checkUpstream().then((warning) => {
    if (warning !== undefined) opts.log?.(`gatehouse agent: warning: ${warning}`);
  });
  return { url: `http://${host}:${bound.port}`, relay, stop: () => relay.close() };
}

/**
 * Runs until SIGINT/SIGTERM, or until its parent exits when `npx` started it; resolves with the exit status. Under
 * `npx gatehouse agent` a SIGTERM to npx (a service manager's stop) never reached node, which kept the port the next
 * start needs, orphaned (review ea2).
 */
export async function runAgent(opts: AgentCommandOptions): Promise<number> {
  const log = oneLinePerEvent((line: string): void => void process.stderr.write(`${line}\n`));
  // A bug that reaches the top: one line and exit 70, as the server's (src/main/crash.ts).
  crashInOneLine(log, 'gatehouse agent');
  const parent = untilParentExits(log);
  let agent: RunningAgent;
  try {
    agent = await startAgent({ ...opts, log });
  } catch (e) {
    parent.stop();
    log(`gatehouse agent: ${e instanceof Error ? e.message : String(e)}`);
    // 1 is a negative answer, never an error (docs/errors.md): a start that failed exits as the server's does.
    return startExitCode(e);
  }
  log(`gatehouse agent: serving job credentials on ${agent.url}, from ${shownUrl(opts.upstream)} (checked every ${opts.revalidateSeconds} s)`);
  await Promise.race([untilStopSignal(log), parent.exited]);
  parent.stop();
  await agent.stop();
  log('gatehouse agent stopped');
  return 0;
}
