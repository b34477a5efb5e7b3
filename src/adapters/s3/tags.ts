/**
 * Object tag sets as S3 takes them (User Guide, "Categorizing your storage using tags" and "Managing object tags"): at
 * most 10 tags an object, unique keys, a key of 1 to 128 Unicode characters and a value of at most 256, both of
 * letters, digits and spaces of any script and `_ . : / = + - @` only (API_control_S3Tag's pattern; `TAG_TEXT`), and no key
 * beginning `aws:`, which AWS keeps for its own tags (review hx, 1). S3 refuses any other set with 400 InvalidTag,
 * whichever way it comes: the `x-amz-tagging` header of PutObject, CreateMultipartUpload and CopyObject, or
 * PutObjectTagging's body.
 */

export const MAX_TAGS = 10;
const MAX_TAG_KEY = 128;
const MAX_TAG_VALUE = 256;
/**
 * The characters S3 takes in a tag key or value: `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`, and white space of any kind (a
 * line feed, a tab), which the gateway takes as S3's "spaces" rather than refuse a value that S3 may take.
 */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}\s_.:/=+\-@]*$/u;
/** The prefix AWS keeps for its own tag keys, in any case (`AWS:` too). */
const RESERVED_PREFIX = /^aws:/i;

/** Unicode characters, as S3 counts a tag's length (a character above U+FFFF is one, not two UTF-16 units). */
const characters = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** Why S3 would refuse this tag set (the message of its InvalidTag), or undefined when it takes it. */
export function tagSetProblem(pairs: readonly (readonly [string, string])[]): string | undefined {
  if (pairs.length > MAX_TAGS) return `Object tags cannot be greater than ${MAX_TAGS}: ${pairs.length} sent; keep at most ${MAX_TAGS}`;
  const seen = new Set<string>();
  for (const [key, value] of pairs) {
    if (key === '') return 'The TagKey you have provided is invalid: a tag key must not be empty';
    if (characters(key) > MAX_TAG_KEY) return `The TagKey you have provided is too long, max ${MAX_TAG_KEY}: \`${key.slice(0, 40)}…\` has ${characters(key)} characters`;
    if (characters(value) > MAX_TAG_VALUE) return `The TagValue you have provided is too long, max ${MAX_TAG_VALUE}: the value of \`${key}\` has ${characters(value)} characters`;
    if (RESERVED_PREFIX.test(key)) return `Your TagKey cannot be prefixed with aws: \`${key}\``;
    if (!TAG_TEXT.test(key)) return `The TagKey you have provided is invalid: \`${JSON.stringify(key).slice(1, -1)}\` may hold only letters, digits, spaces and _ . : / = + - @`;
    if (!TAG_TEXT.test(value)) return `The TagValue you have provided is invalid: the value of \`${JSON.stringify(key).slice(1, -1)}\` may hold only letters, digits, spaces and _ . : / = + - @`;
    if (seen.has(key)) return `Cannot provide multiple Tags with the same key: \`${key}\` is given twice`;
    seen.add(key);
  }
  return undefined;
}

/** A tag set as a record; each key an own property (`__proto__` is a key like any other, not the prototype). */
export function tagRecord(pairs: readonly (readonly [string, string])[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of pairs) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}
