/**
 * Digests of a body as it streams in: MD5 (the ETag), SHA-256, and CRC32 / CRC32C / CRC64NVME when the client
 * declared one. node:zlib has CRC32 (hardware-accelerated); CRC32C (Castagnoli, used by `x-amz-checksum-crc32c`) is a
 * slicing-by-8 table implementation here; CRC64NVME (`x-amz-checksum-crc64nvme`) is the AWS SDK's own pure-JS
 * CRC-64/NVME (`@aws-sdk/checksums`, what SDK v3 computes it with). Each is computed only when a client declares it.
 */
import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { Crc64NvmeJs } from '@aws-sdk/checksums/crc';
import type { ChecksumAlgorithm, DigestMismatch, ObjectChecksum } from '../../app/ports/objects.ts';

const CASTAGNOLI = 0x82f63b78;
const TABLE = (() => {
  const t = new Uint32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ CASTAGNOLI : c >>> 1;
    t[i] = c >>> 0;
  }
  for (let s = 1; s < 8; s++) {
    for (let i = 0; i < 256; i++) {
      const p = t[(s - 1) * 256 + i]!;
      t[s * 256 + i] = (p >>> 8) ^ t[p & 0xff]!;
    }
  }
  return t;
})();

/** CRC32C of `data`, continuing from `previous` (the CRC of the bytes before it). */
export function crc32c(data: Uint8Array, previous = 0): number {
  const t = TABLE;
  let c = ~previous >>> 0;
  let i = 0;
  const n = data.length;
  for (; i + 8 <= n; i += 8) {
    c ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    c =
      t[1792 + (c & 0xff)]! ^
      t[1536 + ((c >>> 8) & 0xff)]! ^
      t[1280 + ((c >>> 16) & 0xff)]! ^
      t[1024 + (c >>> 24)]! ^
      t[768 + data[i + 4]!]! ^
      t[512 + data[i + 5]!]! ^
      t[256 + data[i + 6]!]! ^
      t[data[i + 7]!]!;
  }
  for (; i < n; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

export { crc32 };

export function crcBase64(value: number): string {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(value >>> 0);
  return b.toString('base64');
}

/** What a client may declare about a body; each one given is checked once the body has ended. */
export interface DeclaredDigests {
  readonly contentMd5?: string;
  readonly sha256Hex?: string;
  readonly sha256Base64?: string;
  readonly crc32Base64?: string;
  readonly crc32cBase64?: string;
  readonly crc64nvmeBase64?: string;
}

export interface BodyDigests {
  readonly md5: Buffer;
  readonly sha256: Buffer;
  readonly crc32?: number;
  readonly crc32c?: number;
  /** Big-endian, 8 bytes. */
  readonly crc64nvme?: Buffer;
  readonly sha1?: Buffer;
}

/**
 * Incremental digests of one body. CRCs and SHA-1 only when declared or to be kept (`keep`, the algorithm of the
 * checksum the object keeps): they are cheap but not free.
 */
export class BodyHasher {
  private readonly md5: Hash = createHash('md5');
  private readonly sha256: Hash = createHash('sha256');
  private readonly sha1: Hash | undefined;
  private crc32: number | undefined;
  private crc32c: number | undefined;
  private readonly crc64nvme: Crc64NvmeJs | undefined;

  constructor(declared: DeclaredDigests, keep?: ChecksumAlgorithm) {
    if (declared.crc32Base64 !== undefined || keep === 'crc32') this.crc32 = 0;
    if (declared.crc32cBase64 !== undefined || keep === 'crc32c') this.crc32c = 0;
    if (declared.crc64nvmeBase64 !== undefined || keep === 'crc64nvme') this.crc64nvme = new Crc64NvmeJs();
    if (keep === 'sha1') this.sha1 = createHash('sha1');
  }

  update(chunk: Uint8Array): void {
    this.md5.update(chunk);
    this.sha256.update(chunk);
    this.sha1?.update(chunk);
    if (this.crc32 !== undefined) this.crc32 = crc32(chunk, this.crc32);
    if (this.crc32c !== undefined) this.crc32c = crc32c(chunk, this.crc32c);
    this.crc64nvme?.update(chunk);
  }

  async digest(): Promise<BodyDigests> {
    const md5 = this.md5.digest();
    const sha256 = this.sha256.digest();
    return {
      md5,
      sha256,
      ...(this.crc32 === undefined ? {} : { crc32: this.crc32 }),
      ...(this.crc32c === undefined ? {} : { crc32c: this.crc32c }),
      ...(this.crc64nvme === undefined ? {} : { crc64nvme: Buffer.from(await this.crc64nvme.digest()) }),
      ...(this.sha1 === undefined ? {} : { sha1: this.sha1.digest() }),
    };
  }
}

/** The body's checksum under `algorithm`, as S3's headers carry it (base64), from digests computed with it kept. */
export function checksumFrom(algorithm: ChecksumAlgorithm, digests: BodyDigests): ObjectChecksum | undefined {
  const raw = { sha256: digests.sha256, sha1: digests.sha1, crc32: digests.crc32, crc32c: digests.crc32c, crc64nvme: digests.crc64nvme }[algorithm];
  if (raw === undefined) return undefined;
  return { algorithm, value: typeof raw === 'number' ? crcBase64(raw) : raw.toString('base64') };
}

/**
 * The first declared digest that the body does not match: its header's name, the value declared and the body's, each
 * in that header's form (hex for `x-amz-content-sha256`, base64 for the others); undefined when all match.
 */
export function digestMismatch(declared: DeclaredDigests, got: BodyDigests): DigestMismatch | undefined {
  const differs = (header: string, sent: string | undefined, computed: string, ignoreCase = false): DigestMismatch | undefined =>
    sent !== undefined && (ignoreCase ? sent.toLowerCase() : sent) !== computed ? { header, declared: sent, computed } : undefined;
  return (
    differs('Content-MD5', declared.contentMd5, got.md5.toString('base64')) ??
    differs('x-amz-content-sha256', declared.sha256Hex, got.sha256.toString('hex'), true) ??
    differs('x-amz-checksum-sha256', declared.sha256Base64, got.sha256.toString('base64')) ??
    differs('x-amz-checksum-crc32', declared.crc32Base64, crcBase64(got.crc32 ?? 0)) ??
    differs('x-amz-checksum-crc32c', declared.crc32cBase64, crcBase64(got.crc32c ?? 0)) ??
    differs('x-amz-checksum-crc64nvme', declared.crc64nvmeBase64, got.crc64nvme?.toString('base64') ?? '')
  );
}

/** S3's multipart ETag: MD5 of the concatenated binary part MD5s, then `-N`. */
export function multipartEtag(partMd5s: readonly Buffer[]): string {
  const h = createHash('md5');
  for (const m of partMd5s) h.update(m);
  return `${h.digest('hex')}-${partMd5s.length}`;
}

/**
 * The reflected polynomial and width of each CRC a FULL_OBJECT multipart checksum can be (CRC-32, CRC-32C,
 * CRC-64/NVME: each reflected, with all-ones initial value and final XOR).
 */
const CRCS = {
  crc32: { poly: 0xedb88320n, width: 32n },
  crc32c: { poly: 0x82f63b78n, width: 32n },
  crc64nvme: { poly: 0x9a6c9329ac4bc9b5n, width: 64n },
} as const;

export type CrcAlgorithm = keyof typeof CRCS;
export const isCrc = (algorithm: ChecksumAlgorithm): algorithm is CrcAlgorithm => Object.hasOwn(CRCS, algorithm);

/** a(x)·b(x) modulo the polynomial, both in the reflected bit order of the CRC (zlib's `multmodp`). */
function multmodp(a: bigint, b: bigint, poly: bigint, width: bigint): bigint {
  let m = 1n << (width - 1n);
  let p = 0n;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1n)) === 0n) break;
    }
    m >>= 1n;
    b = b & 1n ? (b >> 1n) ^ poly : b >> 1n;
  }
  return p;
}

/**
 * The CRC of the concatenation of byte strings from the CRC and length of each (zlib's `crc32_combine`, by
 * linearity: crc(A‖B) = crc(A)·x^(8|B|) + crc(B) modulo the polynomial). How CompleteMultipartUpload gives a
 * FULL_OBJECT checksum of many GiB without reading a byte: reading them back would take minutes per object.
 */
export function combineCrcs(algorithm: CrcAlgorithm, parts: readonly { readonly crc: Buffer; readonly size: number }[]): Buffer {
  const { poly, width } = CRCS[algorithm];
  const bytes = Number(width / 8n);
  // x^(2^k) for k = 0, 1, …: squares of x, as needed.
  const powers: bigint[] = [1n << (width - 2n)];
  const power = (k: number): bigint => {
    while (powers.length <= k) powers.push(multmodp(powers[powers.length - 1]!, powers[powers.length - 1]!, poly, width));
    return powers[k]!;
  };
  // x^(8n): bits of n, from x^(2^3) up.
  const shiftBy = (n: number): bigint => {
    let p = 1n << (width - 1n);
    let k = 3;
    for (let rest = BigInt(n); rest > 0n; rest >>= 1n, k++) if (rest & 1n) p = multmodp(power(k), p, poly, width);
    return p;
  };
  let crc = 0n;
  let first = true;
  for (const part of parts) {
    const value = BigInt(`0x${part.crc.toString('hex')}`);
    crc = first ? value : multmodp(shiftBy(part.size), crc, poly, width) ^ value;
    first = false;
  }
  return Buffer.from(crc.toString(16).padStart(bytes * 2, '0'), 'hex');
}

/**
 * A COMPOSITE multipart checksum (User Guide, "Checking object integrity": the checksum of the concatenated binary
 * checksums of the parts, then `-N`), from the parts' base64 checksums in part order.
 */
export async function compositeChecksum(algorithm: ChecksumAlgorithm, parts: readonly string[]): Promise<string> {
  const hasher = new BodyHasher({}, algorithm);
  for (const p of parts) hasher.update(Buffer.from(p, 'base64'));
  return `${checksumFrom(algorithm, await hasher.digest())!.value}-${parts.length}`;
}
