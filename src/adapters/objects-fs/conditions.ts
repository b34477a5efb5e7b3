/**
 * Conditional writes (S3 User Guide, "conditional-writes.html"; API_PutObject, API_CompleteMultipartUpload,
 * API_CopyObject, API_UploadPartCopy): `If-None-Match: *` (create only), `If-Match: <etag>` (compare and swap) on the
 * destination, and `x-amz-copy-source-if-match | -none-match | -modified-since | -unmodified-since` on a copy's source.
 *
 * They are checked by the store where the write commits, inside the key's lock, against the version being replaced
 * (or copied): a check before the write would race with other writers, and two create-only PUTs could both succeed.
 *
 * How they reach the store: the `ObjectStore` port (app/ports/objects.ts) and the use cases (app/s3.ts) carry no
 * conditions yet, so the HTTP edge runs the use case inside `withWriteConditions`, and the store reads them from the
 * async context of the write. A failed condition is thrown (`WriteConditionFailed`, as a rejected body is thrown as
 * the edge's BodyRejected) because the port's `ObjectErrorCode` has no code for it; the edge answers it.
 * (When the port gains a `conditions` argument and PreconditionFailed, both go: see the builder's report.)
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ObjectInfo } from '../../app/ports/objects.ts';

export interface SourceConditions {
  /** ETags (unquoted), or `*`: the source's must be one of them. */
  readonly ifMatch?: readonly string[];
  /** ETags (unquoted), or `*`: the source's must be none of them. */
  readonly ifNoneMatch?: readonly string[];
  /** Epoch ms: the source must have changed after it. */
  readonly ifModifiedSince?: number;
  /** Epoch ms: the source must not have changed after it. */
  readonly ifUnmodifiedSince?: number;
}

export interface WriteConditions {
  /** `If-Match`: the object being replaced must exist with one of these ETags (unquoted; `*`: exist at all). */
  readonly ifMatch?: readonly string[];
  /** `If-None-Match: *`: no object may exist at the key. */
  readonly ifNoneMatch?: '*';
  /** A copy's `x-amz-copy-source-if-*`, checked against the version copied. */
  readonly source?: SourceConditions;
}

export class WriteConditionFailed extends Error {
  readonly code: 'PreconditionFailed' | 'NoSuchKey';
  constructor(code: 'PreconditionFailed' | 'NoSuchKey', message: string) {
    super(message);
    this.code = code;
  }
}

const context = new AsyncLocalStorage<WriteConditions>();

/** Runs `write` (a use case that writes one object) so that the store holds its write to `conditions`. */
export function withWriteConditions<T>(conditions: WriteConditions, write: () => Promise<T>): Promise<T> {
  return context.run(conditions, write);
}

/** The conditions of the write running in this async context, if any. */
export function currentWriteConditions(): WriteConditions | undefined {
  return context.getStore();
}

const PRECONDITION = 'At least one of the pre-conditions you specified did not hold';
const matches = (tags: readonly string[], etag: string): boolean => tags.some((t) => t === '*' || t === etag);
const seconds = (ms: number): number => Math.floor(ms / 1000);

/** Throws unless the key's current object (`existing`, undefined when there is none) satisfies the conditions. */
export function checkDestination(conditions: WriteConditions | undefined, existing: ObjectInfo | undefined): void {
  if (conditions === undefined) return;
  if (conditions.ifMatch !== undefined) {
    // S3: If-Match on a key with no object is 404 NoSuchKey, on another ETag 412.
    if (existing === undefined) throw new WriteConditionFailed('NoSuchKey', 'The specified key does not exist.');
    if (!matches(conditions.ifMatch, existing.etag)) throw new WriteConditionFailed('PreconditionFailed', PRECONDITION);
  }
  if (conditions.ifNoneMatch === '*' && existing !== undefined) throw new WriteConditionFailed('PreconditionFailed', PRECONDITION);
}

/**
 * Throws unless the copy's source satisfies its conditions, as API_CopyObject evaluates them: an If-Match that holds
 * makes If-Unmodified-Since moot; an If-None-Match that fails is 412 whatever If-Modified-Since says.
 */
export function checkSource(conditions: WriteConditions | undefined, source: ObjectInfo): void {
  const c = conditions?.source;
  if (c === undefined) return;
  const modified = seconds(Date.parse(source.lastModified));
  if (c.ifMatch !== undefined) {
    if (!matches(c.ifMatch, source.etag)) throw new WriteConditionFailed('PreconditionFailed', PRECONDITION);
  } else if (c.ifUnmodifiedSince !== undefined && modified > seconds(c.ifUnmodifiedSince)) throw new WriteConditionFailed('PreconditionFailed', PRECONDITION);
  if (c.ifNoneMatch !== undefined) {
    if (matches(c.ifNoneMatch, source.etag)) throw new WriteConditionFailed('PreconditionFailed', PRECONDITION);
  } else if (c.ifModifiedSince !== undefined && modified <= seconds(c.ifModifiedSince)) throw new WriteConditionFailed('PreconditionFailed', PRECONDITION);
}
