export { auditChainKey, chainDigest } from './chain-key.ts';
export { constantTimeEqual } from './compare.ts';
export { CRYPTO_ERROR_CODES, type CryptoError, type CryptoErrorCode, type CryptoResult } from './errors.ts';
export {
  loadMasterKey,
  masterKeyFromBytes,
  parseMasterKey,
  MASTER_KEY_BYTES,
  MASTER_KEY_ENV,
  MASTER_KEY_FILE_NAME,
  type LoadedMasterKey,
  type LoadMasterKeyOptions,
  type MasterKey,
} from './master-key.ts';
export { open, openText, seal, secretSealer } from './seal.ts';
export { sealSession, openSession, keyRingOf, newRingKey, sessionCrypto, type RingKey, type KeyRing, type OpenedSession } from './session-token.ts';
