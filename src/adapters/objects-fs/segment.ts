/**
 * Segment files: the immutable data files objects and parts are made of.
 *
 * A segment is the body's bytes followed by a trailer of one big-endian CRC32 per block (1 MiB) of them. The
 * trailer is what makes reads verifiable at any offset: a ranged read checks only the blocks it touches, and
 * a full read checks every block, so integrity costs the same per byte whatever is asked. CRC32 rather than a
 * per-block SHA-256: the check is against corruption at rest (bit rot, torn or misdirected writes), which a
 * CRC over 1 MiB detects (every burst up to 32 bits, anything else with probability 1 − 2⁻³²); it is not
 * against someone who can write the data directory, who could rewrite any stored digest as well. node:zlib's
 * CRC32 runs at memory speed, while SHA-256 halves read throughput on this hardware (1.7 GB/s against 3.9 GB/s
 * for a page-cached read). The body's full SHA-256 is still computed on write, checked against what the
 * client declared and kept in the object's metadata.
 *
 * A segment is written once, under a unique name, and never modified: versions, copies and completed uploads
 * share segments by hard link, and a reader that opened one is never affected by a later write.
 */
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { BODY_LENGTH_MESSAGE, type ChecksumAlgorithm, type ObjectResult } from '../../app/ports/objects.ts';
import { BodyHasher, digestMismatch, type BodyDigests, type DeclaredDigests } from './checksums.ts';

export const BLOCK_SIZE = 1 << 20;

/**
 * Full blocks kept for reuse by writers (staging) and by readers that send to a socket, so a stream of blocks
 * costs no allocation per block: a fresh 1 MiB buffer per block is garbage the collector finds only after tens
 * of MiB have piled up (V8 collects dead ArrayBuffers by external-memory pressure), which made the resident set
 * grow with concurrency and a full collection of the heap every ~64 blocks. A block goes back only when nothing
 * refers to it any more: a writer's once its file write has completed, a sender's once the socket has flushed it.
 * At most POOL_MAX idle blocks are kept; beyond that they are left to the collector.
 */
const POOL_MAX = 16;
/** Room after a pooled block for CRCs of the trailer, so a segment's last block and its CRC come in one read. */
const TRAILER_ROOM = 4096;
const POOLED_BYTES = BLOCK_SIZE + TRAILER_ROOM;
const pool: ArrayBuffer[] = [];

function takePooled(length: number): Buffer {
  const ab = pool.pop();
  return ab === undefined ? Buffer.allocUnsafeSlow(POOLED_BYTES).subarray(0, length) : Buffer.from(ab, 0, length);
}

/** A block of the pool (BLOCK_SIZE bytes), to give back with `giveBlock`. */
export function takeBlock(): Buffer {
  return takePooled(BLOCK_SIZE);
}

/** Gives back the block `view` is part of (a view from `takeBlock`); anything else is ignored. */
export function giveBlock(view: Uint8Array): void {
  const ab = view.buffer;
  if (ab instanceof ArrayBuffer && ab.byteLength === POOLED_BYTES && pool.length < POOL_MAX && !pool.includes(ab)) pool.push(ab);
}

/** Idle blocks in the pool (tests). */
export function pooledBlocks(): number {
  return pool.length;
}

export interface WriteLimits {
  /** Declared body length: the body must have exactly this many bytes. */
  readonly size?: number;
  /** Longest body accepted. */
  readonly max: number;
  /** The body is a part (UploadPart): refused too large without PutObject's advice to upload in parts. */
  readonly part?: boolean;
  readonly fsync: boolean;
  /** Also compute the body's checksum under this algorithm (the one the object keeps). */
  readonly keep?: ChecksumAlgorithm;
}

export interface WrittenSegment {
  readonly size: number;
  readonly digests: BodyDigests;
}

const NO_BUFFER: Buffer = Buffer.alloc(0);

async function writeAll(fh: FileHandle, buf: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

/** A PUT too large has its way out in a multipart upload; a part too large has none there (it needs smaller parts). */
const tooLargeAdvice = (limits: WriteLimits): string => (limits.part ? '' : '; upload larger objects in parts (multipart upload)');

/**
 * Streams `body` into a new file at `path` (which must not exist): bytes, then the CRC trailer, then fsync.
 * Memory use is one block whatever the body's size. On any failure the file is removed and nothing remains.
 */
export async function writeSegment(path: string, body: AsyncIterable<Uint8Array>, limits: WriteLimits, declared: DeclaredDigests): Promise<ObjectResult<WrittenSegment>> {
  // A body declared too long is refused before a byte of it is pulled, as S3 refuses it from its Content-Length: pulled,
  // the gateway told an `Expect: 100-continue` client to send it, and stored 5 GiB of it before saying no (review cr, 2).
  if (limits.size !== undefined && limits.size > limits.max) {
    return { ok: false, error: { code: 'EntityTooLarge', message: `Your proposed upload exceeds the maximum allowed size: ${limits.size} bytes declared, at most ${limits.max}${tooLargeAdvice(limits)}` } };
  }
  // 0600 as every object file (store.ts FILE_MODE): the body is as private as the database.
  const fh = await open(path, 'wx', 0o600);
  let kept = false;
  // Two staging blocks: one is written on the thread pool while the other is hashed and refilled.
  let inflight: Promise<void> | undefined;
  const staging: Buffer[] = [];
  try {
    const hasher = new BodyHasher(declared, limits.keep);
    // Taken as needed: a small body needs one small buffer, not two blocks.
    let which = 0;
    // A body of less than a block is staged in a buffer of its size; anything else in pooled blocks.
    let block: Buffer = limits.size !== undefined && limits.size < BLOCK_SIZE ? Buffer.allocUnsafe(limits.size) : takeBlock();
    staging.push(block);
    const crcs: number[] = [];
    let fill = 0;
    let size = 0;
    let position = 0;
    const flush = async (): Promise<void> => {
      if (fill === 0) return;
      const view = block.subarray(0, fill);
      if (inflight !== undefined) await inflight;
      inflight = writeAll(fh, view, position);
      inflight.catch(() => undefined); // awaited at the next flush; must not count as unhandled meanwhile
      position += fill;
      hasher.update(view);
      crcs.push(crc32(view));
      which ^= 1;
      block = staging[which] ?? NO_BUFFER;
      fill = 0;
    };
    for await (const chunk of body) {
      size += chunk.length;
      if (limits.size !== undefined && size > limits.size) {
        return { ok: false, error: { code: 'IncompleteBody', message: BODY_LENGTH_MESSAGE, bytes: { expected: limits.size, provided: size } } };
      }
      if (size > limits.max) return { ok: false, error: { code: 'EntityTooLarge', message: `Your proposed upload exceeds the maximum allowed size: more than ${limits.max} bytes sent${tooLargeAdvice(limits)}` } };
      let offset = 0;
      while (offset < chunk.length) {
        if (fill === block.length && block.length < BLOCK_SIZE) {
          // First use of the second buffer, or a first buffer sized for a small declared body that runs on.
          const grown: Buffer = takeBlock();
          block.copy(grown, 0, 0, fill);
          block = staging[which] = grown;
        }
        const n = Math.min(block.length - fill, chunk.length - offset);
        block.set(chunk.subarray(offset, offset + n), fill);
        fill += n;
        offset += n;
        if (fill === BLOCK_SIZE) await flush();
      }
    }
    // The last, partial block goes out with the trailer in one write (a small body costs one write).
    const tail = block.subarray(0, fill);
    if (fill > 0) {
      hasher.update(tail);
      crcs.push(crc32(tail));
    }
    await inflight;
    if (limits.size !== undefined && size !== limits.size) {
      return { ok: false, error: { code: 'IncompleteBody', message: BODY_LENGTH_MESSAGE, bytes: { expected: limits.size, provided: size } } };
    }
    const digests = await hasher.digest();
    const mismatch = digestMismatch(declared, digests);
    if (mismatch !== undefined) return { ok: false, error: { code: 'BadDigest', message: `the body does not match its \`${mismatch.header}\``, digest: mismatch } };
    const trailer = Buffer.allocUnsafe(crcs.length * 4);
    crcs.forEach((c, i) => trailer.writeUInt32BE(c, i * 4));
    await writeAll(fh, fill > 0 ? Buffer.concat([tail, trailer]) : trailer, position);
    if (limits.fsync) await fh.sync();
    kept = true;
    return { ok: true, value: { size, digests } };
  } finally {
    if (inflight !== undefined) await inflight.catch(() => undefined);
    // No write refers to the staging blocks any more.
    for (const b of staging) giveBlock(b);
    await fh.close();
    if (!kept) await unlink(path).catch(() => undefined);
  }
}

export interface SegmentRef {
  readonly path: string;
  readonly size: number;
}

/** The stream is destroyed with this when stored bytes do not match their checksums, or a segment is missing or has the wrong size. */
export class IntegrityError extends Error {
  readonly code = 'EINTEGRITY';
}

async function readExactly(fh: FileHandle, position: number, length: number, what: string, into?: Buffer): Promise<Buffer> {
  const buf = into === undefined ? Buffer.allocUnsafe(length) : into.subarray(0, length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw new IntegrityError(`${what} ends early at byte ${position + done}`);
    done += bytesRead;
  }
  return buf;
}

/** CRCs are read in batches of this many blocks (16 KiB), so a huge segment's trailer is never held whole. */
const CRC_BATCH = 4096;

/**
 * The bytes `start..end` (inclusive, object offsets) of the segments laid end to end, verified block by block
 * as they are read: a block that fails its CRC throws before any of it is yielded. With `pooled`, each block is
 * read into a block of the pool and the consumer must give it back (`giveBlock`) once nothing refers to it;
 * without, each block is a fresh buffer the consumer may keep.
 */
export async function* readSegments(segments: readonly SegmentRef[], block: number, start: number, end: number, label: string, pooled = false): AsyncGenerator<Buffer> {
  const usePool = pooled && block === BLOCK_SIZE;
  if (end < start) return;
  let base = 0;
  for (const seg of segments) {
    const segStart = base;
    base += seg.size;
    if (seg.size === 0 || base - 1 < start) continue;
    if (segStart > end) return;
    const a = Math.max(start, segStart) - segStart;
    const b = Math.min(end, base - 1) - segStart;
    let fh: FileHandle;
    try {
      fh = await open(seg.path, 'r');
    } catch (e) {
      throw new IntegrityError(`${label}: a data file is missing (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    let closing: Promise<void> | undefined;
    try {
      const first = Math.floor(a / block);
      const last = Math.floor(b / block);
      const readCrcs = (i: number): Promise<Buffer> => readExactly(fh, seg.size + i * 4, Math.min(CRC_BATCH, last - i + 1) * 4, label);
      const readBlock = (i: number, extra = 0): Promise<Buffer> => {
        const offset = i * block;
        const length = Math.min(block, seg.size - offset) + extra;
        const read = readExactly(fh, offset, length, label, usePool && length <= POOLED_BYTES ? takePooled(length) : undefined);
        read.catch(() => undefined); // awaited later; must not count as unhandled meanwhile
        return read;
      };
      const blocks = Math.ceil(seg.size / block);
      // Only the segment's last block is wanted (a small object, or a range at the end), and the whole trailer fits
      // in a pooled block's spare room: block and trailer are contiguous in the file, so one read brings both.
      const together = first === last && last === blocks - 1 && blocks * 4 <= TRAILER_ROOM;
      // One block read ahead: the next read runs on the thread pool while this block is checked and consumed.
      let ahead: Promise<Buffer> | undefined = readBlock(first, together ? blocks * 4 : 0);
      try {
        let crcs = together ? NO_BUFFER : await readCrcs(first);
        let crcBase = first;
        for (let i = first; i <= last; i++) {
          if (!together && (i - crcBase) * 4 >= crcs.length) {
            crcBase = i;
            crcs = await readCrcs(i);
          }
          let data = await ahead!;
          ahead = i < last ? readBlock(i + 1) : undefined;
          if (together) {
            const length = data.length - blocks * 4;
            crcs = data.subarray(length);
            crcBase = 0;
            data = data.subarray(0, length);
          }
          // Nothing more to read from this file: it closes while the last block is checked and sent.
          if (i === last) {
            closing = fh.close();
            closing.catch(() => undefined);
          }
          const offset = i * block;
          const length = data.length;
          if (crc32(data) !== crcs.readUInt32BE((i - crcBase) * 4)) {
            throw new IntegrityError(`${label}: stored bytes ${segStart + offset}-${segStart + offset + length - 1} fail their checksum`);
          }
          const from = Math.max(a - offset, 0);
          const to = Math.min(b - offset + 1, length);
          yield from === 0 && to === length ? data : data.subarray(from, to);
        }
      } finally {
        // A read still in flight must finish before the file is closed under it.
        if (ahead !== undefined) await ahead.catch(() => undefined);
      }
    } finally {
      await (closing ?? fh.close());
    }
  }
}

/** What `sendTo` rejects with when the sink closes first: the code stream.pipeline gives the same case. */
function prematureClose(): Error {
  return Object.assign(new Error('the connection closed before the body was sent'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/** Something a body can be sent to: a socket, an HTTP response (`write` calls back once the bytes are flushed). */
export type Sink = Pick<Writable, 'write' | 'once' | 'off' | 'destroyed'>;

/**
 * An object's body: a Readable of fresh buffers for any consumer, and `sendTo`, which writes it to a socket or an
 * HTTP response with blocks of the pool, each given back when its write calls back (not before: the socket may
 * still be copying from it). Either way every block is checked against its CRC before any of it is passed on.
 * The stream closes (and whoever pinned the object's files is told, by 'close') when it ends, fails or is destroyed.
 */
export class SegmentStream extends Readable {
  readonly #segments: readonly SegmentRef[];
  readonly #block: number;
  readonly #start: number;
  readonly #end: number;
  readonly #label: string;
  #source: AsyncGenerator<Buffer> | undefined;

  constructor(segments: readonly SegmentRef[], block: number, start: number, end: number, label: string) {
    super({ highWaterMark: block });
    this.#segments = segments;
    this.#block = block;
    this.#start = start;
    this.#end = end;
    this.#label = label;
  }

  #open(pooled: boolean): AsyncGenerator<Buffer> {
    if (this.#source !== undefined) throw new Error('a body is read once');
    this.#source = readSegments(this.#segments, this.#block, this.#start, this.#end, this.#label, pooled);
    return this.#source;
  }

  override _read(): void {
    const source = this.#source ?? this.#open(false);
    source.next().then(
      (r) => void (r.done === true ? this.push(null) : this.push(r.value)),
      (e: unknown) => this.destroy(e as Error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Closing the generator closes the file it has open (after any read in flight).
    const source = this.#source;
    if (source === undefined) return callback(error);
    source.return(undefined).then(
      () => callback(error),
      (e: unknown) => callback(error ?? (e as Error)),
    );
  }

  /**
   * Writes the body to `out`, at most two blocks waiting on the socket, while the next is read and checked. Resolves
   * when the last block is handed over; rejects with the IntegrityError of a block that fails its check (nothing of
   * that block written), or when `out` is closed first. Ends the stream either way; `out` is not ended.
   */
  async sendTo(out: Sink): Promise<void> {
    const source = this.#open(true);
    let waiting = 0;
    let wake: (() => void) | undefined;
    let failure: Error | undefined;
    const closed = (): void => {
      failure ??= prematureClose();
      wake?.();
    };
    out.once('close', closed);
    try {
      for (;;) {
        const r = await source.next();
        if (r.done === true) break;
        if (failure !== undefined || out.destroyed) throw failure ?? prematureClose();
        const chunk = r.value;
        waiting++;
        out.write(chunk, (e) => {
          waiting--;
          // Flushed: the socket has copied the bytes. On an error the block is left to the collector.
          if (e === null || e === undefined) giveBlock(chunk);
          else failure ??= e;
          wake?.();
        });
        while (waiting >= 2 && failure === undefined) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (failure !== undefined) throw failure;
      }
    } finally {
      out.off('close', closed);
      this.destroy();
    }
  }
}
