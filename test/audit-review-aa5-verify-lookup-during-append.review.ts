/**
 * Review aa5: `audit verify` reports a healthy, busy log as tampered ("lookup": the filter index is marked filled past
 * the chain's head) when the lookup's filled mark moves during its walk. verify reads the head first and walks the
 * records page by page (minutes on a large log); the lookup is filled, and its mark moved to the last record, by the
 * append whose batch crosses a multiple of 4096 (AUDIT_LOOKUP_EVERY). Any deployment writing 4096 records while a walk
 * runs then gets `filled > head.seq`, compared with the head read before the walk, not in the read that read the mark.
 * The race is staged as review V3's is: another instance's log appends 4,200 records right after verify read the head.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAudit, type Audit } from '../src/app/audit.ts';
import type { Store } from '../src/app/ports/store.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { rootAdminCaller } from './support/callers.ts';
import { heldAtSecondRead } from './support/flaky-store.ts';

const ROOT = '000000000000';
const admin = rootAdminCaller;

describe('review aa5: verify while the log is written past a lookup fill', () => {
  let dir: string;
  let real: Store;
  let t = Date.parse('2026-01-01T00:00:00Z');
  /** The store the audit under test reads: its second read after `held.beforeSecondRead(step)` first runs `step`. */
  let held: ReturnType<typeof heldAtSecondRead>;
  let audit: Audit;
  let other: Audit;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-aa5-'));
    real = await openSqliteStore({ dataDir: dir });
    held = heldAtSecondRead(real);
    audit = createAudit({ store: held.store, now: () => t }, { flushMs: 5 });
    other = createAudit({ store: real, now: () => t }, { flushMs: 5 });
    for (let i = 0; i < 100; i++) {
      t += 1000;
      audit.record({ kind: 'decision', account: ROOT, principal: `arn:aws:iam::${ROOT}:user/u${i % 7}`, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', decision: 'Allow' });
    }
    assert.equal(await audit.flush(), true);
  });
  after(async () => {
    await audit.stop();
    await other.stop();
    await real.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('records appended during the walk, a lookup fill among them, are no break', async () => {
    // Another instance writes on: 4,200 records, so one of its batches crosses record 4096 and fills the lookup.
    held.beforeSecondRead(async () => {
      for (let i = 0; i < 4200; i++) {
        t += 10;
        other.record({ kind: 'decision', account: ROOT, principal: `arn:aws:iam::${ROOT}:user/w${i % 5}`, action: 's3:PutObject', resource: 'arn:aws:s3:::b/k', decision: 'Allow' });
      }
      assert.equal(await other.flush(), true);
    });
    const r = await audit.verify(admin);
    assert.ok(r.ok);
    // Before: BROKEN (lookup): "the filter index is marked filled up to record 4300, past the chain's head (record 100)".
    assert.equal(r.value.ok, true, JSON.stringify(r.value.broken));
    // The log is intact, and verify says so once the writes are over.
    const again = await audit.verify(admin);
    assert.ok(again.ok);
    assert.equal(again.value.ok, true, JSON.stringify(again.value.broken));
  });
});
