/**
 * JSON Web Tokens for workload identity, with `jose` (panva): the issuer's ES256 signing keys (created,
 * published as a JWKS, used to sign), and the verification of tokens from registered OIDC providers
 * against their JWKS (RFC 7515, 7517, 7519, 7638). No JWT cryptography is written here by hand.
 *
 * Keys travel as JWK JSON (plain data the app can seal under the master key and keep in the store); the
 * `CryptoKey` objects built from them are cached, so signing and verifying import a key once.
 */
import { calculateJwkThumbprint, createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { IdentityTokenCheck, Jwk, JwkSet, OidcCrypto, SigningKeyData, VerifiedIdentityToken } from '../../app/deps.ts';

/** The one algorithm Gatehouse signs with: ECDSA P-256 (small keys and signatures, what Kubernetes and most IdPs accept). */
export const SIGNING_ALG = 'ES256';

/** Algorithms accepted from providers: asymmetric only (an `HS*` token would be signed with a public key). */
const VERIFY_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** JWK members that carry private or symmetric key material: never accepted in a provider's JWKS. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];
const KEY_TYPES = new Set(['RSA', 'EC', 'OKP']);
export const MAX_JWKS_KEYS = 100;
/** jose (and RFC 7518 §3.3) refuse RSA signatures with shorter keys: such a key could never verify a token. */
export const MIN_RSA_BITS = 2048;

/** Size in bits of an RSA JWK's modulus `n` (base64url), leading zero bytes not counted; undefined when `n` is not a string. */
function rsaBits(n: unknown): number | undefined {
  if (typeof n !== 'string') return undefined;
  const bytes = Buffer.from(n, 'base64url');
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i] as number));
}
export const MAX_TOKEN_CHARS = 20_000;

const CACHE_MAX = 256;
const signingKeys = new Map<string, CryptoKey>();
const keySets = new Map<string, ReturnType<typeof createLocalJWKSet>>();

function remember<V>(map: Map<string, V>, key: string, value: V): V {
  if (map.size >= CACHE_MAX) map.delete(map.keys().next().value as string);
  map.set(key, value);
  return value;
}

function publicOf(jwk: Jwk): Jwk {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(jwk)) if (!PRIVATE_MEMBERS.includes(k)) out[k] = v;
  return out;
}

async function newSigningKey(now: number): Promise<SigningKeyData> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  // RFC 7638 thumbprint of the public key: a stable key id any party can recompute.
  const kid = await calculateJwkThumbprint(publicOf(jwk as Jwk) as JWK);
  return { kid, alg: SIGNING_ALG, created: now, jwk: { ...jwk, kid, alg: SIGNING_ALG, use: 'sig' } };
}

function publicJwk(key: SigningKeyData): Jwk {
  return publicOf(key.jwk);
}

async function sign(key: SigningKeyData, claims: Readonly<Record<string, unknown>>): Promise<string> {
  let k = signingKeys.get(key.kid);
  if (!k) k = remember(signingKeys, key.kid, (await importJWK(key.jwk as JWK, key.alg)) as CryptoKey);
  return new SignJWT({ ...claims } as JWTPayload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(k);
}

function keySetOf(jwks: JwkSet): ReturnType<typeof createLocalJWKSet> {
  const text = JSON.stringify(jwks);
  return keySets.get(text) ?? remember(keySets, text, createLocalJWKSet(jwks as { keys: JWK[] }));
}

/** A token without `kid` (or with a `kid` several keys share) is tried against at most this many keys that fit its `alg`. */
export const MAX_CANDIDATE_KEYS = 10;

/** Why a token was refused, from what jose threw. */
function refusal(e: unknown): VerifiedIdentityToken {
  if (e instanceof errors.JWTExpired) return { ok: false, reason: 'expired', message: 'the token has expired' };
  if (e instanceof errors.JWTClaimValidationFailed) {
    const claim = e.claim;
    const why = claim === 'aud' ? 'its audience (`aud`) is not a client id of the provider' : claim === 'iss' ? 'its issuer (`iss`) is not the provider URL' : claim === 'nbf' ? 'it is not valid yet (`nbf`)' : `claim \`${claim}\` is invalid (${e.reason})`;
    return { ok: false, reason: claim === 'aud' ? 'audience' : 'invalid', message: why };
  }
  if (e instanceof errors.JWKSNoMatchingKey) return { ok: false, reason: 'key', message: 'no key of the provider matches the token (`kid`/`alg`)' };
  if (e instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: 'signature', message: 'the signature does not verify' };
  if (e instanceof errors.JOSEError) return { ok: false, reason: 'invalid', message: `the token is malformed or unsupported (${e.code})` };
  // A provider registered before short RSA keys were refused (parseJwks) can still hold one.
  if (e instanceof TypeError && /modulusLength/.test(e.message)) return { ok: false, reason: 'invalid', message: `the provider's key for this token is an RSA key under ${MIN_RSA_BITS} bits, which is refused: the issuer must sign with a longer key` };
  return { ok: false, reason: 'invalid', message: 'the token is malformed' };
}

/**
 * Verifies signature (against `jwks`), `iss`, `aud`, `exp` and `nbf` (with `skewSeconds` either way; `exp` with
 * `expirySkewSeconds` when that is wider), and
 * that `sub` and `exp` are present. jose checks the signature before any claim, so an expired token with a
 * bad signature is `invalid`, never `expired`. When several keys fit the token (no `kid`, as some issuers send
 * during a rotation, and two keys of its type), each is tried in turn (at most MAX_CANDIDATE_KEYS): the first
 * whose signature verifies decides.
 */
async function verify(token: string, check: IdentityTokenCheck): Promise<VerifiedIdentityToken> {
  if (token.length > MAX_TOKEN_CHARS) return { ok: false, reason: 'invalid', message: 'the token is too long' };
  // jose applies one tolerance to `exp` and `nbf`: the wider `exp` one, then `nbf` is held to `skewSeconds` here.
  const expirySkew = Math.max(check.skewSeconds, check.expirySkewSeconds ?? 0);
  const options = {
    algorithms: check.algorithms !== undefined ? VERIFY_ALGS.filter((a) => check.algorithms?.includes(a)) : VERIFY_ALGS,
    issuer: check.issuer,
    audience: [...check.audiences],
    clockTolerance: expirySkew,
    currentDate: new Date(check.now),
    requiredClaims: ['sub', 'exp'],
  };
  const notYet = (claims: Readonly<Record<string, unknown>>): VerifiedIdentityToken | undefined => {
    const nbf = claims['nbf'];
    return typeof nbf === 'number' && nbf > check.now / 1000 + check.skewSeconds ? { ok: false, reason: 'invalid', message: 'it is not valid yet (`nbf`)' } : undefined;
  };
  try {
    const { payload } = await jwtVerify(token, keySetOf(check.jwks), options);
    return notYet(payload) ?? { ok: true, claims: payload as Readonly<Record<string, unknown>> };
  } catch (e) {
    if (!(e instanceof errors.JWKSMultipleMatchingKeys)) return refusal(e);
    let tried = 0;
    for await (const key of e) {
      if (++tried > MAX_CANDIDATE_KEYS) break;
      try {
        const { payload } = await jwtVerify(token, key, options);
        return notYet(payload) ?? { ok: true, claims: payload as Readonly<Record<string, unknown>> };
      } catch (err) {
        // The signature verified and the claims refuse it: that is the answer. Otherwise (another key's signature, a key
        // jose will not use for this algorithm), the next key.
        if (err instanceof errors.JWTExpired || err instanceof errors.JWTClaimValidationFailed || err instanceof errors.JWTInvalid) return refusal(err);
      }
    }
    return { ok: false, reason: 'signature', message: 'the signature does not verify against any key of the provider that fits the token' };
  }
}

/** `iss`, `kid` and `alg` of a token, read without verifying: only to choose the provider that will verify it. */
function peek(token: string): { iss: string; kid: string | undefined; alg: string | undefined } | undefined {
  if (token.length > MAX_TOKEN_CHARS) return undefined;
  try {
    const payload = decodeJwt(token);
    const header = decodeProtectedHeader(token);
    return typeof payload.iss === 'string' ? { iss: payload.iss, kid: typeof header.kid === 'string' ? header.kid : undefined, alg: typeof header.alg === 'string' ? header.alg : undefined } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads a provider's JWKS: `{"keys": [...]}` of public signature keys (RSA, EC, OKP), at most 100. Keys
 * marked for encryption (RFC 7517 §4.2) and keys of another type (§5) are dropped; a key without a type, private or
 * symmetric material, and RSA signature keys under 2048 bits, are refused outright (the whole set, with the key named).
 */
function parseJwks(input: string | unknown): { ok: true; jwks: JwkSet } | { ok: false; message: string } {
  let value: unknown = input;
  if (typeof input === 'string') {
    if (input.length > 256 * 1024) return { ok: false, message: 'the JWKS is larger than 256 KiB' };
    try {
      value = JSON.parse(input);
    } catch {
      return { ok: false, message: 'the JWKS is not JSON' };
    }
  }
  const keys = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys)) return { ok: false, message: 'a JWKS is an object with a `keys` array' };
  if (keys.length > MAX_JWKS_KEYS) return { ok: false, message: `a JWKS may hold at most ${MAX_JWKS_KEYS} keys` };
  const out: Jwk[] = [];
  for (const [i, k] of keys.entries()) {
    if (typeof k !== 'object' || k === null || Array.isArray(k)) return { ok: false, message: `keys[${i}] is not an object` };
    const jwk = k as Record<string, unknown>;
    if (typeof jwk['kty'] !== 'string') return { ok: false, message: `keys[${i}]: a key needs its type (\`kty\`, RFC 7517 §4.1)` };
    const secret = PRIVATE_MEMBERS.find((m) => m in jwk);
    if (secret !== undefined) return { ok: false, message: `keys[${i}] holds private key material (\`${secret}\`): publish only public keys` };
    // A key of a type not known here (an `AKP` post-quantum key, a type to come) is left out, as RFC 7517 §5 asks ("SHOULD
    // ignore JWKs … that use "kty" values that are not understood"): it refused the whole set, so an issuer publishing one
    // beside its signing keys could not be registered, and a provider whose issuer added one refused every token once its
    // set was read again (review vc, 1). Private material is refused above whatever the type.
    if (!KEY_TYPES.has(jwk['kty'])) continue;
    if (jwk['use'] !== undefined && jwk['use'] !== 'sig') continue;
    if (jwk['kty'] === 'RSA') {
      const bits = rsaBits(jwk['n']);
      const name = typeof jwk['kid'] === 'string' ? ` (kid \`${jwk['kid'].slice(0, 64)}\`)` : '';
      if (bits === undefined) return { ok: false, message: `keys[${i}]${name}: an RSA key needs its modulus \`n\`` };
      if (bits < MIN_RSA_BITS) return { ok: false, message: `keys[${i}]${name} is an RSA key of ${bits} bits: RSA keys under ${MIN_RSA_BITS} bits are refused (no token signed with one would verify); the issuer must publish longer keys` };
    }
    out.push(publicOf(jwk));
  }
  if (out.length === 0) return { ok: false, message: 'the JWKS holds no signature key' };
  return { ok: true, jwks: { keys: out } };
}

/** The app's `OidcCrypto` port, without the network half (`fetchJwks`, adapters/http/oidc.ts). */
export const oidcCrypto: Omit<OidcCrypto, 'fetchJwks'> = { newSigningKey, publicJwk, sign, verify, peek, parseJwks };
