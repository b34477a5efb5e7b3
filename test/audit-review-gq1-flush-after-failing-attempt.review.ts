/**
 * Review gq, 1 (stop 46's CI): `flush()` answers whether what is queued when it is called is written. While the audit
 * log refused writes, the flusher's retry (on its backoff timer) could be in hand when the store took writes again;
 * `flush()` then joined that attempt, begun before the store came back, and answered false ("the store refused") though
 * nothing the store did after the call refused anything. That failed review gm, 1 in CI ("the audit log takes writes
 * again": false). Now an attempt already in hand when `flush()` is called is waited for, and its failure is not the
 * answer: `flush()` makes its own attempt.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEvent } from '../src/core/audit/index.ts';
import { createAudit, type AuditAppender } from '../src/app/audit.ts';
import type { Store } from '../src/app/ports/store.ts';

const ev = (i: number): AuditEvent => ({ kind: 'decision', account: '', principal: 'p', action: 'a', resource: String(i), decision: 'Allow' });

describe('review gq1: flush() is not answered by an attempt begun before it was called', () => {
  it('a retry in hand that fails once the store is back: flush() still writes and answers true', async () => {
    let down = true;
    const written: string[] = [];
    const started: Array<() => void> = [];
    const appender: AuditAppender = {
      async append(events) {
        // The store's answer is decided when the write begins; it arrives when the test lets it.
        const refuse = down;
        await new Promise<void>((r) => started.push(r));
        if (refuse) throw new Error('store down');
        for (const e of events) written.push(e.event.resource);
      },
    };
    const audit = createAudit({ store: {} as Store, now: () => Date.now(), appender }, { batchSize: 5, flushMs: 1 });
    try {
      audit.record(ev(1));
      const first = audit.flush();
      while (started.length === 0) await new Promise((r) => setTimeout(r, 1));
      started.shift()?.();
      assert.equal(await first, false, 'the store refused');
      // The retry on the backoff timer begins while the store is still down.
      while (started.length === 0) await new Promise((r) => setTimeout(r, 1));
      down = false;
      const again = audit.flush();
      // The retry in hand fails; flush() then writes on its own attempt.
      started.shift()?.();
      while (started.length === 0) await new Promise((r) => setTimeout(r, 1));
      started.shift()?.();
      assert.equal(await again, true, 'flush() called after the store came back writes what is queued');
      assert.deepEqual(written, ['1']);
      assert.equal(audit.status().backlog, 0);
    } finally {
      for (const r of started) r();
      await audit.stop();
    }
  });
});
