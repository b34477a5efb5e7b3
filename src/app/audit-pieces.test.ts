/**
 * The audit queue with an appender that packs records as they are queued (the writer thread's pieces): batches
 * are whole pieces, a piece handed over takes no more records, a refused batch is handed over again as it was,
 * and every record is written once, in order.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEvent } from '../core/audit/index.ts';
import { createAudit, type AuditAppender, type AuditPiece } from './audit.ts';
import type { Store } from './ports/store.ts';

class Piece implements AuditPiece {
  readonly items: number[] = [];
  sent = false;
  get length(): number {
    return this.items.length;
  }
  add(_at: number, e: AuditEvent): boolean {
    assert.equal(this.sent, false, 'a piece handed over took a record');
    if (this.items.length >= 7) return false;
    this.items.push(Number(e.resource));
    return true;
  }
}

const ev = (i: number): AuditEvent => ({ kind: 'decision', account: '', principal: 'p', action: 'a', resource: String(i), decision: 'Allow' });

describe('audit queue over packed pieces', () => {
  it('hands over whole pieces, re-sends a refused batch as it was, and writes every record once, in order', async () => {
    const written: number[] = [];
    const batches: Piece[][] = [];
    let refuse = 1;
    let release: (() => void) | undefined;
    const appender: AuditAppender = {
      maxBatch: 20,
      append: () => Promise.reject(new Error('events are never handed over unpacked')),
      piece: () => new Piece(),
      async appendPieces(pieces) {
        const ps = pieces as Piece[];
        for (const p of ps) p.sent = true;
        batches.push(ps);
        await new Promise<void>((r) => (release = r));
        if (refuse-- > 0) throw new Error('store down');
        for (const p of ps) written.push(...p.items);
      },
    };
    const audit = createAudit({ store: {} as Store, now: () => 0, appender }, { batchSize: 5, flushMs: 1 });
    for (let i = 0; i < 10; i++) audit.record(ev(i));
    const done = audit.flush();
    // While the first batch (with the piece being filled) is in flight, more records go into new pieces.
    for (let i = 10; i < 40; i++) audit.record(ev(i));
    while (audit.status().backlog > 0) {
      await new Promise((r) => setTimeout(r, 2));
      const r = release;
      release = undefined;
      r?.();
    }
    await done;
    await audit.flush();
    assert.deepEqual(written, Array.from({ length: 40 }, (_, i) => i));
    // Pieces of 7: the first batch takes both (the second one unfilled), refused, then the same two again.
    assert.deepEqual(batches[0]?.map((p) => p.length), [7, 3]);
    assert.equal(batches[1]?.[0], batches[0]?.[0]);
    assert.equal(batches[1]?.[1], batches[0]?.[1]);
    // Later batches: whole pieces, 20 records at most (a third piece of 7 would pass it).
    assert.deepEqual(batches.slice(2).map((b) => b.map((p) => p.length)), [[7, 7], [7, 2]]);
    assert.deepEqual([audit.status().written, audit.status().failures, audit.status().backlog], [40, 1, 0]);
    await audit.stop();
  });
});
