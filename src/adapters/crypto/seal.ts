/**
 * Secrets at rest: AES-256-GCM under the master key.
 *
 * Sealed form (text, so it fits a TEXT column in every dialect):
 *   `gh1.<key id>.<base64url(12-byte nonce ‖ ciphertext ‖ 16-byte tag)>`
 * The additional authenticated data is `gh1`, the key id and the caller's `aad` (for an access key, its id),
 * so a sealed secret copied onto another row, or under another key id, fails to open.
 *
 * Random 96-bit nonces under one key are safe for far more than 2^32 seals (NIST SP 800-38D §8.3);
 * Gatehouse seals one value per access key or key-ring entry.
 */
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, randomBytes } from 'node:crypto';
import type { SealedSecret } from '../../app/ports/store.ts';
import type { SecretSealer } from '../../app/deps.ts';
import { fail, ok, type CryptoResult } from './errors.ts';
import type { MasterKey } from './master-key.ts';

const VERSION = 'gh1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export function seal(key: MasterKey, plaintext: string | Uint8Array, aad: string): SealedSecret {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(key.id, aad));
  const body = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${key.id}.${body.toString('base64url')}` as SealedSecret;
}

/** The plaintext bytes, or why not: malformed, sealed under another master key, or tampered/rebound. */
export function open(key: MasterKey, sealed: string, aad: string): CryptoResult<Buffer> {
  const parts = sealed.split('.');
  const [version, keyId, encoded] = parts;
  if (parts.length !== 3 || version !== VERSION || keyId === undefined || !/^[0-9a-f]{8}$/.test(keyId) || encoded === undefined) {
    return fail('SEALED_MALFORMED', 'sealed secret is not in the `gh1.<key id>.<data>` form');
  }
  if (keyId !== key.id) {
    return fail(
      'SEALED_WRONG_KEY',
      `secret was sealed under master key \`${keyId}\` but this instance has \`${key.id}\`; give every instance the same master key`,
    );
  }
  const body = Buffer.from(encoded, 'base64url');
  if (body.length < NONCE_BYTES + TAG_BYTES) return fail('SEALED_MALFORMED', 'sealed secret is too short');
  const decipher = createDecipheriv('aes-256-gcm', key.key, body.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData(keyId, aad));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  try {
    return ok(Buffer.concat([decipher.update(body.subarray(NONCE_BYTES, body.length - TAG_BYTES)), decipher.final()]));
  } catch {
    return fail('SEALED_TAMPERED', 'sealed secret does not open: it was altered or belongs to another record');
  }
}

/** `open` for secrets that were sealed from a string. */
export function openText(key: MasterKey, sealed: string, aad: string): CryptoResult<string> {
  const r = open(key, sealed, aad);
  return r.ok ? ok(r.value.toString('utf8')) : r;
}

function additionalData(keyId: string, aad: string): Buffer {
  return Buffer.from(`${VERSION}\0${keyId}\0${aad}`, 'utf8');
}

/**
 * HKDF-SHA256 info of the key `SecretSealer.mac` computes under: its own, so that it is neither the master key (which
 * seals) nor the audit chain's (src/adapters/crypto/chain-key.ts), and a MAC of one cannot stand for the other's.
 */
export const KEYED_MAC_INFO = 'gatehouse keyed mac v1';

/** The app's `SecretSealer` over one master key: what every composition (server, tests, benches) plugs in. */
export function secretSealer(key: MasterKey): SecretSealer {
  const macKey = createSecretKey(Buffer.from(hkdfSync('sha256', key.key, Buffer.alloc(0), KEYED_MAC_INFO, 32)));
  return {
    mac: (purpose, data) => {
      if (purpose.includes('\0')) throw new Error('a MAC purpose contains no NUL');
      return createHmac('sha256', macKey).update(`${purpose}\0${data}`, 'utf8').digest();
    },
    seal: (plaintext, aad) => seal(key, plaintext, aad),
    open: (sealed, aad) => {
      const r = openText(key, sealed, aad);
      return r.ok ? r.value : undefined;
    },
    whyNot: (sealed, aad) => {
      const r = typeof sealed === 'string' ? openText(key, sealed, aad) : ({ ok: false, error: { code: 'SEALED_MALFORMED', message: 'the stored value is not text' } } as const);
      if (r.ok) return undefined;
      const kind = r.error.code === 'SEALED_WRONG_KEY' ? 'wrong-key' : r.error.code === 'SEALED_TAMPERED' ? 'tampered' : 'malformed';
      return { kind, message: r.error.message };
    },
  };
}
