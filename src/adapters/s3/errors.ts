/**
 * S3 error codes and their HTTP status, as S3 answers them (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
 * A `Record` over the closed union, so a code does not compile until it has a status.
 */
import type { S3AppErrorCode } from '../../app/s3.ts';

/** The use cases' codes, and those only the HTTP edge raises (authentication, parsing of the request). */
export type S3ErrorCode =
  | S3AppErrorCode
  | 'SignatureDoesNotMatch'
  | 'InvalidAccessKeyId'
  | 'InvalidToken'
  | 'ExpiredToken'
  | 'RequestTimeTooSkewed'
  | 'AuthorizationHeaderMalformed'
  | 'AuthorizationQueryParametersError'
  | 'XAmzContentSHA256Mismatch'
  | 'MalformedTrailerError'
  | 'InvalidChunkSizeError'
  | 'InvalidDigest'
  | 'InvalidRequest'
  | 'MalformedXML'
  | 'MalformedACLError'
  | 'MethodNotAllowed'
  | 'NotImplemented'
  | 'MissingContentLength'
  | 'MaxMessageLengthExceeded'
  | 'MetadataTooLarge'
  | 'RequestHeaderSectionTooLarge'
  | 'RequestTimeout'
  | 'PreconditionFailed'
  | 'InvalidPartNumber'
  | 'InvalidStorageClass'
  | 'InvalidRedirectLocation'
  | 'InvalidTag'
  | 'StorageFull'
  | 'InternalError';

export const S3_STATUS: Readonly<Record<S3ErrorCode, number>> = {
  AccessDenied: 403,
  AccessControlListNotSupported: 400,
  InvalidBucketAclWithObjectOwnership: 400,
  IllegalLocationConstraintException: 400,
  NoSuchBucket: 404,
  NoSuchKey: 404,
  NoSuchUpload: 404,
  NoSuchBucketPolicy: 404,
  BucketAlreadyOwnedByYou: 409,
  BucketAlreadyExists: 409,
  BucketNotEmpty: 409,
  InvalidBucketName: 400,
  KeyTooLongError: 400,
  InvalidRange: 416,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  EntityTooSmall: 400,
  EntityTooLarge: 400,
  BadDigest: 400,
  IncompleteBody: 400,
  MalformedPolicy: 400,
  InvalidArgument: 400,
  ServiceUnavailable: 503,
  SignatureDoesNotMatch: 403,
  InvalidAccessKeyId: 403,
  InvalidToken: 400,
  ExpiredToken: 400,
  RequestTimeTooSkewed: 403,
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  XAmzContentSHA256Mismatch: 400,
  MalformedTrailerError: 400,
  InvalidChunkSizeError: 400,
  InvalidDigest: 400,
  InvalidRequest: 400,
  MalformedXML: 400,
  MalformedACLError: 400,
  MethodNotAllowed: 405,
  NotImplemented: 501,
  MissingContentLength: 411,
  RequestHeaderSectionTooLarge: 400,
  RequestTimeout: 400,
  MaxMessageLengthExceeded: 400,
  MetadataTooLarge: 400,
  PreconditionFailed: 412,
  InvalidPartNumber: 416,
  InvalidStorageClass: 400,
  InvalidRedirectLocation: 400,
  InvalidTag: 400,
  // No S3 code: S3 never runs out of space. 507 Insufficient Storage (RFC 4918), which the SDKs do not retry, as MinIO
  // answers a full drive (XMinioStorageFull); a 500 told the client to try again and had it resend the whole body.
  StorageFull: 507,
  InternalError: 500,
};

export interface S3Error {
  readonly code: S3ErrorCode;
  readonly message: string;
  /** Extra elements of the `<Error>` document (SignatureDoesNotMatch carries the string to sign, as S3). */
  readonly extra?: Readonly<Record<string, string>>;
}

export const s3Error = (code: S3ErrorCode, message: string, extra?: Readonly<Record<string, string>>): S3Error => (extra ? { code, message, extra } : { code, message });

/** Thrown from a request body while it streams (a bad chunk signature, a checksum that does not match). */
export class BodyRejected extends Error {
  readonly error: S3Error;
  constructor(error: S3Error) {
    super(error.message);
    this.error = error;
  }
}
