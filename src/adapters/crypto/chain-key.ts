/**
 * The audit chain's key: HMAC-SHA256 under a key derived from the master key (HKDF-SHA256, info
 * `gatehouse audit chain v1`), so that a record rewritten in the database cannot be linked again, nor a pruning
 * attested, by anyone who lacks the master key. Every instance of a deployment holds the same master key, and so
 * links and verifies the same chain.
 */
import { createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import type { MasterKey } from './master-key.ts';

const INFO = 'gatehouse audit chain v1';

export function auditChainKey(master: MasterKey): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sha256', master.key, Buffer.alloc(0), INFO, 32)));
}

/** The chain's digest of a record's canonical text, hex (as SHA-256's: 64 hex digits). */
export function chainDigest(key: KeyObject): (text: string) => string {
  return (text) => createHmac('sha256', key).update(text).digest('hex');
}
