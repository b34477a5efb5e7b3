/**
 * Bucket and key name rules. A valid bucket name is also a safe directory name (lowercase letters, digits,
 * dots and hyphens, never `.` or `..`), which is why buckets map to directories while keys never do.
 */

/** S3's general-purpose bucket naming rules; undefined when `name` is valid for a new bucket, else why not. */
export function bucketNameProblem(name: string): string | undefined {
  const problem = storedBucketNameProblem(name);
  if (problem !== undefined) return problem;
  const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix !== undefined) return `must not begin with \`${prefix}\`, which S3 reserves`;
  const suffix = RESERVED_SUFFIXES.find((p) => name.endsWith(p));
  if (suffix !== undefined) return `must not end with \`${suffix}\`, which S3 reserves`;
  return undefined;
}

/**
 * The rules a bucket made by any earlier version meets, undefined when `name` meets them: what the store loads at start.
 * The affixes refused since (`RESERVED_PREFIXES`, `RESERVED_SUFFIXES`) are not among them, so a bucket made before under
 * such a name is still loaded and served, not dropped unsaid.
 */
export function storedBucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'may contain only lowercase letters, digits, dots and hyphens';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must begin and end with a letter or digit';
  if (name.includes('..')) return 'must not contain two adjacent dots';
  if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return 'must not be formatted as an IP address';
  if (name.startsWith('xn--') || name.startsWith('sthree-')) return `must not begin with \`${name.startsWith('xn--') ? 'xn--' : 'sthree-'}\`, which S3 reserves`;
  if (name.endsWith('-s3alias') || name.endsWith('--ol-s3')) return `must not end with \`${name.endsWith('-s3alias') ? '-s3alias' : '--ol-s3'}\`, which S3 reserves`;
  return undefined;
}

/**
 * The prefixes and suffixes of the S3 User Guide's "General purpose bucket naming rules" that new buckets may not have,
 * besides `xn--`, `sthree-`, `-s3alias` and `--ol-s3`, which were refused from the first (review rk, 3). `--x-s3` matters
 * most: the SDKs read it as a directory bucket and sign for S3 Express, so such a bucket made here by a plain SigV4
 * client could not be listed or deleted by boto3, the aws CLI or SDK v3.
 */
const RESERVED_PREFIXES: readonly string[] = ['amzn-s3-demo-'];
const RESERVED_SUFFIXES: readonly string[] = ['.mrap', '--x-s3', '--table-s3'];

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
