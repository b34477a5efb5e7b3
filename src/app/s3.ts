/**
 * The S3 gateway's use cases (issue "Data access for real"): every request is decided by the engine — identity,
 * permissions boundary and session policies of the caller, and the bucket policy as a resource policy — before
 * the object store is asked to do anything but say who owns the bucket and which tags an object carries (the
 * facts the decision needs). Denials are audited with their explanation by the audited authorizer, and the
 * refusal carries AWS's wording (`User: … is not authorized to perform: s3:GetObject on resource: … because …`).
 *
 * The action and condition-key mapping (docs/decisions.md, "S3 gateway"):
 * - ListObjects(V2) and HeadBucket: `s3:ListBucket` on `arn:aws:s3:::bucket`, with `s3:prefix`, `s3:delimiter`,
 *   `s3:max-keys`; GetObject and HeadObject: `s3:GetObject`; PutObject, multipart create/part/complete:
 *   `s3:PutObject`; CopyObject: `s3:GetObject` on the source and `s3:PutObject` on the destination.
 * - A write that sets tags (PutObject and CreateMultipartUpload with `x-amz-tagging`, CopyObject with tags replaced
 *   or copied) also needs `s3:PutObjectTagging` on the destination, and a copy of a tagged source with its tags
 *   `s3:GetObjectTagging` on the source.
 * - `s3:ExistingObjectTag/<key>` from the stored tags on object reads, copies (source) and the tagging operations,
 *   never on DeleteObject or PutObject, which S3 decides without it;
 *   `s3:RequestObjectTag/<key>` and `s3:RequestObjectTagKeys` from `x-amz-tagging` on writes;
 *   `s3:x-amz-server-side-encryption[-aws-kms-key-id|-customer-algorithm]`, `s3:x-amz-acl`, `s3:x-amz-grant-*`, `s3:x-amz-storage-class`
 *   and `s3:x-amz-website-redirect-location` from those headers on PutObject, CreateMultipartUpload and the destination of CopyObject.
 * - A conditional write (PutObject, CompleteMultipartUpload, CopyObject's destination) carries `s3:if-match` /
 *   `s3:if-none-match` with the header's value into its `s3:PutObject` decision, and one with `If-Match` is also
 *   decided as `s3:GetObject` on the object it would replace (S3 User Guide, "conditional writes": If-Match needs
 *   both permissions, since its answer tells whether the object has that ETag).
 * - A request that names a version (`versionId=null`, the only version an object has here) is decided as the
 *   versioned action, as S3 decides it: `s3:GetObjectVersion` (GetObject, HeadObject, a copy's source with
 *   `?versionId=`), `s3:DeleteObjectVersion` (DeleteObject, a DeleteObjects entry with `VersionId`),
 *   `s3:Get|Put|DeleteObjectVersionTagging`, `s3:GetObjectVersionAcl`, with `s3:versionid` in the context.
 * - CreateBucket: `s3:LocationConstraint` from its CreateBucketConfiguration, `s3:x-amz-acl`, `s3:x-amz-grant-*` and
 *   `s3:x-amz-object-ownership` from those headers, each when sent.
 * - `aws:SourceIp`, `aws:SecureTransport` from the connection; `aws:CurrentTime`/`aws:EpochTime` and the
 *   principal's keys come from the engine and the session.
 * - The bucket's owner account (recorded at CreateBucket) is the resource account: a principal of another
 *   account needs its own identity policy and the bucket policy. A request naming another account in
 *   `x-amz-expected-bucket-owner` (`x-amz-source-expected-bucket-owner` for a copy's source) is refused.
 */
import type { Readable } from 'node:stream';
import type { Decision } from '../core/iam/index.ts';
import { MAX_CONTEXT_VALUE_CHARS, type AuthorizeAnswer } from './authorize.ts';
import type { App, Caller } from './index.ts';
import { accessDeniedMessage, actorOf, requestIdFrom, withRequest } from './principals.ts';
import { BUCKET_OWNER_PREFIX, bucketOwnerAccount, bucketOwnerKey, outsideBucket, removeResourcePoliciesUnder, ResourcePolicies, resourcePolicyKey, resourcePolicyRecord, type StoredResourcePolicy } from './resource-policies.ts';
import { iamPolicyKey, removeIamPoliciesUnder } from './bindings.ts';
import { documentValue } from './document-diff.ts';
import { isStoreOutcomeUnknown, type ReadTx } from './ports/store.ts';
import type { BucketInfo, ByteCounts, ByteRange, ChecksumAlgorithm, CompleteChecks, CompletedPart, CopyConditions, CopyReplace, CreateUploadInput, DigestMismatch, ListObjectsPage, ListUploadsInput, ObjectErrorCode, ObjectHeaders, ObjectInfo, ObjectResult, ObjectStore, PartInfo, PartsPage, SourceConditions, StorageClass, UploadInfo, UploadInitiator, UploadsPage, WriteConditions } from './ports/objects.ts';
import { ifRangeHolds } from './ports/objects.ts';
import type { Result } from '../core/errors.ts';

/**
 * The failures of the use cases: the store's (among them `PreconditionFailed`, a conditional write's condition that
 * did not hold where the write would have committed), and the gateway's own.
 */
export type S3AppErrorCode = ObjectErrorCode | 'AccessDenied' | 'MethodNotAllowed' | 'NoSuchBucketPolicy' | 'MalformedPolicy' | 'InvalidArgument' | 'InvalidRequest' | 'ServiceUnavailable' | 'NotImplemented' | 'AccessControlListNotSupported' | 'InvalidBucketAclWithObjectOwnership' | 'IllegalLocationConstraintException';

export interface S3Failure {
  readonly code: S3AppErrorCode;
  readonly message: string;
  /**
   * What was not found, which S3's error document names (`ObjectError`): the bucket of NoSuchBucket and
   * NoSuchBucketPolicy, the key of NoSuchKey. Never set on a refusal, which tells nothing of what exists.
   */
  readonly bucketName?: string;
  readonly key?: string;
  /** The upload of a NoSuchUpload, as the request named it (S3's `<UploadId>`). */
  readonly uploadId?: string;
  /** A BadDigest's digest, as declared and as computed (S3's error document names both). */
  readonly digest?: DigestMismatch;
  /** An IncompleteBody's length declared and bytes received (S3's `NumberBytesExpected`, `NumberBytesProvided`). */
  readonly bytes?: ByteCounts;
  /** A PreconditionFailed's condition, the header that did not hold (S3's `<Condition>`). */
  readonly condition?: string;
  /** A KeyTooLongError's key length in bytes of UTF-8 (S3's `<Size>`, beside `<MaxSizeAllowed>`, `MAX_KEY_BYTES`). */
  readonly keySize?: number;
}

/** The longest object key S3 takes, in bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;

/**
 * S3's answer to a request naming a key over `MAX_KEY_BYTES`, a read as a write (review ti, 4): 400 KeyTooLongError,
 * "Your key is too long", with the key's size. A read of one answered NoSuchKey, as if such a key could exist.
 */
function keyTooLong(key: string): S3Failure | undefined {
  const size = Buffer.byteLength(key, 'utf8');
  return size > MAX_KEY_BYTES ? { code: 'KeyTooLongError', message: 'Your key is too long', keySize: size } : undefined;
}

export type S3Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: S3Failure };

/** What the edge knows of the connection, for the global condition keys. */
export interface S3Facts {
  readonly sourceIp: string;
  /** The `x-amz-request-id` the request is answered with: its audit records carry it (`requestId`). */
  readonly requestId?: string;
  readonly secureTransport: boolean;
  /** `s3:signatureversion`: `AWS4-HMAC-SHA256` (SigV4) or `AWS` (SigV2). */
  readonly signatureVersion?: 'AWS4-HMAC-SHA256' | 'AWS';
  /** `s3:authType`: `REST-HEADER` or `REST-QUERY-STRING` (presigned). */
  readonly authType?: 'REST-HEADER' | 'REST-QUERY-STRING';
  /** `s3:x-amz-content-sha256`, as the client sent it (`UNSIGNED-PAYLOAD`, `STREAMING-…`, a hex digest). */
  readonly contentSha256?: string;
  /**
   * `s3:signatureAge`: milliseconds since the SigV4 signature's `X-Amz-Date` (0 for one dated ahead, within the
   * allowed skew). The User Guide caps presigned URLs with it ("Deny … NumericGreaterThan s3:signatureAge 600000");
   * without it that Deny never applied and a URL stayed valid for its whole X-Amz-Expires, up to 7 days. Absent for
   * SigV2, which carries no signing time (as in S3: such a policy also refuses `s3:signatureversion` `AWS`).
   */
  readonly signatureAgeMs?: number;
  /**
   * `s3:TlsVersion`: the TLS version of the connection as S3 writes it (`1.2`, `1.3`), absent over plain HTTP. The
   * User Guide's guard "Deny when NumericLessThan s3:TlsVersion 1.2" (or 1.3) found it absent and never applied.
   */
  readonly tlsVersion?: string;
  /**
   * `aws:RequestedRegion`: the region the request was signed for (SigV4's credential scope; the gateway's own region
   * for SigV2, which names none). The usual region guard of identity policies ("Deny … when StringNotEquals
   * aws:RequestedRegion [eu-west-1]") found it absent and refused every S3 request.
   */
  readonly requestedRegion?: string;
  /**
   * The request's headers, names in lowercase (node:http's `IncomingHttpHeaders`): the use cases read the `x-amz-*`
   * headers that change what an operation may do (`x-amz-expected-bucket-owner`, …). Absent: none were sent.
   */
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/** A request header's value (several occurrences joined by commas, as HTTP reads them). */
function headerOf(call: S3Call, name: string): string | undefined {
  const v = call.facts.headers?.[name];
  return v === undefined ? undefined : typeof v === 'string' ? v : v.join(',');
}

/**
 * What a request asks of the object that the gateway cannot honour, refused rather than dropped (a client that
 * believes its object is encrypted under its own key, or private to a grant, must not be told yes):
 * - SSE-C (`x-amz-server-side-encryption-customer-*`, and `x-amz-copy-source-server-side-encryption-customer-*` for a
 *   copy's source) on any object operation, and SSE-KMS (`x-amz-server-side-encryption: aws:kms | aws:kms:dsse`, a
 *   KMS key id or context, `x-amz-server-side-encryption-bucket-key-enabled: true`) and appends
 *   (`x-amz-write-offset-bytes`) on writes: 501 NotImplemented,
 *   as S3 answers a feature it lacks and MinIO answers SSE without a KMS. `AES256` (SSE-S3) is accepted, and
 *   only feeds `s3:x-amz-server-side-encryption`: the store keeps objects as written (encryption at rest is the
 *   disk's, as the README says), so no answer carries `x-amz-server-side-encryption`, which would claim otherwise.
 * - On writes, an ACL other than the bucket owner's full control (`x-amz-acl` other than `private` or
 *   `bucket-owner-full-control`, any `x-amz-grant-*` but a `x-amz-grant-full-control` naming the owner's account
 *   alone): 400 AccessControlListNotSupported, as S3 answers it for a bucket whose Object Ownership is
 *   BucketOwnerEnforced (ACLs disabled), which every bucket here is: access comes from policies only.
 */
const SSE_C = /^x-amz-(?:copy-source-)?server-side-encryption-customer-/;
const OWNER_ACLS = new Set(['private', 'bucket-owner-full-control']);
// The event hold and its duration (SDK v3's ObjectLockEventHold*) are Object Lock as much as a retention is (review kr, 6).
const OBJECT_LOCK_HEADERS = [
  'x-amz-object-lock-mode',
  'x-amz-object-lock-retain-until-date',
  'x-amz-object-lock-legal-hold',
  'x-amz-object-lock-event-hold',
  'x-amz-object-lock-event-hold-duration-days',
  'x-amz-object-lock-event-hold-duration-years',
] as const;
const GRANT_HEADERS = ['x-amz-grant-full-control', 'x-amz-grant-read', 'x-amz-grant-read-acp', 'x-amz-grant-write', 'x-amz-grant-write-acp'] as const;

/**
 * The condition keys `s3:PutObject` takes from a write's headers (Service Authorization Reference, "Actions,
 * resources, and condition keys for Amazon S3"; also what CopyObject and CreateMultipartUpload are decided on):
 * `s3:<header>` with the header's value, present only when the request carries the header, as in S3. So the usual
 * guards of bucket policies ("deny PutObject unless s3:x-amz-server-side-encryption is AES256", "unless s3:x-amz-acl
 * is bucket-owner-full-control") pass the writes that send the header and refuse the others. `s3:x-amz-website-redirect-location`
 * too, which the gateway stores and answers (review bl, 2): without it "Deny PutObject when Null
 * s3:x-amz-website-redirect-location false" never applied, and any writer made an object a redirect to any URL (review oy, 2).
 */
const WRITE_HEADER_KEYS = ['x-amz-server-side-encryption', 'x-amz-server-side-encryption-aws-kms-key-id', 'x-amz-server-side-encryption-customer-algorithm', 'x-amz-acl', ...GRANT_HEADERS, 'x-amz-storage-class', 'x-amz-website-redirect-location'] as const;

function notImplemented(what: string, header: string): S3Failure {
  return { code: 'NotImplemented', message: `A header you provided implies functionality that is not implemented: ${what} (\`${header}\`); the gateway cannot honour it, send the request without it` };
}

function unhonoured(call: S3Call, owner: string, kind: 'read' | 'write'): S3Failure | undefined {
  const headers = call.facts.headers ?? {};
  for (const name of Object.keys(headers)) if (SSE_C.test(name)) return notImplemented('server-side encryption with a customer-provided key (SSE-C)', name);
  if (kind === 'read') return undefined;
  const sse = headerOf(call, 'x-amz-server-side-encryption')?.trim();
  if (sse !== undefined && sse !== 'AES256') {
    if (sse === 'aws:kms' || sse === 'aws:kms:dsse') return notImplemented(`server-side encryption with KMS keys (\`${sse}\`)`, 'x-amz-server-side-encryption');
    return { code: 'InvalidArgument', message: `The encryption method specified is not supported: \`${sse}\` (x-amz-server-side-encryption takes AES256 here)` };
  }
  for (const name of ['x-amz-server-side-encryption-aws-kms-key-id', 'x-amz-server-side-encryption-context']) {
    if (headerOf(call, name) !== undefined) return notImplemented('server-side encryption with KMS keys', name);
  }
  if (headerOf(call, 'x-amz-server-side-encryption-bucket-key-enabled')?.trim().toLowerCase() === 'true') return notImplemented('S3 Bucket Keys for SSE-KMS', 'x-amz-server-side-encryption-bucket-key-enabled');
  // An append (S3's directory buckets take PutObject at `x-amz-write-offset-bytes`, the object's size): no bucket here
  // appends, and a write that dropped the header replaced the object with the appended bytes alone (review kr, 3).
  if (headerOf(call, 'x-amz-write-offset-bytes') !== undefined) return notImplemented('appending to an object (a write at an offset, which directory buckets take)', 'x-amz-write-offset-bytes');
  // Object Lock (a retention mode and date, a legal hold): no bucket here has it, and the object stays deletable and
  // replaceable at once, so a write asking for it is refused as S3 refuses it on a bucket without Object Lock, never
  // stored as if it were locked (it was: the headers were dropped and a "COMPLIANCE until 2030" object deleted at once).
  for (const name of OBJECT_LOCK_HEADERS) {
    if (headerOf(call, name) !== undefined) return { code: 'InvalidRequest', message: `Bucket is missing Object Lock Configuration: \`${name}\` asks for a retention or legal hold that this gateway cannot keep; send the write without it` };
  }
  const refusedAcl = (what: string): S3Failure => ({
    code: 'AccessControlListNotSupported',
    message: `The bucket does not allow ACLs: ${what}; access is granted by policies only, so send no ACL, \`private\` or \`bucket-owner-full-control\``,
  });
  const acl = headerOf(call, 'x-amz-acl')?.trim();
  if (acl !== undefined && !OWNER_ACLS.has(acl)) return refusedAcl(`x-amz-acl \`${acl}\``);
  for (const name of GRANT_HEADERS) {
    const grant = headerOf(call, name);
    if (grant === undefined) continue;
    if (ownerOnlyGrant(name, grant, owner)) continue;
    return refusedAcl(`${name} \`${grant.trim()}\``);
  }
  return undefined;
}

/** The XML-free equivalent of bucket-owner-full-control: full control to the owner's account (its canonical id here) alone. */
function ownerOnlyGrant(name: string, grant: string, owner: string): boolean {
  const owners = grant.split(',').map((g) => g.trim().replace(/\s*=\s*/, '=').replace(/"/g, ''));
  return name === 'x-amz-grant-full-control' && owners.length > 0 && owners.every((g) => g === `id=${owner}`);
}

/** A grant of a PutObjectAcl or PutBucketAcl body (AccessControlPolicy): its grantee (`ID`, or `uri=…`, `emailAddress=…`) and permission. */
export interface AclGrant {
  readonly grantee: string;
  readonly permission: string;
}

/**
 * Why the ACL a PutObjectAcl or PutBucketAcl sets is not one a bucket with ACLs disabled takes (S3's BucketOwnerEnforced:
 * "requests to set ACLs or update ACLs fail with … AccessControlListNotSupported", but an ACL that gives the bucket
 * owner full control and no one else anything, as a header or "an equivalent form of this ACL expressed in the XML
 * format", is taken and changes nothing). Undefined when it is such an ACL.
 */
function aclNotTaken(call: S3Call, owner: string, grants: readonly AclGrant[] | undefined): S3Failure | undefined {
  const refusedAcl = (what: string): S3Failure => ({
    code: 'AccessControlListNotSupported',
    message: `The bucket does not allow ACLs: ${what}; access is granted by policies only, so set no ACL but \`private\` or \`bucket-owner-full-control\``,
  });
  const acl = headerOf(call, 'x-amz-acl')?.trim();
  const granted = GRANT_HEADERS.filter((name) => headerOf(call, name) !== undefined);
  if (acl === undefined && granted.length === 0 && grants === undefined) {
    return { code: 'InvalidRequest', message: 'An ACL is set by an x-amz-acl header, x-amz-grant-* headers or an AccessControlPolicy body; the request has none' };
  }
  if (acl !== undefined && !OWNER_ACLS.has(acl)) return refusedAcl(`x-amz-acl \`${acl}\``);
  for (const name of granted) {
    const grant = headerOf(call, name) as string;
    if (!ownerOnlyGrant(name, grant, owner)) return refusedAcl(`${name} \`${grant.trim()}\``);
  }
  for (const g of grants ?? []) {
    if (g.grantee !== owner || g.permission !== 'FULL_CONTROL') return refusedAcl(`the AccessControlPolicy grants ${g.permission} to \`${g.grantee}\``);
  }
  if (grants !== undefined && grants.length === 0) return refusedAcl('the AccessControlPolicy grants the bucket owner nothing');
  return undefined;
}

/** `s3:x-amz-acl` and `s3:x-amz-grant-*` of a PutObjectAcl or PutBucketAcl, when it carries them (Service Authorization Reference). */
function aclContext(call: S3Call): Record<string, string> {
  const ctx: Record<string, string> = {};
  for (const name of ['x-amz-acl', ...GRANT_HEADERS]) {
    const v = headerOf(call, name);
    if (v !== undefined) ctx[`s3:${name}`] = v.trim();
  }
  return ctx;
}

/**
 * What a CreateBucket asks of the bucket that the gateway cannot honour, refused rather than dropped, as `unhonoured`
 * refuses it on objects: every bucket here is what S3 creates by default since April 2023, Object Ownership
 * BucketOwnerEnforced (ACLs disabled, access from policies only) without Object Lock.
 * - An ACL granting more than the owner (`x-amz-acl` other than `private`, any `x-amz-grant-*` but full control to the
 *   owner's account alone): 400 InvalidBucketAclWithObjectOwnership, S3's answer to such a CreateBucket without
 *   `x-amz-object-ownership` ("Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting").
 * - `x-amz-object-ownership` ObjectWriter or BucketOwnerPreferred, which enable ACLs: 501 NotImplemented; another value
 *   than those and BucketOwnerEnforced, 400 InvalidArgument.
 * - `x-amz-bucket-object-lock-enabled: true`: 501 NotImplemented (no bucket here keeps objects locked).
 * All were taken without a word: `aws s3api create-bucket --acl public-read` answered 200 for a bucket no anonymous
 * reader can read, and one created for ObjectWriter or Object Lock was neither.
 */
function unhonouredBucket(call: S3Call, owner: string): S3Failure | undefined {
  const ownership = headerOf(call, 'x-amz-object-ownership')?.trim();
  if (ownership !== undefined && ownership !== 'BucketOwnerEnforced') {
    if (ownership === 'ObjectWriter' || ownership === 'BucketOwnerPreferred') return notImplemented(`Object Ownership \`${ownership}\`, which enables ACLs (every bucket here is BucketOwnerEnforced: access is granted by policies only)`, 'x-amz-object-ownership');
    return { code: 'InvalidArgument', message: `Invalid x-amz-object-ownership header: \`${ownership}\`; it takes BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter` };
  }
  if (headerOf(call, 'x-amz-bucket-object-lock-enabled')?.trim().toLowerCase() === 'true') return notImplemented('S3 Object Lock', 'x-amz-bucket-object-lock-enabled');
  const refusedAcl = (what: string): S3Failure => ({
    code: 'InvalidBucketAclWithObjectOwnership',
    message: `Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting: ${what}; access is granted by policies only (a bucket policy), so send no ACL or \`private\``,
  });
  const acl = headerOf(call, 'x-amz-acl')?.trim();
  if (acl !== undefined && !OWNER_ACLS.has(acl)) return refusedAcl(`x-amz-acl \`${acl}\``);
  for (const name of GRANT_HEADERS) {
    const grant = headerOf(call, name);
    if (grant !== undefined && !ownerOnlyGrant(name, grant, owner)) return refusedAcl(`${name} \`${grant.trim()}\``);
  }
  return undefined;
}

/**
 * The action S3 decides when a request names an object's version (Service Authorization Reference, Amazon S3
 * actions): a policy may grant the current object and not its versions, or deny deleting versions, and the request
 * that names one is decided on what it names. No bucket is versioned here, so the only version id served is `null`.
 */
const VERSIONED_ACTIONS: Readonly<Record<string, string>> = {
  's3:GetObject': 's3:GetObjectVersion',
  's3:DeleteObject': 's3:DeleteObjectVersion',
  's3:GetObjectTagging': 's3:GetObjectVersionTagging',
  's3:PutObjectTagging': 's3:PutObjectVersionTagging',
  's3:DeleteObjectTagging': 's3:DeleteObjectVersionTagging',
  's3:GetObjectAcl': 's3:GetObjectVersionAcl',
  's3:PutObjectAcl': 's3:PutObjectVersionAcl',
  's3:GetObjectAttributes': 's3:GetObjectVersionAttributes',
};
const NULL_VERSION = 'null';

/**
 * The action and extra context of a request on `action` that names `versionId` (absent: the action as it is);
 * a version id other than `null` names nothing here: S3 answers it on an unversioned bucket with InvalidArgument.
 */
function versionedAction(action: string, versionId: string | undefined): S3Result<{ action: string; context: Record<string, string> }> {
  if (versionId === undefined) return { ok: true, value: { action, context: {} } };
  if (versionId !== NULL_VERSION) return { ok: false, error: { code: 'InvalidArgument', message: 'Invalid version id specified' } };
  return { ok: true, value: { action: VERSIONED_ACTIONS[action] ?? action, context: { 's3:versionid': versionId } } };
}

/** The headers naming the account the client expects to own the bucket (every bucket and object operation but CreateBucket and ListBuckets). */
type ExpectedOwnerHeader = 'x-amz-expected-bucket-owner' | 'x-amz-source-expected-bucket-owner';

/** One header of the request as sent (several occurrences joined by commas), from the facts. */
function sentHeader(f: S3Facts, name: string): string | undefined {
  const v = f.headers?.[name];
  return v === undefined ? undefined : typeof v === 'string' ? v : v.join(',');
}

/**
 * The condition keys every S3 decision carries: the connection's and the signature's, and the client's `aws:Referer`
 * and `aws:UserAgent` (AWS global condition keys: the Referer header when a browser sends one, the User-Agent "always
 * included"), each when the request carries the header. Without them the S3 User Guide's referer policy (Deny
 * `s3:GetObject` when `StringNotLike aws:Referer [site]`) refused every read, the site's own included, and a grant by
 * referer or user agent granted nothing (review gl, 3). Both are the client's word, as AWS warns.
 */
function factsContext(f: S3Facts): Record<string, string> {
  // One longer than a context value may be (a question with it is refused) is left out: decided without it (fails closed).
  const shown = (v: string | undefined): string | undefined => (v !== undefined && v.length <= MAX_CONTEXT_VALUE_CHARS ? v : undefined);
  const referer = shown(sentHeader(f, 'referer'));
  const userAgent = shown(sentHeader(f, 'user-agent'));
  return {
    ...(referer !== undefined ? { 'aws:Referer': referer } : {}),
    ...(userAgent !== undefined ? { 'aws:UserAgent': userAgent } : {}),
    'aws:SourceIp': f.sourceIp,
    'aws:SecureTransport': String(f.secureTransport),
    ...(f.signatureVersion !== undefined ? { 's3:signatureversion': f.signatureVersion } : {}),
    ...(f.authType !== undefined ? { 's3:authType': f.authType } : {}),
    ...(f.contentSha256 !== undefined ? { 's3:x-amz-content-sha256': f.contentSha256 } : {}),
    ...(f.signatureAgeMs !== undefined ? { 's3:signatureAge': String(Math.max(0, Math.floor(f.signatureAgeMs))) } : {}),
    ...(f.tlsVersion !== undefined ? { 's3:TlsVersion': f.tlsVersion } : {}),
    ...(f.requestedRegion !== undefined ? { 'aws:RequestedRegion': f.requestedRegion } : {}),
  };
}


export interface S3Call {
  readonly caller: Caller;
  readonly facts: S3Facts;
}

/** Digests the client declared in headers, checked by the store as the body streams (mismatch: BadDigest, nothing stored). */
export interface StoreDigests {
  readonly sha256Hex?: string;
  readonly sha256Base64?: string;
  readonly crc32Base64?: string;
  readonly crc32cBase64?: string;
  readonly crc64nvmeBase64?: string;
  /** The algorithm of the checksum the client sent (a header or the trailer), which the object keeps (`ObjectInfo.checksum`). */
  readonly checksumAlgorithm?: ChecksumAlgorithm;
}

export interface PutInput extends StoreDigests {
  readonly bucket: string;
  readonly key: string;
  readonly body: AsyncIterable<Uint8Array>;
  readonly size?: number;
  readonly contentType?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /** Cache-Control, Content-Disposition, Content-Encoding (without `aws-chunked`), Content-Language, Expires. */
  readonly headers?: ObjectHeaders;
  readonly tags?: Readonly<Record<string, string>>;
  /** `x-amz-storage-class`, `x-amz-website-redirect-location`, as the edge checked them. */
  readonly storageClass?: StorageClass;
  readonly redirectLocation?: string;
  readonly contentMd5?: string;
  /** `If-Match` / `If-None-Match: *`: held by the store where the write commits (`PreconditionFailed`, nothing stored). */
  readonly conditions?: WriteConditions;
}

export interface ListInput {
  readonly bucket: string;
  readonly prefix?: string;
  readonly delimiter?: string;
  readonly maxKeys?: number;
  readonly after?: string;
  /**
   * The listing's parameters as the request sent them, for `s3:prefix`, `s3:delimiter` and `s3:max-keys`: S3 puts a
   * key in the context whenever the request carries the parameter, with its value as sent. `prefix=` (empty, which
   * `aws s3 ls s3://bucket/` and the console send to list the top level) is `s3:prefix` = `""`, which the User
   * Guide's home-folder policy (`"StringEquals": {"s3:prefix": ["", "home/"]}`) allows; `max-keys` is the number
   * asked, not the page size served (at most 1,000), and absent when not sent. Absent: the fields above, as given.
   */
  readonly sent?: { readonly prefix?: string; readonly delimiter?: string; readonly maxKeys?: string };
}

/** A `Range: bytes=…` as the client asked it: `a-b`, `a-` or the last `suffix` bytes. */
export interface RequestedRange {
  readonly start?: number;
  readonly end?: number;
  readonly suffix?: number;
  /** `If-Range`: the range holds only while the object is the one this validator names (`ifRangeHolds`). */
  readonly ifRange?: string;
  /** `?partNumber=N` instead of a Range: that part's bytes of a multipart object (`partRange`). */
  readonly part?: number;
}

/**
 * The bytes of part `part` of `info` (API_GetObject: partNumber "effectively performs a 'ranged' GET request for the
 * part specified"): undefined (the whole object) for part 1 of an object written whole, and for a part the object
 * does not have, which the edge refuses (InvalidPartNumber).
 */
export function partRange(part: number, info: Pick<ObjectInfo, 'partSizes'>): RequestedRange | undefined {
  const sizes = info.partSizes;
  if (sizes === undefined || part > sizes.length) return undefined;
  let start = 0;
  for (let i = 0; i < part - 1; i++) start += sizes[i]!;
  return { start, end: start + sizes[part - 1]! - 1 };
}

/** The range to serve of `info`: none when its If-Range names another object (the whole object is the answer). */
export function rangeOf(range: RequestedRange | undefined, info: Pick<ObjectInfo, 'etag' | 'lastModified' | 'partSizes'>): RequestedRange | undefined {
  if (range?.part !== undefined) return partRange(range.part, info);
  return range?.ifRange === undefined || ifRangeHolds(range.ifRange, info) ? range : undefined;
}

/**
 * `range` resolved against an object of `size` bytes, as GetObject and HeadObject read it (API_GetObject,
 * API_HeadObject; RFC 9110 §14.1.2): an end past the object is its last byte, a suffix longer than the object is all of
 * it. Unsatisfiable (416 InvalidRange): a first byte at or past the end, or a suffix of 0. Undefined when the answer
 * is the whole object: no range asked, or an empty object asked a suffix.
 */
export function resolveRequestedRange(range: RequestedRange | undefined, size: number): { ok: true; value: ByteRange | undefined } | { ok: false } {
  if (range === undefined) return { ok: true, value: undefined };
  let resolved: ByteRange | undefined;
  if (range.suffix !== undefined) {
    if (range.suffix === 0) return { ok: false };
    resolved = { start: Math.max(0, size - range.suffix), end: size - 1 };
  } else if (range.start !== undefined) {
    if (range.start >= size) return { ok: false };
    resolved = { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
  }
  return { ok: true, value: resolved && size > 0 ? resolved : undefined };
}

/** A page of ListBuckets: names starting with `prefix`, after the name `after`, at most `max` (at least 1). */
export interface BucketsPage {
  readonly prefix?: string;
  readonly after?: string;
  readonly max: number;
}

export const bucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;
export const objectArn = (bucket: string, key: string): string => `arn:aws:s3:::${bucket}/${key}`;

const fail = <T>(code: S3AppErrorCode, message: string): S3Result<T> => ({ ok: false, error: { code, message } });
const fromStore = <T>(r: ObjectResult<T>): S3Result<T> => (r.ok ? r : { ok: false, error: r.error });

type Context = Record<string, string | string[]>;

/**
 * Who a CreateMultipartUpload's caller is, as API_Initiator names it: "If the principal is an AWS account, it provides
 * the Canonical User ID. If the principal is an IAM User, it provides a user ARN value." The account stands for the
 * canonical id here, as in every Owner the gateway answers. A session is its ARN (`arn:aws:sts::A:assumed-role/R/S`,
 * as S3 names temporary credentials' initiators). DisplayName only where S3 is seen to give one: a user's name
 * (versity/versitygw#2156 shows `<ID>arn:aws:iam::…:user/s3user</ID><DisplayName>s3user`); an account has none, as an
 * Owner has none since S3 stopped returning it (21 November 2025).
 */
function initiatorOf(caller: Caller): UploadInitiator {
  const { principal } = caller;
  if (principal.kind === 'root') return { id: caller.account };
  if (principal.kind === 'user') return { id: principal.arn, displayName: principal.arn.slice(principal.arn.lastIndexOf('/') + 1) };
  return { id: principal.arn };
}

/** What a multipart upload's steps need of a binding besides `storage.objects.create` (`multipartRefused`). */
const MULTIPART_PERMISSION = 'storage.multipartUploads.create';

/** How many times a PutObjectTagging or DeleteObjectTagging reads the object again when it was replaced meanwhile. */
const RETAG_ATTEMPTS = 5;

const sameTags = (a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean => {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b ?? {}).length && ka.every((k) => b !== undefined && Object.hasOwn(b, k) && b[k] === a?.[k]);
};

const hasTags = (tags: Readonly<Record<string, string>> | undefined): boolean => tags !== undefined && Object.keys(tags).length > 0;

function tagContext(prefix: string, tags: Readonly<Record<string, string>> | undefined): Context {
  const out: Context = {};
  if (!tags) return out;
  for (const [k, v] of Object.entries(tags)) out[`${prefix}/${k}`] = v;
  return out;
}

export function createS3(app: App, objects: ObjectStore) {
  const { deps } = app;
  // The authorize API decides a question about one of these objects with its stored tags, as `gateObject` does (review kd, 1).
  const giveBackTags = app.authorizer.useObjectTags(async (bucket, key) => {
    if (!(await objects.headBucket(bucket)).ok) return undefined;
    const head = await objects.headObject(bucket, key);
    return { tags: head.ok ? head.value.tags : undefined };
  });

  async function decide(call: S3Call, action: string, resource: string, owner: string, context: Context = {}): Promise<S3Failure | undefined> {
    const d = await decision(call, action, resource, owner, context);
    return 'refused' in d ? d.refused : undefined;
  }

  /** As `decide`, with the union's answer when it allows (`createsOnly` reads which engine allowed). */
  async function decision(call: S3Call, action: string, resource: string, owner: string, context: Context = {}): Promise<{ readonly refused: S3Failure } | { readonly allowed: AuthorizeAnswer }> {
    // The request's address on the caller, for the decision's record (review pa, 1); the policy reads it from `context`.
    const caller = call.facts.sourceIp !== '' || call.facts.requestId !== undefined ? withRequest(call.caller, { sourceIp: call.facts.sourceIp, ...requestIdFrom(call.facts) }) : call.caller;
    const r = await app.authorizer.authorize(caller, {
      action,
      resource,
      resourceAccount: owner,
      // `s3:ResourceAccount` (the data-perimeter guard's key, review aj, 5) is set by the authorizer from `resourceAccount`
      // on every question about an S3 ARN (review gd, 6), as `aws:ResourceAccount` is.
      context: { ...factsContext(call.facts), ...context },
    });
    if (!r.ok) return { refused: { code: 'AccessDenied', message: r.errors[0]?.message ?? 'Access Denied' } };
    if (r.value.decision === 'Allow') return { allowed: r.value };
    return { refused: { code: 'AccessDenied', message: deniedMessage(call.caller, action, resource, r.value) } };
  }

  /**
   * Whether a write of `key` that the union allowed (`allowed`) may only create it, not replace an object there (review qs,
   * 1). GCP needs `storage.objects.delete` besides `storage.objects.create` to replace an existing object (Cloud Storage
   * "IAM permissions for XML methods": PUT, and POST completing an upload, of an object need `storage.objects.delete` "if
   * overwriting an existing object"; roles/storage.objectCreator cannot overwrite), while S3 needs only `s3:PutObject`.
   * So a write that IAM allows (an identity or resource policy: `iam: Allow`) replaces as in S3; one that a binding alone
   * allows (`s3:PutObject` is `storage.objects.create`) replaces only when the caller may also delete the object
   * (`s3:DeleteObject`, asked as a simulation: by a binding's `storage.objects.delete` or otherwise). Before, a create-only
   * role's holder replaced any object of the bucket, destroying what it may not delete.
   */
  async function createsOnly(call: S3Call, bucket: BucketInfo, key: string, allowed: AuthorizeAnswer): Promise<boolean> {
    if (allowed.reasons.some((r) => r.startsWith('iam: Allow'))) return false;
    const del = await mayAlso(call, 's3:DeleteObject', objectArn(bucket.name, key), bucket.owner);
    return del?.decision !== 'Allow';
  }

  /** The refusal of a write that may only create `key` where an object is (`createsOnly`), audited as S3's own. */
  function replaceRefused(call: S3Call, bucket: BucketInfo, key: string): S3Failure {
    const arn = objectArn(bucket.name, key);
    const message = `Access Denied: ${call.caller.principal.arn} may write \`${key}\` in bucket \`${bucket.name}\` only by a binding (storage.objects.create), and replacing the object there also needs storage.objects.delete (s3:DeleteObject), as in GCP; no binding or policy allows the caller that`;
    return refuse(call, 's3:PutObject', arn, message, bucket.owner);
  }

  /**
   * The conditions a write of `key` is stored under: those the client sent, or, for a write that may only create the key
   * (`createsOnly`), with `If-None-Match: *`, so that the store writes only where no object is, at the moment it commits
   * (an object written there meanwhile is not replaced either). A client's `If-Match` asks to replace: refused at once.
   */
  async function writeConditions<C extends WriteConditions>(call: S3Call, bucket: BucketInfo, key: string, allowed: AuthorizeAnswer, conditions: C | undefined): Promise<{ readonly ok: true; readonly conditions: C | undefined; readonly createOnly: boolean } | { readonly ok: false; readonly error: S3Failure }> {
    if (!(await createsOnly(call, bucket, key, allowed))) return { ok: true, conditions, createOnly: false };
    if (conditions?.ifMatch !== undefined) return { ok: false, error: replaceRefused(call, bucket, key) };
    return { ok: true, conditions: { ...(conditions ?? {}), ifNoneMatch: '*' } as C, createOnly: true };
  }

  /**
   * The refusal of a multipart upload's step (CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload)
   * that the union allowed as `s3:PutObject` (`allowed`) when bindings alone allowed it and the caller may not also
   * `storage.multipartUploads.create` the object (review sf, 1). GCP needs that permission besides `storage.objects.create`
   * for each of them (Cloud Storage "IAM permissions for XML methods": POST object `uploads`, PUT object with `uploadId`,
   * POST object `uploadId`), while S3 needs `s3:PutObject` alone; so an IAM or bucket policy statement allowing it (`iam:
   * Allow`) suffices as before. Asked in the bindings' spelling, with the write's context (a simulation, `mayAlso`); the
   * refusal is audited as S3's own. Without it, a custom role kept to single uploads began, fed and completed multipart ones.
   */
  async function multipartRefused(call: S3Call, bucket: BucketInfo, key: string, allowed: AuthorizeAnswer, context: Context): Promise<S3Failure | undefined> {
    if (allowed.reasons.some((r) => r.startsWith('iam: Allow'))) return undefined;
    const arn = objectArn(bucket.name, key);
    if ((await mayAlso(call, MULTIPART_PERMISSION, arn, bucket.owner, context))?.decision === 'Allow') return undefined;
    const message = `Access Denied: ${call.caller.principal.arn} may write \`${key}\` in bucket \`${bucket.name}\` only by a binding (storage.objects.create), and a multipart upload also needs ${MULTIPART_PERMISSION}, as in GCP; no binding or policy allows the caller that`;
    return refuse(call, 's3:PutObject', arn, message, bucket.owner);
  }

  /** A store's 412 on a create-only write (`writeConditions`) the client sent no `If-None-Match` for: the key held an object. */
  const replacedRefusal = (call: S3Call, bucket: BucketInfo, key: string, sent: WriteConditions | undefined, createOnly: boolean, r: { ok: boolean; error?: { code: string } }): S3Failure | undefined =>
    createOnly && sent?.ifNoneMatch === undefined && !r.ok && r.error?.code === 'PreconditionFailed' ? replaceRefused(call, bucket, key) : undefined;

  /**
   * A refusal decided here rather than by the engine (a rule of S3 itself), audited like the engine's: on a bucket of
   * another account than the caller's (`owner`), in the owner's account too, marked `detail.crossAccount` as the
   * engine's copies are (review V, P7; review ad, ad5: the owner's log held the engine's Allow of B's PutBucketPolicy
   * and not its refusal). The owner's copy says the refusal is S3's, not why in the caller's words (its policies are
   * its own account's to read, review I3).
   */
  function refuse(call: S3Call, action: string, resource: string, message: string, owner?: string): S3Failure {
    const { caller } = call;
    const e = {
      account: caller.account,
      // Who, as every record of a caller names it (`actorOf`): the acting role and session (`audit query --role`), the job,
      // the source identity and the key that signed the request (`--access-key-id`). The key and the source identity
      // were left out, so a key's probing for object names was not among its records (review pa, 3).
      ...actorOf(caller),
      action,
      resource,
      decision: 'ImplicitDeny',
      ...(call.facts.sourceIp !== '' ? { sourceIp: call.facts.sourceIp } : {}),
      ...requestIdFrom(call.facts),
      detail: { reasons: [`s3: ${message}`] } as Record<string, unknown>,
    };
    if (owner === undefined || owner === caller.account) {
      app.audit.decision(e);
      return { code: 'AccessDenied', message };
    }
    const crossAccount = { callerAccount: caller.account, resourceAccount: owner };
    app.audit.decision({ ...e, detail: { ...e.detail, crossAccount } }, { ...e, kind: 'decision', account: owner, detail: { crossAccount, deniedBy: 's3' } });
    return { code: 'AccessDenied', message };
  }

  /**
   * A bucket policy's Get/Put/Delete by a principal of another account that its policies allow: recorded as `refuse`
   * records it, answered 405 MethodNotAllowed, as S3 answers it ("If you have the correct permissions, but you're not
   * using an identity that belongs to the bucket owner's account, Amazon S3 returns a 405 Method Not Allowed error").
   */
  function notOwner(call: S3Call, action: string, resource: string, owner: string, verb: 'read' | 'change'): S3Failure {
    const r = refuse(call, action, resource, `only principals of account ${owner}, which owns bucket \`${resource.slice('arn:aws:s3:::'.length)}\`, may ${verb} its policy`, owner);
    return { ...r, code: 'MethodNotAllowed' };
  }

  /**
   * The refusal of an ACL read (`action`: `s3:GetObjectAcl`, `s3:GetObjectVersionAcl`, `s3:GetBucketAcl`) or write
   * (`s3:PutObjectAcl`, `s3:PutObjectVersionAcl`, `s3:PutBucketAcl`) that the union allowed, when bindings alone allowed
   * it and the caller may not also `read` the resource (review ra, 2 for reads; rk, 2 for writes). GCP needs the
   * resource's read permission besides its `getIamPolicy` to read an ACL, and besides its `setIamPolicy` to change one
   * (Cloud Storage "IAM permissions for XML methods": GET object `acl`, `storage.objects.get` and
   * `storage.objects.getIamPolicy`; PUT object `acl`, `storage.objects.get`, `getIamPolicy`, `setIamPolicy` and `update`;
   * the bucket's alike with `storage.buckets.*`); S3 needs the ACL action alone, so an IAM or bucket policy statement
   * allowing it (`iam: Allow`) suffices as before. Both questions are simulations (`mayAlso`); the refusal is audited as
   * S3's own. Without it, a `setIamPolicy`-only role's holder put an owner-only ACL on any key and learnt from the answer
   * which keys exist, as the ACL read had let a `getIamPolicy`-only one.
   */
  async function aclRefused(call: S3Call, action: string, resource: string, owner: string, read: string, actionContext: Context, readContext: Context, permission: string, verb: 'read' | 'change' = 'read'): Promise<S3Failure | undefined> {
    if ((await mayAlso(call, read, resource, owner, readContext))?.decision === 'Allow') return undefined;
    if ((await mayAlso(call, action, resource, owner, actionContext))?.reasons.some((r) => r.startsWith('iam: Allow'))) return undefined;
    const held = verb === 'read' ? 'getIamPolicy' : 'setIamPolicy';
    return refuse(call, action, resource, `Access Denied: ${call.caller.principal.arn} may ${verb} the ACL of \`${resource}\` only by a binding (${held}), and ${verb === 'read' ? 'reading' : 'changing'} an ACL also needs ${permission} (${read}), as in GCP; no binding or policy allows the caller that`, owner);
  }

  /** A second question whose answer only shapes an error (NoSuchKey or AccessDenied): not audited by the engine. */
  async function mayAlso(call: S3Call, action: string, resource: string, owner: string, context: Context = {}): Promise<AuthorizeAnswer | undefined> {
    const r = await app.authorizer.simulate(call.caller, { action, resource, resourceAccount: owner, context: { ...factsContext(call.facts), ...context } });
    return r.ok ? r.value : undefined;
  }

  /**
   * The object as GetObject and HeadObject describe it to this caller: its tag count (`x-amz-tagging-count`) only when
   * the caller may read its tags, as API_GetObject says ("The number of tags, if any, on the object, when you have the
   * relevant permission to read object tags"). Asked as GetObjectTagging is decided (`s3:GetObjectVersionTagging` for a
   * request naming the version, the tags as `s3:ExistingObjectTag/*`); a second question that shapes the answer only,
   * not audited (`mayAlso`). The count went to every reader: one refused, or denied, the tags learned whether an object
   * is tagged and how many tags it has (review gl, 1).
   */
  async function describedTo(call: S3Call, bucket: BucketInfo, key: string, info: ObjectInfo, versionId: string | undefined): Promise<ObjectInfo> {
    if (!hasTags(info.tags)) return info;
    const v = versionedAction('s3:GetObjectTagging', versionId);
    if (!v.ok) return { ...info, tags: {} };
    const may = await mayAlso(call, v.value.action, objectArn(bucket.name, key), bucket.owner, { ...tagContext('s3:ExistingObjectTag', info.tags), ...v.value.context });
    return may?.decision === 'Allow' ? info : { ...info, tags: {} };
  }

  /**
   * The bucket and its owner; refused (403 AccessDenied, audited) when the client named another account as the owner
   * it expects (`ExpectedBucketOwner`: "If the account ID that you provide does not match the actual owner of the
   * bucket, the request fails with the HTTP status code 403 Forbidden"). Clients send it so as not to read from or
   * write into a bucket of the same name that someone else owns; the message names only the account the client gave.
   */
  async function ownerOf(call: S3Call, bucket: string, action: string, resource: string, expectedHeader: ExpectedOwnerHeader = 'x-amz-expected-bucket-owner'): Promise<S3Result<BucketInfo>> {
    const b = fromStore(await objects.headBucket(bucket));
    if (!b.ok) return b;
    const expected = headerOf(call, expectedHeader);
    if (expected !== undefined && expected.trim() !== b.value.owner) {
      return { ok: false, error: refuse(call, action, resource, `Access Denied: bucket \`${bucket}\` is not owned by account \`${expected.trim()}\`, which ${expectedHeader} names; check the bucket's name or the account you expect`) };
    }
    return b;
  }

  /** The bucket's owner, then the decision: NoSuchBucket first (as S3), then AccessDenied. */
  async function gate(call: S3Call, bucket: string, action: string, resource: string, context: Context = {}): Promise<S3Result<BucketInfo>> {
    const b = await ownerOf(call, bucket, action, resource);
    if (!b.ok) return b;
    const refused = await decide(call, action, resource, b.value.owner, context);
    return refused ? { ok: false, error: refused } : b;
  }

  /** `gate` for a write (`s3:PutObject`) of `key`, with the union's allow (`writeConditions` reads it). */
  async function gateWrite(call: S3Call, bucket: string, key: string, context: Context): Promise<S3Result<{ readonly bucket: BucketInfo; readonly allowed: AuthorizeAnswer }>> {
    const resource = objectArn(bucket, key);
    const b = await ownerOf(call, bucket, 's3:PutObject', resource);
    if (!b.ok) return b;
    const d = await decision(call, 's3:PutObject', resource, b.value.owner, context);
    if ('refused' in d) return { ok: false, error: d.refused };
    const tooLong = keyTooLong(key);
    return tooLong ? { ok: false, error: tooLong } : { ok: true, value: { bucket: b.value, allowed: d.allowed } };
  }

  /**
   * The object's stored tags for `s3:ExistingObjectTag/*`, deciding without them when the object is missing. A request
   * naming `versionId` is decided as the versioned action (`versionedAction`).
   */
  async function gateObject(call: S3Call, bucket: string, key: string, unversioned: string, expectedHeader?: ExpectedOwnerHeader, versionId?: string, extra: Context = {}): Promise<S3Result<{ bucket: BucketInfo; info: ObjectInfo | undefined }>> {
    const v = versionedAction(unversioned, versionId);
    if (!v.ok) return v;
    const { action } = v.value;
    const b = await ownerOf(call, bucket, action, objectArn(bucket, key), expectedHeader);
    if (!b.ok) return b;
    const head = await objects.headObject(bucket, key);
    const info = head.ok ? head.value : undefined;
    const refused = await decide(call, action, objectArn(bucket, key), b.value.owner, { ...tagContext('s3:ExistingObjectTag', info?.tags), ...extra, ...v.value.context });
    if (refused) return { ok: false, error: refused };
    // The object's own key (a copy's source is not named so): over S3's limit, no such object can be.
    const tooLong = expectedHeader === 'x-amz-source-expected-bucket-owner' ? undefined : keyTooLong(key);
    if (tooLong) return { ok: false, error: tooLong };
    if (!head.ok && head.error.code !== 'NoSuchKey') return fromStore(head);
    return { ok: true, value: { bucket: b.value, info } };
  }

  /**
   * A read the store served (`served`: the version it pinned) of an object decided on as `decided` (`gateObject`'s
   * record), decided again on the served version's tags when they differ: the tags are the decision's one input from the
   * object, and S3 decides a read on the object it serves. A write committed between the two reads (the key rewritten
   * with `classification=secret`) was served under the decision made on the version before it, past a Deny on that tag
   * (review mq, 2); PutObjectTagging decides again so (review bj).
   */
  async function servedAsDecided(call: S3Call, bucket: BucketInfo, key: string, unversioned: string, versionId: string | undefined, decided: ObjectInfo, served: ObjectInfo): Promise<S3Failure | undefined> {
    if (sameTags(decided.tags, served.tags)) return undefined;
    const v = versionedAction(unversioned, versionId);
    if (!v.ok) return v.error;
    return decide(call, v.value.action, objectArn(bucket.name, key), bucket.owner, { ...tagContext('s3:ExistingObjectTag', served.tags), ...v.value.context });
  }

  /** S3 answers NoSuchKey only to who may list the bucket; others learn nothing (AccessDenied). */
  async function noSuchKey<T>(call: S3Call, bucket: BucketInfo, key: string): Promise<S3Result<T>> {
    const arn = bucketArn(bucket.name);
    const list = await mayAlso(call, 's3:ListBucket', arn, bucket.owner);
    if (list?.decision === 'Allow') return { ok: false, error: { code: 'NoSuchKey', message: 'The specified key does not exist.', key } };
    // The message says only what was not allowed; the audit record says why it was asked.
    const message = list ? deniedMessage(call.caller, 's3:ListBucket', arn, list) : `User: ${call.caller.principal.arn} is not authorized to perform: s3:ListBucket on resource: "${arn}"`;
    const refusal = refuse(call, 's3:ListBucket', arn, `${message} (asked because the key \`${key}\` does not exist)`, bucket.owner);
    return { ok: false, error: { ...refusal, message } };
  }

  function writeContext(tags: Readonly<Record<string, string>> | undefined): Context {
    const ctx = tagContext('s3:RequestObjectTag', tags);
    if (tags && Object.keys(tags).length > 0) ctx['s3:RequestObjectTagKeys'] = Object.keys(tags);
    return ctx;
  }

  /** Write headers (of `WRITE_HEADER_KEYS` only) as the `s3:` condition keys of a write (`s3:x-amz-acl`…). */
  function writeHeaderContext(headers: Readonly<Record<string, string>> | undefined): Context {
    const ctx: Context = {};
    for (const name of WRITE_HEADER_KEYS) {
      const v = headers !== undefined && Object.hasOwn(headers, name) ? headers[name] : undefined;
      if (v !== undefined) ctx[`s3:${name}`] = v;
    }
    return ctx;
  }

  /** The write headers (`WRITE_HEADER_KEYS`) a request carries, trimmed; undefined when it carries none. */
  function writeHeadersOf(call: S3Call): Record<string, string> | undefined {
    const out: Record<string, string> = {};
    for (const name of WRITE_HEADER_KEYS) {
      const v = headerOf(call, name);
      if (v !== undefined) out[name] = v.trim();
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  /**
   * The `s3:PutObject` keys of an upload's parts and completion: those of the write headers CreateMultipartUpload sent,
   * kept with the upload (review nu, 3). S3 takes `x-amz-server-side-encryption`, `x-amz-acl` and the grants at
   * initiation only ("you can specify server-side encryption by adding the x-amz-server-side-encryption header to the
   * Initiate Multipart Upload request", User Guide, SSE-S3 with the REST API), and UploadPart carries none: decided
   * without them, the User Guide's guards ("Deny PutObject when Null s3:x-amz-server-side-encryption", "unless
   * s3:x-amz-acl is bucket-owner-full-control") refused every part of an upload they had let begin. Nothing when the
   * upload is not found: the store answers NoSuchUpload after the decision. A Complete retried after its upload was
   * completed is decided on the same headers, kept with the completion: without them the guards refused the retry of
   * an upload they had let complete (review oh, 2). Its tags (`x-amz-tagging`, which S3 also takes at initiation only)
   * are `s3:RequestObjectTag/*` and `s3:RequestObjectTagKeys` so: a "Deny PutObject when Null s3:RequestObjectTag/<key>"
   * guard refused every part of an upload created with that tag (review oy, 1).
   */
  async function uploadContext(bucket: string, key: string, uploadId: string): Promise<Context> {
    const sent = await objects.uploadRequestKeys(bucket, key, uploadId);
    return { ...writeContext(sent?.tags), ...writeHeaderContext(sent?.writeHeaders) };
  }

  /** A write's context: the tags it sets and the encryption and ACL headers it carries (`WRITE_HEADER_KEYS`). */
  function putContext(call: S3Call, tags: Readonly<Record<string, string>> | undefined): Context {
    return { ...writeContext(tags), ...writeHeaderContext(writeHeadersOf(call)) };
  }

  /**
   * CreateBucket's condition keys (Service Authorization Reference, Amazon S3: `s3:LocationConstraint`, `s3:x-amz-acl`,
   * `s3:x-amz-grant-*`, `s3:x-amz-object-ownership`), each present only when the request carries it, with its value as
   * sent. The User Guide's "create buckets in one Region only" (Allow `s3:CreateBucket` when `StringLike
   * s3:LocationConstraint sa-east-1`, with the Deny of `StringNotLike`) found no key: the Allow never applied and the
   * Deny refused every CreateBucket, the one naming that Region too; so did a guard on the canned ACL a bucket is
   * created with. A request without a CreateBucketConfiguration (a bucket in us-east-1) has no `s3:LocationConstraint`,
   * as in S3, so that Deny refuses it.
   */
  function createBucketContext(call: S3Call, location: string | undefined): Context {
    const ctx: Context = {};
    if (location !== undefined && location !== '') ctx['s3:LocationConstraint'] = location;
    for (const name of ['x-amz-acl', ...GRANT_HEADERS, 'x-amz-object-ownership']) {
      const v = headerOf(call, name);
      if (v !== undefined) ctx[`s3:${name}`] = v.trim();
    }
    return ctx;
  }

  /**
   * CopyObject's (and UploadPartCopy's) own `s3:PutObject` keys (Service Authorization Reference, Amazon S3): `s3:x-amz-copy-source`
   * and `s3:x-amz-metadata-directive` (when sent), so a bucket policy can say which sources may be copied in ("Deny
   * PutObject when the copy source is not under public/": `StringNotLike` with `Null` false). Absent, such a Deny never
   * applied and any readable source was copied in. The copy source is `from`, the object read, as decoded from the
   * URL-encoded header (`bucket/key`, `/bucket/key` when sent so, `?versionId=` when sent), as the User Guide's examples
   * write it: the header as sent let `src/%73ecret/a` pass a Deny of `src/secret/*` and copy that very object (review oh, 3).
   */
  function copyContext(call: S3Call, from: { bucket: string; key: string; versionId?: string }): Context {
    const ctx: Context = {};
    const source = headerOf(call, 'x-amz-copy-source')?.trim();
    if (source !== undefined) ctx['s3:x-amz-copy-source'] = `${source.startsWith('/') ? '/' : ''}${from.bucket}/${from.key}${from.versionId !== undefined ? `?versionId=${from.versionId}` : ''}`;
    const directive = headerOf(call, 'x-amz-metadata-directive');
    if (directive !== undefined) ctx['s3:x-amz-metadata-directive'] = directive.trim();
    return ctx;
  }

  /**
   * `s3:if-match` and `s3:if-none-match` (Service Authorization Reference, Amazon S3 condition keys; "enforce
   * conditional writes" in the S3 User Guide): present only when the write carries the header, with its value as sent,
   * so that a bucket policy can require create-only or compare-and-swap writes (`"Null": {"s3:if-none-match": "false"}`).
   */
  function conditionContext(call: S3Call, conditions: WriteConditions | undefined): Context {
    const ctx: Context = {};
    if (conditions?.ifMatch !== undefined) ctx['s3:if-match'] = headerOf(call, 'if-match')?.trim() ?? conditions.ifMatch.map((t) => (t === '*' || t.startsWith('W/') ? t : `"${t}"`)).join(', ');
    if (conditions?.ifNoneMatch !== undefined) ctx['s3:if-none-match'] = headerOf(call, 'if-none-match')?.trim() ?? conditions.ifNoneMatch;
    return ctx;
  }

  /**
   * A write with If-Match also needs `s3:GetObject` on the object it would replace, besides `s3:PutObject` (S3 User
   * Guide, "conditional writes", on If-Match): its answer (412 or not, 404 when there is none) tells whether the object
   * exists and has that ETag, which only a reader may learn. Decided with the object's tags, as a read is.
   */
  async function mayCompare(call: S3Call, bucket: BucketInfo, key: string, conditions: WriteConditions | undefined): Promise<S3Failure | undefined> {
    if (conditions?.ifMatch === undefined) return undefined;
    const head = await objects.headObject(bucket.name, key);
    return decide(call, 's3:GetObject', objectArn(bucket.name, key), bucket.owner, tagContext('s3:ExistingObjectTag', head.ok ? head.value.tags : undefined));
  }

  /**
   * A write that sets tags needs `s3:PutObjectTagging` on the object as well as `s3:PutObject` (API_PutObject and
   * API_CreateMultipartUpload, "Permissions"): tags feed `s3:ExistingObjectTag` decisions, so who may not tag an
   * object may not tag it through the write either. Asked after the write's own decision and before anything is stored.
   */
  async function mayTag(call: S3Call, bucket: BucketInfo, key: string, tags: Readonly<Record<string, string>> | undefined, context: Context): Promise<S3Failure | undefined> {
    if (!hasTags(tags)) return undefined;
    return decide(call, 's3:PutObjectTagging', objectArn(bucket.name, key), bucket.owner, context);
  }

  /**
   * DeleteObject, and each key of DeleteObjects: decided without the object's tags. S3 gives `s3:DeleteObject` (and
   * `s3:DeleteObjectVersion`) no `s3:ExistingObjectTag` (User Guide, "Tagging and access control policies": "When
   * granting permissions for the PUT Object and DELETE Object operations, this condition key is not supported. That is,
   * you cannot create a policy to grant or deny a user permissions to delete or overwrite an object based on its existing
   * tags"; the Service Authorization Reference lists none for either action). With the key, the usual ABAC grant
   * (`s3:*Object*` on `bucket/*` when `s3:ExistingObjectTag/team` is the principal's team) let a team delete its tagged
   * objects, which S3 refuses under the same policy.
   */
  async function deleteObject(call: S3Call, bucket: string, key: string, versionId?: string, conditions?: Pick<WriteConditions, 'ifMatch'>): Promise<S3Result<void>> {
    const v = versionedAction('s3:DeleteObject', versionId);
    if (!v.ok) return v;
    const g = await gate(call, bucket, v.value.action, objectArn(bucket, key), { ...v.value.context, ...conditionContext(call, conditions) });
    if (!g.ok) return g;
    // A conditional delete (User Guide, "conditional deletes") also needs s3:GetObject: its 412 or 404 tells a reader's facts.
    const refused = await mayCompare(call, g.value, key, conditions);
    if (refused) return { ok: false, error: refused };
    return fromStore(await objects.deleteObject(bucket, key, conditions));
  }

  // ------------------------------------------------------------------------------------------------
  // Changes: CreateBucket, DeleteBucket, PutBucketPolicy and DeleteBucketPolicy change who owns a bucket and which
  // resource and IAM policies govern it, as `PUT|DELETE /v1/resource-policies` and the directory do. So they are
  // audited as those are (review Y, Y3): refused while the audit log cannot record them (the closed audit gate: 503
  // ServiceUnavailable, which S3 clients retry), and recorded as `change` records — never sampled, journaled — with
  // the caller, the address the request came from, the request, and `before`/`after` read in the write's own
  // transaction (the policy documents as stored: no secret is in them; `null` on a side where there was none).
  // A refusal by the gate is recorded too (`SERVICE_UNAVAILABLE`), as the directory's are; a refusal by a policy is
  // the engine's denial record.

  /** The record of a change to `bucket` (its owner's account), done (`ok`) or refused by the gate. */
  function recordChange(call: S3Call, action: string, bucket: string, account: string, decision: string, detail: Record<string, unknown>): void {
    app.audit.record({
      kind: 'change',
      account,
      ...actorOf(call.caller),
      ...(call.facts.sourceIp !== '' ? { sourceIp: call.facts.sourceIp } : {}),
      ...requestIdFrom(call.facts),
      action,
      resource: bucketArn(bucket),
      decision,
      detail,
    });
  }

  /**
   * `write`, the store transaction of a change to `bucket`: one whose COMMIT answer was lost (it may or may not have been
   * made) is recorded `OUTCOME_UNKNOWN` with its request and the error before the error goes on, as the directory's,
   * the edge's and the jobs' are (review aa11, stop 25, review ab). It went unrecorded, and a policy in force had no
   * record (review fw, 2).
   */
  async function committing<T>(call: S3Call, action: string, bucket: string, account: string, request: Record<string, unknown>, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (e) {
      if (isStoreOutcomeUnknown(e)) recordChange(call, action, bucket, account, 'OUTCOME_UNKNOWN', { request, error: e.message });
      throw e;
    }
  }

  /** Under the fail-closed audit policy, the refusal (recorded) of a change the audit log cannot record now. */
  function closedGate(call: S3Call, action: string, bucket: string, account: string, request: Record<string, unknown>): S3Failure | undefined {
    const closed = app.audit.gate('the bucket is not changed');
    if (closed === undefined) return undefined;
    const message = (closed.ok ? undefined : closed.errors[0]?.message) ?? 'the audit log cannot be written at the moment: retry later';
    recordChange(call, action, bucket, account, 'SERVICE_UNAVAILABLE', { request, error: message });
    return { code: 'ServiceUnavailable', message };
  }

  /** The resource and IAM policies on `bucket` and under it, read in `tx`, by store key. */
  async function policiesUnder(tx: ReadTx, bucket: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const key of [resourcePolicyKey(bucketArn(bucket)), iamPolicyKey('', bucketArn(bucket))]) {
      for (const e of await tx.kv.list(key)) if (e.key === key || e.key.startsWith(`${key}/`)) out.set(e.key, e.value);
    }
    return out;
  }

  /** The policies held in `before` that `after` no longer holds, as stored (the record's `policiesRemoved`). */
  function removedPolicies(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): { resourcePolicies: StoredResourcePolicy[]; iamPolicies: unknown[] } {
    const resourcePolicies: StoredResourcePolicy[] = [];
    const iamPolicies: unknown[] = [];
    const rp = resourcePolicyKey('');
    for (const [key, value] of before) {
      if (after.has(key)) continue;
      if (key.startsWith(rp)) resourcePolicies.push(resourcePolicyRecord(key, value));
      else iamPolicies.push(documentValue(value));
    }
    return { resourcePolicies, iamPolicies };
  }

  /** The bucket's stored owner record (`{account, created}`), read in `tx`; null when there is none. */
  async function ownerRecord(tx: ReadTx, bucket: string): Promise<unknown> {
    const text = await tx.kv.get(bucketOwnerKey(bucket));
    return text === undefined ? null : { bucket, ...(documentValue(text) as object) };
  }

  return {
    /**
     * The caller's account's buckets, in name order; `page` (ListBuckets' `prefix`, `continuation-token` and
     * `max-buckets`, API_ListBuckets): those whose name starts with `prefix`, after `after`, at most `max`, and the name
     * to continue after when more remain. Without `page`, all of them.
     */
    async listBuckets(call: S3Call, page?: BucketsPage): Promise<S3Result<{ readonly buckets: readonly BucketInfo[]; readonly next?: string }>> {
      // S3 lists the buckets of the caller's account; the question is asked on the account's side.
      const refused = await decide(call, 's3:ListAllMyBuckets', 'arn:aws:s3:::*', call.caller.account);
      if (refused) return { ok: false, error: refused };
      const mine = (await objects.listBuckets()).filter((b) => b.owner === call.caller.account);
      if (page === undefined) return { ok: true, value: { buckets: mine } };
      const { prefix = '', after, max } = page;
      const matching = mine.filter((b) => b.name.startsWith(prefix) && (after === undefined || b.name > after));
      const buckets = matching.slice(0, max);
      return { ok: true, value: matching.length > max ? { buckets, next: buckets[buckets.length - 1]!.name } : { buckets } };
    },

    /**
     * `where.location`: the `LocationConstraint` of the request's CreateBucketConfiguration, when it names one;
     * `where.region`: the gateway's, where every bucket is (what GetBucketLocation and HeadBucket answer).
     */
    async createBucket(call: S3Call, bucket: string, where?: { readonly location?: string; readonly region: string }): Promise<S3Result<BucketInfo>> {
      const location = where?.location;
      const refused = (await decide(call, 's3:CreateBucket', bucketArn(bucket), call.caller.account, createBucketContext(call, location))) ?? unhonouredBucket(call, call.caller.account);
      if (refused) return { ok: false, error: refused };
      // A bucket is made in the gateway's region only, as S3's regional endpoints make it: one asked for elsewhere was made
      // here while the client (and the s3:LocationConstraint a policy allowed it on) named another region, and
      // GetBucketLocation then answered the gateway's.
      if (location !== undefined && location !== '' && where !== undefined && location !== where.region) {
        return fail('IllegalLocationConstraintException', `The ${location} location constraint is incompatible for the region specific endpoint this request was sent to. This gateway's buckets are in ${where.region}: send no LocationConstraint${where.region === 'us-east-1' ? '' : ` or ${where.region}`}`);
      }
      const owner = call.caller.account;
      const closed = closedGate(call, 's3:CreateBucket', bucket, owner, { bucket });
      if (closed) return { ok: false, error: closed };
      /**
       * The caller's own bucket made again: in us-east-1, 200 and nothing changed, as S3 answers it there "for legacy
       * compatibility" (API_CreateBucket, BucketAlreadyOwnedByYou: returned "in all Amazon Web Services Regions except in
       * the North Virginia Region"); elsewhere 409 BucketAlreadyOwnedByYou. It was 409 in us-east-1 too, so a script or an
       * application that makes its bucket at every start (`aws s3 mb`, an SDK's CreateBucket), which S3 answers 200 there,
       * failed on its second start (review tb, 2). Decided above as any CreateBucket; nothing is written, recorded or removed.
       */
      const again = (info: BucketInfo): S3Result<BucketInfo> =>
        (where?.region ?? 'us-east-1') === 'us-east-1' ? { ok: true, value: info } : fail('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.');
      const existing = await objects.headBucket(bucket);
      if (existing.ok) {
        return existing.value.owner === call.caller.account
          ? again(existing.value)
          : fail('BucketAlreadyExists', 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.');
      }
      const created = await objects.createBucket(bucket, call.caller.account);
      if (!created.ok && created.error.code === 'BucketAlreadyOwnedByYou') {
        // Made meanwhile by another request of the same account.
        const made = await objects.headBucket(bucket);
        if (made.ok && made.value.owner === call.caller.account) return again(made.value);
      }
      if (!created.ok) return fromStore(created);
      // Whose it is, for every instance (the authorize API decides on it too); without that record, no bucket. Policies
      // another account attached to the name before it existed grant nothing, and would keep the owner from managing
      // its own bucket's: they go.
      // Recorded as it commits, before the reloads that follow (reads of the database, which may hang): a process killed
      // in between left the change made and recorded nowhere, not even in the journal (review iw, 7). After the write
      // only if the store did not say when it committed.
      let recorded = false;
      let change: { before: unknown; after: unknown; policiesRemoved: ReturnType<typeof removedPolicies> };
      try {
        change = await committing(call, 's3:CreateBucket', bucket, owner, { bucket }, () =>
          deps.store.write(
            async (tx) => {
              const before = await ownerRecord(tx, bucket);
              const held = await policiesUnder(tx, bucket);
              await tx.kv.put(bucketOwnerKey(bucket), JSON.stringify({ account: owner, created: created.value.created }));
              await removeResourcePoliciesUnder(tx, bucketArn(bucket), owner);
              await removeIamPoliciesUnder(tx, bucketArn(bucket), owner);
              return { before, after: await ownerRecord(tx, bucket), policiesRemoved: removedPolicies(held, await policiesUnder(tx, bucket)) };
            },
            { committed: (done) => void ((recorded = true), recordChange(call, 's3:CreateBucket', bucket, owner, 'ok', { request: { bucket }, ...done })) },
          ),
        );
      } catch (e) {
        await objects.deleteBucket(bucket);
        throw e;
      }
      if (!recorded) recordChange(call, 's3:CreateBucket', bucket, owner, 'ok', { request: { bucket }, ...change });
      await app.refresh();
      return fromStore(created);
    },

    /**
     * HeadBucket: `s3:ListBucket`, as S3 (API_HeadBucket), or, when nothing denies that explicitly, a binding's
     * `storage.buckets.get` (`s3:GetBucketLocation`), which is what GCP asks of the same request (Cloud Storage "IAM
     * permissions for XML methods": `HEAD` bucket, `storage.buckets.get`). Bindings answer `s3:ListBucket` as
     * `storage.objects.list`, so a custom role holding `storage.buckets.get` read the bucket's location and versioning
     * but was refused the check every SDK makes that the bucket exists (review rk, 1). An IAM or bucket policy allowing
     * `s3:GetBucketLocation` alone still does not allow it: that is S3's rule. The two looks are simulations; the
     * decision then made, and audited, is of the action that allows (or of `s3:ListBucket` when neither does).
     */
    async headBucket(call: S3Call, bucket: string): Promise<S3Result<BucketInfo>> {
      const arn = bucketArn(bucket);
      const b = await ownerOf(call, bucket, 's3:ListBucket', arn);
      if (!b.ok) return b;
      const owner = b.value.owner;
      let action = 's3:ListBucket';
      if ((await mayAlso(call, 's3:ListBucket', arn, owner))?.decision === 'ImplicitDeny') {
        const location = await mayAlso(call, 's3:GetBucketLocation', arn, owner);
        if (location?.decision === 'Allow' && location.reasons.some((r) => r.startsWith('bindings: '))) action = 's3:GetBucketLocation';
      }
      const refused = await decide(call, action, arn, owner);
      return refused ? { ok: false, error: refused } : b;
    },

    async getBucketLocation(call: S3Call, bucket: string): Promise<S3Result<BucketInfo>> {
      return gate(call, bucket, 's3:GetBucketLocation', bucketArn(bucket));
    },

    /** GetBucketVersioning, GetBucketAcl: answers about the bucket itself (never versioned; its owner has full control). */
    async bucketSetting(call: S3Call, bucket: string, action: 's3:GetBucketVersioning' | 's3:GetBucketAcl'): Promise<S3Result<BucketInfo>> {
      const g = await gate(call, bucket, action, bucketArn(bucket));
      if (!g.ok || action !== 's3:GetBucketAcl') return g;
      const refused = await aclRefused(call, action, bucketArn(bucket), g.value.owner, 's3:GetBucketLocation', {}, {}, 'storage.buckets.get');
      return refused ? { ok: false, error: refused } : g;
    },

    /** GetObjectAcl: the bucket owner has full control of every object. */
    async objectAcl(call: S3Call, bucket: string, key: string, versionId?: string): Promise<S3Result<BucketInfo>> {
      const g = await gateObject(call, bucket, key, 's3:GetObjectAcl', undefined, versionId);
      if (!g.ok) return g;
      const acl = versionedAction('s3:GetObjectAcl', versionId);
      const read = versionedAction('s3:GetObject', versionId);
      if (!acl.ok) return acl;
      if (!read.ok) return read;
      const tags = tagContext('s3:ExistingObjectTag', g.value.info?.tags);
      const refused = await aclRefused(call, acl.value.action, objectArn(bucket, key), g.value.bucket.owner, read.value.action, { ...tags, ...acl.value.context }, { ...tags, ...read.value.context }, 'storage.objects.get');
      if (refused) return { ok: false, error: refused };
      if (!g.value.info) return noSuchKey(call, g.value.bucket, key);
      return { ok: true, value: g.value.bucket };
    },

    /**
     * PutObjectAcl (`key` given; `s3:PutObjectVersionAcl` with `versionId`) and PutBucketAcl, as S3 answers them on a
     * bucket whose ACLs are disabled (BucketOwnerEnforced, every bucket here): decided, then taken without changing
     * anything when the ACL gives the bucket owner full control and no one else anything (`private`,
     * `bucket-owner-full-control`, its grant header or XML form), else 400 AccessControlListNotSupported. `grants`: the
     * AccessControlPolicy body's, when one was sent.
     */
    async putAcl(call: S3Call, bucket: string, key: string | undefined, versionId: string | undefined, grants: readonly AclGrant[] | undefined): Promise<S3Result<void>> {
      let owner: string;
      if (key === undefined) {
        const g = await gate(call, bucket, 's3:PutBucketAcl', bucketArn(bucket), aclContext(call));
        if (!g.ok) return g;
        const refused = await aclRefused(call, 's3:PutBucketAcl', bucketArn(bucket), g.value.owner, 's3:GetBucketLocation', aclContext(call), {}, 'storage.buckets.get', 'change');
        if (refused) return { ok: false, error: refused };
        owner = g.value.owner;
      } else {
        const g = await gateObject(call, bucket, key, 's3:PutObjectAcl', undefined, versionId, aclContext(call));
        if (!g.ok) return g;
        // The read permission before saying whether the key exists (review rk, 2), as the ACL read asks it.
        const acl = versionedAction('s3:PutObjectAcl', versionId);
        const read = versionedAction('s3:GetObject', versionId);
        if (!acl.ok) return acl;
        if (!read.ok) return read;
        const tags = tagContext('s3:ExistingObjectTag', g.value.info?.tags);
        const refused = await aclRefused(call, acl.value.action, objectArn(bucket, key), g.value.bucket.owner, read.value.action, { ...tags, ...aclContext(call), ...acl.value.context }, { ...tags, ...read.value.context }, 'storage.objects.get', 'change');
        if (refused) return { ok: false, error: refused };
        if (!g.value.info) return noSuchKey(call, g.value.bucket, key);
        owner = g.value.bucket.owner;
      }
      const refused = aclNotTaken(call, owner, grants);
      return refused ? { ok: false, error: refused } : { ok: true, value: undefined };
    },

    async deleteBucket(call: S3Call, bucket: string): Promise<S3Result<void>> {
      const g = await gate(call, bucket, 's3:DeleteBucket', bucketArn(bucket));
      if (!g.ok) return g;
      const closed = closedGate(call, 's3:DeleteBucket', bucket, g.value.owner, { bucket });
      if (closed) return { ok: false, error: closed };
      const r = await objects.deleteBucket(bucket);
      if (!r.ok) return fromStore(r);
      // Its policies (resource and IAM, on it and under it) and its owner go with the bucket: a bucket of the same
      // name created later starts without them. When that write fails (the database lost: answered 503, which clients
      // retry), the bucket, empty, is put back, as CreateBucket removes its own: a bucket gone from disk whose policies
      // stayed in the store answered the retry NoSuchBucket, and gave its policy to the next bucket of the name
      // (review fw, 1).
      let recorded = false;
      let change: { before: unknown; after: unknown; policiesRemoved: ReturnType<typeof removedPolicies> };
      try {
        change = await committing(call, 's3:DeleteBucket', bucket, g.value.owner, { bucket }, () =>
          deps.store.write(
            async (tx) => {
              const before = await ownerRecord(tx, bucket);
              const held = await policiesUnder(tx, bucket);
              await removeResourcePoliciesUnder(tx, bucketArn(bucket));
              await removeIamPoliciesUnder(tx, bucketArn(bucket));
              await tx.kv.delete(bucketOwnerKey(bucket));
              return { before, after: await ownerRecord(tx, bucket), policiesRemoved: removedPolicies(held, await policiesUnder(tx, bucket)) };
            },
            // Recorded as it commits, before the reloads (review iw, 7).
            { committed: (done) => void ((recorded = true), recordChange(call, 's3:DeleteBucket', bucket, g.value.owner, 'ok', { request: { bucket }, ...done })) },
          ),
        );
      } catch (e) {
        await objects.createBucket(bucket, g.value.owner).catch(() => undefined);
        throw e;
      }
      if (!recorded) recordChange(call, 's3:DeleteBucket', bucket, g.value.owner, 'ok', { request: { bucket }, ...change });
      await app.refresh();
      return { ok: true, value: undefined };
    },

    async getBucketPolicy(call: S3Call, bucket: string): Promise<S3Result<string>> {
      const g = await gate(call, bucket, 's3:GetBucketPolicy', bucketArn(bucket));
      if (!g.ok) return g;
      // Only the owner's principals read it, whatever the policy grants another account (API_GetBucketPolicy: the
      // caller must "belong to the bucket owner's account"), as for Put and Delete: a partner granted `s3:*` or
      // `s3:Get*` on the bucket would otherwise read every other partner and condition the policy names.
      if (call.caller.account !== g.value.owner) return { ok: false, error: notOwner(call, 's3:GetBucketPolicy', bucketArn(bucket), g.value.owner, 'read') };
      const p = app.resourcePolicies.get(bucketArn(bucket));
      if (!p || p.account !== g.value.owner) return { ok: false, error: { code: 'NoSuchBucketPolicy', message: 'The bucket policy does not exist', bucketName: bucket } };
      return { ok: true, value: p.document };
    },

    async putBucketPolicy(call: S3Call, bucket: string, document: string): Promise<S3Result<void>> {
      const g = await gate(call, bucket, 's3:PutBucketPolicy', bucketArn(bucket));
      if (!g.ok) return g;
      const arn = bucketArn(bucket);
      // Only the owner's principals manage the policy, whatever another account's policies say (as S3).
      if (call.caller.account !== g.value.owner) return { ok: false, error: notOwner(call, 's3:PutBucketPolicy', arn, g.value.owner, 'change') };
      const outside = outsideBucket(bucket, document);
      if (outside) return fail('MalformedPolicy', outside.message);
      const request = { bucket, policy: document };
      const closed = closedGate(call, 's3:PutBucketPolicy', bucket, g.value.owner, request);
      if (closed) return { ok: false, error: closed };
      let recorded = false;
      const r = await committing(call, 's3:PutBucketPolicy', bucket, g.value.owner, request, () =>
        deps.store.write<Result<{ before: StoredResourcePolicy | null; after: StoredResourcePolicy }>>(
          async (tx, abort) => {
            const key = resourcePolicyKey(arn);
            const held = await tx.kv.get(key);
            const put = await ResourcePolicies.put(deps, tx, { resource: arn, account: g.value.owner, document });
            if (!put.ok) return abort(put);
            return { ok: true, value: { before: held === undefined ? null : resourcePolicyRecord(key, held), after: put.value } };
          },
          // Recorded as it commits, before the reloads (review iw, 7).
          { committed: (done) => void (done.ok && ((recorded = true), recordChange(call, 's3:PutBucketPolicy', bucket, g.value.owner, 'ok', { request, before: done.value.before, after: done.value.after }))) },
        ),
      );
      if (!r.ok) {
        // The parser's message with where it points, as IAM's MalformedPolicyDocument (`checkDocument`).
        const e = r.errors[0];
        const where = e?.path ? ` (at ${e.path}${e.line ? `, line ${e.line}` : ''})` : '';
        return fail('MalformedPolicy', `${e?.message ?? 'the policy is not valid'}${where}`);
      }
      if (!recorded) recordChange(call, 's3:PutBucketPolicy', bucket, g.value.owner, 'ok', { request, before: r.value.before, after: r.value.after });
      await app.refresh();
      return { ok: true, value: undefined };
    },

    async deleteBucketPolicy(call: S3Call, bucket: string): Promise<S3Result<void>> {
      const g = await gate(call, bucket, 's3:DeleteBucketPolicy', bucketArn(bucket));
      if (!g.ok) return g;
      const arn = bucketArn(bucket);
      if (call.caller.account !== g.value.owner) return { ok: false, error: notOwner(call, 's3:DeleteBucketPolicy', arn, g.value.owner, 'change') };
      const closed = closedGate(call, 's3:DeleteBucketPolicy', bucket, g.value.owner, { bucket });
      if (closed) return { ok: false, error: closed };
      // Read and deleted in one transaction, so that `before` is exactly what was removed (none: nothing to do).
      let recorded = false;
      const before = await committing(call, 's3:DeleteBucketPolicy', bucket, g.value.owner, { bucket }, () =>
        deps.store.write(
          async (tx) => {
            const key = resourcePolicyKey(arn);
            const held = await tx.kv.get(key);
            const stored = held === undefined ? undefined : resourcePolicyRecord(key, held);
            if (stored === undefined || stored.account !== g.value.owner) return null;
            await tx.kv.delete(key);
            return stored;
          },
          // Recorded as it commits, before the reloads (review iw, 7).
          { committed: (removed) => void ((recorded = true), recordChange(call, 's3:DeleteBucketPolicy', bucket, g.value.owner, 'ok', { request: { bucket }, before: removed, after: null })) },
        ),
      );
      if (!recorded) recordChange(call, 's3:DeleteBucketPolicy', bucket, g.value.owner, 'ok', { request: { bucket }, before, after: null });
      if (before !== null) await app.refresh();
      return { ok: true, value: undefined };
    },

    /** The page, and the bucket's owner: the owner of every object in it (ACLs disabled, BucketOwnerEnforced). */
    async listObjects(call: S3Call, input: ListInput): Promise<S3Result<ListObjectsPage & { readonly owner: string }>> {
      const { sent, ...list } = input;
      const keys = sent ?? { ...(input.prefix !== undefined ? { prefix: input.prefix } : {}), ...(input.delimiter !== undefined ? { delimiter: input.delimiter } : {}), ...(input.maxKeys !== undefined ? { maxKeys: String(input.maxKeys) } : {}) };
      const ctx: Context = {};
      if (keys.prefix !== undefined) ctx['s3:prefix'] = keys.prefix;
      if (keys.delimiter !== undefined) ctx['s3:delimiter'] = keys.delimiter;
      if (keys.maxKeys !== undefined) ctx['s3:max-keys'] = keys.maxKeys;
      const g = await gate(call, input.bucket, 's3:ListBucket', bucketArn(input.bucket), ctx);
      if (!g.ok) return g;
      const page = fromStore(await objects.listObjects(list));
      return page.ok ? { ok: true, value: { ...page.value, owner: g.value.owner } } : page;
    },

    async putObject(call: S3Call, input: PutInput): Promise<S3Result<ObjectInfo>> {
      const context = putContext(call, input.tags);
      const g = await gateWrite(call, input.bucket, input.key, { ...context, ...conditionContext(call, input.conditions) });
      if (!g.ok) return g;
      const bucket = g.value.bucket;
      const refused = unhonoured(call, bucket.owner, 'write') ?? (await mayCompare(call, bucket, input.key, input.conditions)) ?? (await mayTag(call, bucket, input.key, input.tags, context));
      if (refused) return { ok: false, error: refused };
      const { conditions, ...write } = input;
      const held = await writeConditions(call, bucket, input.key, g.value.allowed, conditions);
      if (!held.ok) return held;
      const r = await objects.putObject(write, held.conditions);
      const replaced = replacedRefusal(call, bucket, input.key, conditions, held.createOnly, r);
      return replaced ? { ok: false, error: replaced } : fromStore(r);
    },

    async headObject(call: S3Call, bucket: string, key: string, versionId?: string): Promise<S3Result<ObjectInfo>> {
      const g = await gateObject(call, bucket, key, 's3:GetObject', undefined, versionId);
      if (!g.ok) return g;
      const unsupported = unhonoured(call, g.value.bucket.owner, 'read');
      if (unsupported) return { ok: false, error: unsupported };
      if (!g.value.info) return noSuchKey(call, g.value.bucket, key);
      return { ok: true, value: await describedTo(call, g.value.bucket, key, g.value.info, versionId) };
    },

    /**
     * GetObjectAttributes: the object's record, for the edge to answer the attributes asked. S3 asks both actions of an
     * unversioned bucket ("you need the s3:GetObject and s3:GetObjectAttributes permissions", API_GetObjectAttributes;
     * with a version id `s3:GetObjectVersion` and `s3:GetObjectVersionAttributes`), each decided and audited, the
     * object's tags as `s3:ExistingObjectTag/*` for both.
     */
    async objectAttributes(call: S3Call, bucket: string, key: string, versionId?: string): Promise<S3Result<ObjectInfo>> {
      const g = await gateObject(call, bucket, key, 's3:GetObject', undefined, versionId);
      if (!g.ok) return g;
      const v = versionedAction('s3:GetObjectAttributes', versionId);
      if (!v.ok) return v;
      const refused = await decide(call, v.value.action, objectArn(bucket, key), g.value.bucket.owner, { ...tagContext('s3:ExistingObjectTag', g.value.info?.tags), ...v.value.context });
      if (refused) return { ok: false, error: refused };
      const unsupported = unhonoured(call, g.value.bucket.owner, 'read');
      if (unsupported) return { ok: false, error: unsupported };
      if (!g.value.info) return noSuchKey(call, g.value.bucket, key);
      return { ok: true, value: g.value.info };
    },

    /**
     * `range` as the client asked it; resolved against the object's size here (suffix and open ranges), so the
     * store sees an inclusive range within the object. Unsatisfiable: InvalidRange, with the size for the edge.
     */
    async getObject(call: S3Call, bucket: string, key: string, range?: RequestedRange, versionId?: string): Promise<S3Result<{ info: ObjectInfo; range?: ByteRange; stream: Readable }> | { ok: false; error: S3Failure; size: number; info: ObjectInfo }> {
      const g = await gateObject(call, bucket, key, 's3:GetObject', undefined, versionId);
      if (!g.ok) return g;
      const unsupported = unhonoured(call, g.value.bucket.owner, 'read');
      if (unsupported) return { ok: false, error: unsupported };
      const info = g.value.info;
      if (!info) return noSuchKey(call, g.value.bucket, key);
      const resolved = resolveRequestedRange(rangeOf(range, info), info.size);
      // With the object, whose preconditions the edge holds first (RFC 9110 §13.2.2: a precondition that fails is
      // answered before the Range is looked at).
      if (!resolved.ok) return { ok: false, error: { code: 'InvalidRange', message: 'The requested range is not satisfiable' }, size: info.size, info };
      // If-Range is held again by the store against the version it serves, which may be newer than `info`.
      const ifRange = range?.ifRange;
      const r = await objects.getObject(bucket, key, resolved.value && ifRange !== undefined ? { ...resolved.value, ifRange } : resolved.value);
      if (!r.ok) return r.error.code === 'NoSuchKey' ? noSuchKey(call, g.value.bucket, key) : fromStore(r);
      try {
        const refused = await servedAsDecided(call, g.value.bucket, key, 's3:GetObject', versionId, info, r.value.info);
        if (refused) {
          r.value.stream.destroy();
          return { ok: false, error: refused };
        }
        return { ok: true, value: { ...r.value, info: await describedTo(call, g.value.bucket, key, r.value.info, versionId) } };
      } catch (e) {
        r.value.stream.destroy();
        throw e;
      }
    },

    deleteObject,

    /**
     * Each entry decided on its own, as S3 does (one with a `VersionId` as `s3:DeleteObjectVersion`): the answer lists
     * what was deleted and what was refused.
     */
    async deleteObjects(call: S3Call, bucket: string, entries: readonly { readonly key: string; readonly versionId?: string; readonly etag?: string }[]): Promise<S3Result<{ deleted: string[]; errors: { key: string; code: string; message: string }[] }>> {
      const b = await ownerOf(call, bucket, 's3:DeleteObject', bucketArn(bucket));
      if (!b.ok) return b;
      const deleted: string[] = [];
      const errors: { key: string; code: string; message: string }[] = [];
      // An entry's `ETag` is its If-Match (User Guide, "conditional deletes"): that object is removed only while it has it.
      for (const { key, versionId, etag } of entries) {
        const r = await deleteObject(call, bucket, key, versionId, etag === undefined ? undefined : { ifMatch: [etag] });
        if (r.ok) deleted.push(key);
        else errors.push({ key, code: r.error.code, message: r.error.message });
      }
      return { ok: true, value: { deleted, errors } };
    },

    /** `from.versionId` (`null`): the source is read as `s3:GetObjectVersion` (its tags as `s3:GetObjectVersionTagging`). */
    async copyObject(
      call: S3Call,
      from: { bucket: string; key: string; versionId?: string },
      to: { bucket: string; key: string },
      /** `MetadataDirective: REPLACE` gives `contentType`, `metadata` and `headers`; `TaggingDirective: REPLACE`, `tags`. */
      replace?: CopyReplace,
      /** `If-Match` / `If-None-Match: *` on the destination, `x-amz-copy-source-if-*` on the source: held by the store. */
      conditions?: CopyConditions,
    ): Promise<S3Result<ObjectInfo>> {
      // Decided on the source read, and copied only while that very source is the key's (review mq, 3): the store copied
      // whatever version was the key's when it got there, so a write that tagged it secret in between was copied under the
      // decision made on the version before. A source replaced meanwhile is read and decided again, as a retag is (review
      // bj); replaced on every try, 503, which S3 clients retry.
      for (let attempt = 1; ; attempt++) {
        const src = await gateObject(call, from.bucket, from.key, 's3:GetObject', 'x-amz-source-expected-bucket-owner', from.versionId);
        if (!src.ok) return src;
        const source = src.value.info;
        if (!source) return noSuchKey(call, src.value.bucket, from.key);
        const tags = replace?.tags ?? source.tags;
        const context = putContext(call, tags);
        const gated = await gateWrite(call, to.bucket, to.key, { ...context, ...copyContext(call, from), ...conditionContext(call, conditions) });
        if (!gated.ok) return gated;
        const dst = { ok: true as const, value: gated.value.bucket };
        const unsupported = unhonoured(call, dst.value.owner, 'write') ?? (await mayCompare(call, dst.value, to.key, conditions));
        if (unsupported) return { ok: false, error: unsupported };
        // Tags copied from the source (x-amz-tagging-directive COPY) are read from it too: `s3:GetObjectTagging` on the
        // source, as S3 asks it ("copying objects that have object tags"), so a copy does not reveal tags its caller may not read.
        if (replace?.tags === undefined && hasTags(source.tags)) {
          const v = versionedAction('s3:GetObjectTagging', from.versionId);
          if (!v.ok) return v;
          const unreadable = await decide(call, v.value.action, objectArn(from.bucket, from.key), src.value.bucket.owner, { ...tagContext('s3:ExistingObjectTag', source.tags), ...v.value.context });
          if (unreadable) return { ok: false, error: unreadable };
        }
        const untaggable = await mayTag(call, dst.value, to.key, tags, context);
        if (untaggable) return { ok: false, error: untaggable };
        const held = await writeConditions(call, dst.value, to.key, gated.value.allowed, conditions);
        if (!held.ok) return held;
        const copied = await objects.copyObject({ bucket: from.bucket, key: from.key, expect: source }, to, replace, held.conditions);
        if (copied.ok || copied.error.code !== 'PreconditionFailed') return fromStore(copied);
        // The 412 of a create-only copy (`writeConditions`) whose destination holds an object: refused, whatever the source's.
        if (held.createOnly && conditions?.ifNoneMatch === undefined && (await objects.headObject(to.bucket, to.key)).ok) return { ok: false, error: replaceRefused(call, dst.value, to.key) };
        // A condition the client sent (on the source or the destination) that did not hold: the source is the one decided on.
        const now = await objects.headObject(from.bucket, from.key);
        if (now.ok && now.value === source) return fromStore(copied);
        if (attempt === RETAG_ATTEMPTS) return fail('ServiceUnavailable', `object \`${from.key}\` in bucket \`${from.bucket}\` was replaced ${RETAG_ATTEMPTS} times while it was being copied; retry later`);
      }
    },

    /**
     * UploadPartCopy: a byte range of an object (GetObject on it, GetObjectVersion with `from.versionId`) streamed into
     * a part (PutObject on the destination).
     */
    async uploadPartCopy(
      call: S3Call,
      from: { bucket: string; key: string; versionId?: string },
      to: { bucket: string; key: string; uploadId: string; partNumber: number },
      range?: { start: number; end: number },
      /** `x-amz-copy-source-if-*`: held by the store against the version it reads. */
      sourceConditions?: SourceConditions,
    ): Promise<S3Result<PartInfo>> {
      const src = await gateObject(call, from.bucket, from.key, 's3:GetObject', 'x-amz-source-expected-bucket-owner', from.versionId);
      if (!src.ok) return src;
      const info = src.value.info;
      if (!info) return noSuchKey(call, src.value.bucket, from.key);
      // The copy source is a condition key of UploadPartCopy's s3:PutObject too: a policy limiting what may be copied
      // in would otherwise be passed by a multipart upload whose parts are copies.
      const dstContext = { ...(await uploadContext(to.bucket, to.key, to.uploadId)), ...copyContext(call, from) };
      const gated = await gateWrite(call, to.bucket, to.key, dstContext);
      if (!gated.ok) return gated;
      const dst = { ok: true as const, value: gated.value.bucket };
      const unsupported = (await multipartRefused(call, dst.value, to.key, gated.value.allowed, dstContext)) ?? unhonoured(call, dst.value.owner, 'read');
      if (unsupported) return { ok: false, error: unsupported };
      if (range && (range.end >= info.size || range.start > range.end)) return fail('InvalidArgument', `Range specified is not valid for source object of size: ${info.size}`);
      // More than a part may hold is refused as S3 refuses it, in CopyObject's words (not the part body's
      // EntityTooLarge), before anything is read.
      const size = range ? range.end - range.start + 1 : info.size;
      if (size > objects.maxPutSize) return fail('InvalidRequest', `The specified copy source is larger than the maximum allowable size for a copy source: ${objects.maxPutSize}`);
      const body = await objects.getObject(from.bucket, from.key, range, sourceConditions);
      if (!body.ok) return fromStore(body);
      try {
        const refused = await servedAsDecided(call, src.value.bucket, from.key, 's3:GetObject', from.versionId, info, body.value.info);
        if (refused) return { ok: false, error: refused };
        // The length of what is served: the source may have been replaced by one of another size since it was read.
        const served = body.value.range ? body.value.range.end - body.value.range.start + 1 : body.value.info.size;
        return fromStore(await objects.uploadPart({ ...to, body: body.value.stream, size: served }));
      } finally {
        body.value.stream.destroy();
      }
    },

    async getObjectTagging(call: S3Call, bucket: string, key: string, versionId?: string): Promise<S3Result<Readonly<Record<string, string>>>> {
      const g = await gateObject(call, bucket, key, 's3:GetObjectTagging', undefined, versionId);
      if (!g.ok) return g;
      if (!g.value.info) return noSuchKey(call, g.value.bucket, key);
      return { ok: true, value: g.value.info.tags };
    },

    /** Put (or, with no tags, delete) an object's tags: the object rewritten onto itself with its type and metadata. */
    async putObjectTagging(call: S3Call, bucket: string, key: string, tags: Readonly<Record<string, string>> | undefined, versionId?: string): Promise<S3Result<ObjectInfo>> {
      const v = versionedAction(tags === undefined ? 's3:DeleteObjectTagging' : 's3:PutObjectTagging', versionId);
      if (!v.ok) return v;
      const { action } = v.value;
      const b = await ownerOf(call, bucket, action, objectArn(bucket, key));
      if (!b.ok) return b;
      // The object tagged is the one read (the store refuses the write when another replaced it meanwhile); on that
      // race the tagging is done again on the object now under the key, as S3 orders a retag after the PutObject it
      // raced, and decided again when its tags (`s3:ExistingObjectTag`, the decision's only input from the object)
      // differ from those decided on. The client sent no condition: a 412 told it of one that did not hold.
      let decided: Readonly<Record<string, string>> | undefined;
      for (let attempt = 1; ; attempt++) {
        const head = await objects.headObject(bucket, key);
        const info = head.ok ? head.value : undefined;
        if (attempt === 1 || !sameTags(decided, info?.tags)) {
          const refused = await decide(call, action, objectArn(bucket, key), b.value.owner, { ...tagContext('s3:ExistingObjectTag', info?.tags), ...(tags ? writeContext(tags) : {}), ...v.value.context });
          if (refused) return { ok: false, error: refused };
          decided = info?.tags;
          const tooLong = keyTooLong(key);
          if (tooLong) return { ok: false, error: tooLong };
        }
        // A missing key is told only to who may list the bucket, as for the reads (review ti, 1): a tagging write
        // answered NoSuchKey to any caller allowed it, which told where no object is.
        if (!info) return head.ok || head.error.code === 'NoSuchKey' ? noSuchKey(call, b.value, key) : fromStore(head);
        const written = await objects.setObjectTags(bucket, key, tags ?? {}, info);
        if (written.ok || written.error.code !== 'PreconditionFailed') return fromStore(written);
        // Replaced on every try (a key rewritten without pause): 503, which S3 clients retry after a pause.
        if (attempt === RETAG_ATTEMPTS) return fail('ServiceUnavailable', `object \`${key}\` in bucket \`${bucket}\` was replaced ${RETAG_ATTEMPTS} times while its tags were being written; retry later`);
      }
    },

    async createUpload(call: S3Call, input: CreateUploadInput): Promise<S3Result<UploadInfo>> {
      const context = putContext(call, input.tags);
      const gated = await gateWrite(call, input.bucket, input.key, context);
      if (!gated.ok) return gated;
      const g = { ok: true as const, value: gated.value.bucket };
      const refused = (await multipartRefused(call, g.value, input.key, gated.value.allowed, context)) ?? unhonoured(call, g.value.owner, 'write') ?? (await mayTag(call, g.value, input.key, input.tags, context));
      if (refused) return { ok: false, error: refused };
      const writeHeaders = writeHeadersOf(call);
      return fromStore(await objects.createUpload({ ...input, initiator: initiatorOf(call.caller), ...(writeHeaders ? { writeHeaders } : {}) }));
    },

    /** `sent`: the algorithm of the checksum the client sent with the part, `none` for none (held against the upload's by the store). */
    async uploadPart(call: S3Call, input: StoreDigests & { bucket: string; key: string; uploadId: string; partNumber: number; body: AsyncIterable<Uint8Array>; size?: number; contentMd5?: string; sent?: ChecksumAlgorithm | 'none' }): Promise<S3Result<PartInfo>> {
      const context = await uploadContext(input.bucket, input.key, input.uploadId);
      const gated = await gateWrite(call, input.bucket, input.key, context);
      if (!gated.ok) return gated;
      const unsupported = (await multipartRefused(call, gated.value.bucket, input.key, gated.value.allowed, context)) ?? unhonoured(call, gated.value.bucket.owner, 'read');
      if (unsupported) return { ok: false, error: unsupported };
      return fromStore(await objects.uploadPart(input));
    },

    /** `conditions` (`If-Match` / `If-None-Match: *`) are held by the store; a refused Complete keeps its upload. */
    async completeUpload(call: S3Call, bucket: string, key: string, uploadId: string, parts: readonly CompletedPart[], conditions?: WriteConditions, check?: CompleteChecks): Promise<S3Result<ObjectInfo>> {
      const context = { ...(await uploadContext(bucket, key, uploadId)), ...conditionContext(call, conditions) };
      const g = await gateWrite(call, bucket, key, context);
      if (!g.ok) return g;
      const b = g.value.bucket;
      const unsupported = (await multipartRefused(call, b, key, g.value.allowed, context)) ?? unhonoured(call, b.owner, 'read') ?? (await mayCompare(call, b, key, conditions));
      if (unsupported) return { ok: false, error: unsupported };
      const held = await writeConditions(call, b, key, g.value.allowed, conditions);
      if (!held.ok) return held;
      const r = await objects.completeUpload(bucket, key, uploadId, parts, held.conditions, check);
      const replaced = replacedRefusal(call, b, key, conditions, held.createOnly, r);
      return replaced ? { ok: false, error: replaced } : fromStore(r);
    },

    async abortUpload(call: S3Call, bucket: string, key: string, uploadId: string): Promise<S3Result<void>> {
      const g = await gate(call, bucket, 's3:AbortMultipartUpload', objectArn(bucket, key));
      if (!g.ok) return g;
      // No upload of a key over S3's limit can be: KeyTooLongError, as the other multipart calls (review tz, 1).
      const tooLong = keyTooLong(key);
      if (tooLong) return { ok: false, error: tooLong };
      return fromStore(await objects.abortUpload(bucket, key, uploadId));
    },

    /** With the bucket's owner, which owns what the upload completes to (ACLs disabled: BucketOwnerEnforced). */
    async listParts(call: S3Call, bucket: string, key: string, uploadId: string, options: { after?: number; maxParts?: number }): Promise<S3Result<PartsPage & { readonly owner: string }>> {
      const g = await gate(call, bucket, 's3:ListMultipartUploadParts', objectArn(bucket, key));
      if (!g.ok) return g;
      const tooLong = keyTooLong(key);
      if (tooLong) return { ok: false, error: tooLong };
      const page = fromStore(await objects.listParts(bucket, key, uploadId, options));
      return page.ok ? { ok: true, value: { ...page.value, owner: g.value.owner } } : page;
    },

    /** With the bucket's owner, as `listParts`. */
    async listUploads(call: S3Call, input: ListUploadsInput): Promise<S3Result<UploadsPage & { readonly owner: string }>> {
      const g = await gate(call, input.bucket, 's3:ListBucketMultipartUploads', bucketArn(input.bucket));
      if (!g.ok) return g;
      const page = fromStore(await objects.listUploads(input));
      return page.ok ? { ok: true, value: { ...page.value, owner: g.value.owner } } : page;
    },

    close: (): Promise<void> => {
      giveBackTags();
      return objects.close();
    },
    /**
     * Records the owner of every bucket on disk in the store, at start: buckets created before owners were recorded
     * are then known to every instance. (An owner is forgotten by DeleteBucket only: another instance's gateway may
     * hold buckets this one does not.)
     */
    async recordOwners(): Promise<number> {
      const buckets = await objects.listBuckets();
      const changed = await deps.store.write(async (tx) => {
        let n = 0;
        // A record that cannot be read is written again: the bucket's directory says who created it (review ot, 1).
        const known = new Map((await tx.kv.list(BUCKET_OWNER_PREFIX)).map((e) => [e.key.slice(BUCKET_OWNER_PREFIX.length), bucketOwnerAccount(e.value)]));
        for (const b of buckets) {
          if (known.get(b.name) === b.owner) continue;
          await tx.kv.put(bucketOwnerKey(b.name), JSON.stringify({ account: b.owner, created: b.created }));
          n++;
        }
        return n;
      });
      if (changed > 0) await app.refresh();
      return changed;
    },
  };
}

/** AWS's wording, with the policy type that blocked. */
function deniedMessage(caller: Caller, action: string, resource: string, answer: AuthorizeAnswer): string {
  const d: Decision = { decision: answer.decision, deniedBy: answer.deniedBy ?? 'identity', allowedBy: undefined, matched: [], summary: '', conditionFailures: [] };
  return accessDeniedMessage(caller.principal.arn, action, `"${resource}"`, d);
}

export type S3 = ReturnType<typeof createS3>;
