/**
 * Server-side verification of AWS Signature Version 4, in two steps so the caller can look the
 * secret up in between:
 *
 *   const parsed = parseSigV4(request, Date.now());
 *   if (!parsed.ok) return awsError(parsed.code, parsed.message);
 *   const secret = await secretFor(parsed.accessKeyId, parsed.sessionToken); // InvalidClientTokenId when unknown
 *   const checked = parsed.verify(secret);
 *   if (!checked.ok) return awsError(checked.code, checked.message);
 *
 * Both the header form (`Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`)
 * and the presigned query form (`X-Amz-Algorithm`, `X-Amz-Credential`, … `X-Amz-Signature`) are read.
 * Spec: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html and
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html; the wire details the
 * SDKs produce are in shared/reference/credential-protocols.md §6.
 *
 * Time (AWS behaviour, kept on purpose):
 * - header form: the request time must be within ±`maxSkewMs` (15 min) of `now`; outside it AWS
 *   IAM/STS answer `SignatureDoesNotMatch` "Signature expired: …" / "Signature not yet current: …",
 *   and so do we — SDK v3 and botocore read exactly that code as a clock-skew signal and retry with a
 *   corrected clock.
 * - presigned form: valid from `X-Amz-Date - maxSkewMs` until `X-Amz-Date + X-Amz-Expires`.
 *   Past that, S3 (the service that defines presigned URLs) answers `AccessDenied` "Request has
 *   expired"; we do the same. STS itself ignores `X-Amz-Expires` and accepts a presigned
 *   GetCallerIdentity for 15 min (aws/aws-sdk-go#2167, aws-iam-authenticator `token.go`): that is
 *   why EKS tokens carry `X-Amz-Expires=60` yet kubectl reuses them for 14 min. The Kubernetes
 *   token verifier should pass `presignedMinLifetimeSeconds: 900` to keep that behaviour.
 *   The IAM/STS Query API passes `presignedMaxLifetimeSeconds: 900` instead: a presigned Query API
 *   request is never valid past STS's 15 minutes, whatever `X-Amz-Expires` says (the 7-day window is
 *   S3's rule, and a leaked presigned AssumeRole URL must not mint credentials for a week).
 */
import { timingSafeEqual } from 'node:crypto';
import {
  EMPTY_SHA256,
  canonicalHeaderValue,
  canonicalQuery,
  canonicalUri,
  decodeQueryComponent,
  parseAmzDate,
  parseQuery,
  sha256Hex,
  toAmzDate,
  type QueryParam,
} from './canonical.ts';
import { SIGNATURE_MISMATCH_MESSAGE, echo, sigv4Failure, type SigV4Failure } from './errors.ts';
import { hmacHex, signingPads } from './signing-key.ts';

/** An HTTP request as the server received it. */
export interface SigV4Request {
  /** Upper-case method as sent (`POST`). */
  readonly method: string;
  /** Raw request target in origin form, query string included, not decoded: `/a%20b?x=1&y=2`. */
  readonly path: string;
  /**
   * Lower-case header names; a header sent several times as the list of its values (joined with `,`, the SigV4 rule
   * for canonical multi-value headers) or already so joined. From a Node request: `nodeRequestHeaders(req)` (its
   * `headers` join with `, ` and drop repeats of some).
   */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The body exactly as received; `undefined` for none. */
  readonly body?: Uint8Array | string | undefined;
}

/**
 * The headers of a Node request as `SigV4Request.headers` wants them. Node's `req.headers` joins a header sent several
 * times with `, ` and keeps only the first of some (`authorization`, `host`, `content-type`, `user-agent`…), where
 * SigV4 signers join every value with `,` (botocore `SigV4Auth.canonical_headers`, the Go SDK), as AWS reads them: a
 * botocore request carrying a header twice was refused SignatureDoesNotMatch (review jo, 2). When a name is repeated,
 * every value (`headersDistinct`, joined with `,` by the verifier); else Node's own object, untouched (nearly every
 * request: one object, no copy).
 */
export const nodeRequestHeaders = (req: { readonly headers: SigV4Request['headers']; readonly rawHeaders: readonly string[]; readonly headersDistinct: Readonly<Record<string, readonly string[] | undefined>> }): SigV4Request['headers'] => {
  // Node folds a repeated name into one key: fewer keys than header lines means one was repeated.
  let keys = 0;
  for (const _ in req.headers) keys++;
  return req.rawHeaders.length === 2 * keys ? req.headers : req.headersDistinct;
};

export interface SigV4Options {
  /** Allowed clock difference; AWS uses 15 minutes. */
  readonly maxSkewMs?: number;
  /**
   * Presigned requests stay valid at least this long after `X-Amz-Date`, whatever `X-Amz-Expires`
   * says. 0 (default) enforces `X-Amz-Expires`; 900 reproduces STS/EKS token behaviour.
   */
  readonly presignedMinLifetimeSeconds?: number;
  /**
   * Presigned requests are never valid longer than this after `X-Amz-Date`, whatever `X-Amz-Expires`
   * says (applied after `presignedMinLifetimeSeconds`). Unset (default): up to `X-Amz-Expires` (≤ 7 days,
   * S3's rule); 900 gives STS's 15 minutes.
   */
  readonly presignedMaxLifetimeSeconds?: number;
  /**
   * The least `X-Amz-Expires` a presigned request may carry; less is malformed (`IncompleteSignature`). Default 0,
   * which STS's and EKS's presigned requests may send (STS ignores the value); S3 takes 1 to 604800 (1 here).
   */
  readonly presignedMinExpiresSeconds?: number;
  /**
   * False: the presigned (query-string) form is refused with `AccessDenied` before anything of it is read, for an API
   * whose clients all sign with an Authorization header (a URL that authenticates ends up in histories and logs).
   * Default true.
   */
  readonly acceptPresigned?: boolean;
  /** When given, a credential scoped to another service is refused (`SignatureDoesNotMatch`, as AWS). */
  readonly expectedService?: string;
  /** When given, a credential scoped to another region is refused (`SignatureDoesNotMatch`, as AWS). */
  readonly expectedRegion?: string;
}

export type SigV4Form = 'header' | 'presigned';

export type SigV4Verification = { readonly ok: true } | SigV4Failure;

export interface SigV4Parsed {
  readonly ok: true;
  readonly form: SigV4Form;
  /** Look the secret up with this; answer `InvalidClientTokenId` when it is unknown. */
  readonly accessKeyId: string;
  /** `X-Amz-Security-Token` (header, or query in presigned form); always covered by the signature. */
  readonly sessionToken?: string;
  readonly region: string;
  readonly service: string;
  /** `yyyymmdd/region/service/aws4_request` */
  readonly scope: string;
  /** Request time from `X-Amz-Date` (or `Date`), epoch ms. */
  readonly signedAt: number;
  /** Presigned form only: the end of validity, epoch ms. */
  readonly expiresAt?: number;
  /** Lower-case, in the order the client listed them. */
  readonly signedHeaders: readonly string[];
  /**
   * False when the client declared `UNSIGNED-PAYLOAD` or a `STREAMING-…` payload: the signature
   * then does not cover the body. A handler that acts on the body (the IAM/STS Query API) must
   * refuse such requests; for streaming, the chunk signatures are the caller's to check.
   */
  readonly payloadSigned: boolean;
  /**
   * The payload hash the signature covers as the client declared it: the `x-amz-content-sha256` header, else in the
   * presigned form the one hoisted into the query (`X-Amz-Content-Sha256`, S3's implied `UNSIGNED-PAYLOAD`); undefined
   * when none was declared (the body's own hash is signed). A caller that reads the body itself (S3) checks the body
   * against a hex one: a presigned URL signing a body's hash uploads that body only (review ld, 2).
   */
  readonly declaredPayloadHash?: string;
  /**
   * Check the signature with the secret of `accessKeyId` (constant-time comparison); then, when the
   * client declared a hex `x-amz-content-sha256`, that the body is the one it declared. May be
   * called again (e.g. with the previous secret during a rotation).
   */
  verify(this: SigV4Parsed, secret: string): SigV4Verification;
  /** For debugging a mismatch: the canonical request we built (holds no secret, but the session token). */
  canonicalRequest(this: SigV4Parsed): string;
  /** For debugging a mismatch: the string to sign we built (holds no secret). */
  stringToSign(this: SigV4Parsed): string;
}

export type SigV4Result = SigV4Parsed | SigV4Failure;

const ALGORITHM = 'AWS4-HMAC-SHA256';
const FIFTEEN_MINUTES_MS = 15 * 60 * 1000;
const MAX_PRESIGNED_EXPIRES_S = 604_800;

// Size limits on untrusted input, checked before any parsing.
const MAX_AUTHORIZATION_LENGTH = 8 * 1024;
const MAX_TARGET_LENGTH = 64 * 1024;
const MAX_SIGNED_HEADERS = 64;

const ACCESS_KEY_ID = /^[A-Za-z0-9._-]{1,128}$/;
const SCOPE_DATE = /^\d{8}$/;
const SCOPE_NAME = /^[a-z0-9-]{1,64}$/;
// RFC 9110 token, lower-case only: SignedHeaders names are lower-case by definition.
const HEADER_NAME_LIST = /^[a-z0-9!#$%&'*+\-.^_`|~]+(?:;[a-z0-9!#$%&'*+\-.^_`|~]+)*$/;
/**
 * The Authorization header exactly as SDK v3, botocore and the Go/Java SDKs write it: one regex
 * reads it whole on the hot path. Anything else (other order, extra spaces) goes through
 * `parseAuthorization`, which accepts the same values.
 */
const SDK_AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([A-Za-z0-9._-]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=([a-z0-9!#$%&'*+\-.^_`|~]+(?:;[a-z0-9!#$%&'*+\-.^_`|~]+)*), ?Signature=([0-9a-f]+)$/;
/**
 * `SDK_AUTHORIZATION`'s match, with the bounds of its parts checked after it: a key id of 1 to 128 characters, a region
 * and a service of 1 to 64, a signature of 64 hex digits. Counted repetitions (`{1,128}`, `{64}`) in the regex made it
 * about twice as slow (V8 unrolls them); the parts are told apart by the `/`s and `,`s their classes exclude, so the
 * match is the one the bounded regex makes, or none.
 */
const sdkAuthorization = (value: string): RegExpExecArray | null => {
  const m = SDK_AUTHORIZATION.exec(value);
  return m !== null && m[1]!.length <= 128 && m[3]!.length <= 64 && m[4]!.length <= 64 && m[6]!.length === 64 ? m : null;
};
const SIGNATURE_HEX = /^[0-9a-f]{64}$/;
/** Hex digits; 64 of them, a SHA-256, where the length is checked beside it (`isPayloadHash`). */
const HEX_DIGITS = /^[0-9a-fA-F]+$/;
/** A hex SHA-256 (64 digits, either case). Not `/^[0-9a-fA-F]{64}$/`, which V8 runs about twice as slowly. */
const isPayloadHash = (value: string): boolean => value.length === 64 && HEX_DIGITS.test(value);
const EXPIRES = /^\d{1,6}$/;
/** Passthrough payload hashes: the body is not covered by the request signature. */
const UNSIGNED_PAYLOADS: ReadonlySet<string> = new Set([
  'UNSIGNED-PAYLOAD',
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER',
]);

const QUERY_ALGORITHM = 'X-Amz-Algorithm';
const QUERY_CREDENTIAL = 'X-Amz-Credential';
const QUERY_DATE = 'X-Amz-Date';
const QUERY_EXPIRES = 'X-Amz-Expires';
const QUERY_SIGNED_HEADERS = 'X-Amz-SignedHeaders';
const QUERY_SIGNATURE = 'X-Amz-Signature';
const QUERY_TOKEN = 'X-Amz-Security-Token';
const PRESIGN_REQUIRED = [QUERY_ALGORITHM, QUERY_CREDENTIAL, QUERY_DATE, QUERY_EXPIRES, QUERY_SIGNED_HEADERS, QUERY_SIGNATURE] as const;
const PRESIGN_PARAMS: ReadonlySet<string> = new Set([
  QUERY_ALGORITHM,
  QUERY_CREDENTIAL,
  QUERY_DATE,
  QUERY_EXPIRES,
  QUERY_SIGNED_HEADERS,
  QUERY_SIGNATURE,
  QUERY_TOKEN,
]);

const OK: SigV4Verification = Object.freeze({ ok: true });
const NO_PARAMS: readonly QueryParam[] = Object.freeze([]);
const MISMATCH: SigV4Failure = Object.freeze(sigv4Failure('SignatureDoesNotMatch', SIGNATURE_MISMATCH_MESSAGE));
const BODY_MISMATCH: SigV4Failure = Object.freeze(
  sigv4Failure('SignatureDoesNotMatch', "The provided 'x-amz-content-sha256' header does not match what was computed."),
);

const PRESIGNED_REFUSED: SigV4Failure = Object.freeze(
  sigv4Failure('AccessDenied', 'Presigned (query-string) authentication is not accepted by this API: sign the request with an Authorization header.'),
);

const incomplete = (message: string): SigV4Failure => sigv4Failure('IncompleteSignature', message);

/** Own-property header read: a hostile `SignedHeaders=constructor` must not find `Object`. */
const header = (headers: SigV4Request['headers'], name: string): string | undefined => {
  if (!Object.hasOwn(headers, name)) return undefined;
  const value = headers[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.join(',');
  return undefined;
};

interface Credential {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly scope: string;
}

const parseCredential = (value: string): Credential | SigV4Failure => {
  const parts = value.split('/');
  const [accessKeyId, date, region, service, terminator] = parts;
  if (
    parts.length !== 5 ||
    accessKeyId === undefined ||
    date === undefined ||
    region === undefined ||
    service === undefined ||
    !ACCESS_KEY_ID.test(accessKeyId) ||
    !SCOPE_DATE.test(date) ||
    !SCOPE_NAME.test(region) ||
    !SCOPE_NAME.test(service) ||
    terminator !== 'aws4_request'
  ) {
    return incomplete(`Credential must have the form '<access key id>/<yyyymmdd>/<region>/<service>/aws4_request', got '${echo(value)}'.`);
  }
  return { accessKeyId, date, region, service, scope: `${date}/${region}/${service}/aws4_request` };
};

/**
 * Validated `SignedHeaders` lists by their text. A client sends the same list with every request (it names the
 * headers it signs, not their values), so each distinct list is split and checked once. Bounded: the text is
 * untrusted, and past the bound the cache starts over.
 */
const signedHeaderLists = new Map<string, readonly string[]>();
const MAX_SIGNED_HEADER_LISTS = 256;

/** The list read last, and its text: comparing a client's next list with it is cheaper than hashing it for the Map. */
let lastSignedHeaders: { readonly text: string; readonly names: readonly string[] } | undefined;

const parseSignedHeaders = (value: string, wellFormed: boolean): readonly string[] | SigV4Failure => {
  if (lastSignedHeaders !== undefined && lastSignedHeaders.text === value) return lastSignedHeaders.names;
  const known = signedHeaderLists.get(value);
  if (known !== undefined) {
    lastSignedHeaders = { text: value, names: known };
    return known;
  }
  const names = checkSignedHeaders(value, wellFormed);
  if (isFailure(names)) return names;
  if (signedHeaderLists.size >= MAX_SIGNED_HEADER_LISTS) signedHeaderLists.clear();
  const frozen = Object.freeze(names);
  signedHeaderLists.set(value, frozen);
  return frozen;
};

const checkSignedHeaders = (value: string, wellFormed: boolean): string[] | SigV4Failure => {
  if (!wellFormed && !HEADER_NAME_LIST.test(value)) return incomplete(`SignedHeaders must be lower-case header names separated by ';', got '${echo(value)}'.`);
  const names = value.split(';');
  if (names.length > MAX_SIGNED_HEADERS) return incomplete(`SignedHeaders lists more than ${MAX_SIGNED_HEADERS} headers.`);
  // Signers sort the list; a strictly increasing list has no duplicates, so only an unsorted one
  // (legal, if unusual) needs a set.
  let sorted = true;
  for (let i = 1; i < names.length && sorted; i++) sorted = names[i - 1]! < names[i]!;
  if (!sorted) {
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) return incomplete(`SignedHeaders lists '${echo(name)}' twice.`);
      seen.add(name);
    }
  }
  if (!names.includes('host')) return incomplete("SignedHeaders must include 'host'.");
  return names;
};

interface AuthFields {
  readonly credential: string;
  readonly signedHeaders: string;
  readonly signature: string;
}

/** `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` (any order, `,` with optional spaces). */
const parseAuthorization = (value: string): AuthFields | SigV4Failure => {
  const trimmed = value.trim();
  const space = trimmed.indexOf(' ');
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  if (algorithm !== ALGORITHM) return incomplete(`Unsupported AWS 'algorithm': '${echo(algorithm)}'. Only ${ALGORITHM} is accepted.`);
  let credential: string | undefined;
  let signedHeaders: string | undefined;
  let signature: string | undefined;
  for (const part of space < 0 ? [] : trimmed.slice(space + 1).split(',')) {
    const item = part.trim();
    if (item.length === 0) continue;
    const eq = item.indexOf('=');
    if (eq < 0) return incomplete(`Authorization header parameter '${echo(item)}' is not of the form 'key=value'.`);
    const key = item.slice(0, eq);
    const v = item.slice(eq + 1);
    if (key === 'Credential' || key === 'SignedHeaders' || key === 'Signature') {
      if ((key === 'Credential' ? credential : key === 'SignedHeaders' ? signedHeaders : signature) !== undefined) {
        return incomplete(`Authorization header has more than one '${key}' parameter.`);
      }
      if (key === 'Credential') credential = v;
      else if (key === 'SignedHeaders') signedHeaders = v;
      else signature = v;
    }
  }
  // AWS lists every missing parameter in one message.
  const missing: string[] = [];
  if (credential === undefined || credential.length === 0) missing.push("Authorization header requires 'Credential' parameter.");
  if (signature === undefined || signature.length === 0) missing.push("Authorization header requires 'Signature' parameter.");
  if (signedHeaders === undefined || signedHeaders.length === 0) missing.push("Authorization header requires 'SignedHeaders' parameter.");
  if (missing.length > 0 || credential === undefined || signedHeaders === undefined || signature === undefined) {
    return incomplete(missing.join(' '));
  }
  return { credential, signedHeaders, signature };
};

/** The request time in the header form: `x-amz-date`, else a `Date` header in either format. */
const headerRequestTime = (headers: SigV4Request['headers']): { amzDate: string; ms: number } | SigV4Failure => {
  const amz = header(headers, 'x-amz-date');
  const value = amz ?? header(headers, 'date');
  if (value === undefined || value.length === 0) {
    return incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  const trimmed = value.trim();
  const ms = parseAmzDate(trimmed);
  if (ms !== undefined) return { amzDate: trimmed, ms };
  // RFC 9110 HTTP-date is only allowed in `Date`; the string to sign then carries its ISO 8601 form.
  if (amz === undefined && value.length <= 64) {
    const parsed = Date.parse(value);
    if (Number.isFinite(parsed) && parsed % 1000 === 0 && parsed >= 0 && parsed < 253402300800000) return { amzDate: toAmzDate(parsed), ms: parsed };
  }
  return incomplete(`Invalid date '${echo(value)}': expected ISO 8601 basic format 'yyyymmddThhmmssZ'.`);
};

const checkScope = (credential: Credential, amzDate: string, options: SigV4Options): SigV4Failure | undefined => {
  if (credential.date !== amzDate.slice(0, 8)) {
    return sigv4Failure(
      'SignatureDoesNotMatch',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${credential.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  if (options.expectedService !== undefined && credential.service !== options.expectedService) {
    return sigv4Failure('SignatureDoesNotMatch', `Credential should be scoped to correct service: '${options.expectedService}'.`);
  }
  if (options.expectedRegion !== undefined && credential.region !== options.expectedRegion) {
    return sigv4Failure('SignatureDoesNotMatch', `Credential should be scoped to a valid region, not '${credential.region}'.`);
  }
  return undefined;
};

const skewFailure = (signedAt: number, now: number, maxSkewMs: number): SigV4Failure | undefined => {
  if (signedAt >= now - maxSkewMs && signedAt <= now + maxSkewMs) return undefined;
  const minutes = `${Math.round(maxSkewMs / 60_000)} min.`;
  if (signedAt < now - maxSkewMs) {
    return {
      ...sigv4Failure('SignatureDoesNotMatch', `Signature expired: ${toAmzDate(signedAt)} is now earlier than ${toAmzDate(now - maxSkewMs)} (${toAmzDate(now)} - ${minutes})`),
      signedAt,
    };
  }
  if (signedAt > now + maxSkewMs) {
    return {
      ...sigv4Failure('SignatureDoesNotMatch', `Signature not yet current: ${toAmzDate(signedAt)} is still later than ${toAmzDate(now + maxSkewMs)} (${toAmzDate(now)} + ${minutes})`),
      signedAt,
    };
  }
  return undefined;
};

const isFailure = (value: object): value is SigV4Failure => (value as { ok?: unknown }).ok === false;

interface Common {
  readonly form: SigV4Form;
  readonly credential: Credential;
  readonly signedHeaders: readonly string[];
  /** As the client wrote it (`a;b;c`): the line of the canonical request. */
  readonly signedHeadersText: string;
  readonly signature: string;
  /** The signature is already known to be 64 lower-case hex digits (read by `SDK_AUTHORIZATION`). */
  readonly signatureIsHex: boolean;
  readonly amzDate: string;
  readonly signedAt: number;
  readonly sessionToken: string | undefined;
  readonly expiresAt: number | undefined;
  /** Payload hash the client declared (header, or hoisted into the presigned query), if any. */
  readonly declaredPayloadHash: string | undefined;
  /** Parameter excluded from the canonical query (`X-Amz-Signature` in presigned form). */
  readonly excludeParam: string | undefined;
}

const parseHeaderForm = (
  request: SigV4Request,
  authorization: string,
  now: number,
  options: SigV4Options,
): Common | SigV4Failure => {
  if (authorization.length > MAX_AUTHORIZATION_LENGTH) return incomplete(`Authorization header is longer than ${MAX_AUTHORIZATION_LENGTH} characters.`);
  let credential: Credential | SigV4Failure;
  let signedHeaders: readonly string[] | SigV4Failure;
  let signedHeadersText: string;
  let signature: string;
  const m = sdkAuthorization(authorization);
  if (m !== null) {
    const [, accessKeyId, date, region, service, names, sig] = m as unknown as [string, string, string, string, string, string, string];
    credential = { accessKeyId, date, region, service, scope: `${date}/${region}/${service}/aws4_request` };
    signedHeaders = parseSignedHeaders(names, true);
    signedHeadersText = names;
    signature = sig;
  } else {
    const auth = parseAuthorization(authorization);
    if (isFailure(auth)) return auth;
    credential = parseCredential(auth.credential);
    signedHeaders = parseSignedHeaders(auth.signedHeaders, false);
    signedHeadersText = auth.signedHeaders;
    signature = auth.signature;
  }
  if (isFailure(credential)) return credential;
  if (isFailure(signedHeaders)) return signedHeaders;
  const time = headerRequestTime(request.headers);
  if (isFailure(time)) return time;
  const scopeProblem = checkScope(credential, time.amzDate, options);
  if (scopeProblem !== undefined) return scopeProblem;
  const sessionToken = header(request.headers, 'x-amz-security-token');
  // Every SDK signs the token; an unsigned one could be swapped for another session's.
  if (sessionToken !== undefined && !signedHeaders.includes('x-amz-security-token')) {
    return incomplete("SignedHeaders must include 'x-amz-security-token' when the request carries one.");
  }
  const skew = skewFailure(time.ms, now, options.maxSkewMs ?? FIFTEEN_MINUTES_MS);
  if (skew !== undefined) return skew;
  return {
    form: 'header',
    credential,
    signedHeaders,
    signedHeadersText,
    signature,
    signatureIsHex: m !== null,
    amzDate: time.amzDate,
    signedAt: time.ms,
    sessionToken,
    expiresAt: undefined,
    declaredPayloadHash: header(request.headers, 'x-amz-content-sha256'),
    excludeParam: undefined,
  };
};

const parsePresignedForm = (
  request: SigV4Request,
  params: readonly QueryParam[],
  now: number,
  options: SigV4Options,
): Common | SigV4Failure => {
  const values = new Map<string, string>();
  let hoistedPayloadHash: QueryParam | undefined;
  for (const p of params) {
    const k = p.rawKey;
    if (!k.startsWith('X-Amz-') || !PRESIGN_PARAMS.has(k)) {
      if (k.length === 20 && k.toLowerCase() === 'x-amz-content-sha256') hoistedPayloadHash = p;
      continue;
    }
    // A repeated parameter is refused: which of the two would count?
    if (values.has(k)) return incomplete(`Query parameter '${k}' appears more than once.`);
    const decoded = p.plain ? p.rawValue : decodeQueryComponent(p.rawValue);
    if (decoded === undefined) return incomplete(`Query parameter '${k}' is not valid percent-encoded UTF-8.`);
    values.set(k, decoded);
  }
  const algorithm = values.get(QUERY_ALGORITHM);
  if (algorithm !== undefined && algorithm !== ALGORITHM) {
    return incomplete(`Unsupported AWS 'algorithm': '${echo(algorithm)}'. Only ${ALGORITHM} is accepted.`);
  }
  const missing: string[] = [];
  for (const name of PRESIGN_REQUIRED) if ((values.get(name) ?? '').length === 0) missing.push(name);
  if (missing.length > 0) return incomplete(`Presigned request requires the query parameters ${missing.map((m) => `'${m}'`).join(', ')}.`);
  const credential = parseCredential(values.get(QUERY_CREDENTIAL)!);
  if (isFailure(credential)) return credential;
  const signedHeadersText = values.get(QUERY_SIGNED_HEADERS)!;
  const signedHeaders = parseSignedHeaders(signedHeadersText, false);
  if (isFailure(signedHeaders)) return signedHeaders;
  const amzDate = values.get(QUERY_DATE)!;
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) return incomplete(`Invalid 'X-Amz-Date' '${echo(amzDate)}': expected ISO 8601 basic format 'yyyymmddThhmmssZ'.`);
  const expiresText = values.get(QUERY_EXPIRES)!;
  const expires = EXPIRES.test(expiresText) ? Number(expiresText) : Number.NaN;
  const minExpires = options.presignedMinExpiresSeconds ?? 0;
  if (!(expires >= minExpires && expires <= MAX_PRESIGNED_EXPIRES_S)) {
    return incomplete(`X-Amz-Expires must be a whole number of seconds from ${minExpires} to ${MAX_PRESIGNED_EXPIRES_S} (one week), got '${echo(expiresText)}'.`);
  }
  const scopeProblem = checkScope(credential, amzDate, options);
  if (scopeProblem !== undefined) return scopeProblem;
  const maxSkewMs = options.maxSkewMs ?? FIFTEEN_MINUTES_MS;
  const lifetime = Math.max(expires, options.presignedMinLifetimeSeconds ?? 0);
  const cap = options.presignedMaxLifetimeSeconds;
  const capped = cap !== undefined && lifetime > cap;
  const expiresAt = signedAt + (capped ? cap : lifetime) * 1000;
  if (now > expiresAt) {
    const failure = sigv4Failure('AccessDenied', capped ? `Request has expired: a presigned request to this API is valid for at most ${cap} seconds after X-Amz-Date, whatever X-Amz-Expires says` : 'Request has expired');
    return { ...failure, expired: { expiresSeconds: expires, expiresAt }, signedAt };
  }
  if (signedAt > now + maxSkewMs) return skewFailure(signedAt, now, maxSkewMs)!;
  // smithy's presign hoists an `x-amz-content-sha256` header into the query (S3 presigner:
  // `X-Amz-Content-Sha256=UNSIGNED-PAYLOAD`); a header still wins.
  let declaredPayloadHash = header(request.headers, 'x-amz-content-sha256');
  if (declaredPayloadHash === undefined && hoistedPayloadHash !== undefined) {
    declaredPayloadHash = decodeQueryComponent(hoistedPayloadHash.rawValue) ?? hoistedPayloadHash.rawValue;
  }
  // S3 presigned URLs sign `UNSIGNED-PAYLOAD` without saying so (botocore S3SigV4QueryAuth).
  if (declaredPayloadHash === undefined && credential.service === 's3') declaredPayloadHash = 'UNSIGNED-PAYLOAD';
  return {
    form: 'presigned',
    credential,
    signedHeaders,
    signedHeadersText,
    signature: values.get(QUERY_SIGNATURE)!,
    signatureIsHex: false,
    amzDate,
    signedAt,
    sessionToken: values.get(QUERY_TOKEN),
    expiresAt,
    declaredPayloadHash,
    excludeParam: QUERY_SIGNATURE,
  };
};

/**
 * Read the SigV4 authentication of `request` at time `now` (epoch ms). Never throws for bad input:
 * every refusal is a `SigV4Failure` carrying the AWS error code. On success, look the secret of
 * `accessKeyId` up and call `verify(secret)`.
 */
export const parseSigV4 = (request: SigV4Request, now: number, options: SigV4Options = {}): SigV4Result => {
  if (!Number.isFinite(now)) throw new TypeError('parseSigV4: `now` must be epoch milliseconds');
  const target = request.path;
  if (target.length > MAX_TARGET_LENGTH) return incomplete(`Request target is longer than ${MAX_TARGET_LENGTH} characters.`);
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const params = q < 0 ? NO_PARAMS : parseQuery(target.slice(q + 1));
  const authorization = header(request.headers, 'authorization');
  let presigned = false;
  for (const p of params) {
    if (p.rawKey === QUERY_ALGORITHM || p.rawKey === QUERY_CREDENTIAL || p.rawKey === QUERY_SIGNATURE) presigned = true;
  }
  if (authorization !== undefined && presigned) {
    return incomplete('Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.');
  }
  if (authorization === undefined && !presigned) return sigv4Failure('MissingAuthenticationToken', 'Request is missing Authentication Token');
  if (presigned && options.acceptPresigned === false) return PRESIGNED_REFUSED;

  const common = authorization !== undefined ? parseHeaderForm(request, authorization, now, options) : parsePresignedForm(request, params, now, options);
  if (isFailure(common)) return common;

  // Capture the signed header values now: the caller may reuse or mutate its headers object.
  const headerValues: string[] = [];
  for (const name of common.signedHeaders) {
    const value = header(request.headers, name);
    if (value === undefined) return incomplete(`Header '${echo(name)}' is listed in SignedHeaders but is not in the request.`);
    headerValues.push(value);
  }

  const declared = common.declaredPayloadHash;
  let payloadSigned = true;
  if (declared !== undefined) {
    // The hex hash first (none of the unsigned values is one): the Set lookup hashes the whole value.
    if (!isPayloadHash(declared)) {
      if (!UNSIGNED_PAYLOADS.has(declared)) {
        return incomplete(
          `x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a STREAMING-… value, or the hex SHA-256 of the body; got '${echo(declared)}'.`,
        );
      }
      payloadSigned = false;
    }
  }

  return new ParsedRequest(request, rawPath, params, common, headerValues, declared, payloadSigned);
};

/**
 * The success value. A class rather than an object of closures: this is the per-request hot path
 * (one allocation instead of five), and the memoised canonical request is state.
 */
class ParsedRequest implements SigV4Parsed {
  readonly ok = true;
  readonly form: SigV4Form;
  readonly accessKeyId: string;
  declare readonly sessionToken?: string;
  readonly region: string;
  readonly service: string;
  readonly scope: string;
  readonly signedAt: number;
  declare readonly expiresAt?: number;
  readonly signedHeaders: readonly string[];
  readonly payloadSigned: boolean;
  declare readonly declaredPayloadHash?: string;

  readonly #method: string;
  readonly #rawPath: string;
  readonly #params: readonly QueryParam[];
  readonly #excludeParam: string | undefined;
  readonly #headerValues: readonly string[];
  readonly #declared: string | undefined;
  readonly #body: Uint8Array | string | undefined;
  /** The signature the client sent, if it is 64 lower-case hex digits (else no secret can match). */
  readonly #signature: string | undefined;
  readonly #signedHeadersText: string;
  readonly #amzDate: string;
  readonly #date: string;
  #bodyHash: string | undefined;
  #canonical: string | undefined;
  #stringToSign: string | undefined;

  constructor(
    request: SigV4Request,
    rawPath: string,
    params: readonly QueryParam[],
    common: Common,
    headerValues: readonly string[],
    declared: string | undefined,
    payloadSigned: boolean,
  ) {
    const { credential } = common;
    this.form = common.form;
    this.accessKeyId = credential.accessKeyId;
    if (common.sessionToken !== undefined) (this as { sessionToken?: string }).sessionToken = common.sessionToken;
    this.region = credential.region;
    this.service = credential.service;
    this.scope = credential.scope;
    this.signedAt = common.signedAt;
    if (common.expiresAt !== undefined) (this as { expiresAt?: number }).expiresAt = common.expiresAt;
    this.signedHeaders = common.signedHeaders;
    this.payloadSigned = payloadSigned;
    if (declared !== undefined) (this as { declaredPayloadHash?: string }).declaredPayloadHash = declared;
    this.#method = request.method;
    this.#rawPath = rawPath;
    this.#params = params;
    this.#excludeParam = common.excludeParam;
    this.#headerValues = headerValues;
    this.#declared = declared;
    this.#body = request.body;
    this.#signature = common.signatureIsHex || SIGNATURE_HEX.test(common.signature) ? common.signature : undefined;
    this.#signedHeadersText = common.signedHeadersText;
    this.#amzDate = common.amzDate;
    this.#date = credential.date;
  }

  verify(secret: string): SigV4Verification {
    const provided = this.#signature;
    if (typeof secret !== 'string' || secret.length === 0 || provided === undefined) return MISMATCH;
    const pads = signingPads(secret, this.scope, this.#date, this.region, this.service);
    // Both sides as 64 lower-case hex digits, compared in constant time as their bytes (two small Buffers from
    // the pool: cheaper than a digest Buffer with its own backing store, and a hex decode).
    const expected = hmacHex(pads.innerPad, pads.outerPad, this.stringToSign());
    if (!timingSafeEqual(Buffer.from(expected, 'latin1'), Buffer.from(provided, 'latin1'))) return MISMATCH;
    // A signed hex `x-amz-content-sha256` with another body: the signature covers the declared
    // hash, not these bytes (S3 calls it XAmzContentSHA256Mismatch; IAM/STS have no such code).
    const declared = this.#declared;
    if (this.payloadSigned && declared !== undefined) {
      const actual = this.#payloadHash();
      if (declared !== actual && declared.toLowerCase() !== actual) return BODY_MISMATCH;
    }
    return OK;
  }

  canonicalRequest(): string {
    if (this.#canonical !== undefined) return this.#canonical;
    const names = this.signedHeaders;
    const values = this.#headerValues;
    let headersBlock = '';
    for (let i = 0; i < values.length; i++) headersBlock += `${names[i]}:${canonicalHeaderValue(values[i]!)}\n`;
    this.#canonical =
      `${this.#method}\n${canonicalUri(this.#rawPath, this.service === 's3')}\n${this.#params.length === 0 ? '' : canonicalQuery(this.#params, this.#excludeParam)}\n` +
      `${headersBlock}\n${this.#signedHeadersText}\n${this.#declared ?? this.#payloadHash()}`;
    return this.#canonical;
  }

  stringToSign(): string {
    return (this.#stringToSign ??= `${ALGORITHM}\n${this.#amzDate}\n${this.scope}\n${sha256Hex(this.canonicalRequest())}`);
  }

  /** SHA-256 of the body actually received. */
  #payloadHash(): string {
    const body = this.#body;
    return (this.#bodyHash ??= body === undefined || body.length === 0 ? EMPTY_SHA256 : sha256Hex(body));
  }
}
