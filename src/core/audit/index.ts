/**
 * The audit model (pure): records and their hash chain, canonical JSON, redaction of secrets, and the checks
 * `gatehouse audit verify` runs.
 */
export { actionFilterNames, actionLikePattern, AUDIT_FILTER_KEYS, isActionPattern, AUDIT_KINDS, EMPTY_HEAD, GENESIS_HASH } from './record.ts';
export type { AuditEvent, AuditFilter, AuditHead, AuditKind, AuditRecord } from './record.ts';
export { canonicalJson, canonicalRedacted, chainVerifier, detailTextOf, linkEvents, MAX_BREAKS_KEPT, MAX_DEPTH, recordHash, REDACTED_TEXT, redactedStringText, redactsKey, storedText } from './chain.ts';
export type { BrokenLink, LinkOptions, Sha256Hex, TimedEvent } from './chain.ts';
export { isSecretKey, redact, REDACTED } from './redact.ts';
export { keptText, unstorableDigestText, unstorableStandIn } from './unstorable.ts';
export type { DataRefusal, UnstorableNote } from './unstorable.ts';
