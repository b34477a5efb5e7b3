/**
 * Self-contained session tokens: the session's claims, AES-256-GCM-encrypted under a key of the session
 * key ring, the key id in clear so any instance holding the ring can open it without a database read.
 * The access key id is authenticated data: a token presented with another key id does not open.
 *
 * Format: `GH1.<kid>.<base64url(iv ‖ ciphertext ‖ tag)>`.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomFillSync } from 'node:crypto';
import { RETIRED_KEY_OPENS_MS, RETIRED_KEY_SKEW_MS, type SessionClaims } from '../../core/sts/session.ts';

export interface RingKey {
  /** 8 hex digits. */
  readonly kid: string;
  /** 32 bytes. */
  readonly key: Buffer;
  /** Epoch ms. */
  readonly created: number;
  /** Epoch ms when a newer key took over; the key still opens tokens until they all expire. */
  readonly retired?: number;
  /** Epoch ms when a rotation made this key and dropped every other one (`keys rotate --drop-retired`). */
  readonly dropped?: number;
}

export interface KeyRing {
  /** The key new tokens are sealed with: the newest not retired. */
  readonly active: RingKey;
  readonly byKid: ReadonlyMap<string, RingKey>;
}

/**
 * The sealing key is the newest key not retired (a rotation retires every other one), not the newest by creation
 * stamp: the stamp is the clock of the instance that rotated, and a rotation through an instance whose clock is
 * behind must still take over (review instances, M3). A ring with every key retired (none written so) seals with
 * the newest.
 */
export function keyRingOf(keys: readonly RingKey[]): KeyRing {
  if (keys.length === 0) throw new Error('session key ring is empty');
  const sorted = [...keys].sort((a, b) => b.created - a.created);
  const active = sorted.find((k) => k.retired === undefined) ?? sorted[0];
  return { active: active as RingKey, byKid: new Map(sorted.map((k) => [k.kid, k])) };
}

export function newRingKey(now: number): RingKey {
  return { kid: randomBytes(4).toString('hex'), key: randomBytes(32), created: now };
}

const PREFIX = 'GH1';
const AAD_PREFIX = 'gatehouse-session-v1|';

/**
 * Nonces come from a pool of CSPRNG bytes refilled 4 KiB at a time: one `randomBytes` call costs about as
 * much as sealing itself, whatever its size. Each byte is handed out once, so nonces stay random and unique
 * per key as GCM requires.
 */
const NONCE_POOL = Buffer.allocUnsafe(4096);
let noncePoolUsed = NONCE_POOL.length;
function nonce(): Buffer {
  if (noncePoolUsed + 12 > NONCE_POOL.length) {
    randomFillSync(NONCE_POOL);
    noncePoolUsed = 0;
  }
  const iv = Buffer.from(NONCE_POOL.subarray(noncePoolUsed, noncePoolUsed + 12));
  NONCE_POOL.fill(0, noncePoolUsed, noncePoolUsed + 12);
  noncePoolUsed += 12;
  return iv;
}

export function sealSession(ring: KeyRing, claims: SessionClaims): string {
  const iv = nonce();
  const cipher = createCipheriv('aes-256-gcm', ring.active.key, iv);
  cipher.setAAD(Buffer.from(AAD_PREFIX + claims.ak));
  const ct = Buffer.concat([cipher.update(JSON.stringify(claims), 'utf8'), cipher.final()]);
  return `${PREFIX}.${ring.active.kid}.${Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64url')}`;
}

export type OpenedSession = { readonly ok: true; readonly claims: SessionClaims } | { readonly ok: false; readonly reason: 'malformed' | 'unknown-key' | 'tampered' };

/** Opens a token presented with `accessKeyId`. Never throws on bad input. */
export function openSession(ring: KeyRing, token: string, accessKeyId: string): OpenedSession {
  if (token.length > 16_384) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) return { ok: false, reason: 'malformed' };
  const key = ring.byKid.get(parts[1] as string);
  if (!key) return { ok: false, reason: 'unknown-key' };
  const raw = Buffer.from(parts[2] as string, 'base64url');
  if (raw.length < 12 + 16 + 2) return { ok: false, reason: 'malformed' };
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(AAD_PREFIX + accessKeyId));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    const pt = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
    const claims = JSON.parse(pt.toString('utf8')) as SessionClaims;
    if (claims.v !== 1 || claims.ak !== accessKeyId) return { ok: false, reason: 'tampered' };
    // A retired key sealed no session issued after its retirement (give or take the clock skew) nor lasting past it plus
    // the longest session and the skew: a token that claims either was sealed by someone else holding the key (leaked,
    // then rotated out: review uv, 1). So a key retired longer ago than that opens nothing, whether or not a later
    // rotation has dropped it from the ring, and a revocation of sessions issued before a time past the retirement
    // and the skew (`revoke-sessions`, a user disabled) reaches every token the key still opens: they are refused by
    // issue time, which a forged token would otherwise set past the revocation.
    if (key.retired !== undefined && !(typeof claims.exp === 'number' && claims.exp <= key.retired + RETIRED_KEY_OPENS_MS && typeof claims.iat === 'number' && claims.iat <= key.retired + RETIRED_KEY_SKEW_MS)) return { ok: false, reason: 'tampered' };
    return { ok: true, claims };
  } catch {
    return { ok: false, reason: 'tampered' };
  }
}

/** Serialised ring, for sealing under the master key and keeping in the store. */
export function serialiseRing(keys: readonly RingKey[]): string {
  return JSON.stringify(keys.map((k) => ({ kid: k.kid, key: k.key.toString('base64'), created: k.created, ...(k.retired !== undefined ? { retired: k.retired } : {}), ...(k.dropped !== undefined ? { dropped: k.dropped } : {}) })));
}

export function parseRing(text: string): RingKey[] {
  const arr = JSON.parse(text) as { kid: string; key: string; created: number; retired?: number; dropped?: number }[];
  return arr.map((k) => ({ kid: k.kid, key: Buffer.from(k.key, 'base64'), created: k.created, ...(k.retired !== undefined ? { retired: k.retired } : {}), ...(typeof k.dropped === 'number' ? { dropped: k.dropped } : {}) }));
}

type KeyData = { kid: string; key: Uint8Array; created: number; retired?: number; dropped?: number };

/** Tokens opened recently under one ring, token text → claims (frozen: every request shares them). */
const OPENED_MAX = 8192;
/**
 * And at most this much token text (UTF-16 code units; the claims opened from a token take about as much again). A
 * token is 400 characters without session tags, about 11,000 with 31 transitive tags of 128-character keys: 8,192 of
 * those held 178 MB, and any principal allowed to tag a session could fill the cache with them (review sts, E7). 32 Mi
 * characters hold 8,192 tokens of up to 4,096 characters (a job's session with a 2,048-character inline policy is about
 * 3,300), and about 2,950 of the largest: some 60 MB.
 */
const OPENED_MAX_CHARS = 32 * 1024 * 1024;
interface RingState {
  readonly ring: KeyRing;
  readonly opened: Map<string, SessionClaims>;
  /** Characters of the tokens in `opened`. */
  chars: number;
}

/**
 * Rings built once per key list (the app swaps the list on rotation), so the hot path does no sorting; and
 * with each, the tokens it opened. A session presents the same token on every request, so the hot path
 * becomes one map lookup instead of an AES-GCM decryption and a JSON parse. A hit is as good as opening
 * the token again: the text is the very ciphertext that opened, and the access key id it was bound to is
 * compared. Expiry and revocation are the caller's to check on every request, as before.
 */
const rings = new WeakMap<readonly KeyData[], RingState>();
function stateFor(keys: readonly KeyData[]): RingState {
  let r = rings.get(keys);
  if (!r) rings.set(keys, (r = { ring: keyRingOf(keys.map(asRingKey)), opened: new Map(), chars: 0 }));
  return r;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function openCached(keys: readonly KeyData[], token: string, accessKeyId: string): OpenedSession {
  const state = stateFor(keys);
  const hit = state.opened.get(token);
  if (hit !== undefined) return hit.ak === accessKeyId ? { ok: true, claims: hit } : { ok: false, reason: 'tampered' };
  const opened = openSession(state.ring, token, accessKeyId);
  if (opened.ok) {
    // FIFO eviction: cheaper than LRU, and a hot token evicted is opened once more.
    while (state.opened.size > 0 && (state.opened.size >= OPENED_MAX || state.chars + token.length > OPENED_MAX_CHARS)) {
      const oldest = state.opened.keys().next().value as string;
      state.opened.delete(oldest);
      state.chars -= oldest.length;
    }
    state.opened.set(token, deepFreeze(opened.claims));
    state.chars += token.length;
  }
  return opened;
}

/** What the opened-token cache of a key list holds: tokens and their characters (tests). */
export function openedHeld(keys: readonly KeyData[]): { readonly tokens: number; readonly chars: number } {
  const state = rings.get(keys);
  return { tokens: state?.opened.size ?? 0, chars: state?.chars ?? 0 };
}

/** The app's `SessionCrypto` port over this module. */
export const sessionCrypto = {
  newKey: (now: number): RingKey => newRingKey(now),
  seal: (keys: readonly KeyData[], claims: SessionClaims): string => sealSession(stateFor(keys).ring, claims),
  open: (keys: readonly KeyData[], token: string, accessKeyId: string): OpenedSession => openCached(keys, token, accessKeyId),
  serialise: (keys: readonly KeyData[]): string => serialiseRing(keys.map(asRingKey)),
  parse: (text: string): RingKey[] => parseRing(text),
};

function asRingKey(k: KeyData): RingKey {
  return { kid: k.kid, key: Buffer.isBuffer(k.key) ? k.key : Buffer.from(k.key), created: k.created, ...(k.retired !== undefined ? { retired: k.retired } : {}), ...(k.dropped !== undefined ? { dropped: k.dropped } : {}) };
}
