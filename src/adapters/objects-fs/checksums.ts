/**
 * Digests of a body as it streams in: MD5 (the ETag), SHA-256, and CRC32 / CRC32C / CRC64NVME when the client
 * declared one. node:zlib has CRC32 (hardware-accelerated); CRC32C (Castagnoli, used by `x-amz-checksum-crc32c`) is a
 * slicing-by-8 table implementation here; CRC64NVME (`x-amz-checksum-crc64nvme`) is the AWS SDK's own pure-JS
 * CRC-64/NVME (`@aws-sdk/checksums`, what SDK v3 computes it with). Each is computed only when a client declares it.
 */
import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { Crc64NvmeJs } from '@aws-sdk/checksums/crc';
import type { ChecksumAlgorithm, ObjectChecksum } from '../../app/ports/objects.ts';

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

/** The first declared digest that the body does not match, named for the error message; undefined when all match. */
export function digestMismatch(declared: DeclaredDigests, got: BodyDigests): string | undefined {
  if (declared.contentMd5 !== undefined && declared.contentMd5 !== got.md5.toString('base64')) return 'Content-MD5';
  if (declared.sha256Hex !== undefined && declared.sha256Hex.toLowerCase() !== got.sha256.toString('hex')) return 'x-amz-content-sha256';
  if (declared.sha256Base64 !== undefined && declared.sha256Base64 !== got.sha256.toString('base64')) return 'x-amz-checksum-sha256';
  if (declared.crc32Base64 !== undefined && declared.crc32Base64 !== crcBase64(got.crc32 ?? 0)) return 'x-amz-checksum-crc32';
  if (declared.crc32cBase64 !== undefined && declared.crc32cBase64 !== crcBase64(got.crc32c ?? 0)) return 'x-amz-checksum-crc32c';
  if (declared.crc64nvmeBase64 !== undefined && declared.crc64nvmeBase64 !== got.crc64nvme?.toString('base64')) return 'x-amz-checksum-crc64nvme';
  return undefined;
}

/** S3's multipart ETag: MD5 of the concatenated binary part MD5s, then `-N`. */
export function multipartEtag(partMd5s: readonly Buffer[]): string {
  const h = createHash('md5');
  for (const m of partMd5s) h.update(m);
  return `${h.digest('hex')}-${partMd5s.length}`;
}
