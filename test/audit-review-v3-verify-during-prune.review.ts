/**
 * Review V, V3: `audit verify` reads the chain's head, then its records page by page, each in a read of its own. A
 * retention pruning (the hourly sweep, of this instance or another on the same database) that committed meanwhile
 * deleted records the walk had yet to read, and verify answered `BROKEN at record 1 (missing): … deleted` for a
 * pruning the deployment did itself: a false alarm of tampering. The window is the walk's length (minutes on a large
 * log), so the race is staged here: the pruning commits right after verify has read the head. Now a broken walk whose
 * checkpoint moved meanwhile is walked again from the new checkpoint; records really deleted are still reported.
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

describe('review V3: verify during a retention pruning', () => {
  let dir: string;
  let real: Store;
  let t = Date.parse('2026-01-01T00:00:00Z');
  /** The store the audit under test reads: its second read after `held.beforeSecondRead(step)` first runs `step`. */
  let held: ReturnType<typeof heldAtSecondRead>;
  let audit: Audit;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-v3-'));
    real = await openSqliteStore({ dataDir: dir });
    held = heldAtSecondRead(real);
    audit = createAudit({ store: held.store, now: () => t }, { retentionDays: 30, flushMs: 5 });
    for (let i = 0; i < 2500; i++) {
      t += 1000;
      audit.record({ kind: 'decision', account: ROOT, principal: `arn:aws:iam::${ROOT}:user/u${i % 7}`, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', decision: 'Allow' });
    }
    assert.equal(await audit.flush(), true);
  });
  after(async () => {
    await audit.stop();
    await real.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a pruning that commits during the walk is no break', async () => {
    const cut = Date.parse('2026-01-01T00:20:00Z');
    // Another instance's sweep: its own audit log on the same database.
    const other = createAudit({ store: real, now: () => t }, { retentionDays: 30 });
    held.beforeSecondRead(async () => assert.ok((await other.prune(cut)).pruned > 0));
    const r = await audit.verify(admin);
    assert.ok(r.ok);
    assert.equal(r.value.ok, true, JSON.stringify(r.value.broken));
    assert.ok(r.value.base.seq > 0, 'verified from the new checkpoint');
  });

  it('records deleted by hand are still reported', async () => {
    const head = await real.read((tx) => tx.audit.head());
    // Delete one record in the middle through the SQLite file, as an intruder would.
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(join(dir, 'gatehouse.db'));
    db.prepare('DELETE FROM audit_log WHERE seq = ?').run(head.baseSeq + 10);
    db.close();
    const r = await audit.verify(admin);
    assert.ok(r.ok);
    assert.equal(r.value.ok, false);
    assert.equal(r.value.broken?.reason, 'missing');
  });
});
