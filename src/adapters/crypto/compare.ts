import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Per-process key: comparing MACs instead of the values hides their lengths as well as their content. */
const COMPARE_KEY = randomBytes(32);

/**
 * Constant-time equality of two secrets (strings compare as UTF-8). Use for every secret comparison:
 * signatures, tokens, webhook bearer tokens.
 */
export function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const mac = (v: string | Uint8Array) => createHmac('sha256', COMPARE_KEY).update(v).digest();
  return timingSafeEqual(mac(a), mac(b));
}
