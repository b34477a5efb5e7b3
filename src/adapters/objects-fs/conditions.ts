/**
 * Conditional writes (S3 User Guide, "conditional-writes.html"; API_PutObject, API_CompleteMultipartUpload,
 * API_CopyObject, API_UploadPartCopy), as the `ObjectStore` port carries them (`WriteConditions`,
 * `SourceConditions`): evaluated by the store where the write commits, inside the key's lock, against the version
 * being replaced (or copied). A failure is a value (`PreconditionFailed`, or `NoSuchKey` for If-Match on no object),
 * as every expected failure of the port.
 */
import type { ObjectError, ObjectInfo, SourceConditions, WriteConditions } from '../../app/ports/objects.ts';

/** S3's wording for a 412. */
const PRECONDITION = 'At least one of the pre-conditions you specified did not hold';
/** The 412 of `condition`, the header that did not hold, as S3's document names it (`<Condition>If-Match</Condition>`). */
const failed = (condition: string): ObjectError => ({ code: 'PreconditionFailed', message: PRECONDITION, condition });
const matches = (tags: readonly string[], etag: string): boolean => tags.some((t) => t === '*' || t === etag);
const seconds = (ms: number): number => Math.floor(ms / 1000);

/** Why `key`'s current object (`existing`, undefined when there is none) fails the write's conditions, if it does. */
export function destinationProblem(conditions: WriteConditions | undefined, existing: ObjectInfo | undefined, key: string): ObjectError | undefined {
  if (conditions === undefined) return undefined;
  if (conditions.ifMatch !== undefined) {
    // S3: If-Match on a key with no object is 404 NoSuchKey, on another ETag 412.
    if (existing === undefined) return { code: 'NoSuchKey', message: 'The specified key does not exist.', key };
    if (!matches(conditions.ifMatch, existing.etag)) return failed('If-Match');
  }
  if (conditions.ifNoneMatch === '*' && existing !== undefined) return failed('If-None-Match');
  return undefined;
}

/**
 * Why the copy's source fails its conditions, if it does, as API_CopyObject evaluates them: an If-Match that holds
 * makes If-Unmodified-Since moot; an If-None-Match that fails is 412 whatever If-Modified-Since says.
 */
export function sourceProblem(c: SourceConditions | undefined, source: ObjectInfo): ObjectError | undefined {
  if (c === undefined) return undefined;
  const modified = seconds(Date.parse(source.lastModified));
  if (c.ifMatch !== undefined) {
    if (!matches(c.ifMatch, source.etag)) return failed('x-amz-copy-source-If-Match');
  } else if (c.ifUnmodifiedSince !== undefined && modified > seconds(c.ifUnmodifiedSince)) return failed('x-amz-copy-source-If-Unmodified-Since');
  if (c.ifNoneMatch !== undefined) {
    if (matches(c.ifNoneMatch, source.etag)) return failed('x-amz-copy-source-If-None-Match');
  } else if (c.ifModifiedSince !== undefined && modified <= seconds(c.ifModifiedSince)) return failed('x-amz-copy-source-If-Modified-Since');
  return undefined;
}
