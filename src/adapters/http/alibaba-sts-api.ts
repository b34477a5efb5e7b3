/**
 * Alibaba Cloud STS (`Version=2015-04-01`, RPC style, answers in JSON or XML as `Format` asks, XML by default) on the
 * Query API's `POST /` (and `GET /`):
 *
 * - `AssumeRoleWithOIDC`, the unsigned call `@alicloud/credentials`' OIDC provider makes for ACK's RRSA pods
 *   (credential-protocols §4.3: `POST /?Action=AssumeRoleWithOIDC&Version=2015-04-01&Format=JSON&Timestamp=…`, form
 *   body `OIDCProviderArn`, `OIDCToken`, `RoleArn`, `RoleSessionName`, `DurationSeconds`, optional `Policy`). The use
 *   case is the app's (`oidc.assumeRoleWithOidc`, AssumeRoleWithWebIdentity's verification and issuance).
 * - `AssumeRole` and `GetCallerIdentity`, signed as Alibaba RPC calls are: signature version 1.0 in the parameters
 *   (HMAC-SHA1 with the key's secret and `&` over `METHOD&%2F&<sorted, percent-encoded parameters>`, `Timestamp` within
 *   15 minutes, each `SignatureNonce` once), what `@alicloud/credentials`' `ram_role_arn` provider and the older SDKs
 *   send; or V3 (`ACS3-HMAC-SHA256` in `Authorization`, the action in `x-acs-action`), the current SDKs' default;
 *   with a RAM user's `LTAI…` key, or an `STS.…` key and its `SecurityToken`. The use cases are AWS STS's
 *   (`sts.assumeRole`, `sts.getCallerIdentity`): the same decision, session and audit record.
 *
 * This file is the wire format. The client reads `Credentials.{AccessKeyId, AccessKeySecret, SecurityToken,
 * Expiration}` from a 200 answer (`Expiration` through its strict `parseUTC`: `YYYY-MM-DDTHH:MM:SSZ`), and on any other
 * status throws with the body: Alibaba's error object, `{RequestId, HostId, Code, Message}`, with the codes of the STS
 * API reference (AuthenticationFail.OIDCToken.Expired, ….AudienceNotMatch, ….InvalidSignature, ….Invalid, AuthenticationFail.NoPermission,
 * NoPermission, InvalidParameter.<Name>, Missing<Name>) and of Alibaba's API gateway for the signature
 * (InvalidAccessKeyId.NotFound, InvalidAccessKeyId.Inactive, SignatureDoesNotMatch, InvalidTimeStamp.Expired,
 * SignatureNonceUsed, …).
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ErrorCode, GatehouseError } from '../../core/errors.ts';
import { isoSeconds } from '../../core/iam/index.ts';
import { isTemporaryKeyId } from '../../core/sts/key-id.ts';
import type { App, Caller } from '../../app/index.ts';
import type { AssumeRoleResult, RequestFacts } from '../../app/sts.ts';
import { countRefusedRequest, deniedParts, keyUsedBy, recordRefusedRequest, withRequest } from '../../app/principals.ts';
import { recordAuthFailure } from '../../app/auth-failures.ts';
import { isStoreUnavailable } from '../../app/ports/store.ts';
import { constantTimeEqual } from '../crypto/index.ts';
import { HTTP_ERRORS } from './errors.ts';
import type { Params } from './query-params.ts';
import { escapeXml } from './xml.ts';
import { SAML_NOT_KEPT, STS_ACTIONS, STS_UNSIGNED_ACTIONS } from './sts-api.ts';
import { shortName } from '../../core/directory/rules.ts';
import { MAX_NONCES, NonceSet, type NonceClaims, type NonceVerdict } from './nonce-set.ts';

export const ALIBABA_STS_VERSION = '2015-04-01';

/** What the edge sends: a status and a body in the `Format` asked, JSON or XML. */
export interface AlibabaAnswer {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
}

/** An answer before it is written out: its fields, and whether it is an error (`<Error>` in XML). */
interface Reply {
  readonly status: number;
  readonly value: Readonly<Record<string, unknown>>;
  readonly error?: true;
}

interface AlibabaError {
  readonly status: number;
  readonly code: string;
}

/**
 * The parameters whose own `InvalidParameter.<Name>` code Alibaba answers (STS API reference, AssumeRole's error codes).
 * `Policy` has two: `PolicyGrammar` for a document RAM cannot read, and `PolicySize` for one over its 2,048 characters,
 * the only thing its own constraint refuses (a grammar error is a `POLICY_*` code); `InvalidParameter.Policy` is no
 * code of Alibaba's (review ge, 2).
 */
const NAMED_PARAMETERS: ReadonlySet<string> = new Set(['RoleArn', 'RoleSessionName', 'DurationSeconds', 'ExternalId']);

/**
 * Alibaba's code for a refusal of the use case. The token and provider refusals are told apart by the parameter the app
 * names in the error's path (`OIDCToken.aud`, `OIDCProviderArn`); a trust policy that does not allow, and a role that does
 * not exist (refused alike, so that a token does not list the account's roles: docs/decisions.md, review cy3), are
 * `AuthenticationFail.NoPermission` for AssumeRoleWithOIDC, and for a signed caller (AssumeRole) STS's 403
 * `NoPermission` ("You are not authorized to do this action. You should be authorized by RAM."). The cap on live scoped
 * sessions is `Throttling.User`. Any other code by its HTTP status: 5xx `ServiceUnavailable` or `InternalError`, else
 * `InvalidParameter`.
 */
export function alibabaErrorOf(e: Pick<GatehouseError, 'code' | 'path'>, action: 'AssumeRoleWithOIDC' | 'AssumeRole' = 'AssumeRoleWithOIDC'): AlibabaError {
  if (action === 'AssumeRole' && e.code === 'ACCESS_DENIED') return { status: 403, code: 'NoPermission' };
  switch (e.code) {
    case 'EXPIRED_IDENTITY_TOKEN':
      return { status: 401, code: 'AuthenticationFail.OIDCToken.Expired' };
    case 'INVALID_IDENTITY_TOKEN':
      if (e.path === 'OIDCProviderArn') return { status: 401, code: 'AuthenticationFail.NoPermission' };
      if (e.path === 'OIDCToken.aud') return { status: 401, code: 'AuthenticationFail.OIDCToken.AudienceNotMatch' };
      // Alibaba's code for a token read but not verified by the provider's keys, apart from one it cannot read (review ih, 1).
      if (e.path === 'OIDCToken.signature') return { status: 401, code: 'AuthenticationFail.OIDCToken.InvalidSignature' };
      return { status: 401, code: 'AuthenticationFail.OIDCToken.Invalid' };
    case 'ACCESS_DENIED':
      return { status: 401, code: 'AuthenticationFail.NoPermission' };
    case 'IDP_COMMUNICATION_ERROR':
    case 'SERVICE_UNAVAILABLE':
      return { status: 503, code: 'ServiceUnavailable' };
    // The account's cap on live scoped sessions (`SessionScopes`): nothing in the request is wrong, and it is taken again
    // once some expire. Alibaba answers its STS's issuance limits with Throttling errors, which `@alicloud/openapi-core`
    // throws as its `ThrottlingError` (a code containing `Throttling`), the one a caller backs off on; it was
    // `InvalidParameter`, thrown as a `ClientError`, an error in the request (review qb, 1).
    case 'LIMIT_EXCEEDED':
      return { status: 400, code: 'Throttling.User' };
    default: {
      const status = HTTP_ERRORS[e.code].status;
      if (status >= 500) return { status, code: 'InternalError' };
      const field = e.path.split('.')[0] ?? '';
      if (e.code === 'POLICY_TOO_LARGE' || (field === 'Policy' && !e.code.startsWith('POLICY_'))) return { status: 400, code: 'InvalidParameter.PolicySize' };
      if (e.code.startsWith('POLICY_')) return { status: 400, code: 'InvalidParameter.PolicyGrammar' };
      return { status: 400, code: NAMED_PARAMETERS.has(field) ? `InvalidParameter.${field}` : 'InvalidParameter' };
    }
  }
}

const json = (status: number, value: Readonly<Record<string, unknown>>): Reply => ({ status, value });

function errorAnswer(requestId: string, host: string, status: number, code: string, message: string): Reply {
  return { status, value: { RequestId: requestId, HostId: host, Code: code, Message: message }, error: true };
}

/**
 * Alibaba's retryable answer to a request the store could not serve, counted in `gatehouse_store_unavailable_total` as
 * the edge counts the 503s it answers: caught here to answer in Alibaba's shape, it went uncounted (review ih, 2).
 */
function storeUnavailableAnswer(app: App, requestId: string, hostId: string): Reply {
  app.deps.metrics?.storeUnavailable?.();
  return errorAnswer(requestId, hostId, 503, 'ServiceUnavailable', 'the store cannot be reached: no session was issued; retry later');
}

/** The fields of an answer as XML elements, nested objects as nested elements (Alibaba's RPC XML). */
function xmlFields(value: Readonly<Record<string, unknown>>): string {
  return Object.entries(value)
    .map(([k, v]) => `<${k}>${typeof v === 'object' && v !== null ? xmlFields(v as Record<string, unknown>) : escapeXml(String(v))}</${k}>`)
    .join('');
}

/**
 * The answer written in the `Format` asked: JSON, or XML, which Alibaba's RPC APIs answer when `Format` is `XML` or
 * absent (their default): `<ActionResponse>` around the fields, `<Error>` around an error's.
 */
function written(r: Reply, format: 'JSON' | 'XML', action: string): AlibabaAnswer {
  if (format === 'JSON') return { status: r.status, body: JSON.stringify(r.value), contentType: 'application/json;charset=utf-8' };
  const root = r.error ? 'Error' : `${action}Response`;
  return { status: r.status, body: `<?xml version="1.0" encoding="UTF-8"?>\n<${root}>${xmlFields(r.value)}</${root}>`, contentType: 'text/xml;charset=utf-8' };
}

/** What the edge knows of the request beyond its parameters: what a signed action's signature covers, and its own refusals. */
export interface AlibabaRequest {
  /** `GET` or `POST`: the first element of the string to sign. */
  readonly method: string;
  /** The query string as sent (after `?`) and the form body: every parameter of both is signed. */
  readonly query: string;
  readonly body: string;
  /** The request's path (without its query) and headers: what an ACS3 (V3) signature covers besides the query. */
  readonly path?: string;
  readonly headers?: IncomingHttpHeaders;
  /**
   * The edge's refusal of a caller for an STS action it may not call (a GetSessionToken or GetFederationToken
   * session: `userSessionRefusal` in server.ts), as AWS STS's Query API refuses it.
   */
  readonly refusal?: (caller: Caller, action: string) => { readonly code: ErrorCode; readonly message: string } | undefined;
  /** The server's signature nonces, for the replay check (nonce-set.ts); default a set of the app's own. */
  readonly nonces?: NonceClaims;
  /** What the set holds at most (`HttpEdgeLimits.maxSignatureNonces`), as a refusal for its bound says. */
  readonly maxNonces?: number;
}

/** RFC 3986 percent-encoding, as Alibaba's signature version 1.0 takes it (`encodeURIComponent` leaves `!'()*` alone). */
function percent(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The parameters of a request, the query's first and the body's over them (as `Params.parse` reads them), and the
 * string that signature version 1.0 signs: `METHOD&%2F&` and the percent-encoded `k=v&…` of every parameter but
 * `Signature`, sorted by name (Alibaba, "Request signatures" of the RPC-style API; `@alicloud/credentials`
 * `ram_role_arn.ts`).
 */
export function rpcStringToSign(method: string, query: string, body: string): string {
  const all = new Map<string, string>();
  for (const src of [query, body]) for (const [k, v] of new URLSearchParams(src)) all.set(k, v);
  all.delete('Signature');
  const canonical = [...all.keys()]
    .sort()
    .map((k) => `${percent(k)}=${percent(all.get(k) as string)}`)
    .join('&');
  return `${method}&${percent('/')}&${percent(canonical)}`;
}

/** A region name (`cn-hangzhou`, `ap-southeast-1`), as a SigV4 credential scope's region is checked (sigv4/verify.ts). */
const REGION_ID_RE = /^[a-z0-9-]{1,64}$/;

/** How far a request's `Timestamp` may be from the server's clock, as Alibaba's gateway allows (and AWS, for SigV4). */
const TIMESTAMP_SKEW_MS = 15 * 60 * 1000;
/** `YYYY-MM-DDThh:mm:ssZ`, the ISO 8601 UTC form the SDKs send (a fraction of a second is taken too). */
const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;
/**
 * `Timestamp` or `x-acs-date` as epoch ms, if it is a real UTC time in `TIMESTAMP_RE`'s form. `Date.parse` alone moves a
 * day that does not exist into the next month (`2026-02-30` is 2 March) and `T24:00:00` into the next day: such a time
 * was read as another instant, where Alibaba's gateway answers InvalidTimeStamp.Format (review lj, 1). The instant read
 * must print back as the date and time written.
 */
function timestampMs(timestamp: string): number | undefined {
  if (!TIMESTAMP_RE.test(timestamp)) return undefined;
  const at = Date.parse(timestamp);
  if (Number.isNaN(at) || new Date(at).toISOString().slice(0, 19) !== timestamp.slice(0, 19)) return undefined;
  return at;
}
/**
 * The nonce set of an app whose edge gave none (`AlibabaRequest.nonces`): `MAX_NONCES` at most (nonce-set.ts).
 */
const noncesOf = new WeakMap<App, NonceSet>();

/**
 * Whether `(accessKeyId, nonce)` is new (`fresh`), held in `nonces` (the edge's: one set per server, shared by the workers
 * of `--workers`), else in the app's own. Held as SHA-256 digests, 44 characters whatever the client sent: a nonce is
 * the client's own text, up to the 1 MiB body, and kept whole 100,000 of them were 100 GB (review gc, 1); and the
 * AccessKeyId as parsed is a slice of the request's text, which would keep the whole request alive with it. Per server:
 * another instance of a deployment does not see it, so a replay to another instance within the window is not refused
 * (the signature and timestamp still bound it, as SigV4's are on AWS).
 */
async function freshNonce(app: App, nonces: NonceClaims | undefined, accessKeyId: string, nonce: string, now: number, until: number): Promise<NonceVerdict> {
  let set = nonces;
  if (set === undefined) {
    set = noncesOf.get(app);
    if (set === undefined) noncesOf.set(app, (set = new NonceSet()));
  }
  const nonceKey = createHash('sha256').update(accessKeyId).update('\n').update(nonce).digest('base64');
  const keyDigest = createHash('sha256').update(accessKeyId).digest('base64');
  return set.claim(nonceKey, keyDigest, until, now);
}

type Authenticated = { readonly ok: true; readonly caller: Caller } | { readonly ok: false; readonly answer: Reply };

/** What a signature claims, read from the request by its version (`v1Claim`, `v3Claim`), or the refusal of its form. */
type Claim =
  | {
      readonly ok: true;
      readonly accessKeyId: string;
      readonly token: string | undefined;
      readonly nonce: string;
      /** When the request says it was signed (`Timestamp`, `x-acs-date`). */
      readonly timestamp: string;
      /** Whether the signature is the one `secret` makes; with the string signed, for the refusal's message. */
      readonly verify: (secret: string) => { readonly ok: boolean; readonly stringToSign: string };
    }
  | { readonly ok: false; readonly status: number; readonly code: string; readonly message: string; readonly accessKeyId?: string | undefined };

/**
 * Signature version 1.0: everything in the parameters, HMAC-SHA1 under `<secret>&` over `rpcStringToSign`. Each common
 * parameter of the signature is required, `SignatureVersion` too (Alibaba's "Common request parameters"): one missing
 * was read as 1.0, so a signer that worked here failed against Alibaba (review lj, 2).
 */
function v1Claim(p: Params, r: AlibabaRequest): Claim {
  for (const name of ['AccessKeyId', 'Signature', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp'] as const) {
    const v = p.get(name);
    if (v === undefined || v === '') return { ok: false, status: 400, code: `Missing${name}`, message: `${name} is mandatory for this action.`, accessKeyId: p.get('AccessKeyId') };
  }
  const accessKeyId = p.get('AccessKeyId') as string;
  if (p.get('SignatureMethod') !== 'HMAC-SHA1') return { ok: false, status: 400, code: 'InvalidSignatureMethod', message: `Specified signature method is not valid: this server takes HMAC-SHA1 (signature version 1.0) or an ACS3-HMAC-SHA256 Authorization header, not \`${(p.get('SignatureMethod') ?? '').slice(0, 32)}\``, accessKeyId };
  const version = p.get('SignatureVersion') as string;
  if (version !== '1.0') return { ok: false, status: 400, code: 'InvalidSignatureVersion', message: `Specified signature version is not valid: this server takes 1.0, not \`${version.slice(0, 32)}\``, accessKeyId };
  return {
    ok: true,
    accessKeyId,
    token: p.get('SecurityToken'),
    nonce: p.get('SignatureNonce') as string,
    timestamp: p.get('Timestamp') as string,
    verify: (secret) => {
      const stringToSign = rpcStringToSign(r.method, r.query, r.body);
      return { ok: constantTimeEqual(createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64'), p.get('Signature') as string), stringToSign };
    },
  };
}

/**
 * One header's value as text (a repeated one joined as Node joins it). An own property only, as sigv4/verify.ts reads
 * one: `req.headers` is an ordinary object, and a V3 `SignedHeaders=constructor` (or `__proto__`) found `Object` there,
 * whose `.trim()` threw, a 500 to anyone holding a key id (review ny, 1).
 */
function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  if (!Object.hasOwn(headers, name)) return undefined;
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : typeof v === 'string' ? v : undefined;
}

/** The headers an ACS3 signature must cover: without any of them, what the request is cannot be held to its signature. */
const V3_SIGNED: readonly string[] = ['host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version'];

/**
 * Alibaba's V3 signature (`Authorization: ACS3-HMAC-SHA256 Credential=<key>,SignedHeaders=<a;b>,Signature=<hex>`), the
 * default of its current SDKs (`@alicloud/openapi-core` `doRequest`, `getAuthorization`): hex HMAC-SHA256 under the
 * secret of `ACS3-HMAC-SHA256\n<hex sha256 of the canonical request>`, the canonical request being the method, the
 * path, the query (sorted, `name=<RFC 3986 value>`), each signed header `name:<trimmed value>\n`, the signed header
 * names and `x-acs-content-sha256` (the body's hex SHA-256, checked), one a line; an `STS.` key's token in
 * `x-acs-security-token`.
 */
function v3Claim(r: AlibabaRequest, authorization: string): Claim {
  const m = /^ACS3-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)$/.exec(authorization.trim());
  if (!m) return { ok: false, status: 400, code: 'IncompleteSignature', message: 'The request signature does not conform to Alibaba Cloud standards: give Authorization as ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<names>,Signature=<hex>' };
  const accessKeyId = m[1] as string;
  const signedHeaders = (m[2] as string).toLowerCase().split(';');
  const headers = r.headers ?? {};
  const missing = [...V3_SIGNED, ...(headers['x-acs-security-token'] !== undefined ? ['x-acs-security-token'] : [])].find((h) => !signedHeaders.includes(h) || headerValue(headers, h) === undefined);
  if (missing !== undefined) return { ok: false, status: 400, code: 'IncompleteSignature', message: `The request signature does not conform to Alibaba Cloud standards: header ${missing} must be sent and signed`, accessKeyId };
  const contentSha256 = headerValue(headers, 'x-acs-content-sha256') as string;
  if (createHash('sha256').update(r.body).digest('hex') !== contentSha256.toLowerCase()) return { ok: false, status: 400, code: 'SignatureDoesNotMatch', message: 'Specified signature is not matched with our calculation: x-acs-content-sha256 is not the SHA-256 of the body sent', accessKeyId };
  return {
    ok: true,
    accessKeyId,
    token: headerValue(headers, 'x-acs-security-token'),
    nonce: headerValue(headers, 'x-acs-signature-nonce') as string,
    timestamp: headerValue(headers, 'x-acs-date') as string,
    verify: (secret) => {
      const query = new Map<string, string>();
      for (const [k, v] of new URLSearchParams(r.query)) query.set(k, v);
      const canonicalQuery = [...query.keys()]
        .sort()
        .map((k) => `${k}=${percent(query.get(k) as string)}`)
        .join('&');
      const canonicalHeaders = [...signedHeaders]
        .sort()
        .map((h) => `${h}:${(headerValue(headers, h) ?? '').trim()}\n`)
        .join('');
      const canonicalRequest = `${r.method}\n${r.path ?? '/'}\n${canonicalQuery}\n${canonicalHeaders}\n${[...signedHeaders].sort().join(';')}\n${contentSha256}`;
      const stringToSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
      return { ok: constantTimeEqual(createHmac('sha256', secret).update(stringToSign).digest('hex'), (m[3] as string).toLowerCase()), stringToSign };
    },
  };
}

/**
 * The caller of a signed Alibaba RPC request (signature version 1.0 in the parameters, or V3 in `Authorization`), or the
 * answer refusing it with the code Alibaba's gateway answers. A refusal is recorded as the Query API records one
 * (flood-limited `recordAuthFailure`).
 */
async function authenticateRpc(app: App, p: Params, r: AlibabaRequest, facts: RequestFacts, action: string, requestId: string, hostId: string): Promise<Authenticated> {
  const authorization = headerValue(r.headers ?? {}, 'authorization');
  const claim = authorization !== undefined && /^ACS3-/i.test(authorization.trim()) ? v3Claim(r, authorization) : v1Claim(p, r);
  const refuse = (status: number, code: string, message: string, accessKeyId?: string, signatureVerified?: boolean): Authenticated => {
    recordAuthFailure(app, { accessKeyId, sessionToken: claim.ok ? claim.token : undefined, action: `sts:${action}`, code, message, sourceIp: facts.sourceIp ?? '', requestId, signatureVerified });
    return { ok: false, answer: errorAnswer(requestId, hostId, status, code, message) };
  };
  if (!claim.ok) return refuse(claim.status, claim.code, claim.message, claim.accessKeyId);
  const { accessKeyId, token, timestamp } = claim;
  const at = timestampMs(timestamp);
  if (at === undefined) return refuse(400, 'InvalidTimeStamp.Format', `Specified time stamp or date value is not well formatted: give a real time as YYYY-MM-DDThh:mm:ssZ (UTC), not \`${timestamp.slice(0, 40)}\``, accessKeyId);
  // A request refused for its time or its key before its signature was checked: whether the key's secret (as held in
  // memory: a long-term key, active or not, or a session whose token opens, expired too) signed it, as the Query API
  // records it (key-holder.ts); undefined when no secret is held (review um, 2).
  const signedByHolder = (): boolean | undefined => {
    const secret = app.refusedKeySecret(accessKeyId, token);
    return secret === undefined ? undefined : claim.verify(secret).ok;
  };
  const now = Date.now();
  if (Math.abs(now - at) > TIMESTAMP_SKEW_MS) return refuse(400, 'InvalidTimeStamp.Expired', `Specified time stamp or date value is expired: ${timestamp} is more than 15 minutes from the server's time ${isoSeconds(now)}; check the client's clock`, accessKeyId, signedByHolder());
  // A temporary key without its token (an AssumeRole answer's AccessKeyId and AccessKeySecret copied, not its
  // SecurityToken) is refused as Alibaba refuses it: the key exists, its token is missing. It was told the key was not
  // found (review ge, 1).
  if ((token === undefined || token === '') && isTemporaryKeyId(accessKeyId)) return refuse(400, 'MissingSecurityToken', 'SecurityToken is mandatory for this action.', accessKeyId);
  const who = await app.authenticate(accessKeyId, token);
  if (!who.ok) {
    const code = who.errors[0]?.code ?? 'INVALID_CLIENT_TOKEN_ID';
    if (HTTP_ERRORS[code].status >= 500) return { ok: false, answer: errorAnswer(requestId, hostId, 503, 'ServiceUnavailable', who.errors[0]?.message ?? 'the server cannot check the credential now; retry later') };
    if (token === undefined) {
      // A disabled key (`UpdateAccessKey … Inactive`) is Alibaba's `InvalidAccessKeyId.Inactive`, but only to a request
      // signed with that key's own secret: to anyone else it is not told from an unknown key, as the directory answers
      // (review is, 1; it was "not found" to its holder too, who saw it listed as Inactive).
      // The record says whether the key's secret signed it for any key whose secret is held (an Active key of a disabled
      // user too, answered not found as the Query API answers it), as the Query API records it (review us, 1).
      const inactive = await app.inactiveKeySecret(accessKeyId);
      if (inactive !== undefined && claim.verify(inactive).ok) return refuse(400, 'InvalidAccessKeyId.Inactive', 'Specified access key is disabled.', accessKeyId, true);
      return refuse(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.', accessKeyId, inactive !== undefined ? false : signedByHolder());
    }
    if (code === 'EXPIRED_TOKEN') return refuse(400, 'InvalidSecurityToken.Expired', `Specified SecurityToken is expired: ${who.errors[0]?.message ?? ''}`, accessKeyId, signedByHolder());
    // A token that opens but whose session no longer authenticates (its role or user deleted) is checked too: undefined
    // for one that does not open (review us, 1).
    return refuse(400, 'InvalidSecurityToken.Malformed', 'Specified SecurityToken is malformed, or is not the one of this AccessKeyId.', accessKeyId, code === 'INVALID_CLIENT_TOKEN_ID' ? signedByHolder() : undefined);
  }
  const signature = claim.verify(who.value.secret);
  // The message is the gateway's, ending in the string to sign: `@alicloud/credentials` compares it with its own to
  // tell a wrong secret ("the access key secret is invalid") from a request altered on the way.
  if (!signature.ok) return refuse(400, 'SignatureDoesNotMatch', `Specified signature is not matched with our calculation. server string to sign is:${signature.stringToSign}`, accessKeyId, false);
  let nonce: NonceVerdict;
  try {
    // Held until the first instant the Timestamp is no longer taken: the window above includes its last millisecond
    // (`> TIMESTAMP_SKEW_MS` refuses), and a nonce set drops a nonce whose end is not after now, so one held until
    // `at + TIMESTAMP_SKEW_MS` let the same request be taken again at that millisecond (review ny, 2).
    nonce = await freshNonce(app, r.nonces, accessKeyId, claim.nonce, now, at + TIMESTAMP_SKEW_MS + 1);
  } catch (e) {
    // The database the nonces are claimed in (on PostgreSQL) cannot be reached: the outage's own answer, retryable.
    if (isStoreUnavailable(e)) return { ok: false, answer: storeUnavailableAnswer(app, requestId, hostId) };
    // A worker whose supervisor did not answer (nonce-set.ts): not taken, since it cannot be told from a replay; retryable.
    return { ok: false, answer: errorAnswer(requestId, hostId, 503, 'ServiceUnavailable', `the signature nonce could not be checked: ${e instanceof Error ? e.message : String(e)}; retry`) };
  }
  // Both refused only once the signature verified (a request not signed with the key's secret claims no nonce, so it
  // cannot spend a client's): recorded so, a request of the key's holder sent again (review ux, 1).
  if (nonce === 'used') return refuse(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.', accessKeyId, true);
  if (nonce === 'unknown') {
    return refuse(400, 'InvalidTimeStamp.Expired', `Specified time stamp or date value is expired: this server has had more signed requests in the last 15 minutes than it holds nonces for (${r.maxNonces ?? MAX_NONCES}), and can no longer tell whether a request of this AccessKeyId signed at ${timestamp} was taken already; sign the request again with the current time`, accessKeyId, true);
  }
  const caller = withRequest(who.value.caller, facts);
  const refused = r.refusal?.(caller, action);
  if (refused !== undefined) {
    const a = refused.code === 'ACCESS_DENIED' ? { status: 403, code: 'NoPermission' } : { status: 400, code: 'InvalidSecurityToken.Malformed' };
    countRefusedRequest(app.deps.metrics, 'sts', { code: refused.code, message: refused.message, path: '' });
    // Its signature verified (and its nonce taken): said so in its record (review vf, 1).
    return refuse(a.status, a.code, refused.message, accessKeyId, true);
  }
  // The key's last-used region is the request's `RegionId` only when it is a region name, as a SigV4 scope's region must
  // be before it is noted: any text up to the body's 1 MiB was recorded and answered by GetAccessKeyLastUsed and every
  // credential report of the account (review ge, 5).
  const regionId = p.get('RegionId') ?? '';
  app.keyUse.note(keyUsedBy(caller, accessKeyId), 'sts', REGION_ID_RE.test(regionId) ? regionId : '');
  app.signatureVerified(caller);
  return { ok: true, caller };
}

/** Alibaba's `IdentityType` of a caller: `Account` (its root), `RAMUser`, `AssumedRoleUser`. */
function identityType(caller: Caller): string {
  if (caller.session?.role !== undefined) return 'AssumedRoleUser';
  if (caller.session?.fu !== undefined) return 'FederatedUser';
  return caller.user !== undefined ? 'RAMUser' : 'Account';
}

/** RAM's `PolicyType` of each policy type a Gatehouse decision names (RAM has no permissions boundary: the caller's own). */
const RAM_POLICY_TYPES: Readonly<Record<string, string>> = {
  identity: 'AccountLevelIdentityBasedPolicy',
  boundary: 'AccountLevelIdentityBasedPolicy',
  session: 'SessionPolicy',
  resource: 'ResourceBasedPolicy',
  trust: 'AssumeRolePolicy',
};

/**
 * The `AccessDeniedDetail` Alibaba's gateway answers with a request refused for want of RAM permission, which
 * `@alicloud/openapi-core` throws as `ClientError.accessDeniedDetail` (review lp, 1): the action, the caller (its type as
 * RAM names it, its account, its id as `PrincipalId` gives it), implicit or explicit, the policy type that refused (RAM's
 * DecodeDiagnosticMessage names them) and the encoded explanation, which `sts:DecodeAuthorizationMessage` opens. Read
 * from the refusal's message (`deniedParts`); undefined for a refusal not written by a decision (a root caller, MFA).
 */
function accessDeniedDetail(app: App, caller: Caller, message: string): Record<string, string> | undefined {
  const d = deniedParts(message);
  if (d === undefined) return undefined;
  const type = caller.session?.role !== undefined ? 'AssumedRoleUser' : caller.session?.fu !== undefined ? 'Federated' : 'SubUser';
  return {
    AuthAction: d.action,
    AuthPrincipalType: type,
    AuthPrincipalOwnerId: caller.account,
    AuthPrincipalDisplayName: app.sts.getCallerIdentity(caller).userId,
    NoPermissionType: d.explicit ? 'ExplicitDeny' : 'ImplicitDeny',
    PolicyType: RAM_POLICY_TYPES[d.policyType] ?? 'AccountLevelIdentityBasedPolicy',
    ...(d.encoded !== undefined ? { EncodedDiagnosticMessage: d.encoded } : {}),
  };
}

/** AssumeRole for a signed caller: `RoleArn`, `RoleSessionName` (both required), `DurationSeconds`, `Policy`, `ExternalId`. */
async function assumeRoleAnswer(app: App, caller: Caller, p: Params, facts: RequestFacts, requestId: string, hostId: string): Promise<Reply> {
  for (const name of ['RoleArn', 'RoleSessionName'] as const) {
    const v = p.get(name);
    if (v === undefined || v === '') return errorAnswer(requestId, hostId, 400, `Missing${name}`, `${name} is mandatory for this action.`);
  }
  const rawDuration = p.get('DurationSeconds');
  if (rawDuration !== undefined && !/^\d{1,9}$/.test(rawDuration)) {
    return errorAnswer(requestId, hostId, 400, 'InvalidParameter.DurationSeconds', `DurationSeconds must be a whole number of seconds (900 to the role's MaxSessionDuration), got \`${rawDuration.slice(0, 32)}\``);
  }
  const policy = p.get('Policy');
  const externalId = p.get('ExternalId');
  const sourceIdentity = p.get('SourceIdentity');
  const r = await app.sts.assumeRole(
    caller,
    {
      roleArn: p.get('RoleArn') as string,
      roleSessionName: p.get('RoleSessionName') as string,
      ...(rawDuration !== undefined ? { durationSeconds: Number(rawDuration) } : {}),
      ...(policy !== undefined && policy !== '' ? { policy } : {}),
      ...(externalId !== undefined ? { externalId } : {}),
      ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
      policyArns: [],
      tags: [],
      transitiveTagKeys: [],
    },
    facts,
  );
  if (!r.ok) {
    const e = r.errors[0] ?? { code: 'INTERNAL_ERROR' as const, message: 'internal error', path: '' };
    recordRefusedRequest(app.deps.audit, caller, 'sts:AssumeRole', e);
    countRefusedRequest(app.deps.metrics, 'sts', e);
    const a = alibabaErrorOf(e, 'AssumeRole');
    const refused = errorAnswer(requestId, hostId, a.status, a.code, e.message);
    const detail = a.code === 'NoPermission' ? accessDeniedDetail(app, caller, e.message) : undefined;
    return detail === undefined ? refused : { ...refused, value: { ...refused.value, AccessDeniedDetail: detail } };
  }
  const v = r.value;
  return json(200, {
    RequestId: requestId,
    ...assumedRoleFields(v),
    ...(v.sourceIdentity !== undefined ? { SourceIdentity: v.sourceIdentity } : {}),
  });
}

/** The role and the credentials of an AssumeRole or AssumeRoleWithOIDC answer, as Alibaba's STS names them. */
function assumedRoleFields(v: Pick<AssumeRoleResult, 'arn' | 'assumedRoleId' | 'credentials'>): Record<string, unknown> {
  return {
    AssumedRoleUser: { Arn: v.arn, AssumedRoleId: v.assumedRoleId },
    Credentials: {
      AccessKeyId: v.credentials.accessKeyId,
      AccessKeySecret: v.credentials.secretAccessKey,
      SecurityToken: v.credentials.sessionToken,
      Expiration: isoSeconds(v.credentials.expiration),
    },
  };
}

/** The actions of Alibaba's STS this server answers. */
const ALIBABA_ACTIONS: ReadonlySet<string> = new Set(['AssumeRole', 'AssumeRoleWithOIDC', 'GetCallerIdentity']);

/**
 * Why an action of this version is not answered, naming it (review rh, 1). AssumeRoleWithSAML, the one operation of
 * Alibaba's STS left out, needs SAML providers, which Gatehouse does not keep (`SAML_NOT_KEPT`); the AWS STS Query API is
 * named only for an action it serves: "for the rest use the AWS STS Query API" sent SAML callers to an API that does not
 * serve it either.
 */
function notServedMessage(action: string): string {
  const served = `this server's Alibaba Cloud STS (Version ${ALIBABA_STS_VERSION}) answers AssumeRole, AssumeRoleWithOIDC and GetCallerIdentity`;
  if (action === 'AssumeRoleWithSAML') return `Specified api is not found: ${SAML_NOT_KEPT}: federate through an OpenID Connect provider (CreateOpenIDConnectProvider) and AssumeRoleWithOIDC; ${served}`;
  const name = `\`${shortName(action, 64)}\``;
  if (Object.hasOwn(STS_ACTIONS, action) || Object.hasOwn(STS_UNSIGNED_ACTIONS, action)) {
    return `Specified api is not found: ${served}, not ${name}; ${name} is an operation of the AWS STS Query API (Version 2011-06-15), which this endpoint serves to the AWS SDKs and CLI (SigV4)`;
  }
  return `Specified api is not found: ${served}, not ${action === '' ? 'a request naming no action' : name}`;
}

/**
 * A refusal the edge makes before it reads the parameters (a body over its size, a Content-Encoding, too many
 * parameters, bytes that are not UTF-8; the start's waiting listener), in Alibaba's shape: JSON for a V3 request (`x-acs-action`) unless `Accept` asks
 * for XML, else the query string's `Format`, XML by default. It was IAM's XML, which Alibaba's SDKs cannot read (review
 * lh, 3). `InvalidParameter`, `ServiceUnavailable` for a 503, or `InternalError` for another 5xx, with the edge's status.
 */
export function alibabaEarlyError(requestId: string, host: string | undefined, status: number, message: string, query: URLSearchParams, headers: IncomingHttpHeaders): AlibabaAnswer {
  const byHeader = query.get('Action') === null && headerValue(headers, 'x-acs-action') !== undefined;
  const asked = (query.get('Format') ?? (byHeader && !/\b(text|application)\/xml\b/.test(headerValue(headers, 'accept') ?? '') ? 'JSON' : 'XML')).toUpperCase();
  // 503 is Alibaba's `ServiceUnavailable` (the listener waiting for the database at start, review lz, 2).
  const code = status === 503 ? 'ServiceUnavailable' : status >= 500 ? 'InternalError' : 'InvalidParameter';
  return written(errorAnswer(requestId, (host ?? '').slice(0, 255), status, code, message), asked === 'JSON' ? 'JSON' : 'XML', 'Error');
}

/**
 * The answer to one Alibaba STS request (its `Version` is 2015-04-01), in the `Format` it asks (XML when it names none,
 * as Alibaba answers); `host` is the request's Host, Alibaba's `HostId`.
 */
export async function alibabaStsAnswer(app: App, p: Params, facts: RequestFacts, requestId: string, host: string | undefined, request?: AlibabaRequest): Promise<AlibabaAnswer> {
  const hostId = (host ?? '').slice(0, 255);
  // The V3 form names the action in `x-acs-action` (`x-acs-version` routed it here), and answers JSON unless `Accept`
  // asks for XML; the parameter form answers XML unless `Format` says JSON.
  const acsAction = request?.headers !== undefined ? headerValue(request.headers, 'x-acs-action') : undefined;
  const action = p.get('Action') ?? acsAction ?? '';
  const format = formatAsked(p, request?.headers ?? {});
  if (format !== 'JSON' && format !== 'XML') {
    return written(errorAnswer(requestId, hostId, 400, 'InvalidParameter.Format', `Specified parameter format is not valid: Format is JSON or XML, not \`${(p.get('Format') ?? '').slice(0, 32)}\``), 'XML', action);
  }
  return written(await replyOf(app, p, facts, requestId, hostId, action, request), format, action);
}

/** The `Format` a request asks, upper-cased (not necessarily JSON or XML): see `alibabaStsAnswer`. */
function formatAsked(p: Params, headers: IncomingHttpHeaders): string {
  const byHeader = p.get('Action') === undefined && headerValue(headers, 'x-acs-action') !== undefined;
  return (p.get('Format') ?? (byHeader ? (/\b(text|application)\/xml\b/.test(headerValue(headers, 'accept') ?? '') ? 'XML' : 'JSON') : 'XML')).toUpperCase();
}

/**
 * The edge's own answer to an Alibaba STS request that failed past its action (a value the database refuses, a commit
 * whose outcome is unknown, a bug), in the request's shape and `Format` (review ok, 2): it was AWS STS's XML, which
 * Alibaba's SDKs cannot parse (`@alicloud/sts20150401`: "Unexpected token '<'"), so its code and RequestId were lost.
 */
export function alibabaEdgeError(requestId: string, host: string | undefined, status: number, code: string, message: string, p: Params, headers: IncomingHttpHeaders): AlibabaAnswer {
  return written(errorAnswer(requestId, (host ?? '').slice(0, 255), status, code, message), formatAsked(p, headers) === 'JSON' ? 'JSON' : 'XML', 'Error');
}

async function replyOf(app: App, p: Params, facts: RequestFacts, requestId: string, hostId: string, action: string, request: AlibabaRequest | undefined): Promise<Reply> {
  if (!ALIBABA_ACTIONS.has(action) || (action !== 'AssumeRoleWithOIDC' && request === undefined)) {
    return errorAnswer(requestId, hostId, 404, 'InvalidAction.NotFound', notServedMessage(action));
  }
  if (action !== 'AssumeRoleWithOIDC') {
    try {
      const who = await authenticateRpc(app, p, request as AlibabaRequest, facts, action, requestId, hostId);
      if (!who.ok) return who.answer;
      if (action === 'AssumeRole') return await assumeRoleAnswer(app, who.caller, p, facts, requestId, hostId);
      // As Alibaba answers it: `UserId` for an account or RAM user only, `RoleId` for a role's session only, and a role
      // session's `Arn` as `acs:ram::<account>:assumed-role/<role>/<session>` (the `aliyun sts GetCallerIdentity` of
      // Alibaba's CLI and RRSA documentation), where AssumeRole's `AssumedRoleUser.Arn` writes `role/<role>/<session>`.
      const id = app.sts.getCallerIdentity(who.caller);
      const session = who.caller.session;
      const role = session?.role;
      const arn = role !== undefined && session !== undefined && who.caller.partition === 'acs' ? `acs:ram::${id.account}:assumed-role/${role.name}/${session.name}` : id.arn;
      return json(200, { RequestId: requestId, IdentityType: identityType(who.caller), AccountId: id.account, PrincipalId: id.userId, ...(role === undefined ? { UserId: id.userId } : { RoleId: role.id }), Arn: arn });
    } catch (e) {
      if (isStoreUnavailable(e)) return storeUnavailableAnswer(app, requestId, hostId);
      throw e;
    }
  }
  const given: Record<string, string> = {};
  for (const name of ['OIDCProviderArn', 'OIDCToken', 'RoleArn', 'RoleSessionName'] as const) {
    const v = p.get(name);
    // A token sent empty (`@alicloud/credentials` sends the token file as read, and an empty file reads so) is the
    // token's fault, refused by the use case as Alibaba refuses it (AuthenticationFail.OIDCToken.Invalid, "The OIDCToken
    // can not empty"), not as a parameter the client left out (review ih, 3).
    if (v === undefined || (v === '' && name !== 'OIDCToken')) return errorAnswer(requestId, hostId, 400, `Missing${name}`, `${name} is mandatory for this action.`);
    given[name] = v;
  }
  const rawDuration = p.get('DurationSeconds');
  if (rawDuration !== undefined && !/^\d{1,9}$/.test(rawDuration)) {
    return errorAnswer(requestId, hostId, 400, 'InvalidParameter.DurationSeconds', `DurationSeconds must be a whole number of seconds (900 to the role's MaxSessionDuration), got \`${rawDuration.slice(0, 32)}\``);
  }
  const policy = p.get('Policy');
  let r;
  try {
    r = await app.oidc.assumeRoleWithOidc(
      {
        oidcProviderArn: given['OIDCProviderArn'] as string,
        oidcToken: given['OIDCToken'] as string,
        roleArn: given['RoleArn'] as string,
        roleSessionName: given['RoleSessionName'] as string,
        ...(rawDuration !== undefined ? { durationSeconds: Number(rawDuration) } : {}),
        ...(policy !== undefined && policy !== '' ? { policy } : {}),
      },
      facts,
    );
  } catch (e) {
    // The store out of reach: Alibaba's retryable answer, in its own shape (the edge's fallback would answer AWS's XML).
    if (isStoreUnavailable(e)) return storeUnavailableAnswer(app, requestId, hostId);
    throw e;
  }
  if (!r.ok) {
    const e = r.errors[0] ?? { code: 'INTERNAL_ERROR' as const, message: 'internal error', path: '' };
    // A refusal of the role's trust (review vf, 2), as AssumeRoleWithWebIdentity's.
    countRefusedRequest(app.deps.metrics, 'sts', e);
    const a = alibabaErrorOf(e);
    return errorAnswer(requestId, hostId, a.status, a.code, e.message);
  }
  const v = r.value;
  return json(200, {
    RequestId: requestId,
    ...assumedRoleFields(v),
    OIDCTokenInfo: {
      Subject: v.subject,
      Issuer: v.issuer,
      ClientIds: v.audiences.join(','),
      ...(v.tokenIssuedAt !== undefined ? { IssuanceTime: isoSeconds(v.tokenIssuedAt) } : {}),
      ...(v.tokenExpiresAt !== undefined ? { ExpirationTime: isoSeconds(v.tokenExpiresAt) } : {}),
    },
  });
}
