/**
 * A request body as S3 reads it, streamed (memory independent of its size): `aws-chunked` decoded, chunk and
 * trailer signatures verified as they arrive, and every digest the client declared — the hex
 * `x-amz-content-sha256`, `x-amz-checksum-{crc32,crc32c,crc64nvme,sha1,sha256}` in a header or in the trailer — checked
 * when the body ends. A failure throws `BodyRejected` from the iterator, before it ends: the store, which commits
 * only a body that ends, keeps nothing.
 *
 * `aws-chunked` (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html):
 *   hex-size[;chunk-signature=sig]\r\n data \r\n … 0[;chunk-signature=sig]\r\n [name:value\r\n …] \r\n
 */
import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { Crc64NvmeJs } from '@aws-sdk/checksums/crc';
import type { ChunkSignatures } from '../sigv4/index.ts';
import { crc32c } from '../objects-fs/index.ts';
import { BodyRejected, s3Error, type S3Error } from './errors.ts';
import { BODY_LENGTH_MESSAGE } from '../../app/ports/objects.ts';
import { bodyBytesRead } from './garbage.ts';

export type ChecksumAlgorithm = 'crc32' | 'crc32c' | 'crc64nvme' | 'sha1' | 'sha256';
export const CHECKSUM_HEADERS: Readonly<Record<string, ChecksumAlgorithm>> = {
  'x-amz-checksum-crc32': 'crc32',
  'x-amz-checksum-crc32c': 'crc32c',
  'x-amz-checksum-crc64nvme': 'crc64nvme',
  'x-amz-checksum-sha1': 'sha1',
  'x-amz-checksum-sha256': 'sha256',
};

/** The length in bytes of each algorithm's digest: a header value that is not the base64 of so many is malformed. */
export const CHECKSUM_BYTES: Readonly<Record<ChecksumAlgorithm, number>> = { crc32: 4, crc32c: 4, crc64nvme: 8, sha1: 20, sha256: 32 };

/** Whether `value` is the canonical base64 of a digest of `algorithm` (S3 refuses anything else as invalid). */
export function isChecksumValue(algorithm: ChecksumAlgorithm, value: string): boolean {
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === CHECKSUM_BYTES[algorithm] && bytes.toString('base64') === value;
}

/** Whether `value` is the base64 of an MD5 digest (16 bytes), as `Content-MD5` carries it. */
export function isMd5Value(value: string): boolean {
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === 16 && bytes.toString('base64') === value;
}

/** A running checksum; `digest()` is base64, as the `x-amz-checksum-*` headers carry it. */
export interface Checksum {
  update(data: Uint8Array): void;
  digest(): Promise<string>;
}

export function checksumOf(algorithm: ChecksumAlgorithm): Checksum {
  if (algorithm === 'sha1' || algorithm === 'sha256') {
    const h: Hash = createHash(algorithm);
    return { update: (d) => void h.update(d), digest: async () => h.digest('base64') };
  }
  if (algorithm === 'crc64nvme') {
    const c = new Crc64NvmeJs();
    return { update: (d) => c.update(d), digest: async () => Buffer.from(await c.digest()).toString('base64') };
  }
  let value = 0;
  const step = algorithm === 'crc32' ? (d: Uint8Array, v: number) => crc32(d, v) : crc32c;
  return {
    update: (d) => void (value = step(d, value)),
    digest: async () => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(value >>> 0);
      return b.toString('base64');
    },
  };
}

/** The algorithm as S3 spells it in messages and in `x-amz-sdk-checksum-algorithm`. */
export const CHECKSUM_NAMES: Readonly<Record<ChecksumAlgorithm, string>> = { crc32: 'CRC32', crc32c: 'CRC32C', crc64nvme: 'CRC64NVME', sha1: 'SHA1', sha256: 'SHA256' };

/** S3's answer to a checksum that does not match the body (API_PutObject; the same for a trailing one). */
export const badChecksumMessage = (algorithm: ChecksumAlgorithm): string => `The ${CHECKSUM_NAMES[algorithm]} you specified did not match the calculated checksum.`;

export interface BodyOptions {
  /** The body is `aws-chunked`. */
  readonly chunked: boolean;
  /** Signed chunks (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`): each chunk's signature verified. */
  readonly signatures?: ChunkSignatures;
  /** The trailer must be signed (`…-PAYLOAD-TRAILER`). */
  readonly signedTrailer?: boolean;
  /** Hex SHA-256 the signature covers (`x-amz-content-sha256`), checked against the bytes. */
  readonly sha256Hex?: string;
  /** A checksum declared in a header, or the algorithm named by `x-amz-trailer` (value from the trailer). */
  readonly checksum?: { readonly algorithm: ChecksumAlgorithm; readonly expected?: string };
  /** Length of the decoded body, when declared (`x-amz-decoded-content-length`, or Content-Length). */
  readonly size?: number;
  /** Refuse more than this many decoded bytes (small XML bodies). */
  readonly limit?: number;
  /**
   * The least size of an `aws-chunked` chunk that is not the last (S3's 8192, `MIN_CHUNK_SIZE`): a smaller one followed by
   * another data chunk is refused InvalidChunkSizeError. Unset: any size (the decoder's own tests).
   */
  readonly minChunkSize?: number;
}

/** S3's least size of an `aws-chunked` chunk other than the last, signed or not (InvalidChunkSizeError; review qj, 2). */
export const MIN_CHUNK_SIZE = 8192;

const MAX_LINE = 4096;
/**
 * The trailer section's bytes, its lines together (review nu, 2): it carries one checksum and maybe its signature, about
 * 200 bytes. Each line was bounded, not their number; the announced checksum may repeat (S3 takes the last, as Swift's
 * s3api tests record it), and every line was kept for the trailer signature, so a trailer of millions of lines was held
 * in memory whole, past every body limit (trailer bytes are not body bytes).
 */
const MAX_TRAILER = 16 << 10;
const CRLF = Buffer.from('\r\n');
// Spaces around `;` and `=` and after the signature are S3's to accept (a client that writes them is answered 200); the
// signature's form is checked with the signature, so that a malformed one is SignatureDoesNotMatch, as S3 answers it.
const CHUNK_HEADER = /^([0-9a-fA-F]{1,16})[ \t]*(?:;[ \t]*chunk-signature[ \t]*=[ \t]*([^ \t;]*)[ \t]*)?$/;
const CHUNK_SIGNATURE = /^[0-9a-fA-F]{64}$/;

const reject = (code: Parameters<typeof s3Error>[0], message: string): never => {
  throw new BodyRejected(s3Error(code, message));
};

/**
 * The decoded body. Bytes are yielded as they arrive (no copy but for chunk boundaries); the last check runs
 * before the iterator finishes, so a consumer that sees the end has a body that passed every check.
 */
export async function* decodeBody(source: AsyncIterable<Uint8Array>, options: BodyOptions): AsyncGenerator<Uint8Array, void, undefined> {
  const sha = options.sha256Hex !== undefined ? createHash('sha256') : undefined;
  const sum = options.checksum ? checksumOf(options.checksum.algorithm) : undefined;
  let total = 0;
  const take = (data: Uint8Array): void => {
    total += data.length;
    bodyBytesRead(data.length);
    if (options.limit !== undefined && total > options.limit) reject('MaxMessageLengthExceeded', `the request body is longer than ${options.limit} bytes`);
    sha?.update(data);
    sum?.update(data);
  };
  let trailers = new Map<string, string>();

  if (!options.chunked) {
    for await (const data of source) {
      take(data);
      yield data;
    }
  } else {
    const signatures = options.signatures;
    let pending: Buffer = Buffer.alloc(0);
    let state: 'header' | 'data' | 'crlf' | 'trailer' | 'done' = 'header';
    let remaining = 0;
    let chunkSig = '';
    let chunkHash: Hash | undefined;
    let trailerText = '';
    let trailerSig: string | undefined;
    let trailerBytes = 0;
    // Chunks whose header was read, and the size of the last data chunk: S3 finds a chunk too small when the next
    // header shows it was not the last, and names that next chunk's number with the small one's size.
    let chunkNumber = 0;
    let previousSize: number | undefined;
    const announced = options.checksum !== undefined && options.checksum.expected === undefined ? `x-amz-checksum-${options.checksum.algorithm}` : undefined;
    for await (const incoming of source) {
      let buf: Buffer = pending.length > 0 ? Buffer.concat([pending, incoming]) : Buffer.from(incoming.buffer, incoming.byteOffset, incoming.byteLength);
      pending = Buffer.alloc(0);
      while (buf.length > 0 && state !== 'done') {
        if (state === 'data') {
          const n = Math.min(remaining, buf.length);
          const piece = buf.subarray(0, n);
          chunkHash?.update(piece);
          take(piece);
          yield piece;
          remaining -= n;
          buf = buf.subarray(n);
          if (remaining === 0) state = 'crlf';
          continue;
        }
        if (state === 'crlf') {
          if (buf.length < 2) break;
          if (buf[0] !== 0x0d || buf[1] !== 0x0a) reject('IncompleteBody', 'an aws-chunked chunk does not end with CRLF');
          buf = buf.subarray(2);
          if (signatures && !signatures.chunk(chunkHash!.digest('hex'), chunkSig)) reject('SignatureDoesNotMatch', 'The chunk signature we calculated does not match the signature you provided.');
          state = 'header';
          continue;
        }
        // Chunk headers end with CRLF; trailer lines are read up to LF (an optional CR dropped), as some
        // signers end them with a bare LF.
        const eol = state === 'trailer' ? buf.indexOf(0x0a) : buf.indexOf(CRLF);
        if (eol < 0) {
          if (buf.length > MAX_LINE) reject('IncompleteBody', 'an aws-chunked line is too long');
          break;
        }
        const end = state === 'trailer' && eol > 0 && buf[eol - 1] === 0x0d ? eol - 1 : eol;
        const line = buf.subarray(0, end).toString('latin1');
        buf = buf.subarray(eol + (state === 'trailer' ? 1 : 2));
        if (state === 'header') {
          const m = CHUNK_HEADER.exec(line);
          if (!m) reject('IncompleteBody', `malformed aws-chunked chunk header \`${line.slice(0, 80)}\``);
          const size = parseInt(m![1] as string, 16);
          // A signed chunk without its signature (none, or empty) is a body framed wrong, as S3 answers it; a signature
          // is not asked for, so SignatureDoesNotMatch sent the client to check its key.
          if (signatures && !m![2]) reject('IncompleteBody', 'The request body terminated unexpectedly');
          if (!signatures && m![2] !== undefined && !CHUNK_SIGNATURE.test(m![2])) reject('IncompleteBody', `malformed aws-chunked chunk header \`${line.slice(0, 80)}\``);
          chunkSig = m![2] ?? '';
          chunkNumber++;
          if (size > 0 && options.minChunkSize !== undefined && previousSize !== undefined && previousSize < options.minChunkSize) {
            throw new BodyRejected(s3Error('InvalidChunkSizeError', `Only the last chunk is allowed to have a size less than ${options.minChunkSize} bytes`, { Chunk: String(chunkNumber), BadChunkSize: String(previousSize) }));
          }
          previousSize = size;
          if (size === 0) {
            if (signatures && !signatures.chunk(EMPTY_HASH, chunkSig)) reject('SignatureDoesNotMatch', 'The chunk signature we calculated does not match the signature you provided.');
            state = 'trailer';
          } else {
            remaining = size;
            chunkHash = signatures ? createHash('sha256') : undefined;
            state = 'data';
          }
          continue;
        }
        // Trailer lines until an empty one.
        trailerBytes += eol + 1;
        if (trailerBytes > MAX_TRAILER) reject('MalformedTrailerError', MALFORMED_TRAILER);
        if (line === '') {
          state = 'done';
          break;
        }
        const colon = line.indexOf(':');
        if (colon <= 0) reject('IncompleteBody', 'malformed aws-chunked trailer');
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (name === 'x-amz-trailer-signature') trailerSig = value;
        // Only the checksum x-amz-trailer announced may trail (S3's MalformedTrailerError otherwise): another was read and
        // dropped, so a checksum sent without announcing it was never compared, and the body stored as if it had been.
        else if (name !== announced) reject('MalformedTrailerError', MALFORMED_TRAILER);
        else {
          trailers.set(name, value);
          trailerText += `${name}:${value}\n`;
        }
        if (trailers.size > 16) reject('IncompleteBody', 'too many trailing headers');
      }
      if (buf.length > 0 && state !== 'done') pending = Buffer.from(buf);
    }
    if (state !== 'done') {
      // Some clients end the unsigned-trailer form right after the trailer line without the empty line.
      if (!(state === 'trailer' && pending.length === 0)) reject('IncompleteBody', 'the aws-chunked body ended early');
    }
    if (options.signedTrailer && signatures) {
      if (trailerSig === undefined || !signatures.trailer(trailerText, trailerSig)) reject('SignatureDoesNotMatch', 'The trailer signature we calculated does not match the signature you provided.');
    }
  }

  // S3's message, and the two numbers as elements of their own, as its document gives them (review qj, 4).
  if (options.size !== undefined && total !== options.size) {
    throw new BodyRejected(s3Error('IncompleteBody', BODY_LENGTH_MESSAGE, { NumberBytesExpected: String(options.size), NumberBytesProvided: String(total) }));
  }
  if (sha) {
    const computed = sha.digest('hex');
    if (computed !== options.sha256Hex!.toLowerCase()) throw new BodyRejected(sha256Mismatch(options.sha256Hex!, computed));
  }
  if (options.checksum && sum) {
    const name = `x-amz-checksum-${options.checksum.algorithm}`;
    const expected = options.checksum.expected ?? trailers.get(name);
    // S3's answer to a trailer without the checksum x-amz-trailer announced (none, another one, or an empty line
    // ending the trailer section before it): the body is malformed, not the request's headers.
    if (expected === undefined) reject('MalformedTrailerError', MALFORMED_TRAILER);
    // A trailing value that is no digest of its algorithm is malformed, as S3 answers it (and as a header's value is,
    // refused before the body): BadDigest would tell the client its bytes were damaged, and have it send them again.
    if (options.checksum.expected === undefined && !isChecksumValue(options.checksum.algorithm, expected!)) reject('InvalidRequest', `Value for ${name} trailing header is invalid.`);
    if ((await sum.digest()) !== expected) reject('BadDigest', badChecksumMessage(options.checksum.algorithm));
  }
  trailers = new Map();
}

/**
 * S3's answer to a body whose SHA-256 is not the `x-amz-content-sha256` the request declared (and signed): both hashes
 * named, as S3's document names them, so that a signer that hashed other bytes is told from a body damaged in transit.
 */
export const sha256Mismatch = (declared: string, computed: string): S3Error =>
  s3Error('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", { ClientComputedContentSHA256: declared, S3ComputedContentSHA256: computed });

/**
 * S3's answer to a body whose MD5 is not its Content-MD5 (both base64, as the header carries them): the digest expected
 * in hex and the one calculated in base64, as S3's document gives them.
 */
export const md5Mismatch = (declaredBase64: string, computedBase64: string): S3Error =>
  s3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.', { ExpectedDigest: Buffer.from(declaredBase64, 'base64').toString('hex'), CalculatedDigest: computedBase64 });

/** S3's message for a trailer that is not the one announced (MalformedTrailerError). */
const MALFORMED_TRAILER = 'The request contained trailing data that was not well-formed or did not conform to our published schema.';

const EMPTY_HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** A small body (XML, a policy) read whole through the same checks. */
export async function readWhole(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of body) parts.push(Buffer.from(p));
  return Buffer.concat(parts);
}
