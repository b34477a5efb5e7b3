/**
 * One job's metadata endpoint (credential-protocols §2 and §6): IMDSv2 of both clouds on a port of its own, since
 * SDKs keep only the scheme, host and port of `AWS_EC2_METADATA_SERVICE_ENDPOINT`, so a port is what tells jobs
 * apart. `PUT /latest/api/token` with a TTL header of either cloud, then `GET /latest/meta-data/{iam,ram}/
 * security-credentials/` (the role name) and `…/<role>` (the document of that cloud) with the token. Served the
 * same way by the server's own endpoints (server.ts) and by the node agent (relay.ts); only where the credentials
 * come from differs.
 *
 * It also serves the Alibaba credentials URI of a job of an Alibaba-style account, `GET /v1/credentials`, with no
 * capability in it (review tn, 1: the Alibaba SDKs print the URI in their errors, and a capability in it reached the
 * job's logs); the same checks admit a request to it as a tokenless `ram/` read.
 *
 * Every job gets one unless it is run with `--no-imds` (`"imds": false` at submit): DESIGN.md pins
 * `AWS_EC2_METADATA_SERVICE_ENDPOINT` in the job's environment. IMDSv2 carries no capability (the token PUT asks for
 * nothing), so the port alone would hand the job's credentials to any process that reaches it, another user's job on
 * the node included (review H, finding 1). The opener therefore passes a peer check (`admit`): the server and the
 * node agent serve only processes of the uid the job's launcher runs as, found from the kernel's socket table
 * (peer-uid.ts, which says what that does and does not protect). The token PUT and the credential paths refuse any
 * other peer with 403.
 *
 * The peer check does not stop a web browser run by that same uid (review Q, finding Q1): after a DNS rebinding
 * (the attacker's name answered with 127.0.0.1) the attacker's page reaches the port as its own origin and reads
 * the credentials. So before anything else every request is refused (403) unless its `Host` is the endpoint's own,
 * an IP literal or `localhost` (`isOwnHost`: a rebinding page can only send its own DNS name), and if it carries
 * what only a browser sends (`browserRefusal`). Every SDK examined (AWS SDK v3, botocore/boto3 and the aws CLI, the
 * Alibaba SDK, whose ECS provider sends `Host: 100.100.100.200`) sends the IP or `localhost` of its configured URL.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIPv4, isIPv6, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { PeerVerdict } from './peer-uid.ts';
import { isClientAbort } from '../http/aborted.ts';
import { refusedForHost, toOriginForm } from '../http/request-target.ts';
import { waitsItsTurn } from '../http/in-turn.ts';
import { capConnections } from '../http/connection-cap.ts';
import { answerClientError, sayErrorsOnceBound, timedStatus } from '../http/lifecycle.ts';
import { isStoreUnavailable } from '../../app/ports/store.ts';

/**
 * The header of the credential endpoints' 200 that names when the session really expires (the document's
 * `Expiration` is the served one, core/jobs `servedExpiration`): the node agent keeps serving a cached session
 * until then while the server is unreachable.
 */
export const REAL_EXPIRATION_HEADER = 'x-gatehouse-session-expiration';
/**
 * The header of a credential endpoint's refusal (409, 503) that names the key id of the job's session the server held
 * and found revoked (or of a role made again since): a node agent that holds that session drops it instead of serving
 * it on as it serves what it holds through a refusal of a new session or an outage (review ri, 1).
 */
export const REVOKED_SESSION_HEADER = 'x-gatehouse-revoked-session';
/**
 * The ranks' capability, which a launcher names with its end (launcher/run.ts) so that a node agent drops their cached
 * credentials at once (relay.ts); the ranks' capability is not the launcher's (review nn, 1). The server ignores it.
 */
export const RANK_CAPABILITY_HEADER = 'x-gatehouse-rank-capability';

/** The header a launcher sends to name the ranks' capability `ranks` beside its own `capability`: none when they are one. */
export function rankCapabilityHeader(capability: string, ranks: string | undefined): Record<string, string> {
  return ranks !== undefined && ranks !== capability ? { [RANK_CAPABILITY_HEADER]: ranks } : {};
}

/** The ranks' capability a request names (`RANK_CAPABILITY_HEADER`) when it has a capability's length, else undefined. */
export function rankCapabilityOf(headers: IncomingHttpHeaders): string | undefined {
  const named = headers[RANK_CAPABILITY_HEADER];
  return typeof named === 'string' && named.length >= 16 && named.length <= 128 ? named : undefined;
}

/**
 * The header a node agent sends (value `1`) when it asks for a job's credentials on its own, to learn whether the
 * job ended, rather than for a process that reads them: a server before review da, 1 counted every fetch as a sign of
 * the job's life, and one of the agent's own kept a job whose launcher was gone Running for as long as the agent ran
 * (review agent, cf4). Servers now count no fetch; the agent still says so, for those.
 */
export const AGENT_SWEEP_HEADER = 'x-gatehouse-agent-sweep';

/**
 * Whether `text`, an answer of a job's credential port (the server's `--agent-listen`, a node agent's) that is not a
 * credentials document, is the port's own: JSON with a string `Code` and `Message` (`Forbidden`, `NoRole`, `JobEnded`,
 * `Invalid`…), rather than a page a proxy in front of it answered with while it was not there (an ingress's 404, a
 * firewall's 403): only the port's own refusal is final (review iq, 1 and 2).
 */
export function isGatehouseAnswer(text: string): boolean {
  try {
    const d = JSON.parse(text) as unknown;
    return typeof d === 'object' && d !== null && typeof (d as { Code?: unknown }).Code === 'string' && typeof (d as { Message?: unknown }).Message === 'string';
  } catch {
    return false;
  }
}

/**
 * The job's credentials as a metadata endpoint serves them, or why there are none (status and message). `alibaba`: the
 * job's account is Alibaba-style (`acs`), whose `ram/` paths answer a read without a token, as Alibaba's metadata server
 * does in its normal mode; absent or false, they are IMDSv2 only, as AWS's `iam/` paths are (review tc, 1).
 */
export type MetadataCredentials =
  | { readonly ok: true; readonly roleName: string; readonly alibaba?: boolean; document(shape: 'aws' | 'alibaba'): Buffer }
  | { readonly ok: false; readonly status: number; readonly message: string };

/**
 * The key of a metadata endpoint's IMDSv2 tokens, made from `secret`, something of the job's that whoever opens its
 * endpoint again knows too (review ql, 3): a token is its expiry and a MAC of it under this key, so the endpoint keeps
 * no table of them, and one handed out before the server or the node agent restarted is taken after it until its TTL
 * ends, as EC2 takes a token for its TTL. They were held in the endpoint's memory, so after a restart every token a
 * client held was 401: a script that fetched one and kept it (`TOKEN=$(curl -X PUT …)` once, as resource-agents'
 * `aws` helpers keep one in a file) and the Alibaba SDK's `EcsRamRoleCredential` with IMDSv2, which keeps its token for
 * its 6 h and asks no other on a 401, read no credentials until then. The token guards against a request that cannot
 * be a PUT with a header (a relayed GET); who may ask at all is the peer check's to say (peer-uid.ts).
 */
export function metadataTokenKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('gatehouse metadata token').digest();
}

/** A token that `key` made, good until `expiresAtSeconds` (epoch seconds): 24 bytes, 32 base64url characters. */
function newToken(key: Buffer, expiresAtSeconds: number): string {
  const t = Buffer.alloc(24);
  t.writeUInt32BE(expiresAtSeconds, 0);
  randomBytes(4).copy(t, 4);
  createHmac('sha256', key).update(t.subarray(0, 8)).digest().copy(t, 8, 0, 16);
  return t.toString('base64url');
}

/** When a token that `key` made expires (epoch ms), or undefined for one it did not make. */
function tokenExpiry(key: Buffer, token: string): number | undefined {
  if (!/^[\w-]{32}$/.test(token)) return undefined;
  const t = Buffer.from(token, 'base64url');
  if (t.length !== 24) return undefined;
  const mac = createHmac('sha256', key).update(t.subarray(0, 8)).digest().subarray(0, 16);
  return timingSafeEqual(mac, t.subarray(8)) ? t.readUInt32BE(0) * 1000 : undefined;
}

/** The path of the credentials URI a job's metadata endpoint serves to its launcher's uid, with no capability (review tn, 1). */
export const CREDENTIALS_URI_PATH = '/v1/credentials';

/**
 * The last segment of the credentials URI a job's metadata endpoint serves a job of any account
 * (`/v1/credentials/<key>`, review tv, 2), made from the endpoint's token key (`metadataTokenKey`) as its tokens are:
 * the same for the job whichever process opens its endpoint, and known to no one who holds neither the job's stored
 * capability hash nor its launcher's capability. It is no capability: the credential port takes it for nothing, and the
 * endpoint serves it only to its launcher's uid, so a URI an SDK printed into a log gives its reader nothing; and, not
 * being guessable, it keeps a request forgery in a job of an `aws` account from reading its session there without a
 * token (review tc, 1), as the bare path would.
 */
export function credentialsUriKey(tokenKey: Buffer): string {
  return createHmac('sha256', tokenKey).update('gatehouse credentials uri').digest('base64url');
}

/**
 * The headers of every answer of a job's credential port or metadata endpoint: never kept by a cache, never sniffed, as
 * every answer of `--listen` says (review Q, Q2). The metadata endpoints' refusals said `nosniff`, but not their
 * documents, nor any answer of the credential ports (the server's `--agent-listen`, a node agent's), whose 404 echoes the
 * path it was sent; a node agent's `/healthz` said neither (review uw, 3).
 */
export const CREDENTIAL_ANSWER_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });

function jsonAnswer(res: ServerResponse, status: number, body: { readonly Code: string; readonly Message: string }, headers: Record<string, string> = {}): void {
  const t = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(t), ...CREDENTIAL_ANSWER_HEADERS });
  res.end(t);
}

function text(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), ...CREDENTIAL_ANSWER_HEADERS });
  res.end(body);
}

/**
 * Whether `host` (a request's `Host`) names the endpoint itself rather than a DNS name: a dotted IPv4 address, a
 * bracketed IPv6 address or `localhost` (any case), each with or without a port. A page that rebinds a DNS name to
 * this address makes its browser send that name, which no SDK sends (they send the host of the URL they were
 * given, and `--metadata-host` is an IP address).
 */
export function isOwnHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+))(?::[0-9]{1,5})?$/.exec(host);
  if (!m) return false;
  if (m[1] !== undefined) return isIPv6(m[1]);
  const name = m[2] ?? '';
  return isIPv4(name) || name.toLowerCase() === 'localhost';
}

/**
 * Why a request that a web browser made is refused, or undefined: browsers send `Origin` on every PUT and on
 * cross-origin requests, and the `Sec-Fetch-Site`/`-Dest`/`-User` headers with any fetch metadata; no credential
 * client does. `Sec-Fetch-Mode` alone is not refused: Node's own `fetch` (undici) sends `sec-fetch-mode: cors` on
 * every request, and a browser that sends it sends `Sec-Fetch-Site` with it.
 */
export function browserRefusal(headers: IncomingHttpHeaders): string | undefined {
  for (const [name, header] of [['Origin', 'origin'], ['Sec-Fetch-Site', 'sec-fetch-site'], ['Sec-Fetch-Dest', 'sec-fetch-dest'], ['Sec-Fetch-User', 'sec-fetch-user']] as const) {
    if (headers[header] !== undefined) return `forbidden: a request carrying ${name} is refused: it comes from a web page, and credentials are served to programs only`;
  }
  return undefined;
}

/** Why a request to a metadata endpoint is refused before anything is done (Host, then browser headers), or undefined. */
function rebindingRefusal(req: IncomingMessage): string | undefined {
  const host = req.headers.host;
  if (!isOwnHost(host)) {
    return host === undefined || host === ''
      ? 'forbidden: a request without Host is refused: this metadata endpoint answers only requests to its IP address or localhost'
      : `forbidden: Host \`${host}\` is refused: this metadata endpoint answers only requests to its IP address or localhost, not to a DNS name (a web page that rebinds a name to this address would send that name)`;
  }
  return browserRefusal(req.headers);
}

/**
 * The token TTL EC2 accepts: decimal digits only, 1 to 21600 (not `0x10`, `1e3`, `5.0` or `+5`, which `Number`
 * takes). The HTTP parser has already dropped the whitespace around the value, as RFC 9110 says; a repeated header
 * arrives joined with `, ` and is refused.
 */
function ttlOf(header: string | string[] | undefined): number | undefined {
  if (typeof header !== 'string' || !/^[0-9]{1,5}$/.test(header)) return undefined;
  const ttl = Number(header);
  return ttl >= 1 && ttl <= 21600 ? ttl : undefined;
}

/**
 * What one client may hold of a credential endpoint (review agent, A9): its headers within 10 s, the whole request
 * within 30 s, 5 s idle between keep-alive requests, checked every second. Node's defaults (60 s, 300 s, checked
 * every 30 s, no connection limit) let any process that reaches a port hold its connections for minutes, and with
 * enough of them use up the descriptors of the process that serves every job of the node. SDKs send a few small
 * requests with timeouts of 1–2 s, so these bounds never touch them.
 */
export const CREDENTIAL_SERVER_OPTIONS = Object.freeze({ headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000, maxHeaderSize: 16 * 1024 });
/** Connections one job's metadata endpoint accepts at once (its ranks on the node, a few requests each). */
export const METADATA_MAX_CONNECTIONS = 256;
/** Connections the container endpoint and credentials URI accept at once, on the server or a node agent. */
export const CREDENTIAL_MAX_CONNECTIONS = 4096;

/**
 * Applies the bounds of `CREDENTIAL_SERVER_OPTIONS` not given at creation, and a connection limit, to `server`, whose
 * answers are `{"Code", "Message"}` (a credential port) or plain text (a metadata port, as EC2's).
 */
export function boundCredentialServer(server: Server, maxConnections: number, shape: 'json' | 'text' = 'json'): Server {
  server.keepAliveTimeout = 5_000;
  // At the cap the oldest connection not being answered makes room for the new one: with Node's `maxConnections`, one
  // process on the node holding the cap with connections that send nothing (each cut after 10 s, opened again) kept
  // every job's SDK from refreshing its credentials until they expired (review ja, 7).
  capConnections(server, maxConnections);
  // Every header within the size limit (16 KiB) is kept: Node keeps the first 2,000 lines' names and values (about
  // 1,000 headers) and drops the rest unsaid, so a request padded with 1,100 headers of a few bytes hid the
  // X-Forwarded-For a proxy appends, or an Origin, from the checks that refuse them (review ij, 3).
  server.maxHeadersCount = 0;
  server.on('clientError', (e: Error & { code?: string }, socket: Duplex & { _httpMessage?: { headersSent?: boolean; req?: unknown } | null }) => {
    // What Node answers on its own (a bare status), but for the request line and headers past the limit and for the
    // request timed out: its bare 431 and 408 left the SDKs' container provider without the `Code` and `Message` it
    // copies from a 4xx (credential-protocols §2.1), `Server responded with status: 431` and nothing of why (reviews
    // np, 2 and ot, 3). The 408 is timed under 408, not as a client that left (review nx, 1).
    answerClientError(e, socket, { headersTooLarge: () => headersTooLarge(shape), timedOut: () => requestTimedOut(shape, socket._httpMessage?.req === undefined ? { what: 'the request line and headers', ms: server.headersTimeout } : { what: 'the request', ms: server.requestTimeout }) });
  });
  return server;
}

/** The 408 of a request that did not arrive within the server's time for `what`, in the port's shape. */
function requestTimedOut(shape: 'json' | 'text', within: { readonly what: string; readonly ms: number }): string {
  const message = `${within.what} did not arrive within ${within.ms / 1000} s, the most this endpoint waits: send the request at once, then retry`;
  return shapedAnswer(shape, '408 Request Timeout', 'RequestTimeout', message);
}

/** A refusal written to the socket before any request object: `{"Code", "Message"}` on a credential port, text on a metadata port. */
function shapedAnswer(shape: 'json' | 'text', status: string, code: string, message: string): string {
  const body = shape === 'json' ? JSON.stringify({ Code: code, Message: message }) : message;
  const type = shape === 'json' ? 'application/json' : 'text/plain';
  return `HTTP/1.1 ${status}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`;
}

/** The 431 of a request whose line and headers pass `CREDENTIAL_SERVER_OPTIONS.maxHeaderSize`, in the port's shape. */
function headersTooLarge(shape: 'json' | 'text'): string {
  const message = `the request line and headers take more than ${CREDENTIAL_SERVER_OPTIONS.maxHeaderSize} bytes, the most this endpoint reads: shorten the URL or the headers (is the authorization token file the token alone?)`;
  return shapedAnswer(shape, '431 Request Header Fields Too Large', 'RequestHeaderSectionTooLarge', message);
}

/**
 * The method a path of a job's credential port (the server's `--agent-listen`, a node agent's) takes, by `routes`
 * (path, or path prefix ending in `/`, to method), or undefined for a path it does not serve; with how the path is
 * named in an answer (the credentials URI by name: its path holds the job's capability).
 */
/** What a route of the credential ports takes: `/healthz` takes HEAD as GET (RFC 9110 §9.3.2, review lc, 4). */
export type CredentialRouteMethod = 'GET' | 'POST' | 'GET, HEAD';

export function credentialRouteOf(routes: Readonly<Record<string, CredentialRouteMethod>>, path: string): { method: CredentialRouteMethod; named: string } | undefined {
  for (const [route, method] of Object.entries(routes)) {
    if (route.endsWith('/') ? path.startsWith(route) : path === route) return { method, named: route === '/v1/credentials/' ? 'the credentials URI' : `\`${route}\`` };
  }
  return undefined;
}

/**
 * What a request of another method than its path takes is told: 405 naming that method in `Allow`, as RFC 9110
 * §15.5.6 requires and the admin API answers (review cm, 3); the credential ports answered 404 `no route`, and a job's
 * metadata port a bare `method not allowed` (review ek, 3).
 */
export function methodNotAllowed(method: string | undefined, named: string, allow: CredentialRouteMethod | 'PUT'): { readonly headers: Record<string, string>; readonly message: string } {
  return { headers: { allow }, message: `method not allowed: \`${method ?? ''}\` is not allowed on ${named}; use ${allow}` };
}

/** Whether a connection's peer may be served (peer-uid.ts `onlyUid`); asked once per connection. */
export type MetadataAdmit = (socket: Socket) => Promise<PeerVerdict>;

/**
 * The header that says a proxy relayed `req`, or undefined: `X-Forwarded-For`, as EC2 refuses it on the token PUT, and
 * also `Forwarded` (RFC 7239) and `Via` (RFC 9110 §7.6.3), which proxies write in its place (review px, 4): a proxy
 * that sent only one of those got a token, where EC2's rule means to refuse any relayed request. No SDK sends them.
 */
function relayedBy(req: IncomingMessage): string | undefined {
  if (req.headers['x-forwarded-for'] !== undefined) return 'X-Forwarded-For';
  if (req.headers['forwarded'] !== undefined) return 'Forwarded';
  if (req.headers['via'] !== undefined) return 'Via';
  return undefined;
}

/**
 * The request handler of one job's endpoint; `source` is asked on every credentials read, `admit` (when given) once
 * per connection, before a token is handed out or a credential path is answered. `tokenKey` (`metadataTokenKey`) makes
 * its tokens; without it, a key of its own, which no other endpoint takes.
 */
export function metadataHandler(source: () => Promise<MetadataCredentials>, admit?: MetadataAdmit, tokenKey: Buffer = randomBytes(32)): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  // A keep-alive connection has one peer: checked once.
  const verdicts = new WeakMap<Socket, Promise<PeerVerdict>>();
  const admitted = (req: IncomingMessage): Promise<PeerVerdict> => {
    if (!admit) return Promise.resolve({ ok: true });
    let v = verdicts.get(req.socket);
    if (!v) verdicts.set(req.socket, (v = admit(req.socket)));
    return v;
  };
  /**
   * The Alibaba credentials URI of a job of an Alibaba-style account (`ALIBABA_CLOUD_CREDENTIALS_URI`,
   * `http://127.0.0.1:<port>/v1/credentials`, jobs-api.ts `jobEnvironment`), with no capability in it (review tn, 1):
   * the Alibaba SDKs write the whole URI into their errors (credentials-go's `URLCredentialsProvider`: "get credentials
   * from <url> failed: …" on any answer but 200; the legacy `URICredential` of `@alicloud/credentials`: "Get credentials
   * from <url> failed, status code is …"), so a 503 of an outage or a 409 put the job's live capability in its logs,
   * and whoever read the logs could read the job's credentials from the credentials port. Here the peer check by uid
   * is what admits the caller, as for the tokenless `ram/` paths, which serve the same session without a token to the
   * same peers; a logged URI is of no use to any other user. A job of an `aws` account keeps the capability in its URI:
   * a tokenless read of its session on this port is what review tc, 1 closed. Answered as the credential port answers
   * the URI: JSON, refusals as `{"Code", "Message"}`.
   */
  const uriKey = Buffer.from(credentialsUriKey(tokenKey));
  /** Whether `segment` is this endpoint's credentials URI key (`credentialsUriKey`), compared in constant time. */
  const isUriKey = (segment: string): boolean => {
    const given = Buffer.from(segment);
    return given.length === uriKey.length && timingSafeEqual(given, uriKey);
  };
  const credentialsUri = async (req: IncomingMessage, res: ServerResponse, keyed: boolean): Promise<void> => {
    if (req.method !== 'GET') {
      const refusal = methodNotAllowed(req.method, 'the credentials URI', 'GET');
      return jsonAnswer(res, 405, { Code: 'MethodNotAllowed', Message: refusal.message }, refusal.headers);
    }
    const peer = await admitted(req);
    if (!peer.ok) return jsonAnswer(res, 403, { Code: 'Forbidden', Message: peer.message });
    const relayed = relayedBy(req);
    if (relayed !== undefined) return jsonAnswer(res, 403, { Code: 'Forbidden', Message: `forbidden: a request to the credentials URI must not carry ${relayed}` });
    const c = await source();
    if (!c.ok) return jsonAnswer(res, c.status, { Code: c.status === 410 ? 'JobEnded' : c.status === 404 ? 'NoRole' : c.status === 403 ? 'Forbidden' : 'Unavailable', Message: c.message });
    // With its key, a job of any account (review tv, 2); the bare path, an `acs` job's only (review tc, 1).
    if (!keyed && c.alibaba !== true) {
      return jsonAnswer(res, 403, { Code: 'Forbidden', Message: "forbidden: this job's account is an aws one, whose metadata endpoint serves the credentials URI to no request without a capability: read the URI Gatehouse gave in ALIBABA_CLOUD_CREDENTIALS_URI" });
    }
    const body = c.document('alibaba');
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, ...CREDENTIAL_ANSWER_HEADERS });
    res.end(body);
  };
  return async (req, res) => {
    const refused = rebindingRefusal(req);
    if (refused !== undefined) return text(res, 403, refused);
    // A run of slashes is read as one: a client that appends `/latest/...` to the endpoint's variable, which
    // ends in a slash (jobs-api.ts `jobEnvironment`), sends `//latest/...` (review be, 1).
    const path = ((req.url ?? '/').split('?')[0] ?? '/').replace(/\/{2,}/g, '/');
    if (path === CREDENTIALS_URI_PATH || path === `${CREDENTIALS_URI_PATH}/`) return credentialsUri(req, res, false);
    if (path.startsWith(`${CREDENTIALS_URI_PATH}/`)) {
      const segment = path.slice(CREDENTIALS_URI_PATH.length + 1).replace(/\/$/, '');
      // Another segment is no URI of this job's (a capability of the credential port among them): not found, and never echoed.
      if (!isUriKey(segment)) return jsonAnswer(res, 404, { Code: 'NotFound', Message: `not found: this is a job's metadata endpoint, whose credentials URI is the one Gatehouse gave in ALIBABA_CLOUD_CREDENTIALS_URI` });
      return credentialsUri(req, res, true);
    }
    if (path === '/latest/api/token' && req.method !== 'PUT') {
      const refusal = methodNotAllowed(req.method, '`/latest/api/token`', 'PUT');
      return text(res, 405, refusal.message, refusal.headers);
    }
    if (path === '/latest/api/token') {
      const peer = await admitted(req);
      if (!peer.ok) return text(res, 403, peer.message);
      // As EC2 does: a token PUT that went through a proxy is refused, so a proxy or notebook server a job runs on
      // the node does not hand out tokens to whoever reaches it.
      const relayed = relayedBy(req);
      if (relayed !== undefined) return text(res, 403, `forbidden: a token request must not carry ${relayed}`);
      const ttlHeader = req.headers['x-aws-ec2-metadata-token-ttl-seconds'] !== undefined ? 'x-aws-ec2-metadata-token-ttl-seconds' : 'x-aliyun-ecs-metadata-token-ttl-seconds';
      const ttl = ttlOf(req.headers[ttlHeader]);
      // Named as the client asked, so that an Alibaba client is not told of the AWS header (review af, 4).
      const named = req.headers[ttlHeader] !== undefined ? ttlHeader : 'x-aws-ec2-metadata-token-ttl-seconds (or x-aliyun-ecs-metadata-token-ttl-seconds)';
      if (ttl === undefined) return text(res, 400, `invalid token TTL: give ${named} as a whole number of seconds from 1 to 21600`);
      const token = newToken(tokenKey, Math.floor(Date.now() / 1000) + ttl);
      // The token's TTL back in the header it was asked with, as EC2 answers: aws-sdk-go-v2 (feature/ec2/imds
      // GetToken) parses it with ParseInt and fails the whole credential fetch without it.
      return text(res, 200, token, { [ttlHeader]: String(ttl) });
    }
    // The listing with or without its trailing slash, as EC2 answers both: the AWS SDK for C++ (PyArrow's S3
    // filesystem, TensorFlow, ClickHouse…) asks for `/latest/meta-data/iam/security-credentials` and then
    // `…/security-credentials/<role>` (aws-sdk-cpp `EC2_SECURITY_CREDENTIALS_RESOURCE`; review af, 2). The role's document
    // with or without a trailing slash too, as EC2 answers both: boto 2 and scripts ask `…/security-credentials/<role>/`,
    // and got 404 (review oz, 3).
    const m = /^\/latest\/meta-data\/(iam|ram)\/security-credentials(?:\/([^/]*)\/?)?$/.exec(path);
    if (!m) return text(res, 404, 'not found');
    if (req.method !== 'GET') {
      const refusal = methodNotAllowed(req.method, `\`${path}\``, 'GET');
      return text(res, 405, refusal.message, refusal.headers);
    }
    const peer = await admitted(req);
    if (!peer.ok) return text(res, 403, peer.message);
    // The role's segment percent-decoded, as a web server reads a path: the AWS SDK for C++ sends the role it listed
    // through its `URI` class, which encodes `+` (an IAM role name may hold `+=,.@_-`) as `%2B` (aws-sdk-cpp URI.cpp
    // `urlEncodeSegment`), and got 404 for such a role (review jm, 1). One that does not decode is no role's name.
    const role = m[2] === undefined ? undefined : decodedSegment(m[2]);
    if (role === null) return text(res, 404, 'not found');
    const cloud = m[1] as 'iam' | 'ram';
    const header = cloud === 'iam' ? req.headers['x-aws-ec2-metadata-token'] : req.headers['x-aliyun-ecs-metadata-token'];
    const token = Array.isArray(header) ? header[0] : header;
    // Alibaba's `ram/` paths answer without a token too, as its metadata server does in its normal mode (ECS and ECI
    // default to `HttpTokens=optional`): seed 002 reads the role and its document with a bare `curl`, and its Go
    // example lists the role the same way; both read 401 (review gu, 1). A token that is given must still be valid. A
    // tokenless read relayed by a proxy is refused, as the token PUT is: a proxy or notebook server a job runs is
    // not to hand the credentials out. AWS's `iam/` paths stay IMDSv2 only: a request without a valid token is 401,
    // which makes SDKs fetch one. So do the `ram/` paths of a job of an `aws` account (review tc, 1): they serve the
    // same session as its `iam/` paths, and answered without a token they handed it to any request forgery in the job
    // (a GET to a URL it is given), which is what IMDSv2 on `iam/` keeps out; Alibaba's normal mode is Alibaba's
    // accounts' (seed 002 is ECI's).
    if (cloud === 'ram' && token === undefined) {
      const relayed = relayedBy(req);
      if (relayed !== undefined) return text(res, 403, `forbidden: a request without a token must not carry ${relayed}`);
      const c = await source();
      if (!c.ok || c.alibaba === true) return serve(res, role, cloud, c);
      return text(res, 401, "unauthorized: PUT /latest/api/token first (with X-aliyun-ecs-metadata-token-ttl-seconds), then send the token in X-aliyun-ecs-metadata-token: this job's account is an aws one, whose metadata endpoint answers Alibaba's paths with a token only, as AWS's");
    }
    const exp = token !== undefined ? tokenExpiry(tokenKey, token) : undefined;
    if (exp === undefined || exp <= Date.now()) {
      // Unless it carries none and the job has nothing to serve (ended, no role, none issued), which it is told
      // instead (review fg, 2; a tokenless read of the `ram/` paths is answered above since review gu, 1). The Alibaba SDK's ECS provider asks again without a token after any failure with one
      // (credential-protocols §4.2), and reported that second answer only: a job without a role, or one that ended,
      // read `401` and "PUT /latest/api/token first", as if the token flow had failed. A token would change nothing
      // here; a job that has credentials still answers 401, which SDK v3 needs to go back to fetching tokens.
      if (token === undefined) {
        const c = await source();
        if (!c.ok) return text(res, c.status, c.message);
      }
      return text(res, 401, 'unauthorized: PUT /latest/api/token first');
    }
    return serve(res, role, cloud, await source());
  };
}

/** A path segment percent-decoded, or null when it is not valid percent-encoding of UTF-8. */
function decodedSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** Answers a credential path (`role` undefined or empty: the listing) from the job's credentials `c`. */
function serve(res: ServerResponse, role: string | undefined, cloud: 'iam' | 'ram', c: MetadataCredentials): void {
  if (!c.ok) return text(res, c.status, c.message);
  if (role === undefined || role === '') return text(res, 200, c.roleName);
  if (role !== c.roleName) return text(res, 404, 'not found');
  const body = c.document(cloud === 'iam' ? 'aws' : 'alibaba');
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, ...CREDENTIAL_ANSWER_HEADERS });
  res.end(body);
}

/** When a database outage was last said by a job endpoint (of any job: every rank of every job polls). */
let lastOutageLog = 0;

/**
 * Whether `e` is a database outage, said in the log once every 5 s: a job endpoint answers it 503, which the SDKs and
 * the node agent take as a server to try again (the agent keeps serving what it holds). It was a 500 "internal error",
 * logged at every fetch (review gm, 6).
 */
export function jobEndpointOutage(e: unknown, log: (line: string) => void, counted?: () => void): boolean {
  if (!isStoreUnavailable(e)) return false;
  // In gatehouse_store_unavailable_total, as the API edge counts its 503s of an outage (review gm, 8).
  counted?.();
  const t = Date.now();
  if (t - lastOutageLog > 5000) {
    lastOutageLog = t;
    log(`agent: the database cannot be reached, job credential fetches that need it are answered 503 meanwhile: ${e.message}`);
  }
  return true;
}

/** The message of a job endpoint's 503 during a database outage (credentials, a launcher's heartbeat or end). */
export const JOB_ENDPOINT_OUTAGE = 'the database cannot be reached at the moment: retry later';

/** What the server counts of a job's metadata endpoint (`gatehouse_http_request_duration_seconds{api="agent"}`, its 503s of an outage). */
export interface MetadataMetrics {
  observeRequest(api: string, status: number, seconds: number): void;
  storeUnavailable?(): void;
}

/**
 * Serves `source` as a metadata endpoint on `host`:`port` (0: any free port), to the peers `admit` lets through
 * (all without it); the server and the port it got.
 */
export async function listenMetadata(source: () => Promise<MetadataCredentials>, host: string, port: number, admit?: MetadataAdmit, log: (line: string) => void = () => {}, metrics?: MetadataMetrics, tokenKey?: Buffer): Promise<{ server: Server; port: number }> {
  const handler = metadataHandler(source, admit, tokenKey);
  // A connection's requests one at a time, none behind an answer that closes it, as on the credential ports (review uw, 1),
  // too many waiting closing the connection (review uz, 3).
  const served = (req: IncomingMessage, res: ServerResponse): void => {
    if (waitsItsTurn(req, res, served)) return;
    if (refusedForHost(req, res)) return;
    toOriginForm(req);
    if (metrics !== undefined) {
      // Timed as the other credential endpoints, by status only (no job, no port): it was in no series (review nx, 2).
      const started = performance.now();
      res.once('close', () => metrics.observeRequest('agent', timedStatus(res), (performance.now() - started) / 1000));
    }
    handler(req, res).catch((e: unknown) => {
      if (jobEndpointOutage(e, log, () => metrics?.storeUnavailable?.())) {
        if (!res.headersSent) text(res, 503, JOB_ENDPOINT_OUTAGE);
        return;
      }
      // Said, as the container endpoint says it (an unreadable store, a job no longer held): a 500 with nothing in the
      // log left the operator nothing to go on (review cf).
      const id = randomUUID();
      if (!isClientAbort(e, req)) log(`agent: internal error on a metadata endpoint (request ${id}): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      if (!res.headersSent) text(res, 500, `internal error (request ${id})`);
    });
  };
  const server = createServer(CREDENTIAL_SERVER_OPTIONS, served);
  boundCredentialServer(server, METADATA_MAX_CONNECTIONS, 'text');
  const bound = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    // Exclusive: in a worker of `gatehouse server --workers` a listener is otherwise shared through the supervisor,
    // which pairs each worker's n-th `listen(0)` with the others' and would hand one job's port to another's worker.
    server.listen({ port, host, exclusive: true }, () => {
      // Its errors once bound are said, not swallowed by the bind's listener, the second an uncaught one (review rv, 1).
      server.off('error', reject);
      sayErrorsOnceBound(server, log);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
  return { server, port: bound };
}
