/**
 * OpenID Connect, both ways.
 *
 * - **Gatehouse as an issuer** of workload identity tokens (jobs, pods): ES256 signing keys created on first
 *   start, kept in the store's key/value table sealed under the master key (so every instance signs with the
 *   same keys and publishes the same JWKS), and `issueWorkloadToken`. The discovery document and the JWKS
 *   are served by adapters/http/oidc.ts.
 * - **Registered OIDC providers** per account (the IAM `*OpenIDConnectProvider` actions), with
 *   ARN `arn:aws:iam::<account>:oidc-provider/<host/path>`, kept as JSON under `oidc-provider/<account>/<host/path>`.
 *   The provider's JWKS comes from OIDC discovery at registration (`<url>/.well-known/openid-configuration`,
 *   its `issuer` checked, then its `jwks_uri`), or inline (`JwksJson`) for issuers the server cannot reach.
 *   A discovered JWKS has a lifetime: the `Cache-Control` max-age of the issuer's JWKS answer, less its `Age`, within
 *   `JWKS_LIFETIME` (5 s to 24 h; 1 h when it gives none). The current set, with the time it was fetched, is kept in
 *   the provider's record in the store, so every instance and every restart sees the keys the issuer publishes now
 *   (a withdrawn key stops opening sessions within one lifetime). Past 80% of its lifetime a set is read again in
 *   the background; past its lifetime a token is verified only after it has been read again, and is refused
 *   (fail closed, `IDP_COMMUNICATION_ERROR`, as AWS STS answers) when the issuer cannot be reached. A token naming a key the set lacks
 *   (the issuer rotated), a token naming none that no key of the set fits or verifies (review ks, 4; na, 2), or one naming a
 *   key of the set that does not verify it (the key replaced under its `kid`, review qw, 4), makes it read again, at
 *   most every 5 s per provider and instance; a read of the issuer within those 5 s for another provider of its URL
 *   (another account's) is taken as this one's (review vc, 2).
 * - **`AssumeRoleWithWebIdentity`**: the token verified against the provider of its `iss` in the role's
 *   account (signature, issuer, `aud` among the client ids and `azp`, when it has one, too; `exp` with AWS's 5 min of
 *   skew, `nbf` with 30 s, `iat` not further ahead),
 *   then the role's trust policy decides for principal `{Federated: <provider ARN>}` and action
 *   `sts:AssumeRoleWithWebIdentity`, with `<host/path>:aud` (the token's `azp` when it has one, as AWS), `:oaud` (its
 *   audiences, when it has `azp`), `:sub` and `:amr` in the context (credential-protocols §5; reference §A.1.9). Session
 *   tags and a source identity the token carries (`https://aws.amazon.com/tags`, `…/source_identity`) go to the session
 *   as AssumeRole's parameters would, the trust policy allowing `sts:TagSession` and `sts:SetSourceIdentity` too.
 */
import { openSealedRecord, parseSealedRecord } from './sealed-record.ts';
import { failWith, ok, type Result } from '../core/errors.ts';
import { shownGivenUrl } from '../core/shown-url.ts';
import { compilePolicy, contextOf, evaluate, isoSeconds, otherProviderSpelling, parsePolicy, type Principal } from '../core/iam/index.ts';
import { adminService, checkTagKeys, checkTags, isTagCountRefusal, mergeTags, shortName, type Partition, type Tag } from '../core/directory/rules.ts';
import { characters, checkAssumeRoleParams, DURATION, LIMITS, packedPolicyPercent, parseRoleArn, roleArnLengthProblem, roleArnOf, sessionArn, sessionTagProblem, SOURCE_IDENTITY_RE } from '../core/sts/session.ts';
import { admitAuthFailure, awsCodeOf, type KeyOwner } from './auth-failures.ts';
import { withEncodedMessage } from './authz-message.ts';
import type { AppDeps, JwkSet, OidcCrypto, SigningKeyData } from './deps.ts';
import { awsResourceTags, requestTagContext, tagKeysContext, tagKeySpellings, visiblePolicy, withPolicyTagKeySpellings } from './directory.ts';
import { accessDenied, actorOf, authorizeAdmin, cachedTrust, explanationOf, partitionOf, requestFactKeys, requestIdFrom, tagKeyLiterals, type Caller, type PolicyCache } from './principals.ts';
import { isStoreOutcomeUnknown, type ReadTx, type SealedSecret } from './ports/store.ts';
import { sessionPolicyRefusal, withStoredPolicyArns, type IssuedCredentials, type RequestFacts, type Sts } from './sts.ts';
import { forgetProvider } from './bindings.ts';
import { PROVIDER_ARN_RE, PROVIDER_PREFIX, providerKey } from './oidc-provider-keys.ts';
import { refusedRequest } from './refused-request.ts';

export { PROVIDER_PREFIX };

export const ISSUER_KEYS_KV = 'oidc-issuer/keys';
/** Tolerance on `exp` and `nbf` of presented tokens. */
export const TOKEN_SKEW_SECONDS = 30;
/**
 * How long past its `exp` AssumeRoleWithWebIdentity still takes a token: AWS STS's five minutes ("IAM provides a
 * five-minute window beyond the expiration time specified in the JWT to account for clock skew", IAM User Guide, "OIDC
 * federation"; review gj, 2). Alibaba documents no such window for AssumeRoleWithOIDC, which keeps `TOKEN_SKEW_SECONDS`.
 */
export const WEB_IDENTITY_EXPIRY_SKEW_SECONDS = 300;
/**
 * The signature algorithms AssumeRoleWithWebIdentity takes, and only these (STS API reference, `WebIdentityToken`: "Tokens
 * must be signed using either RSA keys (RS256, RS384, or RS512) or ECDSA keys (ES256, ES384, or ES512)"; review ks, 1).
 * The verifier knows more (PS256…PS512, EdDSA), which Alibaba's AssumeRoleWithOIDC, documenting no such list, still takes.
 */
export const WEB_IDENTITY_ALGS: readonly string[] = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'];
/** The token times AWS STS holds to "an integer or a long integer" (STS API reference, `WebIdentityToken`; review ks, 1). */
const WHOLE_SECOND_CLAIMS = ['exp', 'iat', 'nbf'] as const;
export const WORKLOAD_TOKEN_TTL = { min: 60, max: 86_400, default: 3600 } as const;
/** The limits of the IAM API (CreateOpenIDConnectProvider). */
/**
 * `perAccount`: IAM's quota of OIDC providers in an account (OpenIdConnectProvidersPerAccount, IAM User Guide, "IAM and
 * AWS STS quotas"), as Gatehouse holds users, roles and policies to theirs; each provider keeps up to 256 KiB of keys.
 */
export const PROVIDER_LIMITS = { urlChars: 255, clientIds: 100, clientIdChars: 255, thumbprints: 5, perAccount: 100 } as const;
/**
 * How long a discovered JWKS is used: the issuer's `Cache-Control` max-age, at least `min` (an issuer answering
 * `no-store` is asked at most every few seconds, and only while tokens arrive) and at most `max`; `default`
 * when the answer gives no max-age. In ms.
 */
export const JWKS_LIFETIME = { min: 5_000, max: 86_400_000, default: 3_600_000 } as const;
/** Share of the lifetime after which the set is read again in the background (a token still uses the current one). */
const JWKS_REFRESH_AHEAD = 0.8;
/**
 * The key id `keysFor` is asked for when a token without `kid` verifies against no key of the set: a lone NUL, which no
 * issuer's key is expected to carry, so the set is read again as for a key it lacks (review ks, 4; a set holding a key
 * with that id is merely not read again early).
 */
const NO_KID = '\u0000';
/**
 * After a failed read of a stale set, the issuer is asked again at most this often (tokens are refused meanwhile); a
 * token naming a key the set lacks, or naming none that no key verifies, has it read again at most this often too, per
 * provider and instance (`keysFor`).
 */
const JWKS_RETRY_MS = 5_000;
/** Claims `issueWorkloadToken` sets itself. */
const RESERVED_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti']);
const MAX_EXTRA_CLAIMS_CHARS = 8192;

export interface OidcProvider {
  readonly arn: string;
  /** As registered, scheme included; a token's `iss` must equal it. */
  readonly url: string;
  /** The URL without its scheme: the ARN's resource name and the prefix of the condition keys. */
  readonly hostPath: string;
  readonly clientIds: readonly string[];
  readonly thumbprints: readonly string[];
  readonly tags: readonly Tag[];
  readonly created: string;
  readonly jwks: JwkSet;
  readonly jwksSource: 'discovery' | 'inline';
}

/** A provider listed whose stored record cannot be read: its ARN only (review qw, 2). */
export interface UnreadableProvider {
  readonly arn: string;
  readonly hostPath: string;
  readonly unreadable: true;
}

/**
 * What is stored under `oidc-provider/<account>/<host/path>`. A discovered set carries when it was read from the
 * issuer (`fetched`, epoch ms) and for how long it may be used (`lifetime`, ms); a record written before these
 * existed counts as read at its creation with the default lifetime (so it is read again at its first use).
 */
type ProviderRecord = Omit<OidcProvider, 'arn' | 'hostPath'> & { readonly v: 1; readonly fetched?: number; readonly lifetime?: number };

export interface IssuedWorkloadToken {
  /** The signed JWT. */
  readonly token: string;
  readonly issuer: string;
  /** Epoch ms. */
  readonly expiration: number;
}

export interface WebIdentityParams {
  readonly roleArn: string;
  readonly roleSessionName: string;
  readonly webIdentityToken: string;
  readonly durationSeconds?: number;
  readonly policy?: string;
  readonly policyArns: readonly string[];
  /**
   * `ProviderId`, the host of an OAuth 2.0 provider (STS takes Login with Amazon's and Facebook's access tokens with it):
   * held to STS's 4 to 2,048 characters, then not read, since the token verified is an OpenID Connect one (review ks, 3).
   */
  readonly providerId?: string;
}

/**
 * Alibaba Cloud STS's `AssumeRoleWithOIDC` (`Version=2015-04-01`; what `@alicloud/credentials`' OIDC provider sends for
 * ACK's RRSA pods): the caller names the RAM OIDC provider (`acs:ram::<account>:oidc-provider/<host/path>`, a provider
 * registered as for AssumeRoleWithWebIdentity, its name the issuer URL without its scheme), whose URL must be the token's
 * `iss`. The token is verified as AssumeRoleWithWebIdentity's is; the role's trust policy is asked for `sts:AssumeRole`
 * (RAM's action for an OIDC role) by `{Federated: <provider ARN>}`, with RAM's keys `oidc:iss`, `oidc:aud` (the token's
 * audiences the provider lists) and `oidc:sub`. No session tags or source identity are read from the token.
 */
export interface OidcParams {
  readonly oidcProviderArn: string;
  readonly roleArn: string;
  readonly roleSessionName: string;
  readonly oidcToken: string;
  readonly durationSeconds?: number;
  readonly policy?: string;
}

/** Which STS call federates: AWS's, the provider found by the token's `iss`; Alibaba's, the provider named by the caller. */
type Federation = { readonly api: 'AssumeRoleWithWebIdentity' } | { readonly api: 'AssumeRoleWithOIDC'; readonly providerArn: string };

export interface WebIdentityResult {
  readonly credentials: IssuedCredentials;
  readonly assumedRoleId: string;
  readonly arn: string;
  readonly packedPolicySize: number;
  /** The token's `sub`. */
  readonly subject: string;
  /**
   * The ARN of the IAM OIDC provider that verified the token, as AWS STS answers `Provider` for a provider registered in
   * IAM (EKS IRSA, GitHub Actions: `arn:aws:iam::<account>:oidc-provider/<host/path>`); the API reference's "the `iss`"
   * is not what it returns.
   */
  readonly provider: string;
  /** The client id the token was issued to: its `azp` when it has one (which the provider must list), else its `aud` that the provider lists. */
  readonly audience: string;
  /** The token's source identity (`https://aws.amazon.com/source_identity`), which the session keeps. */
  readonly sourceIdentity: string | undefined;
  /** The token's `iss`, its audiences (`aud`), and its `iat` and `exp` (epoch ms, when numeric): Alibaba answers them (`OIDCTokenInfo`). */
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly tokenIssuedAt: number | undefined;
  readonly tokenExpiresAt: number | undefined;
}

/** The claims AWS STS reads session tags and a source identity from (IAM User Guide, "Passing session tags using AssumeRoleWithWebIdentity"). */
export const TAGS_CLAIM = 'https://aws.amazon.com/tags';
export const SOURCE_IDENTITY_CLAIM = 'https://aws.amazon.com/source_identity';

interface CarriedAttributes {
  readonly tags: readonly { readonly key: string; readonly value: string }[];
  readonly transitive: readonly string[];
  readonly sourceIdentity: string | undefined;
}

/**
 * The session tags, transitive tag keys and source identity a verified token carries, as AWS STS reads them:
 * `"https://aws.amazon.com/tags": {"principal_tags": {"Project": ["Automation"]}, "transitive_tag_keys": ["Project"]}`
 * (each tag one value, in a one-element array or as a string) and `"https://aws.amazon.com/source_identity": "alice"`.
 * They follow AssumeRole's rules (at most 50 tags, keys and values in the tag alphabet, no `aws:` or `gatehouse:` key,
 * no key twice in any case, transitive keys among the tags; a source identity of 2-64 of `[\w+=,.@-]`); a token breaking
 * them is refused, saying which claim and why.
 */
function carriedAttributes(claims: Readonly<Record<string, unknown>>): Result<CarriedAttributes> {
  const bad = (why: string) => failWith<CarriedAttributes>('INVALID_IDENTITY_TOKEN', `The web identity token is invalid: ${why}`);
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const tags: { key: string; value: string }[] = [];
  let transitive: string[] = [];
  const raw = claims[TAGS_CLAIM];
  if (raw !== undefined) {
    const shape = `its \`${TAGS_CLAIM}\` claim must be an object \`{"principal_tags": {"<key>": ["<value>"]}, "transitive_tag_keys": ["<key>"]}\``;
    if (!isObject(raw)) return bad(shape);
    const principalTags = raw['principal_tags'];
    const transitiveKeys = raw['transitive_tag_keys'];
    if (principalTags !== undefined && !isObject(principalTags)) return bad(shape);
    if (transitiveKeys !== undefined && (!Array.isArray(transitiveKeys) || transitiveKeys.some((k) => typeof k !== 'string'))) return bad(shape);
    for (const [key, v] of Object.entries(principalTags ?? {})) {
      const value = typeof v === 'string' ? v : Array.isArray(v) && v.length === 1 && typeof v[0] === 'string' ? v[0] : undefined;
      if (value === undefined) return bad(`session tag \`${key.slice(0, 128)}\` of its \`${TAGS_CLAIM}\` claim must have one string value (\`["<value>"]\`)`);
      tags.push({ key, value });
    }
    transitive = (transitiveKeys ?? []) as string[];
  }
  if (tags.length > LIMITS.tags) return bad(`its \`${TAGS_CLAIM}\` claim carries ${tags.length} session tags, more than the ${LIMITS.tags} a session may have`);
  const seen = new Set<string>();
  for (const [i, t] of tags.entries()) {
    const problem = sessionTagProblem(t, i);
    if (problem !== undefined) return bad(`a session tag of its \`${TAGS_CLAIM}\` claim is refused: ${problem}`);
    if (seen.has(t.key.toLowerCase())) return bad(`its \`${TAGS_CLAIM}\` claim names session tag \`${t.key}\` twice (tag keys are case-insensitive)`);
    seen.add(t.key.toLowerCase());
  }
  if (transitive.length > LIMITS.transitive) return bad(`its \`${TAGS_CLAIM}\` claim names more than ${LIMITS.transitive} transitive tag keys`);
  const stray = transitive.find((k) => !seen.has(k.toLowerCase()));
  if (stray !== undefined) return bad(`transitive tag key \`${stray.slice(0, 128)}\` of its \`${TAGS_CLAIM}\` claim is not among its \`principal_tags\``);
  const sourceIdentity = claims[SOURCE_IDENTITY_CLAIM];
  if (sourceIdentity !== undefined && (typeof sourceIdentity !== 'string' || !SOURCE_IDENTITY_RE.test(sourceIdentity))) {
    return bad(`its \`${SOURCE_IDENTITY_CLAIM}\` claim must be 2-64 characters of letters, digits and \`_+=,.@-\``);
  }
  return ok({ tags, transitive: [...new Set(transitive)], sourceIdentity });
}

/** Tags as a record; defined, not assigned, so that a key `__proto__` is a tag like any other (review K, K6). */
function tagRecord(tags: readonly { readonly key: string; readonly value: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags) Object.defineProperty(out, t.key, { value: t.value, enumerable: true, writable: true, configurable: true });
  return out;
}

/**
 * A token's NumericDate claim (`iat`, `exp`) as epoch ms, when it is one a date can hold (ECMAScript's ±8.64e15 ms):
 * a token verifies with `exp` 10^13 (an issuer writing milliseconds, a "never expires" sentinel), and formatting such a
 * time for Alibaba's `OIDCTokenInfo` threw after the session was issued, answering 500 for credentials it had recorded
 * as given (review it, 5). Undefined otherwise, as for a token without the claim.
 */
function tokenTime(seconds: unknown): number | undefined {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return undefined;
  const ms = seconds * 1000;
  return Math.abs(ms) <= 8.64e15 ? ms : undefined;
}

/** The IssuanceLimitTime Alibaba's OIDC providers take unless set (RAM CreateOIDCProvider: 1 to 168 hours, default 12). */
const ALIBABA_ISSUANCE_LIMIT_HOURS = 12;

/** How many whole seconds a token's `iat` is ahead of `nowMs` (0 when it is not, or has no numeric `iat`). */
function issuedAheadSeconds(iat: unknown, nowMs: number): number {
  return typeof iat === 'number' && Number.isFinite(iat) ? Math.max(0, Math.floor(iat - nowMs / 1000)) : 0;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Why `raw` cannot be an issuer URL as written, or undefined: it holds white space or a control character (U+0000 to
 * U+0020, U+007F to U+009F). The URL parser drops them at the ends and tabs and newlines anywhere, so the URL it reads is
 * not the one written, which a token's `iss` (and a discovery document's `issuer`) must equal; no issuer URL holds one
 * (review qw, 3: `" https://h "` answered 500, `https://h<TAB>x` took provider name `hx`, and an issuer URL setting
 * ending in a newline made every token's `iss` end in one).
 */
export function strayCharacter(raw: string): string | undefined {
  const i = raw.search(/[\u0000-\u0020\u007f-\u009f]/);
  if (i < 0) return undefined;
  return `holds white space or a control character (U+${(raw.charCodeAt(i)).toString(16).toUpperCase().padStart(4, '0')} at character ${i + 1})`;
}

/**
 * A provider or issuer URL: `https://host[:port][/path]`, or `http://` on a loopback address (a test or a
 * single-machine setup; a JWKS fetched in clear from anywhere else could be swapped on the way). `hostPath` is the
 * URL without its scheme, a trailing `/` kept as AWS keeps it (`https://tenant.auth0.com/` is provider
 * `oidc-provider/tenant.auth0.com/`, keys `tenant.auth0.com/:sub`), so `https://h/x` and `https://h/x/` are two providers.
 */
export function parseIssuerUrl(raw: string, field = 'Url'): Result<{ url: string; hostPath: string; read: string }> {
  if (raw.length < 1 || raw.length > PROVIDER_LIMITS.urlChars) return failWith('VALIDATION_ERROR', `${field} must be 1–${PROVIDER_LIMITS.urlChars} characters`, field);
  // A refused URL is shown as every other one Gatehouse refuses: its password, query and fragment left out (review qz,
  // 3: `https://ci:PASSWORD@…` and `?token=…` were echoed whole, into whatever prints the answer).
  const shown = shownGivenUrl(raw);
  const stray = strayCharacter(raw);
  if (stray !== undefined) return failWith('INVALID_INPUT', `${field} ${JSON.stringify(shown)} ${stray}: give the issuer exactly as its tokens' \`iss\` spells it`, field);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return failWith('INVALID_INPUT', `${field} \`${shown}\` is not a URL: give the issuer as https://host/path`, field);
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && LOOPBACK.test(u.hostname))) {
    return failWith('INVALID_INPUT', `${field} \`${shown}\` must begin with https:// (http:// only for a loopback address)`, field);
  }
  if (u.username || u.password || u.search || u.hash || raw.includes('?') || raw.includes('#')) {
    return failWith('INVALID_INPUT', `${field} \`${shown}\` must not carry credentials, a query or a fragment${shown === raw ? '' : ' (shown without its password, query and fragment)'}`, field);
  }
  // `new URL` gives `https://h` the path `/`: only a slash written after the host is kept.
  const path = u.pathname === '/' ? (raw.endsWith('/') ? '/' : '') : u.pathname;
  return ok({ url: raw, hostPath: `${u.host.toLowerCase()}${path}`, read: `${u.protocol}//${u.host}${path}` });
}

/**
 * Why `raw`, a URL `parseIssuerUrl` took, cannot be registered as written, or undefined: the parser reads it otherwise
 * (scheme or host in capitals, a default port, dot segments, a backslash, characters it escapes). The provider is named
 * by the URL as read (its ARN, its `<host/path>:` keys) and is the URL as written (a token's `iss`, `ram:OidcIssuerUrl`),
 * so such a URL registered a provider under another issuer's name: a principal kept from registering the production
 * issuer by a guardrail on `ram:OidcIssuerUrl` registered it spelled `HTTPS://…` with keys of its own (review vc, 3).
 */
export function issuerSpelledOtherwise(raw: string, read: string, field = 'Url'): string | undefined {
  if (raw === read) return undefined;
  return `${field} \`${shownGivenUrl(raw)}\` is read as \`${read}\` (scheme and host in small letters, no default port, no \`.\` or \`..\` segments): give the issuer exactly as its tokens' \`iss\` spells it, which is that`;
}

/**
 * Why `url` cannot be this deployment's issuer URL (`setIssuer`), or undefined when it can: an http(s):// URL without
 * credentials, query or fragment, at most 255 characters (trailing `/` dropped). Pure, so that `gatehouse server`
 * checks GATEHOUSE_ISSUER_URL with its other settings, before it makes or opens anything (review ja, 2). The URL is
 * shown without its user name and password: a URL given with them by mistake is not written to the log.
 */
export function issuerUrlRefusal(url: string): string | undefined {
  const stray = strayCharacter(url);
  if (stray !== undefined) {
    // Shown as JSON, so that the character is seen; without what precedes an `@` (a user name and password), as below.
    const shown = url.includes('@') ? `***@${url.slice(url.lastIndexOf('@') + 1)}` : url;
    return `issuer URL ${JSON.stringify(shown.length > 300 ? `${shown.slice(0, 300)}…` : shown)} ${stray}: give it exactly as relying parties register it`;
  }
  const trimmed = url.replace(/\/+$/, '');
  let u: URL | undefined;
  try {
    u = new URL(trimmed);
  } catch {
    u = undefined;
  }
  if (u && (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password && !u.search && !u.hash && trimmed.length <= PROVIDER_LIMITS.urlChars) return undefined;
  let shown = url;
  if (u && (u.username || u.password)) {
    u.username = '';
    u.password = '';
    shown = `${u.protocol}//***@${u.href.slice(u.protocol.length + 2)}`;
  } else if (!u && url.includes('@')) shown = `***@${url.slice(url.lastIndexOf('@') + 1)}`;
  // Its query and fragment left out too, as every URL Gatehouse shows: either may carry a secret (`?token=`), which the
  // refusal put in the terminal and the log (review qz, 6).
  const bare = shown.replace(/[?#][\s\S]*$/, '');
  const cut = bare !== shown;
  shown = bare;
  if (shown.length > 300) shown = `${shown.slice(0, 300)}… (${url.length} characters)`;
  return `issuer URL \`${shown}\` must be an http(s):// URL without credentials, query or fragment, at most ${PROVIDER_LIMITS.urlChars} characters${cut ? ' (shown without its query and fragment)' : ''}`;
}

export function providerArn(partition: Partition, account: string, hostPath: string): string {
  return partition === 'acs' ? `acs:ram::${account}:oidc-provider/${hostPath}` : `arn:aws:iam::${account}:oidc-provider/${hostPath}`;
}

/**
 * Where a provider whose URL ends in `/` was kept before the slash was part of its name (ARN `…/h/x`, keys `h/x:sub`):
 * such a provider keeps that ARN and those keys (its trust policies name them) and is still found by its URL.
 */
const legacyHostPath = (hostPath: string): string | undefined => (hostPath.endsWith('/') ? hostPath.slice(0, -1) : undefined);

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function createOidc(deps: AppDeps, sts: Sts, cache: PolicyCache) {
  const now = (): number => deps.now();
  let issuer: string | undefined;
  /** Newest first; the first signs. */
  let keys: readonly SigningKeyData[] = [];
  let loadedFrom: string | undefined;
  /**
   * The last read of each discovered provider's JWKS by this instance (by provider ARN and creation): when it
   * started, and whether it worked (false until it did). Noted before the request goes out, so the calls that
   * arrive while it runs see it.
   */
  const attempts = new Map<string, { at: number; ok: boolean; message?: string }>();
  /** The read in flight per provider: every call that needs the keys meanwhile waits for it (one request to the issuer). */
  const inflight = new Map<string, Promise<JwkSet | undefined>>();
  /**
   * The last read of each issuer URL by this instance, shared by every provider of that URL (one per account that
   * registered it): a provider whose set is to be read again within `JWKS_RETRY_MS` of one (or while it runs) takes what
   * it read. Per provider only, a made-up `kid` sent once to every account that registered a shared issuer (GitHub
   * Actions') had it read once per account every 5 s (review vc, 2). `at`: when its answer came.
   */
  const issuerReads = new Map<string, { readonly started: number; at?: number; readonly read: Promise<Awaited<ReturnType<OidcCrypto['fetchJwks']>>> }>();

  const unavailable = <T>(): Result<T> => failWith<T>('SERVICE_UNAVAILABLE', 'OIDC is not configured on this server (no JWT adapter wired)');
  const port = (): OidcCrypto | undefined => deps.oidc;

  async function loadKeys(): Promise<void> {
    const sealed = await deps.store.read((tx) => tx.kv.get(ISSUER_KEYS_KV));
    if (sealed === undefined || sealed === loadedFrom) return;
    const text = openSealedRecord(deps.sealer, sealed, ISSUER_KEYS_KV, 'the OIDC signing keys');
    keys = parseSealedRecord(text, ISSUER_KEYS_KV, 'the OIDC signing keys', (t) => {
      const v: unknown = JSON.parse(t);
      if (!Array.isArray(v)) throw new Error('not a list of keys');
      return v as SigningKeyData[];
    }).sort((a, b) => b.created - a.created);
    loadedFrom = sealed;
  }

  /** Creates the signing key on first start (once across instances: the write re-checks), then loads it. */
  async function start(): Promise<void> {
    const o = port();
    if (!o) return;
    if ((await deps.store.read((tx) => tx.kv.get(ISSUER_KEYS_KV))) === undefined) {
      const fresh = await o.newSigningKey(now());
      await deps.store.write(async (tx) => {
        if ((await tx.kv.get(ISSUER_KEYS_KV)) === undefined) await tx.kv.put(ISSUER_KEYS_KV, deps.sealer.seal(JSON.stringify([fresh]), ISSUER_KEYS_KV));
      });
    }
    await loadKeys();
  }

  /**
   * The issuer URL (`iss` of the tokens, base of the discovery document): the server's public URL, the same
   * on every instance behind a load balancer. Plain `http://` is accepted here (the relying party decides
   * whether it fetches keys in clear; Gatehouse itself does so only on loopback).
   */
  function setIssuer(url: string): Result<string> {
    const refused = issuerUrlRefusal(url);
    if (refused !== undefined) return failWith('INVALID_INPUT', refused);
    issuer = url.replace(/\/+$/, '');
    return ok(issuer);
  }

  /** The published key set: the public half of every signing key (older ones verify tokens still live). */
  function jwks(): JwkSet {
    const o = port();
    return { keys: o ? keys.map((k) => o.publicJwk(k)) : [] };
  }

  /**
   * Issues a workload identity token: `iss` this server, `sub`, `aud`, `iat`/`nbf` now, `exp` after
   * `ttlSeconds` (60–86,400, default 3,600), a random `jti`, and any extra claims (not the registered ones).
   */
  async function issueWorkloadToken(input: { subject: string; audience: string | readonly string[]; ttlSeconds?: number; claims?: Readonly<Record<string, unknown>> }): Promise<Result<IssuedWorkloadToken>> {
    const o = port();
    if (!o) return unavailable();
    if (issuer === undefined) return failWith('SERVICE_UNAVAILABLE', 'the issuer URL is not known yet: the server sets it once it listens');
    if (keys.length === 0) await loadKeys();
    const key = keys[0];
    if (!key) return failWith('SERVICE_UNAVAILABLE', 'no OIDC signing key yet: start the app first');
    if (typeof input.subject !== 'string' || input.subject.length < 1 || input.subject.length > 255) return failWith('VALIDATION_ERROR', 'subject must be 1–255 characters', 'subject');
    const audiences = typeof input.audience === 'string' ? [input.audience] : [...input.audience];
    if (audiences.length < 1 || audiences.length > 10 || audiences.some((a) => typeof a !== 'string' || a.length < 1 || characters(a) > PROVIDER_LIMITS.clientIdChars)) {
      return failWith('VALIDATION_ERROR', 'audience must be 1–10 client ids of 1–255 characters', 'audience');
    }
    const ttl = input.ttlSeconds ?? WORKLOAD_TOKEN_TTL.default;
    if (!Number.isInteger(ttl) || ttl < WORKLOAD_TOKEN_TTL.min || ttl > WORKLOAD_TOKEN_TTL.max) {
      return failWith('VALIDATION_ERROR', `ttlSeconds must be an integer from ${WORKLOAD_TOKEN_TTL.min} to ${WORKLOAD_TOKEN_TTL.max}, got \`${String(ttl)}\``, 'ttlSeconds');
    }
    const extra = input.claims ?? {};
    const reserved = Object.keys(extra).find((k) => RESERVED_CLAIMS.has(k));
    if (reserved !== undefined) return failWith('VALIDATION_ERROR', `claim \`${reserved}\` is set by the issuer; pass subject, audience and ttlSeconds instead`, `claims.${reserved}`);
    if (JSON.stringify(extra).length > MAX_EXTRA_CLAIMS_CHARS) return failWith('VALIDATION_ERROR', `extra claims exceed ${MAX_EXTRA_CLAIMS_CHARS} characters of JSON`, 'claims');
    const iat = Math.floor(now() / 1000);
    const exp = iat + ttl;
    const token = await o.sign(key, { ...extra, iss: issuer, sub: input.subject, aud: audiences.length === 1 ? audiences[0] : audiences, iat, nbf: iat, exp, jti: base64url(deps.randomBytes(16)) });
    return ok({ token, issuer, expiration: exp * 1000 });
  }

  // ------------------------------------------------------------------------------------------------
  // Registered providers (IAM API)

  const toProvider = (account: string, partition: Partition, hostPath: string, r: ProviderRecord): OidcProvider => ({
    arn: providerArn(partition, account, hostPath),
    url: r.url,
    hostPath,
    clientIds: r.clientIds,
    thumbprints: r.thumbprints,
    tags: r.tags,
    created: r.created,
    jwks: r.jwks,
    jwksSource: r.jwksSource,
  });

  function readRecord(text: string | undefined): ProviderRecord | undefined {
    if (text === undefined) return undefined;
    try {
      const r = JSON.parse(text) as ProviderRecord;
      return r.v === 1 ? r : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The refusal of a provider whose stored record is not the JSON the server writes (a database restored or edited by
   * hand): it is no provider (its tokens are refused) until it is deleted and registered again (review qw, 2; the rule
   * of records that cannot be read, docs/decisions.md).
   */
  const unreadableProvider = <T>(c: Caller, arn: string, hostPath: string): Result<T> =>
    failWith<T>('NO_SUCH_ENTITY', `OpenIDConnect provider \`${arn}\` cannot be read: its stored record \`${providerKey(c.account, hostPath)}\` is not the JSON the server writes, so it is no provider (its tokens are refused) until it is replaced: delete it (DeleteOpenIDConnectProvider) and register it again.`);

  /**
   * A client id outside 1-255 characters is a malformed parameter (ValidationError); more than 100 on a provider is IAM's
   * quota, LimitExceeded (409), as IAM answers the 101st (review it, 3: it was ValidationError, "may hold at most").
   */
  function checkClientIds(ids: readonly string[], field = 'ClientIDList'): { code: 'VALIDATION_ERROR' | 'LIMIT_EXCEEDED'; message: string } | undefined {
    // In characters, as IAM counts them (review pw, 3; STS's parameters alike, review ow, 2): a client id of 128 characters
    // above U+FFFF (256 UTF-16 units) was refused, one IAM takes.
    for (const id of ids) if (id.length < 1 || characters(id) > PROVIDER_LIMITS.clientIdChars) return { code: 'VALIDATION_ERROR', message: `${field}: a client id is 1–${PROVIDER_LIMITS.clientIdChars} characters` };
    if (ids.length > PROVIDER_LIMITS.clientIds) {
      return { code: 'LIMIT_EXCEEDED', message: `Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${PROVIDER_LIMITS.clientIds}: an OIDC provider holds at most ${PROVIDER_LIMITS.clientIds} client ids (${ids.length} asked); remove one it no longer needs (RemoveClientIDFromOpenIDConnectProvider) first` };
    }
    return undefined;
  }

  function checkThumbprints(t: readonly string[]): string | undefined {
    if (t.length > PROVIDER_LIMITS.thumbprints) return `ThumbprintList may hold at most ${PROVIDER_LIMITS.thumbprints} thumbprints`;
    for (const x of t) if (!/^[0-9a-fA-F]{40}$/.test(x)) return `thumbprint \`${shortName(x)}\` is not 40 hexadecimal digits (the SHA-1 of a certificate)`;
    return undefined;
  }

  /** The caller's own provider named by `arn` (another account's is as absent as a missing one). */
  function parseArn(c: Caller, arn: string): Result<{ hostPath: string; arn: string }> {
    // The IAM API reference's bound (20 to 2,048 characters), before anything reads, echoes or records the value: an ARN
    // of any length was decided, refused naming it whole and recorded whole in the audit log (review fx, 5).
    if (arn.length < 20 || arn.length > 2048) {
      return failWith('VALIDATION_ERROR', `1 validation error detected: Value at 'openIDConnectProviderArn' failed to satisfy constraint: Member must have length ${arn.length < 20 ? 'greater than or equal to 20' : 'less than or equal to 2048'}`, 'OpenIDConnectProviderArn');
    }
    const m = PROVIDER_ARN_RE.exec(arn);
    if (!m || m[1] !== c.account) return failWith('NO_SUCH_ENTITY', `OpenIDConnect provider \`${arn}\` does not exist in account ${c.account}.`, 'OpenIDConnectProviderArn');
    const hostPath = m[2] as string;
    return ok({ hostPath, arn: providerArn(c.partition, c.account, hostPath) });
  }

  /** RAM's condition key of its OIDC provider operations: the provider's issuer URL (RAM's CreateOIDCProvider, UpdateOIDCProvider). */
  const ISSUER_URL_KEY = 'ram:OidcIssuerUrl';

  /** A provider as the audit log shows it: its settings and the ids of its keys (public keys, kept by id). */
  const providerView = (r: ProviderRecord) => ({ url: r.url, clientIds: r.clientIds, thumbprints: r.thumbprints, tags: r.tags, jwksSource: r.jwksSource, keyIds: r.jwks.keys.map((k) => k.kid ?? null) });

  /**
   * A change to a provider, recorded as the directory's changes are (who, what, before and after): adding an
   * identity provider one controls is a way to keep access, so it is never unrecorded. Refusals are recorded too. Under
   * the account's service, as its authorization asks and the directory's changes are recorded (`ram:` in an `acs`
   * account): it was `iam:` in every account, so `audit query --action ram:CreateOpenIDConnectProvider` found nothing
   * (review qr, 3).
   */
  function recordChange(c: Caller, action: string, arn: string, r: Result<unknown>, change?: { before: unknown; after: unknown }, request?: unknown): void {
    if (!deps.audit) return;
    const error = r.ok ? undefined : r.errors[0];
    deps.audit.record({
      kind: 'change',
      account: c.account,
      ...actorOf(c),
      action: `${adminService(c.partition)}:${action}`,
      resource: arn,
      decision: error ? error.code : 'ok',
      // A refusal's request whole only up to a bound: the tags and client ids are checked after the permission (review gm, 4).
      detail: { ...(request !== undefined ? { request: r.ok ? request : refusedRequest(request) } : {}), ...(r.ok && change ? change : {}), ...(error ? { error: error.message } : {}) },
    });
  }

  /**
   * `write`, the transaction of a provider's change: one whose COMMIT answer was lost (it may or may not have been made)
   * is recorded `OUTCOME_UNKNOWN` before the error goes on, with the request, the before and after it committed if it
   * did, and the error, as the directory's changes are (review aa11). It went past `recordChange`, and a provider that
   * roles trust was registered, changed or removed without a record (review fw, 3).
   */
  async function committing<T>(c: Caller, action: string, arn: string, request: unknown, change: () => { before: unknown; after: unknown } | undefined, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (e) {
      if (deps.audit && isStoreOutcomeUnknown(e)) {
        deps.audit.record({
          kind: 'change',
          account: c.account,
          ...actorOf(c),
          action: `${adminService(c.partition)}:${action}`,
          resource: arn,
          decision: 'OUTCOME_UNKNOWN',
          detail: { ...(request !== undefined ? { request } : {}), ...(change() ?? {}), error: e.message },
        });
      }
      throw e;
    }
  }

  async function createProvider(
    c: Caller,
    input: { url: string; clientIds: readonly string[]; thumbprints?: readonly string[]; tags?: readonly Tag[]; jwks?: string | unknown },
  ): Promise<Result<OidcProvider>> {
    const o = port();
    if (!o) return unavailable();
    const u = parseIssuerUrl(input.url);
    if (!u.ok) return u;
    const otherwise = issuerSpelledOtherwise(u.value.url, u.value.read);
    if (otherwise !== undefined) return failWith('INVALID_INPUT', otherwise, 'Url');
    const thumbprints = [...(input.thumbprints ?? [])];
    const tags = [...(input.tags ?? [])];
    const clientIds = [...new Set(input.clientIds)];
    const badIds = checkClientIds(clientIds);
    if (badIds) return failWith(badIds.code, badIds.message, 'ClientIDList');
    const bad = checkThumbprints(thumbprints) ?? checkTags(tags, [], c.partition);
    if (bad) return failWith('VALIDATION_ERROR', bad);
    const arn = providerArn(c.partition, c.account, u.value.hostPath);
    const request = { url: u.value.url, clientIds, thumbprints, tags, jwks: input.jwks !== undefined ? 'inline' : 'discovery' };
    // `aws:TagKeys` in the spellings the caller's policies compare it with too, as for users and roles (review X, X1): a
    // Deny on `CostCenter` was evaded with `costcenter`, which `aws:ResourceTag/CostCenter` then reads (review fx, 2).
    const tagContext = withPolicyTagKeySpellings(c, requestTagContext(tags));
    // RAM's condition key of its OIDC provider operations, the issuer URL (review qr, 6): a RAM policy lets someone
    // register the company's IdP only with it, and without it such an Allow never held, such a Deny refused every URL.
    const a = authorizeAdmin(c, now(), 'CreateOpenIDConnectProvider', arn, { ...tagContext, [ISSUER_URL_KEY]: u.value.url });
    if (!a.ok) return (recordChange(c, 'CreateOpenIDConnectProvider', arn, a, undefined, request), a);
    if (tags.length > 0) {
      const t = authorizeAdmin(c, now(), 'TagOpenIDConnectProvider', arn, tagContext);
      if (!t.ok) return (recordChange(c, 'CreateOpenIDConnectProvider', arn, t, undefined, request), t);
    }
    // Under the fail-closed audit policy, nothing changes while the audit log cannot record it; the refusal is recorded
    // (queued and journaled), as the directory's are (review kh, 4).
    const closed = deps.audit?.gate('the directory is not changed');
    if (closed) return (recordChange(c, 'CreateOpenIDConnectProvider', arn, closed, undefined, request), closed);
    const key = providerKey(c.account, u.value.hostPath);
    const exists = () => failWith<OidcProvider>('ENTITY_ALREADY_EXISTS', `Provider with url ${u.value.url} already exists.`);
    const legacy = legacyHostPath(u.value.hostPath);
    const registered = async (tx: ReadTx): Promise<boolean> =>
      (await tx.kv.get(key)) !== undefined || (legacy !== undefined && readRecord(await tx.kv.get(providerKey(c.account, legacy)))?.url === u.value.url);
    // The account's quota (review fx, 4): without one, an account's admin registered providers without end, each with its
    // keys kept in the store and read by every instance. Checked before the issuer is asked for its keys, and again as
    // the provider is written.
    const full = async (tx: ReadTx): Promise<boolean> => (await tx.kv.list(`${PROVIDER_PREFIX}${c.account}/`, { limit: PROVIDER_LIMITS.perAccount })).length >= PROVIDER_LIMITS.perAccount;
    const overQuota = () => failWith<OidcProvider>('LIMIT_EXCEEDED', `Cannot exceed quota for OpenIdConnectProvidersPerAccount: ${PROVIDER_LIMITS.perAccount}`);
    // Every refusal past the permission is recorded, as the transaction's own are: an issuer that cannot be read, a
    // provider already registered and the quota went unrecorded (review kh, 2).
    const refused = (r: Result<OidcProvider>): Result<OidcProvider> => (recordChange(c, 'CreateOpenIDConnectProvider', arn, r, undefined, request), r);
    const before = await deps.store.read(async (tx) => ((await registered(tx)) ? 'exists' : (await full(tx)) ? 'full' : undefined));
    if (before === 'exists') return refused(exists());
    if (before === 'full') return refused(overQuota());
    // The network call happens outside any transaction, after the caller is known to be allowed.
    const keys = input.jwks !== undefined ? o.parseJwks(input.jwks) : await o.fetchJwks(u.value.url);
    if (!keys.ok) {
      // An issuer whose documents could not be read is IAM's OpenIdIdpCommunicationError, which the SDKs type apart from a
      // bad request (review it, 2: it was InvalidInput); keys read but refused, or given inline, are InvalidInput.
      const unreachable = input.jwks === undefined && 'unreachable' in keys && keys.unreachable === true;
      return refused(failWith(unreachable ? 'OPENID_IDP_COMMUNICATION_ERROR' : 'INVALID_INPUT', input.jwks !== undefined ? `JwksJson: ${keys.message}` : `cannot read the keys of \`${u.value.url}\`: ${keys.message}; ${unreachable ? 'retry once the issuer answers, or ' : ''}give them inline with JwksJson`, input.jwks !== undefined ? 'JwksJson' : 'Url'));
    }
    const base = { v: 1, url: u.value.url, clientIds, thumbprints, tags, created: isoSeconds(now()), jwks: keys.jwks } as const;
    const record: ProviderRecord = input.jwks !== undefined ? { ...base, jwksSource: 'inline' } : { ...base, jwksSource: 'discovery', fetched: now(), lifetime: lifetimeOf(keys) };
    // Recorded as it commits, before the reload that follows (a read of the database, which may hang): a process killed
    // in between left the provider registered and no record of it, not even in the journal (review iw, 8).
    let recorded = false;
    const r = await committing(c, 'CreateOpenIDConnectProvider', arn, request, () => ({ before: null, after: providerView(record) }), () =>
      deps.store.write<Result<OidcProvider>>(
        async (tx, abort) => {
          if (await registered(tx)) abort(exists());
          if (await full(tx)) abort(overQuota());
          await tx.kv.put(key, JSON.stringify(record));
          return ok(toProvider(c.account, c.partition, u.value.hostPath, record));
        },
        { committed: (done) => void (done.ok && ((recorded = true), recordChange(c, 'CreateOpenIDConnectProvider', arn, done, { before: null, after: providerView(record) }, request))) },
      ),
    );
    if (!recorded) recordChange(c, 'CreateOpenIDConnectProvider', arn, r, { before: null, after: providerView(record) }, request);
    return r;
  }

  async function getProvider(c: Caller, input: { arn: string }): Promise<Result<OidcProvider>> {
    const p = parseArn(c, input.arn);
    if (!p.ok) return p;
    const text = await deps.store.read((tx) => tx.kv.get(providerKey(c.account, p.value.hostPath)));
    const r = readRecord(text);
    // With its issuer URL, as RAM decides GetOIDCProvider (review se, 3: a Deny of reading the production issuer never applied).
    const a = authorizeAdmin(c, now(), 'GetOpenIDConnectProvider', p.value.arn, { ...awsResourceTags(r?.tags), ...(r ? { [ISSUER_URL_KEY]: r.url } : {}) });
    if (!a.ok) return a;
    if (!r) return text === undefined ? failWith('NO_SUCH_ENTITY', `OpenIDConnect provider \`${input.arn}\` does not exist in account ${c.account}.`) : unreadableProvider(c, p.value.arn, p.value.hostPath);
    return ok(toProvider(c.account, c.partition, p.value.hostPath, r));
  }

  /**
   * The account's providers; one whose record cannot be read is listed too, by its ARN only (`unreadable`): it counts
   * against the account's quota and holds its URL, so it must be found to be deleted (review qw, 2: it was left out).
   */
  async function listProviders(c: Caller): Promise<Result<(OidcProvider | UnreadableProvider)[]>> {
    const a = authorizeAdmin(c, now(), 'ListOpenIDConnectProviders', providerArn(c.partition, c.account, '*'));
    if (!a.ok) return a;
    const prefix = `${PROVIDER_PREFIX}${c.account}/`;
    const rows = await deps.store.read((tx) => tx.kv.list(prefix));
    const out: (OidcProvider | UnreadableProvider)[] = [];
    for (const row of rows) {
      const hostPath = row.key.slice(prefix.length);
      const r = readRecord(row.value);
      out.push(r ? toProvider(c.account, c.partition, hostPath, r) : { arn: providerArn(c.partition, c.account, hostPath), hostPath, unreadable: true });
    }
    return ok(out);
  }

  /** Read-modify-write of one provider, authorized as `action`, recorded with what it replaced and wrote. */
  /**
   * `context` is given the provider's stored tags, so that `aws:TagKeys` holds their spellings of the keys named (`tagKeys`
   * Owner untags a stored `owner`), and then the spellings the caller's policies compare it with (review X, X1; fx, 2).
   */
  async function updateProvider(c: Caller, arn: string, action: string, change: (r: ProviderRecord) => Result<ProviderRecord | null>, request: unknown, context: (stored: readonly Tag[]) => Record<string, string | string[]> = () => ({})): Promise<Result<void>> {
    const p = parseArn(c, arn);
    if (!p.ok) return p;
    const key = providerKey(c.account, p.value.hostPath);
    // Decided on the provider's tags as read now; the change below reads it again in its transaction.
    const current = readRecord(await deps.store.read((tx) => tx.kv.get(key)));
    const a = authorizeAdmin(c, now(), action, p.value.arn, withPolicyTagKeySpellings(c, { ...awsResourceTags(current?.tags), ...context(current?.tags ?? []), ...(current ? { [ISSUER_URL_KEY]: current.url } : {}) }));
    if (!a.ok) return (recordChange(c, action, p.value.arn, a, undefined, request), a);
    const closed = deps.audit?.gate('the directory is not changed');
    if (closed) return (recordChange(c, action, p.value.arn, closed, undefined, request), closed);
    let seen: { before: unknown; after: unknown; policiesForgettingIt?: { iamPolicies: string[] } } | undefined;
    // Recorded as it commits, before the reload (review iw, 8).
    let recorded = false;
    const w = await committing(c, action, p.value.arn, request, () => seen, () =>
      deps.store.write<Result<void>>(async (tx, abort) => {
        const text = await tx.kv.get(key);
        const r = readRecord(text);
        if (text === undefined) abort(failWith('NO_SUCH_ENTITY', `OpenIDConnect provider \`${arn}\` does not exist in account ${c.account}.`));
        // A record that cannot be read is deleted as any other (review qw, 2); no other change can be made to it.
        if (!r && action !== 'DeleteOpenIDConnectProvider') abort(unreadableProvider(c, p.value.arn, p.value.hostPath));
        const next = r ? change(r) : ok(null);
        if (!next.ok) abort(next);
        const value = (next as { value: ProviderRecord | null }).value;
        if (value === null) await tx.kv.delete(key);
        else await tx.kv.put(key, JSON.stringify(value));
        // A deleted provider's `principal://` members leave every IAM policy (docs/semantics.md, bindings' members).
        const iamPolicies = value === null ? await forgetProvider(tx, c.account, p.value.hostPath, isoSeconds(now())) : [];
        // Noted by the attempt that commits (a PostgreSQL write may run again).
        seen = { before: r ? providerView(r) : { unreadableRecord: key }, after: value === null ? null : providerView(value), ...(iamPolicies.length > 0 ? { policiesForgettingIt: { iamPolicies } } : {}) };
        return ok(undefined);
      }, { committed: (done) => void (done.ok && ((recorded = true), recordChange(c, action, p.value.arn, done, seen, request))) }),
    );
    if (!recorded) recordChange(c, action, p.value.arn, w, seen, request);
    return w;
  }

  const deleteProvider = (c: Caller, input: { arn: string }) => updateProvider(c, input.arn, 'DeleteOpenIDConnectProvider', () => ok(null), { arn: input.arn });

  const addClientId = (c: Caller, input: { arn: string; clientId: string }) =>
    updateProvider(c, input.arn, 'AddClientIDToOpenIDConnectProvider', (r) => {
      const clientIds = r.clientIds.includes(input.clientId) ? r.clientIds : [...r.clientIds, input.clientId];
      const bad = checkClientIds(clientIds, 'ClientID');
      return bad ? failWith(bad.code, bad.message, 'ClientID') : ok({ ...r, clientIds });
    }, input);

  /**
   * The `ClientID` held to IAM's 1 to 255 characters first, in its words, the value left out, as untagging checks its
   * keys: removal checked nothing, answered 200 and recorded the request whole, up to the Query API's 1 MiB a request
   * kept in the audit log for ever (review ks, 2).
   */
  async function removeClientId(c: Caller, input: { arn: string; clientId: string }): Promise<Result<void>> {
    const n = characters(input.clientId);
    if (n < 1 || n > PROVIDER_LIMITS.clientIdChars) {
      return failWith('VALIDATION_ERROR', `1 validation error detected: Value at 'clientID' failed to satisfy constraint: Member must have length ${n < 1 ? 'greater than or equal to 1' : `less than or equal to ${PROVIDER_LIMITS.clientIdChars}`}`, 'ClientID');
    }
    return updateProvider(c, input.arn, 'RemoveClientIDFromOpenIDConnectProvider', (r) => ok({ ...r, clientIds: r.clientIds.filter((x) => x !== input.clientId) }), input);
  }

  const updateThumbprints = (c: Caller, input: { arn: string; thumbprints: readonly string[] }) =>
    updateProvider(c, input.arn, 'UpdateOpenIDConnectProviderThumbprint', (r) => {
      const bad = checkThumbprints(input.thumbprints);
      return bad ? failWith('VALIDATION_ERROR', bad, 'ThumbprintList') : ok({ ...r, thumbprints: [...input.thumbprints] });
    }, input);

  /**
   * TagOpenIDConnectProvider, UntagOpenIDConnectProvider and ListOpenIDConnectProviderTags, as TagRole, UntagRole and
   * ListRoleTags: tags merged by case-insensitive key (the newer value wins), at most 50, `aws:` refused, the request's
   * tags as `aws:RequestTag`/`aws:TagKeys` (review cd, 4: they answered InvalidAction, so no tag of a provider could change).
   */
  const tagProvider = (c: Caller, input: { arn: string; tags: readonly Tag[] }) =>
    updateProvider(
      c,
      input.arn,
      'TagOpenIDConnectProvider',
      (r) => {
        const bad = checkTags(input.tags, r.tags, c.partition);
        if (bad) return isTagCountRefusal(bad) ? failWith('LIMIT_EXCEEDED', bad) : failWith('VALIDATION_ERROR', bad, 'Tags');
        return ok({ ...r, tags: mergeTags(r.tags, input.tags) });
      },
      input,
      (stored) => requestTagContext(input.tags, stored),
    );

  async function untagProvider(c: Caller, input: { arn: string; tagKeys: readonly string[] }): Promise<Result<void>> {
    const bad = checkTagKeys(input.tagKeys);
    if (bad) return failWith('VALIDATION_ERROR', bad, 'TagKeys');
    const drop = new Set(input.tagKeys.map((k) => k.toLowerCase()));
    return updateProvider(c, input.arn, 'UntagOpenIDConnectProvider', (r) => ok({ ...r, tags: r.tags.filter((t) => !drop.has(t.key.toLowerCase())) }), input, (stored) => tagKeysContext(input.tagKeys, stored));
  }

  async function listProviderTags(c: Caller, input: { arn: string }): Promise<Result<readonly Tag[]>> {
    const p = parseArn(c, input.arn);
    if (!p.ok) return p;
    const r = readRecord(await deps.store.read((tx) => tx.kv.get(providerKey(c.account, p.value.hostPath))));
    const a = authorizeAdmin(c, now(), 'ListOpenIDConnectProviderTags', p.value.arn, awsResourceTags(r?.tags));
    if (!a.ok) return a;
    if (!r) return failWith('NO_SUCH_ENTITY', `OpenIDConnect provider \`${input.arn}\` does not exist in account ${c.account}.`);
    return ok(r.tags);
  }

  // ------------------------------------------------------------------------------------------------
  // AssumeRoleWithWebIdentity

  /** A JWKS answer's lifetime: its `Cache-Control` max-age (when the adapter reports one) within `JWKS_LIFETIME`. */
  function lifetimeOf(fetched: object): number {
    const maxAge = 'maxAgeSeconds' in fetched && typeof fetched.maxAgeSeconds === 'number' && Number.isFinite(fetched.maxAgeSeconds) ? fetched.maxAgeSeconds * 1000 : JWKS_LIFETIME.default;
    return Math.min(JWKS_LIFETIME.max, Math.max(JWKS_LIFETIME.min, maxAge));
  }

  /**
   * Reads the provider's JWKS from the issuer again and keeps it in the provider's record (with when it was read
   * and its lifetime), unless the record changed meanwhile (deleted, registered again, or a newer read stored by
   * another instance).
   */
  function refresh(o: OidcCrypto, account: string, hostPath: string, p: ProviderRecord, key: string): Promise<JwkSet | undefined> {
    const running = inflight.get(key);
    if (running) return running;
    if (attempts.size >= 1000) attempts.clear();
    const attempt: { at: number; ok: boolean; message?: string } = { at: now(), ok: false };
    attempts.set(key, attempt);
    const read = readAndKeep(o, account, hostPath, p, attempt)
      .catch(() => undefined)
      .finally(() => inflight.delete(key));
    inflight.set(key, read);
    return read;
  }

  /** The issuer's keys read from `url`, or what a read of it begun within `JWKS_RETRY_MS` got (or will get), with when. */
  async function readIssuer(o: OidcCrypto, url: string): Promise<{ fetched: Awaited<ReturnType<OidcCrypto['fetchJwks']>>; at: number }> {
    const last = issuerReads.get(url);
    if (last && now() - last.started < JWKS_RETRY_MS) {
      const fetched = await last.read;
      return { fetched, at: last.at ?? now() };
    }
    // Only reads of the last `JWKS_RETRY_MS` are kept: each holds an issuer's keys, up to 256 KiB of them.
    for (const [u, r] of issuerReads) if (r.at !== undefined && now() - r.started >= JWKS_RETRY_MS) issuerReads.delete(u);
    const entry: { started: number; at?: number; read: Promise<Awaited<ReturnType<OidcCrypto['fetchJwks']>>> } = {
      started: now(),
      read: o.fetchJwks(url).then(
        (r) => ((entry.at = now()), r),
        (e: unknown) => ((entry.at = now()), { ok: false as const, message: e instanceof Error ? e.message : String(e) }),
      ),
    };
    issuerReads.set(url, entry);
    const fetched = await entry.read;
    return { fetched, at: entry.at ?? now() };
  }

  async function readAndKeep(o: OidcCrypto, account: string, hostPath: string, p: ProviderRecord, attempt: { at: number; ok: boolean; message?: string }): Promise<JwkSet | undefined> {
    const { fetched, at } = await readIssuer(o, p.url);
    if (!fetched.ok) {
      // Why, for the refusals while the set is stale (the issuer's URL is the registrant's, not the caller's, choice).
      attempt.message = fetched.message.slice(0, 512);
      return undefined;
    }
    attempt.ok = true;
    const lifetime = lifetimeOf(fetched);
    // The same set, read again while the one kept is not yet due for its background read (a token naming a key it
    // lacks: a made-up `kid`, which anyone may send, up to 12 times a minute per instance since review ow, 1): nothing to
    // keep. Each read was a write of the provider's record and a change-log row, which every instance then read
    // (review pi, 3). Kept when the keys changed, when the set now goes stale sooner than the one kept says (the issuer
    // shortened its max-age), or once the set is due to be read again anyway. Compared by when each goes stale, not by
    // lifetime: through a cache the lifetime is max-age less `Age`, which grows with every second the copy is held, so
    // each read of the same copy had another lifetime for the same instant, and was written (review qw, 1). Within
    // `Age`'s one-second resolution counts as the same instant; a set good as long or longer is not written either (the
    // kept record is then the more cautious one, and the background read takes the longer lifetime in due course).
    const keptAt = p.fetched ?? Date.parse(p.created);
    const keptLifetime = p.lifetime ?? JWKS_LIFETIME.default;
    const staleSooner = at + lifetime < keptAt + keptLifetime - 1_000;
    if (!staleSooner && Number.isFinite(keptAt) && at - keptAt < keptLifetime * JWKS_REFRESH_AHEAD && JSON.stringify(fetched.jwks) === JSON.stringify(p.jwks)) return fetched.jwks;
    const stored = providerKey(account, hostPath);
    try {
      await deps.store.write(async (tx) => {
        const current = readRecord(await tx.kv.get(stored));
        if (!current || current.created !== p.created || current.jwksSource !== 'discovery' || (current.fetched ?? 0) >= at) return;
        await tx.kv.put(stored, JSON.stringify({ ...current, jwks: fetched.jwks, fetched: at, lifetime } satisfies ProviderRecord));
      });
    } catch {
      // Not kept (the store refused the write): the keys just read are still the issuer's current ones for this call.
    }
    return fetched.jwks;
  }

  /**
   * The keys a token of the provider is verified against: inline keys as registered; a discovered set only while it
   * is younger than its lifetime (read again first when older; undefined when that fails: the token is refused),
   * read again in the background past 80% of it, and at once when the token names a key it lacks, unless it was read
   * within 5 s (undefined when that read, or the last one, failed).
   */
  async function keysFor(o: OidcCrypto, arn: string, account: string, hostPath: string, p: ProviderRecord, kid: string | undefined): Promise<JwkSet | undefined> {
    if (p.jwksSource !== 'discovery') return p.jwks;
    // Keyed by registration too: a provider deleted and registered again starts from its new keys.
    const key = `${arn}\u0000${p.created}`;
    const fetchedAt = p.fetched ?? Date.parse(p.created);
    const lifetime = p.lifetime ?? JWKS_LIFETIME.default;
    const age = Math.max(0, now() - (Number.isFinite(fetchedAt) ? fetchedAt : 0));
    const running = inflight.get(key);
    const last = attempts.get(key);
    if (age >= lifetime) {
      if (!running && last && !last.ok && now() - last.at < JWKS_RETRY_MS) return undefined;
      return refresh(o, account, hostPath, p, key);
    }
    if (!running && age >= lifetime * JWKS_REFRESH_AHEAD && !(last && now() - last.at < JWKS_RETRY_MS)) void refresh(o, account, hostPath, p, key);
    if (kid === undefined || p.jwks.keys.some((k) => k['kid'] === kid)) return p.jwks;
    // The token names a key the set lacks: whether the issuer has it cannot be known while its keys cannot be read, so
    // that is the answer (IDPCommunicationError, which the SDKs retry), not a token refused as forged.
    // At most every `JWKS_RETRY_MS`, whatever the key (or `NO_KID`): the call is unsigned, and held to once a minute,
    // anyone could keep the minute running with a made-up `kid` (review ow, 1), a made-up token without one (ow, 3), or
    // the `kid` an issuer naming its keys in sequence will publish next, sent before it does (ow, 1: a minute per key id
    // left that open), and the issuer's new key, signing from the moment it is published, was refused as a forgery for up
    // to a minute after every rotation. Now up to 5 s, and the issuer sees at most 12 reads a minute per instance.
    if (!running && last && now() - last.at < JWKS_RETRY_MS) return last.ok ? p.jwks : undefined;
    return refresh(o, account, hostPath, p, key);
  }

  /**
   * Refusals that say who may not have a session (a bad or expired token, a trust policy that does not allow), sessions
   * that could not be issued because the closed audit gate refused them (503), the account's bound of scoped sessions
   * and the packed size, as the other STS calls record (review V, V1/P2). Any refusal after the token verified is
   * recorded too: it is one of the provider's subjects that was refused (a duration over the role's maximum).
   */
  const REFUSALS: ReadonlySet<string> = new Set(['ACCESS_DENIED', 'INVALID_IDENTITY_TOKEN', 'EXPIRED_IDENTITY_TOKEN', 'IDP_COMMUNICATION_ERROR', 'SERVICE_UNAVAILABLE', 'LIMIT_EXCEEDED', 'PACKED_POLICY_TOO_LARGE']);

  /** AssumeRoleWithWebIdentity; a refusal is recorded as the other STS calls' are (the session side of the log). */
  const assumeRoleWithWebIdentity = (p: WebIdentityParams, facts: RequestFacts = {}): Promise<Result<WebIdentityResult>> => federate(p, facts, { api: 'AssumeRoleWithWebIdentity' });

  /** Alibaba's AssumeRoleWithOIDC (OidcParams), verified, decided, issued and recorded as AssumeRoleWithWebIdentity is. */
  const assumeRoleWithOidc = (p: OidcParams, facts: RequestFacts = {}): Promise<Result<WebIdentityResult>> =>
    federate(
      {
        roleArn: p.roleArn,
        roleSessionName: p.roleSessionName,
        webIdentityToken: p.oidcToken,
        ...(p.durationSeconds !== undefined ? { durationSeconds: p.durationSeconds } : {}),
        ...(p.policy !== undefined ? { policy: p.policy } : {}),
        policyArns: [],
      },
      facts,
      { api: 'AssumeRoleWithOIDC', providerArn: p.oidcProviderArn },
    );

  async function federate(p: WebIdentityParams, facts: RequestFacts, fed: Federation): Promise<Result<WebIdentityResult>> {
    const verified: { provider?: string; subject?: string; roleArn?: string } = {};
    const r = await webIdentity(p, facts, verified, fed);
    const e = r.ok ? undefined : r.errors[0];
    // Unsigned, so anyone can send it by the thousand: flood-limited like the refused authentications
    // (auth-failures.ts), per source address and globally, with what is left out counted and carried.
    // Left out, its summary names whom its record would (below): the provider, the role's account, the role (review kp3).
    const owner = (): KeyOwner => ({ principal: verified.provider ?? 'anonymous', account: parseRoleArn(p.roleArn)?.account ?? '', role: verified.roleArn ?? p.roleArn });
    const admitted = e !== undefined && (REFUSALS.has(e.code) || verified.provider !== undefined) && deps.audit ? admitAuthFailure(deps, facts.sourceIp ?? '', undefined, { code: awsCodeOf(e.code), action: `sts:${fed.api}`, owner, resource: verified.roleArn ?? p.roleArn, kind: 'session' }) : undefined;
    if (e !== undefined && admitted?.record && deps.audit) {
      const parsed = parseRoleArn(p.roleArn);
      // Who asked: the provider's ARN once the token's signature verified against its keys (as a session it opens is
      // recorded); before that, anyone could have written the token, so `anonymous`, with the issuer it claims in the
      // detail, marked unverified (never in the principal column investigators filter on). The token itself is a
      // secret and is never recorded.
      const claimed = verified.provider === undefined ? port()?.peek(p.webIdentityToken)?.iss : undefined;
      const who = verified.provider !== undefined ? { subject: verified.subject } : typeof claimed === 'string' ? { claimedIssuer: claimed.slice(0, 255), issuerVerified: false } : {};
      deps.audit.record({
        kind: 'session',
        account: parsed?.account ?? '',
        principal: verified.provider ?? 'anonymous',
        action: `sts:${fed.api}`,
        // The role as the directory names it once found (its case and path), so that `audit query --role` finds the
        // attempt whatever the caller spelt (review V, V6); the spelling asked stays in the detail.
        resource: verified.roleArn ?? p.roleArn,
        decision: 'Deny',
        role: verified.roleArn ?? p.roleArn,
        ...(facts.sourceIp !== undefined && facts.sourceIp !== '' ? { sourceIp: facts.sourceIp } : {}),
        ...requestIdFrom(facts),
        detail: {
          roleSessionName: p.roleSessionName,
          ...(fed.api === 'AssumeRoleWithOIDC' && verified.provider === undefined ? { oidcProviderArn: fed.providerArn.slice(0, 2048) } : {}),
          ...who,
          error: explanationOf(e.message),
          ...(e.code !== 'ACCESS_DENIED' ? { code: e.code } : {}),
          ...(verified.roleArn !== undefined && verified.roleArn !== p.roleArn ? { requestedRoleArn: p.roleArn } : {}),
          ...(admitted.suppressed > 0 ? { suppressed: admitted.suppressed } : {}),
        },
      });
    }
    return r;
  }

  /**
   * `verified` gets the provider's ARN and the token's subject once the token has verified against the provider's keys.
   * For AssumeRoleWithOIDC, a refusal about the token or the provider names the parameter at fault in its path
   * (`OIDCToken`, `OIDCToken.aud`, `OIDCToken.iss`, `OIDCProviderArn`), which Alibaba's error codes tell apart.
   */
  async function webIdentity(given: WebIdentityParams, facts: RequestFacts, verified: { provider?: string; subject?: string; roleArn?: string }, fed: Federation): Promise<Result<WebIdentityResult>> {
    // RAM's system-policy ARNs of the built-ins in PolicyArns name them, as AssumeRole maps them (one function; review
    // pw, 2: they were refused here as policies that do not exist).
    const p = withStoredPolicyArns(given);
    const alibaba = fed.api === 'AssumeRoleWithOIDC';
    const T = alibaba ? 'The OIDC token' : 'The web identity token';
    const at = (field: string): string => (alibaba ? field : '');
    const o = port();
    if (!o) return unavailable();
    const tooLong = roleArnLengthProblem(p.roleArn);
    if (tooLong !== undefined) return failWith('VALIDATION_ERROR', tooLong, 'RoleArn');
    const parsed = parseRoleArn(p.roleArn);
    if (!parsed) return failWith('VALIDATION_ERROR', `RoleArn \`${p.roleArn}\` is not a role ARN (arn:aws:iam::<account>:role/<name>)`, 'RoleArn');
    // STS's constraint on ProviderId (botocore `urlType`), checked with the other parameters' (review ks, 3): it was not read at all.
    // In characters, as STS counts lengths (review ow, 2), the token's too.
    const providerIdChars = p.providerId !== undefined ? characters(p.providerId) : undefined;
    if (providerIdChars !== undefined && (providerIdChars < 4 || providerIdChars > 2048)) {
      return failWith('VALIDATION_ERROR', `1 validation error detected: Value at 'providerId' failed to satisfy constraint: Member must have length ${providerIdChars < 4 ? 'greater than or equal to 4' : 'less than or equal to 2048'}`, 'ProviderId');
    }
    // By the ARN's form until the token has verified against a provider of the role's account, then by that account's
    // dialect too (review en, 2; below). The account read first told anyone, with a made-up token, which account ids
    // exist here and in which dialect (review mm, 2).
    const params = { ...p, tags: [], transitiveTagKeys: [] };
    const bad = checkAssumeRoleParams(params, parsed.partition);
    if (bad) return failWith(bad.code, bad.message, bad.path);
    // The token's length after the other parameters' constraints: AssumeRoleWithOIDC refuses a token so (an
    // AuthenticationFail, which `federate` records) with the RoleSessionName as sent, unchecked, up to 1 MiB into the
    // audit log from anyone (review nl, 3).
    const tokenChars = characters(p.webIdentityToken);
    if (tokenChars < 4 || tokenChars > 20_000) {
      if (alibaba && p.webIdentityToken === '') return failWith('INVALID_IDENTITY_TOKEN', 'The OIDCToken can not empty: OIDCToken is empty; give the token as the issuer wrote it (a projected token file read before it is written reads empty)', 'OIDCToken');
      if (alibaba) return failWith('INVALID_IDENTITY_TOKEN', `OIDCToken must be 4 to 20,000 characters, got ${tokenChars}: give the token as the issuer wrote it`, 'OIDCToken');
      const constraint = tokenChars < 4 ? 'greater than or equal to 4' : 'less than or equal to 20000';
      return failWith('VALIDATION_ERROR', `1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length ${constraint}`, 'WebIdentityToken');
    }
    const badPolicy = sessionPolicyRefusal(p.policy);
    if (badPolicy) return badPolicy;
    const packed = packedPolicyPercent(p.policy, p.policyArns, {});
    if (packed > 100) return failWith('PACKED_POLICY_TOO_LARGE', `Packed size of the session policies (${packed}% of the limit) is too large.`);
    // Under the fail-closed audit policy, no session is issued while the audit log cannot record it. Checked once the
    // parameters have passed their constraints, as STS checks them first: the refusal's record names the role and the
    // session name as sent, and a RoleSessionName or RoleArn of up to 1 MiB went whole into it (review nl, 2).
    const closed = deps.audit?.gate('sessions are not issued');
    if (closed) return closed;

    const peeked = o.peek(p.webIdentityToken);
    if (!peeked) return failWith('INVALID_IDENTITY_TOKEN', `${T} is not a JWT with an issuer (\`iss\`) claim`, at('OIDCToken'));
    // AWS STS refuses a token signed otherwise, whichever key of the provider would verify it (review ks, 1).
    if (!alibaba && !WEB_IDENTITY_ALGS.includes(peeked.alg ?? '')) {
      return failWith('INVALID_IDENTITY_TOKEN', `${T} is invalid: it is signed with \`${(peeked.alg ?? 'none').slice(0, 32)}\` (its header's \`alg\`), and AssumeRoleWithWebIdentity takes tokens signed with ${WEB_IDENTITY_ALGS.slice(0, -1).join(', ')} or ${WEB_IDENTITY_ALGS.at(-1) ?? ''} only: have the issuer sign with an RSA or ECDSA key`);
    }
    const iss = parseIssuerUrl(peeked.iss, 'iss');
    // AssumeRoleWithOIDC names its provider, which must be one of the role's account (RAM's "No such OIDC Provider registered").
    const named = alibaba ? PROVIDER_ARN_RE.exec(fed.providerArn) : null;
    // A provider is named by its issuer, not by a name given at creation as RAM's CreateOIDCProvider gives one (ACK's
    // RRSA: `acs:ram::A:oidc-provider/ack-rrsa-<cluster id>`, in the pod's ALIBABA_CLOUD_OIDC_PROVIDER_ARN and the trust
    // policies ACK writes; docs/decisions.md, review dg, 1). The refusal names the ARN the token's issuer's provider has
    // here, from the token alone, whether or not it is registered: the call is unsigned (review th, 2).
    const ownName = iss.ok ? `acs:ram::${parsed.account}:oidc-provider/${iss.value.hostPath}` : undefined;
    const byIssuer = ownName === undefined ? '' : ` (for this token's issuer, \`${ownName}\`)`;
    const noProvider = alibaba
      ? failWith<WebIdentityResult>('INVALID_IDENTITY_TOKEN', `No such OIDC Provider registered: \`${fed.providerArn.slice(0, 2048)}\` is no OIDC provider of account ${parsed.account}, the role's account. Gatehouse names an OIDC provider by its issuer URL without https://${byIssuer}, not by a name given at creation as RAM's CreateOIDCProvider does (ACK's \`ack-rrsa-<cluster id>\`): register the token's issuer (CreateOpenIDConnectProvider) if it is not, and name that ARN in OIDCProviderArn (ALIBABA_CLOUD_OIDC_PROVIDER_ARN) and in the role's trust policy`, 'OIDCProviderArn')
      : failWith<WebIdentityResult>('INVALID_IDENTITY_TOKEN', `No OpenIDConnect provider found in your account for ${peeked.iss.slice(0, 255)}`);
    if (alibaba ? named?.[1] !== parsed.account : !iss.ok) return noProvider;

    // Only the provider (its record and keys) is read before the token has verified against them: the call is unsigned,
    // and the role and each PolicyArns entry, read here before, cost every made-up token a read per entry and, for a
    // role that does not exist, a reload of the directory (review mw, 1). The role is read once the token is known good,
    // the PolicyArns once the role's trust policy has allowed it.
    const found = await deps.store.read(async (tx: ReadTx) => {
      let hostPath = named?.[2] ?? (iss.ok ? iss.value.hostPath : '');
      let record = readRecord(await tx.kv.get(providerKey(parsed.account, hostPath)));
      const legacy = named ? undefined : legacyHostPath(hostPath);
      if (!record && legacy !== undefined) {
        const old = readRecord(await tx.kv.get(providerKey(parsed.account, legacy)));
        if (old?.url === peeked.iss) [record, hostPath] = [old, legacy];
      }
      return { partition: record ? await partitionOf(tx, parsed.account) : undefined, record, hostPath };
    });
    const partition: Partition = found.partition ?? parsed.partition;
    if (!found.record) return noProvider;
    // The provider's name as it is stored: a provider registered before the trailing slash was kept keeps its ARN and keys.
    const hp = found.hostPath;
    const arn = providerArn(partition, parsed.account, hp);
    // Named in either dialect's spelling, as a trust policy names it (review rh, 2): AWS's was "No such OIDC Provider".
    if (alibaba && arn !== fed.providerArn && otherProviderSpelling(arn) !== fed.providerArn) return noProvider;
    if (alibaba && found.record.url !== peeked.iss) {
      return failWith('INVALID_IDENTITY_TOKEN', `The OIDC token's issuer (\`iss\`) \`${peeked.iss.slice(0, 255)}\` is not the issuer of OIDC provider ${arn} (${found.record.url}): name the provider registered for the token's issuer`, 'OIDCToken.iss');
    }
    const jwks = await keysFor(o, arn, parsed.account, hp, found.record, peeked.kid);
    if (!jwks) {
      const why = attempts.get(`${arn}\u0000${found.record.created}`)?.message;
      // AWS STS's answer when it cannot read the provider's keys (credential-protocols §5.4): 400, retried by the SDKs.
      const state = peeked.kid !== undefined && !found.record.jwks.keys.some((k) => k['kid'] === peeked.kid) ? `do not hold the token's key \`${peeked.kid.slice(0, 64)}\`` : 'are past their lifetime';
      return failWith('IDP_COMMUNICATION_ERROR', `Couldn't retrieve verification key from your identity provider: the keys of OpenIDConnect provider ${found.record.url} ${state} and could not be read again from the issuer${why ? ` (${why})` : ''}; retry once it answers`);
    }
    const verifyWith = (keys: JwkSet) =>
      o.verify(p.webIdentityToken, {
        jwks: keys,
        issuer: found.record?.url ?? '',
        audiences: found.record?.clientIds ?? [],
        now: now(),
        skewSeconds: TOKEN_SKEW_SECONDS,
        ...(alibaba ? {} : { expirySkewSeconds: WEB_IDENTITY_EXPIRY_SKEW_SECONDS, algorithms: WEB_IDENTITY_ALGS }),
      });
    let checked = await verifyWith(jwks);
    // A token naming no key whose signature no key of the set verifies may be the issuer's new key (a rotation by an issuer
    // that signs without `kid`): the set is read again as for a token naming a key it lacks (at most every 5 s), and
    // the token verified against what was read. It was refused until the set's lifetime ran out, up to 24 h (review ks, 4).
    // Likewise a token naming no key that no key of the set fits at all (`key`): the issuer's new key is of another type
    // or algorithm (RS256 to ES256), and was refused until the set expired (review na, 2). And a token naming a key the
    // set holds that does not verify it, when the set was not just read: the issuer replaced the key under the same `kid`,
    // and its tokens were refused as forgeries until the set expired, up to 24 h (review qw, 4). Under the same 5 s bound
    // per provider and instance, so a forged signature costs the issuer no more reads than a made-up `kid` can.
    if (!checked.ok && (checked.reason === 'signature' || checked.reason === 'key') && (peeked.kid === undefined || jwks === found.record.jwks) && found.record.jwksSource === 'discovery') {
      const again = await keysFor(o, arn, parsed.account, hp, found.record, NO_KID);
      if (again !== undefined && again !== jwks && JSON.stringify(again) !== JSON.stringify(jwks)) checked = await verifyWith(again);
    }
    if (!checked.ok) {
      return checked.reason === 'expired'
        ? failWith('EXPIRED_IDENTITY_TOKEN', `Token expired: ${alibaba ? 'the OIDC token' : 'the web identity token'} is past its expiration time (\`exp\`); get a fresh one`, at('OIDCToken'))
        : failWith('INVALID_IDENTITY_TOKEN', `${T} is invalid: ${checked.message}`, at(checked.reason === 'audience' ? 'OIDCToken.aud' : checked.reason === 'signature' ? 'OIDCToken.signature' : 'OIDCToken'));
    }
    const claims = checked.claims;
    const fractional = alibaba ? undefined : WHOLE_SECOND_CLAIMS.find((c) => claims[c] !== undefined && !Number.isInteger(claims[c]));
    if (fractional !== undefined) {
      return failWith('INVALID_IDENTITY_TOKEN', `${T} is invalid: its \`${fractional}\` is ${String(claims[fractional]).slice(0, 32)}, not a whole number of seconds, and AWS STS takes token times written as integers only: have the issuer write them so`);
    }
    // `exp` and `nbf` are checked with the skew; a token issued in the future is refused too (review F, F3): its issuer's
    // clock is wrong, or the token was made to outlive what its issuer meant.
    const iatSkew = issuedAheadSeconds(claims['iat'], now());
    if (iatSkew > TOKEN_SKEW_SECONDS) {
      return failWith('INVALID_IDENTITY_TOKEN', `${T} is invalid: it was issued in the future (\`iat\` is ${iatSkew} s ahead of this server's clock, more than the ${TOKEN_SKEW_SECONDS} s allowed); check the issuer's clock`, at('OIDCToken'));
    }
    // Alibaba's OIDC providers refuse a token issued longer ago than their IssuanceLimitTime, 12 hours unless set (RAM
    // CreateOIDCProvider); a provider here has no such setting, so the default holds. A token kept past it (copied off a
    // pod, with a long `exp`) bought sessions that Alibaba would refuse (review lj, 3). AWS STS has no such limit.
    // The limit is the provider's, so it holds for an `acs` account's provider through AWS's call too (review rh, 5): the
    // kept token AssumeRoleWithOIDC refused bought a session of the same role through AssumeRoleWithWebIdentity.
    // The limit is decided on `iat`, which OpenID Connect Core §2 requires of an ID token: a token without one, or with
    // one earlier than any date, skipped it, and such a token kept with a long `exp` bought sessions for as long as it
    // lived (review se, 2).
    if (alibaba || partition === 'acs') {
      const iat = claims['iat'];
      if (typeof iat !== 'number' || !Number.isFinite(iat)) {
        return failWith('INVALID_IDENTITY_TOKEN', `${T} is invalid: it does not say when it was issued (no \`iat\`), and the provider's issuance limit of ${ALIBABA_ISSUANCE_LIMIT_HOURS} hours is decided on it: have the issuer write \`iat\`, as OpenID Connect requires of an ID token`, at('OIDCToken'));
      }
      const iatMs = tokenTime(iat);
      // Undefined here is a time before any date: one after any date is refused above as issued in the future.
      if (iatMs === undefined || now() - iatMs > ALIBABA_ISSUANCE_LIMIT_HOURS * 3_600_000) {
        const when = iatMs === undefined ? `before any date (\`iat\` ${String(iat).slice(0, 32)})` : `at ${new Date(iatMs).toISOString()} (\`iat\`)`;
        return failWith('EXPIRED_IDENTITY_TOKEN', `Token expired: ${alibaba ? 'the OIDC token' : 'the web identity token'} was issued ${when}, more than the provider's issuance limit of ${ALIBABA_ISSUANCE_LIMIT_HOURS} hours ago; get a fresh one`, at('OIDCToken'));
      }
    }
    const sub = typeof claims['sub'] === 'string' ? claims['sub'] : '';
    const auds = typeof claims['aud'] === 'string' ? [claims['aud']] : Array.isArray(claims['aud']) ? claims['aud'].filter((x): x is string => typeof x === 'string') : [];
    const listed = auds.filter((x) => found.record?.clientIds.includes(x));
    if (sub === '' || listed.length === 0) return failWith('INVALID_IDENTITY_TOKEN', `${T} has no subject (\`sub\`) or no audience the provider lists`, at(sub === '' ? 'OIDCToken' : 'OIDCToken.aud'));
    // The authorized party (OpenID Connect Core §3.1.3.7), as AWS STS reads it: when the token names one, `<provider>:aud`
    // is its `azp` and `<provider>:oaud` its audiences, so that the trust policy's `:aud` condition is met only by the
    // client the token was issued to (review F, F3). Else `:aud` is the audience the provider lists (the first of several).
    // Written as anything but a string (an array, a number), `azp` was taken for absent, and the check below never ran on a
    // token that names its party (review sw, 1): OpenID Connect Core §2 writes it as the one client id the token was issued
    // to, so such a token is malformed. An empty one is a party the provider does not list, refused below; `null` is no
    // value, as a token without the claim.
    const azpClaim = claims['azp'];
    if (azpClaim !== undefined && azpClaim !== null && typeof azpClaim !== 'string') {
      const kind = Array.isArray(azpClaim) ? 'an array' : typeof azpClaim === 'object' ? 'an object' : `a ${typeof azpClaim}`;
      return failWith('INVALID_IDENTITY_TOKEN', `${T} is invalid: its authorized party (\`azp\`) is ${kind}, not a string: OpenID Connect writes it as the one client id the token was issued to, which must be a client id of OpenIDConnect provider ${found.record.url}; have the issuer write it so, or leave it out`, at('OIDCToken'));
    }
    const azp = typeof azpClaim === 'string' ? azpClaim : undefined;
    // A token issued to a party the provider does not list is refused, as AWS STS refuses it ("Incorrect token audience"):
    // the client id list names who may present tokens, and with `azp` that is the authorized party, not the audiences
    // (review ah, 1). It was accepted, its `:aud` the unlisted party: a trust policy without an `:aud` condition (one
    // trusting the provider's subjects, `:sub` only) issued sessions to tokens minted for any client of the issuer
    // that listed one of ours among its audiences.
    if (azp !== undefined && !found.record.clientIds.includes(azp)) {
      return failWith('INVALID_IDENTITY_TOKEN', `Incorrect token audience: the token was issued to \`${azp.slice(0, 255)}\` (its \`azp\`), which is not a client id of OpenIDConnect provider ${found.record.url}: add it to the provider's client ids (AddClientIDToOpenIDConnectProvider) or present a token issued to one of them`, at('OIDCToken.aud'));
    }
    const audience = azp ?? (listed[0] as string);
    verified.provider = arn;
    verified.subject = sub.slice(0, 255);
    // The role's account's dialect, now that the caller is a verified subject of a provider it registered (review en, 2).
    const byAccount = partition === parsed.partition ? undefined : checkAssumeRoleParams(params, partition);
    if (byAccount) return failWith(byAccount.code, byAccount.message, byAccount.path);
    const amr = typeof claims['amr'] === 'string' ? [claims['amr']] : Array.isArray(claims['amr']) ? claims['amr'].filter((x): x is string => typeof x === 'string') : [];
    // Session tags and a source identity the token carries (review ah, 3): ignored before, so a session meant to carry
    // them was issued without, and a trust policy requiring `sts:SourceIdentity` could not be met through web identity.
    // RAM reads no session tags or source identity from an OIDC token: the AWS claims mean nothing to AssumeRoleWithOIDC.
    const carried = alibaba ? ok<CarriedAttributes>({ tags: [], transitive: [], sourceIdentity: undefined }) : carriedAttributes(claims);
    if (!carried.ok) return carried;
    const sessionPacked = packedPolicyPercent(p.policy, p.policyArns, tagRecord(carried.value.tags));
    if (sessionPacked > 100) return failWith('PACKED_POLICY_TOO_LARGE', `Packed size of the session policies and the token's session tags (${sessionPacked}% of the limit) is too large.`);

    // The ARN must name the role exactly, path included (an `aws` role ARN carries its path), as AssumeRole requires:
    // a wrong path is refused as a missing role is. A role missing, or whose trust policy no longer parses, is decided
    // under a trust policy allowing nothing, so refused in the same words and with an encoded message alike, as a role
    // that does not trust the token: a token anyone can get (a CI service's) listed the account's roles (review cy, 3).
    const roleEntry = found.partition ? await sts.cachedRole(undefined, parsed.account, parsed.name) : undefined;
    const entry = roleEntry !== undefined && (parsed.partition === 'acs' || roleEntry.role.path === parsed.path) ? roleEntry : undefined;
    const roleArn = entry ? roleArnOf(partition, entry.role.account, entry.role.path, entry.role.name) : roleArnOf(partition, parsed.account, parsed.path, parsed.name);
    if (entry) verified.roleArn = roleArn;
    const trust = (entry && cachedTrust(cache, entry.role)) || compilePolicy({ version: partition === 'acs' ? '1' : '2012-10-17', dialect: partition, id: undefined, statements: [] }, `trust policy of ${roleArn}`);
    const principal: Principal = { kind: 'web-identity', arn, provider: arn, partition, account: '' };
    const { tags, transitive, sourceIdentity } = carried.value;
    // RAM's keys for an OIDC role (`oidc:iss`, `oidc:aud`, `oidc:sub`), IAM's `<host/path>:…` ones for AWS's call; and
    // the other call's family too in the decision (review rh, 3): a role both calls may assume was decided through each
    // with its own family only, so a trust Deny on the token's subject written with one (`StringLike <host>:sub
    // *:pull_request`, `oidc:sub`) never applied through the other call, which issued the session the Deny refuses. The
    // encoded refusal shows the call's own family, as before: its padded length must not tell a role that exists from
    // one that does not (review cy, 3), and the other family's keys pushed one over a padding step.
    const ramKeys: Record<string, string | string[]> = { 'oidc:iss': found.record.url, 'oidc:aud': listed, 'oidc:sub': sub };
    const iamKeys: Record<string, string | string[]> = {
      [`${hp}:aud`]: azp ?? audience,
      ...(azp !== undefined ? { [`${hp}:oaud`]: auds } : {}),
      [`${hp}:sub`]: sub,
      ...(amr.length ? { [`${hp}:amr`]: amr } : {}),
    };
    const [tokenKeys, otherFamily] = alibaba ? [ramKeys, iamKeys] : [iamKeys, ramKeys];
    const context: Record<string, string | string[]> = {
      ...tokenKeys,
      'aws:FederatedProvider': arn,
      'sts:RoleSessionName': p.roleSessionName,
      ...(sourceIdentity !== undefined ? { 'sts:SourceIdentity': sourceIdentity } : {}),
      // In the spellings the trust policy compares them with as well, as AssumeRole gives them (reviews X, X1; sw, 2).
      ...(transitive.length ? { 'sts:TransitiveTagKeys': tagKeySpellings(transitive, tagKeyLiterals([trust], true)) } : {}),
      ...(tags.length ? { 'aws:TagKeys': tagKeySpellings(tags.map((t) => t.key), tagKeyLiterals([trust])) } : {}),
      ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.key}`, t.value])),
      // The request's keys; `aws:RequestedRegion`, AWS's "always included", the region of the endpoint called (review
      // gs, 2), and the client's User-Agent and Referer (review gs, 3).
      ...requestFactKeys(facts),
      // The role's tags, as AssumeRole decides its trust policy with them (review cc, 8); absent, a guard in the trust
      // policy on `aws:ResourceTag/K` never applied to tokens, and an Allow by the role's tags never allowed (review cy, 4).
      ...(entry ? awsResourceTags(entry.role.tags) : {}),
    };
    // Tags and a source identity in the token need the trust policy to allow sts:TagSession and sts:SetSourceIdentity too,
    // as AssumeRole's request parameters do; otherwise the token is refused, never issued without them.
    // RAM's trust policies allow an OIDC provider `sts:AssumeRole`, as they do every principal.
    const assume = alibaba ? 'sts:AssumeRole' : 'sts:AssumeRoleWithWebIdentity';
    const actions = [assume, ...(tags.length ? ['sts:TagSession'] : []), ...(sourceIdentity !== undefined ? ['sts:SetSourceIdentity'] : [])];
    // The context an encoded refusal shows is the token's and the request's only: the role's tags and its trust policy's
    // spellings of the token's tag keys made a role that exists refused at another length than one that does not, which
    // a request grown to the end of a padding step told apart (review rz, 1).
    const shownContext: Record<string, string | string[]> = Object.fromEntries(Object.entries(context).filter(([k]) => !k.toLowerCase().startsWith('aws:resourcetag/')));
    if (tags.length) shownContext['aws:TagKeys'] = tags.map((t) => t.key);
    if (transitive.length) shownContext['sts:TransitiveTagKeys'] = [...transitive];
    for (const action of actions) {
      const request = { principal, action, resource: roleArn, context: contextOf({ ...otherFamily, ...context }), time: now() };
      const d = evaluate(request, { identity: [], trust });
      if (d.decision !== 'Allow') {
        const explained = evaluate(request, { identity: [], trust }, { explain: true });
        // With its verdict, which AWS's message does not say, for /metrics (review vf, 2).
        return accessDenied(withEncodedMessage(deps, `Not authorized to perform ${action}`, explained, { principal, action, resource: roleArn, context: shownContext, account: parsed.account }), action, roleArn, d.decision === 'ExplicitDeny' ? 'ExplicitDeny' : 'ImplicitDeny');
      }
    }
    if (!entry) return failWith('ACCESS_DENIED', `Not authorized to perform ${assume}`);
    const role = entry.role;
    const duration = p.durationSeconds ?? DURATION.default;
    if (duration > role.maxSessionDuration) return failWith('VALIDATION_ERROR', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.', 'DurationSeconds');
    // Read only now that the trust policy has let the token's subject in: a token anyone can get (a CI service's, for a
    // repository of their own) verifies, and each entry read for it was a read the role's trust never asked for.
    // Each found in any case, and carried as the ARN it is stored under, as the directory finds a policy (review rd, 1).
    const policyArns: string[] = [];
    const missing = p.policyArns.length === 0 ? undefined : await deps.store.read(async (tx: ReadTx) => {
      policyArns.length = 0;
      for (const arn of p.policyArns) {
        const pol = await visiblePolicy(tx, parsed.account, arn);
        if (!pol) return arn;
        policyArns.push(pol.arn);
      }
      return undefined;
    });
    if (missing !== undefined) return failWith('VALIDATION_ERROR', `PolicyArns: ${missing} does not exist or is not in the role's account`, 'PolicyArns');
    const t = now();
    // A session policy makes the session scoped: it is recorded before it is issued (src/app/session-scopes.ts).
    const issued = await sts.issueRegistered({
      acct: role.account,
      part: partition,
      role: { name: role.name, path: role.path, id: role.id },
      name: p.roleSessionName,
      iat: t,
      exp: t + duration * 1000,
      fed: { provider: arn, sub },
      ...(sourceIdentity !== undefined ? { srcId: sourceIdentity } : {}),
      ...(tags.length ? { tags: tagRecord(tags) } : {}),
      ...(transitive.length ? { transitive: [...transitive] } : {}),
      ...(p.policy !== undefined ? { pol: p.policy } : {}),
      ...(policyArns.length ? { polArns: policyArns } : {}),
    }, { via: fed.api, principal: arn, ...(facts.sourceIp !== undefined ? { sourceIp: facts.sourceIp } : {}), ...requestIdFrom(facts), ...(facts.requestedRegion !== undefined ? { region: facts.requestedRegion } : {}) });
    if (!issued.ok) return issued;
    return ok({
      credentials: issued.value.credentials,
      assumedRoleId: `${role.id}:${p.roleSessionName}`,
      arn: sessionArn(partition, role.account, role.name, p.roleSessionName),
      packedPolicySize: sessionPacked,
      subject: sub,
      provider: arn,
      audience,
      sourceIdentity,
      issuer: found.record.url,
      audiences: auds,
      tokenIssuedAt: tokenTime(claims['iat']),
      tokenExpiresAt: tokenTime(claims['exp']),
    });
  }

  return {
    start,
    setIssuer,
    /** The issuer URL once known. */
    issuer: (): string | undefined => issuer,
    jwks,
    issueWorkloadToken,
    createProvider,
    getProvider,
    listProviders,
    deleteProvider,
    addClientId,
    removeClientId,
    updateThumbprints,
    tagProvider,
    untagProvider,
    listProviderTags,
    assumeRoleWithWebIdentity,
    assumeRoleWithOidc,
  };
}

export type Oidc = ReturnType<typeof createOidc>;
