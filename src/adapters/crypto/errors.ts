/** Expected failures of the crypto adapter, as values (STYLE habit 2). */
export const CRYPTO_ERROR_CODES = [
  'MASTER_KEY_INVALID',
  'MASTER_KEY_UNREADABLE',
  'SEALED_MALFORMED',
  'SEALED_WRONG_KEY',
  'SEALED_TAMPERED',
] as const;
export type CryptoErrorCode = (typeof CRYPTO_ERROR_CODES)[number];

export interface CryptoError {
  readonly code: CryptoErrorCode;
  readonly message: string;
}

export type CryptoResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: CryptoError };

export const ok = <T>(value: T): CryptoResult<T> => ({ ok: true, value });
export const fail = <T = never>(code: CryptoErrorCode, message: string): CryptoResult<T> => ({ ok: false, error: { code, message } });
