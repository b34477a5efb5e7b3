/**
 * Composition root of `gatehouse server`: opens the store (SQLite in the data dir, or PostgreSQL from
 * `GATEHOUSE_DATABASE_URL`), loads the master key, loads the compiled directory, bootstraps the root account on
 * first start, and serves the HTTP edge until SIGINT/SIGTERM, then shuts down gracefully (in-flight requests
 * finish). A database that cannot be reached at start is waited for, with backoff, while `--listen` answers
 * /healthz 200 and /readyz 503 (GATEHOUSE_DATABASE_WAIT_SECONDS bounds the wait).
 */
import { createPrivateKey, randomBytes, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createApp, type AdminCredentials, type App, type AppDeps } from '../app/index.ts';
import { followChanges } from '../app/live.ts';
import { pruneChangeLog } from '../app/change-log.ts';
import { isStoreOutcomeUnknown, isStoreUnavailable, type ChangeNotes, type Store } from '../app/ports/store.ts';
import { auditChainKey, chainDigest, loadMasterKey, MASTER_KEY_ENV, secretSealer, sessionCrypto } from '../adapters/crypto/index.ts';
import { EXIT } from '../adapters/cli/exit-codes.ts';
import { crashInOneLine } from './crash.ts';
import { boundedServer, createHttpEdge, earlyAnswer, HTTP_EDGE_LIMITS } from '../adapters/http/server.ts';
import { listenForHealth, type HealthListener } from '../adapters/http/health-listener.ts';
import { closerOf, DEFAULT_GRACE_MS, listenOn, notReadyText, RETRY_AFTER_SECONDS, timedStatus } from '../adapters/http/lifecycle.ts';
import { oidcPort } from '../adapters/http/oidc.ts';
import { shownUrl } from '../core/shown-url.ts';
import { parseTrustedProxies, TRUSTED_PROXIES_ENV } from '../adapters/http/request-facts.ts';
import { createAgent, type AgentPeers } from '../adapters/agent/server.ts';
import { jobEnvironment, jobsRoutes } from '../adapters/http/jobs-api.ts';
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { createKube } from '../app/kube.ts';
import { isKubeWebhook, kubeRoutes, kubeWebhookHandler, STATUS_REASONS } from '../adapters/http/k8s-api.ts';
import { authorizeRoutes } from '../adapters/http/authorize-api.ts';
import { bindingsRoutes } from '../adapters/http/bindings-api.ts';
import { stsAdminRoutes } from '../adapters/http/sts-admin-api.ts';
import { adminErrorBody } from '../adapters/http/admin-api.ts';
import { SCHEMA_NAME } from '../adapters/store-postgres/schema-name.ts';
import type { PostgresStoreOptions } from '../adapters/store-postgres/store.ts';
import { openSqliteStore, SQLITE_FILE_NAME, SQLITE_SYNCHRONOUS, type SqliteStore, type SqliteSynchronous } from '../adapters/store-sqlite/index.ts';
import { auditWorker, type AuditWorkerTarget } from '../adapters/audit-worker/index.ts';
import { fileAuditSpool } from '../adapters/audit-spool/index.ts';
import { fileAuditJournal } from '../adapters/audit-spool/journal.ts';
import { fileAuditKeyedNote } from '../adapters/audit-spool/keyed-note.ts';
import { auditRoutes, recordEdgeChanges } from '../adapters/http/audit-api.ts';
import { apiOf, createMetrics, type MetricsPeers } from '../adapters/metrics/index.ts';
import { MAX_NONCES, NonceSet, rememberedNonces, storeNonces, type NonceClaims } from '../adapters/http/nonce-set.ts';
import { auditOptionsFromEnv, type AuditOptions } from '../app/audit.ts';
import { issuerUrlRefusal } from '../app/oidc.ts';
import { describeProofAudiences, parseProofAudiences, PROOF_AUDIENCES_ENV } from '../app/proof-audiences.ts';
import { openFsObjectStore } from '../adapters/objects-fs/index.ts';
import { createS3 } from '../app/s3.ts';
import { createS3Edge } from '../adapters/s3/index.ts';
import { ECS_PREFETCH_SESSION_SECONDS, podContainerAddressRefusal, SDK_MARGIN_SESSION_SECONDS, withContainerUri } from '../core/jobs/jobs.ts';
import { makeDirectory, readSmallFile } from '../adapters/fs/index.ts';
import { oneLinePerEvent } from './log-line.ts';

export interface ServerOptions {
  readonly dataDir?: string;
  /** `HOST:PORT`; default `127.0.0.1:8470`. */
  readonly listen?: string;
  /** `HOST:PORT` of the credential endpoints for jobs; default `127.0.0.1:8471` (served once jobs exist). */
  readonly agentListen?: string;
  /** Job metadata endpoints (listening ports) this server opens at most; default `SERVER_MAX_METADATA_ENDPOINTS`. */
  readonly maxMetadataEndpoints?: number;
  /** Scoped sessions one account may hold at once; default `MAX_SCOPED_SESSIONS` (tests lower it). */
  readonly maxScopedSessions?: number;
  /**
   * `--max-live-jobs`: live jobs (jobs, cluster nodes, pods admitted with a role) one account may keep at once; default
   * GATEHOUSE_MAX_LIVE_JOBS, else `MAX_LIVE_JOBS` (src/app/jobs.ts).
   */
  readonly maxLiveJobs?: number;
  /**
   * `HOST:PORT` of the S3-compatible gateway (objects in `<dataDir>/objects`). `gatehouse server` defaults it to
   * `127.0.0.1:8472`; left out here, it is an ephemeral port on 127.0.0.1 (read `s3Url`), so embedders and tests
   * that predate the gateway never collide on a fixed port. `off`: no gateway on this instance (in a deployment
   * where one instance with a volume serves objects, named by `s3Address`).
   */
  readonly s3Listen?: string;
  /**
   * Base URL of the S3 gateway as jobs and pods reach it (`AWS_ENDPOINT_URL_S3`); default the gateway's own URL.
   * Pods get it only when it is given (this instance's bound address means nothing inside a cluster).
   */
  readonly s3Address?: string;
  /** Largest single PutObject, part and CopyObject source, in bytes; default 5 GiB, as S3 (tests lower it). */
  readonly s3MaxPutSize?: number;
  readonly databaseUrl?: string;
  /** PostgreSQL schema holding every table (created if missing); default the role's default. Lets benches and tests isolate a schema. */
  readonly databaseSchema?: string;
  readonly masterKeyFile?: string;
  /** Lifetime of job sessions in seconds; default from GATEHOUSE_JOB_SESSION_SECONDS, else 43,200. */
  readonly jobSessionSeconds?: number;
  /** How long a job's launcher may stay silent before the job is marked Failed, in ms; default 30,000 (tests shorten it). */
  readonly jobHeartbeatTimeoutMs?: number;
  /** Public URL of this deployment as an OIDC issuer (`iss` of workload tokens); default GATEHOUSE_ISSUER_URL, else the bound URL. */
  readonly issuerUrl?: string;
  /** PEM files: serve `--listen` and the S3 gateway over HTTPS (kube-apiserver calls its webhooks over HTTPS only). Both or neither. */
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  /** How often `--tls-cert` and `--tls-key` are looked at for a renewed certificate, in ms; default `TLS_RELOAD_MS` (tests shorten it). */
  readonly tlsReloadMs?: number;
  /** Base URL of the node agent as pods reach it (their credential environment); default the agent's own URL. */
  readonly agentAddress?: string;
  /**
   * `--api-address`: base URL of this server's API as jobs and pods reach it (their `AWS_ENDPOINT_URL`), which the
   * credential port and the S3 gateway also name as the API, and a `k8s-aws-v1.` token may name as this server; default
   * the `--listen` URL, at a wildcard its loopback (review su, 1).
   */
  readonly apiAddress?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
  /** Audit settings over those of the environment (GATEHOUSE_AUDIT_FAILURE, _ALLOW_SAMPLE, _RETENTION_DAYS). */
  readonly audit?: AuditOptions;
  /**
   * The authorize API's rule for `principalProof`s, written as GATEHOUSE_AUTHORIZE_PROOF_AUDIENCES is (which it
   * replaces): `*`, every proof bound to an audience its question names; a comma-separated list, to one of those
   * audiences; empty, none (src/app/proof-audiences.ts). Default the environment's, else none.
   */
  readonly authorizeProofAudiences?: string;
  /**
   * How long to wait for a database that cannot be reached at start, in seconds; default GATEHOUSE_DATABASE_WAIT_SECONDS,
   * else without end (an orchestrator's readiness probe keeps the instance out of rotation meanwhile). 0: give up at once.
   */
  readonly databaseWaitSeconds?: number;
  /**
   * `--max-staleness`: how long, in seconds, this instance may go without refreshing from the database before it
   * leaves readiness and answers decisions and session checks with 503; default GATEHOUSE_MAX_STALENESS_SECONDS,
   * else no bound (a database outage then leaves decisions working; an instance cut off alone serves what it
   * last saw for as long as it lasts: README "Many instances", docs/decisions.md).
   */
  readonly maxStalenessSeconds?: number;
  /**
   * `--max-connections`: the most connections `--listen` holds at once, and the S3 gateway (`--s3-listen`) too, each
   * on its own; default GATEHOUSE_MAX_CONNECTIONS, else `HTTP_EDGE_LIMITS.maxConnections` (src/adapters/http/server.ts)
   * and `S3_MAX_CONNECTIONS` (src/adapters/s3/server.ts), both 1024.
   */
  readonly maxConnections?: number;
  /** Alibaba STS signature nonces held for the replay check; default `HTTP_EDGE_LIMITS.maxSignatureNonces` (tests lower it). */
  readonly maxSignatureNonces?: number;
  /**
   * `--health-listen HOST:PORT` (GATEHOUSE_HEALTH_LISTEN): /healthz, /readyz and /metrics on a port of their own,
   * outside `--max-connections` (src/adapters/http/health-listener.ts); default none (they are on `--listen` too).
   */
  readonly healthListen?: string;
  /**
   * Change notes to and from the other processes on this data dir's SQLite file (a worker of `--workers`, set by
   * src/main/worker.ts); PostgreSQL has its own (LISTEN/NOTIFY) and ignores them.
   */
  readonly changeNotes?: ChangeNotes;
  /**
   * This server is a worker of `--workers` (src/main/workers.ts sets it for each worker it starts): others serve the
   * same ports and data dir. `sweeps`: this worker sweeps jobs (one does, from the heartbeats every worker writes to
   * the store: N sweeps of every live job would be N times the reads). `othersServe`: other workers serve the ports already, so this one takes no connection
   * before it is ready (no probe listener while it waits for the database or loads, `--health-listen` once ready).
   */
  readonly worker?: { readonly sweeps: boolean; readonly othersServe: boolean };
  /** The other workers, for the agent (src/adapters/cluster `workerPeers`, set by src/main/worker.ts). */
  readonly peers?: AgentPeers;
  /** The other workers, for /metrics (src/adapters/cluster `workerMetrics`, set by src/main/worker.ts). */
  readonly metricsPeers?: MetricsPeers;
  /** The supervisor's Alibaba STS nonce set, shared by every worker (src/adapters/cluster `workerNonces`, set by src/main/worker.ts). */
  readonly nonces?: NonceClaims;
  /**
   * A stop asked for while the server starts (SIGTERM while it waits for the database or loads): the start gives up at
   * its next wait or step, closing what it opened, with a `StartError` whose failure is `stopped` (exit 0).
   */
  readonly signal?: AbortSignal;
}

export interface RunningServer {
  readonly url: string;
  /** Base URL of the credential endpoints for jobs. */
  readonly agentUrl: string;
  /** Base URL of the S3-compatible gateway (path-style: `<s3Url>/bucket/key`): `s3Address` when given; empty when off and none is given. */
  readonly s3Url: string;
  /** Base URL of the probes' own port (`--health-listen`), when there is one. */
  readonly healthUrl?: string;
  /** The application behind the edges (tests and embedders call use cases directly). */
  readonly app: App;
  readonly dataDir: string;
  readonly adminCredentials: AdminCredentials | undefined;
  /**
   * Stops gracefully; resolves with what went wrong in the stop (audit records lost: neither written nor spooled), empty
   * for a clean one. `gatehouse server` then exits 10, not 0 (review ja, 5).
   */
  stop(): Promise<readonly string[]>;
}

export const DEFAULT_LISTEN = '127.0.0.1:8470';
/** The longest GATEHOUSE_MIGRATION_LOCK_TIMEOUT_SECONDS: a day (review mz, 2). */
export const MAX_MIGRATION_LOCK_SECONDS = 86_400;
export const DEFAULT_AGENT_LISTEN = '127.0.0.1:8471';
export const DEFAULT_S3_LISTEN = '127.0.0.1:8472';
export const ADMIN_CREDENTIALS_FILE = 'admin-credentials.json';

/**
 * `HOST:PORT` (an IPv6 host in brackets). A port past 65535 was refused as `must be HOST:PORT`, the shape it had, with
 * no word of the range (review tm, 4): it is named, 1–65535 or 0 for one the system picks.
 */
export function parseHostPort(s: string, what: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(s);
  if (!m) {
    // `::1:8470`, `::8470`: an IPv6 address without its brackets, which URLs and Node's own `host:port` need to tell the
    // port from the address's last group; it was refused as any malformed address, with no word of them (review tm, 5).
    const v6 = /^([0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*):(\d+)$/.exec(s);
    if (v6 !== null && isIP(v6[1] as string) === 6) throw new Error(`${what} must be HOST:PORT, got \`${s}\`: an IPv6 address goes in brackets, such as \`[${v6[1]}]:${v6[2]}\``);
    throw new Error(`${what} must be HOST:PORT, got \`${s}\``);
  }
  const port = Number(m[2]);
  if (port > 65535) throw new Error(`${what} must be HOST:PORT with a port from 1 to 65535 (or 0 for one the system picks), got \`${s}\`: port ${m[2]} is out of range`);
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}

/**
 * Two of this server's listeners given one address (the same port, on the same host or on every address, `0.0.0.0` or
 * `::`): the second could never be bound, and was reported as an address in use by another process (exit 10). Throws
 * naming both; port 0 (a port the system picks) is never shared.
 */
export function sharedAddress(listeners: readonly { readonly what: string; readonly at: { readonly host: string; readonly port: number } }[], resolved?: readonly string[]): void {
  const everywhere = (host: string) => host === '0.0.0.0' || host === '::' || host === '';
  const hostOf = (i: number): string => resolved?.[i] ?? (listeners[i] as (typeof listeners)[number]).at.host;
  const shown = (i: number): string => {
    const { what, at } = listeners[i] as (typeof listeners)[number];
    return `${what} ${at.host}:${at.port}${hostOf(i) !== at.host ? ` (${at.host} is ${hostOf(i)})` : ''}`;
  };
  listeners.forEach((a, i) => {
    const j = listeners.slice(0, i).findIndex((x, k) => x.at.port !== 0 && x.at.port === a.at.port && (hostOf(k) === hostOf(i) || everywhere(hostOf(k)) || everywhere(hostOf(i))));
    if (j >= 0) throw new Error(`${shown(i)} and ${shown(j)} are one address: give each listener a port of its own`);
  });
}

/**
 * `sharedAddress` on the addresses the listeners will be bound to: a host name as \`listen\` takes it (\`dns.lookup\`, its
 * first address). Compared as given, \`--listen localhost:P --agent-listen 127.0.0.1:P\` passed, bound the first and
 * failed on the second with \`EADDRINUSE … another process listens there (a gatehouse server already running?)\`, exit
 * 10 (retry may succeed), after the data dir and the store were opened (review pi, 4). A name that does not resolve is
 * compared as given: its listener's bind says why.
 */
export async function sharedResolvedAddress(listeners: readonly { readonly what: string; readonly at: { readonly host: string; readonly port: number } }[]): Promise<void> {
  const resolved = await Promise.all(
    listeners.map(async ({ at }) => {
      if (at.port === 0 || isIP(at.host) !== 0) return at.host;
      try {
        return (await lookup(at.host)).address;
      } catch {
        return at.host;
      }
    }),
  );
  sharedAddress(listeners, resolved);
}

/**
 * A numeric setting (GATEHOUSE_*_SECONDS, _MS, _CONNECTIONS, _JOBS) as its flag takes it: decimal digits, a fraction
 * where the setting allows one, blanks around; NaN for anything else, which the setting's own check refuses naming it.
 * `Number()` took a blank value for 0 (GATEHOUSE_DATABASE_WAIT_SECONDS=" " gave up on the database at once) and
 * hexadecimal, binary and exponents (`0x400`, `1e3`) that the flags refuse (review ja, 9).
 */
export function decimalSetting(text: string): number {
  return /^\s*\d+(?:\.\d+)?\s*$/.test(text) ? Number(text) : NaN;
}

/** `--s3-address` and the like: an http(s) base URL without credentials, query or fragment (trailing `/` dropped); throws naming `what` otherwise. */
export function parseBaseUrl(s: string, what: string): string {
  // A refused URL is echoed without its user name and password (review agent, U5): as the agent shows its upstream,
  // or, for one that does not parse, without what precedes an `@`.
  const parsed = URL.canParse(s);
  const shown = parsed ? shownUrl(s) : s.includes('@') ? `***@${s.slice(s.lastIndexOf('@') + 1)}` : s;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new Error(`${what} must be an http:// or https:// URL, got \`${shown}\``);
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.search !== '' || u.hash !== '' || u.username !== '' || u.password !== '') {
    throw new Error(`${what} must be an http:// or https:// URL without credentials, query or fragment, got \`${shown}\``);
  }
  return s.replace(/\/+$/, '');
}

/** A setting that may hold a URL with credentials, as a message shows it: no password, at most 200 characters. */
function shownSetting(value: string): string {
  let shown: string;
  if (URL.canParse(value) && new URL(value).host !== '') shown = shownUrl(value);
  else {
    // Not a URL with an authority: whatever comes before an `@` may be a user and password.
    const at = value.lastIndexOf('@');
    shown = at === -1 ? value : `…${value.slice(at)}`;
  }
  return shown.length > 200 ? `${shown.slice(0, 200)}…` : shown;
}

/**
 * The data dir `--data-dir` names, absolute; `./.gatehouse` without it. An empty one is refused: resolved, it is the
 * working directory, and `--data-dir "$DIR"` with DIR unset put the store, master.key and the root admin's credentials
 * wherever the server was started (review gc, 6).
 */
export function dataDirOf(given: string | undefined): string {
  if (given !== undefined && given.trim() === '') throw new StartError("--data-dir is empty: give the directory of the server's data, or leave --data-dir out for ./.gatehouse", 'usage');
  return resolve(given ?? './.gatehouse');
}

/** The base URL of a bound address (an IPv6 host in brackets). */
const urlOf = (scheme: 'http' | 'https', at: { host: string; port: number }): string => `${scheme}://${at.host.includes(':') ? `[${at.host}]` : at.host}:${at.port}`;

/**
 * Writes a file readable by its owner only, atomically (temp file, then rename), and on disk before it returns: the root
 * admin's credentials are written before the account commits (review instances, cn1), and a machine that lost power
 * after the COMMIT must not come back with an empty file in their place.
 */
async function writePrivateFile(path: string, text: string): Promise<void> {
  // A fresh name, created exclusively (`wx`): opened with `w`, a file or symbolic link already at the name (a data dir
  // others may write, which is only warned about) was written through, the admin's secret into a file of theirs or
  // one that kept its mode (review gr, 4).
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  let created = false;
  try {
    const handle = await open(tmp, 'wx', 0o600);
    created = true;
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (e) {
    // Only a file this call made: one that was there already is someone else's.
    if (created) await unlink(tmp).catch(() => {});
    throw e;
  }
}

/**
 * `admin-credentials.json` names the server the CLI asks (`Endpoint`), as of the first start: a later start on other
 * addresses (`--listen`, `--tls-cert`; `gatehouse demo --keep`'s dir served again as it says) left every command with
 * that data dir asking the first one, `ConnectionFailed … connection refused` (review readme, ez5). Its Endpoint now
 * follows this start's URL (a wildcard's at loopback, review sg, 1), the rest kept as it is, unless a Gatehouse server still answers at the one it names (an
 * instance started beside it on the same data dir leaves it to the first). A file that is not such a document, or one
 * that cannot be written (a read-only data dir), is left alone, and the log says what to give the CLI instead.
 */
async function followEndpoint(file: string, url: string, bound: string, log: (line: string) => void): Promise<void> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    // None (removed by its owner, who keeps the key elsewhere) or not JSON: not this start's to rewrite.
    return;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || typeof (doc as Record<string, unknown>)['AccessKeyId'] !== 'string') return;
  const before = (doc as Record<string, unknown>)['Endpoint'];
  // `bound`, this server's own wildcard address (`http://0.0.0.0:…`, as an earlier version wrote it), answers: it is
  // this start's to make reachable, not another instance's.
  if (before === url || (typeof before === 'string' && before !== bound && (await servesGatehouse(before)))) return;
  try {
    await writePrivateFile(file, `${JSON.stringify({ ...doc, Endpoint: url }, null, 2)}\n`);
    log(`${file}: Endpoint ${typeof before === 'string' ? `${before} → ` : ''}${url}, where this server listens (the CLI asks it)`);
  } catch (e) {
    log(`warning: cannot update the Endpoint of ${file} to ${url} (${messageOf(e)}): commands with this data dir ask ${typeof before === 'string' ? before : DEFAULT_LISTEN}; give them --endpoint ${url}`);
  }
}

/** Whether a Gatehouse server answers `/healthz` at `base` within a second (any certificate: only the answer is asked). */
function servesGatehouse(base: string): Promise<boolean> {
  let target: URL;
  try {
    target = new URL('/healthz', base);
  } catch {
    return Promise.resolve(false);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return Promise.resolve(false);
  return new Promise((resolve) => {
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, { method: 'GET', agent: false, timeout: 1_000, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => void (body += c.slice(0, 16)));
      res.on('end', () => resolve(res.statusCode === 200 && body === 'ok\n'));
      res.on('error', () => resolve(false));
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const env = opts.env ?? process.env;
  // Every line this server and its edges log, the given `log`'s too: one event, one line (review lc, 2).
  const log = oneLinePerEvent(opts.log ?? ((line: string) => process.stderr.write(`${line}\n`)));
  const dataDir = dataDirOf(opts.dataDir);
  // Arguments, settings and input files are checked before anything is created or opened: a bad one changes nothing.
  const listen = asUsage(() => parseHostPort(opts.listen ?? DEFAULT_LISTEN, '--listen'));
  // Through the supervisor of `--workers`, a listener opened on a shared port is handed its share of connections at once.
  const othersServe = opts.worker?.othersServe === true;
  const agentAt = asUsage(() => parseHostPort(opts.agentListen ?? DEFAULT_AGENT_LISTEN, '--agent-listen'));
  const healthText = opts.healthListen ?? env['GATEHOUSE_HEALTH_LISTEN'];
  const healthAt = healthText === undefined || healthText === '' ? undefined : asUsage(() => parseHostPort(healthText, opts.healthListen !== undefined ? '--health-listen' : 'GATEHOUSE_HEALTH_LISTEN'));
  const s3At = opts.s3Listen === 'off' ? undefined : asUsage(() => parseHostPort(opts.s3Listen ?? '127.0.0.1:0', '--s3-listen'));
  const listeners = [
    { what: '--listen', at: listen },
    { what: '--agent-listen', at: agentAt },
    ...(s3At !== undefined ? [{ what: '--s3-listen', at: s3At }] : []),
    ...(healthAt !== undefined ? [{ what: opts.healthListen !== undefined ? '--health-listen' : 'GATEHOUSE_HEALTH_LISTEN', at: healthAt }] : []),
  ];
  // A worker's ports were checked as given by its supervisor (src/main/workers.ts), which then chose the port-0 ones.
  if (opts.worker === undefined) {
    try {
      await sharedResolvedAddress(listeners);
    } catch (e) {
      throw new StartError(messageOf(e), 'usage');
    }
  }
  const s3Address = opts.s3Address === undefined ? undefined : asUsage(() => parseBaseUrl(opts.s3Address as string, '--s3-address'));
  const agentAddress = opts.agentAddress === undefined ? undefined : asUsage(() => parseBaseUrl(opts.agentAddress as string, '--agent-address'));
  // With no path: the IAM and STS Query APIs answer at `/` only, and a path a proxy strips is still in the signature
  // the SDKs make (misdirected.ts `answerQueryMisplaced`), so jobs given one could call neither.
  const apiAddress = opts.apiAddress === undefined ? undefined : asUsage(() => {
    const base = parseBaseUrl(opts.apiAddress as string, '--api-address');
    if (new URL(base).pathname !== '/') throw new Error(`--api-address must be a URL without a path (such as https://gatehouse.example.com), got \`${shownUrl(base)}\`: jobs and pods send IAM and STS requests to its \`/\`, which is where this server answers them`);
    return base;
  });
  const waitText = env['GATEHOUSE_DATABASE_WAIT_SECONDS'];
  const waitSeconds = opts.databaseWaitSeconds ?? (waitText !== undefined && waitText !== '' ? decimalSetting(waitText) : undefined);
  if (waitSeconds !== undefined && !(Number.isFinite(waitSeconds) && waitSeconds >= 0)) {
    throw new StartError(`GATEHOUSE_DATABASE_WAIT_SECONDS must be a number of seconds (0 or more), got \`${waitText ?? String(waitSeconds)}\``, 'usage');
  }
  // The migrations' wait for a lock at open (review jv, 3): unset, the store's default (30 s).
  const migrationLockText = env['GATEHOUSE_MIGRATION_LOCK_TIMEOUT_SECONDS'];
  const migrationLockSeconds = migrationLockText !== undefined && migrationLockText !== '' ? decimalSetting(migrationLockText) : undefined;
  // At most a day: PostgreSQL's `lock_timeout` stops at 2147483647 ms, and so does Node's timer that bounds the lock's
  // answer (the timeout plus 2 s), which fired after 1 ms past it: a larger value cut every attempt on a healthy
  // database, or was refused by it, and the start waited for it without end (review mz, 2).
  if (migrationLockSeconds !== undefined && !(Number.isFinite(migrationLockSeconds) && migrationLockSeconds > 0 && migrationLockSeconds <= MAX_MIGRATION_LOCK_SECONDS)) {
    throw new StartError(`GATEHOUSE_MIGRATION_LOCK_TIMEOUT_SECONDS must be a number of seconds (more than 0), at most ${MAX_MIGRATION_LOCK_SECONDS} (a day), got \`${migrationLockText ?? ''}\``, 'usage');
  }
  const urlText = opts.databaseUrl ?? env['GATEHOUSE_DATABASE_URL'];
  // Any other value was taken as a PostgreSQL address all the same: `sqlite:///…` reached a PostgreSQL on localhost,
  // a bare `host:5432/db` was waited for without end (review gc, 3).
  if (urlText !== undefined && urlText !== '' && !/^postgres(?:ql)?:\/\//i.test(urlText)) {
    throw new StartError(`GATEHOUSE_DATABASE_URL must be a PostgreSQL URL (postgres:// or postgresql://, such as postgres://gatehouse@db.internal:5432/gatehouse), got \`${shownSetting(urlText)}\`; leave it unset for SQLite in the data dir`, 'usage');
  }
  // A schema the store does not take was found out only when it opened: after the data dir and a new master.key had
  // been made, and as `unavailable` (exit 10, a database to wait for) for a setting that can never work (review gm, 7).
  const schemaText = opts.databaseSchema ?? env['GATEHOUSE_DATABASE_SCHEMA'];
  // A schema is PostgreSQL's: without a URL (unset, or empty from a variable that was not set) it was ignored, and the
  // server started on SQLite in its data dir, each instance of a deployment meant to share one database on a directory
  // of its own (review uk, 2).
  if ((urlText === undefined || urlText === '') && schemaText !== undefined && schemaText !== '') {
    const shown = schemaText.length > 80 ? `${schemaText.slice(0, 80)}… (${schemaText.length} characters)` : schemaText;
    throw new StartError(`GATEHOUSE_DATABASE_SCHEMA \`${shown}\` is set, but GATEHOUSE_DATABASE_URL is ${urlText === undefined ? 'not' : 'empty'}: a schema is PostgreSQL's; give GATEHOUSE_DATABASE_URL (postgres://…) for PostgreSQL, or unset GATEHOUSE_DATABASE_SCHEMA for SQLite in the data dir`, 'usage');
  }
  if (urlText !== undefined && urlText !== '' && schemaText !== undefined && schemaText !== '' && !SCHEMA_NAME.test(schemaText)) {
    const shown = schemaText.length > 80 ? `${schemaText.slice(0, 80)}… (${schemaText.length} characters)` : schemaText;
    throw new StartError(`GATEHOUSE_DATABASE_SCHEMA must be a plain lower-case identifier (a lower-case letter or \`_\`, then lower-case letters, digits or \`_\`, at most 63 characters, such as gatehouse_prod), got \`${shown}\``, 'usage');
  }
  // SQLite's `synchronous` (stop 64): `full` unless told; `normal` for a data dir whose last commits may be lost with
  // the machine (not the process). A setting of SQLite's: refused with PostgreSQL, where it would do nothing.
  const synchronousText = env['GATEHOUSE_SQLITE_SYNCHRONOUS'];
  let sqliteSynchronous: SqliteSynchronous | undefined;
  if (synchronousText !== undefined && synchronousText !== '') {
    const given = SQLITE_SYNCHRONOUS.find((v) => v === synchronousText.trim().toLowerCase());
    if (given === undefined) throw new StartError(`GATEHOUSE_SQLITE_SYNCHRONOUS must be \`full\` (the default: each commit survives a power loss) or \`normal\` (a commit survives the process's crash, not the machine's), got \`${shownSetting(synchronousText)}\``, 'usage');
    if (urlText !== undefined && urlText !== '') throw new StartError('GATEHOUSE_SQLITE_SYNCHRONOUS is set, but GATEHOUSE_DATABASE_URL puts the data in PostgreSQL: it is a setting of the SQLite store in the data dir; unset one of them', 'usage');
    sqliteSynchronous = given;
  }
  const auditOptions = auditOptionsFromEnv(env);
  if (!auditOptions.ok) throw new StartError(auditOptions.errors[0]?.message ?? 'invalid audit settings', 'usage');
  const proofAudiences = parseProofAudiences(opts.authorizeProofAudiences ?? env[PROOF_AUDIENCES_ENV]);
  if (!proofAudiences.ok) throw new StartError(proofAudiences.errors[0]?.message ?? `invalid ${PROOF_AUDIENCES_ENV}`, 'usage');
  // Checked with the other settings: it was checked once the store was open and the directory loaded, so a malformed one
  // first made the data dir, master.key and the database, or, with a PostgreSQL out of reach, waited for it without end
  // and never said what was wrong (review ja, 2).
  const issuerUrl = opts.issuerUrl ?? env['GATEHOUSE_ISSUER_URL'];
  const issuerRefused = issuerUrl ? issuerUrlRefusal(issuerUrl) : undefined;
  if (issuerRefused !== undefined) throw new StartError(`GATEHOUSE_ISSUER_URL: ${issuerRefused}`, 'usage');
  const trustedProxies = parseTrustedProxies(env[TRUSTED_PROXIES_ENV]);
  if (!trustedProxies.ok) throw new StartError(trustedProxies.message, 'usage');
  const tokenHostsText = env['GATEHOUSE_KUBE_TOKEN_HOSTS'];
  const tokenHostsRefused = tokenHostsRefusal(tokenHostsText);
  if (tokenHostsRefused !== undefined) throw new StartError(tokenHostsRefused, 'usage');
  const jobSessionSeconds = opts.jobSessionSeconds ?? (env['GATEHOUSE_JOB_SESSION_SECONDS'] ? decimalSetting(env['GATEHOUSE_JOB_SESSION_SECONDS']) : undefined);
  if (jobSessionSeconds !== undefined && (!Number.isInteger(jobSessionSeconds) || jobSessionSeconds < 10 || jobSessionSeconds > 43200)) {
    throw new StartError(`GATEHOUSE_JOB_SESSION_SECONDS must be an integer from 10 to 43200, got \`${opts.jobSessionSeconds !== undefined ? String(jobSessionSeconds) : (env['GATEHOUSE_JOB_SESSION_SECONDS'] ?? '')}\``, 'usage');
  }
  const consoleIdleText = env['GATEHOUSE_CONSOLE_IDLE_SECONDS'];
  const consoleIdleSeconds = consoleIdleText === undefined || consoleIdleText === '' ? undefined : decimalSetting(consoleIdleText);
  if (consoleIdleSeconds !== undefined && !(consoleIdleSeconds >= 1 && consoleIdleSeconds <= 28_800)) {
    throw new StartError(`GATEHOUSE_CONSOLE_IDLE_SECONDS must be a number of seconds from 1 to 28800 (the console's 8 hours), got \`${consoleIdleText ?? ''}\``, 'usage');
  }
  const pollText = env['GATEHOUSE_CHANGE_POLL_MS'];
  const pollMs = pollText ? decimalSetting(pollText) : undefined;
  if (pollMs !== undefined && (!Number.isInteger(pollMs) || pollMs < 100 || pollMs > 600_000)) {
    throw new StartError(`GATEHOUSE_CHANGE_POLL_MS must be an integer from 100 to 600000, got \`${pollText}\``, 'usage');
  }
  const staleText = env['GATEHOUSE_MAX_STALENESS_SECONDS'];
  const staleSeconds = opts.maxStalenessSeconds ?? (staleText !== undefined && staleText !== '' ? decimalSetting(staleText) : undefined);
  if (staleSeconds !== undefined) {
    const shown = opts.maxStalenessSeconds !== undefined ? `--max-staleness \`${String(staleSeconds)}\`` : `GATEHOUSE_MAX_STALENESS_SECONDS \`${staleText ?? ''}\``;
    if (!(Number.isFinite(staleSeconds) && staleSeconds > 0)) throw new StartError(`${shown}: give a number of seconds above 0 (leave it unset for no bound)`, 'usage');
    // A healthy instance refreshes at least once per poll: a bound within two polls would flap.
    if (staleSeconds * 1000 < 2 * (pollMs ?? 1_000)) {
      throw new StartError(`${shown}: must be at least twice the change poll interval (${pollMs ?? 1_000} ms, GATEHOUSE_CHANGE_POLL_MS), or a healthy instance would flap`, 'usage');
    }
  }
  const connText = env['GATEHOUSE_MAX_CONNECTIONS'];
  const maxConnections = opts.maxConnections ?? (connText !== undefined && connText !== '' ? decimalSetting(connText) : undefined);
  if (maxConnections !== undefined && !(Number.isInteger(maxConnections) && maxConnections >= 1 && maxConnections <= 9_999_999)) {
    const shown = opts.maxConnections !== undefined ? `--max-connections \`${String(maxConnections)}\`` : `GATEHOUSE_MAX_CONNECTIONS \`${connText ?? ''}\``;
    throw new StartError(`${shown}: give a whole number from 1 to 9999999`, 'usage');
  }
  const keepAliveText = env['GATEHOUSE_KEEP_ALIVE_TIMEOUT_SECONDS'];
  const keepAliveSeconds = keepAliveText !== undefined && keepAliveText !== '' ? decimalSetting(keepAliveText) : undefined;
  // From a millisecond: a value above 0 but under half of one was rounded to 0 ms, which Node takes for no keep-alive
  // timeout at all (idle connections then held until the 120 s idle bound), the opposite of what was asked (review uk, 1).
  if (keepAliveSeconds !== undefined && !(keepAliveSeconds >= 0.001 && keepAliveSeconds <= 3600)) {
    throw new StartError(`GATEHOUSE_KEEP_ALIVE_TIMEOUT_SECONDS \`${keepAliveText ?? ''}\`: give a number of seconds from 0.001 (a millisecond) to 3600 (above a load balancer's idle timeout)`, 'usage');
  }
  const keepAliveTimeoutMs = keepAliveSeconds === undefined ? undefined : Math.round(keepAliveSeconds * 1000);
  const liveJobsText = env['GATEHOUSE_MAX_LIVE_JOBS'];
  const maxLiveJobs = opts.maxLiveJobs ?? (liveJobsText !== undefined && liveJobsText !== '' ? decimalSetting(liveJobsText) : undefined);
  if (maxLiveJobs !== undefined && !(Number.isInteger(maxLiveJobs) && maxLiveJobs >= 1 && maxLiveJobs <= 1_000_000)) {
    const shown = opts.maxLiveJobs !== undefined ? `--max-live-jobs \`${String(maxLiveJobs)}\`` : `GATEHOUSE_MAX_LIVE_JOBS \`${liveJobsText ?? ''}\``;
    throw new StartError(`${shown}: give a whole number from 1 to 1000000`, 'usage');
  }
  // The listener that answers probes while the database is awaited needs the certificate too.
  const tls = await readTls(opts.tlsCert, opts.tlsKey);
  // The certificate served now: a renewed one replaces it (`watchTls`), and the CA bundle handed out follows it.
  let tlsNow = tls;
  const masterKey = async () => {
    let loaded: Awaited<ReturnType<typeof loadMasterKey>>;
    try {
      loaded = await loadMasterKey({ dataDir, env, ...(opts.masterKeyFile !== undefined ? { keyFile: opts.masterKeyFile } : {}) });
    } catch (e) {
      throw new StartError(`cannot create the master key in \`${dataDir}\`: ${messageOf(e)}`, 'input');
    }
    if (!loaded.ok) {
      // A malformed GATEHOUSE_MASTER_KEY is a setting; a key file that is missing or malformed is an input file.
      const fromEnv = opts.masterKeyFile === undefined && (env[MASTER_KEY_ENV] ?? '') !== '';
      throw new StartError(loaded.error.message, fromEnv ? 'usage' : 'input');
    }
    return loaded;
  };
  // A key given (--master-key-file, GATEHOUSE_MASTER_KEY) is an input checked before the data dir is made: a missing
  // or malformed one left an empty data dir behind (review gr, 9). The data dir's own key is made in it, after it.
  const keyGiven = opts.masterKeyFile !== undefined || (env[MASTER_KEY_ENV] ?? '') !== '';
  let key = keyGiven ? await masterKey() : undefined;
  try {
    await makeDirectory(dataDir, 0o700);
  } catch (e) {
    throw new StartError(`--data-dir \`${dataDir}\`: ${messageOf(e)}`, 'input');
  }
  // One made earlier keeps its mode: the files in it are 0600, but their names show (review V, V2).
  const startWarnings = [...(tls?.warnings ?? [])];
  // Still taken (tests and short demos use it), but said: under 20 minutes no serving margin is every SDK's (src/core/jobs
  // `servingMargin`, review vj, 1), and nothing else pointed at the setting when jobs met ExpiredToken (review vn, 1).
  if (jobSessionSeconds !== undefined && jobSessionSeconds < SDK_MARGIN_SESSION_SECONDS) {
    startWarnings.push(`GATEHOUSE_JOB_SESSION_SECONDS \`${String(jobSessionSeconds)}\` is under ${SDK_MARGIN_SESSION_SECONDS} (20 minutes): job and node sessions this short cannot be served with every SDK's refresh margin, and botocore's IMDS provider (boto3, the aws CLI) may keep using one past its end, answered ExpiredToken until it asks again; give ${SDK_MARGIN_SESSION_SECONDS} or more`);
  }
  // Alibaba's ECS RAM-role provider fetches again at every call once under an hour is left (review vz, 3).
  if (jobSessionSeconds !== undefined && jobSessionSeconds < ECS_PREFETCH_SESSION_SECONDS) {
    startWarnings.push(`GATEHOUSE_JOB_SESSION_SECONDS \`${String(jobSessionSeconds)}\` is under ${ECS_PREFETCH_SESSION_SECONDS}: a job or node session is served until its refresh, with as little as 45% of its lifetime left, so ${jobSessionSeconds <= 3600 ? 'every' : 'part of every'} session reaches Alibaba's ECS RAM-role provider (@alicloud/credentials ecs_ram_role, the metadata endpoint's ram/ path) with under 60 min left, and that SDK then fetches credentials again (a token PUT and a GET) before every call; give ${ECS_PREFETCH_SESSION_SECONDS} or more where jobs use it`);
  }
  if (((await stat(dataDir)).mode & 0o077) !== 0) startWarnings.push(`--data-dir \`${dataDir}\` is open to group or others; run \`chmod 700 ${dataDir}\``);
  key ??= await masterKey();

  const databaseUrl = opts.databaseUrl ?? env['GATEHOUSE_DATABASE_URL'];
  const databaseSchema = opts.databaseSchema ?? env['GATEHOUSE_DATABASE_SCHEMA'];
  const database = databaseUrl ? `the database (PostgreSQL at ${shownUrl(databaseUrl, 'GATEHOUSE_DATABASE_URL (not shown: it does not parse as a URL)')})` : `the database (SQLite in ${dataDir})`;
  // Until the edge listens: a listener that answers probes, started when the database first cannot be reached, or
  // when the directory starts loading (review ae, 3).
  let waiting: WaitingListener | undefined;
  let waitingFor: 'database' | 'load' = 'database';
  /** The start waits for its database now (it could not be reached): what `/readyz` says meanwhile. */
  let awaitingDatabase = false;
  let edgeListens = false;
  // From the start, before the database is reached: while it was awaited /metrics answered 503 on both ports, and
  // Prometheus marked the target down with no process metrics for as long as the wait lasted (review lm, 2).
  const metrics = createMetrics(opts.metricsPeers !== undefined ? { peers: opts.metricsPeers } : {});
  const metricsNow = async (): Promise<{ body: string; contentType: string }> => ({ body: await metrics.render(), contentType: metrics.contentType });
  /**
   * The waiting listener's requests timed as the edge times its own (every request, when its connection closes, under
   * the API its path names): its 503s were counted nowhere, and an alert on the rate of 5xx answers saw nothing for as
   * long as the database was awaited (review pr, 2). And `--health-listen`'s: its probes and scrapes neither (review vb, 1).
   */
  const timeListener = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    res.once('close', () => metrics.observeRequest(apiOf(req.method, (req.url ?? '/').split('?')[0] ?? '/'), timedStatus(res), (performance.now() - started) / 1000));
  };
  const untilReachable = <T>(step: () => Promise<T>): Promise<T> =>
    whileUnreachable(step, {
      what: database,
      log,
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
      ...(waitSeconds !== undefined ? { waitMs: waitSeconds * 1000 } : {}),
      onWait: async () => {
        waitingFor = 'database';
        awaitingDatabase = true;
        metrics.waitingForDatabase(true);
        // Once the edge listens it answers the probes itself (/readyz 503 until the start is done).
        if (waiting !== undefined || othersServe || edgeListens) return;
        try {
          waiting = await listenWhileWaiting(listen, tls, () => waitingFor, maxConnections, keepAliveTimeoutMs, metricsNow, timeListener, log, () => metrics.storeUnavailable());
          log(`waiting for ${database}: ${urlOf(tls ? 'https' : 'http', { host: listen.host, port: waiting.port })} answers /healthz 200 and /readyz 503 until it is reached`);
        } catch (e) {
          log(`waiting for ${database} without a listener (cannot listen on ${listen.host}:${listen.port}: ${e instanceof Error ? e.message : String(e)})`);
        }
      },
    }).finally(() => {
      awaitingDatabase = false;
      metrics.waitingForDatabase(false);
    });
  // The probes' own port, from the start: alive while the database is awaited and the directory loads, ready after.
  // A worker that starts while others serve opens it once ready: through the supervisor its share of the probes would
  // be answered 503 meanwhile, and a pod whose other workers serve would flap out of its Service.
  let readyNow = async (): Promise<boolean> => false;
  let notReadyNow = (): string | undefined => startingBecause(awaitingDatabase ? 'database' : 'load');
  let health: HealthListener | undefined;
  const listenForProbes = async (at: { host: string; port: number }): Promise<void> => {
    try {
      health = await listenForHealth(at, { ready: () => readyNow(), notReadyBecause: () => notReadyNow(), metrics: metricsNow, timed: timeListener }, log);
    } catch (e) {
      // Named as the address was given, with what to do when another process holds it, as every other port's failure:
      // it said `--health-listen` for GATEHOUSE_HEALTH_LISTEN, and no hint (review rv, 3). `inUse` stays the option, the
      // name a supervisor chose a port 0 under (src/main/workers.ts).
      const given = opts.healthListen !== undefined ? '--health-listen' : 'GATEHOUSE_HEALTH_LISTEN';
      throw new StartError(`cannot listen on ${at.host}:${at.port} (${given}): ${listenError(e, given)}`, 'unavailable', addressInUse(e) ? '--health-listen' : undefined);
    }
  };
  if (healthAt !== undefined && !othersServe) await listenForProbes(healthAt);
  // `pg` (some 70 ms of CPU to load) only for a server on PostgreSQL: every SQLite start, and each worker's, skips it.
  const openPostgres = async (o: PostgresStoreOptions): Promise<Store> =>
    (await import('../adapters/store-postgres/store.ts')).openPostgresStore(o);
  let store: Store;
  try {
    store = await untilReachable((): Promise<Store> => (databaseUrl ? openPostgres({ url: databaseUrl, ...(databaseSchema ? { schema: databaseSchema } : {}), ...(migrationLockSeconds !== undefined ? { migrationLockTimeoutMs: migrationLockSeconds * 1000 } : {}) }) : openSqliteStore({ dataDir, ...(opts.changeNotes !== undefined ? { notes: opts.changeNotes } : {}), ...(sqliteSynchronous !== undefined ? { synchronous: sqliteSynchronous } : {}) })));
  } catch (e) {
    await waiting?.close();
    await health?.close();
    throw e instanceof StartError ? e : databaseUrl ? new StartError(`${database}: ${messageOf(e)}`, 'unavailable') : sqliteStartError(e, dataDir, database);
  }
  // What start-up has opened so far; closed, newest first, when it fails half-way.
  const opened: (() => Promise<void>)[] = [async () => health?.close(), () => store.close(), async () => waiting?.close()];
  const failStart = async (message: string, failure: StartFailure = 'unavailable', inUse?: string): Promise<never> => {
    for (const close of opened.splice(0).reverse()) await close().catch(() => {});
    throw new StartError(message, failure, inUse);
  };
  /** A listener that could not be opened: what to do about it, and the option when its address was in use. */
  const cannotListen = (host: string, port: number, option: string, e: unknown): Promise<never> =>
    failStart(`cannot listen on ${host}:${port} (${option}): ${listenError(e)}`, 'unavailable', addressInUse(e) ? option : undefined);
  /**
   * A step after the edge listens: a failure closes what the start opened (the listeners too) before the start fails.
   * Thrown past them, the process printed its error and never ended, /healthz 200 and /readyz 503 for good (review
   * instances, cn2).
   */
  const listeningStep = async <T>(what: string, step: () => Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (e) {
      return failStart(e instanceof StartError ? e.message : `${what}: ${messageOf(e)}`, e instanceof StartError ? e.failure : 'unavailable');
    }
  };
  // Audit records are linked, hashed and written by a worker thread with its own connection, off the thread that decides.
  const auditTarget: AuditWorkerTarget = databaseUrl
    ? { dialect: 'postgres', url: databaseUrl, ...((opts.databaseSchema ?? env['GATEHOUSE_DATABASE_SCHEMA']) ? { schema: (opts.databaseSchema ?? env['GATEHOUSE_DATABASE_SCHEMA']) as string } : {}) }
    : { dialect: 'sqlite', file: (store as SqliteStore).file, ...(sqliteSynchronous !== undefined ? { synchronous: sqliteSynchronous } : {}) };
  // The audit chain's key, from the master key: the same on every instance of the deployment.
  const chainKey = auditChainKey(key.value.masterKey);
  const deps: AppDeps = { store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(key.value.masterKey), sessions: sessionCrypto, oidc: oidcPort, metrics: metrics.app, chainDigest: chainDigest(chainKey), auditAppender: auditWorker(auditTarget, chainKey), auditSpool: fileAuditSpool(dataDir), auditJournal: fileAuditJournal(dataDir), auditKeyedNote: fileAuditKeyedNote(dataDir) };
  for (const w of [...startWarnings, ...key.value.warnings]) log(`warning: ${w}`);
  const app = createApp(deps, {
    audit: { ...auditOptions.value, ...opts.audit },
    log,
    ...(jobSessionSeconds !== undefined ? { jobSessionSeconds } : {}),
    ...(consoleIdleSeconds !== undefined ? { consoleIdleSeconds } : {}),
    ...(opts.jobHeartbeatTimeoutMs !== undefined ? { jobHeartbeatTimeoutMs: opts.jobHeartbeatTimeoutMs } : {}),
    ...(opts.maxScopedSessions !== undefined ? { maxScopedSessions: opts.maxScopedSessions } : {}),
    ...(maxLiveJobs !== undefined ? { maxLiveJobs } : {}),
    ...(proofAudiences.value !== undefined ? { proofAudiences: proofAudiences.value } : {}),
  });
  app.live.maxStalenessMs = staleSeconds === undefined ? undefined : staleSeconds * 1000;
  // Ready only once the whole directory is loaded: decisions and verification then need no database.
  const loadStarted = Date.now();
  // The audit writer starts beside the load (a thread, its own connection): the first records then need not wait
  // for it. A store it cannot open yet is opened again with the first batch.
  const writerReady = (opts.audit?.enabled ?? auditOptions.value.enabled) === false ? undefined : deps.auditAppender?.warm?.().catch(() => {});
  // The load takes seconds for a large directory, longer on a busy database: meanwhile `--listen` answers /healthz 200
  // and /readyz 503, not a refused connection (a liveness probe would restart the pod in a loop, review ae, 3). Not on
  // port 0: no probe can know that port yet, and a port the kernel picked and this listener gave back may be taken
  // by an outgoing connection before the edge binds it.
  if (waiting === undefined && listen.port !== 0 && !othersServe) {
    waitingFor = 'load';
    waiting = await listenWhileWaiting(listen, tls, () => waitingFor, maxConnections, keepAliveTimeoutMs, metricsNow, timeListener, log, () => metrics.storeUnavailable()).catch(() => undefined);
  }
  try {
    await untilReachable(() => {
      if (waiting !== undefined) waitingFor = 'load';
      return app.start();
    });
    await writerReady;
  } catch (e) {
    // A master key this start created, for a store whose secrets another key sealed (a restart without
    // GATEHOUSE_MASTER_KEY or --master-key-file): it is of no use and must not stay, or it would stand for the
    // first start's key (DESIGN.md: only the first start creates DIR/master.key).
    if (key.value.source === 'created' && key.value.file !== undefined && /does not open with this master key|do not open with this master key/.test(messageOf(e))) {
      await unlink(key.value.file).catch(() => {});
    }
    return failStart(e instanceof StartError ? e.message : `cannot load the directory from ${database}: ${e instanceof Error ? e.message : String(e)}`, e instanceof StartError ? e.failure : 'unavailable');
  }
  const loadedSize = app.live.size();
  log(`loaded ${loadedSize.principals} user(s) and role(s), ${loadedSize.accessKeys} access key(s) and ${loadedSize.policies} managed polic${loadedSize.policies === 1 ? 'y' : 'ies'} in ${Date.now() - loadStarted} ms`);
  if (issuerUrl) {
    const set = app.oidc.setIssuer(issuerUrl);
    if (!set.ok) return failStart(`GATEHOUSE_ISSUER_URL: ${set.errors[0]?.message ?? 'invalid'}`, 'usage');
  }

  let bootstrapped = false;
  const agent = createAgent({ app, log, metrics, addresses: () => ({ api: serverUrl, s3: s3Url }), ...(opts.maxMetadataEndpoints !== undefined ? { maxMetadataEndpoints: opts.maxMetadataEndpoints } : {}), ...(opts.peers !== undefined ? { peers: opts.peers } : {}) });
  let agentUrl = '';
  let serverUrl = '';
  // What jobs are sent to: `--s3-address`, else the gateway's own URL once it is bound.
  let s3Url = s3Address ?? '';
  const jobRoutes = [...jobsRoutes({ openMetadata: (id) => agent.openMetadata(id), metadataFull: () => (agent.metadataFull() ? agent.maxMetadataEndpoints : undefined), agentUrl: () => agentUrl, serverUrl: () => serverUrl, s3Url: () => s3Url }), ...stsAdminRoutes(), ...authorizeRoutes(), ...bindingsRoutes()];
  // Kubernetes: the webhooks on this port, access entries and webhook configuration under /v1/.
  let tokenHosts: string[] = [];
  const kube = createKube(app, {
    log,
    // No metadata endpoint for a pod (review I, S1): one would listen on this server's loopback, which a pod cannot
    // reach, and would answer anyone who reaches it without the capability. The pod gets AWS_EC2_METADATA_DISABLED.
    podEnvironment: async (job, capability) => {
      const base = agentAddress ?? agentUrl;
      // `http://169.254.170.2` as ECS gives it, a relative URI: SDK v3's fromContainerMetadata refuses that host in a
      // full URI, and a pod's code that calls it got no credentials (review hk, 1).
      return withContainerUri(jobEnvironment({ openMetadata: (id) => agent.openMetadata(id), agentUrl: () => base, serverUrl: () => serverUrl, s3Url: () => s3Address ?? '' }, job.id, capability));
    },
  });
  app.addAuthorizeEngine(kube.engine);
  // Kubernetes RBAC loads on first use otherwise: a decision right after start must not need the database either.
  try {
    await untilReachable(async () => kube.engine.prepare());
  } catch (e) {
    return failStart(e instanceof StartError ? e.message : `cannot load the Kubernetes RBAC state from ${database}: ${e instanceof Error ? e.message : String(e)}`, e instanceof StartError ? e.failure : 'unavailable');
  }
  const kubeHttp = { app, kube, tokenHosts: () => tokenHosts, certificate: () => tlsNow?.chain };
  jobRoutes.push(...kubeRoutes(kubeHttp));
  // The webhooks decide for kube-apiserver without `app.authenticate`: the staleness bound is checked here.
  const kubeWebhooks = kubeWebhookHandler(kubeHttp);
  const kubeEdge = {
    kubeWebhooks: async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      app.live.assertFresh();
      return kubeWebhooks(req, res);
    },
    ...(tls ? { tls } : {}),
  };
  metrics.bind({
    auditBacklog: () => app.audit.status().backlog,
    auditHealthy: () => app.audit.status().healthy,
    auditOldestUnwrittenSeconds: () => app.audit.oldestUnwrittenMs() / 1000,
    cacheHead: () => app.live.head,
    cacheGeneration: () => app.live.generation,
    directoryStalenessSeconds: () => app.live.stalenessMs() / 1000,
    jobsHeld: () => app.jobs.stats().jobs,
  });
  // Ready: the directory loaded and bootstrapped, and (with --max-staleness) refreshed within the bound. Not a
  // database round-trip: decisions and session checks need none, and an orchestrator taking every replica out of its
  // Service during a database outage would stop them all (issue: they keep working from the compiled state). Nor the
  // audit log's health: while it cannot be written, the closed policy refuses issuance and changes (503, retryable)
  // but decisions carry on; /metrics and /v1/audit/status report the audit log.
  const ready = async (): Promise<boolean> => bootstrapped && app.live.loaded && !app.live.tooStale();
  let stopRequested = false;
  readyNow = async () => !stopRequested && (await ready());
  notReadyNow = () => {
    if (stopRequested) return 'stopping';
    if (!app.live.loaded) return startingBecause(awaitingDatabase ? 'database' : 'load');
    if (!bootstrapped) return awaitingDatabase ? startingBecause('database') : 'starting: creating the root account or reading its endpoint';
    if (app.live.tooStale()) return `no refresh of the directory from the database has succeeded for ${(app.live.stalenessMs() / 1000).toFixed(1)} s, more than --max-staleness (${((app.live.maxStalenessMs ?? 0) / 1000).toFixed(1)} s)`;
    return undefined;
  };
  // Alibaba STS nonces: on PostgreSQL, claimed in the database, one set for every instance (and every worker) on it
  // (review kq, 1); else the supervisor's set for a worker of `--workers`, or the server's own, in front of claims in
  // the SQLite file, which outlive a restart (review lx, 1); those pending are written at stop, and no more wait than
  // the set holds (review uz, 1).
  const remembered = store.dialect === 'postgres' ? undefined : rememberedNonces(opts.nonces ?? new NonceSet(opts.maxSignatureNonces ?? MAX_NONCES), store, log, opts.maxSignatureNonces ?? MAX_NONCES);
  const nonces = remembered?.claims ?? storeNonces(store);
  // The edge's /readyz as --health-listen's: not ready from the start of a stop. It said ready until the edge began to
  // close, after the change feed had stopped (a prune or the notification channel in flight, up to the statement
  // bound), while --health-listen already said not ready (review lm, 3).
  const edge = createHttpEdge({ ...kubeEdge, app, ready: () => readyNow(), notReadyBecause: () => notReadyNow(), log, jobRoutes: [...recordEdgeChanges(jobRoutes), ...auditRoutes()], metrics, s3Address: () => s3Url, trustedProxies: trustedProxies.value, limits: { ...(maxConnections !== undefined ? { maxConnections } : {}), ...(keepAliveTimeoutMs !== undefined ? { keepAliveTimeoutMs } : {}), ...(opts.maxSignatureNonces !== undefined ? { maxSignatureNonces: opts.maxSignatureNonces } : {}) }, ...(nonces !== undefined ? { nonces } : {}) });
  // The probe listener hands its port over (the one it was given, or the one the kernel picked for port 0).
  const listenPort = waiting?.port ?? listen.port;
  await waiting?.close();
  waiting = undefined;
  let bound: { host: string; port: number };
  try {
    bound = await edge.listen(listen.host, listenPort);
  } catch (e) {
    return cannotListen(listen.host, listenPort, '--listen', e);
  }
  opened.push(() => edge.close());
  edgeListens = true;
  const url = urlOf(tls ? 'https' : 'http', bound);
  if (!issuerUrl) app.oidc.setIssuer(url);
  // This server as a client on this machine reaches it: at a wildcard, its loopback. `http://0.0.0.0:…` in
  // admin-credentials.json was every CLI command's endpoint, which a client on Windows cannot connect to, a certificate
  // never names, and a browser treats as no secure context (the console's, review pm, 3); `[::]` alike (review sg, 1).
  const localUrl = urlOf(tls ? 'https' : 'http', reachedAt(bound));

  let agentBound: { host: string; port: number };
  try {
    agentBound = await agent.listen(agentAt.host, agentAt.port);
  } catch (e) {
    return cannotListen(agentAt.host, agentAt.port, '--agent-listen', e);
  }
  opened.push(() => agent.close());
  // A wildcard is reached on this machine at 127.0.0.1, and only loopback (or 169.254.170.2) over http is a container
  // credentials URL the AWS SDKs accept (credential-protocols §2.1, §3.1): `http://0.0.0.0:…` in a job's environment
  // was refused by every SDK before it sent anything (review af, P1). Nodes and pods are given `--agent-address`.
  const agentWildcard = agentBound.host === '0.0.0.0' || agentBound.host === '::';
  agentUrl = urlOf('http', agentWildcard ? { host: '127.0.0.1', port: agentBound.port } : agentBound);
  // Pods reach the node agent off their own loopback by construction; over plain http the AWS SDKs take only
  // 169.254.170.2 there (review af, P2).
  const agentAddressRefused = agentAddress === undefined ? undefined : podContainerAddressRefusal(agentAddress);
  if (agentAddressRefused !== undefined) log(`warning: --agent-address ${new URL(agentAddress as string).origin} is not a container credentials endpoint every AWS SDK accepts (${agentAddressRefused}): pods may get no AWS credentials from it; give the node agent http://169.254.170.2 on port 80 (a link-local address on each node; pods are then given AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, as ECS gives it, which every AWS SDK takes)`);
  // Pods (given `--agent-address`) would be given this server's loopback as AWS_ENDPOINT_URL, where a pod reaches nothing
  // (review su, 1): said, as the agent's address is.
  const localHost = new URL(localUrl).hostname;
  if (agentAddress !== undefined && apiAddress === undefined && (localHost === '127.0.0.1' || localHost === '[::1]' || localHost === 'localhost')) {
    log(`warning: pods are given AWS_ENDPOINT_URL=${localUrl}, this server's loopback (--listen ${url}), where a pod reaches no Gatehouse: their STS and IAM calls will fail to connect; give --api-address with the URL pods reach the API at (its Service, such as https://gatehouse.gatehouse.svc)`);
  }

  // Live jobs' metadata endpoints that this agent served before a restart: the same ports again.
  const reopened = await listeningStep('cannot reopen the metadata endpoints of live jobs', () => untilReachable(() => agent.reopenMetadata()));
  if (reopened.reopened + reopened.failed > 0) log(`agent: reopened the metadata endpoints of ${reopened.reopened} live job(s)${reopened.failed > 0 ? `; ${reopened.failed} could not be` : ''}`);

  // The S3 gateway: objects on disk under the data dir, every request decided by the engine (app/s3.ts).
  let gateway: { s3: ReturnType<typeof createS3>; edge: ReturnType<typeof createS3Edge> } | undefined;
  let s3Listening = '';
  if (s3At !== undefined) {
    const s3 = createS3(app, await listeningStep('cannot open the S3 gateway\'s objects', () => openFsObjectStore(join(dataDir, 'objects'), { log, ...(opts.s3MaxPutSize !== undefined ? { maxPutSize: opts.s3MaxPutSize } : {}) })));
    opened.push(() => s3.close());
    const owners = await listeningStep('cannot record the owners of the S3 gateway\'s buckets', () => untilReachable(() => s3.recordOwners()));
    if (owners > 0) log(`s3: recorded the owner of ${owners} bucket(s) for the authorize API`);
    // Requests for the API sent to the gateway's port are told where to go (review readme, R9).
    const s3Edge = createS3Edge({ app, s3, log, metrics, apiAddress: () => serverUrl, trustedProxies: trustedProxies.value, ...(tls ? { tls } : {}), ...(maxConnections !== undefined ? { maxConnections } : {}), ...(keepAliveTimeoutMs !== undefined ? { keepAliveTimeoutMs } : {}) });
    let s3Bound: { host: string; port: number };
    try {
      s3Bound = await s3Edge.listen(s3At.host, s3At.port);
    } catch (e) {
      return cannotListen(s3At.host, s3At.port, '--s3-listen', e);
    }
    gateway = { s3, edge: s3Edge };
    // Jobs on this machine are given the gateway at its loopback when it listens on a wildcard, as the API's URL
    // (review sn, 2): `http://0.0.0.0:…` is no address to connect to.
    s3Url = s3Address ?? urlOf(tls ? 'https' : 'http', reachedAt(s3Bound));
    s3Listening = urlOf(tls ? 'https' : 'http', s3Bound);
  }
  // A certificate renewed on disk (cert-manager renews a 90-day one after 60 days, a cron with certbot) was never read
  // again: the server served the one it started with until it expired, and then every webhook call and HTTPS client
  // failed until someone restarted it (review ja, 6). Served from then on to new connections, on both HTTPS ports.
  const tlsWatch = tls === undefined || opts.tlsCert === undefined || opts.tlsKey === undefined ? undefined : watchTls(opts.tlsCert, opts.tlsKey, opts.tlsReloadMs ?? TLS_RELOAD_MS, log, (next) => {
    for (const server of [edge.server, gateway?.edge.server]) (server as unknown as { setSecureContext?: (o: { cert: string; key: string }) => void } | undefined)?.setSecureContext?.({ cert: next.cert, key: next.key });
    tlsNow = next;
  });
  // What jobs and pods are given as AWS_ENDPOINT_URL (and the misdirected answers name): `--api-address`, else at a
  // wildcard the loopback, as admin-credentials.json and the job credential endpoints name it; it was
  // `http://0.0.0.0:PORT`, which a client on Windows cannot connect to and no certificate names (review sn, 2). A pod, or
  // a job launched on another machine, reaches no server at that loopback: `--api-address` says where they do (review
  // su, 1). The issuer keeps `url`: it is in tokens already issued.
  serverUrl = apiAddress ?? localUrl;
  // A pod's `aws eks get-token` (newer botocore) signs for the host of its AWS_ENDPOINT_URL: this server's too.
  tokenHosts = ownHosts(bound, apiAddress === undefined ? tokenHostsText : [tokenHostsText ?? '', new URL(apiAddress).host].filter((h) => h !== '').join(','), issuerUrl);

  // Not ready until the root account (and its credentials file) exist: a client polling /readyz on a first
  // start must find admin-credentials.json once it answers 200.
  // The file is written before the account commits (review instances, cn1): one that cannot be leaves no account whose
  // only key nobody holds, and the next start makes both.
  const credentialsFile = join(dataDir, ADMIN_CREDENTIALS_FILE);
  const bootstrapOnce = async (): Promise<AdminCredentials | undefined> => {
    let unwritten: unknown;
    let written = false;
    try {
      return await app.bootstrap(async (c) => {
        // Exactly the fields DESIGN.md pins, in its order.
        const file = { AccessKeyId: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, AccountId: c.AccountId, Endpoint: localUrl };
        await writePrivateFile(credentialsFile, `${JSON.stringify(file, null, 2)}\n`).catch((e: unknown) => {
          unwritten = e;
          throw e;
        });
        written = true;
      });
    } catch (e) {
      // Written, then not committed: the file names a key that does not exist (unless the COMMIT's answer was lost).
      if (written && !isStoreOutcomeUnknown(e)) await unlink(credentialsFile).catch(() => {});
      if (unwritten !== undefined) throw new StartError(`cannot write the root admin's credentials to ${credentialsFile} (${messageOf(unwritten)}); the root account was not created: make the file writable and start again`, 'unavailable');
      throw e;
    }
  };
  // A database lost here is waited for, as during the load: the edge answers /readyz 503 meanwhile (review instances, cn2).
  const creds = await listeningStep(`cannot create the root account in ${database}`, () => untilReachable(bootstrapOnce));
  if (creds) log(`first start: created account ${creds.AccountId} with user ${creds.UserName}; credentials in ${credentialsFile}`);
  else await followEndpoint(credentialsFile, localUrl, url, log);
  // What other instances committed while this one started (after its load, before it follows changes below) is
  // read once more before it answers ready (review instances, M8): ready means the state of now.
  await app.refresh().catch(() => {});
  bootstrapped = true;
  if (healthAt !== undefined && health === undefined) {
    try {
      await listenForProbes(healthAt);
    } catch (e) {
      return failStart(messageOf(e));
    }
  }
  const gatewayNote = gateway ? `S3 gateway on ${s3Listening}${s3Url !== s3Listening ? ` (jobs use ${s3Url})` : ''}` : `no S3 gateway here${s3Url ? ` (jobs use ${s3Url})` : ''}`;
  // The console at a wildcard is opened on this machine at loopback: a browser treats `http://0.0.0.0:…` as no secure
  // context, gives the page no Web Crypto, and the console then refuses a key (web/console.js; review pm, 3).
  log(`gatehouse listening on ${url}, job credential endpoints on ${agentUrl}, ${gatewayNote} (store: ${store.dialect}${store.dialect === 'sqlite' ? ` in ${dataDir}` : ''}); console at ${localUrl}/ui/`);
  if (proofAudiences.value !== undefined) log(describeProofAudiences(proofAudiences.value));
  if (trustedProxies.value.length > 0) log(`client addresses: from X-Forwarded-For when the connection comes from ${TRUSTED_PROXIES_ENV} (${(env[TRUSTED_PROXIES_ENV] ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '').join(', ')})`);
  if (health !== undefined && healthAt !== undefined) log(`probes and metrics also on ${urlOf('http', { host: healthAt.host, port: health.port })} (/healthz, /readyz, /metrics; --health-listen)`);

  // Changes made through any instance (revocations, policy edits, key rotation) reach this one when the store
  // announces them (PostgreSQL NOTIFY), else by polling; an outage is logged once when it starts and once when
  // it ends. GATEHOUSE_CHANGE_POLL_MS sets the safety-net poll while notifications flow (default 1,000).
  const following = followChanges({
    refresh: () => app.refresh(),
    pruneChanges: (signal) => pruneChangeLog(store, undefined, undefined, signal),
    // Not the directory's head alone: it also moves by itself, ahead of what else a refresh brings up (review eu, 2).
    head: () => app.refreshedHead(),
    subscribe: store.subscribe?.bind(store),
    log,
    ...(pollMs !== undefined ? { pollMs } : {}),
    staleness: { ageMs: () => app.live.stalenessMs(), boundMs: app.live.maxStalenessMs },
  });
  // Jobs whose launcher went silent (process gone, machine lost) are marked Failed, never left Running.
  // Swept at least twice per timeout, so a short test timeout is noticed soon after it passes.
  const sweepMs = Math.min(5_000, Math.max(500, (opts.jobHeartbeatTimeoutMs ?? 30_000) / 2));
  // Said once when sweeps start failing (an outage) and once when they work again, as the rest of the outage.
  let sweepFailing = false;
  // Of `--workers`, one worker sweeps, on the heartbeats it heard and those the others wrote to the store (one sweep of
  // the live jobs, not N). The others, as often, drop what they hold of jobs that ended (through another worker, or
  // failed by the sweep), as the sweep does: they kept it for the life of the process (review bq, 2).
  const sweeps = opts.worker === undefined || opts.worker.sweeps;
  const sweeper = setInterval(
    () =>
      void (sweeps ? app.jobs.sweep() : app.jobs.forgetEnded()).then(
        () => {
          if (sweepFailing) log(sweeps ? 'job sweep: working again' : 'jobs: dropping what this worker holds of jobs that ended works again');
          sweepFailing = false;
        },
        (e: unknown) => {
          // A worker that does not sweep says what failed: its own pass, not a sweep it never makes (review bu, 2).
          const what = sweeps ? 'job sweep failed' : 'jobs: cannot drop what this worker holds of jobs that ended (worker 1 sweeps them)';
          if (!sweepFailing) log(`${what} (retried every ${sweepMs} ms, said again once it works): ${e instanceof Error ? e.message : String(e)}`);
          sweepFailing = true;
        },
      ),
    sweepMs,
  );
  sweeper.unref();
  // Revocation entries no session can meet any more (older than the longest session and the clock skew) are deleted
  // a minute after start and then hourly; every instance may do it, each deletion reads the entry again.
  const pruneRevocations = (): void =>
    void app.live.pruneRevocations(Date.now()).then(
      (n) => n > 0 && log(`revocations: deleted ${n} entr${n === 1 ? 'y' : 'ies'} older than the longest session (36 h) and the clock skew allowed (15 min): no session they refuse is still valid`),
      (e: unknown) => log(`revocations: cannot delete the expired entries (tried again in an hour): ${e instanceof Error ? e.message : String(e)}`),
    );
  const revocationPruner = setInterval(pruneRevocations, 3_600_000);
  revocationPruner.unref();
  const firstRevocationPrune = setTimeout(pruneRevocations, 60_000);
  firstRevocationPrune.unref();
  let stopping: Promise<readonly string[]> | undefined;
  return {
    url,
    agentUrl,
    s3Url,
    ...(health !== undefined && healthAt !== undefined ? { healthUrl: urlOf('http', { host: healthAt.host, port: health.port }) } : {}),
    app,
    dataDir,
    adminCredentials: creds,
    stop: () =>
      (stopping ??= (async () => {
        stopRequested = true;
        // The audit log's drain counts from the end of the edges' grace, whatever its own waits (review eh4): one after
        // the other, on a database that does not answer, they put the spool at 25–30 s, the end of Kubernetes' default
        // grace period.
        const drainFrom = Date.now() + DEFAULT_GRACE_MS;
        await following.stop();
        tlsWatch?.stop();
        clearInterval(sweeper);
        clearInterval(revocationPruner);
        clearTimeout(firstRevocationPrune);
        // Every port stops accepting at once and drains within one grace: one after the other, their graces added up.
        await Promise.all([
          agent.close(),
          (async () => {
            await gateway?.edge.close();
            await gateway?.s3.close();
          })(),
          edge.close(),
        ]);
        // What is still queued for the audit log gets one last attempt, then is spooled to the data dir, first: keys'
        // last use and the scope sweep may wait out the statement bound (30 s) on a database that does not answer,
        // and behind them the spool came after Kubernetes' default grace period (30 s), so a killed pod lost the
        // decisions queued during the outage (left by review az). Nothing they do records to the audit log.
        const lost = await app.audit.stop({ drainFrom });
        // Keys' last use and the scope sweep's last writes get LAST_WRITES_MS; a write of theirs still in flight then is
        // cut with the other transactions by the store's close, which waits at most its close timeout (5 s) for what is
        // in flight: a transaction hung on the database (a row lock another session holds, a database that stopped
        // answering) held each of these up to the statement bound (30 s), past Kubernetes' grace period (review dz1).
        await settledWithin(Promise.all([app.keyUse.stop(), app.sessionScopes.stop(), remembered?.stop()]), LAST_WRITES_MS);
        await store.close();
        await health?.close();
        return lost > 0 ? [`${lost} audit record(s) lost: they could be neither written to the audit log nor spooled to ${join(dataDir, 'audit-spool')} (see the lines above)`] : [];
      })()),
  };
}

/** How long a server's stop waits for keys' last use and the scope sweep to write what they hold (review dz1). */
const LAST_WRITES_MS = 5_000;

/** Waits for `p` (its outcome not looked at) at most `ms`. */
async function settledWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([p.then(() => undefined, () => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/**
 * Resolves at the first SIGINT, SIGTERM or SIGHUP, saying so: the long-running commands then stop gracefully. SIGHUP
 * (the terminal or SSH session they run in going away; Node.js resets the SIGHUP that `nohup` ignored, so a nohup'd
 * server gets it at logout too) met Node's default and killed the process at once, its audit records neither written
 * nor spooled (review gc, 2): it stops them as SIGTERM does, as it stops `jobs run` and `demo`. A later one
 * while they stop is said and changes nothing: the handlers were `once`, so a second SIGTERM (an impatient operator,
 * a second Ctrl-C, a supervisor that signals again) met Node's default and killed the process at once, in the middle
 * of its bounded stop, before the audit records it held were written or spooled (review fq, 1). SIGKILL still stops
 * it at once. The handlers stay for the life of the process (a signal handler does not keep it running).
 */
export function untilStopSignal(log: (line: string) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (sig: string): void => {
      if (stopping) return void log(`${sig}: already stopping (in-flight requests, then the audit log, each within a bound); SIGKILL stops at once and loses audit records not yet written`);
      stopping = true;
      log(`${sig}: finishing in-flight requests`);
      resolve();
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGHUP', () => onSignal('SIGHUP'));
  });
}

/**
 * Resolves when this process's parent exits, saying so. `npx gatehouse server` (and `npm exec`) runs node under
 * `npm exec` → `sh -c`: a SIGTERM to the npm process, the PID a shell (`kill $!`) or a process manager holds, ends
 * npm and sh and never reaches node, which would keep serving, orphaned, with its ports taken. An orphan is
 * reparented (to init or a subreaper), so `process.ppid` changes; polled, as no event says so.
 *
 * Watched only when `npx`/`npm exec` started this process (`npm_command=exec` in its environment) and its parent is
 * not init: a process an npm script starts directly inherits `npm_command` too, but not `exec`, and keeps running as
 * before; a container's PID 1 setup is unaffected, and so is a server started directly and meant to outlive the
 * shell that started it (`setsid node bin/gatehouse.js server &`, then logging out: under `nohup` the logout's SIGHUP
 * stops it, `untilStopSignal`). `stop` ends the watch.
 */
export function untilParentExits(log: (line: string) => void, o: { env?: NodeJS.ProcessEnv; everyMs?: number } = {}): { exited: Promise<void>; stop(): void } {
  const parent = process.ppid;
  // `npx` and `npm exec` set npm_command=exec for what they run; an npm script (`npm test`, `npm run …`) sets its own
  // name, and a process it starts directly is not run through `sh -c` by npm exec: not watched.
  const byNpm = (o.env ?? process.env)['npm_command'] === 'exec';
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<void>((resolve) => {
    if (parent <= 1 || !byNpm) return;
    timer = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(timer);
      log(`parent process ${parent} exited (this process is now a child of ${process.ppid}): stopping as on SIGTERM, finishing in-flight requests`);
      resolve();
    }, o.everyMs ?? 500);
    timer.unref();
  });
  return { exited, stop: () => clearInterval(timer) };
}

/**
 * Runs until SIGINT/SIGTERM, or until its parent process exits; resolves with the exit status (docs/errors.md, "CLI
 * exit status"). `workers` above 1: that many server processes under this one (src/main/workers.ts).
 */
export async function runServer(opts: ServerOptions & { readonly workers?: number }): Promise<number> {
  const log = oneLinePerEvent(opts.log ?? ((line: string) => process.stderr.write(`${line}\n`)));
  crashInOneLine(log, 'gatehouse');
  const { workers, ...serverOpts } = opts;
  // The parent is taken before the start: one that exits while the server starts (a second or more; longer with
  // `--workers`, whose workers start one, then the others) left it reparented already, and it served on, orphaned.
  // Noticed then, the server stops as soon as it has started.
  const parent = untilParentExits(log);
  const many = workers !== undefined && workers > 1;
  // A single server listens for the stop signals from the start: SIGTERM while it waited for the database or loaded
  // met Node's default and ended it by the signal (status 143, nothing said), not as the stop it is (review ja, 8). The
  // start gives up at its next wait or step. (The supervisor of `--workers` keeps Node's default while its workers
  // start: each of them, and the supervisor through their IPC channel, ends at once.)
  const stopAsked = many ? undefined : untilStopSignal(log);
  const abort = new AbortController();
  void stopAsked?.then(() => abort.abort());
  let server: { stop(): Promise<readonly string[]> };
  try {
    server = many ? await (await import('./workers.ts')).startWorkers(serverOpts, workers) : await startServer({ ...serverOpts, signal: abort.signal });
  } catch (e) {
    parent.stop();
    if (e instanceof StartError && e.failure === 'stopped') {
      log('gatehouse stopped while starting (nothing was served)');
      return EXIT.ok;
    }
    log(`gatehouse server: ${messageOf(e)}`);
    return startExitCode(e);
  }
  await Promise.race([stopAsked ?? untilStopSignal(log), parent.exited]);
  parent.stop();
  const failures = await server.stop();
  if (failures.length > 0) {
    // A stop that lost audit records, or (`--workers`) a worker that could not stop cleanly: not the 0 of a clean stop,
    // which a supervisor or an operator reading the status took it for (review ja, 5).
    if (workers !== undefined && workers > 1) {
      for (const f of failures) log(`gatehouse: ${f}`);
      log('gatehouse stopped, not cleanly: what those workers held (decisions not yet in the audit log) may be lost');
    } else log(`gatehouse stopped, not cleanly: ${failures.join('; ')}`);
    return EXIT.unavailable;
  }
  log('gatehouse stopped');
  return EXIT.ok;
}

/** A host name (letters, digits, `-`, `_`, dot-separated labels, a final dot), an IPv4 address or an IPv6 one in brackets, then an optional port. */
const TOKEN_HOST = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/i;

/**
 * Why GATEHOUSE_KUBE_TOKEN_HOSTS cannot be taken, or undefined when it can (unset or empty too): comma-separated
 * `host[:port]` names, as a token's URL names its host. An entry of another shape (a URL, `https://gatehouse.example.com`,
 * a host with a path or a space) was kept as it was and matched no token: every k8s-aws-v1 token naming that host was
 * refused `is neither this server nor sts.amazonaws.com`, and the start said nothing (review ja, 3).
 */
export function tokenHostsRefusal(text: string | undefined): string | undefined {
  for (const raw of (text ?? '').split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const m = TOKEN_HOST.exec(entry);
    if (m !== null && (m[1] === undefined || (Number(m[1]) >= 1 && Number(m[1]) <= 65535))) continue;
    const shown = entry.length > 120 ? `${entry.slice(0, 120)}…` : entry;
    let hint = 'give host names or addresses, each with an optional :PORT (such as gatehouse.example.com or gatehouse.gatehouse.svc:8470), separated by commas';
    if (URL.canParse(entry) && /^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) {
      const host = new URL(entry).host;
      if (host !== '') hint = `give the host of a URL, not the URL: \`${host}\``;
    }
    return `GATEHOUSE_KUBE_TOKEN_HOSTS: \`${shownSetting(shown)}\` is not a host[:port]; ${hint}`;
  }
  return undefined;
}

/**
 * `host[:port]` values a `k8s-aws-v1.` token's URL may name for this server: the bound address (every local
 * address when bound to all of them, and `localhost` on loopback), the issuer URL's host, and the names in
 * GATEHOUSE_KUBE_TOKEN_HOSTS (comma-separated, such as a Service or load balancer name).
 */
/** Where a client on this machine reaches a listener bound at `bound`: a wildcard (`0.0.0.0`, `::`) at its loopback. */
export const reachedAt = (bound: { host: string; port: number }): { host: string; port: number } =>
  bound.host === '0.0.0.0' || bound.host === '' ? { host: '127.0.0.1', port: bound.port } : bound.host === '::' ? { host: '::1', port: bound.port } : bound;

export function ownHosts(bound: { host: string; port: number }, extra: string | undefined, issuerUrl: string | undefined): string[] {
  const withPort = (h: string): string => `${h.includes(':') && !h.startsWith('[') ? `[${h}]` : h}:${bound.port}`;
  const hosts = new Set<string>([withPort(bound.host)]);
  const any = bound.host === '0.0.0.0' || bound.host === '::';
  if (any || bound.host === '127.0.0.1' || bound.host === '::1') hosts.add(withPort('localhost'));
  if (any) for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) hosts.add(withPort(a.address));
  if (issuerUrl) {
    try {
      hosts.add(new URL(issuerUrl).host);
    } catch {
      // Checked when the issuer was set.
    }
  }
  for (const h of (extra ?? '').split(',').map((x) => x.trim().toLowerCase()).filter((x) => x !== '')) hosts.add(h);
  return [...hosts].map((h) => h.toLowerCase());
}

/**
 * Why the server did not start, as `gatehouse server`'s exit status tells it (docs/errors.md, "CLI exit status"):
 * `usage` a malformed argument or setting (2), `input` an input file that cannot be read or is not what it must
 * be (5), `unavailable` something it needs: its database, an address to listen on (10).
 */
export type StartFailure = 'usage' | 'input' | 'unavailable' | 'stopped';

/** `stopped`: a stop signal while it started (review ja, 8) ends it as a stop does, 0. */
const START_FAILURE_EXIT: Readonly<Record<StartFailure, number>> = { usage: EXIT.usage, input: EXIT.noInput, unavailable: EXIT.unavailable, stopped: EXIT.ok };

/**
 * Why the SQLite database in `dataDir` did not open. A file SQLite cannot open (a directory in its place, one it may not
 * read) or one that is not a database or is damaged (SQLITE_CANTOPEN 14, SQLITE_CORRUPT 11, SQLITE_NOTADB 26) is a
 * file that is not what it must be (exit 5), not a database out of reach: it was exit 10, which says that retrying
 * may succeed, with SQLite's bare words (`file is not a database`) and neither the file nor what to do (review fq, 2).
 */
function sqliteStartError(e: unknown, dataDir: string, database: string): StartError {
  const errcode = (e as { errcode?: unknown } | null)?.errcode;
  const file = join(dataDir, SQLITE_FILE_NAME);
  if (errcode === 26 || errcode === 11) {
    return new StartError(`${database}: ${file} is not a SQLite database, or is damaged (${messageOf(e)}): restore it from a copy, or move it away (with its -wal and -shm files) to start with an empty directory`, 'input');
  }
  if (errcode === 14) return new StartError(`${database}: cannot open ${file} (${messageOf(e)}): it must be a file this user may read and write, in a directory it may write`, 'input');
  return new StartError(`${database}: ${messageOf(e)}`, 'unavailable');
}

/** The exit status of a start that failed with `e`. */
export const startExitCode = (e: unknown): number => (e instanceof StartError ? START_FAILURE_EXIT[e.failure] : EXIT.unavailable);

/** The failure of a start that exited with `code` (the inverse of `startExitCode`). */
export const startFailureOf = (code: number): StartFailure => (code === EXIT.usage ? 'usage' : code === EXIT.noInput ? 'input' : code === EXIT.ok ? 'stopped' : 'unavailable');

/** A start-up failure whose message is complete as it is (it names the argument, the file or the database). */
export class StartError extends Error {
  readonly failure: StartFailure;
  /**
   * The option (`--listen`, `--agent-listen`, `--s3-listen`, `--health-listen`) whose address another process held
   * (EADDRINUSE): a supervisor that chose that port itself for a port 0 chooses again (src/main/workers.ts).
   */
  readonly inUse: string | undefined;
  constructor(message: string, failure: StartFailure, inUse?: string) {
    super(message);
    this.failure = failure;
    this.inUse = inUse;
  }
}

/** Whether a listener failed because another socket holds its address. */
const addressInUse = (e: unknown): boolean => (e as { code?: unknown } | null)?.code === 'EADDRINUSE';

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Why a listener could not be opened, and for an address in use what to do: most often a server started a second time
 * with the defaults (the README's `npx gatehouse server` in another terminal), whose message named no option.
 */
function listenError(e: unknown, options = '--listen, --agent-listen, --s3-listen'): string {
  return `${messageOf(e)}${addressInUse(e) ? `; another process listens there (a gatehouse server already running?): stop it, or give this server addresses of its own (${options})` : ''}`;
}

/** `parse()`, its error (which names the argument) a usage error. */
function asUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new StartError(messageOf(e), 'usage');
  }
}

/** OpenSSL's reason without its numeric prefix: `PEM routines::no start line`. */
const opensslReason = (e: unknown): string => messageOf(e).replace(/^error:[0-9A-Fa-f]+:/, '');

/** A file flag's value that is PEM text rather than a path: a PEM boundary, or a line break no path given has. */
const PEM_TEXT = /-----BEGIN |[\r\n]/;

/** A certificate chain or private key in PEM: a long chain is some tens of KiB. */
const MAX_PEM_BYTES = 1024 * 1024;

/**
 * `--tls-cert` and `--tls-key`, read and checked before anything is opened: a PEM certificate, a PEM private
 * key, and the key of that certificate. Each error names the flag and the file.
 */
async function readTls(certFile: string | undefined, keyFile: string | undefined): Promise<{ cert: string; key: string; chain: string; warnings: string[] } | undefined> {
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) throw new StartError(`give both --tls-cert and --tls-key (${certFile === undefined ? '--tls-cert' : '--tls-key'} is missing)`, 'usage');
  const read = async (flag: string, file: string): Promise<string> => {
    try {
      // Bounded: `/dev/zero` given by mistake was read for seconds into 700 MB and said `Invalid string length` (review gr, 8).
      return await readSmallFile(file, MAX_PEM_BYTES);
    } catch (e) {
      // The file's text given for its path (`--tls-key "$(cat key.pem)"`, a unit or chart value filled with the
      // content): echoed as the name that could not be opened, it put the TLS private key on the terminal and in the
      // logs that keep it (review qz, 1). Said without it; the system's message names the path too, so it goes as well.
      if (PEM_TEXT.test(file)) throw new StartError(`${flag}: the value given is PEM text, not the path of a file (not shown): give the path of the file that holds it`, 'input');
      throw new StartError(`${flag} \`${file}\`: cannot be read (${messageOf(e)})`, 'input');
    }
  };
  const cert = await read('--tls-cert', certFile);
  const key = await read('--tls-key', keyFile);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (e) {
    throw new StartError(`--tls-cert \`${certFile}\`: not a PEM certificate (${opensslReason(e)})`, 'input');
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ERR_MISSING_PASSPHRASE') {
      throw new StartError(`--tls-key \`${keyFile}\`: the private key is encrypted; give it unencrypted (\`openssl pkey -in ${keyFile} -out KEY.pem\`), readable by this user only`, 'input');
    }
    throw new StartError(`--tls-key \`${keyFile}\`: not a PEM private key (${opensslReason(e)})`, 'input');
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new StartError(`--tls-key \`${keyFile}\`: not the private key of the certificate in --tls-cert \`${certFile}\``, 'input');
  }
  // As for the master key: a private key others may read is said at start (review V, V1).
  const warnings = ((await stat(keyFile)).mode & 0o077) !== 0 ? [`--tls-key \`${keyFile}\` is readable by group or others; run \`chmod 600 ${keyFile}\``] : [];
  // Served all the same (clients that do not verify it still work), but said: every client that verifies it refuses it.
  const now = Date.now();
  if (certificate.validToDate.getTime() < now) warnings.push(`--tls-cert \`${certFile}\`: the certificate expired at ${certificate.validToDate.toISOString()}: every client that verifies it (kube-apiserver, the CLI, the SDKs) refuses it; renew it (a renewed file is loaded within ${TLS_RELOAD_MS / 1000} s)`);
  else if (certificate.validFromDate.getTime() > now) warnings.push(`--tls-cert \`${certFile}\`: the certificate is not valid before ${certificate.validFromDate.toISOString()}: clients that verify it refuse it until then (this machine's clock, or the certificate's?)`);
  return { cert, key, chain: certificateBlocks(cert), warnings };
}

/** How often `--tls-cert` and `--tls-key` are looked at for a renewed certificate. */
export const TLS_RELOAD_MS = 60_000;

/** What changes when a file is replaced or rewritten (a Kubernetes secret volume swaps a symbolic link: followed). */
async function fileStamp(file: string): Promise<string> {
  const s = await stat(file);
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}

/**
 * Looks at `certFile` and `keyFile` every `everyMs`; once either changed, reads and checks both as the start does
 * (`readTls`) and hands them to `use`. A pair that does not load (the key renewed before the certificate, a file half
 * written) is said once and tried again at the next look; the certificate loaded before is served meanwhile.
 */
function watchTls(certFile: string, keyFile: string, everyMs: number, log: (line: string) => void, use: (tls: { cert: string; key: string; chain: string; warnings: string[] }) => void): { stop(): void } {
  const stampOf = async (): Promise<string | undefined> => Promise.all([fileStamp(certFile), fileStamp(keyFile)]).then((x) => x.join('|'), () => undefined);
  let seen: Promise<string | undefined> | string | undefined = stampOf();
  let lastFailure = '';
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      const before = await seen;
      const stamp = await stampOf();
      if (stamp === before) return;
      try {
        const next = await readTls(certFile, keyFile);
        if (next === undefined) return;
        seen = stamp;
        lastFailure = '';
        use(next);
        const valid = new X509Certificate(next.cert).validToDate.toISOString();
        log(`--tls-cert: loaded the renewed certificate in ${certFile} (valid until ${valid}); new connections get it`);
        for (const w of next.warnings) log(`warning: ${w}`);
      } catch (e) {
        const m = messageOf(e);
        if (m !== lastFailure) log(`warning: --tls-cert and --tls-key changed but do not load (${m}); still serving the certificate loaded before, trying again every ${everyMs / 1000} s`);
        lastFailure = m;
      }
    })().finally(() => void (busy = false));
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * The PEM `CERTIFICATE` blocks of `--tls-cert`, each once, and nothing else: what the server hands out as its CA bundle
 * (`POST /v1/clusters/{name}/webhook-config` answers it as `caBundle`, and `gatehouse kube webhook-config` writes it into
 * the kubeconfigs and the MutatingWebhookConfiguration applied to the cluster). A combined PEM, the private key and
 * the certificate in one file given as both `--tls-cert` and `--tls-key`, starts the server, and was handed out whole:
 * the server's private key was in every caller's answer and in the cluster's etcd (review gv, 5).
 */
export function certificateBlocks(pem: string): string {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return `${[...new Set(blocks)].join('\n')}\n`;
}

/**
 * Network errors, and SQLSTATEs of a server that is gone, starting or out of room, or that takes no writes yet (25006: a
 * standby not yet promoted during a failover; the migrations and the key ring's first write need one, review az, 1):
 * worth waiting for.
 */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
const UNREACHABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|connection error|Connection closed/i;

/** Whether `e` says the database cannot be reached now, as opposed to refusing this server (credentials, schema, a newer version). */
export function isUnreachable(e: unknown): boolean {
  for (let x: unknown = e, depth = 0; typeof x === 'object' && x !== null && depth < 4; x = (x as { cause?: unknown }).cause, depth++) {
    if (isStoreUnavailable(x)) return true;
    const code = String((x as { code?: unknown }).code ?? '');
    if (UNREACHABLE_CODES.has(code) || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '25006' || code.startsWith('53')) return true;
    if (UNREACHABLE_MESSAGES.test(String((x as { message?: unknown }).message ?? ''))) return true;
  }
  return false;
}

/**
 * Runs `step` until it succeeds, waiting with backoff (0.5 s doubling to 15 s) while it fails because the
 * database cannot be reached, one log line per attempt; any other failure is thrown at once. With `waitMs`, the last
 * attempt is made at that bound, and its failure gives up with a `StartError` that names the database.
 */
async function whileUnreachable<T>(step: () => Promise<T>, o: { what: string; log: (line: string) => void; waitMs?: number; onWait: () => Promise<void>; signal?: AbortSignal }): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    if (o.signal?.aborted === true) throw new StartError('stopped while starting: nothing was served', 'stopped');
    try {
      return await step();
    } catch (e) {
      if (!isUnreachable(e)) throw e;
      // A refused connection to `localhost` is an AggregateError (one per address tried) with an empty message.
      const why = (e instanceof Error ? e.message : '') || String((e as { code?: unknown }).code ?? e);
      const waited = Date.now() - started;
      if (o.waitMs !== undefined && waited >= o.waitMs) {
        throw new StartError(`${o.what} cannot be reached: ${why}; gave up after ${attempt} attempt(s) in ${(waited / 1000).toFixed(1)} s (GATEHOUSE_DATABASE_WAIT_SECONDS=${o.waitMs / 1000})`, 'unavailable');
      }
      // The last pause ends at the bound, where the last attempt is made: it gave up as soon as the next pause would
      // end past the bound, `=30` after 15.5 s and `=60` after 45.5 s, and a database back within it was never
      // reached (review mz, 1).
      const delay = Math.min(15_000, 500 * 2 ** Math.min(attempt - 1, 5), o.waitMs === undefined ? Infinity : o.waitMs - waited);
      await o.onWait();
      o.log(`${o.what} cannot be reached (attempt ${attempt}): ${why}; trying again in ${delay / 1000} s`);
      await sleep(delay, undefined, o.signal !== undefined ? { signal: o.signal } : {}).catch(() => undefined);
    }
  }
}

interface WaitingListener {
  readonly port: number;
  close(): Promise<void>;
}

/** Why a start is not ready yet, for `/readyz` (`notReadyText`): what it waits for, without the database's address. */
function startingBecause(waitingFor: 'database' | 'load'): string {
  return waitingFor === 'load' ? 'starting: loading the directory' : 'starting: waiting for the database, which cannot be reached yet';
}

/**
 * What `--listen` answers while the database is awaited at start, or the directory loads: /healthz 200 (the process
 * is alive: no restart loop), /readyz 503 (no traffic yet), /metrics the exposition (process metrics, and
 * `gatehouse_waiting_for_database`: a 503 there marked the target down, review lm, 2), and 503 ServiceUnavailable,
 * which clients retry, to everything else.
 */
async function listenWhileWaiting(at: { host: string; port: number }, tls: { cert: string; key: string } | undefined, waitingFor: () => 'database' | 'load', maxConnections: number | undefined, keepAliveTimeoutMs: number | undefined, metrics: () => Promise<{ body: string; contentType: string }>, timed: (req: IncomingMessage, res: ServerResponse) => void, log: (line: string) => void, storeUnavailable: () => void = () => {}): Promise<WaitingListener> {
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const loading = waitingFor() === 'load';
    const message = loading ? 'The service is starting: it is loading its directory. Please try again.' : 'The service is starting: its database cannot be reached yet. Please try again.';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const reply = (status: number, type: string, body: string): void => {
      // A request refused because the database cannot be reached, counted as the edge counts its outage 503s: the
      // counter stayed 0 for a server (re)started during an outage, whose clients were refused all the same (review vb,
      // 4). Not the probes' answers, nor a directory still loading from a database that answers.
      if (status === 503 && !loading && path !== '/readyz') storeUnavailable();
      // As the edge that takes this port over answers (review uq, 5): never stored, never sniffed.
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...(status === 503 ? { 'retry-after': RETRY_AFTER_SECONDS } : {}) });
      res.end(body);
    };
    req.resume();
    // HEAD as GET, as the edge that takes this port over answers the probes (review el, 3).
    const probe = req.method === 'GET' || req.method === 'HEAD';
    if (probe && path === '/healthz') return reply(200, 'text/plain', 'ok\n');
    if (probe && path === '/readyz') return reply(503, 'text/plain', notReadyText(startingBecause(waitingFor())));
    if (probe && path === '/metrics') {
      void metrics().then(
        (m) => reply(200, m.contentType, m.body),
        () => reply(500, 'text/plain', 'the metrics could not be rendered\n'),
      );
      return;
    }
    if (path.startsWith('/v1/')) return reply(503, 'application/json', adminErrorBody('SERVICE_UNAVAILABLE', message));
    // A Kubernetes webhook's as kube-apiserver reads it, as the edge answers its 503s: a Status (review ky, 4).
    if (isKubeWebhook(path)) return reply(503, 'application/json', JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 503, reason: STATUS_REASONS[503], message }));
    // The Query APIs' in the shape of the API asked, as the edge's early refusals (Alibaba STS's JSON or XML, STS's
    // namespace, JSON when asked): always IAM's XML, Alibaba's SDKs failed to parse it (review lz, 2).
    const answer = earlyAnswer(req, randomUUID(), 'SERVICE_UNAVAILABLE', message);
    reply(answer.status, answer.contentType, answer.body);
  };
  // The edge's bounds on connections and their time, as on the edge that takes this port over: the wait may last as
  // long as the database is down, and this listener took any number of connections, each held 60 s for its headers
  // and 300 s for its request (review hg, 2).
  const server: Server = boundedServer(handler, { ...HTTP_EDGE_LIMITS, ...(maxConnections !== undefined ? { maxConnections } : {}), ...(keepAliveTimeoutMs !== undefined ? { keepAliveTimeoutMs } : {}) }, tls, timed);
  const { port } = await listenOn(server, at.host, at.port, log);
  return { port, close: closerOf(server) };
}
