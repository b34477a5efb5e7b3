import { it } from 'node:test';
import assert from 'node:assert/strict';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { runInNewContext } from 'node:vm';
import { bodyBytesRead } from './garbage.ts';

it('s3 body garbage: a minor collection every 8 MiB of body read, and no gc global left for other contexts', async () => {
  const minors: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (((e as { detail?: unknown }).detail as { kind?: number } | undefined)?.kind === constants.NODE_PERFORMANCE_GC_MINOR) minors.push(e);
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    bodyBytesRead(1 << 20);
    await new Promise((r) => setTimeout(r, 20));
    const before = minors.length;
    // 7 more MiB reach the budget (8 MiB in all): one collection, synchronously.
    for (let i = 0; i < 7; i++) bodyBytesRead(1 << 20);
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(minors.length > before, 'a minor collection ran');
    assert.equal(runInNewContext('typeof gc'), 'undefined');
    assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined');
  } finally {
    observer.disconnect();
  }
});
