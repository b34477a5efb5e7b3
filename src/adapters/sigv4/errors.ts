/**
 * SigV4 failures, as values. The codes are the AWS error codes the IAM/STS Query APIs answer with,
 * so the HTTP edge can put `code` and `message` straight into an `<ErrorResponse>`.
 *
 * `InvalidClientTokenId` (unknown access key) and `ExpiredToken` are not here: this module never
 * looks a key up; the caller answers those after `parseSigV4` handed it the access key id.
 *
 * Invariant: no message contains a secret, a signing key or the signature we computed.
 */
export const SIGV4_ERROR_CODES = [
  /** No Authorization header and no presigned query parameters. */
  'MissingAuthenticationToken',
  /** Malformed or incomplete authentication data: the request cannot even be checked. */
  'IncompleteSignature',
  /** The signature is wrong, the body is not the signed body, or the request time is outside ±15 min. */
  'SignatureDoesNotMatch',
  /** A presigned request past `X-Amz-Date + X-Amz-Expires` (S3's answer: `AccessDenied`, "Request has expired"). */
  'AccessDenied',
] as const;

export type SigV4ErrorCode = (typeof SIGV4_ERROR_CODES)[number];

export interface SigV4Failure {
  readonly ok: false;
  readonly code: SigV4ErrorCode;
  readonly message: string;
  /**
   * An expired presigned request's times, which S3 names in its error document: `X-Amz-Expires` as sent, and the end of
   * validity (epoch ms) that was passed.
   */
  readonly expired?: { readonly expiresSeconds: number; readonly expiresAt: number };
  /**
   * A request refused for its time alone (outside ±15 minutes, or a presigned one expired or dated ahead): when it says
   * it was signed (epoch ms), so that its signature can still be checked as of then (review tu, 2).
   */
  readonly signedAt?: number;
}

/** HTTP status AWS pairs with each code (IAM/STS: 400 for malformed auth, 403 otherwise). */
export const SIGV4_HTTP_STATUS: Readonly<Record<SigV4ErrorCode, 400 | 403>> = {
  MissingAuthenticationToken: 403,
  IncompleteSignature: 400,
  SignatureDoesNotMatch: 403,
  AccessDenied: 403,
};

export const sigv4Failure = (code: SigV4ErrorCode, message: string): SigV4Failure => ({ ok: false, code, message });

/** AWS's own wording for a wrong signature (IAM, STS). */
export const SIGNATURE_MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/**
 * Echo of untrusted input inside a message: bounded, printable ASCII only, so a hostile header
 * cannot forge log lines or blow up an error document.
 */
export const echo = (value: string): string => {
  const cut = value.length > 64 ? `${value.slice(0, 64)}…` : value;
  return cut.replace(/[^\x20-\x7e…]/g, '?');
};
