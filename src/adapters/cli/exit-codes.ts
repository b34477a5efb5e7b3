/**
 * Process exit codes of the `gatehouse` CLI. Documented in docs/errors.md; scripts rely on them, so a code
 * never changes meaning once released.
 */
import type { ErrorCode, GatehouseError } from '../../core/errors.ts';

export const EXIT = {
  /** Success; for `policy evaluate`, the decision is `Allow`. */
  ok: 0,
  /** `policy evaluate` decided `ExplicitDeny` or `ImplicitDeny`. */
  denied: 1,
  /** The command line is wrong: unknown command or option, missing or malformed argument. */
  usage: 2,
  /** A policy document, a Kubernetes RBAC object or an IAM (bindings) policy is invalid (`POLICY_*`, the `RBAC_*` object codes, `BINDINGS_*`). */
  invalidPolicy: 3,
  /** The request to decide is invalid: principal, action, resource account or context (`REQUEST_*`). */
  invalidRequest: 4,
  /** An input file could not be read, or the result could not be written to standard output (src/main/cli.ts). */
  noInput: 5,
  /** The named entity does not exist (`NO_SUCH_ENTITY`). */
  notFound: 6,
  /** The request conflicts with the current state: already exists, still in use, quota reached, stale etag. */
  conflict: 7,
  /** Input rejected by the server's validation (`VALIDATION_ERROR`, `INVALID_INPUT`, `MISSING_PARAMETER`…). */
  invalidInput: 8,
  /** Not authenticated, or not authorized (`ACCESS_DENIED`, bad or expired credentials). */
  accessDenied: 9,
  /** The server is unreachable or unavailable; retrying may succeed. */
  unavailable: 10,
  /**
   * The connection was lost after a request that changes something was sent (reset, closed, timed out): it may or
   * may not have been carried out.
   */
  outcomeUnknown: 11,
  /** A bug in Gatehouse: please report it with the command that caused it. */
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Every error code's exit status. A `Record` so that a new `ErrorCode` does not compile until it is mapped here. */
export const EXIT_CODES: Readonly<Record<ErrorCode, ExitCode>> = {
  POLICY_JSON_SYNTAX: EXIT.invalidPolicy,
  POLICY_DUPLICATE_KEY: EXIT.invalidPolicy,
  POLICY_INVALID_CHARACTER: EXIT.invalidPolicy,
  POLICY_TOO_LARGE: EXIT.invalidPolicy,
  POLICY_INVALID_TYPE: EXIT.invalidPolicy,
  POLICY_UNKNOWN_ELEMENT: EXIT.invalidPolicy,
  POLICY_MISSING_ELEMENT: EXIT.invalidPolicy,
  POLICY_CONFLICTING_ELEMENTS: EXIT.invalidPolicy,
  POLICY_INVALID_VERSION: EXIT.invalidPolicy,
  POLICY_INVALID_ID: EXIT.invalidPolicy,
  POLICY_INVALID_SID: EXIT.invalidPolicy,
  POLICY_DUPLICATE_SID: EXIT.invalidPolicy,
  POLICY_INVALID_EFFECT: EXIT.invalidPolicy,
  POLICY_INVALID_ACTION: EXIT.invalidPolicy,
  POLICY_INVALID_RESOURCE: EXIT.invalidPolicy,
  POLICY_INVALID_PRINCIPAL: EXIT.invalidPolicy,
  POLICY_PRINCIPAL_NOT_ALLOWED: EXIT.invalidPolicy,
  POLICY_PRINCIPAL_REQUIRED: EXIT.invalidPolicy,
  POLICY_NOTPRINCIPAL_NOT_ALLOWED: EXIT.invalidPolicy,
  POLICY_INVALID_CONDITION_OPERATOR: EXIT.invalidPolicy,
  POLICY_INVALID_CONDITION_KEY: EXIT.invalidPolicy,
  POLICY_INVALID_CONDITION_VALUE: EXIT.invalidPolicy,
  POLICY_EMPTY: EXIT.invalidPolicy,
  RBAC_INVALID_TYPE: EXIT.invalidPolicy,
  RBAC_UNKNOWN_KIND: EXIT.invalidPolicy,
  RBAC_UNKNOWN_FIELD: EXIT.invalidPolicy,
  RBAC_MISSING_FIELD: EXIT.invalidPolicy,
  RBAC_INVALID_VALUE: EXIT.invalidPolicy,
  RBAC_DUPLICATE_OBJECT: EXIT.invalidPolicy,
  RBAC_AGGREGATION_CYCLE: EXIT.invalidPolicy,
  RBAC_ROLE_NOT_FOUND: EXIT.notFound,
  BINDINGS_INVALID_TYPE: EXIT.invalidPolicy,
  BINDINGS_UNKNOWN_FIELD: EXIT.invalidPolicy,
  BINDINGS_MISSING_FIELD: EXIT.invalidPolicy,
  BINDINGS_TOO_LARGE: EXIT.invalidPolicy,
  BINDINGS_INVALID_VERSION: EXIT.invalidPolicy,
  BINDINGS_INVALID_RESOURCE: EXIT.invalidPolicy,
  BINDINGS_INVALID_MEMBER: EXIT.invalidPolicy,
  BINDINGS_INVALID_ROLE: EXIT.invalidPolicy,
  BINDINGS_INVALID_PERMISSION: EXIT.invalidPolicy,
  BINDINGS_INVALID_CONDITION: EXIT.invalidPolicy,
  ETAG_MISMATCH: EXIT.conflict,
  REQUEST_INVALID_PRINCIPAL: EXIT.invalidRequest,
  REQUEST_INVALID_ACTION: EXIT.invalidRequest,
  REQUEST_INVALID_CONTEXT: EXIT.invalidRequest,
  ENTITY_ALREADY_EXISTS: EXIT.conflict,
  NO_SUCH_ENTITY: EXIT.notFound,
  REPORT_NOT_PRESENT: EXIT.notFound,
  REPORT_EXPIRED: EXIT.notFound,
  LIMIT_EXCEEDED: EXIT.conflict,
  DELETE_CONFLICT: EXIT.conflict,
  VALIDATION_ERROR: EXIT.invalidInput,
  INVALID_INPUT: EXIT.invalidInput,
  ACCESS_DENIED: EXIT.accessDenied,
  MISSING_AUTHENTICATION_TOKEN: EXIT.accessDenied,
  INCOMPLETE_SIGNATURE: EXIT.accessDenied,
  SIGNATURE_DOES_NOT_MATCH: EXIT.accessDenied,
  INVALID_CLIENT_TOKEN_ID: EXIT.accessDenied,
  EXPIRED_TOKEN: EXIT.accessDenied,
  PACKED_POLICY_TOO_LARGE: EXIT.invalidInput,
  INVALID_IDENTITY_TOKEN: EXIT.accessDenied,
  EXPIRED_IDENTITY_TOKEN: EXIT.accessDenied,
  IDP_COMMUNICATION_ERROR: EXIT.unavailable,
  // The identity provider could not be read: retrying once it answers may succeed.
  OPENID_IDP_COMMUNICATION_ERROR: EXIT.unavailable,
  INVALID_AUTHORIZATION_MESSAGE: EXIT.invalidInput,
  INVALID_PARAMETER_VALUE: EXIT.invalidInput,
  INVALID_ACTION: EXIT.invalidInput,
  MISSING_PARAMETER: EXIT.invalidInput,
  REQUEST_TOO_LARGE: EXIT.invalidInput,
  // The request came too slowly (a slow or stalled link): trying again may succeed.
  REQUEST_TIMEOUT: EXIT.unavailable,
  UNSUPPORTED_MEDIA_TYPE: EXIT.invalidInput,
  UNKNOWN_ROUTE: EXIT.notFound,
  METHOD_NOT_ALLOWED: EXIT.invalidInput,
  SERVICE_UNAVAILABLE: EXIT.unavailable,
  KEY_RING_UNREADABLE: EXIT.conflict,
  INTERNAL_ERROR: EXIT.internal,
};

/**
 * The exit status for a failed command: that of its first error, so the status is stable for a given input.
 * (Errors are reported in input order: policies before the request.)
 */
export function exitCodeOf(errors: readonly Pick<GatehouseError, 'code'>[]): ExitCode {
  const first = errors[0];
  return first === undefined ? EXIT.internal : EXIT_CODES[first.code];
}
