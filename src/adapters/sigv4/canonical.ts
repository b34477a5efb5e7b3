/**
 * The pieces of the SigV4 canonical request, built from the request as it arrived on the wire.
 *
 * Spec: AWS "Create a canonical request for Signature Version 4"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html), cross-checked
 * against the two signers clients actually run: `@smithy/signature-v4` (SDK v3:
 * `getCanonicalPath`, `getCanonicalQuery`, `getCanonicalHeaders`) and botocore `auth.py`
 * (`SigV4Auth`, `S3SigV4Auth`).
 */
import { hash } from 'node:crypto';

/** SHA-256 of the empty string: the payload hash of a request without a body. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export const sha256Hex = (data: string | Uint8Array): string => hash('sha256', data, 'hex');

const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`);

/** RFC 3986 unreserved: A-Z a-z 0-9 - . _ ~ */
const isUnreserved = (b: number): boolean =>
  (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e;

const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

const ONLY_UNRESERVED = /^[A-Za-z0-9\-._~]*$/;
const ONLY_UNRESERVED_OR_SLASH = /^[A-Za-z0-9\-._~/]*$/;

/**
 * Matches anything that keeps a component from being canonical already: a character neither
 * unreserved nor `%`, a `%` without two upper-case hex digits, or an escape of an unreserved byte
 * (0-9 A-Z a-z - . _ ~ must appear raw). A regex rather than a charCodeAt loop: the components are
 * slices of the request target, and V8 scans sliced strings twice as fast in the regex engine.
 */
const NOT_CANONICAL = /[^A-Za-z0-9\-._~%]|%(?![0-9A-F]{2})|%(?:3[0-9]|4[1-9A-F]|5[0-9AF]|6[1-9A-F]|7[0-9AE]|2[DE])/;

/** Percent-encode every UTF-8 byte that is not unreserved (and not `/` when `keepSlash`). */
const encodeBytes = (bytes: Uint8Array, keepSlash: boolean): string => {
  let out = '';
  for (const b of bytes) out += isUnreserved(b) || (keepSlash && b === 0x2f) ? String.fromCharCode(b) : HEX_BYTE[b];
  return out;
};

/**
 * A query key or value as it appears in the canonical query: percent-decoded to bytes, then
 * re-encoded with the RFC 3986 rules (unreserved kept, everything else `%XX` upper-case). A raw `+` is a
 * space, as the edges read the query (`URLSearchParams`) and as S3 takes it: SigV4 clients sign a space as
 * `%20` and a plus as `%2B`, and some send the signed space as `+` (aws4fetch, form encoders). Reading `+`
 * as a plus here while the edge read it as a space let a signed `%2B` be rewritten to `+` under the same
 * signature (review O, finding 5). A `%` not followed by two hex digits is a literal percent.
 */
export const canonicalQueryComponent = (raw: string): string => {
  // Fast path: what every SDK sends is already canonical (upper-case escapes, none of them for an
  // unreserved byte). Session tokens and credentials hit this with long values.
  if (ONLY_UNRESERVED.test(raw) || !NOT_CANONICAL.test(raw)) return raw;
  const bytes: number[] = [];
  let literalStart = 0;
  const flushLiteral = (end: number): void => {
    if (end > literalStart) for (const b of Buffer.from(raw.slice(literalStart, end), 'utf8')) bytes.push(b);
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 && i + 2 < raw.length && isHex(raw.charCodeAt(i + 1)) && isHex(raw.charCodeAt(i + 2))) {
      flushLiteral(i);
      bytes.push(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
      literalStart = i + 1;
    } else if (c === 0x2b) {
      flushLiteral(i);
      bytes.push(0x20);
      literalStart = i + 1;
    }
  }
  flushLiteral(raw.length);
  return encodeBytes(Uint8Array.from(bytes), false);
};

/**
 * Decode a query component for reading its value (presigned parameters). `undefined` when the
 * percent-encoding is not valid UTF-8.
 */
export const decodeQueryComponent = (raw: string): string | undefined => {
  if (!raw.includes('%') && !raw.includes('+')) return raw;
  try {
    // A `+` is a space, as in the canonical query (`canonicalQueryComponent`).
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
};

export interface QueryParam {
  /** As on the wire. */
  readonly rawKey: string;
  readonly rawValue: string;
  /** Canonical (re-encoded) form. */
  readonly key: string;
  readonly value: string;
  /** The raw value is only unreserved characters: decoding it is the identity. */
  readonly plain: boolean;
}

/** Split a raw query string (without `?`) into parameters; empty `&&` segments are skipped. */
export const parseQuery = (rawQuery: string): QueryParam[] => {
  const params: QueryParam[] = [];
  if (rawQuery.length === 0) return params;
  for (const pair of rawQuery.split('&')) {
    if (pair.length === 0) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    const plain = ONLY_UNRESERVED.test(rawValue);
    const value = plain || !NOT_CANONICAL.test(rawValue) ? rawValue : canonicalQueryComponent(rawValue);
    params.push({ rawKey, rawValue, key: canonicalQueryComponent(rawKey), value, plain });
  }
  return params;
};

/**
 * Canonical query string: every parameter but `exclude` (the presigned `X-Amz-Signature`),
 * sorted by encoded key, then by encoded value (byte order; the encoded forms are ASCII, so
 * UTF-16 code-unit comparison is byte comparison).
 */
export const canonicalQuery = (params: readonly QueryParam[], exclude: string | undefined): string => {
  const kept = exclude === undefined ? params.slice() : params.filter((p) => p.rawKey !== exclude);
  if (kept.length === 0) return '';
  if (kept.length > 1) kept.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  let out = '';
  for (let i = 0; i < kept.length; i++) {
    const p = kept[i]!;
    out += i === 0 ? `${p.key}=${p.value}` : `&${p.key}=${p.value}`;
  }
  return out;
};

const NEEDS_NORMALISING = /\/\/|\/\.\.?(?:\/|$)|^\.\.?(?:\/|$)/;

/**
 * Canonical URI.
 *
 * Every service but S3: remove empty and dot segments (RFC 3986 §5.2.4, plus AWS's collapsing of
 * `//`), then URI-encode the already-encoded wire path a second time, keeping `/`. S3: the wire
 * path exactly as sent (botocore `S3SigV4Auth._normalize_url_path`, smithy `uriEscapePath: false`).
 */
export const canonicalUri = (rawPath: string, s3: boolean): string => {
  if (rawPath.length === 0) return '/';
  if (s3) return rawPath;
  let path = rawPath;
  if (NEEDS_NORMALISING.test(path)) {
    const segments: string[] = [];
    for (const segment of path.split('/')) {
      if (segment.length === 0 || segment === '.') continue;
      if (segment === '..') segments.pop();
      else segments.push(segment);
    }
    path = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
    if (path.length === 0) path = '/';
  }
  if (ONLY_UNRESERVED_OR_SLASH.test(path)) return path;
  return encodeBytes(Buffer.from(path, 'utf8'), true);
};

const NEEDS_TRIMMING = /^[ \t]|[ \t]$|[ \t]{2}|\t|[\r\n]/;

/** Header value in the canonical headers: trimmed, runs of spaces/tabs collapsed to one space. */
export const canonicalHeaderValue = (value: string): string =>
  NEEDS_TRIMMING.test(value) ? value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '') : value;

/** `yyyymmddThhmmssZ` from epoch milliseconds. */
export const toAmzDate = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');

const AMZ_DATE = /^\d{8}T\d{6}Z$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const digits = (s: string, from: number, to: number): number => {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (s.charCodeAt(i) - 0x30);
  return n;
};

/** Epoch ms of a `yyyymmddThhmmssZ` string, or `undefined` when it is not a real instant. */
export const parseAmzDate = (value: string): number | undefined => {
  if (!AMZ_DATE.test(value)) return undefined;
  const year = digits(value, 0, 4);
  const month = digits(value, 4, 6);
  const day = digits(value, 6, 8);
  const hour = digits(value, 9, 11);
  const minute = digits(value, 11, 13);
  const second = digits(value, 13, 15);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0)) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second);
};
