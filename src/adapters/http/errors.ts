/**
 * How every error code reaches an HTTP client: status, AWS error code, and whether the fault is the
 * sender's. A `Record` over the closed `ErrorCode` union, so a new code does not compile until mapped.
 */
import type { ErrorCode } from '../../core/errors.ts';

export interface HttpError {
  readonly status: number;
  readonly aws: string;
  readonly type: 'Sender' | 'Receiver';
}

const malformed: HttpError = { status: 400, aws: 'MalformedPolicyDocument', type: 'Sender' };
const badRequest: HttpError = { status: 400, aws: 'InvalidInput', type: 'Sender' };
/** A Kubernetes RBAC object the API server would reject (it answers 422 Invalid; the AWS-style edges say ValidationError). */
const rbacInvalid: HttpError = { status: 400, aws: 'ValidationError', type: 'Sender' };

export const HTTP_ERRORS: Readonly<Record<ErrorCode, HttpError>> = {
  POLICY_JSON_SYNTAX: malformed,
  POLICY_DUPLICATE_KEY: malformed,
  POLICY_INVALID_CHARACTER: malformed,
  // IAM's answer to a document over its quota (`Cannot exceed quota for PolicySize: 6144`), the one policy error that is not MalformedPolicyDocument.
  POLICY_TOO_LARGE: { status: 409, aws: 'LimitExceeded', type: 'Sender' },
  POLICY_INVALID_TYPE: malformed,
  POLICY_UNKNOWN_ELEMENT: malformed,
  POLICY_MISSING_ELEMENT: malformed,
  POLICY_CONFLICTING_ELEMENTS: malformed,
  POLICY_INVALID_VERSION: malformed,
  POLICY_INVALID_ID: malformed,
  POLICY_INVALID_SID: malformed,
  POLICY_DUPLICATE_SID: malformed,
  POLICY_INVALID_EFFECT: malformed,
  POLICY_INVALID_ACTION: malformed,
  POLICY_INVALID_RESOURCE: malformed,
  POLICY_INVALID_PRINCIPAL: malformed,
  POLICY_PRINCIPAL_NOT_ALLOWED: malformed,
  POLICY_PRINCIPAL_REQUIRED: malformed,
  POLICY_NOTPRINCIPAL_NOT_ALLOWED: malformed,
  POLICY_INVALID_CONDITION_OPERATOR: malformed,
  POLICY_INVALID_CONDITION_KEY: malformed,
  POLICY_INVALID_CONDITION_VALUE: malformed,
  POLICY_EMPTY: malformed,
  RBAC_INVALID_TYPE: rbacInvalid,
  RBAC_UNKNOWN_KIND: rbacInvalid,
  RBAC_UNKNOWN_FIELD: rbacInvalid,
  RBAC_MISSING_FIELD: rbacInvalid,
  RBAC_INVALID_VALUE: rbacInvalid,
  RBAC_DUPLICATE_OBJECT: rbacInvalid,
  RBAC_AGGREGATION_CYCLE: rbacInvalid,
  RBAC_ROLE_NOT_FOUND: { status: 404, aws: 'NoSuchEntity', type: 'Sender' },
  BINDINGS_INVALID_TYPE: malformed,
  BINDINGS_UNKNOWN_FIELD: malformed,
  BINDINGS_MISSING_FIELD: malformed,
  BINDINGS_TOO_LARGE: malformed,
  BINDINGS_INVALID_VERSION: malformed,
  BINDINGS_INVALID_RESOURCE: malformed,
  BINDINGS_INVALID_MEMBER: malformed,
  BINDINGS_INVALID_ROLE: malformed,
  BINDINGS_INVALID_PERMISSION: malformed,
  BINDINGS_INVALID_CONDITION: malformed,
  ETAG_MISMATCH: { status: 409, aws: 'ConcurrentModification', type: 'Sender' },
  REQUEST_INVALID_PRINCIPAL: badRequest,
  REQUEST_INVALID_ACTION: badRequest,
  REQUEST_INVALID_CONTEXT: badRequest,
  ENTITY_ALREADY_EXISTS: { status: 409, aws: 'EntityAlreadyExists', type: 'Sender' },
  NO_SUCH_ENTITY: { status: 404, aws: 'NoSuchEntity', type: 'Sender' },
  LIMIT_EXCEEDED: { status: 409, aws: 'LimitExceeded', type: 'Sender' },
  DELETE_CONFLICT: { status: 409, aws: 'DeleteConflict', type: 'Sender' },
  VALIDATION_ERROR: { status: 400, aws: 'ValidationError', type: 'Sender' },
  INVALID_INPUT: badRequest,
  ACCESS_DENIED: { status: 403, aws: 'AccessDenied', type: 'Sender' },
  REPORT_NOT_PRESENT: { status: 410, aws: 'ReportNotPresent', type: 'Sender' },
  REPORT_EXPIRED: { status: 410, aws: 'ReportExpired', type: 'Sender' },
  MISSING_AUTHENTICATION_TOKEN: { status: 403, aws: 'MissingAuthenticationToken', type: 'Sender' },
  INCOMPLETE_SIGNATURE: { status: 400, aws: 'IncompleteSignature', type: 'Sender' },
  SIGNATURE_DOES_NOT_MATCH: { status: 403, aws: 'SignatureDoesNotMatch', type: 'Sender' },
  INVALID_CLIENT_TOKEN_ID: { status: 403, aws: 'InvalidClientTokenId', type: 'Sender' },
  EXPIRED_TOKEN: { status: 403, aws: 'ExpiredToken', type: 'Sender' },
  PACKED_POLICY_TOO_LARGE: { status: 400, aws: 'PackedPolicyTooLarge', type: 'Sender' },
  UNKNOWN_ROUTE: { status: 404, aws: 'NotFound', type: 'Sender' },
  METHOD_NOT_ALLOWED: { status: 405, aws: 'MethodNotAllowed', type: 'Sender' },
  INVALID_IDENTITY_TOKEN: { status: 400, aws: 'InvalidIdentityToken', type: 'Sender' },
  EXPIRED_IDENTITY_TOKEN: { status: 400, aws: 'ExpiredTokenException', type: 'Sender' },
  IDP_COMMUNICATION_ERROR: { status: 400, aws: 'IDPCommunicationError', type: 'Sender' },
  // IAM's (its API model's OpenIdIdpCommunicationErrorException): the provider's documents could not be read (review it, 2).
  OPENID_IDP_COMMUNICATION_ERROR: { status: 400, aws: 'OpenIdIdpCommunicationError', type: 'Sender' },
  INVALID_AUTHORIZATION_MESSAGE: { status: 400, aws: 'InvalidAuthorizationMessageException', type: 'Sender' },
  INVALID_PARAMETER_VALUE: { status: 400, aws: 'InvalidParameterValue', type: 'Sender' },
  INVALID_ACTION: { status: 400, aws: 'InvalidAction', type: 'Sender' },
  MISSING_PARAMETER: { status: 400, aws: 'MissingParameter', type: 'Sender' },
  REQUEST_TOO_LARGE: { status: 413, aws: 'RequestEntityTooLarge', type: 'Sender' },
  // The code the AWS SDKs retry as transient (@smithy/service-error-classification TRANSIENT_ERROR_CODES), as S3 names it.
  REQUEST_TIMEOUT: { status: 408, aws: 'RequestTimeout', type: 'Sender' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, aws: 'UnsupportedMediaType', type: 'Sender' },
  SERVICE_UNAVAILABLE: { status: 503, aws: 'ServiceUnavailable', type: 'Receiver' },
  // A 4xx: the SDKs retry a 500, and no retry opens the ring; the deployment's master keys must be made the same.
  KEY_RING_UNREADABLE: { status: 409, aws: 'KeyRingUnreadable', type: 'Receiver' },
  INTERNAL_ERROR: { status: 500, aws: 'InternalFailure', type: 'Receiver' },
};
