/**
 * Review gm, 10: `GET /v1/audit/verify` (and every other caller of the audit log's `flush`) first writes what is
 * queued "so the report covers what was done", and `flush` wrote until the queue was empty. Under a steady load (a
 * resource server asking the authorize API all day, each decision recorded) records arrive while each batch is written,
 * so the queue is never empty when a write ends: `flush` never returned and `gatehouse audit verify` waited until its
 * client gave up, for as long as the load lasted. Now `flush` writes what was queued when it was called (the queue is
 * written in order) and returns; what arrives meanwhile is the writer's as usual.
 *
 * The audit log on a real SQLite store whose writes take 20 ms (a database across a network), records arriving every
 * few milliseconds while `flush` runs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, type SqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { createAudit } from '../src/app/audit.ts';
import { storeAppender } from '../src/app/audit-store-appender.ts';
import type { Store } from '../src/app/ports/store.ts';
import type { AuditEvent } from '../src/core/audit/index.ts';
import { rootAdminCaller } from './support/callers.ts';

const ACCT = '000000000000';
const decision = (i: number): AuditEvent => ({ kind: 'decision', account: ACCT, principal: `arn:aws:iam::${ACCT}:user/u`, action: 's3:GetObject', resource: `arn:aws:s3:::b/k${i}`, decision: 'Allow' });

describe('review gm10: flush returns under a steady load, having written what was queued when it was called', () => {
  let dir: string;
  let store: SqliteStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-review-gm10-'));
    store = await openSqliteStore({ file: join(dir, 'gatehouse.db') });
  });
  after(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('flush (and verify after it) answer within a second while records keep coming', async () => {
    // Each write takes 20 ms, as over a network to a database.
    const slow: Store = { ...store, read: (fn, o) => store.read(fn, o), write: async (fn) => {
      await new Promise((r) => setTimeout(r, 20));
      return store.write(fn);
    } } as Store;
    const audit = createAudit({ store: slow, now: () => Date.now(), appender: storeAppender(slow) }, { flushMs: 5 });
    let i = 0;
    for (; i < 50; i++) audit.record(decision(i));
    const load = setInterval(() => {
      for (let k = 0; k < 5; k++) audit.record(decision(i++));
    }, 2);
    try {
      const queued = i;
      const started = Date.now();
      const flushed = await Promise.race([audit.flush(), new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), 3000))]);
      assert.equal(flushed, true, `flush did not return within 3 s under the load (${i - queued} records arrived meanwhile)`);
      assert.ok(Date.now() - started < 3000);
      // Every record queued when it was called is written.
      const written = await store.read((tx) => tx.audit.head());
      assert.ok(written.seq >= queued, `${written.seq} records written, ${queued} were queued when flush was called`);
      const v = await audit.verify(rootAdminCaller);
      assert.ok(v.ok && v.value.ok, JSON.stringify(v));
    } finally {
      clearInterval(load);
      await audit.stop();
    }
  });
});
