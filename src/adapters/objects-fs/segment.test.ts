import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { BLOCK_SIZE, SegmentStream, pooledBlocks, writeSegment, type Sink } from './segment.ts';

const MiB = 1024 * 1024;

async function* chunks(data: Buffer, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

/**
 * A socket that flushes late: each write calls back after `delay` ms, and the bytes are checked again then, so a
 * block reused before its callback (while a real socket could still be copying it) shows as changed bytes.
 */
class SlowSink extends EventEmitter {
  destroyed = false;
  readonly got: Buffer[] = [];
  changed = 0;
  private readonly delay: number;
  constructor(delay: number) {
    super();
    this.delay = delay;
  }
  write(chunk: Buffer, cb?: (e?: Error | null) => void): boolean {
    const copy = Buffer.from(chunk);
    this.got.push(copy);
    setTimeout(() => {
      if (!copy.equals(chunk)) this.changed++;
      cb?.(null);
    }, this.delay);
    return true;
  }
}

async function segmentOf(dir: string, name: string, data: Buffer): Promise<{ path: string; size: number }> {
  const path = join(dir, name);
  const w = await writeSegment(path, chunks(data), { max: 1 << 30, fsync: false }, {});
  assert.ok(w.ok);
  return { path, size: data.length };
}

describe('objects-fs: sending a segment with pooled blocks', () => {
  it('sends every byte, checked, and reuses a block only once its write has called back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-segment-'));
    try {
      const a = randomBytes(5 * MiB + 123);
      const b = randomBytes(4 * MiB + 7);
      const sa = await segmentOf(dir, 'a', a);
      const sb = await segmentOf(dir, 'b', b);
      // Two bodies sent at once through slow sinks, sharing the pool; then a ranged one across a block boundary.
      const sinks = [new SlowSink(15), new SlowSink(5)];
      await Promise.all([
        new SegmentStream([sa], BLOCK_SIZE, 0, a.length - 1, 'a').sendTo(sinks[0] as unknown as Sink),
        new SegmentStream([sb], BLOCK_SIZE, 0, b.length - 1, 'b').sendTo(sinks[1] as unknown as Sink),
      ]);
      await new Promise((r) => setTimeout(r, 40));
      assert.ok(Buffer.concat(sinks[0]!.got).equals(a));
      assert.ok(Buffer.concat(sinks[1]!.got).equals(b));
      assert.deepEqual(sinks.map((s) => s.changed), [0, 0]);
      assert.ok(pooledBlocks() > 0, 'blocks went back to the pool');
      const ranged = new SlowSink(3);
      await new SegmentStream([sa], BLOCK_SIZE, MiB - 10, 3 * MiB + 10, 'a').sendTo(ranged as unknown as Sink);
      await new Promise((r) => setTimeout(r, 20));
      assert.ok(Buffer.concat(ranged.got).equals(a.subarray(MiB - 10, 3 * MiB + 11)));
      assert.equal(ranged.changed, 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads a last block and its CRC in one go: small bodies, ranges in the last block, a corrupt trailer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-segment-'));
    try {
      const small = randomBytes(1000);
      const ss = await segmentOf(dir, 's', small);
      const big = randomBytes(3 * MiB + 500);
      const sb = await segmentOf(dir, 'b', big);
      for (const [seg, data, from, to] of [[ss, small, 0, 999], [ss, small, 10, 20], [sb, big, 3 * MiB + 1, 3 * MiB + 499], [sb, big, 3 * MiB - 1, 3 * MiB + 3]] as const) {
        const sink = new SlowSink(1);
        await new SegmentStream([seg], BLOCK_SIZE, from, to, 'x').sendTo(sink as unknown as Sink);
        assert.ok(Buffer.concat(sink.got).equals(data.subarray(from, to + 1)), `${from}-${to}`);
        const chunks: Buffer[] = [];
        for await (const c of new SegmentStream([seg], BLOCK_SIZE, from, to, 'x')) chunks.push(c as Buffer);
        assert.ok(Buffer.concat(chunks).equals(data.subarray(from, to + 1)), `stream ${from}-${to}`);
      }
      // The last CRC of the trailer flipped: the last block fails, whichever way it is read.
      const bytes = await readFile(sb.path);
      bytes[bytes.length - 1]! ^= 0x01;
      await writeFile(sb.path, bytes);
      await assert.rejects(new SegmentStream([sb], BLOCK_SIZE, 3 * MiB, 3 * MiB + 10, 'b').sendTo(new SlowSink(1) as unknown as Sink), /fail their checksum/);
      await assert.rejects((async () => {
        for await (const _ of new SegmentStream([sb], BLOCK_SIZE, 3 * MiB, 3 * MiB + 10, 'b')) void _;
      })(), /fail their checksum/);
      const ok = new SlowSink(1);
      await new SegmentStream([sb], BLOCK_SIZE, 0, 10, 'b').sendTo(ok as unknown as Sink);
      assert.ok(Buffer.concat(ok.got).equals(big.subarray(0, 11)), 'the first block is still good');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops before a block that fails its CRC, and when the sink closes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-segment-'));
    try {
      const a = randomBytes(3 * MiB);
      const sa = await segmentOf(dir, 'a', a);
      const bytes = await readFile(sa.path);
      bytes[2 * MiB + 1]! ^= 0x10; // third block
      await writeFile(sa.path, bytes);
      const sink = new SlowSink(1);
      const stream = new SegmentStream([sa], BLOCK_SIZE, 0, a.length - 1, 'a');
      let closed = false;
      stream.once('close', () => (closed = true));
      await assert.rejects(stream.sendTo(sink as unknown as Sink), /fail their checksum/);
      assert.ok(Buffer.concat(sink.got).equals(a.subarray(0, 2 * MiB)), 'the two good blocks, nothing of the bad one');
      await new Promise((r) => setImmediate(r));
      assert.ok(closed, 'the stream closed (its files released)');

      const gone = new SlowSink(50);
      const b = randomBytes(6 * MiB);
      const sb = await segmentOf(dir, 'b', b);
      const sending = new SegmentStream([sb], BLOCK_SIZE, 0, b.length - 1, 'b').sendTo(gone as unknown as Sink);
      setTimeout(() => gone.emit('close'), 5);
      await assert.rejects(sending, { code: 'ERR_STREAM_PREMATURE_CLOSE' });
      assert.ok(gone.got.length < 6);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
