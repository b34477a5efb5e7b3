/**
 * AWS Signature Version 4 request verification (header and presigned forms).
 *
 * Two steps, so the secret is looked up (or a session token decrypted) in between:
 * `parseSigV4(request, now)` → `{ ok: true, accessKeyId, sessionToken?, … , verify(secret) }`.
 * Refusals are values carrying the AWS error code; see `verify.ts` for the time rules.
 */
export { nodeRequestHeaders, parseSigV4 } from './verify.ts';
export type { SigV4Form, SigV4Options, SigV4Parsed, SigV4Request, SigV4Result, SigV4Verification } from './verify.ts';
export { SIGV4_ERROR_CODES, SIGV4_HTTP_STATUS } from './errors.ts';
export type { SigV4ErrorCode, SigV4Failure } from './errors.ts';
export { clearSigningKeyCache, setSigningKeyCacheSize } from './signing-key.ts';
export { checkSignatureOnly, chunkSignatures, providedSignature } from './s3.ts';
export type { ChunkSignatures } from './s3.ts';
export { EMPTY_SHA256 } from './canonical.ts';
