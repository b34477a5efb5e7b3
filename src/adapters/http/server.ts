/**
 * The HTTP edge on `--listen`: health and readiness, and the AWS Query APIs at `POST /`, SigV4-verified.
 * Built on `node:http` directly: the Query API needs the raw body for SigV4, and a framework would add a
 * router for a handful of routes (docs/decisions.md). Connections and slow clients are bounded (`HTTP_EDGE_LIMITS`).
 */
import { randomUUID } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '../../core/errors.ts';
import type { App, Caller } from '../../app/index.ts';
import { countRefusedRequest, keyUsedBy } from '../../app/principals.ts';
import { nodeRequestHeaders, parseSigV4 } from '../sigv4/index.ts';
import { adminErrorBody, BodyOverBudget, bodyMeters, BodyTooLarge, CHARSET_RE, continueOnRead, handleAdminRequest, MAX_ADMIN_BODY, MAX_APPLY_BODY, readBody, routeErrorBody, unsupportedCoding, type ExtraRoute } from './admin-api.ts';
import { isClientAbort } from './aborted.ts';
import { HTTP_ERRORS } from './errors.ts';
import { IAM_ACTIONS, IAM_NAMESPACE } from './iam-api.ts';
import { MAX_QUERY_PARAMETERS, notUtf8Parameter, parameterCount, Params } from './query-params.ts';
import { STS_ACTIONS, STS_NAMESPACE, STS_UNSIGNED_ACTIONS } from './sts-api.ts';
import { ALIBABA_STS_VERSION, alibabaEarlyError, alibabaEdgeError, alibabaStsAnswer } from './alibaba-sts-api.ts';
import { MAX_NONCES, NonceSet, type NonceClaims } from './nonce-set.ts';
import { handleOidcRequest, isOidcRequest } from './oidc.ts';
import { isKubeWebhook, status as kubeStatus, webhookBodyLimit } from './k8s-api.ts';
import { queryError, queryErrorJson, queryResponse, queryResponseJson } from './xml.ts';
import { answerQueryMisplaced, answerS3Elsewhere, misplacedQueryServiceOf, signedServiceOf } from './misdirected.ts';
import { apiOf, type Metrics } from '../metrics/index.ts';
import { isStoreDataRefused, isStoreOutcomeUnknown, isStoreUnavailable } from '../../app/ports/store.ts';
import { answerClientError, endThisTurn, drainable, listenOn, notReadyText, RETRY_AFTER_SECONDS, timedStatus } from './lifecycle.ts';
import { isConsolePath, serveConsole } from './console.ts';
import { claimedCredential, recordAuthFailure } from '../../app/auth-failures.ts';
import { KEY_REFUSALS, mismatchSigned, signedByKeyHolder } from './key-holder.ts';
import { answeredWith, behindProxies, requestFactsOf, requestIdOf, unsignedStsRegion, type TrustedProxies } from './request-facts.ts';
import { refusedForHost, toOriginForm } from './request-target.ts';
import { waitsItsTurn } from './in-turn.ts';
import { shortName } from '../../core/directory/rules.ts';
import { shownRequestPath } from '../../core/shown-url.ts';

const headerText = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** The API a response belongs to, when the path alone does not say (the Query API serves IAM and STS). */
const apiLabels = new WeakMap<ServerResponse, string>();
/**
 * The XML namespace of a Query API request's failure caught past its handler (an outage, a commit whose answer was lost):
 * STS's for an STS request, as its other errors are (review instances, cn4); IAM's otherwise.
 */
const namespaceOf = (res: ServerResponse): string => (apiLabels.get(res) === 'sts' ? STS_NAMESPACE : IAM_NAMESPACE);
/**
 * The STS requests that ask for JSON (`asksJson`): the edge's own answers to their failures past the action are STS's
 * JSON error too, as their other errors are (review oq, 1: they were XML, which such a client cannot read).
 */
const jsonErrors = new WeakSet<ServerResponse>();
/**
 * The request's Alibaba STS shape, for the edge's own answers to its failures past the action (review ok, 2): they were
 * AWS STS's XML, which Alibaba's SDKs cannot parse.
 */
const alibabaShapes = new WeakMap<ServerResponse, (requestId: string, status: number, code: string, message: string) => { readonly status: number; readonly body: string; readonly contentType: string }>();

/** Query API bodies are small (a policy is at most 10 KiB); anything larger is refused before parsing. */
export const MAX_QUERY_BODY = 1 << 20;

export interface HttpEdgeOptions {
  readonly app: App;
  /** Readiness probe: resolves true when the store answers. */
  readonly ready: () => Promise<boolean>;
  /** Why it is not ready, when `ready` says not (`/readyz` says it: `not ready: <why>`); none: `not ready` alone. */
  readonly notReadyBecause?: () => string | undefined;
  readonly log?: (line: string) => void;
  /** Workspace and job routes under `/v1/` (adapters/http/jobs-api.ts). */
  readonly jobRoutes?: readonly ExtraRoute[];
  /** Serve HTTPS with this certificate and key (PEM) instead of HTTP (`--tls-cert`, `--tls-key`). */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** The Kubernetes webhooks under `/k8s/` (adapters/http/k8s-api.ts). */
  readonly kubeWebhooks?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Prometheus metrics: served at `GET /metrics`, and fed the latency of every request. */
  readonly metrics?: Metrics;
  /** Bounds on connections and slow clients; each one not given is `HTTP_EDGE_LIMITS`'s. */
  readonly limits?: Partial<HttpEdgeLimits>;
  /**
   * The S3 gateway's URL, once bound (empty or absent: none here), which an S3 request sent to this port is told to
   * use (misdirected.ts).
   */
  readonly s3Address?: () => string | undefined;
  /**
   * The load balancers in front of this listener (GATEHOUSE_TRUSTED_PROXIES): from one of them, the client's address is
   * taken from `X-Forwarded-For` (request-facts.ts `clientAddressOf`); default none, the connection's address.
   */
  readonly trustedProxies?: TrustedProxies;
  /**
   * Where Alibaba STS signature nonces are checked (nonce-set.ts): the supervisor's set for a worker of `--workers`
   * (src/adapters/cluster `workerNonces`); default a set of this edge's own, `limits.maxSignatureNonces` at most.
   */
  readonly nonces?: NonceClaims;
}

/** What one client, or many, may hold of the edge: sockets, and the time a request or an idle connection may take. */
export interface HttpEdgeLimits {
  /** Connections open at once; one more is closed as soon as it is accepted, and the ones open keep working. */
  readonly maxConnections: number;
  /**
   * From a connection's opening (or the end of its previous answer) to the end of the request's headers: a client
   * that connects and sends nothing, or its headers a byte at a time (slowloris), is answered 408 and closed.
   */
  readonly headersTimeoutMs: number;
  /** The whole request, body included (at least `headersTimeoutMs`); 408 and closed past it. */
  readonly requestTimeoutMs: number;
  /**
   * An idle keep-alive connection between requests (GATEHOUSE_KEEP_ALIVE_TIMEOUT_SECONDS). Above a load balancer's
   * own idle timeout (AWS ALB and nginx: 60 s), or the balancer reuses a connection the edge is closing and answers
   * the request sent on it with a 502 (review lh, 1).
   */
  readonly keepAliveTimeoutMs: number;
  /** A connection on which nothing moves either way (a client that stopped reading its answer); 0 for none. */
  readonly idleTimeoutMs: number;
  /**
   * The request line and headers together (a presigned URL with its session token counts); 431 past it, in the route's
   * shape (`headTooLarge`). Node's parser holds twice this for a head being read.
   */
  readonly maxHeaderSize: number;
  /**
   * Requests one keep-alive connection serves before the edge closes it (0: no cap). None by default: a connection
   * serves one request at a time (pipelined ones too: `waitsItsTurn`), so the count bounds nothing that
   * `maxConnections` does not, and a client that pipelines past it is answered 503.
   */
  readonly maxRequestsPerSocket: number;
  /**
   * Bytes of request bodies over `COUNTED_BODY` (as declared; a chunked one counts as the most its route reads) that
   * the edge reads at once, whoever sends them: a request that would pass it is answered 503 before its body is read.
   * Bodies are read before their signature is checked (SigV4 covers them), so without it 1,024 connections that
   * declare 4 MiB each would hold 4 GiB for unauthenticated clients.
   */
  readonly maxBodyBytesInFlight: number;
  /**
   * Alibaba STS signature nonces held at once for the replay check (nonce-set.ts `NonceSet`): each is held until
   * its request's Timestamp can no longer be taken; past the bound the oldest seen goes first, and a request of its
   * key whose Timestamp window ends no later is refused from then on (tests lower it).
   */
  readonly maxSignatureNonces: number;
}

/**
 * The defaults. 1,024 connections: the resource servers asking the authorize API keep a pool each (the benchmarks
 * use 32), kube-apiserver a few, the CLI and the console one a call; more at once from one instance is a flood, which
 * would otherwise take file descriptors and memory until the process has none. 20 s for the headers and 60 s for a
 * request (a Query API body is at most 1 MiB, an admin one 4 MiB); 65 s keep-alive, above a load balancer's 60 s (Node's
 * 5 s closed connections an ALB still reused: 502s); Node's 16 KiB of headers.
 */
export const HTTP_EDGE_LIMITS: HttpEdgeLimits = Object.freeze({
  maxConnections: 1024,
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 65_000,
  idleTimeoutMs: 120_000,
  maxHeaderSize: 16 * 1024,
  maxRequestsPerSocket: 0,
  maxBodyBytesInFlight: 64 << 20,
  maxSignatureNonces: MAX_NONCES,
});

/** Bodies up to this size (every authorize question, STS call and webhook review in practice) are not counted. */
export const COUNTED_BODY = 64 << 10;

/**
 * The most the route of `url` ever reads of a body: the Query APIs at `/` MAX_QUERY_BODY; `POST /v1/apply` a whole
 * configuration (review cl, 3); a Kubernetes webhook its review's limit; every other call MAX_ADMIN_BODY. Every route
 * but `/v1/apply` and `/` was counted at MAX_ADMIN_BODY, and a chunked body at it even at `/` (review lz, 3).
 */
function routeBodyLimit(url: string): number {
  const path = pathOf(url);
  if (path === '/') return MAX_QUERY_BODY;
  if (url.startsWith('/v1/apply')) return MAX_APPLY_BODY;
  return webhookBodyLimit(path) ?? MAX_ADMIN_BODY;
}

/** What a request's body may take of `maxBodyBytesInFlight`: 0 for a small one, else its declared size, bounded. */
function bodyClaim(req: IncomingMessage): number {
  const declared = req.headers['content-length'];
  // A small body (every authorize question) is never counted, whatever its route reads: its route is not looked up.
  if (declared !== undefined && !(Number(declared) > COUNTED_BODY)) return 0;
  const own = routeBodyLimit(req.url ?? '/');
  if (declared !== undefined) {
    const n = Number(declared);
    // Declared over what its route ever reads: refused unread with the route's 413 (`readBody` checks the declared
    // length first; a webhook checks its bearer token, then that), so not counted. Counted, it was answered 503 "retry
    // in a moment" while the budget was short, and clients retried a request that can never succeed (reviews lh, 2 and
    // lz, 3).
    if (n > own) return 0;
    return n > COUNTED_BODY ? n : 0;
  }
  // A chunked body counts as the most its route reads: its size is known only once it is read.
  return req.headers['transfer-encoding'] !== undefined ? own : 0;
}

export interface HttpEdge {
  readonly server: Server;
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes every connection. */
  close(graceMs?: number): Promise<void>;
}

const pathOf = (url: string): string => {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
};

function send(res: ServerResponse, status: number, body: string, requestId: string, contentType = 'text/xml'): void {
  // Every 503 says when to come back (review mj, 2): the outage's, the body budget's, Alibaba STS's.
  if (status === 503) res.setHeader('retry-after', RETRY_AFTER_SECONDS);
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
    date: new Date().toUTCString(),
    // Answers carry secrets (CreateAccessKey, AssumeRole…), and the edge takes these actions as signed GETs too,
    // whose 200 a cache may keep (review Q, Q2): never stored. Never sniffed as HTML on the console's origin.
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  endThisTurn(res, body);
}

function sendAnswer(res: ServerResponse, a: { readonly status: number; readonly body: string; readonly contentType: string }, requestId: string): void {
  send(res, a.status, a.body, requestId, a.contentType);
}

function sendError(res: ServerResponse, requestId: string, code: ErrorCode, message: string, namespace = IAM_NAMESPACE, json = false): void {
  const e = HTTP_ERRORS[code];
  if (json) return send(res, e.status, queryErrorJson(e.type, e.aws, message, requestId), requestId, 'application/json');
  send(res, e.status, queryError(namespace, e.type, e.aws, message, requestId), requestId);
}

/**
 * Whether an STS request asks for JSON (`Accept: application/json`), which AWS STS answers in JSON: identity verifiers
 * that forward a presigned GetCallerIdentity (aws-iam-authenticator) ask so and unmarshal JSON (review gj, 1). The SDKs
 * send no `Accept` (or `*\/*`): XML.
 */
function asksJson(accept: string | string[] | undefined): boolean {
  return /\bapplication\/json\b/i.test(Array.isArray(accept) ? accept.join(',') : (accept ?? ''));
}

/**
 * A presigned Query API request is valid for at most 15 minutes after its `X-Amz-Date`, whatever `X-Amz-Expires`
 * says, not S3's 7 days. STS ignores `X-Amz-Expires` altogether (aws/aws-sdk-go#2167): a presigned STS request is
 * good for exactly 15 minutes, which clients count on (`aws eks get-token` signs for 60 s and caches the token 14
 * minutes; aws-iam-authenticator sends it to STS). For IAM a shorter `X-Amz-Expires` still counts.
 */
export const QUERY_PRESIGNED_MAX_SECONDS = 900;
const STS_SIGV4 = Object.freeze({ presignedMinLifetimeSeconds: QUERY_PRESIGNED_MAX_SECONDS, presignedMaxLifetimeSeconds: QUERY_PRESIGNED_MAX_SECONDS, expectedService: 'sts' });
const IAM_SIGV4 = Object.freeze({ presignedMaxLifetimeSeconds: QUERY_PRESIGNED_MAX_SECONDS, expectedService: 'iam' });

/**
 * What credentials from GetSessionToken (a user's session: no role) may not do, as AWS refuses it
 * (STS API reference, GetSessionToken): without MFA, which Gatehouse does not have, no IAM API action at all
 * (AWS answers 403 `InvalidClientTokenId`), and of STS only AssumeRole and GetCallerIdentity (GetSessionToken
 * itself is refused by its use case: "Cannot call GetSessionToken with session credentials").
 */
const USER_SESSION_STS_ACTIONS: ReadonlySet<string> = new Set(['AssumeRole', 'GetCallerIdentity', 'GetSessionToken']);

/**
 * What a federated user's credentials (GetFederationToken) may not do, as AWS refuses it (STS API reference,
 * GetFederationToken, "Permissions"): no IAM API operation, and of STS only GetCallerIdentity (GetFederationToken and
 * GetSessionToken are refused by their use cases: "Cannot call … with session credentials").
 */
const FEDERATED_USER_STS_ACTIONS: ReadonlySet<string> = new Set(['GetCallerIdentity', 'GetFederationToken', 'GetSessionToken']);

function userSessionRefusal(caller: Caller, isSts: boolean, action: string): { ok: false; code: ErrorCode; message: string } | undefined {
  const s = caller.session;
  if (s?.fu !== undefined) {
    if (isSts && FEDERATED_USER_STS_ACTIONS.has(action)) return undefined;
    return { ok: false, code: 'ACCESS_DENIED', message: `Cannot call ${action} with the credentials of a federated user (GetFederationToken): they may call no IAM operation and, of STS, only GetCallerIdentity` };
  }
  if (s?.user === undefined || s.role !== undefined) return undefined;
  if (!isSts) {
    return {
      ok: false,
      code: 'INVALID_CLIENT_TOKEN_ID',
      message: `The security token included in the request is invalid: credentials from GetSessionToken cannot call the IAM API (${action}) without MFA, which this server does not offer; sign IAM calls with the user's access key`,
    };
  }
  if (USER_SESSION_STS_ACTIONS.has(action)) return undefined;
  return { ok: false, code: 'ACCESS_DENIED', message: `Cannot call ${action} with session credentials from GetSessionToken: they may call only AssumeRole and GetCallerIdentity` };
}

/** SigV4 failure codes are AWS codes already; map them onto ours. */
const SIGV4_CODES: Record<string, ErrorCode> = {
  MissingAuthenticationToken: 'MISSING_AUTHENTICATION_TOKEN',
  IncompleteSignature: 'INCOMPLETE_SIGNATURE',
  SignatureDoesNotMatch: 'SIGNATURE_DOES_NOT_MATCH',
  AccessDenied: 'ACCESS_DENIED',
};

/**
 * An HTTP(S) server holding `limits` of its connections (all but the body budget, which the edge keeps itself): the
 * edge's, and the listener that answers `--listen` while the database is awaited at start, which held none of them
 * (no connection cap, Node's 60 s for headers, 300 s a request, 120 s a TLS handshake; review hg, 2).
 */
export function boundedServer(handler: (req: IncomingMessage, res: ServerResponse) => void, limits: HttpEdgeLimits, tls?: { readonly cert: string | Buffer; readonly key: string | Buffer }, first?: (req: IncomingMessage, res: ServerResponse) => void): Server {
  // Node checks the two timeouts every `connectionsCheckingInterval` (30 s by default): a quarter of the shorter
  // one cuts a slow client within 1.25 times its timeout instead of up to 30 s past it. (0 turns a timeout off.)
  const shortest = Math.min(...[limits.headersTimeoutMs, limits.requestTimeoutMs].filter((ms) => ms > 0), 120_000);
  const serverOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // Node's parser cuts only a head of twice the limit: one over the limit but within that is read and answered by
    // `headTooLarge` with the request known, so in its route's shape whatever reads it came in (review mj, 3).
    maxHeaderSize: 2 * limits.maxHeaderSize,
    connectionsCheckingInterval: Math.max(25, Math.min(30_000, Math.floor(shortest / 4))),
  };
  // HTTPS when a certificate is given (`--tls-cert`/`--tls-key`): kube-apiserver calls webhooks over HTTPS only. A
  // TLS handshake gets the time the headers get (not tls's 120 s), so a client that never says hello holds no more.
  // `first` sees every request, the ones refused for their head too (the edge times them: review nx, 1).
  const checked = (req: IncomingMessage, res: ServerResponse): void => {
    if (waitsItsTurn(req, res, checked)) return;
    first?.(req, res);
    if (refusedForHost(req, res)) return;
    toOriginForm(req);
    if (!headTooLarge(req, res, limits.maxHeaderSize)) handler(req, res);
  };
  const server = tls ? createTlsServer({ ...serverOptions, cert: tls.cert, key: tls.key, handshakeTimeout: limits.headersTimeoutMs }, checked) : createServer(serverOptions, checked);
  server.maxConnections = limits.maxConnections;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  // Every header within `maxHeaderSize` is kept: Node keeps the first 2,000 lines' names and values (1,000 headers) and
  // drops the rest unsaid, so a client padding its request with 1,100 headers of a few bytes hid the X-Forwarded-For
  // a trusted proxy appends after them, and chose the proxy's address as its `aws:SourceIp` (review ky, 1).
  server.maxHeadersCount = 0;
  server.setTimeout(limits.idleTimeoutMs);
  server.on('clientError', (e: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex & { _httpMessage?: { headersSent?: boolean; req?: IncomingMessage } | null }) => {
    // What Node answers on its own (a bare status, no body), but for the request line and headers past the limit:
    // Node's bare 431 left the AWS SDKs with `UnknownError` and the CLI saying the endpoint was not Gatehouse's API
    // (review ky, 3). It is said in the error shape of the route the request line names (when it is in the bytes the
    // parser had): the admin API's JSON under `/v1/`, a Kubernetes `Status` under `/k8s/`, else the Query APIs' XML,
    // which the AWS clients read.
    answerClientError(e, socket, { headersTooLarge: () => headersTooLarge(e.rawPacket, limits.maxHeaderSize), timedOut: () => requestTimedOut(socket._httpMessage?.req, limits) });
  });
  return server;
}

/** The AWS-style code of a 431, as S3 names it. */
const HEADERS_TOO_LARGE_CODE = 'RequestHeaderSectionTooLarge';

const headersTooLargeMessage = (max: number): string => `the request line and headers take more than ${max} bytes, the most this server reads: shorten the URL (its query) or the headers`;

/** The versions of the Query API's AWS APIs, IAM's and STS's. */
const AWS_QUERY_VERSIONS: ReadonlySet<string> = new Set(['2010-05-08', '2011-06-15']);

/**
 * Why a request of another Alibaba Cloud API than STS is not served, or undefined for any other request: one signed the
 * Alibaba way (signature version 1.0's parameters, `SignatureNonce` among them, which AWS's SigV2 has not; an ACS3
 * `Authorization`) or naming its version in `x-acs-version`, whose version is neither Alibaba STS's nor IAM's or STS's.
 * RAM's own API (2015-05-01: CreateUser, AttachPolicyToUser…)
 * and IMS's (2019-08-15) were routed to the IAM Query API by their action names and answered in IAM's XML, "Request is
 * missing Authentication Token" to a signed request, which Alibaba's clients cannot read (review qr, 7).
 */
function otherAlibabaApi(params: Params, headers: IncomingMessage['headers']): string | undefined {
  const headerVersion = params.get('Action') === undefined ? headerText(headers['x-acs-version']) : undefined;
  const version = params.get('Version') ?? headerVersion;
  if (version === undefined || version === ALIBABA_STS_VERSION || AWS_QUERY_VERSIONS.has(version)) return undefined;
  const alibabaSigned = headerVersion !== undefined || /^\s*ACS3-/i.test(headerText(headers.authorization) ?? '') || (params.has('SignatureMethod') && params.has('SignatureNonce'));
  if (!alibabaSigned) return undefined;
  const action = params.get('Action') ?? headerText(headers['x-acs-action']) ?? '';
  return (
    `Specified api is not found: this server answers one Alibaba Cloud API, STS (Version ${ALIBABA_STS_VERSION}: AssumeRole, AssumeRoleWithOIDC, GetCallerIdentity), not ${shortName(action, 64) || 'this action'} of Version ${shortName(version, 32)}. ` +
    'The RAM users, groups, roles and policies of an acs account are managed through the IAM Query API of this endpoint (Version 2010-05-08, with the AWS SDKs or CLI and a SigV4 signature; decided as ram: actions) or with the gatehouse CLI'
  );
}

/** The error body of a request whose line and headers pass `max` bytes, in the shape of the route of `path`. */
function headersTooLargeBody(path: string, max: number, requestId: string): { contentType: string; body: string } {
  const message = headersTooLargeMessage(max);
  const code = HEADERS_TOO_LARGE_CODE;
  if (path.startsWith('/v1/')) return { contentType: 'application/json', body: adminErrorBody('REQUEST_TOO_LARGE', message, code) };
  if (isKubeWebhook(path)) return { contentType: 'application/json', body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 431, reason: 'RequestEntityTooLarge', message }) };
  return { contentType: 'text/xml', body: queryError(IAM_NAMESPACE, 'Sender', code, message, requestId) };
}

/**
 * The 431 of a head past twice the limit, cut by Node's parser (`boundedServer`): its route is taken from the parser's
 * last chunk, which holds the request line only when the head came in one read.
 */
function headersTooLarge(rawPacket: Buffer | undefined, max: number): string {
  const requestId = randomUUID();
  const path = /^[A-Z]+ (\S+)/.exec(rawPacket?.subarray(0, 512).toString('latin1') ?? '')?.[1] ?? '';
  const { contentType, body } = headersTooLargeBody(path, max, requestId);
  return `HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-amzn-requestid: ${requestId}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`;
}

/**
 * Answers 431 in the route's shape, and closes, when the head of `req` passes `max` bytes as Node's parser counts it (the
 * URL, and each header's name and value). Node's parser cut such heads itself, and the shape was taken from its last
 * chunk: a head that came in several reads (20 KiB of headers over a network: a TCP sender's first flight is about
 * 14 KiB) lost its request line there, and a `/v1/` call was answered the Query API's XML (review mj, 3).
 */
export function headTooLarge(req: IncomingMessage, res: ServerResponse, max: number): boolean {
  let bytes = req.url?.length ?? 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i++) bytes += raw[i]?.length ?? 0;
  if (bytes < max) return false;
  const requestId = randomUUID();
  const path = pathOf(req.url ?? '/');
  // The Query API's root in the shape of the API its query string and headers name, as its other early refusals are
  // (`earlyAnswer`): IAM's XML for every request, it was unreadable to Alibaba STS's clients, whose V3 AssumeRole sends
  // its `Policy` in the query string (review qr, 5).
  const { contentType, body } =
    path === '/'
      ? earlyAnswer(req, requestId, 'REQUEST_TOO_LARGE', headersTooLargeMessage(max), { status: 431, aws: HEADERS_TOO_LARGE_CODE })
      : headersTooLargeBody(path, max, requestId);
  // What follows the head (a body) is not read: the connection closes once this is sent.
  res.shouldKeepAlive = false;
  res.writeHead(431, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': requestId, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
  return true;
}

/**
 * The 408 of a request cut for its time (`boundedServer`), in its route's error shape with code `RequestTimeout`, which
 * the AWS SDKs retry as transient: it was a bare 408, which they read as `UnknownError` (review mj, 1). `req` is the
 * request whose body was awaited; none when its headers never ended, which name no route: the Query APIs' XML.
 */
function requestTimedOut(req: IncomingMessage | undefined, limits: HttpEdgeLimits): string {
  const requestId = randomUUID();
  const seconds = (ms: number): string => String(ms / 1000);
  const message = req === undefined
    ? `the request line and headers did not arrive within ${seconds(limits.headersTimeoutMs)} s, the most this server waits for them: send them at once, then retry`
    : `the request did not arrive whole within ${seconds(limits.requestTimeoutMs)} s, the most this server waits for a request and its body: retry, over a faster connection or with a smaller body`;
  const path = pathOf(req?.url ?? '/');
  let contentType = 'text/xml';
  let body = queryError(IAM_NAMESPACE, 'Sender', HTTP_ERRORS.REQUEST_TIMEOUT.aws, message, requestId);
  if (req !== undefined && path.startsWith('/v1/')) [contentType, body] = ['application/json', adminErrorBody('REQUEST_TIMEOUT', message)];
  else if (req !== undefined && isKubeWebhook(path)) [contentType, body] = ['application/json', JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 408, reason: 'Timeout', message })];
  else if (req !== undefined && path === '/') ({ contentType, body } = earlyAnswer(req, requestId, 'REQUEST_TIMEOUT', message));
  return `HTTP/1.1 408 Request Timeout\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-amzn-requestid: ${requestId}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`;
}

/** The refusal of a Query request giving parameter `name` more than once (`Params.repeated`; reviews vl, 3 and 4). */
const repeatedParameterMessage = (name: string): string =>
  `parameter \`${shortName(name, 64)}\` is given more than once (in the body, or in the query and the body), and which one counts is ambiguous: give each parameter once`;

/**
 * Whether a Query request with no `Version`, or one neither API has, is STS's: its action is one of STS's; or neither
 * API knows it (or it names none) and its signature is scoped to `sts`. An unknown action signed for `sts` was refused in IAM's namespace
 * (review vl, 1), where the signature's scope named the API as it does for a request with no action (review vi, 4).
 */
function unversionedIsSts(action: string | undefined, req: IncomingMessage): boolean {
  if (action !== undefined && (Object.hasOwn(STS_ACTIONS, action) || Object.hasOwn(STS_UNSIGNED_ACTIONS, action))) return true;
  if (action !== undefined && Object.hasOwn(IAM_ACTIONS, action)) return false;
  return signedServiceOf(req) === 'sts';
}

/**
 * A Query API refusal made before the action is read, in the shape of the API that the query string and headers name,
 * or the signature's scope (Alibaba STS's JSON or XML; STS's namespace, JSON when asked); IAM's XML otherwise. Always IAM's XML, it was unreadable
 * to Alibaba's SDKs and to verifiers forwarding a presigned GetCallerIdentity for JSON (review lh, 3). The edge's early
 * refusals, and the 503 of the listener that answers `--listen` while the database is awaited (review lz, 2).
 */
export function earlyAnswer(req: IncomingMessage, requestId: string, code: ErrorCode, message: string, as?: { readonly status: number; readonly aws: string }): { readonly api: 'sts' | 'iam'; readonly status: number; readonly body: string; readonly contentType: string } {
  const url = req.url ?? '/';
  const query = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  const action = query.get('Action');
  const version = query.get('Version') ?? (action === null ? headerText(req.headers['x-acs-version']) : undefined);
  // `as`: a status and AWS code of the edge's own that no ErrorCode has (the 431 of `headTooLarge`).
  const e = { ...HTTP_ERRORS[code], ...as };
  if (version === ALIBABA_STS_VERSION) {
    const answer = alibabaEarlyError(requestId, headerText(req.headers.host), e.status, message, query, req.headers);
    return { api: 'sts', ...answer };
  }
  // With no action in the query (a form POST whose body is not read), the signature's scope names the API (review ot, 2).
  const isSts = version === '2011-06-15' || (version !== '2010-05-08' && unversionedIsSts(action ?? undefined, req));
  if (isSts && asksJson(req.headers.accept)) return { api: 'sts', status: e.status, body: queryErrorJson(e.type, e.aws, message, requestId), contentType: 'application/json' };
  return { api: isSts ? 'sts' : 'iam', status: e.status, body: queryError(isSts ? STS_NAMESPACE : IAM_NAMESPACE, e.type, e.aws, message, requestId), contentType: 'text/xml' };
}

export function createHttpEdge(opts: HttpEdgeOptions): HttpEdge {
  const { app } = opts;
  const log = opts.log ?? (() => {});
  const jobRoutes = opts.jobRoutes ?? [];
  let lastOutageLog = 0;

  /**
   * `service` is the API the action belongs to: a signature scoped to another service (the other of IAM and STS,
   * s3, gatehouse) is refused with AWS's `SignatureDoesNotMatch` "Credential should be scoped to correct service:
   * 'sts'.", as AWS scopes signatures per service. The region is not checked (one endpoint serves every region): it is
   * the region the request was made to (`aws:RequestedRegion`).
   */
  async function authenticate(req: IncomingMessage, body: Buffer, service: 'iam' | 'sts'): Promise<{ ok: true; caller: Caller; region: string } | { ok: false; code: ErrorCode; message: string; signatureVerified?: boolean | undefined }> {
    const request = { method: req.method ?? 'GET', path: req.url ?? '/', headers: nodeRequestHeaders(req), body };
    const options = service === 'sts' ? STS_SIGV4 : IAM_SIGV4;
    const parsed = parseSigV4(request, Date.now(), options);
    // Refused for its time: whether the key's holder signed it, for its record (review tu, 2).
    if (!parsed.ok) return { ok: false, code: SIGV4_CODES[parsed.code] ?? 'INCOMPLETE_SIGNATURE', message: parsed.message, signatureVerified: signedByKeyHolder(app, [request], parsed.signedAt, options) };
    if (!parsed.payloadSigned) return { ok: false, code: 'INCOMPLETE_SIGNATURE', message: 'The request body must be signed (UNSIGNED-PAYLOAD is not accepted by this API).' };
    const who = await app.authenticate(parsed.accessKeyId, parsed.sessionToken);
    if (!who.ok) {
      const e = who.errors[0];
      // Refused for its key (inactive, its session expired or revoked): whether the key's holder signed it (review tu, 3).
      const signatureVerified = e !== undefined && KEY_REFUSALS.has(e.code) ? signedByKeyHolder(app, [request], parsed.signedAt, options) : undefined;
      return { ok: false, code: e?.code ?? 'INVALID_CLIENT_TOKEN_ID', message: e?.message ?? 'The security token included in the request is invalid.', signatureVerified };
    }
    const v = parsed.verify(who.value.secret);
    if (!v.ok) return { ok: false, code: SIGV4_CODES[v.code] ?? 'SIGNATURE_DOES_NOT_MATCH', message: v.message, signatureVerified: mismatchSigned(v) };
    app.keyUse.note(keyUsedBy(who.value.caller, parsed.accessKeyId), parsed.service, parsed.region);
    app.signatureVerified(who.value.caller);
    return { ok: true, caller: who.value.caller, region: parsed.region };
  }

  /** A refusal made before the action is read (`earlyAnswer`), sent. */
  function earlyError(req: IncomingMessage, res: ServerResponse, requestId: string, code: ErrorCode, message: string): void {
    const answer = earlyAnswer(req, requestId, code, message);
    if (answer.api === 'sts') apiLabels.set(res, 'sts');
    send(res, answer.status, answer.body, requestId, answer.contentType);
  }

  async function queryApi(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    // A compressed body is refused by its coding, unread: a gzipped one was answered "must contain the parameter
    // Action", and `Content-Encoding: gzip` in front of a plain body was read as if absent (review hg, 1).
    const coding = unsupportedCoding(req);
    if (coding !== undefined) return earlyError(req, res, requestId, 'UNSUPPORTED_MEDIA_TYPE', coding);
    let body: Buffer;
    try {
      body = await readBody(req, MAX_QUERY_BODY);
    } catch (e) {
      if (e instanceof BodyTooLarge) return earlyError(req, res, requestId, 'REQUEST_TOO_LARGE', `request body exceeds ${MAX_QUERY_BODY} bytes`);
      throw e;
    }
    const url = req.url ?? '/';
    const text = body.toString('utf8');
    const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
    const count = parameterCount(text) + parameterCount(query);
    if (count > MAX_QUERY_PARAMETERS) return earlyError(req, res, requestId, 'VALIDATION_ERROR', `the request carries ${count} parameters; the limit is ${MAX_QUERY_PARAMETERS}: split it into several calls`);
    // Bytes that are not UTF-8, sent or percent-escaped, are refused naming the parameter, never read as U+FFFD (review
    // hg, 3); so is a charset other than UTF-8, as the admin API refuses it (review cm, 2).
    const charset = CHARSET_RE.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      return earlyError(req, res, requestId, 'UNSUPPORTED_MEDIA_TYPE', `charset \`${charset.slice(0, 64)}\` is not supported: send the form parameters in UTF-8 (Content-Type: application/x-www-form-urlencoded; charset=utf-8)`);
    }
    if (!isUtf8(body)) return earlyError(req, res, requestId, 'VALIDATION_ERROR', 'the request body is not valid UTF-8: send the form parameters encoded in UTF-8');
    const notUtf8 = notUtf8Parameter(query) ?? notUtf8Parameter(text);
    if (notUtf8 !== undefined) {
      return earlyError(req, res, requestId, 'VALIDATION_ERROR', `parameter \`${notUtf8}\` is not UTF-8 once its percent-escapes are decoded: escape the UTF-8 bytes of each character (é is %C3%A9, not %E9)`);
    }
    const params = Params.parse(text, query);
    const otherAlibaba = otherAlibabaApi(params, req.headers);
    if (otherAlibaba !== undefined) {
      apiLabels.set(res, 'iam');
      const answer = alibabaEdgeError(requestId, headerText(req.headers.host), 404, 'InvalidAction.NotFound', otherAlibaba, params, req.headers);
      return send(res, answer.status, answer.body, requestId, answer.contentType);
    }
    // Alibaba's V3 requests (ACS3-HMAC-SHA256, its current SDKs' default) name the action and version in headers.
    const acsVersion = params.get('Action') === undefined ? headerText(req.headers['x-acs-version']) : undefined;
    const action = params.get('Action') ?? (acsVersion === ALIBABA_STS_VERSION ? headerText(req.headers['x-acs-action']) : undefined);
    if (!action) {
      // STS's Version, or none and a signature scoped to sts, is STS's request: answered in STS's namespace, as the early
      // refusals are (earlyAnswer); it was IAM's (review vi, 4).
      const stsVersion = params.get('Version');
      // Alibaba's STS's Version: its own error, in the Format asked (it was IAM's XML too).
      if (stsVersion === ALIBABA_STS_VERSION) {
        apiLabels.set(res, 'sts');
        const answer = alibabaEdgeError(requestId, headerText(req.headers.host), 400, 'MissingAction', 'Action is mandatory for this request.', params, req.headers);
        return send(res, answer.status, answer.body, requestId, answer.contentType);
      }
      // A version neither API has is read by the signature's scope as well, as with an action (review vl, 5).
      const sts = stsVersion === '2011-06-15' || (stsVersion !== '2010-05-08' && unversionedIsSts(undefined, req));
      if (sts) apiLabels.set(res, 'sts');
      return sendError(res, requestId, 'MISSING_PARAMETER', 'The request must contain the parameter Action.', sts ? STS_NAMESPACE : IAM_NAMESPACE, sts && asksJson(req.headers.accept));
    }
    // One endpoint serves both APIs, told apart by `Version` (IAM 2010-05-08, STS 2011-06-15), as the SDKs
    // send it; without one, the action name decides.
    const version = params.get('Version') ?? acsVersion;
    // Alibaba Cloud STS's version: its own JSON answers and error codes (AssumeRoleWithOIDC unsigned, AssumeRole and
    // GetCallerIdentity signed with Alibaba's signature version 1.0; alibaba-sts-api.ts).
    if (version === ALIBABA_STS_VERSION) {
      apiLabels.set(res, 'sts');
      alibabaShapes.set(res, (id, status, code, message) => alibabaEdgeError(id, headerText(req.headers.host), status, code, message, params, req.headers));
      // As the AWS APIs' below (review vl, 4): signature version 1.0's string to sign collapsed it to its last as well.
      if (params.repeated !== undefined) {
        const answer = alibabaEdgeError(requestId, headerText(req.headers.host), 400, 'InvalidParameter', repeatedParameterMessage(params.repeated), params, req.headers);
        return send(res, answer.status, answer.body, requestId, answer.contentType);
      }
      const answer = await alibabaStsAnswer(app, params, requestFactsOf(req), requestId, headerText(req.headers.host), {
        method: req.method ?? 'POST',
        query,
        body: text,
        path: pathOf(url),
        headers: req.headers,
        refusal: (caller, alibabaAction) => userSessionRefusal(caller, true, alibabaAction),
        nonces,
        maxNonces: limits.maxSignatureNonces,
      });
      return send(res, answer.status, answer.body, requestId, answer.contentType);
    }
    // A version neither API has is no request of IAM's: it runs nothing, refused in the namespace its action or its
    // signature's scope names (review vl, 2: `Version=2099-01-01` ran IAM's actions).
    const knownVersion = version === undefined || AWS_QUERY_VERSIONS.has(version);
    const isSts = version === '2011-06-15' || (version !== '2010-05-08' && unversionedIsSts(action, req));
    const namespace = isSts ? STS_NAMESPACE : IAM_NAMESPACE;
    const json = isSts && asksJson(req.headers.accept);
    apiLabels.set(res, isSts ? 'sts' : 'iam');
    if (json) jsonErrors.add(res);
    // A parameter given twice runs nothing: read as its last here, as its first by whatever read the request before (a
    // proxy allowing some actions, a log), `Action=ListUsers&…&Action=CreateUser` created a user (review vl, 3).
    if (params.repeated !== undefined) {
      return sendError(res, requestId, 'VALIDATION_ERROR', repeatedParameterMessage(params.repeated), namespace, json);
    }
    const facts = requestFactsOf(req);
    // AssumeRoleWithWebIdentity arrives unsigned (credential-protocols §5.2): its web identity token is the credential.
    const unsigned = knownVersion && isSts && Object.hasOwn(STS_UNSIGNED_ACTIONS, action) ? STS_UNSIGNED_ACTIONS[action] : undefined;
    const handler = !knownVersion ? undefined : isSts ? (Object.hasOwn(STS_ACTIONS, action) ? STS_ACTIONS[action] : undefined) : Object.hasOwn(IAM_ACTIONS, action) ? IAM_ACTIONS[action] : undefined;
    // Named whole only when short: any client, unsigned, sent an `Action` of up to 1 MiB and got it back XML-escaped,
    // up to twice its bytes (review gm, 9).
    if (!handler && !unsigned) return sendError(res, requestId, 'INVALID_ACTION', `Could not find operation ${shortName(action, 128)} for version ${version === undefined ? 'NO_VERSION_SPECIFIED' : shortName(version, 32)}`, namespace, json);
    const authed = unsigned ? undefined : await authenticate(req, body, isSts ? 'sts' : 'iam');
    const auth = authed?.ok ? (userSessionRefusal(authed.caller, isSts, action) ?? authed) : authed;
    if (auth && !auth.ok) {
      // Refused at authentication (or, for a GetSessionToken session, for the API it calls): recorded (flood-limited),
      // as the edge has no caller to record it under.
      const claimed = claimedCredential(req.headers.authorization, headerText(req.headers['x-amz-security-token']), url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
      // A session refused for the API (`authed` ok) was signed with its secret, verified: said so, as other refusals
      // say it (review vf, 1).
      const signatureVerified = authed?.ok === true ? true : (auth as { readonly signatureVerified?: boolean }).signatureVerified;
      recordAuthFailure(app, { ...claimed, action: `${isSts ? 'sts' : 'iam'}:${action}`, code: HTTP_ERRORS[auth.code].aws, message: auth.message, sourceIp: facts.sourceIp, requestId, signatureVerified });
      // The API's refusal of the session (AccessDenied), counted as its use cases' are (review vf, 2).
      if (authed?.ok === true) countRefusedRequest(app.deps.metrics, isSts ? 'sts' : 'iam', { code: auth.code, message: auth.message, path: '' });
      return sendError(res, requestId, auth.code, auth.message, namespace, json);
    }
    // aws:RequestedRegion: STS's is the region the caller signed for (its regional endpoint); IAM is a global service,
    // whose requests AWS documents as made to us-east-1 whatever the client's region (global condition keys,
    // aws:RequestedRegion), so a region guard with IAM left out of its NotAction refuses IAM as it does on AWS. An
    // unsigned call (AssumeRoleWithWebIdentity) names no region: its endpoint's, from the Host (review gs, 2).
    const signed = auth?.ok ? { ...facts, requestedRegion: isSts ? auth.region : 'us-east-1' } : facts;
    // A list numbered with a gap (or from 0) is refused: its members past the gap were dropped unread (review hj, 1).
    const numbering = params.listNumberingProblem();
    if (!numbering.ok) return sendError(res, requestId, 'VALIDATION_ERROR', numbering.errors[0]?.message ?? 'a list parameter is misnumbered', namespace, json);
    const result = unsigned ? await unsigned(app, params, { ...facts, requestedRegion: unsignedStsRegion(headerText(req.headers.host)) }) : handler && auth?.ok ? await handler(app, auth.caller, params, signed) : undefined;
    if (!result) return sendError(res, requestId, 'INTERNAL_ERROR', 'internal error', namespace, json);
    if (!result.ok) {
      const e = result.errors[0];
      // An unsigned call's refusal (AssumeRoleWithWebIdentity: the role's trust), counted as the signed ones' are in
      // `queryActions` (review vf, 2).
      if (unsigned) countRefusedRequest(app.deps.metrics, 'sts', e);
      return sendError(res, requestId, e?.code ?? 'INTERNAL_ERROR', e?.message ?? 'internal error', namespace, json);
    }
    if (json) return send(res, 200, queryResponseJson(action, result.value, requestId), requestId, 'application/json');
    send(res, 200, queryResponse(action, namespace, result.value, requestId), requestId);
  }

  /**
   * The API under `/v1/` straight to its (async) handler, whose promise is the request's: an async wrapper
   * returning it would add a promise and the microtask turns of adopting one promise by another.
   */
  function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    answeredWith(req, requestId);
    const path = pathOf(req.url ?? '/');
    if (path.startsWith('/v1/')) return handleAdminRequest(app, req, res, requestId, jobRoutes);
    return handleOther(req, res, requestId, path);
  }

  async function handleOther(req: IncomingMessage, res: ServerResponse, requestId: string, path: string): Promise<void> {
    // HEAD as GET (RFC 9110 §9.3.2; Node sends no body): uptime checks and `curl -I` probe with it, and --health-listen
    // answered it while this port said 404, a probe's "down" (review el, 3).
    const probe = req.method === 'GET' || req.method === 'HEAD';
    if (probe && path === '/healthz') return send(res, 200, 'ok\n', requestId, 'text/plain');
    if (probe && path === '/readyz') {
      const ready = !drain.closing && (await opts.ready().catch(() => false));
      return send(res, ready ? 200 : 503, ready ? 'ready\n' : notReadyText(drain.closing ? 'stopping' : opts.notReadyBecause?.()), requestId, 'text/plain');
    }
    if (probe && path === '/metrics' && opts.metrics) {
      // Unauthenticated, as Prometheus scrapes: counts and latencies only, never a name or a secret.
      return send(res, 200, await opts.metrics.render(), requestId, opts.metrics.contentType);
    }
    // `aws s3 … --endpoint-url` this port, the README's 8470 for the gateway's 8472: told where S3 is, in S3's shape. A
    // Query API call signed for s3 (a form POST at the root, or GET / with Action) is not one: IAM refuses its scope as
    // AWS does (SignatureDoesNotMatch, review o, 6).
    const queryShaped = path === '/' && (req.method === 'POST' ? /^application\/x-www-form-urlencoded\b/i.test(String(req.headers['content-type'] ?? '')) : /[?&]Action=/.test(req.url ?? ''));
    if (!queryShaped && signedServiceOf(req) === 's3') return answerS3Elsewhere(req, res, requestId, { service: 'iam', name: "Gatehouse's IAM, STS and admin API (--listen)" }, opts.s3Address?.() || undefined);
    if (req.method === 'POST' && path === '/') return queryApi(req, res, requestId);
    // AWS Query APIs take GET as well, and a presigned GetCallerIdentity is a GET (aws-iam-authenticator forwards it).
    // So do Alibaba's RPC APIs, whose V3 signature names the action in `x-acs-action`, not in the query: such a GET was
    // answered the console's 404 (review ny, 3).
    if (req.method === 'GET' && path === '/' && (new URLSearchParams((req.url ?? '/').slice(path.length + 1)).has('Action') || headerText(req.headers['x-acs-version']) === ALIBABA_STS_VERSION)) return queryApi(req, res, requestId);
    if (isOidcRequest(req.method, path)) return handleOidcRequest(app, req, res, requestId);
    if (isKubeWebhook(path) && opts.kubeWebhooks) return opts.kubeWebhooks(req, res);
    if (isConsolePath(path)) return serveConsole(req, res, path, requestId);
    if (req.method === 'GET' && path === '/') {
      // The server's address opened in a browser: the console. Anything else asking GET / is told where things are.
      if (/\btext\/html\b/.test(req.headers.accept ?? '')) {
        res.setHeader('location', '/ui/');
        return send(res, 302, 'the console is at /ui/\n', requestId, 'text/plain');
      }
      return send(res, 404, routeErrorBody('UNKNOWN_ROUTE', 'no route for GET /: the web console is at /ui/, the admin API under /v1/, the IAM and STS Query APIs take POST / (or GET / with Action=…)'), requestId, 'application/json');
    }
    // The probes and /metrics take GET and HEAD: another method is 405 with Allow (RFC 9110 §15.5.6), not a 404 that
    // says the probe's path does not exist (review fq, 3).
    if (path === '/healthz' || path === '/readyz' || (path === '/metrics' && opts.metrics)) {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, routeErrorBody('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}; use GET, HEAD`), requestId, 'application/json');
    }
    // An IAM or STS call at another path (an endpoint URL given with one): said in the Query API's error document, which
    // the AWS clients read, not the JSON 404 they took for a broken server (review jo, 1).
    const misplaced = misplacedQueryServiceOf(req);
    if (misplaced !== undefined) return answerQueryMisplaced(req, res, requestId, misplaced, path, misplaced === 'sts' && asksJson(req.headers.accept));
    send(res, 404, routeErrorBody('UNKNOWN_ROUTE', `no route for ${req.method} ${shownRequestPath(path)}`), requestId, 'application/json');
  }

  const limits: HttpEdgeLimits = { ...HTTP_EDGE_LIMITS, ...opts.limits };
  // One set for the server: its own, or its supervisor's for a worker of `--workers` (nonce-set.ts).
  const nonces: NonceClaims = opts.nonces ?? new NonceSet(limits.maxSignatureNonces);
  const metrics = opts.metrics;
  /**
   * Every request the edge reads is in flight until its connection closes, and timed then: a 431 for its head (refused
   * before the handler) too, which was in no series (review nx, 1).
   */
  const timed = (req: IncomingMessage, res: ServerResponse): void => {
    if (metrics) {
      // One listener for both: the request leaves the in-flight count, and a response sent in full is timed.
      const started = performance.now();
      drain.track(res, () => {
        metrics.observeRequest(apiLabels.get(res) ?? apiOf(req.method, pathOf(req.url ?? '/')), timedStatus(res), (performance.now() - started) / 1000);
      });
    } else drain.track(res);
  };
  const serve = (handler: (req: IncomingMessage, res: ServerResponse) => void): Server => {
    const proxied = behindProxies(opts.trustedProxies ?? [], handler);
    const s = boundedServer(proxied, limits, opts.tls, timed);
    // `100 Continue` only once the body is read (`continueOnRead`): Node sent it for every `Expect: 100-continue` before
    // the request was looked at, and a body refused unread (over its size, over the body budget) was sent whole all
    // the same (review ky, 5), as the S3 gateway's once was (review cr, 2).
    const checkContinue = (req: IncomingMessage, res: ServerResponse): void => {
      if (waitsItsTurn(req, res, checkContinue)) return;
      timed(req, res);
      if (refusedForHost(req, res)) return;
      toOriginForm(req);
      if (headTooLarge(req, res, limits.maxHeaderSize)) return;
      continueOnRead.set(req, () => res.writeContinue());
      proxied(req, res);
    };
    s.on('checkContinue', checkContinue);
    return s;
  };
  let bodyBytesInFlight = 0;
  let lastBodyLog = 0;
  /** The 503 of a large body refused for the budget; the body is not read (more of it), so the connection closes. */
  const refuseOverBudget = (req: IncomingMessage, res: ServerResponse, claim: number): void => {
    const t = Date.now();
    if (t - lastBodyLog > 5000) {
      lastBodyLog = t;
      log(`request refused: ${bodyBytesInFlight} bytes of request bodies are being read, and ${claim} more would pass ${limits.maxBodyBytesInFlight}`);
    }
    res.shouldKeepAlive = false;
    const busy = `the server is reading ${limits.maxBodyBytesInFlight} bytes of large request bodies already; retry in a moment`;
    // A webhook's as kube-apiserver reads it, a Status, refused up front (a large AdmissionReview) as mid-body: up front
    // it was the Query API's XML (review ky, 4).
    if (isKubeWebhook(req.url)) return kubeStatus(res, 503, busy);
    const message = `${busy}, or send a body of at most ${COUNTED_BODY} bytes`;
    const requestId = randomUUID();
    if ((req.url ?? '/').startsWith('/v1/')) return send(res, HTTP_ERRORS.SERVICE_UNAVAILABLE.status, adminErrorBody('SERVICE_UNAVAILABLE', message), requestId, 'application/json');
    // In the shape of the API the query, headers and signature name (the body is not read): it was IAM's XML for every
    // request, which Alibaba STS's clients and STS callers asking for JSON could not read (review ot, 2).
    const answer = earlyAnswer(req, requestId, 'SERVICE_UNAVAILABLE', message);
    if (answer.api === 'sts') apiLabels.set(res, 'sts');
    send(res, answer.status, answer.body, requestId, answer.contentType);
  };
  /**
   * Answers 503 (and closes) when the body `req` declares would pass `maxBodyBytesInFlight` with the bytes of large
   * bodies received so far; else meters it (`bodyMeters`): its bytes count as they arrive, until the answer is done,
   * and a chunk that would pass the budget is refused then. Declared sizes were counted whole from the headers on, so
   * two connections declaring 32 MiB to `/v1/apply` and sending nothing, with no credentials, took the whole budget and
   * every large request (an apply, a batch) was refused 503 while they were held, 60 s each (review fd, 10).
   */
  const overBodyBudget = (req: IncomingMessage, res: ServerResponse): boolean => {
    const claim = bodyClaim(req);
    if (claim === 0) return false;
    if (bodyBytesInFlight + claim > limits.maxBodyBytesInFlight) {
      refuseOverBudget(req, res, claim);
      return true;
    }
    let counted = 0;
    let done = false;
    bodyMeters.set(req, (bytes) => {
      // Past the answer nothing is kept of the body: not counted (it would never be given back).
      if (done) return true;
      if (bodyBytesInFlight + bytes > limits.maxBodyBytesInFlight) return false;
      bodyBytesInFlight += bytes;
      counted += bytes;
      return true;
    });
    res.once('close', () => {
      done = true;
      bodyBytesInFlight -= counted;
    });
    return false;
  };
  const server = serve((req, res) => {
    if (overBodyBudget(req, res)) return;
    handle(req, res).catch((e: unknown) => {
      // One id for the answer and the log line, so the id a client was answered finds what happened (review je, 3:
      // the log line had none, and each answer a fresh id found nowhere). The id `handle` drew, which the request's audit
      // records carry (a change whose commit was cut off, recorded OUTCOME_UNKNOWN, is answered here).
      const requestId = requestIdOf(req) ?? randomUUID();
      const alibaba = alibabaShapes.get(res);
      const json = jsonErrors.has(res);
      // The store is unreachable: 503 ServiceUnavailable, which clients retry; what needs no store (session
      // verification, decisions from memory) keeps answering meanwhile.
      if (isStoreUnavailable(e)) {
        opts.metrics?.storeUnavailable();
        const t = Date.now();
        if (t - lastOutageLog > 5000) {
          lastOutageLog = t;
          log(`store unavailable, answering 503 (request ${requestId}): ${e.message}`);
        }
        if (res.headersSent) return void res.destroy();
        // What the request needed the database for, where the use case says (review qf, 4).
        const message = `The service is unavailable: its database cannot be reached.${e.hint !== undefined ? ` ${e.hint}.` : ''} Please try again.`;
        if (isKubeWebhook(req.url)) return kubeStatus(res, 503, message);
        if ((req.url ?? '/').startsWith('/v1/')) return send(res, HTTP_ERRORS.SERVICE_UNAVAILABLE.status, adminErrorBody('SERVICE_UNAVAILABLE', message), requestId, 'application/json');
        if (alibaba !== undefined) return sendAnswer(res, alibaba(requestId, 503, 'ServiceUnavailable', message), requestId);
        return sendError(res, requestId, 'SERVICE_UNAVAILABLE', message, namespaceOf(res), json);
      }
      // The database connection was lost as the change committed: it may or may not have been made. Not a 503, which
      // every client retries (the CLI, the SDKs): the change would be made twice (review aa1).
      if (isStoreOutcomeUnknown(e)) {
        log(`store outcome unknown, answering 500 (request ${requestId}): ${e.message}`);
        if (res.headersSent) return void res.destroy();
        const message = 'The connection to the database was lost while the change was being committed: it may or may not have been made. Look before making it again.';
        if ((req.url ?? '/').startsWith('/v1/')) return send(res, 500, adminErrorBody('INTERNAL_ERROR', message, 'OutcomeUnknown'), requestId, 'application/json');
        // The Query APIs: not a 5xx either, which the AWS SDKs and the aws CLI retry as transient (SDK v3: 500, 502, 503,
        // 504; botocore likewise), so that a CreateAccessKey was made twice, or answered LimitExceeded for the key it made
        // (review ad, ad6). A 409 with its own code is retried by none of them; they show the code and the message.
        if (alibaba !== undefined) return sendAnswer(res, alibaba(requestId, 409, 'OutcomeUnknown', message), requestId);
        if (json) return send(res, 409, queryErrorJson('Sender', 'OutcomeUnknown', message, requestId), requestId, 'application/json');
        return send(res, 409, queryError(namespaceOf(res), 'Sender', 'OutcomeUnknown', message, requestId), requestId);
      }
      // The client hung up mid-request: nobody to answer, nothing wrong with the server (aborted.ts).
      if (isClientAbort(e, req)) return void res.destroy();
      // Large bodies arriving passed the budget while this one was read (`overBodyBudget`).
      if (e instanceof BodyOverBudget) {
        if (res.headersSent) return void res.destroy();
        return refuseOverBudget(req, res, 0);
      }
      const v1 = (req.url ?? '/').startsWith('/v1/');
      // The database refused a value of the request for what it holds (an index entry past PostgreSQL's 2,704 bytes, a
      // value its type cannot hold): the same request is refused every time, so a 400, not a 500 to retry. Nothing was
      // written (the transaction rolled back). The reason has the database's quoted values removed.
      if (isStoreDataRefused(e)) {
        log(`a request's value was refused by the database (${e.dbCode}): ${e.reason} (request ${requestId})`);
        if (res.headersSent) return void res.destroy();
        const message = `The database refused a value of this request (${e.reason}); nothing was changed. Shorten or correct it.`;
        if (isKubeWebhook(req.url)) return kubeStatus(res, 400, message);
        if (v1) return send(res, 400, adminErrorBody('VALIDATION_ERROR', message), requestId, 'application/json');
        if (alibaba !== undefined) return sendAnswer(res, alibaba(requestId, 400, 'InvalidParameter', message), requestId);
        return sendError(res, requestId, 'VALIDATION_ERROR', message, namespaceOf(res), json);
      }
      // A bug: answer 500 without internals (and never a secret), log the stack for the operator.
      log(`internal error (request ${requestId}): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      const internal = 'We encountered an internal error. Please try again.';
      if (res.headersSent) res.destroy();
      // A Status has no request id of its own: the message names it.
      else if (isKubeWebhook(req.url)) kubeStatus(res, 500, `We encountered an internal error (request ${requestId}). Please try again.`);
      // JSON on the admin API, as its every other answer (it was the Query APIs' XML).
      else if (v1) send(res, 500, adminErrorBody('INTERNAL_ERROR', internal), requestId, 'application/json');
      else if (alibaba !== undefined) sendAnswer(res, alibaba(requestId, 500, 'InternalError', internal), requestId);
      else sendError(res, requestId, 'INTERNAL_ERROR', internal, namespaceOf(res), json);
    });
  });
  const drain = drainable(server);
  let lastDropLog = 0;
  server.on('drop', () => {
    const t = Date.now();
    if (t - lastDropLog > 5000) {
      lastDropLog = t;
      log(`connection refused: ${limits.maxConnections} connections are open, the most this server accepts`);
    }
  });

  return {
    server,
    listen: (host, port) => listenOn(server, host, port, opts.log),
    close: (graceMs) => drain.close(graceMs),
  };
}
