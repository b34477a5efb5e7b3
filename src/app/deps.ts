/**
 * What the use cases need from the outside world, as ports. The composition root (src/main) wires real
 * adapters; tests wire the same ones against temporary stores.
 */
import type { SealedSecret, Store } from './ports/store.ts';

/** Seals long-term secrets under the master key; `aad` binds a sealed value to its access key id. */
export interface SecretSealer {
  seal(plaintext: string, aad: string): SealedSecret;
  /** undefined when the value was not sealed under this key (or was tampered with). */
  open(sealed: SealedSecret, aad: string): string | undefined;
  /**
   * Why `open` gives undefined for this value (review px, 3): `malformed` (not a sealed value at all: damaged or written
   * by hand), `wrong-key` (sealed under another master key) or `tampered` (altered, or another record's), with the
   * reason in words; undefined when it opens.
   */
  whyNot?(sealed: SealedSecret, aad: string): { readonly kind: 'malformed' | 'wrong-key' | 'tampered'; readonly message: string } | undefined;
  /**
   * HMAC-SHA256 of `data` for `purpose` (a fixed name, no NUL) under a key derived from the master key (HKDF-SHA256,
   * its own info: src/adapters/crypto/seal.ts `KEYED_MAC_INFO`): a value no one lacking the master key can compute, as
   * the key workload role grants are signed under (src/app/kube.ts `signGrant`; review qc, 1). 32 bytes.
   */
  mac(purpose: string, data: string): Uint8Array;
}

export interface AppDeps {
  readonly store: Store;
  /** Epoch milliseconds. */
  now(): number;
  randomBytes(n: number): Uint8Array;
  readonly sealer: SecretSealer;
  readonly sessions: SessionCrypto;
  /** JWTs of the workload identity issuer and of registered OIDC providers; absent, those features answer 503. */
  readonly oidc?: OidcCrypto;
  /** Where use cases record what happened (src/app/audit.ts); `createApp` supplies it. Absent, nothing is recorded. */
  readonly audit?: AuditSink;
  /** Counters for Prometheus (src/app/metrics.ts); absent, nothing is counted. */
  readonly metrics?: AppMetrics;
  /** Where audit batches are written (a worker thread: src/adapters/audit-worker); absent, through `store` on this thread. */
  readonly auditAppender?: import('./audit.ts').AuditAppender;
  /** Where audit records unwritten at stop are kept for the next start (src/adapters/audit-spool); absent, they are lost and counted. */
  readonly auditSpool?: import('./audit.ts').AuditSpool;
  /** Where sessions, changes and job records are written as recorded, so that a hard stop loses none (src/adapters/audit-spool/journal.ts). */
  readonly auditJournal?: import('./audit.ts').AuditJournal;
  /** This instance's note, outside the database, that the chain it writes is keyed (src/adapters/audit-spool/keyed-note.ts). */
  readonly auditKeyedNote?: import('./audit.ts').AuditKeyedNote;
  /**
   * The audit chain's keyed digest, hex: HMAC-SHA256 under a key derived from the master key
   * (src/adapters/crypto/chain-key.ts), so that whoever can write the database but lacks the master key cannot link
   * records again after rewriting one. Absent, plain SHA-256 (an unkeyed chain). The audit writer thread
   * (`auditAppender`) must be given the same key.
   */
  readonly chainDigest?: (text: string) => string;
}

/** The part of the audit log the use cases write to. */
export type AuditSink = Pick<import('./audit.ts').Audit, 'record' | 'decision' | 'gate'>;
type AppMetrics = import('./metrics.ts').AppMetrics;

/** One key of the session-token key ring. */
export interface RingKeyData {
  readonly kid: string;
  readonly key: Uint8Array;
  readonly created: number;
  readonly retired?: number;
  /**
   * Epoch ms: the key was made by a rotation that dropped every other key (`gatehouse keys rotate --drop-retired`) at
   * this instant; sessions issued before it are refused (src/app/live.ts `isRevoked`), whatever holds their claims.
   */
  readonly dropped?: number;
}

/** Seals and opens self-contained session tokens (adapters/crypto/session-token.ts). */
export interface SessionCrypto {
  newKey(now: number): RingKeyData;
  /** Seals with the newest key of `keys`. */
  seal(keys: readonly RingKeyData[], claims: import('../core/sts/session.ts').SessionClaims): string;
  open(
    keys: readonly RingKeyData[],
    token: string,
    accessKeyId: string,
  ): { readonly ok: true; readonly claims: import('../core/sts/session.ts').SessionClaims } | { readonly ok: false; readonly reason: string };
  serialise(keys: readonly RingKeyData[]): string;
  parse(text: string): RingKeyData[];
}

/** A JSON Web Key (RFC 7517) as JSON. */
export type Jwk = Readonly<Record<string, unknown>>;
export interface JwkSet {
  readonly keys: readonly Jwk[];
}

/** One signing key of the workload identity issuer; `jwk` holds the private key (sealed at rest). */
export interface SigningKeyData {
  /** RFC 7638 thumbprint of the public key. */
  readonly kid: string;
  readonly alg: string;
  /** Epoch ms. */
  readonly created: number;
  readonly jwk: Jwk;
}

export interface IdentityTokenCheck {
  readonly jwks: JwkSet;
  /** The exact `iss` expected. */
  readonly issuer: string;
  /** `aud` must name one of these. */
  readonly audiences: readonly string[];
  /** Epoch ms. */
  readonly now: number;
  /** Tolerance on `exp` and `nbf`. */
  readonly skewSeconds: number;
  /** Tolerance on `exp` alone when it is wider than `skewSeconds` (AWS STS's five minutes past a web identity token's `exp`). */
  readonly expirySkewSeconds?: number;
  /** The signature algorithms (`alg`) taken; absent, every asymmetric one the verifier knows. */
  readonly algorithms?: readonly string[];
}

export type VerifiedIdentityToken =
  | { readonly ok: true; readonly claims: Readonly<Record<string, unknown>> }
  /**
   * `audience`: signed by the provider, but its `aud` names none of the audiences asked; `signature`: read, but no key of
   * the provider that fits it verifies its signature. Alibaba STS answers both apart from a token it cannot read. `key`:
   * read, but no key of the provider fits it (its `kid`, or its `alg` and key type): a token Alibaba cannot read.
   */
  | { readonly ok: false; readonly reason: 'expired' | 'audience' | 'signature' | 'key' | 'invalid'; readonly message: string };

/** Signs and verifies JWTs (adapters/crypto/oidc-keys.ts) and fetches an issuer's JWKS (adapters/http/oidc.ts). */
export interface OidcCrypto {
  newSigningKey(now: number): Promise<SigningKeyData>;
  /** The public half, as published in the JWKS. */
  publicJwk(key: SigningKeyData): Jwk;
  sign(key: SigningKeyData, claims: Readonly<Record<string, unknown>>): Promise<string>;
  verify(token: string, check: IdentityTokenCheck): Promise<VerifiedIdentityToken>;
  /** `iss`, `kid` and `alg` read without verification, to find the provider; undefined when not a JWT. */
  peek(token: string): { readonly iss: string; readonly kid: string | undefined; readonly alg: string | undefined } | undefined;
  /** Validates a JWKS document (public signature keys only). */
  parseJwks(input: string | unknown): { readonly ok: true; readonly jwks: JwkSet } | { readonly ok: false; readonly message: string };
  /** OIDC discovery: `<issuer>/.well-known/openid-configuration`, its `issuer` checked, then its `jwks_uri`. */
  /**
   * `unreachable` on a failure: the issuer's documents could not be read (no answer, a status other than 200, not JSON,
   * a discovery document naming another issuer, a JWKS that does not answer), as against a document or key set read but
   * refused (a `jwks_uri` that is not https, keys refused by `parseJwks`).
   */
  fetchJwks(issuer: string): Promise<{ readonly ok: true; readonly jwks: JwkSet } | { readonly ok: false; readonly message: string; readonly unreachable?: boolean }>;
}
