/**
 * The credential endpoints a training job's processes read, on `--agent-listen` (credential-protocols §1–4):
 *
 * - `GET /v1/credentials/<capability>`: the Alibaba credentials URI (`ALIBABA_CLOUD_CREDENTIALS_URI`);
 * - `GET /v1/container-credentials` with `Authorization: <capability>`: the AWS container endpoint
 *   (`AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN`), or with the capability in its query,
 *   `?capability=…`, for the relative URI at 169.254.170.2, which some clients ask without the token (review iq, 5),
 *   and which is taken before whatever `Authorization` carries (review kv, 1);
 * - per job (unless submitted with `"imds": false`), an IMDSv2-style metadata endpoint on its own loopback port
 *   (imds.ts): no capability travels over IMDS, so it serves only processes of the uid the job's launcher reported
 *   at submit (peer-uid.ts), or any local process when none was reported;
 * - `POST /v1/launcher/heartbeat` and `/v1/launcher/end` (the launcher's capability in `Authorization`, not the ranks') for `jobs run`.
 *
 * Every payload comes from the job's one credential cache (app/jobs.ts). A wrong or missing capability gets
 * 403 and reveals nothing; a finished job 410 `job <id> has ended`; a job without a role 404. A request carrying
 * what only a web browser sends (`Origin`, `Sec-Fetch-Site`…; imds.ts `browserRefusal`) is refused with 403 before
 * anything else, in depth: the capability already keeps a web page out. `Host` is not checked here, unlike on
 * the metadata ports: nodes and pods may reach these endpoints by a DNS name (`--agent-address`, `--upstream`).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { isoSeconds } from '../../core/iam/index.ts';
import { containerCapabilityOf, jobArn, servedExpiration } from '../../core/jobs/jobs.ts';
import { shownRequestPath } from '../../core/shown-url.ts';
import type { App } from '../../app/index.ts';
import type { DeliveryError, JobCredentials } from '../../app/jobs.ts';
import { HTTP_ERRORS } from '../http/errors.ts';
import { drainable, listenOn, timedStatus } from '../http/lifecycle.ts';
import { AGENT_SWEEP_HEADER, boundCredentialServer, CREDENTIAL_ANSWER_HEADERS, browserRefusal, credentialRouteOf, CREDENTIAL_MAX_CONNECTIONS, CREDENTIAL_SERVER_OPTIONS, JOB_ENDPOINT_OUTAGE, jobEndpointOutage, listenMetadata, metadataTokenKey, methodNotAllowed, REAL_EXPIRATION_HEADER, REVOKED_SESSION_HEADER, type CredentialRouteMethod, type MetadataAdmit, type MetadataCredentials } from './imds.ts';
import { createPeerUids, onlyUid } from './peer-uid.ts';
import { isClientAbort } from '../http/aborted.ts';
import { answerQueryElsewhere, answerS3Elsewhere, queryServiceOf, signedServiceOf } from '../http/misdirected.ts';
import { sourceIpOf } from '../http/request-facts.ts';
import { refusedForHost, toOriginForm } from '../http/request-target.ts';
import { waitsItsTurn } from '../http/in-turn.ts';
import { recordAuthFailure } from '../../app/auth-failures.ts';

export interface Agent {
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  /**
   * Opens the job's metadata endpoint on a loopback port and records it with the job (`Job.metadataEndpoint`);
   * idempotent per job. It serves only the uid the job's launcher reported (`Job.launcherUid`).
   */
  openMetadata(jobId: string): Promise<number>;
  /**
   * After `listen`: opens again, on their recorded ports, the metadata endpoints this agent (same host name, same
   * `--agent-listen` address) served for jobs still live, so a job's processes keep reading them across a restart.
   */
  reopenMetadata(): Promise<{ reopened: number; failed: number }>;
  /**
   * Whether this server already has as many metadata endpoints open as it opens (`maxMetadataEndpoints`): a job
   * submitted then is refused before it exists (review agent, U2: each submission opened a port, without bound).
   */
  metadataFull(): boolean;
  readonly maxMetadataEndpoints: number;
  close(): Promise<void>;
  readonly server: Server;
}

/**
 * The `Code` of a job's credential endpoint's refusal, which the AWS SDKs' container provider copies onto its error
 * from a 4xx (credential-protocols §2.1): a refusal of the job's session that is no outage (409) is named by its own
 * code (`AccessDenied` for the role's trust policy: review km, 2).
 */
function credentialRefusalCode(e: DeliveryError): string {
  if (e.status === 409) return e.code !== undefined ? HTTP_ERRORS[e.code].aws : 'AccessDenied';
  return e.status === 410 ? 'JobEnded' : e.status === 404 ? 'NoRole' : e.status === 403 ? 'Forbidden' : 'Unavailable';
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...CREDENTIAL_ANSWER_HEADERS });
  res.end(text);
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), ...CREDENTIAL_ANSWER_HEADERS });
  res.end(body);
}

/** The AWS document: container endpoint and IMDS role document (credential-protocols §1). */
export function awsDocument(c: JobCredentials, now: number): Record<string, string> {
  return {
    Code: 'Success',
    LastUpdated: isoSeconds(Math.min(now, c.issuedAt)),
    Type: 'AWS-HMAC',
    AccessKeyId: c.credentials.accessKeyId,
    SecretAccessKey: c.credentials.secretAccessKey,
    Token: c.credentials.sessionToken,
    Expiration: isoSeconds(servedExpiration(c.credentials.expiration, now)),
    AccountId: c.account,
    RoleArn: c.roleArn,
  };
}

/** The Alibaba document: credentials URI and ECS `ram/security-credentials/<role>`. */
export function alibabaDocument(c: JobCredentials, now: number): Record<string, string> {
  return {
    Code: 'Success',
    AccessKeyId: c.credentials.accessKeyId,
    AccessKeySecret: c.credentials.secretAccessKey,
    SecurityToken: c.credentials.sessionToken,
    Expiration: isoSeconds(servedExpiration(c.credentials.expiration, now)),
    LastUpdated: isoSeconds(c.issuedAt),
  };
}

/** Where per-job metadata endpoints listen: loopback, for the processes of this host. */
const METADATA_HOST = '127.0.0.1';

/** The peer's address, an IPv4-mapped IPv6 one as IPv4 (as the `--listen` edge records it). */
/** A capability in a path; one that is not valid percent-encoding is no capability (403, like any other). */
function decodePath(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** The paths of the credential port and the method each takes (a 405 names it: imds.ts `methodNotAllowed`). */
const AGENT_ROUTES: Readonly<Record<string, CredentialRouteMethod>> = { '/v1/credentials/': 'GET', '/v1/container-credentials': 'GET', '/healthz': 'GET, HEAD', '/v1/launcher/heartbeat': 'POST', '/v1/launcher/end': 'POST' };

/** The most a launcher's call may send (its `{"exitCode": N}`), as on the node agent. */
const MAX_LAUNCHER_BODY = 4096;

class BodyTooLarge extends Error {}

/** The signals a launcher stops its job on (launcher/run.ts `STOP_SIGNALS`), as its end may name one (`stoppedBy`). */
const LAUNCHER_STOP_SIGNALS: readonly string[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

/**
 * The exit status a launcher's end names (`{"exitCode": N}`, N from 0 to 255, as a process exits), 1 when it names none
 * (an empty body, `{}`), and the signal that made the launcher stop the job, when one did (`"stoppedBy": "SIGTERM"`:
 * the job ends Stopped, review iz, 2); or why the body names no status, which ends nothing. Any other value was taken as
 * exit 1, and a number as given: `{"exitCode": "0"}` or a misspelt `exitcode` ended a job that had succeeded as Failed,
 * for good, its sessions revoked (review hp, 2).
 */
function launcherEndOf(body: Record<string, unknown>): { readonly exitCode: number; readonly stoppedBy?: string } | string {
  const unknown = Object.keys(body).find((k) => k !== 'exitCode' && k !== 'stoppedBy');
  if (unknown !== undefined) return `unknown field \`${unknown.length > 64 ? `${unknown.slice(0, 64)}…` : unknown}\`: the body takes only \`exitCode\`, the job's exit status, and \`stoppedBy\`, the signal its launcher stopped it on: {"exitCode": N}`;
  const stoppedBy = body['stoppedBy'];
  if (stoppedBy !== undefined && (typeof stoppedBy !== 'string' || !LAUNCHER_STOP_SIGNALS.includes(stoppedBy))) {
    const given = JSON.stringify(stoppedBy);
    return `\`stoppedBy\` must be the signal the launcher stopped the job on, one of ${LAUNCHER_STOP_SIGNALS.join(', ')}, got ${given.length > 64 ? `${given.slice(0, 64)}…` : given}`;
  }
  const by = typeof stoppedBy === 'string' ? { stoppedBy } : {};
  const code = body['exitCode'];
  if (code === undefined) return { exitCode: 1, ...by };
  if (typeof code === 'number' && Number.isInteger(code) && code >= 0 && code <= 255) return { exitCode: code, ...by };
  const given = JSON.stringify(code);
  return `\`exitCode\` must be the job's exit status, a whole number from 0 to 255, got ${given.length > 64 ? `${given.slice(0, 64)}…` : given}`;
}

async function readSmallBody(req: IncomingMessage, limit: number): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge(`the body is over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Metadata endpoints one server opens for jobs at most (one listening port each), as the node agent's relay bounds
 * its own: past it a submission asking for one is refused, naming the credentials URI and the node agent instead.
 */
export const SERVER_MAX_METADATA_ENDPOINTS = 1_000;

/**
 * The other worker processes of `gatehouse server --workers` (src/adapters/cluster `workerPeers`), which share this
 * agent's port and identity: a job's end may reach any of them, while one holds each job's metadata endpoint. (A
 * launcher's heartbeat, heard by any, reaches the worker that sweeps through the store: src/app/jobs.ts.)
 */
export interface AgentPeers {
  /** A job ended through this worker: the worker that holds its metadata endpoint closes it. */
  ended(jobId: string): void;
  /** `fn` for each job that ended through another worker. */
  onEnded(fn: (jobId: string) => void): void;
}

/**
 * `peers`: this server is one of the worker processes of `gatehouse server --workers`, which share the agent's
 * identity; a job's metadata port that another worker holds is that worker's to serve, not a failure to report.
 */
export function createAgent(opts: {
  app: App;
  log?: (line: string) => void;
  maxMetadataEndpoints?: number;
  peers?: AgentPeers;
  /** Request latency (`api` `agent`), as the API edge and the S3 gateway report theirs: by status, never a path (a capability). */
  metrics?: { observeRequest(api: string, status: number, seconds: number): void; storeUnavailable?(): void };
  /**
   * The server's API and S3 gateway URLs, once bound (empty: none), which IAM, STS and S3 requests sent to this port
   * are told to use (misdirected.ts).
   */
  addresses?: () => { readonly api: string; readonly s3: string };
}): Agent {
  const { app } = opts;
  const maxMetadataEndpoints = opts.maxMetadataEndpoints ?? SERVER_MAX_METADATA_ENDPOINTS;
  const log = opts.log ?? (() => {});
  const jobs = app.jobs;
  const metadata = new Map<string, { server: Server; port: number }>();
  /** Metadata ports of ended jobs, still answering 410 for a few seconds. */
  const ending = new Set<Server>();
  /** Who connects to a metadata port (by uid), for the check of `openOn`. */
  const peers = createPeerUids({ log });

  /**
   * The two documents of one issuance, rendered once per step of the served `Expiration` (15 minutes): until the
   * next, every poll of every rank gets the same bytes (`LastUpdated` is the issue time, which is never in the
   * future), so the hot path only copies them.
   */
  const rendered = new WeakMap<JobCredentials, { expiration: number; aws?: Buffer; alibaba?: Buffer }>();
  function documentOf(c: JobCredentials, shape: 'aws' | 'alibaba'): Buffer {
    const now = Date.now();
    const expiration = servedExpiration(c.credentials.expiration, now);
    let entry = rendered.get(c);
    if (entry?.expiration !== expiration) rendered.set(c, (entry = { expiration }));
    return (entry[shape] ??= Buffer.from(JSON.stringify(shape === 'aws' ? awsDocument(c, now) : alibabaDocument(c, now))));
  }

  /**
   * A request with no job capability, or one no job holds, is recorded as the other doors record refused
   * authentications (flood-limited; never the capability itself): guessing capabilities leaves a trail (review V, P6).
   */
  /** `job`: the job whose capability `given` is, refused as its launcher's (a rank's or a pod's: review oa, 3). */
  function refusedCapability(req: IncomingMessage, action: string, given: string | undefined, job?: { readonly id: string; readonly account: string }): void {
    const message = job !== undefined ? "not the launcher's capability" : given ? 'no job holds this capability' : 'no job capability';
    recordAuthFailure(opts.app, { action, code: 'AccessDenied', message, sourceIp: sourceIpOf(req), ...(job !== undefined ? { owner: { principal: 'anonymous', account: job.account, job: job.id } } : {}) });
  }

  async function deliver(req: IncomingMessage, res: ServerResponse, capability: string | undefined, shape: 'aws' | 'alibaba'): Promise<void> {
    if (!capability) {
      // A node agent's start check (`AGENT_SWEEP_HEADER`) asks with no capability to learn what answers: not a refused
      // authentication, and it guesses nothing, so it leaves no record; a guessed capability still does (review hy, 5).
      if (req.headers[AGENT_SWEEP_HEADER] !== '1') refusedCapability(req, 'gatehouse:GetJobCredentials', capability);
      return json(res, 403, { Code: 'Forbidden', Message: 'forbidden' });
    }
    // A session issued for this fetch records where it came from: the job's process, or the node agent relaying for it.
    // No fetch is a sign of the job's life, a node agent's own check (`AGENT_SWEEP_HEADER`) or a process's: only the
    // launcher's heartbeat is (review da, 1).
    const r = await jobs.credentialsFor(capability, { sourceIp: sourceIpOf(req) });
    if (!r.ok && r.error.status === 403) refusedCapability(req, 'gatehouse:GetJobCredentials', capability);
    // The revoked session it held named, for a node agent holding it too to drop (review ri, 1).
    if (!r.ok) return json(res, r.error.status, { Code: credentialRefusalCode(r.error), Message: r.error.message }, r.error.revokedSession !== undefined ? { [REVOKED_SESSION_HEADER]: r.error.revokedSession } : {});
    const body = documentOf(r.value, shape);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, ...CREDENTIAL_ANSWER_HEADERS, [REAL_EXPIRATION_HEADER]: isoSeconds(r.value.credentials.expiration) });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = browserRefusal(req.headers);
    if (refused !== undefined) return json(res, 403, { Code: 'Forbidden', Message: refused });
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && path.startsWith('/v1/credentials/')) return deliver(req, res, decodePath(path.slice('/v1/credentials/'.length)), 'alibaba');
    // The capability in the query of the relative URI at 169.254.170.2, for clients that send no token there (the AWS
    // SDK for Java 1.x, `curl`: review iq, 5), else in `Authorization`. The query's first: it is the URI Gatehouse gave,
    // while `Authorization` is whatever the SDK found, a token file's content (EKS Pod Identity's) or an empty token
    // variable, which hid the query's capability and were answered 403 (review kv, 1).
    if (req.method === 'GET' && path === '/v1/container-credentials') return deliver(req, res, containerCapabilityOf(req.url ?? '') ?? req.headers.authorization, 'aws');
    // HEAD as GET (RFC 9110 §9.3.2; Node sends no body): uptime checks and `curl -I` probe with it (review lc, 4).
    if ((req.method === 'GET' || req.method === 'HEAD') && path === '/healthz') return text(res, 200, 'ok\n');
    if (req.method === 'POST' && (path === '/v1/launcher/heartbeat' || path === '/v1/launcher/end')) {
      const cap = req.headers.authorization;
      // The launcher's capability only: the ranks' reads the job's credentials, and a rank that beat with it kept a job
      // whose launcher was killed Running, its sessions alive, or ended the job for every rank (review nn, 1).
      // Its job first (one read of the store; `launcherJob` then finds it held): a rank's (or a pod's) refusal is recorded
      // with its job, which an auditor asks about (`audit query --job`); a guessed one in no account, as before (review oa, 3).
      const held = cap ? await jobs.jobByCapability(cap) : undefined;
      const job = held !== undefined && cap ? await jobs.launcherJob(cap) : undefined;
      if (!job || !cap) {
        refusedCapability(req, `POST ${path}`, cap, held);
        return json(res, 403, { Code: 'Forbidden', Message: 'forbidden' });
      }
      if (path === '/v1/launcher/heartbeat') {
        const r = await jobs.heartbeat(job.id);
        return r.ok ? json(res, 200, r.value) : json(res, 404, { Code: 'NoSuchJob', Message: r.errors[0]?.message ?? '' });
      }
      let body: unknown;
      let raw: string;
      try {
        raw = await readSmallBody(req, MAX_LAUNCHER_BODY);
      } catch (e) {
        if (!(e instanceof BodyTooLarge)) throw e;
        // As the node agent answers it (relay.ts), not as if the body were not JSON.
        return json(res, 413, { Code: 'Invalid', Message: `the body must be at most ${MAX_LAUNCHER_BODY} bytes` });
      }
      try {
        body = JSON.parse(raw || '{}');
      } catch {
        return json(res, 400, { Code: 'Invalid', Message: 'the body must be JSON: {"exitCode": N}' });
      }
      // `null` crashed the read of its field (500, the job left running: review fd, 6); a list or a scalar is no object.
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return json(res, 400, { Code: 'Invalid', Message: 'the body must be a JSON object: {"exitCode": N}' });
      const end = launcherEndOf(body as Record<string, unknown>);
      if (typeof end === 'string') return json(res, 400, { Code: 'Invalid', Message: end });
      const r = await jobs.endJob(cap, end.exitCode, end.stoppedBy);
      return r.ok ? json(res, 200, { state: r.value.state }) : json(res, 400, { Code: 'Invalid', Message: r.errors[0]?.message ?? '' });
    }
    const route = credentialRouteOf(AGENT_ROUTES, path);
    if (route !== undefined) {
      const refusal = methodNotAllowed(req.method, route.named, route.method);
      for (const [k, v] of Object.entries(refusal.headers)) res.setHeader(k, v);
      return json(res, 405, { Code: 'MethodNotAllowed', Message: refusal.message });
    }
    // `aws iam …` or `aws s3 …` with --endpoint-url this port (8471 for 8470 or 8472): told where to go, in the shape
    // its client reads, rather than a JSON 404 the aws CLI retried and then called invalid XML.
    const here = "Gatehouse's credential endpoint for jobs (--agent-listen)";
    if (signedServiceOf(req) === 's3') return answerS3Elsewhere(req, res, randomUUID(), { service: 'gatehouse', name: here }, opts.addresses?.().s3 || undefined);
    const query = queryServiceOf(req, path);
    if (query !== undefined) return answerQueryElsewhere(req, res, randomUUID(), query, here, opts.addresses?.().api || undefined);
    // The admin API's routes (the `gatehouse` CLI given this port as its endpoint): said where it is (review iv, 4).
    const api = path.startsWith('/v1/') ? opts.addresses?.().api || undefined : undefined;
    json(res, 404, { Code: 'NotFound', Message: `no route for ${req.method} ${shownRequestPath(path)}${api !== undefined ? `. This is ${here}, which serves no admin API requests; send admin API requests to ${api}` : ''}` });
  }

  const metrics = opts.metrics;
  // A connection's requests one at a time, none behind an answer that closes it (`waitsItsTurn`, review uw, 1): a
  // launcher's end pipelined behind a refused Host ended its job unanswered, and a read pipelined behind an end was
  // served the ended job's session. Too many waiting close the connection (`waitsItsTurn`, review uz, 3).
  const served = (req: IncomingMessage, res: ServerResponse): void => {
    if (waitsItsTurn(req, res, served)) return;
    if (refusedForHost(req, res)) return;
    toOriginForm(req);
    // One listener for both, as on the API edge: the request leaves the in-flight count, a response sent in full is timed.
    const started = performance.now();
    drain.track(res, metrics === undefined ? undefined : () => {
      metrics.observeRequest('agent', timedStatus(res), (performance.now() - started) / 1000);
    });
    handle(req, res).catch((e: unknown) => {
      // The client hung up mid-request: nothing to answer, nothing wrong here (http/aborted.ts).
      if (isClientAbort(e, req)) return void res.destroy();
      // The database out of reach (a job's first session, a job not held here): 503, retried, said once a while.
      if (jobEndpointOutage(e, log, () => metrics?.storeUnavailable?.())) {
        if (!res.headersSent) json(res, 503, { Code: 'Unavailable', Message: JOB_ENDPOINT_OUTAGE });
        return;
      }
      // One id for the answer and the log line, with the stack (review je, 9: the line had the message alone, and
      // nothing tied it to the answer a job's SDK printed).
      const id = randomUUID();
      log(`agent: internal error (request ${id}): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      if (!res.headersSent) json(res, 500, { Code: 'InternalError', Message: `internal error (request ${id})` });
    });
  };
  const server = createServer(CREDENTIAL_SERVER_OPTIONS, served);
  boundCredentialServer(server, CREDENTIAL_MAX_CONNECTIONS);
  // A stop lets requests in flight finish for a grace, then cuts what is left, as the API edge does: it waited for
  // every connection without bound, so any job process could hold the server's stop (review ct, 4).
  const drain = drainable(server);

  /** The job ended (here, or through another worker): its metadata port, if this process holds it, closes. */
  function ended(jobId: string): void {
    const m = metadata.get(jobId);
    if (m) {
      metadata.delete(jobId);
      // Keep answering briefly so a last poll learns the job ended (410), then close the port.
      ending.add(m.server);
      setTimeout(() => {
        ending.delete(m.server);
        m.server.close();
      }, 5_000).unref();
    }
  }
  // Its ports' jobs are the agent's to hear of: one ended through another instance, before this one held anything of
  // it (a port opened again after a restart, not yet read), is told at the next pass (`forgetEnded`).
  jobs.onJobEnded(
    (job) => {
      ended(job.id);
      opts.peers?.ended(job.id);
    },
    () => metadata.keys(),
  );
  opts.peers?.onEnded(ended);

  /** Who this agent is in `Job.metadataEndpoint`: set once it listens. */
  let identity: string | undefined;
  /**
   * Set when `close` begins: no metadata endpoint is opened after (review ql, 4). A submission stored as the stop came
   * opened its job's endpoint after `close` had closed the others, and it was never closed: the port held, and the
   * stopped server's process did not exit.
   */
  let stopping = false;
  const STOPPING = 'this server is stopping';

  /** Listens for one job's metadata requests on `port` of 127.0.0.1 (0: any free port); the port it got. */
  async function openOn(jobId: string, port: number): Promise<number> {
    const source = async (): Promise<MetadataCredentials> => {
      // The endpoint listens on loopback only: whoever reads it is a process of this host.
      const r = await jobs.credentialsForJob(jobId, { sourceIp: METADATA_HOST });
      if (!r.ok) return { ok: false, status: r.error.status, message: r.error.message };
      const c = r.value;
      // Alibaba's tokenless reads for a job of an Alibaba-style account only (imds.ts, review tc, 1).
      return { ok: true, roleName: c.roleName, alibaba: c.claims.part === 'acs', document: (shape) => documentOf(c, shape) };
    };
    // Only the launcher's uid (review H, finding 1): the port is no secret, and IMDSv2 carries no capability.
    const owner = await jobs.launcherOf(jobId);
    const uid = owner?.uid;
    /** The port listened on, once it is (`port` 0 is any). */
    let at = port;
    const admit: MetadataAdmit | undefined =
      uid === undefined
        ? undefined
        : onlyUid(uid, peers, (peer) => {
            const who = peer === undefined ? 'a process not found in the socket table' : `a process of uid ${peer}`;
            log(`agent: refused job ${jobId}'s metadata endpoint to ${peer === undefined ? 'a peer not found in the socket table' : `uid ${peer}`} (its launcher runs as uid ${uid})`);
            // A denial of the job's credentials, in its events as every other (review iz, 4): it was in this log alone, and
            // `jobs events` said nothing of another user's process reaching for them. Once per uid, as the log says it.
            void jobs.recordDenial(jobId, `credentials refused at its metadata endpoint (${METADATA_HOST}:${at}) to ${who}: it serves only the processes of uid ${uid}, its launcher's`).catch(() => {});
            // And in the audit log, which records every denial (issue 7), as a capability refused at the job's other
            // endpoints is (review V, P6): it was in the log and the job's events alone (review oz, 2).
            if (owner !== undefined) {
              recordAuthFailure(opts.app, {
                action: 'gatehouse:GetJobCredentials',
                resource: jobArn(owner.partition, owner.account, jobId),
                code: 'AccessDenied',
                message: peer === undefined ? "refused at the job's metadata endpoint: a process not in the socket table" : "refused at the job's metadata endpoint: another uid",
                sourceIp: METADATA_HOST,
                owner: { principal: 'anonymous', account: owner.account, job: jobId },
                ...(peer !== undefined ? { peerUid: peer } : {}),
              });
            }
          });
    // Its tokens made from the job's, as the next server to open it makes them (review ql, 3).
    const opened = await listenMetadata(source, METADATA_HOST, port, admit, log, opts.metrics, typeof owner?.tokenSecret === 'string' && owner.tokenSecret !== '' ? metadataTokenKey(owner.tokenSecret) : undefined);
    if (stopping) {
      opened.server.close();
      opened.server.closeAllConnections();
      throw new Error(STOPPING);
    }
    metadata.set(jobId, opened);
    at = opened.port;
    if (uid === undefined) log(`agent: job ${jobId} was submitted without its launcher's uid: its metadata endpoint on ${METADATA_HOST}:${opened.port} serves any process that reaches it`);
    return opened.port;
  }

  return {
    server,
    listen: async (host, port) => {
      const bound = await listenOn(server, host, port, opts.log);
      identity = `${hostname()} ${bound.host}:${bound.port}`;
      return bound;
    },
    maxMetadataEndpoints,
    metadataFull: () => metadata.size >= maxMetadataEndpoints,
    openMetadata: async (jobId) => {
      if (stopping) throw new Error(STOPPING);
      const existing = metadata.get(jobId);
      if (existing) return existing.port;
      // Submissions are refused at the bound before the job exists (metadataFull); two at once may pass it by one.
      if (metadata.size >= maxMetadataEndpoints + 16) throw new Error(`this server has ${metadata.size} job metadata endpoints open, more than it opens (${maxMetadataEndpoints})`);
      const port = await openOn(jobId, 0);
      // The job is stored already: a failure here answered its submission 503, which the CLI and the SDKs send again,
      // and a second job was made (review aa3). The note only lets a restarted agent open the port again: said instead.
      if (identity !== undefined) {
        await jobs.noteMetadataEndpoint(jobId, { agent: identity, port }).catch((e: unknown) => {
          log(`agent: job ${jobId}: its metadata endpoint (port ${port}) could not be noted in the store, so a restart will not open it again: ${e instanceof Error ? e.message : String(e)}`);
        });
      }
      return port;
    },
    reopenMetadata: async () => {
      let reopened = 0;
      let failed = 0;
      if (identity === undefined || stopping) return { reopened, failed };
      for (const { job, port } of await jobs.metadataEndpointsOf(identity)) {
        if (metadata.has(job)) continue;
        try {
          await openOn(job, port);
          reopened++;
        } catch (e) {
          if (opts.peers !== undefined && (e as { code?: unknown }).code === 'EADDRINUSE') continue;
          failed++;
          log(`agent: cannot open the metadata endpoint of job ${job} again on 127.0.0.1:${port}: ${e instanceof Error ? e.message : String(e)}; its processes still get credentials from the credentials URI and the container endpoint`);
        }
      }
      return { reopened, failed };
    },
    close: async () => {
      stopping = true;
      for (const m of metadata.values()) m.server.close();
      metadata.clear();
      for (const e of ending) {
        e.close();
        e.closeAllConnections();
      }
      ending.clear();
      await drain.close();
    },
  };
}
