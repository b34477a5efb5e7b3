/**
 * Secrets never reach the audit log (DESIGN.md "Tokens and secrets"). Use cases record what they know, and this
 * walk replaces, before anything is hashed or written, every value under a key that names a secret — secret keys,
 * session and security tokens, sealed secrets, passwords, capabilities, private key material — and any string
 * that carries a PEM private key. Access key ids are kept: they name a key, as CloudTrail records them.
 */

export const REDACTED = '[redacted]';

/** Keys whose values are secrets, compared without case and without `_`/`-`. */
const SECRET_KEYS = new Set(
  [
    'secret',
    'secretaccesskey',
    'accesskeysecret',
    'secretkey',
    'sk',
    'sessiontoken',
    'securitytoken',
    'token',
    'webidentitytoken',
    'idtoken',
    'accesstoken',
    'refreshtoken',
    'bearertoken',
    'authorization',
    'password',
    'passwd',
    'passphrase',
    'sealed',
    'sealedsecret',
    'masterkey',
    'privatekey',
    'capability',
    'credentials',
    'clientsecret',
  ].map((k) => k),
);

/** Private members of a JSON Web Key (RFC 7518 §6.2.2, §6.3.2, §6.4). */
const JWK_PRIVATE = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']);

const normalise = (key: string): string => key.replace(/[-_]/g, '').toLowerCase();

/** Answers per key name, remembered: records repeat the same few keys. Bounded, so hostile input cannot grow it. */
const verdicts = new Map<string, boolean>();

export function isSecretKey(key: string): boolean {
  let v = verdicts.get(key);
  if (v === undefined) {
    const k = normalise(key);
    // A secret key or private key under a prefix is one too: `AWS_SECRET_ACCESS_KEY` (the environment's and the
    // credentials file's name), `MINIO_SECRET_KEY`, `ssh_private_key` were kept in clear (review nm, 4).
    v = SECRET_KEYS.has(k) || k.endsWith('secret') || k.endsWith('token') || k.endsWith('password') || k.endsWith('secretaccesskey') || k.endsWith('secretkey') || k.endsWith('privatekey');
    if (verdicts.size >= 10_000) verdicts.clear();
    verdicts.set(key, v);
  }
  return v;
}

const PEM_PRIVATE = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** A deep copy of `value` with every secret replaced by `[redacted]`; cycles and depth beyond 32 are cut. */
export function redact<T>(value: T): T {
  return walk(value, 0, new WeakSet()) as T;
}

function walk(v: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof v === 'string') return PEM_PRIVATE.test(v) ? REDACTED : v;
  if (v === null || typeof v !== 'object') return typeof v === 'bigint' ? String(v) : typeof v === 'function' || typeof v === 'symbol' ? undefined : v;
  if (depth >= 32 || seen.has(v)) return '[cut]';
  seen.add(v);
  if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1, seen));
  const isJwk = typeof (v as Record<string, unknown>)['kty'] === 'string';
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined) continue;
    out[k] = isSecretKey(k) || (isJwk && JWK_PRIVATE.has(k)) ? REDACTED : walk(x, depth + 1, seen);
  }
  return out;
}
