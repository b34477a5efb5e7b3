/**
 * Composition root of `gatehouse server`: opens the store (SQLite in the data dir, or PostgreSQL from
 * `GATEHOUSE_DATABASE_URL`), loads the master key, bootstraps the root account on first start, and serves
 * the HTTP edge until SIGINT/SIGTERM, then shuts down gracefully (in-flight requests finish).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createApp, type AdminCredentials, type App, type AppDeps } from '../app/index.ts';
import { followChanges } from '../app/live.ts';
import type { Store } from '../app/ports/store.ts';
import { loadMasterKey, secretSealer, sessionCrypto } from '../adapters/crypto/index.ts';
import { createHttpEdge } from '../adapters/http/server.ts';
import { oidcPort } from '../adapters/http/oidc.ts';
import { createAgent } from '../adapters/agent/server.ts';
import { jobEnvironment, jobsRoutes } from '../adapters/http/jobs-api.ts';
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { createKube } from '../app/kube.ts';
import { kubeRoutes, kubeWebhookHandler } from '../adapters/http/k8s-api.ts';
import { authorizeRoutes } from '../adapters/http/authorize-api.ts';
import { bindingsRoutes } from '../adapters/http/bindings-api.ts';
import { stsAdminRoutes } from '../adapters/http/sts-admin-api.ts';
import { openPostgresStore } from '../adapters/store-postgres/store.ts';
import { openSqliteStore, type SqliteStore } from '../adapters/store-sqlite/index.ts';
import { auditWorker, type AuditWorkerTarget } from '../adapters/audit-worker/index.ts';
import { auditRoutes, recordEdgeChanges } from '../adapters/http/audit-api.ts';
import { createMetrics } from '../adapters/metrics/index.ts';
import { auditOptionsFromEnv, type AuditOptions } from '../app/audit.ts';
import { openFsObjectStore } from '../adapters/objects-fs/index.ts';
import { createS3 } from '../app/s3.ts';
import { createS3Edge } from '../adapters/s3/index.ts';

export interface ServerOptions {
  readonly dataDir?: string;
  /** `HOST:PORT`; default `127.0.0.1:8470`. */
  readonly listen?: string;
  /** `HOST:PORT` of the credential endpoints for jobs; default `127.0.0.1:8471` (served once jobs exist). */
  readonly agentListen?: string;
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
  /** Base URL of the node agent as pods reach it (their credential environment); default the agent's own URL. */
  readonly agentAddress?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
  /** Audit settings over those of the environment (GATEHOUSE_AUDIT_FAILURE, _ALLOW_SAMPLE, _RETENTION_DAYS). */
  readonly audit?: AuditOptions;
}

export interface RunningServer {
  readonly url: string;
  /** Base URL of the credential endpoints for jobs. */
  readonly agentUrl: string;
  /** Base URL of the S3-compatible gateway (path-style: `<s3Url>/bucket/key`): `s3Address` when given; empty when off and none is given. */
  readonly s3Url: string;
  /** The application behind the edges (tests and embedders call use cases directly). */
  readonly app: App;
  readonly dataDir: string;
  readonly adminCredentials: AdminCredentials | undefined;
  stop(): Promise<void>;
}

export const DEFAULT_LISTEN = '127.0.0.1:8470';
export const DEFAULT_AGENT_LISTEN = '127.0.0.1:8471';
export const DEFAULT_S3_LISTEN = '127.0.0.1:8472';
export const ADMIN_CREDENTIALS_FILE = 'admin-credentials.json';

export function parseHostPort(s: string, what: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new Error(`${what} must be HOST:PORT, got \`${s}\``);
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}

/** `--s3-address` and the like: an http(s) base URL without credentials, query or fragment (trailing `/` dropped); throws naming `what` otherwise. */
export function parseBaseUrl(s: string, what: string): string {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new Error(`${what} must be an http:// or https:// URL, got \`${s}\``);
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.search !== '' || u.hash !== '' || u.username !== '' || u.password !== '') {
    throw new Error(`${what} must be an http:// or https:// URL without credentials, query or fragment, got \`${s}\``);
  }
  return s.replace(/\/+$/, '');
}

/** The base URL of a bound address (an IPv6 host in brackets). */
const urlOf = (scheme: 'http' | 'https', at: { host: string; port: number }): string => `${scheme}://${at.host.includes(':') ? `[${at.host}]` : at.host}:${at.port}`;

/** Writes a file readable by its owner only, atomically (temp file, then rename). */
async function writePrivateFile(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text, { mode: 0o600, flag: 'w' });
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dataDir = resolve(opts.dataDir ?? './.gatehouse');
  const listen = parseHostPort(opts.listen ?? DEFAULT_LISTEN, '--listen');
  // Checked before anything is opened: a bad address changes nothing.
  const agentAt = parseHostPort(opts.agentListen ?? DEFAULT_AGENT_LISTEN, '--agent-listen');
  const s3At = opts.s3Listen === 'off' ? undefined : parseHostPort(opts.s3Listen ?? '127.0.0.1:0', '--s3-listen');
  const s3Address = opts.s3Address === undefined ? undefined : parseBaseUrl(opts.s3Address, '--s3-address');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });

  const key = await loadMasterKey({ dataDir, env, ...(opts.masterKeyFile !== undefined ? { keyFile: opts.masterKeyFile } : {}) });
  if (!key.ok) throw new Error(key.error.message);

  const databaseUrl = opts.databaseUrl ?? env['GATEHOUSE_DATABASE_URL'];
  const databaseSchema = opts.databaseSchema ?? env['GATEHOUSE_DATABASE_SCHEMA'];
  const store: Store = databaseUrl ? await openPostgresStore({ url: databaseUrl, ...(databaseSchema ? { schema: databaseSchema } : {}) }) : await openSqliteStore({ dataDir });
  // What start-up has opened so far; closed, newest first, when it fails half-way.
  const opened: (() => Promise<void>)[] = [() => store.close()];
  const failStart = async (message: string): Promise<never> => {
    for (const close of opened.reverse()) await close().catch(() => {});
    throw new Error(message);
  };
  const auditOptions = auditOptionsFromEnv(env);
  if (!auditOptions.ok) return failStart(auditOptions.errors[0]?.message ?? 'invalid audit settings');
  const metrics = createMetrics();
  // Audit records are linked, hashed and written by a worker thread with its own connection, off the thread that decides.
  const auditTarget: AuditWorkerTarget = databaseUrl
    ? { dialect: 'postgres', url: databaseUrl, ...((opts.databaseSchema ?? env['GATEHOUSE_DATABASE_SCHEMA']) ? { schema: (opts.databaseSchema ?? env['GATEHOUSE_DATABASE_SCHEMA']) as string } : {}) }
    : { dialect: 'sqlite', file: (store as SqliteStore).file };
  const deps: AppDeps = { store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(key.value.masterKey), sessions: sessionCrypto, oidc: oidcPort, metrics: metrics.app, auditAppender: auditWorker(auditTarget) };
  for (const w of key.value.warnings) log(`warning: ${w}`);
  const jobSessionSeconds = opts.jobSessionSeconds ?? (env['GATEHOUSE_JOB_SESSION_SECONDS'] ? Number(env['GATEHOUSE_JOB_SESSION_SECONDS']) : undefined);
  if (jobSessionSeconds !== undefined && (!Number.isInteger(jobSessionSeconds) || jobSessionSeconds < 10 || jobSessionSeconds > 43200)) {
    return failStart(`GATEHOUSE_JOB_SESSION_SECONDS must be an integer from 10 to 43200, got \`${String(jobSessionSeconds)}\``);
  }
  const pollText = env['GATEHOUSE_CHANGE_POLL_MS'];
  const pollMs = pollText ? Number(pollText) : undefined;
  if (pollMs !== undefined && (!Number.isInteger(pollMs) || pollMs < 100 || pollMs > 600_000)) {
    return failStart(`GATEHOUSE_CHANGE_POLL_MS must be an integer from 100 to 600000, got \`${pollText}\``);
  }
  const app = createApp(deps, {
    audit: { ...auditOptions.value, ...opts.audit },
    log,
    ...(jobSessionSeconds !== undefined ? { jobSessionSeconds } : {}),
    ...(opts.jobHeartbeatTimeoutMs !== undefined ? { jobHeartbeatTimeoutMs: opts.jobHeartbeatTimeoutMs } : {}),
  });
  await app.start();
  const issuerUrl = opts.issuerUrl ?? env['GATEHOUSE_ISSUER_URL'];
  if (issuerUrl) {
    const set = app.oidc.setIssuer(issuerUrl);
    if (!set.ok) return failStart(`GATEHOUSE_ISSUER_URL: ${set.errors[0]?.message ?? 'invalid'}`);
  }

  let bootstrapped = false;
  const agent = createAgent({ app, log });
  let agentUrl = '';
  let serverUrl = '';
  // What jobs are sent to: `--s3-address`, else the gateway's own URL once it is bound.
  let s3Url = s3Address ?? '';
  const jobRoutes = [...jobsRoutes({ openMetadata: (id) => agent.openMetadata(id), agentUrl: () => agentUrl, serverUrl: () => serverUrl, s3Url: () => s3Url }), ...stsAdminRoutes(), ...authorizeRoutes(), ...bindingsRoutes()];
  // Kubernetes: the webhooks on this port, access entries and webhook configuration under /v1/.
  let tls: { cert: string; key: string } | undefined;
  if (opts.tlsCert !== undefined || opts.tlsKey !== undefined) {
    try {
      if (opts.tlsCert === undefined || opts.tlsKey === undefined) throw new Error('give both --tls-cert and --tls-key');
      tls = { cert: await readFile(opts.tlsCert, 'utf8'), key: await readFile(opts.tlsKey, 'utf8') };
    } catch (e) {
      return failStart(`TLS: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  let tokenHosts: string[] = [];
  const kube = createKube(app, {
    podEnvironment: async (job, capability) => {
      const port = await agent.openMetadata(job.id);
      const base = opts.agentAddress ?? agentUrl;
      const env = jobEnvironment({ openMetadata: (id) => agent.openMetadata(id), agentUrl: () => base, serverUrl: () => serverUrl, s3Url: () => s3Address ?? '' }, job.id, capability, port);
      return { ...env, AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://${new URL(base).host.replace(/:\d+$/, '')}:${port}` };
    },
  });
  app.addAuthorizeEngine(kube.engine);
  const kubeHttp = { app, kube, tokenHosts: () => tokenHosts, certificate: () => tls?.cert };
  jobRoutes.push(...kubeRoutes(kubeHttp));
  const kubeEdge = { kubeWebhooks: kubeWebhookHandler(kubeHttp), ...(tls ? { tls } : {}) };
  metrics.bind({ auditBacklog: () => app.audit.status().backlog, auditHealthy: () => app.audit.status().healthy, cacheHead: () => app.live.head, cacheGeneration: () => app.live.generation });
  const edge = createHttpEdge({ ...kubeEdge, app, ready: async () => bootstrapped && (await store.read((tx) => tx.changes.head())) >= 0, log, jobRoutes: [...recordEdgeChanges(jobRoutes), ...auditRoutes()], metrics });
  let bound: { host: string; port: number };
  try {
    bound = await edge.listen(listen.host, listen.port);
  } catch (e) {
    return failStart(`cannot listen on ${listen.host}:${listen.port}: ${e instanceof Error ? e.message : String(e)}`);
  }
  opened.push(() => edge.close());
  const url = urlOf(tls ? 'https' : 'http', bound);
  if (!issuerUrl) app.oidc.setIssuer(url);

  let agentBound: { host: string; port: number };
  try {
    agentBound = await agent.listen(agentAt.host, agentAt.port);
  } catch (e) {
    return failStart(`cannot listen on ${agentAt.host}:${agentAt.port} (--agent-listen): ${e instanceof Error ? e.message : String(e)}`);
  }
  opened.push(() => agent.close());
  agentUrl = urlOf('http', agentBound);
  // Live jobs' metadata endpoints that this agent served before a restart: the same ports again.
  const reopened = await agent.reopenMetadata();
  if (reopened.reopened + reopened.failed > 0) log(`agent: reopened the metadata endpoints of ${reopened.reopened} live job(s)${reopened.failed > 0 ? `; ${reopened.failed} could not be` : ''}`);

  // The S3 gateway: objects on disk under the data dir, every request decided by the engine (app/s3.ts).
  let gateway: { s3: ReturnType<typeof createS3>; edge: ReturnType<typeof createS3Edge> } | undefined;
  if (s3At !== undefined) {
    const s3 = createS3(app, await openFsObjectStore(join(dataDir, 'objects')));
    opened.push(() => s3.close());
    const owners = await s3.recordOwners();
    if (owners > 0) log(`s3: recorded the owner of ${owners} bucket(s) for the authorize API`);
    const s3Edge = createS3Edge({ app, s3, log, metrics, ...(tls ? { tls } : {}) });
    let s3Bound: { host: string; port: number };
    try {
      s3Bound = await s3Edge.listen(s3At.host, s3At.port);
    } catch (e) {
      return failStart(`cannot listen on ${s3At.host}:${s3At.port} (--s3-listen): ${e instanceof Error ? e.message : String(e)}`);
    }
    gateway = { s3, edge: s3Edge };
    s3Url = s3Address ?? urlOf(tls ? 'https' : 'http', s3Bound);
  }
  serverUrl = url;
  tokenHosts = ownHosts(bound, env['GATEHOUSE_KUBE_TOKEN_HOSTS'], issuerUrl);

  // Not ready until the root account (and its credentials file) exist: a client polling /readyz on a first
  // start must find admin-credentials.json once it answers 200.
  const creds = await app.bootstrap();
  if (creds) {
    // Exactly the fields DESIGN.md pins, in its order.
    const file = { AccessKeyId: creds.AccessKeyId, SecretAccessKey: creds.SecretAccessKey, AccountId: creds.AccountId, Endpoint: url };
    await writePrivateFile(join(dataDir, ADMIN_CREDENTIALS_FILE), `${JSON.stringify(file, null, 2)}\n`);
    log(`first start: created account ${creds.AccountId} with user ${creds.UserName}; credentials in ${join(dataDir, ADMIN_CREDENTIALS_FILE)}`);
  }
  bootstrapped = true;
  const gatewayNote = gateway ? `S3 gateway on ${s3Url}` : `no S3 gateway here${s3Url ? ` (jobs use ${s3Url})` : ''}`;
  log(`gatehouse listening on ${url}, ${gatewayNote} (store: ${store.dialect}${store.dialect === 'sqlite' ? ` in ${dataDir}` : ''}); console at ${url}/ui/`);

  // Changes made through any instance (revocations, policy edits, key rotation) reach this one when the store
  // announces them (PostgreSQL NOTIFY), else by polling; an outage is logged once when it starts and once when
  // it ends. GATEHOUSE_CHANGE_POLL_MS sets the safety-net poll while notifications flow (default 1,000).
  const following = followChanges({
    refresh: () => app.refresh(),
    head: () => app.live.head,
    subscribe: store.subscribe?.bind(store),
    log,
    ...(pollMs !== undefined ? { pollMs } : {}),
  });
  // Jobs whose launcher went silent (process gone, machine lost) are marked Failed, never left Running.
  // Swept at least twice per timeout, so a short test timeout is noticed soon after it passes.
  const sweepMs = Math.min(5_000, Math.max(500, (opts.jobHeartbeatTimeoutMs ?? 30_000) / 2));
  const sweeper = setInterval(() => void app.jobs.sweep().catch((e: unknown) => log(`job sweep failed: ${e instanceof Error ? e.message : String(e)}`)), sweepMs);
  sweeper.unref();
  let stopping: Promise<void> | undefined;
  return {
    url,
    agentUrl,
    s3Url,
    app,
    dataDir,
    adminCredentials: creds,
    stop: () =>
      (stopping ??= (async () => {
        await following.stop();
        clearInterval(sweeper);
        await agent.close();
        await gateway?.edge.close();
        await gateway?.s3.close();
        await edge.close();
        // What is still queued for the audit log, and keys' last use, get one last attempt before the store closes.
        await app.keyUse.stop();
        await app.audit.stop();
        await store.close();
      })()),
  };
}

/** Resolves at the first SIGINT or SIGTERM, saying so: the long-running commands then stop gracefully. */
export function untilStopSignal(log: (line: string) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const onSignal = (sig: string): void => {
      log(`${sig}: finishing in-flight requests`);
      resolve();
    };
    process.once('SIGINT', () => onSignal('SIGINT'));
    process.once('SIGTERM', () => onSignal('SIGTERM'));
  });
}

/** Runs until SIGINT/SIGTERM; resolves with the exit status. */
export async function runServer(opts: ServerOptions): Promise<number> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let server: RunningServer;
  try {
    server = await startServer(opts);
  } catch (e) {
    log(`gatehouse server: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  await untilStopSignal(log);
  await server.stop();
  log('gatehouse stopped');
  return 0;
}

/**
 * `host[:port]` values a `k8s-aws-v1.` token's URL may name for this server: the bound address (every local
 * address when bound to all of them, and `localhost` on loopback), the issuer URL's host, and the names in
 * GATEHOUSE_KUBE_TOKEN_HOSTS (comma-separated, such as a Service or load balancer name).
 */
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
