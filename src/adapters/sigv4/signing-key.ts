/**
 * SigV4 signing-key derivation with a small bounded cache.
 *
 * kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, yyyymmdd), region), service), "aws4_request")
 * (AWS "Calculate the signature for AWS Signature Version 4"). Four HMACs per request would be the
 * larger part of a verification; a key is valid for one (secret, day, region, service), and a server
 * sees few of those at a time, so a cache turns the derivation into one Map lookup.
 *
 * The cache holds derived keys, which are as sensitive as the secrets they come from (for that day,
 * region and service); it lives in process memory only, next to the secrets the caller already holds.
 */
import { createHmac, createSecretKey, hash, type KeyObject } from 'node:crypto';

/**
 * A derived key in the two forms its users want: a `KeyObject` for `createHmac`, and the key XORed into the
 * SHA-256 inner and outer pads (RFC 2104 §2: the key, 32 bytes, zero-padded to the 64-byte block), so that
 * the request signature can be two one-shot hashes (`hmacHex`) instead of an `Hmac` object per request.
 */
interface DerivedKey {
  readonly key: KeyObject;
  readonly innerPad: Buffer;
  readonly outerPad: Buffer;
}

const BLOCK = 64;

function derived(raw: Buffer): DerivedKey {
  const innerPad = Buffer.alloc(BLOCK, 0x36);
  const outerPad = Buffer.alloc(BLOCK, 0x5c);
  for (let i = 0; i < raw.length; i++) {
    innerPad[i]! ^= raw[i]!;
    outerPad[i]! ^= raw[i]!;
  }
  return { key: createSecretKey(raw), innerPad, outerPad };
}

const DEFAULT_MAX_SECRETS = 1024;
/** Scopes kept per secret: a secret is normally used for one or two services on one day. */
const MAX_SCOPES_PER_SECRET = 8;

let maxSecrets = DEFAULT_MAX_SECRETS;
// secret → scope → key. Two levels instead of one `${scope}${secret}` key: the caller hands us the
// same secret string every time, and V8 caches a string's hash in the string, so the lookup hashes
// only the short scope. Both levels are insertion-ordered Maps used as FIFOs: when full, the oldest
// entry goes; a hit does not reorder (cheaper than LRU; a hot key evicted is re-derived once).
const cache = new Map<string, Map<string, DerivedKey>>();

const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

export const deriveSigningKey = (secret: string, date: string, region: string, service: string): Buffer =>
  hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');

/** `scope` is `yyyymmdd/region/service/aws4_request`, already validated by the parser. */
export const signingKey = (secret: string, scope: string, date: string, region: string, service: string): KeyObject =>
  derivedKey(secret, scope, date, region, service).key;

/** The signing key's pads (see `DerivedKey`), from the same cache as `signingKey`. */
export const signingPads = (secret: string, scope: string, date: string, region: string, service: string): { readonly innerPad: Buffer; readonly outerPad: Buffer } =>
  derivedKey(secret, scope, date, region, service);

/**
 * The key handed out last, by what it was derived from: a server's requests come signed with a few keys for one scope
 * each, and the scope string is built anew for every request, so the Map lookup hashes it each time where comparing
 * its three short parts (the scope is made of them alone) does not.
 */
let last: { readonly secret: string; readonly date: string; readonly region: string; readonly service: string; readonly key: DerivedKey } | undefined;

const derivedKey = (secret: string, scope: string, date: string, region: string, service: string): DerivedKey => {
  if (last !== undefined && last.secret === secret && last.date === date && last.region === region && last.service === service) return last.key;
  const key = cachedKey(secret, scope, date, region, service);
  last = { secret, date, region, service, key };
  return key;
};

const cachedKey = (secret: string, scope: string, date: string, region: string, service: string): DerivedKey => {
  let scopes = cache.get(secret);
  const hit = scopes?.get(scope);
  if (hit !== undefined) return hit;
  const key = derived(deriveSigningKey(secret, date, region, service));
  if (scopes === undefined) {
    if (cache.size >= maxSecrets) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
    scopes = new Map();
    cache.set(secret, scopes);
  } else if (scopes.size >= MAX_SCOPES_PER_SECRET) {
    const oldest = scopes.keys().next();
    if (oldest.done !== true) scopes.delete(oldest.value);
  }
  scopes.set(scope, key);
  return key;
};

/** Drop every cached key (tests; or after a mass secret rotation). */
export const clearSigningKeyCache = (): void => {
  cache.clear();
  last = undefined;
};

/** Bound the cache to this many secrets (default 1024; up to 8 keys each). Shrinking drops the oldest. */
export const setSigningKeyCacheSize = (secrets: number): void => {
  if (!Number.isInteger(secrets) || secrets < 1) throw new RangeError(`signing-key cache size must be a positive integer, got ${secrets}`);
  maxSecrets = secrets;
  for (const key of cache.keys()) {
    if (cache.size <= maxSecrets) break;
    cache.delete(key);
  }
};

/** Number of cached signing keys. */
export const signingKeyCacheSize = (): number => {
  let n = 0;
  for (const scopes of cache.values()) n += scopes.size;
  return n;
};

/**
 * HMAC-SHA256 (RFC 2104) of an ASCII `message` under the key whose pads are given, as hex: SHA-256(outer pad ‖
 * SHA-256(inner pad ‖ message)), two one-shot hashes over pool Buffers. The same value as
 * `createHmac('sha256', key).update(message).digest('hex')` (checked against it in canonical.test.ts), without
 * constructing an `Hmac` stream object on every request. `message` must be ASCII (its bytes are then its latin1
 * form): the SigV4 string to sign is, by construction (the algorithm, a validated ISO 8601 date, a scope of
 * `[a-z0-9-]`, a hex hash).
 */
export const hmacHex = (innerPad: Buffer, outerPad: Buffer, message: string): string => {
  const inner = Buffer.allocUnsafe(innerPad.length + message.length);
  innerPad.copy(inner, 0);
  inner.write(message, innerPad.length, 'latin1');
  const outer = Buffer.allocUnsafe(outerPad.length + 32);
  outerPad.copy(outer, 0);
  outer.write(hash('sha256', inner, 'binary'), outerPad.length, 'latin1');
  return hash('sha256', outer, 'hex');
};
