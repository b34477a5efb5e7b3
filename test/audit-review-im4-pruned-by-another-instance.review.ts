/**
 * Review im, 4. `GATEHOUSE_AUDIT_RETENTION_DAYS` is each instance's own, and every instance prunes the one shared log
 * (docs/decisions.md). An instance with retention off answered `audit verify` with BROKEN (`retention`: "the audit log
 * was pruned, but retention is off on this server … tampering by someone with write access to the database") for a
 * pruning that an instance with retention on had done and recorded: the two instances disagreed about the same log,
 * and a deployment that pruned and then turned retention off got that break for ever.
 *
 * A pruning is recorded in the chain: the pruning record appended in the pruning's own transaction attests the new
 * checkpoint, and on a keyed chain it is linked with the chain's key, which someone with write access to the database
 * and no master key cannot do. Now such a keyed pruning record is the deployment's own pruning, whatever the retention
 * of the instance answering; a pruning whose record is not keyed (one forged in the database, review Y, 1), or records
 * deleted with no pruning record at all, is still reported `retention` where retention is off.
 *
 * Real servers (SQLite), one after the other on the same data directory: first with retention on, then off.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { linkEvents, type AuditRecord } from '../src/core/audit/index.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

interface Report {
  ok: boolean;
  base: { seq: number };
  breaks?: { reason: string; message: string }[];
}

async function verify(s: TestServer): Promise<Report> {
  const r = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit/verify');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as unknown as Report;
}

/** A pruning as someone with write access to the file and no key can make one (review Y, 1): delete, move, attest. */
function forgePruning(s: TestServer, upto: number): void {
  const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'), { timeout: 5000 });
  try {
    const cut = db.prepare('SELECT seq, hash FROM audit_log WHERE seq = ?').get(upto) as { seq: number; hash: string };
    const head = db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1').get() as { seq: number; hash: string };
    db.prepare('DELETE FROM audit_log WHERE seq <= ?').run(upto);
    db.prepare('UPDATE audit_head SET base_seq = ?, base_hash = ? WHERE id = 1').run(cut.seq, cut.hash);
    const at = Date.now();
    const [rec] = linkEvents(
      [{ at, event: { kind: 'change', account: '', principal: 'gatehouse', action: 'gatehouse:PruneAudit', resource: 'audit', decision: 'ok', detail: { before: new Date(at).toISOString(), pruned: 1, checkpoint: { seq: cut.seq, hash: cut.hash } } } }],
      head,
      (t) => createHash('sha256').update(t).digest('hex'),
    ) as [AuditRecord];
    db.prepare('INSERT INTO audit_log (seq, at, kind, account, principal, action, resource, decision, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)').run(
      rec.seq, rec.at, rec.kind, rec.account, rec.principal, rec.action, rec.resource, rec.decision ?? null, JSON.stringify(rec.detail), rec.prevHash, rec.hash,
    );
    db.prepare('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1').run(rec.seq, rec.hash);
  } finally {
    db.close();
  }
}

describe('review im4: a pruning another instance recorded, verified where retention is off', { timeout: 120_000 }, () => {
  let on: TestServer | undefined;
  let off: TestServer | undefined;
  let pruned = 0;
  before(async () => {
    on = await startTestServer({ keepDir: true, audit: { retentionDays: 3650 } });
    for (const n of ['im4-a', 'im4-b', 'im4-c']) await on.iam().send(new CreateUserCommand({ UserName: n }));
    assert.ok(await on.running.app.audit.flush());
    // What the instance's hourly sweep does, its cutoff past every record so far.
    pruned = (await on.running.app.audit.prune(Date.now() + 60_000)).head.baseSeq;
    assert.ok(pruned > 0);
    assert.equal((await verify(on)).ok, true);
    await on.stopServer();
    off = await startTestServer({ dataDir: on.dataDir });
  });
  after(async () => {
    await off?.stop();
    await on?.stop();
  });

  it('the recorded pruning verifies intact; a forged one is still reported', async () => {
    const s = off as TestServer;
    const intact = await verify(s);
    assert.equal(intact.ok, true, JSON.stringify(intact));
    assert.equal(intact.base.seq, pruned);

    await s.iam().send(new CreateUserCommand({ UserName: 'im4-d' }));
    assert.ok(await s.running.app.audit.flush());
    const head = (await s.running.app.deps.store.read((tx) => tx.audit.head())).seq;
    forgePruning(s, head);
    const forged = await verify(s);
    assert.equal(forged.ok, false, JSON.stringify(forged));
    assert.ok(forged.breaks?.some((b) => b.reason === 'retention' && /retention is off on this server/.test(b.message)), JSON.stringify(forged));
  });
});
