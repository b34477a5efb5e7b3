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
import { getCACertificates } from 'node:tls';
import { readSmallFile } from '../adapters/fs/index.ts';

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
  const ca = upstream.startsWith('https:') && opts.caBundle !== undefined ? await caBundleOf(opts.caBundle) : undefined;
  // Ignored with an http upstream, as the CLI ignores it for an http endpoint (review tv, 1), but said when the option
  // itself names it: its operator took the upstream for one that TLS protects and its certificate checked, while the
  // jobs' credentials travel in clear. AWS_CA_BUNDLE, set for a whole host, is passed over unsaid (review uq, 6).
  if (!upstream.startsWith('https:') && opts.caBundle?.from === '--ca-bundle') opts.log?.(caBundleUnusedWarning(opts.caBundle.file, upstream));
  const relay = createRelay({ upstream, ...(ca !== undefined ? { ca } : {}), revalidateMs: opts.revalidateSeconds * 1000, metadataHost: opts.metadataHost, ...(opts.log ? { log: opts.log } : {}) });
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

/** What the start says of a `--ca-bundle` given with a plain-HTTP `--upstream`, which it does not use. */
export function caBundleUnusedWarning(file: string, upstream: string): string {
  const shown = /-----BEGIN |[\r\n]/.test(file) ? '(PEM text, not shown)' : `\`${file}\``;
  return `gatehouse agent: warning: --ca-bundle ${shown} is not used: --upstream ${shownUrl(upstream)} is plain HTTP, so no certificate is checked and the jobs' credentials travel unencrypted between this node and the server; give the server's https:// address (its --tls-cert, or the TLS proxy in front of it), or leave --ca-bundle out`;
}

/** The largest CA bundle read (a system bundle is some 200 KiB), as the CLI's `--ca-bundle`. */
const MAX_CA_BUNDLE_BYTES = 10 << 20;

/**
 * The CAs of `--ca-bundle` (or AWS_CA_BUNDLE) an https `--upstream` is checked against (review tv, 2): an upstream behind an
 * ingress or a TLS proxy with a certificate of a private CA was unreachable (`SELF_SIGNED_CERT_IN_CHAIN`) whatever the
 * agent was given, `--ca-bundle` refused as unknown and AWS_CA_BUNDLE (and a `--ca-bundle` before the command) passed
 * over. It replaces Node's roots, as the CLI's does; those NODE_EXTRA_CA_CERTS adds are still trusted. A file that cannot
 * be read or holds no certificate fails the start (exit 5), naming the option and never the file's text.
 */
async function caBundleOf(bundle: { readonly file: string; readonly from: string }): Promise<string> {
  let ca: string;
  try {
    ca = await readSmallFile(bundle.file, MAX_CA_BUNDLE_BYTES);
  } catch (e) {
    if (/-----BEGIN |[\r\n]/.test(bundle.file)) throw new StartError(`${bundle.from} holds PEM text, not the path of a file (not shown): give the path of the PEM file of the CA that signed the certificate of --upstream`, 'input');
    throw new StartError(`${bundle.from} \`${bundle.file}\`: cannot be read (${e instanceof Error ? e.message : String(e)})`, 'input');
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new StartError(`${bundle.from} \`${bundle.file}\` holds no PEM certificate (-----BEGIN CERTIFICATE-----): give the CA certificate that signed the certificate of --upstream`, 'input');
  const extra = getCACertificates('extra');
  return extra.length > 0 ? `${ca}\n${extra.join('\n')}` : ca;
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
