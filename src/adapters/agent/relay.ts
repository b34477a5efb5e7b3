/**
 * `gatehouse agent`: the node agent of DESIGN.md ("one `gatehouse agent` per node"), a caching relay of the
 * credential endpoints a server serves on `--agent-listen` (src/adapters/agent/server.ts):
 *
 * - `GET /v1/credentials/<capability>` (the Alibaba credentials URI) and `GET /v1/container-credentials` with the
 *   capability in `Authorization` (the AWS container endpoint; or in its query, `?capability=…`, the relative URI at
 *   169.254.170.2, which is taken first: reviews iq, 5 and kv, 1) are answered from one cache entry per capability, the
 *   job's container-endpoint answer, rendered in Alibaba's fields for the credentials URI: every process of every
 *   job on the node costs the server one request per job per `revalidateMs` (default 30 s, jittered), however many
 *   ranks poll and through whichever endpoint, and every endpoint of the job serves the same session (DESIGN.md).
 *   An entry per shape cost the server a request per shape, and after a refresh or a revocation the two endpoints
 *   served two sessions until both were revalidated (review ek, 2).
 * - A cached answer is served as it is until `revalidateMs` after the server gave it; a request that finds it due waits
 *   for the server's answer for half a second at most (review ql, 2), then is answered from the cache while the server
 *   is still asked in the background. When the server answers that the job has
 *   ended (410), has no role (404) or that the capability is unknown (403), the cached credentials go and that
 *   answer is passed on (and kept until the next revalidation), so a job's end reaches its processes within
 *   `revalidateMs`. Only the server's own refusal does that (JSON with `Code` and `Message`): a page a proxy in front
 *   of it answers with (an ingress's 404 or 429, a firewall's 403, a maintenance page served 200, a 502 while the
 *   server is down) is the server out of reach.
 * - When the server cannot be reached (or answers 5xx, or a proxy answers for it), or refuses a new session with 409
 *   (the job's role's trust policy: review km, 2; that answer is passed on when nothing valid is held, and kept until the
 *   next revalidation as the refusals above are: review ri, 4), still-valid
 *   credentials keep being served until
 *   `marginMs` (default 30 min; the server's own margin when that is less, core/jobs `servingMargin`: reviews vh, 1, vj, 1)
 *   before they expire, as DESIGN.md's performance model asks; the 30 min are
 *   credential-protocols §1's floor, which the server keeps too (`servableUntil`): botocore's IMDS provider takes
 *   credentials with under 17–25 min left as valid for that long again (§3.2), past their real end (review agent,
 *   cf2). With nothing valid
 *   cached, the answer is 503 saying the server is unreachable, or, when it has not answered within `firstAnswerWaitMs`
 *   (inside the SDKs' 1 s), that it has not answered yet (it is still asked, and retries join that request: review re, 1). "Expire" is the session's real expiry, which the
 *   server names in a header (`x-gatehouse-session-expiration`); the document's `Expiration` is the one the server
 *   serves, at most about 3 h ahead (core/jobs `servedExpiration`), and the agent serves it the same way from its
 *   cache, advancing it as the server would, so an outage does not cut a job off at the served `Expiration`.
 * - `POST /v1/launcher/heartbeat` and `/v1/launcher/end` are passed through (`gatehouse jobs run` on the node); an end
 *   the server takes drops the cache entries of the launcher's capability and of the ranks' one it names
 *   (`RANK_CAPABILITY_HEADER`, review nn, 1).
 * - `POST /v1/launcher/metadata` (the launcher's capability in `Authorization`, not the ranks': the server's answer to
 *   the launcher's heartbeat tells them apart, review oa, 1; optional body `{"port": N, "uid": U}`, N from 1024) opens the
 *   job's own metadata endpoint (imds.ts) on a port of `metadataHost` (default 127.0.0.1) and answers
 *   `{"host", "port"}`: `gatehouse jobs run --agent` points `AWS_EC2_METADATA_SERVICE_ENDPOINT` there, and asks again
 *   with the same port at each heartbeat, so an agent restarted meanwhile opens it again. `uid` is the launcher's
 *   (`process.getuid()`), and must be the caller's as the connection shows it, unless the caller is root
 *   (`callerUid`); without it, the caller's: the endpoint then serves only processes of that uid (peer-uid.ts). Only
 *   where the caller's uid cannot be read (no socket table, a caller in another network namespace) does an endpoint
 *   of no uid serve any process (said in the log). Its documents come from the job's cache entry of the container
 *   endpoint, the ranks' capability's when the launcher names it (`RANK_CAPABILITY_HEADER`, review oa, 2) (the Alibaba one is the same session in the other cloud's fields). The port closes a
 *   few seconds after the job ends (the launcher's end, or the server's 410 or 403 at a revalidation: the agent
 *   asks every `revalidateMs` for each open endpoint, saying it asks on its own, so that the server does not take
 *   it for the job's sign of life); at most `maxMetadataEndpoints` are open.
 *
 * Bounded: at most `maxEntries` entries (default 10,000; the oldest go first), keyed by capabilities of at most 128
 * characters (in a path: once percent-decoded, one segment, asked for encoded again), upstream bodies of at most 64 KiB, launcher bodies of at most 4 KiB. The capability is a secret: it is never logged.
 *
 * A request carrying what only a web browser sends (`Origin`, `Sec-Fetch-Site`…; imds.ts `browserRefusal`) is
 * refused with 403 before anything else, as on the server's endpoints; the metadata ports also check `Host`.
 */
import { Agent as HttpAgent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isoSeconds } from '../../core/iam/index.ts';
import { containerCapabilityOf, servedExpiration, servingMargin } from '../../core/jobs/jobs.ts';
import { drainable, listenOn } from '../http/lifecycle.ts';
import { shownRequestPath, shownUrl } from '../../core/shown-url.ts';
import { AGENT_SWEEP_HEADER, boundCredentialServer, CREDENTIAL_ANSWER_HEADERS, browserRefusal, credentialRouteOf, CREDENTIAL_MAX_CONNECTIONS, CREDENTIAL_SERVER_OPTIONS, isGatehouseAnswer, listenMetadata, metadataTokenKey, methodNotAllowed, rankCapabilityOf, REAL_EXPIRATION_HEADER, REVOKED_SESSION_HEADER, type CredentialRouteMethod, type MetadataCredentials } from './imds.ts';
import { createPeerUids, onlyUid } from './peer-uid.ts';
import { isClientAbort } from '../http/aborted.ts';
import { refusedForHost, toOriginForm } from '../http/request-target.ts';
import { waitsItsTurn } from '../http/in-turn.ts';

/** The errors of Node's TLS client for a certificate no CA it trusts signed. */
const UNTRUSTED_CERTIFICATE_CODES: ReadonlySet<string> = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT']);

export interface RelayOptions {
  /** Base URL of the server's credential endpoints (its `--agent-listen` or `--agent-address` URL). */
  readonly upstream: string;
  /**
   * The CA certificates (PEM) an https upstream's certificate is checked against, in place of Node's roots (`--ca-bundle`,
   * else AWS_CA_BUNDLE: review tv, 2); Node's otherwise.
   */
  readonly ca?: string;
  readonly revalidateMs?: number;
  readonly marginMs?: number;
  readonly maxEntries?: number;
  /** Upstream request timeout (default 5 s). */
  readonly timeoutMs?: number;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
  /**
   * Address the per-job metadata endpoints listen on (default 127.0.0.1: only this node's processes reach them, and
   * of those only the launcher's uid is served).
   */
  readonly metadataHost?: string;
  /** Per-job metadata endpoints open at once (default 1,000). */
  readonly maxMetadataEndpoints?: number;
  /** How long an ended job's metadata endpoint keeps answering why before it closes (default 5 s). */
  readonly metadataGraceMs?: number;
  /** Connections the agent's own port accepts at once (default imds.ts `CREDENTIAL_MAX_CONNECTIONS`). */
  readonly maxConnections?: number;
  /** How long a request that finds its entry due waits for the server's answer (default `REVALIDATION_WAIT_MS`). */
  readonly revalidationWaitMs?: number;
  /**
   * How long a request that finds nothing usable cached waits for the server's answer before it is answered 503
   * (default `FIRST_ANSWER_WAIT_MS`, inside the SDKs' 1 s; the server is still asked behind).
   */
  readonly firstAnswerWaitMs?: number;
}

export interface RelayStats {
  /** Requests answered on the node. */
  readonly served: number;
  /** Requests sent to the server (revalidations and launcher calls included). */
  readonly upstream: number;
  /** Answers given from cache because the server could not be reached. */
  readonly servedStale: number;
  readonly entries: number;
  /** Per-job metadata endpoints open. */
  readonly metadataEndpoints: number;
}

export interface Relay {
  readonly server: Server;
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  stats(): RelayStats;
  /**
   * Asks `--upstream` once whether it serves job credentials: what to warn of when it is the server's API (`--listen`),
   * else nothing (also when it cannot be reached: jobs' requests say so then).
   */
  checkUpstream(): Promise<string | undefined>;
  close(): Promise<void>;
}

interface Answer {
  readonly status: number;
  readonly body: Buffer;
  /** The server's `x-gatehouse-session-expiration`, on a credentials answer. */
  readonly realExpiration?: string | undefined;
  /** Where a redirect (3xx) of the upstream points (`Location`). */
  readonly location?: string | undefined;
  /** The server's `x-gatehouse-revoked-session`, on a refusal: the key id of a session of the job it found revoked. */
  readonly revokedSession?: string | undefined;
}

/** A credentials document the server sent, and when its session really expires (epoch ms). */
interface Cached {
  readonly doc: Record<string, unknown>;
  readonly expires: number;
  /**
   * Until when it is served (epoch ms): `marginMs` before `expires`, or the server's own margin (core/jobs `servingMargin`)
   * when that is less, for a session shorter than an hour (GATEHOUSE_JOB_SESSION_SECONDS).
   */
  readonly until: number;
  /** The document as served for one value of its `Expiration` (`servedExpiration`), rendered once per value. */
  served?: { readonly expiration: number; readonly body: Buffer };
}

interface Entry {
  /** The last 200 from the server. */
  ok?: Cached | undefined;
  /** The server's last answer (or the 503 of an unreachable server). */
  last?: Answer | undefined;
  checkedAt: number;
  pending?: Promise<void> | undefined;
}

/** The paths the agent serves and the method each takes (a 405 names it: imds.ts `methodNotAllowed`). */
const RELAY_ROUTES: Readonly<Record<string, CredentialRouteMethod>> = { '/v1/credentials/': 'GET', '/v1/container-credentials': 'GET', '/healthz': 'GET, HEAD', '/v1/launcher/heartbeat': 'POST', '/v1/launcher/end': 'POST', '/v1/launcher/metadata': 'POST' };

const MAX_UPSTREAM_BODY = 64 * 1024;
/**
 * How long a request that finds its entry due waits for the server's answer before it is answered from the cache
 * (review ql, 2): well within the 1 s the SDKs give a credential request (credential-protocols §2, §4.2).
 */
const REVALIDATION_WAIT_MS = 500;
/**
 * How long a request with nothing usable cached waits for the server: the AWS SDKs (v3's `fromContainerMetadata` and
 * `fromInstanceMetadata`, botocore's container and IMDS providers) give a credentials request 1 s, so the agent answers
 * its 503 with the reason before that (review re, 1).
 */
const FIRST_ANSWER_WAIT_MS = 800;

/** Whether `p` settles within `ms` (it is left to run either way). */
function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  return Promise.race([p.then(() => true, () => true), late]).finally(() => clearTimeout(timer));
}
/** The largest uid (`(uid_t)-1` is no uid). */
const MAX_UID = 4294967294;
const MAX_LAUNCHER_BODY = 4096;

/**
 * A 200's document and its session's real expiry: the server's header when it names one at or after the
 * document's `Expiration` (an older server sends none: then the `Expiration`); undefined for no credentials document.
 * Served until `marginMs` before that expiry, or the server's own margin for the session's lifetime (from its issue
 * time, the document's `LastUpdated`) when that is less, as the server serves it (core/jobs `servingMargin`): held to a
 * fixed 30 minutes, a job of 30-minute sessions (GATEHOUSE_JOB_SESSION_SECONDS=1800) read none through an agent, while
 * the server served them, and one of 40-minute sessions read them a third of the time (review vh, 1); held to half the
 * lifetime, a 20-minute session reached botocore's IMDS provider with too little left (review vj, 1).
 */
function cachedOf(body: Buffer, header: string | string[] | undefined, marginMs: number): Cached | undefined {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const expiration = typeof doc['Expiration'] === 'string' ? Date.parse(doc['Expiration']) : Number.NaN;
  if (!Number.isFinite(expiration)) return undefined;
  const real = typeof header === 'string' ? Date.parse(header) : Number.NaN;
  const expires = Number.isFinite(real) && real >= expiration ? real : expiration;
  const issued = typeof doc['LastUpdated'] === 'string' ? Date.parse(doc['LastUpdated']) : Number.NaN;
  const margin = Number.isFinite(issued) && issued < expires ? servingMargin(expires - issued, marginMs) : marginMs;
  return { doc, expires, until: expires - margin, served: { expiration, body } };
}

/** The cached document as served at `t`: its `Expiration` advanced as the server advances it, never past the real one. */
function servedBody(c: Cached, t: number): Buffer {
  const expiration = servedExpiration(c.expires, t);
  // The server's own rendering while it says the same (the usual case: revalidated every `revalidateMs`).
  if (c.served && isoSeconds(c.served.expiration) === isoSeconds(expiration)) return c.served.body;
  c.served = { expiration, body: Buffer.from(JSON.stringify({ ...c.doc, Expiration: isoSeconds(expiration) })) };
  return c.served.body;
}

/** A 200 answer of the cached document at `t`, naming when its session really ends. */
function servedAnswer(c: Cached, t: number): Answer {
  return { status: 200, body: servedBody(c, t), realExpiration: isoSeconds(c.expires) };
}

/**
 * Sends `a`; a credentials answer says when its session really ends, as the server's does (`REAL_EXPIRATION_HEADER`):
 * the launcher of `gatehouse jobs run --agent` keeps the credentials file's `Expiration` advancing by it while the
 * agent cannot be reached, as it does while a server cannot (review agent, cf3). The agent dropped it, so through an
 * agent the file said expired about 3 h into such an outage, while the session was good for hours more (review fg, 1).
 */
function send(res: ServerResponse, a: Answer): void {
  res.writeHead(a.status, { 'content-type': 'application/json', 'content-length': a.body.length, ...CREDENTIAL_ANSWER_HEADERS, ...(a.status === 200 && a.realExpiration !== undefined ? { [REAL_EXPIRATION_HEADER]: a.realExpiration } : {}) });
  res.end(a.body);
}

const json = (status: number, body: unknown): Answer => ({ status, body: Buffer.from(JSON.stringify(body)) });
/** The server's answer to a capability it does not know, given here for one that cannot be one. */
const FORBIDDEN = json(403, { Code: 'Forbidden', Message: 'forbidden' });

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The capability a credentials URI path segment names: percent-decoded, 16 to 128 visible ASCII characters, without
 * `/` or `\\`; undefined for anything else. It is sent upstream in `Authorization` (the job's one entry is its
 * container endpoint's), which could not carry a control character or one past Latin-1: the request would fail as if
 * the server could not be reached.
 */
function capabilityOfPath(segment: string): string | undefined {
  let cap: string;
  try {
    cap = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  return cap.length >= 16 && cap.length <= 128 && /^[\x21-\x7e]+$/.test(cap) && !/[/\\]/.test(cap) ? cap : undefined;
}

/** The `Message` of a JSON error answer, else its text. */
function messageOf(body: Buffer): string {
  const text = body.toString('utf8');
  try {
    const m = (JSON.parse(text) as { Message?: unknown } | null)?.Message;
    return typeof m === 'string' ? m : text;
  } catch {
    return text;
  }
}

/**
 * A container document's role name (the last segment of `RoleArn`; empty when it names none), whether the role is of an
 * Alibaba-style account (`acs:` ARN: its metadata endpoint answers Alibaba's tokenless reads, imds.ts, review tc, 1), and
 * the same session in Alibaba's fields, as the server's credentials URI renders it (server.ts `alibabaDocument`).
 */
function alibabaForm(body: Buffer): { roleName: string; acs: boolean; alibaba: Buffer } {
  const d = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  const arn = d['RoleArn'];
  const roleName = typeof arn === 'string' ? arn.slice(arn.lastIndexOf('/') + 1) : '';
  const alibaba = { Code: 'Success', AccessKeyId: d['AccessKeyId'], AccessKeySecret: d['SecretAccessKey'], SecurityToken: d['Token'], Expiration: d['Expiration'], LastUpdated: d['LastUpdated'] };
  return { roleName, acs: typeof arn === 'string' && arn.startsWith('acs:'), alibaba: Buffer.from(JSON.stringify(alibaba)) };
}

/**
 * Why the per-job metadata endpoints cannot listen on `host` (`--metadata-host`), or undefined when they can: a port
 * of it is bound and let go again. An address this node does not hold (a typo, another node's, a link-local one not
 * yet on an interface) was only found at each job's `POST /v1/launcher/metadata`, answered 409 while the agent's log
 * said nothing and its start had said it served (review mu, 1).
 */
export function metadataHostRefusal(host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => resolve(`cannot listen on ${host} (--metadata-host), where each job's metadata endpoint is opened: ${e.code ?? e.message}; give an address of this node (127.0.0.1 by default)`));
    probe.listen({ port: 0, host, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}

export function createRelay(opts: RelayOptions): Relay {
  const base = new URL(opts.upstream);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`--upstream must be an http(s) URL, got \`${shownUrl(opts.upstream)}\``);
  const upstreamBase = base.href.replace(/\/$/, '');
  /** The upstream as logs and answers name it: a password in `--upstream` (basic auth to a proxy) is never shown. */
  const shownBase = shownUrl(upstreamBase);
  const now = opts.now ?? Date.now;
  const log = opts.log ?? (() => {});
  const revalidateMs = opts.revalidateMs ?? 30_000;
  const marginMs = opts.marginMs ?? 30 * 60_000;
  const maxEntries = opts.maxEntries ?? 10_000;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const metadataHost = opts.metadataHost ?? '127.0.0.1';
  const maxMetadataEndpoints = opts.maxMetadataEndpoints ?? 1_000;
  const metadataGraceMs = opts.metadataGraceMs ?? 5_000;
  const revalidationWaitMs = opts.revalidationWaitMs ?? REVALIDATION_WAIT_MS;
  const firstAnswerWaitMs = opts.firstAnswerWaitMs ?? FIRST_ANSWER_WAIT_MS;
  const cache = new Map<string, Entry>();
  let served = 0;
  let upstreamCalls = 0;
  let servedStale = 0;
  let unreachableSince: number | undefined;

  /** Connections to the server, kept open between requests. */
  const agent = base.protocol === 'https:' ? new HttpsAgent({ keepAlive: true, maxSockets: 64, ...(opts.ca !== undefined ? { ca: opts.ca } : {}) }) : new HttpAgent({ keepAlive: true, maxSockets: 64 });
  const requestOf = base.protocol === 'https:' ? httpsRequest : httpRequest;

  /**
   * One request to the server; a rejection means it could not be reached or did not answer in time. node:http
   * rather than fetch: fetch refuses the ports browsers block (6000, 6665–6669…), which a server may well use.
   */
  function upstream(path: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer; uncounted?: true } = {}): Promise<Answer> {
    if (init.uncounted !== true) upstreamCalls++;
    return new Promise<Answer>((resolve, reject) => {
      const req = requestOf(`${upstreamBase}${path}`, { method: init.method ?? 'GET', headers: init.headers ?? {}, agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_UPSTREAM_BODY) req.destroy(new Error(`the server's answer is over ${MAX_UPSTREAM_BODY} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => {
          const status = res.statusCode ?? 502;
          const body = Buffer.concat(chunks);
          // A 5xx that is not the server's own answer is a proxy's page for a server it cannot reach (an ingress's
          // `502 Bad Gateway` while the server is down): out of reach, as a refused connection is (review mu, 2).
          if (proxyErrorPage(status, body)) unreachable({ code: `a ${status} page of a proxy or ingress in front of it` });
          else if (unreachableSince !== undefined) {
            log(`agent: the server at ${shownBase} answers again`);
            unreachableSince = undefined;
          }
          const real = res.headers[REAL_EXPIRATION_HEADER];
          const location = res.headers.location;
          const revoked = res.headers[REVOKED_SESSION_HEADER];
          resolve({ status, body, ...(typeof real === 'string' ? { realExpiration: real } : {}), ...(typeof location === 'string' ? { location } : {}), ...(typeof revoked === 'string' ? { revokedSession: revoked } : {}) });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(init.body);
    });
  }

  /**
   * Whether an answer of `--upstream` is a proxy's error page rather than the server's: a 5xx without the server's JSON
   * `Code` and `Message` (`isGatehouseAnswer`; the server's own 503 of a database outage has them).
   */
  function proxyErrorPage(status: number, body: Buffer): boolean {
    return status >= 500 && !isGatehouseAnswer(body.toString('utf8'));
  }

  function unreachable(e: unknown): void {
    if (unreachableSince !== undefined) return;
    unreachableSince = now();
    // The error's code (ECONNREFUSED, ETIMEDOUT…), never a URL: a credentials URI holds its capability.
    const cause = (e as NodeJS.ErrnoException).code ?? 'error';
    // A certificate of a CA Node does not trust (a private CA's, an ingress's own) named with the way to trust it (review tv, 2).
    const untrusted = UNTRUSTED_CERTIFICATE_CODES.has(cause) ? `: its certificate is not signed by a CA this agent trusts${opts.ca !== undefined ? ' (--ca-bundle)' : ''}; give the PEM file of the CA that signed it with --ca-bundle (or AWS_CA_BUNDLE)` : '';
    log(`agent: cannot reach the server at ${shownBase} (${cause}${untrusted}); serving cached credentials while they are valid`);
  }

  /**
   * When an entry counts as checked: now, less up to a fifth of `revalidateMs` at random, so that the entries of
   * many jobs (and many nodes started together) do not all come due in the same instant. A job that ends is still
   * refused within `revalidateMs`.
   */
  const checkedNow = (): number => now() - Math.floor(Math.random() * revalidateMs * 0.2);

  /**
   * `--upstream` given the server's API address (`--listen`, 8470) where its credential endpoints (`--agent-listen`,
   * 8471) go: the agent started, relayed `jobs run`'s launcher calls (which the API serves too), and passed the API's
   * 404 `no route for GET /v1/container-credentials` on to the job's SDKs, which said only "Could not load credentials
   * from any providers"; the agent's log said nothing (review gy, 3). Now the start warns, and so does the first such
   * answer, once; the jobs get a 502 saying it.
   */
  const wrongUpstream = `the server at ${shownBase} serves no job credentials: it answered 404 \`no route\` as Gatehouse's API (--listen) does; --upstream must be the server's credential endpoints (its --agent-listen, port 8471 by default)`;
  let saidWrongUpstream = false;
  function isApiNoRoute(a: Answer): boolean {
    if (a.status !== 404) return false;
    try {
      const d = JSON.parse(a.body.toString('utf8')) as { error?: { message?: unknown } };
      return typeof d.error?.message === 'string' && d.error.message.startsWith('no route for ');
    } catch {
      return false;
    }
  }
  function sayWrongUpstream(): string {
    if (!saidWrongUpstream) log(`agent: ${wrongUpstream}`);
    saidWrongUpstream = true;
    return wrongUpstream;
  }

  /**
   * `--upstream` behind an ingress or load balancer that redirects (http to https, a path to another): the agent passed
   * the 301/308 on to every job's SDK ("Server responded with status: 308"), the start's check found nothing, and the
   * log said nothing (review hu, 6). A redirect is a wrong `--upstream`: said at start and once in the log, and the
   * jobs get a 502 saying where it points (never followed: the capability would go wherever it says).
   */
  let saidRedirect = false;
  function redirectOf(a: Answer): string | undefined {
    if (a.status < 300 || a.status > 399) return undefined;
    const to = a.location === undefined ? 'nowhere it names' : shownUrl(a.location);
    return `the server at ${shownBase} answered ${a.status}, a redirect to ${to}: --upstream must be the URL the server's credential endpoints answer at themselves (its --agent-listen or --agent-address URL, with https:// if that is where it redirects)`;
  }
  function sayRedirect(message: string): string {
    if (!saidRedirect) log(`agent: ${message}`);
    saidRedirect = true;
    return message;
  }

  /**
   * An answer of `--upstream` that is not the server's (`isGatehouseAnswer`): what the jobs are told (502) and the log
   * says, once until the server answers again.
   */
  let saidForeign: number | undefined;
  function foreignMessage(status: number): string {
    const what = status === 200 ? `: it is not a credentials document (no Expiration): is --upstream the server's credential endpoints?` : ` (a refusal of the server's is JSON with Code and Message): a proxy or ingress in front of the server answered for it, or --upstream is not the server's credential endpoints`;
    return `the server at ${shownBase} answered ${status} with something that is not Gatehouse's answer${what}; credentials cached here are served while they are valid`;
  }
  function sayForeign(status: number): string {
    const message = foreignMessage(status);
    if (saidForeign !== status) log(`agent: ${message}`);
    saidForeign = status;
    return message;
  }

  /** Asks the server for the entry's document and keeps its answer: usable credentials, or why there are none. */
  function revalidate(entry: Entry, path: string, headers?: Record<string, string>): Promise<void> {
    entry.pending ??= (async () => {
      try {
        const a = await upstream(path, headers ? { headers } : {});
        entry.checkedAt = checkedNow();
        if (isApiNoRoute(a)) {
          entry.ok = undefined;
          entry.last = json(502, { Code: 'BadGateway', Message: sayWrongUpstream() });
          return;
        }
        // Credentials already cached are still served while valid, as while the server cannot be reached.
        const redirect = redirectOf(a);
        if (redirect !== undefined) {
          entry.last = json(502, { Code: 'BadGateway', Message: sayRedirect(redirect) });
          return;
        }
        // A proxy's 5xx page (said in the log by `upstream`): the server out of reach, told in the agent's own words, not
        // relayed as if the server had answered it (review mu, 2).
        if (proxyErrorPage(a.status, a.body)) {
          entry.last = json(503, { Code: 'Unavailable', Message: `the Gatehouse server at ${shownBase} cannot be reached: a proxy or ingress in front of it answered ${a.status}` });
          return;
        }
        // Only the server's own answer ends what is held: a credentials document, or its refusal (JSON with `Code` and
        // `Message`). A proxy answering for a server that is not there (an ingress's `404 page not found`, a firewall's
        // 403 page, a maintenance page served 200) took every job's still-valid credentials away at once and was passed
        // on to their SDKs as if the job had ended (review iq, 1): it is the server out of reach, as a 5xx is.
        // Any other 4xx page too (an ingress's `429` of a rate limit, a `401`): relayed as the server's word, it reached
        // the jobs' SDKs as HTML, and a launcher took it as a refusal of its job's metadata endpoint (review mu, 3).
        const doc = a.status === 200 ? cachedOf(a.body, a.realExpiration, marginMs) : undefined;
        const refusal = a.status === 403 || a.status === 404 || a.status === 410;
        if ((a.status === 200 && doc === undefined) || (a.status >= 400 && a.status < 500 && !isGatehouseAnswer(a.body.toString('utf8')))) {
          entry.last = json(502, { Code: 'BadGateway', Message: sayForeign(a.status) });
          return;
        }
        saidForeign = undefined;
        if (a.status === 200) entry.ok = doc;
        // Definitive: the job ended, has no role, or the capability is unknown. Kept as the answer for a while (and a 409,
        // while nothing usable is held: `deliver`).
        else if (refusal) entry.ok = undefined;
        // A refusal of a new session (409) or the server's outage (503) leaves what is held served, unless the server
        // names it as revoked: it was served on, refused by every call (ExpiredToken), until 30 min before its expiry,
        // while the server answered why (review ri, 1).
        else if (a.revokedSession !== undefined && entry.ok?.doc['AccessKeyId'] === a.revokedSession) entry.ok = undefined;
        entry.last = a;
      } catch (e) {
        entry.checkedAt = checkedNow();
        unreachable(e);
        entry.last = json(503, { Code: 'Unavailable', Message: `the Gatehouse server at ${shownBase} cannot be reached` });
      } finally {
        entry.pending = undefined;
      }
    })();
    return entry.pending;
  }
  /**
   * The entry to forget when the cache is full: the oldest one holding no credentials (a refusal, an unreachable
   * server, one being asked for), else the oldest. Requests with made-up capabilities (any process reaching the
   * agent may send them, each costing one request to the server) then push out one another, not the credentials
   * of the node's jobs, which would all have to be asked for again (review agent, A10).
   */
  function evictable(): string {
    for (const [key, e] of cache) if (e.ok === undefined) return key;
    return cache.keys().next().value as string;
  }

  /** A credentials document for `key`, from cache when it may be, else from the server. */
  async function deliver(key: string, path: string, headers?: Record<string, string>): Promise<Answer> {
    let entry = cache.get(key);
    if (!entry) {
      if (cache.size >= maxEntries) cache.delete(evictable());
      entry = { checkedAt: 0 };
      cache.set(key, entry);
    }
    const t = now();
    const usable = entry.ok && t < entry.ok.until ? entry.ok : undefined;
    if (usable && t - entry.checkedAt < revalidateMs) return servedAnswer(usable, t);
    if (usable) {
      // Due: the server's answer is waited for, a moment at most (review ql, 2). Served at once while the server was
      // asked behind it, an entry nobody read for an hour answered its hour-old credentials: a job ended meanwhile handed
      // its revoked session to the next process instead of 410, and one whose sessions were revoked handed a rank the
      // revoked one, which its SDK kept until the served `Expiration` (about 3 h). A server that does not answer within
      // the moment, or cannot be reached, leaves the cached credentials served, as before.
      if (!(await settlesWithin(revalidate(entry, path, headers), revalidationWaitMs))) {
        if (unreachableSince !== undefined) servedStale++;
        return servedAnswer(usable, now());
      }
      const t1 = now();
      const held = entry.ok && t1 < entry.ok.until ? entry.ok : undefined;
      if (held !== undefined) {
        if (unreachableSince !== undefined) servedStale++;
        return servedAnswer(held, t1);
      }
      return entry.last ?? json(503, { Code: 'Unavailable', Message: 'no credentials' });
    }
    // The server's recent refusal (ended, no role, unknown capability) stands until the next revalidation; so does its
    // refusal to issue the job a session (409: the role's trust policy), which was asked for again at every read, each
    // rank's SDK and each of its retries a request to the server, however many (review ri, 4). (A 409 is kept only as
    // the server's own answer: `revalidate` turns any other 4xx into a 502.)
    const refused = entry.last;
    if (refused && (refused.status === 403 || refused.status === 404 || refused.status === 409 || refused.status === 410) && t - entry.checkedAt < revalidateMs) return refused;
    // Asked for at most `firstAnswerWaitMs`, inside the SDKs' 1 s: a server that accepts and never answers kept the request
    // for the upstream timeout (5 s), and the job's SDKs timed out without the reason (review re, 1). The server is still
    // asked behind, and a retry meanwhile joins that request.
    if (!(await settlesWithin(revalidate(entry, path, headers), firstAnswerWaitMs))) {
      return json(503, { Code: 'Unavailable', Message: `the Gatehouse server at ${shownBase} has not answered within ${firstAnswerWaitMs} ms; it is still being asked: try again shortly` });
    }
    const t2 = now();
    const fresh = entry.ok && t2 < entry.ok.until ? entry.ok : undefined;
    if (fresh) return servedAnswer(fresh, t2);
    const a = entry.last ?? json(503, { Code: 'Unavailable', Message: 'no credentials' });
    if (a.status !== 200) return a;
    // Credentials too close to their expiry: not served. (A 200 that is not a credentials document is kept as a 502 by
    // `revalidate`.)
    return json(503, { Code: 'Unavailable', Message: 'the server answered credentials that expire too soon to be served' });
  }

  /**
   * Per-job metadata endpoints, by the launcher's capability; `reads`: the capability whose entry it serves, the ranks'
   * when the launcher names it (review oa, 2), so that it is the entry the job's other endpoints on the node serve.
   */
  const endpoints = new Map<string, { readonly server: Server; readonly port: number; readonly reads: string; closing: boolean }>();
  /** The ask of a launcher's capability under way (`POST /v1/launcher/metadata`): the next waits for it (review ql, 1). */
  const opening = new Map<string, Promise<void>>();
  /** Set when `close` begins: no metadata endpoint is opened after (review ql, 4). */
  let stopping = false;
  /** The answer to a launcher's ask once the agent is stopping; it asks again at its next heartbeat. */
  const STOPPING = json(503, { Code: 'Unavailable', Message: 'this agent is stopping: the metadata endpoint is opened when the agent started in its place is asked again' });
  /** Who connects to a metadata port (by uid). */
  const peers = createPeerUids({ log });
  /** A container document's role name and its Alibaba form, made once per document served. */
  const documents = new WeakMap<Buffer, { readonly roleName: string; readonly acs: boolean; readonly alibaba: Buffer }>();
  function alibabaOf(body: Buffer): { readonly roleName: string; readonly acs: boolean; readonly alibaba: Buffer } {
    let d = documents.get(body);
    if (d === undefined) documents.set(body, (d = alibabaForm(body)));
    return d;
  }

  /** The job's container-endpoint entry for `cap` (the one entry the agent keeps per job). */
  const jobCredentials = (cap: string, sweep = false): Promise<Answer> => deliver(`aws ${cap}`, '/v1/container-credentials', { authorization: cap, ...(sweep ? { [AGENT_SWEEP_HEADER]: '1' } : {}) });

  /**
   * The job's credentials for its metadata endpoint: its container endpoint's entry, in either cloud's fields.
   * `sweep`: asked by the agent itself, to learn whether the job ended; the server is told so (`AGENT_SWEEP_HEADER`),
   * which a server before review da, 1 needs so as not to count it as a sign of the job's life (review agent, cf4).
   */
  async function metadataCredentials(cap: string, reads: string, sweep = false): Promise<MetadataCredentials> {
    const a = await jobCredentials(reads, sweep);
    if (a.status !== 200) {
      if (a.status === 403 || a.status === 410) closeEndpoint(cap);
      return { ok: false, status: a.status, message: messageOf(a.body) };
    }
    const d = alibabaOf(a.body);
    if (d.roleName === '') return { ok: false, status: 502, message: `the container document of ${shownBase} names no role (RoleArn)` };
    return { ok: true, roleName: d.roleName, alibaba: d.acs, document: (shape) => (shape === 'aws' ? a.body : d.alibaba) };
  }

  /**
   * The launcher said its job ended and the server agreed: its cached credentials go at once (the next read asks
   * the server, which answers 410), rather than being served for up to `revalidateMs` more, and its metadata
   * endpoint closes.
   */
  function ended(cap: string): void {
    cache.delete(`aws ${cap}`);
    closeEndpoint(cap);
  }

  /** Closes a job's metadata endpoint after a short grace, during which it answers why (the job ended). */
  function closeEndpoint(cap: string): void {
    const e = endpoints.get(cap);
    if (!e || e.closing) return;
    e.closing = true;
    setTimeout(() => {
      if (endpoints.get(cap) === e) endpoints.delete(cap);
      e.server.close();
      e.server.closeAllConnections();
    }, metadataGraceMs).unref();
  }

  /**
   * The uid a launcher's metadata endpoint is to serve: its caller's, read from the connection as the endpoints read
   * their peers' (peer-uid.ts; the agent's port is TCP). The uid the body names (`asked`) was taken on trust: any user
   * of the node could have the agent open an endpoint of their own job serving another user's processes (or every
   * process, naming none), on the port that user's ranks read while the agent restarted (review jx, 2). Now a named
   * uid must be the caller's, unless the caller is root, who may act for any uid of the node anyway; none named is the
   * caller's. A caller not in the socket table (another network namespace) cannot be checked: a uid it names is
   * refused, as the endpoint would refuse its processes, and with none it is served as before (any process). Where
   * there is no table (not Linux), as before: the endpoint of a named uid refuses every process there.
   */
  async function callerUid(req: IncomingMessage, asked: number | undefined): Promise<{ ok: true; uid: number | undefined } | { ok: false; message: string }> {
    const found = await peers.uidOf(req.socket);
    if (found === 'unavailable') return { ok: true, uid: asked };
    if (found === undefined) {
      if (asked === undefined) return { ok: true, uid: undefined };
      return { ok: false, message: `uid ${asked} cannot be checked: the calling process was not found in this host's socket table (another network namespace or host?); run the launcher on this host, in its network namespace` };
    }
    if (asked === undefined || asked === found || found === 0) return { ok: true, uid: asked ?? found };
    return { ok: false, message: `uid ${asked} is not the caller's: this request comes from a process of uid ${found}, and a launcher opens its job's metadata endpoint for its own uid only` };
  }

  /** `POST /v1/launcher/metadata`: opens (or finds) the job's metadata endpoint; `{"port": N}` asks for that port. */
  async function openEndpoint(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const cap = req.headers.authorization;
    if (cap === undefined || cap.length < 16 || cap.length > 128) return send(res, FORBIDDEN);
    const body = await readBody(req, MAX_LAUNCHER_BODY);
    if (body === undefined) return send(res, json(413, { Code: 'Invalid', Message: `the body must be at most ${MAX_LAUNCHER_BODY} bytes` }));
    let wanted = 0;
    let uid: number | undefined;
    if (body.length > 0) {
      let asked: { port?: unknown; uid?: unknown } | null;
      try {
        asked = JSON.parse(body.toString('utf8')) as { port?: unknown; uid?: unknown } | null;
      } catch {
        return send(res, json(400, { Code: 'Invalid', Message: 'the body must be JSON: {"port": N, "uid": U} or nothing' }));
      }
      const port = asked?.port;
      if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)) {
        return send(res, json(400, { Code: 'Invalid', Message: `port must be a whole number from 1 to 65535, got ${JSON.stringify(port)}` }));
      }
      // A port under 1024 is one only root may bind: the agent (often root) must not bind one for a job, e.g. 80 of a
      // `--metadata-host` 169.254.169.254 or 100.100.100.200, which every process on the node reads by default.
      if (typeof port === 'number' && port < 1024) {
        return send(res, json(400, { Code: 'Invalid', Message: `port ${port} is a privileged port (under 1024), which a job's metadata endpoint may not take: ask for one from 1024 to 65535, or none` }));
      }
      wanted = typeof port === 'number' ? port : 0;
      const u = asked?.uid;
      if (u !== undefined && (typeof u !== 'number' || !Number.isInteger(u) || u < 0 || u > MAX_UID)) {
        return send(res, json(400, { Code: 'Invalid', Message: `uid must be a whole number from 0 to ${MAX_UID}, got ${JSON.stringify(u)}` }));
      }
      uid = typeof u === 'number' ? u : undefined;
    }
    const caller = await callerUid(req, uid);
    if (!caller.ok) return send(res, json(403, { Code: 'Forbidden', Message: caller.message }));
    // The asks of one launcher's capability take turns (review ql, 1): the launcher asks again at every heartbeat without
    // waiting for its last ask, which waits for the server, and an ask overtaken by the next one then tried to listen on
    // the port the other had just opened for the same job, and was answered 409 `PortUnavailable` (EADDRINUSE), which
    // the launcher took for the port's being held by another process. Now it finds the endpoint the other opened.
    const prior = opening.get(cap) ?? Promise.resolve();
    const mine = prior.then(() => openFor(req, cap, caller.uid, wanted));
    const turn = mine.then(
      () => {},
      () => {},
    );
    opening.set(cap, turn);
    void turn.then(() => {
      if (opening.get(cap) === turn) opening.delete(cap);
    });
    send(res, await mine);
  }

  /** Opens (or finds) the metadata endpoint of the launcher's capability `cap` on `wanted` (0: any port), serving `uid`. */
  async function openFor(req: IncomingMessage, cap: string, uid: number | undefined, wanted: number): Promise<Answer> {
    const answer = (port: number): Answer => json(200, { host: metadataHost, port });
    if (stopping) return STOPPING;
    const existing = endpoints.get(cap);
    if (existing && !existing.closing) return answer(existing.port);
    // The launcher's capability only, as at heartbeat and end: the ranks' reads the job's credentials, and a rank's took
    // the port its launcher asks for again at every heartbeat (review oa, 1; nn, 1). The server alone tells them apart,
    // and answers the launcher's heartbeat 403 for a rank's: the launcher asking for its endpoint is alive, so its beat
    // is one. Any other answer is judged below, as before.
    try {
      const beat = await upstream('/v1/launcher/heartbeat', { method: 'POST', headers: { authorization: cap, 'content-type': 'application/json' }, body: Buffer.alloc(0) });
      if (beat.status === 403 && isGatehouseAnswer(beat.body.toString('utf8'))) return FORBIDDEN;
    } catch (e) {
      unreachable(e);
      return json(503, { Code: 'Unavailable', Message: `the Gatehouse server at ${shownBase} cannot be reached` });
    }
    // Served from the ranks' entry when the launcher names their capability (as with its end): the job's container
    // endpoint, credentials URI and credentials file read that one, and an entry of the launcher's own asked the server
    // again for the job and, after its session changed, served the old one beside the ranks' new one until its next
    // revalidation (review oa, 2). Naming a capability the caller holds gives it nothing it could not read already; its
    // job must be one the server knows, as the launcher's is.
    const reads = rankCapabilityOf(req.headers) ?? cap;
    // Only a job the server knows gets an endpoint (one without a role too: it answers 404 there, as the server's).
    const a = await jobCredentials(reads);
    if (a.status !== 200 && a.status !== 404) return a;
    if (endpoints.size >= maxMetadataEndpoints) {
      return json(503, { Code: 'Unavailable', Message: `this agent serves ${maxMetadataEndpoints} metadata endpoints already` });
    }
    let opened: { server: Server; port: number };
    // The job is named by its port only in the log: the capability is never logged.
    let at = wanted;
    const admit = uid === undefined ? undefined : onlyUid(uid, peers, (peer) => log(`agent: refused the metadata endpoint on ${metadataHost}:${at} to ${peer === undefined ? 'a peer not found in the socket table' : `uid ${peer}`} (its job's launcher runs as uid ${uid})`));
    try {
      // Its tokens made from the launcher's capability, which a restarted agent is given again (review ql, 3).
      opened = await listenMetadata(() => metadataCredentials(cap, reads), metadataHost, wanted, admit, (line) => log(line.replaceAll(cap, '<capability>').replaceAll(reads, '<capability>')), undefined, metadataTokenKey(cap));
      at = opened.port;
    } catch (e) {
      const cause = (e as NodeJS.ErrnoException).code ?? 'error';
      return json(409, { Code: 'PortUnavailable', Message: `cannot listen on ${metadataHost}:${wanted} (${cause})` });
    }
    // The agent began to stop while this ask waited for the server (review ql, 4): its endpoints are closed already, and
    // one opened now was never closed, holding its port and keeping the stopped agent's process from exiting.
    if (stopping) {
      opened.server.close();
      opened.server.closeAllConnections();
      return STOPPING;
    }
    const raced = endpoints.get(cap);
    if (raced && !raced.closing) {
      // Another request for the same job opened one meanwhile: keep that one.
      opened.server.close();
      return answer(raced.port);
    }
    endpoints.set(cap, { ...opened, reads, closing: false });
    if (uid === undefined) log(`agent: a launcher gave no uid for the metadata endpoint on ${metadataHost}:${opened.port}: it serves any process that reaches it`);
    return answer(opened.port);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    served++;
    const refused = browserRefusal(req.headers);
    if (refused !== undefined) return send(res, json(403, { Code: 'Forbidden', Message: refused }));
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    // HEAD as GET (RFC 9110 §9.3.2; Node sends no body): uptime checks and `curl -I` probe with it (review lc, 4).
    if ((req.method === 'GET' || req.method === 'HEAD') && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain', ...CREDENTIAL_ANSWER_HEADERS });
      res.end('ok\n');
      return;
    }
    if (req.method === 'GET' && path.startsWith('/v1/credentials/')) {
      // A capability is 16–128 characters (the server refuses any other at once) and one path segment: nothing else
      // is cached or asked for. The path itself is never sent upstream: a `/` or a dot segment in it
      // (`/v1/credentials/<16 chars>/../../../x`, which node:http resolves) sent the GET to any path of the upstream
      // host, outside an `--upstream` path prefix too, and relayed its answer (review agent, A2). The job's one
      // entry answers, in Alibaba's fields (review ek, 2); a refusal is the server's, as its credentials URI says it.
      const cap = capabilityOfPath(path.slice('/v1/credentials/'.length));
      if (cap === undefined) return send(res, FORBIDDEN);
      const a = await jobCredentials(cap);
      return send(res, a.status === 200 ? { ...a, body: alibabaOf(a.body).alibaba } : a);
    }
    if (req.method === 'GET' && path === '/v1/container-credentials') {
      // In the query of the relative URI at 169.254.170.2, for clients that send no token there (the AWS SDK for Java
      // 1.x, `curl`), else in `Authorization`: the same entry either way, asked upstream in `Authorization` (review iq,
      // 5). The query's first, as the server takes it: a token file's content or an empty token variable in
      // `Authorization` hid it (review kv, 1).
      const query = containerCapabilityOf(req.url ?? '');
      const cap = query !== undefined ? capabilityOfPath(encodeURIComponent(query)) : req.headers.authorization;
      if (cap === undefined || cap.length < 16 || cap.length > 128) return send(res, FORBIDDEN);
      return send(res, await deliver(`aws ${cap}`, path, { authorization: cap }));
    }
    if (req.method === 'POST' && (path === '/v1/launcher/heartbeat' || path === '/v1/launcher/end')) {
      const body = await readBody(req, MAX_LAUNCHER_BODY);
      if (body === undefined) return send(res, json(413, { Code: 'Invalid', Message: `the body must be at most ${MAX_LAUNCHER_BODY} bytes` }));
      try {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (req.headers.authorization) headers['authorization'] = req.headers.authorization;
        const a = await upstream(path, { method: 'POST', headers, body });
        if (path === '/v1/launcher/end' && a.status === 200 && req.headers.authorization) {
          ended(req.headers.authorization);
          // The ranks' entry too (review nn, 1: their capability is not the launcher's). Only a cache entry goes, which the
          // next read asks the server for again: a header naming another job's capability costs that job one request.
          const ranks = rankCapabilityOf(req.headers);
          if (ranks !== undefined) ended(ranks);
        }
        return send(res, a);
      } catch (e) {
        unreachable(e);
        return send(res, json(503, { Code: 'Unavailable', Message: `the Gatehouse server at ${shownBase} cannot be reached` }));
      }
    }
    if (req.method === 'POST' && path === '/v1/launcher/metadata') return openEndpoint(req, res);
    const route = credentialRouteOf(RELAY_ROUTES, path);
    if (route !== undefined) {
      const refusal = methodNotAllowed(req.method, route.named, route.method);
      for (const [k, v] of Object.entries(refusal.headers)) res.setHeader(k, v);
      return send(res, json(405, { Code: 'MethodNotAllowed', Message: refusal.message }));
    }
    send(res, json(404, { Code: 'NotFound', Message: `no route for ${req.method} ${shownRequestPath(path)}` }));
  }

  // A connection's requests one at a time, none behind an answer that closes it, as on the server's port (review uw, 1),
  // too many waiting closing the connection (review uz, 3).
  const inTurn = (req: IncomingMessage, res: ServerResponse): void => {
    if (waitsItsTurn(req, res, inTurn)) return;
    if (refusedForHost(req, res)) return;
    toOriginForm(req);
    drain.track(res);
    handle(req, res).catch((e: unknown) => {
      // The client hung up mid-request: nothing to answer, nothing wrong here (http/aborted.ts).
      if (isClientAbort(e, req)) return void res.destroy();
      log(`agent: internal error: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) send(res, json(500, { Code: 'InternalError', Message: 'internal error' }));
    });
  };
  const server = createServer(CREDENTIAL_SERVER_OPTIONS, inTurn);
  boundCredentialServer(server, opts.maxConnections ?? CREDENTIAL_MAX_CONNECTIONS);
  const drain = drainable(server);
  // Each open metadata endpoint's job is checked with the server every revalidation: an ended job's port closes.
  const sweep = setInterval(() => {
    for (const [cap, e] of endpoints) if (!e.closing) void metadataCredentials(cap, e.reads, true);
  }, revalidateMs);
  sweep.unref();

  return {
    server,
    listen: (host, port) => listenOn(server, host, port, opts.log),
    async checkUpstream() {
      try {
        // Marked as the agent's own, as its sweeps are: a request with no capability is otherwise recorded as a refused
        // authentication, and each start of each agent left one in the audit log (review hy, 5).
        const a = await upstream('/v1/container-credentials', { uncounted: true, headers: { [AGENT_SWEEP_HEADER]: '1' } });
        const redirect = redirectOf(a);
        if (redirect !== undefined && !saidRedirect) {
          saidRedirect = true;
          return redirect;
        }
        // A proxy's page where the server refuses a request without a capability (403 `Forbidden` in JSON): said at
        // start, as the jobs' requests would say it (review iq, 1).
        if (a.status >= 400 && a.status < 500 && !isApiNoRoute(a) && !isGatehouseAnswer(a.body.toString('utf8'))) {
          saidForeign = a.status;
          return foreignMessage(a.status);
        }
        if (!isApiNoRoute(a) || saidWrongUpstream) return undefined;
        saidWrongUpstream = true;
        return wrongUpstream;
      } catch {
        return undefined;
      }
    },
    stats: () => ({ served, upstream: upstreamCalls, servedStale, entries: cache.size, metadataEndpoints: endpoints.size }),
    close: async () => {
      stopping = true;
      clearInterval(sweep);
      for (const e of endpoints.values()) {
        e.server.close();
        e.server.closeAllConnections();
      }
      endpoints.clear();
      await drain.close();
      agent.destroy();
    },
  };
}
