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
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

const DEFAULT_MAX_SECRETS = 1024;
/** Scopes kept per secret: a secret is normally used for one or two services on one day. */
const MAX_SCOPES_PER_SECRET = 8;

let maxSecrets = DEFAULT_MAX_SECRETS;
// secret → scope → key. Two levels instead of one `${scope}${secret}` key: the caller hands us the
// same secret string every time, and V8 caches a string's hash in the string, so the lookup hashes
// only the short scope. Both levels are insertion-ordered Maps used as FIFOs: when full, the oldest
// entry goes; a hit does not reorder (cheaper than LRU; a hot key evicted is re-derived once).
const cache = new Map<string, Map<string, KeyObject>>();

const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

export const deriveSigningKey = (secret: string, date: string, region: string, service: string): Buffer =>
  hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');

/** `scope` is `yyyymmdd/region/service/aws4_request`, already validated by the parser. */
export const signingKey = (secret: string, scope: string, date: string, region: string, service: string): KeyObject => {
  let scopes = cache.get(secret);
  const hit = scopes?.get(scope);
  if (hit !== undefined) return hit;
  const key = createSecretKey(deriveSigningKey(secret, date, region, service));
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
