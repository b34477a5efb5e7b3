/**
 * Self-contained session tokens: the session's claims, AES-256-GCM-encrypted under a key of the session
 * key ring, the key id in clear so any instance holding the ring can open it without a database read.
 * The access key id is authenticated data: a token presented with another key id does not open.
 *
 * Format: `GH1.<kid>.<base64url(iv ‖ ciphertext ‖ tag)>`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SessionClaims } from '../../core/sts/session.ts';

export interface RingKey {
  /** 8 hex digits. */
  readonly kid: string;
  /** 32 bytes. */
  readonly key: Buffer;
  /** Epoch ms. */
  readonly created: number;
  /** Epoch ms when a newer key took over; the key still opens tokens until they all expire. */
  readonly retired?: number;
}

export interface KeyRing {
  /** The key new tokens are sealed with: the newest. */
  readonly active: RingKey;
  readonly byKid: ReadonlyMap<string, RingKey>;
}

export function keyRingOf(keys: readonly RingKey[]): KeyRing {
  if (keys.length === 0) throw new Error('session key ring is empty');
  const sorted = [...keys].sort((a, b) => b.created - a.created);
  return { active: sorted[0] as RingKey, byKid: new Map(sorted.map((k) => [k.kid, k])) };
}

export function newRingKey(now: number): RingKey {
  return { kid: randomBytes(4).toString('hex'), key: randomBytes(32), created: now };
}

const PREFIX = 'GH1';
const AAD_PREFIX = 'gatehouse-session-v1|';

export function sealSession(ring: KeyRing, claims: SessionClaims): string {
  const iv = randomBytes(12);
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
    return { ok: true, claims };
  } catch {
    return { ok: false, reason: 'tampered' };
  }
}

/** Serialised ring, for sealing under the master key and keeping in the store. */
export function serialiseRing(keys: readonly RingKey[]): string {
  return JSON.stringify(keys.map((k) => ({ kid: k.kid, key: k.key.toString('base64'), created: k.created, ...(k.retired !== undefined ? { retired: k.retired } : {}) })));
}

export function parseRing(text: string): RingKey[] {
  const arr = JSON.parse(text) as { kid: string; key: string; created: number; retired?: number }[];
  return arr.map((k) => ({ kid: k.kid, key: Buffer.from(k.key, 'base64'), created: k.created, ...(k.retired !== undefined ? { retired: k.retired } : {}) }));
}

type KeyData = { kid: string; key: Uint8Array; created: number; retired?: number };
/** Rings built once per key list (the app swaps the list on rotation), so the hot path does no sorting. */
const rings = new WeakMap<readonly KeyData[], KeyRing>();
function ringFor(keys: readonly KeyData[]): KeyRing {
  let r = rings.get(keys);
  if (!r) rings.set(keys, (r = keyRingOf(keys.map(asRingKey))));
  return r;
}

/** The app's `SessionCrypto` port over this module. */
export const sessionCrypto = {
  newKey: (now: number): RingKey => newRingKey(now),
  seal: (keys: readonly KeyData[], claims: SessionClaims): string => sealSession(ringFor(keys), claims),
  open: (keys: readonly KeyData[], token: string, accessKeyId: string): OpenedSession => openSession(ringFor(keys), token, accessKeyId),
  serialise: (keys: readonly { kid: string; key: Uint8Array; created: number; retired?: number }[]): string => serialiseRing(keys.map(asRingKey)),
  parse: (text: string): RingKey[] => parseRing(text),
};

function asRingKey(k: KeyData): RingKey {
  return { kid: k.kid, key: Buffer.isBuffer(k.key) ? k.key : Buffer.from(k.key), created: k.created, ...(k.retired !== undefined ? { retired: k.retired } : {}) };
}
