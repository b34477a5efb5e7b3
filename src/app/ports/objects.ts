/**
 * The `ObjectStore` port: buckets and objects of the S3-compatible gateway (issue "Data access for real").
 *
 * One adapter implements it: `adapters/objects-fs` (objects as files under `<dataDir>/objects`). The gateway's
 * use cases (`app/s3.ts`) decide every request with the engine first and only then call this port, so the port
 * knows nothing of principals or policies: it stores bytes, atomically and verifiably.
 *
 * Conventions the adapter keeps:
 * - Bodies stream in and out (`AsyncIterable<Uint8Array>` in, `Readable` out): memory use never depends on
 *   object size.
 * - Writes are atomic: a reader sees the previous version or the new one, never a part; a crash mid-write
 *   leaves the previous version and, at worst, a temporary file that the next start removes.
 * - ETags are what S3 computes: hex MD5 of the bytes for a single PUT; for a multipart upload, hex MD5 of the
 *   concatenated binary MD5s of the parts followed by `-N` (N parts). Returned without quotes; the HTTP edge
 *   adds them.
 * - Integrity is checked on read: the bytes served are hashed as they stream and a mismatch with the stored
 *   digest destroys the stream with an error (the client sees a truncated body, never silently wrong data).
 * - Expected failures are values with a code from `ObjectErrorCode`; only infrastructure failures (disk full,
 *   EIO) throw or reject.
 */
import type { Readable } from 'node:stream';

export type ObjectErrorCode =
  | 'NoSuchBucket'
  | 'NoSuchKey'
  | 'NoSuchUpload'
  | 'BucketAlreadyOwnedByYou'
  | 'BucketAlreadyExists'
  | 'BucketNotEmpty'
  | 'InvalidBucketName'
  | 'KeyTooLongError'
  | 'InvalidRange'
  | 'InvalidPart'
  | 'InvalidPartOrder'
  | 'EntityTooSmall'
  | 'EntityTooLarge'
  | 'BadDigest'
  | 'IncompleteBody'
  /** A checksum of the wrong algorithm or type for its upload, or missing where the upload needs one: nothing written. */
  | 'InvalidRequest'
  /** A listing marker that cannot name a position (ListMultipartUploads' `upload-id-marker` of no upload id's shape). */
  | 'InvalidArgument'
  /** A write's or a copy source's condition (`WriteConditions`, `SourceConditions`) did not hold: nothing written. */
  | 'PreconditionFailed';

export interface ObjectError {
  readonly code: ObjectErrorCode;
  readonly message: string;
  /**
   * What was not found, as S3's error document names it: the bucket of a NoSuchBucket (`<BucketName>`), the key of a
   * NoSuchKey (`<Key>`); for a copy, the source's when the source is what is missing.
   */
  readonly bucketName?: string;
  readonly key?: string;
  /** The upload id of a NoSuchUpload, as the request named it (`<UploadId>`). */
  readonly uploadId?: string;
  /** The digest a BadDigest is about: which one, as declared and as computed from the body received. */
  readonly digest?: DigestMismatch;
  /**
   * An IncompleteBody's byte counts, as S3's document gives them (`<NumberBytesExpected>`, `<NumberBytesProvided>`): the
   * length declared, and the bytes received (for a body that runs long, as many as were read when it was refused).
   */
  readonly bytes?: ByteCounts;
  /**
   * The condition a PreconditionFailed is about, as S3's document names it (`<Condition>`): the request header whose
   * condition did not hold (`If-Match`, `If-None-Match`; a copy's source's `x-amz-copy-source-If-Match`…).
   */
  readonly condition?: string;
}

/** The length a body declared and the bytes it provided (an IncompleteBody's). */
export interface ByteCounts {
  readonly expected: number;
  readonly provided: number;
}

/** S3's message for a body shorter or longer than its declared length (IncompleteBody). */
export const BODY_LENGTH_MESSAGE = 'You did not provide the number of bytes specified by the Content-Length HTTP header';

/** A declared digest the body did not match: its header's name, and its value as sent and as computed, in that header's form. */
export interface DigestMismatch {
  readonly header: string;
  readonly declared: string;
  readonly computed: string;
}

export type ObjectResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ObjectError };

export interface BucketInfo {
  readonly name: string;
  /** 12-digit account id of the owner (who created it). */
  readonly owner: string;
  /** ISO-8601 UTC. */
  readonly created: string;
}

/**
 * S3's Content-Type of an object written without one: a PutObject or CreateMultipartUpload that sends none, and a
 * CopyObject with `MetadataDirective: REPLACE` that sends none (it does not keep the source's).
 */
export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

/**
 * Whether an `If-Range` validator still names `info` (RFC 9110 §13.1.5, which S3's GetObject follows): an entity tag
 * by strong comparison (a weak one never holds; an unquoted one is taken as the ETag, as the gateway's If-Match takes
 * it), a date by the object's Last-Modified to the second. When it does not, the Range is ignored and the whole object
 * is the answer: a resumed download of an object replaced since is never handed a piece of the new one to append.
 */
export function ifRangeHolds(validator: string, info: Pick<ObjectInfo, 'etag' | 'lastModified'>): boolean {
  const v = validator.trim();
  if (v.startsWith('W/')) return false;
  if (v.startsWith('"')) return v === `"${info.etag}"`;
  const at = Date.parse(v);
  if (!Number.isNaN(at) && !/^[0-9a-f]+(-[0-9]+)?$/i.test(v)) return Math.floor(at / 1000) === Math.floor(Date.parse(info.lastModified) / 1000);
  return v === info.etag;
}

/**
 * The system-defined metadata a client may set on an object besides its type (S3 User Guide, "Working with object
 * metadata"; API_PutObject): served back as these response headers by GetObject and HeadObject. Names lower-case.
 */
export const OBJECT_HEADER_NAMES = ['cache-control', 'content-disposition', 'content-encoding', 'content-language', 'expires'] as const;
export type ObjectHeaderName = (typeof OBJECT_HEADER_NAMES)[number];

/** An object's system-defined metadata, each header as the client set it; absent: not set. */
export type ObjectHeaders = Readonly<Partial<Record<ObjectHeaderName, string>>>;

/**
 * The storage classes an object may be written with (`x-amz-storage-class`, API_PutObject): those S3 serves a general
 * purpose bucket's reads in without a restore. Every class is stored alike here (one tier, on `--data-dir`): the class
 * is a label that is kept and answered, so that clients and lifecycle tools see what they asked. GLACIER and
 * DEEP_ARCHIVE are not among them: S3 refuses reads of such an object until a RestoreObject, which the gateway has no
 * archive tier to mean, so a write asking for one is refused rather than stored as if it were archived (docs/decisions.md,
 * "S3 gateway"). OUTPOSTS, SNOW, EXPRESS_ONEZONE and FSX_OPENZFS belong to other kinds of bucket.
 */
export const STORAGE_CLASSES = ['STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR'] as const;
export type StorageClass = (typeof STORAGE_CLASSES)[number];

export const isStorageClass = (value: unknown): value is StorageClass => typeof value === 'string' && (STORAGE_CLASSES as readonly string[]).includes(value);

/** What S3 stores as a website redirect location (`x-amz-website-redirect-location`, API_PutObject): at most 2 KB. */
export const MAX_REDIRECT_LOCATION = 2048;

export interface ObjectInfo {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  /** Unquoted: 32 hex digits, or 32 hex digits `-N` for a multipart object. */
  readonly etag: string;
  /** ISO-8601 UTC with milliseconds. */
  readonly lastModified: string;
  readonly contentType: string;
  /** `x-amz-meta-*` headers, names lower-cased without the prefix. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Cache-Control, Content-Disposition, Content-Encoding, Content-Language, Expires, as set (none for an object stored before they were kept). */
  readonly headers: ObjectHeaders;
  /** Object tags (`x-amz-tagging` at PUT); decisions read them as `s3:ExistingObjectTag/<key>`. */
  readonly tags: Readonly<Record<string, string>>;
  /** As written (`x-amz-storage-class`); STANDARD when none was given, and for an object stored before classes were kept. */
  readonly storageClass: StorageClass;
  /** `x-amz-website-redirect-location`, as written; absent: none. */
  readonly redirectLocation?: string;
  /**
   * The whole body's checksum under the algorithm its writer sent one with (`x-amz-checksum-*`, in a header or the
   * trailer), kept as S3 keeps it and served back (`x-amz-checksum-mode: ENABLED`): the reader's SDK checks the bytes
   * against it. A multipart object has the one its upload was created with (`UploadChecksum`). Absent: written
   * without one.
   */
  readonly checksum?: ObjectChecksum;
  /**
   * A multipart object's part sizes, in the order it was completed (each part is one segment of the object): what
   * GetObject and HeadObject `?partNumber=N` serve. Absent for an object written whole or copied (one part).
   */
  readonly partSizes?: readonly number[];
}

/** The `x-amz-checksum-*` algorithms the gateway computes: every one S3 takes on a write (User Guide, "Checking object integrity"). */
export type ChecksumAlgorithm = 'crc32' | 'crc32c' | 'crc64nvme' | 'sha1' | 'sha256';

/**
 * How a multipart object's checksum is made from its parts' (User Guide, "Checking object integrity", multipart
 * uploads): FULL_OBJECT, the checksum of all its bytes (a CRC: CRC32, CRC32C, CRC64NVME); COMPOSITE, the checksum of
 * the concatenated part checksums followed by `-N` (CRC32, CRC32C, SHA1, SHA256). A single write's is FULL_OBJECT.
 */
export type ChecksumType = 'COMPOSITE' | 'FULL_OBJECT';

/** A checksum as S3's headers carry it: the algorithm and the base64 of its big-endian value (then `-N` if COMPOSITE). */
export interface ObjectChecksum {
  readonly algorithm: ChecksumAlgorithm;
  readonly value: string;
  /** Absent: FULL_OBJECT. */
  readonly type?: ChecksumType;
}

/** The checksum a multipart upload was created with (CreateMultipartUpload's `x-amz-checksum-algorithm` and `-type`). */
export interface UploadChecksum {
  readonly algorithm: ChecksumAlgorithm;
  readonly type: ChecksumType;
}

export interface PutObjectInput {
  readonly bucket: string;
  readonly key: string;
  readonly body: AsyncIterable<Uint8Array>;
  /** Declared length, when known: a body that ends short or runs long is refused (`IncompleteBody`), nothing stored. */
  readonly size?: number;
  readonly contentType?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly headers?: ObjectHeaders;
  readonly tags?: Readonly<Record<string, string>>;
  /** Default STANDARD. */
  readonly storageClass?: StorageClass;
  readonly redirectLocation?: string;
  /** Base64 MD5 the client declared (`Content-MD5`): a mismatch is `BadDigest`, nothing stored. */
  readonly contentMd5?: string;
  /** Base64 SHA-256 the client declared (`x-amz-checksum-sha256`) or hex (`x-amz-content-sha256`): mismatch → `BadDigest`. */
  readonly sha256Base64?: string;
  readonly sha256Hex?: string;
  /** CRC32 / CRC32C / CRC64NVME base64 the client declared (`x-amz-checksum-crc32`, `-crc32c`, `-crc64nvme`): mismatch → `BadDigest`. */
  readonly crc32Base64?: string;
  readonly crc32cBase64?: string;
  readonly crc64nvmeBase64?: string;
  /**
   * The algorithm of the checksum the client sent, in a header or the trailer (checked against the body, by the store
   * or by the edge as the body streams): the store computes the body's under it and keeps it (`ObjectInfo.checksum`).
   */
  readonly checksumAlgorithm?: ChecksumAlgorithm;
}

/**
 * Conditions on the object a write replaces (S3 User Guide, "conditional writes"; API_PutObject,
 * API_CompleteMultipartUpload, API_CopyObject): checked by the store where the write commits, under the same
 * serialisation as the commit, so that of racing create-only writers exactly one commits. A check before the write
 * would race with the other writers.
 * - `ifNoneMatch: '*'` (`If-None-Match: *`): no object may exist at the key, else `PreconditionFailed`.
 * - `ifMatch` (`If-Match`): the object must exist (else `NoSuchKey`) with one of these ETags (unquoted; `*`: any),
 *   else `PreconditionFailed`.
 */
export interface WriteConditions {
  readonly ifMatch?: readonly string[];
  readonly ifNoneMatch?: '*';
}

/**
 * Conditions on the object a copy reads (`x-amz-copy-source-if-match | -none-match | -modified-since |
 * -unmodified-since` of CopyObject and UploadPartCopy), checked against the very version read, as API_CopyObject
 * evaluates them: an `ifMatch` that holds makes `ifUnmodifiedSince` moot, an `ifNoneMatch` that fails is
 * `PreconditionFailed` whatever `ifModifiedSince` says. Any failure is `PreconditionFailed`.
 */
export interface SourceConditions {
  /** ETags (unquoted), or `*`: the source's must be one of them. */
  readonly ifMatch?: readonly string[];
  /** ETags (unquoted), or `*`: the source's must be none of them. */
  readonly ifNoneMatch?: readonly string[];
  /** Epoch ms: the source must have changed after it (compared to the second). */
  readonly ifModifiedSince?: number;
  /** Epoch ms: the source must not have changed after it (compared to the second). */
  readonly ifUnmodifiedSince?: number;
}

/** A copy's conditions: on the destination it replaces, and on the source it reads. */
export interface CopyConditions extends WriteConditions {
  readonly source?: SourceConditions;
}

/** What a copy sets on its destination instead of the source's. */
export interface CopyReplace {
  readonly contentType?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly headers?: ObjectHeaders;
  readonly tags?: Readonly<Record<string, string>>;
  /** Never the source's (`copyObject`): absent, STANDARD. */
  readonly storageClass?: StorageClass;
  /** Never the source's (`copyObject`): absent, none. */
  readonly redirectLocation?: string;
  /**
   * CopyObject's `x-amz-checksum-algorithm`: the copy's checksum is computed over its bytes under this algorithm
   * (FULL_OBJECT), instead of keeping the source's.
   */
  readonly checksumAlgorithm?: ChecksumAlgorithm;
}

export interface ListObjectsInput {
  readonly bucket: string;
  readonly prefix?: string;
  readonly delimiter?: string;
  /** 1–1000; default 1000. */
  readonly maxKeys?: number;
  /** Exclusive: keys strictly after this (continuation token decoded, or `start-after`). */
  readonly after?: string;
}

export interface ListObjectsPage {
  readonly objects: readonly ObjectInfo[];
  /** Common prefixes when a delimiter was given, each once, in order. */
  readonly prefixes: readonly string[];
  readonly truncated: boolean;
  /** The last key or prefix returned, to continue after; present when truncated. */
  readonly next?: string;
}

export interface ByteRange {
  /** Inclusive first byte. */
  readonly start: number;
  /** Inclusive last byte. */
  readonly end: number;
}

export interface ObjectBody {
  readonly info: ObjectInfo;
  /** The range actually served (clamped to the object), when one was asked. */
  readonly range?: ByteRange;
  readonly stream: Readable;
}

export interface PartInfo {
  readonly partNumber: number;
  readonly etag: string;
  readonly size: number;
  readonly lastModified: string;
  /** Base64, under its upload's algorithm; absent when the upload has none. */
  readonly checksum?: string;
  /** The algorithm of `checksum` (its upload's), so an answer can name its element (UploadPartCopy's `ChecksumCRC32`…). */
  readonly checksumAlgorithm?: ChecksumAlgorithm;
}

/** A part as CompleteMultipartUpload lists it: its ETag and, by algorithm, the checksums it names (`ChecksumSHA256`…). */
export interface CompletedPart {
  readonly partNumber: number;
  readonly etag: string;
  readonly checksums?: Readonly<Partial<Record<ChecksumAlgorithm, string>>>;
}

/**
 * Who began a multipart upload, as ListMultipartUploads and ListParts name it (`Initiator`, API_Initiator): `id` is the
 * principal's ARN, or the account for its root; `displayName` where S3 gives one (a user's name; an account has none).
 */
export interface UploadInitiator {
  readonly id: string;
  readonly displayName?: string;
}

export interface UploadInfo {
  readonly uploadId: string;
  readonly bucket: string;
  readonly key: string;
  readonly initiated: string;
  /** The completed object's (CreateMultipartUpload's `x-amz-storage-class`), named by ListMultipartUploads and ListParts. */
  readonly storageClass: StorageClass;
  /** Absent for an upload recorded before initiators were. */
  readonly initiator?: UploadInitiator;
  /** Absent: created without a checksum algorithm (its object has no checksum). */
  readonly checksum?: UploadChecksum;
  /** CreateMultipartUpload's write headers (`CreateUploadInput.writeHeaders`); absent when it sent none. */
  readonly writeHeaders?: Readonly<Record<string, string>>;
}

export interface CreateUploadInput {
  readonly bucket: string;
  readonly key: string;
  readonly contentType?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly headers?: ObjectHeaders;
  readonly tags?: Readonly<Record<string, string>>;
  /** Default STANDARD. */
  readonly storageClass?: StorageClass;
  readonly redirectLocation?: string;
  readonly initiator?: UploadInitiator;
  readonly checksum?: UploadChecksum;
  /**
   * The headers that S3 takes at initiation only and that policies read as condition keys of every `s3:PutObject` of
   * the upload (`x-amz-server-side-encryption`, `x-amz-acl`, `x-amz-grant-*`…), as CreateMultipartUpload sent them:
   * its parts and its completion, which carry none, are decided on them (review nu, 3).
   */
  readonly writeHeaders?: Readonly<Record<string, string>>;
}

/**
 * The inputs of an upload's `s3:PutObject` decisions that only CreateMultipartUpload carries: its `writeHeaders`
 * (review nu, 3) and its tags (`x-amz-tagging`, for `s3:RequestObjectTag/*`: review oy, 1); each absent when it sent none.
 */
export interface UploadRequestKeys {
  readonly writeHeaders?: Readonly<Record<string, string>>;
  readonly tags?: Readonly<Record<string, string>>;
}

/** ListMultipartUploads' parameters (API_ListMultipartUploads). */
export interface ListUploadsInput {
  readonly bucket: string;
  readonly prefix?: string;
  /** Uploads whose keys share what lies between `prefix` and the delimiter's first occurrence after it are one common prefix. */
  readonly delimiter?: string;
  /** 0–1000 (uploads and common prefixes together); default 1000. */
  readonly maxUploads?: number;
  /** Exclusive: uploads of keys after this one. */
  readonly keyMarker?: string;
  /** With `keyMarker`: also that key's uploads whose id is greater. Ignored without it. */
  readonly uploadIdMarker?: string;
}

/**
 * Uploads in ascending key order and, for one key, in the order they were initiated (which is the order of their
 * ids: the store's ids begin with their initiation time), so that `uploadIdMarker` continues after the upload it names.
 */
export interface UploadsPage {
  readonly uploads: readonly UploadInfo[];
  /** Common prefixes when a delimiter was given, each once, in order. */
  readonly prefixes: readonly string[];
  readonly truncated: boolean;
  /** Present when truncated: the last upload's key and id, or the last common prefix (then no upload id). */
  readonly nextKeyMarker?: string;
  readonly nextUploadIdMarker?: string;
}

export interface PartsPage {
  readonly parts: readonly PartInfo[];
  readonly truncated: boolean;
  readonly next?: number;
  /** The upload's (`UploadInfo.storageClass`). */
  readonly storageClass: StorageClass;
  /** The upload's (`UploadInfo.initiator`). */
  readonly initiator?: UploadInitiator;
  /** The upload's (`UploadInfo.checksum`). */
  readonly checksum?: UploadChecksum;
}

export interface UploadPartInput {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  readonly partNumber: number;
  readonly body: AsyncIterable<Uint8Array>;
  readonly size?: number;
  readonly contentMd5?: string;
  readonly sha256Hex?: string;
  readonly sha256Base64?: string;
  readonly crc32Base64?: string;
  readonly crc32cBase64?: string;
  readonly crc64nvmeBase64?: string;
  readonly sent?: ChecksumAlgorithm | 'none';
}

/**
 * What CompleteMultipartUpload asserts of the object besides its parts: its checksum (`x-amz-checksum-<algorithm>`,
 * `-N` for a COMPOSITE one) and checksum type (`x-amz-checksum-type`), held against the upload's (API_CompleteMultipartUpload).
 */
export interface CompleteChecks {
  readonly checksum?: { readonly algorithm: ChecksumAlgorithm; readonly value: string };
  readonly type?: ChecksumType;
  /** The object's size in bytes the client expects (`x-amz-mp-object-size`): another sum of the parts is InvalidRequest, nothing written. */
  readonly objectSize?: number;
}

export interface ObjectStore {
  /** The most bytes one PutObject, one part or one copy (CopyObject's source, UploadPartCopy's range) may hold: 5 GiB, as S3. */
  readonly maxPutSize: number;
  listBuckets(): Promise<readonly BucketInfo[]>;
  createBucket(name: string, owner: string): Promise<ObjectResult<BucketInfo>>;
  headBucket(name: string): Promise<ObjectResult<BucketInfo>>;
  /** Refused with `BucketNotEmpty` while objects remain (or a write is in progress); unfinished uploads go with the bucket, as in S3. */
  deleteBucket(name: string): Promise<ObjectResult<void>>;

  /** `conditions` are checked before the body is read and again where the write commits. */
  putObject(input: PutObjectInput, conditions?: WriteConditions): Promise<ObjectResult<ObjectInfo>>;
  headObject(bucket: string, key: string): Promise<ObjectResult<ObjectInfo>>;
  /**
   * `range` as parsed from `Range: bytes=…` (suffix ranges resolved by the caller with the size from `headObject`, or pass `suffix`).
   * `conditions`: a copy's source conditions (UploadPartCopy reads its source here), held against the version served.
   */
  /** `range.ifRange`: an If-Range validator, held against the version served; when it fails, the whole object is served. */
  getObject(bucket: string, key: string, range?: { readonly start?: number; readonly end?: number; readonly suffix?: number; readonly ifRange?: string }, conditions?: SourceConditions): Promise<ObjectResult<ObjectBody>>;
  /** Deleting a key that does not exist succeeds, as S3 does (bucket must exist). */
  /**
   * Removes the key's object; none is not a failure. `conditions.ifMatch` (a conditional delete: DeleteObject's
   * `If-Match`, a DeleteObjects entry's `ETag`) is held inside the key's lock against the object removed: none is
   * `NoSuchKey`, another ETag `PreconditionFailed`, and nothing is removed.
   */
  deleteObject(bucket: string, key: string, conditions?: Pick<WriteConditions, 'ifMatch'>): Promise<ObjectResult<void>>;
  /**
   * What `replace` leaves undefined is the source's (`headers`: all five, as one), but for the storage class and the
   * website redirect location, which S3 never copies (API_CopyObject: the copy is STANDARD "if the x-amz-storage-class
   * header is not used"; the redirect location "is unique to each object and is not copied"): the copy has
   * `replace`'s, or STANDARD and none. `from.expect`: the source as the caller read it (`headObject`'s answer); refused
   * with PreconditionFailed unless that very object is still the source key's where it is read, as `setObjectTags`'s
   * `expect`: the caller decided the copy on its tags (review mq, 3).
   */
  copyObject(
    from: { readonly bucket: string; readonly key: string; readonly expect?: ObjectInfo },
    to: { readonly bucket: string; readonly key: string },
    replace?: CopyReplace,
    conditions?: CopyConditions,
  ): Promise<ObjectResult<ObjectInfo>>;
  /**
   * Replaces the object's tags and nothing else: its body, ETag, metadata and LastModified stay (PutObjectTagging and
   * DeleteObjectTagging change no LastModified in S3). `expect`: the object as the caller read it (`headObject`'s
   * answer); refused with PreconditionFailed unless that very object is still the key's where the write commits. Not
   * its ETag: a PutObject of the same bytes with another Content-Type, metadata or tags (or a copy onto itself with
   * REPLACE) keeps the ETag, and the retag wrote the older object's metadata back over it. The caller reads the
   * object again and retries.
   */
  setObjectTags(bucket: string, key: string, tags: Readonly<Record<string, string>>, expect?: ObjectInfo): Promise<ObjectResult<ObjectInfo>>;
  listObjects(input: ListObjectsInput): Promise<ObjectResult<ListObjectsPage>>;

  /** The object the upload completes into has its `contentType`, `metadata`, `headers`, `tags`, `storageClass` and `redirectLocation`. */
  createUpload(input: CreateUploadInput): Promise<ObjectResult<UploadInfo>>;
  /**
   * The part's checksum under its upload's algorithm is computed and kept. `sent`: the algorithm of the checksum the
   * client sent with it, `none` for none (a copied part is checked by no client: absent); with an upload that has a
   * checksum, another algorithm, or none to a COMPOSITE upload, is refused (`InvalidRequest`) before the body is read.
   */
  uploadPart(input: UploadPartInput): Promise<ObjectResult<PartInfo>>;
  listParts(bucket: string, key: string, uploadId: string, options?: { readonly after?: number; readonly maxParts?: number }): Promise<ObjectResult<PartsPage>>;
  /**
   * What CreateMultipartUpload sent that its parts and completion are decided on (`UploadRequestKeys`), of the upload
   * `uploadId` of `key`: unfinished, or completed lately (as long as a retried Complete is answered again, so that the
   * retry is decided as the first was); undefined otherwise.
   */
  uploadRequestKeys(bucket: string, key: string, uploadId: string): Promise<UploadRequestKeys | undefined>;
  /**
   * Parts must be ascending, each but the last at least 5 MiB, ETags matching; the object appears atomically. A
   * failed `conditions` leaves the upload as it was (the client may complete it again).
   */
  completeUpload(bucket: string, key: string, uploadId: string, parts: readonly CompletedPart[], conditions?: WriteConditions, check?: CompleteChecks): Promise<ObjectResult<ObjectInfo>>;
  abortUpload(bucket: string, key: string, uploadId: string): Promise<ObjectResult<void>>;
  listUploads(input: ListUploadsInput): Promise<ObjectResult<UploadsPage>>;

  close(): Promise<void>;
}
