/**
 * Requests refused at authentication — a signature that does not match, an unknown access key id, an expired or
 * revoked session token, a request time outside the ±15 minutes — recorded in the audit log, as Vault audits failed
 * authentications and Kubernetes its 401s: someone probing with a leaked access key id shows up under that key's
 * owner. The record is a `decision` (`Deny`) naming the key's owner when the directory in memory knows the key
 * (`anonymous` otherwise), what was attempted, the AWS error code, a fixed description of the refusal, the key id
 * (not a secret: CloudTrail logs key ids) and the source IP; never a signature, an Authorization header, a session
 * token or a secret. A role session's key (expired or revoked too) also gives the record the session's role, session
 * ARN, job and source identity, as its other records have them: `audit query --job` finds a leaked job credential's
 * use after the job ended. The message answered to the client is not recorded: the SigV4 parser's messages quote the
 * offending part of the request as AWS's do (a whole signature fits), so the record keeps only text of its own.
 *
 * Anyone can send unauthenticated requests, so recording is flood-limited (`createFloodGate`): a token bucket per
 * source IP and one for all. What is not recorded is counted (`gatehouse_audit_auth_failures_suppressed_total`) and
 * the next record from that address carries the count as `suppressed`; an address that goes quiet for a second
 * (`summaryAfterMs`) with refusals left out, or is forgotten from the table of addresses, gets a summary record
 * instead (its count, first and last time, the codes, actions and key ids refused, under the keys' owner as the
 * refusals' own records name it: one summary per owner, review kp1), written by a timer off the
 * request path and at the audit log's stop: every refusal left out reaches the log, not only the metric (review kn1). Recording is not subject to the audit gate
 * (it changes nothing), and runs only on the failure path: a valid request never reaches this module.
 */
import { ISSUED_KEY_ID } from '../core/directory/rules.ts';
import { roleArnOf, sessionPrincipal } from '../core/sts/session.ts';
import { ROOT_ACCOUNT } from './accounts.ts';
import type { AppDeps, AuditSink } from './deps.ts';
import { userKey, type LiveState } from './live.ts';
import { userArn } from './principals.ts';

// ---------------------------------------------------------------------------------------------------------
// Flood control (pure: time is passed in)

export interface FloodLimits {
  /** Records per second per source IP, and the burst an address may spend at once. */
  readonly perIpRate: number;
  readonly perIpBurst: number;
  /** Records per second over all addresses, and its burst. */
  readonly globalRate: number;
  readonly globalBurst: number;
  /** Addresses remembered at most; beyond, the least recently seen is forgotten (its pending count goes to a summary). */
  readonly maxIps: number;
  /** How long an address with refusals left out must be quiet before they are summarised; default 1000 ms. */
  readonly summaryAfterMs?: number;
}

/** What a refusal left out was: kept (bounded) for the address's summary record. */
export interface Refused {
  readonly code: string;
  readonly action: string;
  readonly accessKeyId?: string | undefined;
  /**
   * Who owns the key the refusal claimed, from memory (`keyOwner`), or whom the refusal's own record names (a refused
   * web identity: the provider that verified its token, the role's account, the role; review kp3), asked only of a
   * refusal left out: its summary names that owner, as the refusal's own record would have (review kp1). Undefined,
   * or answering undefined: unknown (`anonymous` in the root account).
   */
  readonly owner?: (() => KeyOwner | undefined) | undefined;
  /**
   * What the refusal's own record names beyond the key: its resource (a cluster's ARN) and the Kubernetes cluster
   * (`detail.cluster`), so that the summary of refusals left out names them as well (review lf, 4).
   */
  readonly resource?: string | undefined;
  readonly cluster?: string | undefined;
  /**
   * The kind of the refusal's own record: `session` for a refused unsigned session request (AssumeRoleWithWebIdentity),
   * recorded as the refused session it is; default `decision`. A summary is of one kind, that of the records it sums up
   * (review nz, 2: a web-identity flood's summary was a `decision`, so `--kind session --role R` missed it).
   */
  readonly kind?: 'session' | 'decision' | undefined;
}

/**
 * Refusals from one address left out and not carried by a later record, all under one key owner (or none known): what
 * its summary record says. An address whose refusals named several owners gets one summary per owner.
 */
export interface Summary {
  readonly ip: string;
  /** The owner of the keys these refusals claimed; undefined: no key, or one the directory does not know. */
  readonly owner?: KeyOwner | undefined;
  readonly count: number;
  /** The kind of the records summed up (`Refused.kind`); undefined: `decision`. */
  readonly kind?: 'session' | undefined;
  /** Epoch ms of the first and the last refusal left out. */
  readonly first: number;
  readonly last: number;
  readonly codes: readonly string[];
  readonly actions: readonly string[];
  readonly accessKeyIds: readonly string[];
  /** The resources the refusals named (`*` for one that named none) and the clusters (`` for none). */
  readonly resources?: readonly string[];
  readonly clusters?: readonly string[];
}

/** Distinct codes, actions and key ids a summary lists at most (each); more are not listed, still counted. */
export const SUMMARY_MAX_LISTED = 8;

export const DEFAULT_FLOOD_LIMITS: FloodLimits = Object.freeze({ perIpRate: 5, perIpBurst: 20, globalRate: 100, globalBurst: 100, maxIps: 10_000 });

/** An internal error code (`INVALID_IDENTITY_TOKEN`) as AWS spells it (`InvalidIdentityToken`), for a summary's `codes`. */
export const awsCodeOf = (code: string): string => (/^[A-Z]+(?:_[A-Z]+)*$/.test(code) ? code.toLowerCase().replace(/(?:^|_)([a-z])/g, (_m, c: string) => c.toUpperCase()) : code);

/** Record this failure (with how many from the same address were left out since its last record), or leave it out. */
export type Admission = { readonly record: true; readonly suppressed: number } | { readonly record: false };

export interface FloodGate {
  admit(ip: string, refused?: Refused): Admission;
  /**
   * Summaries of the addresses whose refusals left out are not carried by a later record: forgotten addresses, and
   * those quiet for `summaryAfterMs` at `now` (all of them with `all`). Each is then reset (counted once).
   */
  due(now: number, all?: boolean): Summary[];
  /** The summaries `due(now, true)` would give, without resetting anything: what a hard stop now would lose. */
  peek(): Summary[];
  /** Whether some refusal left out is not yet carried nor summarised. */
  readonly pending: boolean;
  /** Addresses currently remembered (bounded by `maxIps`). */
  readonly size: number;
}

/** Refusals from one address left out under one owner since its last record (bounded sets of what was refused). */
interface Group {
  readonly owner: KeyOwner | undefined;
  readonly kind: 'session' | 'decision';
  count: number;
  /** Epoch ms of the first and last left out. */
  first: number;
  last: number;
  readonly codes: Set<string>;
  readonly actions: Set<string>;
  readonly keyIds: Set<string>;
  readonly resources: Set<string>;
  readonly clusters: Set<string>;
}

interface Bucket {
  tokens: number;
  /** Epoch ms of the last refill. */
  at: number;
  /** Failures from this address left out since its last record. */
  suppressed: number;
  /**
   * Since its last record, by owner (`ownerKey`; `` none known): at most SUMMARY_MAX_LISTED named owners,
   * refusals under further owners go to ``'s.
   */
  groups?: Map<string, Group>;
}

const addBounded = (set: Set<string>, v: string | undefined): void => {
  if (v !== undefined && set.size < SUMMARY_MAX_LISTED) set.add(v);
};

const viewOf = (ip: string, b: Bucket): Summary[] =>
  [...(b.groups?.values() ?? [])].map((g) => ({ ip, ...(g.owner !== undefined ? { owner: g.owner } : {}), ...(g.kind === 'session' ? { kind: 'session' as const } : {}), count: g.count, first: g.first, last: g.last, codes: [...g.codes], actions: [...g.actions], accessKeyIds: [...g.keyIds], resources: [...g.resources], clusters: [...g.clusters] }));

function summariesOf(ip: string, b: Bucket): Summary[] {
  const out = viewOf(ip, b);
  b.suppressed = 0;
  delete b.groups;
  return out;
}

/** One owner as a summary names it: its principal, account, role, session, job and source identity (`` for none known). */
const ownerKey = (o: KeyOwner | undefined): string => (o === undefined ? '' : [o.principal, o.account, o.role ?? '', o.session ?? '', o.job ?? '', o.sourceIdentity ?? ''].join('\n'));

function leftOut(b: Bucket, t: number, refused: Refused | undefined): void {
  const owner = refused?.owner?.();
  const groups = (b.groups ??= new Map());
  const kind = refused?.kind === 'session' ? 'session' : 'decision';
  let name = ownerKey(owner);
  if (name !== '' && !groups.has(name) && groups.size - (groups.has('') ? 1 : 0) >= SUMMARY_MAX_LISTED) name = '';
  // One group per owner and kind: refused sessions are summed up apart from refused requests of the same owner.
  if (kind === 'session') name = `session\n${name}`;
  let g = groups.get(name);
  if (g === undefined) {
    g = { owner: name === '' || name === 'session\n' ? undefined : owner, kind, count: 0, first: t, last: t, codes: new Set(), actions: new Set(), keyIds: new Set(), resources: new Set(), clusters: new Set() };
    groups.set(name, g);
  }
  g.count += 1;
  g.last = t;
  if (refused !== undefined) {
    addBounded(g.codes, refused.code);
    addBounded(g.actions, refused.action);
    addBounded(g.keyIds, refused.accessKeyId);
    addBounded(g.resources, refused.resource ?? '*');
    addBounded(g.clusters, refused.cluster ?? '');
  } else {
    addBounded(g.resources, '*');
    addBounded(g.clusters, '');
  }
}

function refill(b: Bucket, now: number, rate: number, burst: number): void {
  // A clock that steps back refills nothing (and never takes tokens away).
  const elapsed = Math.max(0, now - b.at);
  b.tokens = Math.min(burst, b.tokens + (elapsed * rate) / 1000);
  b.at = Math.max(b.at, now);
}

/** Token buckets per source IP and for all of them; `now` is epoch ms. */
export function createFloodGate(limits: FloodLimits, now: () => number): FloodGate {
  const ips = new Map<string, Bucket>();
  const global: Bucket = { tokens: limits.globalBurst, at: now(), suppressed: 0 };
  const quietMs = limits.summaryAfterMs ?? 1000;
  /** Summaries of forgotten addresses, until `due` hands them out. */
  const forgotten: Summary[] = [];
  /** Addresses with a pending count (so `pending` need not scan the table). */
  let withCount = 0;
  return {
    admit(ip, refused) {
      const t = now();
      let b = ips.get(ip);
      if (b === undefined) {
        if (ips.size >= limits.maxIps) {
          // Least recently seen first: a Map iterates in insertion order, and a seen address is re-inserted below.
          const oldest = ips.entries().next();
          if (!oldest.done) {
            ips.delete(oldest.value[0]);
            if (oldest.value[1].suppressed > 0) {
              withCount -= 1;
              forgotten.push(...summariesOf(oldest.value[0], oldest.value[1]));
            }
          }
        }
        b = { tokens: limits.perIpBurst, at: t, suppressed: 0 };
      } else ips.delete(ip);
      ips.set(ip, b);
      refill(b, t, limits.perIpRate, limits.perIpBurst);
      refill(global, t, limits.globalRate, limits.globalBurst);
      if (b.tokens < 1 || global.tokens < 1) {
        if (b.suppressed === 0) withCount += 1;
        b.suppressed += 1;
        leftOut(b, t, refused);
        return { record: false };
      }
      b.tokens -= 1;
      global.tokens -= 1;
      const suppressed = b.suppressed;
      if (suppressed > 0) {
        withCount -= 1;
        summariesOf(ip, b);
      }
      return { record: true, suppressed };
    },
    due(t, all = false) {
      const out = forgotten.splice(0);
      // Least recently seen first: stop at the first address seen within the quiet time.
      for (const [ip, b] of ips) {
        if (!all && b.at > t - quietMs) break;
        if (b.suppressed > 0) {
          withCount -= 1;
          out.push(...summariesOf(ip, b));
        }
      }
      return out;
    },
    peek() {
      const out = [...forgotten];
      if (withCount > 0) for (const [ip, b] of ips) if (b.suppressed > 0) out.push(...viewOf(ip, b));
      return out;
    },
    get pending() {
      return withCount > 0 || forgotten.length > 0;
    },
    get size() {
      return ips.size;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// The record

/** Who owns an access key, as far as the directory in memory knows. */
export interface KeyOwner {
  readonly principal: string;
  readonly account: string;
  /**
   * When the key is a role session's (also an expired or revoked one): the role's ARN, the session's ARN, its job
   * and source identity, as a record of what the session did carries them (`actorOf`), so that `audit query --job`
   * and `--role` find the refused use of a job's credentials after the job ended.
   */
  readonly role?: string;
  readonly session?: string;
  readonly job?: string;
  readonly sourceIdentity?: string;
}

export interface AuthFailure {
  /** The access key id the request claimed, if it named one. */
  readonly accessKeyId?: string | undefined;
  /** The session token it carried: used only to name the session's owner, never recorded. */
  readonly sessionToken?: string | undefined;
  /** What was attempted: `sts:GetCallerIdentity`, `iam:ListUsers`, `POST /v1/authorize`, `s3:GetObject`, or the method and path. */
  readonly action: string;
  /** What was asked for, when the request says (an S3 object's ARN); else `*`. */
  readonly resource?: string | undefined;
  /** The AWS error code answered: `SignatureDoesNotMatch`, `InvalidClientTokenId`, `ExpiredToken`… */
  readonly code: string;
  readonly message: string;
  readonly sourceIp: string;
  /** The id the refusal was answered with (`x-amzn-RequestId`, `<RequestId>`), so the client's error finds its record. */
  readonly requestId?: string | undefined;
  /**
   * Whose credential it is, when the edge knows without a key id: a job's capability refused as its launcher's, which
   * is recorded in the job's account with its id (review oa, 3). Else found from `accessKeyId` (`keyOwner`).
   */
  readonly owner?: KeyOwner | undefined;
  /**
   * The uid of the local process refused, when the refusal is of a peer check (a job's metadata endpoint serves only its
   * launcher's uid: review oz, 2).
   */
  readonly peerUid?: number | undefined;
  /**
   * For a request refused for its time (or its key) before its signature was checked: whether it was signed with the
   * secret of the key it names, checked as of its own time (src/adapters/http/key-holder.ts); undefined when not checked.
   * True: the key's holder sent it (a replayed request, a client clock off), refused, not a use of the key; false:
   * someone who knows only the key id (review tu, 2).
   */
  readonly signatureVerified?: boolean | undefined;
}

/**
 * Bounds on what an unauthenticated request can put into a record: with the fixed messages below, a record is at
 * most about 0.8 KB of columns, hash chain included (typically 0.4–0.6 KB), whatever the request (docs/decisions.md).
 */
const MAX_ACTION = 128;
const MAX_RESOURCE = 128;
/**
 * Key ids as they are issued (`AKIA…`, `ASIA…`, `LTAI…`, `STS.…`); anything else is not a key id and is not recorded:
 * credentials given the wrong way round put the secret access key where the id goes (review ct, 1), and a secret
 * (base64) begins with one of these prefixes, followed by letters and digits only, less than once in fifty million.
 */
const KEY_ID = ISSUED_KEY_ID;
/**
 * AWS error codes are words, Alibaba's dotted words (`InvalidTimeStamp.Expired`); anything else is recorded as `Unknown`
 * (callers pass codes from tables, never input).
 */
const CODE = /^(?=.{1,64}$)[A-Za-z]+(?:\.[A-Za-z]+)*$/;

const cut = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max)}…` : s);

/** The record's message for each code answered, when no finer reason below is recognised. */
const DESCRIPTIONS: ReadonlyMap<string, string> = new Map(Object.entries({
  MissingAuthenticationToken: 'the request is not signed',
  IncompleteSignature: 'the signature is malformed or incomplete',
  SignatureDoesNotMatch: 'the signature does not match',
  AccessDenied: 'the request is not signed or its signature is no longer valid',
  InvalidClientTokenId: 'unknown or inactive access key id, or an invalid session token',
  InvalidAccessKeyId: 'unknown or inactive access key id',
  InvalidToken: 'invalid session token',
  ExpiredToken: 'expired or revoked session token',
  AuthorizationHeaderMalformed: 'the Authorization header is malformed',
  AuthorizationQueryParametersError: 'the presigned query parameters are malformed',
  RequestTimeTooSkewed: 'the request time is more than 15 minutes from the server clock',
  Unauthorized: 'the webhook bearer token is missing or wrong',
  // Alibaba's gateway, for its STS API (adapters/http/alibaba-sts-api.ts).
  MissingAccessKeyId: 'the request is not signed',
  MissingSignature: 'the request is not signed',
  MissingSignatureMethod: 'the signature is malformed or incomplete',
  MissingSignatureNonce: 'the signature is malformed or incomplete',
  MissingSignatureVersion: 'the signature is malformed or incomplete',
  MissingTimestamp: 'the signature is malformed or incomplete',
  InvalidSignatureMethod: 'unsupported signing algorithm',
  InvalidSignatureVersion: 'unsupported signing algorithm',
  'InvalidTimeStamp.Format': 'the request date is malformed',
  'InvalidTimeStamp.Expired': 'the request time is more than 15 minutes from the server clock',
  'InvalidAccessKeyId.NotFound': 'unknown or inactive access key id',
  // Answered only to a request the disabled key's own secret signed (review is, 1): its holder still uses it. It was
  // "authentication refused", as was MissingSignatureVersion (review qr, 4).
  'InvalidAccessKeyId.Inactive': 'an inactive access key', // signed with its secret, which the message's ending says (review um, 2)
  MissingSecurityToken: 'a temporary access key id sent without its session token',
  'InvalidSecurityToken.Expired': 'expired or revoked session token',
  'InvalidSecurityToken.Malformed': 'invalid session token',
  SignatureNonceUsed: 'the signature nonce was used already (a replayed request)',
  NoPermission: 'the session may not call this API',
}));

/**
 * The edges' refusals of a valid session for the API it called (server.ts `userSessionRefusal`, the Query API's and
 * Alibaba STS's): checked once its signature verified, so its record says so (`SIGNED_BY_SESSION_HOLDER`).
 */
const SESSION_REFUSALS: readonly (readonly [RegExp, string])[] = [
  [/^The security token included in the request is invalid: credentials from GetSessionToken cannot call the IAM API /, "credentials from GetSessionToken (a user's session, without MFA) may call no IAM API"],
  [/^Cannot call [A-Za-z]+ with session credentials from GetSessionToken: /, 'credentials from GetSessionToken may call, of STS, only AssumeRole and GetCallerIdentity'],
  [/^Cannot call [A-Za-z]+ with the credentials of a federated user \(GetFederationToken\): /, 'the credentials of a federated user (GetFederationToken) may call no IAM API and, of STS, only GetCallerIdentity'],
];

/**
 * Finer reasons, read from the start of the message our own code answered with (SigV4 and SigV2 parsers, the edges,
 * the webhook): each maps to fixed text, so nothing of the request is copied; only the anchored prefix is matched,
 * never text the parser quoted from the request.
 */
const REASONS: readonly (readonly [RegExp, string])[] = [
  [/^refused at the job's metadata endpoint: another uid$/, "a process of another user than the job's launcher: a job's metadata endpoint serves only the processes of its launcher's uid"],
  [/^refused at the job's metadata endpoint: a process not in the socket table$/, "a process not found in this host's socket table: a job's metadata endpoint serves only the processes of its launcher's uid"],
  [/^Signature expired: /, 'the request time is more than 15 minutes in the past'],
  [/^Signature not yet current: /, 'the request time is more than 15 minutes in the future'],
  [/^The difference between the request time and the current time is too large/, 'the request time is more than 15 minutes from the server clock'],
  // Alibaba's STS, its nonce set past its bound (review jy, 1): the Timestamp was taken, the request's nonce no longer
  // held; not a clock off, which the code's own description said (review ux, 1).
  [/^Specified time stamp or date value is expired: this server has had more signed requests in the last 15 minutes than it holds nonces for/, "the server no longer holds the signature nonces of this key's requests signed that early (more signed requests in 15 minutes than it holds nonces for), so it cannot tell this one from a replay; its time was within the 15 minutes"],
  [/^Request has expired(?:$|: a presigned request to this API is valid for at most)/, 'the presigned request has expired'],
  [/^Request is not yet valid$/, 'the presigned request is dated more than 15 minutes in the future'],
  [/^The request signature we calculated does not match/, 'the signature does not match'],
  [/^The provided 'x-amz-content-sha256' header does not match/, 'the body does not match its declared SHA-256'],
  [/^The request body must be signed/, 'the body is not signed (UNSIGNED-PAYLOAD)'],
  [/^Date in Credential scope does not match/, 'the credential scope date is not the request date'],
  [/^(?:The authorization header is malformed; )?Invalid credential date\. Date is not the same as X-Amz-Date\.$/, 'the credential scope date is not the request date'],
  [/^Credential should be scoped to (?:correct|a valid) service/, 'the credential is scoped to another service'],
  [/^The authorization header is malformed; incorrect service/, 'the credential is scoped to another service'],
  [/^Credential should be scoped to a valid region/, 'the credential is scoped to another region'],
  [/^Credential must have the form/, 'the credential scope is malformed'],
  [/^Unsupported AWS 'algorithm'/, 'unsupported signing algorithm'],
  [/^Authorization header parameter /, 'an Authorization header parameter is not of the form key=value'],
  [/^Authorization header requires existence of either/, 'no X-Amz-Date or Date header'],
  [/^Authorization header requires /, 'the Authorization header lacks Credential, SignedHeaders or Signature'],
  [/^Authorization header has more than one /, 'an Authorization header parameter is repeated'],
  [/^Authorization header is longer than /, 'the Authorization header is too long'],
  [/^The authorization header is malformed: expected `AWS /, 'the SigV2 Authorization header is malformed'],
  [/^SignedHeaders /, 'SignedHeaders is malformed'],
  [/^Header '.*' is listed in SignedHeaders but/s, 'a header listed in SignedHeaders is not in the request'],
  [/^Invalid date /, 'the request date is malformed'],
  [/^Invalid 'X-Amz-Date' /, 'the request date is malformed'],
  [/^AWS authentication requires a valid Date/, 'no valid request date'],
  [/^x-amz-content-sha256 must be /, 'x-amz-content-sha256 is malformed'],
  [/^Only one auth mechanism allowed/, 'both an Authorization header and presigned query parameters'],
  [/^Presigned request requires /, 'the presigned request lacks required query parameters'],
  [/^Presigned \(query-string\) authentication is not accepted/, 'presigned URLs are not accepted by this API'],
  [/^Query-string authentication requires /, 'the SigV2 presigned request lacks required query parameters'],
  [/^Query parameter '/, 'a presigned query parameter is repeated or not valid percent-encoding'],
  [/^The query string is not valid percent-encoded/, 'the query string is not valid percent-encoding'],
  [/^X-Amz-Expires must /, 'X-Amz-Expires is malformed'],
  [/^Request target is longer than /, 'the request target is too long'],
  [/^Access Denied: anonymous requests are not served/, 'the request is not signed'],
  [/^Request is missing Authentication Token$/, 'the request is not signed'],
  [/^no webhook bearer token$/, 'no webhook bearer token'],
  // The refusals of GATEHOUSE_AUTHORIZE_PROOF_AUDIENCES (src/app/proof-audiences.ts), recorded as refused proofs.
  [/^`audience` is required: this server takes only a `principalProof` bound to an audience/, 'the question names no audience, which GATEHOUSE_AUTHORIZE_PROOF_AUDIENCES requires'],
  [/^`audience` is not one this server accepts /, 'the question names an audience GATEHOUSE_AUTHORIZE_PROOF_AUDIENCES does not list'],
  [/^`principalProof` is not bound to an audience, as this server requires /, 'the proof is not bound to an audience, which GATEHOUSE_AUTHORIZE_PROOF_AUDIENCES requires'],
  [/^wrong webhook bearer token$/, 'the webhook bearer token is not the cluster\'s'],
  // A job's credential endpoints (adapters/agent/server.ts): nothing there is signed, and `AccessDenied`'s text said a
  // signature was refused (review oa, 3).
  [/^no job capability$/, 'no job capability'],
  [/^no job holds this capability$/, 'no job holds this capability'],
  [/^not the launcher's capability$/, "the capability of a job's processes (its ranks', or a pod's), which is not its launcher's"],
  // A valid session refused for the API it called (the edges' `userSessionRefusal`): its record said "the request is not
  // signed or its signature is no longer valid", or "an invalid session token", of a session signed and valid (review vf, 1).
  ...SESSION_REFUSALS,
];

/** The record's message: fixed text chosen by the code and the start of the answer's message, never a copy of it. */
export function authFailureMessage(code: string, message: string): string {
  for (const [re, text] of REASONS) if (re.test(message.slice(0, 200))) return text;
  return DESCRIPTIONS.get(code) ?? 'authentication refused';
}

/** What the record of a request refused before its signature was checked adds to its message, once it is (review tu, 2). */
const SIGNED_BY_HOLDER = "; it was signed with the key's secret (a replayed request, or a client clock off), and refused: not a use of the key";
/** Said of a request refused for its key (inactive, its session expired or revoked) that the key's secret signed (review tu, 3). */
const SIGNED_WITH_REFUSED_KEY = "; it was signed with the key's secret: its holder still uses it";
/** The codes answered to a request refused for its key rather than its time or signature. */
const KEY_REFUSAL_CODES: ReadonlySet<string> = new Set(['InvalidClientTokenId', 'ExpiredToken', 'InvalidAccessKeyId', 'InvalidToken', 'InvalidAccessKeyId.Inactive', 'InvalidAccessKeyId.NotFound', 'InvalidSecurityToken.Expired', 'InvalidSecurityToken.Malformed']);
/**
 * Said of a request refused for its signature nonce (Alibaba's STS: taken already, or no longer held), which is checked
 * only once the signature verified: its key's holder signed it, and it was sent again (review ux, 1).
 */
const SIGNED_AND_SENT_AGAIN = "; it was signed with the key's secret: a request its holder signed, sent again (captured and replayed, or retried with the same nonce), and refused: not a use of the key";
const NONCE_REFUSAL = /^Specified (?:signature nonce was used already|time stamp or date value is expired: this server has had more signed requests)/;
/** Said of a valid session refused for the API it called (`SESSION_REFUSALS`), once its signature verified (review vf, 1). */
const SIGNED_BY_SESSION_HOLDER = "; it was signed with the session's secret: its holder called an API these credentials may not call";
const NOT_SIGNED_BY_HOLDER = "; it was not signed with the key's secret (made by someone who knows only the key id)";

/** What a record's message adds when the request's own key signed it, by what it was refused for. */
function signedEnding(code: string, message: string): string {
  if (SESSION_REFUSALS.some(([re]) => re.test(message))) return SIGNED_BY_SESSION_HOLDER;
  if (KEY_REFUSAL_CODES.has(code)) return SIGNED_WITH_REFUSED_KEY;
  return NONCE_REFUSAL.test(message) ? SIGNED_AND_SENT_AGAIN : SIGNED_BY_HOLDER;
}

/** The audit event of a refused authentication (pure): the owner resolved by the caller, the count carried. */
export function authFailureEvent(f: AuthFailure, owner: KeyOwner | undefined, suppressed: number) {
  const accessKeyId = f.accessKeyId !== undefined && KEY_ID.test(f.accessKeyId) ? f.accessKeyId : undefined;
  const code = CODE.test(f.code) ? f.code : 'Unknown';
  return {
    kind: 'decision' as const,
    account: owner?.account ?? ROOT_ACCOUNT,
    principal: owner?.principal ?? 'anonymous',
    ...(owner?.role !== undefined ? { role: owner.role } : {}),
    ...(owner?.session !== undefined ? { session: owner.session } : {}),
    ...(owner?.job !== undefined ? { job: owner.job } : {}),
    ...(owner?.sourceIdentity !== undefined ? { sourceIdentity: owner.sourceIdentity } : {}),
    action: cut(f.action, MAX_ACTION),
    resource: f.resource !== undefined && f.resource !== '' ? cut(f.resource, MAX_RESOURCE) : '*',
    decision: 'Deny',
    ...(f.sourceIp !== '' ? { sourceIp: f.sourceIp } : {}),
    ...(f.requestId !== undefined && f.requestId !== '' ? { requestId: f.requestId } : {}),
    detail: {
      authentication: code,
      message: authFailureMessage(code, f.message) + (f.signatureVerified === true ? signedEnding(code, f.message.slice(0, 200)) : f.signatureVerified === false ? NOT_SIGNED_BY_HOLDER : ''),
      ...(accessKeyId !== undefined ? { accessKeyId } : {}),
      ...(f.signatureVerified !== undefined ? { signatureVerified: f.signatureVerified } : {}),
      ...(f.peerUid !== undefined && Number.isInteger(f.peerUid) && f.peerUid >= 0 ? { peerUid: f.peerUid } : {}),
      ...(suppressed > 0 ? { suppressed } : {}),
    },
  };
}

/** What recording needs of the app (`App` has it): the sink, the clock, the counter, and the directory in memory. */
export interface AuthFailureContext {
  readonly deps: Pick<AppDeps, 'audit' | 'now' | 'metrics' | 'sessions'>;
  readonly live: Pick<LiveState, 'accessKey' | 'principals' | 'keys'>;
}

/**
 * The owner of a key id, from memory only (no database read): a long-term key's user (also when the key is
 * inactive or its user disabled: the directory knows whose it is), or the session a token names when it opens
 * (bound to the key id; an expired or revoked session still names its owner). Unknown: undefined.
 */
export function keyOwner(ctx: AuthFailureContext, accessKeyId: string | undefined, sessionToken: string | undefined): KeyOwner | undefined {
  if (accessKeyId === undefined || !KEY_ID.test(accessKeyId)) return undefined;
  if (sessionToken !== undefined && sessionToken !== '') {
    const opened = ctx.deps.sessions.open(ctx.live.keys, sessionToken, accessKeyId);
    if (!opened.ok) return undefined;
    const c = opened.claims;
    const principal = sessionPrincipal(c, {}).arn;
    return {
      principal,
      account: c.acct,
      ...(c.role ? { role: roleArnOf(c.part, c.acct, c.role.path, c.role.name), session: principal } : {}),
      ...(c.job !== undefined ? { job: c.job } : {}),
      ...(c.srcId !== undefined ? { sourceIdentity: c.srcId } : {}),
    };
  }
  const key = ctx.live.accessKey(accessKeyId);
  if (key === undefined) return undefined;
  const entry = ctx.live.principals.get(userKey(key.account, key.userName));
  if (entry === undefined || !('user' in entry)) return { principal: 'anonymous', account: key.account };
  return { principal: userArn(entry.partition, entry.user), account: key.account };
}

const NOT_REFUSALS = new Set(['ServiceUnavailable', 'InternalFailure', 'InternalError']);

/** One flood gate per audit log (per app), and the timer writing its summaries while some are pending. */
interface GateState {
  readonly gate: FloodGate;
  readonly sink: Pick<AuditSink, 'record'>;
  readonly now: () => number;
  timer: ReturnType<typeof setInterval> | undefined;
  /** When the sweep last ran (or the timer was set), monotonic ms: a late sweep is told by it. */
  lastSweep: number;
  /** Whether the last round was skipped as late. */
  skipped: boolean;
  /** Where the pending summaries are kept against a hard stop (the audit log's journal), if anywhere (review kp2). */
  readonly note: ((events: readonly ReturnType<typeof authFailureSummaryEvent>[]) => void) | undefined;
  /** Whether what is kept there may differ from what is pending, and whether anything is kept there. */
  changed: boolean;
  noted: boolean;
}
const gates = new WeakMap<object, GateState>();

/** How often pending summaries are looked for, ms (only while some refusal left out is not yet in the log). */
const SUMMARY_SWEEP_MS = 250;
/**
 * Addresses summarised one record each per sweep at most (25 a quarter second: the global limit's 100 records/s);
 * beyond, one record sums up the rest (it names no address).
 */
const SUMMARIES_PER_SWEEP = 25;

/** The audit event summing up refusals left out by the flood limit (pure): one address's, or several addresses'. */
export function authFailureSummaryEvent(s: Summary | readonly Summary[]) {
  const all = Array.isArray(s) ? (s as readonly Summary[]) : [s as Summary];
  const union = (pick: (x: Summary) => readonly string[]): string[] => [...new Set(all.flatMap(pick))].slice(0, SUMMARY_MAX_LISTED);
  const codes = union((x) => x.codes);
  const actions = union((x) => x.actions);
  const accessKeyIds = union((x) => x.accessKeyIds);
  // The resource and cluster the refusals' own records name, when they all named the same one (review lf, 4).
  const resources = union((x) => x.resources ?? ['*']);
  const clusterNames = union((x) => x.clusters ?? ['']);
  const clusters = clusterNames.filter((c) => c !== '');
  const ips = new Set(all.map((x) => x.ip));
  const ip = ips.size === 1 ? all[0]?.ip ?? '' : '';
  // Named as the refusals' own records are (`authFailureEvent`) when they all claimed keys of one owner (review kp1).
  const owner = all[0]?.owner;
  const one = owner !== undefined && all.every((x) => ownerKey(x.owner) === ownerKey(owner)) ? owner : undefined;
  return {
    // Refused sessions are `session` records, as their own (review nz, 2); a summary of several kinds is a `decision`.
    kind: all.length > 0 && all.every((x) => x.kind === 'session') ? ('session' as const) : ('decision' as const),
    account: one?.account ?? ROOT_ACCOUNT,
    principal: one?.principal ?? 'anonymous',
    ...(one?.role !== undefined ? { role: one.role } : {}),
    ...(one?.session !== undefined ? { session: one.session } : {}),
    ...(one?.job !== undefined ? { job: one.job } : {}),
    ...(one?.sourceIdentity !== undefined ? { sourceIdentity: one.sourceIdentity } : {}),
    action: actions.length === 1 ? (actions[0] ?? '*') : '*',
    resource: resources.length === 1 ? (resources[0] ?? '*') : '*',
    decision: 'Deny',
    ...(ip !== '' ? { sourceIp: ip } : {}),
    detail: {
      authentication: codes.length > 1 ? 'Multiple' : (codes[0] ?? 'Unknown'),
      message: ips.size === 1 ? 'refused authentications left out by the flood limit, summarised' : `refused authentications from ${ips.size} addresses left out by the flood limit, summarised`,
      suppressed: all.reduce((n, x) => n + x.count, 0),
      first: new Date(Math.min(...all.map((x) => x.first))).toISOString(),
      last: new Date(Math.max(...all.map((x) => x.last))).toISOString(),
      codes,
      actions,
      ...(accessKeyIds.length > 0 ? { accessKeyIds } : {}),
      ...(clusterNames.length === 1 && clusters.length === 1 ? { cluster: clusters[0] } : clusters.length > 0 ? { clusters } : {}),
      ...(ips.size > 1 ? { addresses: ips.size } : {}),
    },
  };
}

/** The summary records of `due`: one each for the first SUMMARIES_PER_SWEEP, one for the rest. */
function summaryEvents(due: readonly Summary[]): ReturnType<typeof authFailureSummaryEvent>[] {
  const out = due.slice(0, SUMMARIES_PER_SWEEP).map((s) => authFailureSummaryEvent(s));
  if (due.length > SUMMARIES_PER_SWEEP) out.push(authFailureSummaryEvent(due.slice(SUMMARIES_PER_SWEEP)));
  return out;
}

/**
 * Keeps what is pending where a hard stop does not lose it (the journal), once it changed: the summaries as they
 * stand (replaced at each sweep while they grow), or nothing once none is pending (review kp2).
 */
function notePending(st: GateState): void {
  if (st.note === undefined || !st.changed) return;
  st.changed = false;
  if (st.gate.pending) {
    st.note(summaryEvents(st.gate.peek()));
    st.noted = true;
  } else if (st.noted) {
    st.note([]);
    st.noted = false;
  }
}

/**
 * The timer's sweep. One that fires more than two intervals late follows a stall of the event loop (a long GC, a
 * loaded machine): Node runs due timers before it reads what waits on its sockets, so an address looks quiet although
 * its requests wait unread, and one burst was summarised in two (review ul, 1). That round writes nothing (it still
 * keeps the pending note current); the next, an interval later, judges after they were read (as the supervisor
 * ignores its own late ticks, src/main/workers.ts).
 */
function sweep(st: GateState): void {
  const t = performance.now();
  // Only one round in a row: the loop read its sockets since the round skipped, and summaries are not put off forever
  // on a machine that keeps every timer late.
  const late = t - st.lastSweep > 2 * SUMMARY_SWEEP_MS && !st.skipped;
  st.lastSweep = t;
  st.skipped = late;
  if (late) notePending(st);
  else writeSummaries(st, false);
}

function writeSummaries(st: GateState, all: boolean): void {
  const due = st.gate.due(st.now(), all);
  for (const e of summaryEvents(due)) st.sink.record(e);
  if (due.length > 0) st.changed = true;
  notePending(st);
  if (!st.gate.pending && st.timer !== undefined) {
    clearInterval(st.timer);
    st.timer = undefined;
  }
}

/**
 * Writes the summaries of every refusal left out and not yet carried (the audit log's stop calls it before it
 * drains), and stops the timer. Nothing pending, or no gate for this sink: nothing.
 */
export function flushAuthFailureSummaries(sink: object): void {
  const st = gates.get(sink);
  if (st !== undefined) writeSummaries(st, true);
}

/**
 * Records a request refused at authentication, unless the flood gate leaves it out (then it is counted, and carried
 * as `suppressed` by the next record from that address, or summarised once the address is quiet or forgotten). The
 * owner is resolved for a record that is made, and for a refusal left out (its summary names the owner, review kp1):
 * from memory, as the refusal's own check of the key did.
 */
export function recordAuthFailure(ctx: AuthFailureContext, f: AuthFailure, limits: FloodLimits = DEFAULT_FLOOD_LIMITS): void {
  const sink: Pick<AuditSink, 'record'> | undefined = ctx.deps.audit;
  // Our own failure to check the credential (the store unreachable) is not the caller's failure to authenticate.
  if (sink === undefined || NOT_REFUSALS.has(f.code)) return;
  const ownerOf = (): KeyOwner | undefined => f.owner ?? keyOwner(ctx, f.accessKeyId, f.sessionToken);
  const admitted = admitAuthFailure(ctx.deps, f.sourceIp, limits, { code: f.code, action: f.action, accessKeyId: f.accessKeyId, owner: ownerOf });
  if (!admitted.record) return;
  sink.record(authFailureEvent(f, ownerOf(), admitted.suppressed));
}

/**
 * The flood gate alone, for refusals of an unauthenticated caller recorded in their own shape: a refused
 * `AssumeRoleWithWebIdentity` (unsigned; its token is the credential) is a `session` record, under the same
 * per-address and global limits as the records above. Left out: counted in the metric, carried by the address's next
 * record (of either kind) as `suppressed`, or summarised in a record of its own when the address goes quiet or is
 * forgotten (written by a timer, off the request path). No sink: nothing to admit.
 */
export function admitAuthFailure(deps: Pick<AppDeps, 'audit' | 'now' | 'metrics'>, sourceIp: string, limits: FloodLimits = DEFAULT_FLOOD_LIMITS, refused?: Refused): Admission {
  // `refused`: what a summary of this address's refusals left out lists (the AWS error code, the action, the key id).
  const sink = deps.audit;
  if (sink === undefined) return { record: false };
  let st = gates.get(sink);
  if (st === undefined) {
    const keep = (sink as { notePending?: (events: readonly ReturnType<typeof authFailureSummaryEvent>[]) => void }).notePending;
    st = { gate: createFloodGate(limits, () => deps.now()), sink, now: () => deps.now(), timer: undefined, lastSweep: 0, skipped: false, note: typeof keep === 'function' ? keep.bind(sink) : undefined, changed: false, noted: false };
    gates.set(sink, st);
  }
  // What was refused, for a summary: bounded, a code that is not a code `Unknown`, a key id only if shaped as one.
  const what = refused === undefined ? undefined : { code: CODE.test(refused.code) ? refused.code : 'Unknown', action: cut(refused.action, MAX_ACTION), accessKeyId: refused.accessKeyId !== undefined && KEY_ID.test(refused.accessKeyId) ? refused.accessKeyId : undefined, owner: refused.owner, ...(refused.resource !== undefined ? { resource: cut(refused.resource, MAX_RESOURCE) } : {}), ...(refused.cluster !== undefined ? { cluster: cut(refused.cluster, MAX_RESOURCE) } : {}), ...(refused.kind === 'session' ? { kind: 'session' as const } : {}) };
  const admitted = st.gate.admit(sourceIp, what);
  if (!admitted.record || admitted.suppressed > 0) st.changed = true;
  if (!admitted.record) deps.metrics?.authFailuresSuppressed?.();
  // The first refusal left out is kept against a hard stop at once; later ones by the sweep (a quarter second). A
  // record carrying the count takes it out of the note at once too, before that record is queued: left there until the
  // sweep, a kill after the record was committed had the next start append the note's summary as well, counting those
  // refusals twice (review lw, 2).
  if ((!admitted.record && !st.noted) || (admitted.record && admitted.suppressed > 0 && st.noted)) notePending(st);
  if (st.gate.pending && st.timer === undefined) {
    const state = st;
    state.lastSweep = performance.now();
    state.timer = setInterval(() => sweep(state), SUMMARY_SWEEP_MS);
    state.timer.unref();
  }
  return admitted;
}

/**
 * The access key id and session token a signed request claims, read without parsing the rest (for a request the
 * SigV4 parser refused, e.g. its time outside the window): `Credential=<id>/…` (SigV4) or `AWS <id>:` (SigV2) of the
 * Authorization header, else the `X-Amz-Credential` (or SigV2 `AWSAccessKeyId`) and `X-Amz-Security-Token` query
 * parameters. Undefined where absent or not shaped as a key id.
 */
export function claimedCredential(authorization: string | undefined, securityTokenHeader: string | undefined, rawQuery: string): { accessKeyId?: string; sessionToken?: string } {
  let accessKeyId: string | undefined;
  let sessionToken = securityTokenHeader;
  if (authorization !== undefined) {
    // SigV4 `Credential=<id>/<scope>`, or SigV2 (S3) `AWS <id>:<signature>` (the signature is not kept).
    const head = authorization.slice(0, 4096);
    accessKeyId = (/Credential=([^/,\s]{1,128})\//.exec(head) ?? /^AWS ([^:\s]{1,128}):/.exec(head))?.[1];
  } else if (rawQuery !== '') {
    for (const part of rawQuery.slice(0, 16_384).split('&')) {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      let value: string;
      try {
        value = decodeURIComponent((eq < 0 ? '' : part.slice(eq + 1)).replace(/\+/g, ' '));
      } catch {
        continue;
      }
      if (name === 'X-Amz-Credential') accessKeyId = value.split('/')[0];
      else if (name === 'AWSAccessKeyId') accessKeyId = value;
      else if (name === 'X-Amz-Security-Token') sessionToken = value;
    }
  }
  return {
    ...(accessKeyId !== undefined && KEY_ID.test(accessKeyId) ? { accessKeyId } : {}),
    ...(sessionToken !== undefined && sessionToken !== '' ? { sessionToken } : {}),
  };
}
