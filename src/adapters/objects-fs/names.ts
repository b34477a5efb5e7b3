/**
 * Bucket and key name rules. A valid bucket name is also a safe directory name (lowercase letters, digits,
 * dots and hyphens, never `.` or `..`), which is why buckets map to directories while keys never do.
 */

/** S3's general-purpose bucket naming rules; undefined when `name` is valid, else why not. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'may contain only lowercase letters, digits, dots and hyphens';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must begin and end with a letter or digit';
  if (name.includes('..')) return 'must not contain two adjacent dots';
  if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return 'must not be formatted as an IP address';
  if (name.startsWith('xn--') || name.startsWith('sthree-')) return 'must not begin with `xn--` or `sthree-`';
  if (name.endsWith('-s3alias') || name.endsWith('--ol-s3')) return 'must not end with `-s3alias` or `--ol-s3`';
  return undefined;
}

export const MAX_KEY_BYTES = 1024;

/** Keys are 1 to 1024 bytes of UTF-8 (S3's limit). */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'must not be empty';
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return `must be at most ${MAX_KEY_BYTES} bytes of UTF-8`;
  return undefined;
}

/** Upload ids are 32 hex digits (their initiation time and 80 bits from the CSPRNG); anything else cannot name an upload (and never reaches a path). */
export function isUploadId(id: string): boolean {
  return /^[0-9a-f]{32}$/.test(id);
}
