/**
 * The in-memory key index and ListObjectsV2 paging over it.
 *
 * S3 lists keys in ascending order of their UTF-8 bytes. JavaScript compares strings by UTF-16 code units,
 * which agrees with UTF-8 byte order except where a surrogate (U+D800–U+DFFF, the halves of a code point above
 * U+FFFF) meets a code unit in U+E000–U+FFFF: UTF-16 puts the astral code point first, UTF-8 puts it last.
 * `compareKeys` corrects exactly that case, so the index needs no byte copies of its keys.
 */

/** Moves surrogates above U+E000–U+FFFF so that code-unit order becomes code-point (= UTF-8 byte) order. */
function rank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit <= 0xdfff ? unit + 0x2000 : unit - 0x800;
}

export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

/** First index whose key is `>= key` (or `> key` when `strict`). */
export function lowerBound(keys: readonly string[], key: string, strict = false, from = 0): number {
  let lo = from;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(keys[mid]!, key);
    if (c < 0 || (strict && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index at or after `from` whose key neither sorts before `prefix` nor starts with it. Keys sharing a prefix are contiguous in the order. */
export function pastPrefix(keys: readonly string[], prefix: string, from: number): number {
  let lo = from;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[mid]!;
    if (k.startsWith(prefix) || compareKeys(k, prefix) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts `key` into the sorted array unless present; returns whether it was added. */
export function insertKey(keys: string[], key: string): boolean {
  const i = lowerBound(keys, key);
  if (keys[i] === key) return false;
  keys.splice(i, 0, key);
  return true;
}

export function removeKey(keys: string[], key: string): boolean {
  const i = lowerBound(keys, key);
  if (keys[i] !== key) return false;
  keys.splice(i, 1);
  return true;
}

/**
 * Whether a marker's text after the listing's prefix is what a common prefix has there: up to and including the first
 * occurrence of the delimiter, ending with it. The length check matters for a delimiter of several characters: a
 * remainder one character shorter than it has no occurrence (indexOf -1), which is also its length minus the
 * delimiter's, so a page that ended on the key `0` under delimiter `b/` skipped every key starting with `0` on the next.
 */
function isCommonPrefixRest(rest: string, delimiter: string): boolean {
  return rest.length >= delimiter.length && rest.indexOf(delimiter) === rest.length - delimiter.length;
}

export interface PageQuery {
  readonly prefix?: string;
  readonly delimiter?: string;
  readonly maxKeys?: number;
  readonly after?: string;
}

export interface KeyPage {
  readonly keys: readonly string[];
  readonly prefixes: readonly string[];
  readonly truncated: boolean;
  readonly next?: string;
}

export const MAX_KEYS = 1000;

/**
 * One page of ListObjectsV2 over a sorted key array. Keys and common prefixes share the `maxKeys` budget, as in
 * S3. A continuation `after` that is itself a common prefix (it ends with the delimiter right after `prefix`)
 * skips every key under it, so a prefix returned at the end of one page is not returned again at the start of
 * the next.
 */
export function listPage(keys: readonly string[], query: PageQuery): KeyPage {
  const prefix = query.prefix ?? '';
  const delimiter = query.delimiter === undefined || query.delimiter === '' ? undefined : query.delimiter;
  const maxKeys = Math.max(0, Math.min(MAX_KEYS, Math.floor(query.maxKeys ?? MAX_KEYS)));
  let i = lowerBound(keys, prefix);
  const after = query.after;
  if (after !== undefined && after !== '' && compareKeys(after, prefix) >= 0) {
    i = lowerBound(keys, after, true, i);
    if (delimiter !== undefined && after.startsWith(prefix) && after.length > prefix.length) {
      const rest = after.slice(prefix.length);
      if (isCommonPrefixRest(rest, delimiter)) i = pastPrefix(keys, after, i);
    }
  }
  const out: string[] = [];
  const prefixes: string[] = [];
  let last: string | undefined;
  while (i < keys.length) {
    const key = keys[i]!;
    if (!key.startsWith(prefix)) break;
    if (out.length + prefixes.length >= maxKeys) {
      return last === undefined ? { keys: out, prefixes, truncated: false } : { keys: out, prefixes, truncated: true, next: last };
    }
    const at = delimiter === undefined ? -1 : key.indexOf(delimiter, prefix.length);
    if (at >= 0) {
      const common = key.slice(0, at + delimiter!.length);
      prefixes.push(common);
      last = common;
      i = pastPrefix(keys, common, i);
    } else {
      out.push(key);
      last = key;
      i++;
    }
  }
  return { keys: out, prefixes, truncated: false };
}

export interface UploadsQuery {
  readonly prefix?: string;
  readonly delimiter?: string;
  readonly maxUploads?: number;
  readonly keyMarker?: string;
  readonly uploadIdMarker?: string;
}

export interface UploadsListing<T> {
  readonly uploads: readonly T[];
  readonly prefixes: readonly string[];
  readonly truncated: boolean;
  /** Present when truncated: the last upload's key and id, or the last common prefix (then no upload id). */
  readonly nextKeyMarker?: string;
  readonly nextUploadIdMarker?: string;
}

/** Ascending key order (`compareKeys`), then ascending upload id, which is initiation order (the store's ids begin with their time). */
export function compareUploads(a: { readonly key: string; readonly uploadId: string }, b: { readonly key: string; readonly uploadId: string }): number {
  return compareKeys(a.key, b.key) || (a.uploadId < b.uploadId ? -1 : a.uploadId > b.uploadId ? 1 : 0);
}

/**
 * One page of ListMultipartUploads over uploads sorted by `compareUploads`, as API_ListMultipartUploads pages them:
 * without `uploadIdMarker`, the uploads of keys after `keyMarker`; with it, also those of `keyMarker` itself whose
 * upload id is greater (`uploadIdMarker` without `keyMarker` is ignored). Uploads and common prefixes share the
 * `maxUploads` budget, as keys and prefixes do in `listPage`, and a `keyMarker` that is a common prefix skips every
 * upload under it, so that a prefix ending one page does not start the next.
 */
export function uploadsPage<T extends { readonly key: string; readonly uploadId: string }>(sorted: readonly T[], query: UploadsQuery): UploadsListing<T> {
  const prefix = query.prefix ?? '';
  const delimiter = query.delimiter === undefined || query.delimiter === '' ? undefined : query.delimiter;
  const max = Math.max(0, Math.min(MAX_KEYS, Math.floor(query.maxUploads ?? MAX_KEYS)));
  const keyMarker = query.keyMarker === '' ? undefined : query.keyMarker;
  const idMarker = keyMarker === undefined || query.uploadIdMarker === '' ? undefined : query.uploadIdMarker;
  let skipUnder: string | undefined;
  if (keyMarker !== undefined && delimiter !== undefined && keyMarker.startsWith(prefix) && keyMarker.length > prefix.length) {
    const rest = keyMarker.slice(prefix.length);
    if (isCommonPrefixRest(rest, delimiter)) skipUnder = keyMarker;
  }
  const after = (u: T): boolean => {
    if (keyMarker === undefined) return true;
    const c = compareKeys(u.key, keyMarker);
    return c > 0 || (c === 0 && idMarker !== undefined && u.uploadId > idMarker);
  };
  const candidates = sorted.filter((u) => u.key.startsWith(prefix) && after(u) && !(skipUnder !== undefined && u.key.startsWith(skipUnder)));
  const uploads: T[] = [];
  const prefixes: string[] = [];
  let last: { key: string; uploadId?: string } | undefined;
  for (let i = 0; i < candidates.length; ) {
    if (uploads.length + prefixes.length >= max) {
      if (last === undefined) break;
      return { uploads, prefixes, truncated: true, nextKeyMarker: last.key, ...(last.uploadId === undefined ? {} : { nextUploadIdMarker: last.uploadId }) };
    }
    const u = candidates[i]!;
    const at = delimiter === undefined ? -1 : u.key.indexOf(delimiter, prefix.length);
    if (at >= 0) {
      const common = u.key.slice(0, at + delimiter!.length);
      prefixes.push(common);
      last = { key: common };
      while (i < candidates.length && candidates[i]!.key.startsWith(common)) i++;
    } else {
      uploads.push(u);
      last = { key: u.key, uploadId: u.uploadId };
      i++;
    }
  }
  return { uploads, prefixes, truncated: false };
}
