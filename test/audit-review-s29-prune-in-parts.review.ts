/**
 * Stop 29 (left by review ay): retention pruned the whole expired prefix of the audit log in one transaction. Every
 * write takes the store's one write lock (PostgreSQL's change-head row, SQLite's single writer), so a first pruning of
 * months of records, or the hourly one of a busy log, held it for as long as the delete took: appends waited, and under
 * the closed policy the audit gate refused sessions and changes once a record had waited 2 s; on PostgreSQL a delete
 * past the statement timeout failed, every hour, and the log was never pruned. Now a pruning deletes `PRUNE_CHUNK`
 * (10,000) records a transaction, each part with its own pruning record attesting its checkpoint, and lets queued
 * writes in between. A retention so long that the cut falls before the year 1 prunes nothing (it threw "Invalid
 * time value" every hour).
 * - both stores: 2,500 records, 2,200 older than the cut, pruned 1,000 at a time: three write transactions (one
 *   before), three pruning records (1,000, 1,000, 200), the checkpoint the last old record, and the chain verifies;
 * - a write queued while a part is pruned commits before the pruning ends (SQLite, where writes queue in order);
 * - a cut before the year 1: nothing pruned, no error.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAudit } from '../src/app/audit.ts';
import type { Store } from '../src/app/ports/store.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { rootAdminCaller, ROOT_ACCOUNT_ID } from './support/callers.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const stores: { name: string; skip: () => Promise<string | undefined>; open: () => Promise<{ store: Store; close: () => Promise<void> }> }[] = [
  {
    name: 'sqlite',
    skip: async () => undefined,
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'gh-review-s29-prune-'));
      dirs.push(dir);
      const store = await openSqliteStore({ dataDir: dir });
      return { store, close: () => store.close() };
    },
  },
  {
    name: 'postgres',
    skip: pgSkip,
    async open() {
      const schema = `gh_review_s29_prune_${randomBytes(5).toString('hex')}`;
      const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 3 });
      return { store, close: async () => (await store.close(), void (await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)))) };
    },
  },
];

for (const target of stores) {
  describe(`stop 29: retention prunes in parts, ${target.name}`, () => {
    it('a part a transaction, each attested, writes let in between; the chain verifies', { timeout: 120_000 }, async (t) => {
      const why = await target.skip();
      if (why !== undefined) return void t.skip(why);
      const { store: real, close } = await target.open();
      let writes = 0;
      /** Set: run once, at the start of the next write transaction (while that write holds the lock). */
      let duringWrite: (() => void) | undefined;
      const counted: Store = {
        dialect: real.dialect,
        migrations: real.migrations,
        read: (fn) => real.read(fn),
        write: (fn) => {
          writes += 1;
          return real.write(async (tx, abort) => {
            const hook = duringWrite;
            duringWrite = undefined;
            hook?.();
            return fn(tx, abort);
          });
        },
        close: () => real.close(),
      };
      let now = Date.parse('2026-01-01T00:00:00Z');
      const audit = createAudit({ store: counted, now: () => now }, { retentionDays: 30 });
      try {
        for (let i = 0; i < 2500; i++) {
          now += 1000;
          audit.record({ kind: 'decision', account: ROOT_ACCOUNT_ID, principal: `arn:aws:iam::${ROOT_ACCOUNT_ID}:user/u${i % 7}`, action: 's3:GetObject', resource: `arn:aws:s3:::b/k${i}`, decision: 'Allow' });
        }
        assert.equal(await audit.flush(), true);
        const all = await real.read((tx) => tx.audit.list({}, 0, 3000));
        assert.equal(all.length, 2500);
        const cut = Date.parse((all[2200] as { at: string }).at);

        // A write queued while the first part is pruned: it commits before the pruning ends (before: after it). Asserted
        // on SQLite, whose writes queue in this process in order; on PostgreSQL the other write's connection may reach
        // the lock only after the later parts have taken it, so there the order is not fixed (the parts still are).
        const order: string[] = [];
        let other: Promise<unknown> | undefined;
        duringWrite = () => {
          other = real.write(async (tx) => tx.kv.put('s29/marker', 'x')).then(() => order.push('other write'));
        };
        writes = 0;
        const r = await audit.prune(cut, 'gatehouse', 1000);
        order.push('pruning done');
        assert.equal(r.pruned, 2200);
        // Before: one transaction.
        assert.equal(writes, 3, 'one write transaction a part');
        await other;
        if (target.name === 'sqlite') assert.deepEqual(order, ['other write', 'pruning done']);
        else assert.equal(order.length, 2);
        assert.equal(r.head.baseSeq, (all[2199] as { seq: number }).seq);

        const left = await real.read((tx) => tx.audit.list({}, 0, 3000));
        const prunings = left.filter((x) => x.action === 'gatehouse:PruneAudit');
        assert.deepEqual(prunings.map((p) => p.detail['pruned']), [1000, 1000, 200]);
        assert.deepEqual((prunings.at(-1)?.detail['checkpoint'] as { seq: number }).seq, r.head.baseSeq);
        const v = await audit.verify(rootAdminCaller);
        assert.ok(v.ok);
        assert.equal(v.value.ok, true, JSON.stringify(v.value.broken));
        assert.equal(v.value.base.seq, r.head.baseSeq);

        // A retention reaching back before the year 1 (about 10^8 days): nothing to prune, no error.
        const none = await audit.prune(now - 1e8 * 86_400_000);
        assert.equal(none.pruned, 0);
      } finally {
        await audit.stop();
        await close();
      }
    });
  });
}
