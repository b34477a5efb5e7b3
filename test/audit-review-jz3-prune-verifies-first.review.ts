/**
 * Review jz, 3 (high): retention pruned whatever the `at` column called old, unchecked. Someone with write access to
 * the database and no key set `at` to a date years back on the newest records (and every record before them), and
 * the instance's hourly sweep (or its next start) deleted them, moved the checkpoint and appended a pruning record
 * linked with the chain's key that attested it: `gatehouse audit verify` then said intact, and an anchor kept from
 * before was only "pruned, not confirmed", which `--accept-pruned-anchor` (for deployments that prune) accepts.
 * The server itself laundered the deletion of records of the last minutes. Now a pruning checks the records it
 * would delete, in its own transaction, as `verify` does (each links to the one before and matches its keyed hash,
 * `at` included): it deletes only the intact records before the first that does not verify, and logs why it stops
 * there, so an edited record and everything after it stay for `verify` to report.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

interface Report {
  ok: boolean;
  head: { seq: number };
  base: { seq: number };
  breaks?: { seq: number; reason: string; message: string }[];
}

const DAY_MS = 86_400_000;

describe('review jz3: a pruning deletes only records that verify', () => {
  let s: TestServer;
  const verify = async (): Promise<Report> => {
    const r = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit/verify');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as unknown as Report;
  };
  const users = async (prefix: string, n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await s.iam().send(new CreateUserCommand({ UserName: `${prefix}${i}` }));
    assert.ok(await s.running.app.audit.flush());
  };
  before(async () => {
    s = await startTestServer({ audit: { retentionDays: 30 } });
    await users('jz3-a', 3);
  });
  after(async () => {
    await s?.stop();
  });

  it('intact records past the cutoff are pruned as before, and the chain verifies from the checkpoint', async () => {
    const head = (await verify()).head.seq;
    const r = await s.running.app.audit.prune(Date.now() + 60_000);
    assert.equal(r.head.baseSeq, head);
    const v = await verify();
    assert.equal(v.ok, true, JSON.stringify(v));
    assert.equal(v.base.seq, head);
  });

  it('records whose `at` was set back in the database are not pruned: verify still reports them', async () => {
    await users('jz3-b', 4);
    const before = await verify();
    assert.equal(before.ok, true, JSON.stringify(before));
    const from = before.base.seq + 1;
    const upto = before.head.seq - 1;
    const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'), { timeout: 5000 });
    try {
      db.prepare("UPDATE audit_log SET at = '2001-01-01T00:00:00.000Z' WHERE seq >= ? AND seq <= ?").run(from, upto);
    } finally {
      db.close();
    }
    // The instance's sweep: records older than its 30 days.
    const r = await s.running.app.audit.prune(Date.now() - 30 * DAY_MS);
    assert.equal(r.pruned, 0, JSON.stringify(r));
    assert.equal(r.head.baseSeq, before.base.seq);
    assert.ok(s.logs.some((l) => l.includes(`record ${from}`) && /not pruned|does not verify/.test(l)), s.logs.join('\n'));
    const v = await verify();
    assert.equal(v.ok, false, JSON.stringify(v));
    assert.equal(v.base.seq, before.base.seq);
    assert.deepEqual(v.breaks?.filter((b) => b.reason === 'altered').map((b) => b.seq), Array.from({ length: upto - from + 1 }, (_, i) => from + i), JSON.stringify(v));
  });
});
