/**
 * The one closed set of error codes Gatehouse returns. Edges map every code through a
 * `Record<ErrorCode, …>` table (HTTP status, AWS error code, CLI exit code), so adding a code here
 * forces every edge to decide how to present it.
 */
export const ERROR_CODES = [
  // policy documents (src/core/iam): all surface as AWS `MalformedPolicyDocument`
  'POLICY_JSON_SYNTAX',
  'POLICY_DUPLICATE_KEY',
  'POLICY_INVALID_CHARACTER',
  'POLICY_TOO_LARGE',
  'POLICY_INVALID_TYPE',
  'POLICY_UNKNOWN_ELEMENT',
  'POLICY_MISSING_ELEMENT',
  'POLICY_CONFLICTING_ELEMENTS',
  'POLICY_INVALID_VERSION',
  'POLICY_INVALID_ID',
  'POLICY_INVALID_SID',
  'POLICY_DUPLICATE_SID',
  'POLICY_INVALID_EFFECT',
  'POLICY_INVALID_ACTION',
  'POLICY_INVALID_RESOURCE',
  'POLICY_INVALID_PRINCIPAL',
  'POLICY_PRINCIPAL_NOT_ALLOWED',
  'POLICY_PRINCIPAL_REQUIRED',
  'POLICY_NOTPRINCIPAL_NOT_ALLOWED',
  'POLICY_INVALID_CONDITION_OPERATOR',
  'POLICY_INVALID_CONDITION_KEY',
  'POLICY_INVALID_CONDITION_VALUE',
  'POLICY_EMPTY',
  // Kubernetes RBAC objects (src/core/rbac)
  'RBAC_INVALID_TYPE',
  'RBAC_UNKNOWN_KIND',
  'RBAC_UNKNOWN_FIELD',
  'RBAC_MISSING_FIELD',
  'RBAC_INVALID_VALUE',
  'RBAC_DUPLICATE_OBJECT',
  'RBAC_AGGREGATION_CYCLE',
  'RBAC_ROLE_NOT_FOUND',
  // GCP-style IAM policies (bindings), custom roles and their CEL conditions (src/core/bindings)
  'BINDINGS_INVALID_TYPE',
  'BINDINGS_UNKNOWN_FIELD',
  'BINDINGS_MISSING_FIELD',
  'BINDINGS_TOO_LARGE',
  'BINDINGS_INVALID_VERSION',
  'BINDINGS_INVALID_RESOURCE',
  'BINDINGS_INVALID_MEMBER',
  'BINDINGS_INVALID_ROLE',
  'BINDINGS_INVALID_PERMISSION',
  'BINDINGS_INVALID_CONDITION',
  // optimistic concurrency: a write based on a stale read (an IAM policy's etag)
  'ETAG_MISMATCH',
  // requests to the engine
  'REQUEST_INVALID_PRINCIPAL',
  'REQUEST_INVALID_ACTION',
  'REQUEST_INVALID_CONTEXT',
  // the directory (IAM API error codes in brackets)
  'ENTITY_ALREADY_EXISTS', // EntityAlreadyExists
  'NO_SUCH_ENTITY', // NoSuchEntity
  'LIMIT_EXCEEDED', // LimitExceeded
  'DELETE_CONFLICT', // DeleteConflict
  'VALIDATION_ERROR', // ValidationError
  'INVALID_INPUT', // InvalidInput
  'ACCESS_DENIED', // AccessDenied
  'REPORT_NOT_PRESENT', // ReportNotPresent: GetCredentialReport before GenerateCredentialReport
  'REPORT_EXPIRED', // ReportExpired: the credential report is more than four hours old
  // authentication (SigV4 and sessions)
  'MISSING_AUTHENTICATION_TOKEN', // MissingAuthenticationToken
  'INCOMPLETE_SIGNATURE', // IncompleteSignature
  'SIGNATURE_DOES_NOT_MATCH', // SignatureDoesNotMatch
  'INVALID_CLIENT_TOKEN_ID', // InvalidClientTokenId
  'EXPIRED_TOKEN', // ExpiredToken
  // STS
  'PACKED_POLICY_TOO_LARGE', // PackedPolicyTooLarge
  'INVALID_IDENTITY_TOKEN', // InvalidIdentityToken
  'EXPIRED_IDENTITY_TOKEN', // ExpiredTokenException (web identity token expired)
  'IDP_COMMUNICATION_ERROR', // IDPCommunicationError: the identity provider's keys could not be read (retryable)
  'OPENID_IDP_COMMUNICATION_ERROR', // OpenIdIdpCommunicationError: CreateOpenIDConnectProvider could not read the provider's discovery document or keys
  'INVALID_AUTHORIZATION_MESSAGE', // InvalidAuthorizationMessageException
  'INVALID_PARAMETER_VALUE', // InvalidParameterValue: session tags STS refuses together (a duplicate key, a transitive key not among them, a transitive tag overridden)
  // protocol
  'INVALID_ACTION', // InvalidAction: unknown Action in a Query API request
  'MISSING_PARAMETER', // MissingParameter
  'REQUEST_TOO_LARGE',
  'REQUEST_TIMEOUT', // RequestTimeout: the request (its headers, or its body) did not arrive in the time the server waits
  'UNKNOWN_ROUTE', // NotFound: no route of the admin API has this path
  'METHOD_NOT_ALLOWED', // MethodNotAllowed: the path's routes take other methods
  'UNSUPPORTED_MEDIA_TYPE', // a body in a content coding or charset the API does not read (RFC 9110 §15.5.16)
  'SERVICE_UNAVAILABLE', // ServiceUnavailable: retryable
  'KEY_RING_UNREADABLE', // KeyRingUnreadable: the stored session key ring does not open with this instance's master key (not retryable)
  'INTERNAL_ERROR', // InternalFailure
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** An expected failure, as a value: what went wrong, and where (a JSON path such as `Statement[2].Effect`). */
export interface GatehouseError {
  readonly code: ErrorCode;
  readonly message: string;
  /** JSON path of the offending element; `` (empty) for the whole document. */
  readonly path: string;
  /** 1-based line and column in the source text, where the error has a position in it. */
  readonly line?: number;
  readonly column?: number;
}

/**
 * A file's errors in the order of their places in it, by line then column; those with no place (the whole document's)
 * after them, in the order found (a stable sort). The parser finds them element by element (a statement's `Effect`, then its `Action`,
 * then its `Principal`), and `policy validate --kind resource` printed lines 4, 6 then 5 (review tm, 3). The
 * policy parser returns its errors so (src/core/iam/parse.ts `parsePolicy`), so that the admin and IAM APIs list them
 * as the CLI does (review ts, 2).
 */
export function inFileOrder<E extends GatehouseError>(errors: readonly E[]): E[] {
  const placed = errors.filter((e) => e.line !== undefined);
  const rest = errors.filter((e) => e.line === undefined);
  return [...placed.sort((a, b) => (a.line as number) - (b.line as number) || (a.column ?? 1) - (b.column ?? 1)), ...rest];
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly GatehouseError[] };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(errors: readonly GatehouseError[]): Result<T> => ({ ok: false, errors });

/** One error as a failed result. */
export const failWith = <T = never>(code: ErrorCode, message: string, path = ''): Result<T> => ({ ok: false, errors: [{ code, message, path }] });
